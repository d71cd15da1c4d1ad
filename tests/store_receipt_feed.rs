//! The hot path's store writes: owed receipts reach the feed only once committed, the
//! per-account backlog is kept from counters (also across a restart and compaction),
//! acknowledgements are batched, and the route is recorded with the carrier's response.

mod store_support;

use std::time::Duration;

use smppd::store::{
    FinalState, MessageState, MessageStore, ReceiptState, RouteCounters, StatsQuery,
};
use store_support::*;

#[tokio::test]
async fn owed_receipts_are_fed_after_commit_and_counted_per_account() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut feed = store.owed_feed().expect("first call gets the feed");
    assert!(store.owed_feed().is_none(), "one consumer only");
    for (seq, account, rd) in [
        (1, "acme", 1u8),
        (2, "acme", 1),
        (3, "beta", 1),
        (4, "beta", 0),
    ] {
        let mut m = message(id(1, seq), account, "8613800138000", 1);
        m.payload.registered_delivery = rd;
        store.accept(m).await.unwrap();
        store
            .finalize(id(1, seq), carrier_final(FinalState::Delivered, 5))
            .await
            .unwrap();
    }
    // A second final report owes nothing new.
    store
        .finalize(id(1, 1), carrier_final(FinalState::Undeliverable, 6))
        .await
        .unwrap();
    let mut fed = Vec::new();
    while let Some(r) = feed.try_recv() {
        fed.push(r);
    }
    assert_eq!(
        fed.iter().map(|r| r.message.id).collect::<Vec<_>>(),
        vec![id(1, 1), id(1, 2), id(1, 3)],
        "each owed receipt once, none for registered_delivery 0"
    );
    let first = &fed[0];
    assert_eq!(first.state, MessageState::Final);
    assert_eq!(
        first.final_state.as_ref().map(|f| f.state),
        Some(FinalState::Delivered),
        "the pump builds the client receipt from the fed record alone"
    );
    assert_eq!(first.message.payload.destination.addr, "8613800138000");
    assert_eq!(
        first.receipt.as_ref().map(|r| r.state),
        Some(ReceiptState::Pending)
    );
    assert!(!feed.take_overflow());
    assert_eq!(
        store.receipt_backlog().await.unwrap(),
        vec![("acme".to_string(), 2), ("beta".to_string(), 1)]
    );
    assert_eq!(
        store
            .receipt_ids_due("acme".into(), None, 10)
            .await
            .unwrap(),
        vec![id(1, 1), id(1, 2)]
    );

    // One batched write; unknown ids and ones owing nothing are skipped.
    let settled = store
        .receipts_acknowledged(vec![id(1, 1), id(1, 3), id(1, 4), id(9, 9)], at(7))
        .await
        .unwrap();
    assert_eq!(settled, 2);
    assert_eq!(
        store.receipt_backlog().await.unwrap(),
        vec![("acme".to_string(), 1)],
        "an emptied account leaves the backlog"
    );
    let r = store.get(id(1, 1)).await.unwrap().unwrap().receipt.unwrap();
    assert_eq!(
        (r.state, r.attempts, r.last_attempt_at),
        (ReceiptState::Acknowledged, 1, Some(at(7))),
        "an acknowledged receipt was sent at least once, without a separate write"
    );
    // Acknowledging twice does not count twice.
    store.receipt_acknowledged(id(1, 1), at(8)).await.unwrap();
    assert_eq!(
        store
            .receipts_acknowledged(vec![id(1, 1)], at(8))
            .await
            .unwrap(),
        0
    );
    assert_eq!(store.receipt_backlog().await.unwrap().len(), 1);
    store.close().await;

    // Counters are rebuilt from the table at open.
    let store = open(dir.path());
    assert_eq!(
        store.receipt_backlog().await.unwrap(),
        vec![("acme".to_string(), 1)]
    );
}

#[tokio::test]
async fn compaction_of_unacknowledged_receipts_shrinks_the_backlog() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), smppd::store::FsyncPolicy::Never);
    cfg.retention = Duration::from_secs(10);
    let store = smppd::store::SqliteStore::open(&cfg).unwrap();
    store
        .accept(message(id(1, 1), "acme", "8613800138000", 1))
        .await
        .unwrap();
    store
        .finalize(id(1, 1), carrier_final(FinalState::Delivered, 2))
        .await
        .unwrap();
    assert_eq!(store.receipt_backlog().await.unwrap().len(), 1);
    let report = store.compact(at(100), 100).await.unwrap();
    assert_eq!(report.unacknowledged_receipts, 1);
    assert!(store.receipt_backlog().await.unwrap().is_empty());
}

#[tokio::test]
async fn the_route_recorded_with_the_response_counts_like_mark_routed() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for seq in 1..=2 {
        let mut m = message(id(1, seq), "acme", "8613800138000", 1);
        m.segments = 2;
        store.accept(m).await.unwrap();
    }
    // Message 1: two parts on cmcc-a, one write each, no mark_routed.
    for part in 1..=2 {
        let out = store
            .record_forwarded_on(id(1, 1), route("cmcc-a"), submit_resp(part, "A", 3), vec![])
            .await
            .unwrap();
        assert_eq!(out.parts_forwarded, part);
    }
    // Message 2: refused transiently on cmcc-a, then forwarded on cmcc-b (failover).
    let mut refused = submit_resp(1, "", 3);
    refused.carrier_message_id = None;
    refused.command_status = 0x58;
    let out = store
        .record_forwarded_on(id(1, 2), route("cmcc-a"), refused, vec![])
        .await
        .unwrap();
    assert_eq!(
        out.state,
        MessageState::Routed,
        "sent without success: re-sent at recovery"
    );
    for part in 1..=2 {
        let mut s = submit_resp(part, "B", 4);
        s.channel = "cmcc-b".into();
        store
            .record_forwarded_on(id(1, 2), route("cmcc-b"), s, vec![])
            .await
            .unwrap();
    }
    store
        .finalize(id(1, 1), carrier_final(FinalState::Delivered, 9))
        .await
        .unwrap();
    let rec = store.get(id(1, 1)).await.unwrap().unwrap();
    assert_eq!(rec.state, MessageState::Final);
    assert_eq!(rec.routed.map(|(r, _)| r), Some(route("cmcc-a")));
    let rows = store.route_statistics(StatsQuery::default()).await.unwrap();
    let got: Vec<(String, Option<String>, RouteCounters)> = rows
        .iter()
        .map(|r| (r.channel.clone(), r.carrier.clone(), r.messages))
        .collect();
    let c = |routed, delivered, pending| RouteCounters {
        routed,
        delivered,
        failed: 0,
        expired: 0,
        pending,
    };
    let cmcc = Some("cmcc".to_string());
    assert_eq!(
        got,
        vec![
            ("cmcc-a".into(), cmcc.clone(), c(1, 1, 0)),
            ("cmcc-b".into(), cmcc, c(1, 0, 1)),
        ],
        "failover moved message 2; every message counted once, with its labels"
    );
    assert_eq!(rows[0].segments.routed, 2);
    assert!(rows
        .iter()
        .all(|r| r.messages.reconciles() && r.segments.reconciles()));
}
