//! What a client's `submit_sm` / `data_sm` says, read once on the way in: the text policy
//! judges, the concatenation it belongs to, the segments carriers will bill, and the payload
//! the store keeps so the message can be sent again after a crash.

use std::time::{Duration, SystemTime};

use bytes::BytesMut;

use crate::message::MessageId;
use crate::pdu::{CommandStatus, DataSm, SmppTime, SubmitSm, Tlvs};
use crate::store::{Address, ConcatInfo, ResendPayload};
use crate::text::{self, Coding, ConcatMethod, SplitOptions};

/// esm_class bit 6: the short_message starts with a user data header (SMPP 3.4 §5.2.12).
const ESM_UDHI: u8 = 0x40;

/// A client message as smppd reasons about it.
#[derive(Debug, Clone)]
pub struct Inbound {
    /// The decoded text of this PDU (one part of a concatenated set, or the whole message).
    pub text: String,
    /// The set this PDU is one part of (from a UDH or the sar_* TLVs).
    pub concat: Option<ConcatInfo>,
    /// Segments carriers bill for this PDU: 1 for a part; a long message_payload counts
    /// the segments it will be split into.
    pub segments: u16,
    /// Everything needed to send it again.
    pub payload: ResendPayload,
    /// validity_period as an absolute deadline, when the client gave one.
    pub validity_deadline: Option<SystemTime>,
    /// For the second and later destinations of a submit_multi: the id the client was
    /// given for the whole request (see [`crate::store::NewMessage::reported_id`]).
    pub reported_id: Option<MessageId>,
}

/// Why a message could not be read; each maps to the status the client gets.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InboundError {
    /// The UDH announced by esm_class is malformed.
    #[error("malformed user data header: {0}")]
    Udh(String),
    /// The bytes are not valid text in the declared data_coding.
    #[error("text does not decode under data_coding {data_coding:#04x}: {reason}")]
    Text {
        /// The PDU's data_coding.
        data_coding: u8,
        /// What the text layer said.
        reason: String,
    },
    /// Binary (8-bit data) messages cannot be content-checked, so they are refused.
    #[error("binary data_coding {0:#04x} is not accepted (content cannot be checked)")]
    Binary(u8),
    /// validity_period is not an SMPP time.
    #[error("validity_period {0:?} is not a valid SMPP time")]
    Validity(String),
    /// A field the session refused by the spec's rules (`server::checks`), with its status.
    #[error("invalid PDU field (status {:#010x})", .0 .0)]
    InvalidField(CommandStatus),
}

impl InboundError {
    /// The submit_sm_resp status for this error.
    pub fn status(&self) -> CommandStatus {
        match self {
            InboundError::Udh(_) => CommandStatus::ESME_RINVESMCLASS,
            InboundError::Text { .. } | InboundError::Binary(_) => CommandStatus::ESME_RSUBMITFAIL,
            InboundError::Validity(_) => CommandStatus::ESME_RINVEXPIRY,
            InboundError::InvalidField(status) => *status,
        }
    }

    /// A stable snake_case reason for statistics and lookups.
    pub fn reason(&self) -> &'static str {
        match self {
            InboundError::Udh(_) => "malformed_udh",
            InboundError::Text { .. } => "undecodable_text",
            InboundError::Binary(_) => "binary_not_allowed",
            InboundError::Validity(_) => "invalid_validity_period",
            InboundError::InvalidField(_) => "invalid_pdu_field",
        }
    }
}

/// Reads a submit_sm.
pub fn from_submit_sm(pdu: &SubmitSm, now: SystemTime) -> Result<Inbound, InboundError> {
    read(Fields::from(pdu), now)
}

/// Reads a data_sm (its text is always in message_payload, §4.7.1).
pub fn from_data_sm(pdu: &DataSm, now: SystemTime) -> Result<Inbound, InboundError> {
    read(Fields::from(pdu), now)
}

/// Re-reads a stored message (recovery, re-opened concatenated sets).
pub fn from_payload(payload: &ResendPayload, now: SystemTime) -> Result<Inbound, InboundError> {
    let sm = super::resend::submit_sm(payload).map_err(|e| InboundError::Text {
        data_coding: payload.data_coding,
        reason: e.to_string(),
    })?;
    from_submit_sm(&sm, now)
}

/// The fields both PDUs share.
struct Fields<'a> {
    payload: ResendPayload,
    body: &'a [u8],
    tlvs: &'a Tlvs,
}

impl<'a> From<&'a SubmitSm> for Fields<'a> {
    fn from(p: &'a SubmitSm) -> Self {
        Fields {
            payload: ResendPayload {
                service_type: p.service_type.to_string_lossy(),
                source: address(
                    p.source_addr_ton,
                    p.source_addr_npi,
                    &p.source_addr.to_string_lossy(),
                ),
                destination: address(
                    p.dest_addr_ton,
                    p.dest_addr_npi,
                    &p.destination_addr.to_string_lossy(),
                ),
                esm_class: p.esm_class,
                protocol_id: p.protocol_id,
                priority_flag: p.priority_flag,
                schedule_delivery_time: p.schedule_delivery_time.as_str().to_owned(),
                validity_period: p.validity_period.as_str().to_owned(),
                registered_delivery: p.registered_delivery,
                replace_if_present_flag: p.replace_if_present_flag,
                data_coding: p.data_coding,
                sm_default_msg_id: p.sm_default_msg_id,
                short_message: p.short_message.to_vec(),
                tlvs: encode_tlvs(&p.tlvs),
            },
            body: p.payload(),
            tlvs: &p.tlvs,
        }
    }
}

impl<'a> From<&'a DataSm> for Fields<'a> {
    fn from(p: &'a DataSm) -> Self {
        Fields {
            payload: ResendPayload {
                service_type: p.service_type.to_string_lossy(),
                source: address(
                    p.source_addr_ton,
                    p.source_addr_npi,
                    &p.source_addr.to_string_lossy(),
                ),
                destination: address(
                    p.dest_addr_ton,
                    p.dest_addr_npi,
                    &p.destination_addr.to_string_lossy(),
                ),
                esm_class: p.esm_class,
                registered_delivery: p.registered_delivery,
                data_coding: p.data_coding,
                tlvs: encode_tlvs(&p.tlvs),
                ..ResendPayload::default()
            },
            body: p.tlvs.message_payload().map(|b| &b[..]).unwrap_or(&[]),
            tlvs: &p.tlvs,
        }
    }
}

fn address(ton: u8, npi: u8, addr: &str) -> Address {
    Address {
        ton,
        npi,
        addr: addr.to_owned(),
    }
}

fn encode_tlvs(tlvs: &Tlvs) -> Vec<u8> {
    let mut buf = BytesMut::with_capacity(tlvs.encoded_len());
    tlvs.encode(&mut buf);
    buf.to_vec()
}

fn read(f: Fields<'_>, now: SystemTime) -> Result<Inbound, InboundError> {
    let data_coding = f.payload.data_coding;
    if !Coding::from_data_coding(data_coding).is_text() {
        return Err(InboundError::Binary(data_coding));
    }
    let udhi = f.payload.esm_class & ESM_UDHI != 0;
    let (udh_concat, body) =
        text::udh::parse(f.body, udhi).map_err(|e| InboundError::Udh(e.to_string()))?;
    let sar_concat = f.tlvs.sar().map(|s| ConcatInfo {
        reference: s.msg_ref_num,
        total: s.total_segments,
        sequence: s.segment_seqnum,
    });
    let concat = udh_concat
        .map(|c| ConcatInfo {
            reference: c.reference,
            total: c.total,
            sequence: c.seq,
        })
        .or(sar_concat)
        .filter(|c| c.total > 1);
    let text = text::decode(data_coding, body).map_err(|e| InboundError::Text {
        data_coding,
        reason: e.to_string(),
    })?;
    let coding = Coding::from_data_coding(data_coding);
    let segments = if concat.is_some() {
        1
    } else {
        billed_segments(&text, coding)
    };
    let validity_deadline = validity(&f.payload.validity_period, now)?;
    Ok(Inbound {
        text,
        concat,
        segments,
        payload: f.payload,
        validity_deadline,
        reported_id: None,
    })
}

/// Segments a carrier bills for a whole (unconcatenated) text: what smppd would split it into.
fn billed_segments(text: &str, coding: Coding) -> u16 {
    let opts = SplitOptions {
        coding: Some(coding),
        method: ConcatMethod::Udh8,
        ..SplitOptions::default()
    };
    text::split(text, &opts)
        .map(|s| u16::try_from(s.len()).unwrap_or(u16::MAX).max(1))
        .unwrap_or(1)
}

/// An SMPP time (§7.1.1) as an absolute deadline: absolute `YYMMDDhhmmsstnnp` or relative
/// `YYMMDDhhmmss000R`. NULL means none.
fn validity(v: &str, now: SystemTime) -> Result<Option<SystemTime>, InboundError> {
    if v.is_empty() {
        return Ok(None);
    }
    let time = SmppTime::new(v).map_err(|_| InboundError::Validity(v.to_owned()))?;
    crate::gateway::smpp_time::deadline(&time, now)
        .map(Some)
        .ok_or_else(|| InboundError::Validity(v.to_owned()))
}

/// Default deadline when the client gave none: the configured default validity.
pub fn default_deadline(now: SystemTime, default_validity: Duration) -> SystemTime {
    now + default_validity
}
