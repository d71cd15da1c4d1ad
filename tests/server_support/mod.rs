//! Shared helpers for the `server_*` integration tests: start the real server on
//! 127.0.0.1:0 with an in-memory gateway, speak raw SMPP bytes, run third-party clients.
#![allow(dead_code, unused_imports)]

pub mod gateway;
pub mod interop;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use smppd::config::Config;
use smppd::server::{Server, SessionRegistry, ShutdownReport};

pub use gateway::{MemoryGateway, HOLD_DESTINATION};
pub use interop::{receipt_for, ucs2_text, ClientLines};

/// Accounts every test server knows. `demo`/`demo` is the README's demo account.
pub const ACCOUNTS: &str = r#"
[[accounts]]
system_id = "demo"
password = "demo"
insecure_plain_password = true
allowed_ips = ["127.0.0.1", "::1"]
max_binds = 50

[[accounts]]
system_id = "remote"
password = "remote"
insecure_plain_password = true
allowed_ips = ["203.0.113.0/24"]

[[accounts]]
system_id = "txonly"
password = "txonly"
insecure_plain_password = true
allowed_ips = ["127.0.0.1"]
allowed_bind_types = ["transmitter"]

[[accounts]]
system_id = "single"
password = "single"
insecure_plain_password = true
allowed_ips = ["127.0.0.1"]
max_binds = 1

[[accounts]]
system_id = "other"
password = "other"
insecure_plain_password = true
allowed_ips = ["127.0.0.1"]
"#;

/// `[server]` settings for tests: small windows, generous abuse limits (every test client
/// comes from 127.0.0.1), short timers where a test does not override them.
pub const SERVER: &str = r#"
[server]
listen = ["127.0.0.1:0"]
inbound_window = 4
outbound_window = 2
response_timeout = "2s"
shutdown_grace = "5s"
[server.auth]
failure_threshold = 1000
binds_per_second = 100000.0
bind_burst = 100000
dead_session_probe = "300ms"
"#;

pub struct TestServer {
    pub addr: SocketAddr,
    pub registry: Arc<SessionRegistry>,
    pub gateway: Arc<MemoryGateway>,
    pub shutdown: CancellationToken,
    pub handle: JoinHandle<ShutdownReport>,
}

/// Starts the server with [`SERVER`] + [`ACCOUNTS`].
pub async fn start() -> TestServer {
    start_with(SERVER).await
}

/// Starts the server with a custom `[server]` section + [`ACCOUNTS`].
pub async fn start_with(server_toml: &str) -> TestServer {
    let cfg = Config::parse(&format!("{server_toml}\n{ACCOUNTS}"), "test.toml").unwrap();
    let gateway = MemoryGateway::new();
    let server = Server::new(&cfg.server, &cfg.accounts, Arc::clone(&gateway));
    let registry = server.registry();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shutdown = CancellationToken::new();
    let handle = tokio::spawn(server.serve(vec![listener], shutdown.clone()));
    TestServer {
        addr,
        registry,
        gateway,
        shutdown,
        handle,
    }
}

// ---- raw SMPP bytes -------------------------------------------------------------------

pub const BIND_RECEIVER: u32 = 0x01;
pub const BIND_TRANSMITTER: u32 = 0x02;
pub const QUERY_SM: u32 = 0x03;
pub const SUBMIT_SM: u32 = 0x04;
pub const DELIVER_SM: u32 = 0x05;
pub const UNBIND: u32 = 0x06;
pub const BIND_TRANSCEIVER: u32 = 0x09;
pub const ENQUIRE_LINK: u32 = 0x15;
pub const GENERIC_NACK: u32 = 0x8000_0000;
pub const RESP: u32 = 0x8000_0000;

pub fn pdu(command_id: u32, status: u32, seq: u32, body: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(16 + body.len());
    v.extend_from_slice(&(16 + body.len() as u32).to_be_bytes());
    v.extend_from_slice(&command_id.to_be_bytes());
    v.extend_from_slice(&status.to_be_bytes());
    v.extend_from_slice(&seq.to_be_bytes());
    v.extend_from_slice(body);
    v
}

fn cstr(v: &mut Vec<u8>, s: &str) {
    v.extend_from_slice(s.as_bytes());
    v.push(0);
}

pub fn bind_pdu(command_id: u32, seq: u32, system_id: &str, password: &str) -> Vec<u8> {
    let mut b = Vec::new();
    cstr(&mut b, system_id);
    cstr(&mut b, password);
    cstr(&mut b, ""); // system_type
    b.extend_from_slice(&[0x34, 0, 0]); // interface_version, addr_ton, addr_npi
    cstr(&mut b, ""); // address_range
    pdu(command_id, 0, seq, &b)
}

pub fn submit_pdu(seq: u32, destination: &str, text: &[u8]) -> Vec<u8> {
    let mut b = Vec::new();
    cstr(&mut b, ""); // service_type
    b.extend_from_slice(&[5, 0]);
    cstr(&mut b, "smppd");
    b.extend_from_slice(&[1, 1]);
    cstr(&mut b, destination);
    b.extend_from_slice(&[0, 0, 0]); // esm_class, protocol_id, priority_flag
    cstr(&mut b, ""); // schedule_delivery_time
    cstr(&mut b, ""); // validity_period
    b.extend_from_slice(&[1, 0, 0, 0, text.len() as u8]);
    b.extend_from_slice(text);
    pdu(SUBMIT_SM, 0, seq, &b)
}

/// One PDU as read from the wire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Raw {
    pub command_id: u32,
    pub status: u32,
    pub seq: u32,
    pub body: Vec<u8>,
}

impl Raw {
    /// The first C-octet string of the body (message_id of a submit_sm_resp).
    pub fn first_cstr(&self) -> String {
        let end = self
            .body
            .iter()
            .position(|b| *b == 0)
            .unwrap_or(self.body.len());
        String::from_utf8_lossy(&self.body[..end]).into_owned()
    }
}

pub async fn read_pdu(s: &mut TcpStream) -> Raw {
    tokio::time::timeout(Duration::from_secs(10), read_pdu_inner(s))
        .await
        .expect("no PDU from smppd within 10 s")
        .expect("connection closed while waiting for a PDU")
}

pub async fn read_pdu_inner(s: &mut TcpStream) -> std::io::Result<Raw> {
    let mut head = [0u8; 16];
    s.read_exact(&mut head).await?;
    let word = |i: usize| u32::from_be_bytes(head[i..i + 4].try_into().unwrap());
    let mut body = vec![0u8; word(0) as usize - 16];
    s.read_exact(&mut body).await?;
    Ok(Raw {
        command_id: word(4),
        status: word(8),
        seq: word(12),
        body,
    })
}

/// True if the server closes the connection within `within` (EOF or reset).
pub async fn closed_within(s: &mut TcpStream, within: Duration) -> bool {
    let mut buf = [0u8; 256];
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, s.read(&mut buf)).await {
            Err(_) => return false,
            Ok(Ok(0)) | Ok(Err(_)) => return true,
            Ok(Ok(_)) => continue,
        }
    }
}

pub async fn connect(addr: SocketAddr) -> TcpStream {
    let s = TcpStream::connect(addr).await.unwrap();
    s.set_nodelay(true).unwrap();
    s
}

/// Connects and binds; panics unless the bind succeeds.
pub async fn bound(
    addr: SocketAddr,
    command_id: u32,
    system_id: &str,
    password: &str,
) -> TcpStream {
    let mut s = connect(addr).await;
    s.write_all(&bind_pdu(command_id, 1, system_id, password))
        .await
        .unwrap();
    let r = read_pdu(&mut s).await;
    assert_eq!(
        (r.command_id, r.status),
        (command_id | RESP, 0),
        "bind {system_id}"
    );
    s
}

// ---- third-party clients ------------------------------------------------------------

pub fn interop_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/interop")
}

/// Whether a third-party tool is usable. Under CI (CI=true) a missing tool is a failure, not
/// a skip: the interop evidence must actually run there.
pub fn tool_available(what: &str, check: &mut std::process::Command) -> bool {
    let ok = check.output().map(|o| o.status.success()).unwrap_or(false);
    if !ok {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("{what} is required under CI=true (run tests/run.sh to install it)");
        }
        eprintln!("SKIPPED: {what} not available (install with tests/run.sh)");
    }
    ok
}
