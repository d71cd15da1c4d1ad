//! Writes that create records: an accepted message, a rejection.

use rusqlite::{params, Connection, ErrorCode};

use crate::store::record::{NewMessage, Rejection};
use crate::store::time::{stats_day, to_ms};
use crate::store::StoreError;

use super::ops::{db_id, Effects, QueueEffect};

pub(super) fn accept(
    conn: &Connection,
    m: &NewMessage,
    offset: i32,
    effects: &mut Effects,
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
             validity_deadline, accepted_at, bytes, reported_id, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
             ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, 0)",
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
        m.reported_id.map(db_id),
    ]);
    match inserted {
        Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == ErrorCode::ConstraintViolation => {
            return Err(StoreError::Duplicate(m.id));
        }
        other => other?,
    };
    let s = i64::from(m.segments);
    let key = (day.as_str(), m.account.as_str(), m.message_type.as_str());
    effects.bump(key, [1, 1, 0, 0, 0, 0, 1], [s, s, 0, 0, 0, 0, s]);
    effects.raise_max_id(m.id);
    effects.queue.push(QueueEffect::Open {
        id: m.id,
        bytes: bytes as u64,
    });
    Ok(())
}

pub(super) fn reject(
    conn: &Connection,
    r: &Rejection,
    offset: i32,
    effects: &mut Effects,
) -> Result<(), StoreError> {
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
    effects.bump(key, [1, 0, 1, 0, 0, 0, 0], [s, 0, s, 0, 0, 0, 0]);
    effects.rejected(key, &r.reason, s);
    if let Some(id) = r.id {
        effects.raise_max_id(id);
    }
    Ok(())
}
