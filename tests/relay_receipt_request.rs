//! smppd learns every message's outcome from its carrier, whatever receipt the client asked
//! for: the client's registered_delivery decides only which receipts smppd owes the client.
//! Passing it through made carriers stay silent about deliveries (client asked for none, or
//! for failures only), and those messages ended as smppd's own EXPIRED two days later: a
//! delivered message counted expired, and under "failures only" an EXPIRED receipt sent to
//! the client for a message that had reached the handset.

mod support_gateway;

use std::time::Duration;

use smppd::store::{Counters, StatsQuery};
use support_gateway::esme::submit_sm;
use support_gateway::*;

async fn totals(gw: &Gateway) -> Counters {
    let mut all = Counters::default();
    for d in gw
        .pipeline
        .statistics(StatsQuery::default())
        .await
        .expect("statistics")
    {
        all.add(&d.messages);
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deliveries_are_known_even_when_the_client_asked_for_no_receipt_or_failures_only() {
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|_, _| {}).await;
    let gw = Gateway::start(&base_toml(dir.path(), carriers.ports(), "\"never\"", "")).await;
    let mut rx = Esme::bind(gw.addr, BindKind::Receiver, "demo", "demo").await;
    let mut tx = Esme::bind(gw.addr, BindKind::Transmitter, "demo", "demo").await;
    // registered_delivery 0: no receipt; 2: a receipt on failure only (SMPP 3.4 §5.2.17).
    for (n, asked) in [(1, 0u8), (2, 2u8)] {
        let mut sm = submit_sm(&number("cmcc", n), &format!("【smppd测试】取件码{n}"));
        sm.registered_delivery = asked;
        let (status, _) = tx.submit(sm).await.unwrap();
        assert_eq!(status, 0);
    }
    let mut last = Counters::default();
    for _ in 0..100 {
        last = totals(&gw).await;
        if last.delivered == 2 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        (last.accepted, last.delivered, last.pending),
        (2, 2, 0),
        "the carrier's receipts ended both: {last:?}"
    );
    assert!(last.reconciles());
    // Delivered: neither client asked to hear about that.
    let got = rx.receipts(1, Duration::from_millis(800)).await;
    assert!(got.is_empty(), "{got:?}");
    // The carrier was asked for its receipt each time.
    let asked: Vec<u8> = carriers
        .get("cmcc")
        .record()
        .submits()
        .iter()
        .map(|s| s.registered_delivery & 0x03)
        .collect();
    assert_eq!(asked, [1, 1]);
    tx.unbind().await;
    rx.unbind().await;
    gw.stop().await;
    carriers.shutdown().await;
}
