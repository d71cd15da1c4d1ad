//! Writes on the receipt owed to the client (queued by the finalizing update itself, in
//! the message row): the client's acknowledgement, and the backlog count. Settled
//! receipts move the in-memory backlog counters through [`Effects`], applied only once
//! the batch committed.

use rusqlite::{params, Connection, OptionalExtension};

use crate::message::MessageId;
use crate::store::StoreError;

use super::ops::{db_id, Effects};
use super::schema::RECEIPT_ACKED;

/// Marks the receipt acknowledged. `None`: no receipt is owed for `id`; `Some(false)`:
/// it was acknowledged before; `Some(true)`: acknowledged now. Sending is not a durable
/// write (in flight is the pump's memory; after a crash an unacknowledged receipt is sent
/// again), so the acknowledgement also records that it was sent at least once.
pub(super) fn acknowledge(
    conn: &Connection,
    id: MessageId,
    at: i64,
    effects: &mut Effects,
) -> Result<Option<bool>, StoreError> {
    // A read, then a plain update: `UPDATE … RETURNING` would build a temporary table and
    // a statement journal per acknowledgement.
    let owed: Option<(String, Option<i64>)> = conn
        .prepare_cached("SELECT account, receipt_state FROM message WHERE id = ?1")?
        .query_row([db_id(id)], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let Some((account, Some(state))) = owed else {
        return Ok(None);
    };
    if state >= RECEIPT_ACKED {
        return Ok(Some(false));
    }
    conn.prepare_cached(
        "UPDATE message SET receipt_state = ?3, receipt_acked_at = COALESCE(receipt_acked_at, ?2),
             receipt_attempts = MAX(receipt_attempts, 1),
             receipt_last_attempt_at = COALESCE(receipt_last_attempt_at, ?2)
         WHERE id = ?1",
    )?
    .execute(params![db_id(id), at, RECEIPT_ACKED])?;
    effects.settled.push(account);
    Ok(Some(true))
}

/// Unacknowledged receipts per account, counted from the table.
pub(crate) fn count_backlog(conn: &Connection) -> Result<Vec<(String, u64)>, StoreError> {
    Ok(conn
        .prepare_cached(
            // The literal `< 2` (RECEIPT_ACKED) lets the partial index `message_receipt_due`
            // serve this: a bound parameter would not prove its WHERE.
            "SELECT account, COUNT(*) FROM message WHERE receipt_state < 2
             GROUP BY account ORDER BY account",
        )?
        .query_map([], |r| Ok((r.get(0)?, r.get::<_, i64>(1)? as u64)))?
        .collect::<Result<_, _>>()?)
}
