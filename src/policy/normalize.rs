//! Text normalization that defeats the common ways senders disguise banned words.
//!
//! [`normalize_into`] maps every character to a canonical form, so `賭 博`, `ｄｕ　ｂｏ`,
//! `d*u*b*0`, `赌\u{200b}博`, `①②`, `𝐀` all reach the keyword automaton as the same
//! string their plain version does. Per character, in order:
//!
//! 1. compatibility decomposition (full/half width, circled/parenthesised/superscript
//!    digits and letters, math alphanumerics, CJK compatibility ideographs, Kangxi
//!    radicals, accented letters) from the Unicode Character Database (`data/fold.txt`),
//!    and the "fancy text" letters it does not decompose (small capitals `ᴄᴀsɪɴᴏ`,
//!    negative circled/squared `🅒🅐🅢`, `ɑ` `ɡ` `ı`);
//! 2. lower case;
//! 3. Cyrillic/Greek letters that look Latin → Latin (`а`→`a`, `ο`→`o`);
//! 4. traditional → simplified Chinese, one character to one (`data/t2s.txt`, from
//!    Unihan `kSimplifiedVariant`). A shipped 2.7k-entry table rather than a crate:
//!    phrase-level converters (OpenCC, zhconv) rewrite multi-character spans, which
//!    would break the char-to-char offset map that reports matches in original
//!    terms, and cost far more per message than one array load;
//! 5. everything that is not a letter or digit (spaces, punctuation, symbols,
//!    emoji, zero-width and other format characters, combining marks) is dropped,
//!    and so are the Hangul fillers (letters that print as nothing);
//! 6. Chinese numerals and look-alike digits/letters fold to one letter:
//!    `0`/`o`/`〇`/`零` → `o`, `1`/`l`/`i`/`一` → `l`, `5`/`s` → `s`, …
//!
//! Both the banned phrases and the message go through the same function, so any
//! over-folding is symmetric. All of it is precomputed into a 64k-entry table for
//! the Basic Multilingual Plane: the hot path is one array load per character.

use std::collections::HashMap;
use std::sync::OnceLock;

const DROP: u32 = 0;
const MULTI: u32 = 0x8000_0000;

struct Tables {
    /// Per BMP code point: DROP, a char value, or MULTI | index into `multi`.
    bmp: Vec<u32>,
    multi: Vec<Box<str>>,
    /// Astral code points with a non-trivial mapping (math alphanumerics …).
    astral: HashMap<char, Box<str>>,
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(build_tables)
}

fn parse_pairs(data: &'static str) -> impl Iterator<Item = (char, &'static str)> {
    data.lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .filter_map(|(src, dst)| {
            let mut it = src.chars();
            match (it.next(), it.next()) {
                (Some(c), None) => Some((c, dst)),
                _ => None,
            }
        })
}

fn build_tables() -> Tables {
    let fold: HashMap<char, &str> = parse_pairs(include_str!("data/fold.txt")).collect();
    let t2s: HashMap<char, char> = parse_pairs(include_str!("data/t2s.txt"))
        .filter_map(|(c, d)| d.chars().next().map(|d| (c, d)))
        .collect();
    let slow = |c: char| -> String {
        let mut out = String::new();
        let mut buf = [0u8; 4];
        let decomposed: &str = match fancy_latin(c) {
            Some(f) => f.encode_utf8(&mut buf),
            None => fold
                .get(&c)
                .copied()
                .unwrap_or_else(|| c.encode_utf8(&mut buf)),
        };
        for d in decomposed.chars() {
            for l in d.to_lowercase() {
                let l = homoglyph(l);
                let l = t2s.get(&l).copied().unwrap_or(l);
                if l.is_alphanumeric() && !is_blank_letter(l) {
                    out.push(lookalike(l));
                }
            }
        }
        out
    };
    let mut bmp = vec![DROP; 0x1_0000];
    let mut multi = Vec::new();
    for (cp, slot) in bmp.iter_mut().enumerate() {
        let Some(c) = u32::try_from(cp).ok().and_then(char::from_u32) else {
            continue;
        };
        let s = slow(c);
        let mut chars = s.chars();
        *slot = match (chars.next(), chars.next()) {
            (None, _) => DROP,
            (Some(one), None) => u32::from(one),
            _ => {
                multi.push(s.into_boxed_str());
                MULTI | u32::try_from(multi.len() - 1).unwrap_or(0)
            }
        };
    }
    let astral = fold
        .keys()
        .copied()
        .filter(|c| u32::from(*c) > 0xFFFF)
        .chain(
            NEGATIVE_LETTERS
                .into_iter()
                .flat_map(|r| r.filter_map(char::from_u32)),
        )
        .map(|c| (c, slow(c).into_boxed_str()))
        .collect();
    Tables { bmp, multi, astral }
}

/// Negative circled 🅐–🅩 and negative squared 🅰–🆉 letters (no UCD decomposition).
const NEGATIVE_LETTERS: [std::ops::RangeInclusive<u32>; 2] = [0x1F150..=0x1F169, 0x1F170..=0x1F189];

/// Letters that "fancy text" generators use and the UCD gives no compatibility
/// decomposition for: small capitals (`ᴄᴀsɪɴᴏ`), negative circled/squared letters,
/// Latin alpha, script g, dotless i.
fn fancy_latin(c: char) -> Option<char> {
    let cp = u32::from(c);
    if let Some(r) = NEGATIVE_LETTERS.iter().find(|r| r.contains(&cp)) {
        return char::from_u32(u32::from('a') + cp - r.start());
    }
    Some(match c {
        'ᴀ' | 'ɑ' => 'a',
        'ʙ' => 'b',
        'ᴄ' => 'c',
        'ᴅ' => 'd',
        'ᴇ' => 'e',
        'ꜰ' => 'f',
        'ɢ' | 'ɡ' => 'g',
        'ʜ' => 'h',
        'ɪ' | 'ı' | 'ɩ' => 'i',
        'ᴊ' | 'ȷ' => 'j',
        'ᴋ' => 'k',
        'ʟ' => 'l',
        'ᴍ' => 'm',
        'ɴ' => 'n',
        'ᴏ' => 'o',
        'ᴘ' => 'p',
        'ʀ' => 'r',
        'ꜱ' => 's',
        'ᴛ' => 't',
        'ᴜ' => 'u',
        'ᴠ' => 'v',
        'ᴡ' => 'w',
        'ʏ' => 'y',
        'ᴢ' => 'z',
        _ => return None,
    })
}

/// Hangul fillers: letters to Unicode (so not dropped as symbols) that print as
/// nothing, the usual invisible padding between the characters of a banned word.
fn is_blank_letter(c: char) -> bool {
    matches!(c, '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}')
}

/// Cyrillic and Greek lower-case letters drawn like Latin ones.
fn homoglyph(c: char) -> char {
    match c {
        'а' | 'α' => 'a',
        'в' | 'β' => 'b',
        'е' | 'ε' => 'e',
        'к' | 'κ' => 'k',
        'м' => 'm',
        'н' | 'η' => 'h',
        'о' | 'ο' | 'σ' => 'o',
        'р' | 'ρ' => 'p',
        'с' => 'c',
        'т' | 'τ' => 't',
        'у' | 'γ' => 'y',
        'х' | 'χ' => 'x',
        'ѕ' => 's',
        'і' | 'ι' => 'i',
        'ј' => 'j',
        'ԁ' => 'd',
        'ν' => 'v',
        'υ' | 'μ' => 'u',
        'ω' => 'w',
        _ => c,
    }
}

/// Look-alike digits/letters and Chinese numerals → one representative.
fn lookalike(c: char) -> char {
    match c {
        '0' | 'o' | '〇' | '零' => 'o',
        '1' | 'l' | 'i' | '一' | '壹' => 'l',
        '2' | 'z' | '二' | '贰' => 'z',
        '3' | 'e' | '三' | '叁' => 'e',
        '4' | 'a' | '四' | '肆' => 'a',
        '5' | 's' | '五' | '伍' => 's',
        '6' | '8' | 'b' | '六' | '陆' | '八' | '捌' => 'b',
        '7' | 't' | '七' | '柒' => 't',
        '9' | 'g' | '九' | '玖' => 'g',
        _ => c,
    }
}

/// Where one normalized character came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Span {
    /// Byte offset of the character in the normalized text.
    pub out: usize,
    /// Byte range of its source character in the original text.
    pub orig_start: usize,
    /// End of that range.
    pub orig_end: usize,
}

/// Appends the normalized form of `text` to `out` (which the caller clears), and, if
/// `map` is given, one [`Span`] per output character.
pub(crate) fn normalize_into(text: &str, out: &mut String, mut map: Option<&mut Vec<Span>>) {
    let t = tables();
    for (pos, c) in text.char_indices() {
        let before = out.len();
        match mapped(t, c) {
            Mapped::Dropped => continue,
            Mapped::Char(m) => out.push(m),
            Mapped::Str(s) => out.push_str(s),
        }
        if let Some(map) = map.as_deref_mut() {
            let end = pos + c.len_utf8();
            for (i, _) in out[before..].char_indices() {
                map.push(Span {
                    out: before + i,
                    orig_start: pos,
                    orig_end: end,
                });
            }
        }
    }
}

/// What one character normalizes to.
enum Mapped<'t> {
    Dropped,
    Char(char),
    Str(&'t str),
}

fn mapped(t: &Tables, c: char) -> Mapped<'_> {
    let cp = u32::from(c);
    if cp <= 0xFFFF {
        let v = t.bmp[cp as usize];
        if v == DROP {
            Mapped::Dropped
        } else if v & MULTI != 0 {
            t.multi
                .get((v & !MULTI) as usize)
                .map_or(Mapped::Dropped, |s| Mapped::Str(s))
        } else {
            char::from_u32(v).map_or(Mapped::Dropped, Mapped::Char)
        }
    } else if let Some(s) = t.astral.get(&c) {
        Mapped::Str(s)
    } else if c.is_alphanumeric() {
        Mapped::Char(c)
    } else {
        Mapped::Dropped
    }
}

/// [`original_range`] of the normalized byte range `start..end` without an offset
/// map: walks `text` again counting normalized bytes, so checking one hit allocates
/// nothing.
pub(crate) fn original_span(text: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let t = tables();
    let (mut out, mut first, mut last) = (0, None, None);
    for (pos, c) in text.char_indices() {
        if out >= end {
            break;
        }
        let len = match mapped(t, c) {
            Mapped::Dropped => continue,
            Mapped::Char(m) => m.len_utf8(),
            Mapped::Str(s) => s.len(),
        };
        if first.is_none() && out + len > start {
            first = Some(pos);
        }
        last = Some(pos + c.len_utf8());
        out += len;
    }
    let (s, e) = (first?, last?);
    (s <= e).then_some((s, e))
}

/// The normalized form of `text` (convenience for lists and tests).
pub fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    normalize_into(text, &mut out, None);
    out
}

/// Maps a byte range of the normalized text back to the original text's byte range
/// (from the first source character to the last, including anything dropped between).
pub(crate) fn original_range(map: &[Span], start: usize, end: usize) -> Option<(usize, usize)> {
    let first = map.iter().find(|s| s.out >= start)?;
    let last = map.iter().rev().find(|s| s.out < end)?;
    (first.orig_start <= last.orig_end).then_some((first.orig_start, last.orig_end))
}

/// A light fold for regex rules and phrase search, keeping punctuation (dots in
/// domains): full width → ASCII, `。` `﹒` `․` → `.`, lower case, format characters
/// (zero-width, bidi controls, variation selectors) and Hangul fillers removed.
pub(crate) fn fold_light_into(text: &str, out: &mut String, mut map: Option<&mut Vec<Span>>) {
    for (pos, c) in text.char_indices() {
        let cp = u32::from(c);
        let m = match cp {
            0xFF01..=0xFF5E => char::from_u32(cp - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            // Ideographic, halfwidth and small full stops, one dot leader.
            0x3002 | 0xFF61 | 0xFE52 | 0x2024 => '.',
            0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x206F | 0xFEFF | 0xAD => continue,
            // Hangul fillers print as nothing too.
            0x115F | 0x1160 | 0x3164 | 0xFFA0 => continue,
            0xFE00..=0xFE0F | 0xE0000..=0xE007F => continue,
            _ => c,
        };
        if let Some(map) = map.as_deref_mut() {
            map.push(Span {
                out: out.len(),
                orig_start: pos,
                orig_end: pos + c.len_utf8(),
            });
        }
        if m.is_ascii() {
            out.push(m.to_ascii_lowercase());
        } else if u32::from(m) < 0x2000 {
            // Latin/Greek/Cyrillic: one char per source char keeps the map aligned.
            out.push(m.to_lowercase().next().unwrap_or(m));
        } else {
            // CJK and symbols have no case; skip the case table lookup.
            out.push(m);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn width_case_spaces_and_symbols() {
        let plain = normalize("dubo");
        assert_eq!(normalize("ＤＵ　ＢＯ"), plain);
        assert_eq!(normalize("D u-B.o"), plain);
        assert_eq!(normalize("d★u☆b❤o😀"), plain);
        assert_eq!(normalize("赌\u{200b}博\u{feff}"), normalize("赌博"));
        assert_eq!(normalize("赌 🎲 博"), normalize("赌博"));
        assert_eq!(normalize("赌\u{3164}博\u{115f}\u{ffa0}"), normalize("赌博"));
    }

    #[test]
    fn traditional_to_simplified() {
        assert_eq!(normalize("賭博"), normalize("赌博"));
        assert_eq!(normalize("網絡貸款"), normalize("网络贷款"));
        assert_eq!(normalize("轉帳"), normalize("转账"));
    }

    #[test]
    fn look_alikes_and_enclosed_forms() {
        assert_eq!(normalize("b0c4i"), normalize("bocal"));
        assert_eq!(normalize("SEX"), normalize("5ex"));
        assert_eq!(normalize("①⑧⑧"), normalize("188"));
        assert_eq!(normalize("⑴⒉③"), normalize("123"));
        assert_eq!(normalize("❶❷"), normalize("12"));
        assert_eq!(normalize("𝐕𝐈𝐏"), normalize("vip"));
        assert_eq!(normalize("ⓥⓘⓟ"), normalize("vip"));
        assert_eq!(normalize("раураl"), normalize("paypal"), "cyrillic");
        assert_eq!(normalize("六合彩"), normalize("6合彩"));
        assert_eq!(normalize("⼤"), normalize("大"), "kangxi radical");
        assert_eq!(normalize("café"), normalize("cafe"));
        assert_eq!(
            normalize("ᴄᴀsɪɴᴏ ʙᴇᴛ"),
            normalize("casino bet"),
            "small capitals"
        );
        assert_eq!(normalize("🅒🅐🅢🅘🅝🅞"), normalize("casino"), "negative circled");
        assert_eq!(normalize("🅟🅞🅡🅝🆉"), normalize("pornz"), "negative squared");
        assert_eq!(normalize("cɑsıno"), normalize("casino"));
    }

    #[test]
    fn map_points_back_to_original() {
        let text = "【店】点击 賭*博 网";
        let mut out = String::new();
        let mut map = Vec::new();
        normalize_into(text, &mut out, Some(&mut map));
        let needle = normalize("赌博");
        let at = out.find(&needle).unwrap();
        let (s, e) = original_range(&map, at, at + needle.len()).unwrap();
        assert_eq!(&text[s..e], "賭*博");
    }

    #[test]
    fn span_without_map_agrees_with_the_map() {
        let text = "【店】点击 賭*博 网，回 Ｔ 退订ǆ⑴";
        let mut out = String::new();
        let mut map = Vec::new();
        normalize_into(text, &mut out, Some(&mut map));
        let bounds: Vec<usize> = out
            .char_indices()
            .map(|(i, _)| i)
            .chain([out.len()])
            .collect();
        for (i, s) in bounds.iter().enumerate() {
            for e in &bounds[i + 1..] {
                assert_eq!(
                    original_span(text, *s, *e),
                    original_range(&map, *s, *e),
                    "{s}..{e}"
                );
            }
        }
    }

    #[test]
    fn light_fold_keeps_dots() {
        let mut out = String::new();
        fold_light_into("ＷＷＷ。Ｔ\u{200b}．ＣＮ", &mut out, None);
        assert_eq!(out, "www.t.cn");
    }
}
