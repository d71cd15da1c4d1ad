//! Unsubscribe wording: marketing texts must carry an instruction (回T退订,
//! 拒收请回复R …), non-marketing texts must not (cn-sms-rules.md §4), and MO
//! replies such as `TD` or `退订` opt the sender's number out.

use aho_corasick::AhoCorasick;

use super::error::PolicyError;
use super::keywords::parse_list;
use super::normalize::normalize;

/// The unsubscribe instructions shipped in `deploy/policy/unsubscribe.txt`.
pub const BUILTIN_PHRASES: &str = include_str!("../../deploy/policy/unsubscribe.txt");
/// The MO replies shipped in `deploy/policy/unsubscribe_replies.txt`.
pub const BUILTIN_REPLIES: &str = include_str!("../../deploy/policy/unsubscribe_replies.txt");

/// Compiled unsubscribe instructions (matched on normalized text).
#[derive(Debug)]
pub struct UnsubscribePhrases {
    ac: Option<AhoCorasick>,
    phrases: Vec<String>,
}

impl UnsubscribePhrases {
    /// Builds the matcher from phrases as written.
    pub fn build(phrases: &[String]) -> Result<UnsubscribePhrases, PolicyError> {
        let phrases: Vec<String> = phrases
            .iter()
            .filter(|p| !normalize(p).is_empty())
            .cloned()
            .collect();
        let patterns: Vec<String> = phrases.iter().map(|p| normalize(p)).collect();
        let ac = if patterns.is_empty() {
            None
        } else {
            Some(AhoCorasick::new(&patterns)?)
        };
        Ok(UnsubscribePhrases { ac, phrases })
    }

    /// The built-in phrases plus `extra`.
    pub fn with_builtin(extra: &[String]) -> Result<UnsubscribePhrases, PolicyError> {
        let mut all: Vec<String> = parse_list(BUILTIN_PHRASES, "unsubscribe")
            .into_iter()
            .map(|p| p.phrase)
            .collect();
        all.extend(extra.iter().cloned());
        Self::build(&all)
    }

    /// The instruction found in the normalized text, as configured.
    pub fn find(&self, normalized: &str) -> Option<&str> {
        let m = self.ac.as_ref()?.find(normalized)?;
        self.phrases.get(m.pattern().as_usize()).map(String::as_str)
    }
}

/// Recognises unsubscribe replies in mobile-originated texts.
#[derive(Debug)]
pub struct ReplyMatcher {
    exact: Vec<String>,
    contains: Vec<String>,
}

impl Default for ReplyMatcher {
    fn default() -> Self {
        Self::parse(BUILTIN_REPLIES)
    }
}

impl ReplyMatcher {
    /// Parses `= word` (whole reply) and `~ phrase` (reply contains) lines.
    pub fn parse(source: &str) -> ReplyMatcher {
        let mut m = ReplyMatcher {
            exact: Vec::new(),
            contains: Vec::new(),
        };
        for line in source.lines().map(str::trim) {
            if let Some(w) = line.strip_prefix('=') {
                m.exact.push(normalize(w));
            } else if let Some(p) = line.strip_prefix('~') {
                m.contains.push(normalize(p));
            }
        }
        m.exact.retain(|w| !w.is_empty());
        m.contains.retain(|w| !w.is_empty());
        m
    }

    /// Whether `text` asks to unsubscribe (case/width/spacing-insensitive).
    pub fn is_unsubscribe(&self, text: &str) -> bool {
        let n = normalize(text);
        !n.is_empty()
            && (self.exact.contains(&n) || self.contains.iter().any(|p| n.contains(p.as_str())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_instructions_despite_spacing_and_width() {
        let u = UnsubscribePhrases::with_builtin(&[]).unwrap();
        assert_eq!(u.find(&normalize("…大促五折，回 T 退订")), Some("回T退订"));
        assert!(u.find(&normalize("…大促，拒收请回复Ｒ")).is_some());
        assert!(u.find(&normalize("您的验证码是1234")).is_none());
        let custom = UnsubscribePhrases::with_builtin(&["发送STOP退订".into()]).unwrap();
        assert!(custom.find(&normalize("发送stop退订")).is_some());
    }

    #[test]
    fn recognises_mo_replies() {
        let r = ReplyMatcher::default();
        for yes in [
            "TD",
            " td ",
            "Ｔ",
            "t",
            "N",
            "R",
            "退订",
            "退訂",
            "我要退订",
            "取消",
            "Unsubscribe!",
        ] {
            assert!(r.is_unsubscribe(yes), "{yes:?}");
        }
        for no in ["好的", "谢谢", "TDD", "1234", "", "STOP IT NOW"] {
            assert!(!r.is_unsubscribe(no), "{no:?}");
        }
    }
}
