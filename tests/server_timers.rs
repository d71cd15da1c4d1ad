//! SMPP 3.4 §7.2 timers on a real connection (short values; the assertions allow slack, as
//! they check behaviour, not timing).

mod server_support;

use std::time::Duration;

use server_support::*;
use smppd::pdu::DeliverSm;
use smppd::server::DeliverError;
use tokio::io::AsyncWriteExt;

const TIMERS: &str = r#"
[server]
listen = ["127.0.0.1:0"]
session_init_timeout = "300ms"
enquire_link_interval = "300ms"
inactivity_timeout = "5s"
response_timeout = "1500ms"
outbound_window = 2
[server.auth]
binds_per_second = 1000.0
"#;

#[tokio::test]
async fn a_connection_that_never_binds_is_closed_after_session_init() {
    let srv = start_with(TIMERS).await;
    let mut s = connect(srv.addr).await;
    assert!(closed_within(&mut s, Duration::from_secs(3)).await);
}

#[tokio::test]
async fn server_sends_enquire_link_when_idle_and_drops_a_dead_link() {
    let srv = start_with(TIMERS).await;
    let mut s = bound(srv.addr, BIND_TRANSCEIVER, "demo", "demo").await;
    // Answer three enquire_links: the session stays up.
    for _ in 0..3 {
        let r = read_pdu(&mut s).await;
        assert_eq!(r.command_id, ENQUIRE_LINK);
        assert_eq!(r.status, 0);
        s.write_all(&pdu(ENQUIRE_LINK | RESP, 0, r.seq, b""))
            .await
            .unwrap();
    }
    assert_eq!(srv.registry.bind_count("demo"), 1);
    // Stop answering: after response_timeout the link is declared dead and closed.
    assert_eq!(read_pdu(&mut s).await.command_id, ENQUIRE_LINK);
    assert!(closed_within(&mut s, Duration::from_secs(3)).await);
    assert_eq!(srv.registry.bind_count("demo"), 0);
}

#[tokio::test]
async fn a_client_that_sends_nothing_is_unbound_after_inactivity() {
    let srv = start_with(
        "[server]\nlisten=[\"127.0.0.1:0\"]\nenquire_link_interval = \"300ms\"\ninactivity_timeout = \"700ms\"\nresponse_timeout = \"5s\"\n",
    )
    .await;
    let mut s = bound(srv.addr, BIND_TRANSMITTER, "demo", "demo").await;
    assert_eq!(
        read_pdu(&mut s).await.command_id,
        ENQUIRE_LINK,
        "ignored on purpose"
    );
    let unbind = read_pdu(&mut s).await;
    assert_eq!(unbind.command_id, UNBIND);
    s.write_all(&pdu(UNBIND | RESP, 0, unbind.seq, b""))
        .await
        .unwrap();
    assert!(closed_within(&mut s, Duration::from_secs(3)).await);
}

#[tokio::test]
async fn unanswered_deliver_sm_is_handed_back_for_retry_and_the_window_holds_the_rest() {
    let srv = start_with(TIMERS).await;
    let mut rx = bound(srv.addr, BIND_RECEIVER, "demo", "demo").await;

    // No answer: after response_timeout the caller gets TimedOut and keeps the message.
    let reg = srv.registry.clone();
    let first = tokio::spawn(async move { reg.deliver("demo", Box::<DeliverSm>::default()).await });
    let d = read_until(&mut rx, DELIVER_SM).await;
    assert_eq!(first.await.unwrap(), Err(DeliverError::TimedOut));

    // Three at once with outbound_window = 2: two are sent, the third waits (not dropped).
    let mut waiting = vec![];
    for _ in 0..3 {
        let reg = srv.registry.clone();
        waiting.push(tokio::spawn(async move {
            reg.deliver("demo", Box::<DeliverSm>::default()).await
        }));
    }
    let a = read_until(&mut rx, DELIVER_SM).await;
    let b = read_until(&mut rx, DELIVER_SM).await;
    assert_ne!(a.seq, d.seq);
    assert!(
        tokio::time::timeout(Duration::from_millis(150), read_until(&mut rx, DELIVER_SM))
            .await
            .is_err(),
        "the third waits for room in the window"
    );
    rx.write_all(&pdu(DELIVER_SM | RESP, 0, a.seq, b"\0"))
        .await
        .unwrap();
    let c = read_until(&mut rx, DELIVER_SM).await;
    // The client refuses one (temporary error): the caller learns the status.
    rx.write_all(&pdu(DELIVER_SM | RESP, 0x64, b.seq, b""))
        .await
        .unwrap();
    rx.write_all(&pdu(DELIVER_SM | RESP, 0, c.seq, b"\0"))
        .await
        .unwrap();
    let mut results = vec![];
    for w in waiting {
        results.push(w.await.unwrap());
    }
    results.sort_by_key(|r| r.is_err());
    assert_eq!(
        results,
        vec![
            Ok(()),
            Ok(()),
            Err(DeliverError::Rejected(
                smppd::pdu::CommandStatus::ESME_RX_T_APPN
            ))
        ]
    );
}

/// Reads PDUs, answering enquire_links, until one with `command_id` arrives.
async fn read_until(s: &mut tokio::net::TcpStream, command_id: u32) -> Raw {
    loop {
        let r = read_pdu(s).await;
        if r.command_id == command_id {
            return r;
        }
        if r.command_id == ENQUIRE_LINK {
            s.write_all(&pdu(ENQUIRE_LINK | RESP, 0, r.seq, b""))
                .await
                .unwrap();
        }
    }
}

#[tokio::test]
async fn a_deliver_sm_is_acknowledged_only_by_its_own_response() {
    // SMPP 3.4 §2.6: a response answers the request with its sequence_number *and* the
    // matching command_id. A sloppy client's enquire_link_resp with the deliver_sm's number
    // must not acknowledge the receipt (it would never be sent again), and a generic_nack
    // is a refusal even with status 0.
    let srv = start_with(TIMERS).await;
    let mut rx = bound(srv.addr, BIND_RECEIVER, "demo", "demo").await;
    let reg = srv.registry.clone();
    let sent = tokio::spawn(async move { reg.deliver("demo", Box::<DeliverSm>::default()).await });
    let d = read_until(&mut rx, DELIVER_SM).await;
    rx.write_all(&pdu(ENQUIRE_LINK | RESP, 0, d.seq, b""))
        .await
        .unwrap();
    rx.write_all(&pdu(GENERIC_NACK, 0, d.seq, b""))
        .await
        .unwrap();
    let outcome = sent.await.unwrap();
    assert!(
        matches!(outcome, Err(DeliverError::Rejected(_))),
        "{outcome:?}"
    );
}

#[tokio::test]
async fn a_deliver_sm_resp_with_a_sloppy_body_counts_by_its_header_status() {
    // SMPP 3.4 §4.6.2: deliver_sm_resp's message_id is unused. A client that writes it
    // without its NUL still said ESME_ROK in the header; reading that as a refusal would send
    // the receipt again and again.
    // A tolerated answer is not charged to the error budget either (here 1).
    let srv = start_with(&TIMERS.replace(
        "outbound_window = 2",
        "outbound_window = 2\nerror_budget = 1",
    ))
    .await;
    let mut rx = bound(srv.addr, BIND_RECEIVER, "demo", "demo").await;
    for _ in 0..3 {
        let reg = srv.registry.clone();
        let sent =
            tokio::spawn(async move { reg.deliver("demo", Box::<DeliverSm>::default()).await });
        let d = read_until(&mut rx, DELIVER_SM).await;
        rx.write_all(&pdu(DELIVER_SM | RESP, 0, d.seq, b"abc"))
            .await
            .unwrap();
        assert_eq!(sent.await.unwrap(), Ok(()));
    }

    // And a refusal with a sloppy body is still a refusal, with the client's status.
    let reg = srv.registry.clone();
    let sent = tokio::spawn(async move { reg.deliver("demo", Box::<DeliverSm>::default()).await });
    let d = read_until(&mut rx, DELIVER_SM).await;
    rx.write_all(&pdu(DELIVER_SM | RESP, 0x64, d.seq, b"abc"))
        .await
        .unwrap();
    assert_eq!(
        sent.await.unwrap(),
        Err(DeliverError::Rejected(
            smppd::pdu::CommandStatus::ESME_RX_T_APPN
        ))
    );
}
