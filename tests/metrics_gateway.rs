//! `/metrics` end to end: the whole gateway (simulated carriers, admin listener), a client
//! submits accepted and rejected messages and gets their receipts, and the scraped counters
//! move by exactly what happened: submits by account and result, policy rejections by
//! reason, receipts by final state, the upstream latency histogram per channel.

mod ops_support;
mod support_gateway;

use std::net::SocketAddr;
use std::time::Duration;

use ops_support::{http, TOKEN};
use support_gateway::{base_toml, number, BindKind, Carriers, Esme, Gateway};

/// The value of `name{labels…}` (every given label must match; 0 when absent).
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|l| !l.starts_with('#'))
        .find_map(|l| {
            let (metric, value) = l.rsplit_once(' ')?;
            let (n, rest) = metric.split_once('{').unwrap_or((metric, ""));
            if n != name {
                return None;
            }
            labels
                .iter()
                .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
                .then(|| value.parse().ok())
                .flatten()
        })
        .unwrap_or(0.0)
}

async fn scrape(admin: SocketAddr) -> String {
    let (code, text) = http(admin, "GET", "/metrics", None).await;
    assert_eq!(code, 200, "{text}");
    text
}

const SIGNED: &str = "【smppd测试】您的订单已发货";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_move_by_what_flowed_through_the_gateway() {
    // China Unicom's carrier answers every message with an UNDELIV receipt.
    let carriers = Carriers::start(|op, c| {
        if op == "cucc" {
            c.undeliverable_rate = 1.0;
        }
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let text = base_toml(
        dir.path(),
        carriers.ports(),
        "\"never\"",
        &format!("[admin]\nlisten = \"127.0.0.1:0\"\ntoken = \"{TOKEN}\"\n"),
    );
    let gw = Gateway::start(&text).await;
    let (client_addr, admin) = (gw.addr, gw.admin.unwrap());

    let mut client = Esme::bind(client_addr, BindKind::Transceiver, "demo", "demo").await;
    let before = scrape(admin).await;
    assert_eq!(
        sample(
            &before,
            "smppd_binds",
            &[("account", "demo"), ("bind_type", "transceiver")]
        ),
        1.0
    );

    for i in 0..3 {
        assert_eq!(client.submit_text(&number("cmcc", i), SIGNED).await.0, 0);
    }
    for i in 0..2 {
        assert_eq!(client.submit_text(&number("cucc", i), SIGNED).await.0, 0);
    }
    // Refused by policy (no signature) and by routing (not a routable number).
    let (st, _) = client
        .submit_text(&number("cmcc", 9), "您的订单已发货")
        .await;
    assert_ne!(st, 0);
    let (st, _) = client.submit_text("12", SIGNED).await;
    assert_eq!(st, 0x0B, "ESME_RINVDSTADR");

    let receipts = client.receipts(5, Duration::from_secs(20)).await;
    assert_eq!(receipts.len(), 5, "{receipts:?}");
    let after = scrape(admin).await;

    let delta = |name: &str, labels: &[(&str, &str)]| {
        sample(&after, name, labels) - sample(&before, name, labels)
    };
    let demo = ("account", "demo");
    assert_eq!(
        delta("smppd_submit_total", &[demo, ("result", "accepted")]),
        5.0
    );
    assert_eq!(
        delta("smppd_submit_total", &[demo, ("result", "rejected")]),
        2.0
    );
    assert_eq!(
        delta(
            "smppd_rejected_total",
            &[demo, ("reason", "missing_signature")]
        ),
        1.0
    );
    assert_eq!(
        delta("smppd_receipts_total", &[("state", "delivered")]),
        3.0
    );
    assert_eq!(
        delta("smppd_receipts_total", &[("state", "undeliverable")]),
        2.0
    );
    assert_eq!(
        delta(
            "smppd_upstream_submit_duration_seconds_count",
            &[("channel", "cmcc-sim")]
        ),
        3.0
    );
    assert_eq!(
        delta(
            "smppd_upstream_submit_duration_seconds_count",
            &[("channel", "cucc-sim")]
        ),
        2.0
    );
    assert_eq!(
        delta("smppd_upstream_receipts_total", &[("channel", "cucc-sim")]),
        2.0
    );
    // Personal data never becomes a label.
    for n in ["13800000000", "13000000000", "8613800000000"] {
        assert!(!after.contains(n), "phone number in /metrics");
    }

    gw.stop().await;
    carriers.shutdown().await;
}
