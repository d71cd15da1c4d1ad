//! Approved templates with typed variables, e.g. `您的验证码是${code:digits(4,8)}`.
//!
//! A template is compiled to an anchored regex: literal text must match exactly
//! (after trimming), each variable only what its type allows. Variable types:
//!
//! | type | matches |
//! | --- | --- |
//! | `digits(min,max)` | `min`–`max` ASCII digits |
//! | `alnum(min,max)` / `alnum(max)` | ASCII letters and digits |
//! | `text(max)` | 1–`max` characters, no brackets, line breaks or `/` (no URLs) |
//! | `amount` | a money amount: `1,234.50`, `-3.5`, `¥12` |
//! | `number(max)` | 1–`max` digits with an optional decimal part |
//! | `date` | `2026-11-28`, `2026年11月28日`, `11月28日`, `11-28`, optionally `14:05[:00]` |
//! | `time` | `14:05` or `14:05:30` |
//!
//! A variable without a type is `text(6)`, the common platform default
//! (cn-sms-rules.md §3). Templates apply to the text without its signature.

use regex::RegexSet;

use super::error::PolicyError;
use super::settings::TemplateSpec;
use crate::message::MessageType;

/// Compiles one template's text to a regex (without anchors).
pub fn to_regex(id: &str, template: &str) -> Result<String, PolicyError> {
    let err = |message: String| PolicyError::Template {
        id: id.to_string(),
        message,
    };
    let mut out = String::new();
    let mut rest = template.trim();
    while let Some(start) = rest.find("${") {
        out.push_str(&regex::escape(&rest[..start]));
        let after = &rest[start + 2..];
        let end = after
            .find('}')
            .ok_or_else(|| err("unclosed ${".to_string()))?;
        out.push_str(&variable(&after[..end]).map_err(err)?);
        rest = &after[end + 1..];
    }
    out.push_str(&regex::escape(rest));
    Ok(out)
}

fn variable(spec: &str) -> Result<String, String> {
    let (name, ty) = spec.split_once(':').unwrap_or((spec, "text(6)"));
    if name.trim().is_empty() {
        return Err(format!("variable without a name: ${{{spec}}}"));
    }
    let ty = ty.trim();
    let (kind, args) = match ty.split_once('(') {
        Some((k, a)) => (
            k.trim(),
            a.strip_suffix(')')
                .ok_or_else(|| format!("unclosed ( in {ty:?}"))?,
        ),
        None => (ty, ""),
    };
    let nums: Vec<u32> = if args.trim().is_empty() {
        Vec::new()
    } else {
        args.split(',')
            .map(|n| n.trim().parse::<u32>())
            .collect::<Result<_, _>>()
            .map_err(|_| format!("bad arguments in {ty:?}"))?
    };
    let range = |default: (u32, u32)| -> Result<(u32, u32), String> {
        let (lo, hi) = match nums.as_slice() {
            [] => default,
            [max] => (1, *max),
            [min, max] => (*min, *max),
            _ => return Err(format!("too many arguments in {ty:?}")),
        };
        if lo > hi || hi == 0 || hi > 1000 {
            return Err(format!("bad length range in {ty:?}"));
        }
        Ok((lo, hi))
    };
    Ok(match kind {
        "digits" => {
            let (lo, hi) = range((4, 8))?;
            format!("[0-9]{{{lo},{hi}}}")
        }
        "alnum" => {
            let (lo, hi) = range((4, 8))?;
            format!("[0-9A-Za-z]{{{lo},{hi}}}")
        }
        "text" => {
            let (lo, hi) = range((1, 6))?;
            format!("[^【】\\[\\]\\r\\n/]{{{lo},{hi}}}")
        }
        "number" => {
            let (_, hi) = range((1, 12))?;
            format!("[0-9]{{1,{hi}}}(?:\\.[0-9]{{1,4}})?")
        }
        "amount" => r"[-+]?[¥￥]?[0-9]{1,3}(?:,?[0-9]{3})*(?:\.[0-9]{1,2})?".to_string(),
        "date" => concat!(
            r"(?:[0-9]{4}(?:-|/|\.|年))?[0-9]{1,2}(?:-|/|\.|月)[0-9]{1,2}日?",
            r"(?:\s?[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?)?"
        )
        .to_string(),
        "time" => r"[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?".to_string(),
        other => return Err(format!("unknown variable type {other:?}")),
    })
}

/// An account's compiled templates.
#[derive(Debug)]
pub struct Templates {
    set: Option<RegexSet>,
    specs: Vec<TemplateSpec>,
}

impl Templates {
    /// Compiles every template; a malformed one is a configuration error.
    pub fn build(specs: &[TemplateSpec]) -> Result<Templates, PolicyError> {
        let patterns = specs
            .iter()
            .map(|t| to_regex(&t.id, &t.text).map(|r| format!("^(?:{r})$")))
            .collect::<Result<Vec<_>, _>>()?;
        let set = if patterns.is_empty() {
            None
        } else {
            Some(RegexSet::new(&patterns).map_err(|e| PolicyError::Template {
                id: "*".to_string(),
                message: e.to_string(),
            })?)
        };
        Ok(Templates {
            set,
            specs: specs.to_vec(),
        })
    }

    /// Whether the account has templates at all.
    pub fn is_empty(&self) -> bool {
        self.specs.is_empty()
    }

    /// The first approved template `body` matches: its id and message type.
    pub fn matching(&self, body: &str) -> Option<(&str, MessageType)> {
        let set = self.set.as_ref()?;
        let i = set.matches(body.trim()).into_iter().next()?;
        self.specs.get(i).map(|t| (t.id.as_str(), t.message_type))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(id: &str, text: &str, t: MessageType) -> TemplateSpec {
        TemplateSpec {
            id: id.into(),
            text: text.into(),
            message_type: t,
        }
    }

    fn templates() -> Templates {
        Templates::build(&[
            spec("otp", "您的验证码是${code:digits(4,6)}，5分钟内有效。", MessageType::Otp),
            spec(
                "bill",
                "尊敬的${name:text(8)}，您${month:date}账单${amt:amount}元，请于${due:date}前还款。",
                MessageType::BusinessNotice,
            ),
            spec("ship", "您的订单${no:alnum(6,20)}已于${t:time}发货", MessageType::BusinessNotice),
        ])
        .unwrap()
    }

    #[test]
    fn typed_variables_match_only_their_type() {
        let t = templates();
        assert_eq!(
            t.matching("您的验证码是123456，5分钟内有效。").unwrap().0,
            "otp"
        );
        assert!(t.matching("您的验证码是12ab56，5分钟内有效。").is_none());
        assert!(t.matching("您的验证码是123，5分钟内有效。").is_none());
        assert!(t
            .matching("您的验证码是123456，5分钟内有效。点击t.cn/x")
            .is_none());
        let (id, ty) = t
            .matching("尊敬的张三，您11月28日账单1,234.50元，请于2026-12-10前还款。")
            .unwrap();
        assert_eq!((id, ty), ("bill", MessageType::BusinessNotice));
        assert!(t
            .matching("尊敬的张三，您11月28日账单一千元，请于2026-12-10前还款。")
            .is_none());
        assert!(t.matching("您的订单SF1234567已于14:05发货").is_some());
        assert!(t.matching("您的订单SF1234567已于明天发货").is_none());
    }

    #[test]
    fn literal_regex_characters_are_escaped_and_errors_reported() {
        let t =
            Templates::build(&[spec("x", "价格(含税)${a:amount}元.", MessageType::Other)]).unwrap();
        assert!(t.matching("价格(含税)12.50元.").is_some());
        assert!(t.matching("价格含税12.50元x").is_none());
        for bad in [
            "${code:digits(8,4)}",
            "${code:colour}",
            "${:digits}",
            "abc ${x",
        ] {
            assert!(
                Templates::build(&[spec("b", bad, MessageType::Otp)]).is_err(),
                "{bad}"
            );
        }
        assert!(
            Templates::build(&[spec("u", "hi ${who}", MessageType::Other)])
                .unwrap()
                .matching("hi 张三")
                .is_some()
        );
    }
}
