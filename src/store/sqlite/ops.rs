//! Write requests and their dispatch. Each is applied inside the writer's batch
//! transaction, in its own savepoint, so one failing request does not fail its
//! companions; statistics change in the same transaction as the state they count.

use rusqlite::{params, Connection, OptionalExtension};

use crate::message::MessageId;
use crate::store::record::{
    CarrierReceipt, CarrierSubmit, FinalReport, FinalizeOutcome, ForwardOutcome, MessageState,
    NewMessage, Rejection,
};
use crate::store::{CompactionReport, StoreError};

use super::ops_compact::compact;
use super::ops_lifecycle::{finalize, forward, insert_receipt, receipt_update, route};
use super::ops_submit::{accept, reject};
use super::schema::{ACCEPTED, FORWARDED, ROUTED};

/// A write request.
#[derive(Debug)]
pub(crate) enum WriteOp {
    Accept(Box<NewMessage>),
    Reject(Box<Rejection>),
    Route {
        id: MessageId,
        channel: String,
        at: i64,
    },
    Forward {
        id: MessageId,
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
    effects: &mut Vec<QueueEffect>,
) -> Result<OpResult, StoreError> {
    match op {
        WriteOp::Accept(m) => accept(conn, m, stats_offset, effects).map(|()| OpResult::Done),
        WriteOp::Reject(r) => reject(conn, r, stats_offset).map(|()| OpResult::Done),
        WriteOp::Route { id, channel, at } => route(conn, *id, channel, *at),
        WriteOp::Forward { id, submit, keys } => forward(conn, *id, submit, keys, effects),
        WriteOp::Receipt { id, receipt } => {
            require(conn, *id)?;
            insert_receipt(conn, *id, receipt).map(|()| OpResult::Done)
        }
        WriteOp::Finalize { id, report } => finalize(conn, *id, report, effects),
        WriteOp::ReceiptSent { id, at } => receipt_update(
            conn,
            *id,
            "UPDATE receipt_owed SET state = MAX(state, 1), attempts = attempts + 1,
                 last_attempt_at = ?2 WHERE id = ?1",
            *at,
        ),
        WriteOp::ReceiptAcked { id, at } => receipt_update(
            conn,
            *id,
            "UPDATE receipt_owed SET state = 2, acked_at = COALESCE(acked_at, ?2) WHERE id = ?1",
            *at,
        ),
        WriteOp::Compact { cutoff, limit } => compact(conn, *cutoff, *limit).map(OpResult::Compact),
    }
}

/// Adds deltas to one statistics row: `[submitted, accepted, rejected, delivered, failed,
/// expired, pending]` for messages, then the same for segments.
pub(super) fn bump(
    conn: &Connection,
    key: (&str, &str, &str),
    msgs: [i64; 7],
    segs: [i64; 7],
) -> Result<(), StoreError> {
    let mut st = conn.prepare_cached(
        "INSERT INTO stats VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14,
             ?15, ?16, ?17)
         ON CONFLICT(day, account, message_type) DO UPDATE SET
             submitted = submitted + ?4, accepted = accepted + ?5, rejected = rejected + ?6,
             delivered = delivered + ?7, failed = failed + ?8, expired = expired + ?9,
             pending = pending + ?10, seg_submitted = seg_submitted + ?11,
             seg_accepted = seg_accepted + ?12, seg_rejected = seg_rejected + ?13,
             seg_delivered = seg_delivered + ?14, seg_failed = seg_failed + ?15,
             seg_expired = seg_expired + ?16, seg_pending = seg_pending + ?17",
    )?;
    let [m0, m1, m2, m3, m4, m5, m6] = msgs;
    let [s0, s1, s2, s3, s4, s5, s6] = segs;
    st.execute(params![
        key.0, key.1, key.2, m0, m1, m2, m3, m4, m5, m6, s0, s1, s2, s3, s4, s5, s6
    ])?;
    Ok(())
}

pub(super) fn raise_max_id(conn: &Connection, id: MessageId) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO meta(key, value) VALUES ('max_id', ?1)
         ON CONFLICT(key) DO UPDATE SET value = MAX(value, excluded.value)",
    )?
    .execute([db_id(id)])?;
    Ok(())
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
