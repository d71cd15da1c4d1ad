//! Optional regex rules (e.g. short-link domains not on an allow list), run over the
//! light fold of the text (full width → ASCII, `。` → `.`, lower case, zero-width
//! characters removed) so `ｔ．ｃｎ` and `t\u{200b}.cn` are seen as `t.cn`.

use regex::Regex;

use super::error::PolicyError;
use super::normalize::{fold_light_into, original_range};
use super::settings::RegexRule;
use crate::message::MessageType;

/// A regex rule that matched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegexHit {
    /// The rule's name.
    pub rule: String,
    /// The matching stretch of the original text.
    pub matched: String,
}

#[derive(Debug)]
struct Compiled {
    name: String,
    regex: Regex,
    allow: Vec<String>,
    /// Empty = every type.
    message_types: Vec<MessageType>,
}

/// Compiled regex rules.
#[derive(Debug, Default)]
pub struct RegexRules {
    rules: Vec<Compiled>,
}

impl RegexRules {
    /// Compiles the rules; a bad pattern is a configuration error.
    pub fn build(rules: &[RegexRule]) -> Result<RegexRules, PolicyError> {
        let rules = rules
            .iter()
            .map(|r| {
                Ok(Compiled {
                    name: r.name.clone(),
                    regex: Regex::new(&r.pattern).map_err(|source| PolicyError::Regex {
                        name: r.name.clone(),
                        source,
                    })?,
                    allow: r.allow.iter().map(|a| a.trim().to_lowercase()).collect(),
                    message_types: r.message_types.clone(),
                })
            })
            .collect::<Result<Vec<_>, PolicyError>>()?;
        Ok(RegexRules { rules })
    }

    /// The first match in `text` of a rule for message type `t` whose `domain` group
    /// (or whole match) is not allowed.
    pub fn find(&self, text: &str, t: MessageType) -> Option<RegexHit> {
        let applies = |r: &&Compiled| r.message_types.is_empty() || r.message_types.contains(&t);
        if !self.rules.iter().any(|r| applies(&r)) {
            return None;
        }
        let mut folded = String::with_capacity(text.len());
        fold_light_into(text, &mut folded, None);
        // `find_iter` runs on the lazy DFA; capture groups (slower) only for a match.
        let hit = self.rules.iter().filter(applies).find_map(|r| {
            r.regex.find_iter(&folded).find_map(|m| {
                let value = r
                    .regex
                    .captures(m.as_str())
                    .and_then(|c| c.name("domain"))
                    .map_or(m.as_str(), |d| d.as_str());
                (!allowed(value, &r.allow)).then(|| (r, m.start(), m.end()))
            })
        })?;
        let (rule, start, end) = hit;
        let mut refolded = String::with_capacity(folded.len());
        let mut map = Vec::new();
        fold_light_into(text, &mut refolded, Some(&mut map));
        let matched = original_range(&map, start, end)
            .and_then(|(s, e)| text.get(s..e))
            .unwrap_or(&folded[start..end]);
        Some(RegexHit {
            rule: rule.name.clone(),
            matched: matched.to_string(),
        })
    }
}

/// `value` equals an allowed entry or is a subdomain of one.
fn allowed(value: &str, allow: &[String]) -> bool {
    allow.iter().any(|a| {
        value == a
            || value
                .strip_suffix(a.as_str())
                .is_some_and(|rest| rest.ends_with('.'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rules(allow: &[&str]) -> RegexRules {
        let mut r = RegexRule::default_short_links();
        r.allow = allow.iter().map(|s| s.to_string()).collect();
        RegexRules::build(&[r]).unwrap()
    }

    #[test]
    fn short_links_caught_even_disguised() {
        let r = rules(&[]);
        let hit = r
            .find("【店】点击 ｔ．ｃｎ/AbCd 领取", MessageType::Marketing)
            .unwrap();
        assert_eq!(hit.rule, "short_link");
        assert_eq!(hit.matched, "ｔ．ｃｎ/AbCd");
        assert!(r
            .find(
                "【店】戳 http://x.t\u{200b}.cn/1 看",
                MessageType::Marketing
            )
            .is_some());
        assert!(r
            .find("【店】领券 abc.top/x", MessageType::Marketing)
            .is_some());
        assert!(r
            .find("【顺丰】您的快件已签收，详询95338", MessageType::Marketing)
            .is_none());
    }

    #[test]
    fn allow_list_admits_registered_domain_and_subdomains() {
        let r = rules(&["shop.vip", "t.cn"]);
        assert!(r
            .find("【店】详见 shop.vip/a", MessageType::Marketing)
            .is_none());
        assert!(r
            .find("【店】详见 m.shop.vip/a", MessageType::Marketing)
            .is_none());
        assert!(r
            .find("【店】详见 evilshop.vip/a", MessageType::Marketing)
            .is_some());
    }

    #[test]
    fn a_rule_applies_only_to_its_message_types() {
        let r = RegexRules::build(&[RegexRule::default_otp_links()]).unwrap();
        let text = "【店】验证码1234，点击 https://acme.com/login 登录";
        let hit = r.find(text, MessageType::Otp).unwrap();
        assert_eq!(
            (hit.rule.as_str(), hit.matched.as_str()),
            ("otp_link", "https://acme.com/login")
        );
        assert!(r.find(text, MessageType::BusinessNotice).is_none());
        assert!(r
            .find(
                "【店】验证码1234，疑问请邮件kefu@acme.com",
                MessageType::Otp
            )
            .is_none());
    }

    #[test]
    fn bad_pattern_is_a_config_error() {
        let bad = RegexRule {
            name: "x".into(),
            pattern: "(".into(),
            allow: vec![],
            message_types: vec![],
        };
        assert!(matches!(
            RegexRules::build(&[bad]),
            Err(PolicyError::Regex { .. })
        ));
    }
}
