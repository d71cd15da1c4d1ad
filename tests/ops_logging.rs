//! `smppd run` installs one subscriber with the reload handle: `[log] format = "json"`
//! gives JSON lines, and the admin API's log-level endpoint changes what the real binary
//! logs while it runs.

mod ops_support;
mod support_gateway;

use std::time::Duration;

use serde_json::json;

use ops_support::{http, Smppd, TOKEN};
use support_gateway::{base_toml, BindKind, Carriers, Esme};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn log_level_endpoint_steers_the_running_binary() {
    let carriers = Carriers::start(|_, _| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("smppd.toml");
    let text = base_toml(
        dir.path(),
        carriers.ports(),
        "\"never\"",
        &format!(
            "[admin]\nlisten = \"127.0.0.1:0\"\ntoken = \"{TOKEN}\"\n[log]\nformat = \"json\"\nfilter = \"info\"\n"
        ),
    );
    std::fs::write(&file, text).unwrap();
    let mut smppd = Smppd::spawn(&file).await;
    let admin = smppd.admin.expect("admin address");

    let (code, body) = http(admin, "GET", "/api/v1/log-level", None).await;
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("\"filter\":\"info\""), "{body}");

    // At info, a session's end (debug) is not logged.
    // Closed without an unbind: the session ends as "client closed".
    drop(Esme::bind(smppd.client, BindKind::Transmitter, "demo", "demo").await);
    smppd
        .wait_log("\"bound\"", 1, Duration::from_secs(10))
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(smppd.count("session ended"), 0, "{:?}", smppd.log());

    let (code, body) = http(
        admin,
        "PUT",
        "/api/v1/log-level",
        Some(&json!({ "filter": "info,smppd::server=debug" })),
    )
    .await;
    assert_eq!(code, 200, "{body}");
    let (code, _) = http(
        admin,
        "PUT",
        "/api/v1/log-level",
        Some(&json!({ "filter": "smppd=loud" })),
    )
    .await;
    assert_eq!(code, 400, "a bad filter is refused");

    // Closed without an unbind: the session ends as "client closed".
    drop(Esme::bind(smppd.client, BindKind::Transmitter, "demo", "demo").await);
    smppd
        .wait_log("session ended", 1, Duration::from_secs(10))
        .await;

    // Every line is a JSON object (format = "json").
    for line in smppd.log() {
        let v: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert!(v.get("level").is_some(), "{line}");
    }
    assert!(smppd.stop().await.success());
    carriers.shutdown().await;
}

/// Phone numbers are personal data: whatever happens to a message (accepted, receipted,
/// refused, an MO unsubscribe reply), even at debug level no log line carries a full number,
/// and message text appears only at debug or below.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn logs_mask_phone_numbers_and_keep_text_at_debug() {
    let carriers = Carriers::start(|_, _| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("smppd.toml");
    let text = base_toml(
        dir.path(),
        carriers.ports(),
        "\"never\"",
        "[log]\nformat = \"json\"\nfilter = \"debug\"\n",
    );
    std::fs::write(&file, text).unwrap();
    let mut smppd = Smppd::spawn(&file).await;

    const TEXT: &str = "【smppd测试】您的订单已发货";
    const ACCEPTED: &str = "13800000001";
    const REFUSED: &str = "13800000002";
    const MO_FROM: &str = "13900000003";
    let mut client = Esme::bind(smppd.client, BindKind::Transceiver, "demo", "demo").await;
    assert_eq!(client.submit_text(ACCEPTED, TEXT).await.0, 0);
    assert_ne!(client.submit_text(REFUSED, "没有签名的短信").await.0, 0);
    assert_eq!(client.receipts(1, Duration::from_secs(20)).await.len(), 1);
    // An unsubscribe reply to the account's source address (service code + extension 01).
    carriers
        .get("cmcc")
        .send_mo("smppd", MO_FROM, "106900101", "TD");
    let mo = client.drain(Duration::from_secs(2)).await;
    assert_eq!(mo.len(), 1, "the MO reached the client");
    client.unbind().await;
    assert!(smppd.stop().await.success());

    let log = smppd.log();
    assert!(log.len() > 10, "debug logging is on: {log:?}");
    for line in &log {
        for number in [ACCEPTED, REFUSED, MO_FROM] {
            assert!(
                !line.contains(number),
                "unmasked phone number logged: {line}"
            );
        }
        if line.contains("您的订单已发货") || line.contains("没有签名") {
            let v: serde_json::Value = serde_json::from_str(line).unwrap();
            let level = v["level"].as_str().unwrap_or_default();
            assert!(
                level == "DEBUG" || level == "TRACE",
                "message text logged at {level}: {line}"
            );
        }
    }
    carriers.shutdown().await;
}
