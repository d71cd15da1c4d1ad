//! JSON views of store records: timestamps as RFC 3339 UTC, ids as smppd prints them,
//! raw carrier PDUs as hex.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Serialize;

use super::ApiError;
use crate::store::{
    CarrierReceipt, CarrierSubmit, MessageRecord, MessageState, ReceiptState, Rejection,
};

/// RFC 3339 UTC with milliseconds.
pub(crate) fn ts(t: SystemTime) -> String {
    humantime::format_rfc3339_millis(t).to_string()
}

/// Parses a query time: RFC 3339 UTC (`2026-11-28T10:00:00Z`) or Unix seconds.
pub(crate) fn parse_time(name: &str, s: &str) -> Result<SystemTime, ApiError> {
    if let Ok(secs) = s.parse::<u64>() {
        return Ok(UNIX_EPOCH + Duration::from_secs(secs));
    }
    humantime::parse_rfc3339_weak(s).map_err(|e| {
        ApiError::bad_request(format!(
            "{name}: {s:?} is not an RFC 3339 UTC time (2026-11-28T10:00:00Z) or Unix seconds: {e}"
        ))
    })
}

/// A list endpoint's `limit`: `default` when absent, 400 outside `1..=max`.
pub(crate) fn page_limit(
    limit: Option<usize>,
    default: usize,
    max: usize,
) -> Result<usize, ApiError> {
    let n = limit.unwrap_or(default);
    if (1..=max).contains(&n) {
        Ok(n)
    } else {
        Err(ApiError::bad_request(format!("limit must be 1..={max}")))
    }
}

/// Parses an optional `from`/`to` pair; `to` defaults to now, `from` to `default_span` before `to`.
pub(crate) fn parse_range(
    from: Option<&str>,
    to: Option<&str>,
    default_span: Duration,
) -> Result<(SystemTime, SystemTime), ApiError> {
    let to = match to {
        Some(s) => parse_time("to", s)?,
        None => SystemTime::now(),
    };
    let from = match from {
        Some(s) => parse_time("from", s)?,
        None => to.checked_sub(default_span).unwrap_or(UNIX_EPOCH),
    };
    if from > to {
        return Err(ApiError::bad_request("from is after to"));
    }
    Ok((from, to))
}

/// A `YYYY-MM-DD` day (statistics keys).
pub(crate) fn check_day(name: &str, s: &str) -> Result<String, ApiError> {
    let b = s.as_bytes();
    let shape = b.len() == 10
        && b[4] == b'-'
        && b[7] == b'-'
        && b.iter()
            .enumerate()
            .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
    let month = s.get(5..7).and_then(|m| m.parse::<u32>().ok()).unwrap_or(0);
    let day = s
        .get(8..10)
        .and_then(|d| d.parse::<u32>().ok())
        .unwrap_or(0);
    if shape && (1..=12).contains(&month) && (1..=31).contains(&day) {
        Ok(s.to_string())
    } else {
        Err(ApiError::bad_request(format!(
            "{name}: {s:?} is not a day (YYYY-MM-DD)"
        )))
    }
}

const fn state_name(s: MessageState) -> &'static str {
    match s {
        MessageState::Accepted => "accepted",
        MessageState::Routed => "routed",
        MessageState::Forwarded => "forwarded",
        MessageState::Final => "final",
    }
}

const fn receipt_state_name(s: ReceiptState) -> &'static str {
    match s {
        ReceiptState::Pending => "pending",
        ReceiptState::Sent => "sent",
        ReceiptState::Acknowledged => "acknowledged",
    }
}

/// A carrier `submit_sm_resp` as evidence.
#[derive(Debug, Serialize)]
pub(crate) struct SubmitView {
    part: u16,
    channel: String,
    carrier_message_id: Option<String>,
    command_status: u32,
    at: String,
    raw_pdu_hex: String,
    generated_by_smppd: bool,
}

impl From<&CarrierSubmit> for SubmitView {
    fn from(s: &CarrierSubmit) -> Self {
        SubmitView {
            part: s.part,
            channel: s.channel.clone(),
            carrier_message_id: s.carrier_message_id.clone(),
            command_status: s.command_status,
            at: ts(s.at),
            raw_pdu_hex: hex::encode(&s.raw_resp),
            generated_by_smppd: false,
        }
    }
}

/// A carrier receipt as evidence.
#[derive(Debug, Serialize)]
pub(crate) struct ReceiptView {
    part: Option<u16>,
    channel: String,
    at: String,
    raw_pdu_hex: String,
    generated_by_smppd: bool,
}

impl From<&CarrierReceipt> for ReceiptView {
    fn from(r: &CarrierReceipt) -> Self {
        ReceiptView {
            part: r.part,
            channel: r.channel.clone(),
            at: ts(r.at),
            raw_pdu_hex: hex::encode(&r.raw_pdu),
            generated_by_smppd: false,
        }
    }
}

/// One step of a message's life, in time order.
#[derive(Debug, Serialize)]
pub(crate) struct Event {
    at: String,
    event: &'static str,
    detail: String,
}

/// A message with its full lifecycle.
#[derive(Debug, Serialize)]
pub(crate) struct MessageView {
    id: String,
    /// The id the client was given, when not `id` (submit_multi destinations).
    reported_id: Option<String>,
    account: String,
    bind: String,
    message_type: &'static str,
    segments: u16,
    source: String,
    destination: String,
    state: &'static str,
    accepted_at: String,
    final_state: Option<&'static str>,
    final_reason: Option<String>,
    final_at: Option<String>,
    generated_by_smppd: Option<bool>,
    client_receipt: Option<serde_json::Value>,
    lifecycle: Vec<Event>,
    carrier_submits: Vec<SubmitView>,
    carrier_receipts: Vec<ReceiptView>,
}

impl From<&MessageRecord> for MessageView {
    fn from(r: &MessageRecord) -> Self {
        let m = &r.message;
        let mut events: Vec<(SystemTime, Event)> = vec![(
            m.accepted_at,
            Event {
                at: ts(m.accepted_at),
                event: "accepted",
                detail: format!("{} segment(s) from bind {}", m.segments, m.bind),
            },
        )];
        if let Some((route, at)) = &r.routed {
            let detail = format!(
                "to channel {} (carrier {}, province {})",
                route.channel,
                route.carrier.as_deref().unwrap_or("unknown"),
                route.province.as_deref().unwrap_or("unknown")
            );
            events.push((*at, event(*at, "routed", detail)));
        }
        for s in &r.submits {
            let detail = match (&s.carrier_message_id, s.command_status) {
                (Some(id), 0) => format!(
                    "part {} accepted by carrier as {id} on {}",
                    s.part, s.channel
                ),
                (_, st) => format!(
                    "part {} refused by carrier on {} with status 0x{st:08X}",
                    s.part, s.channel
                ),
            };
            events.push((s.at, event(s.at, "carrier_submit_resp", detail)));
        }
        for c in &r.receipts {
            let detail = format!("carrier receipt on {} (part {:?})", c.channel, c.part);
            events.push((c.at, event(c.at, "carrier_receipt", detail)));
        }
        if let Some(f) = &r.final_state {
            let by = if f.generated_by_smppd {
                "smppd"
            } else {
                "carrier"
            };
            let reason = f.reason.as_deref().unwrap_or("-");
            let detail = format!("{} (decided by {by}; reason: {reason})", f.state.as_str());
            events.push((f.at, event(f.at, "final", detail)));
        }
        if let Some(rc) = &r.receipt {
            if let Some(at) = rc.last_attempt_at {
                let detail = format!(
                    "client receipt {} after {} attempt(s)",
                    receipt_state_name(rc.state),
                    rc.attempts
                );
                events.push((at, event(at, "client_receipt", detail)));
            }
        }
        events.sort_by_key(|(t, _)| *t);
        MessageView {
            id: m.id.to_string(),
            reported_id: m.reported_id.map(|r| r.to_string()),
            account: m.account.clone(),
            bind: m.bind.clone(),
            message_type: m.message_type.as_str(),
            segments: m.segments,
            source: m.payload.source.addr.clone(),
            destination: m.payload.destination.addr.clone(),
            state: state_name(r.state),
            accepted_at: ts(m.accepted_at),
            final_state: r.final_state.as_ref().map(|f| f.state.as_str()),
            final_reason: r.final_state.as_ref().and_then(|f| f.reason.clone()),
            final_at: r.final_state.as_ref().map(|f| ts(f.at)),
            generated_by_smppd: r.final_state.as_ref().map(|f| f.generated_by_smppd),
            client_receipt: r.receipt.as_ref().map(|rc| {
                serde_json::json!({
                    "state": receipt_state_name(rc.state),
                    "attempts": rc.attempts,
                    "created_at": ts(rc.created_at),
                    "last_attempt_at": rc.last_attempt_at.map(ts),
                })
            }),
            lifecycle: events.into_iter().map(|(_, e)| e).collect(),
            carrier_submits: r.submits.iter().map(SubmitView::from).collect(),
            carrier_receipts: r.receipts.iter().map(ReceiptView::from).collect(),
        }
    }
}

fn event(at: SystemTime, name: &'static str, detail: String) -> Event {
    Event {
        at: ts(at),
        event: name,
        detail,
    }
}

/// A submit refused before acceptance.
#[derive(Debug, Serialize)]
pub(crate) struct RejectionView {
    id: Option<String>,
    account: String,
    bind: String,
    message_type: &'static str,
    source: String,
    destination: String,
    segments: u16,
    reason: String,
    command_status: u32,
    at: String,
}

impl From<&Rejection> for RejectionView {
    fn from(r: &Rejection) -> Self {
        RejectionView {
            id: r.id.map(|i| i.to_string()),
            account: r.account.clone(),
            bind: r.bind.clone(),
            message_type: r.message_type.as_str(),
            source: r.source.clone(),
            destination: r.destination.clone(),
            segments: r.segments,
            reason: r.reason.clone(),
            command_status: r.command_status,
            at: ts(r.at),
        }
    }
}
