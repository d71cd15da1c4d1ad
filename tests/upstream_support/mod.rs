//! Shared helpers of the upstream integration tests.
#![allow(dead_code)] // each test file uses a subset

use std::time::Duration;

use smppd::message::MessageId;
use smppd::pdu::{COctetString, DeliverSm, ShortMessage, SubmitSm};
use smppd::sim::SimHandle;
use smppd::text::{self, dlr};
use smppd::upstream::{ChannelConfig, OutboundMessage, UpstreamEvent};
use tokio::sync::mpsc;

/// A relay stand-in for tests that do not look at receipts: answers every carrier
/// `deliver_sm` ESME_ROK at once (unanswered ones would hold the receive window).
pub fn accept_events(mut events: mpsc::Receiver<UpstreamEvent>) {
    tokio::spawn(async move {
        while let Some(e) = events.recv().await {
            match e {
                UpstreamEvent::Receipt(i) | UpstreamEvent::Mo(i) => i.ack.accept(),
            }
        }
    });
}

/// A channel towards `sim` with `sessions` TRX sessions and short timers.
pub fn channel_config(sim: &SimHandle, sessions: usize) -> ChannelConfig {
    ChannelConfig {
        name: "sim".into(),
        host: sim.addr().ip().to_string(),
        port: sim.addr().port(),
        system_id: "smppd".into(),
        password: "pw".into(),
        sessions,
        window: 16,
        reconnect_min: Duration::from_millis(20),
        reconnect_max: Duration::from_millis(200),
        response_timeout: Duration::from_secs(2),
        ..ChannelConfig::default()
    }
}

/// A message to `dest` asking for a delivery receipt.
pub fn message(n: u64, dest: &str, body: &str) -> OutboundMessage {
    let coding = text::choose_coding(body);
    let bytes = text::encode(body, coding).unwrap();
    let submit = SubmitSm {
        source_addr: COctetString::try_from("10690001").unwrap(),
        destination_addr: COctetString::try_from(dest).unwrap(),
        registered_delivery: 1,
        data_coding: coding.data_coding(),
        short_message: ShortMessage::try_from(bytes.as_slice()).unwrap(),
        ..SubmitSm::default()
    };
    OutboundMessage {
        message_id: MessageId::from_u64(0x1000 + n),
        submit,
        account_extension: Some("01".into()),
    }
}

/// The carrier id a receipt is for (TLV first, then the text).
pub fn receipt_id(d: &DeliverSm) -> Option<String> {
    if let Some(id) = d.tlvs.receipted_message_id() {
        return Some(id.to_string());
    }
    let text = String::from_utf8_lossy(&d.short_message).to_string();
    dlr::parse(&text).ok().map(|r| r.id)
}

/// Whether a receipt says DELIVRD.
pub fn receipt_delivered(d: &DeliverSm) -> bool {
    let text = String::from_utf8_lossy(&d.short_message).to_string();
    matches!(dlr::parse(&text), Ok(r) if r.stat == dlr::ReceiptStat::Delivrd)
}

/// `source_addr` as text.
pub fn source_addr(d: &DeliverSm) -> String {
    d.source_addr.to_string_lossy()
}

/// Polls `cond` every 10 ms until it holds; panics after `limit`.
pub async fn wait_until(limit: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "condition not reached within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}
