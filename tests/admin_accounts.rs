//! Admin API: accounts (quotas, limits, suspend/resume, kick) and policy endpoints.

mod admin_support;

use axum::http::{Method, StatusCode};
use serde_json::json;

use admin_support::Fixture;

#[tokio::test]
async fn accounts_list_shows_binds_and_live_quota() {
    let f = Fixture::new();
    let (st, v) = f.get("/api/v1/accounts").await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let accounts = v["accounts"].as_array().unwrap();
    let ids: Vec<&str> = accounts
        .iter()
        .map(|a| a["account"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["acme", "beta"]);
    assert_eq!(accounts[0]["binds"].as_array().unwrap().len(), 2);
    assert_eq!(accounts[0]["quota"]["limits"]["tps"], 50);
    assert_eq!(accounts[0]["suspended"], false);

    let (st, v) = f.get("/api/v1/accounts/acme").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["quota"]["day_used"], 0);

    let (st, v) = f.get("/api/v1/accounts/nobody").await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(v["error"]["code"], "not_found");
}

#[tokio::test]
async fn limits_change_at_run_time_and_bad_input_is_refused() {
    let f = Fixture::new();
    let body = json!({ "tps": 7, "daily_cap": 1000 });
    let (st, v) = f
        .call(Method::PUT, "/api/v1/accounts/acme/limits", Some(body))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["limits"]["tps"], 7);
    assert_eq!(v["limits"]["daily_cap"], 1000);
    let usage = f
        .policy
        .quota_usage("acme", std::time::SystemTime::now())
        .unwrap();
    assert_eq!((usage.limits.tps, usage.limits.daily_cap), (7, Some(1000)));

    // null removes a cap; an absent field keeps its value.
    let body = json!({ "daily_cap": null });
    let (st, v) = f
        .call(Method::PUT, "/api/v1/accounts/acme/limits", Some(body))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["limits"]["daily_cap"], serde_json::Value::Null);
    assert_eq!(v["limits"]["tps"], 7);

    for (body, why) in [
        (json!({}), "nothing to change"),
        (json!({ "burst": 0 }), "burst must be at least 1"),
        (json!({ "tsp": 5 }), "unknown field"),
        (json!({ "tps": -1 }), "invalid value"),
    ] {
        let (st, v) = f
            .call(Method::PUT, "/api/v1/accounts/acme/limits", Some(body))
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(why), "{msg:?} should mention {why:?}");
    }
    let (st, _) = f
        .call(
            Method::PUT,
            "/api/v1/accounts/ghost/limits",
            Some(json!({ "tps": 1 })),
        )
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    // Not JSON at all.
    let (st, _) = f
        .raw(
            Method::PUT,
            "/api/v1/accounts/acme/limits",
            None,
            Some(admin_support::TOKEN),
        )
        .await;
    assert!(st.is_client_error());
}

#[tokio::test]
async fn suspend_resume_and_kick_reach_the_server() {
    let f = Fixture::new();
    let (st, v) = f
        .call(Method::POST, "/api/v1/accounts/acme/suspend", None)
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["binds_unbound"], 2);
    assert!(f.server.suspended.lock().contains(&"acme".to_string()));
    let (_, v) = f.get("/api/v1/accounts/acme").await;
    assert_eq!(v["suspended"], true);

    let (st, _) = f
        .call(Method::POST, "/api/v1/accounts/acme/resume", None)
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, v) = f
        .call(Method::POST, "/api/v1/accounts/acme/resume", None)
        .await;
    assert_eq!(st, StatusCode::CONFLICT, "{v}");
    let (st, _) = f
        .call(Method::POST, "/api/v1/accounts/ghost/suspend", None)
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    let (st, v) = f
        .call(Method::DELETE, "/api/v1/accounts/beta/binds/3", None)
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert!(f.server.binds.lock().is_empty());
    let (st, _) = f
        .call(Method::DELETE, "/api/v1/accounts/beta/binds/3", None)
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    let (st, v) = f
        .call(Method::DELETE, "/api/v1/accounts/beta/binds/x", None)
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
}

#[tokio::test]
async fn opt_outs_single_and_bulk() {
    let f = Fixture::new();
    let body = json!({ "scope": "global", "number": "+8613800138000" });
    let (st, v) = f
        .call(Method::POST, "/api/v1/policy/opt-outs", Some(body))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["changed"], 1);
    let body = json!({ "scope": "acme", "numbers": ["13800138001", "13800138002", "13800138001"] });
    let (st, v) = f
        .call(Method::POST, "/api/v1/policy/opt-outs", Some(body))
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        (v["requested"].as_u64(), v["changed"].as_u64()),
        (Some(3), Some(2))
    );

    let (_, v) = f.get("/api/v1/policy/opt-outs?scope=acme").await;
    assert_eq!(v["numbers"], json!(["13800138001", "13800138002"]));
    let (_, v) = f.get("/api/v1/policy/opt-outs").await;
    assert_eq!(
        v["numbers"],
        json!(["13800138000"]),
        "normalized, global by default"
    );
    // The policy engine sees it.
    assert!(f.policy.opt_outs().lookup("beta", "13800138000").is_some());

    let body = json!({ "scope": "acme", "numbers": ["13800138001", "13900000000"] });
    let (st, v) = f
        .call(Method::POST, "/api/v1/policy/opt-outs/remove", Some(body))
        .await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["changed"], 1);

    for body in [
        json!({ "scope": "acme" }),
        json!({ "scope": "", "number": "13800138000" }),
        json!({ "number": "13800138000" }),
    ] {
        let (st, v) = f
            .call(Method::POST, "/api/v1/policy/opt-outs", Some(body))
            .await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
        assert_eq!(v["error"]["code"], "bad_request");
    }
}

#[tokio::test]
async fn templates_list_and_approve() {
    let f = Fixture::new();
    let (st, v) = f.get("/api/v1/policy/templates?account=acme").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["templates"][0]["id"], "otp1");
    let (st, _) = f.get("/api/v1/policy/templates?account=ghost").await;
    assert_eq!(st, StatusCode::NOT_FOUND);

    // Lower the TPS first: approving must not reset run-time limits.
    f.call(
        Method::PUT,
        "/api/v1/accounts/acme/limits",
        Some(json!({ "tps": 3 })),
    )
    .await;
    let t = json!({
        "account": "acme", "id": "ship1",
        "text": "您的快递${no:alnum(6,20)}已发出", "message_type": "business_notice"
    });
    let (st, v) = f
        .call(Method::POST, "/api/v1/policy/templates", Some(t.clone()))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    assert_eq!(v["persisted"], false);
    let (_, v) = f.get("/api/v1/policy/templates").await;
    assert_eq!(v["templates"].as_array().unwrap().len(), 2);
    let usage = f
        .policy
        .quota_usage("acme", std::time::SystemTime::now())
        .unwrap();
    assert_eq!(usage.limits.tps, 3);

    let (st, _) = f
        .call(Method::POST, "/api/v1/policy/templates", Some(t))
        .await;
    assert_eq!(st, StatusCode::CONFLICT);
    let bad =
        json!({ "account": "acme", "id": "x", "text": "a ${code:nosuch}", "message_type": "otp" });
    let (st, v) = f
        .call(Method::POST, "/api/v1/policy/templates", Some(bad))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let bad = json!({ "account": "acme", "id": "y", "text": "x", "message_type": "spam" });
    let (st, _) = f
        .call(Method::POST, "/api/v1/policy/templates", Some(bad))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn reload_with_a_broken_list_keeps_the_old_rules() {
    let f = Fixture::new();
    let (st, v) = f.call(Method::POST, "/api/v1/policy/reload", None).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let before = v["banned_phrases"].as_u64().unwrap();
    assert!(before > 0, "lists loaded");

    std::fs::write(f.dir.join("keywords.txt"), "测试违禁词\n另一个词\n").unwrap();
    let (_, v) = f.call(Method::POST, "/api/v1/policy/reload", None).await;
    assert_eq!(v["banned_phrases"].as_u64().unwrap(), before + 1);

    std::fs::remove_file(f.dir.join("keywords.txt")).unwrap();
    let (st, v) = f.call(Method::POST, "/api/v1/policy/reload", None).await;
    assert_eq!(st, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("previous lists stay"));
}
