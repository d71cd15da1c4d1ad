//! The few PDUs the upstream side builds and inspects, kept in one place so the rest of the
//! module talks in terms of requests and responses rather than PDU fields.

use bytes::{Bytes, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::config::{BindMode, ChannelConfig};
use crate::pdu::{
    decode_pdu, Bind, Body, COctetString, CodecError, CommandStatus, DeliverSm, DeliverSmResp, Pdu,
    PduError, Sar, ShortMessage, SmppCodec, SubmitSm, SubmitSmResp, TlvTag, HEADER_LEN,
};
use crate::text::Segment;

/// ESME_RINVCMDID (0x03): unknown command_id.
pub(crate) const ESME_RINVCMDID: u32 = CommandStatus::ESME_RINVCMDID.0;
/// ESME_RX_T_APPN (0x64): temporary application error, the SMSC retries later.
pub(crate) const ESME_RX_T_APPN: u32 = CommandStatus::ESME_RX_T_APPN.0;

/// Which bind a connection performs (SMPP 3.4 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BindKind {
    /// `bind_transceiver`: submits and deliveries.
    Transceiver,
    /// `bind_transmitter`: submits only.
    Transmitter,
    /// `bind_receiver`: deliveries only.
    Receiver,
}

impl BindKind {
    /// Whether this connection carries submits.
    pub(crate) fn submits(self) -> bool {
        !matches!(self, BindKind::Receiver)
    }

    /// The connection kinds one session slot of `mode` needs.
    pub(crate) fn for_mode(mode: BindMode) -> &'static [BindKind] {
        match mode {
            BindMode::Trx => &[BindKind::Transceiver],
            BindMode::TxRx => &[BindKind::Transmitter, BindKind::Receiver],
        }
    }
}

/// The numeric value of a status.
pub(crate) fn status_code(status: CommandStatus) -> u32 {
    status.0
}

/// The bind request for `kind` with the channel's credentials (lengths checked by
/// [`ChannelConfig::validate`]; an over-long value is sent empty rather than panicking).
pub(crate) fn bind_request(cfg: &ChannelConfig, kind: BindKind, seq: u32) -> Pdu {
    let bind = Bind {
        system_id: COctetString::try_from(cfg.system_id.as_str()).unwrap_or_default(),
        password: COctetString::try_from(cfg.password.as_str()).unwrap_or_default(),
        system_type: COctetString::try_from(cfg.system_type.as_str()).unwrap_or_default(),
        interface_version: 0x34,
        addr_ton: 0,
        addr_npi: 0,
        address_range: COctetString::empty(),
    };
    let body = match kind {
        BindKind::Transceiver => Body::BindTransceiver(bind),
        BindKind::Transmitter => Body::BindTransmitter(bind),
        BindKind::Receiver => Body::BindReceiver(bind),
    };
    Pdu::new(seq, body)
}

/// The status of the answer to our bind of `kind`, `None` if `pdu` is not that answer.
pub(crate) fn bind_result(pdu: &Pdu, kind: BindKind) -> Option<CommandStatus> {
    let matches = matches!(
        (&pdu.body, kind),
        (Body::BindTransceiverResp(_), BindKind::Transceiver)
            | (Body::BindTransmitterResp(_), BindKind::Transmitter)
            | (Body::BindReceiverResp(_), BindKind::Receiver)
            | (Body::GenericNack, _)
    );
    matches.then_some(pdu.command_status)
}

/// `submit_sm` with `seq`.
pub(crate) fn submit(seq: u32, submit: SubmitSm) -> Pdu {
    Pdu::new(seq, Body::SubmitSm(Box::new(submit)))
}

/// The carrier's message id from a `submit_sm_resp`.
pub(crate) fn resp_message_id(resp: &SubmitSmResp) -> String {
    resp.message_id.to_string_lossy()
}

/// `enquire_link` (SMPP 3.4 §4.11).
pub(crate) fn enquire_link(seq: u32) -> Pdu {
    Pdu::new(seq, Body::EnquireLink)
}

/// `enquire_link_resp`.
pub(crate) fn enquire_link_resp(seq: u32) -> Pdu {
    Pdu::new(seq, Body::EnquireLinkResp)
}

/// `unbind` (SMPP 3.4 §4.2).
pub(crate) fn unbind(seq: u32) -> Pdu {
    Pdu::new(seq, Body::Unbind)
}

/// `unbind_resp`.
pub(crate) fn unbind_resp(seq: u32) -> Pdu {
    Pdu::new(seq, Body::UnbindResp)
}

/// `deliver_sm_resp` with `status` (message_id NULL, SMPP 3.4 §4.6.2).
pub(crate) fn deliver_sm_resp(seq: u32, status: u32) -> Pdu {
    Pdu {
        sequence_number: seq,
        command_status: CommandStatus(status),
        body: Body::DeliverSmResp(DeliverSmResp::default()),
    }
}

/// `generic_nack` with `status`.
pub(crate) fn generic_nack(seq: u32, status: u32) -> Pdu {
    Pdu::generic_nack(seq, CommandStatus(status))
}

/// Whether `body` is a request (which must be answered).
pub(crate) fn is_request(body: &Body) -> bool {
    !body.command_id().is_response()
}

/// True when a `deliver_sm` is a delivery receipt rather than MO: esm_class message type
/// bits 5–2 (SMPP 3.4 §5.2.12) = 0x04 SMSC receipt, 0x08/0x10 SME acks, 0x20 intermediate.
pub(crate) fn is_receipt(d: &DeliverSm) -> bool {
    matches!(d.esm_class & 0x3C, 0x04 | 0x08 | 0x10 | 0x20)
}

/// Sets `source_addr`; a value the field cannot hold leaves the client's address.
pub(crate) fn set_source_addr(submit: &mut SubmitSm, addr: &str) {
    if let Ok(a) = COctetString::try_from(addr) {
        submit.source_addr = a;
    }
}

/// Overrides source TON/NPI where the rule says so.
pub(crate) fn set_source_ton_npi(submit: &mut SubmitSm, ton: Option<u8>, npi: Option<u8>) {
    if let Some(t) = ton {
        submit.source_addr_ton = t;
    }
    if let Some(n) = npi {
        submit.source_addr_npi = n;
    }
}

/// esm_class.
pub(crate) fn esm_class(submit: &SubmitSm) -> u8 {
    submit.esm_class
}

/// data_coding.
pub(crate) fn data_coding(submit: &SubmitSm) -> u8 {
    submit.data_coding
}

/// The message octets (short_message or message_payload).
pub(crate) fn message_bytes(submit: &SubmitSm) -> &[u8] {
    submit.payload()
}

/// Makes `part` carry `seg`: its octets, UDHI, data_coding and sar_* TLVs.
pub(crate) fn set_segment(part: &mut SubmitSm, seg: &Segment) {
    part.tlvs.remove(TlvTag::MESSAGE_PAYLOAD);
    part.data_coding = seg.coding.data_coding();
    if seg.udhi {
        part.esm_class |= crate::text::udh::ESM_CLASS_UDHI;
    }
    // Segments are at most 140 octets, well inside short_message's 254.
    part.short_message = ShortMessage::try_from(seg.bytes.as_slice()).unwrap_or_default();
    if let Some(sar) = seg.sar {
        part.tlvs.set_sar(Sar {
            msg_ref_num: sar.msg_ref_num,
            total_segments: sar.total_segments,
            segment_seqnum: sar.segment_seqnum,
        });
    }
}

/// A decoder that also hands back each frame's exact bytes (for audit and relaying).
#[derive(Debug, Default)]
pub(crate) struct RawCodec {
    inner: SmppCodec,
}

impl Decoder for RawCodec {
    type Item = (Result<Pdu, PduError>, Bytes);
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, CodecError> {
        // SMPP 3.4 §3.2: the first 4 octets are command_length, the whole PDU included.
        let Some(len) = src
            .get(..4)
            .and_then(|w| <[u8; 4]>::try_from(w).ok())
            .map(u32::from_be_bytes)
        else {
            return Ok(None);
        };
        if len < HEADER_LEN as u32 || len > self.inner.max_command_length {
            // Let the shared codec produce its fatal framing error.
            return self.inner.decode(src).map(|_| None);
        }
        let len = len as usize;
        if src.len() < len {
            src.reserve(len - src.len());
            return Ok(None);
        }
        // One frozen frame serves both as the raw copy and as the decoder input (the decoder
        // slices it without copying).
        let raw = src.split_to(len).freeze();
        Ok(Some((decode_pdu(raw.clone()), raw)))
    }
}

impl Encoder<Pdu> for RawCodec {
    type Error = CodecError;

    fn encode(&mut self, item: Pdu, dst: &mut BytesMut) -> Result<(), CodecError> {
        self.inner.encode(item, dst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_codec_returns_each_frame_exactly_and_keeps_framing_errors_fatal() {
        let mut codec = RawCodec::default();
        let mut wire = BytesMut::new();
        enquire_link(7).encode(&mut wire);
        unbind(8).encode(&mut wire);
        let first_len = 16;
        let expected_first = wire.clone().split_to(first_len).freeze();
        // Half a PDU: nothing yet.
        let mut partial = BytesMut::from(&wire[..10]);
        assert!(codec.decode(&mut partial).unwrap().is_none());
        let (pdu, raw) = codec.decode(&mut wire).unwrap().unwrap();
        assert_eq!(pdu.unwrap().sequence_number, 7);
        assert_eq!(raw, expected_first);
        let (pdu, _) = codec.decode(&mut wire).unwrap().unwrap();
        assert_eq!(pdu.unwrap().body, Body::Unbind);
        // command_length 8 < 16 (SMPP 3.4 §3.2): a framing error, not a PDU error.
        let mut bad = BytesMut::from(&[0u8, 0, 0, 8, 0, 0, 0, 0x15, 0, 0, 0, 0, 0, 0, 0, 1][..]);
        assert!(codec.decode(&mut bad).is_err());
    }

    #[test]
    fn receipts_are_told_from_mo_by_esm_class() {
        let mut d = DeliverSm {
            esm_class: 0x04,
            ..DeliverSm::default()
        };
        assert!(is_receipt(&d));
        d.esm_class = 0x40; // UDHI only: a concatenated MO
        assert!(!is_receipt(&d));
    }
}
