//! Measures candidate embedded engines on smppd's store workload.
//!
//! Not part of the smppd build (own `[workspace]`): it exists to justify the engine
//! choice in `src/store`. Run: `cargo run --release -- [records] [dir]`.
//!
//! Workload per engine, all durable (fsync) commits unless noted:
//! 1. accept: records of ~300 bytes inserted in group-commit batches of 64, each batch
//!    also inserting into a "pending" index and bumping a per-day statistics counter;
//! 2. accept, batch of 1 (no grouping): the fsync cost per commit;
//! 3. forward: per record a state update by id plus a carrier-id → id index entry,
//!    batches of 64; half the records also become final (removed from "pending");
//! 4. lookup: carrier id → id → record, random point reads;
//! 5. scan: all pending records (the recovery / expiry query);
//! 6. reopen time and size on disk.

use redb::{ReadableDatabase, ReadableTable};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const BATCH: usize = 64;

fn record(i: u64) -> Vec<u8> {
    // Roughly what a submit_sm re-send payload plus metadata costs: 300 bytes.
    let mut v = Vec::with_capacity(300);
    v.extend_from_slice(format!("acct{:03}|8613{:09}|10690{:06}|", i % 50, i, i % 999).as_bytes());
    while v.len() < 300 {
        v.push(b'a' + (v.len() % 26) as u8);
    }
    v
}

fn carrier_key(i: u64) -> String {
    format!("cmcc-a:{:010X}", i.wrapping_mul(2_654_435_761) & 0xFF_FFFF_FFFF)
}

trait Engine {
    fn name(&self) -> &'static str;
    fn accept(&mut self, ids: &[u64]);
    fn forward(&mut self, ids: &[u64]);
    fn lookup(&mut self, key: &str) -> Option<Vec<u8>>;
    fn scan_pending(&mut self) -> usize;
    fn reopen(&mut self);
}

// ---------------------------------------------------------------- SQLite (rusqlite)
struct Sqlite {
    path: PathBuf,
    conn: Option<rusqlite::Connection>,
}

impl Sqlite {
    fn open(path: &Path) -> Self {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.execute_batch(
            "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;
             CREATE TABLE IF NOT EXISTS msg(id INTEGER PRIMARY KEY, state INT NOT NULL, body BLOB NOT NULL);
             CREATE INDEX IF NOT EXISTS msg_pending ON msg(id) WHERE state < 2;
             CREATE TABLE IF NOT EXISTS carrier(key TEXT NOT NULL, id INT NOT NULL, PRIMARY KEY(key, id)) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS stats(day TEXT PRIMARY KEY, accepted INT NOT NULL) WITHOUT ROWID;",
        )
        .unwrap();
        Sqlite { path: path.to_owned(), conn: Some(conn) }
    }
    fn c(&mut self) -> &mut rusqlite::Connection {
        self.conn.as_mut().unwrap()
    }
}

impl Engine for Sqlite {
    fn name(&self) -> &'static str {
        "sqlite (rusqlite, WAL, synchronous=FULL)"
    }
    fn accept(&mut self, ids: &[u64]) {
        let tx = self.c().transaction().unwrap();
        {
            let mut ins = tx.prepare_cached("INSERT INTO msg(id, state, body) VALUES (?1, 0, ?2)").unwrap();
            let mut st = tx
                .prepare_cached("INSERT INTO stats(day, accepted) VALUES ('2026-11-28', 1) ON CONFLICT(day) DO UPDATE SET accepted = accepted + 1")
                .unwrap();
            for &i in ids {
                ins.execute(rusqlite::params![i as i64, record(i)]).unwrap();
                st.execute([]).unwrap();
            }
        }
        tx.commit().unwrap();
    }
    fn forward(&mut self, ids: &[u64]) {
        let tx = self.c().transaction().unwrap();
        {
            let mut up = tx.prepare_cached("UPDATE msg SET state = ?2 WHERE id = ?1").unwrap();
            let mut key = tx.prepare_cached("INSERT INTO carrier(key, id) VALUES (?1, ?2)").unwrap();
            for &i in ids {
                up.execute(rusqlite::params![i as i64, if i % 2 == 0 { 2 } else { 1 }]).unwrap();
                key.execute(rusqlite::params![carrier_key(i), i as i64]).unwrap();
            }
        }
        tx.commit().unwrap();
    }
    fn lookup(&mut self, key: &str) -> Option<Vec<u8>> {
        let c = self.c();
        let mut q = c
            .prepare_cached("SELECT m.body FROM carrier c JOIN msg m ON m.id = c.id WHERE c.key = ?1")
            .unwrap();
        q.query_row([key], |r| r.get(0)).ok()
    }
    fn scan_pending(&mut self) -> usize {
        let c = self.c();
        let mut q = c.prepare_cached("SELECT id, body FROM msg WHERE state < 2 ORDER BY id").unwrap();
        let rows = q.query_map([], |r| r.get::<_, Vec<u8>>(1)).unwrap();
        rows.count()
    }
    fn reopen(&mut self) {
        self.conn = None;
        *self = Sqlite::open(&self.path.clone());
    }
}

// ---------------------------------------------------------------- redb
const R_MSG: redb::TableDefinition<u64, &[u8]> = redb::TableDefinition::new("msg");
const R_PENDING: redb::TableDefinition<u64, ()> = redb::TableDefinition::new("pending");
const R_CARRIER: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("carrier");
const R_STATS: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("stats");

struct Redb {
    path: PathBuf,
    db: Option<redb::Database>,
}

impl Engine for Redb {
    fn name(&self) -> &'static str {
        "redb (Durability::Immediate)"
    }
    fn accept(&mut self, ids: &[u64]) {
        let tx = self.db.as_ref().unwrap().begin_write().unwrap();
        {
            let mut msg = tx.open_table(R_MSG).unwrap();
            let mut pend = tx.open_table(R_PENDING).unwrap();
            let mut stats = tx.open_table(R_STATS).unwrap();
            for &i in ids {
                msg.insert(i, record(i).as_slice()).unwrap();
                pend.insert(i, ()).unwrap();
                let n = stats.get("2026-11-28").unwrap().map(|v| v.value()).unwrap_or(0);
                stats.insert("2026-11-28", n + 1).unwrap();
            }
        }
        tx.commit().unwrap();
    }
    fn forward(&mut self, ids: &[u64]) {
        let tx = self.db.as_ref().unwrap().begin_write().unwrap();
        {
            let mut msg = tx.open_table(R_MSG).unwrap();
            let mut pend = tx.open_table(R_PENDING).unwrap();
            let mut car = tx.open_table(R_CARRIER).unwrap();
            for &i in ids {
                // State lives in the record: read-modify-write it.
                let mut body = msg.get(i).unwrap().unwrap().value().to_vec();
                body[0] = b'F';
                msg.insert(i, body.as_slice()).unwrap();
                car.insert(carrier_key(i).as_str(), i).unwrap();
                if i % 2 == 0 {
                    pend.remove(i).unwrap();
                }
            }
        }
        tx.commit().unwrap();
    }
    fn lookup(&mut self, key: &str) -> Option<Vec<u8>> {
        let tx = self.db.as_ref().unwrap().begin_read().unwrap();
        let id = tx.open_table(R_CARRIER).unwrap().get(key).unwrap()?.value();
        let v = tx.open_table(R_MSG).unwrap().get(id).unwrap()?.value().to_vec();
        Some(v)
    }
    fn scan_pending(&mut self) -> usize {
        let tx = self.db.as_ref().unwrap().begin_read().unwrap();
        let pend = tx.open_table(R_PENDING).unwrap();
        let msg = tx.open_table(R_MSG).unwrap();
        let mut n = 0;
        for kv in pend.iter().unwrap() {
            let (k, _) = kv.unwrap();
            if msg.get(k.value()).unwrap().is_some() {
                n += 1;
            }
        }
        n
    }
    fn reopen(&mut self) {
        self.db = None;
        self.db = Some(redb::Database::create(&self.path).unwrap());
    }
}

// ---------------------------------------------------------------- fjall
struct Fjall {
    path: PathBuf,
    db: Option<fjall::Database>,
    msg: Option<fjall::Keyspace>,
    pend: Option<fjall::Keyspace>,
    car: Option<fjall::Keyspace>,
    stats: Option<fjall::Keyspace>,
}

impl Fjall {
    fn open(path: &Path) -> Self {
        let db = fjall::Database::builder(path).open().unwrap();
        let ks = |n: &str| db.keyspace(n, fjall::KeyspaceCreateOptions::default).unwrap();
        Fjall {
            path: path.to_owned(),
            msg: Some(ks("msg")),
            pend: Some(ks("pending")),
            car: Some(ks("carrier")),
            stats: Some(ks("stats")),
            db: Some(db),
        }
    }
}

impl Engine for Fjall {
    fn name(&self) -> &'static str {
        "fjall (batch + persist(SyncAll))"
    }
    fn accept(&mut self, ids: &[u64]) {
        let db = self.db.as_ref().unwrap();
        let (msg, pend, stats) = (self.msg.as_ref().unwrap(), self.pend.as_ref().unwrap(), self.stats.as_ref().unwrap());
        // No read-your-batch in a plain batch: count the batch, then add (single writer).
        let n = stats.get("2026-11-28").unwrap().map(|v| u64::from_be_bytes(v[..8].try_into().unwrap())).unwrap_or(0);
        let mut b = db.batch();
        for &i in ids {
            b.insert(msg, i.to_be_bytes(), record(i));
            b.insert(pend, i.to_be_bytes(), []);
        }
        b.insert(stats, "2026-11-28", (n + ids.len() as u64).to_be_bytes());
        b.commit().unwrap();
        db.persist(fjall::PersistMode::SyncAll).unwrap();
    }
    fn forward(&mut self, ids: &[u64]) {
        let db = self.db.as_ref().unwrap();
        let (msg, pend, car) = (self.msg.as_ref().unwrap(), self.pend.as_ref().unwrap(), self.car.as_ref().unwrap());
        let mut b = db.batch();
        for &i in ids {
            let mut body = msg.get(i.to_be_bytes()).unwrap().unwrap().to_vec();
            body[0] = b'F';
            b.insert(msg, i.to_be_bytes(), body);
            let mut k = carrier_key(i).into_bytes();
            k.push(0);
            k.extend_from_slice(&i.to_be_bytes());
            b.insert(car, k, []);
            if i % 2 == 0 {
                b.remove(pend, i.to_be_bytes());
            }
        }
        b.commit().unwrap();
        db.persist(fjall::PersistMode::SyncAll).unwrap();
    }
    fn lookup(&mut self, key: &str) -> Option<Vec<u8>> {
        let mut p = key.as_bytes().to_vec();
        p.push(0);
        let k = self.car.as_ref().unwrap().prefix(&p).next()?.key().unwrap();
        let id: [u8; 8] = k[p.len()..].try_into().unwrap();
        Some(self.msg.as_ref().unwrap().get(id).unwrap()?.to_vec())
    }
    fn scan_pending(&mut self) -> usize {
        let msg = self.msg.as_ref().unwrap();
        let mut n = 0;
        for g in self.pend.as_ref().unwrap().iter() {
            let k = g.key().unwrap();
            if msg.get(&k).unwrap().is_some() {
                n += 1;
            }
        }
        n
    }
    fn reopen(&mut self) {
        self.msg = None;
        self.pend = None;
        self.car = None;
        self.stats = None;
        self.db = None;
        *self = Fjall::open(&self.path.clone());
    }
}

fn dir_size(p: &Path) -> u64 {
    if p.is_file() {
        return p.metadata().map(|m| m.len()).unwrap_or(0);
    }
    let parent = if p.is_dir() { p.to_owned() } else { p.parent().unwrap().to_owned() };
    let mut total = 0;
    for e in std::fs::read_dir(parent).unwrap().flatten() {
        let m = e.metadata().unwrap();
        total += if m.is_dir() { dir_size(&e.path()) } else { m.len() };
    }
    total
}

fn per_sec(n: usize, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

fn run(e: &mut dyn Engine, n: u64, size_of: &Path) {
    let ids: Vec<u64> = (1..=n).collect();
    let t = Instant::now();
    for c in ids.chunks(BATCH) {
        e.accept(c);
    }
    let accept = per_sec(ids.len(), t.elapsed());

    let single: Vec<u64> = (n + 1..=n + 200).collect();
    let t = Instant::now();
    for c in single.chunks(1) {
        e.accept(c);
    }
    let single_rate = per_sec(single.len(), t.elapsed());

    let t = Instant::now();
    for c in ids.chunks(BATCH) {
        e.forward(c);
    }
    let forward = per_sec(ids.len(), t.elapsed());

    let t = Instant::now();
    let mut found = 0;
    for i in (1..=n).step_by(3) {
        if e.lookup(&carrier_key(i)).is_some() {
            found += 1;
        }
    }
    let lookup = per_sec(found, t.elapsed());
    assert_eq!(found as u64, n.div_ceil(3));

    let t = Instant::now();
    let pending = e.scan_pending();
    let scan = t.elapsed();

    let t = Instant::now();
    e.reopen();
    let reopen = t.elapsed();
    assert_eq!(e.scan_pending(), pending);
    println!(
        "{:<42} accept/64: {:>8.0}/s  accept/1: {:>6.0}/s  forward/64: {:>8.0}/s  lookup: {:>8.0}/s  scan {} pending: {:>6.1} ms  reopen: {:>6.1} ms  disk: {:>5.1} MB",
        e.name(),
        accept,
        single_rate,
        forward,
        lookup,
        pending,
        scan.as_secs_f64() * 1e3,
        reopen.as_secs_f64() * 1e3,
        dir_size(size_of) as f64 / 1e6
    );
}

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let base = PathBuf::from(std::env::args().nth(2).unwrap_or_else(|| "/tmp/store-engines".into()));
    let _ = std::fs::remove_dir_all(&base);
    for name in ["sqlite", "redb", "fjall"] {
        let dir = base.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        match name {
            "sqlite" => run(&mut Sqlite::open(&dir.join("db.sqlite")), n, &dir),
            "redb" => {
                let p = dir.join("db.redb");
                let db = redb::Database::create(&p).unwrap();
                run(&mut Redb { path: p, db: Some(db) }, n, &dir)
            }
            _ => run(&mut Fjall::open(&dir), n, &dir),
        }
    }
}
