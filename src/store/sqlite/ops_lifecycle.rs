//! Writes along a message's lifecycle: routed, forwarded, carrier receipts, final state,
//! the client receipt's delivery.

use rusqlite::{params, Connection, OptionalExtension};

use crate::message::MessageId;
use crate::store::record::{
    CarrierReceipt, CarrierSubmit, FinalReport, FinalSource, FinalState, FinalizeOutcome,
    ForwardOutcome,
};
use crate::store::stats::final_column;
use crate::store::time::to_ms;
use crate::store::StoreError;

use super::ops::{bump, db_id, require, state_of, OpResult, QueueEffect};
use super::schema::{FINAL, FORWARDED, RECEIPT_PENDING, ROUTED};

pub(super) fn route(
    conn: &Connection,
    id: MessageId,
    channel: &str,
    at: i64,
) -> Result<OpResult, StoreError> {
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

pub(super) fn forward(
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

pub(super) fn insert_receipt(
    conn: &Connection,
    id: MessageId,
    r: &CarrierReceipt,
) -> Result<(), StoreError> {
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

pub(super) fn finalize(
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

pub(super) fn receipt_update(
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
