//! The routing config (`[routing]` section) as written by operators.
//!
//! ```toml
//! [[routing.rules]]
//! name = "otp on mobile"
//! carriers = ["cmcc"]            # matches cmcc and mvno_cmcc numbers (host network)
//! message_types = ["otp"]
//! groups = ["cmcc-direct", "aggregator"]   # primary, then failover
//!
//! [[routing.rules]]
//! name = "everything else"
//! groups = ["aggregator"]
//!
//! [routing.groups.cmcc-direct]
//! channels = [{ channel = "cmcc-a", weight = 3 }, { channel = "cmcc-b" }]
//!
//! [routing.groups.aggregator]
//! channels = [{ channel = "agg-1" }]
//! ```
//!
//! A rule matches when every criterion it sets matches (an empty list matches anything); within
//! one criterion any listed value will do. Rules are tried in order and the first match wins.
//! Numbers outside the mainland match only rules that name them (`countries` other than `CN`,
//! or a `+` prefix other than `+86`): a catch-all covers mainland numbers, so `+44 …` is
//! refused (ESME_RINVDSTADR) unless a rule routes it to a channel that can deliver abroad.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::carrier::Carrier;
use super::error::RoutingError;
use crate::message::MessageType;

/// The routing section: ordered rules, the channel groups they name, portability settings.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RoutingConfig {
    /// Rules in priority order; the first that matches a message decides its groups.
    pub rules: Vec<RouteRule>,
    /// Channel groups by name.
    pub groups: BTreeMap<String, ChannelGroup>,
    /// Ported-number overrides and the error codes that teach them.
    pub portability: PortabilityConfig,
}

impl RoutingConfig {
    /// Checks the section against the configured upstream channel names without building a
    /// table: for the config loader, so `smppd` refuses to start on a bad routing section. The
    /// error lists every problem, each naming its rule index or group.
    pub fn validate(&self, known_channels: &[&str]) -> Result<(), RoutingError> {
        super::compile::compile(self, known_channels).map(|_| ())
    }
}

/// One routing rule.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RouteRule {
    /// A label for logs and `smppd route` output.
    #[serde(default)]
    pub name: Option<String>,
    /// Submitting accounts (`system_id`s).
    #[serde(default)]
    pub accounts: Vec<String>,
    /// Recipient carriers. A host operator (`cmcc`) also matches its MVNOs' numbers
    /// (`mvno_cmcc`), since they are delivered over its network; an MVNO name matches only
    /// that MVNO. Carrier criteria never match international numbers.
    #[serde(default)]
    pub carriers: Vec<Carrier>,
    /// Recipient provinces by short Chinese name (`广东`); validated against the 31 mainland
    /// names. Never matches numbers whose province is unknown.
    #[serde(default)]
    pub provinces: Vec<String>,
    /// Message types (`otp`, `marketing` …).
    #[serde(default)]
    pub message_types: Vec<MessageType>,
    /// Number prefixes: matched against the 11-digit national number for mainland numbers
    /// and the E.164 digits for others; a prefix written with `+` always matches E.164.
    #[serde(default)]
    pub prefixes: Vec<String>,
    /// Recipient countries, ISO 3166-1 alpha-2 (`CN`, `HK`, `US` …). A rule reaches numbers
    /// outside the mainland only by naming their country here or a `+` prefix.
    #[serde(default)]
    pub countries: Vec<String>,
    /// Channel groups in failover order: the first is the primary, the next take over only
    /// when every channel of the ones before is unavailable.
    pub groups: Vec<String>,
}

/// A set of channels sharing load by weight.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChannelGroup {
    /// The members.
    pub channels: Vec<WeightedChannel>,
}

/// A group member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeightedChannel {
    /// The upstream channel's configured name.
    pub channel: String,
    /// Its share of the group's traffic relative to the others' (default 1, at least 1).
    #[serde(default = "default_weight")]
    pub weight: u32,
}

fn default_weight() -> u32 {
    1
}

/// Portability settings (the `[routing.portability]` config section).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PortabilityConfig {
    /// The CSV file of ported numbers, read at start and appended to on every change.
    /// `None` keeps overrides in memory only (they are lost on restart).
    pub file: Option<PathBuf>,
    /// The receipt/submit error codes that mean "this number was ported away", keyed by channel
    /// name or by carrier name (`cmcc` …); a channel's own list wins over its carrier's. Codes
    /// compare case-insensitively, and numerically when both are numbers (`"006"` = `"6"`).
    pub ported_error_codes: BTreeMap<String, Vec<String>>,
}

impl PortabilityConfig {
    /// Whether `code`, reported by `channel` (an upstream of `carrier`), says the destination
    /// was ported away.
    pub fn is_ported_error(&self, channel: &str, carrier: Carrier, code: &str) -> bool {
        let list = self
            .ported_error_codes
            .get(channel)
            .or_else(|| self.ported_error_codes.get(carrier.host_network().as_str()));
        list.is_some_and(|codes| codes.iter().any(|c| same_code(c, code)))
    }
}

/// Error-code equality as carriers need it: trimmed, case-insensitive, and `006` equals `6`.
fn same_code(a: &str, b: &str) -> bool {
    let (a, b) = (a.trim(), b.trim());
    match (a.parse::<u64>(), b.parse::<u64>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a.eq_ignore_ascii_case(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ported_error_codes_by_channel_then_carrier() {
        let mut config = PortabilityConfig::default();
        config
            .ported_error_codes
            .insert("cmcc".into(), vec!["MK:0032".into(), "006".into()]);
        config
            .ported_error_codes
            .insert("ct-backup".into(), vec!["E125".into()]);
        assert!(config.is_ported_error("cm-a", Carrier::Cmcc, "mk:0032"));
        assert!(config.is_ported_error("cm-a", Carrier::MvnoCmcc, "6"));
        assert!(!config.is_ported_error("cm-a", Carrier::Cmcc, "7"));
        assert!(config.is_ported_error("ct-backup", Carrier::Ctcc, " E125 "));
        assert!(!config.is_ported_error("ct-a", Carrier::Ctcc, "E125"));
        let parsed: PortabilityConfig = toml::from_str(
            "file = \"/var/lib/smppd/ported.csv\"\n[ported_error_codes]\ncmcc = [\"MK:0032\"]\n",
        )
        .unwrap();
        assert!(parsed.is_ported_error("x", Carrier::Cmcc, "MK:0032"));
        assert!(toml::from_str::<PortabilityConfig>("fille = \"x\"").is_err());
    }
}
