//! The group commit: requests that share a batch succeed or fail on their own. A failing
//! request never fails or half-applies its companions, and the statistics of the batch
//! count only what was applied.

mod store_support;

use std::sync::Arc;

use smppd::store::{FinalState, FsyncPolicy, MessageStore, SqliteStore, StatsQuery, StoreError};
use store_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_request_does_not_fail_its_batch() {
    let dir = tempfile::tempdir().unwrap();
    // Lingering 50 ms after the first request puts everything below in one batch.
    let store = Arc::new(
        SqliteStore::open(&config(
            dir.path(),
            FsyncPolicy::Batched { max_delay_ms: 50 },
        ))
        .unwrap(),
    );
    store
        .accept(message(id(1, 1), "acme", "8613800138000", 1))
        .await
        .unwrap();
    let batches_before = store.commit_stats().batches;
    let (dup, fresh, unknown, fin) = tokio::join!(
        store.accept(message(id(1, 1), "acme", "8613800138000", 2)),
        store.accept(message(id(1, 2), "acme", "8613800138001", 2)),
        store.finalize(id(9, 9), carrier_final(FinalState::Delivered, 3)),
        store.finalize(id(1, 1), carrier_final(FinalState::Delivered, 3)),
    );
    assert!(matches!(dup, Err(StoreError::Duplicate(_))), "{dup:?}");
    assert!(fresh.is_ok(), "{fresh:?}");
    assert!(
        matches!(unknown, Err(StoreError::UnknownMessage(_))),
        "{unknown:?}"
    );
    assert!(fin.is_ok(), "{fin:?}");
    assert_eq!(
        store.commit_stats().batches - batches_before,
        1,
        "the four requests shared one commit"
    );
    let stats = store.statistics(StatsQuery::default()).await.unwrap();
    let m = stats[0].messages;
    assert_eq!(
        (m.accepted, m.delivered, m.pending),
        (2, 1, 1),
        "the duplicate counted nothing"
    );
    assert!(m.reconciles());
    assert_eq!(
        store.receipt_backlog().await.unwrap(),
        vec![("acme".to_string(), 1)],
        "the finalize of the batch owes its receipt"
    );
}
