//! Per-channel message preparation seen at the carrier: source address rule and splitting for
//! a carrier with a smaller maximum length.

mod upstream_support;

use std::time::Duration;

use smppd::sim::{SimConfig, Simulator};
use smppd::upstream::{Channel, SourceAddrRule};
use tokio::sync::mpsc;
use upstream_support::{channel_config, message, wait_until};

#[tokio::test]
async fn source_address_is_service_code_plus_account_extension() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let (tx, events) = mpsc::channel(16);
    upstream_support::accept_events(events);
    let mut cfg = channel_config(&sim, 1);
    cfg.source_addr = SourceAddrRule {
        service_code: Some("106900".into()),
        append_extension: true,
        max_len: 20,
        ton: Some(0),
        npi: Some(0),
    };
    let ch = Channel::start(cfg, tx);
    wait_until(Duration::from_secs(5), || ch.is_available()).await;
    let mut msg = message(1, "13800138000", "x");
    msg.account_extension = Some("4321".into());
    assert!(ch.send(msg).await.all_accepted());
    assert_eq!(sim.record().submits()[0].source_addr, "1069004321");
    ch.shutdown().await;
}

#[tokio::test]
async fn carrier_with_a_smaller_maximum_gets_more_parts() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let (tx, events) = mpsc::channel(16);
    upstream_support::accept_events(events);
    let mut cfg = channel_config(&sim, 1);
    // 100 octets per part: 100 GSM septets fit one standard SMS (160) but not this carrier.
    cfg.split.max_octets = Some(100);
    let ch = Channel::start(cfg, tx);
    wait_until(Duration::from_secs(5), || ch.is_available()).await;
    let text = "a".repeat(150);
    let report = ch.send(message(9, "13800138000", &text)).await;
    assert!(report.all_accepted(), "{report:?}");
    assert!(report.total_parts >= 2);
    let recorded = sim.record().submits();
    assert_eq!(recorded.len(), report.total_parts);
    for r in &recorded {
        assert!(
            r.message_hex.len() / 2 <= 100,
            "part of {} octets",
            r.message_hex.len() / 2
        );
    }
    let joined: String = recorded.iter().filter_map(|r| r.text.clone()).collect();
    assert_eq!(joined, text);
    // A message that fits is not split.
    sim.record().clear();
    assert_eq!(
        ch.send(message(10, "13800138000", "short"))
            .await
            .total_parts,
        1
    );
    ch.shutdown().await;
}
