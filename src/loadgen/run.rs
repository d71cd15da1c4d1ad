//! One load run: bind every session, release them together, watch the submit phase, wait
//! for receipts, unbind, and fold everything into a [`Summary`].

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::SeedableRng;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::bind;
use super::config::{BenchConfig, BindMode};
use super::error::LoadgenError;
use super::recipients::Recipients;
use super::session::{Role, SessionResult, Workload};
use super::stats::{Percentiles, Shared, Snapshot, StatusCount, Summary, ToolUsage};
use super::texts;
use super::usage::ProcessUsage;
use crate::pdu::{COctetString, CommandStatus};

/// How often the receipt wait looks whether every receipt has come.
const RECEIPT_POLL: Duration = Duration::from_millis(5);

/// Runs the load described by `cfg` against `cfg.target`. With `progress`, a line per
/// second goes to stderr. Fails only when the run cannot start (bad configuration, no
/// session bound); everything else is a result in the [`Summary`].
pub async fn run(cfg: BenchConfig, progress: bool) -> Result<Summary, LoadgenError> {
    validate(&cfg)?;
    let usage_before = ProcessUsage::read("self").unwrap_or_default();
    let t_begin = Instant::now();
    let mut rng = StdRng::seed_from_u64(cfg.seed);
    let source_addr =
        COctetString::try_from(cfg.source_addr.as_str()).map_err(|e| LoadgenError::Field {
            field: "source_addr",
            reason: e.to_string(),
        })?;
    let work = Arc::new(Workload {
        pool: texts::pool(cfg.text, &mut rng)?,
        recipients: Recipients::new(),
        shared: Shared::new(),
        rate_per_session: parking_lot::Mutex::new(0.0),
        source_addr,
        cfg,
    });
    let cfg = &work.cfg;
    let roles: &[Role] = match cfg.bind {
        BindMode::Trx => &[Role::Trx],
        BindMode::TxRx => &[Role::Tx, Role::Rx],
    };

    // Bind everything first so that connection set-up is not part of the measured rate.
    let go = CancellationToken::new();
    let stop = CancellationToken::new();
    let (ready_tx, mut ready_rx) = mpsc::channel(cfg.sessions * roles.len());
    let mut tasks = Vec::new();
    for index in 0..cfg.sessions {
        for &role in roles {
            let (w, go, stop, ready) = (work.clone(), go.clone(), stop.clone(), ready_tx.clone());
            tasks.push(tokio::spawn(async move {
                match bind::bind(&w.cfg, role).await {
                    Ok(conn) => {
                        let _ = ready.send((role, None)).await;
                        Some(conn.run(w, index, go, stop).await)
                    }
                    Err(e) => {
                        let _ = ready.send((role, Some(format!("{role:?}: {e}")))).await;
                        None
                    }
                }
            }));
        }
    }
    drop(ready_tx);
    let mut bind_failures = Vec::new();
    let (mut tx_bound, mut bound) = (0usize, 0usize);
    // Exactly one report per connection; bound sessions keep their sender until they end.
    for _ in 0..tasks.len() {
        let Some((role, failure)) = ready_rx.recv().await else {
            break;
        };
        match failure {
            Some(f) => bind_failures.push(f),
            None => {
                bound += 1;
                tx_bound += usize::from(role.submits());
            }
        }
    }
    if tx_bound == 0 {
        stop.cancel();
        for t in tasks {
            let _ = t.await;
        }
        return Err(LoadgenError::NoSession(
            bind_failures.first().cloned().unwrap_or_default(),
        ));
    }
    if cfg.rate > 0.0 {
        *work.rate_per_session.lock() = cfg.rate / tx_bound as f64;
    }
    let shared = &work.shared;
    shared.active_tx.store(tx_bound, Relaxed);
    let t_start = Instant::now();
    go.cancel();

    let mut ticker = Progress::new(progress, t_start);
    // Submit phase: until every transmitter has had all its responses.
    while shared.active_tx.load(Relaxed) > 0 {
        tokio::select! {
            _ = shared.tx_done.notified() => {}
            _ = ticker.tick() => ticker.print(shared),
        }
    }
    // Receipt phase: until nothing is awaited or the wait is over.
    if cfg.wants_receipts() {
        let deadline = Instant::now() + cfg.receipt_wait;
        while shared.tracker.lock().missing() > 0 && Instant::now() < deadline {
            tokio::select! {
                _ = tokio::time::sleep(RECEIPT_POLL) => {}
                _ = ticker.tick() => ticker.print(shared),
            }
        }
    }
    // Idle phase (`--hold`): the sessions stay bound and keep answering the server.
    if !cfg.hold.is_zero() {
        let until = tokio::time::Instant::now() + cfg.hold;
        loop {
            tokio::select! {
                _ = tokio::time::sleep_until(until) => break,
                _ = ticker.tick() => ticker.print(shared),
            }
        }
    }
    stop.cancel();
    let mut results = Vec::new();
    for t in tasks {
        if let Ok(Some(r)) = t.await {
            results.push(r);
        }
    }
    ticker.print(shared);
    let usage_after = ProcessUsage::read("self").unwrap_or_default();
    Ok(summarize(
        &work,
        results,
        bound / roles.len().max(1),
        bind_failures,
        t_begin,
        t_start,
        usage_before,
        usage_after,
    ))
}

fn validate(cfg: &BenchConfig) -> Result<(), LoadgenError> {
    let bad = |m: &str| Err(LoadgenError::Config(m.to_owned()));
    if cfg.sessions == 0 {
        return bad("sessions must be at least 1");
    }
    if cfg.window == 0 {
        return bad("window must be at least 1");
    }
    if !cfg.rate.is_finite() || cfg.rate < 0.0 {
        return bad("rate must be a non-negative number of submits per second");
    }
    Ok(())
}

#[allow(clippy::too_many_arguments)]
fn summarize(
    work: &Workload,
    results: Vec<SessionResult>,
    sessions_bound: usize,
    bind_failures: Vec<String>,
    t_begin: Instant,
    t_start: Instant,
    before: ProcessUsage,
    after: ProcessUsage,
) -> Summary {
    let s = &work.shared;
    let mut resp_latency = super::tracker::latency_histogram();
    let mut carriers: BTreeMap<String, u64> = BTreeMap::new();
    let mut provinces = HashSet::new();
    let mut messages = 0;
    let mut last_resp = None::<Instant>;
    let mut session_errors = Vec::new();
    for r in results {
        let _ = resp_latency.add(&r.resp_latency);
        for (c, n) in r.carriers {
            *carriers.entry(c.to_owned()).or_insert(0) += n;
        }
        provinces.extend(r.provinces);
        messages += r.messages;
        last_resp = last_resp.max(r.last_resp);
        if let Some(e) = r.error {
            session_errors.push(e.to_string());
        }
    }
    let tracker = s.tracker.lock();
    let secs_since =
        |t: Option<Instant>| t.map_or(0.0, |t| t.saturating_duration_since(t_start).as_secs_f64());
    let per_s = |n: u64, secs: f64| if secs > 0.0 { n as f64 / secs } else { 0.0 };
    let submitted = s.submitted.load(Relaxed);
    let submit_seconds = secs_since(last_resp);
    let receipt_seconds = secs_since(tracker.last_receipt);
    let matched = s.matched.load(Relaxed);
    let cpu = ProcessUsage {
        user_seconds: after.user_seconds - before.user_seconds,
        system_seconds: after.system_seconds - before.system_seconds,
        peak_rss_kib: after.peak_rss_kib,
    };
    let errors = s
        .errors
        .lock()
        .iter()
        .map(|(&code, &count)| StatusCount {
            status: code,
            name: CommandStatus(code).to_string(),
            count,
        })
        .collect();
    Summary {
        config: work.cfg.clone(),
        sessions_bound,
        bind_failures,
        session_errors,
        messages,
        submitted,
        resp_ok: s.resp_ok.load(Relaxed),
        resp_error: s.resp_error.load(Relaxed),
        no_response: s.no_response.load(Relaxed),
        errors,
        submit_seconds,
        submits_per_second: per_s(submitted, submit_seconds),
        resp_latency_ms: Percentiles::of(&resp_latency, 1000.0),
        receipts_received: s.receipts.load(Relaxed),
        receipts_matched: matched,
        receipts_before_resp: tracker.matched_after_early,
        receipts_unmatched: tracker.unmatched(),
        receipts_intermediate: s.intermediate.load(Relaxed),
        receipts_by_stat: tracker.by_stat.clone(),
        receipt_seconds,
        receipts_per_second: per_s(matched, receipt_seconds),
        receipt_latency_ms: Percentiles::of(&tracker.latency, 1000.0),
        missing_receipts: tracker.missing(),
        mo_received: s.mo.load(Relaxed),
        decode_errors: s.decode_errors.load(Relaxed),
        recipients_by_carrier: carriers,
        provinces: provinces.len(),
        elapsed_seconds: t_begin.elapsed().as_secs_f64(),
        tool: ToolUsage {
            process: cpu,
            cpu_us_per_submit: if submitted > 0 {
                cpu.cpu_seconds() * 1e6 / submitted as f64
            } else {
                0.0
            },
        },
    }
}

/// The once-a-second progress line on stderr.
struct Progress {
    enabled: bool,
    start: Instant,
    interval: tokio::time::Interval,
    prev: Snapshot,
    prev_at: Instant,
}

impl Progress {
    fn new(enabled: bool, start: Instant) -> Self {
        let mut interval = tokio::time::interval_at(
            tokio::time::Instant::from(start) + Duration::from_secs(1),
            Duration::from_secs(1),
        );
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Progress {
            enabled,
            start,
            interval,
            prev: Snapshot::default(),
            prev_at: start,
        }
    }

    async fn tick(&mut self) {
        self.interval.tick().await;
    }

    fn print(&mut self, shared: &Shared) {
        if !self.enabled {
            return;
        }
        let now = Instant::now();
        let snap = Snapshot::take(shared);
        eprintln!(
            "{}",
            snap.progress_line(&self.prev, now - self.prev_at, now - self.start)
        );
        self.prev = snap;
        self.prev_at = now;
    }
}
