//! submit_multi end to end with a third-party client (npm `smpp`): one request to recipients
//! of three carriers answers one message_id (SMPP 3.4 §4.5.2), and every destination's
//! receipt comes back under that id, told apart by its source_addr (the recipient). A
//! destination smppd cannot route is listed in unsuccess_sme and gets no receipt.

mod support_gateway;

use std::collections::BTreeSet;
use std::time::Duration;

use support_gateway::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn submit_multi_receipts_carry_the_one_id_the_client_was_given() {
    if !node_smpp_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|_, _| {}).await;
    let gw = Gateway::start(&base_toml(dir.path(), carriers.ports(), "\"never\"", "")).await;

    // International form (the client sends dest_addr_ton 1).
    let good: Vec<String> = OPERATORS
        .iter()
        .map(|op| format!("86{}", number(op, 7)))
        .collect();
    let unroutable = "999";
    let dests = format!("{},{unroutable}", good.join(","));
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::process::Command::new("node")
            .arg(interop_dir().join("node_gateway_multi.js"))
            .args([
                "127.0.0.1",
                &gw.addr.port().to_string(),
                &dests,
                &good.len().to_string(),
            ])
            .current_dir(interop_dir())
            .kill_on_drop(true)
            .output(),
    )
    .await
    .expect("node client finished within 60 s")
    .expect("node client ran");
    assert!(out.status.success(), "node client failed: {out:?}");
    let out: serde_json::Value = serde_json::from_slice(&out.stdout).expect("client printed JSON");
    assert_eq!(out["bind_receiver"], 0);
    assert_eq!(out["bind_transmitter"], 0);

    // One id for the request; the destination smppd cannot route is listed as unsuccessful.
    assert_eq!(out["multi"]["status"], 0, "{out}");
    let id = out["multi"]["message_id"].as_str().unwrap().to_owned();
    let failed = out["multi"]["unsuccess_sme"].as_array().unwrap();
    assert_eq!(failed.len(), 1, "{out}");
    assert_eq!(failed[0]["destination_addr"], unroutable);
    assert_ne!(failed[0]["error_status_code"], 0);

    // Each routable recipient reached its own carrier once.
    for (op, n) in OPERATORS.iter().zip(&good) {
        let got: Vec<String> = carriers
            .destinations(op)
            .iter()
            .map(|d| d.trim_start_matches("86").to_owned())
            .collect();
        assert_eq!(got, [n.trim_start_matches("86")], "carrier {op}");
    }

    // A DELIVRD receipt per recipient, every one under the id the client was given.
    let receipts = out["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), good.len(), "{out}");
    let mut recipients = BTreeSet::new();
    for r in receipts {
        assert_eq!(r["esm_class"], 4, "{r}");
        assert_eq!(r["receipted_message_id"], id.as_str(), "{r}");
        let text = r["text"].as_str().unwrap();
        assert_eq!(text_id(text).as_deref(), Some(id.as_str()), "{text}");
        assert_eq!(text_stat(text).as_deref(), Some("DELIVRD"), "{text}");
        recipients.insert(r["source_addr"].as_str().unwrap().to_owned());
    }
    assert_eq!(recipients, good.iter().cloned().collect::<BTreeSet<_>>());

    gw.stop().await;
    carriers.shutdown().await;
}
