//! The group-commit writer: one OS thread owns the write connection, drains every request
//! waiting in the bounded channel into one transaction, commits (one fsync for all of
//! them under `synchronous=FULL`), and only then answers each request. While it commits,
//! new requests queue up and form the next batch, so the fsync cost is shared by however
//! many writers are waiting. A full channel makes writers wait (backpressure).

use std::sync::Arc;
use std::time::Instant;

use rusqlite::{Connection, TransactionBehavior};
use tokio::sync::{mpsc, oneshot};

use crate::store::owed::OwedTracker;
use crate::store::queue::QueueTracker;
use crate::store::{FsyncPolicy, StoreError};

use super::checkpoint::WalProgress;
use super::ops::{apply, Effects, OpResult, QueueEffect, WriteOp};

/// One request and where to send its answer.
pub(crate) struct Request {
    pub(crate) op: WriteOp,
    pub(crate) reply: oneshot::Sender<Result<OpResult, StoreError>>,
}

/// What the writer needs besides its connection.
pub(crate) struct WriterSettings {
    pub(crate) fsync: FsyncPolicy,
    pub(crate) max_batch: usize,
    pub(crate) stats_offset: i32,
    pub(crate) queue: Arc<QueueTracker>,
    pub(crate) owed: Arc<OwedTracker>,
    pub(crate) metrics: Arc<super::CommitMetrics>,
    /// The WAL's length, for the checkpoint thread (which is told to stop when this ends).
    pub(crate) wal: Arc<WalProgress>,
}

/// Runs until every sender is dropped; the current batch is committed before returning.
pub(crate) fn run(conn: Connection, rx: mpsc::Receiver<Request>, s: WriterSettings) {
    let wal = Arc::clone(&s.wal);
    serve(conn, rx, s);
    wal.stop();
}

fn serve(mut conn: Connection, mut rx: mpsc::Receiver<Request>, s: WriterSettings) {
    let rt = match tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "store writer could not start its timer runtime");
            return;
        }
    };
    let linger = s.fsync.linger();
    let max_batch = s.max_batch.max(1);
    rt.block_on(async {
        let mut batch = Vec::with_capacity(max_batch);
        while let Some(first) = rx.recv().await {
            batch.push(first);
            if !linger.is_zero() {
                // Batched policy: wait for companions, at most `linger` after the first.
                let deadline = tokio::time::Instant::now() + linger;
                while batch.len() < max_batch {
                    match tokio::time::timeout_at(deadline, rx.recv()).await {
                        Ok(Some(r)) => batch.push(r),
                        Ok(None) | Err(_) => break,
                    }
                }
            }
            while batch.len() < max_batch {
                match rx.try_recv() {
                    Ok(r) => batch.push(r),
                    Err(_) => break,
                }
            }
            s.wal.before_batch();
            commit(&mut conn, &mut batch, &s);
        }
    });
}

/// A batch applied and committed: the summed effects and each request's answer.
type Applied = (Effects, Vec<Result<OpResult, StoreError>>);

/// Applies and commits the batch. `isolated`: each request in its own savepoint, so a
/// failing one is rolled back alone. Otherwise requests are applied straight into the
/// transaction and the first failure rolls back everything and yields `Ok(None)`.
fn apply_batch(
    conn: &mut Connection,
    batch: &[Request],
    s: &WriterSettings,
    isolated: bool,
) -> Result<Option<Applied>, StoreError> {
    let mut effects = Effects::default();
    let mut results = Vec::with_capacity(batch.len());
    let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for req in batch {
        let res = if isolated {
            // A request's effects count only if its savepoint commits.
            let mut mine = Effects::default();
            tx.savepoint()
                .map_err(StoreError::from)
                .and_then(|sp| {
                    let r = apply(&sp, &req.op, s.stats_offset, &mut mine)?;
                    sp.commit()?;
                    Ok(r)
                })
                .inspect(|_| effects.merge(mine))
        } else {
            // Straight into the batch's effects: a failure discards them all (and the
            // transaction), so no per-request set of maps and no merge.
            apply(&tx, &req.op, s.stats_offset, &mut effects)
        };
        match res {
            Ok(r) => results.push(Ok(r)),
            // A failed request's savepoint was rolled back on drop; its effects are void.
            Err(e) if isolated => results.push(Err(e)),
            // Dropping the transaction rolls the attempt back.
            Err(_) => return Ok(None),
        }
    }
    effects.flush(&tx)?;
    tx.commit()?;
    s.wal.committed();
    Ok(Some((effects, results)))
}

fn commit(conn: &mut Connection, batch: &mut Vec<Request>, s: &WriterSettings) {
    let started = Instant::now();
    // Fast path without a savepoint pair per request; a batch with a failing request
    // (rare) is applied again with them, so one bad request never fails its companions.
    let outcome = match apply_batch(conn, batch, s, false) {
        Ok(None) => apply_batch(conn, batch, s, true),
        other => other,
    };
    let (effects, results) = match outcome {
        Ok(Some(applied)) => applied,
        Ok(None) => {
            // Cannot happen (the isolated attempt always answers); fail the batch honestly.
            fail_batch(batch, "store batch neither applied nor failed".to_owned());
            return;
        }
        Err(e) => {
            // Nothing of this batch is durable: every request fails.
            tracing::error!(error = %e, requests = batch.len(), "store commit failed");
            fail_batch(batch, e.to_string());
            return;
        }
    };
    for e in effects.queue {
        match e {
            QueueEffect::Open { id, bytes } => s.queue.open(id, bytes, false),
            QueueEffect::Forwarded(id) => s.queue.forwarded(id),
            QueueEffect::Closed(id) => s.queue.closed(id),
        }
    }
    // Only now, durable, may the pump see the new receipts (and the counters move).
    for account in &effects.settled {
        s.owed.settled(account);
    }
    for rec in effects.owed {
        s.owed.owed(rec);
    }
    if effects.recount_backlog {
        match super::ops_receipt::count_backlog(conn) {
            Ok(b) => s.owed.reset(b),
            Err(e) => tracing::warn!(error = %e, "receipt backlog not recounted after compaction"),
        }
    }
    s.metrics.record(batch.len(), started.elapsed());
    for (req, res) in batch.drain(..).zip(results) {
        // The caller may have given up waiting; the write is durable regardless.
        let _ = req.reply.send(res);
    }
}

fn fail_batch(batch: &mut Vec<Request>, msg: String) {
    for req in batch.drain(..) {
        let _ = req.reply.send(Err(StoreError::CommitFailed(msg.clone())));
    }
}
