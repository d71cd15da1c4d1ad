//! Limits and templates changed through the admin API survive a restart (the overlay file
//! next to the store), until the config file changes them: then the file, being newer, wins.

mod ops_support;
mod support_gateway;

use std::net::SocketAddr;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use ops_support::{http, TOKEN};
use smppd::config::Config;
use smppd::server::ShutdownReport;
use support_gateway::{base_toml, number, BindKind, Carriers, Esme};

struct Running {
    client: SocketAddr,
    admin: SocketAddr,
    shutdown: CancellationToken,
    handle: JoinHandle<ShutdownReport>,
}

async fn start(text: &str) -> Running {
    let cfg = Config::parse(text, "ops.toml").unwrap();
    let started = smppd::gateway::start(&cfg).await.unwrap();
    let client = started.client_addrs[0];
    let admin = started.admin_addr.unwrap();
    let shutdown = CancellationToken::new();
    let handle = tokio::spawn(started.serve(shutdown.clone()));
    Running {
        client,
        admin,
        shutdown,
        handle,
    }
}

impl Running {
    async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(15), self.handle)
            .await
            .unwrap()
            .unwrap();
    }

    async fn json(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let (code, text) = http(self.admin, method, path, body.as_ref()).await;
        (code, serde_json::from_str(&text).unwrap_or(Value::Null))
    }
}

fn config(dir: &std::path::Path, ports: [u16; 3], tps: u32) -> String {
    base_toml(
        dir,
        ports,
        "\"never\"",
        &format!("[admin]\nlisten = \"127.0.0.1:0\"\ntoken = \"{TOKEN}\"\n"),
    )
    .replacen("tps = 0", &format!("tps = {tps}"), 1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_changes_survive_a_restart_until_the_file_changes_them() {
    let carriers = Carriers::start(|_, _| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let text = config(dir.path(), carriers.ports(), 500);

    let gw = start(&text).await;
    let (code, v) = gw
        .json(
            "PUT",
            "/api/v1/accounts/demo/limits",
            Some(json!({ "tps": 40, "daily_cap": 1 })),
        )
        .await;
    assert_eq!(code, 200, "{v}");
    assert_eq!(v["persisted"], true);
    let template = json!({
        "account": "demo", "id": "ship1",
        "text": "【smppd测试】您的快递${no:alnum(6,20)}已发出", "message_type": "business_notice"
    });
    let (code, v) = gw
        .json("POST", "/api/v1/policy/templates", Some(template))
        .await;
    assert_eq!(code, 201, "{v}");
    assert_eq!(v["persisted"], true);
    gw.stop().await;
    let overlay = dir.path().join("messages.sqlite.admin-overlay.json");
    assert!(overlay.exists(), "overlay file next to the store");

    // Restart on the same file: the admin changes are back.
    let gw = start(&text).await;
    let (_, v) = gw.json("GET", "/api/v1/accounts/demo", None).await;
    assert_eq!(v["quota"]["limits"]["tps"], 40, "{v}");
    assert_eq!(v["quota"]["limits"]["daily_cap"], 1, "{v}");
    let (_, v) = gw
        .json("GET", "/api/v1/policy/templates?account=demo", None)
        .await;
    assert!(
        v["templates"]
            .as_array()
            .unwrap()
            .iter()
            .any(|t| t["id"] == "ship1"),
        "{v}"
    );
    // And they are enforced: one segment a day.
    let mut client = Esme::bind(gw.client, BindKind::Transceiver, "demo", "demo").await;
    let text_ok = "【smppd测试】您的快递SF12345678已发出";
    assert_eq!(client.submit_text(&number("cmcc", 1), text_ok).await.0, 0);
    assert_eq!(
        client.submit_text(&number("cmcc", 2), text_ok).await.0,
        0x40A,
        "daily cap from the overlay"
    );
    drop(client);
    gw.stop().await;

    // The operator edits the file's limits: the file is newer and wins, the template stays.
    let edited = config(dir.path(), carriers.ports(), 70);
    let gw = start(&edited).await;
    let (_, v) = gw.json("GET", "/api/v1/accounts/demo", None).await;
    assert_eq!(v["quota"]["limits"]["tps"], 70, "{v}");
    assert_eq!(v["quota"]["limits"]["daily_cap"], Value::Null, "{v}");
    let (_, v) = gw
        .json("GET", "/api/v1/policy/templates?account=demo", None)
        .await;
    assert_eq!(v["templates"].as_array().unwrap().len(), 1, "{v}");
    gw.stop().await;
    carriers.shutdown().await;
}
