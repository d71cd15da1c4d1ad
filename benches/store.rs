//! Accepted messages per second through `MessageStore::accept` (the write that gates
//! `submit_sm_resp`), by fsync policy, with one writer and with 64 concurrent writers.
//! `cargo bench --bench store`; compare the `always`/`batched` rows with `never` for the
//! cost of durability, and 1 vs 64 writers for what group commit recovers.
//!
//! The engine comparison that chose SQLite is a separate program: `benches/store-engines`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use smppd::message::{MessageId, MessageType};
use smppd::store::{
    Address, FsyncPolicy, MessageStore, NewMessage, ResendPayload, SqliteStore, StoreConfig,
};

static NEXT: AtomicU64 = AtomicU64::new(1);

/// A typical accepted submit: ~300 bytes with its payload and metadata.
fn message() -> NewMessage {
    let id = MessageId::from_u64((1_795_824_000 << 28) + NEXT.fetch_add(1, Ordering::Relaxed));
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
                addr: "8613800138000".into(),
            },
            registered_delivery: 1,
            data_coding: 8,
            short_message: vec![0x4e; 140],
            tlvs: vec![0x14, 0x27, 0x00, 0x01, 0x01],
            ..ResendPayload::default()
        },
        validity_deadline: Some(now + Duration::from_secs(48 * 3600)),
        accepted_at: now,
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

criterion_group!(benches, accept);
criterion_main!(benches);
