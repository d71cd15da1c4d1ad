//! Reads an account's billed usage over a time range (to seed the policy quotas at start).

use rusqlite::{params, Connection};

use std::time::SystemTime;

use crate::store::time::to_ms;
use crate::store::{FinalState, StoreError};

use super::schema::{ACCEPTED, FINAL};

/// Segments of the messages accepted for `account` in `[from, to)` that the policy
/// quota counted (see [`crate::store::MessageStore::accepted_segments`]).
///
/// A message that is not part of a client-side concatenated set counts its stored
/// segments: it is stored only after the policy accepted it. A concatenation part counts
/// one segment, as the policy counts a whole set by its parts, except:
/// - parts smppd ended `REJECTD` itself without routing them: the held parts of a set the
///   policy refused, or of a set that never completed (never counted by the quota);
/// - parts still `Accepted` whose set has fewer open parts than its total: held, waiting
///   for the rest; the policy counts the set when it completes.
pub(crate) fn accepted_segments(
    conn: &Connection,
    account: &str,
    from: SystemTime,
    to: SystemTime,
) -> Result<u64, StoreError> {
    let sum: i64 = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(m.segments), 0) FROM message m
             WHERE m.account = ?1 AND m.accepted_at >= ?2 AND m.accepted_at < ?3
               AND (m.concat_ref IS NULL OR (
                   NOT (m.state = ?4 AND m.final_state = ?6
                        AND m.final_generated = 1 AND m.routed_channel IS NULL)
                   AND (m.state <> ?5 OR (
                       SELECT COUNT(*) FROM message s
                       WHERE s.dest_addr = m.dest_addr AND s.account = m.account
                         AND s.source_addr = m.source_addr AND s.concat_ref = m.concat_ref
                         AND s.concat_total = m.concat_total AND s.state = ?5
                   ) >= m.concat_total)))",
        )?
        .query_row(
            params![
                account,
                to_ms(from),
                to_ms(to),
                FINAL,
                ACCEPTED,
                FinalState::Rejected.as_str()
            ],
            |r| r.get(0),
        )?;
    Ok(sum.max(0).unsigned_abs())
}
