//! [`Tlvs`]: the ordered TLV list of one PDU, with typed accessors for the tags a gateway reads.

use bytes::{Bytes, BytesMut};
use serde::{Deserialize, Serialize};

use super::{NetworkErrorCode, Tlv, TlvTag};
use crate::pdu::values::MessageState;

/// The TLVs of a PDU in wire order. Order and unknown tags are preserved so that a relayed PDU
/// re-encodes to the octets it arrived with.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Tlvs(Vec<Tlv>);

/// The SAR concatenation TLVs (SMPP 3.4 §5.3.2.22–24) of one segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Sar {
    /// sar_msg_ref_num: the same for every segment of one message.
    pub msg_ref_num: u16,
    /// sar_total_segments.
    pub total_segments: u8,
    /// sar_segment_seqnum: 1-based.
    pub segment_seqnum: u8,
}

impl Tlvs {
    /// An empty list (no allocation).
    pub const fn new() -> Self {
        Tlvs(Vec::new())
    }

    /// Appends a TLV (duplicates are allowed, as on the wire).
    pub fn push(&mut self, tlv: Tlv) {
        self.0.push(tlv);
    }

    /// Replaces the first TLV with the same tag, or appends.
    pub fn set(&mut self, tlv: Tlv) {
        let tag = tlv.tag();
        match self.0.iter_mut().find(|t| t.tag() == tag) {
            Some(slot) => *slot = tlv,
            None => self.0.push(tlv),
        }
    }

    /// Removes every TLV with `tag`; returns how many were removed.
    pub fn remove(&mut self, tag: TlvTag) -> usize {
        let before = self.0.len();
        self.0.retain(|t| t.tag() != tag);
        before - self.0.len()
    }

    /// The first TLV with `tag`.
    pub fn get(&self, tag: TlvTag) -> Option<&Tlv> {
        self.0.iter().find(|t| t.tag() == tag)
    }

    /// All TLVs in wire order.
    pub fn iter(&self) -> std::slice::Iter<'_, Tlv> {
        self.0.iter()
    }

    /// Number of TLVs.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// receipted_message_id (0x001E) as text, also when the SMSC omitted its NUL.
    pub fn receipted_message_id(&self) -> Option<&str> {
        match self.get(TlvTag::RECEIPTED_MESSAGE_ID)? {
            Tlv::ReceiptedMessageId(id) => id.as_str(),
            Tlv::Raw { value, .. } => raw_text(value),
            _ => None,
        }
    }

    /// additional_status_info_text (0x001D) as text.
    pub fn additional_status_info_text(&self) -> Option<&str> {
        match self.get(TlvTag::ADDITIONAL_STATUS_INFO_TEXT)? {
            Tlv::AdditionalStatusInfoText(t) => t.as_str(),
            Tlv::Raw { value, .. } => raw_text(value),
            _ => None,
        }
    }

    /// message_state (0x0427).
    pub fn message_state(&self) -> Option<MessageState> {
        self.0.iter().find_map(|t| match t {
            Tlv::MessageState(s) => Some(*s),
            _ => None,
        })
    }

    /// network_error_code (0x0423).
    pub fn network_error_code(&self) -> Option<NetworkErrorCode> {
        self.0.iter().find_map(|t| match t {
            Tlv::NetworkErrorCode(c) => Some(*c),
            _ => None,
        })
    }

    /// message_payload (0x0424): the message body when short_message is empty.
    pub fn message_payload(&self) -> Option<&Bytes> {
        self.0.iter().find_map(|t| match t {
            Tlv::MessagePayload(p) => Some(p.bytes()),
            _ => None,
        })
    }

    /// The three sar_* TLVs, when all three are present.
    pub fn sar(&self) -> Option<Sar> {
        let (mut r, mut t, mut s) = (None, None, None);
        for tlv in &self.0 {
            match tlv {
                Tlv::SarMsgRefNum(v) => r = Some(*v),
                Tlv::SarTotalSegments(v) => t = Some(*v),
                Tlv::SarSegmentSeqnum(v) => s = Some(*v),
                _ => {}
            }
        }
        Some(Sar {
            msg_ref_num: r?,
            total_segments: t?,
            segment_seqnum: s?,
        })
    }

    /// Sets the three sar_* TLVs.
    pub fn set_sar(&mut self, sar: Sar) {
        self.set(Tlv::SarMsgRefNum(sar.msg_ref_num));
        self.set(Tlv::SarTotalSegments(sar.total_segments));
        self.set(Tlv::SarSegmentSeqnum(sar.segment_seqnum));
    }

    /// user_message_reference (0x0204).
    pub fn user_message_reference(&self) -> Option<u16> {
        self.0.iter().find_map(|t| match t {
            Tlv::UserMessageReference(v) => Some(*v),
            _ => None,
        })
    }

    /// source_port (0x020A).
    pub fn source_port(&self) -> Option<u16> {
        self.0.iter().find_map(|t| match t {
            Tlv::SourcePort(v) => Some(*v),
            _ => None,
        })
    }

    /// destination_port (0x020B).
    pub fn destination_port(&self) -> Option<u16> {
        self.0.iter().find_map(|t| match t {
            Tlv::DestinationPort(v) => Some(*v),
            _ => None,
        })
    }

    /// sc_interface_version (0x0210), sent in bind_*_resp.
    pub fn sc_interface_version(&self) -> Option<u8> {
        self.0.iter().find_map(|t| match t {
            Tlv::ScInterfaceVersion(v) => Some(*v),
            _ => None,
        })
    }

    /// ms_availability_status (0x0422), sent in alert_notification.
    pub fn ms_availability_status(&self) -> Option<u8> {
        self.0.iter().find_map(|t| match t {
            Tlv::MsAvailabilityStatus(v) => Some(*v),
            _ => None,
        })
    }

    /// payload_type (0x0019).
    pub fn payload_type(&self) -> Option<u8> {
        self.0.iter().find_map(|t| match t {
            Tlv::PayloadType(v) => Some(*v),
            _ => None,
        })
    }

    /// delivery_failure_reason (0x0425), sent in data_sm_resp.
    pub fn delivery_failure_reason(&self) -> Option<u8> {
        self.0.iter().find_map(|t| match t {
            Tlv::DeliveryFailureReason(v) => Some(*v),
            _ => None,
        })
    }

    /// Octets of the whole TLV section.
    pub fn encoded_len(&self) -> usize {
        self.0.iter().map(Tlv::encoded_len).sum()
    }

    pub(crate) fn encode(&self, dst: &mut BytesMut) {
        for t in &self.0 {
            t.encode(dst);
        }
    }
}

impl crate::pdu::wire::Encode for Tlvs {
    fn encoded_len(&self) -> usize {
        Tlvs::encoded_len(self)
    }
    fn encode(&self, dst: &mut BytesMut) {
        Tlvs::encode(self, dst);
    }
}

impl From<Vec<Tlv>> for Tlvs {
    fn from(v: Vec<Tlv>) -> Self {
        Tlvs(v)
    }
}

impl FromIterator<Tlv> for Tlvs {
    fn from_iter<I: IntoIterator<Item = Tlv>>(iter: I) -> Self {
        Tlvs(iter.into_iter().collect())
    }
}

impl<'a> IntoIterator for &'a Tlvs {
    type Item = &'a Tlv;
    type IntoIter = std::slice::Iter<'a, Tlv>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// A verbatim C-octet value: text up to the first NUL, if UTF-8.
fn raw_text(value: &[u8]) -> Option<&str> {
    let end = value.iter().position(|&b| b == 0).unwrap_or(value.len());
    std::str::from_utf8(value.get(..end)?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdu::tlv::tlvs as parse_tlvs;
    use crate::pdu::wire::finish;

    fn parse(hex: &str) -> Result<Tlvs, crate::pdu::error::PduErrorKind> {
        let base = Bytes::from(hex::decode(hex).unwrap());
        finish(parse_tlvs(&base, &base[..])).map(|(_, t)| t)
    }

    #[test]
    fn receipt_tlvs_are_typed() {
        // receipted_message_id "abc", message_state 2, network_error_code 03 0001
        let t = parse("001e000461626300042700010204230003030001").unwrap();
        assert_eq!(t.receipted_message_id(), Some("abc"));
        assert_eq!(t.message_state(), Some(MessageState::DELIVERED));
        assert_eq!(
            t.network_error_code(),
            Some(NetworkErrorCode {
                network_type: 3,
                error_code: 1
            })
        );
    }

    #[test]
    fn receipted_message_id_without_nul_is_kept_verbatim() {
        let t = parse("001e0003616263").unwrap();
        assert_eq!(t.receipted_message_id(), Some("abc"));
        assert!(matches!(t.iter().next(), Some(Tlv::Raw { .. })));
    }

    #[test]
    fn bad_lengths_map_to_their_status() {
        use crate::pdu::error::PduErrorKind;
        assert_eq!(parse("0427000201"), Err(PduErrorKind::TlvStream));
        assert_eq!(parse("04270002"), Err(PduErrorKind::TlvStream));
        assert_eq!(
            parse("042700020102"),
            Err(PduErrorKind::TlvLength(TlvTag::MESSAGE_STATE))
        );
        assert_eq!(parse("000500"), Err(PduErrorKind::TlvStream));
    }

    #[test]
    fn sar_needs_all_three() {
        let mut t = Tlvs::new();
        t.push(Tlv::SarMsgRefNum(7));
        assert_eq!(t.sar(), None);
        t.set_sar(Sar {
            msg_ref_num: 7,
            total_segments: 2,
            segment_seqnum: 1,
        });
        assert_eq!(
            t.sar(),
            Some(Sar {
                msg_ref_num: 7,
                total_segments: 2,
                segment_seqnum: 1
            })
        );
        assert_eq!(t.len(), 3);
    }
}
