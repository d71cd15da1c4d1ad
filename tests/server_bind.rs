//! Binds over raw bytes: every bind type, every refusal status, and the per-address limits.

mod server_support;

use std::time::Duration;

use server_support::*;
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn each_bind_type_binds_and_answers_with_smsc_id() {
    let srv = start().await;
    let mut open = vec![];
    for id in [BIND_TRANSMITTER, BIND_RECEIVER, BIND_TRANSCEIVER] {
        let mut s = connect(srv.addr).await;
        s.write_all(&bind_pdu(id, 7, "demo", "demo")).await.unwrap();
        let r = read_pdu(&mut s).await;
        assert_eq!((r.command_id, r.status, r.seq), (id | RESP, 0, 7));
        // system_id "smppd" then the sc_interface_version TLV (0x0210, len 1, 0x34).
        assert_eq!(r.body, b"smppd\0\x02\x10\x00\x01\x34");
        open.push(s);
    }
    assert_eq!(srv.registry.bind_count("demo"), 3);
    assert_eq!(srv.registry.receiver_count("demo"), 2);
}

#[tokio::test]
async fn refusals_use_the_documented_statuses() {
    let srv = start().await;
    let cases = [
        ("demo", "wrong", BIND_TRANSMITTER, 0x0E), // bad password: ESME_RINVPASWD
        ("nobody", "demo", BIND_TRANSMITTER, 0x0E), // unknown id: same code, no probing
        ("remote", "remote", BIND_TRANSMITTER, 0x0E), // address not allowed: same code
        ("txonly", "txonly", BIND_RECEIVER, 0x0D), // bind type not allowed: ESME_RBINDFAIL
    ];
    for (id, pw, cmd, want) in cases {
        let mut s = connect(srv.addr).await;
        s.write_all(&bind_pdu(cmd, 3, id, pw)).await.unwrap();
        let r = read_pdu(&mut s).await;
        assert_eq!(
            (r.command_id, r.status, r.seq),
            (cmd | RESP, want, 3),
            "{id}/{pw}"
        );
        // Error responses carry no body (SMPP 3.4 §4.1.2 as smppd applies it).
        assert!(r.body.is_empty());
    }
    assert_eq!(srv.registry.bind_count("txonly"), 0);
}

#[tokio::test]
async fn a_second_bind_on_a_bound_session_is_already_bound() {
    let srv = start().await;
    let mut s = bound(srv.addr, BIND_TRANSMITTER, "demo", "demo").await;
    s.write_all(&bind_pdu(BIND_RECEIVER, 9, "demo", "demo"))
        .await
        .unwrap();
    let r = read_pdu(&mut s).await;
    assert_eq!(
        (r.command_id, r.status, r.seq),
        (BIND_RECEIVER | RESP, 0x05, 9)
    );
}

#[tokio::test]
async fn too_many_binds_then_the_slot_frees_when_a_session_ends() {
    let srv = start().await;
    let first = bound(srv.addr, BIND_TRANSMITTER, "single", "single").await;
    // The first session is alive: it answers the server's enquire_link probe.
    let responder = tokio::spawn(answer_enquire_links(first));
    let mut second = connect(srv.addr).await;
    second
        .write_all(&bind_pdu(BIND_TRANSMITTER, 2, "single", "single"))
        .await
        .unwrap();
    let r = read_pdu(&mut second).await;
    assert_eq!(
        (r.command_id, r.status),
        (BIND_TRANSMITTER | RESP, 0x05),
        "ESME_RALYBND"
    );
    responder.abort();
    let _ = responder.await;
    // The first connection is gone now; the account's slot frees without any probe.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let _third = bound(srv.addr, BIND_TRANSMITTER, "single", "single").await;
}

#[tokio::test]
async fn a_dead_session_does_not_lock_out_a_reconnecting_client() {
    let srv = start().await;
    // Bound, then silent: never reads or answers (a NAT that dropped the flow looks the same).
    let _silent = bound(srv.addr, BIND_TRANSCEIVER, "single", "single").await;
    let started = std::time::Instant::now();
    let _again = bound(srv.addr, BIND_TRANSCEIVER, "single", "single").await;
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "evicted within the probe time"
    );
    assert_eq!(srv.registry.bind_count("single"), 1);
}

#[tokio::test]
async fn repeated_failures_lock_the_address_out_and_binds_are_rate_limited() {
    let srv = start_with(
        "[server]\nlisten=[\"127.0.0.1:0\"]\n[server.auth]\nfailure_threshold = 3\nlockout_base = \"1h\"\nlockout_max = \"2h\"\n",
    )
    .await;
    for _ in 0..3 {
        let mut s = connect(srv.addr).await;
        s.write_all(&bind_pdu(BIND_TRANSMITTER, 1, "demo", "bad"))
            .await
            .unwrap();
        assert_eq!(read_pdu(&mut s).await.status, 0x0E);
    }
    // Locked: even the right password is refused, with ESME_RBINDFAIL, without a check.
    let mut s = connect(srv.addr).await;
    s.write_all(&bind_pdu(BIND_TRANSMITTER, 1, "demo", "demo"))
        .await
        .unwrap();
    assert_eq!(read_pdu(&mut s).await.status, 0x0D);

    let srv = start_with(
        "[server]\nlisten=[\"127.0.0.1:0\"]\n[server.auth]\nbinds_per_second = 0.001\nbind_burst = 2\n",
    )
    .await;
    let mut statuses = vec![];
    for _ in 0..3 {
        let mut s = connect(srv.addr).await;
        s.write_all(&bind_pdu(BIND_TRANSMITTER, 1, "demo", "demo"))
            .await
            .unwrap();
        statuses.push(read_pdu(&mut s).await.status);
    }
    assert_eq!(
        statuses,
        vec![0, 0, 0x58],
        "third bind within the burst is ESME_RTHROTTLED"
    );
}

/// Reads and answers enquire_link until the connection ends.
async fn answer_enquire_links(mut s: tokio::net::TcpStream) {
    loop {
        let Ok(r) = read_pdu_inner(&mut s).await else {
            return;
        };
        if r.command_id == ENQUIRE_LINK {
            let _ = s.write_all(&pdu(ENQUIRE_LINK | RESP, 0, r.seq, b"")).await;
        }
    }
}

#[tokio::test]
async fn a_connection_retrying_bad_binds_is_closed_after_its_error_budget() {
    let srv = start_with(
        "[server]\nlisten=[\"127.0.0.1:0\"]\nerror_budget = 3\n[server.auth]\nfailure_threshold = 1000\nbinds_per_second = 1000.0\n",
    )
    .await;
    let mut s = connect(srv.addr).await;
    for seq in 1..=4 {
        s.write_all(&bind_pdu(BIND_TRANSMITTER, seq, "demo", "guess"))
            .await
            .unwrap();
        assert_eq!(read_pdu(&mut s).await.status, 0x0E);
    }
    assert!(closed_within(&mut s, Duration::from_secs(2)).await);
}
