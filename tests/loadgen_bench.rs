//! `smppd bench` against an in-process SMSC whose answers are known in advance: the summary
//! counts must be exactly what the responder did.

mod loadgen_responder;

use std::sync::atomic::Ordering::SeqCst;
use std::time::Duration;

use loadgen_responder::{start, Rules};
use smppd::loadgen::{self, BenchConfig, BindMode, LoadgenError, TextKind};
use smppd::pdu::CommandStatus;

fn config(target: String) -> BenchConfig {
    BenchConfig {
        target,
        password: "secret".into(),
        sessions: 3,
        window: 8,
        messages: 300,
        receipt_wait: Duration::from_millis(300),
        ..BenchConfig::default()
    }
}

#[tokio::test]
async fn counts_errors_early_and_missing_receipts_exactly() {
    let rules = Rules {
        reject: Some((10, CommandStatus::ESME_RTHROTTLED)),
        receipt_first: Some(7),
        no_receipt: Some(13),
    };
    let (addr, seen) = start("secret", rules).await;
    let s = loadgen::run(config(addr), false).await.unwrap();

    let n = 1..=300u64;
    let rejected = n.clone().filter(|&n| rules.rejected(n).is_some()).count() as u64;
    let receipted = n.clone().filter(|&n| rules.receipted(n)).count() as u64;
    let early = n.clone().filter(|&n| rules.early(n)).count() as u64;
    assert_eq!((rejected, receipted, early), (30, 249, 35));

    assert_eq!(s.sessions_bound, 3);
    assert_eq!((s.messages, s.submitted), (300, 300));
    assert_eq!(s.resp_ok, 270);
    assert_eq!((s.resp_error, s.no_response), (30, 0));
    assert_eq!(s.errors.len(), 1);
    assert_eq!(s.errors[0].name, "ESME_RTHROTTLED");
    assert_eq!((s.errors[0].status, s.errors[0].count), (0x58, 30));
    assert_eq!(s.receipts_received, 249);
    assert_eq!(s.receipts_matched, 249);
    assert_eq!(s.receipts_before_resp, 35);
    assert_eq!(s.receipts_unmatched, 0);
    assert_eq!(s.missing_receipts, 270 - 249);
    assert_eq!(s.receipts_by_stat.get("DELIVRD"), Some(&249));
    assert_eq!(s.resp_latency_ms.count, 300);
    assert_eq!(s.receipt_latency_ms.count, 249);
    assert!(s.submits_per_second > 0.0 && s.receipts_per_second > 0.0);
    assert!(s.session_errors.is_empty(), "{:?}", s.session_errors);
    // Every receipt was acknowledged and every session unbound.
    assert_eq!(seen.deliver_sm_resp.load(SeqCst), 249);
    assert_eq!(seen.unbinds.load(SeqCst), 3);
    // Recipients come from all three big carriers.
    for c in ["cmcc", "cucc", "ctcc"] {
        assert!(
            s.recipients_by_carrier.get(c).copied().unwrap_or(0) > 0,
            "{c}"
        );
    }
    assert_eq!(s.recipients_by_carrier.values().sum::<u64>(), 300);
    assert!(s.provinces > 20);
}

#[tokio::test]
async fn tx_rx_pairs_with_long_texts_get_every_segment_receipted() {
    let rules = Rules {
        reject: None,
        receipt_first: Some(5),
        no_receipt: None,
    };
    let (addr, seen) = start("secret", rules).await;
    let cfg = BenchConfig {
        bind: BindMode::TxRx,
        text: TextKind::Long,
        messages: 50,
        sessions: 2,
        ..config(addr)
    };
    let s = loadgen::run(cfg, false).await.unwrap();
    assert_eq!(s.sessions_bound, 2);
    assert_eq!(s.messages, 50);
    assert!(
        s.submitted >= 100,
        "long texts have ≥2 segments, got {}",
        s.submitted
    );
    assert_eq!(seen.submits.load(SeqCst), s.submitted);
    assert_eq!(s.resp_ok, s.submitted);
    assert_eq!(s.receipts_matched, s.submitted);
    assert_eq!((s.missing_receipts, s.receipts_unmatched), (0, 0));
    assert_eq!(seen.deliver_sm_resp.load(SeqCst), s.submitted);
    assert_eq!(seen.unbinds.load(SeqCst), 4);
}

#[tokio::test]
async fn a_refused_bind_is_reported_with_its_status() {
    let rules = Rules {
        reject: None,
        receipt_first: None,
        no_receipt: None,
    };
    let (addr, _) = start("other", rules).await;
    match loadgen::run(config(addr), false).await {
        Err(LoadgenError::NoSession(why)) => assert!(why.contains("ESME_RINVPASWD"), "{why}"),
        other => panic!("expected NoSession, got {other:?}"),
    }
}

#[tokio::test]
async fn rate_paces_the_submits() {
    let rules = Rules {
        reject: None,
        receipt_first: None,
        no_receipt: None,
    };
    let (addr, _) = start("secret", rules).await;
    let cfg = BenchConfig {
        messages: 60,
        rate: 200.0,
        text: TextKind::Gsm7,
        ..config(addr)
    };
    let s = loadgen::run(cfg, false).await.unwrap();
    assert_eq!(s.receipts_matched, 60);
    // 60 submits at 200/s cannot finish before ~0.3 s (lower bound only: no timing target).
    assert!(s.submit_seconds >= 0.25, "took {}s", s.submit_seconds);
}

#[tokio::test]
async fn hold_keeps_idle_sessions_bound_then_unbinds_them() {
    let (addr, seen) = start("secret", Rules::default()).await;
    let cfg = BenchConfig {
        messages: 0,
        hold: Duration::from_millis(600),
        ..config(addr)
    };
    let started = std::time::Instant::now();
    let run = tokio::spawn(loadgen::run(cfg, false));
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Mid-hold: nothing submitted, nobody unbound yet.
    assert_eq!(seen.unbinds.load(SeqCst), 0);
    assert_eq!(seen.submits.load(SeqCst), 0);
    let s = run.await.unwrap().unwrap();
    assert!(started.elapsed() >= Duration::from_millis(600));
    assert_eq!((s.sessions_bound, s.messages, s.submitted), (3, 0, 0));
    assert_eq!(seen.unbinds.load(SeqCst), 3);
}
