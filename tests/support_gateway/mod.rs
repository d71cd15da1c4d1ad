//! Shared helpers for the `gateway_*` end-to-end tests: three simulated carriers (one per
//! operator) on ephemeral loopback ports, a gateway config built around their real ports,
//! the whole gateway started in-process, and a small SMPP client over `smppd::pdu::SmppCodec`.
#![allow(dead_code, unused_imports)]

pub mod esme;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use smppd::config::Config;
use smppd::gateway::{self, Pipeline};
use smppd::server::ShutdownReport;
use smppd::sim::{SimAccount, SimConfig, SimHandle, Simulator};

pub use esme::{BindKind, Esme, Receipt};

/// The operators, in the order of [`Carriers`]: the channel of each is `<name>-sim`.
pub const OPERATORS: [&str; 3] = ["cmcc", "cucc", "ctcc"];

/// One China Mobile (138), China Unicom (130) and China Telecom (133) number per index.
pub fn number(operator: &str, n: u32) -> String {
    let prefix = match operator {
        "cmcc" => "138",
        "cucc" => "130",
        "ctcc" => "133",
        other => panic!("unknown operator {other}"),
    };
    format!("{prefix}{:08}", n)
}

/// A simulator config accepting smppd's upstream credentials, fast receipts.
pub fn sim_config() -> SimConfig {
    SimConfig {
        accounts: vec![SimAccount {
            system_id: "smppd".into(),
            password: "sim".into(),
        }],
        receipt_delay: Duration::from_millis(20),
        ..SimConfig::default()
    }
}

/// The three simulated carriers, started in the test process so their records outlive
/// any restart of smppd.
pub struct Carriers {
    pub sims: Vec<SimHandle>,
}

impl Carriers {
    /// Starts one simulator per operator; `tweak` adjusts each config by operator name.
    pub async fn start(tweak: impl Fn(&str, &mut SimConfig)) -> Carriers {
        let mut sims = Vec::new();
        for op in OPERATORS {
            let mut cfg = sim_config();
            tweak(op, &mut cfg);
            sims.push(Simulator::start(cfg).await.expect("start simulator"));
        }
        Carriers { sims }
    }

    /// The simulator of `operator`.
    pub fn get(&self, operator: &str) -> &SimHandle {
        let i = OPERATORS
            .iter()
            .position(|o| *o == operator)
            .expect("operator");
        &self.sims[i]
    }

    /// Ports in [`OPERATORS`] order.
    pub fn ports(&self) -> [u16; 3] {
        [
            self.sims[0].addr().port(),
            self.sims[1].addr().port(),
            self.sims[2].addr().port(),
        ]
    }

    /// Destination numbers each simulator received, by operator.
    pub fn destinations(&self, operator: &str) -> Vec<String> {
        self.get(operator)
            .record()
            .submits()
            .into_iter()
            .map(|s| s.destination_addr)
            .collect()
    }

    pub async fn shutdown(&self) {
        for s in &self.sims {
            s.shutdown().await;
        }
    }
}

/// The demo account plus loopback-test server settings. `{account_extra}` lands inside the
/// account's `[accounts.policy]` table.
pub fn base_toml(store_dir: &Path, ports: [u16; 3], fsync: &str, extra: &str) -> String {
    let store = store_dir.join("messages.sqlite").display().to_string();
    let [cmcc, cucc, ctcc] = ports;
    format!(
        r#"
[server]
listen = ["127.0.0.1:0"]
inbound_window = 64
outbound_window = 16
response_timeout = "2s"
shutdown_grace = "2s"
[server.auth]
failure_threshold = 1000
binds_per_second = 100000.0
bind_burst = 100000

[[accounts]]
system_id = "demo"
password = "demo"
insecure_plain_password = true
allowed_ips = ["127.0.0.1"]
max_binds = 16
default_message_type = "business_notice"
signatures = ["【smppd测试】"]
extension = "01"
[accounts.policy]
tps = 0
[accounts.policy.checks]
sending_hours = false
frequency = false
recipient_daily_cap = false

[gateway]
rescan_interval = "300ms"

[store]
path = "{store}"
fsync = {fsync}

[[routing.rules]]
name = "china-mobile"
carriers = ["cmcc", "mvno_cmcc"]
groups = ["cmcc", "fallback"]
[[routing.rules]]
name = "china-unicom"
carriers = ["cucc", "mvno_cucc"]
groups = ["cucc", "fallback"]
[[routing.rules]]
name = "china-telecom"
carriers = ["ctcc", "mvno_ctcc", "cbn"]
groups = ["ctcc", "fallback"]
[routing.groups.cmcc]
channels = [{{ channel = "cmcc-sim" }}]
[routing.groups.cucc]
channels = [{{ channel = "cucc-sim" }}]
[routing.groups.ctcc]
channels = [{{ channel = "ctcc-sim" }}]
[routing.groups.fallback]
channels = [{{ channel = "cmcc-sim" }}, {{ channel = "cucc-sim" }}, {{ channel = "ctcc-sim" }}]

[[upstream.channels]]
name = "cmcc-sim"
host = "127.0.0.1"
port = {cmcc}
system_id = "smppd"
password = "sim"
source_addr = {{ service_code = "1069001", append_extension = true, max_len = 20 }}
response_timeout = "1s"
enquire_link_interval = "1s"
reconnect_max = "1s"
[[upstream.channels]]
name = "cucc-sim"
host = "127.0.0.1"
port = {cucc}
system_id = "smppd"
password = "sim"
source_addr = {{ service_code = "1069002", append_extension = true, max_len = 20 }}
response_timeout = "1s"
enquire_link_interval = "1s"
reconnect_max = "1s"
[[upstream.channels]]
name = "ctcc-sim"
host = "127.0.0.1"
port = {ctcc}
system_id = "smppd"
password = "sim"
source_addr = {{ service_code = "1069003", append_extension = true, max_len = 20 }}
response_timeout = "1s"
enquire_link_interval = "1s"
reconnect_max = "1s"
{extra}
"#
    )
}

/// A gateway running in this process.
pub struct Gateway {
    pub addr: SocketAddr,
    /// The admin listener, when the config has `[admin] listen`.
    pub admin: Option<SocketAddr>,
    pub pipeline: Pipeline,
    pub shutdown: CancellationToken,
    pub handle: JoinHandle<ShutdownReport>,
}

impl Gateway {
    /// Starts smppd's whole pipeline from a TOML config text.
    pub async fn start(toml: &str) -> Gateway {
        let cfg = Config::parse(toml, "e2e.toml").expect("valid e2e config");
        let started = gateway::start(&cfg).await.expect("gateway starts");
        let addr = started.client_addrs[0];
        let admin = started.admin_addr;
        let pipeline = started.pipeline.clone();
        let shutdown = CancellationToken::new();
        let handle = tokio::spawn(started.serve(shutdown.clone()));
        Gateway {
            addr,
            admin,
            pipeline,
            shutdown,
            handle,
        }
    }

    /// Graceful stop through the shutdown token; waits until everything has ended.
    pub async fn stop(self) {
        self.shutdown.cancel();
        tokio::time::timeout(Duration::from_secs(15), self.handle)
            .await
            .expect("gateway stops within 15 s")
            .expect("gateway task");
    }
}

/// Polls `cond` every 20 ms until it holds; panics with `what` after `limit`.
pub async fn wait_until(what: &str, limit: Duration, mut cond: impl FnMut() -> bool) {
    let deadline = tokio::time::Instant::now() + limit;
    while !cond() {
        assert!(
            tokio::time::Instant::now() < deadline,
            "{what}: not reached within {limit:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Whether `check` runs successfully; under CI=true its absence fails the test (CI installs
/// every tool: tests/run.sh), elsewhere the test is skipped with a note.
pub fn tool_available(what: &str, check: &mut std::process::Command) -> bool {
    let ok = check.output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "{what} is required under CI=true (run tests/run.sh to install it)"
        );
        eprintln!("skipping: {what} not available");
    }
    ok
}

/// Whether python3 with smpplib is present.
pub fn smpplib_available() -> bool {
    tool_available(
        "python3 with smpplib",
        std::process::Command::new("python3").args(["-c", "import smpplib"]),
    )
}

/// Whether node with the npm smpp package is present (`cd tests/interop && npm install`).
pub fn node_smpp_available() -> bool {
    tool_available(
        "node with the npm smpp package",
        std::process::Command::new("node")
            .current_dir(interop_dir())
            .args(["-e", "require('smpp')"]),
    )
}

/// `tests/interop/`.
pub fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// Runs `tests/interop/gateway_smpplib.py` against `addr` with `spec` on stdin and returns
/// the JSON it printed.
pub async fn run_smpplib(addr: SocketAddr, spec: &serde_json::Value) -> serde_json::Value {
    use tokio::io::AsyncWriteExt;
    let mut child = tokio::process::Command::new("python3")
        .arg(interop_dir().join("gateway_smpplib.py"))
        .args(["127.0.0.1", &addr.port().to_string()])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start python3");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin
        .write_all(spec.to_string().as_bytes())
        .await
        .expect("write spec");
    drop(stdin);
    let out = tokio::time::timeout(Duration::from_secs(90), child.wait_with_output())
        .await
        .expect("smpplib client finished within 90 s")
        .expect("smpplib client output");
    assert!(out.status.success(), "smpplib client failed: {out:?}");
    serde_json::from_slice(&out.stdout).expect("client printed JSON")
}

/// The `id:` field of a receipt text.
pub fn text_id(receipt_text: &str) -> Option<String> {
    smppd::text::dlr::parse(receipt_text).ok().map(|r| r.id)
}

/// The `stat:` field of a receipt text.
pub fn text_stat(receipt_text: &str) -> Option<String> {
    smppd::text::dlr::parse(receipt_text)
        .ok()
        .map(|r| r.stat.as_str().to_owned())
}
