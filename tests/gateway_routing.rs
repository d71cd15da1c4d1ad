//! Issue 4 end to end: a real third-party client (python smpplib) → smppd → three simulated
//! carriers, one per operator. Each message lands on its operator's carrier (simulator
//! record) and its receipt comes back on a separate receiver bind under smppd's message_id.

mod support_gateway;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use serde_json::json;
use support_gateway::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smpplib_messages_land_on_their_operators_carrier_and_receipts_carry_smppd_ids() {
    if !smpplib_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|_, _| {}).await;
    let gw = Gateway::start(&base_toml(dir.path(), carriers.ports(), "\"never\"", "")).await;

    // 4 messages per operator, numbers in national and +86 forms.
    let mut submits = Vec::new();
    let mut expected: BTreeMap<String, &str> = BTreeMap::new();
    for op in OPERATORS {
        for n in 0..4u32 {
            let national = number(op, n + 1);
            let dest = if n % 2 == 0 {
                national.clone()
            } else {
                format!("86{national}")
            };
            expected.insert(national, op);
            submits.push(json!({
                "dest": dest,
                "text": format!("【smppd测试】您的订单{op}-{n}已发货"),
            }));
        }
    }
    let total = submits.len();
    let out = run_smpplib(
        gw.addr,
        &json!({"submits": submits, "receipts": total, "timeout": 20}),
    )
    .await;
    assert_eq!(out["bind_receiver"], 0);
    assert_eq!(out["bind_transmitter"], 0);

    // Every submit accepted with a distinct smppd id.
    let mut ids = BTreeSet::new();
    for s in out["submits"].as_array().unwrap() {
        let parts = s.as_array().unwrap();
        assert_eq!(parts.len(), 1, "{s}");
        assert_eq!(parts[0]["status"], 0, "{s}");
        ids.insert(parts[0]["message_id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), total);

    // Each carrier received exactly its operator's numbers, with the channel's service code
    // + the account's extension as source address.
    for (op, code) in OPERATORS.iter().zip(["1069001", "1069002", "1069003"]) {
        let got: BTreeSet<String> = carriers
            .destinations(op)
            .into_iter()
            .map(|d| d.trim_start_matches("86").to_owned())
            .collect();
        let want: BTreeSet<String> = expected
            .iter()
            .filter(|(_, o)| **o == *op)
            .map(|(n, _)| n.clone())
            .collect();
        assert_eq!(got, want, "carrier {op} received the wrong numbers");
        for s in carriers.get(op).record().submits() {
            assert_eq!(s.source_addr, format!("{code}01"), "source address at {op}");
        }
    }

    // One DELIVRD receipt per message, on the receiver bind, under smppd's own id both in
    // receipted_message_id and in the text.
    let receipts = out["receipts"].as_array().unwrap();
    assert_eq!(receipts.len(), total, "{out}");
    let mut receipted = BTreeSet::new();
    for r in receipts {
        let tlv = r["receipted_message_id"].as_str().unwrap().to_owned();
        let text = r["short_message"].as_str().unwrap();
        assert_eq!(text_id(text).as_deref(), Some(tlv.as_str()), "{r}");
        assert_eq!(text_stat(text).as_deref(), Some("DELIVRD"), "{r}");
        assert_eq!(r["message_state"], 2, "message_state DELIVERED: {r}");
        receipted.insert(tlv);
    }
    assert_eq!(receipted, ids, "receipts are for exactly the accepted ids");

    gw.stop().await;
    carriers.shutdown().await;
    let _ = Duration::ZERO;
}

/// cn-sms-rules.md §7: a destination is normalised "to the form the upstream wants" when
/// sending. smppd accepts `+86 138-…`, `0086 …` and separators (routing folds them), so the
/// carrier must receive the bare digits, not the client's decorations: a carrier SMSC would
/// refuse `+86 138 0000 0011` (or deliver nowhere) after smppd had already said ESME_ROK.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn decorated_destinations_reach_the_carrier_as_plain_digits() {
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|_, _| {}).await;
    let gw = Gateway::start(&base_toml(dir.path(), carriers.ports(), "\"never\"", "")).await;
    let mut tx = Esme::bind(gw.addr, BindKind::Transmitter, "demo", "demo").await;

    // (as the client typed it with TON 0 unless it starts with 86 → TON 1, what cmcc gets)
    let cases = [
        ("+86 138 0000 0011", "13800000011"),
        ("138-0000-0012", "13800000012"),
        ("0086 (138) 0000 0013", "13800000013"),
        ("8613800000014", "8613800000014"),
        ("13800000015", "13800000015"),
    ];
    for (typed, _) in cases {
        let (status, _) = tx.submit_text(typed, "【smppd测试】您的订单已发货").await;
        assert_eq!(status, 0, "{typed:?} accepted");
    }
    let cmcc = carriers.get("cmcc");
    wait_until("all five reach cmcc", Duration::from_secs(10), || {
        cmcc.record().submits().len() >= cases.len()
    })
    .await;
    let got: BTreeSet<String> = carriers.destinations("cmcc").into_iter().collect();
    let want: BTreeSet<String> = cases.iter().map(|(_, w)| (*w).to_owned()).collect();
    assert_eq!(got, want, "the carrier got the normalised numbers");

    gw.stop().await;
    carriers.shutdown().await;
}
