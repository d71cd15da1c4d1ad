// Helpers shared by the npm `smpp` client scripts of the integration tests.
'use strict';
const smpp = require('smpp');

// Opens a session to `url` (smpp://HOST:PORT); resolves once connected.
function connect(url) {
  return new Promise((resolve, reject) => {
    const s = smpp.connect({ url });
    s.on('connect', () => resolve(s));
    s.on('error', reject);
  });
}

// Calls an operation and resolves with its response PDU (whatever its status).
function call(session, op, params) {
  return new Promise((resolve) => session[op](params || {}, resolve));
}

// Exits with status 2 after `ms`, printing `what` (a string or a function giving one).
function exitAfter(ms, what) {
  setTimeout(() => {
    console.error(typeof what === 'function' ? what() : what);
    process.exit(2);
  }, ms).unref();
}

module.exports = { connect, call, exitAfter };
