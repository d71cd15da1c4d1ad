//! `MessageStore::accepted_segments`: what the policy quota counted, read back at start so
//! daily/monthly caps survive a restart (Beijing calendar, billed segments).

mod store_support;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smppd::policy::BeijingTime;
use smppd::store::{ConcatInfo, FinalState, MessageStore, NewMessage, SqliteStore};
use store_support::*;

/// T0 (2026-11-28T00:00:00Z) is 08:00 in Beijing; the Beijing day began 8 h earlier.
const BEIJING_MIDNIGHT: u64 = T0 - 8 * 3600;

fn utc(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(secs)
}

fn accepted_at(mut m: NewMessage, t: SystemTime) -> NewMessage {
    m.accepted_at = t;
    m
}

fn part(seq_id: u64, reference: u16, total: u8, sequence: u8) -> NewMessage {
    let mut m = message(id(10, seq_id), "acme", "8613800138000", 10);
    m.concat = Some(ConcatInfo {
        reference,
        total,
        sequence,
    });
    m
}

async fn today_and_month(store: &SqliteStore, account: &str, now: SystemTime) -> (u64, u64) {
    let bj = BeijingTime::at(now);
    let day = store.accepted_segments(account.into(), bj.day_start(), now);
    let month = store.accepted_segments(account.into(), bj.month_start(), now);
    (day.await.unwrap(), month.await.unwrap())
}

#[tokio::test]
async fn counts_billed_segments_of_the_beijing_day_and_month() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let now = at(3600);
    assert_eq!(BeijingTime::at(now).day_start(), utc(BEIJING_MIDNIGHT));

    // 23:59:59 yesterday, Beijing time (still 2026-11-27 16:00 UTC minus 1 s): this month only.
    let mut late = message(id(0, 1), "acme", "8613800138000", 0);
    late.segments = 2;
    store
        .accept(accepted_at(late, utc(BEIJING_MIDNIGHT - 1)))
        .await
        .unwrap();
    // 00:00:00 today, Beijing time: counts today, with its 3 billed segments.
    let mut first = message(id(0, 2), "acme", "8613800138000", 0);
    first.segments = 3;
    store
        .accept(accepted_at(first, utc(BEIJING_MIDNIGHT)))
        .await
        .unwrap();
    // Accepted, then failed by the carrier: still billed, still counted.
    let failed = message(id(5, 1), "acme", "8613800138001", 5);
    store.accept(failed.clone()).await.unwrap();
    store
        .finalize(failed.id, carrier_final(FinalState::Undeliverable, 6))
        .await
        .unwrap();
    // Refused by policy: a rejection, never a message; and another account's message.
    store
        .reject(rejection(
            "acme",
            "8613800138002",
            "daily_quota_exhausted",
            7,
        ))
        .await
        .unwrap();
    store
        .accept(message(id(8, 1), "other", "8613800138000", 8))
        .await
        .unwrap();
    // Last month (2026-10-31 23:00 Beijing) counts for neither.
    store
        .accept(accepted_at(
            message(id(0, 3), "acme", "8613800138000", 0),
            utc(BEIJING_MIDNIGHT - 27 * 86_400 - 3600),
        ))
        .await
        .unwrap();

    assert_eq!(
        today_and_month(&store, "acme", now).await,
        (3 + 1, 2 + 3 + 1)
    );
    assert_eq!(today_and_month(&store, "other", now).await, (1, 1));
    assert_eq!(today_and_month(&store, "nobody", now).await, (0, 0));
    // The next Beijing day starts from zero, the month keeps counting.
    let tomorrow = utc(BEIJING_MIDNIGHT + 86_400);
    assert_eq!(today_and_month(&store, "acme", tomorrow).await, (0, 6));
}

#[tokio::test]
async fn concatenated_sets_count_only_when_the_policy_accepted_them() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let now = at(3600);

    // A complete set of 2 (judged and accepted whole, not dispatched yet): 2 segments.
    store.accept(part(1, 7, 2, 1)).await.unwrap();
    store.accept(part(2, 7, 2, 2)).await.unwrap();
    assert_eq!(today_and_month(&store, "acme", now).await, (2, 2));

    // 1 part of 3 held, waiting for the rest: the quota counts the set when it completes.
    store.accept(part(3, 8, 3, 1)).await.unwrap();
    assert_eq!(today_and_month(&store, "acme", now).await.0, 2);

    // A set the policy refused: its held part ended REJECTD by smppd, never routed.
    let refused = part(4, 9, 2, 1);
    store.accept(refused.clone()).await.unwrap();
    store
        .finalize(refused.id, generated_final(FinalState::Rejected, 20))
        .await
        .unwrap();
    assert_eq!(today_and_month(&store, "acme", now).await.0, 2);

    // A part of an accepted set that was routed and then refused by the carrier counts.
    let sent = part(5, 10, 2, 1);
    store.accept(sent.clone()).await.unwrap();
    store
        .mark_routed(sent.id, route("cmcc-a"), at(21))
        .await
        .unwrap();
    store
        .finalize(sent.id, generated_final(FinalState::Rejected, 22))
        .await
        .unwrap();
    let other_part = part(6, 10, 2, 2);
    store.accept(other_part.clone()).await.unwrap();
    store
        .mark_routed(other_part.id, route("cmcc-a"), at(21))
        .await
        .unwrap();
    assert_eq!(today_and_month(&store, "acme", now).await.0, 4);
}
