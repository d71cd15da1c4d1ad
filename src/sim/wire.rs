//! PDUs the simulator reads and writes.

use std::time::{SystemTime, UNIX_EPOCH};

use crate::pdu::{
    BindResp, Body, COctetString, CommandStatus, DeliverSm, MessageState, Pdu, PduError,
    ShortMessage, SubmitSm, SubmitSmResp, Tlv,
};
use crate::text::dlr::{DeliveryReceipt, ReceiptDate, ReceiptStat};
use crate::text::{self, Coding};

pub(crate) const ESME_RINVCMDID: u32 = CommandStatus::ESME_RINVCMDID.0;
pub(crate) const ESME_RINVBNDSTS: u32 = CommandStatus::ESME_RINVBNDSTS.0;
pub(crate) const ESME_RALYBND: u32 = CommandStatus::ESME_RALYBND.0;
pub(crate) const ESME_RINVPASWD: u32 = CommandStatus::ESME_RINVPASWD.0;
pub(crate) const ESME_RINVSYSID: u32 = CommandStatus::ESME_RINVSYSID.0;
pub(crate) const ESME_RTHROTTLED: u32 = CommandStatus::ESME_RTHROTTLED.0;

/// How a connection is bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BoundAs {
    Transmitter,
    Receiver,
    Transceiver,
}

impl BoundAs {
    pub(crate) fn receives(self) -> bool {
        !matches!(self, BoundAs::Transmitter)
    }

    pub(crate) fn transmits(self) -> bool {
        !matches!(self, BoundAs::Receiver)
    }
}

/// A bind request's kind and credentials.
pub(crate) fn bind_of(body: &Body) -> Option<(BoundAs, String, String)> {
    let (kind, b) = match body {
        Body::BindTransmitter(b) => (BoundAs::Transmitter, b),
        Body::BindReceiver(b) => (BoundAs::Receiver, b),
        Body::BindTransceiver(b) => (BoundAs::Transceiver, b),
        _ => return None,
    };
    Some((
        kind,
        b.system_id.to_string_lossy(),
        b.password.to_string_lossy(),
    ))
}

/// The bind response for `kind`.
pub(crate) fn bind_resp(seq: u32, kind: BoundAs, status: u32, system_id: &str) -> Pdu {
    let resp = BindResp {
        system_id: COctetString::try_from(system_id).unwrap_or_default(),
        ..BindResp::default()
    };
    let body = match kind {
        BoundAs::Transmitter => Body::BindTransmitterResp(resp),
        BoundAs::Receiver => Body::BindReceiverResp(resp),
        BoundAs::Transceiver => Body::BindTransceiverResp(resp),
    };
    with_status(seq, status, body)
}

fn with_status(seq: u32, status: u32, body: Body) -> Pdu {
    Pdu {
        sequence_number: seq,
        command_status: CommandStatus(status),
        body,
    }
}

/// `submit_sm_resp`; the body is left out on errors (SMPP 3.4 §4.4.2).
pub(crate) fn submit_sm_resp(seq: u32, status: u32, message_id: &str) -> Pdu {
    let resp = SubmitSmResp {
        message_id: COctetString::try_from(message_id).unwrap_or_default(),
        ..SubmitSmResp::default()
    };
    with_status(seq, status, Body::SubmitSmResp(resp))
}

pub(crate) fn enquire_link_resp(seq: u32) -> Pdu {
    Pdu::new(seq, Body::EnquireLinkResp)
}

pub(crate) fn unbind(seq: u32) -> Pdu {
    Pdu::new(seq, Body::Unbind)
}

pub(crate) fn unbind_resp(seq: u32) -> Pdu {
    Pdu::new(seq, Body::UnbindResp)
}

pub(crate) fn generic_nack(seq: u32, status: u32) -> Pdu {
    Pdu::generic_nack(seq, CommandStatus(status))
}

pub(crate) fn is_request(body: &Body) -> bool {
    !body.command_id().is_response()
}

/// The answer to a PDU whose body did not decode.
pub(crate) fn nack_for(e: &PduError) -> Option<Pdu> {
    e.response()
}

/// The fields of a submit the simulator records and builds its receipt from.
#[derive(Debug, Clone)]
pub(crate) struct SubmitFields {
    pub(crate) service_type: String,
    pub(crate) source_addr: String,
    pub(crate) source_addr_ton: u8,
    pub(crate) source_addr_npi: u8,
    pub(crate) destination_addr: String,
    pub(crate) dest_addr_ton: u8,
    pub(crate) dest_addr_npi: u8,
    pub(crate) esm_class: u8,
    pub(crate) data_coding: u8,
    pub(crate) registered_delivery: u8,
    pub(crate) message: Vec<u8>,
    pub(crate) text: Option<String>,
}

pub(crate) fn submit_fields(s: &SubmitSm) -> SubmitFields {
    let message = s.payload().to_vec();
    let udhi = s.esm_class & text::udh::ESM_CLASS_UDHI != 0;
    let text = text::udh::parse(&message, udhi)
        .ok()
        .and_then(|(_, payload)| text::decode(s.data_coding, payload).ok());
    SubmitFields {
        service_type: s.service_type.to_string_lossy(),
        source_addr: s.source_addr.to_string_lossy(),
        source_addr_ton: s.source_addr_ton,
        source_addr_npi: s.source_addr_npi,
        destination_addr: s.destination_addr.to_string_lossy(),
        dest_addr_ton: s.dest_addr_ton,
        dest_addr_npi: s.dest_addr_npi,
        esm_class: s.esm_class,
        data_coding: s.data_coding,
        registered_delivery: s.registered_delivery,
        message,
        text,
    }
}

/// The delivery receipt for a submit (SMPP 3.4 §5.2.12 esm_class 0x04, Appendix B text,
/// receipted_message_id and message_state TLVs): from the recipient back to the sender.
pub(crate) fn receipt(
    f: &SubmitFields,
    carrier_id: &str,
    delivered: bool,
    submitted: SystemTime,
) -> DeliverSm {
    let secs = submitted
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let date = ReceiptDate::from_unix_seconds(secs, false);
    let (stat, state, err) = if delivered {
        (ReceiptStat::Delivrd, 2u8, "000")
    } else {
        (ReceiptStat::Undeliv, 5u8, "001")
    };
    let excerpt: String = f.text.as_deref().unwrap_or("").chars().take(20).collect();
    let text = DeliveryReceipt {
        id: carrier_id.to_string(),
        sub: Some("001".into()),
        dlvrd: Some(if delivered { "001" } else { "000" }.into()),
        submit_date: Some(date),
        done_date: Some(date),
        stat,
        err: Some(err.into()),
        // Keep the receipt ASCII so it fits data_coding 0; non-ASCII excerpts are left out.
        text: excerpt.is_ascii().then_some(excerpt),
    }
    .format();
    let mut d = DeliverSm {
        source_addr_ton: f.dest_addr_ton,
        source_addr_npi: f.dest_addr_npi,
        source_addr: COctetString::try_from(f.destination_addr.as_str()).unwrap_or_default(),
        dest_addr_ton: f.source_addr_ton,
        dest_addr_npi: f.source_addr_npi,
        destination_addr: COctetString::try_from(f.source_addr.as_str()).unwrap_or_default(),
        esm_class: 0x04,
        short_message: ShortMessage::try_from(text.as_bytes()).unwrap_or_default(),
        ..DeliverSm::default()
    };
    if let Ok(id) = COctetString::try_from(carrier_id) {
        d.tlvs.push(Tlv::ReceiptedMessageId(id));
    }
    d.tlvs.push(Tlv::MessageState(MessageState(state)));
    d
}

/// A mobile-originated message (UCS2 unless the text is plain ASCII).
pub(crate) fn mo(source_addr: &str, destination_addr: &str, body: &str) -> DeliverSm {
    let coding = if body.is_ascii() {
        Coding::Ia5
    } else {
        Coding::Ucs2
    };
    let bytes = text::encode(body, coding).unwrap_or_default();
    DeliverSm {
        source_addr_ton: 1,
        source_addr_npi: 1,
        source_addr: COctetString::try_from(source_addr).unwrap_or_default(),
        destination_addr: COctetString::try_from(destination_addr).unwrap_or_default(),
        data_coding: coding.data_coding(),
        short_message: ShortMessage::try_from(bytes.as_slice()).unwrap_or_default(),
        ..DeliverSm::default()
    }
}

/// Numbers a `deliver_sm` for writing.
pub(crate) fn deliver_pdu(seq: u32, d: DeliverSm) -> Pdu {
    Pdu::new(seq, Body::DeliverSm(Box::new(d)))
}
