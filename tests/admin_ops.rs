//! Admin API: auth, health probes, channels and routes, log level, drain, the listener.

mod admin_support;

use std::time::Duration;

use axum::http::{Method, StatusCode};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use admin_support::{Fixture, TOKEN};
use smppd::admin::{self, AdminError};
use smppd::sim::{SimConfig, Simulator};
use smppd::upstream::{ChannelConfig, ChannelSet};

#[tokio::test]
async fn every_endpoint_but_the_probes_needs_the_token() {
    let f = Fixture::new();
    for path in [
        "/api/v1/accounts",
        "/api/v1/stats",
        "/metrics",
        "/api/v1/nope",
    ] {
        let (st, v) = f.call_with(Method::GET, path, None, None).await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{path}");
        assert_eq!(v["error"]["code"], "unauthorized");
        let (st, _) = f
            .call_with(Method::GET, path, None, Some("wrong-token-0123456789"))
            .await;
        assert_eq!(st, StatusCode::UNAUTHORIZED, "{path}");
    }
    let (st, _) = f
        .call_with(Method::POST, "/api/v1/drain", None, Some(&TOKEN[1..]))
        .await;
    assert_eq!(st, StatusCode::UNAUTHORIZED);
    assert!(!f.server.is_draining_now());
    let (st, v) = f.call_with(Method::GET, "/healthz", None, None).await;
    assert_eq!((st, &v["status"]), (StatusCode::OK, &json!("ok")));
    let (st, _) = f.call_with(Method::GET, "/readyz", None, None).await;
    assert_ne!(st, StatusCode::UNAUTHORIZED);
    // Unknown path / wrong method with the token: JSON 404 / 405.
    let (st, v) = f.get("/api/v1/nope").await;
    assert_eq!(
        (st, &v["error"]["code"]),
        (StatusCode::NOT_FOUND, &json!("not_found"))
    );
    let (st, v) = f.call(Method::DELETE, "/api/v1/stats", None).await;
    assert_eq!(st, StatusCode::METHOD_NOT_ALLOWED, "{v}");
}

#[tokio::test]
async fn readiness_needs_a_bound_channel_and_no_drain() {
    let f = Fixture::new();
    let (st, v) = f.get("/readyz").await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert_eq!(v["reasons"], json!(["no carrier channel bound"]));

    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let (tx, _rx) = tokio::sync::mpsc::channel(16);
    let cfg = ChannelConfig {
        name: "sim".into(),
        host: sim.addr().ip().to_string(),
        port: sim.addr().port(),
        system_id: "smppd".into(),
        password: "pw".into(),
        reconnect_min: Duration::from_millis(20),
        reconnect_max: Duration::from_millis(200),
        ..ChannelConfig::default()
    };
    let channels = std::sync::Arc::new(ChannelSet::start(&[cfg], tx).unwrap());
    let f = Fixture::with_channels(channels.clone());
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let (st, v) = f.get("/readyz").await;
        if st == StatusCode::OK {
            assert_eq!(v["channels_bound"], 1);
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "never ready: {v}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let (st, v) = f.get("/api/v1/channels").await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["channels"][0]["name"], "sim");
    assert_eq!(v["channels"][0]["state"], "up");
    let (_, text) = f.raw(Method::GET, "/metrics", None, Some(TOKEN)).await;
    for line in [
        "smppd_upstream_channel_state{channel=\"sim\",state=\"up\"} 1",
        "smppd_upstream_channel_state{channel=\"sim\",state=\"down\"} 0",
        "smppd_upstream_sessions_bound{channel=\"sim\"} 1",
        "smppd_upstream_channel_available{channel=\"sim\"} 1",
    ] {
        assert!(text.lines().any(|l| l == line), "{line} missing:\n{text}");
    }

    // Drain: binds told to unbind, not ready any more, the queue is shown.
    let (st, v) = f.call(Method::POST, "/api/v1/drain", None).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(
        (v["draining"].clone(), v["binds_unbound"].clone()),
        (json!(true), json!(3))
    );
    let (st, v) = f.get("/readyz").await;
    assert_eq!(st, StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(v["reasons"], json!(["draining"]));
    let (_, v) = f.get("/api/v1/drain").await;
    assert_eq!(v["draining"], true);
    assert_eq!(v["queue"]["unsent_messages"], 0);
    channels.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn route_explain_uses_live_channel_state() {
    let f = Fixture::new();
    let (st, v) = f
        .get("/api/v1/routes/explain?number=13800138000&account=acme&message_type=otp")
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["destination"]["carrier"], "cmcc");
    assert_eq!(v["rules"][0]["matched"], true);
    // No channel is bound in this fixture: the explanation says so.
    assert_eq!(v["chosen"], serde_json::Value::Null);
    assert!(v["groups"][0]["channels"][0]["skipped"].is_string(), "{v}");
    let (st, v) = f.get("/api/v1/routes/explain?number=abc").await;
    assert_eq!(st, StatusCode::OK);
    assert!(v["destination"]["error"].is_string());
    let (st, _) = f.get("/api/v1/routes/explain").await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, _) = f
        .get("/api/v1/routes/explain?number=13800138000&message_type=spam")
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn log_level_changes_at_run_time() {
    let f = Fixture::new();
    let (st, v) = f.get("/api/v1/log-level").await;
    assert_eq!((st, v["filter"].as_str()), (StatusCode::OK, Some("info")));
    let (st, v) = f
        .call(
            Method::PUT,
            "/api/v1/log-level",
            Some(json!({ "filter": "debug,smppd::admin=trace" })),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    let (_, v) = f.get("/api/v1/log-level").await;
    assert!(
        v["filter"].as_str().unwrap().contains("smppd::admin=trace"),
        "{v}"
    );
    for bad in [
        json!({ "filter": "smppd=loud" }),
        json!({ "filter": "" }),
        json!({ "level": "info" }),
    ] {
        let (st, v) = f.call(Method::PUT, "/api/v1/log-level", Some(bad)).await;
        assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    }
    let (_, v) = f.get("/api/v1/log-level").await;
    assert!(
        v["filter"].as_str().unwrap().contains("smppd::admin=trace"),
        "old filter stays"
    );
}

#[tokio::test]
async fn serve_refuses_a_wildcard_address_without_a_token() {
    let f = Fixture::new();
    let listener = tokio::net::TcpListener::bind("0.0.0.0:0").await.unwrap();
    let err = admin::serve(
        listener,
        f.state.clone().with_token(None),
        CancellationToken::new(),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AdminError::OpenOnWildcard(_)), "{err}");
}

#[tokio::test]
async fn serve_answers_over_tcp_and_stops_on_shutdown() {
    let f = Fixture::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let stop = CancellationToken::new();
    let task = tokio::spawn(admin::serve(listener, f.state.clone(), stop.clone()));
    let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
    let req = format!(
        "GET /api/v1/accounts/acme HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {TOKEN}\r\nConnection: close\r\n\r\n"
    );
    s.write_all(req.as_bytes()).await.unwrap();
    let mut resp = String::new();
    s.read_to_string(&mut resp).await.unwrap();
    assert!(resp.starts_with("HTTP/1.1 200"), "{resp}");
    assert!(resp.contains("\"account\":\"acme\""), "{resp}");
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(5), task)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
}
