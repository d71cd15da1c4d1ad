//! Issue 5 through the whole gateway and a real client (python smpplib): policy rejections
//! arrive as their documented statuses (src/policy/STATUS_CODES.md), an MO "TD" to the
//! account's extension opts the sender out, and a concatenated message whose banned phrase
//! is split across two parts is refused on its last part while the first part (already
//! accepted) ends with a REJECTD receipt.

mod support_gateway;

use std::time::Duration;

use serde_json::json;
use support_gateway::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn policy_statuses_opt_out_by_mo_and_split_banned_phrase_through_smpplib() {
    if !smpplib_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|_, _| {}).await;
    let gw = Gateway::start(&base_toml(dir.path(), carriers.ports(), "\"never\"", "")).await;

    // The subscriber 13800005555 replies "TD" to the account's number (service code of the
    // cmcc channel + extension 01). The MO reaches the demo account's receiver after the
    // opt-out was recorded (src/relay/mo.rs), so seeing it here orders the test.
    let opted_out = "13800005555";
    let mut rx = Esme::bind(gw.addr, BindKind::Receiver, "demo", "demo").await;
    let cmcc = carriers.get("cmcc");
    wait_until(
        "smppd bound to the cmcc carrier as receiver",
        Duration::from_secs(10),
        || cmcc.send_mo("smppd", opted_out, "106900101", "TD"),
    )
    .await;
    let mo = rx.drain(Duration::from_millis(1500)).await;
    assert_eq!(mo.len(), 1, "the MO reached the account's receiver");
    assert_eq!(mo[0].source_addr.to_string_lossy(), opted_out);
    rx.unbind().await;

    // Banned phrase "赌博" (gambling) straddling the 67-character UCS-2 part boundary.
    let sig = "【smppd测试】";
    let filler_len = 66 - sig.chars().count();
    let split_text = format!("{sig}{}赌博网站开业大酬宾欢迎光临", "好".repeat(filler_len));
    assert_eq!(split_text.chars().nth(66), Some('赌'));
    assert_eq!(split_text.chars().nth(67), Some('博'));

    let spec = json!({
        "submits": [
            {"dest": "13800000001", "text": format!("{sig}您的订单已发货")},             // ok
            {"dest": "13800000002", "text": format!("{sig}欢迎来到赌博网站")},           // 0x400
            {"dest": "13800000003", "text": "您的订单已发货，请查收"},                     // 0x401
            {"dest": "13800000004", "text": format!("{sig}会员日全场五折"), "service_type": "mkt"}, // 0x404
            {"dest": "13800000006", "text": format!("{sig}会员日全场五折，回T退订"), "service_type": "mkt"}, // ok
            {"dest": opted_out, "text": format!("{sig}会员日全场六折，回T退订"), "service_type": "mkt"}, // 0x406
            {"dest": "13800000007", "text": split_text},                              // parts: ok, 0x400
        ],
        // The two accepted messages' DELIVRD + the held first part's REJECTD.
        "receipts": 3,
        "timeout": 15,
    });
    let out = run_smpplib(gw.addr, &spec).await;
    let status = |i: usize, part: usize| out["submits"][i][part]["status"].as_u64().unwrap();
    assert_eq!(status(0, 0), 0, "{out}");
    assert_eq!(status(1, 0), 0x400, "banned content: {out}");
    assert_eq!(status(2, 0), 0x401, "missing signature: {out}");
    assert_eq!(status(3, 0), 0x404, "marketing without unsubscribe: {out}");
    assert_eq!(status(4, 0), 0, "marketing with unsubscribe is fine: {out}");
    assert_eq!(status(5, 0), 0x406, "recipient opted out by MO: {out}");
    let split = out["submits"][6].as_array().unwrap();
    assert_eq!(split.len(), 2, "smpplib split the long text in two: {out}");
    assert_eq!(split[0]["status"], 0, "first part accepted (held): {out}");
    assert_eq!(
        split[1]["status"], 0x400,
        "last part carries the verdict: {out}"
    );
    let held_id = split[0]["message_id"].as_str().unwrap().to_owned();

    // Receipts: DELIVRD for the two accepted, REJECTD for the held part (err = low 12 bits
    // of the policy status).
    let receipts = out["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), 3, "{out}");
    let by_id = |id: &str| {
        receipts
            .iter()
            .find(|r| r["receipted_message_id"] == id)
            .unwrap_or_else(|| panic!("no receipt for {id}: {out}"))
    };
    for i in [0, 4] {
        let id = out["submits"][i][0]["message_id"].as_str().unwrap();
        let r = by_id(id);
        assert_eq!(
            text_stat(r["short_message"].as_str().unwrap()).as_deref(),
            Some("DELIVRD")
        );
    }
    let r = by_id(&held_id);
    let text = r["short_message"].as_str().unwrap();
    assert_eq!(text_stat(text).as_deref(), Some("REJECTD"), "{r}");
    assert_eq!(text_id(text).as_deref(), Some(held_id.as_str()));
    let err = smppd::text::dlr::parse(text).unwrap().err;
    assert_eq!(err.as_deref(), Some("400"), "{r}");

    // Nothing rejected reached a carrier: only the two accepted messages did.
    let sent: Vec<String> = carriers
        .sims
        .iter()
        .flat_map(|s| s.record().submits())
        .map(|s| s.destination_addr)
        .collect();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent
        .iter()
        .all(|d| d.ends_with("13800000001") || d.ends_with("13800000006")));

    gw.stop().await;
    carriers.shutdown().await;
}
