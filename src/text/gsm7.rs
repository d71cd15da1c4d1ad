//! GSM 03.38 default alphabet and extension table (3GPP TS 23.038 §6.2.1), unpacked: one
//! septet per octet, as SMPP carries data_coding 0 (smpp34-reference §11).

/// The escape septet that introduces the extension table.
pub(crate) const ESC: u8 = 0x1B;

/// Septet → character of the default alphabet. 0x1B (ESC) maps to itself as a placeholder
/// and is never emitted on its own.
const BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{1B}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// Extension table: (code after ESC, character). Each costs two septets.
const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{0C}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

const NONE: u8 = 0xFF;

/// ASCII character → septet sequence, packed as `(first, second)`; `NONE` when absent.
/// Computed at compile time from the two tables above so they stay the single source.
const ASCII_TO_GSM: [(u8, u8); 128] = {
    let mut map = [(NONE, NONE); 128];
    let mut i = 0;
    while i < 128 {
        let c = BASIC[i] as u32;
        if c < 128 && i != ESC as usize {
            map[c as usize] = (i as u8, NONE);
        }
        i += 1;
    }
    let mut j = 0;
    while j < EXTENSION.len() {
        let c = EXTENSION[j].1 as u32;
        if c < 128 {
            map[c as usize] = (ESC, EXTENSION[j].0);
        }
        j += 1;
    }
    map
};

/// The septets for `c`: `Some((septet, None))` for the default alphabet,
/// `Some((ESC, Some(code)))` for the extension table, `None` if not representable.
pub(crate) fn encode_char(c: char) -> Option<(u8, Option<u8>)> {
    let cp = c as u32;
    if cp < 128 {
        let (a, b) = ASCII_TO_GSM[cp as usize];
        return match (a, b) {
            (NONE, _) => None,
            (a, NONE) => Some((a, None)),
            (a, b) => Some((a, Some(b))),
        };
    }
    if c == '€' {
        return Some((ESC, Some(0x65)));
    }
    BASIC.iter().position(|&b| b == c).map(|i| (i as u8, None))
}

/// Character of a default-alphabet septet (< 0x80, not ESC).
pub(crate) fn basic_char(septet: u8) -> char {
    BASIC[(septet & 0x7F) as usize]
}

/// Character of an extension code. TS 23.038 §6.2.1.1: an unknown code after ESC is shown as
/// the default-alphabet character of that code; ESC ESC (reserved) is shown as a space.
pub(crate) fn extension_char(code: u8) -> char {
    if code == ESC {
        return ' ';
    }
    EXTENSION
        .iter()
        .find(|(k, _)| *k == code)
        .map(|&(_, c)| c)
        .unwrap_or_else(|| basic_char(code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_differences_from_gsm_are_honoured() {
        assert_eq!(encode_char('@'), Some((0x00, None)));
        assert_eq!(encode_char('$'), Some((0x02, None)));
        assert_eq!(encode_char('_'), Some((0x11, None)));
        assert_eq!(encode_char('`'), None);
        assert_eq!(encode_char('{'), Some((ESC, Some(0x28))));
        assert_eq!(encode_char('€'), Some((ESC, Some(0x65))));
        assert_eq!(encode_char('Δ'), Some((0x10, None)));
        assert_eq!(encode_char('中'), None);
        assert_eq!(encode_char('\u{1B}'), None);
    }

    #[test]
    fn every_table_entry_round_trips() {
        for (i, &c) in BASIC.iter().enumerate() {
            if i as u8 != ESC {
                assert_eq!(encode_char(c), Some((i as u8, None)), "{c:?}");
                assert_eq!(basic_char(i as u8), c);
            }
        }
        for &(code, c) in &EXTENSION {
            assert_eq!(encode_char(c), Some((ESC, Some(code))));
            assert_eq!(extension_char(code), c);
        }
    }

    #[test]
    fn unknown_extension_falls_back_to_basic() {
        assert_eq!(extension_char(0x41), 'A');
        assert_eq!(extension_char(ESC), ' ');
    }
}
