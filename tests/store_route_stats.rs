//! Statistics by channel, carrier and province reconcile, including failover re-routes.

mod store_support;

use smppd::store::{FinalState, MessageStore, Route, RouteCounters, StatsQuery};
use store_support::*;

#[tokio::test]
async fn route_statistics_follow_failover_and_reconcile() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    for seq in 1..=5 {
        let mut m = message(id(1, seq), "acme", "8613800138000", 1);
        m.segments = 2;
        store.accept(m).await.unwrap();
    }
    for seq in 1..=3 {
        store
            .mark_routed(id(1, seq), route("cmcc-a"), at(2))
            .await
            .unwrap();
    }
    // Failover: message 3 moves to another channel; it counts there only.
    store
        .mark_routed(id(1, 3), route("cmcc-b"), at(3))
        .await
        .unwrap();
    // Same route again (a resend after recovery): no double count.
    store
        .mark_routed(id(1, 1), route("cmcc-a"), at(4))
        .await
        .unwrap();
    // Forwarded without mark_routed: counted on the sending channel, labels unknown.
    store
        .record_forwarded(id(1, 4), submit_resp(0, "K4", 5), vec![])
        .await
        .unwrap();
    store
        .finalize(id(1, 1), carrier_final(FinalState::Delivered, 9))
        .await
        .unwrap();
    store
        .finalize(id(1, 3), carrier_final(FinalState::Undeliverable, 9))
        .await
        .unwrap();
    store
        .finalize(id(1, 4), generated_final(FinalState::Expired, 9))
        .await
        .unwrap();
    // Expired before it was ever routed: in the account statistics, on no route.
    store
        .finalize(id(1, 5), generated_final(FinalState::Expired, 9))
        .await
        .unwrap();

    let rows = store.route_statistics(StatsQuery::default()).await.unwrap();
    let got: Vec<(String, Option<String>, RouteCounters)> = rows
        .iter()
        .map(|r| (r.channel.clone(), r.carrier.clone(), r.messages))
        .collect();
    let c = |routed, delivered, failed, expired, pending| RouteCounters {
        routed,
        delivered,
        failed,
        expired,
        pending,
    };
    let cmcc = Some("cmcc".to_string());
    assert_eq!(
        got,
        vec![
            ("cmcc-a".into(), None, c(1, 0, 0, 1, 0)),
            ("cmcc-a".into(), cmcc.clone(), c(2, 1, 0, 0, 1)),
            ("cmcc-b".into(), cmcc, c(1, 0, 1, 0, 0)),
        ]
    );
    assert!(rows
        .iter()
        .all(|r| r.messages.reconciles() && r.segments.reconciles()));
    assert_eq!(rows[1].segments.routed, 4);
    assert_eq!(rows[1].province.as_deref(), Some("guangdong"));
    let rec = store.get(id(1, 3)).await.unwrap().unwrap();
    let expect = Route {
        channel: "cmcc-b".into(),
        ..route("x")
    };
    assert_eq!(rec.routed, Some((expect, at(3))));
    let acct = &store.statistics(StatsQuery::default()).await.unwrap()[0];
    assert_eq!((acct.messages.expired, acct.messages.pending), (2, 1));
    assert!(acct.messages.reconciles());
}

/// A fast carrier's receipt can end a message before its submit_sm_resp is stored (the
/// relay matches the carrier id as soon as dispatch indexes it). The message still went
/// out on that route: the late response records the route, and the route statistics count
/// it with the state it ended in, so they add up to what the carriers were sent.
#[tokio::test]
async fn a_receipt_stored_before_its_submit_resp_still_counts_on_the_route() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let m = id(1, 1);
    store
        .accept(message(m, "acme", "8613800138000", 1))
        .await
        .unwrap();
    store
        .finalize(m, carrier_final(FinalState::Delivered, 3))
        .await
        .unwrap();
    store
        .record_forwarded_on(m, route("cmcc-a"), submit_resp(1, "C1", 2), vec![])
        .await
        .unwrap();

    let rows = store.route_statistics(StatsQuery::default()).await.unwrap();
    assert_eq!(rows.len(), 1, "{rows:?}");
    let want = RouteCounters {
        routed: 1,
        delivered: 1,
        ..RouteCounters::default()
    };
    assert_eq!(
        (rows[0].channel.as_str(), rows[0].messages),
        ("cmcc-a", want)
    );
    assert!(rows[0].segments.reconciles());
    let rec = store.get(m).await.unwrap().unwrap();
    assert_eq!(
        rec.routed.map(|(r, _)| r.channel).as_deref(),
        Some("cmcc-a")
    );
    assert_eq!(rec.final_state.unwrap().state, FinalState::Delivered);
    // A second response (another part, a resend) does not count it twice.
    store
        .record_forwarded_on(m, route("cmcc-a"), submit_resp(2, "C2", 4), vec![])
        .await
        .unwrap();
    let rows = store.route_statistics(StatsQuery::default()).await.unwrap();
    assert_eq!(rows[0].messages, want);
}
