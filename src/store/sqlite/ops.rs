//! Write operations, each applied inside the writer's batch transaction (in its own
//! savepoint, so one failing request does not fail its companions). Statistics are
//! updated in the same statements' transaction as the state change they count.

use rusqlite::{params, Connection, ErrorCode, OptionalExtension};

use crate::message::MessageId;
use crate::store::record::{
    CarrierReceipt, CarrierSubmit, FinalReport, FinalSource, FinalState, FinalizeOutcome,
    ForwardOutcome, MessageState, NewMessage, Rejection,
};
use crate::store::stats::final_column;
use crate::store::time::{stats_day, to_ms};
use crate::store::{CompactionReport, StoreError};

use super::schema::{ACCEPTED, FINAL, FORWARDED, RECEIPT_ACKED, RECEIPT_PENDING, ROUTED};

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
fn bump(
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

fn raise_max_id(conn: &Connection, id: MessageId) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO meta(key, value) VALUES ('max_id', ?1)
         ON CONFLICT(key) DO UPDATE SET value = MAX(value, excluded.value)",
    )?
    .execute([db_id(id)])?;
    Ok(())
}

fn accept(
    conn: &Connection,
    m: &NewMessage,
    offset: i32,
    effects: &mut Vec<QueueEffect>,
) -> Result<(), StoreError> {
    let p = &m.payload;
    let day = stats_day(m.accepted_at, offset);
    let bytes = p.queued_bytes() as i64;
    let mut st = conn.prepare_cached(
        "INSERT INTO message(id, account, bind, message_type, day, segments, concat_ref,
             concat_total, concat_seq, service_type, source_ton, source_npi, source_addr,
             dest_ton, dest_npi, dest_addr, esm_class, protocol_id, priority_flag,
             schedule_delivery_time, validity_period, registered_delivery,
             replace_if_present_flag, data_coding, sm_default_msg_id, short_message, tlvs,
             validity_deadline, accepted_at, bytes, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, 0)",
    )?;
    let inserted = st.execute(params![
        db_id(m.id),
        m.account,
        m.bind,
        m.message_type.as_str(),
        day,
        m.segments,
        m.concat.map(|c| c.reference),
        m.concat.map(|c| c.total),
        m.concat.map(|c| c.sequence),
        p.service_type,
        p.source.ton,
        p.source.npi,
        p.source.addr,
        p.destination.ton,
        p.destination.npi,
        p.destination.addr,
        p.esm_class,
        p.protocol_id,
        p.priority_flag,
        p.schedule_delivery_time,
        p.validity_period,
        p.registered_delivery,
        p.replace_if_present_flag,
        p.data_coding,
        p.sm_default_msg_id,
        p.short_message,
        p.tlvs,
        m.validity_deadline.map(to_ms),
        to_ms(m.accepted_at),
        bytes,
    ]);
    match inserted {
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => {
            return Err(StoreError::Duplicate(m.id));
        }
        other => other?,
    };
    let s = i64::from(m.segments);
    let key = (day.as_str(), m.account.as_str(), m.message_type.as_str());
    bump(conn, key, [1, 1, 0, 0, 0, 0, 1], [s, s, 0, 0, 0, 0, s])?;
    raise_max_id(conn, m.id)?;
    effects.push(QueueEffect::Open {
        id: m.id,
        bytes: bytes as u64,
    });
    Ok(())
}

fn reject(conn: &Connection, r: &Rejection, offset: i32) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO rejection(id, account, bind, message_type, source_addr, dest_addr,
             segments, reason, command_status, at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        r.id.map(db_id),
        r.account,
        r.bind,
        r.message_type.as_str(),
        r.source,
        r.destination,
        r.segments,
        r.reason,
        r.command_status,
        to_ms(r.at),
    ])?;
    let day = stats_day(r.at, offset);
    let s = i64::from(r.segments);
    let key = (day.as_str(), r.account.as_str(), r.message_type.as_str());
    bump(conn, key, [1, 0, 1, 0, 0, 0, 0], [s, 0, s, 0, 0, 0, 0])?;
    conn.prepare_cached(
        "INSERT INTO stats_rejected VALUES (?1, ?2, ?3, ?4, 1, ?5)
         ON CONFLICT(day, account, message_type, reason) DO UPDATE SET
             messages = messages + 1, segments = segments + ?5",
    )?
    .execute(params![key.0, key.1, key.2, r.reason, s])?;
    if let Some(id) = r.id {
        raise_max_id(conn, id)?;
    }
    Ok(())
}

/// The message's state, or `UnknownMessage`.
fn require(conn: &Connection, id: MessageId) -> Result<i64, StoreError> {
    conn.prepare_cached("SELECT state FROM message WHERE id = ?1")?
        .query_row([db_id(id)], |r| r.get(0))
        .optional()?
        .ok_or(StoreError::UnknownMessage(id))
}

fn route(conn: &Connection, id: MessageId, channel: &str, at: i64) -> Result<OpResult, StoreError> {
    let state = require(conn, id)?;
    if state < FINAL {
        conn.prepare_cached(
            "UPDATE message SET state = MAX(state, ?2), routed_channel = ?3, routed_at = ?4
             WHERE id = ?1",
        )?
        .execute(params![db_id(id), ROUTED, channel, at])?;
    }
    Ok(OpResult::Done)
}

fn forward(
    conn: &Connection,
    id: MessageId,
    s: &CarrierSubmit,
    keys: &[String],
    effects: &mut Vec<QueueEffect>,
) -> Result<OpResult, StoreError> {
    let state = require(conn, id)?;
    conn.prepare_cached(
        "INSERT INTO carrier_submit(id, part, channel, carrier_message_id, command_status,
             raw_resp, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(params![
        db_id(id),
        s.part,
        s.channel,
        s.carrier_message_id,
        s.command_status,
        s.raw_resp,
        to_ms(s.at)
    ])?;
    let mut key_st =
        conn.prepare_cached("INSERT OR IGNORE INTO carrier_key(key, id) VALUES (?1, ?2)")?;
    for k in keys {
        key_st.execute(params![k, db_id(id)])?;
    }
    let (parts, segments): (i64, i64) = conn
        .prepare_cached(
            "SELECT (SELECT COUNT(DISTINCT part) FROM carrier_submit
                     WHERE id = ?1 AND command_status = 0), segments
             FROM message WHERE id = ?1",
        )?
        .query_row([db_id(id)], |r| Ok((r.get(0)?, r.get(1)?)))?;
    let mut new_state = state;
    if state < FINAL && state != FORWARDED {
        new_state = if parts >= segments.max(1) {
            FORWARDED
        } else {
            ROUTED
        };
        conn.prepare_cached(
            "UPDATE message SET state = ?2, routed_channel = COALESCE(routed_channel, ?3),
                 routed_at = COALESCE(routed_at, ?4) WHERE id = ?1",
        )?
        .execute(params![db_id(id), new_state, s.channel, to_ms(s.at)])?;
        if new_state == FORWARDED {
            effects.push(QueueEffect::Forwarded(id));
        }
    }
    Ok(OpResult::Forward(ForwardOutcome {
        state: state_of(new_state),
        parts_forwarded: u16::try_from(parts).unwrap_or(u16::MAX),
    }))
}

pub(crate) fn state_of(v: i64) -> MessageState {
    match v {
        ACCEPTED => MessageState::Accepted,
        ROUTED => MessageState::Routed,
        FORWARDED => MessageState::Forwarded,
        _ => MessageState::Final,
    }
}

fn insert_receipt(conn: &Connection, id: MessageId, r: &CarrierReceipt) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO carrier_receipt(id, part, channel, raw_pdu, at) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        db_id(id),
        r.part,
        r.channel,
        r.raw_pdu,
        to_ms(r.at)
    ])?;
    Ok(())
}

fn finalize(
    conn: &Connection,
    id: MessageId,
    report: &FinalReport,
    effects: &mut Vec<QueueEffect>,
) -> Result<OpResult, StoreError> {
    type Row = (i64, Option<String>, String, String, String, i64, u8);
    let row: Option<Row> = conn
        .prepare_cached(
            "SELECT state, final_state, day, account, message_type, segments, registered_delivery
             FROM message WHERE id = ?1",
        )?
        .query_row([db_id(id)], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
            ))
        })
        .optional()?;
    let (state, old_final, day, account, mtype, segments, rd) =
        row.ok_or(StoreError::UnknownMessage(id))?;
    if let FinalSource::Carrier(receipt) = &report.source {
        insert_receipt(conn, id, receipt)?;
    }
    if state == FINAL {
        let old = old_final
            .as_deref()
            .and_then(FinalState::from_stat)
            .ok_or_else(|| StoreError::Corrupt(format!("message {id} final without a state")))?;
        return Ok(OpResult::Finalize(FinalizeOutcome::AlreadyFinal(old)));
    }
    conn.prepare_cached(
        "UPDATE message SET state = 3, final_state = ?2, final_reason = ?3, final_at = ?4,
             final_generated = ?5 WHERE id = ?1",
    )?
    .execute(params![
        db_id(id),
        report.state.as_str(),
        report.reason,
        to_ms(report.at),
        matches!(report.source, FinalSource::GeneratedBySmppd),
    ])?;
    let (mut msgs, mut segs) = ([0i64; 7], [0i64; 7]);
    let col = match final_column(report.state) {
        "delivered" => 3,
        "failed" => 4,
        _ => 5,
    };
    msgs[col] = 1;
    msgs[6] = -1;
    segs[col] = segments;
    segs[6] = -segments;
    bump(conn, (&day, &account, &mtype), msgs, segs)?;
    // SMPP 3.4 §5.2.17: bits 1..0 of registered_delivery: 01 = receipt on success or
    // failure, 10 = receipt on failure only.
    let owed = match rd & 0x03 {
        0x01 => true,
        0x02 => report.state != FinalState::Delivered,
        _ => false,
    };
    if owed {
        conn.prepare_cached(
            "INSERT OR IGNORE INTO receipt_owed(id, account, state, attempts, created_at)
             VALUES (?1, ?2, ?3, 0, ?4)",
        )?
        .execute(params![
            db_id(id),
            account,
            RECEIPT_PENDING,
            to_ms(report.at)
        ])?;
    }
    effects.push(QueueEffect::Closed(id));
    Ok(OpResult::Finalize(FinalizeOutcome::Finalized {
        receipt_owed: owed,
    }))
}

fn receipt_update(
    conn: &Connection,
    id: MessageId,
    sql: &str,
    at: i64,
) -> Result<OpResult, StoreError> {
    let n = conn.prepare_cached(sql)?.execute(params![db_id(id), at])?;
    if n == 0 {
        return Err(StoreError::UnknownMessage(id));
    }
    Ok(OpResult::Done)
}

fn compact(conn: &Connection, cutoff: i64, limit: usize) -> Result<CompactionReport, StoreError> {
    let limit = i64::try_from(limit).unwrap_or(i64::MAX);
    let ids: Vec<i64> = conn
        .prepare_cached(
            "SELECT id FROM message WHERE state = 3 AND final_at < ?1 ORDER BY final_at LIMIT ?2",
        )?
        .query_map(params![cutoff, limit], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut report = CompactionReport::default();
    for id in &ids {
        let unacked: i64 = conn
            .prepare_cached("SELECT COUNT(*) FROM receipt_owed WHERE id = ?1 AND state < ?2")?
            .query_row(params![id, RECEIPT_ACKED], |r| r.get(0))?;
        report.unacknowledged_receipts += unacked as u64;
        for table in [
            "carrier_submit",
            "carrier_receipt",
            "carrier_key",
            "receipt_owed",
            "message",
        ] {
            conn.prepare_cached(&format!("DELETE FROM {table} WHERE id = ?1"))?
                .execute([id])?;
        }
    }
    report.messages = ids.len() as u64;
    report.rejections = conn
        .prepare_cached(
            "DELETE FROM rejection WHERE seq IN
                 (SELECT seq FROM rejection WHERE at < ?1 ORDER BY at LIMIT ?2)",
        )?
        .execute(params![cutoff, limit])? as u64;
    report.more = ids.len() as i64 >= limit || report.rejections as i64 >= limit;
    Ok(report)
}
