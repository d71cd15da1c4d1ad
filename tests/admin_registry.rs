//! The admin API's bind control against the real client server: list, kick, suspend,
//! resume and drain, seen from an SMPP client.

mod server_support;

use std::time::Duration;

use server_support::*;
use smppd::admin::{RegistryControl, ServerControl};
use tokio::io::AsyncWriteExt;

const ESME_RBINDFAIL: u32 = 0x0D;

async fn bind_status(addr: std::net::SocketAddr) -> u32 {
    let mut s = connect(addr).await;
    s.write_all(&bind_pdu(BIND_TRANSCEIVER, 1, "demo", "demo"))
        .await
        .unwrap();
    read_pdu(&mut s).await.status
}

#[tokio::test]
async fn kick_suspend_and_resume_reach_real_sessions() {
    let srv = start().await;
    let control = RegistryControl::new(srv.registry.clone());
    let mut a = bound(srv.addr, BIND_TRANSCEIVER, "demo", "demo").await;
    let mut b = bound(srv.addr, BIND_RECEIVER, "demo", "demo").await;
    let binds = control.binds();
    assert_eq!(binds.len(), 2);
    assert_eq!(
        binds.iter().map(|b| b.bind_type).collect::<Vec<_>>(),
        ["transceiver", "receiver"]
    );

    assert!(control.kick("demo", binds[0].session));
    // SMPP 3.4 §4.2: the kicked client is told to unbind, not cut off.
    let unbind = read_pdu(&mut a).await;
    assert_eq!(
        (unbind.command_id, unbind.status),
        (UNBIND, 0),
        "kick sends unbind"
    );
    assert_eq!(
        control.binds().len(),
        1,
        "the kicked bind is no longer listed"
    );
    a.write_all(&pdu(UNBIND | RESP, 0, unbind.seq, b""))
        .await
        .unwrap();
    assert!(
        closed_within(&mut a, Duration::from_secs(2)).await,
        "kicked session closed after unbind_resp"
    );
    assert!(!control.kick("demo", binds[0].session), "already gone");
    assert!(
        !control.kick("other", binds[1].session),
        "session of another account"
    );

    assert_eq!(control.suspend("demo"), 1);
    let unbind = read_pdu(&mut b).await;
    assert_eq!(
        (unbind.command_id, unbind.status),
        (UNBIND, 0),
        "suspend sends unbind"
    );
    // A client that never answers the unbind is closed after response_timeout (2 s).
    let t0 = std::time::Instant::now();
    assert!(closed_within(&mut b, Duration::from_secs(4)).await);
    assert!(
        t0.elapsed() >= Duration::from_millis(1500),
        "waited for unbind_resp"
    );
    assert!(control.is_suspended("demo"));
    assert_eq!(
        bind_status(srv.addr).await,
        ESME_RBINDFAIL,
        "suspended account cannot bind"
    );
    assert!(control.resume("demo"));
    assert!(!control.resume("demo"));
    let _c = bound(srv.addr, BIND_TRANSCEIVER, "demo", "demo").await;
    srv.shutdown.cancel();
}

#[tokio::test]
async fn drain_refuses_new_binds_and_unbinds_clients_gracefully() {
    let srv = start().await;
    let control = RegistryControl::new(srv.registry.clone()).with_drain(srv.shutdown.clone());
    let mut a = bound(srv.addr, BIND_TRANSCEIVER, "demo", "demo").await;
    assert!(!control.is_draining());
    assert_eq!(control.drain(), 1);
    assert!(control.is_draining());
    let unbind = read_pdu(&mut a).await;
    assert_eq!(
        (unbind.command_id, unbind.status),
        (UNBIND, 0),
        "a real unbind, not a cut"
    );
    a.write_all(&pdu(UNBIND | RESP, 0, unbind.seq, b""))
        .await
        .unwrap();
    assert!(closed_within(&mut a, Duration::from_secs(2)).await);
}

#[tokio::test]
async fn drain_without_the_server_token_still_refuses_new_binds() {
    let srv = start().await;
    let control = RegistryControl::new(srv.registry.clone());
    let _a = bound(srv.addr, BIND_TRANSCEIVER, "demo", "demo").await;
    assert_eq!(control.drain(), 0, "nobody was told to unbind");
    assert_eq!(bind_status(srv.addr).await, ESME_RBINDFAIL);
    assert_eq!(control.binds().len(), 1);
    srv.shutdown.cancel();
}
