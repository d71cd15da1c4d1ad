//! Segmentation of a long text into concatenated SMS (smpp34-reference §7, §12).
//!
//! Limits are in octets of user data after the UDH, as carried unpacked over SMPP:
//!
//! | coding            | single | IEI 0x00 / sar_* | IEI 0x08 |
//! |-------------------|-------:|-----------------:|---------:|
//! | GSM 03.38 septets |    160 |              153 |      152 |
//! | UCS-2 (2 octets)  |    140 |   134 (67 chars) | 133 (66) |
//! | other 8-bit       |    140 |              134 |      133 |
//!
//! A GSM escape pair, a UTF-16 surrogate pair and a GBK double-byte character are never
//! split across segments. IA5 and Latin-1 are counted as 8-bit octets: how an SMSC maps them
//! to the air interface is its own choice, so we budget the 140 octets of user data. With sar_* TLVs the SMSC adds the UDH on the air interface, so the
//! per-part limit is the 8-bit-reference one.

use super::udh::{self, ConcatInfo, CONCAT_16_LEN, CONCAT_8_LEN};
use super::{choose_coding, encode, gsm7, Coding, TextError};
use std::ops::Range;

/// How the parts of a long message are tied together.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConcatMethod {
    /// UDH IEI 0x00, 8-bit reference (6-octet UDH); set esm_class UDHI (0x40).
    #[default]
    Udh8,
    /// UDH IEI 0x08, 16-bit reference (7-octet UDH); set esm_class UDHI (0x40).
    Udh16,
    /// No UDH; each part carries sar_msg_ref_num / sar_total_segments / sar_segment_seqnum.
    Sar,
    /// One submit_sm with the whole text in message_payload (sm_length 0); the SMSC splits.
    MessagePayload,
}

/// Options for [`split`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitOptions {
    /// Force a coding; `None` picks the cheapest with [`choose_coding`].
    pub coding: Option<Coding>,
    /// Concatenation method used when the text does not fit one message.
    pub method: ConcatMethod,
    /// Concatenation reference (only the low 8 bits with [`ConcatMethod::Udh8`]); the
    /// caller keeps a per-destination counter.
    pub reference: u16,
    /// Room to leave in every segment for text the carrier appends (e.g. a signature), in
    /// characters of the chosen coding: septets for GSM, 2 octets per character for UCS-2
    /// and GBK (sized for Chinese), octets otherwise. Reserved in every segment because we
    /// cannot know which one the carrier touches.
    pub reserve_chars: usize,
    /// Refuse texts needing more segments than this (1..=255).
    pub max_segments: u8,
}

impl Default for SplitOptions {
    fn default() -> Self {
        SplitOptions {
            coding: None,
            method: ConcatMethod::Udh8,
            reference: 0,
            reserve_chars: 0,
            max_segments: u8::MAX,
        }
    }
}

/// sar_* TLV values for one part (SMPP 3.4 §5.3.2.22–24).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Sar {
    /// sar_msg_ref_num, the same for every part.
    pub msg_ref_num: u16,
    /// sar_total_segments.
    pub total_segments: u8,
    /// sar_segment_seqnum, 1-based.
    pub segment_seqnum: u8,
}

/// One message to submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment {
    /// The coding of `bytes`; put `coding.data_coding()` in the PDU.
    pub coding: Coding,
    /// Ready-to-send octets: UDH + payload for `short_message`, or the whole encoded text for
    /// the message_payload TLV when `message_payload` is true.
    pub bytes: Vec<u8>,
    /// `bytes` start with a UDH: set esm_class bit 0x40 ([`udh::ESM_CLASS_UDHI`]).
    pub udhi: bool,
    /// `bytes` go in the message_payload TLV (sm_length 0) rather than short_message.
    pub message_payload: bool,
    /// sar_* TLV values to add, with [`ConcatMethod::Sar`].
    pub sar: Option<Sar>,
    /// The part of the original text this segment carries (empty for binary data).
    pub text: String,
}

/// Single-message and per-part capacity in octets for `coding` and `method`.
fn limits(coding: Coding, method: ConcatMethod) -> (usize, usize) {
    let (single, concat8, concat16) = match coding {
        Coding::Gsm7 => (160, 160 - 7, 160 - 8),
        _ => (140, 140 - CONCAT_8_LEN, 140 - CONCAT_16_LEN),
    };
    match method {
        ConcatMethod::Udh16 => (single, concat16),
        _ => (single, concat8),
    }
}

/// Octets in the indivisible unit starting at `bytes[0]` (one character of `coding`).
fn unit_len(coding: Coding, bytes: &[u8]) -> usize {
    let first = bytes.first().copied().unwrap_or(0);
    let len = match coding {
        Coding::Gsm7 if first == gsm7::ESC => 2,
        Coding::Ucs2 if (0xD8..=0xDB).contains(&first) => 4,
        Coding::Ucs2 => 2,
        Coding::Gbk if first >= 0x81 => 2,
        _ => 1,
    };
    len.min(bytes.len()).max(1)
}

/// Splits `text` into the messages to submit, choosing the coding (unless forced) and tying
/// the parts together with `opts.method`. A text that fits one message is one plain segment.
pub fn split(text: &str, opts: &SplitOptions) -> Result<Vec<Segment>, TextError> {
    let coding = opts.coding.unwrap_or_else(|| choose_coding(text));
    let bytes = encode(text, coding)?;
    segment(coding, &bytes, Some(text), opts)
}

/// Splits already-encoded 8-bit data (data_coding 4) the same way; segment texts are empty.
pub fn split_binary(data: &[u8], opts: &SplitOptions) -> Result<Vec<Segment>, TextError> {
    segment(Coding::Binary, data, None, opts)
}

fn segment(
    coding: Coding,
    bytes: &[u8],
    text: Option<&str>,
    opts: &SplitOptions,
) -> Result<Vec<Segment>, TextError> {
    let per_char = if matches!(coding, Coding::Ucs2 | Coding::Gbk) {
        2
    } else {
        1
    };
    let reserve = opts.reserve_chars.saturating_mul(per_char);
    let (single, part) = limits(coding, opts.method);
    let plain = |bytes: Vec<u8>, text: &str, message_payload| Segment {
        coding,
        bytes,
        udhi: false,
        message_payload,
        sar: None,
        text: text.to_owned(),
    };
    if bytes.len().saturating_add(reserve) <= single {
        if opts.max_segments == 0 {
            return Err(TextError::TooManySegments { needed: 1, max: 0 });
        }
        return Ok(vec![plain(bytes.to_vec(), text.unwrap_or(""), false)]);
    }
    let widest = match coding {
        Coding::Ucs2 => 4,
        Coding::Gsm7 | Coding::Gbk => 2,
        _ => 1,
    };
    let cap = part
        .checked_sub(reserve)
        .filter(|&cap| cap >= widest)
        .ok_or(TextError::ReserveTooLarge(opts.reserve_chars))?;
    let parts = cut(coding, bytes, text, cap);
    if parts.len() > usize::from(opts.max_segments) {
        return Err(TextError::TooManySegments {
            needed: parts.len(),
            max: opts.max_segments,
        });
    }
    if opts.method == ConcatMethod::MessagePayload {
        // At most 255 parts of at most 153 octets: always within the TLV's 65535.
        return Ok(vec![plain(bytes.to_vec(), text.unwrap_or(""), true)]);
    }
    // parts.len() <= max_segments <= 255, so the conversions below cannot truncate.
    let total = u8::try_from(parts.len()).unwrap_or(u8::MAX);
    let segments = parts
        .into_iter()
        .zip(1..=u8::MAX)
        .map(|((octets, chars), seq)| {
            let info = ConcatInfo {
                reference: opts.reference,
                total,
                seq,
            };
            let mut out = Vec::with_capacity(CONCAT_16_LEN + octets.len());
            let mut sar = None;
            match opts.method {
                ConcatMethod::Udh8 => udh::write_concat(&mut out, info, false),
                ConcatMethod::Udh16 => udh::write_concat(&mut out, info, true),
                _ => {
                    sar = Some(Sar {
                        msg_ref_num: opts.reference,
                        total_segments: total,
                        segment_seqnum: seq,
                    })
                }
            }
            out.extend_from_slice(&bytes[octets]);
            Segment {
                coding,
                bytes: out,
                udhi: sar.is_none(),
                message_payload: false,
                sar,
                text: text.map(|t| t[chars].to_owned()).unwrap_or_default(),
            }
        })
        .collect();
    Ok(segments)
}

/// Greedy cut of `bytes` into parts of at most `cap` octets on unit boundaries, with the
/// matching byte ranges of `text` (each unit is exactly one character of the text).
fn cut(
    coding: Coding,
    bytes: &[u8],
    text: Option<&str>,
    cap: usize,
) -> Vec<(Range<usize>, Range<usize>)> {
    let mut parts = Vec::with_capacity(bytes.len() / cap + 1);
    let mut chars = text.unwrap_or("").char_indices().map(|(i, _)| i);
    let text_len = text.map_or(0, str::len);
    let (mut start, mut pos) = (0, 0);
    let (mut text_start, mut text_pos) = (0, 0);
    while pos < bytes.len() {
        let len = unit_len(coding, &bytes[pos..]);
        if pos + len - start > cap {
            parts.push((start..pos, text_start..text_pos));
            start = pos;
            text_start = text_pos;
        }
        pos += len;
        // Advance one character: the next char boundary (or the end after the last one).
        if text.is_some() {
            chars.next();
            text_pos = chars.clone().next().unwrap_or(text_len);
        }
    }
    parts.push((start..pos, text_start..text_pos));
    parts
}
