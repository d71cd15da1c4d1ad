//! Differential test against python `smpplib`, an independent SMPP 3.4 implementation.
//!
//! Both directions: PDUs built by smpplib must decode to the intended value and re-encode to
//! smpplib's exact bytes; PDUs encoded by smppd must parse in smpplib to the same fields and
//! smpplib must regenerate our exact bytes. The python side is `tests/interop/pdu_diff.py`.
//! Skips (loudly) only when smpplib is missing and `CI` is not `true`.

use std::io::Write;
use std::process::{Command, Stdio};

use bytes::Bytes;
use serde_json::Value;
use smppd::pdu::{decode_pdu, Body, DeliverSm, Pdu, ShortMessage, SubmitSm, Tlv, Tlvs};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/interop/pdu_diff.py");

fn smpplib_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import smpplib"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "python3 with smpplib is required when CI=true (run tests/run.sh to install it)"
        );
        eprintln!("SKIPPED: python3 `smpplib` not installed (pip install -r tests/interop/requirements.txt)");
    }
    ok
}

fn run_script(mode: &str, stdin: &str) -> Vec<Value> {
    let mut child = Command::new("python3")
        .args([SCRIPT, mode])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn python3");
    // Feed stdin from a thread: python answers line by line, so writing everything before
    // reading would deadlock once both pipes fill.
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_owned();
    let writer = std::thread::spawn(move || pipe.write_all(input.as_bytes()));
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    assert!(out.status.success(), "pdu_diff.py {mode} failed");
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

#[test]
fn smpplib_built_pdus_decode_and_reencode_identically() {
    if !smpplib_available() {
        return;
    }
    let cases = run_script("build", "");
    assert!(
        cases.len() > 200,
        "expected the fixed and random cases, got {}",
        cases.len()
    );
    for case in cases {
        let name = case["name"].as_str().unwrap();
        let hex = case["hex"].as_str().unwrap();
        let intended: Pdu = serde_json::from_value(case["pdu"].clone())
            .unwrap_or_else(|e| panic!("{name}: our JSON model rejects smpplib's case: {e}"));
        let decoded = decode_pdu(Bytes::from(hex::decode(hex).unwrap()))
            .unwrap_or_else(|e| panic!("{name}: smppd cannot decode smpplib's bytes {hex}: {e}"));
        assert_eq!(decoded, intended, "{name}: decoded value differs");
        assert_eq!(
            hex::encode(intended.to_bytes()),
            hex,
            "{name}: smppd encodes other bytes than smpplib"
        );
    }
}

/// xorshift64: a deterministic generator, so a failure names a reproducible case.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn upto(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn digits(&mut self, max: u64) -> String {
        let n = 1 + self.upto(max);
        (0..n)
            .map(|_| char::from(b'0' + self.upto(10) as u8))
            .collect()
    }
}

/// submit_sm/deliver_sm with every field in range and TLVs in smpplib's emission order.
fn our_case(rng: &mut Rng, seq: u32) -> Pdu {
    let sm_len = rng.upto(255) as usize;
    let sm: Vec<u8> = (0..sm_len).map(|_| rng.next() as u8).collect();
    let deliver = rng.upto(2) == 0;
    let mut tlvs = Tlvs::new();
    if rng.upto(2) == 0 {
        tlvs.push(Tlv::UserMessageReference(rng.next() as u16));
    }
    if rng.upto(2) == 0 {
        let total = 2 + rng.upto(8) as u8;
        tlvs.push(Tlv::SarMsgRefNum(rng.next() as u16));
        tlvs.push(Tlv::SarTotalSegments(total));
        tlvs.push(Tlv::SarSegmentSeqnum(1 + rng.upto(u64::from(total)) as u8));
    }
    if deliver && rng.upto(2) == 0 {
        tlvs.push(Tlv::MessageState(smppd::pdu::MessageState(
            1 + rng.upto(8) as u8,
        )));
        tlvs.push(Tlv::ReceiptedMessageId(rng.digits(64).parse().unwrap()));
    }
    let mut s = SubmitSm {
        service_type: ["", "CMT", "WAP"][rng.upto(3) as usize].parse().unwrap(),
        source_addr_ton: rng.upto(7) as u8,
        source_addr_npi: [0, 1, 9][rng.upto(3) as usize],
        source_addr: rng.digits(20).parse().unwrap(),
        dest_addr_ton: rng.upto(7) as u8,
        dest_addr_npi: rng.upto(2) as u8,
        destination_addr: rng.digits(20).parse().unwrap(),
        esm_class: [0, 4, 0x40, 0x43][rng.upto(4) as usize],
        protocol_id: rng.upto(256) as u8,
        priority_flag: rng.upto(4) as u8,
        registered_delivery: rng.upto(4) as u8,
        data_coding: [0, 1, 3, 8, 15][rng.upto(5) as usize],
        short_message: ShortMessage::try_from(sm).unwrap(),
        tlvs,
        ..Default::default()
    };
    if rng.upto(3) == 0 {
        s.validity_period = smppd::pdu::SmppTime::new("000002000000000R").unwrap();
    }
    let body = if deliver {
        let SubmitSm {
            service_type,
            source_addr_ton,
            source_addr_npi,
            source_addr,
            dest_addr_ton,
            dest_addr_npi,
            destination_addr,
            esm_class,
            protocol_id,
            priority_flag,
            schedule_delivery_time,
            validity_period,
            registered_delivery,
            replace_if_present_flag,
            data_coding,
            sm_default_msg_id,
            short_message,
            tlvs,
        } = s;
        Body::DeliverSm(Box::new(DeliverSm {
            service_type,
            source_addr_ton,
            source_addr_npi,
            source_addr,
            dest_addr_ton,
            dest_addr_npi,
            destination_addr,
            esm_class,
            protocol_id,
            priority_flag,
            schedule_delivery_time,
            validity_period,
            registered_delivery,
            replace_if_present_flag,
            data_coding,
            sm_default_msg_id,
            short_message,
            tlvs,
        }))
    } else {
        Body::SubmitSm(Box::new(s))
    };
    Pdu::new(seq, body)
}

#[test]
fn smppd_encoded_pdus_parse_in_smpplib_and_regenerate_identically() {
    if !smpplib_available() {
        return;
    }
    let mut rng = Rng(0x5eed_3400_0000_0001);
    let mut ours: Vec<Pdu> = (1..=300).map(|seq| our_case(&mut rng, seq)).collect();
    ours.push(Pdu::new(301, Body::EnquireLink));
    ours.push(Pdu::new(302, Body::Unbind));
    let input: String = ours
        .iter()
        .map(|p| hex::encode(p.to_bytes()) + "\n")
        .collect();
    let theirs = run_script("parse", &input);
    assert_eq!(theirs.len(), ours.len());
    for (mine, their) in ours.iter().zip(theirs) {
        let seq = mine.sequence_number;
        let parsed: Pdu = serde_json::from_value(their["pdu"].clone())
            .unwrap_or_else(|e| panic!("case {seq}: smpplib's parse does not fit our model: {e}"));
        assert_eq!(
            &parsed, mine,
            "case {seq}: smpplib read other fields than we wrote"
        );
        assert_eq!(
            their["hex"].as_str().unwrap(),
            hex::encode(mine.to_bytes()),
            "case {seq}: smpplib regenerated other bytes"
        );
    }
}
