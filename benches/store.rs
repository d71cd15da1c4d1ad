//! Accepted messages per second through `MessageStore::accept` (the write that gates
//! `submit_sm_resp`), by fsync policy, with one writer and with 64 concurrent writers.
//! `cargo bench --bench store`; compare the `always`/`batched` rows with `never` for the
//! cost of durability, and 1 vs 64 writers for what group commit recovers.
//!
//! `store_lifecycle`: each message's whole life as smppd writes it (accept → forward with
//! its route → finalize with the carrier receipt → a share of a batched acknowledgement),
//! 64 messages in flight, `fsync = "never"` so the writer's CPU is what is measured:
//! `cargo bench --bench store -- store_lifecycle`.
//!
//! `STORE_LIFECYCLE_FIXED=100000 cargo bench --bench store`: the same lifecycle for exactly
//! that many messages, outside criterion (see [`fixed`]).
//!
//! The engine comparison that chose SQLite is a separate program: `benches/store-engines`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use criterion::{criterion_group, BenchmarkId, Criterion, Throughput};
use smppd::message::{MessageId, MessageType};
use smppd::store::{
    Address, CarrierReceipt, CarrierSubmit, FinalReport, FinalSource, FinalState, FsyncPolicy,
    MessageStore, NewMessage, ResendPayload, Route, SqliteStore, StoreConfig,
};

static NEXT: AtomicU64 = AtomicU64::new(1);

/// A recipient spread over the number space as real traffic is (consecutive messages to
/// unrelated mobiles), so the recipient index is written in random key order, not appended.
fn recipient(n: u64) -> String {
    // A multiplicative hash: a fixed permutation of 10^8 subscriber numbers.
    let subscriber = n.wrapping_mul(0x9E37_79B9_7F4A_7C15) % 100_000_000;
    format!("86138{subscriber:08}")
}

/// A typical accepted submit: ~300 bytes with its payload and metadata.
fn message() -> NewMessage {
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let id = MessageId::from_u64((1_795_824_000 << 28) + n);
    let now = SystemTime::now();
    NewMessage {
        id,
        account: "bench".into(),
        bind: "bench#1".into(),
        message_type: MessageType::Otp,
        segments: 1,
        concat: None,
        payload: ResendPayload {
            source: Address {
                ton: 5,
                npi: 0,
                addr: "106900001234".into(),
            },
            destination: Address {
                ton: 1,
                npi: 1,
                addr: recipient(n),
            },
            registered_delivery: 1,
            data_coding: 8,
            short_message: vec![0x4e; 140],
            tlvs: vec![0x14, 0x27, 0x00, 0x01, 0x01],
            ..ResendPayload::default()
        },
        validity_deadline: Some(now + Duration::from_secs(48 * 3600)),
        accepted_at: now,
        reported_id: None,
    }
}

/// Runs `iters` accepts split over `writers` concurrent tasks; returns the wall time.
fn run(
    rt: &tokio::runtime::Runtime,
    store: &Arc<SqliteStore>,
    writers: u64,
    iters: u64,
) -> Duration {
    rt.block_on(async {
        let start = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..writers {
            let n = iters / writers + u64::from(w < iters % writers);
            let store = Arc::clone(store);
            tasks.push(tokio::spawn(async move {
                for _ in 0..n {
                    store.accept(message()).await.expect("accept");
                }
            }));
        }
        for t in tasks {
            t.await.expect("writer task");
        }
        start.elapsed()
    })
}

fn accept(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let mut g = c.benchmark_group("store_accept");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .throughput(Throughput::Elements(1));
    let policies = [
        ("never", FsyncPolicy::Never),
        ("batched_2ms", FsyncPolicy::Batched { max_delay_ms: 2 }),
        ("always", FsyncPolicy::Always),
    ];
    for (name, fsync) in policies {
        for writers in [1u64, 64] {
            let dir = tempfile::tempdir().expect("tempdir");
            let cfg = StoreConfig {
                path: dir.path().join("bench.db"),
                fsync,
                max_queued_messages: u64::MAX,
                max_queued_bytes: u64::MAX,
                ..StoreConfig::default()
            };
            let store = Arc::new(SqliteStore::open(&cfg).expect("open store"));
            g.bench_function(BenchmarkId::new(name, format!("{writers}_writers")), |b| {
                b.iter_custom(|iters| run(&rt, &store, writers, iters))
            });
            let stats = store.commit_stats();
            eprintln!(
                "{name}/{writers} writers: {} requests in {} commits ({:.1} per fsync)",
                stats.requests,
                stats.batches,
                stats.requests as f64 / stats.batches.max(1) as f64
            );
        }
    }
    g.finish();
}

/// Lifecycles run so far (for the writer's CPU per message).
static LIVES: AtomicU64 = AtomicU64::new(0);

/// CPU time (user + system, clock ticks of 10 ms) of the store's threads whose name
/// starts with `name` (`smppd-store-wri`: the writer; `smppd-store-ckp`: the WAL
/// checkpoints), from `/proc` (Linux; `None` elsewhere). Wall time mixes in the tasks that
/// wait for commits; the writer's own CPU is the cost being cut (it is the serial part).
fn thread_cpu_ticks(name: &str) -> Option<u64> {
    let mut total = None;
    for task in std::fs::read_dir("/proc/self/task").ok()?.flatten() {
        let comm = std::fs::read_to_string(task.path().join("comm")).unwrap_or_default();
        if !comm.starts_with(name) {
            continue;
        }
        let Ok(stat) = std::fs::read_to_string(task.path().join("stat")) else {
            continue;
        };
        // Fields after the `(comm)`: state is field 3, utime 14, stime 15.
        // `tpgid` (field 8) is -1 without a terminal, hence signed.
        let f: Vec<i64> = stat
            .rsplit_once(')')
            .map(|(_, rest)| {
                rest.split_whitespace()
                    .filter_map(|v| v.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        if let (Some(u), Some(s)) = (f.get(10), f.get(11)) {
            *total.get_or_insert(0) += u64::try_from(u + s).unwrap_or(0);
        }
    }
    total
}

/// Thread name prefixes (`/proc` keeps 15 bytes of a thread's name).
const WRITER: &str = "smppd-store-wri";
const CHECKPOINTS: &str = "smppd-store-ckp";

/// Acknowledgements per `receipts_acknowledged` write (the pump batches up to 1,024).
const ACK_BATCH: usize = 256;

/// One message's writes, as dispatch and the relay do them; the acknowledgement is queued
/// into `acks` and written by whoever fills a batch.
async fn lifecycle_one(store: &SqliteStore, acks: &parking_lot::Mutex<Vec<MessageId>>) {
    let m = message();
    let id = m.id;
    store.accept(m).await.expect("accept");
    let carrier_id = format!("{:016x}", id.as_u64());
    let submit = CarrierSubmit {
        part: 0,
        channel: "cmcc-1".into(),
        carrier_message_id: Some(carrier_id.clone()),
        command_status: 0,
        raw_resp: vec![0x80; 33],
        at: SystemTime::now(),
    };
    let route = Route {
        channel: "cmcc-1".into(),
        carrier: Some("cmcc".into()),
        province: Some("广东".into()),
    };
    store
        .record_forwarded_on(id, route, submit, vec![carrier_id])
        .await
        .expect("forward");
    let report = FinalReport {
        state: FinalState::Delivered,
        reason: Some("000".into()),
        at: SystemTime::now(),
        source: FinalSource::Carrier(CarrierReceipt {
            part: Some(0),
            channel: "cmcc-1".into(),
            raw_pdu: vec![0x44; 180],
            at: SystemTime::now(),
        }),
    };
    store.finalize(id, report).await.expect("finalize");
    LIVES.fetch_add(1, Ordering::Relaxed);
    let full = {
        let mut a = acks.lock();
        a.push(id);
        (a.len() >= ACK_BATCH).then(|| std::mem::take(&mut *a))
    };
    if let Some(ids) = full {
        store
            .receipts_acknowledged(ids, SystemTime::now())
            .await
            .expect("ack");
    }
}

/// Runs `iters` lifecycles over 64 concurrent tasks; returns the wall time.
fn run_lifecycle(rt: &tokio::runtime::Runtime, store: &Arc<SqliteStore>, iters: u64) -> Duration {
    const TASKS: u64 = 64;
    rt.block_on(async {
        let acks = Arc::new(parking_lot::Mutex::new(Vec::new()));
        let start = Instant::now();
        let mut tasks = Vec::new();
        for w in 0..TASKS {
            let n = iters / TASKS + u64::from(w < iters % TASKS);
            let (store, acks) = (Arc::clone(store), Arc::clone(&acks));
            tasks.push(tokio::spawn(async move {
                for _ in 0..n {
                    lifecycle_one(&store, &acks).await;
                }
            }));
        }
        for t in tasks {
            t.await.expect("lifecycle task");
        }
        let rest = std::mem::take(&mut *acks.lock());
        if !rest.is_empty() {
            store
                .receipts_acknowledged(rest, SystemTime::now())
                .await
                .expect("ack");
        }
        start.elapsed()
    })
}

/// The lifecycle benches' runtime and a fresh store (fsync never, no queue bounds) in a
/// temporary directory that lives as long as the returned guard.
fn lifecycle_setup() -> (tokio::runtime::Runtime, tempfile::TempDir, Arc<SqliteStore>) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = StoreConfig {
        path: dir.path().join("bench.db"),
        fsync: FsyncPolicy::Never,
        max_queued_messages: u64::MAX,
        max_queued_bytes: u64::MAX,
        ..StoreConfig::default()
    };
    let store = Arc::new(SqliteStore::open(&cfg).expect("open store"));
    (rt, dir, store)
}

fn lifecycle(c: &mut Criterion) {
    let (rt, _dir, store) = lifecycle_setup();
    let (cpu0, lives0) = (thread_cpu_ticks(WRITER), LIVES.load(Ordering::Relaxed));
    let ckpt0 = thread_cpu_ticks(CHECKPOINTS).unwrap_or(0);
    let mut g = c.benchmark_group("store_lifecycle");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .throughput(Throughput::Elements(1));
    g.bench_function("never_64_in_flight", |b| {
        b.iter_custom(|iters| run_lifecycle(&rt, &store, iters))
    });
    g.finish();
    let lives = LIVES.load(Ordering::Relaxed) - lives0;
    // Not yet found at the start: the thread had not named itself yet (it had done no work).
    // Clock ticks are 10 ms (USER_HZ 100 on Linux).
    let per_message = |ticks: u64| ticks as f64 * 10_000.0 / lives.max(1) as f64;
    if let (a, Some(b)) = (cpu0.unwrap_or(0), thread_cpu_ticks(WRITER)) {
        let ckpt = thread_cpu_ticks(CHECKPOINTS).unwrap_or(0) - ckpt0;
        eprintln!(
            "lifecycle: writer thread CPU {:.1} µs per message, checkpoint thread {:.1} µs \
             ({lives} messages)",
            per_message(b - a),
            per_message(ckpt)
        );
    }
    let stats = store.commit_stats();
    eprintln!(
        "lifecycle: {} requests in {} commits ({:.1} per commit)",
        stats.requests,
        stats.batches,
        stats.requests as f64 / stats.batches.max(1) as f64
    );
}

/// `STORE_LIFECYCLE_FIXED=N cargo bench --bench store`: exactly N lifecycles on a fresh
/// store, then the CPU per message of the writer and the checkpoint thread. Criterion
/// picks its iteration counts by speed, so the store's size (and with it the cost per
/// message) differs between runs it compares; a fixed count compares like with like.
fn fixed(n: u64) {
    let (rt, _dir, store) = lifecycle_setup();
    let wall = run_lifecycle(&rt, &store, n);
    let per_message = |ticks: Option<u64>| ticks.unwrap_or(0) as f64 * 10_000.0 / n as f64;
    eprintln!(
        "lifecycle {n}: {:.1} µs wall, writer thread CPU {:.1} µs, checkpoint thread {:.1} µs \
         per message",
        wall.as_secs_f64() * 1e6 / n as f64,
        per_message(thread_cpu_ticks(WRITER)),
        per_message(thread_cpu_ticks(CHECKPOINTS))
    );
}

criterion_group!(benches, accept, lifecycle);

fn main() {
    match std::env::var("STORE_LIFECYCLE_FIXED").map(|v| v.parse::<u64>()) {
        Ok(Ok(n)) => fixed(n),
        Ok(Err(e)) => eprintln!("STORE_LIFECYCLE_FIXED: {e}"),
        Err(_) => {
            benches();
            Criterion::default().configure_from_args().final_summary();
        }
    }
}
