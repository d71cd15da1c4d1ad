//! The SMPP 3.4 wire format: typed PDUs, a nom decoder, a `bytes` encoder and the tokio
//! [`SmppCodec`]. No I/O and no session state live here.
//!
//! ```text
//! socket bytes ──SmppCodec (framing: 16 ≤ command_length ≤ max)──▶ frame: Bytes
//!              ──decode_pdu (typed body, zero-copy slices)──▶ Result<Pdu, PduError>
//! ```
//!
//! Framing errors ([`CodecError`]) are fatal for the connection; a body that fails to decode
//! is a [`PduError`] carrying the sequence number and the status to answer with, and the
//! stream goes on (style habit 2). Strings and `short_message` are [`bytes::Bytes`] slices of
//! the received frame: decoding copies no payload and allocates only the boxed body and the
//! TLV list.

mod bind;
mod body;
mod codec;
mod command;
mod data;
mod error;
mod multi;
mod query;
mod sm;
pub mod tlv;
mod types;
mod values;
mod wire;

use bytes::{BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};

pub use bind::{Bind, BindResp, Outbind};
pub use body::Body;
pub use codec::{SmppCodec, DEFAULT_MAX_COMMAND_LENGTH};
pub use command::{CommandId, CommandStatus};
pub use data::DataSm;
pub use error::{CodecError, Field, PduError, PduErrorKind};
pub use multi::{DestAddress, SubmitMulti, SubmitMultiResp, UnsuccessSme};
pub use query::{AlertNotification, CancelSm, QuerySm, QuerySmResp, ReplaceSm};
pub use sm::{DataSmResp, DeliverSm, DeliverSmResp, SubmitSm, SubmitSmResp};
pub use tlv::{NetworkErrorCode, Sar, Tlv, TlvTag, Tlvs};
pub use types::{COctetString, FieldValueError, List, OctetString, ShortMessage, SmppTime};
pub use values::{npi, ton, MessageState};

/// Octets of the PDU header (SMPP 3.4 §3.2): command_length, command_id, command_status,
/// sequence_number.
pub const HEADER_LEN: usize = 16;

/// The four header fields, readable from any 16 octets before the body is looked at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// Total PDU length including the header.
    pub command_length: u32,
    /// The command.
    pub command_id: CommandId,
    /// Zero in requests, the result in responses.
    pub command_status: CommandStatus,
    /// Chosen by the requester, echoed by the response.
    pub sequence_number: u32,
}

impl Header {
    /// Reads the header from the first 16 octets of `buf`, `None` when fewer are available.
    pub fn peek(buf: &[u8]) -> Option<Header> {
        let word = |at: usize| -> Option<u32> {
            let b: [u8; 4] = buf.get(at..at + 4)?.try_into().ok()?;
            Some(u32::from_be_bytes(b))
        };
        Some(Header {
            command_length: word(0)?,
            command_id: CommandId(word(4)?),
            command_status: CommandStatus(word(8)?),
            sequence_number: word(12)?,
        })
    }
}

/// One SMPP PDU. command_length and command_id are derived from the body on encode.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pdu {
    /// sequence_number (SMPP 3.4 §3.2: 0x00000001–0x7FFFFFFF in practice; any value decodes).
    pub sequence_number: u32,
    /// command_status: ESME_ROK in requests.
    #[serde(default)]
    pub command_status: CommandStatus,
    /// The typed body, which decides the command_id.
    pub body: Body,
}

impl Pdu {
    /// A request or response with status ESME_ROK.
    pub fn new(sequence_number: u32, body: Body) -> Pdu {
        Pdu {
            sequence_number,
            command_status: CommandStatus::ESME_ROK,
            body,
        }
    }

    /// generic_nack (SMPP 3.4 §4.3): the answer to an unknown command_id or an unparseable
    /// header.
    pub fn generic_nack(seq: u32, status: CommandStatus) -> Pdu {
        Pdu {
            sequence_number: seq,
            command_status: status,
            body: Body::GenericNack,
        }
    }

    /// The bodiless response to request `command_id` (e.g. an error `submit_sm_resp`), or
    /// `None` when that command has no response.
    pub fn response_to(command_id: CommandId, seq: u32, status: CommandStatus) -> Option<Pdu> {
        Body::empty_response(command_id).map(|body| Pdu {
            sequence_number: seq,
            command_status: status,
            body,
        })
    }

    /// The command_id (from the body).
    pub fn command_id(&self) -> CommandId {
        self.body.command_id()
    }

    /// True for responses and generic_nack (bit 31 of command_id).
    pub fn is_response(&self) -> bool {
        self.command_id().is_response()
    }

    /// Whether the body is left out: error responses carry no body (SMPP 3.4 §4.4.2) when
    /// there is nothing in it.
    fn omits_body(&self) -> bool {
        !self.command_status.is_ok() && self.body.is_omittable()
    }

    /// Octets [`Pdu::encode`] writes, i.e. the command_length.
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN
            + if self.omits_body() {
                0
            } else {
                self.body.encoded_len()
            }
    }

    /// Appends the wire form to `dst` (reserving the exact length first).
    pub fn encode(&self, dst: &mut BytesMut) {
        let len = self.encoded_len();
        dst.reserve(len);
        // Every body is bounded by its field types far below u32::MAX.
        dst.put_u32(u32::try_from(len).unwrap_or(u32::MAX));
        dst.put_u32(self.command_id().0);
        dst.put_u32(self.command_status.0);
        dst.put_u32(self.sequence_number);
        if !self.omits_body() {
            self.body.encode(dst);
        }
    }

    /// The wire form as a new buffer.
    pub fn to_bytes(&self) -> Bytes {
        let mut b = BytesMut::with_capacity(self.encoded_len());
        self.encode(&mut b);
        b.freeze()
    }
}

/// Decodes one whole PDU (header included). `frame.len()` must equal command_length.
///
/// Never panics and never allocates in proportion to a length read from the input: strings and
/// payloads are slices of `frame`, and list capacities are bounded by the octets present.
pub fn decode_pdu(frame: Bytes) -> Result<Pdu, PduError> {
    let Some(h) = Header::peek(&frame) else {
        let command_id = frame
            .get(4..8)
            .and_then(|b| b.try_into().ok())
            .map(|b| CommandId(u32::from_be_bytes(b)));
        let command_length = frame
            .get(..4)
            .and_then(|b| b.try_into().ok())
            .map_or(0, u32::from_be_bytes);
        return Err(PduError::new(
            command_id,
            None,
            None,
            PduErrorKind::LengthMismatch {
                command_length,
                frame_len: frame.len(),
            },
        ));
    };
    let err = |kind| {
        PduError::new(
            Some(h.command_id),
            Some(h.sequence_number),
            Some(h.command_status),
            kind,
        )
    };
    if usize::try_from(h.command_length).ok() != Some(frame.len()) {
        return Err(err(PduErrorKind::LengthMismatch {
            command_length: h.command_length,
            frame_len: frame.len(),
        }));
    }
    // The body is parsed in place: strings become slices of `frame` itself.
    let body = Body::decode(
        h.command_id,
        &frame,
        frame.get(HEADER_LEN..).unwrap_or_default(),
    )
    .map_err(err)?;
    Ok(Pdu {
        sequence_number: h.sequence_number,
        command_status: h.command_status,
        body,
    })
}

#[cfg(test)]
mod tests;
