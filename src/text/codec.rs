//! Text ↔ octets for each supported [`Coding`], and the cheapest-coding choice.

use super::udh::{self, ConcatInfo};
use super::{gsm7, Coding, TextError};
use encoding_rs::{DecoderResult, EncoderResult, GBK};

/// Decodes `short_message` (or `message_payload`) octets written in `data_coding`.
///
/// Strict: an octet sequence that is not valid in the coding is an error rather than a
/// replacement character (see [`TextError`]). A UDH must already be stripped
/// (see [`crate::text::udh::parse`]).
pub fn decode(data_coding: u8, bytes: &[u8]) -> Result<String, TextError> {
    match Coding::from_data_coding(data_coding) {
        Coding::Gsm7 => decode_gsm7(bytes),
        Coding::Ia5 => decode_ia5(bytes),
        Coding::Latin1 => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
        Coding::Ucs2 => decode_utf16be(bytes),
        Coding::Gbk => decode_gbk(bytes),
        Coding::Binary => Err(TextError::NotText(data_coding)),
        Coding::Other(dc) => Err(TextError::UnsupportedCoding(dc)),
    }
}

/// Decodes a received `short_message` (or `message_payload`): strips the UDH when esm_class
/// has UDHI (0x40) set, returning its concatenation info, and decodes the rest.
pub fn decode_message(
    data_coding: u8,
    esm_class: u8,
    short_message: &[u8],
) -> Result<(Option<ConcatInfo>, String), TextError> {
    let (concat, payload) = udh::parse(short_message, esm_class & udh::ESM_CLASS_UDHI != 0)?;
    Ok((concat, decode(data_coding, payload)?))
}

/// Encodes `text` in `coding`. A character the coding cannot represent is an error naming it.
pub fn encode(text: &str, coding: Coding) -> Result<Vec<u8>, TextError> {
    let unrepresentable = |ch| TextError::Unrepresentable { ch, coding };
    match coding {
        Coding::Gsm7 => {
            let mut out = Vec::with_capacity(text.len());
            for c in text.chars() {
                let (first, ext) = gsm7::encode_char(c).ok_or(unrepresentable(c))?;
                out.push(first);
                out.extend(ext);
            }
            Ok(out)
        }
        Coding::Ia5 => text
            .chars()
            .map(|c| {
                if c.is_ascii() {
                    Ok(c as u8)
                } else {
                    Err(unrepresentable(c))
                }
            })
            .collect(),
        Coding::Latin1 => text
            .chars()
            .map(|c| u8::try_from(u32::from(c)).map_err(|_| unrepresentable(c)))
            .collect(),
        Coding::Ucs2 => {
            let mut out = Vec::with_capacity(text.len() * 2);
            for unit in text.encode_utf16() {
                out.extend_from_slice(&unit.to_be_bytes());
            }
            Ok(out)
        }
        Coding::Gbk => encode_gbk(text).and_then(|bytes| gbk_round_trips(text, bytes)),
        Coding::Binary => Err(TextError::NotText(coding.data_coding())),
        Coding::Other(dc) => Err(TextError::UnsupportedCoding(dc)),
    }
}

/// The cheapest coding for `text`: GSM 03.38 if every character is in the default alphabet
/// or its extension table, otherwise UCS-2 (so Chinese text is always UCS-2; GBK is only
/// used when forced, see [`Coding::Gbk`]).
pub fn choose_coding(text: &str) -> Coding {
    if text.chars().all(|c| gsm7::encode_char(c).is_some()) {
        Coding::Gsm7
    } else {
        Coding::Ucs2
    }
}

fn decode_gsm7(bytes: &[u8]) -> Result<String, TextError> {
    let mut out = String::with_capacity(bytes.len());
    let mut iter = bytes.iter().enumerate();
    while let Some((offset, &b)) = iter.next() {
        if b >= 0x80 {
            return Err(TextError::InvalidByte {
                offset,
                byte: b,
                coding: Coding::Gsm7,
            });
        }
        if b != gsm7::ESC {
            out.push(gsm7::basic_char(b));
            continue;
        }
        match iter.next() {
            Some((offset, &code)) if code >= 0x80 => {
                return Err(TextError::InvalidByte {
                    offset,
                    byte: code,
                    coding: Coding::Gsm7,
                })
            }
            Some((_, &code)) => out.push(gsm7::extension_char(code)),
            // A trailing ESC (a sender split an escape pair): shown as a space, like the
            // reserved ESC ESC (TS 23.038 §6.2.1.1), rather than losing the message.
            None => out.push(' '),
        }
    }
    Ok(out)
}

fn decode_ia5(bytes: &[u8]) -> Result<String, TextError> {
    match bytes.iter().position(|b| !b.is_ascii()) {
        Some(offset) => Err(TextError::InvalidByte {
            offset,
            byte: bytes[offset],
            coding: Coding::Ia5,
        }),
        None => Ok(bytes.iter().map(|&b| char::from(b)).collect()),
    }
}

fn decode_utf16be(bytes: &[u8]) -> Result<String, TextError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(TextError::OddLength(bytes.len()));
    }
    let units = bytes
        .chunks_exact(2)
        .map(|p| u16::from_be_bytes([p[0], p[1]]));
    let mut out = String::with_capacity(bytes.len());
    let mut offset = 0;
    for r in char::decode_utf16(units) {
        match r {
            Ok(c) => {
                offset += 2 * c.len_utf16();
                out.push(c);
            }
            Err(e) => {
                return Err(TextError::UnpairedSurrogate {
                    offset,
                    unit: e.unpaired_surrogate(),
                })
            }
        }
    }
    Ok(out)
}

fn decode_gbk(bytes: &[u8]) -> Result<String, TextError> {
    // encoding_rs' GBK decoder is the WHATWG gb18030 decoder: a superset, which is the
    // tolerant choice for receiving.
    let mut decoder = GBK.new_decoder_without_bom_handling();
    // The worst case for the whole input, so OutputFull should not happen; if it does, the
    // buffer doubles, which always makes progress.
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len() * 4 + 16);
    let mut out = String::with_capacity(capacity);
    let mut read_total = 0;
    loop {
        let (result, read) =
            decoder.decode_to_string_without_replacement(&bytes[read_total..], &mut out, true);
        read_total += read;
        match result {
            DecoderResult::InputEmpty => return Ok(out),
            DecoderResult::OutputFull => out.reserve(out.capacity().max(16)),
            DecoderResult::Malformed(bad, consumed_after) => {
                let offset =
                    read_total.saturating_sub(usize::from(bad) + usize::from(consumed_after));
                return Err(TextError::InvalidByte {
                    offset,
                    byte: bytes.get(offset).copied().unwrap_or(0),
                    coding: Coding::Gbk,
                });
            }
        }
    }
}

/// encoding_rs writes some private-use characters (e.g. U+E82B) as GBK bytes that decode to a
/// different, standard character; such text is not representable in GBK.
fn gbk_round_trips(text: &str, bytes: Vec<u8>) -> Result<Vec<u8>, TextError> {
    if decode_gbk(&bytes).as_deref() == Ok(text) {
        return Ok(bytes);
    }
    let mut buf = [0u8; 4];
    let bad = text.chars().find(|c| {
        let one: &str = c.encode_utf8(&mut buf);
        encode_gbk(one).and_then(|b| decode_gbk(&b)).as_deref() != Ok(one)
    });
    Err(TextError::Unrepresentable {
        ch: bad.unwrap_or('\u{FFFD}'),
        coding: Coding::Gbk,
    })
}

fn encode_gbk(text: &str) -> Result<Vec<u8>, TextError> {
    let mut encoder = GBK.new_encoder();
    let mut out = vec![0u8; text.len() * 2 + 8];
    let (mut read_total, mut written_total) = (0, 0);
    loop {
        let (result, read, written) = encoder.encode_from_utf8_without_replacement(
            &text[read_total..],
            &mut out[written_total..],
            true,
        );
        read_total += read;
        written_total += written;
        match result {
            EncoderResult::InputEmpty => {
                out.truncate(written_total);
                return Ok(out);
            }
            EncoderResult::OutputFull => out.resize(out.len() * 2, 0),
            EncoderResult::Unmappable(ch) => {
                return Err(TextError::Unrepresentable {
                    ch,
                    coding: Coding::Gbk,
                })
            }
        }
    }
}

#[cfg(test)]
mod gbk_tests {
    use super::*;

    #[test]
    fn gbk_refuses_private_use_characters_that_do_not_round_trip() {
        assert!(matches!(
            encode("\u{E82B}", Coding::Gbk),
            Err(TextError::Unrepresentable { ch: '\u{E82B}', .. })
        ));
        assert_eq!(
            decode(15, &encode("验证码", Coding::Gbk).unwrap()).unwrap(),
            "验证码"
        );
    }
}
