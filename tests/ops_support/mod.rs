//! The `smppd` binary as an operator runs it: spawned with a config file, its stdout read
//! for the listening addresses, its log (stderr) collected, signals sent by pid, and a
//! plain HTTP/1.1 client for the admin API.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::Path;
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::process::{Child, Command};

/// The admin token the tests configure.
pub const TOKEN: &str = "ops-test-token-0123456789";

/// A running `smppd run --config FILE`.
pub struct Smppd {
    pub child: Child,
    pub client: SocketAddr,
    pub admin: Option<SocketAddr>,
    log: Arc<Mutex<Vec<String>>>,
}

impl Smppd {
    /// Spawns the binary and waits for its "smppd listening on" line.
    pub async fn spawn(config: &Path) -> Smppd {
        let mut child = Command::new(env!("CARGO_BIN_EXE_smppd"))
            .args(["run", "--config"])
            .arg(config)
            .env_remove("RUST_LOG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("spawn smppd");
        let log = Arc::new(Mutex::new(Vec::new()));
        let stderr = child.stderr.take().expect("stderr");
        let sink = log.clone();
        tokio::spawn(async move {
            let mut lines = BufReader::new(stderr).lines();
            while let Ok(Some(l)) = lines.next_line().await {
                sink.lock().push(l);
            }
        });
        let mut stdout = BufReader::new(child.stdout.take().expect("stdout")).lines();
        let mut client = None;
        let mut admin = None;
        let read = async {
            while let Ok(Some(l)) = stdout.next_line().await {
                if let Some(a) = l.strip_prefix("admin API listening on ") {
                    admin = a.parse().ok();
                }
                if let Some(a) = l.strip_prefix("smppd listening on ") {
                    client = a.parse().ok();
                }
                // The admin line (if any) comes first.
                if client.is_some() {
                    break;
                }
            }
        };
        let _ = tokio::time::timeout(Duration::from_secs(60), read).await;
        tokio::spawn(async move { while let Ok(Some(_)) = stdout.next_line().await {} });
        let client = client.unwrap_or_else(|| {
            panic!(
                "smppd did not print its listening line; log:\n{}",
                log.lock().join("\n")
            )
        });
        Smppd {
            child,
            client,
            admin,
            log,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id().expect("running")
    }

    /// Sends a signal (`HUP`, `TERM`) with kill(1).
    pub fn signal(&self, sig: &str) {
        let ok = std::process::Command::new("kill")
            .arg(format!("-{sig}"))
            .arg(self.pid().to_string())
            .status()
            .expect("kill")
            .success();
        assert!(ok, "kill -{sig} failed");
    }

    /// Log lines so far.
    pub fn log(&self) -> Vec<String> {
        self.log.lock().clone()
    }

    /// How many log lines contain `needle`.
    pub fn count(&self, needle: &str) -> usize {
        self.log
            .lock()
            .iter()
            .filter(|l| l.contains(needle))
            .count()
    }

    /// Waits until `n` log lines contain `needle`; panics with the log after `limit`.
    pub async fn wait_log(&self, needle: &str, n: usize, limit: Duration) {
        let deadline = tokio::time::Instant::now() + limit;
        while self.count(needle) < n {
            assert!(
                tokio::time::Instant::now() < deadline,
                "{needle:?} not logged {n} time(s) within {limit:?}; log:\n{}",
                self.log().join("\n")
            );
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// SIGTERM and wait for the exit status (graceful shutdown).
    pub async fn stop(&mut self) -> std::process::ExitStatus {
        self.signal("TERM");
        tokio::time::timeout(Duration::from_secs(30), self.child.wait())
            .await
            .expect("smppd exits within 30 s after SIGTERM")
            .expect("wait")
    }
}

/// One HTTP/1.1 request with the bearer token; (status, body).
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    body: Option<&serde_json::Value>,
) -> (u16, String) {
    let mut s = TcpStream::connect(addr).await.expect("connect admin");
    let body = body.map(|b| b.to_string()).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await.expect("write request");
    let mut raw = Vec::new();
    tokio::time::timeout(Duration::from_secs(30), s.read_to_end(&mut raw))
        .await
        .expect("admin answered within 30 s")
        .expect("read response");
    let text = String::from_utf8_lossy(&raw).to_string();
    let status = text
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_string())
        .unwrap_or_default();
    (status, body)
}
