//! Read queries, run on the reader connection (WAL lets them proceed while the writer
//! commits).

use rusqlite::{params, Connection, OptionalExtension, Row};

use crate::message::{MessageId, MessageType};
use crate::store::record::{
    Address, CarrierReceipt, CarrierSubmit, ConcatInfo, FinalRecord, FinalState, MessageRecord,
    NewMessage, OwedReceipt, ReceiptState, ResendPayload, Route,
};
use crate::store::time::from_ms;
use crate::store::StoreError;

use super::ops::{db_id, state_of};
use super::schema::{ACCEPTED, RECEIPT_PENDING, RECEIPT_SENT, ROUTED};

fn corrupt(what: &str, v: impl std::fmt::Debug) -> StoreError {
    StoreError::Corrupt(format!("{what}: {v:?}"))
}

pub(super) fn message_type(s: &str) -> Result<MessageType, StoreError> {
    s.parse().map_err(|_| corrupt("message type", s))
}

/// The `message` columns [`message_from_row`] reads, by position (named lookups cost a
/// scan of every column name per value; this runs for every loaded message).
macro_rules! message_columns {
    () => {
        "id, account, bind, message_type, segments, concat_ref,
    concat_total, concat_seq, service_type, source_ton, source_npi, source_addr, dest_ton, dest_npi, dest_addr,
    esm_class, protocol_id, priority_flag, schedule_delivery_time, validity_period,
    registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id,
    short_message, tlvs, validity_deadline, accepted_at, state, routed_channel,
    routed_at, route_carrier, route_province, final_state, final_reason, final_at,
    final_generated, reported_id"
    };
}
const MESSAGE_SELECT: &str = concat!("SELECT ", message_columns!(), " FROM message WHERE id = ?1");
/// [`MESSAGE_SELECT`] and the statistics day (column 38), for the finalizing write.
const MESSAGE_SELECT_DAY: &str = concat!(
    "SELECT ",
    message_columns!(),
    ", day FROM message WHERE id = ?1"
);

fn message_from_row(r: &Row<'_>) -> rusqlite::Result<(MessageRecord, String)> {
    let concat = match (r.get(5)?, r.get(6)?, r.get(7)?) {
        (Some(reference), Some(total), Some(sequence)) => Some(ConcatInfo {
            reference,
            total,
            sequence,
        }),
        _ => None,
    };
    let payload = ResendPayload {
        service_type: r.get(8)?,
        source: Address {
            ton: r.get(9)?,
            npi: r.get(10)?,
            addr: r.get(11)?,
        },
        destination: Address {
            ton: r.get(12)?,
            npi: r.get(13)?,
            addr: r.get(14)?,
        },
        esm_class: r.get(15)?,
        protocol_id: r.get(16)?,
        priority_flag: r.get(17)?,
        schedule_delivery_time: r.get(18)?,
        validity_period: r.get(19)?,
        registered_delivery: r.get(20)?,
        replace_if_present_flag: r.get(21)?,
        data_coding: r.get(22)?,
        sm_default_msg_id: r.get(23)?,
        short_message: r.get(24)?,
        tlvs: r.get(25)?,
    };
    let id: i64 = r.get(0)?;
    let routed = match (r.get::<_, Option<String>>(29)?, r.get(30)?) {
        (Some(channel), Some(at)) => Some((
            Route {
                channel,
                carrier: r.get(31)?,
                province: r.get(32)?,
            },
            from_ms(at),
        )),
        _ => None,
    };
    let final_state = match r.get::<_, Option<String>>(33)? {
        Some(stat) => Some((
            stat,
            r.get::<_, Option<String>>(34)?,
            r.get::<_, Option<i64>>(35)?.unwrap_or(0),
            r.get::<_, Option<bool>>(36)?.unwrap_or(false),
        )),
        None => None,
    };
    let message_type: String = r.get(3)?;
    let record = MessageRecord {
        message: NewMessage {
            id: MessageId::from_u64(id as u64),
            account: r.get(1)?,
            bind: r.get(2)?,
            // Parsed by the caller (needs StoreError); placeholder replaced below.
            message_type: MessageType::Other,
            segments: r.get(4)?,
            concat,
            payload,
            validity_deadline: r.get::<_, Option<i64>>(26)?.map(from_ms),
            accepted_at: from_ms(r.get(27)?),
            reported_id: r
                .get::<_, Option<i64>>(37)?
                .map(|v| MessageId::from_u64(v as u64)),
        },
        state: state_of(r.get(28)?),
        routed,
        submits: Vec::new(),
        receipts: Vec::new(),
        carrier_keys: Vec::new(),
        final_state: final_state.map(|(stat, reason, at, generated)| FinalRecord {
            // Unknown words are caught below; Unknown is a placeholder.
            state: FinalState::from_stat(&stat).unwrap_or(FinalState::Unknown),
            reason,
            at: from_ms(at),
            generated_by_smppd: generated,
        }),
        receipt: None,
    };
    Ok((record, message_type))
}

/// One message's own row with its message type as stored and its statistics day (what
/// the finalizing write needs, in one read), or `None`.
pub(crate) fn message_with_day(
    conn: &Connection,
    id: MessageId,
) -> Result<Option<(MessageRecord, String, String)>, StoreError> {
    let row = conn
        .prepare_cached(MESSAGE_SELECT_DAY)?
        .query_row([db_id(id)], |r| {
            let (rec, mtype) = message_from_row(r)?;
            Ok((rec, mtype, r.get::<_, String>(38)?))
        })
        .optional()?;
    let Some((mut rec, mtype, day)) = row else {
        return Ok(None);
    };
    rec.message.message_type = message_type(&mtype)?;
    Ok(Some((rec, mtype, day)))
}

/// One message with everything attached, or `None`.
pub(crate) fn load(conn: &Connection, id: MessageId) -> Result<Option<MessageRecord>, StoreError> {
    let row = conn
        .prepare_cached(MESSAGE_SELECT)?
        .query_row([db_id(id)], message_from_row)
        .optional()?;
    let Some((mut rec, mtype)) = row else {
        return Ok(None);
    };
    rec.message.message_type = message_type(&mtype)?;
    let did = db_id(id);
    rec.submits = conn
        .prepare_cached(
            "SELECT part, channel, carrier_message_id, command_status, raw_resp, at
             FROM carrier_submit WHERE id = ?1 ORDER BY seq",
        )?
        .query_map([did], |r| {
            Ok(CarrierSubmit {
                part: r.get(0)?,
                channel: r.get(1)?,
                carrier_message_id: r.get(2)?,
                command_status: r.get(3)?,
                raw_resp: r.get(4)?,
                at: from_ms(r.get(5)?),
            })
        })?
        .collect::<Result<_, _>>()?;
    rec.receipts = conn
        .prepare_cached(
            "SELECT part, channel, raw_pdu, at FROM carrier_receipt WHERE id = ?1 ORDER BY seq",
        )?
        .query_map([did], |r| {
            Ok(CarrierReceipt {
                part: r.get(0)?,
                channel: r.get(1)?,
                raw_pdu: r.get(2)?,
                at: from_ms(r.get(3)?),
            })
        })?
        .collect::<Result<_, _>>()?;
    rec.carrier_keys = conn
        .prepare_cached("SELECT key FROM carrier_key WHERE id = ?1 ORDER BY key")?
        .query_map([did], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    rec.receipt = conn
        .prepare_cached(
            "SELECT receipt_state, receipt_attempts, receipt_created_at, receipt_last_attempt_at
             FROM message WHERE id = ?1 AND receipt_state IS NOT NULL",
        )?
        .query_row([did], |r| {
            Ok(OwedReceipt {
                state: match r.get::<_, i64>(0)? {
                    RECEIPT_PENDING => ReceiptState::Pending,
                    RECEIPT_SENT => ReceiptState::Sent,
                    _ => ReceiptState::Acknowledged,
                },
                attempts: r.get(1)?,
                created_at: from_ms(r.get(2)?),
                last_attempt_at: r.get::<_, Option<i64>>(3)?.map(from_ms),
            })
        })
        .optional()?;
    Ok(Some(rec))
}

/// Runs an id-returning query and loads each record.
pub(super) fn load_ids(
    conn: &Connection,
    sql: &str,
    args: impl rusqlite::Params,
) -> Result<Vec<MessageRecord>, StoreError> {
    let ids: Vec<i64> = conn
        .prepare_cached(sql)?
        .query_map(args, |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(rec) = load(conn, MessageId::from_u64(id as u64))? {
            out.push(rec);
        }
    }
    Ok(out)
}

fn after(a: Option<MessageId>) -> i64 {
    a.map(db_id).unwrap_or(-1)
}

pub(super) fn lim(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}

pub(crate) fn by_carrier_key(conn: &Connection, key: &str) -> Result<Vec<MessageId>, StoreError> {
    let ids: Vec<i64> = conn
        .prepare_cached("SELECT id FROM carrier_key WHERE key = ?1 ORDER BY id")?
        .query_map([key], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids
        .into_iter()
        .map(|i| MessageId::from_u64(i as u64))
        .collect())
}

/// The messages reported to their client under `id` (submit_multi destinations after the
/// first), by id.
pub(crate) fn reported_under(
    conn: &Connection,
    id: MessageId,
) -> Result<Vec<MessageRecord>, StoreError> {
    let ids: Vec<i64> = conn
        .prepare_cached("SELECT id FROM message WHERE reported_id = ?1 ORDER BY id")?
        .query_map([db_id(id)], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    let mut records = Vec::with_capacity(ids.len());
    for i in ids {
        records.extend(load(conn, MessageId::from_u64(i as u64))?);
    }
    Ok(records)
}

pub(crate) fn receipts_due(
    conn: &Connection,
    account: &str,
    a: Option<MessageId>,
    limit: usize,
) -> Result<Vec<MessageRecord>, StoreError> {
    load_ids(
        conn,
        // Literal `< 2` (RECEIPT_ACKED): the partial index `message_receipt_due` serves it.
        "SELECT id FROM message WHERE account = ?1 AND receipt_state < 2 AND id > ?2
         ORDER BY id LIMIT ?3",
        params![account, after(a), lim(limit)],
    )
}

/// Ids of the receipts owed to `account` and not acknowledged, after `a`, at most `limit`.
pub(crate) fn receipt_ids_due(
    conn: &Connection,
    account: &str,
    a: Option<MessageId>,
    limit: usize,
) -> Result<Vec<MessageId>, StoreError> {
    let ids: Vec<i64> = conn
        .prepare_cached(
            "SELECT id FROM message WHERE account = ?1 AND receipt_state < 2 AND id > ?2
             ORDER BY id LIMIT ?3",
        )?
        .query_map(params![account, after(a), lim(limit)], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    Ok(ids
        .into_iter()
        .map(|i| MessageId::from_u64(i as u64))
        .collect())
}

/// Open messages in one state (`ACCEPTED` or `ROUTED`), by id.
pub(crate) fn in_state(
    conn: &Connection,
    state: i64,
    a: Option<MessageId>,
    limit: usize,
) -> Result<Vec<MessageRecord>, StoreError> {
    debug_assert!(state == ACCEPTED || state == ROUTED);
    load_ids(
        conn,
        // `state < 3` repeats the partial index's WHERE as a literal: with the state only
        // as a bound parameter SQLite cannot use `message_open` and walks every message
        // row after `a`, final ones included (EXPLAIN QUERY PLAN).
        "SELECT id FROM message WHERE state = ?1 AND state < 3 AND id > ?2
         ORDER BY id LIMIT ?3",
        params![state, after(a), lim(limit)],
    )
}

/// How long past its validity deadline a message a carrier may hold (routed or forwarded)
/// waits for the carrier's own final receipt before smppd ends it EXPIRED. The carrier got
/// the same validity_period and reports around the deadline (DELIVRD just before it, its
/// own EXPIRED just after); expiring at the deadline would race that receipt, and a DELIVRD
/// arriving after smppd's EXPIRED is evidence only: a delivered message reported expired.
pub(crate) const CARRIER_RECEIPT_GRACE_MS: i64 = 10 * 60 * 1000;

pub(crate) fn expiry_candidates(
    conn: &Connection,
    now: i64,
    limit: usize,
) -> Result<Vec<MessageId>, StoreError> {
    let ids: Vec<i64> = conn
        .prepare_cached(
            "SELECT id FROM message WHERE state < 3 AND validity_deadline IS NOT NULL
                 AND validity_deadline <= ?1
                 AND (state = ?3 OR validity_deadline <= ?1 - ?4)
             ORDER BY validity_deadline LIMIT ?2",
        )?
        .query_map(
            params![now, lim(limit), ACCEPTED, CARRIER_RECEIPT_GRACE_MS],
            |r| r.get(0),
        )?
        .collect::<Result<_, _>>()?;
    Ok(ids
        .into_iter()
        .map(|i| MessageId::from_u64(i as u64))
        .collect())
}

pub(crate) fn highest_id(conn: &Connection) -> Result<Option<MessageId>, StoreError> {
    let v: Option<i64> = conn
        .query_row(
            "SELECT MAX(v) FROM (SELECT value AS v FROM meta WHERE key = 'max_id'
                 UNION ALL SELECT MAX(id) FROM message)",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    Ok(v.map(|i| MessageId::from_u64(i as u64)))
}

/// Every open message: (id, queued bytes, forwarded) for the queue view at startup.
pub(crate) fn open_messages(conn: &Connection) -> Result<Vec<(MessageId, u64, bool)>, StoreError> {
    Ok(conn
        .prepare("SELECT id, bytes, state FROM message WHERE state < 3")?
        .query_map([], |r| {
            Ok((
                MessageId::from_u64(r.get::<_, i64>(0)? as u64),
                r.get::<_, i64>(1)? as u64,
                r.get::<_, i64>(2)? == super::schema::FORWARDED,
            ))
        })?
        .collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn message_select_reads_the_columns_message_from_row_expects() {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::super::schema::open_writer(
            &dir.path().join("s.db"),
            crate::store::FsyncPolicy::Never,
        )
        .unwrap();
        let stmt = conn.prepare(MESSAGE_SELECT).unwrap();
        let names = stmt.column_names();
        let expected = [
            "id",
            "account",
            "bind",
            "message_type",
            "segments",
            "concat_ref",
            "concat_total",
            "concat_seq",
            "service_type",
            "source_ton",
            "source_npi",
            "source_addr",
            "dest_ton",
            "dest_npi",
            "dest_addr",
            "esm_class",
            "protocol_id",
            "priority_flag",
            "schedule_delivery_time",
            "validity_period",
            "registered_delivery",
            "replace_if_present_flag",
            "data_coding",
            "sm_default_msg_id",
            "short_message",
            "tlvs",
            "validity_deadline",
            "accepted_at",
            "state",
            "routed_channel",
            "routed_at",
            "route_carrier",
            "route_province",
            "final_state",
            "final_reason",
            "final_at",
            "final_generated",
            "reported_id",
        ];
        assert_eq!(names, expected);
        // Every column of the table is read but the two the record does not carry (a new
        // column must be added here too).
        let stmt = conn.prepare("SELECT * FROM message").unwrap();
        let mut unread: Vec<&str> = stmt
            .column_names()
            .into_iter()
            .filter(|c| !expected.contains(c))
            .collect();
        unread.sort_unstable();
        // The owed receipt's columns are read apart, only by `load`.
        assert_eq!(
            unread,
            [
                "bytes",
                "day",
                "receipt_acked_at",
                "receipt_attempts",
                "receipt_created_at",
                "receipt_last_attempt_at",
                "receipt_state"
            ]
        );
    }
}
