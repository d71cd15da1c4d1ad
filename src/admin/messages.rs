//! `/api/v1/messages`: a message's full lifecycle by smppd id, by carrier id, or the
//! messages and rejections of a recipient in a time range.

use std::time::Duration;

use axum::extract::{Path, State};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::QueryParams;
use super::views::{page_limit, parse_range, MessageView, RejectionView};
use super::{AdminState, ApiError};
use crate::message::MessageId;
use crate::store::HistoryQuery;

/// Default and largest page of a search.
const DEFAULT_LIMIT: usize = 100;
const MAX_LIMIT: usize = 10_000;

/// `GET /messages/{id}`.
pub(crate) async fn by_id(
    State(state): State<AdminState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id: MessageId = id
        .parse()
        .map_err(|e| ApiError::bad_request(format!("{e}")))?;
    let record = state
        .store
        .get(id)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("no message {id}")))?;
    Ok(Json(json!({ "message": MessageView::from(&record) })))
}

/// `GET /messages/by-carrier-id/{carrier_id}`: the carrier id as the carrier sent it.
pub(crate) async fn by_carrier_id(
    State(state): State<AdminState>,
    Path(carrier_id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    if carrier_id.trim().is_empty() {
        return Err(ApiError::bad_request("carrier id is empty"));
    }
    let ids = state.store.find_by_carrier_key(carrier_id.clone()).await?;
    let mut messages = Vec::with_capacity(ids.len());
    for id in ids {
        if let Some(r) = state.store.get(id).await? {
            messages.push(MessageView::from(&r));
        }
    }
    if messages.is_empty() {
        return Err(ApiError::not_found(format!(
            "no message with carrier id {carrier_id:?}"
        )));
    }
    Ok(Json(
        json!({ "carrier_id": carrier_id, "messages": messages }),
    ))
}

/// `?recipient=&account=&from=&to=&limit=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct SearchQuery {
    recipient: Option<String>,
    account: Option<String>,
    from: Option<String>,
    to: Option<String>,
    limit: Option<usize>,
}

/// `GET /messages`: by recipient (and/or account) and time range, default the last 24 h.
pub(crate) async fn search(
    State(state): State<AdminState>,
    QueryParams(q): QueryParams<SearchQuery>,
) -> Result<Json<Value>, ApiError> {
    let recipient = q.recipient.filter(|r| !r.trim().is_empty());
    let account = q.account.filter(|a| !a.trim().is_empty());
    if recipient.is_none() && account.is_none() {
        return Err(ApiError::bad_request("give recipient and/or account"));
    }
    let (from, to) = parse_range(
        q.from.as_deref(),
        q.to.as_deref(),
        Duration::from_secs(24 * 3600),
    )?;
    let limit = page_limit(q.limit, DEFAULT_LIMIT, MAX_LIMIT)?;
    let h = state
        .store
        .history(HistoryQuery {
            account,
            destination: recipient,
            from,
            to,
            limit,
        })
        .await?;
    Ok(Json(json!({
        "from": super::views::ts(from),
        "to": super::views::ts(to),
        "truncated": h.messages.len() >= limit || h.rejections.len() >= limit,
        "messages": h.messages.iter().map(MessageView::from).collect::<Vec<_>>(),
        "rejections": h.rejections.iter().map(RejectionView::from).collect::<Vec<_>>(),
    })))
}
