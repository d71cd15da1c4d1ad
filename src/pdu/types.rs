//! Bounded field types (style habit 1, "parse, don't validate"): a value of these types always
//! fits its SMPP 3.4 field, so encoding cannot produce an invalid PDU and policy code never
//! re-checks wire bounds. All of them hold zero-copy [`Bytes`] slices of the received frame.

use std::fmt;
use std::ops::Deref;

use bytes::Bytes;
use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Why a value does not fit a bounded field type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldValueError {
    /// The value (plus NUL, for C-octet strings) exceeds the field's maximum.
    #[error("value of {len} octets exceeds the field maximum of {max}")]
    TooLong {
        /// Octets the value needs on the wire.
        len: usize,
        /// Maximum the field allows.
        max: usize,
    },
    /// C-octet strings end at the first NUL, so they cannot contain one.
    #[error("C-octet string contains a NUL octet")]
    InteriorNul,
    /// A time field is neither NULL nor `YYMMDDhhmmsstnnp` (SMPP 3.4 §7.1.1).
    #[error("time is not YYMMDDhhmmsstnnp")]
    BadTime,
}

/// An SMPP C-octet string (SMPP 3.4 §3.1): bytes without NUL, at most `MAX - 1` of them, because
/// `MAX` (the spec's "max length") counts the terminating NUL.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct COctetString<const MAX: usize>(Bytes);

impl<const MAX: usize> COctetString<MAX> {
    /// The empty (NULL) string, one `0x00` octet on the wire.
    pub const fn empty() -> Self {
        COctetString(Bytes::new())
    }

    /// Checks `value` against the field bound; `value` excludes the terminator.
    pub fn new(value: impl Into<Bytes>) -> Result<Self, FieldValueError> {
        let value = value.into();
        if value.len() + 1 > MAX {
            return Err(FieldValueError::TooLong {
                len: value.len() + 1,
                max: MAX,
            });
        }
        if value.contains(&0) {
            return Err(FieldValueError::InteriorNul);
        }
        Ok(COctetString(value))
    }

    /// Wraps bytes the decoder already checked (no NUL, within bound).
    pub(crate) fn from_checked(value: Bytes) -> Self {
        debug_assert!(value.len() < MAX && !value.contains(&0));
        COctetString(value)
    }

    /// The bytes without the terminator.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// The value as text, or `None` when it is not UTF-8 (the spec says ASCII; carriers vary).
    pub fn as_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.0).ok()
    }

    /// The value as text with invalid UTF-8 replaced, for logs and display.
    pub fn to_string_lossy(&self) -> String {
        String::from_utf8_lossy(&self.0).into_owned()
    }

    /// True for the NULL string.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The underlying shared bytes (cheap clone).
    pub fn bytes(&self) -> &Bytes {
        &self.0
    }

    /// Octets on the wire, terminator included.
    pub fn wire_len(&self) -> usize {
        self.0.len() + 1
    }
}

impl<const MAX: usize> TryFrom<&str> for COctetString<MAX> {
    type Error = FieldValueError;
    fn try_from(s: &str) -> Result<Self, Self::Error> {
        Self::new(Bytes::copy_from_slice(s.as_bytes()))
    }
}

impl<const MAX: usize> TryFrom<String> for COctetString<MAX> {
    type Error = FieldValueError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::new(Bytes::from(s))
    }
}

impl<const MAX: usize> std::str::FromStr for COctetString<MAX> {
    type Err = FieldValueError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::try_from(s)
    }
}

impl<const MAX: usize> fmt::Debug for COctetString<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&String::from_utf8_lossy(&self.0), f)
    }
}

impl<const MAX: usize> fmt::Display for COctetString<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&String::from_utf8_lossy(&self.0))
    }
}

/// Serializes as a JSON string when the bytes are UTF-8 (the normal case), otherwise as
/// `{"hex": "…"}` so that no capture loses information.
impl<const MAX: usize> Serialize for COctetString<MAX> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.as_str() {
            Some(text) => s.serialize_str(text),
            None => {
                use serde::ser::SerializeMap;
                let mut map = s.serialize_map(Some(1))?;
                map.serialize_entry("hex", &hex::encode(&self.0))?;
                map.end()
            }
        }
    }
}

impl<'de, const MAX: usize> Deserialize<'de> for COctetString<MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Text(String),
            Hex { hex: String },
        }
        let bytes = match Repr::deserialize(d)? {
            Repr::Text(t) => Bytes::from(t),
            Repr::Hex { hex } => Bytes::from(hex::decode(hex).map_err(de::Error::custom)?),
        };
        Self::new(bytes).map_err(de::Error::custom)
    }
}

/// An SMPP octet string of at most `MAX` octets whose length travels in a separate field
/// (`sm_length` or a TLV length). Serializes as lowercase hex.
#[derive(Clone, Default, PartialEq, Eq, Hash)]
pub struct OctetString<const MAX: usize>(Bytes);

impl<const MAX: usize> OctetString<MAX> {
    /// The empty octet string.
    pub const fn empty() -> Self {
        OctetString(Bytes::new())
    }

    /// Checks `value` against the field bound.
    pub fn new(value: impl Into<Bytes>) -> Result<Self, FieldValueError> {
        let value = value.into();
        if value.len() > MAX {
            return Err(FieldValueError::TooLong {
                len: value.len(),
                max: MAX,
            });
        }
        Ok(OctetString(value))
    }

    /// Wraps bytes the decoder already bounded.
    pub(crate) fn from_checked(value: Bytes) -> Self {
        debug_assert!(value.len() <= MAX);
        OctetString(value)
    }

    /// The underlying shared bytes (cheap clone).
    pub fn bytes(&self) -> &Bytes {
        &self.0
    }
}

impl<const MAX: usize> Deref for OctetString<MAX> {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl<const MAX: usize> TryFrom<&[u8]> for OctetString<MAX> {
    type Error = FieldValueError;
    fn try_from(v: &[u8]) -> Result<Self, Self::Error> {
        Self::new(Bytes::copy_from_slice(v))
    }
}

impl<const MAX: usize> TryFrom<Vec<u8>> for OctetString<MAX> {
    type Error = FieldValueError;
    fn try_from(v: Vec<u8>) -> Result<Self, Self::Error> {
        Self::new(Bytes::from(v))
    }
}

impl<const MAX: usize> fmt::Debug for OctetString<MAX> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{}", hex::encode(&self.0))
    }
}

impl<const MAX: usize> Serialize for OctetString<MAX> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&hex::encode(&self.0))
    }
}

impl<'de, const MAX: usize> Deserialize<'de> for OctetString<MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let bytes = hex::decode(text).map_err(de::Error::custom)?;
        Self::new(bytes).map_err(de::Error::custom)
    }
}

/// `short_message`: 0–254 octets (SMPP 3.4 §5.2.22), raw bytes in the PDU's `data_coding`.
pub type ShortMessage = OctetString<254>;

/// An SMPP time field (SMPP 3.4 §7.1.1): NULL, or `YYMMDDhhmmsstnnp` where `p` is `+`/`-`
/// (absolute, offset in quarter hours) or `R` (relative).
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct SmppTime(COctetString<17>);

impl SmppTime {
    /// NULL: "immediate" / "SMSC default".
    pub const fn null() -> Self {
        SmppTime(COctetString::empty())
    }

    /// Checks the 16-character format; an empty string is NULL.
    pub fn new(value: &str) -> Result<Self, FieldValueError> {
        if !Self::is_valid(value.as_bytes()) {
            return Err(FieldValueError::BadTime);
        }
        Ok(SmppTime(COctetString::try_from(value)?))
    }

    /// The format check shared by [`SmppTime::new`] and the decoder.
    pub(crate) fn is_valid(v: &[u8]) -> bool {
        match v {
            [] => true,
            [digits @ .., p] if v.len() == 16 => {
                digits.iter().all(u8::is_ascii_digit) && matches!(p, b'+' | b'-' | b'R')
            }
            _ => false,
        }
    }

    pub(crate) fn from_checked(value: COctetString<17>) -> Self {
        SmppTime(value)
    }

    /// The text (empty for NULL).
    pub fn as_str(&self) -> &str {
        self.0.as_str().unwrap_or_default()
    }

    /// True for NULL.
    pub fn is_null(&self) -> bool {
        self.0.is_empty()
    }

    /// The C-octet string on the wire.
    pub fn as_c_octet(&self) -> &COctetString<17> {
        &self.0
    }
}

impl fmt::Debug for SmppTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(self.as_str(), f)
    }
}

impl<'de> Deserialize<'de> for SmppTime {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        SmppTime::new(&text).map_err(de::Error::custom)
    }
}

/// A list whose count travels in a 1-octet field (`number_of_dests`, `no_unsuccess`), so at
/// most `MAX` entries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct List<T, const MAX: usize>(Vec<T>);

impl<T, const MAX: usize> Default for List<T, MAX> {
    fn default() -> Self {
        List(Vec::new())
    }
}

impl<T, const MAX: usize> List<T, MAX> {
    /// Checks the entry count.
    pub fn new(items: Vec<T>) -> Result<Self, FieldValueError> {
        if items.len() > MAX {
            return Err(FieldValueError::TooLong {
                len: items.len(),
                max: MAX,
            });
        }
        Ok(List(items))
    }

    pub(crate) fn from_checked(items: Vec<T>) -> Self {
        List(items)
    }

    /// The entries.
    pub fn into_vec(self) -> Vec<T> {
        self.0
    }
}

impl<T, const MAX: usize> Deref for List<T, MAX> {
    type Target = [T];
    fn deref(&self) -> &[T] {
        &self.0
    }
}

impl<'de, T: Deserialize<'de>, const MAX: usize> Deserialize<'de> for List<T, MAX> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        List::new(Vec::deserialize(d)?).map_err(de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn c_octet_bound_counts_the_terminator() {
        assert!(COctetString::<6>::try_from("CMT12").is_ok());
        assert_eq!(
            COctetString::<6>::try_from("CMT123"),
            Err(FieldValueError::TooLong { len: 7, max: 6 })
        );
        assert_eq!(
            COctetString::<6>::try_from("a\0b"),
            Err(FieldValueError::InteriorNul)
        );
    }

    #[test]
    fn time_format_is_checked() {
        assert!(SmppTime::new("").is_ok());
        assert!(SmppTime::new("240601123000032+").is_ok());
        assert!(SmppTime::new("000001000000000R").is_ok());
        assert_eq!(SmppTime::new("2406011230"), Err(FieldValueError::BadTime));
        assert_eq!(
            SmppTime::new("24060112300003x+"),
            Err(FieldValueError::BadTime)
        );
    }

    #[test]
    fn non_utf8_c_octet_serializes_as_hex_and_back() {
        let v = COctetString::<21>::new(Bytes::from_static(b"\xff\x01")).unwrap();
        let json = serde_json::to_string(&v).unwrap();
        assert_eq!(json, r#"{"hex":"ff01"}"#);
        let back: COctetString<21> = serde_json::from_str(&json).unwrap();
        assert_eq!(back, v);
    }
}
