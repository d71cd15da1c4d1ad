//! Reading a deliver_sm: delivery receipt (and its message id and state), intermediate
//! notification, or a mobile-originated message.

use crate::pdu::DeliverSm;
use crate::text::dlr::{self, ReceiptStat};

/// esm_class bits 5–2, the message type (SMPP 3.4 §5.2.12, smpp34-reference §8).
const MESSAGE_TYPE_MASK: u8 = 0x3C;
/// Message type "SMSC delivery receipt".
const SMSC_DELIVERY_RECEIPT: u8 = 0x04;
/// Message type "intermediate delivery notification".
const INTERMEDIATE_NOTIFICATION: u8 = 0x20;

/// What a deliver_sm carried.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Delivered {
    /// A final delivery receipt for message `id`.
    Receipt {
        /// The receipted message id, as sent.
        id: Vec<u8>,
        /// The `stat` text (DELIVRD, UNDELIV, …).
        stat: String,
    },
    /// An intermediate notification or a receipt with a non-final state (ENROUTE …).
    Intermediate,
    /// A receipt without a usable id.
    Unreadable,
    /// Not a receipt: an MO message.
    Mo,
}

/// Classifies `d`. The receipted_message_id and message_state TLVs are preferred over the
/// receipt text, as smpp34-reference §10 advises; the text is parsed only for what the TLVs
/// leave out.
pub(crate) fn classify(d: &DeliverSm) -> Delivered {
    match d.esm_class & MESSAGE_TYPE_MASK {
        SMSC_DELIVERY_RECEIPT => {}
        INTERMEDIATE_NOTIFICATION => return Delivered::Intermediate,
        _ => return Delivered::Mo,
    }
    let tlv_id = d.tlvs.receipted_message_id();
    let tlv_stat = d
        .tlvs
        .message_state()
        .and_then(|s| ReceiptStat::from_message_state(s.0));
    let (id, stat) = match (tlv_id, tlv_stat.clone()) {
        (Some(id), Some(stat)) => (id.as_bytes().to_vec(), stat),
        _ => {
            let text = String::from_utf8_lossy(d.payload());
            match dlr::parse(&text) {
                Ok(r) => (
                    tlv_id.map_or_else(|| r.id.into_bytes(), |id| id.as_bytes().to_vec()),
                    tlv_stat.unwrap_or(r.stat),
                ),
                Err(_) => match tlv_id {
                    // An id without any state: count it as delivered-unknown.
                    Some(id) => (id.as_bytes().to_vec(), ReceiptStat::Unknown),
                    None => return Delivered::Unreadable,
                },
            }
        }
    };
    if id.is_empty() {
        return Delivered::Unreadable;
    }
    if !stat.is_final() && stat != ReceiptStat::Unknown {
        return Delivered::Intermediate;
    }
    Delivered::Receipt {
        id,
        stat: stat.as_str().to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdu::{MessageState, Tlv};

    fn receipt(text: &str) -> DeliverSm {
        DeliverSm {
            esm_class: 0x04,
            short_message: text.as_bytes().to_vec().try_into().unwrap(),
            ..DeliverSm::default()
        }
    }

    #[test]
    fn id_and_state_come_from_tlvs_or_text() {
        let d = receipt("id:00A1 sub:001 dlvrd:001 submit date:2611281200 done date:2611281201 stat:DELIVRD err:000 text:");
        assert_eq!(
            classify(&d),
            Delivered::Receipt {
                id: b"00A1".to_vec(),
                stat: "DELIVRD".into()
            }
        );
        let mut d = receipt("");
        d.tlvs
            .push(Tlv::ReceiptedMessageId("B2".try_into().unwrap()));
        d.tlvs.push(Tlv::MessageState(MessageState(5)));
        assert_eq!(
            classify(&d),
            Delivered::Receipt {
                id: b"B2".to_vec(),
                stat: "UNDELIV".into()
            }
        );
        assert_eq!(
            classify(&receipt("id:C3 stat:ENROUTE")),
            Delivered::Intermediate
        );
        assert_eq!(classify(&receipt("garbage")), Delivered::Unreadable);
        let mo = DeliverSm {
            esm_class: 0,
            ..receipt("hello")
        };
        assert_eq!(classify(&mo), Delivered::Mo);
    }
}
