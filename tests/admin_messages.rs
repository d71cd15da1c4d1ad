//! Admin API: message lookups, delivery evidence, statistics and billing after a mixed run.

mod admin_support;

use axum::http::{Method, StatusCode};

use admin_support::{id, Fixture, TOKEN};

const DAY: &str = "from=2026-11-28T00:00:00Z&to=2026-11-28T01:00:00Z";

#[tokio::test]
async fn message_by_id_shows_the_full_lifecycle() {
    let f = Fixture::new();
    f.seed().await;
    let (st, v) = f.get(&format!("/api/v1/messages/{}", id(10, 1))).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let m = &v["message"];
    assert_eq!(m["final_state"], "DELIVRD");
    assert_eq!(m["generated_by_smppd"], false);
    let events: Vec<&str> = m["lifecycle"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "accepted",
            "routed",
            "carrier_submit_resp",
            "carrier_receipt",
            "final"
        ]
    );
    assert_eq!(m["carrier_submits"][0]["carrier_message_id"], "C-0001");
    assert_eq!(m["accepted_at"], "2026-11-28T00:00:10.000Z");

    // Expired by smppd: the reason and who decided it are shown.
    let (_, v) = f.get(&format!("/api/v1/messages/{}", id(10, 3))).await;
    assert_eq!(v["message"]["final_state"], "EXPIRED");
    assert_eq!(v["message"]["generated_by_smppd"], true);
    assert_eq!(v["message"]["final_reason"], "validity period passed");

    let (st, v) = f.get("/api/v1/messages/not-hex!").await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let (st, _) = f.get("/api/v1/messages/00000000DEADBEEF").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn message_by_carrier_id_and_by_recipient() {
    let f = Fixture::new();
    f.seed().await;
    let (st, v) = f.get("/api/v1/messages/by-carrier-id/C-0002").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["messages"][0]["id"], id(10, 2).to_string());
    assert_eq!(v["messages"][0]["final_state"], "UNDELIV");
    let (st, _) = f.get("/api/v1/messages/by-carrier-id/nope").await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let (st, v) = f
        .get(&format!("/api/v1/messages?recipient=13800138004&{DAY}"))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["messages"].as_array().unwrap().len(), 1);
    assert_eq!(v["messages"][0]["state"], "accepted");
    // The rejected submit is found with its reason.
    let (_, v) = f
        .get(&format!("/api/v1/messages?recipient=13800138009&{DAY}"))
        .await;
    assert_eq!(v["rejections"][0]["reason"], "banned_content");
    assert_eq!(v["rejections"][0]["command_status"], 0x401);
    // Outside the range: nothing.
    let (_, v) = f
        .get("/api/v1/messages?recipient=13800138004&from=2026-11-29T00:00:00Z&to=2026-11-30T00:00:00Z")
        .await;
    assert!(v["messages"].as_array().unwrap().is_empty());

    for bad in [
        "/api/v1/messages",
        "/api/v1/messages?recipient=1&from=yesterday",
        "/api/v1/messages?recipient=1&from=2026-11-29T00:00:00Z&to=2026-11-28T00:00:00Z",
        "/api/v1/messages?recipient=1&limit=0",
        "/api/v1/messages?recipient=1&limit=many",
        "/api/v1/messages?recipient=1&colour=red",
    ] {
        let (st, v) = f.get(bad).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}: {v}");
        assert_eq!(v["error"]["code"], "bad_request", "{bad}");
    }
}

#[tokio::test]
async fn evidence_exports_raw_carrier_pdus_and_marks_smppd_outcomes() {
    let f = Fixture::new();
    f.seed().await;
    let (st, v) = f.get(&format!("/api/v1/evidence?account=acme&{DAY}")).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let msgs = v["messages"].as_array().unwrap();
    assert_eq!(msgs.len(), 4);
    let m1 = msgs
        .iter()
        .find(|m| m["id"] == id(10, 1).to_string())
        .unwrap();
    assert_eq!(
        m1["carrier_submits"][0]["raw_pdu_hex"],
        "000000178000000401"
    );
    assert_eq!(m1["carrier_submits"][0]["channel"], "sim");
    assert_eq!(m1["carrier_submits"][0]["at"], "2026-11-28T00:00:12.000Z");
    assert_eq!(m1["carrier_receipts"][0]["raw_pdu_hex"], "deadbeef01");
    assert_eq!(m1["final"]["generated_by_smppd"], false);
    let m3 = msgs
        .iter()
        .find(|m| m["id"] == id(10, 3).to_string())
        .unwrap();
    assert_eq!(m3["final"]["generated_by_smppd"], true);
    assert!(m3["carrier_receipts"].as_array().unwrap().is_empty());

    let (_, v) = f.get(&format!("/api/v1/evidence?account=beta&{DAY}")).await;
    assert!(
        v["messages"].as_array().unwrap().is_empty(),
        "other accounts' data stays out"
    );
    let (st, _) = f.get("/api/v1/evidence").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn statistics_reconcile_after_a_mixed_run() {
    let f = Fixture::new();
    f.seed().await;
    let (st, v) = f
        .get("/api/v1/stats?account=acme&from=2026-11-28&to=2026-11-28")
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let t = &v["totals"]["messages"];
    assert_eq!(
        [
            &t["submitted"],
            &t["accepted"],
            &t["rejected"],
            &t["delivered"],
            &t["failed"],
            &t["expired"],
            &t["pending"]
        ],
        [5, 4, 1, 1, 1, 1, 1]
    );
    assert_eq!(v["totals"]["segments"]["accepted"], 5);
    assert_eq!(v["reconciliation"]["holds"], true);
    for day in v["days"].as_array().unwrap() {
        assert_eq!(day["reconciliation"]["holds"], true, "{day}");
    }
    let marketing = v["days"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["message_type"] == "marketing")
        .unwrap();
    assert_eq!(
        marketing["rejected_by_reason"]["banned_content"]["messages"],
        1
    );

    // Per channel, carrier and province: the two routed messages, both final.
    let by_route = v["by_route"].as_array().unwrap();
    assert_eq!(by_route.len(), 1, "{v}");
    assert_eq!(by_route[0]["channel"], "sim");
    assert_eq!(by_route[0]["carrier"], "cmcc");
    assert_eq!(by_route[0]["province"], "北京");
    let m = &by_route[0]["messages"];
    assert_eq!([&m["routed"], &m["delivered"], &m["failed"]], [2, 1, 1]);
    assert_eq!(by_route[0]["reconciliation"]["holds"], true);

    for bad in [
        "/api/v1/stats?from=28/11/2026",
        "/api/v1/stats?from=2026-13-01",
        "/api/v1/stats?from=2026-11-29&to=2026-11-28",
    ] {
        let (st, v) = f.get(bad).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}: {v}");
    }
}

#[tokio::test]
async fn billing_csv_counts_accepted_segments() {
    let f = Fixture::new();
    f.seed().await;
    let (st, csv) = f
        .raw(
            Method::GET,
            "/api/v1/billing.csv?account=acme",
            None,
            Some(TOKEN),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("day,account,message_type,accepted_messages,billable_segments"));
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let otp = rows.iter().find(|r| r[2] == "otp").unwrap();
    assert_eq!(&otp[..5], ["2026-11-28", "acme", "otp", "4", "5"]);
    let marketing = rows.iter().find(|r| r[2] == "marketing").unwrap();
    assert_eq!(marketing[4], "0", "rejected messages are not billed");
    let (st, _) = f.get("/api/v1/billing.csv?to=tomorrow").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}
