//! The durable message store: once smppd answers `submit_sm_resp` with a message_id, the
//! message is on disk and stays smppd's responsibility until it ends with a final state.
//!
//! - [`MessageStore`] is the interface every other module uses (object-safe, so a shared
//!   store for multi-node deployments can be added behind it later).
//! - [`SqliteStore`] is the embedded default: SQLite in WAL mode, one writer thread that
//!   group-commits concurrent requests (many submits share one fsync), a separate reader.
//!   Chosen over redb and fjall by measurement (`benches/store-engines`) and because the
//!   workload needs several secondary indexes and statistics kept in the same transaction.
//! - Every write resolves only when durable per [`FsyncPolicy`]; callers answer the client
//!   (or the carrier) after that.
//!
//! Recovery at start: [`MessageStore::unsent`] (accepted, never handed to a channel) and
//! [`MessageStore::sent_without_response`] (handed to a channel, some part without a carrier
//! response: re-send those parts; at-least-once, so a part may reach the carrier twice if
//! smppd died between the carrier's accept and storing its response). Receipts not yet
//! acknowledged by the client come from [`MessageStore::receipts_due`] when it binds.

mod config;
mod error;
mod maintenance;
mod owed;
mod queue;
mod record;
mod sqlite;
mod stats;
mod time;

use std::time::SystemTime;

use futures::future::BoxFuture;

use crate::message::MessageId;

pub use config::{FsyncPolicy, StoreConfig};
pub use error::StoreError;
pub use maintenance::{compact_all, expire_due, spawn_maintenance};
pub use owed::OwedFeed;
pub use queue::{Admission, CommitStats, FullBound, QueueDepth};
pub use record::{
    Address, CarrierReceipt, CarrierSubmit, ConcatInfo, FinalRecord, FinalReport, FinalSource,
    FinalState, FinalizeOutcome, ForwardOutcome, MessageRecord, MessageState, NewMessage,
    OwedReceipt, ReceiptState, Rejection, ResendPayload, Route,
};
pub use sqlite::SqliteStore;
pub use stats::{Counters, DailyStats, ReasonCount, RouteCounters, RouteStats, StatsQuery};
pub use time::stats_day;

/// The future every store operation returns.
pub type StoreFuture<'a, T> = BoxFuture<'a, Result<T, StoreError>>;

/// Messages (and rejections) of an account and/or recipient in a time range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryQuery {
    /// Only this account (all when `None`).
    pub account: Option<String>,
    /// Only this `destination_addr`, exact (all when `None`).
    pub destination: Option<String>,
    /// From this time (inclusive; acceptance or rejection time).
    pub from: SystemTime,
    /// Up to this time (inclusive).
    pub to: SystemTime,
    /// At most this many of each kind, oldest first.
    pub limit: usize,
}

/// The answer to a [`HistoryQuery`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct History {
    /// Accepted messages with their full lifecycle and evidence.
    pub messages: Vec<MessageRecord>,
    /// Submits refused before acceptance.
    pub rejections: Vec<Rejection>,
}

/// What one compaction run deleted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct CompactionReport {
    /// Final message records deleted (with their evidence and receipts).
    pub messages: u64,
    /// Rejection records deleted.
    pub rejections: u64,
    /// Of the deleted messages, how many still had a receipt the client never acknowledged.
    pub unacknowledged_receipts: u64,
    /// True when the run hit its limit: call again.
    pub more: bool,
}

/// The durable message store (see the module docs). Writes resolve once durable.
pub trait MessageStore: Send + Sync {
    /// Stores an accepted message. Answer `submit_sm_resp` only after this resolves.
    /// Fails with [`StoreError::Duplicate`] if the id is already stored.
    fn accept(&self, message: NewMessage) -> StoreFuture<'_, ()>;

    /// Records a submit refused before acceptance (statistics and lookups see it).
    fn reject(&self, rejection: Rejection) -> StoreFuture<'_, ()>;

    /// The message was handed to `route.channel` (at recovery this marks "may have been
    /// sent"). Routing it again (failover) moves it to the new route in the statistics.
    /// The dispatcher calls it only where recovery must tell "never sent" from "sent
    /// without a response" (concatenation parts); otherwise the route is recorded with the
    /// carrier's response by [`MessageStore::record_forwarded_on`].
    fn mark_routed(&self, id: MessageId, route: Route, at: SystemTime) -> StoreFuture<'_, ()>;

    /// Records a carrier `submit_sm_resp` for one part, and the exact carrier-id keys the
    /// relay will look receipts up by. When every part has a successful response the
    /// message becomes [`MessageState::Forwarded`].
    fn record_forwarded(
        &self,
        id: MessageId,
        submit: CarrierSubmit,
        carrier_keys: Vec<String>,
    ) -> StoreFuture<'_, ForwardOutcome>;

    /// [`MessageStore::record_forwarded`] and [`MessageStore::mark_routed`] in one write:
    /// the route (channel, carrier, province for the statistics; a failover moves the
    /// message to its new route) is recorded with the response, at the response's time.
    fn record_forwarded_on(
        &self,
        id: MessageId,
        route: Route,
        submit: CarrierSubmit,
        carrier_keys: Vec<String>,
    ) -> StoreFuture<'_, ForwardOutcome>;

    /// Keeps a carrier receipt as evidence without changing the state (e.g. the receipt of
    /// one part of a multi-part message, or a duplicate).
    fn add_carrier_receipt(&self, id: MessageId, receipt: CarrierReceipt) -> StoreFuture<'_, ()>;

    /// Ends the message. Queues the client receipt when `registered_delivery` asks for one
    /// (SMPP 3.4 §5.2.17). A second call keeps the carrier receipt as evidence only.
    fn finalize(&self, id: MessageId, report: FinalReport) -> StoreFuture<'_, FinalizeOutcome>;

    /// The client receipt was sent in a `deliver_sm` (counts an attempt). Optional: the
    /// pump does not write it (a sent receipt lives in its memory until acknowledged; after
    /// a crash an unacknowledged receipt is sent again either way).
    fn receipt_sent(&self, id: MessageId, at: SystemTime) -> StoreFuture<'_, ()>;

    /// The client acknowledged the receipt with `deliver_sm_resp`.
    fn receipt_acknowledged(&self, id: MessageId, at: SystemTime) -> StoreFuture<'_, ()>;

    /// Several acknowledgements in one write; ids that owe nothing are skipped. Resolves
    /// to how many receipts it settled.
    fn receipts_acknowledged(&self, ids: Vec<MessageId>, at: SystemTime) -> StoreFuture<'_, u64>;

    /// Deletes final records and rejections older than the retention (at most `limit` of
    /// each per call). Statistics are kept.
    fn compact(&self, now: SystemTime, limit: usize) -> StoreFuture<'_, CompactionReport>;

    /// One message with its lifecycle and evidence.
    fn get(&self, id: MessageId) -> StoreFuture<'_, Option<MessageRecord>>;

    /// The other destinations of the submit_multi whose client was answered with `id`
    /// (their [`NewMessage::reported_id`]), by id; empty for any other message.
    fn reported_under(&self, id: MessageId) -> StoreFuture<'_, Vec<MessageRecord>>;

    /// Messages registered under this exact carrier-id key.
    fn find_by_carrier_key(&self, key: String) -> StoreFuture<'_, Vec<MessageId>>;

    /// Messages and rejections by account and/or recipient and time range.
    fn history(&self, query: HistoryQuery) -> StoreFuture<'_, History>;

    /// Receipts owed to `account` and not acknowledged (pending or sent), by message id,
    /// after `after`, at most `limit`.
    fn receipts_due(
        &self,
        account: String,
        after: Option<MessageId>,
        limit: usize,
    ) -> StoreFuture<'_, Vec<MessageRecord>>;

    /// Ids of the receipts owed to `account` and not acknowledged, after `after`, at most
    /// `limit` (cheap: the pump loads only the ones it is not already delivering).
    fn receipt_ids_due(
        &self,
        account: String,
        after: Option<MessageId>,
        limit: usize,
    ) -> StoreFuture<'_, Vec<MessageId>>;

    /// Unacknowledged receipts per account (counters kept in memory, not a query).
    fn receipt_backlog(&self) -> StoreFuture<'_, Vec<(String, u64)>>;

    /// The feed of receipts as they become owed (after their commit), for the one
    /// consumer that delivers them; `None` after the first call.
    fn owed_feed(&self) -> Option<OwedFeed>;

    /// Accepted messages never handed to a channel, by id, after `after`.
    fn unsent(&self, after: Option<MessageId>, limit: usize)
        -> StoreFuture<'_, Vec<MessageRecord>>;

    /// Messages handed to a channel with some part lacking a successful carrier response.
    fn sent_without_response(
        &self,
        after: Option<MessageId>,
        limit: usize,
    ) -> StoreFuture<'_, Vec<MessageRecord>>;

    /// Open messages whose validity deadline is at or before `now`, earliest first; one a
    /// carrier may hold (routed or forwarded) only once the grace for the carrier's own
    /// final receipt has passed too (10 minutes).
    fn expiry_candidates(&self, now: SystemTime, limit: usize) -> StoreFuture<'_, Vec<MessageId>>;

    /// The highest message id ever stored (for `MessageIdAllocator::starting_after`).
    fn highest_message_id(&self) -> StoreFuture<'_, Option<MessageId>>;

    /// Segments of the messages accepted for `account` in `[from, to)` that its policy
    /// quota counted, read at start so daily/monthly caps hold across a restart. Counts
    /// what was accepted, as carriers bill: also messages the carrier later failed or
    /// that expired. Refusals are not messages (not counted), nor are the held parts of a
    /// concatenated set that was refused, timed out, or is still incomplete (the quota
    /// counts a set when it completes). Compaction deletes final messages older than the
    /// retention: with a retention shorter than a month, the month's older messages are
    /// no longer counted.
    fn accepted_segments(
        &self,
        account: String,
        from: SystemTime,
        to: SystemTime,
    ) -> StoreFuture<'_, u64>;

    /// Per-account, per-day, per-type statistics.
    fn statistics(&self, query: StatsQuery) -> StoreFuture<'_, Vec<DailyStats>>;

    /// Per-account, per-day statistics by channel, carrier and province (routed messages).
    fn route_statistics(&self, query: StatsQuery) -> StoreFuture<'_, Vec<RouteStats>>;

    /// Current queue depth (cheap, in memory).
    fn queue_depth(&self) -> QueueDepth;

    /// Whether a message of `bytes` (see [`ResendPayload::queued_bytes`]) may be accepted
    /// now; `Full` maps to `ESME_RMSGQFUL`/`ESME_RTHROTTLED` (cheap, in memory).
    fn admit(&self, bytes: usize) -> Admission;

    /// Group-commit counters (batches, requests, commit time) since open.
    fn commit_stats(&self) -> CommitStats;
}
