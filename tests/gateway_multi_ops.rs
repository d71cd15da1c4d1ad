//! query_sm and cancel_sm with the one message_id a submit_multi was answered with act on
//! every destination of it, not only the first: the query answers for all of them, and a
//! cancel ends all of them (or none).

mod support_gateway;

use std::time::Duration;

use smppd::pdu::{Body, CancelSm, DestAddress, List, MessageState, Pdu, QuerySm, SubmitMulti};
use support_gateway::esme::submit_sm;
use support_gateway::*;

const TEXT: &str = "【smppd测试】您的会员积分已到账";

/// One submit_multi with registered_delivery to `dests`: (command_status, message_id).
async fn submit_multi(client: &mut Esme, dests: &[String]) -> (u32, String) {
    let one = submit_sm(&dests[0], TEXT);
    let addresses = dests
        .iter()
        .map(|d| DestAddress::SmeAddress {
            dest_addr_ton: 0,
            dest_addr_npi: 1,
            destination_addr: d.parse().unwrap(),
        })
        .collect();
    let multi = SubmitMulti {
        source_addr_ton: one.source_addr_ton,
        source_addr: one.source_addr.clone(),
        dest_addresses: List::new(addresses).unwrap(),
        registered_delivery: 1,
        data_coding: one.data_coding,
        short_message: one.short_message.clone(),
        ..Default::default()
    };
    let resp = client
        .request(Body::SubmitMulti(Box::new(multi)))
        .await
        .unwrap();
    let id = match &resp.body {
        Body::SubmitMultiResp(r) => r.message_id.to_string_lossy(),
        other => panic!("not a submit_multi_resp: {other:?}"),
    };
    (resp.command_status.0, id)
}

async fn query(client: &mut Esme, id: &str) -> (u32, MessageState) {
    let q = QuerySm {
        message_id: id.parse().unwrap(),
        source_addr_ton: 5,
        source_addr: "smppd".parse().unwrap(),
        ..Default::default()
    };
    let resp: Pdu = client.request(Body::QuerySm(q)).await.unwrap();
    match &resp.body {
        Body::QuerySmResp(r) => (resp.command_status.0, r.message_state),
        _ => (resp.command_status.0, MessageState(0)),
    }
}

fn dests() -> Vec<String> {
    OPERATORS.iter().map(|op| number(op, 41)).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_sm_of_a_submit_multi_id_answers_for_every_destination() {
    // China Telecom's carrier reports every message undeliverable; the first destination
    // (China Mobile) is delivered.
    let carriers = Carriers::start(|op, cfg| {
        if op == "ctcc" {
            cfg.undeliverable_rate = 1.0;
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(&base_toml(dir.path(), carriers.ports(), "\"never\"", "")).await;
    let mut client = Esme::bind(gw.addr, BindKind::Transceiver, "demo", "demo").await;

    let (status, id) = submit_multi(&mut client, &dests()).await;
    assert_eq!(status, 0);
    let receipts = client.receipts(3, Duration::from_secs(10)).await;
    assert_eq!(receipts.len(), 3, "{receipts:?}");
    let mut stats: Vec<&str> = receipts.iter().map(|r| r.stat.as_str()).collect();
    stats.sort_unstable();
    assert_eq!(stats, ["DELIVRD", "DELIVRD", "UNDELIV"]);

    let (status, state) = query(&mut client, &id).await;
    assert_eq!(status, 0);
    assert_eq!(
        state,
        MessageState::UNDELIVERABLE,
        "not every destination was delivered"
    );

    gw.stop().await;
    carriers.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_sm_of_a_submit_multi_id_cancels_every_destination() {
    // No carrier listens: accepted messages wait in the store for a channel.
    let closed = || {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    };
    let dir = tempfile::tempdir().unwrap();
    let gw = Gateway::start(&base_toml(
        dir.path(),
        [closed(), closed(), closed()],
        "\"never\"",
        "",
    ))
    .await;
    let mut client = Esme::bind(gw.addr, BindKind::Transceiver, "demo", "demo").await;

    let (status, id) = submit_multi(&mut client, &dests()).await;
    assert_eq!(status, 0);
    assert_eq!(query(&mut client, &id).await, (0, MessageState::ENROUTE));

    let cancel = CancelSm {
        message_id: id.parse().unwrap(),
        source_addr_ton: 5,
        source_addr: "smppd".parse().unwrap(),
        ..Default::default()
    };
    let resp = client.request(Body::CancelSm(cancel)).await.unwrap();
    assert_eq!(resp.command_status.0, 0, "cancel_sm accepted");

    // Every destination ends DELETED, each with its receipt under the one id.
    let receipts = client.receipts(3, Duration::from_secs(10)).await;
    assert_eq!(receipts.len(), 3, "{receipts:?}");
    for r in &receipts {
        assert_eq!(r.stat, "DELETED", "{r:?}");
        assert_eq!(r.tlv_id.as_deref(), Some(id.as_str()), "{r:?}");
    }
    assert_eq!(query(&mut client, &id).await, (0, MessageState::DELETED));

    gw.stop().await;
}
