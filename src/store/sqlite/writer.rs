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
}

/// Runs until every sender is dropped; the current batch is committed before returning.
pub(crate) fn run(mut conn: Connection, mut rx: mpsc::Receiver<Request>, s: WriterSettings) {
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
            commit(&mut conn, &mut batch, &s);
        }
    });
}

fn commit(conn: &mut Connection, batch: &mut Vec<Request>, s: &WriterSettings) {
    let started = Instant::now();
    let mut effects = Effects::default();
    let mut results: Vec<Result<OpResult, StoreError>> = Vec::with_capacity(batch.len());
    let outcome = (|| -> Result<(), StoreError> {
        let mut tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        for req in batch.iter() {
            let mut mine = Effects::default();
            let res = tx.savepoint().map_err(StoreError::from).and_then(|sp| {
                let r = apply(&sp, &req.op, s.stats_offset, &mut mine)?;
                sp.commit()?;
                Ok(r)
            });
            // A failed request's savepoint was rolled back on drop; its effects are void.
            if res.is_ok() {
                effects.merge(mine);
            }
            results.push(res);
        }
        effects.flush(&tx)?;
        tx.commit()?;
        Ok(())
    })();
    if let Err(e) = outcome {
        // Nothing of this batch is durable: every request fails.
        tracing::error!(error = %e, requests = batch.len(), "store commit failed");
        let msg = e.to_string();
        for req in batch.drain(..) {
            let _ = req.reply.send(Err(StoreError::CommitFailed(msg.clone())));
        }
        return;
    }
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
