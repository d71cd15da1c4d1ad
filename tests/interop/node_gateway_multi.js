#!/usr/bin/env node
// Drives the whole smppd gateway with the third-party npm `smpp` client's submit_multi for
// tests/gateway_submit_multi.rs.
// Usage: node node_gateway_multi.js HOST PORT DEST[,DEST...] RECEIPTS
// Binds a receiver (demo/demo) first, then a transmitter; sends one submit_multi with
// registered_delivery to every DEST, then reads RECEIPTS deliver_sm on the receiver. Prints
// one JSON line with the submit_multi_resp and every receipt. Exits non-zero after 30 s.
'use strict';
const { connect: connectTo, call, exitAfter } = require('./node_common');

const [host, port, dests, wanted] = process.argv.slice(2);
const url = `smpp://${host}:${port}`;
const out = { receipts: [] };
exitAfter(30000, () => `node_gateway_multi: timed out with ${JSON.stringify(out)}`);
const connect = () => connectTo(url);

async function main() {
  const rx = await connect();
  out.bind_receiver = (await call(rx, 'bind_receiver', { system_id: 'demo', password: 'demo' })).command_status;
  const receipts = new Promise((resolve) => {
    rx.on('deliver_sm', (pdu) => {
      rx.send(pdu.response());
      out.receipts.push({
        esm_class: pdu.esm_class,
        source_addr: pdu.source_addr,
        destination_addr: pdu.destination_addr,
        text: pdu.short_message && pdu.short_message.message,
        receipted_message_id: pdu.receipted_message_id,
      });
      if (out.receipts.length >= Number(wanted)) resolve();
    });
  });
  const tx = await connect();
  out.bind_transmitter = (await call(tx, 'bind_transmitter', { system_id: 'demo', password: 'demo' })).command_status;
  const resp = await call(tx, 'submit_multi', {
    source_addr: 'smppd',
    source_addr_ton: 5,
    dest_address: dests.split(',').map((d) => ({ dest_addr_ton: 1, dest_addr_npi: 1, destination_addr: d })),
    registered_delivery: 1,
    short_message: '【smppd测试】您的会员积分已到账',
  });
  out.multi = {
    status: resp.command_status,
    message_id: resp.message_id,
    unsuccess_sme: resp.unsuccess_sme || [],
  };
  await receipts;
  console.log(JSON.stringify(out));
  process.exit(0);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
