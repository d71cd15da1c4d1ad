//! Write requests and their dispatch. Each is applied inside the writer's batch
//! transaction (in its own savepoint when the batch holds a failing request, so it does
//! not fail its companions); statistics change in the same transaction as the state they
//! count.

use std::collections::HashMap;

use rusqlite::{params, Connection, OptionalExtension};

use crate::message::MessageId;
use crate::store::record::{
    CarrierReceipt, CarrierSubmit, FinalReport, FinalizeOutcome, ForwardOutcome, MessageRecord,
    MessageState, NewMessage, Rejection, Route,
};
use crate::store::{CompactionReport, StoreError};

use super::ops_compact::compact;
use super::ops_lifecycle::{finalize, forward, insert_receipt, receipt_update, route};
use super::ops_receipt::acknowledge;
use super::ops_submit::{accept, reject};
use super::schema::{ACCEPTED, FORWARDED, ROUTED};

/// A write request.
#[derive(Debug)]
pub(crate) enum WriteOp {
    Accept(Box<NewMessage>),
    Reject(Box<Rejection>),
    Route {
        id: MessageId,
        route: Box<Route>,
        at: i64,
    },
    Forward {
        id: MessageId,
        /// The route, when the forward also records where the message went (instead of
        /// a separate `Route` write before sending).
        route: Option<Box<Route>>,
        submit: Box<CarrierSubmit>,
        keys: Vec<String>,
    },
    Receipt {
        id: MessageId,
        receipt: Box<CarrierReceipt>,
    },
    Finalize {
        id: MessageId,
        report: Box<FinalReport>,
    },
    ReceiptSent {
        id: MessageId,
        at: i64,
    },
    ReceiptAcked {
        id: MessageId,
        at: i64,
    },
    /// Several acknowledgements in one request; unknown ids are skipped.
    ReceiptsAcked {
        ids: Vec<MessageId>,
        at: i64,
    },
    Compact {
        cutoff: i64,
        limit: usize,
    },
}

/// A write's answer.
#[derive(Debug)]
pub(crate) enum OpResult {
    Done,
    Forward(ForwardOutcome),
    Finalize(FinalizeOutcome),
    Compact(CompactionReport),
    /// How many receipts a batch acknowledgement settled.
    Acked(u64),
}

/// What the in-memory queue view must learn once the batch is committed.
#[derive(Debug)]
pub(crate) enum QueueEffect {
    Open { id: MessageId, bytes: u64 },
    Forwarded(MessageId),
    Closed(MessageId),
}

pub(crate) fn db_id(id: MessageId) -> i64 {
    // Ids are < 2^63 until the year ~4000 (36-bit seconds); the cast keeps their order.
    id.as_u64() as i64
}

pub(crate) fn apply(
    conn: &Connection,
    op: &WriteOp,
    stats_offset: i32,
    effects: &mut Effects,
) -> Result<OpResult, StoreError> {
    match op {
        WriteOp::Accept(m) => accept(conn, m, stats_offset, effects).map(|()| OpResult::Done),
        WriteOp::Reject(r) => reject(conn, r, stats_offset, effects).map(|()| OpResult::Done),
        WriteOp::Route { id, route: r, at } => route(conn, *id, r, *at, effects),
        WriteOp::Forward {
            id,
            route: r,
            submit,
            keys,
        } => forward(conn, *id, submit, r.as_deref(), keys, effects),
        WriteOp::Receipt { id, receipt } => {
            require(conn, *id)?;
            insert_receipt(conn, *id, receipt).map(|()| OpResult::Done)
        }
        WriteOp::Finalize { id, report } => finalize(conn, *id, report, effects),
        WriteOp::ReceiptSent { id, at } => receipt_update(
            conn,
            *id,
            "UPDATE message SET receipt_state = MAX(receipt_state, 1),
                 receipt_attempts = receipt_attempts + 1, receipt_last_attempt_at = ?2
             WHERE id = ?1 AND receipt_state IS NOT NULL",
            *at,
        ),
        WriteOp::ReceiptAcked { id, at } => {
            acknowledge(conn, *id, *at, effects)?.ok_or(StoreError::UnknownMessage(*id))?;
            Ok(OpResult::Done)
        }
        WriteOp::ReceiptsAcked { ids, at } => {
            let mut settled = 0;
            for id in ids {
                if acknowledge(conn, *id, *at, effects)? == Some(true) {
                    settled += 1;
                }
            }
            Ok(OpResult::Acked(settled))
        }
        WriteOp::Compact { cutoff, limit } => {
            let report = compact(conn, *cutoff, *limit)?;
            // Deleted unacknowledged receipts leave the backlog: recount after the commit.
            effects.recount_backlog |= report.unacknowledged_receipts > 0;
            Ok(OpResult::Compact(report))
        }
    }
}

/// Statistics deltas `[submitted, accepted, rejected, delivered, failed, expired, pending]`
/// for messages, then the same for segments.
pub(crate) type Deltas = ([i64; 7], [i64; 7]);

/// `(day, account, channel, carrier, province)`; unknown labels are empty strings.
pub(crate) type RouteKey = (String, String, String, String, String);

/// Route statistics deltas `[routed, delivered, failed, expired, pending]` for messages,
/// then for segments.
pub(crate) type RouteDeltas = ([i64; 5], [i64; 5]);

/// What a successful write changes besides its own rows. Statistics and the highest id
/// are summed over the batch and written once, just before the batch commits (same
/// transaction, so they still reconcile at every commit); queue effects are applied to
/// the in-memory view after the commit.
#[derive(Debug, Default)]
pub(crate) struct Effects {
    pub(crate) queue: Vec<QueueEffect>,
    /// Receipts that became owed (message and final state), for the pump's feed.
    pub(crate) owed: Vec<MessageRecord>,
    /// Accounts whose receipt was acknowledged (one entry per receipt).
    pub(crate) settled: Vec<String>,
    /// The per-account backlog must be recounted from the database.
    pub(crate) recount_backlog: bool,
    stats: HashMap<(String, String, String), Deltas>,
    rejected: HashMap<(String, String, String, String), (i64, i64)>,
    routes: HashMap<RouteKey, RouteDeltas>,
    max_id: Option<MessageId>,
}

impl Effects {
    /// Adds deltas to the statistics row `(day, account, message_type)`.
    pub(super) fn bump(&mut self, key: (&str, &str, &str), msgs: [i64; 7], segs: [i64; 7]) {
        let row = self
            .stats
            .entry((key.0.to_owned(), key.1.to_owned(), key.2.to_owned()))
            .or_default();
        for i in 0..7 {
            row.0[i] += msgs[i];
            row.1[i] += segs[i];
        }
    }

    /// Counts one rejection with `reason` and its segments.
    pub(super) fn rejected(&mut self, key: (&str, &str, &str), reason: &str, segments: i64) {
        let k = (
            key.0.to_owned(),
            key.1.to_owned(),
            key.2.to_owned(),
            reason.to_owned(),
        );
        let row = self.rejected.entry(k).or_default();
        row.0 += 1;
        row.1 += segments;
    }

    /// Adds deltas to a route statistics row.
    pub(super) fn route(&mut self, key: RouteKey, msgs: [i64; 5], segs: [i64; 5]) {
        let row = self.routes.entry(key).or_default();
        for i in 0..5 {
            row.0[i] += msgs[i];
            row.1[i] += segs[i];
        }
    }

    /// Raises the highest id ever stored.
    pub(super) fn raise_max_id(&mut self, id: MessageId) {
        self.max_id = self.max_id.max(Some(id));
    }

    /// Takes in the effects of another (successful) request.
    pub(crate) fn merge(&mut self, other: Effects) {
        self.queue.extend(other.queue);
        self.owed.extend(other.owed);
        self.settled.extend(other.settled);
        self.recount_backlog |= other.recount_backlog;
        // Keys are moved, not copied: merging runs once per request.
        for (k, (m, s)) in other.stats {
            let row = self.stats.entry(k).or_default();
            for i in 0..7 {
                row.0[i] += m[i];
                row.1[i] += s[i];
            }
        }
        for (k, (n, segs)) in other.rejected {
            let row = self.rejected.entry(k).or_default();
            row.0 += n;
            row.1 += segs;
        }
        for (k, (m, s)) in other.routes {
            self.route(k, m, s);
        }
        self.max_id = self.max_id.max(other.max_id);
    }

    /// Writes the summed statistics and highest id (inside the batch transaction).
    pub(crate) fn flush(&self, conn: &Connection) -> Result<(), StoreError> {
        let mut st = conn.prepare_cached(
            "INSERT INTO stats VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13,
                 ?14, ?15, ?16, ?17)
             ON CONFLICT(day, account, message_type) DO UPDATE SET
                 submitted = submitted + ?4, accepted = accepted + ?5, rejected = rejected + ?6,
                 delivered = delivered + ?7, failed = failed + ?8, expired = expired + ?9,
                 pending = pending + ?10, seg_submitted = seg_submitted + ?11,
                 seg_accepted = seg_accepted + ?12, seg_rejected = seg_rejected + ?13,
                 seg_delivered = seg_delivered + ?14, seg_failed = seg_failed + ?15,
                 seg_expired = seg_expired + ?16, seg_pending = seg_pending + ?17",
        )?;
        for ((day, account, mtype), (m, s)) in &self.stats {
            st.execute(params![
                day, account, mtype, m[0], m[1], m[2], m[3], m[4], m[5], m[6], s[0], s[1], s[2],
                s[3], s[4], s[5], s[6]
            ])?;
        }
        let mut st = conn.prepare_cached(
            "INSERT INTO stats_rejected VALUES (?1, ?2, ?3, ?4, ?5, ?6)
             ON CONFLICT(day, account, message_type, reason) DO UPDATE SET
                 messages = messages + ?5, segments = segments + ?6",
        )?;
        for ((day, account, mtype, reason), (n, segs)) in &self.rejected {
            st.execute(params![day, account, mtype, reason, n, segs])?;
        }
        let mut st = conn.prepare_cached(
            "INSERT INTO stats_route VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12,
                 ?13, ?14, ?15)
             ON CONFLICT(day, account, channel, carrier, province) DO UPDATE SET
                 routed = routed + ?6, delivered = delivered + ?7, failed = failed + ?8,
                 expired = expired + ?9, pending = pending + ?10,
                 seg_routed = seg_routed + ?11, seg_delivered = seg_delivered + ?12,
                 seg_failed = seg_failed + ?13, seg_expired = seg_expired + ?14,
                 seg_pending = seg_pending + ?15",
        )?;
        for ((day, account, channel, carrier, province), (m, s)) in &self.routes {
            st.execute(params![
                day, account, channel, carrier, province, m[0], m[1], m[2], m[3], m[4], s[0], s[1],
                s[2], s[3], s[4]
            ])?;
        }
        if let Some(id) = self.max_id {
            conn.prepare_cached(
                "INSERT INTO meta(key, value) VALUES ('max_id', ?1)
                 ON CONFLICT(key) DO UPDATE SET value = MAX(value, excluded.value)",
            )?
            .execute([db_id(id)])?;
        }
        Ok(())
    }
}

/// The message's state, or `UnknownMessage`.
pub(super) fn require(conn: &Connection, id: MessageId) -> Result<i64, StoreError> {
    conn.prepare_cached("SELECT state FROM message WHERE id = ?1")?
        .query_row([db_id(id)], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::UnknownMessage(id))
}

pub(crate) fn state_of(v: i64) -> MessageState {
    match v {
        ACCEPTED => MessageState::Accepted,
        ROUTED => MessageState::Routed,
        FORWARDED => MessageState::Forwarded,
        _ => MessageState::Final,
    }
}
