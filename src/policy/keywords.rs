//! Banned-phrase lists, matched with Aho-Corasick over normalized text.
//!
//! Every phrase (and every allow-list phrase) is normalized with
//! [`super::normalize`] when the set is built; a message is normalized once per
//! check. The fast path is one automaton scan that finds nothing. Only when a
//! banned phrase is found does the slow path re-normalize with an offset map, look
//! for allow-list phrases covering the hit, and report the first uncovered hit in
//! the ORIGINAL text's terms (e.g. `賭*博` for the listed phrase `赌博`).

use std::path::Path;

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};

/// Above this many pattern bytes (~25k CJK phrases) the automaton is not a full DFA.
const DFA_MAX_PATTERN_BYTES: usize = 512 * 1024;

use super::error::PolicyError;
use super::normalize::{normalize, normalize_into, original_range};

/// One phrase of a list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phrase {
    /// Category (file stem or `category:` prefix): gambling, fraud …
    pub category: String,
    /// The phrase as written in the list.
    pub phrase: String,
}

/// A banned phrase found in a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeywordHit {
    /// The phrase's category.
    pub category: String,
    /// The list entry that matched.
    pub phrase: String,
    /// The matching stretch of the original text.
    pub matched: String,
}

/// Parses a list: one phrase per line, `#` comments and blank lines skipped, an
/// optional `category: phrase` prefix overriding `default_category`.
pub fn parse_list(source: &str, default_category: &str) -> Vec<Phrase> {
    source
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(|l| match l.split_once(": ") {
            Some((cat, p)) if is_category(cat) => Phrase {
                category: cat.to_string(),
                phrase: p.trim().to_string(),
            },
            _ => Phrase {
                category: default_category.to_string(),
                phrase: l.to_string(),
            },
        })
        .collect()
}

fn is_category(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_lowercase() || b == b'_')
}

/// Reads a list file; the category defaults to the file stem.
pub fn read_list_file(path: &Path) -> Result<Vec<Phrase>, PolicyError> {
    let text = std::fs::read_to_string(path).map_err(|source| PolicyError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let stem = path
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("custom");
    Ok(parse_list(&text, stem))
}

/// A compiled banned-phrase set with its allow list. Immutable: reloads build a
/// new one and swap it in.
#[derive(Debug)]
pub struct KeywordSet {
    banned: Option<AhoCorasick>,
    entries: Vec<Phrase>,
    allow: Option<AhoCorasick>,
}

fn build_automaton(patterns: &[String]) -> Result<Option<AhoCorasick>, PolicyError> {
    if patterns.is_empty() {
        return Ok(None);
    }
    // Standard semantics: overlapping search is needed on the slow path so an
    // allowed hit does not hide a banned one that overlaps it.
    let mut b = AhoCorasickBuilder::new();
    b.match_kind(MatchKind::Standard);
    // Measured with 10k phrases (benches/policy.rs): a full DFA (~1.4 MB) scans about
    // twice as fast as the contiguous NFA the builder picks by default, and the
    // rare-byte prefilter only adds work on CJK text (UTF-8 lead bytes are never rare).
    // Huge lists fall back to the builder's choice to bound memory.
    let total: usize = patterns.iter().map(String::len).sum();
    if total <= DFA_MAX_PATTERN_BYTES {
        b.kind(Some(AhoCorasickKind::DFA));
    }
    b.prefilter(false);
    let ac = b.build(patterns)?;
    Ok(Some(ac))
}

impl KeywordSet {
    /// Builds the set. Phrases that normalize to nothing are skipped; phrases that
    /// normalize alike keep the first entry.
    pub fn build(banned: Vec<Phrase>, allow: &[String]) -> Result<KeywordSet, PolicyError> {
        let mut seen = std::collections::HashSet::new();
        let mut patterns = Vec::new();
        let mut entries = Vec::new();
        for p in banned {
            let n = normalize(&p.phrase);
            if !n.is_empty() && seen.insert(n.clone()) {
                patterns.push(n);
                entries.push(p);
            }
        }
        let allow: Vec<String> = allow
            .iter()
            .map(|a| normalize(a))
            .filter(|a| !a.is_empty())
            .collect();
        Ok(KeywordSet {
            banned: build_automaton(&patterns)?,
            entries,
            allow: build_automaton(&allow)?,
        })
    }

    /// Number of distinct banned phrases.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether the set has no banned phrase.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The first banned phrase in `text` not covered by an allow-list phrase.
    /// `normalized` is `normalize(text)`, computed once by the caller.
    pub fn find(&self, text: &str, normalized: &str) -> Option<KeywordHit> {
        let banned = self.banned.as_ref()?;
        banned.find(normalized)?;
        // Slow path (rare): offsets back to the original, allow-list spans.
        let mut norm = String::with_capacity(normalized.len());
        let mut map = Vec::with_capacity(normalized.len());
        normalize_into(text, &mut norm, Some(&mut map));
        let allowed: Vec<(usize, usize)> = self
            .allow
            .as_ref()
            .map(|a| {
                a.find_overlapping_iter(&norm)
                    .map(|m| (m.start(), m.end()))
                    .collect()
            })
            .unwrap_or_default();
        banned.find_overlapping_iter(&norm).find_map(|m| {
            if allowed
                .iter()
                .any(|(s, e)| *s <= m.start() && m.end() <= *e)
            {
                return None;
            }
            let entry = self.entries.get(m.pattern().as_usize())?;
            let range = original_range(&map, m.start(), m.end());
            if range.is_some_and(|(s, e)| across_latin_words(text, s, e)) {
                return None;
            }
            let matched = range
                .and_then(|(s, e)| text.get(s..e))
                .unwrap_or(&entry.phrase);
            // Look-alike folding reads the code `837365` as `bet365` (8→b, 3→e, 7→t): a
            // stretch with no letter at all is a number, not a disguised word.
            if !has_letter(matched) && has_letter(&entry.phrase) {
                return None;
            }
            Some(KeywordHit {
                category: entry.category.clone(),
                phrase: entry.phrase.clone(),
                matched: matched.to_string(),
            })
        })
    }
}

/// Whether the hit `text[s..e]` is Latin letters glued across English words: `keep or N`
/// reads `porn`, `use Qingdao` reads `seqing`. Such a hit starts or ends inside a longer
/// word and spans a space; `c a s i n o` (starting at a word) and `mycasino` (no space)
/// are still hits.
fn across_latin_words(text: &str, s: usize, e: usize) -> bool {
    let (Some(before), Some(stretch), Some(after)) = (text.get(..s), text.get(s..e), text.get(e..))
    else {
        return false;
    };
    let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphabetic());
    stretch.contains(char::is_whitespace)
        && ((latin(before.chars().next_back()) && latin(stretch.chars().next()))
            || (latin(stretch.chars().next_back()) && latin(after.chars().next())))
}

/// Whether `s` has a letter or ideograph (digits, punctuation and symbols are not).
fn has_letter(s: &str) -> bool {
    s.chars().any(char::is_alphabetic)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(banned: &[(&str, &str)], allow: &[&str]) -> KeywordSet {
        let banned = banned
            .iter()
            .map(|(c, p)| Phrase {
                category: c.to_string(),
                phrase: p.to_string(),
            })
            .collect();
        let allow: Vec<String> = allow.iter().map(|s| s.to_string()).collect();
        KeywordSet::build(banned, &allow).unwrap()
    }

    fn find(s: &KeywordSet, text: &str) -> Option<KeywordHit> {
        s.find(text, &normalize(text))
    }

    #[test]
    fn reports_category_phrase_and_original_text() {
        let s = set(&[("gambling", "赌博"), ("fraud", "安全账户")], &[]);
        let hit = find(&s, "【某某】線上賭★博，速来").unwrap();
        assert_eq!(hit.category, "gambling");
        assert_eq!(hit.phrase, "赌博");
        assert_eq!(hit.matched, "賭★博");
        assert!(find(&s, "【某某】您的订单已发货").is_none());
    }

    #[test]
    fn allow_list_suppresses_only_covered_hits() {
        let s = set(&[("fraud", "刷单")], &["谨防刷单"]);
        assert!(find(&s, "【银行】谨防刷单诈骗").is_none());
        let hit = find(&s, "【银行】谨防刷单诈骗，兼职刷单日赚500").unwrap();
        assert_eq!(hit.matched, "刷单");
    }

    #[test]
    fn numbers_are_not_read_as_words() {
        let s = set(&[("gambling", "bet365"), ("gambling", "存100送")], &[]);
        assert!(find(&s, "验证码837365").is_none());
        assert!(find(&s, "金额1,837,365.00元").is_none());
        assert_eq!(find(&s, "b37365入口").unwrap().matched, "b37365");
        assert_eq!(find(&s, "ｂｅｔ３６５").unwrap().phrase, "bet365");
        assert_eq!(find(&s, "首存100送").unwrap().matched, "存100送");
    }

    #[test]
    fn latin_letters_across_words_are_not_a_word() {
        let s = set(&[("pornography", "porn"), ("gambling", "casino")], &[]);
        assert!(find(&s, "Reply Y to keep or N to stop").is_none());
        assert!(find(&s, "Tap or nod").is_none());
        assert_eq!(find(&s, "free c a s i n o").unwrap().matched, "c a s i n o");
        assert_eq!(find(&s, "mycasino").unwrap().matched, "casino");
        assert_eq!(find(&s, "hot P.O.R.N").unwrap().matched, "P.O.R.N");
    }

    #[test]
    fn parse_list_categories_and_comments() {
        let l = parse_list("# c\n\n赌博\nfraud: 安全账户\n", "gambling");
        assert_eq!(l.len(), 2);
        assert_eq!(l[1].category, "fraud");
        assert_eq!(l[0].category, "gambling");
    }
}
