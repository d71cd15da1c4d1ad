//! Signature (签名) checks: exactly one 【signature】 at the start or end of the text,
//! registered for the account (cn-sms-rules.md §2). `[ ]` is accepted instead of
//! 【】 only for all-ASCII texts and only if the account allows it.

use super::settings::SignatureBrackets;
use super::status::RejectReason;

/// A text's signature and the body around it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Signed<'a> {
    /// The signature without brackets.
    pub signature: &'a str,
    /// The text without the bracketed signature, trimmed.
    pub body: &'a str,
}

/// Finds the signature of `text` and checks it against `registered`.
pub fn check<'a>(
    text: &'a str,
    registered: &[String],
    brackets: SignatureBrackets,
) -> Result<Signed<'a>, RejectReason> {
    let signed = locate(text, brackets)?;
    if is_registered(signed.signature, registered) {
        Ok(signed)
    } else {
        Err(RejectReason::UnregisteredSignature)
    }
}

/// Whether `signature` is one of `registered` (ASCII compared case-insensitively).
pub fn is_registered(signature: &str, registered: &[String]) -> bool {
    let sig = signature.trim();
    registered
        .iter()
        .any(|r| r.trim() == sig || (sig.is_ascii() && r.trim().eq_ignore_ascii_case(sig)))
}

/// Words that name a kind of message, not a sender: never registrable as a signature
/// (cn-sms-rules.md §2: "no generic words (e.g. 【验证码】, 【通知】)").
const GENERIC_NAMES: &[&str] = &[
    "验证码",
    "校验码",
    "动态码",
    "通知",
    "短信",
    "消息",
    "提醒",
    "公告",
    "系统",
    "系统通知",
    "客服",
    "广告",
    "推广",
    "营销",
    "活动",
    "优惠",
];

/// Why `name` (without brackets) cannot be registered as a signature, if it cannot: the
/// name must be the sender's, 2–20 characters, not only digits, not a web address and not
/// a generic word (cn-sms-rules.md §2; 20 is the longest any large platform allows).
pub fn registration_problem(name: &str) -> Option<&'static str> {
    let name = name.trim();
    let chars = name.chars().count();
    let lower = name.to_lowercase();
    if !(2..=20).contains(&chars) {
        Some("must be 2 to 20 characters")
    } else if name.chars().all(|c| c.is_ascii_digit()) {
        Some("is only digits")
    } else if lower.contains("://") || lower.starts_with("www.") || looks_like_domain(&lower) {
        Some("is a web address")
    } else if GENERIC_NAMES.contains(&name) {
        Some("is a generic word, not a sender's name")
    } else {
        None
    }
}

/// `label.tld` (a tld of 2+ ASCII letters after the last dot, something before it).
fn looks_like_domain(s: &str) -> bool {
    s.rsplit_once('.').is_some_and(|(head, tld)| {
        !head.is_empty() && tld.len() >= 2 && tld.bytes().all(|b| b.is_ascii_lowercase())
    })
}

/// Whether a body shows nothing: only spaces and invisible characters (zero-width,
/// bidi and other format characters, Hangul fillers). A signature alone is an empty
/// message.
pub fn is_blank(body: &str) -> bool {
    body.chars().all(|c| {
        c.is_whitespace()
            || matches!(c, '\u{AD}' | '\u{180E}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
                | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{115F}' | '\u{1160}' | '\u{3164}' | '\u{FFA0}')
    })
}

/// Finds the one signature of `text` at its start or end, without judging it.
pub fn locate(text: &str, brackets: SignatureBrackets) -> Result<Signed<'_>, RejectReason> {
    let text = text.trim();
    let pairs: &[(char, char)] =
        if brackets == SignatureBrackets::LenticularOrAsciiSquare && text.is_ascii() {
            &[('【', '】'), ('[', ']')]
        } else {
            &[('【', '】')]
        };
    for &(open, close) in pairs {
        if let Some(s) = find_signed(text, open, close)? {
            // The other end is a signature position too: a second sender name there
            // in brackets drawn like 【】 is a second signature (cn-sms-rules.md §2).
            if second_signature(s.body, text.starts_with(open)) {
                return Err(RejectReason::MalformedSignature);
            }
            return Ok(s);
        }
    }
    Err(RejectReason::MissingSignature)
}

/// Brackets a handset reader takes for 【】 (half/full-width square, white lenticular,
/// tortoise shell).
const LOOKALIKE_BRACKETS: &[(char, char)] = &[('[', ']'), ('［', '］'), ('〖', '〗'), ('〔', '〕')];

/// Whether `body` ends (`at_end`) or starts with a bracketed name.
fn second_signature(body: &str, at_end: bool) -> bool {
    LOOKALIKE_BRACKETS.iter().any(|&(open, close)| {
        if at_end {
            body.strip_suffix(close)
                .is_some_and(|rest| rest.rfind(open).is_some())
        } else {
            body.strip_prefix(open)
                .is_some_and(|rest| rest.contains(close))
        }
    })
}

fn find_signed(text: &str, open: char, close: char) -> Result<Option<Signed<'_>>, RejectReason> {
    let opens = text.matches(open).count();
    if opens == 0 {
        return Ok(None);
    }
    // Exactly one signature: a second 【…】 pair is refused (cn-sms-rules.md §2).
    if opens > 1 || text.matches(close).count() != 1 {
        return Err(RejectReason::MalformedSignature);
    }
    let signed = if let Some(rest) = text.strip_prefix(open) {
        let end = rest.find(close).ok_or(RejectReason::MalformedSignature)?;
        Signed {
            signature: &rest[..end],
            body: rest[end + close.len_utf8()..].trim(),
        }
    } else if let Some(rest) = text.strip_suffix(close) {
        let start = rest.rfind(open).ok_or(RejectReason::MalformedSignature)?;
        Signed {
            signature: &rest[start + open.len_utf8()..],
            body: rest[..start].trim(),
        }
    } else {
        // A bracket pair in the middle is not a signature position.
        return Err(RejectReason::MissingSignature);
    };
    if signed.signature.trim().is_empty() {
        return Err(RejectReason::MalformedSignature);
    }
    Ok(Some(signed))
}

#[cfg(test)]
mod registration_tests {
    use super::registration_problem;

    #[test]
    fn sender_names_register_and_generic_or_odd_ones_do_not() {
        for ok in ["顺丰速运", "腾讯云", "Acme", "京东 JD", "12306铁路"] {
            assert_eq!(registration_problem(ok), None, "{ok}");
        }
        for (bad, why) in [
            ("验证码", "is a generic word, not a sender's name"),
            ("通知", "is a generic word, not a sender's name"),
            ("95588", "is only digits"),
            ("shop.vip", "is a web address"),
            ("www.acme", "is a web address"),
            ("https://a.cn/x", "is a web address"),
            ("A", "must be 2 to 20 characters"),
            (
                "一二三四五六七八九十一二三四五六七八九十一",
                "must be 2 to 20 characters",
            ),
        ] {
            assert_eq!(registration_problem(bad), Some(why), "{bad}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg() -> Vec<String> {
        vec!["腾讯云".to_string(), "Acme".to_string()]
    }

    fn chk(text: &str) -> Result<Signed<'_>, RejectReason> {
        check(text, &reg(), SignatureBrackets::Lenticular)
    }

    #[test]
    fn start_or_end_registered() {
        let s = chk("【腾讯云】您的验证码是123456").unwrap();
        assert_eq!((s.signature, s.body), ("腾讯云", "您的验证码是123456"));
        let s = chk("您的验证码是123456【腾讯云】").unwrap();
        assert_eq!(s.body, "您的验证码是123456");
    }

    #[test]
    fn missing_unregistered_malformed() {
        assert_eq!(
            chk("您的验证码是123456"),
            Err(RejectReason::MissingSignature)
        );
        assert_eq!(
            chk("您的【腾讯云】验证码"),
            Err(RejectReason::MissingSignature)
        );
        assert_eq!(
            chk("【阿里云】验证码1234"),
            Err(RejectReason::UnregisteredSignature)
        );
        assert_eq!(chk("【】验证码1234"), Err(RejectReason::MalformedSignature));
        assert_eq!(
            chk("【腾讯云】验证码1234【阿里云】"),
            Err(RejectReason::MalformedSignature)
        );
    }

    #[test]
    fn lookalike_brackets_at_the_other_end_are_a_second_signature() {
        for t in [
            "【腾讯云】您的验证码是123456[阿里云]",
            "【腾讯云】您的验证码是123456〖阿里云〗",
            "［阿里云］您的验证码是123456【腾讯云】",
            "〔阿里云〕您的验证码是123456【腾讯云】",
        ] {
            assert_eq!(chk(t), Err(RejectReason::MalformedSignature), "{t}");
        }
        // Brackets inside the body are not at a signature position.
        assert!(chk("【腾讯云】[通知]单号[A1]已发货。").is_ok());
    }

    #[test]
    fn blank_body() {
        assert!(is_blank(" \u{3000}\u{200b}\u{3164}"));
        assert!(!is_blank("。"));
        assert!(!is_blank(" 1 "));
    }

    #[test]
    fn ascii_square_brackets_only_when_allowed_and_ascii() {
        let t = "[acme] Your code is 1234";
        assert_eq!(chk(t), Err(RejectReason::MissingSignature));
        let s = check(t, &reg(), SignatureBrackets::LenticularOrAsciiSquare).unwrap();
        assert_eq!(s.signature, "acme");
        assert_eq!(
            check(
                "[Acme] 验证码1234",
                &reg(),
                SignatureBrackets::LenticularOrAsciiSquare
            ),
            Err(RejectReason::MissingSignature)
        );
    }
}
