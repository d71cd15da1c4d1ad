//! The upstream channel against the carrier simulator: bind, submit, receipts, reconnects,
//! throttling and dead-peer detection, all on loopback.

mod upstream_support;

use std::time::Duration;

use smppd::sim::{SimConfig, Simulator};
use smppd::upstream::{
    BindMode, Channel, ChannelConfig, StatusClass, SubmitOutcome, UnknownOutcomePolicy,
    UpstreamEvent,
};
use tokio::sync::mpsc;
use upstream_support::{channel_config, message, receipt_id, wait_until};

#[tokio::test]
async fn bind_submit_and_receipt_event() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let (tx, mut events) = mpsc::channel(16);
    let ch = Channel::start(channel_config(&sim, 2), tx);
    wait_until(Duration::from_secs(5), || ch.is_available()).await;

    let report = ch.send(message(1, "13800138000", "hello")).await;
    assert!(report.all_accepted(), "{report:?}");
    let carrier_id = report.carrier_ids()[0].to_string();

    let recorded = sim.record().submits();
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].destination_addr, "13800138000");
    assert_eq!(recorded[0].text.as_deref(), Some("hello"));
    assert_eq!(recorded[0].carrier_id, carrier_id);

    let ev = tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .unwrap()
        .unwrap();
    let UpstreamEvent::Receipt(incoming) = ev else {
        panic!("expected a receipt, got {ev:?}");
    };
    assert_eq!(&*incoming.channel, "sim");
    assert_eq!(
        receipt_id(&incoming.deliver).as_deref(),
        Some(carrier_id.as_str())
    );
    assert!(!incoming.raw.is_empty());
    // Acknowledged to the carrier only when the relay answers.
    incoming.ack.accept();
    wait_until(Duration::from_secs(5), || {
        smppd::sim::SimStats::get(&sim.stats().deliver_acks) == 1
    })
    .await;
    let status = ch.status();
    assert_eq!(status.sessions_bound, 2);
    assert_eq!(status.state, smppd::upstream::ChannelState::Up);
    assert!(status
        .session_detail
        .iter()
        .all(|s| s.bound && s.in_flight == 0));
    // The admin API serves this as JSON.
    let json = serde_json::to_value(&status).unwrap();
    assert_eq!(json["counters"]["accepted"], 1);
    assert_eq!(status.counters.accepted, 1);
    assert_eq!(status.counters.receipts, 1);
    ch.shutdown().await;
}

#[tokio::test]
async fn tx_rx_pairs_bind_both_halves_and_receive_on_the_receiver() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let (tx, mut events) = mpsc::channel(16);
    let mut cfg = channel_config(&sim, 1);
    cfg.bind_mode = BindMode::TxRx;
    let ch = Channel::start(cfg, tx);
    wait_until(Duration::from_secs(5), || ch.is_available()).await;
    assert_eq!(smppd::sim::SimStats::get(&sim.stats().binds), 2);
    assert!(ch
        .send(message(1, "13900139000", "pair"))
        .await
        .all_accepted());
    let ev = tokio::time::timeout(Duration::from_secs(5), events.recv()).await;
    let Ok(Some(UpstreamEvent::Receipt(receipt))) = ev else {
        panic!("expected a receipt, got {ev:?}");
    };
    receipt.ack.accept();
    ch.shutdown().await;
}

#[tokio::test]
async fn lost_connection_retries_outstanding_submits_on_another_session() {
    let sim = Simulator::start(SimConfig {
        response_latency: Duration::from_millis(300),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (tx, events) = mpsc::channel(1024);
    upstream_support::accept_events(events);
    let mut cfg = channel_config(&sim, 2);
    cfg.window = 8;
    let ch = Channel::start(cfg, tx);
    wait_until(Duration::from_secs(5), || ch.status().sessions_bound == 2).await;

    let sends: Vec<_> = (0..10)
        .map(|i| {
            let ch = ch.clone();
            tokio::spawn(async move { ch.send(message(i, &format!("1380000{i:04}"), "x")).await })
        })
        .collect();
    // All ten written and waiting for their (slow) responses, on both sessions.
    wait_until(Duration::from_secs(5), || {
        smppd::sim::SimStats::get(&sim.stats().submits) >= 10
    })
    .await;
    assert_eq!(sim.drop_connections(1), 1);

    for s in sends {
        let report = s.await.unwrap();
        assert!(report.all_accepted(), "{report:?}");
    }
    let c = ch.counters();
    assert!(c.unknown_outcomes >= 1, "{c:?}");
    assert_eq!(c.unknown_outcomes, c.resent_after_unknown);
    // Every message reached the carrier; duplicates are bounded by one window per lost session.
    let recorded = sim.record().submits();
    for i in 0..10 {
        let dest = format!("1380000{i:04}");
        assert!(
            recorded.iter().any(|r| r.destination_addr == dest),
            "{dest} lost"
        );
    }
    assert!(recorded.len() <= 10 + 8, "{} records", recorded.len());
    // The dropped session came back.
    wait_until(Duration::from_secs(5), || ch.status().sessions_bound == 2).await;
    ch.shutdown().await;
}

#[tokio::test]
async fn unknown_outcome_policy_fail_reports_unknown() {
    let sim = Simulator::start(SimConfig {
        response_latency: Duration::from_secs(2),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (tx, events) = mpsc::channel(16);
    upstream_support::accept_events(events);
    let mut cfg = channel_config(&sim, 1);
    cfg.on_unknown = UnknownOutcomePolicy::Fail;
    let ch = Channel::start(cfg, tx);
    wait_until(Duration::from_secs(5), || ch.is_available()).await;
    let send = tokio::spawn({
        let ch = ch.clone();
        async move { ch.send(message(1, "13800000001", "x")).await }
    });
    wait_until(Duration::from_secs(5), || {
        smppd::sim::SimStats::get(&sim.stats().submits) == 1
    })
    .await;
    sim.drop_connections(1);
    let report = send.await.unwrap();
    assert_eq!(report.parts, vec![SubmitOutcome::Unknown]);
    assert_eq!(ch.counters().unknown_outcomes, 1);
    assert_eq!(ch.counters().resent_after_unknown, 0);
    ch.shutdown().await;
}

#[tokio::test]
async fn carrier_throttling_slows_the_channel_instead_of_failing() {
    let sim = Simulator::start(SimConfig {
        throttle_above_tps: 1000,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (tx, events) = mpsc::channel(4096);
    upstream_support::accept_events(events);
    let mut cfg = channel_config(&sim, 2);
    cfg.tps = 0; // no configured cap: only the carrier's answers slow us down
    cfg.window = 64;
    let ch = Channel::start(cfg, tx);
    wait_until(Duration::from_secs(5), || ch.is_available()).await;

    // Watch the channel's own rate limit while the load runs.
    let watcher = tokio::spawn({
        let ch = ch.clone();
        async move {
            let mut lowest: Option<f64> = None;
            loop {
                if let Some(t) = ch.status().current_tps {
                    lowest = Some(lowest.map_or(t, |l: f64| l.min(t)));
                }
                if ch.counters().accepted >= 1000 {
                    return lowest;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    });
    let sends: Vec<_> = (0..1000)
        .map(|i| {
            let ch = ch.clone();
            tokio::spawn(async move { ch.send(message(i, "13800138000", "t")).await })
        })
        .collect();
    for s in sends {
        let report = s.await.unwrap();
        assert!(
            report.all_accepted(),
            "throttled message failed: {report:?}"
        );
    }
    let lowest = watcher.await.unwrap();
    let c = ch.counters();
    eprintln!("counters {c:?}, lowest limit {lowest:?}");
    assert!(c.throttled > 0, "the simulator never throttled: {c:?}");
    assert_eq!(c.accepted, 1000);
    assert_eq!(c.rejected, 0);
    assert_eq!(smppd::sim::SimStats::get(&sim.stats().accepted), 1000);
    // The channel imposed a limit on itself near the carrier's cap, and did not hammer the
    // carrier with retries: throttle answers stay a fraction of the traffic.
    assert!(matches!(lowest, Some(t) if t <= 1500.0), "{lowest:?}");
    assert!(c.throttled < c.accepted / 2, "{c:?}");
    ch.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_throttled_message_is_retried_before_the_messages_queued_behind_it() {
    let sim = Simulator::start(SimConfig {
        throttle_every: 3,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (tx, events) = mpsc::channel(4096);
    upstream_support::accept_events(events);
    let mut cfg = channel_config(&sim, 1);
    cfg.window = 4;
    // The throttled rate is slow; waiting for window room is expected here, not a reason
    // to give up (the dispatcher would fail over on NotSent).
    cfg.queue_timeout = Duration::from_secs(60);
    let ch = Channel::start(cfg, tx);
    wait_until(Duration::from_secs(5), || ch.is_available()).await;

    // 30 messages queue up in order; every third submit is throttled.
    let mut sends = Vec::new();
    for i in 0..30u64 {
        let ch = ch.clone();
        sends.push(tokio::spawn(async move {
            ch.send(message(i, "13800138000", &format!("m{i}"))).await
        }));
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    for s in sends {
        assert!(s.await.unwrap().all_accepted());
    }
    let order: Vec<u64> = sim
        .record()
        .submits()
        .iter()
        .filter_map(|r| r.text.as_deref()?.strip_prefix('m')?.parse().ok())
        .collect();
    assert_eq!(order.len(), 30);
    eprintln!("order at the carrier: {order:?}");
    // A throttled message goes again ahead of the ones still waiting for window room and
    // for a rate slot: it lands about a window (4, plus the gate's head) late; twice that
    // if its retry is throttled too. Queued behind everyone it would be ~20 late.
    for (pos, m) in order.iter().enumerate() {
        assert!(
            pos <= *m as usize + 10,
            "m{m} landed at {pos}, overtaken by the queue: {order:?}"
        );
    }
    ch.shutdown().await;
}

#[tokio::test]
async fn permanent_rejection_is_reported_without_retry() {
    let sim = Simulator::start(SimConfig {
        reject_rate: 1.0,
        reject_status: 0x0B, // ESME_RINVDSTADR
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (tx, events) = mpsc::channel(16);
    upstream_support::accept_events(events);
    let ch = Channel::start(channel_config(&sim, 1), tx);
    wait_until(Duration::from_secs(5), || ch.is_available()).await;
    let report = ch.send(message(1, "1", "x")).await;
    assert_eq!(
        report.parts,
        vec![SubmitOutcome::Rejected {
            status: 0x0B,
            class: StatusClass::Permanent
        }]
    );
    assert_eq!(smppd::sim::SimStats::get(&sim.stats().submits), 1);
    ch.shutdown().await;
}

#[tokio::test]
async fn transient_rejection_is_retried_within_budget_then_reported() {
    let sim = Simulator::start(SimConfig {
        reject_rate: 1.0,
        reject_status: 0x08, // ESME_RSYSERR
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (tx, events) = mpsc::channel(16);
    upstream_support::accept_events(events);
    let mut cfg: ChannelConfig = channel_config(&sim, 1);
    cfg.transient_retries = 2;
    let ch = Channel::start(cfg, tx);
    wait_until(Duration::from_secs(5), || ch.is_available()).await;
    let report = ch.send(message(1, "1", "x")).await;
    assert!(matches!(
        report.parts.as_slice(),
        [SubmitOutcome::Rejected {
            class: StatusClass::Transient,
            ..
        }]
    ));
    assert_eq!(smppd::sim::SimStats::get(&sim.stats().submits), 3);
    ch.shutdown().await;
}

#[tokio::test]
async fn shutdown_lets_submits_already_written_get_their_answer() {
    // The carrier answers after 300 ms; the channel stops (a reload that rebinds or removes
    // it) while a submit waits for that answer.
    let sim = Simulator::start(SimConfig {
        response_latency: Duration::from_millis(300),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (tx, _events) = mpsc::channel(16);
    let ch = Channel::start(channel_config(&sim, 1), tx);
    wait_until(Duration::from_secs(5), || ch.is_available()).await;
    let sending = tokio::spawn({
        let ch = ch.clone();
        async move { ch.send(message(1, "13800138000", "in flight")).await }
    });
    wait_until(Duration::from_secs(5), || ch.status().window_in_use == 1).await;
    ch.shutdown().await;
    // Accepted, not an unknown outcome the dispatcher would have to guess about.
    let report = sending.await.unwrap();
    assert!(report.all_accepted(), "{report:?}");
    assert_eq!(sim.record().submits().len(), 1, "sent once");
}
