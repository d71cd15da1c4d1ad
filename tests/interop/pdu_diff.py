#!/usr/bin/env python3
"""Differential test helper: python `smpplib` (an independent SMPP 3.4 implementation) on one
side, smppd's codec on the other. Driven by tests/codec_interop_smpplib.rs.

PDUs are exchanged in smppd's JSON shape (`smppd decode` output): {"sequence_number",
"command_status", "body": {"command", <spec field names>, "tlvs": [{name: value}]}} with octet
strings in hex. This file converts that shape to smpplib keyword arguments and back; it never
imports or calls smppd.

  pdu_diff.py build   -> one JSON line per case: {"name", "hex" (smpplib's bytes), "pdu"}
  pdu_diff.py parse   <- hex lines on stdin; -> {"pdu" (smpplib's parse), "hex" (smpplib
                         regenerating the PDU from what it parsed)} per line
"""
import json
import random
import sys

import smpplib.command
import smpplib.consts
import smpplib.smpp

# smppd status names for the codes these cases use.
STATUS = {0: "ESME_ROK", 0x03: "ESME_RINVCMDID", 0x0D: "ESME_RBINDFAIL", 0x58: "ESME_RTHROTTLED",
          0x0A: "ESME_RINVSRCADR", 0x45: "ESME_RSUBMITFAIL"}
STATUS_CODE = {v: k for k, v in STATUS.items()}

# TLVs whose smpplib encoding matches SMPP 3.4 (smpplib gets a few wrong, e.g. it writes
# source_addr_subunit with 2 octets and data_sm_resp's delivery_failure_reason as text).
INT_TLVS = {"user_message_reference", "source_port", "destination_port", "sar_msg_ref_num",
            "sar_total_segments", "sar_segment_seqnum", "more_messages_to_send", "payload_type",
            "privacy_indicator", "message_state", "language_indicator", "user_response_code",
            "ms_availability_status", "dpf_result", "sc_interface_version", "qos_time_to_live",
            "its_session_info"}
HEX_TLVS = {"message_payload"}
STR_TLVS = {"receipted_message_id", "additional_status_info_text"}

SM_FIELDS = ["service_type", "source_addr_ton", "source_addr_npi", "source_addr", "dest_addr_ton",
             "dest_addr_npi", "destination_addr", "esm_class", "protocol_id", "priority_flag",
             "schedule_delivery_time", "validity_period", "registered_delivery",
             "replace_if_present_flag", "data_coding", "sm_default_msg_id", "short_message"]
FIELDS = {
    "bind_transmitter": ["system_id", "password", "system_type", "interface_version", "addr_ton",
                         "addr_npi", "address_range"],
    "bind_transmitter_resp": ["system_id"],
    "submit_sm": SM_FIELDS, "deliver_sm": SM_FIELDS,
    "submit_sm_resp": ["message_id"], "deliver_sm_resp": ["message_id"],
    "data_sm_resp": ["message_id"],
    "data_sm": ["service_type", "source_addr_ton", "source_addr_npi", "source_addr",
                "dest_addr_ton", "dest_addr_npi", "destination_addr", "esm_class",
                "registered_delivery", "data_coding"],
    "query_sm": ["message_id", "source_addr_ton", "source_addr_npi", "source_addr"],
    "query_sm_resp": ["message_id", "final_date", "message_state", "error_code"],
    "alert_notification": ["source_addr_ton", "source_addr_npi", "source_addr", "esme_addr_ton",
                           "esme_addr_npi", "esme_addr"],
}
for kind in ("receiver", "transceiver"):
    FIELDS["bind_" + kind] = FIELDS["bind_transmitter"]
    FIELDS["bind_" + kind + "_resp"] = FIELDS["bind_transmitter_resp"]
HAS_TLVS = {"bind_transmitter_resp", "bind_receiver_resp", "bind_transceiver_resp", "submit_sm",
            "deliver_sm", "data_sm", "data_sm_resp", "alert_notification", "submit_sm_resp",
            "deliver_sm_resp"}
HEX_FIELDS = {"short_message"}
INT_FIELDS = {"source_addr_ton", "source_addr_npi", "dest_addr_ton", "dest_addr_npi", "esm_class",
              "protocol_id", "priority_flag", "registered_delivery", "replace_if_present_flag",
              "data_coding", "sm_default_msg_id", "interface_version", "addr_ton", "addr_npi",
              "message_state", "error_code", "esme_addr_ton", "esme_addr_npi"}


def default_body(command):
    """The smppd JSON body with every field at its default (empty string, 0, no TLVs)."""
    body = {"command": command}
    for f in FIELDS.get(command, []):
        body[f] = 0 if f in INT_FIELDS else ""
    if command in HAS_TLVS:
        body["tlvs"] = []
    return body


def tlv_order(command):
    cls = smpplib.command.factory(command, sequence=1).__class__
    return list(cls.params_order)


def to_smpplib(pdu):
    """Builds the smpplib PDU object for a PDU in smppd's JSON shape."""
    body = pdu["body"]
    command = body["command"]
    kwargs = {"sequence": pdu["sequence_number"], "status": STATUS_CODE[pdu["command_status"]]}
    for f in FIELDS.get(command, []):
        v = body[f]
        if f in HEX_FIELDS:
            v = bytes.fromhex(v) if v else None
        elif f not in INT_FIELDS:
            v = v if v else None
        kwargs[f] = v
    for tlv in body.get("tlvs", []):
        (name, value), = tlv.items()
        if name == "network_error_code":
            value = bytes([value["network_type"]]) + value["error_code"].to_bytes(2, "big")
        elif name in HEX_TLVS:
            value = bytes.fromhex(value)
        kwargs[name] = value
    p = smpplib.smpp.make_pdu(command, **kwargs)
    # smpplib's constructor ignores `sequence` when its dummy client already has one.
    p.sequence = pdu["sequence_number"]
    p.status = kwargs["status"]
    return p


def smpplib_hex(pdu):
    return to_smpplib(pdu).generate().hex()


def from_smpplib(p):
    """smpplib's parse of a PDU, in smppd's JSON shape (TLVs in smpplib's emission order)."""
    command = p.command
    body = default_body(command)
    for f in FIELDS.get(command, []):
        v = getattr(p, f, None)
        if f in HEX_FIELDS:
            body[f] = (v or b"").hex()
        elif f in INT_FIELDS:
            body[f] = v or 0
        else:
            body[f] = (v or b"").decode("latin-1") if isinstance(v, (bytes, type(None))) else v
    if command in HAS_TLVS:
        for name in tlv_order(command):
            if name in FIELDS.get(command, []) or name == "sm_length":
                continue
            v = getattr(p, name, None)
            if v is None:
                continue
            if name == "network_error_code":
                v = {"network_type": v[0], "error_code": int.from_bytes(v[1:3], "big")}
            elif name in HEX_TLVS:
                v = v.hex()
            elif name in STR_TLVS:
                v = v.decode("latin-1")
            body["tlvs"].append({name: v})
    return {"sequence_number": p.sequence, "command_status": STATUS.get(p.status, p.status),
            "body": body}


def case(command, seq=1, status="ESME_ROK", tlvs=(), **fields):
    body = default_body(command)
    if command.startswith("bind_") and not command.endswith("_resp"):
        body["interface_version"] = 0x34  # smpplib always sends 3.4
    body.update(fields)
    if tlvs:
        order = tlv_order(command)
        body["tlvs"] = sorted((dict([t]) for t in tlvs), key=lambda t: order.index(next(iter(t))))
    return {"sequence_number": seq, "command_status": status, "body": body}


def fixed_cases():
    ucs2 = "【示例】您的验证码是123456，5分钟内有效。".encode("utf-16-be").hex()
    receipt = ("id:0123456789ABCDEF sub:001 dlvrd:001 submit date:2406011230 "
               "done date:2406011231 stat:DELIVRD err:000 text:Hello").encode().hex()
    return [
        ("bind_transmitter", case("bind_transmitter", 1, system_id="smppclient1", password="password")),
        ("bind_receiver", case("bind_receiver", 2, system_id="acct", password="pw", system_type="VMA",
                               addr_ton=1, addr_npi=1, address_range="^8613")),
        ("bind_transceiver", case("bind_transceiver", 3, system_id="a" * 15, password="p" * 8,
                                  system_type="s" * 12, address_range="r" * 40)),
        ("bind_transmitter_resp", case("bind_transmitter_resp", 1, system_id="SMSC",
                                       tlvs=[("sc_interface_version", 0x34)])),
        ("bind_receiver_resp", case("bind_receiver_resp", 2, system_id="SMSC-GW-01")),
        ("generic_nack", case("generic_nack", 9, status="ESME_RINVCMDID")),
        ("submit_sm_gsm", case("submit_sm", 10, source_addr_ton=5, source_addr="smppd", dest_addr_ton=1,
                               dest_addr_npi=1, destination_addr="8613800138000", registered_delivery=1,
                               short_message=b"Hello world".hex())),
        ("submit_sm_ucs2", case("submit_sm", 11, source_addr="10690001", destination_addr="13800138000",
                                data_coding=8, short_message=ucs2)),
        ("submit_sm_udh", case("submit_sm", 12, esm_class=0x40, destination_addr="13800138000",
                               data_coding=8, short_message="0500037f0201" + ucs2[:120])),
        ("submit_sm_sar", case("submit_sm", 13, destination_addr="13800138000", short_message="41",
                               tlvs=[("sar_msg_ref_num", 513), ("sar_total_segments", 3),
                                     ("sar_segment_seqnum", 2), ("user_message_reference", 7),
                                     ("source_port", 2948), ("destination_port", 2948)])),
        ("submit_sm_payload", case("submit_sm", 14, destination_addr="13800138000", data_coding=8,
                                   tlvs=[("message_payload", ucs2 * 3)])),
        ("submit_sm_max", case("submit_sm", 0x7FFFFFFF, service_type="CMT12", source_addr="1" * 20,
                               destination_addr="2" * 20, schedule_delivery_time="240601123000032+",
                               validity_period="000001000000000R", priority_flag=3,
                               short_message="ab" * 254)),
        ("submit_sm_empty", case("submit_sm", 15)),
        ("submit_sm_resp", case("submit_sm_resp", 10, message_id="0123456789ABCDEF")),
        ("deliver_sm_receipt", case("deliver_sm", 20, esm_class=4, source_addr="13800138000",
                                    destination_addr="10690001", short_message=receipt,
                                    tlvs=[("receipted_message_id", "0123456789ABCDEF"),
                                          ("message_state", 2),
                                          ("network_error_code", {"network_type": 3, "error_code": 0})])),
        ("deliver_sm_mo", case("deliver_sm", 21, source_addr="8613800138000", destination_addr="106900011",
                               data_coding=8, short_message=ucs2)),
        ("deliver_sm_resp", case("deliver_sm_resp", 20)),
        ("data_sm", case("data_sm", 30, source_addr="smppd", destination_addr="8613800138000",
                         registered_delivery=1, data_coding=8,
                         tlvs=[("message_payload", ucs2), ("qos_time_to_live", 3600)])),
        ("data_sm_resp", case("data_sm_resp", 30, message_id="m-1",
                              tlvs=[("additional_status_info_text", "queued"), ("dpf_result", 1)])),
        ("query_sm", case("query_sm", 40, message_id="0123456789ABCDEF", source_addr="smppd")),
        ("query_sm_resp", case("query_sm_resp", 40, message_id="0123456789ABCDEF",
                               final_date="240601123100000+", message_state=2)),
        ("unbind", case("unbind", 50)),
        ("unbind_resp", case("unbind_resp", 50)),
        ("enquire_link", case("enquire_link", 51)),
        ("enquire_link_resp", case("enquire_link_resp", 51)),
        ("alert_notification", case("alert_notification", 60, source_addr_ton=1, source_addr_npi=1,
                                    source_addr="8613800138000", esme_addr="smppd",
                                    tlvs=[("ms_availability_status", 0)])),
    ]


def random_cases(n, seed):
    """Seeded random submit_sm/deliver_sm with fields in their spec ranges."""
    rnd = random.Random(seed)
    digits = lambda k: "".join(rnd.choice("0123456789") for _ in range(k))
    out = []
    for i in range(n):
        command = rnd.choice(["submit_sm", "deliver_sm"])
        tlvs = []
        if rnd.random() < 0.5:
            total = rnd.randint(2, 9)
            tlvs += [("sar_msg_ref_num", rnd.randint(1, 65535)), ("sar_total_segments", total),
                     ("sar_segment_seqnum", rnd.randint(1, total))]
        if command == "deliver_sm" and rnd.random() < 0.5:
            tlvs += [("receipted_message_id", digits(rnd.randint(1, 64))),
                     ("message_state", rnd.randint(1, 8))]
        sm = bytes(rnd.randrange(256) for _ in range(rnd.randint(1, 254))).hex()
        out.append((f"random_{seed}_{i}", case(
            command, rnd.randint(1, 0x7FFFFFFF), source_addr_ton=rnd.randint(0, 6),
            source_addr_npi=rnd.choice([0, 1, 9]), source_addr=digits(rnd.randint(1, 20)),
            dest_addr_ton=rnd.randint(0, 6), dest_addr_npi=rnd.choice([0, 1]),
            destination_addr=digits(rnd.randint(1, 20)), esm_class=rnd.choice([0, 4, 0x40]),
            protocol_id=rnd.randint(1, 255), priority_flag=rnd.randint(1, 3),
            registered_delivery=rnd.randint(1, 3), data_coding=rnd.choice([1, 3, 8, 15]),
            short_message=sm, tlvs=tlvs)))
    return out


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else "build"
    if mode == "build":
        for name, pdu in fixed_cases() + random_cases(200, 34):
            print(json.dumps({"name": name, "hex": smpplib_hex(pdu), "pdu": pdu}, ensure_ascii=False))
    elif mode == "parse":
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            # `sequence` only keeps smpplib from asking its dummy client; parse() overwrites it.
            p = smpplib.smpp.parse_pdu(bytes.fromhex(line), sequence=1)
            mine = from_smpplib(p)
            print(json.dumps({"pdu": mine, "hex": smpplib_hex(mine)}, ensure_ascii=False))
    else:
        sys.exit(f"usage: {sys.argv[0]} build|parse")


if __name__ == "__main__":
    main()
