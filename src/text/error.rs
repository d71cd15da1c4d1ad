//! The text layer's error type.

use super::Coding;

/// Why a text could not be decoded, encoded, segmented, or a UDH parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// The text holds a character the target coding cannot represent.
    #[error("character {ch:?} (U+{:04X}) cannot be encoded in {coding}", *ch as u32)]
    Unrepresentable {
        /// The offending character.
        ch: char,
        /// The coding that was asked for.
        coding: Coding,
    },
    /// An octet (sequence) that is not valid in the message's coding.
    #[error("octet 0x{byte:02X} at offset {offset} is not valid {coding}")]
    InvalidByte {
        /// Offset of the first bad octet within the decoded bytes.
        offset: usize,
        /// The first bad octet.
        byte: u8,
        /// The coding being decoded.
        coding: Coding,
    },
    /// UCS-2 data whose length is not a whole number of 16-bit code units.
    #[error("UCS-2 data has an odd number of octets ({0})")]
    OddLength(usize),
    /// A UTF-16 surrogate without its partner. We reject rather than substitute U+FFFD so a
    /// corrupted message is never passed on silently altered.
    #[error("unpaired UTF-16 surrogate 0x{unit:04X} at octet {offset}")]
    UnpairedSurrogate {
        /// Offset of the surrogate's first octet.
        offset: usize,
        /// The surrogate code unit.
        unit: u16,
    },
    /// The data_coding says 8-bit binary data, which has no text form.
    #[error("data_coding 0x{0:02X} carries binary data, not text")]
    NotText(u8),
    /// A text coding smppd does not implement (JIS, Cyrillic, compressed, reserved…).
    #[error("data_coding 0x{0:02X} is not supported")]
    UnsupportedCoding(u8),
    /// Segmenting would need more segments than allowed.
    #[error("message needs {needed} segments, more than the allowed {max}")]
    TooManySegments {
        /// Segments the text needs.
        needed: usize,
        /// The configured (or protocol, 255) maximum.
        max: u8,
    },
    /// `reserve_chars` leaves no room for even one character per segment.
    #[error("reserving {0} characters leaves no room for text in a segment")]
    ReserveTooLarge(usize),
    /// The user data header is inconsistent (3GPP TS 23.040 §9.2.3.24).
    #[error("malformed user data header: {0}")]
    MalformedUdh(&'static str),
}
