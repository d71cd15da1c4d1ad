//! Policy configuration: the global [`PolicySettings`] and the per-account
//! [`AccountPolicy`], as serde structs the config root embeds.
//!
//! Defaults follow `cn-sms-rules.md` (§5 frequency limits, §5 marketing window,
//! §4 unsubscribe wording); every value can be overridden.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::message::MessageType;

/// Global policy settings (`[policy]` in the TOML config).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicySettings {
    /// Use the keyword, allow and unsubscribe lists shipped in `deploy/policy/`
    /// (compiled in) in addition to the files below.
    pub builtin_lists: bool,
    /// Extra keyword list files: one phrase per line, `#` comments; the category is
    /// the file stem unless a line is `category: phrase`.
    pub keyword_files: Vec<PathBuf>,
    /// Allow-list files: phrases that are never banned (known false positives).
    pub allow_files: Vec<PathBuf>,
    /// Regex rules run over the width/case-folded text.
    pub regex_rules: Vec<RegexRule>,
    /// Extra unsubscribe phrases a marketing text may contain (added to the built-ins).
    pub unsubscribe_phrases: Vec<String>,
    /// Marketing sending window in Beijing time; `None` = any time.
    pub marketing_hours: Option<HoursWindow>,
    /// Per-recipient frequency limits per message type.
    pub frequency: FrequencySettings,
    /// Segments-independent cap of messages per number per Beijing day over all accounts
    /// (`None` = no cap). Default 40 (cn-sms-rules.md §5).
    pub recipient_daily_cap: Option<u32>,
    /// Identical text to the same number is refused within this window (0 = off).
    #[serde(with = "humantime_serde")]
    pub same_content_window: Duration,
    /// A concatenated set still incomplete after this long is rejected.
    #[serde(with = "humantime_serde")]
    pub concat_timeout: Duration,
    /// Most concatenated sets held open at once (memory bound).
    pub concat_max_open: usize,
    /// Most recipient numbers tracked for frequency limits (memory bound).
    pub max_tracked_recipients: usize,
    /// Opt-out list file (global and per-account entries), rewritten on change.
    pub opt_out_file: Option<PathBuf>,
    /// Message types an opt-out blocks. Default: marketing only, as MIIT order 31 and
    /// the clouds apply it (an `R` reply never blocks verification codes).
    pub opt_out_types: Vec<MessageType>,
}

impl Default for PolicySettings {
    fn default() -> Self {
        PolicySettings {
            builtin_lists: true,
            keyword_files: Vec::new(),
            allow_files: Vec::new(),
            regex_rules: vec![
                RegexRule::default_short_links(),
                RegexRule::default_otp_links(),
                RegexRule::default_otp_promotion(),
            ],
            unsubscribe_phrases: Vec::new(),
            marketing_hours: Some(HoursWindow {
                start: ClockTime(8 * 60),
                end: ClockTime(21 * 60),
            }),
            frequency: FrequencySettings::default(),
            recipient_daily_cap: Some(40),
            same_content_window: Duration::from_secs(30),
            concat_timeout: Duration::from_secs(60),
            concat_max_open: 100_000,
            max_tracked_recipients: 1_000_000,
            opt_out_file: None,
            opt_out_types: vec![MessageType::Marketing],
        }
    }
}

/// A regex rule: a match rejects the text with `forbidden_pattern` unless the
/// named capture group `domain` (or, without it, the whole match) is allowed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegexRule {
    /// Rule name, reported as `regex:<name>`.
    pub name: String,
    /// The pattern (Rust `regex` syntax) matched against the width/case-folded text.
    pub pattern: String,
    /// Allowed values: the `domain` group equals an entry or ends with `.entry`.
    #[serde(default)]
    pub allow: Vec<String>,
    /// The message types the rule applies to; empty = every type.
    #[serde(default)]
    pub message_types: Vec<MessageType>,
}

impl RegexRule {
    /// Default rule: links to well-known URL shorteners and free short-link
    /// domains (carriers refuse them: cn-sms-rules.md §3, links only as registered
    /// constants). Operators add their own registered domains to `allow`.
    pub fn default_short_links() -> RegexRule {
        RegexRule {
            name: "short_link".to_string(),
            pattern: r"(?:https?://)?(?P<domain>(?:[a-z0-9-]+\.)*(?:t\.cn|dwz\.cn|url\.cn|suo\.im|bit\.ly|tinyurl\.com|goo\.gl|is\.gd|ow\.ly|t\.co|w\.url\.cn|[a-z0-9-]{1,8}\.(?:top|xyz|vip|cc|tk|ml|ga|cf|gq|icu|club|site|online|fun|link)))(?:[/?#][!-~]*)?".to_string(),
            allow: Vec::new(),
            message_types: Vec::new(),
        }
    }

    /// Default rule: no link at all in a verification code (cn-sms-rules.md §3: "one
    /// code + purpose + validity; no links"), which phishing pages imitate. A URL is a
    /// scheme or `www.` address, or a domain followed by a path (an e-mail address or
    /// a bare domain name is not a link).
    pub fn default_otp_links() -> RegexRule {
        RegexRule {
            name: "otp_link".to_string(),
            pattern: r"(?:https?://|www\.)[!-~]+|(?:[a-z0-9-]+\.)+[a-z]{2,}/[!-~]*".to_string(),
            allow: Vec::new(),
            message_types: vec![MessageType::Otp],
        }
    }

    /// Default rule: no marketing words in a verification code (cn-sms-rules.md §3).
    /// A promotion sent as otp would skip the unsubscribe wording, the marketing hours,
    /// the opt-out list and the 3/day limit. Only unmistakable sales calls are listed,
    /// so a code for a purchase or a points payment still passes.
    pub fn default_otp_promotion() -> RegexRule {
        RegexRule {
            name: "otp_promotion".to_string(),
            pattern: concat!(
                "促销|特价|打折|[0-9一二三四五六七八九]折|抢购|秒杀|大促|",
                "满[0-9]+减|包邮|低至|清仓|全场|新品上市|限时优惠"
            )
            .to_string(),
            allow: Vec::new(),
            message_types: vec![MessageType::Otp],
        }
    }
}

/// A time of day, `HH:MM`, stored as minutes since midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClockTime(pub u32);

impl TryFrom<String> for ClockTime {
    type Error = String;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        let bad = || format!("time of day must be HH:MM (00:00–24:00), got {s:?}");
        let (h, m) = s.trim().split_once(':').ok_or_else(bad)?;
        let h: u32 = h.parse().map_err(|_| bad())?;
        let m: u32 = m.parse().map_err(|_| bad())?;
        if m >= 60 || h > 24 || (h == 24 && m != 0) {
            return Err(bad());
        }
        Ok(ClockTime(h * 60 + m))
    }
}

impl From<ClockTime> for String {
    fn from(t: ClockTime) -> String {
        format!("{:02}:{:02}", t.0 / 60, t.0 % 60)
    }
}

/// A daily window `[start, end)` in Beijing time; `start > end` wraps midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HoursWindow {
    /// First allowed minute.
    pub start: ClockTime,
    /// First minute no longer allowed.
    pub end: ClockTime,
}

impl HoursWindow {
    /// Whether `minute_of_day` (Beijing) falls in the window.
    pub fn contains(&self, minute_of_day: u32) -> bool {
        let (s, e) = (self.start.0, self.end.0);
        if s <= e {
            (s..e).contains(&minute_of_day)
        } else {
            minute_of_day >= s || minute_of_day < e
        }
    }
}

/// At most `count` messages per sliding `per` window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RateLimit {
    /// Messages allowed in the window.
    pub count: u32,
    /// Window length (humantime: `1m`, `1h`, `1day`).
    #[serde(with = "humantime_serde")]
    pub per: Duration,
}

impl RateLimit {
    const fn new(count: u32, per_secs: u64) -> RateLimit {
        RateLimit {
            count,
            per: Duration::from_secs(per_secs),
        }
    }
}

/// Per-recipient limits per message type (cn-sms-rules.md §5 suggested defaults).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FrequencySettings {
    /// Verification codes: 1/min, 5/h, 10/day.
    pub otp: Vec<RateLimit>,
    /// System notices: 50/day.
    pub system_notice: Vec<RateLimit>,
    /// Business notices: 50/day.
    pub business_notice: Vec<RateLimit>,
    /// Member service: 50/day.
    pub member_service: Vec<RateLimit>,
    /// Marketing: 3/day (carrier-level rule).
    pub marketing: Vec<RateLimit>,
    /// Count `marketing` per number over all accounts (default): the 3/day is the
    /// carrier's rule per number, and the carrier sees this gateway as one sender.
    /// `false` counts per account, like the other types.
    pub marketing_across_accounts: bool,
    /// Other: 50/day.
    pub other: Vec<RateLimit>,
}

const DAY: u64 = 86_400;

impl Default for FrequencySettings {
    fn default() -> Self {
        FrequencySettings {
            otp: vec![
                RateLimit::new(1, 60),
                RateLimit::new(5, 3600),
                RateLimit::new(10, DAY),
            ],
            system_notice: vec![RateLimit::new(50, DAY)],
            business_notice: vec![RateLimit::new(50, DAY)],
            member_service: vec![RateLimit::new(50, DAY)],
            marketing: vec![RateLimit::new(3, DAY)],
            marketing_across_accounts: true,
            other: vec![RateLimit::new(50, DAY)],
        }
    }
}

impl FrequencySettings {
    /// The longest window of any type (how long per-recipient history is kept).
    pub fn longest_window(&self) -> Duration {
        MessageType::ALL
            .iter()
            .flat_map(|t| self.for_type(*t))
            .map(|r| r.per)
            .max()
            .unwrap_or_default()
    }

    /// The limits for one message type.
    pub fn for_type(&self, t: MessageType) -> &[RateLimit] {
        match t {
            MessageType::Otp => &self.otp,
            MessageType::SystemNotice => &self.system_notice,
            MessageType::BusinessNotice => &self.business_notice,
            MessageType::MemberService => &self.member_service,
            MessageType::Marketing => &self.marketing,
            MessageType::Other => &self.other,
        }
    }
}

/// Which brackets may delimit a signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum SignatureBrackets {
    /// Only 【】 (U+3010/U+3011), as carriers require.
    #[default]
    Lenticular,
    /// 【】, and `[ ]` when the whole text is ASCII (e.g. English-only senders).
    LenticularOrAsciiSquare,
}

/// Per-account policy (`[accounts.<id>.policy]`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AccountPolicy {
    /// Segments per second (token bucket refill rate); 0 = unlimited.
    pub tps: u32,
    /// Bucket size in segments; `None` = max(1, tps/10) — a small burst.
    pub burst: Option<u32>,
    /// Optional per-bind TPS (each bind its own bucket).
    pub bind_tps: Option<u32>,
    /// Per-bind bucket size; `None` = max(1, bind_tps/10).
    pub bind_burst: Option<u32>,
    /// Segments per Beijing calendar day; `None` = unlimited.
    pub daily_cap: Option<u64>,
    /// Segments per Beijing calendar month; `None` = unlimited.
    pub monthly_cap: Option<u64>,
    /// Registered signatures, without brackets (e.g. `腾讯云`).
    pub signatures: Vec<String>,
    /// Which brackets are accepted.
    pub brackets: SignatureBrackets,
    /// Type used when neither a template nor `service_type` says otherwise.
    pub default_message_type: MessageType,
    /// Only texts matching one of `templates` are accepted.
    pub templates_only: bool,
    /// Approved templates.
    pub templates: Vec<TemplateSpec>,
    /// Longest text accepted, in characters as billed: a non-BMP character (emoji) counts 2
    /// (cn-sms-rules.md §6: 500, some 1000).
    pub max_chars: usize,
    /// Individual checks on/off.
    pub checks: Checks,
}

impl Default for AccountPolicy {
    fn default() -> Self {
        AccountPolicy {
            tps: 100,
            burst: None,
            bind_tps: None,
            bind_burst: None,
            daily_cap: None,
            monthly_cap: None,
            signatures: Vec::new(),
            brackets: SignatureBrackets::default(),
            default_message_type: MessageType::BusinessNotice,
            templates_only: false,
            templates: Vec::new(),
            max_chars: 1000,
            checks: Checks::default(),
        }
    }
}

/// An approved template: `您的验证码是${code:digits(4,8)}` (see `policy::template`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TemplateSpec {
    /// Template id, reported in verdicts.
    pub id: String,
    /// The template text with `${name:type}` variables.
    pub text: String,
    /// The message type texts matching this template have.
    pub message_type: MessageType,
}

/// Per-account switches; all on by default.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Checks {
    /// Signature presence and registration.
    pub signature: bool,
    /// Banned keywords and regex rules.
    pub content: bool,
    /// Unsubscribe text rules.
    pub unsubscribe: bool,
    /// Marketing sending hours.
    pub sending_hours: bool,
    /// Opt-out lists.
    pub opt_out: bool,
    /// Per-recipient frequency limits.
    pub frequency: bool,
    /// Same content to the same number window.
    pub duplicate: bool,
    /// Cross-account daily cap per number.
    pub recipient_daily_cap: bool,
}

impl Default for Checks {
    fn default() -> Self {
        Checks {
            signature: true,
            content: true,
            unsubscribe: true,
            sending_hours: true,
            opt_out: true,
            frequency: true,
            duplicate: true,
            recipient_daily_cap: true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn toml_round_trip_and_unknown_fields_rejected() {
        let s: PolicySettings = toml::from_str(
            r#"
            marketing_hours = { start = "09:00", end = "20:30" }
            same_content_window = "45s"
            [frequency]
            otp = [{ count = 2, per = "1m" }]
            "#,
        )
        .unwrap();
        assert_eq!(s.marketing_hours.unwrap().end, ClockTime(20 * 60 + 30));
        assert_eq!(s.same_content_window, Duration::from_secs(45));
        assert_eq!(s.frequency.otp, vec![RateLimit::new(2, 60)]);
        assert_eq!(s.frequency.marketing, vec![RateLimit::new(3, DAY)]);
        assert!(toml::from_str::<PolicySettings>("bogus = 1").is_err());
        assert!(toml::from_str::<PolicySettings>(
            "marketing_hours = { start = \"25:00\", end = \"20:00\" }"
        )
        .is_err());
        let a: AccountPolicy =
            toml::from_str("tps = 5\nsignatures = [\"腾讯云\"]\ndefault_message_type = \"otp\"")
                .unwrap();
        assert_eq!(a.default_message_type, MessageType::Otp);
        assert!(a.checks.signature);
        assert!(toml::from_str::<AccountPolicy>("tpss = 5").is_err());
    }

    #[test]
    fn window_wraps_midnight() {
        let day = HoursWindow {
            start: ClockTime(8 * 60),
            end: ClockTime(21 * 60),
        };
        assert!(day.contains(8 * 60));
        assert!(!day.contains(21 * 60));
        assert!(!day.contains(3 * 60));
        let night = HoursWindow {
            start: ClockTime(22 * 60),
            end: ClockTime(6 * 60),
        };
        assert!(night.contains(23 * 60) && night.contains(0) && !night.contains(12 * 60));
    }
}
