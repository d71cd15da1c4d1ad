//! The message history of an account or a recipient over a time range (the admin API's
//! and the CLI's lookups), with the rejections of the same range.

use rusqlite::{params, Connection};

use crate::message::MessageId;
use crate::store::record::Rejection;
use crate::store::time::from_ms;
use crate::store::{History, HistoryQuery, StoreError};

use super::read::{lim, load_ids, message_type};

/// Messages to one recipient (`?4`) accepted in `?1..=?2` (of account `?3` when not NULL),
/// at most `?5`, among ids `?6..=?7`. `message_recipient` is keyed by id bucket first
/// (`id >> 10`, see the schema), so this walks the buckets present in the id range (a
/// primary-key seek each, skipping empty ones) and looks the recipient up in each.
/// `CROSS JOIN` and `INDEXED BY` pin that plan: left to itself (no `ANALYZE` statistics)
/// SQLite may walk `message_account` instead when an account is given too.
const RECIPIENT_SQL: &str = "
WITH RECURSIVE bucket(b) AS (
    SELECT (SELECT id >> 10 FROM message WHERE id >= ?6 ORDER BY id LIMIT 1)
    UNION ALL
    SELECT (SELECT id >> 10 FROM message WHERE id >= (b + 1) << 10 ORDER BY id LIMIT 1)
    FROM bucket WHERE b IS NOT NULL AND b < ?7 >> 10
)
SELECT m.id FROM bucket CROSS JOIN message AS m INDEXED BY message_recipient
    ON m.id >> 10 = bucket.b AND m.dest_addr = ?4
WHERE m.accepted_at BETWEEN ?1 AND ?2 AND (?3 IS NULL OR m.account = ?3)
ORDER BY m.accepted_at, m.id LIMIT ?5";

/// How far a message's id may be from its acceptance time, in seconds, for the recipient
/// lookup (which walks ids): an id is allocated just before acceptance, and runs ahead of
/// the clock only by the seconds the allocator borrows after the clock stepped back or
/// across quick restarts (`message::id`). A message whose id is further from its acceptance
/// (the clock stepped back by more than this) is not found by recipient; by id, account
/// and carrier key it still is. Each second of margin costs the probes of its traffic.
const ID_TIME_MARGIN_S: i64 = 600;

/// The id range allocated in the seconds of `from_ms..=to_ms`, widened by the margin.
fn id_range(from_ms: i64, to_ms: i64) -> (i64, i64) {
    // Where the second starts in an id (the sequence's width), from the public layout.
    let shift = MessageId::from_u64(u64::MAX).unix_seconds().leading_zeros();
    let max_second = i64::MAX >> shift;
    let second =
        |ms: i64, margin: i64| (ms.div_euclid(1000).saturating_add(margin)).clamp(0, max_second);
    let lo = second(from_ms, -ID_TIME_MARGIN_S) << shift;
    let hi = second(to_ms, ID_TIME_MARGIN_S) << shift | ((1 << shift) - 1);
    (lo, hi)
}

pub(crate) fn history(conn: &Connection, q: &HistoryQuery) -> Result<History, StoreError> {
    // Conditions are built so SQLite can use the (account, time) index; by recipient the
    // messages come from `message_recipient` ([`RECIPIENT_SQL`]), the rejections from
    // `rejection_dest`.
    let mut cond = String::from("WHERE %T BETWEEN ?1 AND ?2");
    if q.account.is_some() {
        cond.push_str(" AND account = ?3");
    }
    let from = crate::store::time::to_ms(q.from);
    let to = crate::store::time::to_ms(q.to);
    let args = params![from, to, q.account, q.destination, lim(q.limit)];
    let messages = if q.destination.is_some() {
        let (lo, hi) = id_range(from, to);
        let args = params![from, to, q.account, q.destination, lim(q.limit), lo, hi];
        load_ids(conn, RECIPIENT_SQL, args)?
    } else {
        let msg_sql = format!(
            "SELECT id FROM message {} ORDER BY accepted_at, id LIMIT ?5",
            cond.replace("%T", "accepted_at")
        );
        load_ids(conn, &msg_sql, args)?
    };
    if q.destination.is_some() {
        cond.push_str(" AND dest_addr = ?4");
    }
    let rej_sql = format!(
        "SELECT id, account, bind, message_type, source_addr, dest_addr, segments, reason,
             command_status, at FROM rejection {} ORDER BY at, seq LIMIT ?5",
        cond.replace("%T", "at")
    );
    let mut rejections = Vec::new();
    let rows = conn
        .prepare_cached(&rej_sql)?
        .query_map(args, |r| {
            Ok((
                r.get::<_, Option<i64>>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, u16>(6)?,
                r.get::<_, String>(7)?,
                r.get::<_, u32>(8)?,
                r.get::<_, i64>(9)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (id, account, bind, mtype, source, destination, segments, reason, status, at) in rows {
        rejections.push(Rejection {
            id: id.map(|i| MessageId::from_u64(i as u64)),
            account,
            bind,
            message_type: message_type(&mtype)?,
            source,
            destination,
            segments,
            reason,
            command_status: status,
            at: from_ms(at),
        });
    }
    Ok(History {
        messages,
        rejections,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_recipient_lookup_seeks_and_never_scans_the_message_table() {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::super::schema::open_writer(
            &dir.path().join("s.db"),
            crate::store::FsyncPolicy::Never,
        )
        .unwrap();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {RECIPIENT_SQL}"))
            .unwrap()
            .query_map(params![0, 1, "a", "8613800138000", 10, 0, 1], |r| {
                r.get::<_, String>(3)
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|l| l.contains("USING INDEX message_recipient")),
            "{plan:#?}"
        );
        assert!(!plan.iter().any(|l| l.starts_with("SCAN m")), "{plan:#?}");
    }

    #[test]
    fn the_id_range_covers_the_seconds_with_a_margin() {
        let (lo, hi) = id_range(10_000_500, 10_001_000);
        assert_eq!(lo, (10_000 - ID_TIME_MARGIN_S) << 28);
        assert_eq!(hi, ((10_001 + ID_TIME_MARGIN_S + 1) << 28) - 1);
        // The epoch and the far future stay in range.
        assert_eq!(id_range(0, i64::MAX), (0, i64::MAX));
    }
}
