//! `/api/v1/evidence`: the carrier's own records for an account and period, to answer a
//! customer who disputes deliveries (service terms: 扣量 disputes). Every carrier
//! `submit_sm_resp` and receipt is exported exactly as received (hex) with its time and
//! channel; a final state smppd decided itself (expiry, rejection) is marked as such.

use std::time::Duration;

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::QueryParams;
use super::views::{page_limit, parse_range, ts, ReceiptView, SubmitView};
use super::{AdminState, ApiError};
use crate::store::HistoryQuery;

const DEFAULT_LIMIT: usize = 1_000;
const MAX_LIMIT: usize = 50_000;

/// `?account=&from=&to=&limit=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct EvidenceQuery {
    account: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<usize>,
}

/// `GET /evidence`.
pub(crate) async fn export(
    State(state): State<AdminState>,
    QueryParams(q): QueryParams<EvidenceQuery>,
) -> Result<Json<Value>, ApiError> {
    let account = q
        .account
        .filter(|a| !a.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("account is required"))?;
    let (from, to) = parse_range(
        q.from.as_deref(),
        q.to.as_deref(),
        Duration::from_secs(24 * 3600),
    )?;
    let limit = page_limit(q.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let h = state
        .store
        .history(HistoryQuery {
            account: Some(account.clone()),
            destination: None,
            from,
            to,
            limit,
        })
        .await?;
    let messages: Vec<Value> = h
        .messages
        .iter()
        .map(|r| {
            let m = &r.message;
            json!({
                "id": m.id.to_string(),
                "destination": m.payload.destination.addr,
                "segments": m.segments,
                "accepted_at": ts(m.accepted_at),
                "carrier_submits": r.submits.iter().map(SubmitView::from).collect::<Vec<_>>(),
                "carrier_receipts": r.receipts.iter().map(ReceiptView::from).collect::<Vec<_>>(),
                "final": r.final_state.as_ref().map(|f| json!({
                    "state": f.state.as_str(),
                    "reason": f.reason,
                    "at": ts(f.at),
                    "generated_by_smppd": f.generated_by_smppd,
                })),
            })
        })
        .collect();
    Ok(Json(json!({
        "account": account,
        "from": ts(from),
        "to": ts(to),
        "truncated": h.messages.len() >= limit,
        "messages": messages,
    })))
}
