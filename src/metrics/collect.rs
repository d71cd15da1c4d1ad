//! Scrape-time collection: gauges and counters copied from the counters the modules
//! already keep, refreshed on each `/metrics` request rather than on the message path.

use prometheus::{IntCounter, IntCounterVec, IntGaugeVec, Registry};

use super::{counter, counter_vec, gauge_vec};
use crate::policy::Policy;
use crate::store::MessageStore;
use crate::upstream::{ChannelSet, ChannelState};

/// Live binds of one account and bind type (from the server's session registry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindCount {
    /// The account (`system_id`).
    pub account: String,
    /// `transmitter`, `receiver` or `transceiver`.
    pub bind_type: &'static str,
    /// How many such binds are live.
    pub count: usize,
}

/// What a scrape reads. Every source is optional so that a partial gateway (or a test)
/// can serve metrics.
#[derive(Clone, Copy, Default)]
pub struct Sources<'a> {
    /// The message store (queue depth, receipt backlog, commit statistics).
    pub store: Option<&'a dyn MessageStore>,
    /// The policy engine (rejections by account and reason).
    pub policy: Option<&'a Policy>,
    /// The upstream channels (state, window, counters).
    pub channels: Option<&'a ChannelSet>,
    /// Live client binds.
    pub binds: &'a [BindCount],
}

impl std::fmt::Debug for Sources<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sources")
            .field("store", &self.store.is_some())
            .field("policy", &self.policy.is_some())
            .field("channels", &self.channels.is_some())
            .field("binds", &self.binds)
            .finish()
    }
}

const CHANNEL_STATES: [(ChannelState, &str); 3] = [
    (ChannelState::Up, "up"),
    (ChannelState::Degraded, "degraded"),
    (ChannelState::Down, "down"),
];

/// The metrics filled at scrape time.
#[derive(Debug)]
pub(crate) struct Scraped {
    lock: tokio::sync::Mutex<()>,
    binds: IntGaugeVec,
    rejected: IntCounterVec,
    channel_state: IntGaugeVec,
    channel_available: IntGaugeVec,
    sessions: IntGaugeVec,
    sessions_bound: IntGaugeVec,
    window_in_use: IntGaugeVec,
    window_capacity: IntGaugeVec,
    parts: IntCounterVec,
    upstream_receipts: IntCounterVec,
    disconnects: IntCounterVec,
    queue_messages: IntGaugeVec,
    queue_bytes: IntGaugeVec,
    queue_age: prometheus::GaugeVec,
    receipt_backlog: IntGaugeVec,
    commits: IntCounter,
    commit_requests: IntCounter,
    commit_seconds: prometheus::Counter,
    last_commit: prometheus::Gauge,
    pub(crate) errors: IntCounter,
}

/// Moves a counter up to a source's cumulative value (sources only grow).
fn advance(c: &IntCounter, to: u64) {
    let cur = c.get();
    if to > cur {
        c.inc_by(to - cur);
    }
}

impl Scraped {
    pub(crate) fn register(r: &Registry) -> prometheus::Result<Scraped> {
        let float_gauge_vec = |name: &str, help: &str, labels: &[&str]| {
            let g = prometheus::GaugeVec::new(prometheus::Opts::new(name, help), labels)?;
            r.register(Box::new(g.clone()))?;
            Ok::<_, prometheus::Error>(g)
        };
        let commit_seconds = prometheus::Counter::new(
            "smppd_store_commit_seconds_total",
            "Time spent committing store transactions (fsync included).",
        )?;
        r.register(Box::new(commit_seconds.clone()))?;
        let last_commit = prometheus::Gauge::new(
            "smppd_store_last_commit_seconds",
            "Duration of the last store commit.",
        )?;
        r.register(Box::new(last_commit.clone()))?;
        let ch = &["channel"];
        Ok(Scraped {
            lock: tokio::sync::Mutex::new(()),
            binds: gauge_vec(r, "smppd_binds", "Live client binds by account and bind type.", &["account", "bind_type"])?,
            rejected: counter_vec(r, "smppd_rejected_total", "Submits refused by policy, by account and reason.", &["account", "reason"])?,
            channel_state: gauge_vec(r, "smppd_upstream_channel_state", "1 for the channel's current state (up, degraded, down).", &["channel", "state"])?,
            channel_available: gauge_vec(r, "smppd_upstream_channel_available", "1 when routing may pick the channel now.", ch)?,
            sessions: gauge_vec(r, "smppd_upstream_sessions", "Configured sessions per channel.", ch)?,
            sessions_bound: gauge_vec(r, "smppd_upstream_sessions_bound", "Bound sessions per channel.", ch)?,
            window_in_use: gauge_vec(r, "smppd_upstream_window_in_use", "Submits awaiting a carrier response.", ch)?,
            window_capacity: gauge_vec(r, "smppd_upstream_window_capacity", "Window capacity over the bound sessions.", ch)?,
            parts: counter_vec(r, "smppd_upstream_parts_total", "Carrier submit outcomes per channel (accepted, rejected, throttled, retried, unknown).", &["channel", "result"])?,
            upstream_receipts: counter_vec(r, "smppd_upstream_receipts_total", "Carrier delivery receipts received per channel.", ch)?,
            disconnects: counter_vec(r, "smppd_upstream_disconnects_total", "Carrier connections lost or closed per channel.", ch)?,
            queue_messages: gauge_vec(r, "smppd_queue_messages", "Accepted messages waiting: unsent (not yet at a carrier) or open (not final).", &["queue"])?,
            queue_bytes: gauge_vec(r, "smppd_queue_bytes", "Bytes of the queued messages.", &["queue"])?,
            queue_age: float_gauge_vec("smppd_queue_oldest_age_seconds", "Age of the oldest queued message.", &["queue"])?,
            receipt_backlog: gauge_vec(r, "smppd_receipt_backlog", "Client receipts owed and not acknowledged, per account.", &["account"])?,
            commits: counter(r, "smppd_store_commits_total", "Store transactions committed (group commits).")?,
            commit_requests: counter(r, "smppd_store_commit_requests_total", "Store write requests committed.")?,
            commit_seconds,
            last_commit,
            errors: counter(r, "smppd_scrape_errors_total", "Sources that failed during a scrape.")?,
        })
    }

    /// Copies every source into the metrics. One scrape at a time, so that two concurrent
    /// scrapes cannot both add the same counter delta.
    pub(crate) async fn refresh(&self, s: &Sources<'_>) {
        let _one_at_a_time = self.lock.lock().await;
        self.binds.reset();
        for b in s.binds {
            self.binds
                .with_label_values(&[&b.account, b.bind_type])
                .set(i64::try_from(b.count).unwrap_or(i64::MAX));
        }
        if let Some(policy) = s.policy {
            for r in policy.rejections_snapshot() {
                advance(
                    &self.rejected.with_label_values(&[&r.account, r.reason]),
                    r.count,
                );
            }
        }
        if let Some(channels) = s.channels {
            self.channels(channels);
        }
        if let Some(store) = s.store {
            self.store(store).await;
        }
    }

    fn channels(&self, channels: &ChannelSet) {
        let int = |v: usize| i64::try_from(v).unwrap_or(i64::MAX);
        for st in channels.status() {
            let name = st.name.as_str();
            for (state, label) in CHANNEL_STATES {
                self.channel_state
                    .with_label_values(&[name, label])
                    .set(i64::from(st.state == state));
            }
            self.channel_available
                .with_label_values(&[name])
                .set(i64::from(st.available));
            self.sessions
                .with_label_values(&[name])
                .set(int(st.sessions));
            self.sessions_bound
                .with_label_values(&[name])
                .set(int(st.sessions_bound));
            self.window_in_use
                .with_label_values(&[name])
                .set(int(st.window_in_use));
            self.window_capacity
                .with_label_values(&[name])
                .set(int(st.window_capacity));
            let c = &st.counters;
            for (result, v) in [
                ("accepted", c.accepted),
                ("rejected", c.rejected),
                ("throttled", c.throttled),
                ("transient_retry", c.transient_retries),
                ("unknown_outcome", c.unknown_outcomes),
            ] {
                advance(&self.parts.with_label_values(&[name, result]), v);
            }
            advance(
                &self.upstream_receipts.with_label_values(&[name]),
                c.receipts,
            );
            advance(&self.disconnects.with_label_values(&[name]), c.disconnects);
        }
    }

    async fn store(&self, store: &dyn MessageStore) {
        let d = store.queue_depth();
        for (queue, messages, bytes, age) in [
            (
                "unsent",
                d.unsent_messages,
                d.unsent_bytes,
                d.oldest_unsent_age,
            ),
            ("open", d.open_messages, d.open_bytes, d.oldest_open_age),
        ] {
            let int = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
            self.queue_messages
                .with_label_values(&[queue])
                .set(int(messages));
            self.queue_bytes.with_label_values(&[queue]).set(int(bytes));
            self.queue_age
                .with_label_values(&[queue])
                .set(age.as_secs_f64());
        }
        let c = store.commit_stats();
        advance(&self.commits, c.batches);
        advance(&self.commit_requests, c.requests);
        let total = c.commit_time.as_secs_f64();
        let cur = self.commit_seconds.get();
        if total > cur {
            self.commit_seconds.inc_by(total - cur);
        }
        self.last_commit.set(c.last_commit.as_secs_f64());
        match store.receipt_backlog().await {
            Ok(backlog) => {
                // Reset first: an account whose backlog emptied disappears from the store's
                // answer and must read 0, not its last value.
                self.receipt_backlog.reset();
                for (account, n) in backlog {
                    self.receipt_backlog
                        .with_label_values(&[&account])
                        .set(i64::try_from(n).unwrap_or(i64::MAX));
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "metrics: receipt backlog unavailable");
                self.errors.inc();
            }
        }
    }
}
