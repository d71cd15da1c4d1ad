//! Store behaviour through the `MessageStore` trait: lifecycle, evidence, lookups,
//! receipts owed, statistics reconciliation, compaction and backpressure.

mod store_support;

use std::time::Duration;

use smppd::store::{
    Admission, FinalState, FinalizeOutcome, FsyncPolicy, FullBound, HistoryQuery, MessageState,
    MessageStore, ReceiptState, SqliteStore, StatsQuery, StoreError,
};
use store_support::*;

#[tokio::test]
async fn a_message_keeps_its_lifecycle_and_the_carriers_own_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let m = message(id(1, 1), "acme", "8613800138000", 1);
    store.accept(m.clone()).await.unwrap();

    let rec = store.get(m.id).await.unwrap().unwrap();
    assert_eq!(
        rec.message, m,
        "everything needed to re-send comes back as accepted"
    );
    assert_eq!(rec.state, MessageState::Accepted);

    store
        .mark_routed(m.id, route("cmcc-a"), at(2))
        .await
        .unwrap();
    assert_eq!(
        store.get(m.id).await.unwrap().unwrap().state,
        MessageState::Routed
    );

    let resp = submit_resp(0, "7A3F", 3);
    let out = store
        .record_forwarded(
            m.id,
            resp.clone(),
            vec!["cmcc-a:7A3F".into(), "cmcc-a:31295".into()],
        )
        .await
        .unwrap();
    assert_eq!(
        (out.state, out.parts_forwarded),
        (MessageState::Forwarded, 1)
    );
    assert_eq!(
        store
            .find_by_carrier_key("cmcc-a:31295".into())
            .await
            .unwrap(),
        vec![m.id]
    );
    assert!(store
        .find_by_carrier_key("7A3F".into())
        .await
        .unwrap()
        .is_empty());

    let fin = carrier_final(FinalState::Delivered, 60);
    let out = store.finalize(m.id, fin.clone()).await.unwrap();
    assert_eq!(out, FinalizeOutcome::Finalized { receipt_owed: true });
    // A duplicate receipt from the carrier is kept as evidence, the outcome stands.
    let again = store
        .finalize(m.id, carrier_final(FinalState::Undeliverable, 61))
        .await
        .unwrap();
    assert_eq!(again, FinalizeOutcome::AlreadyFinal(FinalState::Delivered));

    let rec = store.get(m.id).await.unwrap().unwrap();
    assert_eq!(rec.state, MessageState::Final);
    assert_eq!(rec.routed, Some((route("cmcc-a"), at(2))));
    assert_eq!(rec.submits, vec![resp]);
    assert_eq!(rec.receipts.len(), 2);
    assert_eq!(rec.receipts[0].raw_pdu, b"id:X stat:DELIVRD".to_vec());
    let f = rec.final_state.unwrap();
    assert_eq!(
        (f.state, f.at, f.generated_by_smppd),
        (FinalState::Delivered, at(60), false)
    );
    assert_eq!(rec.receipt.unwrap().state, ReceiptState::Pending);
}

#[tokio::test]
async fn multipart_messages_are_forwarded_only_when_every_part_is() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut m = message(id(1, 1), "acme", "8613800138000", 1);
    m.segments = 3;
    store.accept(m.clone()).await.unwrap();
    store
        .record_forwarded(m.id, submit_resp(0, "A0", 2), vec!["A0".into()])
        .await
        .unwrap();
    let mut failed = submit_resp(1, "x", 2);
    failed.command_status = 0x58; // ESME_RTHROTTLED from the carrier: not forwarded
    failed.carrier_message_id = None;
    let out = store.record_forwarded(m.id, failed, vec![]).await.unwrap();
    assert_eq!((out.state, out.parts_forwarded), (MessageState::Routed, 1));

    let waiting = store.sent_without_response(None, 10).await.unwrap();
    assert_eq!(waiting.len(), 1);
    assert_eq!(
        waiting[0].forwarded_parts(),
        vec![0],
        "recovery re-sends parts 1 and 2 only"
    );

    store
        .record_forwarded(m.id, submit_resp(2, "A2", 3), vec!["A2".into()])
        .await
        .unwrap();
    let out = store
        .record_forwarded(m.id, submit_resp(1, "A1", 4), vec!["A1".into()])
        .await
        .unwrap();
    assert_eq!(
        (out.state, out.parts_forwarded),
        (MessageState::Forwarded, 3)
    );
    assert!(store
        .sent_without_response(None, 10)
        .await
        .unwrap()
        .is_empty());
    for k in ["A0", "A1", "A2"] {
        assert_eq!(
            store.find_by_carrier_key(k.into()).await.unwrap(),
            vec![m.id]
        );
    }
}

#[tokio::test]
async fn recovery_queries_split_unsent_from_sent_without_response_and_page() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for seq in 1..=5 {
        store
            .accept(message(id(1, seq), "acme", "8613800138000", 1))
            .await
            .unwrap();
    }
    store
        .mark_routed(id(1, 2), route("cmcc-a"), at(2))
        .await
        .unwrap();
    store
        .mark_routed(id(1, 4), route("cmcc-a"), at(2))
        .await
        .unwrap();
    store
        .record_forwarded(id(1, 4), submit_resp(0, "C4", 3), vec![])
        .await
        .unwrap();

    let ids = |v: Vec<smppd::store::MessageRecord>| {
        v.into_iter().map(|r| r.message.id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(store.unsent(None, 2).await.unwrap()),
        vec![id(1, 1), id(1, 3)]
    );
    assert_eq!(
        ids(store.unsent(Some(id(1, 3)), 2).await.unwrap()),
        vec![id(1, 5)]
    );
    assert_eq!(
        ids(store.sent_without_response(None, 10).await.unwrap()),
        vec![id(1, 2)]
    );
}

#[tokio::test]
async fn receipts_are_owed_as_registered_delivery_asks_and_acknowledged_once() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    // registered_delivery 1: always; 2: on failure only; 0: never (SMPP 3.4 §5.2.17).
    let cases = [
        (1, 1u8, FinalState::Delivered, true),
        (2, 2, FinalState::Delivered, false),
        (3, 2, FinalState::Undeliverable, true),
        (4, 0, FinalState::Undeliverable, false),
        (5, 1, FinalState::Expired, true),
    ];
    for (seq, rd, state, owed) in cases {
        let mut m = message(id(1, seq), "acme", "8613800138000", 1);
        m.payload.registered_delivery = rd;
        store.accept(m).await.unwrap();
        let out = store
            .finalize(id(1, seq), carrier_final(state, 5))
            .await
            .unwrap();
        assert_eq!(
            out,
            FinalizeOutcome::Finalized { receipt_owed: owed },
            "case {seq}"
        );
    }
    let due = store.receipts_due("acme".into(), None, 2).await.unwrap();
    assert_eq!(
        due.iter().map(|r| r.message.id).collect::<Vec<_>>(),
        vec![id(1, 1), id(1, 3)]
    );
    let rest = store
        .receipts_due("acme".into(), Some(id(1, 3)), 2)
        .await
        .unwrap();
    assert_eq!(
        rest.iter().map(|r| r.message.id).collect::<Vec<_>>(),
        vec![id(1, 5)]
    );
    assert!(store
        .receipts_due("other".into(), None, 10)
        .await
        .unwrap()
        .is_empty());

    store.receipt_sent(id(1, 1), at(10)).await.unwrap();
    store.receipt_sent(id(1, 1), at(20)).await.unwrap();
    let r = store.get(id(1, 1)).await.unwrap().unwrap().receipt.unwrap();
    assert_eq!(
        (r.state, r.attempts, r.last_attempt_at),
        (ReceiptState::Sent, 2, Some(at(20)))
    );
    // Sent but unacknowledged receipts are still due (the client may never have seen them).
    assert_eq!(
        store
            .receipts_due("acme".into(), None, 10)
            .await
            .unwrap()
            .len(),
        3
    );
    store.receipt_acknowledged(id(1, 1), at(21)).await.unwrap();
    assert_eq!(
        store
            .receipts_due("acme".into(), None, 10)
            .await
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        store.receipt_backlog().await.unwrap(),
        vec![("acme".to_string(), 2)]
    );
    assert!(matches!(
        store.receipt_acknowledged(id(1, 2), at(21)).await,
        Err(StoreError::UnknownMessage(_))
    ));
}

#[tokio::test]
async fn statistics_reconcile_after_a_mixed_sequence() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for seq in 1..=10 {
        let mut m = message(id(1, seq), "acme", "8613800138000", 1);
        m.segments = 2;
        store.accept(m).await.unwrap();
    }
    store
        .accept(message(id(1, 11), "beta", "8613900139000", 1))
        .await
        .unwrap();
    for (i, reason) in ["banned_content", "banned_content", "tps_quota"]
        .iter()
        .enumerate()
    {
        store
            .reject(rejection("acme", "8613800138000", reason, 2 + i as u64))
            .await
            .unwrap();
    }
    // Final states arrive on the next day: still counted on the day of submission.
    let next_day = 86_400 + 5;
    for seq in 1..=4 {
        store
            .finalize(id(1, seq), carrier_final(FinalState::Delivered, next_day))
            .await
            .unwrap();
    }
    for seq in 5..=6 {
        store
            .finalize(
                id(1, seq),
                carrier_final(FinalState::Undeliverable, next_day),
            )
            .await
            .unwrap();
    }
    store
        .finalize(id(1, 7), generated_final(FinalState::Expired, next_day))
        .await
        .unwrap();
    store
        .finalize(id(1, 8), carrier_final(FinalState::Rejected, next_day))
        .await
        .unwrap();
    // A duplicate final must not be counted twice.
    store
        .finalize(id(1, 1), carrier_final(FinalState::Delivered, next_day))
        .await
        .unwrap();

    let stats = store
        .statistics(StatsQuery {
            account: Some("acme".into()),
            ..StatsQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(stats.len(), 1);
    let s = &stats[0];
    assert_eq!(s.day, "2026-11-28");
    let m = s.messages;
    assert_eq!(
        (
            m.submitted,
            m.accepted,
            m.rejected,
            m.delivered,
            m.failed,
            m.expired,
            m.pending
        ),
        (13, 10, 3, 4, 3, 1, 2)
    );
    assert!(m.reconciles() && s.segments.reconciles());
    assert_eq!(
        (
            s.segments.accepted,
            s.segments.delivered,
            s.segments.pending
        ),
        (20, 8, 4)
    );
    assert_eq!(s.rejected_by_reason["banned_content"].messages, 2);
    assert_eq!(s.rejected_by_reason["tps_quota"].messages, 1);

    let all = store.statistics(StatsQuery::default()).await.unwrap();
    assert_eq!(all.len(), 2, "one row per account");
    let none = store
        .statistics(StatsQuery {
            from_day: Some("2026-11-29".into()),
            ..StatsQuery::default()
        })
        .await
        .unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn history_finds_messages_and_rejections_by_recipient_and_time() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    store
        .accept(message(id(10, 1), "acme", "8613800138000", 10))
        .await
        .unwrap();
    store
        .accept(message(id(20, 1), "acme", "8613900139000", 20))
        .await
        .unwrap();
    store
        .accept(message(id(30, 1), "beta", "8613800138000", 30))
        .await
        .unwrap();
    store
        .accept(message(id(500, 1), "acme", "8613800138000", 500))
        .await
        .unwrap();
    store
        .reject(rejection("acme", "8613800138000", "opt_out", 40))
        .await
        .unwrap();

    let h = store
        .history(HistoryQuery {
            account: Some("acme".into()),
            destination: Some("8613800138000".into()),
            from: at(0),
            to: at(100),
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(
        h.messages.iter().map(|r| r.message.id).collect::<Vec<_>>(),
        vec![id(10, 1)]
    );
    assert_eq!(h.rejections.len(), 1);
    assert_eq!(h.rejections[0].reason, "opt_out");

    let by_number = store
        .history(HistoryQuery {
            account: None,
            destination: Some("8613800138000".into()),
            from: at(0),
            to: at(1000),
            limit: 10,
        })
        .await
        .unwrap();
    assert_eq!(by_number.messages.len(), 3);
}

/// The recipient index is keyed by blocks of 1,024 consecutive ids: a lookup must find the
/// recipient in every block of the range, also in a second holding several blocks.
#[tokio::test]
async fn history_by_recipient_spans_many_id_blocks() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let target = "8613700137000";
    let mut expected = Vec::new();
    for seq in 0..2_100u64 {
        let to_target = seq % 700 == 0 || seq == 2_099;
        let dest = if to_target {
            target.to_owned()
        } else {
            format!("86139{seq:08}")
        };
        store
            .accept(message(id(10, seq), "acme", &dest, 10))
            .await
            .unwrap();
        if to_target {
            expected.push(id(10, seq));
        }
    }
    // Outside the range asked for (the next second), and another recipient.
    store
        .accept(message(id(11, 0), "acme", target, 11))
        .await
        .unwrap();
    let found = |from, to| {
        let store = &store;
        async move {
            store
                .history(HistoryQuery {
                    account: None,
                    destination: Some(target.into()),
                    from: at(from),
                    to: at(to),
                    limit: 100,
                })
                .await
                .unwrap()
                .messages
                .into_iter()
                .map(|r| r.message.id)
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found(10, 10).await, expected);
    expected.push(id(11, 0));
    assert_eq!(found(0, 100).await, expected);
    assert!(found(12, 100).await.is_empty());
}

#[tokio::test]
async fn expiry_candidates_highest_id_and_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    assert_eq!(store.highest_message_id().await.unwrap(), None);
    let mut a = message(id(1, 1), "acme", "8613800138000", 1);
    a.validity_deadline = Some(at(100));
    let mut b = message(id(1, 2), "acme", "8613800138000", 1);
    b.validity_deadline = Some(at(50));
    let mut c = message(id(1, 3), "acme", "8613800138000", 1);
    c.validity_deadline = None;
    for m in [a.clone(), b, c] {
        store.accept(m).await.unwrap();
    }
    assert!(matches!(store.accept(a).await, Err(StoreError::Duplicate(d)) if d == id(1, 1)));
    assert_eq!(
        store.expiry_candidates(at(99), 10).await.unwrap(),
        vec![id(1, 2)]
    );
    assert_eq!(
        store.expiry_candidates(at(100), 10).await.unwrap(),
        vec![id(1, 2), id(1, 1)]
    );
    store
        .finalize(id(1, 2), generated_final(FinalState::Expired, 60))
        .await
        .unwrap();
    assert_eq!(
        store.expiry_candidates(at(100), 10).await.unwrap(),
        vec![id(1, 1)]
    );
    let rec = store.get(id(1, 2)).await.unwrap().unwrap();
    assert!(
        rec.final_state.unwrap().generated_by_smppd,
        "smppd-made outcomes are marked"
    );
    assert_eq!(store.highest_message_id().await.unwrap(), Some(id(1, 3)));
    assert!(matches!(
        store.mark_routed(id(9, 9), route("x"), at(1)).await,
        Err(StoreError::UnknownMessage(_))
    ));
}

#[tokio::test]
async fn compaction_deletes_old_final_records_and_keeps_statistics() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), FsyncPolicy::Never);
    cfg.retention = Duration::from_secs(86_400);
    let store = SqliteStore::open(&cfg).unwrap();
    for seq in 1..=4 {
        store
            .accept(message(id(1, seq), "acme", "8613800138000", 1))
            .await
            .unwrap();
    }
    store
        .record_forwarded(id(1, 1), submit_resp(0, "K1", 2), vec!["K1".into()])
        .await
        .unwrap();
    store
        .finalize(id(1, 1), carrier_final(FinalState::Delivered, 10))
        .await
        .unwrap();
    store.receipt_acknowledged(id(1, 1), at(11)).await.unwrap();
    store
        .finalize(id(1, 2), carrier_final(FinalState::Undeliverable, 10))
        .await
        .unwrap();
    store
        .finalize(id(1, 3), carrier_final(FinalState::Delivered, 80_000))
        .await
        .unwrap();
    store
        .reject(rejection("acme", "8613800138000", "opt_out", 5))
        .await
        .unwrap();

    // Day + 100 s: the first two (final at 10 s) and the rejection are past retention.
    let report = store.compact(at(86_400 + 100), 1000).await.unwrap();
    assert_eq!(
        (
            report.messages,
            report.rejections,
            report.unacknowledged_receipts
        ),
        (2, 1, 1)
    );
    assert!(!report.more);
    assert!(store.get(id(1, 1)).await.unwrap().is_none());
    assert!(store
        .find_by_carrier_key("K1".into())
        .await
        .unwrap()
        .is_empty());
    assert!(
        store.get(id(1, 3)).await.unwrap().is_some(),
        "final recently: kept"
    );
    assert!(
        store.get(id(1, 4)).await.unwrap().is_some(),
        "open messages are never compacted"
    );
    assert_eq!(store.highest_message_id().await.unwrap(), Some(id(1, 4)));
    let s = store.statistics(StatsQuery::default()).await.unwrap();
    assert_eq!(s[0].messages.submitted, 5, "statistics outlive the records");
    assert!(s[0].messages.reconciles());
}

#[tokio::test]
async fn admission_answers_full_past_the_queue_bounds() {
    let dir = tempfile::tempdir().unwrap();
    let mut cfg = config(dir.path(), FsyncPolicy::Never);
    cfg.max_queued_messages = 3;
    cfg.max_queued_bytes = 10_000;
    let store = SqliteStore::open(&cfg).unwrap();
    for seq in 1..=3 {
        assert_eq!(store.admit(200), Admission::Accept);
        store
            .accept(message(id(1, seq), "acme", "8613800138000", 1))
            .await
            .unwrap();
    }
    assert_eq!(store.admit(200), Admission::Full(FullBound::Messages));
    let depth = store.queue_depth();
    assert_eq!((depth.unsent_messages, depth.open_messages), (3, 3));
    assert!(depth.unsent_bytes > 0 && depth.unsent_bytes == depth.open_bytes);

    // Once the carrier has it, it no longer counts against the upstream queue.
    store
        .record_forwarded(id(1, 1), submit_resp(0, "K1", 2), vec![])
        .await
        .unwrap();
    assert_eq!(store.admit(200), Admission::Accept);
    assert_eq!(store.admit(20_000), Admission::Full(FullBound::Bytes));
    store
        .finalize(id(1, 2), generated_final(FinalState::Expired, 3))
        .await
        .unwrap();
    let depth = store.queue_depth();
    assert_eq!((depth.unsent_messages, depth.open_messages), (1, 2));
}

#[tokio::test]
async fn a_submit_multi_destination_keeps_the_id_it_was_reported_under() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let first = message(id(1, 1), "acme", "8613800138000", 1);
    let mut second = message(id(1, 2), "acme", "8613000130000", 1);
    second.reported_id = Some(first.id);
    store.accept(first.clone()).await.unwrap();
    store.accept(second.clone()).await.unwrap();

    let rec = store.get(second.id).await.unwrap().unwrap();
    assert_eq!(rec.message, second);
    assert_eq!(rec.message.client_id(), first.id);
    let rec = store.get(first.id).await.unwrap().unwrap();
    assert_eq!(rec.message.client_id(), first.id);
}
