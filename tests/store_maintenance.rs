//! Expiry sweep and compaction helpers over the `MessageStore` trait.

mod store_support;

use std::sync::Arc;
use std::time::Duration;

use smppd::store::{
    compact_all, expire_due, spawn_maintenance, FinalState, FsyncPolicy, MessageStore,
    ReceiptState, SqliteStore, StatsQuery,
};
use store_support::*;

#[tokio::test]
async fn expiry_sweep_ends_overdue_messages_with_an_honest_generated_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    // Deadlines: 1 h after acceptance (see store_support::message).
    store
        .accept(message(id(1, 1), "acme", "8613800138000", 1))
        .await
        .unwrap();
    store
        .accept(message(id(2, 1), "acme", "8613800138000", 7200))
        .await
        .unwrap();
    let mut quiet = message(id(3, 1), "acme", "8613800138000", 1);
    quiet.payload.registered_delivery = 0;
    store.accept(quiet).await.unwrap();

    let done = expire_due(&store, at(3601 + 10)).await.unwrap();
    assert_eq!(done, vec![(id(1, 1), true), (id(3, 1), false)]);
    let rec = store.get(id(1, 1)).await.unwrap().unwrap();
    let f = rec.final_state.unwrap();
    assert_eq!(f.state, FinalState::Expired);
    assert!(
        f.generated_by_smppd && rec.receipts.is_empty(),
        "no carrier evidence is invented"
    );
    assert_eq!(rec.receipt.unwrap().state, ReceiptState::Pending);
    assert!(store
        .get(id(2, 1))
        .await
        .unwrap()
        .unwrap()
        .final_state
        .is_none());
    assert!(
        expire_due(&store, at(3601 + 10)).await.unwrap().is_empty(),
        "idempotent"
    );

    let s = &store.statistics(StatsQuery::default()).await.unwrap()[0];
    assert_eq!((s.messages.expired, s.messages.pending), (2, 1));
    assert!(s.messages.reconciles());
}

/// A message a carrier holds got the same validity period: the carrier reports its own
/// outcome around the deadline (delivered just before it, its own EXPIRED just after).
/// smppd does not race that receipt with an EXPIRED of its own, which would report a
/// delivered message as expired (a later DELIVRD for a final message is evidence only).
#[tokio::test]
async fn a_message_a_carrier_holds_is_not_expired_before_the_carriers_own_receipt() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    // Both valid until 3601 (see store_support::message); only `held` reached a carrier.
    let never_sent = id(1, 1);
    let held = id(1, 2);
    for m in [never_sent, held] {
        store
            .accept(message(m, "acme", "8613800138000", 1))
            .await
            .unwrap();
    }
    store
        .record_forwarded_on(held, route("cmcc-a"), submit_resp(1, "C1", 2), vec![])
        .await
        .unwrap();

    let done = expire_due(&store, at(3601 + 10)).await.unwrap();
    assert_eq!(
        done,
        vec![(never_sent, true)],
        "only the unsent one: no carrier will report it"
    );
    // The carrier delivered it just before the deadline; its receipt comes a little later.
    store
        .finalize(held, carrier_final(FinalState::Delivered, 3601 + 20))
        .await
        .unwrap();
    let rec = store.get(held).await.unwrap().unwrap();
    assert_eq!(rec.final_state.unwrap().state, FinalState::Delivered);

    let s = &store.statistics(StatsQuery::default()).await.unwrap()[0];
    assert_eq!(
        (s.messages.delivered, s.messages.expired, s.messages.pending),
        (1, 1, 0)
    );
    assert!(s.messages.reconciles());
}

/// A carrier that never reports still gets its message ended, EXPIRED by smppd, once the
/// grace for the carrier's own receipt has passed.
#[tokio::test]
async fn a_message_a_carrier_never_reports_still_expires() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let held = id(1, 1);
    store
        .accept(message(held, "acme", "8613800138000", 1))
        .await
        .unwrap();
    store
        .record_forwarded_on(held, route("cmcc-a"), submit_resp(1, "C1", 2), vec![])
        .await
        .unwrap();
    assert!(expire_due(&store, at(3601 + 10)).await.unwrap().is_empty());
    let done = expire_due(&store, at(3601 + 24 * 3600)).await.unwrap();
    assert_eq!(done, vec![(held, true)]);
    let f = store.get(held).await.unwrap().unwrap().final_state.unwrap();
    assert!(f.state == FinalState::Expired && f.generated_by_smppd);
}

#[tokio::test]
async fn compact_all_runs_until_nothing_is_past_retention() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), FsyncPolicy::Never);
    cfg.retention = Duration::from_secs(60);
    let store = SqliteStore::open(&cfg).unwrap();
    for seq in 0..2500 {
        store
            .accept(message(id(1, seq), "acme", "8613800138000", 1))
            .await
            .unwrap();
        store
            .finalize(id(1, seq), carrier_final(FinalState::Delivered, 2))
            .await
            .unwrap();
    }
    let r = compact_all(&store, at(1000)).await.unwrap();
    assert_eq!(r.messages, 2500, "three steps of at most 1000");
    assert!(store.get(id(1, 2499)).await.unwrap().is_none());
}

#[tokio::test]
async fn maintenance_task_expires_and_reports_owed_receipts() {
    let dir = tempfile::tempdir().unwrap();
    let store: Arc<dyn MessageStore> = Arc::new(open(dir.path()));
    // Accepted two hours ago by the wall clock: its 1 h validity has passed.
    let now = std::time::SystemTime::now();
    let mut m = message(id(1, 1), "acme", "8613800138000", 1);
    m.accepted_at = now - Duration::from_secs(7200);
    m.validity_deadline = Some(now - Duration::from_secs(3600));
    store.accept(m).await.unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let task = spawn_maintenance(Arc::clone(&store), Duration::from_secs(30), move |id| {
        let _ = tx.send(id);
    });
    let expired = tokio::time::timeout(Duration::from_secs(60), rx.recv())
        .await
        .unwrap();
    assert_eq!(expired, Some(id(1, 1)));
    task.abort();
}
