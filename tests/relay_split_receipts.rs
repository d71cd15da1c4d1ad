//! A message the carrier channel split into parts: the client gets one receipt, delivered
//! only when every part was, and the lookup keeps each part's carrier receipt once.

mod support_gateway;

use std::time::Duration;

use smppd::message::MessageId;
use smppd::store::{FinalState, FsyncPolicy, MessageStore, SqliteStore, StoreConfig};
use support_gateway::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_split_message_keeps_each_parts_receipt_once_and_reports_once() {
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|_, _| {}).await;
    // The last channel of base_toml (ctcc-sim) takes at most 40 octets per part.
    let extra = "[upstream.channels.split]\nmax_octets = 40\n";
    let gw = Gateway::start(&base_toml(
        dir.path(),
        carriers.ports(),
        "\"always\"",
        extra,
    ))
    .await;
    let mut rx = Esme::bind(gw.addr, BindKind::Receiver, "demo", "demo").await;
    let mut tx = Esme::bind(gw.addr, BindKind::Transmitter, "demo", "demo").await;
    let (status, id) = tx
        .submit_text(
            &number("ctcc", 1),
            "【smppd测试】您的快递已到达驿站，请凭取件码领取",
        )
        .await;
    assert_eq!(status, 0);
    let got = rx.receipts(1, Duration::from_secs(10)).await;
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0].stat, "DELIVRD");
    assert_eq!(got[0].tlv_id.as_deref(), Some(id.as_str()));
    // Nothing more follows for the same message.
    let more = rx.receipts(1, Duration::from_millis(800)).await;
    assert!(more.is_empty(), "{more:?}");
    // Every part's carrier id was settled by its receipt: none stays indexed.
    assert_eq!(gw.pipeline.receipt_index_len(), (0, 0));
    tx.unbind().await;
    rx.unbind().await;
    gw.stop().await;
    carriers.shutdown().await;

    let store = SqliteStore::open(&StoreConfig {
        path: dir.path().join("messages.sqlite"),
        fsync: FsyncPolicy::Always,
        ..StoreConfig::default()
    })
    .unwrap();
    let id: MessageId = id.parse().unwrap();
    let rec = store.get(id).await.unwrap().expect("the message is stored");
    let parts = rec.submits.len();
    assert!(parts >= 2, "the channel split it: {:?}", rec.submits);
    assert_eq!(rec.final_state.unwrap().state, FinalState::Delivered);
    let mut seen: Vec<Option<u16>> = rec.receipts.iter().map(|r| r.part).collect();
    seen.sort_unstable();
    assert_eq!(
        rec.receipts.len(),
        parts,
        "one carrier receipt per part, none stored twice: {seen:?}"
    );
}
