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
    let smppd = Smppd::spawn(&file).await;
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
