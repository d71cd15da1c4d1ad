//! A well-behaved client binds and submits while 1,000 connections sit there without binding
//! and another trickles a bind one byte at a time.

mod server_support;

use std::time::Duration;

use server_support::*;
use tokio::io::AsyncWriteExt;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_trickling_connections_do_not_block_a_good_client() {
    let srv = start_with(
        r#"
[server]
listen = ["127.0.0.1:0"]
session_init_timeout = "60s"
[server.auth]
binds_per_second = 1000.0
bind_burst = 1000
"#,
    )
    .await;
    let mut idle = Vec::with_capacity(1000);
    for _ in 0..1000 {
        idle.push(
            tokio::net::TcpStream::connect(srv.addr)
                .await
                .expect("connect"),
        );
    }
    // The trickler sends a bind at one byte per 50 ms (it takes seconds to finish).
    let addr = srv.addr;
    let trickler = tokio::spawn(async move {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        for b in bind_pdu(BIND_TRANSMITTER, 1, "demo", "demo") {
            if s.write_all(&[b]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    });

    let started = std::time::Instant::now();
    let mut good = bound(srv.addr, BIND_TRANSMITTER, "demo", "demo").await;
    good.write_all(&submit_pdu(2, "8613800138000", b"still served"))
        .await
        .unwrap();
    let r = read_pdu(&mut good).await;
    assert_eq!((r.command_id, r.status, r.seq), (SUBMIT_SM | RESP, 0, 2));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "took {:?}",
        started.elapsed()
    );
    assert!(!trickler.is_finished(), "the trickler was still going");
    assert_eq!(srv.gateway.accepted().len(), 1);
    trickler.abort();
    drop(idle);
}
