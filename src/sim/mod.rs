//! An upstream SMSC simulator for tests, the demo configuration and benchmarks (`smppd sim`).
//!
//! It plays a carrier: accepts binds, answers `submit_sm` (after an optional latency, with
//! optional throttling and rejections), sends delivery receipts after a delay (delivered or
//! undeliverable), generates MO, and records what it received. For tests it can also stop
//! answering while keeping TCP open ([`SimHandle::set_hang`]) or drop connections
//! ([`SimHandle::drop_connections`]).
//!
//! It is written to stay far from being the bottleneck: each connection reads in large
//! chunks, answers a whole read batch with one write, and records submits with one lock per
//! batch.

pub mod cli;
pub mod config;
mod conn;
mod receipts;
pub mod record;
mod wire;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use config::{IdFormat, MoConfig, SimAccount, SimConfig};
pub use record::{Record, SimStats, SubmitRecord};

use conn::Out;
use receipts::{PendingDeliver, Receivers};

/// State shared by the accept loop, connections and the receipt scheduler.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub(crate) cfg: SimConfig,
    pub(crate) record: Record,
    pub(crate) hang: AtomicBool,
    pub(crate) next_id: AtomicU64,
    pub(crate) receivers: Receivers,
    pub(crate) delivers: mpsc::UnboundedSender<Vec<PendingDeliver>>,
    pub(crate) rate: Mutex<conn::RateWindow>,
    pub(crate) connections: Mutex<Vec<(u64, CancellationToken)>>,
    /// Writer queues of bound connections, for simulator-initiated PDUs (unbind).
    pub(crate) writers: Mutex<Vec<(u64, mpsc::UnboundedSender<Out>)>>,
    pub(crate) shutdown: CancellationToken,
}

/// The simulator itself; see [`Simulator::start`].
#[derive(Debug)]
pub struct Simulator;

/// A running simulator: its address, its record and its controls. Dropping the handle does
/// not stop it; call [`SimHandle::shutdown`].
#[derive(Debug, Clone)]
pub struct SimHandle {
    addr: SocketAddr,
    ctx: Arc<Ctx>,
    tasks: TaskTracker,
}

impl Simulator {
    /// Binds the listen address and starts serving in the current Tokio runtime.
    pub async fn start(cfg: SimConfig) -> std::io::Result<SimHandle> {
        let listener = TcpListener::bind(cfg.listen).await?;
        let addr = listener.local_addr()?;
        let record = Record::new(cfg.record_limit, cfg.record_file.as_deref())?;
        let (delivers, deliver_rx) = mpsc::unbounded_channel();
        // Ids start from a time-based base so restarts of the simulator do not reuse them.
        let base = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() << 20)
            .unwrap_or(1);
        let ctx = Arc::new(Ctx {
            hang: AtomicBool::new(cfg.hang),
            next_id: AtomicU64::new(base),
            receivers: Receivers::default(),
            delivers,
            rate: Mutex::new(conn::RateWindow::default()),
            connections: Mutex::new(Vec::new()),
            writers: Mutex::new(Vec::new()),
            shutdown: CancellationToken::new(),
            record,
            cfg,
        });
        let tasks = TaskTracker::new();
        tasks.spawn(receipts::schedule(ctx.clone(), deliver_rx));
        if let Some(mo) = ctx.cfg.mo.clone() {
            tasks.spawn(receipts::generate_mo(ctx.clone(), mo));
        }
        tasks.spawn(accept_loop(listener, ctx.clone(), tasks.clone()));
        Ok(SimHandle { addr, ctx, tasks })
    }
}

async fn accept_loop(listener: TcpListener, ctx: Arc<Ctx>, tasks: TaskTracker) {
    let mut conn_id = 0u64;
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = ctx.shutdown.cancelled() => return,
        };
        let Ok((stream, _peer)) = accepted else {
            // EMFILE and friends: back off briefly instead of spinning.
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
            continue;
        };
        let _ = stream.set_nodelay(true);
        conn_id += 1;
        ctx.record
            .stats()
            .connections
            .fetch_add(1, Ordering::Relaxed);
        let cancel = ctx.shutdown.child_token();
        ctx.connections.lock().push((conn_id, cancel.clone()));
        tasks.spawn(conn::serve(stream, ctx.clone(), conn_id, cancel));
    }
}

impl SimHandle {
    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// What it received.
    pub fn record(&self) -> &Record {
        &self.ctx.record
    }

    /// Its counters.
    pub fn stats(&self) -> &SimStats {
        self.ctx.record.stats()
    }

    /// Stop (true) or resume (false) answering anything, keeping connections open: the
    /// "carrier that hangs" of the dead-peer tests.
    pub fn set_hang(&self, hang: bool) {
        self.ctx.hang.store(hang, Ordering::Relaxed);
    }

    /// Closes up to `max` open connections (oldest first), without responding to what they
    /// have outstanding. Returns how many were closed.
    pub fn drop_connections(&self, max: usize) -> usize {
        let mut conns = self.ctx.connections.lock();
        conns.retain(|(_, c)| !c.is_cancelled());
        let n = max.min(conns.len());
        for (_, c) in conns.drain(..n) {
            c.cancel();
        }
        n
    }

    /// Sends `unbind` on every bound connection (SMPP 3.4 §4.2), as a carrier does before
    /// maintenance; the ESME is expected to answer, close, and bind again. Returns how many
    /// connections were asked.
    pub fn unbind_all(&self) -> usize {
        let writers = self.ctx.writers.lock();
        writers
            .iter()
            .filter(|(_, w)| w.send(Out::Unbind).is_ok())
            .count()
    }

    /// Connections currently open.
    pub fn open_connections(&self) -> usize {
        let mut conns = self.ctx.connections.lock();
        conns.retain(|(_, c)| !c.is_cancelled());
        conns.len()
    }

    /// Sends one MO message to a receiver bound as `system_id`; false when none is bound.
    pub fn send_mo(
        &self,
        system_id: &str,
        source_addr: &str,
        destination_addr: &str,
        text: &str,
    ) -> bool {
        let deliver = wire::mo(source_addr, destination_addr, text);
        let sent = self
            .ctx
            .receivers
            .send(system_id, Out::Deliver(Box::new(deliver)))
            .is_ok();
        if sent {
            self.stats().mo_sent.fetch_add(1, Ordering::Relaxed);
        }
        sent
    }

    /// Stops accepting, closes every connection and waits for the tasks to end.
    pub async fn shutdown(&self) {
        self.ctx.shutdown.cancel();
        self.tasks.close();
        self.tasks.wait().await;
    }
}
