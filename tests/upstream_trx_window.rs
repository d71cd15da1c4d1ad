//! A transceiver carrier bind whose receive window is full (the relay holds every slot)
//! keeps reading: extra deliveries are refused at once (ESME_RX_T_APPN, the carrier sends
//! them again) and the submit_sm_resp on the same socket still reach smppd.

mod ops_support;
mod support_gateway;

use std::time::Duration;

use ops_support::{http, TOKEN};
use smppd::sim::SimStats;
use support_gateway::*;

const TEXT: &str = "【smppd测试】您的订单已发货";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_full_receive_window_does_not_hold_up_submit_responses_on_a_transceiver() {
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|_, _| {}).await;
    let admin = format!("[admin]\nlisten = \"127.0.0.1:0\"\ntoken = \"{TOKEN}\"\n");
    // The client has 60 s to answer a deliver_sm, and the cmcc bind holds 2 deliveries.
    let toml = base_toml(dir.path(), carriers.ports(), "\"never\"", &admin)
        .replacen("response_timeout = \"2s\"", "response_timeout = \"60s\"", 1)
        .replacen(
            "name = \"cmcc-sim\"\n",
            "name = \"cmcc-sim\"\nwindow = 2\n",
            1,
        );
    let gw = Gateway::start(&toml).await;
    let admin = gw.admin.expect("admin listener");
    // A receiver that never reads: each MO handed to it holds a carrier slot for 60 s.
    let silent = Esme::bind(gw.addr, BindKind::Receiver, "demo", "demo").await;
    let cmcc = carriers.get("cmcc");
    for i in 0..4 {
        let from = format!("1380000{i:04}");
        wait_until(
            "an MO sent by the cmcc carrier",
            Duration::from_secs(10),
            || cmcc.send_mo("smppd", &from, "106900101", "几点到"),
        )
        .await;
    }
    wait_until(
        "the MOs past the window refused at once",
        Duration::from_secs(10),
        || SimStats::get(&cmcc.stats().deliver_refused) >= 2,
    )
    .await;

    // The window is still full (2 MOs held by the silent client) and a submit goes out.
    let mut tx = Esme::bind(gw.addr, BindKind::Transmitter, "demo", "demo").await;
    let (status, id) = tx.submit_text(&number("cmcc", 1), TEXT).await;
    assert_eq!(status, 0);
    let path = format!("/api/v1/messages/{id}");
    // The cmcc carrier's submit_sm_resp is read: the message is forwarded.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let body = loop {
        let (_, body) = http(admin, "GET", &path, None).await;
        if body.contains("\"forwarded\"") {
            break body;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "not forwarded: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(body.contains("cmcc-sim"), "{body}");
    // Same connection throughout: nothing was declared dead or reconnected.
    assert_eq!(SimStats::get(&cmcc.stats().connections), 1);
    assert_eq!(SimStats::get(&cmcc.stats().deliver_acks), 0);
    tx.unbind().await;
    drop(silent); // it would not answer the shutdown's unbind either
    gw.stop().await;
    carriers.shutdown().await;
}
