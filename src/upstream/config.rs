//! Per-channel settings: how smppd binds to one carrier and how it treats that carrier's answers.
//!
//! Embedded by the config owner as `[[upstream.channel]]` tables. Every struct denies unknown
//! keys so a typo is a startup error rather than a silently ignored setting.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How the sessions of a channel are bound (SMPP 3.4 §4.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum BindMode {
    /// One `bind_transceiver` per session: submits and receipts share the connection.
    #[default]
    Trx,
    /// A `bind_transmitter` + `bind_receiver` pair per session, for carriers without TRX.
    TxRx,
}

/// What to do with a submit whose connection died before its `submit_sm_resp` arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum UnknownOutcomePolicy {
    /// Send it again on another session: nothing is lost, at most one window per lost session
    /// may be duplicated at the carrier.
    #[default]
    Resend,
    /// Give up and report [`SubmitOutcome::Unknown`](super::SubmitOutcome::Unknown): never a
    /// duplicate, but the message may or may not have been delivered.
    Fail,
}

/// How `source_addr` is built for submits on this channel.
///
/// Chinese carriers allocate a service code (e.g. `106900`) per channel; accounts get an
/// extension appended to it so that MO replies find their way back.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SourceAddrRule {
    /// Fixed service code put in front of every source address; `None` keeps the client's
    /// `source_addr` unchanged.
    pub service_code: Option<String>,
    /// Append the account's extension after the service code.
    pub append_extension: bool,
    /// Longest source address the carrier accepts; extensions are truncated to fit
    /// (SMPP 3.4 §5.2.8 caps `source_addr` at 20 characters plus NUL).
    pub max_len: usize,
    /// `source_addr_ton` to send; `None` keeps the client's.
    pub ton: Option<u8>,
    /// `source_addr_npi` to send; `None` keeps the client's.
    pub npi: Option<u8>,
}

/// Carrier statuses classed differently from [`StatusClass::of`](super::StatusClass::of)'s
/// defaults, because carriers misuse codes (e.g. vendor codes 0x400+ meaning "busy").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct StatusOverrides {
    /// Codes that mean "slow down and retry" (like ESME_RTHROTTLED).
    pub throttle: Vec<u32>,
    /// Codes worth retrying a bounded number of times, then failing over.
    pub transient: Vec<u32>,
    /// Codes that fail the message at once.
    pub permanent: Vec<u32>,
}

/// Per-channel message length limits that may force smppd to split a message itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct SplitRule {
    /// Largest `short_message` (octets, UDH included) this carrier accepts per part;
    /// `None` means the standard 140.
    pub max_octets: Option<usize>,
    /// Text the carrier appends to every message (typically a signature such as `【某某】`),
    /// whose room is reserved in the first part.
    pub appended_text: Option<String>,
}

/// One upstream carrier channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ChannelConfig {
    /// Channel name used by routing, metrics and the admin API.
    pub name: String,
    /// Carrier SMSC host name or address.
    pub host: String,
    /// Carrier SMSC port.
    pub port: u16,
    /// `system_id` for the bind (max 15 characters, SMPP 3.4 §5.2.1).
    pub system_id: String,
    /// `password` for the bind (max 8 characters).
    pub password: String,
    /// `system_type` for the bind.
    pub system_type: String,
    /// TRX sessions, or TX+RX pairs.
    pub bind_mode: BindMode,
    /// Sessions (or TX+RX pairs) kept bound.
    pub sessions: usize,
    /// Outstanding submits allowed per session before waiting for responses; also the
    /// receive window: carrier `deliver_sm`s a connection holds unanswered before it stops
    /// reading (the answer waits until the receipt is durable).
    pub window: usize,
    /// Submits per second allowed for the whole channel (the carrier's cap); 0 = unlimited.
    pub tps: u32,
    /// Source address rule.
    pub source_addr: SourceAddrRule,
    /// Splitting rule.
    pub split: SplitRule,
    /// Idle time after which an `enquire_link` is sent.
    #[serde(with = "humantime_serde")]
    pub enquire_link_interval: Duration,
    /// How long any request (bind, submit, enquire_link) may stay unanswered before the
    /// session is declared dead and closed.
    #[serde(with = "humantime_serde")]
    pub response_timeout: Duration,
    /// First reconnect delay.
    #[serde(with = "humantime_serde")]
    pub reconnect_min: Duration,
    /// Largest reconnect delay.
    #[serde(with = "humantime_serde")]
    pub reconnect_max: Duration,
    /// How long `send` waits for a free window slot on a bound session before giving up with
    /// [`SubmitOutcome::NotSent`](super::SubmitOutcome::NotSent) so the caller can fail over.
    #[serde(with = "humantime_serde")]
    pub queue_timeout: Duration,
    /// Unknown-outcome policy.
    pub on_unknown: UnknownOutcomePolicy,
    /// Retries of a transiently failed submit on this channel before failing over.
    pub transient_retries: u32,
    /// Throttle retries before the message is reported as throttled to the caller.
    pub throttle_retries: u32,
    /// Status class overrides.
    pub status_overrides: StatusOverrides,
    /// How this carrier writes receipt ids relative to its submit_sm_resp ids (hex vs
    /// decimal); the relay matches receipts accordingly.
    pub receipt_id_form: crate::text::dlr::ReceiptIdForm,
}

impl Default for ChannelConfig {
    fn default() -> Self {
        ChannelConfig {
            name: "default".into(),
            host: "127.0.0.1".into(),
            port: 2775,
            system_id: String::new(),
            password: String::new(),
            system_type: String::new(),
            bind_mode: BindMode::Trx,
            sessions: 1,
            window: 32,
            tps: 0,
            source_addr: SourceAddrRule {
                max_len: 20,
                ..SourceAddrRule::default()
            },
            split: SplitRule::default(),
            enquire_link_interval: Duration::from_secs(30),
            response_timeout: Duration::from_secs(10),
            reconnect_min: Duration::from_millis(200),
            reconnect_max: Duration::from_secs(30),
            queue_timeout: Duration::from_secs(5),
            on_unknown: UnknownOutcomePolicy::Resend,
            transient_retries: 2,
            throttle_retries: 50,
            status_overrides: StatusOverrides::default(),
            receipt_id_form: crate::text::dlr::ReceiptIdForm::Same,
        }
    }
}

/// A setting that cannot work, found by [`ChannelConfig::validate`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("upstream channel {channel:?}: {reason}")]
pub struct ChannelConfigError {
    /// The channel's name.
    pub channel: String,
    /// What is wrong.
    pub reason: String,
}

impl ChannelConfig {
    /// Checks the limits SMPP 3.4 and the channel machinery rely on.
    pub fn validate(&self) -> Result<(), ChannelConfigError> {
        let fail = |reason: String| {
            Err(ChannelConfigError {
                channel: self.name.clone(),
                reason,
            })
        };
        if self.name.is_empty() {
            return fail("name must not be empty".into());
        }
        // SMPP 3.4 §4.1.1: system_id C(16), password C(9), system_type C(13), NUL included.
        if self.system_id.len() > 15 {
            return fail("system_id is longer than 15 characters".into());
        }
        if self.password.len() > 8 {
            return fail("password is longer than 8 characters".into());
        }
        if self.system_type.len() > 12 {
            return fail("system_type is longer than 12 characters".into());
        }
        if self.sessions == 0 {
            return fail("sessions must be at least 1".into());
        }
        if self.window == 0 {
            return fail("window must be at least 1".into());
        }
        if self.reconnect_min.is_zero() || self.reconnect_max < self.reconnect_min {
            return fail("need 0 < reconnect_min <= reconnect_max".into());
        }
        if self.response_timeout.is_zero() || self.enquire_link_interval.is_zero() {
            return fail("response_timeout and enquire_link_interval must be positive".into());
        }
        if let Some(code) = &self.source_addr.service_code {
            if code.len() > self.source_addr.max_len.min(20) {
                return fail(format!(
                    "service code {code:?} is longer than the source address"
                ));
            }
        }
        if let Some(max) = self.split.max_octets {
            if !(16..=140).contains(&max) {
                return fail("split.max_octets must be within 16..=140".into());
            }
        }
        Ok(())
    }

    /// `host:port` for connecting.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_full_channel_table() {
        let cfg: ChannelConfig = toml::from_str(
            r#"
            name = "cmcc-1"
            host = "10.0.0.1"
            port = 7890
            system_id = "sp1"
            password = "pw"
            bind_mode = "tx_rx"
            sessions = 4
            window = 16
            tps = 300
            enquire_link_interval = "15s"
            response_timeout = "5s"
            reconnect_min = "100ms"
            reconnect_max = "1m"
            on_unknown = "fail"
            [source_addr]
            service_code = "106900"
            append_extension = true
            max_len = 20
            [split]
            max_octets = 134
            appended_text = "【签名】"
            [status_overrides]
            throttle = [1025]
            "#,
        )
        .unwrap();
        assert_eq!(cfg.bind_mode, BindMode::TxRx);
        assert_eq!(cfg.enquire_link_interval, Duration::from_secs(15));
        assert_eq!(cfg.on_unknown, UnknownOutcomePolicy::Fail);
        assert_eq!(cfg.status_overrides.throttle, vec![1025]);
        cfg.validate().unwrap();
    }

    #[test]
    fn rejects_unknown_keys_and_bad_limits() {
        assert!(toml::from_str::<ChannelConfig>("name = \"x\"\nwindw = 3").is_err());
        let cfg = ChannelConfig {
            password: "much-too-long".into(),
            ..ChannelConfig::default()
        };
        assert!(cfg.validate().is_err());
        let cfg = ChannelConfig {
            window: 0,
            ..ChannelConfig::default()
        };
        assert!(cfg.validate().is_err());
    }
}
