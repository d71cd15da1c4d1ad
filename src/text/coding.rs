//! `data_coding` ↔ [`Coding`]: which alphabet a `short_message` is written in.
//!
//! SMPP 3.4 §5.2.19 assigns the values 0x00–0x0E itself and leaves the rest to the GSM
//! data coding scheme (3GPP TS 23.038 §4), whose bit layouts we follow for the groups a
//! carrier actually sends: general data coding with a message class (0x10–0x1F), the
//! automatic-deletion group (0x40–0x5F), message waiting indication (0xC0–0xEF) and the
//! data coding / message class group (0xF0–0xFF).

use std::fmt;

/// The character coding of a `short_message` / `message_payload`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Coding {
    /// GSM 03.38 default alphabet with the extension table, carried unpacked (one septet per
    /// octet), as SMPP does (data_coding 0).
    Gsm7,
    /// IA5 (CCITT T.50) / ASCII, data_coding 1.
    Ia5,
    /// ISO-8859-1, data_coding 3.
    Latin1,
    /// UCS-2 on the wire; we read and write UTF-16BE so that characters outside the BMP travel
    /// as surrogate pairs (data_coding 8).
    Ucs2,
    /// GBK / GB2312, data_coding 15: a Chinese-platform convention inherited from CMPP
    /// `Msg_Fmt`, not SMPP 3.4; only use it when the upstream documents it.
    Gbk,
    /// 8-bit data (data_coding 2 or 4, or the GSM 8-bit forms); not text.
    Binary,
    /// Any other value (JIS, Cyrillic, Hebrew, compressed, reserved): kept so that it can be
    /// passed on unchanged, but not decoded.
    Other(u8),
}

/// The GSM alphabet bits (TS 23.038: `00` default, `01` 8-bit, `10` UCS2, `11` reserved).
fn gsm_alphabet(bits: u8, data_coding: u8) -> Coding {
    match bits & 0b11 {
        0b00 => Coding::Gsm7,
        0b01 => Coding::Binary,
        0b10 => Coding::Ucs2,
        _ => Coding::Other(data_coding),
    }
}

impl Coding {
    /// Interprets an SMPP `data_coding` octet.
    pub fn from_data_coding(data_coding: u8) -> Coding {
        match data_coding {
            0x00 => Coding::Gsm7,
            0x01 => Coding::Ia5,
            0x02 | 0x04 => Coding::Binary,
            0x03 => Coding::Latin1,
            0x08 => Coding::Ucs2,
            0x0F => Coding::Gbk,
            // TS 23.038 general data coding, uncompressed, with (0x1_) or without (0x4_) a
            // message class, or marked for automatic deletion (0x5_): bits 3–2 = alphabet.
            // 0x40–0x4F carry no class; 0x00–0x0F are SMPP's own and matched above.
            0x10..=0x1F | 0x40..=0x5F => gsm_alphabet(data_coding >> 2, data_coding),
            // Message waiting indication: discard (0xC_) and store (0xD_) use the default
            // alphabet, store (0xE_) uses UCS2.
            0xC0..=0xDF => Coding::Gsm7,
            0xE0..=0xEF => Coding::Ucs2,
            // Data coding / message class group: bit 2 = 8-bit data, else default alphabet.
            0xF0..=0xFF => {
                if data_coding & 0x04 != 0 {
                    Coding::Binary
                } else {
                    Coding::Gsm7
                }
            }
            other => Coding::Other(other),
        }
    }

    /// The canonical `data_coding` octet for this coding (no message class).
    pub fn data_coding(self) -> u8 {
        match self {
            Coding::Gsm7 => 0x00,
            Coding::Ia5 => 0x01,
            Coding::Latin1 => 0x03,
            Coding::Ucs2 => 0x08,
            Coding::Gbk => 0x0F,
            Coding::Binary => 0x04,
            Coding::Other(dc) => dc,
        }
    }

    /// True when [`crate::text::decode`]/[`crate::text::encode`] handle this coding as text.
    pub fn is_text(self) -> bool {
        !matches!(self, Coding::Binary | Coding::Other(_))
    }
}

/// The GSM message class (0–3) a `data_coding` octet requests, if any (TS 23.038 §4).
/// Class 0 is a "flash" SMS shown immediately and not stored.
pub fn message_class(data_coding: u8) -> Option<u8> {
    match data_coding {
        0x10..=0x1F | 0x50..=0x5F | 0xF0..=0xFF => Some(data_coding & 0x03),
        _ => None,
    }
}

impl fmt::Display for Coding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Coding::Gsm7 => f.write_str("GSM 03.38"),
            Coding::Ia5 => f.write_str("IA5"),
            Coding::Latin1 => f.write_str("Latin-1"),
            Coding::Ucs2 => f.write_str("UCS-2"),
            Coding::Gbk => f.write_str("GBK"),
            Coding::Binary => f.write_str("8-bit binary"),
            Coding::Other(dc) => write!(f, "data_coding 0x{dc:02X}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smpp_values_map_to_their_codings() {
        assert_eq!(Coding::from_data_coding(0), Coding::Gsm7);
        assert_eq!(Coding::from_data_coding(1), Coding::Ia5);
        assert_eq!(Coding::from_data_coding(2), Coding::Binary);
        assert_eq!(Coding::from_data_coding(3), Coding::Latin1);
        assert_eq!(Coding::from_data_coding(4), Coding::Binary);
        assert_eq!(Coding::from_data_coding(8), Coding::Ucs2);
        assert_eq!(Coding::from_data_coding(15), Coding::Gbk);
        assert_eq!(Coding::from_data_coding(6), Coding::Other(6));
        assert_eq!(Coding::from_data_coding(0x80), Coding::Other(0x80));
    }

    #[test]
    fn gsm_groups_follow_ts_23_038() {
        // 0xF0 class 0 default alphabet, 0xF5 class 1 8-bit.
        assert_eq!(Coding::from_data_coding(0xF0), Coding::Gsm7);
        assert_eq!(Coding::from_data_coding(0xF5), Coding::Binary);
        assert_eq!(message_class(0xF5), Some(1));
        // 0x18: UCS2 flash SMS (class 0), common for Chinese "flash" messages.
        assert_eq!(Coding::from_data_coding(0x18), Coding::Ucs2);
        assert_eq!(message_class(0x18), Some(0));
        assert_eq!(Coding::from_data_coding(0x11), Coding::Gsm7);
        assert_eq!(Coding::from_data_coding(0x1C), Coding::Other(0x1C));
        // Compressed (bit 5) cannot be decoded.
        assert_eq!(Coding::from_data_coding(0x30), Coding::Other(0x30));
        assert_eq!(Coding::from_data_coding(0xC8), Coding::Gsm7);
        assert_eq!(Coding::from_data_coding(0xE1), Coding::Ucs2);
        assert_eq!(message_class(0x08), None);
    }

    #[test]
    fn data_coding_round_trips_for_canonical_values() {
        for c in [
            Coding::Gsm7,
            Coding::Ia5,
            Coding::Latin1,
            Coding::Ucs2,
            Coding::Gbk,
            Coding::Binary,
        ] {
            assert_eq!(Coding::from_data_coding(c.data_coding()), c);
        }
    }
}
