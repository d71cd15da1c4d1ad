//! Store-level crash test: a child process (this test binary, re-executed with
//! `SMPPD_STORE_CRASH_DIR` set) writes with 64 concurrent tasks and prints every write
//! the store acknowledged; the parent SIGKILLs it at a random moment mid-write, several
//! times, and checks that every acknowledged write is in the store after reopening.

mod store_support;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use smppd::message::MessageId;
use smppd::store::{FinalState, FsyncPolicy, MessageState, MessageStore, SqliteStore, StatsQuery};
use store_support::*;

const DIR_VAR: &str = "SMPPD_STORE_CRASH_DIR";
const ROUND_VAR: &str = "SMPPD_STORE_CRASH_ROUND";
const WRITERS: u64 = 64;

fn fsync_for(round: u64) -> FsyncPolicy {
    if round.is_multiple_of(2) {
        FsyncPolicy::Always
    } else {
        FsyncPolicy::Batched { max_delay_ms: 2 }
    }
}

fn crash_id(round: u64, writer: u64, n: u64) -> MessageId {
    // Distinct seconds per round so ids never collide across restarts.
    id(round * 10, writer * 100_000 + n)
}

/// The child: writes until killed. Ignored so that a normal run does not execute it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "child process of acknowledged_writes_survive_sigkill"]
async fn crash_child_writer() {
    let (Ok(dir), Ok(round)) = (std::env::var(DIR_VAR), std::env::var(ROUND_VAR)) else {
        return;
    };
    let round: u64 = round.parse().unwrap();
    let store = Arc::new(SqliteStore::open(&config(dir.as_ref(), fsync_for(round))).unwrap());
    let mut tasks = Vec::new();
    for w in 0..WRITERS {
        let store = Arc::clone(&store);
        tasks.push(tokio::spawn(async move {
            for n in 0.. {
                let mid = crash_id(round, w, n);
                store
                    .accept(message(mid, "crash", "8613800138000", round * 10))
                    .await
                    .unwrap();
                ack(format!("A {}", mid.as_u64()));
                if n % 3 == 0 {
                    // Mix in lifecycle updates: forwarded and final, acknowledged too.
                    let key = format!("K{}", mid.as_u64());
                    store
                        .record_forwarded(mid, submit_resp(0, &key, 1), vec![key])
                        .await
                        .unwrap();
                    store
                        .finalize(mid, carrier_final(FinalState::Delivered, 2))
                        .await
                        .unwrap();
                    ack(format!("F {}", mid.as_u64()));
                }
            }
        }));
    }
    for t in tasks {
        t.await.unwrap();
    }
}

/// Writes straight to the stdout file descriptor (not through the test harness capture).
fn ack(line: String) {
    let mut out = std::io::stdout().lock();
    out.write_all(line.as_bytes()).unwrap();
    out.write_all(b"\n").unwrap();
    out.flush().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn acknowledged_writes_survive_sigkill() {
    let dir = tempfile::tempdir().unwrap();
    let exe = std::env::current_exe().unwrap();
    let mut rng = rand::thread_rng();
    let (mut accepted, mut finals) = (Vec::new(), Vec::new());
    let rounds = 4;
    for round in 1..=rounds {
        let mut child = Command::new(&exe)
            .args([
                "crash_child_writer",
                "--exact",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(DIR_VAR, dir.path())
            .env(ROUND_VAR, round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        // Wait for the first acknowledgement, then kill at a random moment mid-write.
        // (The harness prints its own lines first.)
        let mut lines = Vec::new();
        loop {
            let line = rx
                .recv_timeout(Duration::from_secs(60))
                .expect("child never acknowledged");
            let is_ack = line.starts_with("A ");
            lines.push(line);
            if is_ack {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(rng.gen_range(100..600)));
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        reader.join().unwrap();
        lines.extend(rx.try_iter());
        let before = (accepted.len(), finals.len());
        for line in lines {
            let (kind, raw) = line.split_once(' ').unwrap_or(("", ""));
            let Ok(raw) = raw.parse::<u64>() else {
                continue;
            };
            match kind {
                "A" => accepted.push(MessageId::from_u64(raw)),
                "F" => finals.push(MessageId::from_u64(raw)),
                _ => {}
            }
        }
        eprintln!(
            "round {round}: {} accepts and {} finals acknowledged before SIGKILL",
            accepted.len() - before.0,
            finals.len() - before.1
        );
    }
    assert!(
        accepted.len() > 100,
        "the child wrote under load before each kill"
    );

    let store = SqliteStore::open(&config(dir.path(), FsyncPolicy::Always)).unwrap();
    let mut lost = 0;
    for mid in &accepted {
        if store.get(*mid).await.unwrap().is_none() {
            lost += 1;
        }
    }
    for mid in &finals {
        let rec = store.get(*mid).await.unwrap().unwrap();
        assert_eq!(
            rec.state,
            MessageState::Final,
            "{mid}: acknowledged final state lost"
        );
        assert_eq!(
            store
                .find_by_carrier_key(format!("K{}", mid.as_u64()))
                .await
                .unwrap(),
            vec![*mid]
        );
    }
    eprintln!(
        "{rounds} kills, {} acknowledged accepts, {} acknowledged finals, {lost} lost",
        accepted.len(),
        finals.len()
    );
    assert_eq!(lost, 0, "acknowledged accepts lost after SIGKILL");
    // Statistics were written in the same transactions: they still reconcile.
    let stats = store.statistics(StatsQuery::default()).await.unwrap();
    assert!(!stats.is_empty());
    for s in &stats {
        assert!(s.messages.reconciles(), "{s:?}");
    }
    let total: u64 = stats.iter().map(|s| s.messages.accepted).sum();
    assert!(
        total >= accepted.len() as u64,
        "stats count every acknowledged accept"
    );
}
