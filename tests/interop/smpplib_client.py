#!/usr/bin/env python3
"""Drives smppd with the third-party python `smpplib` client for tests/server_interop_smpplib.rs.

Usage: smpplib_client.py SCENARIO HOST PORT
Prints one JSON object on stdout with what the client observed; the Rust test asserts on it.
Every socket has a timeout, so a server that stops answering fails the test instead of hanging.
"""
import json
import socket
import struct
import sys
import threading
import time

import smpplib.client
import smpplib.consts as c
import smpplib.gsm
import smpplib.smpp

TIMEOUT = 10


def client(host, port):
    cl = smpplib.client.Client(host, port, timeout=TIMEOUT, allow_unknown_opt_params=True)
    cl.connect()
    return cl


def bind(cl, kind, system_id, password):
    """Returns the bind_resp status (0 on success) instead of raising."""
    try:
        resp = getattr(cl, "bind_" + kind)(system_id=system_id, password=password)
        return int(resp.status)
    except smpplib.exceptions.PDUError as e:
        return int(e.args[1])


def submit(cl, text_parts, data_coding, esm_class, dest="8613800138000"):
    """Sends each part as a submit_sm and reads its submit_sm_resp."""
    out = []
    for part in text_parts:
        cl.send_message(
            source_addr_ton=c.SMPP_TON_ALNUM,
            source_addr="smppd",
            dest_addr_ton=c.SMPP_TON_INTL,
            dest_addr_npi=c.SMPP_NPI_ISDN,
            destination_addr=dest,
            short_message=part,
            data_coding=data_coding,
            esm_class=esm_class,
            registered_delivery=1,
        )
        resp = cl.read_pdu()
        mid = resp.message_id.decode() if isinstance(resp.message_id, bytes) else resp.message_id
        out.append({"command": resp.command, "status": int(resp.status), "message_id": mid,
                    "sequence": resp.sequence})
    return out


def raw_pdu(command_id, seq, body=b"", status=0):
    return struct.pack(">IIII", 16 + len(body), command_id, status, seq) + body


def read_raw(sock):
    """Reads one PDU: returns (command_id, status, seq, body)."""
    head = b""
    while len(head) < 16:
        chunk = sock.recv(16 - len(head))
        if not chunk:
            raise ConnectionError("closed")
        head += chunk
    length, cid, status, seq = struct.unpack(">IIII", head)
    body = b""
    while len(body) < length - 16:
        chunk = sock.recv(length - 16 - len(body))
        if not chunk:
            raise ConnectionError("closed")
        body += chunk
    return cid, status, seq, body


def flow(host, port):
    result = {}
    # The receiver bind is its own connection, separate from the transmitter.
    rx = client(host, port)
    result["bind_receiver"] = bind(rx, "receiver", "demo", "demo")

    tx = client(host, port)
    result["bind_transmitter"] = bind(tx, "transmitter", "demo", "demo")
    gsm_parts, gsm_dc, gsm_esm = smpplib.gsm.make_parts("Hello from smpplib @ {1} €5")
    result["gsm7"] = submit(tx, gsm_parts, gsm_dc, gsm_esm)
    ucs_parts, ucs_dc, ucs_esm = smpplib.gsm.make_parts("【测试】您的验证码是123456，5分钟内有效。")
    result["ucs2"] = submit(tx, ucs_parts, ucs_dc, ucs_esm)
    long_text = "Long message. " * 20  # 280 GSM-7 characters → 2 parts with a UDH
    long_parts, long_dc, long_esm = smpplib.gsm.make_parts(long_text)
    result["long"] = submit(tx, long_parts, long_dc, long_esm)
    result["long_esm_class"] = long_esm

    # enquire_link from the client.
    tx.send_pdu(smpplib.smpp.make_pdu("enquire_link", client=tx))
    resp = tx.read_pdu()
    result["enquire_link"] = {"command": resp.command, "status": int(resp.status)}

    # query_sm on our own message.
    first_id = result["gsm7"][0]["message_id"]
    # (smpplib's own state table does not list query_sm for a transmitter, so send it raw.)
    q = smpplib.smpp.make_pdu("query_sm", client=tx, message_id=first_id,
                              source_addr_ton=c.SMPP_TON_ALNUM, source_addr="smppd")
    tx._socket.sendall(q.generate())
    resp = tx.read_pdu()
    result["query_sm"] = {"command": resp.command, "status": int(resp.status),
                          "message_state": int(getattr(resp, "message_state", -1) or 0)}

    trx = client(host, port)
    result["bind_transceiver"] = bind(trx, "transceiver", "demo", "demo")
    result["trx_submit"] = submit(trx, [b"via transceiver"], 0, 0)
    resp = trx.unbind()
    result["unbind"] = [{"command": resp.command, "status": int(resp.status)}]
    trx.disconnect()

    # Tell the Rust side we are ready for the receipt, then wait for it on the receiver.
    print("READY", flush=True)
    got = None
    deadline = time.time() + TIMEOUT
    while time.time() < deadline and got is None:
        pdu = rx.read_pdu()
        if pdu.command == "deliver_sm":
            got = {
                "esm_class": int(pdu.esm_class),
                "short_message": pdu.short_message.decode("latin-1"),
                "receipted_message_id": (pdu.receipted_message_id or b"").decode()
                if isinstance(pdu.receipted_message_id, bytes) else pdu.receipted_message_id,
                "sequence": pdu.sequence,
            }
            resp = smpplib.smpp.make_pdu("deliver_sm_resp", client=rx)
            resp.sequence = pdu.sequence
            rx.send_pdu(resp)
        elif pdu.command == "enquire_link":
            rx._enquire_link_received(pdu)
    result["receipt"] = got

    for cl in (tx, rx):
        resp = cl.unbind()
        result["unbind"].append({"command": resp.command, "status": int(resp.status)})
        cl.disconnect()
    return result


def negative(host, port):
    r = {}
    for name, kind, sid, pw in [
        ("bad_password", "transmitter", "demo", "wrong"),
        ("unknown_system_id", "transmitter", "nobody", "demo"),
        ("ip_not_allowed", "transmitter", "remote", "remote"),
        ("bind_type_not_allowed", "receiver", "txonly", "txonly"),
    ]:
        cl = client(host, port)
        r[name] = bind(cl, kind, sid, pw)
        cl.disconnect()

    # max_binds = 1: the second concurrent bind is refused while the first is alive, i.e.
    # answers the server's enquire_link probe (a listening thread does that).
    first = client(host, port)
    r["first_single_bind"] = bind(first, "transmitter", "single", "single")
    stop = threading.Event()

    def keep_alive():
        while not stop.is_set():
            try:
                first.read_once()
            except socket.timeout:
                continue
            except Exception:
                return

    first._socket.settimeout(0.2)
    t = threading.Thread(target=keep_alive, daemon=True)
    t.start()
    second = client(host, port)
    r["too_many_binds"] = bind(second, "transmitter", "single", "single")
    second.disconnect()
    stop.set()
    t.join()
    first._socket.close()

    # submit_sm before any bind: the client library refuses to send it, so send it raw.
    cl = client(host, port)
    ssm = smpplib.smpp.make_pdu("submit_sm", client=cl, source_addr="x",
                                destination_addr="8613800138000", short_message=b"hi")
    cl._socket.sendall(ssm.generate())
    cid, status, seq, _ = read_raw(cl._socket)
    r["submit_before_bind"] = {"command_id": cid, "status": status}
    # The same connection can still bind afterwards.
    r["bind_after_wrong_state"] = bind(cl, "receiver", "demo", "demo")
    # submit_sm on a receiver bind is also the wrong state.
    cl._socket.sendall(ssm.generate())
    cid, status, seq, _ = read_raw(cl._socket)
    r["submit_on_receiver"] = {"command_id": cid, "status": status}

    # An unknown command_id gets generic_nack ESME_RINVCMDID.
    cl._socket.sendall(raw_pdu(0x00000099, 77))
    cid, status, seq, _ = read_raw(cl._socket)
    r["unknown_command"] = {"command_id": cid, "status": status, "sequence": seq}

    # A corrupt body (a submit_sm cut short inside its addresses) gets generic_nack and the
    # session continues: an enquire_link afterwards is answered.
    cl2 = client(host, port)
    bind(cl2, "transmitter", "demo", "demo")
    cl2._socket.sendall(raw_pdu(0x00000004, 91, b"\x00\x01\x01abc"))
    cid, status, seq, _ = read_raw(cl2._socket)
    r["corrupt_body"] = {"command_id": cid, "status": status, "sequence": seq}
    cl2._socket.sendall(raw_pdu(0x00000015, 92))
    cid, status, seq, _ = read_raw(cl2._socket)
    r["after_corrupt"] = {"command_id": cid, "status": status, "sequence": seq}

    # Window: the test gateway holds submits to 8600000000000 until released, so with
    # inbound_window = 4 the fifth outstanding submit is throttled.
    held = []
    for i in range(5):
        p = smpplib.smpp.make_pdu("submit_sm", client=cl2, source_addr="x",
                                  destination_addr="8600000000000", short_message=b"held")
        cl2._socket.sendall(p.generate())
        held.append(p.sequence)
    cid, status, seq, _ = read_raw(cl2._socket)
    r["window_exceeded"] = {"command_id": cid, "status": status, "sequence": seq,
                            "fifth_sequence": held[4]}
    cl2._socket.close()
    cl._socket.close()
    return r


def main():
    scenario, host, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
    out = {"flow": flow, "negative": negative}[scenario](host, port)
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
