//! Checking a [`RoutingConfig`] and turning it into the matcher's form.
//!
//! Every problem is reported (not just the first), each naming the rule index or group.

use std::collections::{BTreeSet, HashMap};

use super::carrier::{Carrier, Province};
use super::config::{RouteRule, RoutingConfig};
use super::country;
use super::error::RoutingError;
use crate::message::MessageType;

/// A rule ready for matching.
#[derive(Debug, Clone)]
pub(crate) struct Rule {
    pub(crate) name: Option<String>,
    pub(crate) accounts: Vec<String>,
    pub(crate) carriers: Vec<Carrier>,
    pub(crate) provinces: Vec<Province>,
    pub(crate) message_types: Vec<MessageType>,
    pub(crate) prefixes: Vec<String>,
    pub(crate) countries: Vec<String>,
    /// Whether the rule may match a number outside the mainland (see [`reaches_abroad`]).
    pub(crate) abroad: bool,
    /// Indexes into the compiled groups, failover order.
    pub(crate) groups: Vec<usize>,
}

/// Whether a rule sets no criterion (it matches every message).
fn is_catch_all(rule: &RouteRule) -> bool {
    rule.accounts.is_empty()
        && rule.carriers.is_empty()
        && rule.provinces.is_empty()
        && rule.message_types.is_empty()
        && rule.prefixes.is_empty()
        && rule.countries.is_empty()
}

/// Whether a rule names destinations outside the mainland: a country other than CN, or a
/// `+` prefix other than +86. Only such rules match international numbers: smppd's channels
/// are mainland 106 service codes, so a catch-all written for mainland traffic must not hand
/// `+44 …` to one of them (accepted, billed, then undeliverable). Judged on the validated
/// criteria, so an unknown country does not count.
fn reaches_abroad(rule: &Rule) -> bool {
    rule.countries.iter().any(|c| c != "CN")
        || rule
            .prefixes
            .iter()
            .any(|p| p.strip_prefix('+').is_some_and(|d| !d.starts_with("86")))
}

impl Rule {
    /// `#3 "name"` for messages.
    pub(crate) fn label(&self, index: usize) -> String {
        match &self.name {
            Some(name) => format!("rule #{index} ({name:?})"),
            None => format!("rule #{index}"),
        }
    }
}

/// A group ready for picking.
#[derive(Debug, Clone)]
pub(crate) struct Group {
    pub(crate) name: String,
    /// `(channel, weight ≥ 1)`.
    pub(crate) channels: Vec<(String, u32)>,
}

/// Validates `config` against the configured channel names and compiles it.
pub(crate) fn compile(
    config: &RoutingConfig,
    known_channels: &[&str],
) -> Result<(Vec<Rule>, Vec<Group>), RoutingError> {
    let mut problems = Vec::new();
    let known: BTreeSet<&str> = known_channels.iter().copied().collect();
    let known_list = known.iter().copied().collect::<Vec<_>>().join(", ");

    let mut groups = Vec::new();
    let mut group_index = HashMap::new();
    for (name, group) in &config.groups {
        if group.channels.is_empty() {
            problems.push(format!("group {name:?}: no channels"));
        }
        let mut seen = BTreeSet::new();
        for member in &group.channels {
            let ch = member.channel.as_str();
            if !known.contains(ch) {
                problems.push(format!(
                    "group {name:?}: unknown channel {ch:?} (known channels: {known_list})"
                ));
            }
            if !seen.insert(ch) {
                problems.push(format!("group {name:?}: channel {ch:?} listed twice"));
            }
            if member.weight == 0 {
                problems.push(format!(
                    "group {name:?}: channel {ch:?} has weight 0 (remove it, or give it weight ≥ 1)"
                ));
            }
        }
        group_index.insert(name.as_str(), groups.len());
        let channels = group
            .channels
            .iter()
            .map(|m| (m.channel.clone(), m.weight))
            .collect();
        groups.push(Group {
            name: name.clone(),
            channels,
        });
    }
    let group_list = config.groups.keys().cloned().collect::<Vec<_>>().join(", ");

    if config.rules.is_empty() {
        problems.push(
            "no rules: every message would be rejected as unroutable; add at least one rule"
                .to_string(),
        );
    }
    let mut rules: Vec<Rule> = Vec::new();
    for (i, raw) in config.rules.iter().enumerate() {
        let mut rule = Rule {
            name: raw.name.clone(),
            accounts: raw.accounts.clone(),
            carriers: raw.carriers.clone(),
            provinces: Vec::new(),
            message_types: raw.message_types.clone(),
            prefixes: Vec::new(),
            countries: Vec::new(),
            abroad: false,
            groups: Vec::new(),
        };
        let label = rule.label(i);
        for p in &raw.provinces {
            match p.parse::<Province>() {
                Ok(prov) => rule.provinces.push(prov),
                Err(e) => problems.push(format!("{label}: {e}")),
            }
        }
        for c in &raw.countries {
            let upper = c.trim().to_ascii_uppercase();
            if country::is_known_region(&upper) {
                rule.countries.push(upper);
            } else {
                problems.push(format!(
                    "{label}: unknown country {c:?} (expected an ISO 3166-1 alpha-2 code such as CN, HK, US)"
                ));
            }
        }
        for p in &raw.prefixes {
            let digits = p.strip_prefix('+').unwrap_or(p);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                problems.push(format!(
                    "{label}: prefix {p:?} must be digits, optionally after +"
                ));
            } else {
                rule.prefixes.push(p.clone());
            }
        }
        if !rule.carriers.is_empty()
            && !rule.countries.is_empty()
            && !rule.countries.iter().any(|c| c == "CN")
        {
            problems.push(format!(
                "{label}: can never match: carriers only match mainland (CN) numbers, but countries excludes CN"
            ));
        }
        if raw.groups.is_empty() {
            problems.push(format!("{label}: no groups to route to"));
        }
        for g in &raw.groups {
            match group_index.get(g.as_str()) {
                Some(idx) if rule.groups.contains(idx) => {
                    problems.push(format!("{label}: group {g:?} listed twice"));
                }
                Some(idx) => rule.groups.push(*idx),
                None => problems.push(format!(
                    "{label}: unknown group {g:?} (known groups: {group_list})"
                )),
            }
        }
        // Judged on the rules as written: an invalid criterion must not make a rule look
        // catch-all and produce a second, misleading error.
        rule.abroad = reaches_abroad(&rule);
        // A catch-all covers the mainland only, so a rule naming other countries after it
        // still matches their numbers.
        let catch_all_before = config.rules[..i].iter().position(is_catch_all);
        if let Some(pos) = catch_all_before.filter(|_| !rule.abroad) {
            problems.push(format!(
                "{label}: can never match: {} before it matches every message",
                rules[pos].label(pos)
            ));
        }
        rules.push(rule);
    }
    for key in config.portability.ported_error_codes.keys() {
        if !known.contains(key.as_str()) && key.parse::<Carrier>().is_err() {
            problems.push(format!(
                "portability.ported_error_codes: {key:?} is neither a channel ({known_list}) nor a carrier"
            ));
        }
    }
    if problems.is_empty() {
        Ok((rules, groups))
    } else {
        Err(RoutingError::Config(problems.join("\n")))
    }
}
