//! Carrier deliver_sm are at-least-once: smppd acknowledges one only once it has kept it
//! (a receipt's effect committed in the store, an MO taken by the client), and handles a
//! repeat harmlessly.

mod support_gateway;

use std::collections::BTreeMap;
use std::time::Duration;

use smppd::sim::SimStats;
use support_gateway::*;

fn total(
    c: &Carriers,
    counter: impl Fn(&smppd::sim::SimStats) -> &std::sync::atomic::AtomicU64,
) -> u64 {
    c.sims
        .iter()
        .map(|s| SimStats::get(counter(s.stats())))
        .sum()
}

/// A carrier that sends every receipt twice: both are acknowledged, the client gets one
/// receipt per message (the second finds the message final: evidence only).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_repeated_carrier_receipt_gives_the_client_one_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|_, c| c.duplicate_receipts = true).await;
    let gw = Gateway::start(&base_toml(dir.path(), carriers.ports(), "\"always\"", "")).await;
    let mut rx = Esme::bind(gw.addr, BindKind::Receiver, "demo", "demo").await;
    let mut tx = Esme::bind(gw.addr, BindKind::Transmitter, "demo", "demo").await;
    const N: u32 = 30;
    for i in 0..N {
        let op = OPERATORS[i as usize % 3];
        let (status, _) = tx
            .submit_text(&number(op, 500 + i), &format!("【smppd测试】取件码{i}"))
            .await;
        assert_eq!(status, 0);
    }
    wait_until(
        "both copies of every receipt acknowledged",
        Duration::from_secs(15),
        || total(&carriers, |s| &s.deliver_acks) >= u64::from(2 * N),
    )
    .await;
    // Collect for a while longer than it takes: a second client receipt would show here.
    let got = rx.receipts(2 * N as usize, Duration::from_secs(2)).await;
    let mut per_id: BTreeMap<String, u32> = BTreeMap::new();
    for r in &got {
        *per_id
            .entry(r.tlv_id.clone().unwrap_or_default())
            .or_default() += 1;
    }
    assert_eq!(
        per_id.len(),
        N as usize,
        "one receipt per message: {per_id:?}"
    );
    assert!(per_id.values().all(|n| *n == 1), "repeats: {per_id:?}");
    assert_eq!(total(&carriers, |s| &s.deliver_refused), 0);
    tx.unbind().await;
    rx.unbind().await;
    gw.stop().await;
    carriers.shutdown().await;
}

/// An MO for an account with no receiver bound is not acknowledged (ESME_RX_T_APPN): the
/// carrier keeps it and sends it again, and the client gets it once it binds.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_mo_waits_at_the_carrier_until_the_client_binds() {
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|_, c| c.redeliver_delay = Duration::from_millis(200)).await;
    let gw = Gateway::start(&base_toml(dir.path(), carriers.ports(), "\"never\"", "")).await;
    let cmcc = carriers.get("cmcc");
    wait_until(
        "smppd bound to the cmcc carrier as receiver",
        Duration::from_secs(10),
        || cmcc.send_mo("smppd", "13800007777", "106900101", "明天几点到"),
    )
    .await;
    wait_until(
        "the MO refused while nobody can take it",
        Duration::from_secs(10),
        || SimStats::get(&cmcc.stats().deliver_refused) >= 1,
    )
    .await;
    assert_eq!(SimStats::get(&cmcc.stats().deliver_acks), 0);

    let mut rx = Esme::bind(gw.addr, BindKind::Receiver, "demo", "demo").await;
    let mo = rx.drain(Duration::from_millis(1500)).await;
    assert_eq!(mo.len(), 1, "the MO came again and reached the client once");
    assert_eq!(mo[0].source_addr.to_string_lossy(), "13800007777");
    wait_until(
        "the carrier's MO acknowledged after the client took it",
        Duration::from_secs(5),
        || SimStats::get(&cmcc.stats().deliver_acks) == 1,
    )
    .await;
    rx.unbind().await;
    gw.stop().await;
    carriers.shutdown().await;
}
