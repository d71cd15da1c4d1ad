//! Prometheus metrics: one [`Metrics`] value built at start and passed to whoever records
//! (no global registry), rendered in the text format on the admin listener's `/metrics`.
//!
//! Two kinds of metrics:
//! - **instrumented** on the message path, where no module keeps a counter already:
//!   [`Metrics::record_submit`], [`Metrics::record_final`], [`Metrics::observe_upstream_submit`];
//! - **collected at scrape time** from counters the modules keep anyway
//!   ([`Sources`]: `Policy::rejections_snapshot`, `ChannelSet::status`,
//!   `MessageStore::queue_depth`/`receipt_backlog`/`commit_stats`, bind counts), so the hot
//!   path pays nothing for them.
//!
//! Naming follows Prometheus conventions: base units in names (`_seconds`, `_bytes`),
//! `_total` on counters, and labels of low cardinality only (account, channel, reason,
//! state — never a phone number or a message id). Every name is listed in
//! [`METRIC_NAMES`] (the deploy tests check alert rules and dashboards against it).

mod collect;
mod mask;

use std::time::Duration;

use prometheus::{
    Encoder, HistogramOpts, HistogramVec, IntCounter, IntCounterVec, IntGaugeVec, Opts, Registry,
    TextEncoder,
};

pub use collect::{BindCount, Sources};
pub use mask::{mask_msisdn, MaskedMsisdn, MaskedText};

use crate::store::FinalState;

/// Every metric family smppd exports (process metrics come from the `process` collector).
pub const METRIC_NAMES: &[&str] = &[
    "smppd_build_info",
    "smppd_binds",
    "smppd_submit_total",
    "smppd_rejected_total",
    "smppd_receipts_total",
    "smppd_upstream_channel_state",
    "smppd_upstream_channel_available",
    "smppd_upstream_sessions",
    "smppd_upstream_sessions_bound",
    "smppd_upstream_window_in_use",
    "smppd_upstream_window_capacity",
    "smppd_upstream_parts_total",
    "smppd_upstream_receipts_total",
    "smppd_upstream_disconnects_total",
    "smppd_upstream_submit_duration_seconds",
    "smppd_queue_messages",
    "smppd_queue_bytes",
    "smppd_queue_oldest_age_seconds",
    "smppd_receipt_backlog",
    "smppd_store_commits_total",
    "smppd_store_commit_requests_total",
    "smppd_store_commit_seconds_total",
    "smppd_store_last_commit_seconds",
    "smppd_scrape_errors_total",
    "process_cpu_seconds_total",
    "process_open_fds",
    "process_max_fds",
    "process_virtual_memory_bytes",
    "process_resident_memory_bytes",
    "process_start_time_seconds",
    "process_threads",
];

/// Why the metrics could not be built or rendered.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    /// A metric could not be created or registered (a programming error: duplicate name).
    #[error("prometheus: {0}")]
    Prometheus(#[from] prometheus::Error),
    /// The text encoding produced invalid UTF-8.
    #[error("metrics text is not UTF-8")]
    Encoding,
}

/// The submit result label of `smppd_submit_total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitResult {
    /// Got a message_id.
    Accepted,
    /// Answered with an error status.
    Rejected,
}

impl SubmitResult {
    const fn as_str(self) -> &'static str {
        match self {
            SubmitResult::Accepted => "accepted",
            SubmitResult::Rejected => "rejected",
        }
    }
}

/// The label of a final state in `smppd_receipts_total` (lower case, stable).
pub const fn final_state_label(state: FinalState) -> &'static str {
    match state {
        FinalState::Delivered => "delivered",
        FinalState::Undeliverable => "undeliverable",
        FinalState::Expired => "expired",
        FinalState::Rejected => "rejected",
        FinalState::Deleted => "deleted",
        FinalState::Unknown => "unknown",
    }
}

/// The process's metrics. Cheap to share behind an `Arc`; recording is lock-free.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    submits: IntCounterVec,
    finals: IntCounterVec,
    upstream_latency: HistogramVec,
    pub(crate) scraped: collect::Scraped,
}

fn counter_vec(
    r: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
) -> prometheus::Result<IntCounterVec> {
    let c = IntCounterVec::new(Opts::new(name, help), labels)?;
    r.register(Box::new(c.clone()))?;
    Ok(c)
}

fn gauge_vec(
    r: &Registry,
    name: &str,
    help: &str,
    labels: &[&str],
) -> prometheus::Result<IntGaugeVec> {
    let g = IntGaugeVec::new(Opts::new(name, help), labels)?;
    r.register(Box::new(g.clone()))?;
    Ok(g)
}

fn counter(r: &Registry, name: &str, help: &str) -> prometheus::Result<IntCounter> {
    let c = IntCounter::new(name, help)?;
    r.register(Box::new(c.clone()))?;
    Ok(c)
}

impl Metrics {
    /// Builds every metric on a fresh registry, with the process collector (CPU, memory,
    /// file descriptors; Linux only, absent elsewhere).
    pub fn new() -> Result<Metrics, MetricsError> {
        let r = Registry::new();
        #[cfg(target_os = "linux")]
        r.register(Box::new(
            prometheus::process_collector::ProcessCollector::for_self(),
        ))?;
        let info = gauge_vec(
            &r,
            "smppd_build_info",
            "smppd version (always 1).",
            &["version"],
        )?;
        info.with_label_values(&[env!("CARGO_PKG_VERSION")]).set(1);
        let submits = counter_vec(
            &r,
            "smppd_submit_total",
            "submit_sm handled, by account and result (accepted = got a message_id).",
            &["account", "result"],
        )?;
        let finals = counter_vec(
            &r,
            "smppd_receipts_total",
            "Messages that reached a final state, by state (carrier receipt or smppd-generated).",
            &["state"],
        )?;
        let upstream_latency = HistogramVec::new(
            HistogramOpts::new(
                "smppd_upstream_submit_duration_seconds",
                "Time from handing a message to a channel to the carrier's last submit_sm_resp.",
            )
            .buckets(vec![
                0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0,
            ]),
            &["channel"],
        )?;
        r.register(Box::new(upstream_latency.clone()))?;
        let scraped = collect::Scraped::register(&r)?;
        Ok(Metrics {
            registry: r,
            submits,
            finals,
            upstream_latency,
            scraped,
        })
    }

    /// The underlying registry (to register more collectors).
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// Counts one `submit_sm` answered (call after `submit_sm_resp` is decided).
    pub fn record_submit(&self, account: &str, result: SubmitResult) {
        self.submits
            .with_label_values(&[account, result.as_str()])
            .inc();
    }

    /// Counts a message that became final (call when `MessageStore::finalize` answers
    /// `Finalized`, so duplicates of a receipt are not counted twice).
    pub fn record_final(&self, state: FinalState) {
        self.finals
            .with_label_values(&[final_state_label(state)])
            .inc();
    }

    /// Records how long one send on `channel` took (all parts, until the last response).
    pub fn observe_upstream_submit(&self, channel: &str, took: Duration) {
        self.upstream_latency
            .with_label_values(&[channel])
            .observe(took.as_secs_f64());
    }

    /// Refreshes the scrape-time metrics from `sources` and renders everything in the
    /// Prometheus text format. A source that fails (store read error) is counted in
    /// `smppd_scrape_errors_total` and its metrics keep their last values.
    pub async fn render(&self, sources: &Sources<'_>) -> Result<String, MetricsError> {
        self.scraped.refresh(sources).await;
        self.encode()
    }

    /// Renders the current values without refreshing.
    pub fn encode(&self) -> Result<String, MetricsError> {
        let mut buf = Vec::new();
        TextEncoder::new().encode(&self.registry.gather(), &mut buf)?;
        String::from_utf8(buf).map_err(|_| MetricsError::Encoding)
    }
}
