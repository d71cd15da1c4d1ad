//! The embedded [`MessageStore`]: SQLite (WAL) with a group-commit writer thread.

mod checkpoint;
mod migrate;
mod ops;
mod ops_compact;
mod ops_lifecycle;
mod ops_receipt;
mod ops_submit;
mod read;
mod read_history;
mod read_stats;
mod read_usage;
mod schema;
mod writer;

use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;
use rusqlite::Connection;
use tokio::sync::{mpsc, oneshot};

use crate::message::MessageId;
use crate::store::owed::OwedTracker;
use crate::store::queue::{CommitMetrics, QueueTracker};
use crate::store::record::{
    CarrierReceipt, CarrierSubmit, FinalReport, FinalizeOutcome, ForwardOutcome, MessageRecord,
    NewMessage, Rejection, Route,
};
use crate::store::stats::{DailyStats, RouteStats, StatsQuery};
use crate::store::time::to_ms;
use crate::store::{
    Admission, CommitStats, CompactionReport, History, HistoryQuery, MessageStore, OwedFeed,
    QueueDepth, StoreConfig, StoreError, StoreFuture,
};

use ops::{OpResult, WriteOp};
use writer::{Request, WriterSettings};

/// The embedded store (see the module docs of [`crate::store`]).
pub struct SqliteStore {
    tx: Mutex<Option<mpsc::Sender<Request>>>,
    reader: Arc<Mutex<Connection>>,
    queue: Arc<QueueTracker>,
    owed: Arc<OwedTracker>,
    metrics: Arc<CommitMetrics>,
    writer: Mutex<Option<JoinHandle<()>>>,
    checkpointer: Mutex<Option<JoinHandle<()>>>,
    retention: Duration,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("retention", &self.retention)
            .finish_non_exhaustive()
    }
}

impl SqliteStore {
    /// Opens (or creates) the store at `config.path`, rebuilds the queue view from the open
    /// messages and starts the writer thread. Call from a thread that may block briefly.
    pub fn open(config: &StoreConfig) -> Result<Self, StoreError> {
        let writer_conn = schema::open_writer(&config.path, config.fsync)?;
        checkpoint::WalProgress::watch(&writer_conn)?;
        let checkpoint_conn = checkpoint::open(&config.path, config.fsync)?;
        let reader = schema::open_reader(&config.path)?;
        let queue = Arc::new(QueueTracker::new(
            config.max_queued_messages,
            config.max_queued_bytes,
        ));
        for (id, bytes, forwarded) in read::open_messages(&reader)? {
            queue.open(id, bytes, forwarded);
        }
        let owed = Arc::new(OwedTracker::new(ops_receipt::count_backlog(&reader)?));
        let metrics = Arc::new(CommitMetrics::default());
        let (tx, rx) = mpsc::channel(config.commit_queue.max(1));
        let wal = Arc::new(checkpoint::WalProgress::new(
            checkpoint::WalLimits::default(),
        ));
        let io_error = |source| StoreError::Io {
            path: config.path.clone(),
            source,
        };
        let checkpointer = {
            let (wal, path) = (Arc::clone(&wal), config.path.clone());
            std::thread::Builder::new()
                .name("smppd-store-ckpt".into())
                .spawn(move || checkpoint::run(checkpoint_conn, wal, path))
                .map_err(io_error)?
        };
        let settings = WriterSettings {
            fsync: config.fsync,
            max_batch: config.max_batch,
            stats_offset: config.stats_utc_offset_minutes,
            queue: Arc::clone(&queue),
            owed: Arc::clone(&owed),
            metrics: Arc::clone(&metrics),
            wal: Arc::clone(&wal),
        };
        let writer = std::thread::Builder::new()
            .name("smppd-store-writer".into())
            .spawn(move || writer::run(writer_conn, rx, settings))
            .map_err(|e| {
                // Without a writer the checkpoint thread would wait forever.
                wal.stop();
                io_error(e)
            })?;
        Ok(SqliteStore {
            tx: Mutex::new(Some(tx)),
            reader: Arc::new(Mutex::new(reader)),
            queue,
            owed,
            metrics,
            writer: Mutex::new(Some(writer)),
            checkpointer: Mutex::new(Some(checkpointer)),
            retention: config.retention,
        })
    }

    /// Stops accepting writes, lets the writer commit what is queued and waits for it
    /// and for the checkpoint thread (which stops when the writer does).
    /// Writes after this fail with [`StoreError::WriterGone`].
    pub async fn close(&self) {
        drop(self.tx.lock().take());
        let writer = self.writer.lock().take();
        let checkpointer = self.checkpointer.lock().take();
        let _ = tokio::task::spawn_blocking(move || {
            for h in [writer, checkpointer].into_iter().flatten() {
                let _ = h.join();
            }
        })
        .await;
    }

    async fn write(&self, op: WriteOp) -> Result<OpResult, StoreError> {
        let sender = self.tx.lock().clone().ok_or(StoreError::WriterGone)?;
        let (reply, answer) = oneshot::channel();
        sender
            .send(Request { op, reply })
            .await
            .map_err(|_| StoreError::WriterGone)?;
        answer.await.map_err(|_| StoreError::WriterGone)?
    }

    async fn forward(&self, op: WriteOp) -> Result<ForwardOutcome, StoreError> {
        match self.write(op).await? {
            OpResult::Forward(o) => Ok(o),
            other => Err(unexpected(other)),
        }
    }

    async fn read<T, F>(&self, f: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let reader = Arc::clone(&self.reader);
        tokio::task::spawn_blocking(move || f(&reader.lock()))
            .await
            .map_err(|e| StoreError::Corrupt(format!("store reader task failed: {e}")))?
    }
}

fn unexpected(r: OpResult) -> StoreError {
    StoreError::Corrupt(format!("store writer answered with {r:?}"))
}

impl MessageStore for SqliteStore {
    fn accept(&self, message: NewMessage) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.write(WriteOp::Accept(Box::new(message)))
                .await
                .map(drop)
        })
    }

    fn reject(&self, rejection: Rejection) -> StoreFuture<'_, ()> {
        Box::pin(async move {
            self.write(WriteOp::Reject(Box::new(rejection)))
                .await
                .map(drop)
        })
    }

    fn mark_routed(&self, id: MessageId, route: Route, at: SystemTime) -> StoreFuture<'_, ()> {
        let op = WriteOp::Route {
            id,
            route: Box::new(route),
            at: to_ms(at),
        };
        Box::pin(async move { self.write(op).await.map(drop) })
    }

    fn record_forwarded(
        &self,
        id: MessageId,
        submit: CarrierSubmit,
        carrier_keys: Vec<String>,
    ) -> StoreFuture<'_, ForwardOutcome> {
        let op = WriteOp::Forward {
            id,
            route: None,
            submit: Box::new(submit),
            keys: carrier_keys,
        };
        Box::pin(self.forward(op))
    }

    fn record_forwarded_on(
        &self,
        id: MessageId,
        route: Route,
        submit: CarrierSubmit,
        carrier_keys: Vec<String>,
    ) -> StoreFuture<'_, ForwardOutcome> {
        let op = WriteOp::Forward {
            id,
            route: Some(Box::new(route)),
            submit: Box::new(submit),
            keys: carrier_keys,
        };
        Box::pin(self.forward(op))
    }

    fn add_carrier_receipt(&self, id: MessageId, receipt: CarrierReceipt) -> StoreFuture<'_, ()> {
        let op = WriteOp::Receipt {
            id,
            receipt: Box::new(receipt),
        };
        Box::pin(async move { self.write(op).await.map(drop) })
    }

    fn finalize(&self, id: MessageId, report: FinalReport) -> StoreFuture<'_, FinalizeOutcome> {
        let op = WriteOp::Finalize {
            id,
            report: Box::new(report),
        };
        Box::pin(async move {
            match self.write(op).await? {
                OpResult::Finalize(o) => Ok(o),
                other => Err(unexpected(other)),
            }
        })
    }

    fn receipt_sent(&self, id: MessageId, at: SystemTime) -> StoreFuture<'_, ()> {
        let op = WriteOp::ReceiptSent { id, at: to_ms(at) };
        Box::pin(async move { self.write(op).await.map(drop) })
    }

    fn receipt_acknowledged(&self, id: MessageId, at: SystemTime) -> StoreFuture<'_, ()> {
        let op = WriteOp::ReceiptAcked { id, at: to_ms(at) };
        Box::pin(async move { self.write(op).await.map(drop) })
    }

    fn receipts_acknowledged(&self, ids: Vec<MessageId>, at: SystemTime) -> StoreFuture<'_, u64> {
        let op = WriteOp::ReceiptsAcked { ids, at: to_ms(at) };
        Box::pin(async move {
            match self.write(op).await? {
                OpResult::Acked(n) => Ok(n),
                other => Err(unexpected(other)),
            }
        })
    }

    fn compact(&self, now: SystemTime, limit: usize) -> StoreFuture<'_, CompactionReport> {
        let cutoff = to_ms(
            now.checked_sub(self.retention)
                .unwrap_or(SystemTime::UNIX_EPOCH),
        );
        let op = WriteOp::Compact { cutoff, limit };
        Box::pin(async move {
            match self.write(op).await? {
                OpResult::Compact(r) => Ok(r),
                other => Err(unexpected(other)),
            }
        })
    }

    fn get(&self, id: MessageId) -> StoreFuture<'_, Option<MessageRecord>> {
        Box::pin(self.read(move |c| read::load(c, id)))
    }

    fn reported_under(&self, id: MessageId) -> StoreFuture<'_, Vec<MessageRecord>> {
        Box::pin(self.read(move |c| read::reported_under(c, id)))
    }

    fn find_by_carrier_key(&self, key: String) -> StoreFuture<'_, Vec<MessageId>> {
        Box::pin(self.read(move |c| read::by_carrier_key(c, &key)))
    }

    fn history(&self, query: HistoryQuery) -> StoreFuture<'_, History> {
        Box::pin(self.read(move |c| read_history::history(c, &query)))
    }

    fn receipts_due(
        &self,
        account: String,
        after: Option<MessageId>,
        limit: usize,
    ) -> StoreFuture<'_, Vec<MessageRecord>> {
        Box::pin(self.read(move |c| read::receipts_due(c, &account, after, limit)))
    }

    fn receipt_ids_due(
        &self,
        account: String,
        after: Option<MessageId>,
        limit: usize,
    ) -> StoreFuture<'_, Vec<MessageId>> {
        Box::pin(self.read(move |c| read::receipt_ids_due(c, &account, after, limit)))
    }

    fn receipt_backlog(&self) -> StoreFuture<'_, Vec<(String, u64)>> {
        let backlog = self.owed.backlog();
        Box::pin(async move { Ok(backlog) })
    }

    fn owed_feed(&self) -> Option<OwedFeed> {
        self.owed.take_feed()
    }

    fn unsent(
        &self,
        after: Option<MessageId>,
        limit: usize,
    ) -> StoreFuture<'_, Vec<MessageRecord>> {
        Box::pin(self.read(move |c| read::in_state(c, schema::ACCEPTED, after, limit)))
    }

    fn sent_without_response(
        &self,
        after: Option<MessageId>,
        limit: usize,
    ) -> StoreFuture<'_, Vec<MessageRecord>> {
        Box::pin(self.read(move |c| read::in_state(c, schema::ROUTED, after, limit)))
    }

    fn expiry_candidates(&self, now: SystemTime, limit: usize) -> StoreFuture<'_, Vec<MessageId>> {
        let now = to_ms(now);
        Box::pin(self.read(move |c| read::expiry_candidates(c, now, limit)))
    }

    fn highest_message_id(&self) -> StoreFuture<'_, Option<MessageId>> {
        Box::pin(self.read(read::highest_id))
    }

    fn accepted_segments(
        &self,
        account: String,
        from: SystemTime,
        to: SystemTime,
    ) -> StoreFuture<'_, u64> {
        Box::pin(self.read(move |c| read_usage::accepted_segments(c, &account, from, to)))
    }

    fn statistics(&self, query: StatsQuery) -> StoreFuture<'_, Vec<DailyStats>> {
        Box::pin(self.read(move |c| read_stats::statistics(c, &query)))
    }

    fn route_statistics(&self, query: StatsQuery) -> StoreFuture<'_, Vec<RouteStats>> {
        Box::pin(self.read(move |c| read_stats::route_statistics(c, &query)))
    }

    fn queue_depth(&self) -> QueueDepth {
        self.queue.depth(SystemTime::now())
    }

    fn admit(&self, bytes: usize) -> Admission {
        self.queue.admit(bytes)
    }

    fn commit_stats(&self) -> CommitStats {
        self.metrics.snapshot()
    }
}
