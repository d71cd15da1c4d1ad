//! Mandatory-field rules of a client's message operation that the codec leaves alone (it
//! decodes carriers' PDUs too, and must stay lenient). A pure function, no I/O.
//!
//! SMPP 3.4's forward-compatibility rules tell a receiver to read a *reserved* value as the
//! field's default, and to refuse a value that is invalid. So reserved priority_flag,
//! replace_if_present_flag and esm_class message types become their defaults here (a
//! carrier never sees them), while values that mean something else, or forms a carrier could
//! read differently from smppd, are refused with the field's status. The latter matter
//! beyond the spec: the policy judges the text smppd reads, the carrier delivers the text it
//! reads; with both short_message and message_payload, or two message_payloads, they could
//! differ.

use crate::pdu::{Body, CommandStatus, SmppTime, TlvTag, Tlvs};
use crate::text::udh;

/// esm_class bits 5–2, the message type (SMPP 3.4 §5.2.12).
const ESM_MESSAGE_TYPE: u8 = 0x3C;
/// Message types defined only for SMSC → ESME messages: delivery receipt, conversation
/// abort, intermediate delivery notification. An ESME cannot submit them.
const SMSC_MESSAGE_TYPES: [u8; 3] = [0x04, 0x18, 0x20];
/// Message types an ESME may submit: default, ESME delivery ack, ESME manual/user ack. The
/// rest are reserved.
const SUBMITTABLE_MESSAGE_TYPES: [u8; 3] = [0x00, 0x08, 0x10];

/// TLVs smppd reads to decide what the message is (its payload, its concatenation: the
/// three sar_* last); each may appear once.
const SINGLE_TLVS: [TlvTag; 4] = [
    TlvTag::MESSAGE_PAYLOAD,
    TlvTag::SAR_MSG_REF_NUM,
    TlvTag::SAR_TOTAL_SEGMENTS,
    TlvTag::SAR_SEGMENT_SEQNUM,
];

/// Reads reserved values in `body` as their defaults, and returns the status to refuse it
/// with, or `Ok` to hand it to the gateway.
pub(crate) fn check_message_op(body: &mut Body) -> Result<(), CommandStatus> {
    match body {
        Body::SubmitSm(p) => {
            p.esm_class = check_esm_class(p.esm_class)?;
            check_schedule(&p.schedule_delivery_time)?;
            p.priority_flag = default_priority(p.priority_flag);
            p.replace_if_present_flag = default_replace(p.replace_if_present_flag);
            check_message(p.sm_default_msg_id, p.esm_class, &p.short_message, &p.tlvs)
        }
        Body::SubmitMulti(p) => {
            p.esm_class = check_esm_class(p.esm_class)?;
            check_schedule(&p.schedule_delivery_time)?;
            p.priority_flag = default_priority(p.priority_flag);
            p.replace_if_present_flag = default_replace(p.replace_if_present_flag);
            check_message(p.sm_default_msg_id, p.esm_class, &p.short_message, &p.tlvs)
        }
        Body::DataSm(p) => {
            p.esm_class = check_esm_class(p.esm_class)?;
            check_single_tlvs(&p.tlvs)?;
            check_sar(&p.tlvs)?;
            let payload = p.tlvs.message_payload().map(|b| &b[..]).unwrap_or_default();
            check_one_concatenation(p.esm_class, payload, &p.tlvs)
        }
        _ => Ok(()),
    }
}

/// §5.2.14: priority levels 0–3; 4–255 are reserved, read as 0 (the lowest).
fn default_priority(priority_flag: u8) -> u8 {
    if priority_flag > 3 {
        0
    } else {
        priority_flag
    }
}

/// §5.2.18: 0 (don't replace) or 1 (replace); 2–255 are reserved, read as 0.
fn default_replace(replace_if_present_flag: u8) -> u8 {
    if replace_if_present_flag > 1 {
        0
    } else {
        replace_if_present_flag
    }
}

/// §5.2.12: an SMSC-only message type is refused; a reserved one is read as the default
/// type (messaging mode and GSM feature bits are kept).
fn check_esm_class(esm_class: u8) -> Result<u8, CommandStatus> {
    let message_type = esm_class & ESM_MESSAGE_TYPE;
    if SMSC_MESSAGE_TYPES.contains(&message_type) {
        Err(CommandStatus::ESME_RINVESMCLASS)
    } else if SUBMITTABLE_MESSAGE_TYPES.contains(&message_type) {
        Ok(esm_class)
    } else {
        Ok(esm_class & !ESM_MESSAGE_TYPE)
    }
}

/// §7.1.1: the codec checks the time's shape (16 characters, `+`/`-`/`R`); an absolute
/// time must also be a calendar time with an offset of at most 48 quarter hours, or carriers
/// refuse it only after smppd accepted the message. (validity_period is read, and refused
/// with ESME_RINVEXPIRY, by the gateway.)
fn check_schedule(time: &SmppTime) -> Result<(), CommandStatus> {
    let s = time.as_str().as_bytes();
    let two = |i: usize| match s.get(i..i + 2) {
        Some(&[a, b]) => u16::from(a.wrapping_sub(b'0')) * 10 + u16::from(b.wrapping_sub(b'0')),
        _ => u16::MAX,
    };
    let absolute = matches!(s.last(), Some(b'+' | b'-'));
    let calendar = (1..=12).contains(&two(2))
        && (1..=31).contains(&two(4))
        && two(6) <= 23
        && two(8) <= 59
        && two(10) <= 59
        && two(13) <= 48;
    if absolute && !calendar {
        return Err(CommandStatus::ESME_RINVSCHED);
    }
    Ok(())
}

fn check_message(
    sm_default_msg_id: u8,
    esm_class: u8,
    short_message: &[u8],
    tlvs: &Tlvs,
) -> Result<(), CommandStatus> {
    // §5.2.20: smppd has no predefined messages, and sending one would deliver text the
    // policy never saw.
    if sm_default_msg_id != 0 {
        return Err(CommandStatus::ESME_RINVDFTMSGID);
    }
    // §5.3.2.32: short_message and message_payload must not both be used; with
    // message_payload, sm_length must be 0, so a non-zero sm_length is the invalid length.
    let payload = tlvs.message_payload();
    if !short_message.is_empty() && payload.is_some() {
        return Err(CommandStatus::ESME_RINVMSGLEN);
    }
    check_single_tlvs(tlvs)?;
    check_sar(tlvs)?;
    let message = payload.map(|b| &b[..]).unwrap_or(short_message);
    check_one_concatenation(esm_class, message, tlvs)
}

/// A UDH concatenation element and the sar_* TLVs on one segment: smppd goes by the UDH,
/// a carrier (sent both) could join the parts by the TLVs, so the TLVs are not allowed
/// next to it. A malformed UDH is the gateway's to refuse (ESME_RINVESMCLASS).
fn check_one_concatenation(
    esm_class: u8,
    message: &[u8],
    tlvs: &Tlvs,
) -> Result<(), CommandStatus> {
    let udhi = esm_class & udh::ESM_CLASS_UDHI != 0;
    if udhi && tlvs.sar().is_some() && matches!(udh::parse(message, true), Ok((Some(_), _))) {
        return Err(CommandStatus::ESME_ROPTPARNOTALLWD);
    }
    Ok(())
}

/// §5.3.2.22–24: a segment carries all three sar_* TLVs, seqnum within 1..=total. A partial
/// set would make smppd judge each part alone while a carrier, sent the TLVs, could still
/// join them.
fn check_sar(tlvs: &Tlvs) -> Result<(), CommandStatus> {
    let present = SINGLE_TLVS[1..]
        .iter()
        .filter(|&&tag| tlvs.get(tag).is_some())
        .count();
    match (present, tlvs.sar()) {
        (0, _) => Ok(()),
        (_, None) => Err(CommandStatus::ESME_RMISSINGOPTPARAM),
        (_, Some(sar))
            if sar.total_segments == 0
                || sar.segment_seqnum == 0
                || sar.segment_seqnum > sar.total_segments =>
        {
            Err(CommandStatus::ESME_RINVOPTPARAMVAL)
        }
        (_, Some(_)) => Ok(()),
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

    fn base() -> SubmitSm {
        SubmitSm {
            short_message: b"hi".as_slice().try_into().unwrap(),
            ..Default::default()
        }
    }

    /// The submit as handed to the gateway, or the refusal.
    fn submit(edit: impl FnOnce(&mut SubmitSm)) -> Result<SubmitSm, CommandStatus> {
        let mut p = base();
        edit(&mut p);
        let mut body = Body::SubmitSm(Box::new(p));
        check_message_op(&mut body)?;
        match body {
            Body::SubmitSm(p) => Ok(*p),
            _ => unreachable!(),
        }
    }

    fn payload(text: &[u8]) -> Tlv {
        Tlv::MessagePayload(text.try_into().unwrap())
    }

    #[test]
    fn an_ordinary_submit_passes_unchanged() {
        assert_eq!(submit(|_| {}), Ok(base()));
        // UDHI, reply path, every messaging mode, both ESME acknowledgement types, priority 3.
        for esm_class in [0xC0 | 0x03 | 0x10, 0x08, 0x41] {
            let edit = |p: &mut SubmitSm| {
                p.esm_class = esm_class;
                p.priority_flag = 3;
                p.replace_if_present_flag = 1;
            };
            let mut want = base();
            edit(&mut want);
            assert_eq!(submit(edit), Ok(want));
        }
        // message_payload alone, and repeatable or unknown TLVs.
        let edit = |p: &mut SubmitSm| {
            p.short_message = Default::default();
            p.tlvs.push(payload(b"long text"));
            p.tlvs
                .push(Tlv::CallbackNum(b"1234".as_slice().try_into().unwrap()));
            p.tlvs
                .push(Tlv::CallbackNum(b"5678".as_slice().try_into().unwrap()));
        };
        let mut want = base();
        edit(&mut want);
        assert_eq!(submit(edit), Ok(want));
    }

    #[test]
    fn reserved_values_are_read_as_their_defaults() {
        let p = submit(|p| {
            p.priority_flag = 4;
            p.replace_if_present_flag = 2;
            p.esm_class = 0x40 | 0x0C | 0x02;
        })
        .unwrap();
        assert_eq!(
            (p.priority_flag, p.replace_if_present_flag, p.esm_class),
            (0, 0, 0x42),
            "reserved message type 0x0C is the default type; UDHI and mode kept"
        );
    }

    #[test]
    fn an_absolute_schedule_must_be_a_calendar_time() {
        let at =
            |t: &str| submit(|p| p.schedule_delivery_time = SmppTime::new(t).unwrap()).map(|_| ());
        assert_eq!(at(""), Ok(()));
        assert_eq!(at("261231235959932+"), Ok(()));
        assert_eq!(at("000001000000000R"), Ok(()));
        assert_eq!(
            at("990230000000000-"),
            Ok(()),
            "day 30 of February: the carrier's call"
        );
        for bad in [
            "261331000000000+", // month 13
            "261200000000000+", // day 0
            "261231240000000+", // hour 24
            "261231236000000+", // minute 60
            "261231235960000+", // second 60
            "261231235959049+", // 49 quarter hours
        ] {
            assert_eq!(at(bad), Err(CommandStatus::ESME_RINVSCHED), "{bad}");
        }
    }

    #[test]
    fn invalid_values_get_their_field_status() {
        for smsc_only in [0x04, 0x18, 0x20] {
            assert_eq!(
                submit(|p| p.esm_class = 0x40 | smsc_only),
                Err(CommandStatus::ESME_RINVESMCLASS),
                "message type {smsc_only:#04x} flows SMSC to ESME only"
            );
        }
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
    fn sar_tlvs_are_a_valid_set_of_three_or_none() {
        let sar = |r: Option<u16>, t: u8, s: u8| {
            submit(|p| {
                if let Some(r) = r {
                    p.tlvs.push(Tlv::SarMsgRefNum(r));
                }
                p.tlvs.push(Tlv::SarTotalSegments(t));
                p.tlvs.push(Tlv::SarSegmentSeqnum(s));
            })
            .map(|_| ())
        };
        assert_eq!(sar(Some(1), 2, 2), Ok(()));
        assert_eq!(sar(Some(1), 1, 1), Ok(()));
        assert_eq!(sar(None, 2, 1), Err(CommandStatus::ESME_RMISSINGOPTPARAM));
        assert_eq!(
            submit(|p| p.tlvs.push(Tlv::SarMsgRefNum(1))).map(|_| ()),
            Err(CommandStatus::ESME_RMISSINGOPTPARAM)
        );
        for (t, s) in [(0, 0), (2, 0), (2, 3)] {
            assert_eq!(
                sar(Some(1), t, s),
                Err(CommandStatus::ESME_RINVOPTPARAMVAL),
                "{s} of {t}"
            );
        }
    }

    #[test]
    fn a_udh_concatenation_and_sar_tlvs_do_not_go_together() {
        let sar = |p: &mut SubmitSm| {
            p.tlvs.set_sar(crate::pdu::Sar {
                msg_ref_num: 7,
                total_segments: 2,
                segment_seqnum: 1,
            })
        };
        let udh_concat = b"\x05\x00\x03\x07\x02\x01text";
        let with = |esm_class: u8, sm: &[u8]| {
            submit(|p| {
                sar(p);
                p.esm_class = esm_class;
                p.short_message = sm.try_into().unwrap();
            })
            .map(|_| ())
        };
        assert_eq!(
            with(0x40, udh_concat),
            Err(CommandStatus::ESME_ROPTPARNOTALLWD)
        );
        // UDHI clear: the octets are text. A UDH without a concatenation element (port
        // addressing only) leaves the TLVs as the only concatenation.
        assert_eq!(with(0x00, udh_concat), Ok(()));
        assert_eq!(with(0x40, b"\x06\x05\x04\x0b\x84\x23\xf0text"), Ok(()));
        assert_eq!(
            submit(|p| {
                p.esm_class = 0x40;
                p.short_message = udh_concat.as_slice().try_into().unwrap();
            })
            .map(|_| ()),
            Ok(())
        );
    }

    #[test]
    fn submit_multi_and_data_sm_follow_the_same_rules() {
        let multi = SubmitMulti {
            sm_default_msg_id: 7,
            ..Default::default()
        };
        assert_eq!(
            check_message_op(&mut Body::SubmitMulti(Box::new(multi))),
            Err(CommandStatus::ESME_RINVDFTMSGID)
        );
        let mut multi = Body::SubmitMulti(Box::new(SubmitMulti {
            priority_flag: 9,
            ..Default::default()
        }));
        assert_eq!(check_message_op(&mut multi), Ok(()));
        assert!(matches!(multi, Body::SubmitMulti(m) if m.priority_flag == 0));
        let mut data = DataSm {
            esm_class: 0x04,
            ..Default::default()
        };
        assert_eq!(
            check_message_op(&mut Body::DataSm(Box::new(data.clone()))),
            Err(CommandStatus::ESME_RINVESMCLASS)
        );
        data.esm_class = 0;
        data.tlvs.push(payload(b"one"));
        assert_eq!(
            check_message_op(&mut Body::DataSm(Box::new(data.clone()))),
            Ok(())
        );
        data.tlvs.push(payload(b"two"));
        assert_eq!(
            check_message_op(&mut Body::DataSm(Box::new(data))),
            Err(CommandStatus::ESME_RINVOPTPARSTREAM)
        );
    }
}
