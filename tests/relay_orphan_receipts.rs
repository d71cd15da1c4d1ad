//! A carrier receipt that matches no message (its submit_sm_resp was lost, e.g. with a
//! crash) is refused a few times in case its resp is only late, then accepted so the
//! carrier stops re-sending it; a receipt that does match is unaffected.

mod server_support;
mod support_gateway;

use std::time::Duration;

use futures::{SinkExt, StreamExt};
use smppd::pdu::{BindResp, Body, Pdu, SmppCodec};
use tokio::net::TcpListener;
use tokio_util::codec::Framed;

use support_gateway::*;

const ESME_RX_T_APPN: u32 = 0x64;

fn receipt(seq: u32, id: &str) -> Pdu {
    Pdu::new(
        seq,
        Body::DeliverSm(server_support::interop::receipt_for(id)),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unmatched_receipt_is_refused_then_accepted_after_repeated_attempts() {
    // A carrier that binds smppd and sends one receipt for an id smppd never got, again
    // after every refusal, and reports each deliver_sm_resp status.
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (status_tx, mut statuses) = tokio::sync::mpsc::unbounded_channel();
    let carrier = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut c = Framed::new(stream, SmppCodec::default());
        let bind = c.next().await.unwrap().unwrap().unwrap();
        let ok = Body::BindTransceiverResp(BindResp::default());
        c.send(Pdu::new(bind.sequence_number, ok)).await.unwrap();
        let mut seq = 1;
        c.send(receipt(seq, "0a1b2c3d")).await.unwrap();
        while let Some(Ok(Ok(p))) = c.next().await {
            match p.body {
                Body::EnquireLink => {
                    let resp = Pdu::new(p.sequence_number, Body::EnquireLinkResp);
                    c.send(resp).await.unwrap();
                }
                Body::DeliverSmResp(_) if p.sequence_number == seq => {
                    let _ = status_tx.send(p.command_status.0);
                    if p.command_status.0 == 0 {
                        continue;
                    }
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    seq += 1;
                    c.send(receipt(seq, "0a1b2c3d")).await.unwrap();
                }
                _ => {}
            }
        }
    });
    let sims = Carriers::start(|_, _| {}).await;
    let [_, cucc, ctcc] = sims.ports();
    let dir = tempfile::tempdir().unwrap();
    let toml = base_toml(dir.path(), [port, cucc, ctcc], "\"never\"", "").replacen(
        "[gateway]\n",
        "[gateway]\nearly_receipt_ttl = \"200ms\"\n",
        1,
    );
    let gw = Gateway::start(&toml).await;

    let mut seen = Vec::new();
    while seen.last() != Some(&0) && seen.len() < 8 {
        let status = tokio::time::timeout(Duration::from_secs(10), statuses.recv())
            .await
            .expect("the carrier got an answer to its receipt")
            .expect("carrier running");
        seen.push(status);
    }
    assert_eq!(
        seen,
        [ESME_RX_T_APPN, ESME_RX_T_APPN, ESME_RX_T_APPN, 0],
        "refused while its resp might still come, then accepted"
    );
    gw.stop().await;
    carrier.abort();
    sims.shutdown().await;
}
