//! A carrier whose submit_sm_resp cannot be decoded: the submit's outcome is unknown at once
//! (not after the response timeout), and the session stays up.

mod upstream_support;

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use smppd::pdu::{BindResp, Body, Pdu, SmppCodec};
use smppd::upstream::{Channel, ChannelConfig, SubmitOutcome, UnknownOutcomePolicy};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::codec::Framed;
use upstream_support::{message, wait_until};

#[tokio::test]
async fn garbled_submit_resp_is_an_unknown_outcome_without_waiting_for_the_timeout() {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let carrier = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut c = Framed::new(stream, SmppCodec::default());
        let bind = c.next().await.unwrap().unwrap().unwrap();
        let ok = Pdu::new(
            bind.sequence_number,
            Body::BindTransceiverResp(BindResp::default()),
        );
        c.send(ok).await.unwrap();
        loop {
            let pdu = c.next().await.unwrap().unwrap().unwrap();
            if matches!(pdu.body, Body::SubmitSm(_)) {
                // submit_sm_resp whose message_id has no NUL terminator (SMPP 3.4 §3.1).
                let mut raw = Vec::new();
                raw.extend_from_slice(&19u32.to_be_bytes());
                raw.extend_from_slice(&0x8000_0004u32.to_be_bytes());
                raw.extend_from_slice(&0u32.to_be_bytes());
                raw.extend_from_slice(&pdu.sequence_number.to_be_bytes());
                raw.extend_from_slice(b"abc");
                c.get_mut().write_all(&raw).await.unwrap();
                // Stay connected and keep answering enquire_link.
                while let Some(Ok(Ok(p))) = c.next().await {
                    if matches!(p.body, Body::EnquireLink) {
                        c.send(Pdu::new(p.sequence_number, Body::EnquireLinkResp))
                            .await
                            .unwrap();
                    }
                }
                return;
            }
        }
    });
    let (tx, events) = mpsc::channel(4);
    upstream_support::accept_events(events);
    let ch = Channel::start(
        ChannelConfig {
            name: "garbled".into(),
            host: addr.ip().to_string(),
            port: addr.port(),
            response_timeout: Duration::from_secs(30),
            on_unknown: UnknownOutcomePolicy::Fail,
            ..ChannelConfig::default()
        },
        tx,
    );
    wait_until(Duration::from_secs(5), || ch.is_available()).await;
    let report = tokio::time::timeout(
        Duration::from_secs(5),
        ch.send(message(1, "13800138000", "x")),
    )
    .await
    .expect("waited for the response timeout");
    assert_eq!(report.parts, vec![SubmitOutcome::Unknown]);
    assert!(ch.is_available(), "one bad PDU must not cost the session");
    assert_eq!(ch.counters().disconnects, 0);
    ch.shutdown().await;
    carrier.abort();
}
