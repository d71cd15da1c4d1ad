//! Tolerant parsing of receipt text.
//!
//! Accepted variations (each one seen from a real SMSC, see `proto-fixtures/dlr/README.md`):
//! keys in any case and with `_`, extra or no spaces inside (`submit date`, `submit_date`,
//! `submitdate`), spaces after the colon (`err: 0`), missing fields, `Text:` vs `text:`, a
//! bare state word without its `stat:` key, unknown `key:value` fields (skipped), NUL
//! padding after the text or a value. Everything after `text:` is the text, spaces and
//! colons included.

use super::{DeliveryReceipt, DlrError, ReceiptDate, ReceiptStat};

#[derive(Clone, Copy, PartialEq, Eq)]
enum Key {
    Id,
    Sub,
    Dlvrd,
    SubmitDate,
    DoneDate,
    Stat,
    Err,
    Text,
}

/// Longest key spelling we look for, spaces included (`submit date`, `done_date`…).
const MAX_KEY_LEN: usize = 16;

/// If `s` starts with a known key and its colon, the key and the length through the colon.
fn key_at(s: &str) -> Option<(Key, usize)> {
    // Every key starts with a letter: a value such as `_` before ` stat:` is a value, not
    // part of the key (`_ stat:` would otherwise read as `stat:` and empty the id).
    if !s.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let colon = s
        .char_indices()
        .take(MAX_KEY_LEN + 1)
        .take_while(|&(_, c)| c.is_ascii_alphabetic() || c == ' ' || c == '_' || c == ':')
        .find(|&(_, c)| c == ':')?
        .0;
    let mut name = [0u8; MAX_KEY_LEN];
    let mut n = 0;
    for b in s[..colon].bytes().filter(|&b| b != b' ' && b != b'_') {
        name[n] = b.to_ascii_lowercase();
        n += 1;
    }
    let key = match &name[..n] {
        b"id" => Key::Id,
        b"sub" => Key::Sub,
        b"dlvrd" => Key::Dlvrd,
        b"submitdate" => Key::SubmitDate,
        b"donedate" => Key::DoneDate,
        b"stat" | b"status" => Key::Stat,
        b"err" | b"error" => Key::Err,
        b"text" => Key::Text,
        _ => return None,
    };
    Some((key, colon + 1))
}

/// Parses a receipt text. `id` and `stat` are required; everything else is optional. A date
/// that is present but unreadable is dropped (`None`) rather than failing the receipt, whose
/// id and state are what matter.
pub fn parse(input: &str) -> Result<DeliveryReceipt, DlrError> {
    let s = input.trim_end_matches('\0');
    let mut r = DeliveryReceipt {
        id: String::new(),
        sub: None,
        dlvrd: None,
        submit_date: None,
        done_date: None,
        stat: ReceiptStat::Unknown,
        err: None,
        text: None,
    };
    let (mut have_id, mut stat) = (false, None);
    let (mut submit, mut done) = (None, None);
    let mut rest = s.trim_start();
    while !rest.is_empty() {
        let Some((key, len)) = key_at(rest) else {
            // Not a known key: a bare state word (some SMSCs drop `stat:`) or a field we
            // do not know; skip one whitespace-separated token.
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            if stat.is_none() {
                stat = ReceiptStat::known(&rest[..end]);
            }
            rest = rest[end..].trim_start();
            continue;
        };
        rest = rest[len..].trim_start_matches(' ');
        if key == Key::Text {
            r.text.get_or_insert_with(|| rest.to_owned());
            break;
        }
        // An empty value is followed directly by the next key (`err: text:`).
        let end = if key_at(rest).is_some() {
            0
        } else {
            rest.find(char::is_whitespace).unwrap_or(rest.len())
        };
        // A NUL-padded value (`err:001\0 …`, C-string fields) loses its padding like the
        // whole text does: kept, it would vanish when the receipt is formatted last in line.
        let value = rest[..end].trim_end_matches('\0');
        rest = rest[end..].trim_start();
        // First occurrence wins, so a later field cannot override what came first.
        match key {
            Key::Id if !have_id => {
                have_id = true;
                r.id = value.to_owned();
            }
            Key::Sub => _ = r.sub.get_or_insert_with(|| value.to_owned()),
            Key::Dlvrd => _ = r.dlvrd.get_or_insert_with(|| value.to_owned()),
            Key::SubmitDate => _ = submit.get_or_insert(value),
            Key::DoneDate => _ = done.get_or_insert(value),
            Key::Stat if !value.is_empty() => {
                _ = stat.get_or_insert_with(|| ReceiptStat::parse(value))
            }
            Key::Err => _ = r.err.get_or_insert_with(|| value.to_owned()),
            _ => {}
        }
    }
    if r.id.is_empty() {
        return Err(DlrError::MissingField("id"));
    }
    r.stat = stat.ok_or(DlrError::MissingField("stat"))?;
    r.submit_date = submit.and_then(|d| ReceiptDate::parse(d).ok());
    r.done_date = done.and_then(|d| ReceiptDate::parse(d).ok());
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_value_of_underscores_before_a_key_stays_the_value() {
        // Found by tests/text_props.rs: `id:_ stat:…` lost its id.
        let r = parse("id:_ stat:DELIVRD").unwrap();
        assert_eq!(r.id, "_");
        assert_eq!(r.stat, ReceiptStat::Delivrd);
        let r = parse("id:__ err: stat:UNDELIV").unwrap();
        assert_eq!((r.id.as_str(), r.err.as_deref()), ("__", Some("")));
    }

    #[test]
    fn nul_padding_after_a_value_is_not_part_of_it() {
        // Found by fuzz/fuzz_targets/receipt_text.rs: `err:001\0` kept its NUL, which the
        // canonical form then lost (trailing NULs are trimmed), breaking format → parse.
        let r = parse("id:6C7C7D\0\0 stat:zUNDELIV err:001\0 ext:x").unwrap();
        assert_eq!(r.id, "6C7C7D");
        assert_eq!(r.err.as_deref(), Some("001"));
        assert_eq!(parse(&r.format()), Ok(r));
        let r = parse("id:7\0 stat:\0 DELIVRD err:\0\0 text:a\0b").unwrap();
        assert_eq!((r.stat, r.err.as_deref()), (ReceiptStat::Delivrd, Some("")));
        assert_eq!(r.text.as_deref(), Some("a\0b"));
    }

    #[test]
    fn parses_the_appendix_b_layout() {
        let r = parse("id:1234567890 sub:001 dlvrd:001 submit date:2406011230 done date:2406011231 stat:DELIVRD err:000 text:【示例】您的验证码").unwrap();
        assert_eq!(r.id, "1234567890");
        assert_eq!(r.sub.as_deref(), Some("001"));
        assert_eq!(r.stat, ReceiptStat::Delivrd);
        assert_eq!(r.done_date.map(|d| d.minute), Some(31));
        assert_eq!(r.text.as_deref(), Some("【示例】您的验证码"));
    }

    #[test]
    fn tolerates_case_spacing_and_missing_fields() {
        let r = parse("ID:ab12 Submit_Date:1701240904  DONE  DATE:1701240904 Stat:delivrd err: 0 Text:hi there stat:x").unwrap();
        assert_eq!(r.id, "ab12");
        assert_eq!((r.sub, r.dlvrd), (None, None));
        assert!(r.submit_date.is_some() && r.done_date.is_some());
        assert_eq!(r.stat, ReceiptStat::Delivrd);
        assert_eq!(r.err.as_deref(), Some("0"));
        assert_eq!(r.text.as_deref(), Some("hi there stat:x"));
    }

    #[test]
    fn empty_values_and_bare_state_words() {
        let r = parse("id:7 sub:000 dlvrd:000 submit date:180903120815 done date:180903120816 DELIVRD err:000 Text:").unwrap();
        assert_eq!(r.stat, ReceiptStat::Delivrd);
        assert_eq!(r.text.as_deref(), Some(""));
        let r = parse("id:7 err: stat:UNDELIV").unwrap();
        assert_eq!((r.err.as_deref(), r.stat), (Some(""), ReceiptStat::Undeliv));
        let r = parse("id:7 stat:MK:0001 err:MK:0001\0\0").unwrap();
        assert_eq!(r.stat, ReceiptStat::Other("MK:0001".into()));
        assert_eq!(r.err.as_deref(), Some("MK:0001"));
    }

    #[test]
    fn rejects_text_without_id_or_state() {
        assert_eq!(parse("hello world"), Err(DlrError::MissingField("id")));
        assert_eq!(parse("id: stat:DELIVRD"), Err(DlrError::MissingField("id")));
        assert_eq!(parse("id:55 err:000"), Err(DlrError::MissingField("stat")));
        assert_eq!(parse(""), Err(DlrError::MissingField("id")));
    }
}
