//! [`SmppCodec`]: tokio-util framing. It always consumes exactly command_length octets, so a
//! bad body costs one [`PduError`] and never the connection (the Rusmpp caveat in
//! style-anchors.md).

use bytes::{Buf, BytesMut};
use serde::{Deserialize, Serialize};
use tokio_util::codec::{Decoder, Encoder};

use super::error::CodecError;
use super::{decode_pdu, Header, Pdu, PduError, HEADER_LEN};

/// Default cap on command_length: a 254-octet short_message PDU with room for TLVs and a
/// 3–4 KB message_payload. Raise it for peers that send larger message_payload.
pub const DEFAULT_MAX_COMMAND_LENGTH: u32 = 4096;

/// Framed SMPP over a byte stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmppCodec {
    /// Largest command_length accepted; larger frames are a fatal [`CodecError`] raised before
    /// any buffer grows for them.
    pub max_command_length: u32,
}

impl Default for SmppCodec {
    fn default() -> Self {
        SmppCodec {
            max_command_length: DEFAULT_MAX_COMMAND_LENGTH,
        }
    }
}

impl SmppCodec {
    /// A codec with the default maximum.
    pub fn new() -> Self {
        Self::default()
    }

    /// A codec accepting frames up to `max_command_length` octets.
    pub fn with_max_command_length(max_command_length: u32) -> Self {
        SmppCodec {
            max_command_length: max_command_length.max(HEADER_LEN as u32),
        }
    }
}

impl Decoder for SmppCodec {
    type Item = Result<Pdu, PduError>;
    type Error = CodecError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Self::Item>, CodecError> {
        let Some(len_octets) = src.get(..4) else {
            return Ok(None);
        };
        let mut word = [0u8; 4];
        word.copy_from_slice(len_octets);
        let command_length = u32::from_be_bytes(word);
        // SMPP 3.4 §3.2: the header alone is 16 octets; anything outside 16..=max means the
        // stream is out of sync or hostile. Checked before buffering a single body octet.
        if command_length < HEADER_LEN as u32 || command_length > self.max_command_length {
            return Err(CodecError::InvalidCommandLength {
                command_length,
                max: self.max_command_length,
                sequence_number: Header::peek(src).map(|h| h.sequence_number),
            });
        }
        let len = command_length as usize;
        if src.len() < len {
            // Bounded by max_command_length, so this reserve is bounded too.
            src.reserve(len - src.len());
            return Ok(None);
        }
        let frame = src.split_to(len).freeze();
        Ok(Some(decode_pdu(frame)))
    }

    fn decode_eof(&mut self, buf: &mut BytesMut) -> Result<Option<Self::Item>, CodecError> {
        match self.decode(buf)? {
            Some(item) => Ok(Some(item)),
            None if buf.is_empty() => Ok(None),
            None => {
                // A peer that closes mid-PDU: drop the fragment, report it as an I/O error.
                let n = buf.remaining();
                buf.clear();
                Err(CodecError::Io(std::io::Error::new(
                    std::io::ErrorKind::UnexpectedEof,
                    format!("connection closed with {n} octets of an unfinished PDU"),
                )))
            }
        }
    }
}

impl Encoder<Pdu> for SmppCodec {
    type Error = CodecError;
    fn encode(&mut self, item: Pdu, dst: &mut BytesMut) -> Result<(), CodecError> {
        item.encode(dst);
        Ok(())
    }
}

impl Encoder<&Pdu> for SmppCodec {
    type Error = CodecError;
    fn encode(&mut self, item: &Pdu, dst: &mut BytesMut) -> Result<(), CodecError> {
        item.encode(dst);
        Ok(())
    }
}
