//! Graceful shutdown: stop accepting, unbind every session, finish in-flight submits, return.

mod server_support;

use std::time::Duration;

use server_support::*;
use smppd::server::ShutdownReport;
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn shutdown_unbinds_sessions_and_finishes_in_flight_submits() {
    let srv = start().await;
    let mut tx = bound(srv.addr, BIND_TRANSMITTER, "demo", "demo").await;
    let mut idle = connect(srv.addr).await; // never binds
                                            // A submit the gateway is still working on when shutdown starts.
    tx.write_all(&submit_pdu(2, HOLD_DESTINATION, b"in flight"))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;

    srv.shutdown.cancel();
    let unbind = read_pdu(&mut tx).await;
    assert_eq!((unbind.command_id, unbind.status), (UNBIND, 0));
    // Pipelined work after our unbind is refused with a retryable status.
    tx.write_all(&submit_pdu(3, "8613800138000", b"too late"))
        .await
        .unwrap();
    let late = read_pdu(&mut tx).await;
    assert_eq!(
        (late.command_id, late.status, late.seq),
        (SUBMIT_SM | RESP, 0x58, 3)
    );
    tx.write_all(&pdu(UNBIND | RESP, 0, unbind.seq, b""))
        .await
        .unwrap();

    // The in-flight submit still completes and is answered before the connection closes.
    srv.gateway.release_held();
    let done = read_pdu(&mut tx).await;
    assert_eq!(
        (done.command_id, done.status, done.seq),
        (SUBMIT_SM | RESP, 0, 2)
    );
    assert!(closed_within(&mut tx, Duration::from_secs(3)).await);
    assert!(
        closed_within(&mut idle, Duration::from_secs(3)).await,
        "unbound connections close too"
    );

    let report = tokio::time::timeout(Duration::from_secs(10), srv.handle)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(report, ShutdownReport::Clean);
    assert_eq!(srv.gateway.accepted().len(), 1);
    // No longer accepting.
    assert!(tokio::net::TcpStream::connect(srv.addr).await.is_err());
}

#[tokio::test]
async fn a_client_unbind_crossing_ours_is_answered_rok_and_the_session_closes() {
    // SMPP 3.4 §4.2: either side may unbind. When both do at once, the client's unbind is
    // a normal end of the session, not a request in the wrong state.
    let srv = start().await;
    let mut tx = bound(srv.addr, BIND_TRANSMITTER, "demo", "demo").await;
    srv.shutdown.cancel();
    let unbind = read_pdu(&mut tx).await;
    assert_eq!((unbind.command_id, unbind.status), (UNBIND, 0));
    // The client's own unbind was already on its way; it never answers ours.
    tx.write_all(&pdu(UNBIND, 0, 7, b"")).await.unwrap();
    let r = read_pdu(&mut tx).await;
    assert_eq!((r.command_id, r.status, r.seq), (UNBIND | RESP, 0, 7));
    assert!(closed_within(&mut tx, Duration::from_secs(1)).await);
}
