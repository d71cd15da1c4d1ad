//! Retention compaction: deletes final records and rejections past the retention.

use rusqlite::{params, Connection};

use crate::store::{CompactionReport, StoreError};

use super::schema::RECEIPT_ACKED;

pub(super) fn compact(
    conn: &Connection,
    cutoff: i64,
    limit: usize,
) -> Result<CompactionReport, StoreError> {
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
            .prepare_cached("SELECT COUNT(*) FROM message WHERE id = ?1 AND receipt_state < ?2")?
            .query_row(params![id, RECEIPT_ACKED], |r| r.get(0))?;
        report.unacknowledged_receipts += unacked as u64;
        for table in [
            "carrier_submit",
            "carrier_receipt",
            "carrier_key",
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
