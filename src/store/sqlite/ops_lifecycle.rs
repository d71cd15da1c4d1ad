//! Writes along a message's lifecycle: routed, forwarded, carrier receipts, final state,
//! the client receipt's delivery.

use rusqlite::{params, Connection, OptionalExtension};

use crate::message::MessageId;
use crate::store::record::{
    CarrierReceipt, CarrierSubmit, FinalRecord, FinalReport, FinalSource, FinalState,
    FinalizeOutcome, ForwardOutcome, MessageState, OwedReceipt, ReceiptState, Route,
};
use crate::store::stats::final_column;
use crate::store::time::{from_ms, to_ms};
use crate::store::StoreError;

use super::ops::{db_id, state_of, Effects, OpResult, QueueEffect, RouteKey};
use super::read::message_with_day;
use super::schema::{FINAL, FORWARDED, RECEIPT_PENDING, ROUTED};

/// The columns every lifecycle write needs.
struct Placed {
    state: i64,
    day: String,
    account: String,
    segments: i64,
    /// `(channel, carrier, province)` with unknown labels as empty strings.
    route: Option<(String, String, String)>,
    /// The `stat:` word of a final message.
    final_state: Option<String>,
}

impl Placed {
    fn route_key(&self, r: &(String, String, String)) -> RouteKey {
        (
            self.day.clone(),
            self.account.clone(),
            r.0.clone(),
            r.1.clone(),
            r.2.clone(),
        )
    }
}

/// `(channel, carrier, province)` as the statistics key them (unknown labels empty).
fn labels(route: &Route) -> (String, String, String) {
    (
        route.channel.clone(),
        route.carrier.clone().unwrap_or_default(),
        route.province.clone().unwrap_or_default(),
    )
}

fn placed(conn: &Connection, id: MessageId) -> Result<Placed, StoreError> {
    conn.prepare_cached(
        "SELECT state, day, account, segments, routed_channel, route_carrier, route_province,
             final_state
         FROM message WHERE id = ?1",
    )?
    .query_row([db_id(id)], |r| {
        let channel: Option<String> = r.get(4)?;
        let carrier: Option<String> = r.get(5)?;
        let province: Option<String> = r.get(6)?;
        Ok(Placed {
            state: r.get(0)?,
            day: r.get(1)?,
            account: r.get(2)?,
            segments: r.get(3)?,
            route: channel.map(|c| (c, carrier.unwrap_or_default(), province.unwrap_or_default())),
            final_state: r.get(7)?,
        })
    })
    .optional()?
    .ok_or(StoreError::UnknownMessage(id))
}

pub(super) fn route(
    conn: &Connection,
    id: MessageId,
    route: &Route,
    at: i64,
    effects: &mut Effects,
) -> Result<OpResult, StoreError> {
    let p = placed(conn, id)?;
    if p.state >= FINAL {
        return Ok(OpResult::Done);
    }
    let new = labels(route);
    let s = p.segments;
    match &p.route {
        Some(old) if *old == new => {}
        Some(old) => {
            // Failover: the message now counts on its new route only.
            effects.route(p.route_key(old), [-1, 0, 0, 0, -1], [-s, 0, 0, 0, -s]);
            effects.route(p.route_key(&new), [1, 0, 0, 0, 1], [s, 0, 0, 0, s]);
        }
        None => effects.route(p.route_key(&new), [1, 0, 0, 0, 1], [s, 0, 0, 0, s]),
    }
    conn.prepare_cached(
        "UPDATE message SET state = MAX(state, ?2), routed_channel = ?3, route_carrier = ?4,
             route_province = ?5, routed_at = ?6 WHERE id = ?1",
    )?
    .execute(params![
        db_id(id),
        ROUTED,
        route.channel,
        route.carrier,
        route.province,
        at
    ])?;
    Ok(OpResult::Done)
}

/// Records one part's carrier response; with `route`, also where the message went (what
/// [`route`] does, folded into the same row update: one lookup and one index move).
pub(super) fn forward(
    conn: &Connection,
    id: MessageId,
    s: &CarrierSubmit,
    route: Option<&Route>,
    keys: &[String],
    effects: &mut Effects,
) -> Result<OpResult, StoreError> {
    let p = placed(conn, id)?;
    let state = p.state;
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
    let parts = if state < FORWARDED && p.segments <= 1 && s.command_status == 0 {
        // The common case needs no count: one successful part forwards a one-part
        // message, so an earlier success would have left it `Forwarded` already.
        1
    } else {
        successful_parts(conn, id)?
    };
    let mut new_state = state;
    if state < FINAL && state != FORWARDED {
        let n = p.segments;
        match (&p.route, route) {
            (Some(old), Some(r)) => {
                let new = labels(r);
                if *old != new {
                    // Failover: the message now counts on its new route only.
                    effects.route(p.route_key(old), [-1, 0, 0, 0, -1], [-n, 0, 0, 0, -n]);
                    effects.route(p.route_key(&new), [1, 0, 0, 0, 1], [n, 0, 0, 0, n]);
                }
            }
            (None, Some(r)) => {
                effects.route(p.route_key(&labels(r)), [1, 0, 0, 0, 1], [n, 0, 0, 0, n]);
            }
            (None, None) => {
                // Forwarded without a route: count it on the channel that sent it.
                let key = p.route_key(&(s.channel.clone(), String::new(), String::new()));
                effects.route(key, [1, 0, 0, 0, 1], [n, 0, 0, 0, n]);
            }
            (Some(_), None) => {}
        }
        new_state = if parts >= p.segments.max(1) {
            FORWARDED
        } else {
            ROUTED
        };
        match route {
            Some(r) => conn
                .prepare_cached(
                    "UPDATE message SET state = ?2, routed_channel = ?3, route_carrier = ?4,
                         route_province = ?5, routed_at = ?6 WHERE id = ?1",
                )?
                .execute(params![
                    db_id(id),
                    new_state,
                    r.channel,
                    r.carrier,
                    r.province,
                    to_ms(s.at)
                ])?,
            None => conn
                .prepare_cached(
                    "UPDATE message SET state = ?2, routed_channel = COALESCE(routed_channel, ?3),
                         routed_at = COALESCE(routed_at, ?4) WHERE id = ?1",
                )?
                .execute(params![db_id(id), new_state, s.channel, to_ms(s.at)])?,
        };
        if new_state == FORWARDED {
            effects.queue.push(QueueEffect::Forwarded(id));
        }
    } else if state >= FINAL && p.route.is_none() && s.command_status == 0 {
        route_after_final(conn, id, &p, route, s, effects)?;
    }
    Ok(OpResult::Forward(ForwardOutcome {
        state: state_of(new_state),
        parts_forwarded: u16::try_from(parts).unwrap_or(u16::MAX),
    }))
}

/// A fast carrier's receipt ended the message before its first carrier response was
/// stored, so `finalize` found no route to count it on. The route it went out on is
/// recorded now and counted with the final state (once: the route is then set), so route
/// statistics add up to what the carriers were sent and the lookup shows where it went.
fn route_after_final(
    conn: &Connection,
    id: MessageId,
    p: &Placed,
    route: Option<&Route>,
    s: &CarrierSubmit,
    effects: &mut Effects,
) -> Result<(), StoreError> {
    let Some(state) = p.final_state.as_deref().and_then(FinalState::from_stat) else {
        return Ok(());
    };
    let new = match route {
        Some(r) => labels(r),
        None => (s.channel.clone(), String::new(), String::new()),
    };
    let (col, n) = (final_index(state), p.segments);
    let (mut msgs, mut segs) = ([0i64; 5], [0i64; 5]);
    (msgs[0], msgs[1 + col], segs[0], segs[1 + col]) = (1, 1, n, n);
    effects.route(p.route_key(&new), msgs, segs);
    conn.prepare_cached(
        "UPDATE message SET routed_channel = ?2, route_carrier = ?3, route_province = ?4,
             routed_at = ?5 WHERE id = ?1",
    )?
    .execute(params![
        db_id(id),
        new.0,
        route.and_then(|r| r.carrier.as_deref()),
        route.and_then(|r| r.province.as_deref()),
        to_ms(s.at)
    ])?;
    Ok(())
}

/// Index of delivered/failed/expired in the final counters (statistics: after submitted,
/// accepted, rejected; route statistics: after routed).
fn final_index(state: FinalState) -> usize {
    match final_column(state) {
        "delivered" => 0,
        "failed" => 1,
        _ => 2,
    }
}

/// Distinct parts with a successful carrier response (deduplicated here: `COUNT(DISTINCT)`
/// builds a temporary B-tree per call).
fn successful_parts(conn: &Connection, id: MessageId) -> Result<i64, StoreError> {
    let mut parts: Vec<u16> = conn
        .prepare_cached("SELECT part FROM carrier_submit WHERE id = ?1 AND command_status = 0")?
        .query_map([db_id(id)], |r| r.get(0))?
        .collect::<Result<_, _>>()?;
    parts.sort_unstable();
    parts.dedup();
    Ok(parts.len() as i64)
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
    effects: &mut Effects,
) -> Result<OpResult, StoreError> {
    // One read serves the checks, the statistics and the owed receipt's feed record.
    let (mut rec, mtype, day) =
        message_with_day(conn, id)?.ok_or(StoreError::UnknownMessage(id))?;
    if let FinalSource::Carrier(receipt) = &report.source {
        insert_receipt(conn, id, receipt)?;
    }
    if rec.state == MessageState::Final {
        let old =
            rec.final_state.as_ref().map(|f| f.state).ok_or_else(|| {
                StoreError::Corrupt(format!("message {id} final without a state"))
            })?;
        return Ok(OpResult::Finalize(FinalizeOutcome::AlreadyFinal(old)));
    }
    // SMPP 3.4 §5.2.17: bits 1..0 of registered_delivery: 01 = receipt on success or
    // failure, 10 = receipt on failure only.
    let owed = match rec.message.payload.registered_delivery & 0x03 {
        0x01 => true,
        0x02 => report.state != FinalState::Delivered,
        _ => false,
    };
    // The owed receipt is queued in the same row update (pending, no attempt yet).
    conn.prepare_cached(
        "UPDATE message SET state = 3, final_state = ?2, final_reason = ?3, final_at = ?4,
             final_generated = ?5,
             receipt_state = CASE WHEN ?6 THEN COALESCE(receipt_state, ?7) END,
             receipt_attempts = CASE WHEN ?6 THEN COALESCE(receipt_attempts, 0) END,
             receipt_created_at = CASE WHEN ?6 THEN COALESCE(receipt_created_at, ?4) END
         WHERE id = ?1",
    )?
    .execute(params![
        db_id(id),
        report.state.as_str(),
        report.reason,
        to_ms(report.at),
        matches!(report.source, FinalSource::GeneratedBySmppd),
        owed,
        RECEIPT_PENDING,
    ])?;
    let col = final_index(report.state);
    let s = i64::from(rec.message.segments);
    let (mut msgs, mut segs) = ([0i64; 7], [0i64; 7]);
    (msgs[3 + col], msgs[6], segs[3 + col], segs[6]) = (1, -1, s, -s);
    effects.bump((&day, &rec.message.account, &mtype), msgs, segs);
    if let Some((r, _)) = &rec.routed {
        let (mut msgs, mut segs) = ([0i64; 5], [0i64; 5]);
        (msgs[1 + col], msgs[4], segs[1 + col], segs[4]) = (1, -1, s, -s);
        let (channel, carrier, province) = labels(r);
        let key = (day, rec.message.account.clone(), channel, carrier, province);
        effects.route(key, msgs, segs);
    }
    if owed {
        // The message as this transaction leaves it, for the pump's feed (it builds the
        // client's deliver_sm without reading the store).
        let at = from_ms(to_ms(report.at));
        rec.state = MessageState::Final;
        rec.final_state = Some(FinalRecord {
            state: report.state,
            reason: report.reason.clone(),
            at,
            generated_by_smppd: matches!(report.source, FinalSource::GeneratedBySmppd),
        });
        rec.receipt = Some(OwedReceipt {
            state: ReceiptState::Pending,
            attempts: 0,
            created_at: at,
            last_attempt_at: None,
        });
        effects.owed.push(rec);
    }
    effects.queue.push(QueueEffect::Closed(id));
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
