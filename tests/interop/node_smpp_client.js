#!/usr/bin/env node
// Drives smppd with the third-party npm `smpp` client for tests/server_interop_node.rs.
// Usage: node node_smpp_client.js HOST PORT
// Prints "READY" once the receiver is bound and the submits are answered, then one JSON line
// with everything observed. Exits non-zero if anything hangs for more than 15 s.
'use strict';
const { connect: connectTo, call, exitAfter } = require('./node_common');

const [host, port] = process.argv.slice(2);
const url = `smpp://${host}:${port}`;
exitAfter(15000, 'node_smpp_client: timed out');
const connect = () => connectTo(url);

async function submitParts(session, parts) {
  const out = [];
  for (const p of parts) {
    const resp = await call(session, 'submit_sm', {
      source_addr: 'smppd',
      source_addr_ton: 5,
      destination_addr: '8613800138000',
      dest_addr_ton: 1,
      dest_addr_npi: 1,
      registered_delivery: 1,
      ...p,
    });
    out.push({ command: resp.command, status: resp.command_status, message_id: resp.message_id });
  }
  return out;
}

async function main() {
  const r = {};
  const rx = await connect();
  r.bind_receiver = (await call(rx, 'bind_receiver', { system_id: 'demo', password: 'demo' })).command_status;
  const receipt = new Promise((resolve) => {
    rx.on('deliver_sm', (pdu) => {
      rx.send(pdu.response());
      resolve({
        esm_class: pdu.esm_class,
        short_message: pdu.short_message && pdu.short_message.message,
        receipted_message_id: pdu.receipted_message_id,
      });
    });
  });

  const tx = await connect();
  r.bind_transmitter = (await call(tx, 'bind_transmitter', { system_id: 'demo', password: 'demo' })).command_status;
  r.gsm7 = await submitParts(tx, [{ short_message: 'Hello from node smpp' }]);
  r.ucs2 = await submitParts(tx, [{ short_message: '【测试】您的订单已发货，单号SF1234567890。' }]);
  // A concatenated message: two parts, each with an 8-bit-reference concat UDH (IEI 0x00).
  const ref = 0x42;
  r.long = await submitParts(tx, [1, 2].map((i) => ({
    esm_class: 0x40,
    short_message: {
      udh: Buffer.from([0x05, 0x00, 0x03, ref, 2, i]),
      message: i === 1 ? 'A'.repeat(153) : 'B'.repeat(40),
    },
  })));
  const el = await call(tx, 'enquire_link');
  r.enquire_link = { command: el.command, status: el.command_status };

  const trx = await connect();
  r.bind_transceiver = (await call(trx, 'bind_transceiver', { system_id: 'demo', password: 'demo' })).command_status;
  r.trx_submit = await submitParts(trx, [{ short_message: 'via transceiver' }]);
  const tu = await call(trx, 'unbind');
  r.unbind = [{ command: tu.command, status: tu.command_status }];
  trx.close();

  // Negative cases seen through this client.
  const bad = await connect();
  r.bad_password = (await call(bad, 'bind_transmitter', { system_id: 'demo', password: 'nope' })).command_status;
  bad.destroy();
  const early = await connect();
  r.submit_before_bind = (await submitParts(early, [{ short_message: 'too early' }]))[0].status;
  early.destroy();

  console.log('READY');
  r.receipt = await receipt;

  for (const s of [tx, rx]) {
    const u = await call(s, 'unbind');
    r.unbind.push({ command: u.command, status: u.command_status });
    s.close();
  }
  console.log(JSON.stringify(r));
}

main().catch((e) => {
  console.error('node_smpp_client:', e);
  process.exit(1);
});
