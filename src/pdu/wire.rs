//! Wire primitives: nom parsers for the SMPP data types (SMPP 3.4 §3.1) that hand out
//! zero-copy [`Bytes`] slices of the frame, and the [`Encode`] trait for the writer side.

use bytes::{BufMut, Bytes, BytesMut};
use nom::bytes::complete::take;
use nom::number::complete::{be_u16, be_u32, be_u8};
use nom::IResult;

use super::error::{Field, PduErrorKind};
use super::types::{COctetString, OctetString, SmppTime};

/// Parser input: the body octets not yet consumed.
pub(crate) type In<'a> = &'a [u8];

/// A parse failure, already classified (nom's own error kinds never reach the caller).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Fail(pub(crate) PduErrorKind);

impl<'a> nom::error::ParseError<In<'a>> for Fail {
    fn from_error_kind(_: In<'a>, _: nom::error::ErrorKind) -> Self {
        Fail(PduErrorKind::TlvStream)
    }
    fn append(_: In<'a>, _: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

/// Parser result with the classified error.
pub(crate) type PResult<'a, T> = IResult<In<'a>, T, Fail>;

pub(crate) fn fail<T>(kind: PduErrorKind) -> Result<T, nom::Err<Fail>> {
    Err(nom::Err::Error(Fail(kind)))
}

/// Unwraps a finished nom parse into the classified error.
pub(crate) fn finish<T>(r: Result<T, nom::Err<Fail>>) -> Result<T, PduErrorKind> {
    r.map_err(|e| match e {
        nom::Err::Error(Fail(k)) | nom::Err::Failure(Fail(k)) => k,
        // Only complete parsers are used; this arm exists for exhaustiveness.
        nom::Err::Incomplete(_) => PduErrorKind::TlvStream,
    })
}

/// One-octet integer.
pub(crate) fn int1(field: Field, i: In<'_>) -> PResult<'_, u8> {
    be_u8::<_, ()>(i).or_else(|_| fail(PduErrorKind::Truncated(field)))
}

/// Four-octet integer.
pub(crate) fn int4(field: Field, i: In<'_>) -> PResult<'_, u32> {
    be_u32::<_, ()>(i).or_else(|_| fail(PduErrorKind::Truncated(field)))
}

/// Two-octet integer (TLV headers).
pub(crate) fn int2(i: In<'_>) -> PResult<'_, u16> {
    be_u16::<_, ()>(i).or_else(|_| fail(PduErrorKind::TlvStream))
}

/// Locates a C-octet string's terminator: the scan stops after `MAX` octets, so a hostile
/// body costs at most the field maximum (SMPP 3.4 §3.1, max length includes the NUL). A body
/// that ends before the NUL and before `MAX` octets is cut short, not over-long.
fn c_octet_raw<const MAX: usize>(field: Field, i: In<'_>) -> PResult<'_, In<'_>> {
    if i.is_empty() {
        return fail(PduErrorKind::Truncated(field));
    }
    let window = i.get(..MAX).unwrap_or(i);
    match window.iter().position(|&b| b == 0) {
        Some(n) => {
            let (rest, value) =
                take::<_, _, ()>(n)(i).or_else(|_| fail(PduErrorKind::Truncated(field)))?;
            // Skip the NUL itself.
            Ok((rest.get(1..).unwrap_or_default(), value))
        }
        None if i.len() < MAX => fail(PduErrorKind::Unterminated(field)),
        None => fail(PduErrorKind::TooLong { field, max: MAX }),
    }
}

/// A C-octet string of at most `MAX` octets including the NUL, sliced out of `base`.
pub(crate) fn c_octet<'a, const MAX: usize>(
    base: &Bytes,
    field: Field,
    i: In<'a>,
) -> PResult<'a, COctetString<MAX>> {
    let (i, v) = c_octet_raw::<MAX>(field, i)?;
    Ok((i, COctetString::from_checked(base.slice_ref(v))))
}

/// A time field: NULL or 16 characters plus NUL in the `YYMMDDhhmmsstnnp` format.
pub(crate) fn time<'a>(base: &Bytes, field: Field, i: In<'a>) -> PResult<'a, SmppTime> {
    let (i, v) = c_octet_raw::<17>(field, i)?;
    if !SmppTime::is_valid(v) {
        return fail(PduErrorKind::BadTime(field));
    }
    Ok((
        i,
        SmppTime::from_checked(COctetString::from_checked(base.slice_ref(v))),
    ))
}

/// `sm_length` followed by `short_message` (SMPP 3.4 §5.2.21–22): at most 254 octets.
pub(crate) fn short_message<'a>(base: &Bytes, i: In<'a>) -> PResult<'a, OctetString<254>> {
    let (i, len) = int1(Field::SmLength, i)?;
    if len == 255 || usize::from(len) > i.len() {
        return fail(PduErrorKind::BadSmLength(len));
    }
    let (i, v) = take::<_, _, ()>(len)(i).or_else(|_| fail(PduErrorKind::BadSmLength(len)))?;
    Ok((i, OctetString::from_checked(base.slice_ref(v))))
}

/// Rejects octets left after the last field of a PDU that carries no TLVs.
pub(crate) fn end(i: In<'_>) -> Result<(), nom::Err<Fail>> {
    if i.is_empty() {
        Ok(())
    } else {
        fail(PduErrorKind::TrailingBytes(i.len()))
    }
}

/// The writer side: every field and body knows its exact size, so a PDU is written into one
/// buffer reserved up front and the header's command_length is known before the body.
pub(crate) trait Encode {
    /// Octets [`Encode::encode`] writes.
    fn encoded_len(&self) -> usize;
    /// Appends the wire form.
    fn encode(&self, dst: &mut BytesMut);
}

impl<T: Encode + ?Sized> Encode for &T {
    fn encoded_len(&self) -> usize {
        (**self).encoded_len()
    }
    fn encode(&self, dst: &mut BytesMut) {
        (**self).encode(dst);
    }
}

impl Encode for u8 {
    fn encoded_len(&self) -> usize {
        1
    }
    fn encode(&self, dst: &mut BytesMut) {
        dst.put_u8(*self);
    }
}

impl Encode for u16 {
    fn encoded_len(&self) -> usize {
        2
    }
    fn encode(&self, dst: &mut BytesMut) {
        dst.put_u16(*self);
    }
}

impl Encode for u32 {
    fn encoded_len(&self) -> usize {
        4
    }
    fn encode(&self, dst: &mut BytesMut) {
        dst.put_u32(*self);
    }
}

impl<const MAX: usize> Encode for COctetString<MAX> {
    fn encoded_len(&self) -> usize {
        self.wire_len()
    }
    fn encode(&self, dst: &mut BytesMut) {
        dst.put_slice(self.as_bytes());
        dst.put_u8(0);
    }
}

impl Encode for SmppTime {
    fn encoded_len(&self) -> usize {
        self.as_c_octet().wire_len()
    }
    fn encode(&self, dst: &mut BytesMut) {
        self.as_c_octet().encode(dst);
    }
}

/// Octet strings are written bare; their length field is written by the caller.
impl<const MAX: usize> Encode for OctetString<MAX> {
    fn encoded_len(&self) -> usize {
        self.len()
    }
    fn encode(&self, dst: &mut BytesMut) {
        dst.put_slice(self);
    }
}

/// Writes `sm_length` and `short_message`; the type bounds the length to 254.
pub(crate) fn put_short_message(sm: &OctetString<254>, dst: &mut BytesMut) {
    dst.put_u8(u8::try_from(sm.len()).unwrap_or(u8::MAX));
    dst.put_slice(sm);
}

/// Encodes a list of fields: `encode_all!(dst; a, b, c)`.
macro_rules! encode_all {
    ($dst:expr; $($field:expr),* $(,)?) => {{
        $( $crate::pdu::wire::Encode::encode(&$field, $dst); )*
    }};
}

/// Sums encoded lengths: `len_all!(a, b, c)`.
macro_rules! len_all {
    ($($field:expr),* $(,)?) => {
        0usize $( + $crate::pdu::wire::Encode::encoded_len(&$field) )*
    };
}

pub(crate) use {encode_all, len_all};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_octet_is_bounded_and_zero_copy() {
        let base = Bytes::from_static(b"12345\0rest");
        let (rest, v) = c_octet::<6>(&base, Field::ServiceType, &base[..]).unwrap();
        assert_eq!(v.as_bytes(), b"12345");
        assert_eq!(rest, b"rest");
        // Same allocation: the slice points into the frame.
        assert_eq!(v.bytes().as_ptr(), base.as_ptr());
        let err = finish(c_octet::<5>(&base, Field::ServiceType, &base[..])).unwrap_err();
        assert_eq!(
            err,
            PduErrorKind::TooLong {
                field: Field::ServiceType,
                max: 5
            }
        );
        let err = finish(c_octet::<5>(&base, Field::ServiceType, &[])).unwrap_err();
        assert_eq!(err, PduErrorKind::Truncated(Field::ServiceType));
        let err = finish(c_octet::<6>(&base, Field::ServiceType, b"123")).unwrap_err();
        assert_eq!(err, PduErrorKind::Unterminated(Field::ServiceType));
    }

    #[test]
    fn sm_length_past_the_body_is_rejected() {
        let base = Bytes::from_static(b"\x05abc");
        let err = finish(short_message(&base, &base[..])).unwrap_err();
        assert_eq!(err, PduErrorKind::BadSmLength(5));
    }
}
