//! Simulator settings (`smppd sim --config FILE`, or built in tests).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How the simulator writes carrier message ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum IdFormat {
    /// Upper-case hex, e.g. `1A2B3C`.
    #[default]
    Hex,
    /// Lower-case hex, e.g. `1a2b3c`.
    HexLower,
    /// Decimal, e.g. `1715004`.
    Decimal,
    /// Decimal zero-padded to 20 digits (carriers that pad receipt ids).
    DecimalPadded,
}

impl IdFormat {
    /// `n` written in this format.
    pub fn format(self, n: u64) -> String {
        match self {
            IdFormat::Hex => format!("{n:X}"),
            IdFormat::HexLower => format!("{n:x}"),
            IdFormat::Decimal => n.to_string(),
            IdFormat::DecimalPadded => format!("{n:020}"),
        }
    }
}

/// A bind the simulator accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimAccount {
    /// Expected `system_id`.
    pub system_id: String,
    /// Expected `password`.
    pub password: String,
}

/// Periodic mobile-originated messages sent to every bound receiver.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoConfig {
    /// Time between MO messages.
    #[serde(with = "humantime_serde")]
    pub every: Duration,
    /// The subscriber's number (`source_addr`).
    pub source_addr: String,
    /// The service code + extension replied to (`destination_addr`).
    pub destination_addr: String,
    /// The reply text (sent as UCS2 when not ASCII).
    pub text: String,
}

/// Everything the simulator can be told to do.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SimConfig {
    /// Listen address; port 0 picks a free one (see [`SimHandle::addr`](super::SimHandle::addr)).
    pub listen: SocketAddr,
    /// `system_id` the simulator returns in bind responses.
    pub system_id: String,
    /// Accepted binds; empty accepts any credentials.
    pub accounts: Vec<SimAccount>,
    /// Delay before each `submit_sm_resp`.
    #[serde(with = "humantime_serde")]
    pub response_latency: Duration,
    /// Delay between a submit and its delivery receipt.
    #[serde(with = "humantime_serde")]
    pub receipt_delay: Duration,
    /// Send a receipt even when the submit's registered_delivery did not ask for one.
    pub always_receipt: bool,
    /// Fraction (0–1) of submits rejected in `submit_sm_resp` with `reject_status`.
    pub reject_rate: f64,
    /// Status used for rejected submits (default ESME_RSUBMITFAIL 0x45).
    pub reject_status: u32,
    /// Fraction (0–1) of accepted submits whose receipt says UNDELIV.
    pub undeliverable_rate: f64,
    /// Answer every Nth submit with ESME_RTHROTTLED (0 = never).
    pub throttle_every: u64,
    /// Answer ESME_RTHROTTLED to submits above this rate per second over all binds (0 = never).
    pub throttle_above_tps: u32,
    /// Format of the message id in `submit_sm_resp`.
    pub message_id_format: IdFormat,
    /// Format of the same id in receipts (`receipted_message_id` and `id:` text); `None` =
    /// same as `message_id_format`. Real carriers disagree between the two.
    pub receipt_id_format: Option<IdFormat>,
    /// Periodic MO generation.
    pub mo: Option<MoConfig>,
    /// Start hung: accept TCP connections but answer nothing.
    pub hang: bool,
    /// Append each accepted submit as a JSON line to this file.
    pub record_file: Option<PathBuf>,
    /// Keep at most this many submits in the in-memory record (the counters go on counting).
    pub record_limit: usize,
    /// Seed for the failure/undelivered dice (fixed so test runs repeat).
    pub seed: u64,
    /// Like a real SMSC, a `deliver_sm` (receipt or MO) answered with an error status is sent
    /// again after this delay; one unanswered when its connection closes is sent again at
    /// once to another (or the next) receiver bind of the account.
    #[serde(with = "humantime_serde")]
    pub redeliver_delay: Duration,
    /// Send every receipt twice, as some SMSCs do (a receipt is at-least-once).
    pub duplicate_receipts: bool,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            system_id: "smppd-sim".into(),
            accounts: Vec::new(),
            response_latency: Duration::ZERO,
            receipt_delay: Duration::from_millis(10),
            always_receipt: false,
            reject_rate: 0.0,
            reject_status: 0x45,
            undeliverable_rate: 0.0,
            throttle_every: 0,
            throttle_above_tps: 0,
            message_id_format: IdFormat::Hex,
            receipt_id_format: None,
            mo: None,
            hang: false,
            record_file: None,
            record_limit: 1_000_000,
            seed: 1,
            redeliver_delay: Duration::from_secs(1),
            duplicate_receipts: false,
        }
    }
}

impl SimConfig {
    /// Reads a TOML file.
    pub fn from_file(path: &std::path::Path) -> Result<SimConfig, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        toml::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_toml_and_formats_ids() {
        let cfg: SimConfig = toml::from_str(
            r#"
            listen = "127.0.0.1:2775"
            response_latency = "5ms"
            throttle_above_tps = 500
            message_id_format = "hex"
            receipt_id_format = "decimal"
            [[accounts]]
            system_id = "cmcc"
            password = "pw"
            [mo]
            every = "1s"
            source_addr = "13800138000"
            destination_addr = "10690001"
            text = "TD"
            "#,
        )
        .unwrap();
        assert_eq!(cfg.response_latency, Duration::from_millis(5));
        assert_eq!(cfg.receipt_id_format, Some(IdFormat::Decimal));
        assert_eq!(IdFormat::Hex.format(255), "FF");
        assert_eq!(IdFormat::DecimalPadded.format(255).len(), 20);
        assert!(toml::from_str::<SimConfig>("latency = \"1s\"").is_err());
    }
}
