//! Unit tests for whole-PDU decode/encode, error statuses and the codec's framing.

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::*;

fn frame(hex: &str) -> Bytes {
    Bytes::from(hex::decode(hex.replace(' ', "")).unwrap())
}

fn submit() -> SubmitSm {
    SubmitSm {
        source_addr_ton: ton::ALPHANUMERIC,
        source_addr: "smppd".parse().unwrap(),
        dest_addr_ton: ton::INTERNATIONAL,
        dest_addr_npi: npi::ISDN,
        destination_addr: "8613800138000".parse().unwrap(),
        registered_delivery: 1,
        short_message: ShortMessage::try_from(&b"hello"[..]).unwrap(),
        ..Default::default()
    }
}

#[test]
fn enquire_link_decodes_from_spec_bytes() {
    let pdu = decode_pdu(frame("00000010 00000015 00000000 00000007")).unwrap();
    assert_eq!(pdu, Pdu::new(7, Body::EnquireLink));
    assert_eq!(pdu.to_bytes(), frame("00000010 00000015 00000000 00000007"));
}

#[test]
fn submit_sm_round_trips_and_predicts_its_length() {
    let pdu = Pdu::new(1, Body::SubmitSm(Box::new(submit())));
    let bytes = pdu.to_bytes();
    assert_eq!(bytes.len(), pdu.encoded_len());
    assert_eq!(&bytes[..4], &(bytes.len() as u32).to_be_bytes());
    assert_eq!(decode_pdu(bytes).unwrap(), pdu);
}

#[test]
fn error_submit_sm_resp_omits_the_body() {
    let pdu = Pdu::response_to(CommandId::SUBMIT_SM, 9, CommandStatus::ESME_RTHROTTLED).unwrap();
    assert_eq!(pdu.to_bytes(), frame("00000010 80000004 00000058 00000009"));
    assert_eq!(decode_pdu(pdu.to_bytes()).unwrap(), pdu);
}

#[test]
fn overlong_source_addr_answers_rinvsrcadr_with_the_sequence_number() {
    let mut sm = submit();
    sm.source_addr = COctetString::empty();
    let mut bytes = BytesMut::from(&Pdu::new(42, Body::SubmitSm(Box::new(sm))).to_bytes()[..]);
    // Replace the empty source_addr (offset 16 + service_type 1 + ton 1 + npi 1) with 25 digits.
    let tail = bytes.split_off(19);
    bytes.extend_from_slice(&[b'1'; 25]);
    bytes.extend_from_slice(&tail);
    let len = bytes.len() as u32;
    bytes[..4].copy_from_slice(&len.to_be_bytes());
    let err = decode_pdu(bytes.freeze()).unwrap_err();
    assert_eq!(err.status, CommandStatus::ESME_RINVSRCADR);
    assert_eq!(err.sequence_number, Some(42));
    let resp = err.response().unwrap();
    assert_eq!(resp.command_id(), CommandId::SUBMIT_SM_RESP);
    assert_eq!(resp.command_status, CommandStatus::ESME_RINVSRCADR);
}

#[test]
fn unknown_command_id_answers_generic_nack() {
    let err = decode_pdu(frame("00000010 00000111 00000000 00000003")).unwrap_err();
    assert_eq!(err.status, CommandStatus::ESME_RINVCMDID);
    assert_eq!(
        err.response(),
        Some(Pdu::generic_nack(3, CommandStatus::ESME_RINVCMDID))
    );
}

#[test]
fn body_on_enquire_link_is_rinvcmdlen() {
    let err = decode_pdu(frame("00000011 00000015 00000000 00000003 00")).unwrap_err();
    assert_eq!(err.status, CommandStatus::ESME_RINVCMDLEN);
}

#[test]
fn malformed_response_gets_no_answer() {
    // submit_sm_resp whose message_id has no NUL within 65 octets.
    let mut hex = String::from("00000060 80000004 00000000 00000001");
    hex.push_str(&"31".repeat(80));
    let err = decode_pdu(frame(&hex)).unwrap_err();
    assert_eq!(err.status, CommandStatus::ESME_RINVMSGID);
    assert_eq!(err.response(), None);
}

#[test]
fn codec_skips_a_bad_body_and_decodes_the_next_pdu() {
    let mut codec = SmppCodec::new();
    let mut buf = BytesMut::new();
    buf.extend_from_slice(&frame("00000011 00000015 00000000 00000001 00"));
    codec
        .encode(Pdu::new(2, Body::EnquireLink), &mut buf)
        .unwrap();
    let first = codec.decode(&mut buf).unwrap().unwrap();
    assert_eq!(first.unwrap_err().sequence_number, Some(1));
    let second = codec.decode(&mut buf).unwrap().unwrap();
    assert_eq!(second.unwrap(), Pdu::new(2, Body::EnquireLink));
    assert!(codec.decode(&mut buf).unwrap().is_none());
}

#[test]
fn codec_waits_for_a_whole_frame() {
    let mut codec = SmppCodec::new();
    let bytes = Pdu::new(5, Body::SubmitSm(Box::new(submit()))).to_bytes();
    let mut buf = BytesMut::new();
    for (n, b) in bytes.iter().enumerate() {
        buf.extend_from_slice(&[*b]);
        let out = codec.decode(&mut buf).unwrap();
        assert_eq!(
            out.is_some(),
            n + 1 == bytes.len(),
            "after {} octets",
            n + 1
        );
    }
}

#[test]
fn codec_rejects_hostile_lengths_before_buffering() {
    let mut codec = SmppCodec::with_max_command_length(1024);
    let mut buf = BytesMut::from(&hex::decode("ffffffff").unwrap()[..]);
    let err = codec.decode(&mut buf).unwrap_err();
    assert!(matches!(
        err,
        CodecError::InvalidCommandLength {
            command_length: 0xffff_ffff,
            max: 1024,
            ..
        }
    ));
    assert!(
        buf.capacity() < 1024,
        "no buffer was grown for the hostile frame"
    );
    let mut buf = BytesMut::from(&frame("0000000f 00000015 00000000 00000004")[..]);
    let err = codec.decode(&mut buf).unwrap_err();
    assert!(matches!(
        err,
        CodecError::InvalidCommandLength {
            command_length: 15,
            sequence_number: Some(4),
            ..
        }
    ));
    assert_eq!(err.status(), CommandStatus::ESME_RINVCMDLEN);
}

#[test]
fn json_uses_spec_names() {
    let pdu = Pdu::new(1, Body::SubmitSm(Box::new(submit())));
    let json = serde_json::to_value(&pdu).unwrap();
    assert_eq!(json["body"]["command"], "submit_sm");
    assert_eq!(json["body"]["source_addr"], "smppd");
    assert_eq!(json["body"]["short_message"], "68656c6c6f");
    assert_eq!(json["command_status"], "ESME_ROK");
    let back: Pdu = serde_json::from_value(json).unwrap();
    assert_eq!(back, pdu);
}
