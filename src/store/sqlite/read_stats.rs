//! Reads the per-account, per-day statistics.

use std::collections::BTreeMap;

use rusqlite::{params, Connection, Row};

use crate::store::stats::{
    Counters, DailyStats, ReasonCount, RouteCounters, RouteStats, StatsQuery,
};
use crate::store::StoreError;

use super::read::message_type;

pub(crate) fn statistics(conn: &Connection, q: &StatsQuery) -> Result<Vec<DailyStats>, StoreError> {
    let cond = "WHERE (?1 IS NULL OR account = ?1) AND (?2 IS NULL OR day >= ?2)
                AND (?3 IS NULL OR day <= ?3)";
    let args = params![q.account, q.from_day, q.to_day];
    let mut reasons: BTreeMap<(String, String, String), BTreeMap<String, ReasonCount>> =
        BTreeMap::new();
    let rows = conn
        .prepare_cached(&format!(
            "SELECT day, account, message_type, reason, messages, segments FROM stats_rejected {cond}"
        ))?
        .query_map(args, |r| {
            Ok((
                (r.get(0)?, r.get(1)?, r.get(2)?),
                r.get::<_, String>(3)?,
                ReasonCount {
                    messages: r.get::<_, i64>(4)? as u64,
                    segments: r.get::<_, i64>(5)? as u64,
                },
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    for (key, reason, count) in rows {
        reasons.entry(key).or_default().insert(reason, count);
    }
    let counters = |r: &Row<'_>, base: usize| -> rusqlite::Result<Counters> {
        let g = |i: usize| r.get::<_, i64>(base + i).map(|v| v.max(0) as u64);
        Ok(Counters {
            submitted: g(0)?,
            accepted: g(1)?,
            rejected: g(2)?,
            delivered: g(3)?,
            failed: g(4)?,
            expired: g(5)?,
            pending: g(6)?,
        })
    };
    let rows = conn
        .prepare_cached(&format!(
            "SELECT * FROM stats {cond} ORDER BY day, account, message_type"
        ))?
        .query_map(args, |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                counters(r, 3)?,
                counters(r, 10)?,
            ))
        })?
        .collect::<Result<Vec<_>, _>>()?;
    let mut out = Vec::with_capacity(rows.len());
    for (day, account, mtype, messages, segments) in rows {
        let rejected_by_reason = reasons
            .remove(&(day.clone(), account.clone(), mtype.clone()))
            .unwrap_or_default();
        out.push(DailyStats {
            message_type: message_type(&mtype)?,
            day,
            account,
            messages,
            segments,
            rejected_by_reason,
        });
    }
    Ok(out)
}

pub(crate) fn route_statistics(
    conn: &Connection,
    q: &StatsQuery,
) -> Result<Vec<RouteStats>, StoreError> {
    let counters = |r: &Row<'_>, base: usize| -> rusqlite::Result<RouteCounters> {
        let g = |i: usize| r.get::<_, i64>(base + i).map(|v| v.max(0) as u64);
        Ok(RouteCounters {
            routed: g(0)?,
            delivered: g(1)?,
            failed: g(2)?,
            expired: g(3)?,
            pending: g(4)?,
        })
    };
    let label = |s: String| if s.is_empty() { None } else { Some(s) };
    let rows = conn
        .prepare_cached(
            "SELECT * FROM stats_route WHERE (?1 IS NULL OR account = ?1)
                 AND (?2 IS NULL OR day >= ?2) AND (?3 IS NULL OR day <= ?3)
             ORDER BY day, account, channel, carrier, province",
        )?
        .query_map(params![q.account, q.from_day, q.to_day], |r| {
            Ok(RouteStats {
                day: r.get(0)?,
                account: r.get(1)?,
                channel: r.get(2)?,
                carrier: label(r.get(3)?),
                province: label(r.get(4)?),
                messages: counters(r, 5)?,
                segments: counters(r, 10)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}
