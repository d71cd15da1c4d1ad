//! Optional parameters (TLVs, SMPP 3.4 §5.3): every tag the 3.4 spec types gets a typed variant;
//! anything else is kept as [`Tlv::Raw`] and re-emitted byte for byte (style habit 4).

mod table;
mod tlvs;

use bytes::{BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};

pub use table::{Tlv, TlvTag};
pub use tlvs::{Sar, Tlvs};

use super::error::PduErrorKind;
use super::types::{COctetString, OctetString};
use super::values::MessageState;
use super::wire::{fail, int2, In, PResult};

/// network_error_code (0x0423): 1 octet network type (1 ANSI-136, 2 IS-95, 3 GSM, …) and a
/// 2-octet error code (SMPP 3.4 §5.3.2.31).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NetworkErrorCode {
    /// Network type.
    pub network_type: u8,
    /// Error code within that network.
    pub error_code: u16,
}

/// How a typed TLV value is read from and written to its value octets.
pub(crate) trait TlvValue: Sized {
    /// `None` when the length or content does not fit the type. `v` lies inside `base`, so
    /// variable-length values are sliced out of it without copying.
    fn from_value(base: &Bytes, v: &[u8]) -> Option<Self>;
    fn value_len(&self) -> usize;
    fn put_value(&self, dst: &mut BytesMut);
}

impl TlvValue for () {
    fn from_value(_: &Bytes, v: &[u8]) -> Option<Self> {
        v.is_empty().then_some(())
    }
    fn value_len(&self) -> usize {
        0
    }
    fn put_value(&self, _: &mut BytesMut) {}
}

impl TlvValue for u8 {
    fn from_value(_: &Bytes, v: &[u8]) -> Option<Self> {
        match v[..] {
            [a] => Some(a),
            _ => None,
        }
    }
    fn value_len(&self) -> usize {
        1
    }
    fn put_value(&self, dst: &mut BytesMut) {
        dst.put_u8(*self);
    }
}

impl TlvValue for u16 {
    fn from_value(_: &Bytes, v: &[u8]) -> Option<Self> {
        match v[..] {
            [a, b] => Some(u16::from_be_bytes([a, b])),
            _ => None,
        }
    }
    fn value_len(&self) -> usize {
        2
    }
    fn put_value(&self, dst: &mut BytesMut) {
        dst.put_u16(*self);
    }
}

impl TlvValue for u32 {
    fn from_value(_: &Bytes, v: &[u8]) -> Option<Self> {
        match v[..] {
            [a, b, c, d] => Some(u32::from_be_bytes([a, b, c, d])),
            _ => None,
        }
    }
    fn value_len(&self) -> usize {
        4
    }
    fn put_value(&self, dst: &mut BytesMut) {
        dst.put_u32(*self);
    }
}

impl TlvValue for MessageState {
    fn from_value(base: &Bytes, v: &[u8]) -> Option<Self> {
        u8::from_value(base, v).map(MessageState)
    }
    fn value_len(&self) -> usize {
        1
    }
    fn put_value(&self, dst: &mut BytesMut) {
        dst.put_u8(self.0);
    }
}

impl TlvValue for NetworkErrorCode {
    fn from_value(_: &Bytes, v: &[u8]) -> Option<Self> {
        match v[..] {
            [t, a, b] => Some(NetworkErrorCode {
                network_type: t,
                error_code: u16::from_be_bytes([a, b]),
            }),
            _ => None,
        }
    }
    fn value_len(&self) -> usize {
        3
    }
    fn put_value(&self, dst: &mut BytesMut) {
        dst.put_u8(self.network_type);
        dst.put_u16(self.error_code);
    }
}

/// A C-octet TLV value must be exactly the text plus one NUL.
impl<const MAX: usize> TlvValue for COctetString<MAX> {
    fn from_value(base: &Bytes, v: &[u8]) -> Option<Self> {
        match v.split_last() {
            Some((0, text)) if v.len() <= MAX && !text.contains(&0) => {
                Some(COctetString::from_checked(base.slice_ref(text)))
            }
            _ => None,
        }
    }
    fn value_len(&self) -> usize {
        self.wire_len()
    }
    fn put_value(&self, dst: &mut BytesMut) {
        dst.put_slice(self.as_bytes());
        dst.put_u8(0);
    }
}

impl<const MAX: usize> TlvValue for OctetString<MAX> {
    fn from_value(base: &Bytes, v: &[u8]) -> Option<Self> {
        (v.len() <= MAX).then(|| OctetString::from_checked(base.slice_ref(v)))
    }
    fn value_len(&self) -> usize {
        self.len()
    }
    fn put_value(&self, dst: &mut BytesMut) {
        dst.put_slice(self);
    }
}

/// Parses the TLV section that runs to the end of the body (SMPP 3.4 §3.2.4).
pub(crate) fn tlvs<'a>(base: &Bytes, mut i: In<'a>) -> PResult<'a, Tlvs> {
    let mut out = Tlvs::new();
    while !i.is_empty() {
        let (rest, tag) = int2(i)?;
        let (rest, len) = int2(rest)?;
        let len = usize::from(len);
        let Some((value, rest)) = rest.split_at_checked(len) else {
            return fail(PduErrorKind::TlvStream);
        };
        let tlv = Tlv::decode(TlvTag(tag), base, value).ok_or(nom::Err::Error(
            super::wire::Fail(PduErrorKind::TlvLength(TlvTag(tag))),
        ))?;
        out.push(tlv);
        i = rest;
    }
    Ok((i, out))
}

/// Writes a TLV header and value.
pub(crate) fn put_tlv(tag: TlvTag, value_len: usize, dst: &mut BytesMut) {
    dst.put_u16(tag.0);
    // Every value type is bounded to 65535 octets.
    dst.put_u16(u16::try_from(value_len).unwrap_or(u16::MAX));
}
