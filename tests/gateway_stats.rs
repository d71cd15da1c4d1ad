//! Issue 7 end to end: after a mixed run (delivered, rejected by policy, failed at the
//! carrier, expired on hung carriers, still pending) the store's statistics count each
//! outcome and reconcile: submitted = accepted + rejected and
//! accepted = delivered + failed + expired + pending.

mod support_gateway;

use std::time::Duration;

use smppd::store::{Counters, StatsQuery};
use support_gateway::esme::submit_sm_valid_for;
use support_gateway::*;

async fn totals(gw: &Gateway) -> Counters {
    let days = gw
        .pipeline
        .statistics(StatsQuery {
            account: Some("demo".into()),
            ..Default::default()
        })
        .await
        .expect("statistics");
    let mut all = Counters::default();
    for d in &days {
        all.add(&d.messages);
    }
    all
}

/// Receipts for `n` distinct ids not in `skip` (bounded wait).
async fn distinct(rx: &mut Esme, skip: &[String], n: usize) -> Vec<Receipt> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    let mut out: Vec<Receipt> = Vec::new();
    while out.len() < n && tokio::time::Instant::now() < deadline {
        for r in rx.receipts(1, Duration::from_millis(200)).await {
            let id = r.tlv_id.clone().unwrap_or_default();
            if !skip.contains(&id) && !out.iter().any(|o| o.tlv_id.as_deref() == Some(&id)) {
                out.push(r);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_reconcile_after_a_mixed_run() {
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|op, c| {
        if op == "cucc" {
            c.undeliverable_rate = 1.0;
        }
    })
    .await;
    let gw = Gateway::start(&base_toml(dir.path(), carriers.ports(), "\"never\"", "")).await;
    let mut rx = Esme::bind(gw.addr, BindKind::Receiver, "demo", "demo").await;
    let mut tx = Esme::bind(gw.addr, BindKind::Transmitter, "demo", "demo").await;

    // 5 delivered (China Telecom), 4 undeliverable (China Unicom's carrier fails them all),
    // 2 rejected by policy (no signature).
    for n in 0..5 {
        let (s, _) = tx
            .submit_text(&number("ctcc", n), &format!("【smppd测试】送达{n}"))
            .await;
        assert_eq!(s, 0);
    }
    for n in 0..4 {
        let (s, _) = tx
            .submit_text(&number("cucc", n), &format!("【smppd测试】失败{n}"))
            .await;
        assert_eq!(s, 0);
    }
    for n in 0..2 {
        let (s, _) = tx
            .submit_text(&number("cmcc", n), &format!("没有签名{n}"))
            .await;
        assert_eq!(s, 0x401);
    }
    // Receipts are at-least-once: keep the first of each id.
    let receipts = distinct(&mut rx, &[], 9).await;
    assert_eq!(receipts.len(), 9, "{receipts:?}");
    // The statistics must agree with what the client was told.
    let delivered = receipts.iter().filter(|r| r.stat == "DELIVRD").count() as u64;
    let failed = receipts.iter().filter(|r| r.stat == "UNDELIV").count() as u64;
    assert_eq!(delivered + failed, 9, "{receipts:?}");
    assert!(failed >= 3, "the failing carrier failed them: {receipts:?}");

    // Every carrier stops answering: 3 messages valid for 2 s expire, 2 valid for the
    // default 48 h stay pending.
    for s in &carriers.sims {
        s.set_hang(true);
    }
    for n in 0..3 {
        let sm = submit_sm_valid_for(&number("cmcc", 10 + n), &format!("【smppd测试】过期{n}"), 2);
        let (s, _) = tx.submit(sm).await.unwrap();
        assert_eq!(s, 0);
    }
    for n in 0..2 {
        let (s, _) = tx
            .submit_text(&number("cmcc", 20 + n), &format!("【smppd测试】等待{n}"))
            .await;
        assert_eq!(s, 0);
    }
    let seen: Vec<String> = receipts.iter().filter_map(|r| r.tlv_id.clone()).collect();
    let expired = distinct(&mut rx, &seen, 3).await;
    assert_eq!(expired.len(), 3, "{expired:?}");
    assert!(expired.iter().all(|r| r.stat == "EXPIRED"), "{expired:?}");

    let c = totals(&gw).await;
    println!("statistics: {c:?}");
    assert_eq!(c.submitted, 16);
    assert_eq!(c.accepted, 14);
    assert_eq!(c.rejected, 2);
    assert_eq!(c.delivered, delivered);
    assert_eq!(c.failed, failed);
    assert_eq!(c.expired, 3);
    assert_eq!(c.pending, 2);
    assert!(c.reconciles());
    gw.stop().await;
    carriers.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submit_refused_for_a_field_is_counted_as_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|_, _| {}).await;
    let gw = Gateway::start(&base_toml(dir.path(), carriers.ports(), "\"never\"", "")).await;
    let mut tx = Esme::bind(gw.addr, BindKind::Transmitter, "demo", "demo").await;

    // A canned message (sm_default_msg_id) is refused before the gateway reads the text.
    let mut sm = support_gateway::esme::submit_sm(&number("cmcc", 51), "【smppd测试】您好");
    sm.sm_default_msg_id = 3;
    let (status, _) = tx.submit(sm).await.unwrap();
    assert_eq!(status, 0x0000_0063, "ESME_RINVDFTMSGID");

    let c = totals(&gw).await;
    assert_eq!((c.submitted, c.rejected, c.accepted), (1, 1, 0), "{c:?}");
    assert!(c.reconciles());
    gw.stop().await;
    carriers.shutdown().await;
}
