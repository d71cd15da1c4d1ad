//! Run-wide counters shared by the sessions, and the [`Summary`] a run ends with.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering::Relaxed};
use std::time::Duration;

use hdrhistogram::Histogram;
use parking_lot::Mutex;
use serde::Serialize;
use tokio::sync::Notify;

use super::config::BenchConfig;
use super::tracker::Tracker;
use super::usage::ProcessUsage;
use crate::pdu::CommandStatus;

/// Counters every session updates (relaxed atomics: they are statistics, not
/// synchronisation) plus the receipt tracker.
#[derive(Debug)]
pub(crate) struct Shared {
    /// Messages handed out to sessions so far (the next message's index).
    pub claimed: AtomicU64,
    /// submit_sm sent.
    pub submitted: AtomicU64,
    /// submit_sm_resp with ESME_ROK.
    pub resp_ok: AtomicU64,
    /// submit_sm_resp / generic_nack with an error status.
    pub resp_error: AtomicU64,
    /// submit_sm still outstanding when their session ended.
    pub no_response: AtomicU64,
    /// Final delivery receipts received.
    pub receipts: AtomicU64,
    /// Intermediate notifications (esm_class 0x20, or non-final states).
    pub intermediate: AtomicU64,
    /// deliver_sm that were not receipts (MO messages).
    pub mo: AtomicU64,
    /// Receipts matched to a message (on arrival or by a later response).
    pub matched: AtomicU64,
    /// PDUs from the server that failed to decode.
    pub decode_errors: AtomicU64,
    /// Transmitting sessions that have not finished their submits yet.
    pub active_tx: AtomicUsize,
    /// Signalled whenever a transmitting session finishes.
    pub tx_done: Notify,
    /// Error statuses by code.
    pub errors: Mutex<BTreeMap<u32, u64>>,
    /// Receipt matching.
    pub tracker: Mutex<Tracker>,
}

impl Shared {
    pub(crate) fn new() -> Self {
        Shared {
            claimed: AtomicU64::new(0),
            submitted: AtomicU64::new(0),
            resp_ok: AtomicU64::new(0),
            resp_error: AtomicU64::new(0),
            no_response: AtomicU64::new(0),
            receipts: AtomicU64::new(0),
            intermediate: AtomicU64::new(0),
            mo: AtomicU64::new(0),
            matched: AtomicU64::new(0),
            decode_errors: AtomicU64::new(0),
            active_tx: AtomicUsize::new(0),
            tx_done: Notify::new(),
            errors: Mutex::new(BTreeMap::new()),
            tracker: Mutex::new(Tracker::new()),
        }
    }

    pub(crate) fn count_error(&self, status: CommandStatus) {
        self.resp_error.fetch_add(1, Relaxed);
        *self.errors.lock().entry(status.0).or_insert(0) += 1;
    }
}

/// A point-in-time copy of the counters, for progress lines and rates.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Snapshot {
    pub submitted: u64,
    pub resp_ok: u64,
    pub resp_error: u64,
    pub matched: u64,
    pub receipts: u64,
}

impl Snapshot {
    pub(crate) fn take(s: &Shared) -> Snapshot {
        Snapshot {
            submitted: s.submitted.load(Relaxed),
            resp_ok: s.resp_ok.load(Relaxed),
            resp_error: s.resp_error.load(Relaxed),
            matched: s.matched.load(Relaxed),
            receipts: s.receipts.load(Relaxed),
        }
    }

    /// One progress line: totals and the rates since `prev`, `dt` ago.
    pub(crate) fn progress_line(&self, prev: &Snapshot, dt: Duration, elapsed: Duration) -> String {
        let per_s = |now: u64, before: u64| {
            let secs = dt.as_secs_f64().max(1e-9);
            now.saturating_sub(before) as f64 / secs
        };
        let inflight = self
            .submitted
            .saturating_sub(self.resp_ok + self.resp_error);
        format!(
            "[{:>5.1}s] submit {} ({:.0}/s) resp ok {} err {} inflight {} | receipts {} ({:.0}/s) matched {} awaiting {}",
            elapsed.as_secs_f64(),
            self.submitted,
            per_s(self.submitted, prev.submitted),
            self.resp_ok,
            self.resp_error,
            inflight,
            self.receipts,
            per_s(self.receipts, prev.receipts),
            self.matched,
            self.resp_ok.saturating_sub(self.matched),
        )
    }
}

/// Latency percentiles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Percentiles {
    /// Number of samples.
    pub count: u64,
    /// Median.
    pub p50: f64,
    /// 99th percentile.
    pub p99: f64,
    /// 99.9th percentile.
    pub p999: f64,
    /// Largest sample.
    pub max: f64,
    /// Mean.
    pub mean: f64,
}

impl Percentiles {
    /// Percentiles of a histogram of microseconds, expressed in units of `unit_us` µs.
    pub(crate) fn of(h: &Histogram<u64>, unit_us: f64) -> Percentiles {
        if h.is_empty() {
            return Percentiles::default();
        }
        let q = |q: f64| h.value_at_quantile(q) as f64 / unit_us;
        Percentiles {
            count: h.len(),
            p50: q(0.5),
            p99: q(0.99),
            p999: q(0.999),
            max: h.max() as f64 / unit_us,
            mean: h.mean() / unit_us,
        }
    }
}

/// How many responses carried one error status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusCount {
    /// The command_status value.
    pub status: u32,
    /// Its SMPP 3.4 name, or the hex value for vendor codes.
    pub name: String,
    /// Responses with this status.
    pub count: u64,
}

/// Everything a run measured. Serialized as the JSON summary.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The configuration of the run.
    pub config: BenchConfig,
    /// Sessions that bound (TRX, or TX+RX pairs counted once).
    pub sessions_bound: usize,
    /// Why binds failed (one line per failed bind).
    pub bind_failures: Vec<String>,
    /// Why sessions ended early (closed by the server, socket errors, unbind timeouts).
    pub session_errors: Vec<String>,
    /// Messages whose first segment was submitted.
    pub messages: u64,
    /// submit_sm sent (one per segment).
    pub submitted: u64,
    /// submit_sm_resp with ESME_ROK.
    pub resp_ok: u64,
    /// Responses with an error status.
    pub resp_error: u64,
    /// submit_sm never answered (their session closed first).
    pub no_response: u64,
    /// Error statuses by code.
    pub errors: Vec<StatusCount>,
    /// From the start signal to the last submit_sm_resp, in seconds.
    pub submit_seconds: f64,
    /// submit_sm per second over `submit_seconds`.
    pub submits_per_second: f64,
    /// submit → submit_sm_resp latency in milliseconds.
    pub resp_latency_ms: Percentiles,
    /// Final delivery receipts received.
    pub receipts_received: u64,
    /// Receipts matched to a submitted message.
    pub receipts_matched: u64,
    /// Of those, receipts that arrived before their submit_sm_resp.
    pub receipts_before_resp: u64,
    /// Receipts whose id matched no response (unknown ids, duplicates).
    pub receipts_unmatched: u64,
    /// Intermediate notifications (not counted as receipts).
    pub receipts_intermediate: u64,
    /// Matched receipts by `stat`.
    pub receipts_by_stat: BTreeMap<String, u64>,
    /// From the start signal to the last matched receipt, in seconds.
    pub receipt_seconds: f64,
    /// Matched receipts per second over `receipt_seconds`: the end-to-end rate.
    pub receipts_per_second: f64,
    /// submit → receipt latency in milliseconds.
    pub receipt_latency_ms: Percentiles,
    /// Accepted messages with no receipt when the run ended.
    pub missing_receipts: u64,
    /// deliver_sm that were not receipts.
    pub mo_received: u64,
    /// PDUs from the server that did not decode.
    pub decode_errors: u64,
    /// Recipients drawn, by carrier.
    pub recipients_by_carrier: BTreeMap<String, u64>,
    /// Distinct provinces among the recipients.
    pub provinces: usize,
    /// Wall time of the whole run (bind to unbind), in seconds.
    pub elapsed_seconds: f64,
    /// CPU and memory of the load tool itself over the run.
    pub tool: ToolUsage,
}

/// The load tool's own cost.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ToolUsage {
    /// CPU time and peak RSS of this process (delta of CPU over the run).
    pub process: ProcessUsage,
    /// CPU microseconds per submit_sm (user + system).
    pub cpu_us_per_submit: f64,
}

impl Summary {
    /// A short human-readable report (the JSON has every field).
    pub fn report(&self) -> String {
        let mut s = String::new();
        let r = &self.resp_latency_ms;
        let d = &self.receipt_latency_ms;
        s.push_str(&format!(
            "sessions bound {}/{} ({:?}), window {}\n",
            self.sessions_bound, self.config.sessions, self.config.bind, self.config.window
        ));
        s.push_str(&format!(
            "messages {}  submit_sm {}  in {:.2}s  = {:.0} submits/s\n",
            self.messages, self.submitted, self.submit_seconds, self.submits_per_second
        ));
        s.push_str(&format!(
            "submit_sm_resp ok {}  error {}  no response {}  latency ms p50 {:.3} p99 {:.3} p99.9 {:.3} max {:.3}\n",
            self.resp_ok, self.resp_error, self.no_response, r.p50, r.p99, r.p999, r.max
        ));
        for e in &self.errors {
            s.push_str(&format!("  {} (0x{:08X}): {}\n", e.name, e.status, e.count));
        }
        s.push_str(&format!(
            "receipts {}  matched {} ({} before resp)  unmatched {}  missing {}  = {:.0} receipts/s\n",
            self.receipts_received,
            self.receipts_matched,
            self.receipts_before_resp,
            self.receipts_unmatched,
            self.missing_receipts,
            self.receipts_per_second
        ));
        s.push_str(&format!(
            "submit→receipt latency ms p50 {:.1} p99 {:.1} max {:.1}\n",
            d.p50, d.p99, d.max
        ));
        s.push_str(&format!(
            "tool cpu {:.2}s user + {:.2}s sys = {:.1} µs/submit, peak rss {} KiB\n",
            self.tool.process.user_seconds,
            self.tool.process.system_seconds,
            self.tool.cpu_us_per_submit,
            self.tool.process.peak_rss_kib
        ));
        s
    }
}
