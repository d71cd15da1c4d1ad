//! The relay does not serialize on fsync: carrier receipts arriving together are handled
//! concurrently, so their finalizes share group commits (fsync always) instead of each
//! waiting for its own.

mod support_gateway;

use std::time::Duration;

use smppd::sim::SimStats;
use support_gateway::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_burst_of_carrier_receipts_shares_commits() {
    let dir = tempfile::tempdir().unwrap();
    // Receipts come well after every submit was answered, in one burst per carrier.
    let carriers = Carriers::start(|_, c| c.receipt_delay = Duration::from_millis(1500)).await;
    let gw = Gateway::start(&base_toml(dir.path(), carriers.ports(), "\"always\"", "")).await;
    // Ten clients submit at once, so receipts come in clumps, as under real load.
    const CLIENTS: u64 = 10;
    const N: u64 = 15 * CLIENTS;
    let clients: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let addr = gw.addr;
            tokio::spawn(async move {
                let mut tx = Esme::bind(addr, BindKind::Transmitter, "demo", "demo").await;
                for i in (c..N).step_by(CLIENTS as usize) {
                    let op = OPERATORS[i as usize % 3];
                    let dest = number(op, 700 + i as u32);
                    let (status, _) = tx
                        .submit_text(&dest, &format!("【smppd测试】验证码{i}"))
                        .await;
                    assert_eq!(status, 0);
                }
                tx.unbind().await;
            })
        })
        .collect();
    for c in clients {
        c.await.unwrap();
    }
    let sent = || -> u64 {
        carriers
            .sims
            .iter()
            .map(|s| SimStats::get(&s.stats().accepted))
            .sum()
    };
    let acked = || -> u64 {
        carriers
            .sims
            .iter()
            .map(|s| SimStats::get(&s.stats().deliver_acks))
            .sum()
    };
    wait_until(
        "every message at a carrier",
        Duration::from_secs(10),
        || sent() >= N,
    )
    .await;
    // Let the carrier responses be recorded, then count only the receipts' writes (no
    // receiver is bound, so the receipt pump writes nothing).
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(acked(), 0, "receipts came before the baseline");
    let before = gw.pipeline.commit_stats();
    wait_until(
        "every receipt stored and acknowledged",
        Duration::from_secs(15),
        || acked() >= N,
    )
    .await;
    let after = gw.pipeline.commit_stats();
    let (requests, batches) = (
        after.requests - before.requests,
        after.batches - before.batches,
    );
    println!("{N} receipts: {requests} store writes in {batches} commits");
    assert!(requests >= N, "{requests} writes for {N} receipts");
    // One receipt at a time would need a commit per receipt (ratio 1); handled together
    // they share them (about 3.5 writes per commit here on a loaded 2-core machine).
    assert!(
        batches * 2 <= requests,
        "{requests} writes took {batches} commits: receipts wait for each other's fsync"
    );
    gw.stop().await;
    carriers.shutdown().await;
}
