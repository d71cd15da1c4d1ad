//! [`Body`]: one variant per SMPP 3.4 PDU, the command_id ↔ body dispatch for decode and
//! encode.

use bytes::{Bytes, BytesMut};
use serde::{Deserialize, Serialize};

use super::bind::{Bind, BindResp, Outbind};
use super::command::CommandId;
use super::data::DataSm;
use super::error::PduErrorKind;
use super::multi::{SubmitMulti, SubmitMultiResp};
use super::query::{AlertNotification, CancelSm, QuerySm, QuerySmResp, ReplaceSm};
use super::sm::{DataSmResp, DeliverSm, DeliverSmResp, SubmitSm, SubmitSmResp};
use super::wire::{Encode, In};

/// The body of a PDU. The variant decides the command_id; bodies that are large or rare are
/// boxed so that a `Pdu` stays small when it moves through channels.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
#[allow(missing_docs)] // each variant is the PDU of the same name (SMPP 3.4 §4)
pub enum Body {
    BindTransmitter(Bind),
    BindReceiver(Bind),
    BindTransceiver(Bind),
    BindTransmitterResp(BindResp),
    BindReceiverResp(BindResp),
    BindTransceiverResp(BindResp),
    Outbind(Outbind),
    Unbind,
    UnbindResp,
    GenericNack,
    SubmitSm(Box<SubmitSm>),
    SubmitSmResp(SubmitSmResp),
    SubmitMulti(Box<SubmitMulti>),
    SubmitMultiResp(SubmitMultiResp),
    DeliverSm(Box<DeliverSm>),
    DeliverSmResp(DeliverSmResp),
    DataSm(Box<DataSm>),
    DataSmResp(DataSmResp),
    QuerySm(QuerySm),
    QuerySmResp(QuerySmResp),
    CancelSm(CancelSm),
    CancelSmResp,
    ReplaceSm(Box<ReplaceSm>),
    ReplaceSmResp,
    EnquireLink,
    EnquireLinkResp,
    AlertNotification(AlertNotification),
}

impl Body {
    /// The command_id this body is sent with.
    pub fn command_id(&self) -> CommandId {
        match self {
            Body::BindTransmitter(_) => CommandId::BIND_TRANSMITTER,
            Body::BindReceiver(_) => CommandId::BIND_RECEIVER,
            Body::BindTransceiver(_) => CommandId::BIND_TRANSCEIVER,
            Body::BindTransmitterResp(_) => CommandId::BIND_TRANSMITTER_RESP,
            Body::BindReceiverResp(_) => CommandId::BIND_RECEIVER_RESP,
            Body::BindTransceiverResp(_) => CommandId::BIND_TRANSCEIVER_RESP,
            Body::Outbind(_) => CommandId::OUTBIND,
            Body::Unbind => CommandId::UNBIND,
            Body::UnbindResp => CommandId::UNBIND_RESP,
            Body::GenericNack => CommandId::GENERIC_NACK,
            Body::SubmitSm(_) => CommandId::SUBMIT_SM,
            Body::SubmitSmResp(_) => CommandId::SUBMIT_SM_RESP,
            Body::SubmitMulti(_) => CommandId::SUBMIT_MULTI,
            Body::SubmitMultiResp(_) => CommandId::SUBMIT_MULTI_RESP,
            Body::DeliverSm(_) => CommandId::DELIVER_SM,
            Body::DeliverSmResp(_) => CommandId::DELIVER_SM_RESP,
            Body::DataSm(_) => CommandId::DATA_SM,
            Body::DataSmResp(_) => CommandId::DATA_SM_RESP,
            Body::QuerySm(_) => CommandId::QUERY_SM,
            Body::QuerySmResp(_) => CommandId::QUERY_SM_RESP,
            Body::CancelSm(_) => CommandId::CANCEL_SM,
            Body::CancelSmResp => CommandId::CANCEL_SM_RESP,
            Body::ReplaceSm(_) => CommandId::REPLACE_SM,
            Body::ReplaceSmResp => CommandId::REPLACE_SM_RESP,
            Body::EnquireLink => CommandId::ENQUIRE_LINK,
            Body::EnquireLinkResp => CommandId::ENQUIRE_LINK_RESP,
            Body::AlertNotification(_) => CommandId::ALERT_NOTIFICATION,
        }
    }

    /// The body of a response with no content (empty message_id, no TLVs), used for error
    /// responses and for acknowledgements such as deliver_sm_resp. `None` when `request` has no
    /// response.
    pub fn empty_response(request: CommandId) -> Option<Body> {
        Some(match request {
            CommandId::BIND_TRANSMITTER => Body::BindTransmitterResp(BindResp::default()),
            CommandId::BIND_RECEIVER => Body::BindReceiverResp(BindResp::default()),
            CommandId::BIND_TRANSCEIVER => Body::BindTransceiverResp(BindResp::default()),
            CommandId::UNBIND => Body::UnbindResp,
            CommandId::SUBMIT_SM => Body::SubmitSmResp(SubmitSmResp::default()),
            CommandId::SUBMIT_MULTI => Body::SubmitMultiResp(SubmitMultiResp::default()),
            CommandId::DELIVER_SM => Body::DeliverSmResp(DeliverSmResp::default()),
            CommandId::DATA_SM => Body::DataSmResp(DataSmResp::default()),
            CommandId::QUERY_SM => Body::QuerySmResp(QuerySmResp::default()),
            CommandId::CANCEL_SM => Body::CancelSmResp,
            CommandId::REPLACE_SM => Body::ReplaceSmResp,
            CommandId::ENQUIRE_LINK => Body::EnquireLinkResp,
            _ => return None,
        })
    }

    /// True when the body is the "absent" form of an error response: SMPP 3.4 §4.4.2 and its
    /// siblings omit the body when command_status is non-zero.
    pub(crate) fn is_omittable(&self) -> bool {
        match self {
            Body::BindTransmitterResp(r)
            | Body::BindReceiverResp(r)
            | Body::BindTransceiverResp(r) => *r == BindResp::default(),
            Body::SubmitSmResp(r) => *r == SubmitSmResp::default(),
            Body::DeliverSmResp(r) => *r == DeliverSmResp::default(),
            Body::DataSmResp(r) => *r == DataSmResp::default(),
            Body::SubmitMultiResp(r) => *r == SubmitMultiResp::default(),
            Body::QuerySmResp(r) => *r == QuerySmResp::default(),
            _ => false,
        }
    }

    /// Decodes the body octets of a PDU with this command_id.
    /// `body` is the part of `frame` after the header; strings are sliced out of `frame`.
    pub(crate) fn decode(id: CommandId, b: &Bytes, body: In<'_>) -> Result<Body, PduErrorKind> {
        let header_only = |empty: Body| {
            if body.is_empty() {
                Ok(empty)
            } else {
                Err(PduErrorKind::TrailingBytes(body.len()))
            }
        };
        Ok(match id {
            CommandId::BIND_TRANSMITTER => Body::BindTransmitter(Bind::decode(b, body)?),
            CommandId::BIND_RECEIVER => Body::BindReceiver(Bind::decode(b, body)?),
            CommandId::BIND_TRANSCEIVER => Body::BindTransceiver(Bind::decode(b, body)?),
            CommandId::BIND_TRANSMITTER_RESP => {
                Body::BindTransmitterResp(BindResp::decode(b, body)?)
            }
            CommandId::BIND_RECEIVER_RESP => Body::BindReceiverResp(BindResp::decode(b, body)?),
            CommandId::BIND_TRANSCEIVER_RESP => {
                Body::BindTransceiverResp(BindResp::decode(b, body)?)
            }
            CommandId::OUTBIND => Body::Outbind(Outbind::decode(b, body)?),
            CommandId::UNBIND => header_only(Body::Unbind)?,
            CommandId::UNBIND_RESP => header_only(Body::UnbindResp)?,
            CommandId::GENERIC_NACK => header_only(Body::GenericNack)?,
            CommandId::SUBMIT_SM => Body::SubmitSm(Box::new(SubmitSm::decode(b, body)?)),
            CommandId::SUBMIT_SM_RESP => Body::SubmitSmResp(SubmitSmResp::decode(b, body)?),
            CommandId::SUBMIT_MULTI => Body::SubmitMulti(Box::new(SubmitMulti::decode(b, body)?)),
            CommandId::SUBMIT_MULTI_RESP => {
                Body::SubmitMultiResp(SubmitMultiResp::decode(b, body)?)
            }
            CommandId::DELIVER_SM => Body::DeliverSm(Box::new(DeliverSm::decode(b, body)?)),
            CommandId::DELIVER_SM_RESP => Body::DeliverSmResp(DeliverSmResp::decode(b, body)?),
            CommandId::DATA_SM => Body::DataSm(Box::new(DataSm::decode(b, body)?)),
            CommandId::DATA_SM_RESP => Body::DataSmResp(DataSmResp::decode(b, body)?),
            CommandId::QUERY_SM => Body::QuerySm(QuerySm::decode(b, body)?),
            CommandId::QUERY_SM_RESP => Body::QuerySmResp(QuerySmResp::decode(b, body)?),
            CommandId::CANCEL_SM => Body::CancelSm(CancelSm::decode(b, body)?),
            CommandId::CANCEL_SM_RESP => header_only(Body::CancelSmResp)?,
            CommandId::REPLACE_SM => Body::ReplaceSm(Box::new(ReplaceSm::decode(b, body)?)),
            CommandId::REPLACE_SM_RESP => header_only(Body::ReplaceSmResp)?,
            CommandId::ENQUIRE_LINK => header_only(Body::EnquireLink)?,
            CommandId::ENQUIRE_LINK_RESP => header_only(Body::EnquireLinkResp)?,
            CommandId::ALERT_NOTIFICATION => {
                Body::AlertNotification(AlertNotification::decode(b, body)?)
            }
            _ => return Err(PduErrorKind::UnknownCommandId),
        })
    }

    /// Body octets on the wire.
    pub(crate) fn encoded_len(&self) -> usize {
        match self.as_encode() {
            Some(e) => e.encoded_len(),
            None => 0,
        }
    }

    pub(crate) fn encode(&self, dst: &mut BytesMut) {
        if let Some(e) = self.as_encode() {
            e.encode(dst);
        }
    }

    fn as_encode(&self) -> Option<&dyn Encode> {
        Some(match self {
            Body::BindTransmitter(b) | Body::BindReceiver(b) | Body::BindTransceiver(b) => b,
            Body::BindTransmitterResp(b)
            | Body::BindReceiverResp(b)
            | Body::BindTransceiverResp(b) => b,
            Body::Outbind(b) => b,
            Body::SubmitSm(b) => b.as_ref(),
            Body::SubmitSmResp(b) => b,
            Body::SubmitMulti(b) => b.as_ref(),
            Body::SubmitMultiResp(b) => b,
            Body::DeliverSm(b) => b.as_ref(),
            Body::DeliverSmResp(b) => b,
            Body::DataSm(b) => b.as_ref(),
            Body::DataSmResp(b) => b,
            Body::QuerySm(b) => b,
            Body::QuerySmResp(b) => b,
            Body::CancelSm(b) => b,
            Body::ReplaceSm(b) => b.as_ref(),
            Body::AlertNotification(b) => b,
            Body::Unbind
            | Body::UnbindResp
            | Body::GenericNack
            | Body::CancelSmResp
            | Body::ReplaceSmResp
            | Body::EnquireLink
            | Body::EnquireLinkResp => return None,
        })
    }
}
