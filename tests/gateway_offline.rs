//! Issue 6 end to end: receipts for a client that is not bound wait in the store; once it
//! binds a receiver it gets every one of them, also after smppd was stopped and started
//! again on the same store.

mod support_gateway;

use std::collections::BTreeSet;
use std::sync::atomic::Ordering;
use std::time::Duration;

use smppd::sim::SimStats;
use support_gateway::*;

/// Receipts the carriers got acknowledged by smppd (smppd acks once the receipt is stored;
/// before that change it acked when its relay queue took one, and a stop dropped the queue:
/// the receipts lost there were this test's failure under load).
fn acked(c: &Carriers) -> u64 {
    c.sims
        .iter()
        .map(|s| SimStats::get(&s.stats().deliver_acks))
        .sum()
}

async fn submit_batch(gw: &Gateway, tag: &str, n: u32) -> BTreeSet<String> {
    let mut tx = Esme::bind(gw.addr, BindKind::Transmitter, "demo", "demo").await;
    let mut ids = BTreeSet::new();
    for i in 0..n {
        let op = OPERATORS[i as usize % 3];
        let (status, id) = tx
            .submit_text(&number(op, 100 + i), &format!("【smppd测试】{tag}通知{i}"))
            .await;
        assert_eq!(status, 0);
        ids.insert(id);
    }
    tx.unbind().await;
    ids
}

async fn collect(gw: &Gateway, n: usize, want: &BTreeSet<String>) -> BTreeSet<String> {
    let mut rx = Esme::bind(gw.addr, BindKind::Receiver, "demo", "demo").await;
    // Receipts are at-least-once: collect until n distinct ids (bounded wait).
    let mut receipts: Vec<Receipt> = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    let covered = |r: &[Receipt]| {
        want.iter()
            .all(|w| r.iter().any(|o| o.tlv_id.as_deref() == Some(w.as_str())))
    };
    while (receipts.len() < n || !covered(&receipts)) && tokio::time::Instant::now() < deadline {
        for r in rx.receipts(1, Duration::from_millis(200)).await {
            if !receipts.iter().any(|o| o.tlv_id == r.tlv_id) {
                receipts.push(r);
            }
        }
    }
    rx.unbind().await;
    for r in &receipts {
        assert_eq!(r.stat, "DELIVRD", "{r:?}");
        assert_eq!(r.tlv_id, r.text_id, "{r:?}");
    }
    let got: BTreeSet<String> = receipts.into_iter().filter_map(|r| r.tlv_id).collect();
    got
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_wait_for_an_offline_client_also_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|_, _| {}).await;
    let toml = base_toml(dir.path(), carriers.ports(), "\"always\"", "");

    // 1. No receiver bound while the receipts arrive.
    let gw = Gateway::start(&toml).await;
    let first = submit_batch(&gw, "甲", 12).await;
    wait_until("12 receipts stored", Duration::from_secs(15), || {
        acked(&carriers) >= 12
    })
    .await;
    assert_eq!(
        collect(&gw, 12, &first).await,
        first,
        "every owed receipt after binding"
    );

    // 2. Receipts arrive while no receiver is bound, then smppd restarts before the client
    //    binds: they come from the store of the new process.
    let second = submit_batch(&gw, "乙", 12).await;
    wait_until("24 receipts stored", Duration::from_secs(15), || {
        acked(&carriers) >= 24
    })
    .await;
    gw.stop().await;
    let gw = Gateway::start(&toml).await;
    // A first-batch receipt whose ack was not yet recorded at the stop may come again
    // (at-least-once); every second-batch one must come.
    let got = collect(&gw, 12, &second).await;
    assert!(
        second.is_subset(&got),
        "owed receipts survive the restart; missing {:?}",
        second.difference(&got).collect::<Vec<_>>()
    );
    assert!(
        got.iter()
            .all(|id| second.contains(id) || first.contains(id)),
        "nothing but owed receipts: {got:?}"
    );

    // The carriers got each message exactly once.
    let sent: usize = carriers.sims.iter().map(|s| s.record().len()).sum();
    assert_eq!(sent, 24);
    let _ = Ordering::Relaxed;
    gw.stop().await;
    carriers.shutdown().await;
}
