//! Interop with the npm `smpp` package (a third-party client): binds of each type, GSM, UCS-2
//! Chinese and a concatenated submit, a receipt on a separate receiver bind, enquire_link,
//! unbind, and two refusals as that client sees them.

mod server_support;

use std::process::Stdio;
use std::time::Duration;

use server_support::*;

fn node_smpp_available() -> bool {
    let dir = interop_dir();
    tool_available(
        "node with the npm smpp package (cd tests/interop && npm install)",
        std::process::Command::new("node")
            .current_dir(&dir)
            .args(["-e", "require('smpp')"]),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_smpp_binds_submits_and_receives_a_receipt() {
    if !node_smpp_available() {
        return;
    }
    let srv = start().await;
    let mut child = tokio::process::Command::new("node")
        .arg(interop_dir().join("node_smpp_client.js"))
        .args(["127.0.0.1", &srv.addr.port().to_string()])
        .current_dir(interop_dir())
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start node");
    let mut lines = ClientLines::of(&mut child);
    lines.ready().await;

    let accepted = srv.gateway.accepted();
    assert_eq!(accepted.len(), 5, "{accepted:?}");
    let (first_id, gsm) = &accepted[0];
    assert_eq!(gsm.payload, b"Hello from node smpp");
    let (_, ucs2) = &accepted[1];
    assert_eq!(ucs2.data_coding, 8);
    assert_eq!(
        ucs2_text(&ucs2.payload),
        "【测试】您的订单已发货，单号SF1234567890。"
    );
    assert_eq!(accepted[2].1.payload.len(), 6 + 153, "UDH + first part");
    assert_eq!(accepted[3].1.payload[5], 2, "second part number");

    assert_eq!(srv.registry.receiver_count("demo"), 1);
    let r = srv
        .registry
        .deliver("demo", receipt_for(&first_id.to_string()))
        .await;
    assert_eq!(r, Ok(()));

    let r = lines.result(Duration::from_secs(20)).await;
    assert_eq!(child.wait().await.unwrap().code(), Some(0));
    assert_eq!(r["bind_receiver"], 0);
    assert_eq!(r["bind_transmitter"], 0);
    assert_eq!(r["bind_transceiver"], 0);
    for key in ["gsm7", "ucs2", "long", "trx_submit"] {
        for s in r[key].as_array().unwrap() {
            assert_eq!(s["status"], 0, "{key}");
            assert_eq!(s["message_id"].as_str().unwrap().len(), 16);
        }
    }
    assert_eq!(r["gsm7"][0]["message_id"], first_id.to_string());
    assert_eq!(r["enquire_link"]["command"], "enquire_link_resp");
    assert_eq!(r["bad_password"], 0x0E);
    assert_eq!(r["submit_before_bind"], 0x04);
    assert_eq!(r["receipt"]["esm_class"], 4);
    assert_eq!(r["receipt"]["receipted_message_id"], first_id.to_string());
    assert!(r["receipt"]["short_message"]
        .as_str()
        .unwrap()
        .contains("stat:DELIVRD"));
    assert_eq!(r["unbind"].as_array().unwrap().len(), 3);
    for u in r["unbind"].as_array().unwrap() {
        assert_eq!(u["command"], "unbind_resp");
        assert_eq!(u["status"], 0);
    }
}
