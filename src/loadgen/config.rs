//! [`BenchConfig`]: what one `smppd bench` run does. The same struct is the clap argument
//! group of the subcommand and a serde table, so a run can be scripted from TOML/JSON too.

use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How each session binds (SMPP 3.4 §2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum BindMode {
    /// One bind_transceiver per session: submits and receipts on the same connection.
    #[default]
    Trx,
    /// A bind_transmitter for submits plus a bind_receiver for receipts per session, as
    /// older carrier platforms require.
    TxRx,
}

/// The texts submitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum TextKind {
    /// English verification codes in the GSM 7-bit alphabet (data_coding 0), one segment.
    Gsm7,
    /// Chinese notices with a 【签名】 signature in UCS-2 (data_coding 8), one segment.
    #[default]
    Ucs2,
    /// Chinese marketing texts of 2–3 UCS-2 segments tied by a UDH (IEI 0x00).
    Long,
    /// The three above in turn.
    Mix,
}

/// Where numbers are written in destination_addr (smpp34-reference §6, TON/NPI).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum NumberFormat {
    /// `13800138000`, TON 0 / NPI 1: what most Chinese platforms expect.
    #[default]
    National,
    /// `8613800138000`, TON 1 / NPI 1.
    E164,
}

/// One load run: the target, the sessions and the work to submit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, clap::Args)]
#[serde(default, deny_unknown_fields)]
pub struct BenchConfig {
    /// SMPP server to load, host:port.
    #[arg(long, default_value = "127.0.0.1:2775")]
    pub target: String,
    /// system_id of every bind.
    #[arg(long, default_value = "bench")]
    pub system_id: String,
    /// password of every bind.
    #[arg(long, default_value = "bench")]
    pub password: String,
    /// system_type of every bind.
    #[arg(long, default_value = "")]
    pub system_type: String,
    /// Number of sessions (each a TRX, or a TX+RX pair).
    #[arg(long, default_value_t = 4)]
    pub sessions: usize,
    /// Bind mode of each session.
    #[arg(long, value_enum, default_value_t = BindMode::Trx)]
    pub bind: BindMode,
    /// Outstanding submit_sm (sent, no response yet) allowed per session.
    #[arg(long, default_value_t = 64)]
    pub window: usize,
    /// Messages (texts) to submit; a long text is several submit_sm.
    #[arg(long, default_value_t = 10_000)]
    pub messages: u64,
    /// Target submit_sm per second over all sessions; 0 = as fast as the windows allow.
    #[arg(long, default_value_t = 0.0)]
    pub rate: f64,
    /// Which texts to send.
    #[arg(long, value_enum, default_value_t = TextKind::Ucs2)]
    pub text: TextKind,
    /// registered_delivery of every submit_sm (1 = receipt on final state, SMPP 3.4 §5.2.17).
    #[arg(long, default_value_t = 1)]
    pub registered_delivery: u8,
    /// source_addr of every submit_sm (a 106 service code).
    #[arg(long, default_value = "10690001")]
    pub source_addr: String,
    /// How destination numbers are written.
    #[arg(long, value_enum, default_value_t = NumberFormat::National)]
    pub number_format: NumberFormat,
    /// After the last submit_sm_resp, how long to wait for outstanding receipts.
    #[arg(long, default_value = "10s", value_parser = humantime_serde::re::humantime::parse_duration)]
    #[serde(with = "humantime_serde")]
    pub receipt_wait: Duration,
    /// Limit on connecting and on each bind/unbind exchange.
    #[arg(long, default_value = "5s", value_parser = humantime_serde::re::humantime::parse_duration)]
    #[serde(with = "humantime_serde")]
    pub connect_timeout: Duration,
    /// Seed of the recipient and text choice (the same seed gives the same messages).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// After the submits and receipts, keep every session bound (answering the server's
    /// enquire_link) this long before unbinding: with `--messages 0`, a set of idle binds
    /// whose memory cost on the server can be measured (benches/idle-binds.sh).
    #[arg(long, default_value = "0s", value_parser = humantime_serde::re::humantime::parse_duration)]
    #[serde(with = "humantime_serde")]
    pub hold: Duration,
}

impl Default for BenchConfig {
    fn default() -> Self {
        BenchConfig {
            target: "127.0.0.1:2775".into(),
            system_id: "bench".into(),
            password: "bench".into(),
            system_type: String::new(),
            sessions: 4,
            bind: BindMode::Trx,
            window: 64,
            messages: 10_000,
            rate: 0.0,
            text: TextKind::Ucs2,
            registered_delivery: 1,
            source_addr: "10690001".into(),
            number_format: NumberFormat::National,
            receipt_wait: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            seed: 1,
            hold: Duration::ZERO,
        }
    }
}

impl BenchConfig {
    /// Whether receipts are requested at all (bits 1–0 of registered_delivery).
    pub fn wants_receipts(&self) -> bool {
        self.registered_delivery & 0x03 != 0
    }
}
