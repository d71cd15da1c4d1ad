//! `/api/v1/stats` (per account, day and message type, with the reconciliation shown) and
//! `/api/v1/billing.csv` (billable = accepted segments, as carriers bill).

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::QueryParams;
use super::views::check_day;
use super::{AdminState, ApiError};
use crate::store::{Counters, DailyStats, RouteCounters, RouteStats, StatsQuery};

/// `?account=&from=&to=` with days as `YYYY-MM-DD` (inclusive).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct StatsParams {
    account: Option<String>,
    from: Option<String>,
    to: Option<String>,
}

impl StatsParams {
    fn query(self) -> Result<StatsQuery, ApiError> {
        let from_day = self.from.map(|d| check_day("from", &d)).transpose()?;
        let to_day = self.to.map(|d| check_day("to", &d)).transpose()?;
        if let (Some(f), Some(t)) = (&from_day, &to_day) {
            if f > t {
                return Err(ApiError::bad_request("from is after to"));
            }
        }
        Ok(StatsQuery {
            account: self.account.filter(|a| !a.trim().is_empty()),
            from_day,
            to_day,
        })
    }
}

fn counters(c: &Counters) -> Value {
    json!({
        "submitted": c.submitted,
        "accepted": c.accepted,
        "rejected": c.rejected,
        "delivered": c.delivered,
        "failed": c.failed,
        "expired": c.expired,
        "pending": c.pending,
    })
}

/// Both identities spelled out, so an operator sees which one fails, if any.
fn reconciliation(c: &Counters) -> Value {
    let submitted = c.submitted == c.accepted + c.rejected;
    let accepted = c.accepted == c.delivered + c.failed + c.expired + c.pending;
    json!({
        "holds": submitted && accepted,
        "submitted_eq_accepted_plus_rejected": submitted,
        "accepted_eq_delivered_failed_expired_pending": accepted,
        "text": format!(
            "submitted {} = accepted {} + rejected {}; accepted {} = delivered {} + failed {} + expired {} + pending {}",
            c.submitted, c.accepted, c.rejected, c.accepted, c.delivered, c.failed, c.expired, c.pending
        ),
    })
}

fn day_json(d: &DailyStats) -> Value {
    let reasons: BTreeMap<&str, Value> = d
        .rejected_by_reason
        .iter()
        .map(|(r, n)| {
            (
                r.as_str(),
                json!({ "messages": n.messages, "segments": n.segments }),
            )
        })
        .collect();
    json!({
        "day": d.day,
        "account": d.account,
        "message_type": d.message_type,
        "messages": counters(&d.messages),
        "segments": counters(&d.segments),
        "rejected_by_reason": reasons,
        "reconciliation": reconciliation(&d.messages),
    })
}

fn route_counters(c: &RouteCounters) -> Value {
    json!({
        "routed": c.routed,
        "delivered": c.delivered,
        "failed": c.failed,
        "expired": c.expired,
        "pending": c.pending,
    })
}

fn route_json(r: &RouteStats) -> Value {
    let m = &r.messages;
    json!({
        "day": r.day,
        "account": r.account,
        "channel": r.channel,
        "carrier": r.carrier,
        "province": r.province,
        "messages": route_counters(m),
        "segments": route_counters(&r.segments),
        "reconciliation": {
            "holds": m.reconciles(),
            "text": format!(
                "routed {} = delivered {} + failed {} + expired {} + pending {}",
                m.routed, m.delivered, m.failed, m.expired, m.pending
            ),
        },
    })
}

/// `GET /stats`.
pub(crate) async fn statistics(
    State(state): State<AdminState>,
    QueryParams(p): QueryParams<StatsParams>,
) -> Result<Json<Value>, ApiError> {
    let query = p.query()?;
    let rows = state.store.statistics(query.clone()).await?;
    let routes = state.store.route_statistics(query.clone()).await?;
    let mut messages = Counters::default();
    let mut segments = Counters::default();
    for r in &rows {
        messages.add(&r.messages);
        segments.add(&r.segments);
    }
    Ok(Json(json!({
        "account": query.account,
        "from": query.from_day,
        "to": query.to_day,
        "days": rows.iter().map(day_json).collect::<Vec<_>>(),
        "by_route": routes.iter().map(route_json).collect::<Vec<_>>(),
        "totals": { "messages": counters(&messages), "segments": counters(&segments) },
        "reconciliation": reconciliation(&messages),
    })))
}

/// Quotes a CSV field when it needs it (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The CSV header of the billing export.
pub(crate) const BILLING_HEADER: &str = "day,account,message_type,accepted_messages,billable_segments,delivered_segments,failed_segments,expired_segments,pending_segments";

/// `GET /billing.csv`: one row per day, account and type.
pub(crate) async fn billing_csv(
    State(state): State<AdminState>,
    QueryParams(p): QueryParams<StatsParams>,
) -> Result<impl IntoResponse, ApiError> {
    let rows = state.store.statistics(p.query()?).await?;
    let mut out = String::from(BILLING_HEADER);
    out.push('\n');
    for r in &rows {
        let s = &r.segments;
        out.push_str(&format!(
            "{},{},{},{},{},{},{},{},{}\n",
            csv_field(&r.day),
            csv_field(&r.account),
            r.message_type,
            r.messages.accepted,
            s.accepted,
            s.delivered,
            s.failed,
            s.expired,
            s.pending
        ));
    }
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"smppd-billing.csv\"",
            ),
        ],
        out,
    ))
}
