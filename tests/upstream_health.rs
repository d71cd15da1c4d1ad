//! Channel health against a misbehaving carrier: a peer that stops answering, receipt
//! backpressure, MO, and split messages with one aggregated receipt.

mod upstream_support;

use std::time::Duration;

use smppd::sim::{SimConfig, SimStats, Simulator};
use smppd::upstream::{
    Channel, ChannelSet, MessageFinal, PartFinal, ReceiptAggregator, SubmitOutcome, UpstreamEvent,
};
use tokio::sync::mpsc;
use upstream_support::{channel_config, message, receipt_delivered, receipt_id, wait_until};

#[tokio::test]
async fn carrier_that_stops_answering_is_detected_and_marked_unavailable() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let (tx, events) = mpsc::channel(16);
    upstream_support::accept_events(events);
    let mut cfg = channel_config(&sim, 2);
    cfg.enquire_link_interval = Duration::from_millis(100);
    cfg.response_timeout = Duration::from_millis(300);
    cfg.queue_timeout = Duration::from_millis(200);
    let set = ChannelSet::start(&[cfg], tx).unwrap();
    wait_until(Duration::from_secs(5), || set.is_available("sim")).await;

    // TCP stays open; nothing is answered any more, not even enquire_link or a new bind.
    sim.set_hang(true);
    wait_until(Duration::from_secs(5), || !set.is_available("sim")).await;
    let status = &set.status()[0];
    assert_eq!(status.sessions_bound, 0);
    assert!(status.counters.dead_peers >= 1, "{status:?}");
    // Sends are refused quickly so routing can fail over instead of waiting.
    let report = set
        .send("sim", message(1, "13800138000", "x"))
        .await
        .unwrap();
    assert_eq!(report.parts, vec![SubmitOutcome::NotSent]);

    // The carrier recovers: the channel rebinds on its own.
    sim.set_hang(false);
    wait_until(Duration::from_secs(10), || set.is_available("sim")).await;
    set.shutdown().await;
}

#[tokio::test]
async fn carrier_unbind_is_answered_and_the_channel_binds_again() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let (tx, events) = mpsc::channel(16);
    upstream_support::accept_events(events);
    let ch = Channel::start(channel_config(&sim, 2), tx);
    wait_until(Duration::from_secs(5), || ch.status().sessions_bound == 2).await;
    assert_eq!(sim.unbind_all(), 2);
    // Both sessions go through unbind → close → bind again.
    wait_until(Duration::from_secs(5), || {
        SimStats::get(&sim.stats().binds) == 4 && ch.status().sessions_bound == 2
    })
    .await;
    assert_eq!(ch.counters().disconnects, 2);
    assert!(ch
        .send(message(1, "13800138000", "after"))
        .await
        .all_accepted());
    ch.shutdown().await;
}

#[tokio::test]
async fn a_send_to_a_carrier_that_went_away_gives_up_in_the_reconnect_grace_not_the_queue_timeout()
{
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let (tx, events) = mpsc::channel(16);
    upstream_support::accept_events(events);
    let mut cfg = channel_config(&sim, 1);
    cfg.reconnect_min = Duration::from_millis(100);
    cfg.queue_timeout = Duration::from_secs(30);
    let ch = Channel::start(cfg, tx);
    wait_until(Duration::from_secs(5), || ch.status().sessions_bound == 1).await;
    sim.shutdown().await;
    wait_until(Duration::from_secs(5), || ch.status().sessions_bound == 0).await;
    // Nothing listens any more: waiting the 30 s queue_timeout would only delay the
    // dispatcher's failover.
    let started = tokio::time::Instant::now();
    let report = ch.send(message(1, "13800138000", "x")).await;
    assert_eq!(report.parts, vec![SubmitOutcome::NotSent]);
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
    ch.shutdown().await;
}

#[tokio::test]
async fn a_send_during_an_unbind_and_rebind_waits_for_the_new_session() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let (tx, events) = mpsc::channel(16);
    upstream_support::accept_events(events);
    let mut cfg = channel_config(&sim, 1);
    cfg.reconnect_min = Duration::from_millis(100);
    let ch = Channel::start(cfg, tx);
    wait_until(Duration::from_secs(5), || ch.status().sessions_bound == 1).await;
    assert_eq!(sim.unbind_all(), 1);
    wait_until(Duration::from_secs(5), || ch.status().sessions_bound == 0).await;
    // The carrier takes us back within the first reconnect attempt: no failover needed.
    let report = ch.send(message(1, "13800138000", "during")).await;
    assert!(report.all_accepted(), "{report:?}");
    ch.shutdown().await;
}

#[tokio::test]
async fn submit_written_to_a_carrier_that_then_hangs_is_unknown_not_unsent() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let (tx, events) = mpsc::channel(16);
    upstream_support::accept_events(events);
    let mut cfg = channel_config(&sim, 1);
    cfg.response_timeout = Duration::from_millis(300);
    cfg.queue_timeout = Duration::from_millis(200);
    let ch = Channel::start(cfg, tx);
    wait_until(Duration::from_secs(5), || ch.is_available()).await;
    sim.set_hang(true);
    // The channel still believes the session is fine: the submit is written, never answered,
    // the session is declared dead, and no other session can take the resend.
    let report = ch.send(message(1, "13800138000", "x")).await;
    assert_eq!(report.parts, vec![SubmitOutcome::Unknown]);
    let c = ch.counters();
    assert_eq!((c.unknown_outcomes, c.dead_peers), (1, 1));
    ch.shutdown().await;
}

/// The next receipt event within `within`, if any.
async fn next_receipt(
    events: &mut mpsc::Receiver<UpstreamEvent>,
    within: Duration,
) -> Option<smppd::upstream::Incoming> {
    match tokio::time::timeout(within, events.recv()).await {
        Ok(Some(UpstreamEvent::Receipt(r))) => Some(r),
        Ok(Some(other)) => panic!("expected a receipt, got {other:?}"),
        _ => None,
    }
}

#[tokio::test]
async fn receipts_are_acked_only_when_the_relay_answers_and_the_window_bounds_them() {
    let sim = Simulator::start(SimConfig {
        receipt_delay: Duration::from_millis(300),
        redeliver_delay: Duration::from_millis(100),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (tx, mut events) = mpsc::channel(16);
    let mut cfg = channel_config(&sim, 1);
    // Receive window 2: a third unanswered deliver_sm stays at the carrier. (On a receiver
    // connection; a transceiver refuses the extra ones instead: tests/upstream_trx_window.rs.)
    cfg.window = 2;
    cfg.bind_mode = smppd::upstream::BindMode::TxRx;
    let ch = Channel::start(cfg, tx);
    wait_until(Duration::from_secs(5), || ch.is_available()).await;
    for i in 0..4 {
        assert!(ch.send(message(i, "13800138000", "x")).await.all_accepted());
    }
    wait_until(Duration::from_secs(5), || {
        SimStats::get(&sim.stats().receipts_sent) == 4
    })
    .await;
    let first = next_receipt(&mut events, Duration::from_secs(5))
        .await
        .unwrap();
    let second = next_receipt(&mut events, Duration::from_secs(5))
        .await
        .unwrap();
    assert!(
        next_receipt(&mut events, Duration::from_millis(300))
            .await
            .is_none(),
        "read past the receive window"
    );
    // Taken by the relay is not enough: nothing is acknowledged until it answers.
    assert_eq!(SimStats::get(&sim.stats().deliver_acks), 0);
    let first_id = receipt_id(&first.deliver);
    first.ack.accept();
    wait_until(Duration::from_secs(5), || {
        SimStats::get(&sim.stats().deliver_acks) == 1
    })
    .await;
    // A slot is free again: the third comes in.
    let third = next_receipt(&mut events, Duration::from_secs(5))
        .await
        .unwrap();
    // Dropped unanswered (e.g. the store failed): ESME_RX_T_APPN, and the carrier sends
    // the same receipt again after its redelivery delay.
    let second_id = receipt_id(&second.deliver);
    drop(second);
    wait_until(Duration::from_secs(5), || {
        SimStats::get(&sim.stats().deliver_refused) == 1
    })
    .await;
    third.ack.accept();
    let mut seen = vec![first_id];
    while SimStats::get(&sim.stats().deliver_acks) < 4 {
        let r = next_receipt(&mut events, Duration::from_secs(5))
            .await
            .expect("every receipt arrives until acknowledged");
        seen.push(receipt_id(&r.deliver));
        r.ack.accept();
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(seen.contains(&second_id), "the refused receipt came again");
    assert_eq!(SimStats::get(&sim.stats().redelivered), 1);
    ch.shutdown().await;
}

#[tokio::test]
async fn mo_from_the_carrier_becomes_an_mo_event() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let (tx, mut events) = mpsc::channel(16);
    let cfg = channel_config(&sim, 1);
    let system_id = cfg.system_id.clone();
    let ch = Channel::start(cfg, tx);
    wait_until(Duration::from_secs(5), || ch.is_available()).await;
    assert!(sim.send_mo(&system_id, "13800138000", "10690001", "TD"));
    let ev = tokio::time::timeout(Duration::from_secs(5), events.recv())
        .await
        .unwrap()
        .unwrap();
    let UpstreamEvent::Mo(mo) = ev else {
        panic!("expected MO, got {ev:?}");
    };
    assert_eq!(upstream_support::source_addr(&mo.deliver), "13800138000");
    assert_eq!(ch.counters().mo, 1);
    mo.ack.accept();
    ch.shutdown().await;
}

/// Splits a message for a channel whose carrier appends a signature, then folds the parts'
/// receipts into one outcome per message.
async fn split_and_aggregate(undeliverable_rate: f64) -> MessageFinal<String> {
    let sim = Simulator::start(SimConfig {
        undeliverable_rate,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let (tx, mut events) = mpsc::channel(16);
    let mut cfg = channel_config(&sim, 1);
    cfg.split.appended_text = Some("【某某科技】".into());
    let ch = Channel::start(cfg, tx);
    wait_until(Duration::from_secs(5), || ch.is_available()).await;

    // 65 Chinese characters fit one UCS2 SMS (70) alone, but not with the 6-character
    // signature the carrier appends: smppd must split.
    let text: String = "验证码".repeat(22).chars().take(65).collect();
    let report = ch.send(message(7, "13800138000", &text)).await;
    assert!(report.all_accepted(), "{report:?}");
    assert_eq!(report.total_parts, 2);
    let recorded = sim.record().submits();
    assert_eq!(recorded.len(), 2);
    for r in &recorded {
        assert_eq!(r.esm_class & 0x40, 0x40, "part without UDH");
        assert_eq!(r.data_coding, 8);
    }
    let joined: String = recorded.iter().filter_map(|r| r.text.clone()).collect();
    assert_eq!(joined, text);

    let ids: Vec<String> = report.carrier_ids().iter().map(|s| s.to_string()).collect();
    let mut agg = ReceiptAggregator::new(report.total_parts);
    let mut result = None;
    while result.is_none() {
        let ev = tokio::time::timeout(Duration::from_secs(5), events.recv())
            .await
            .unwrap()
            .unwrap();
        let UpstreamEvent::Receipt(r) = ev else {
            continue;
        };
        let id = receipt_id(&r.deliver).unwrap();
        let part = ids.iter().position(|c| *c == id).unwrap();
        let fin = if receipt_delivered(&r.deliver) {
            PartFinal::Delivered(id)
        } else {
            PartFinal::Failed(id)
        };
        r.ack.accept();
        result = agg.record(part, fin).unwrap();
    }
    ch.shutdown().await;
    result.unwrap()
}

#[tokio::test]
async fn split_message_gets_one_delivered_receipt_when_all_parts_are() {
    assert!(matches!(
        split_and_aggregate(0.0).await,
        MessageFinal::Delivered(_)
    ));
}

#[tokio::test]
async fn split_message_fails_when_a_part_is_undeliverable() {
    assert!(matches!(
        split_and_aggregate(1.0).await,
        MessageFinal::Failed { .. }
    ));
}
