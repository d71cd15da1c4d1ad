//! Issue 6 crash test: the real `smppd` binary (fsync always) is SIGKILLed three times at
//! random moments while clients submit under load, and restarted on the same store. The
//! simulated carriers run in this test process, so their record survives every kill.
//!
//! Checked at the end:
//! - every message that got ESME_ROK reached a carrier (simulator record): losses must be 0;
//! - every receipt smppd recorded (a final state in its store) reached the client;
//! - strictly: every accepted message's receipt reached the client. smppd answers a
//!   carrier's deliver_sm only once the receipt's effect is committed in its store, so a
//!   SIGKILL can only lose answers, never receipts: the simulated carriers (like real
//!   SMSCs) send unanswered deliver_sm again after the reconnect, and a repeated receipt
//!   for a message already final is evidence only (no second client receipt is owed).
//! - duplicates (a message sent to a carrier more than once) are counted and bounded: only
//!   messages in flight to a carrier when smppd died can be re-sent after the restart
//!   (at-least-once), at most the upstream windows (channels × sessions × window).

mod support_gateway;

use std::collections::{BTreeMap, BTreeSet};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use parking_lot::Mutex;
use smppd::config::Config;
use smppd::message::MessageId;
use smppd::sim::SimStats;
use smppd::store::{MessageStore, SqliteStore};
use support_gateway::*;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const CLIENTS: u32 = 4;
const KILLS: u32 = 3;

/// Starts the smppd binary and returns it with its client address.
async fn spawn_smppd(config: &std::path::Path) -> (Child, SocketAddr) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_smppd"))
        .args(["run", "--config"])
        .arg(config)
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::piped())
        .stderr(log_file(config))
        .kill_on_drop(true)
        .spawn()
        .expect("start smppd");
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let addr = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some(line) = lines.next_line().await.expect("read stdout") {
            if let Some(a) = line.strip_prefix("smppd listening on ") {
                return a.parse::<SocketAddr>().expect("address");
            }
        }
        panic!("smppd exited before listening");
    })
    .await
    .expect("smppd listening within 20 s");
    // Keep draining stdout so the process never blocks on a full pipe.
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    (child, addr)
}

/// smppd's log (appended over restarts) next to its config, for post-mortems.
fn log_file(config: &std::path::Path) -> std::process::Stdio {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(config.with_file_name("smppd.log"))
        .map(std::process::Stdio::from)
        .unwrap_or_else(|_| std::process::Stdio::null())
}

/// xorshift64: random kill moments without another dependency; the seed is printed.
fn next(state: &mut u64) -> u64 {
    *state ^= *state << 13;
    *state ^= *state >> 7;
    *state ^= *state << 17;
    *state
}

#[derive(Default)]
struct Observed {
    /// smppd message_id → the client's serial, for every ESME_ROK.
    accepted: BTreeMap<String, u32>,
    /// receipted ids as the client got them (with repeats).
    receipts: Vec<String>,
}

/// Messages: 0 lost. Receipts: every receipt smppd stored reaches the client.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_three_times_under_load_loses_no_message() {
    crash_run(false).await;
}

/// Every accepted message's receipt reaches the client: carrier receipts are acknowledged
/// only once durable, so the carriers re-send what a kill cut off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_three_times_under_load_loses_no_receipt() {
    crash_run(true).await;
}

async fn crash_run(strict: bool) {
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|_, c| c.receipt_delay = Duration::from_millis(30)).await;
    let config = dir.path().join("smppd.toml");
    std::fs::write(
        &config,
        base_toml(dir.path(), carriers.ports(), "\"always\"", ""),
    )
    .unwrap();

    let addr: Arc<Mutex<Option<SocketAddr>>> = Arc::default();
    let observed: Arc<Mutex<Observed>> = Arc::default();
    let stop_submit = Arc::new(AtomicBool::new(false));
    let stop_all = Arc::new(AtomicBool::new(false));
    let serial = Arc::new(AtomicU32::new(0));

    let (mut child, a) = spawn_smppd(&config).await;
    *addr.lock() = Some(a);

    // Submitters: each reconnects after every kill; a submit without a response is an
    // unknown outcome for the client and is not counted as accepted.
    let mut tasks = Vec::new();
    for _ in 0..CLIENTS {
        let (addr, observed, stop, serial) = (
            addr.clone(),
            observed.clone(),
            stop_submit.clone(),
            serial.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let Some(a) = *addr.lock() else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let Ok((mut tx, 0)) =
                    Esme::try_bind(a, BindKind::Transmitter, "demo", "demo").await
                else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                while !stop.load(Ordering::Relaxed) {
                    let n = serial.fetch_add(1, Ordering::Relaxed);
                    let op = OPERATORS[n as usize % 3];
                    let sm =
                        esme::submit_sm(&number(op, n), &format!("【smppd测试】订单#{n}#已发货"));
                    match tx.submit(sm).await {
                        Ok((0, id)) => {
                            observed.lock().accepted.insert(id, n);
                        }
                        Ok(_) => {}
                        Err(_) => break,
                    }
                }
            }
        }));
    }
    // The receiver: reconnects after every kill and keeps what it got.
    {
        let (addr, observed, stop) = (addr.clone(), observed.clone(), stop_all.clone());
        tasks.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let Some(a) = *addr.lock() else {
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    continue;
                };
                let Ok((mut rx, 0)) = Esme::try_bind(a, BindKind::Receiver, "demo", "demo").await
                else {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                };
                while !stop.load(Ordering::Relaxed) && !rx.closed {
                    let got = rx.receipts(10_000, Duration::from_millis(200)).await;
                    let mut o = observed.lock();
                    o.receipts.extend(got.into_iter().filter_map(|r| r.tlv_id));
                }
            }
        }));
    }

    let seed = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    let mut rng = seed;
    for _ in 0..KILLS {
        let wait = 400 + next(&mut rng) % 1200;
        tokio::time::sleep(Duration::from_millis(wait)).await;
        *addr.lock() = None;
        child.start_kill().expect("SIGKILL smppd");
        let _ = child.wait().await;
        let (c, a) = spawn_smppd(&config).await;
        child = c;
        *addr.lock() = Some(a);
    }
    tokio::time::sleep(Duration::from_millis(800)).await;
    stop_submit.store(true, Ordering::Relaxed);
    tokio::time::sleep(Duration::from_millis(100)).await;

    // Settle: every accepted message at a carrier, every receipt at the client (bounded).
    let sent_serials = || -> BTreeMap<u32, u32> {
        let mut m = BTreeMap::new();
        for s in &carriers.sims {
            for r in s.record().submits() {
                let text = r.text.unwrap_or_default();
                if let Some(n) = text.split('#').nth(1).and_then(|n| n.parse::<u32>().ok()) {
                    *m.entry(n).or_insert(0) += 1;
                }
            }
        }
        m
    };
    // Carrier deliver_sm re-sent: unanswered when smppd died, or answered ESME_RX_T_APPN.
    let redelivered = || -> u64 {
        carriers
            .sims
            .iter()
            .map(|s| SimStats::get(&s.stats().redelivered))
            .sum()
    };
    // Wait (bounded) until every accepted message is at a carrier and the receipts the
    // client gets stopped growing for 3 s.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(40);
    let (mut last, mut stable_since) = (usize::MAX, tokio::time::Instant::now());
    loop {
        let (accepted, got): (BTreeMap<String, u32>, BTreeSet<String>) = {
            let o = observed.lock();
            (o.accepted.clone(), o.receipts.iter().cloned().collect())
        };
        let sent = sent_serials();
        let all_sent = accepted.values().all(|n| sent.contains_key(n));
        let missing = accepted.keys().filter(|id| !got.contains(*id)).count();
        if got.len() != last {
            (last, stable_since) = (got.len(), tokio::time::Instant::now());
        }
        let stable = stable_since.elapsed() > Duration::from_secs(3);
        if (all_sent && (missing == 0 || stable)) || tokio::time::Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    stop_all.store(true, Ordering::Relaxed);
    for t in tasks {
        let _ = tokio::time::timeout(Duration::from_secs(5), t).await;
    }
    let _ = child.start_kill();
    let _ = child.wait().await;

    let (accepted_ids, receipts): (BTreeMap<String, u32>, Vec<String>) = {
        let o = observed.lock();
        (o.accepted.clone(), o.receipts.clone())
    };
    let sent = sent_serials();
    let lost: Vec<u32> = accepted_ids
        .values()
        .filter(|n| !sent.contains_key(n))
        .copied()
        .collect();
    let duplicates: u32 = sent.values().map(|c| c - 1).sum();
    let receipts_got: BTreeSet<String> = receipts.iter().cloned().collect();
    let missing: Vec<String> = accepted_ids
        .keys()
        .filter(|id| !receipts_got.contains(*id))
        .cloned()
        .collect();
    let duplicate_receipts = receipts.len() - receipts_got.len();
    let redelivered = redelivered();
    let accepted: Vec<String> = accepted_ids.keys().cloned().collect();
    let (accepted_n, attempted) = (accepted_ids.len(), serial.load(Ordering::Relaxed));

    // What smppd itself recorded: a final state means smppd owes (and must deliver) the
    // receipt; no final state means the carrier's receipt never reached the store.
    let store = SqliteStore::open(&Config::load(&config).unwrap().store).unwrap();
    let (mut final_not_received, mut never_stored) = (Vec::new(), 0u64);
    for id in &accepted {
        let rec = store
            .get(id.parse::<MessageId>().unwrap())
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("accepted {id} is not in the store"));
        match rec.final_state {
            Some(_) if !receipts_got.contains(id) => final_not_received.push(id.clone()),
            Some(_) => {}
            None => never_stored += 1,
        }
    }
    println!(
        "crash test (seed {seed:#x}): attempted {attempted} messages, accepted {accepted_n}, \
         kills {KILLS}, lost {}, carrier duplicates {duplicates}; receipts at the client {} \
         (missing {}, duplicate {duplicate_receipts}); carrier receipts never stored by smppd \
         {never_stored}, carrier deliver_sm re-sent {redelivered}",
        lost.len(),
        receipts_got.len(),
        missing.len(),
    );
    if let Ok(keep) = std::env::var("E2E_KEEP_DIR") {
        let _ = std::fs::create_dir_all(&keep);
        for f in ["messages.sqlite", "messages.sqlite-wal", "smppd.log"] {
            let _ = std::fs::copy(dir.path().join(f), std::path::Path::new(&keep).join(f));
        }
    }
    assert!(accepted_n > 100, "the load was real");
    assert!(
        lost.is_empty(),
        "accepted but never reached a carrier: {lost:?}"
    );
    // Upstream windows bound what can be in flight at a kill: 3 channels × 1 session ×
    // window 32, plus as many again answered by the carrier but not yet recorded.
    let bound = KILLS * 3 * 32 * 2;
    assert!(
        duplicates <= bound,
        "{duplicates} duplicates > bound {bound}"
    );
    assert!(
        final_not_received.is_empty(),
        "receipts smppd stored but never delivered to the client: {final_not_received:?}"
    );
    if strict {
        assert!(
            missing.is_empty(),
            "{} accepted messages never got a receipt ({never_stored} carrier receipts were \
             acknowledged to the carrier but never stored): {:?}",
            missing.len(),
            &missing[..missing.len().min(10)]
        );
    }
    carriers.shutdown().await;
}
