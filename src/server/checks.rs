//! Mandatory-field rules of a client's message operation that the codec leaves alone (it
//! decodes carriers' PDUs too, and must stay lenient): values SMPP 3.4 reserves, and forms
//! whose meaning a carrier could read differently from smppd. A pure function, no I/O.
//!
//! The ambiguous forms matter beyond the spec: the policy judges the text smppd reads, the
//! carrier delivers the text it reads. With both short_message and message_payload, or two
//! message_payloads, the two could differ, so such a PDU is refused rather than guessed at.

use crate::pdu::{Body, CommandStatus, TlvTag, Tlvs};

/// esm_class bits 5–2, the message type (SMPP 3.4 §5.2.12).
const ESM_MESSAGE_TYPE: u8 = 0x3C;
/// Message types an ESME may submit: default, ESME delivery ack, ESME manual/user ack.
/// 0x04 (SMSC delivery receipt) and the rest belong to the SMSC → ESME direction or are
/// reserved.
const SUBMITTABLE_MESSAGE_TYPES: [u8; 3] = [0x00, 0x08, 0x10];

/// TLVs smppd reads to decide what the message is (its payload, its concatenation); each may
/// appear once.
const SINGLE_TLVS: [TlvTag; 4] = [
    TlvTag::MESSAGE_PAYLOAD,
    TlvTag::SAR_MSG_REF_NUM,
    TlvTag::SAR_TOTAL_SEGMENTS,
    TlvTag::SAR_SEGMENT_SEQNUM,
];

/// The status to refuse `body` with, or `Ok` to hand it to the gateway.
pub(crate) fn check_message_op(body: &Body) -> Result<(), CommandStatus> {
    match body {
        Body::SubmitSm(p) => check_short_message_fields(
            Fields {
                esm_class: p.esm_class,
                priority_flag: p.priority_flag,
                replace_if_present_flag: p.replace_if_present_flag,
                sm_default_msg_id: p.sm_default_msg_id,
                has_short_message: !p.short_message.is_empty(),
            },
            &p.tlvs,
        ),
        Body::SubmitMulti(p) => check_short_message_fields(
            Fields {
                esm_class: p.esm_class,
                priority_flag: p.priority_flag,
                replace_if_present_flag: p.replace_if_present_flag,
                sm_default_msg_id: p.sm_default_msg_id,
                has_short_message: !p.short_message.is_empty(),
            },
            &p.tlvs,
        ),
        Body::DataSm(p) => {
            check_esm_class(p.esm_class)?;
            check_single_tlvs(&p.tlvs)
        }
        _ => Ok(()),
    }
}

/// The fields submit_sm and submit_multi share.
struct Fields {
    esm_class: u8,
    priority_flag: u8,
    replace_if_present_flag: u8,
    sm_default_msg_id: u8,
    has_short_message: bool,
}

fn check_short_message_fields(f: Fields, tlvs: &Tlvs) -> Result<(), CommandStatus> {
    check_esm_class(f.esm_class)?;
    // §5.2.14: priority levels 0–3; 4–255 are reserved.
    if f.priority_flag > 3 {
        return Err(CommandStatus::ESME_RINVPRTFLG);
    }
    // §5.2.18: 0 (don't replace) or 1 (replace); 2–255 are reserved.
    if f.replace_if_present_flag > 1 {
        return Err(CommandStatus::ESME_RINVREPFLAG);
    }
    // §5.2.20: smppd has no predefined messages, and sending one would deliver text the
    // policy never saw.
    if f.sm_default_msg_id != 0 {
        return Err(CommandStatus::ESME_RINVDFTMSGID);
    }
    // §5.3.2.32: short_message and message_payload must not both be used; with
    // message_payload, sm_length must be 0, so a non-zero sm_length is the invalid length.
    if f.has_short_message && tlvs.get(TlvTag::MESSAGE_PAYLOAD).is_some() {
        return Err(CommandStatus::ESME_RINVMSGLEN);
    }
    check_single_tlvs(tlvs)
}

fn check_esm_class(esm_class: u8) -> Result<(), CommandStatus> {
    if SUBMITTABLE_MESSAGE_TYPES.contains(&(esm_class & ESM_MESSAGE_TYPE)) {
        Ok(())
    } else {
        Err(CommandStatus::ESME_RINVESMCLASS)
    }
}

/// A repeated payload or sar_* TLV: which one counts is the reader's guess (§3.2.4 does not
/// say), so it is a malformed optional part. Other tags may repeat (callback_num does, by
/// §5.3.2.36) and unknown ones are only carried.
fn check_single_tlvs(tlvs: &Tlvs) -> Result<(), CommandStatus> {
    for tag in SINGLE_TLVS {
        if tlvs.iter().filter(|t| t.tag() == tag).nth(1).is_some() {
            return Err(CommandStatus::ESME_RINVOPTPARSTREAM);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdu::{DataSm, SubmitMulti, SubmitSm, Tlv};

    fn submit(edit: impl FnOnce(&mut SubmitSm)) -> Result<(), CommandStatus> {
        let mut p = SubmitSm {
            short_message: b"hi".as_slice().try_into().unwrap(),
            ..Default::default()
        };
        edit(&mut p);
        check_message_op(&Body::SubmitSm(Box::new(p)))
    }

    fn payload(text: &[u8]) -> Tlv {
        Tlv::MessagePayload(text.try_into().unwrap())
    }

    #[test]
    fn an_ordinary_submit_passes() {
        assert_eq!(submit(|_| {}), Ok(()));
        // UDHI, reply path, every messaging mode, both ESME acknowledgement types, priority 3.
        assert_eq!(
            submit(|p| {
                p.esm_class = 0xC0 | 0x03 | 0x10;
                p.priority_flag = 3;
                p.replace_if_present_flag = 1;
            }),
            Ok(())
        );
        // message_payload alone, and repeatable or unknown TLVs.
        assert_eq!(
            submit(|p| {
                p.short_message = Default::default();
                p.tlvs.push(payload(b"long text"));
                p.tlvs
                    .push(Tlv::CallbackNum(b"1234".as_slice().try_into().unwrap()));
                p.tlvs
                    .push(Tlv::CallbackNum(b"5678".as_slice().try_into().unwrap()));
            }),
            Ok(())
        );
    }

    #[test]
    fn reserved_values_get_their_field_status() {
        assert_eq!(
            submit(|p| p.esm_class = 0x04),
            Err(CommandStatus::ESME_RINVESMCLASS),
            "an SMSC delivery receipt cannot be submitted"
        );
        assert_eq!(
            submit(|p| p.esm_class = 0x40 | 0x20),
            Err(CommandStatus::ESME_RINVESMCLASS)
        );
        assert_eq!(
            submit(|p| p.priority_flag = 4),
            Err(CommandStatus::ESME_RINVPRTFLG)
        );
        assert_eq!(
            submit(|p| p.replace_if_present_flag = 2),
            Err(CommandStatus::ESME_RINVREPFLAG)
        );
        assert_eq!(
            submit(|p| p.sm_default_msg_id = 1),
            Err(CommandStatus::ESME_RINVDFTMSGID)
        );
    }

    #[test]
    fn ambiguous_payloads_are_refused() {
        assert_eq!(
            submit(|p| p.tlvs.push(payload(b"other text"))),
            Err(CommandStatus::ESME_RINVMSGLEN),
            "short_message and message_payload together"
        );
        assert_eq!(
            submit(|p| {
                p.short_message = Default::default();
                p.tlvs.push(payload(b"one"));
                p.tlvs.push(payload(b"two"));
            }),
            Err(CommandStatus::ESME_RINVOPTPARSTREAM)
        );
        assert_eq!(
            submit(|p| {
                p.tlvs.push(Tlv::SarSegmentSeqnum(1));
                p.tlvs.push(Tlv::SarSegmentSeqnum(2));
            }),
            Err(CommandStatus::ESME_RINVOPTPARSTREAM)
        );
    }

    #[test]
    fn submit_multi_and_data_sm_follow_the_same_rules() {
        let multi = SubmitMulti {
            sm_default_msg_id: 7,
            ..Default::default()
        };
        assert_eq!(
            check_message_op(&Body::SubmitMulti(Box::new(multi))),
            Err(CommandStatus::ESME_RINVDFTMSGID)
        );
        let mut data = DataSm {
            esm_class: 0x04,
            ..Default::default()
        };
        assert_eq!(
            check_message_op(&Body::DataSm(Box::new(data.clone()))),
            Err(CommandStatus::ESME_RINVESMCLASS)
        );
        data.esm_class = 0;
        data.tlvs.push(payload(b"one"));
        assert_eq!(
            check_message_op(&Body::DataSm(Box::new(data.clone()))),
            Ok(())
        );
        data.tlvs.push(payload(b"two"));
        assert_eq!(
            check_message_op(&Body::DataSm(Box::new(data))),
            Err(CommandStatus::ESME_RINVOPTPARSTREAM)
        );
    }
}
