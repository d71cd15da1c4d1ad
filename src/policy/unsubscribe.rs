//! Unsubscribe wording: marketing texts must carry an instruction (回T退订,
//! 拒收请回复R …), non-marketing texts must not (cn-sms-rules.md §4), and MO
//! replies such as `TD` or `退订` opt the sender's number out.

use aho_corasick::AhoCorasick;

use super::error::PolicyError;
use super::keywords::parse_list;
use super::normalize::{normalize, original_span};

/// The ASCII letters and digits of `text` as a reader types them back (width and case
/// folded). Look-alike folding (`7`→`t`, `0`→`o`) suits banned words but would make a
/// reply `7` an unsubscribe and 回7退订 an unsubscribe instruction, so a match on the
/// normalized text must also carry these same characters.
fn typed(text: &str) -> String {
    text.chars()
        .filter_map(|c| {
            let c = match u32::from(c) {
                cp @ 0xFF01..=0xFF5E => char::from_u32(cp - 0xFEE0)?,
                _ => c,
            };
            c.is_ascii_alphanumeric().then(|| c.to_ascii_lowercase())
        })
        .collect()
}

/// The unsubscribe instructions shipped in `deploy/policy/unsubscribe.txt`.
pub const BUILTIN_PHRASES: &str = include_str!("../../deploy/policy/unsubscribe.txt");
/// The MO replies shipped in `deploy/policy/unsubscribe_replies.txt`.
pub const BUILTIN_REPLIES: &str = include_str!("../../deploy/policy/unsubscribe_replies.txt");

/// Compiled unsubscribe instructions (matched on normalized text).
#[derive(Debug)]
pub struct UnsubscribePhrases {
    ac: Option<AhoCorasick>,
    phrases: Vec<String>,
    /// [`typed`] of each phrase.
    typed: Vec<String>,
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
        let typed = phrases.iter().map(|p| typed(p)).collect();
        Ok(UnsubscribePhrases { ac, phrases, typed })
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

    /// The instruction found in `text`, as configured. `normalized` is
    /// `normalize(text)`, computed once by the caller.
    pub fn find(&self, text: &str, normalized: &str) -> Option<&str> {
        // Each candidate's letters and digits must be the phrase's as typed, read
        // from its stretch of the original text.
        let ac = self.ac.as_ref()?;
        ac.find_overlapping_iter(normalized).find_map(|m| {
            let i = m.pattern().as_usize();
            let (s, e) = original_span(text, m.start(), m.end())?;
            let stretch = text.get(s..e)?;
            (typed(stretch) == *self.typed.get(i)?)
                .then(|| self.phrases.get(i).map(String::as_str))
                .flatten()
        })
    }
}

/// Recognises unsubscribe replies in mobile-originated texts.
#[derive(Debug)]
pub struct ReplyMatcher {
    /// Whole-reply words: normalized, and [`typed`].
    exact: Vec<(String, String)>,
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
                m.exact.push((normalize(w), typed(w)));
            } else if let Some(p) = line.strip_prefix('~') {
                m.contains.push(normalize(p));
            }
        }
        m.exact.retain(|(w, _)| !w.is_empty());
        m.contains.retain(|w| !w.is_empty());
        m
    }

    /// Whether `text` asks to unsubscribe (case/width/spacing-insensitive).
    pub fn is_unsubscribe(&self, text: &str) -> bool {
        let n = normalize(text);
        if n.is_empty() {
            return false;
        }
        let t = typed(text);
        self.exact.iter().any(|(w, wt)| *w == n && *wt == t)
            || self.contains.iter().any(|p| n.contains(p.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn find<'a>(u: &'a UnsubscribePhrases, text: &str) -> Option<&'a str> {
        u.find(text, &normalize(text))
    }

    #[test]
    fn finds_instructions_despite_spacing_and_width() {
        let u = UnsubscribePhrases::with_builtin(&[]).unwrap();
        assert_eq!(find(&u, "…大促五折，回 T 退订"), Some("回T退订"));
        assert!(find(&u, "…大促，拒收请回复Ｒ").is_some());
        assert!(find(&u, "您的验证码是1234").is_none());
        let custom = UnsubscribePhrases::with_builtin(&["发送STOP退订".into()]).unwrap();
        assert!(find(&custom, "发送stop退订").is_some());
        // A digit is not the letter it folds to: nobody types 7 for T.
        assert!(find(&u, "大促五折，回7退订").is_none());
        assert!(find(&custom, "发送5T0P退订").is_none());
        assert_eq!(find(&u, "满3件7折，退订回T"), Some("退订回T"));
        assert!(find(&u, "回０００O退订").is_none());
        assert!(find(&u, "回０００0退订").is_some());
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
        for no in [
            "好的",
            "谢谢",
            "TDD",
            "1234",
            "",
            "STOP IT NOW",
            "7",
            "70",
            "OOOO",
        ] {
            assert!(!r.is_unsubscribe(no), "{no:?}");
        }
    }
}
