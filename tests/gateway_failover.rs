//! Issue 4 end to end, carrier trouble: a carrier shut down mid-run fails over to the
//! fallback group with no accepted message lost and duplicates within the window; a
//! throttling carrier slows smppd down instead of failing messages; a carrier that stops
//! answering but keeps its TCP connection is detected and bypassed.

mod support_gateway;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use smppd::sim::SimStats;
use support_gateway::*;

/// `RUST_LOG=smppd=debug cargo test --test gateway_failover -- --nocapture` shows what the
/// channels and the dispatcher did (carrier answers, throttles, lost connections).
fn trace() {
    if std::env::var_os("RUST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
            .with_test_writer()
            .try_init();
    }
}

/// Per-serial count of what each carrier recorded (the serial is `#n#` in the text).
fn recorded(c: &Carriers, op: &str) -> BTreeMap<u32, u32> {
    let mut m = BTreeMap::new();
    for r in c.get(op).record().submits() {
        let text = r.text.unwrap_or_default();
        if let Some(n) = text.split('#').nth(1).and_then(|n| n.parse::<u32>().ok()) {
            *m.entry(n).or_insert(0) += 1;
        }
    }
    m
}

/// Submits `n` messages to China Mobile numbers; returns serial → smppd id of the accepted.
async fn submit_cmcc(tx: &mut Esme, range: std::ops::Range<u32>) -> BTreeMap<u32, String> {
    let mut out = BTreeMap::new();
    for n in range {
        let (status, id) = tx
            .submit_text(&number("cmcc", n), &format!("【smppd测试】通知#{n}#请查收"))
            .await;
        assert_eq!(status, 0, "message {n} accepted");
        out.insert(n, id);
    }
    out
}

/// Distinct receipt ids (`receipted_message_id`) until `want` all arrived or `within`
/// passed. Receipts are at-least-once (a deliver_sm the client answers late is offered
/// again), so counting deliveries would stop early on duplicates.
async fn receipts_for(
    rx: &mut Esme,
    want: &BTreeSet<String>,
    within: Duration,
) -> BTreeSet<String> {
    let mut got = BTreeSet::new();
    let deadline = tokio::time::Instant::now() + within;
    while !want.is_subset(&got) && tokio::time::Instant::now() < deadline {
        let more = rx.receipts(1, Duration::from_millis(200)).await;
        got.extend(more.into_iter().filter_map(|r| r.tlv_id));
    }
    got
}

/// The carrier serving China Mobile numbers goes away mid-run (its simulator shuts down:
/// connection closed, nothing listening any more).
///
/// Duplicate bound on failover: a submit written on the dead connection whose
/// submit_sm_resp never came back has an unknown outcome; with `on_unknown = "resend"` (the
/// default) it is sent again, here to the fallback group. Only those can reach two carriers,
/// so duplicates are at most what was in flight in the dead channel's windows when it died:
/// `window` (32) per session, 1 session here. Submits queued but not yet written, and
/// messages dispatched after the death, fail over without any copy at the dead carrier.
/// Messages the dead carrier had already answered stay with it (their receipts are its to
/// send), so they are not counted as lost and not sent again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_shut_down_mid_run_fails_over_without_losing_messages() {
    trace();
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|_, _| {}).await;
    let gw = Gateway::start(&base_toml(dir.path(), carriers.ports(), "\"never\"", "")).await;
    let mut rx = Esme::bind(gw.addr, BindKind::Receiver, "demo", "demo").await;
    let mut tx = Esme::bind(gw.addr, BindKind::Transmitter, "demo", "demo").await;

    let mut accepted = submit_cmcc(&mut tx, 0..20).await;
    // China Mobile's carrier goes away with whatever it had outstanding.
    carriers.get("cmcc").shutdown().await;
    accepted.extend(submit_cmcc(&mut tx, 20..60).await);

    let live_counts = || -> BTreeMap<u32, u32> {
        ["cucc", "ctcc"]
            .iter()
            .flat_map(|op| recorded(&carriers, op))
            .fold(BTreeMap::new(), |mut m, (n, c)| {
                *m.entry(n).or_insert(0) += c;
                m
            })
    };
    // Every accepted message reaches a carrier: the dead one before it died, or the
    // fallback group. Failing over takes one reconnect attempt (reconnect_min), not the
    // channel's queue_timeout per message, so this is quick.
    wait_until("failover sends", Duration::from_secs(10), || {
        let dead = recorded(&carriers, "cmcc");
        let live = live_counts();
        accepted
            .keys()
            .all(|n| dead.contains_key(n) || live.contains_key(n))
    })
    .await;
    let dead = recorded(&carriers, "cmcc");
    let live = live_counts();
    // Every message sent to a live carrier gets its receipt, under smppd's id.
    let want: BTreeSet<String> = live
        .keys()
        .filter_map(|n| accepted.get(n).cloned())
        .collect();
    let got = receipts_for(&mut rx, &want, Duration::from_secs(15)).await;
    let missing: Vec<&String> = want.difference(&got).collect();

    assert!(
        accepted
            .keys()
            .filter(|n| **n >= 20)
            .all(|n| live.contains_key(n)),
        "everything after the shutdown went to the fallback group"
    );
    assert!(missing.is_empty(), "no receipt for {missing:?}");
    let duplicates = dead.keys().filter(|n| live.contains_key(n)).count()
        + live.values().map(|c| (c - 1) as usize).sum::<usize>();
    assert!(duplicates <= 32, "{duplicates} duplicates > window 32");
    println!(
        "failover: accepted {}, at the dead carrier {}, at the fallback {}, duplicates {duplicates}, receipts {}",
        accepted.len(),
        dead.len(),
        live.len(),
        got.len()
    );
    gw.stop().await;
    carriers.shutdown().await;
}

/// The worst case for duplicates: the carrier dies with a whole batch written and not yet
/// answered (its responses are delayed 500 ms). Each of those submits has an unknown outcome:
/// the carrier may have taken it. With `on_unknown = "resend"` every one is sent again to the
/// fallback group (at-least-once: none lost), so each can reach two carriers, and no more
/// than what was in flight in the dead channel's window (32) can.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_dying_with_submits_in_flight_duplicates_at_most_its_window() {
    trace();
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|op, c| {
        if op == "cmcc" {
            c.response_latency = Duration::from_millis(500);
        }
    })
    .await;
    let gw = Gateway::start(&base_toml(dir.path(), carriers.ports(), "\"never\"", "")).await;
    let mut rx = Esme::bind(gw.addr, BindKind::Receiver, "demo", "demo").await;
    let mut tx = Esme::bind(gw.addr, BindKind::Transmitter, "demo", "demo").await;

    let accepted = submit_cmcc(&mut tx, 0..20).await;
    wait_until("the batch written to cmcc", Duration::from_secs(5), || {
        recorded(&carriers, "cmcc").len() == 20
    })
    .await;
    carriers.get("cmcc").shutdown().await;

    let want: BTreeSet<String> = accepted.values().cloned().collect();
    let got = receipts_for(&mut rx, &want, Duration::from_secs(15)).await;
    let missing: Vec<&String> = want.difference(&got).collect();
    assert!(missing.is_empty(), "no receipt for {missing:?}");
    let dead = recorded(&carriers, "cmcc");
    let mut live: BTreeMap<u32, u32> = BTreeMap::new();
    for op in ["cucc", "ctcc"] {
        for (n, c) in recorded(&carriers, op) {
            *live.entry(n).or_insert(0) += c;
        }
    }
    // Unknown outcome → re-sent: every in-flight message reached a live carrier, once.
    assert_eq!(
        live.keys().copied().collect::<Vec<_>>(),
        (0..20).collect::<Vec<_>>()
    );
    assert!(live.values().all(|c| *c == 1), "{live:?}");
    let duplicates = dead.keys().filter(|n| live.contains_key(n)).count();
    assert!(duplicates <= 32, "{duplicates} duplicates > window 32");
    println!(
        "in flight at the dead carrier: {}, duplicates {duplicates}",
        dead.len()
    );
    gw.stop().await;
    carriers.shutdown().await;
}

/// China Mobile's carrier answers every third submit with ESME_RTHROTTLED. smppd halves the
/// channel's rate and pauses it (AIMD, see `upstream::throttle`), retries the throttled
/// submit on the same carrier ahead of the submits queued meanwhile, and recovers the rate
/// for the submits still waiting: all 30 are delivered, none fails, none is sent twice.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttling_carrier_slows_smppd_down_without_failing_messages() {
    trace();
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|op, c| {
        if op == "cmcc" {
            c.throttle_every = 3;
        }
    })
    .await;
    let gw = Gateway::start(&base_toml(dir.path(), carriers.ports(), "\"never\"", "")).await;
    let mut rx = Esme::bind(gw.addr, BindKind::Receiver, "demo", "demo").await;
    let mut tx = Esme::bind(gw.addr, BindKind::Transmitter, "demo", "demo").await;
    let started = std::time::Instant::now();
    let accepted = submit_cmcc(&mut tx, 0..30).await;

    let receipts = rx.receipts(30, Duration::from_secs(20)).await;
    println!(
        "throttling: {} receipts in {:.1} s, carrier throttled {}",
        receipts.len(),
        started.elapsed().as_secs_f64(),
        SimStats::get(&carriers.get("cmcc").stats().throttled)
    );
    let cmcc = carriers.get("cmcc");
    assert!(
        SimStats::get(&cmcc.stats().throttled) >= 5,
        "the carrier throttled"
    );
    for r in &receipts {
        assert_eq!(r.stat, "DELIVRD", "{r:?}");
    }
    let got: BTreeSet<String> = receipts.into_iter().filter_map(|r| r.tlv_id).collect();
    let want: BTreeSet<String> = accepted.values().cloned().collect();
    assert_eq!(got, want, "every message delivered despite throttling");
    // Retried on the same carrier (throttling is not a reason to fail over), each once.
    let at_cmcc = recorded(&carriers, "cmcc");
    assert_eq!(at_cmcc.len(), 30);
    assert!(at_cmcc.values().all(|c| *c == 1), "{at_cmcc:?}");
    gw.stop().await;
    carriers.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_carrier_that_hangs_with_tcp_open_is_detected_and_bypassed() {
    trace();
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|_, _| {}).await;
    let gw = Gateway::start(&base_toml(dir.path(), carriers.ports(), "\"never\"", "")).await;
    let mut rx = Esme::bind(gw.addr, BindKind::Receiver, "demo", "demo").await;
    let mut tx = Esme::bind(gw.addr, BindKind::Transmitter, "demo", "demo").await;

    let first = submit_cmcc(&mut tx, 0..5).await;
    assert_eq!(rx.receipts(5, Duration::from_secs(10)).await.len(), 5);
    let cmcc = carriers.get("cmcc");
    cmcc.set_hang(true);
    let before = cmcc.record().len();
    let second = submit_cmcc(&mut tx, 5..25).await;

    // The channel's response_timeout (1 s) declares the session dead; the group's next
    // candidates take the messages.
    let want: BTreeSet<String> = second.values().cloned().collect();
    let mut got = receipts_for(&mut rx, &want, Duration::from_secs(20)).await;
    got.retain(|id| !first.values().any(|f| f == id));
    assert_eq!(
        got, want,
        "every message after the hang delivered elsewhere"
    );
    assert_eq!(
        cmcc.record().len(),
        before,
        "the hung carrier accepted nothing"
    );
    let live: usize = ["cucc", "ctcc"]
        .iter()
        .map(|op| recorded(&carriers, op).len())
        .sum();
    assert!(live >= 20, "the fallback carriers took them ({live})");
    assert!(
        cmcc.open_connections() <= 1,
        "smppd stays connected at most with a fresh session"
    );
    let _ = first;
    gw.stop().await;
    carriers.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn messages_a_saturated_channel_could_not_take_in_time_are_offered_again_at_once() {
    trace();
    let dir = tempfile::tempdir().unwrap();
    // Every carrier answers slowly through a window of one: at most ~7 submits/s in all,
    // so most submits wait longer than the channels' queue_timeout and come back NotSent.
    let carriers = Carriers::start(|_, c| c.response_latency = Duration::from_millis(150)).await;
    let toml = base_toml(dir.path(), carriers.ports(), "\"never\"", "")
        // The rescan would take a minute: whatever arrives sooner came from the dispatcher.
        .replace("rescan_interval = \"300ms\"", "rescan_interval = \"60s\"")
        .replace(
            "reconnect_max = \"1s\"",
            "reconnect_max = \"1s\"\nwindow = 1\nqueue_timeout = \"100ms\"",
        );
    let gw = Gateway::start(&toml).await;
    let mut rx = Esme::bind(gw.addr, BindKind::Receiver, "demo", "demo").await;
    let mut tx = Esme::bind(gw.addr, BindKind::Transmitter, "demo", "demo").await;
    let accepted = submit_cmcc(&mut tx, 0..12).await;
    assert_eq!(accepted.len(), 12);

    let want: BTreeSet<String> = accepted.values().cloned().collect();
    let got = receipts_for(&mut rx, &want, Duration::from_secs(20)).await;
    assert_eq!(
        got, want,
        "every message reached a carrier without waiting for the rescan"
    );
    gw.stop().await;
    carriers.shutdown().await;
}
