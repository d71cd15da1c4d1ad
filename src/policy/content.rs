//! The global content rules (banned phrases with their allow list, regex rules,
//! unsubscribe phrases), compiled together from [`PolicySettings`] so a reload
//! builds a complete new set and swaps it in atomically.

use super::error::PolicyError;
use super::keywords::{parse_list, read_list_file, KeywordSet, Phrase};
use super::regex_rules::RegexRules;
use super::settings::PolicySettings;
use super::unsubscribe::UnsubscribePhrases;

/// The keyword lists shipped in `deploy/policy/keywords/`, compiled in so the
/// embedded default configuration works from any directory.
pub const BUILTIN_KEYWORD_LISTS: &[(&str, &str)] = &[
    (
        "gambling",
        include_str!("../../deploy/policy/keywords/gambling.txt"),
    ),
    (
        "fraud",
        include_str!("../../deploy/policy/keywords/fraud.txt"),
    ),
    (
        "pornography",
        include_str!("../../deploy/policy/keywords/pornography.txt"),
    ),
    (
        "financial_marketing",
        include_str!("../../deploy/policy/keywords/financial_marketing.txt"),
    ),
    (
        "violence",
        include_str!("../../deploy/policy/keywords/violence.txt"),
    ),
    (
        "drugs",
        include_str!("../../deploy/policy/keywords/drugs.txt"),
    ),
    (
        "illegal_services",
        include_str!("../../deploy/policy/keywords/illegal_services.txt"),
    ),
];

/// The allow list shipped in `deploy/policy/allow.txt`.
pub const BUILTIN_ALLOW_LIST: &str = include_str!("../../deploy/policy/allow.txt");

/// Compiled global content rules.
#[derive(Debug)]
pub struct ContentRules {
    /// Banned phrases and allow list.
    pub keywords: KeywordSet,
    /// Regex rules.
    pub regex: RegexRules,
    /// Unsubscribe instructions.
    pub unsubscribe: UnsubscribePhrases,
}

impl ContentRules {
    /// Reads every list the settings name (plus the built-ins if enabled) and
    /// compiles them. Any unreadable file or bad rule fails the whole load, so a
    /// broken reload keeps the previous rules in force.
    pub fn load(settings: &PolicySettings) -> Result<ContentRules, PolicyError> {
        let mut banned = Vec::new();
        let mut allow = Vec::new();
        if settings.builtin_lists {
            for (cat, text) in BUILTIN_KEYWORD_LISTS {
                banned.extend(parse_list(text, cat));
            }
            allow.extend(
                parse_list(BUILTIN_ALLOW_LIST, "allow")
                    .into_iter()
                    .map(|p| p.phrase),
            );
        }
        for f in &settings.keyword_files {
            banned.extend(read_list_file(f)?);
        }
        for f in &settings.allow_files {
            allow.extend(read_list_file(f)?.into_iter().map(|p| p.phrase));
        }
        Self::compile(banned, &allow, settings)
    }

    /// Compiles explicit phrase lists with the settings' regex and unsubscribe rules.
    pub fn compile(
        banned: Vec<Phrase>,
        allow: &[String],
        settings: &PolicySettings,
    ) -> Result<ContentRules, PolicyError> {
        let unsubscribe = if settings.builtin_lists {
            UnsubscribePhrases::with_builtin(&settings.unsubscribe_phrases)?
        } else {
            UnsubscribePhrases::build(&settings.unsubscribe_phrases)?
        };
        Ok(ContentRules {
            keywords: KeywordSet::build(banned, allow)?,
            regex: RegexRules::build(&settings.regex_rules)?,
            unsubscribe,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_lists_load_and_files_add_to_them() {
        let rules = ContentRules::load(&PolicySettings::default()).unwrap();
        assert!(rules.keywords.len() > 250, "{}", rules.keywords.len());
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("custom.txt");
        std::fs::write(&f, "# mine\n特价机票\n").unwrap();
        let settings = PolicySettings {
            builtin_lists: false,
            keyword_files: vec![f],
            ..PolicySettings::default()
        };
        let rules = ContentRules::load(&settings).unwrap();
        assert_eq!(rules.keywords.len(), 1);
        let text = "特价 機票";
        let hit = rules
            .keywords
            .find(text, &super::super::normalize::normalize(text))
            .unwrap();
        assert_eq!(hit.category, "custom");
        let missing = PolicySettings {
            keyword_files: vec![dir.path().join("nope.txt")],
            ..PolicySettings::default()
        };
        assert!(matches!(
            ContentRules::load(&missing),
            Err(PolicyError::Io { .. })
        ));
    }
}
