//! The delivery receipt smppd sends its client: a `deliver_sm` that names smppd's own
//! message id, whether the final state came from a carrier or from smppd itself.
//!
//! SMPP 3.4 §4.6.1 / Appendix B: in a receipt `source_addr` is the original destination
//! (the handset) and `destination_addr` the original source; `esm_class` bit 2 marks an
//! SMSC delivery receipt. We put the id in the receipt text *and* in `receipted_message_id`,
//! with `message_state`, because clients read one or the other.

use std::time::SystemTime;

use bytes::Bytes;

use crate::gateway::inbound;
use crate::message::MessageId;
use crate::pdu::{COctetString, DeliverSm, MessageState, NetworkErrorCode, ShortMessage, Tlv};
use crate::store::{FinalState, MessageRecord};
use crate::text::dlr::{DeliveryReceipt, ReceiptDate, ReceiptStat};

/// esm_class value of an SMSC delivery receipt (§5.2.12, bits 5..2 = 0001).
pub const ESM_CLASS_SMSC_RECEIPT: u8 = 0x04;

/// Beijing time (UTC+8): Chinese carriers and clients read receipt dates as local time.
const RECEIPT_TZ_OFFSET_SECS: u64 = 8 * 3600;

/// Receipt `err:` codes smppd uses when it, not a carrier, decides a message's fate. They are
/// outside the range carriers use in `err:` (000–899 in practice), so a client and a
/// dispute (扣量) review can tell an smppd-generated receipt from a carrier's own.
pub mod smppd_err {
    /// The validity period passed before any carrier reported a final state.
    pub const EXPIRED_IN_GATEWAY: &str = "901";
    /// Every carrier that could take the message rejected it permanently.
    pub const REJECTED_BY_CARRIER: &str = "903";
    /// No route or no channel could take the message within its retry budget.
    pub const UNDELIVERABLE_NO_ROUTE: &str = "904";
    /// A concatenated set never completed within the assembly timeout.
    pub const INCOMPLETE_CONCAT: &str = "905";
}

/// What the client's original message looked like, as far as its receipt needs.
#[derive(Debug, Clone)]
pub struct ReceiptTarget {
    /// smppd's message id, the one the client got in submit_sm_resp.
    pub message_id: MessageId,
    /// The original source address with ton/npi (becomes the receipt's destination).
    pub source: (u8, u8, String),
    /// The original destination address with ton/npi (becomes the receipt's source).
    pub destination: (u8, u8, String),
    /// When smppd accepted the message (Unix seconds).
    pub submitted_at: u64,
    /// Number of segments the client submitted under this id.
    pub segments: u32,
    /// The first characters of the message text (receipts carry up to 20).
    pub text_prefix: String,
}

/// A final (or intermediate) state to report.
#[derive(Debug, Clone)]
pub struct ReceiptOutcome {
    /// The state.
    pub stat: ReceiptStat,
    /// The `err:` value: the carrier's own, or one of [`smppd_err`].
    pub err: String,
    /// When the state was reached (Unix seconds).
    pub done_at: u64,
    /// The carrier's network_error_code TLV, passed through when present.
    pub network_error: Option<NetworkErrorCode>,
}

/// Builds the receipt `deliver_sm` for the client. Fails only if an address in the target
/// is longer than SMPP allows, which cannot happen for addresses that came in a valid PDU.
pub fn client_receipt(
    target: &ReceiptTarget,
    outcome: &ReceiptOutcome,
) -> Result<DeliverSm, crate::pdu::FieldValueError> {
    let delivered = matches!(outcome.stat, ReceiptStat::Delivrd);
    let sub = format!("{:03}", target.segments.min(999));
    let dlvrd = if delivered {
        sub.clone()
    } else {
        "000".to_owned()
    };
    let text: String = target.text_prefix.chars().take(20).collect();
    let receipt = DeliveryReceipt {
        id: target.message_id.to_string(),
        sub: Some(sub),
        dlvrd: Some(dlvrd),
        submit_date: Some(beijing_date(target.submitted_at)),
        done_date: Some(beijing_date(outcome.done_at)),
        stat: outcome.stat.clone(),
        err: Some(outcome.err.clone()),
        text: Some(text),
    };
    let mut pdu = DeliverSm {
        source_addr_ton: target.destination.0,
        source_addr_npi: target.destination.1,
        source_addr: COctetString::new(Bytes::from(target.destination.2.clone()))?,
        dest_addr_ton: target.source.0,
        dest_addr_npi: target.source.1,
        destination_addr: COctetString::new(Bytes::from(target.source.2.clone()))?,
        esm_class: ESM_CLASS_SMSC_RECEIPT,
        // Receipt text is plain ASCII except the text prefix, which we keep as UTF-8 only
        // if it is ASCII (otherwise carriers and clients garble it): see `ascii_text`.
        short_message: ShortMessage::new(Bytes::from(ascii_text(&receipt.format())))?,
        ..DeliverSm::default()
    };
    pdu.tlvs
        .set(Tlv::ReceiptedMessageId(COctetString::new(Bytes::from(
            target.message_id.to_string(),
        ))?));
    if let Some(state) = outcome.stat.message_state() {
        pdu.tlvs.set(Tlv::MessageState(MessageState(state)));
    }
    if let Some(code) = outcome.network_error {
        pdu.tlvs.set(Tlv::NetworkErrorCode(code));
    }
    Ok(pdu)
}

/// A receipt date in Beijing time with seconds (`YYMMDDhhmmss`, as most SMSCs send).
/// The client receipt for a stored, finished message (`None` when it is not final or the
/// receipt cannot be encoded).
pub(crate) fn for_record(rec: &MessageRecord) -> Option<DeliverSm> {
    let fin = rec.final_state.as_ref()?;
    let m = &rec.message;
    // Only the first 20 characters are used: decode the stored short_message directly;
    // a text in message_payload (empty short_message) takes the full read of the payload.
    let text = if m.payload.short_message.is_empty() {
        inbound::from_payload(&m.payload, SystemTime::now())
            .map(|r| r.text)
            .unwrap_or_default()
    } else {
        crate::text::decode_message(
            m.payload.data_coding,
            m.payload.esm_class,
            &m.payload.short_message,
        )
        .map(|(_, t)| t)
        .unwrap_or_default()
    };
    let target = ReceiptTarget {
        message_id: m.client_id(),
        source: (
            m.payload.source.ton,
            m.payload.source.npi,
            m.payload.source.addr.clone(),
        ),
        destination: (
            m.payload.destination.ton,
            m.payload.destination.npi,
            m.payload.destination.addr.clone(),
        ),
        submitted_at: unix(m.accepted_at),
        segments: u32::from(m.segments),
        text_prefix: text,
    };
    // The reason starts with the 3-digit err: code (carrier's, or smppd's 9xx).
    let err = fin
        .reason
        .as_deref()
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or("000")
        .chars()
        .take(3)
        .collect();
    let outcome = ReceiptOutcome {
        stat: stat_of(fin.state),
        err,
        done_at: unix(fin.at),
        network_error: None,
    };
    client_receipt(&target, &outcome).ok()
}

fn stat_of(state: FinalState) -> ReceiptStat {
    match state {
        FinalState::Delivered => ReceiptStat::Delivrd,
        FinalState::Undeliverable => ReceiptStat::Undeliv,
        FinalState::Expired => ReceiptStat::Expired,
        FinalState::Rejected => ReceiptStat::Rejectd,
        FinalState::Deleted => ReceiptStat::Deleted,
        FinalState::Unknown => ReceiptStat::Unknown,
    }
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

fn beijing_date(unix_secs: u64) -> ReceiptDate {
    ReceiptDate::from_unix_seconds(unix_secs.saturating_add(RECEIPT_TZ_OFFSET_SECS), true)
}

/// Receipt text goes out under data_coding 0; non-ASCII characters of the `text:` field
/// (Chinese) are dropped rather than sent as bytes the client would misread. The text
/// field is informative only, and the short_message limit of 254 octets is kept.
fn ascii_text(receipt: &str) -> Vec<u8> {
    let mut out: Vec<u8> = receipt.bytes().filter(u8::is_ascii).collect();
    out.truncate(254);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::dlr;

    fn target() -> ReceiptTarget {
        ReceiptTarget {
            message_id: MessageId::from_u64(0x0123_4567_89AB_CDEF),
            source: (5, 0, "106900123".into()),
            destination: (1, 1, "8613800138000".into()),
            submitted_at: 1_700_000_000,
            segments: 2,
            text_prefix: "Your code is 123456, valid for 5 minutes".into(),
        }
    }

    fn outcome(stat: ReceiptStat) -> ReceiptOutcome {
        ReceiptOutcome {
            stat,
            err: "000".into(),
            done_at: 1_700_000_060,
            network_error: None,
        }
    }

    #[test]
    fn receipt_names_smppd_id_in_text_and_tlv_and_swaps_addresses() {
        let pdu = client_receipt(&target(), &outcome(ReceiptStat::Delivrd)).unwrap();
        assert_eq!(pdu.esm_class, ESM_CLASS_SMSC_RECEIPT);
        assert_eq!(pdu.source_addr.as_str(), Some("8613800138000"));
        assert_eq!(pdu.destination_addr.as_str(), Some("106900123"));
        assert_eq!(pdu.tlvs.receipted_message_id(), Some("0123456789ABCDEF"));
        assert_eq!(pdu.tlvs.message_state(), Some(MessageState::DELIVERED));
        let text = std::str::from_utf8(&pdu.short_message).unwrap();
        let parsed = dlr::parse(text).unwrap();
        assert_eq!(parsed.id, "0123456789ABCDEF");
        assert_eq!(parsed.stat, ReceiptStat::Delivrd);
        assert_eq!(parsed.sub.as_deref(), Some("002"));
        assert_eq!(parsed.dlvrd.as_deref(), Some("002"));
        assert_eq!(parsed.text.as_deref(), Some("Your code is 123456,"));
        // 1_700_000_000 is 2023-11-14 22:13:20 UTC = 2023-11-15 06:13:20 Beijing.
        assert!(text.contains("submit date:231115061320"), "{text}");
    }

    #[test]
    fn failure_receipt_reports_nothing_delivered_and_keeps_err() {
        let mut o = outcome(ReceiptStat::Expired);
        o.err = smppd_err::EXPIRED_IN_GATEWAY.into();
        let pdu = client_receipt(&target(), &o).unwrap();
        let parsed = dlr::parse(std::str::from_utf8(&pdu.short_message).unwrap()).unwrap();
        assert_eq!(parsed.dlvrd.as_deref(), Some("000"));
        assert_eq!(parsed.err.as_deref(), Some("901"));
        assert_eq!(pdu.tlvs.message_state(), Some(MessageState::EXPIRED));
    }

    #[test]
    fn chinese_text_prefix_does_not_leak_non_ascii_bytes() {
        let mut t = target();
        t.text_prefix = "【顺丰】您的快递已到".into();
        let pdu = client_receipt(&t, &outcome(ReceiptStat::Delivrd)).unwrap();
        assert!(pdu.short_message.iter().all(u8::is_ascii));
    }

    #[test]
    fn a_stored_message_gives_a_receipt_with_its_text_without_the_udh() {
        use crate::message::MessageType;
        use crate::store::{Address, FinalRecord, MessageState, NewMessage, ResendPayload};
        let at = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_700_000_000);
        let mut short_message = vec![0x05, 0x00, 0x03, 0x2A, 0x02, 0x01];
        short_message.extend_from_slice(b"Hello from part one of two");
        let rec = MessageRecord {
            message: NewMessage {
                id: MessageId::from_u64(42),
                account: "acme".into(),
                bind: "b".into(),
                message_type: MessageType::Otp,
                segments: 1,
                concat: None,
                payload: ResendPayload {
                    source: Address {
                        ton: 5,
                        npi: 0,
                        addr: "106900".into(),
                    },
                    destination: Address {
                        ton: 1,
                        npi: 1,
                        addr: "8613800138000".into(),
                    },
                    esm_class: 0x40,
                    registered_delivery: 1,
                    short_message,
                    ..ResendPayload::default()
                },
                validity_deadline: None,
                accepted_at: at,
                reported_id: None,
            },
            state: MessageState::Final,
            routed: None,
            submits: Vec::new(),
            receipts: Vec::new(),
            carrier_keys: Vec::new(),
            final_state: Some(FinalRecord {
                state: FinalState::Undeliverable,
                reason: Some("904 no route".into()),
                at,
                generated_by_smppd: true,
            }),
            receipt: None,
        };
        let pdu = for_record(&rec).expect("a final message has a receipt");
        let text = String::from_utf8_lossy(pdu.payload()).into_owned();
        let parsed = dlr::parse(&text).unwrap();
        assert_eq!(parsed.stat, ReceiptStat::Undeliv);
        assert_eq!(parsed.err.as_deref(), Some("904"));
        assert!(text.contains("text:Hello from part one"), "{text}");
        let open = MessageRecord {
            final_state: None,
            ..rec
        };
        assert!(
            for_record(&open).is_none(),
            "no receipt before the message ends"
        );
    }
}
