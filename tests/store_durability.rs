//! Durability across reopen, receipts waiting for an offline client, and group commit.

mod store_support;

use std::sync::Arc;

use smppd::store::{FinalState, FsyncPolicy, MessageState, MessageStore, SqliteStore};
use store_support::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn committed_records_survive_an_unclean_stop() {
    for fsync in [
        FsyncPolicy::Always,
        FsyncPolicy::Batched { max_delay_ms: 3 },
    ] {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&config(dir.path(), fsync)).unwrap();
        for seq in 1..=20 {
            store
                .accept(message(id(1, seq), "acme", "8613800138000", 1))
                .await
                .unwrap();
        }
        store
            .mark_routed(id(1, 1), route("cmcc-a"), at(2))
            .await
            .unwrap();
        store
            .record_forwarded(id(1, 2), submit_resp(0, "K2", 2), vec!["K2".into()])
            .await
            .unwrap();
        // No close, no drop: the writer thread and connections are simply abandoned.
        std::mem::forget(store);

        let again = SqliteStore::open(&config(dir.path(), fsync)).unwrap();
        assert_eq!(
            again.unsent(None, 100).await.unwrap().len(),
            18,
            "{fsync:?}"
        );
        assert_eq!(
            again.sent_without_response(None, 100).await.unwrap().len(),
            1
        );
        assert_eq!(
            again.find_by_carrier_key("K2".into()).await.unwrap(),
            vec![id(1, 2)]
        );
        assert_eq!(again.highest_message_id().await.unwrap(), Some(id(1, 20)));
        let depth = again.queue_depth();
        assert_eq!(
            (depth.unsent_messages, depth.open_messages),
            (19, 20),
            "queue view rebuilt"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn receipts_wait_for_an_offline_client_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = open(dir.path());
        for seq in 1..=3 {
            store
                .accept(message(id(1, seq), "offline", "8613800138000", 1))
                .await
                .unwrap();
            store
                .record_forwarded(id(1, seq), submit_resp(0, &format!("C{seq}"), 2), vec![])
                .await
                .unwrap();
            store
                .finalize(id(1, seq), carrier_final(FinalState::Delivered, 30))
                .await
                .unwrap();
        }
        // One was sent before the restart, but never acknowledged.
        store.receipt_sent(id(1, 1), at(31)).await.unwrap();
        store.close().await;
    }
    let store = open(dir.path());
    let due = store
        .receipts_due("offline".into(), None, 10)
        .await
        .unwrap();
    assert_eq!(
        due.iter().map(|r| r.message.id).collect::<Vec<_>>(),
        vec![id(1, 1), id(1, 2), id(1, 3)]
    );
    assert_eq!(due[0].receipt.as_ref().unwrap().attempts, 1);
    assert!(due.iter().all(|r| r.state == MessageState::Final));
    for r in &due {
        store.receipt_sent(r.message.id, at(100)).await.unwrap();
        store
            .receipt_acknowledged(r.message.id, at(101))
            .await
            .unwrap();
    }
    store.close().await;
    let store = open(dir.path());
    assert!(store
        .receipts_due("offline".into(), None, 10)
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_writers_share_commits() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open(&config(
            dir.path(),
            FsyncPolicy::Batched { max_delay_ms: 20 },
        ))
        .unwrap(),
    );
    let mut tasks = Vec::new();
    for w in 0..64u64 {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            for i in 0..10u64 {
                store
                    .accept(message(id(1, w * 100 + i), "acme", "8613800138000", 1))
                    .await
                    .unwrap();
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
    let c = store.commit_stats();
    assert_eq!(c.requests, 640);
    assert!(
        c.batches * 4 <= c.requests,
        "group commit shared fsyncs: {c:?}"
    );
    assert_eq!(store.unsent(None, 1000).await.unwrap().len(), 640);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_request_does_not_fail_or_skew_its_batch() {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open(&config(
            dir.path(),
            FsyncPolicy::Batched { max_delay_ms: 200 },
        ))
        .unwrap(),
    );
    // Same batch (200 ms linger): two accepts of one id, one other id, a final for an unknown id.
    let (a, dup, b, unknown) = tokio::join!(
        store.accept(message(id(1, 1), "acme", "8613800138000", 1)),
        store.accept(message(id(1, 1), "acme", "8613800138000", 1)),
        store.accept(message(id(1, 2), "acme", "8613800138000", 1)),
        store.finalize(id(9, 9), carrier_final(FinalState::Delivered, 2)),
    );
    assert!(
        a.is_ok() != dup.is_ok(),
        "exactly one of the duplicates is stored"
    );
    assert!(b.is_ok());
    assert!(unknown.is_err());
    assert_eq!(
        store.commit_stats().batches,
        1,
        "all four shared one commit"
    );
    let s = &store
        .statistics(smppd::store::StatsQuery::default())
        .await
        .unwrap()[0];
    assert_eq!((s.messages.accepted, s.messages.pending), (2, 2));
}
