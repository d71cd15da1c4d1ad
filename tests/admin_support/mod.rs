//! Shared fixture of the admin and metrics tests: a real store, policy, route table and
//! metrics, a fake client server (bind control) and a real log reload handle, served by
//! `admin::router` in process.
#![allow(dead_code)] // each test file uses a subset

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use parking_lot::Mutex;
use serde_json::Value;
use tower::ServiceExt;

use smppd::admin::{self, AdminState, BindSummary, ServerControl};
use smppd::message::{MessageId, MessageType};
use smppd::metrics::Metrics;
use smppd::policy::settings::TemplateSpec;
use smppd::policy::{AccountPolicy, Policy, PolicySettings};
use smppd::routing::{RouteTable, RoutingConfig};
use smppd::store::{
    Address, CarrierReceipt, CarrierSubmit, FinalReport, FinalSource, FinalState, FsyncPolicy,
    MessageStore, NewMessage, Rejection, ResendPayload, Route, SqliteStore, StoreConfig,
};
use smppd::upstream::ChannelSet;

/// The admin token used by the fixture.
pub const TOKEN: &str = "test-token-0123456789";

/// 2026-11-28T00:00:00Z.
pub const T0: u64 = 1_795_824_000;

pub fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(T0 + secs)
}

pub fn id(secs: u64, seq: u64) -> MessageId {
    MessageId::from_u64(((T0 + secs) << 28) | seq)
}

/// A client server stand-in: binds in a list, suspension and drain as flags.
#[derive(Debug, Default)]
pub struct FakeServer {
    pub binds: Mutex<Vec<BindSummary>>,
    pub suspended: Mutex<Vec<String>>,
    pub draining: Mutex<bool>,
}

impl ServerControl for FakeServer {
    fn binds(&self) -> Vec<BindSummary> {
        self.binds.lock().clone()
    }
    fn kick(&self, account: &str, session: u64) -> bool {
        let mut b = self.binds.lock();
        let before = b.len();
        b.retain(|x| !(x.account == account && x.session == session));
        b.len() != before
    }
    fn suspend(&self, account: &str) -> usize {
        self.suspended.lock().push(account.to_string());
        let mut b = self.binds.lock();
        let before = b.len();
        b.retain(|x| x.account != account);
        before - b.len()
    }
    fn resume(&self, account: &str) -> bool {
        let mut s = self.suspended.lock();
        let before = s.len();
        s.retain(|a| a != account);
        s.len() != before
    }
    fn is_suspended(&self, account: &str) -> bool {
        self.suspended.lock().iter().any(|a| a == account)
    }
    fn drain(&self) -> usize {
        *self.draining.lock() = true;
        let mut b = self.binds.lock();
        let n = b.len();
        b.clear();
        n
    }
    fn is_draining(&self) -> bool {
        *self.draining.lock()
    }
}

impl FakeServer {
    pub fn is_draining_now(&self) -> bool {
        *self.draining.lock()
    }
}

type Reload =
    tracing_subscriber::reload::Layer<tracing_subscriber::EnvFilter, tracing_subscriber::Registry>;

/// Config reload stand-in: the real one needs a running gateway (tests/ops_reload.rs).
pub struct FakeReload;

impl smppd::admin::ConfigControl for FakeReload {
    fn reload(&self) -> Result<smppd::config::ReloadReport, String> {
        Ok(smppd::config::ReloadReport::default())
    }
}

pub struct Fixture {
    pub state: AdminState,
    pub store: Arc<SqliteStore>,
    pub policy: Policy,
    pub metrics: Arc<Metrics>,
    pub server: Arc<FakeServer>,
    pub dir: std::path::PathBuf,
    _reload: Reload,
    _dir: tempfile::TempDir,
}

pub fn acme_policy() -> AccountPolicy {
    AccountPolicy {
        tps: 50,
        signatures: vec!["示例".into()],
        templates: vec![TemplateSpec {
            id: "otp1".into(),
            text: "您的验证码是${code:digits(4,8)}".into(),
            message_type: MessageType::Otp,
        }],
        ..AccountPolicy::default()
    }
}

const ROUTES: &str = r#"
[[rules]]
name = "everything"
groups = ["main"]

[groups.main]
channels = [{ channel = "sim" }]
"#;

impl Fixture {
    /// A fixture with no carrier channels (not ready).
    pub fn new() -> Fixture {
        Fixture::with_channels(Arc::new(ChannelSet::default()))
    }

    pub fn with_channels(channels: Arc<ChannelSet>) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let store = Arc::new(
            SqliteStore::open(&StoreConfig {
                path: dir.path().join("store.db"),
                fsync: FsyncPolicy::Never,
                stats_utc_offset_minutes: 0,
                ..StoreConfig::default()
            })
            .unwrap(),
        );
        let accounts = vec![
            ("acme".to_string(), acme_policy()),
            ("beta".to_string(), AccountPolicy::default()),
        ];
        let keywords = dir.path().join("keywords.txt");
        std::fs::write(&keywords, "测试违禁词\n").unwrap();
        let policy = Policy::new(
            PolicySettings {
                keyword_files: vec![keywords],
                opt_out_file: Some(dir.path().join("optout.log")),
                ..PolicySettings::default()
            },
            accounts.clone(),
            SystemTime::now(),
        )
        .unwrap();
        let routing: RoutingConfig = toml::from_str(ROUTES).unwrap();
        let routes = Arc::new(RouteTable::new(&routing, &["sim"]).unwrap());
        let metrics = Arc::new(Metrics::new().unwrap());
        let server = Arc::new(FakeServer::default());
        server.binds.lock().extend([
            BindSummary {
                account: "acme".into(),
                session: 1,
                bind_type: "transceiver",
            },
            BindSummary {
                account: "acme".into(),
                session: 2,
                bind_type: "receiver",
            },
            BindSummary {
                account: "beta".into(),
                session: 3,
                bind_type: "transmitter",
            },
        ]);
        let (reload, handle) =
            tracing_subscriber::reload::Layer::new(tracing_subscriber::EnvFilter::new("info"));
        let state = AdminState::new(
            store.clone(),
            policy.clone(),
            channels,
            routes,
            metrics.clone(),
        )
        .with_server(server.clone())
        .with_log(Arc::new(handle))
        .with_reloader(Arc::new(FakeReload))
        .with_accounts(accounts)
        .with_token(Some(TOKEN.to_string()));
        Fixture {
            state,
            store,
            policy,
            metrics,
            server,
            dir: dir.path().to_path_buf(),
            _reload: reload,
            _dir: dir,
        }
    }

    /// Calls the API with the token; JSON bodies are parsed, others returned as strings.
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        self.call_with(method, path, body, Some(TOKEN)).await
    }

    pub async fn get(&self, path: &str) -> (StatusCode, Value) {
        self.call(Method::GET, path, None).await
    }

    pub async fn call_with(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> (StatusCode, Value) {
        let (status, text) = self.raw(method, path, body, token).await;
        let value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        (status, value)
    }

    pub async fn raw(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
        token: Option<&str>,
    ) -> (StatusCode, String) {
        let mut req = Request::builder().method(method).uri(path);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b.to_string())),
            None => req.body(Body::empty()),
        }
        .unwrap();
        let resp = admin::router(self.state.clone())
            .oneshot(req)
            .await
            .unwrap();
        let status = resp.status();
        let bytes = axum::body::to_bytes(resp.into_body(), 1 << 24)
            .await
            .unwrap();
        (status, String::from_utf8(bytes.to_vec()).unwrap())
    }

    /// A mixed day for `acme`: delivered, undeliverable, expired (smppd-generated),
    /// pending (2 segments), and one policy rejection.
    pub async fn seed(&self) {
        let s = &self.store;
        for (n, dest, segments) in [
            (1, "13800138001", 1),
            (2, "13800138002", 1),
            (3, "13800138003", 1),
            (4, "13800138004", 2),
        ] {
            s.accept(message(id(10, n), "acme", dest, 10, segments))
                .await
                .unwrap();
        }
        for (n, carrier_id) in [(1, "C-0001"), (2, "C-0002")] {
            let route = Route {
                channel: "sim".into(),
                carrier: Some("cmcc".into()),
                province: Some("北京".into()),
            };
            s.mark_routed(id(10, n), route, at(11)).await.unwrap();
            s.record_forwarded(
                id(10, n),
                CarrierSubmit {
                    part: 0,
                    channel: "sim".into(),
                    carrier_message_id: Some(carrier_id.into()),
                    command_status: 0,
                    raw_resp: vec![0x00, 0x00, 0x00, 0x17, 0x80, 0x00, 0x00, 0x04, n as u8],
                    at: at(12),
                },
                vec![carrier_id.into()],
            )
            .await
            .unwrap();
        }
        for (n, state) in [(1, FinalState::Delivered), (2, FinalState::Undeliverable)] {
            s.finalize(
                id(10, n),
                FinalReport {
                    state,
                    reason: None,
                    at: at(20),
                    source: FinalSource::Carrier(CarrierReceipt {
                        part: Some(0),
                        channel: "sim".into(),
                        raw_pdu: vec![0xde, 0xad, 0xbe, 0xef, n as u8],
                        at: at(20),
                    }),
                },
            )
            .await
            .unwrap();
        }
        s.finalize(
            id(10, 3),
            FinalReport {
                state: FinalState::Expired,
                reason: Some("validity period passed".into()),
                at: at(30),
                source: FinalSource::GeneratedBySmppd,
            },
        )
        .await
        .unwrap();
        s.reject(Rejection {
            id: None,
            account: "acme".into(),
            bind: "acme#1".into(),
            message_type: MessageType::Marketing,
            source: "106900001".into(),
            destination: "13800138009".into(),
            segments: 1,
            reason: "banned_content".into(),
            command_status: 0x0000_0401,
            at: at(15),
        })
        .await
        .unwrap();
    }
}

pub fn message(id: MessageId, account: &str, dest: &str, secs: u64, segments: u16) -> NewMessage {
    NewMessage {
        id,
        account: account.into(),
        bind: format!("{account}#1"),
        message_type: MessageType::Otp,
        segments,
        concat: None,
        payload: ResendPayload {
            source: Address {
                ton: 5,
                npi: 0,
                addr: "106900001".into(),
            },
            destination: Address {
                ton: 1,
                npi: 1,
                addr: dest.into(),
            },
            registered_delivery: 1,
            data_coding: 8,
            short_message: "【示例】您的验证码是 123456"
                .encode_utf16()
                .flat_map(u16::to_be_bytes)
                .collect(),
            ..ResendPayload::default()
        },
        validity_deadline: Some(at(secs + 3600)),
        accepted_at: at(secs),
        reported_id: None,
    }
}
