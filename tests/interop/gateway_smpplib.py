#!/usr/bin/env python3
"""Drives the whole smppd gateway with the third-party python `smpplib` client for the
tests/gateway_*.rs end-to-end tests.

Usage: gateway_smpplib.py HOST PORT < spec.json
spec: {"submits": [{"dest": "13800000001", "text": "...", "service_type": ""}, ...],
       "receipts": N, "timeout": seconds}
A receiver is bound on its own connection BEFORE the transmitter; each text is split by
smpplib itself (GSM-7 or UCS-2, UDH-concatenated when long); then up to N receipts are read
on the receiver. Prints one JSON object with everything observed.
"""
import json
import sys
import time

import smpplib.client
import smpplib.consts as c
import smpplib.gsm
import smpplib.smpp

TIMEOUT = 10


def connect(host, port):
    cl = smpplib.client.Client(host, port, timeout=TIMEOUT, allow_unknown_opt_params=True)
    cl.connect()
    return cl


def text_of(v):
    return v.decode("latin-1") if isinstance(v, bytes) else (v or "")


def main():
    host, port = sys.argv[1], int(sys.argv[2])
    spec = json.load(sys.stdin)
    out = {"submits": [], "receipts": [], "mo": []}

    rx = connect(host, port)
    out["bind_receiver"] = int(rx.bind_receiver(system_id="demo", password="demo").status)
    tx = connect(host, port)
    out["bind_transmitter"] = int(tx.bind_transmitter(system_id="demo", password="demo").status)

    for item in spec["submits"]:
        parts, dc, esm = smpplib.gsm.make_parts(item["text"])
        resps = []
        for part in parts:
            tx.send_message(
                service_type=item.get("service_type", ""),
                source_addr_ton=c.SMPP_TON_ALNUM,
                source_addr="smppd",
                dest_addr_ton=c.SMPP_TON_INTL if item["dest"].startswith("86") else c.SMPP_TON_UNK,
                dest_addr_npi=c.SMPP_NPI_ISDN,
                destination_addr=item["dest"],
                short_message=part,
                data_coding=dc,
                esm_class=esm,
                registered_delivery=1,
            )
            resp = tx.read_pdu()
            resps.append({"status": int(resp.status), "message_id": text_of(resp.message_id)})
        out["submits"].append(resps)

    want = int(spec.get("receipts", 0))
    deadline = time.time() + float(spec.get("timeout", TIMEOUT))
    rx._socket.settimeout(1.0)
    seen = set()
    while len(out["receipts"]) < want and time.time() < deadline:
        try:
            pdu = rx.read_pdu()
        except Exception:  # socket timeout: keep waiting until the deadline
            continue
        if pdu.command == "deliver_sm":
            entry = {
                "esm_class": int(pdu.esm_class),
                "short_message": text_of(pdu.short_message),
                "receipted_message_id": text_of(pdu.receipted_message_id),
                "message_state": int(pdu.message_state or 0),
            }
            resp = smpplib.smpp.make_pdu("deliver_sm_resp", client=rx)
            resp.sequence = pdu.sequence
            rx.send_pdu(resp)
            if entry["esm_class"] & 0x04:
                # Receipts are at-least-once: keep the first of each id.
                if entry["receipted_message_id"] not in seen:
                    seen.add(entry["receipted_message_id"])
                    out["receipts"].append(entry)
            else:
                out["mo"].append(entry)
        elif pdu.command == "enquire_link":
            rx._enquire_link_received(pdu)
    rx._socket.settimeout(TIMEOUT)

    for cl in (tx, rx):
        try:
            cl.unbind()
        except Exception:
            pass
        cl.disconnect()
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
