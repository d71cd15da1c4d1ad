//! Kick and suspend through the admin API of the whole gateway, seen by an SMPP client on
//! the wire: an unbind (SMPP 3.4 §4.2), the connection closed after unbind_resp, binds of
//! a suspended account refused with ESME_RBINDFAIL until it is resumed.

mod ops_support;
mod server_support;
mod support_gateway;

use std::time::Duration;

use serde_json::Value;
use tokio::io::AsyncWriteExt;

use ops_support::{http, TOKEN};
use server_support::{
    bind_pdu, bound, closed_within, connect, pdu, read_pdu, BIND_RECEIVER, BIND_TRANSCEIVER, RESP,
    UNBIND,
};
use support_gateway::{base_toml, Carriers, Gateway};

const ESME_RBINDFAIL: u32 = 0x0D;

async fn bind_status(addr: std::net::SocketAddr) -> u32 {
    let mut s = connect(addr).await;
    s.write_all(&bind_pdu(BIND_TRANSCEIVER, 1, "demo", "demo"))
        .await
        .unwrap();
    read_pdu(&mut s).await.status
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kick_and_suspend_unbind_the_client_on_the_wire() {
    let carriers = Carriers::start(|_, _| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let text = base_toml(
        dir.path(),
        carriers.ports(),
        "\"never\"",
        &format!("[admin]\nlisten = \"127.0.0.1:0\"\ntoken = \"{TOKEN}\"\n"),
    );
    let gw = Gateway::start(&text).await;
    let (addr, admin) = (gw.addr, gw.admin.unwrap());

    let mut a = bound(addr, BIND_TRANSCEIVER, "demo", "demo").await;
    let (_, body) = http(admin, "GET", "/api/v1/accounts/demo", None).await;
    let v: Value = serde_json::from_str(&body).unwrap();
    let session = v["binds"][0]["session"].as_u64().expect("one live bind");

    let (code, body) = http(
        admin,
        "DELETE",
        &format!("/api/v1/accounts/demo/binds/{session}"),
        None,
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let unbind = read_pdu(&mut a).await;
    assert_eq!(
        (unbind.command_id, unbind.status),
        (UNBIND, 0),
        "kick sends unbind"
    );
    a.write_all(&pdu(UNBIND | RESP, 0, unbind.seq, b""))
        .await
        .unwrap();
    assert!(closed_within(&mut a, Duration::from_secs(2)).await);

    let mut b = bound(addr, BIND_RECEIVER, "demo", "demo").await;
    let (code, body) = http(admin, "POST", "/api/v1/accounts/demo/suspend", None).await;
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("\"binds_unbound\":1"), "{body}");
    let unbind = read_pdu(&mut b).await;
    assert_eq!(
        (unbind.command_id, unbind.status),
        (UNBIND, 0),
        "suspend sends unbind"
    );
    assert_eq!(bind_status(addr).await, ESME_RBINDFAIL, "suspended");
    b.write_all(&pdu(UNBIND | RESP, 0, unbind.seq, b""))
        .await
        .unwrap();
    assert!(closed_within(&mut b, Duration::from_secs(2)).await);

    let (code, _) = http(admin, "POST", "/api/v1/accounts/demo/resume", None).await;
    assert_eq!(code, 200);
    let _c = bound(addr, BIND_TRANSCEIVER, "demo", "demo").await;

    gw.stop().await;
    carriers.shutdown().await;
}
