//! Operational endpoints: `/healthz`, `/readyz`, `/metrics`, log level, drain mode, and the
//! JSON 404/405 answers.

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::JsonBody;
use super::{AdminState, ApiError};
use crate::metrics::{BindCount, Sources};

/// `GET /healthz`: the process answers (liveness; no dependency checked, so a slow store
/// does not get the pod killed).
pub(crate) async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// `GET /readyz`: 200 when the store answers, at least one carrier channel is bound and
/// the process is not draining; 503 otherwise, with the reasons.
pub(crate) async fn readyz(State(state): State<AdminState>) -> impl IntoResponse {
    let store_ok = state.store.highest_message_id().await.is_ok();
    let bound = state
        .channels
        .status()
        .iter()
        .filter(|c| c.sessions_bound > 0)
        .count();
    let draining = state.server.as_ref().is_some_and(|s| s.is_draining());
    let mut reasons = Vec::new();
    if !store_ok {
        reasons.push("store not answering");
    }
    if bound == 0 {
        reasons.push("no carrier channel bound");
    }
    if draining {
        reasons.push("draining");
    }
    let ready = reasons.is_empty();
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (
        status,
        Json(json!({
            "ready": ready,
            "store": store_ok,
            "channels_bound": bound,
            "draining": draining,
            "reasons": reasons,
        })),
    )
}

/// Live binds counted by account and type, for `smppd_binds`.
fn bind_counts(state: &AdminState) -> Vec<BindCount> {
    let mut counts: std::collections::BTreeMap<(String, &'static str), usize> =
        std::collections::BTreeMap::new();
    for b in state.server.as_ref().map(|s| s.binds()).unwrap_or_default() {
        *counts.entry((b.account, b.bind_type)).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|((account, bind_type), count)| BindCount {
            account,
            bind_type,
            count,
        })
        .collect()
}

/// `GET /metrics`: Prometheus text format.
pub(crate) async fn metrics(
    State(state): State<AdminState>,
) -> Result<impl IntoResponse, ApiError> {
    let binds = bind_counts(&state);
    let sources = Sources {
        store: Some(state.store.as_ref()),
        policy: Some(&state.policy),
        channels: Some(&state.channels),
        binds: &binds,
    };
    let text = state
        .metrics
        .render(&sources)
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok((
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        text,
    ))
}

/// `GET /log-level`.
pub(crate) async fn log_level(State(state): State<AdminState>) -> Result<Json<Value>, ApiError> {
    let log = state
        .log
        .as_ref()
        .ok_or_else(|| ApiError::unavailable("log control is not wired in this process"))?;
    Ok(Json(json!({ "filter": log.current() })))
}

/// `{"filter": "info,smppd::server=debug"}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LogLevel {
    filter: String,
}

/// `PUT /log-level`: an invalid filter is refused and the old one stays.
pub(crate) async fn set_log_level(
    State(state): State<AdminState>,
    JsonBody(body): JsonBody<LogLevel>,
) -> Result<Json<Value>, ApiError> {
    let log = state
        .log
        .as_ref()
        .ok_or_else(|| ApiError::unavailable("log control is not wired in this process"))?;
    if body.filter.trim().is_empty() {
        return Err(ApiError::bad_request("filter is empty"));
    }
    log.set(&body.filter).map_err(ApiError::bad_request)?;
    tracing::warn!(filter = %body.filter, "admin: log filter changed");
    Ok(Json(json!({ "filter": log.current() })))
}

/// `POST /config/reload`: the same reload as SIGHUP; a refused reload answers 422 and the
/// old config stays.
pub(crate) async fn reload_config(
    State(state): State<AdminState>,
) -> Result<Json<Value>, ApiError> {
    let reloader = state
        .reloader
        .clone()
        .ok_or_else(|| ApiError::unavailable("config reload is not wired in this process"))?;
    tracing::info!("admin: config reload requested");
    let report = tokio::task::spawn_blocking(move || reloader.reload())
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?
        .map_err(|e| {
            ApiError::unprocessable(format!(
                "reload refused, the previous config stays in force: {e}"
            ))
        })?;
    Ok(Json(json!({ "reloaded": true, "report": report })))
}

fn drain_json(state: &AdminState, draining: bool, unbound: Option<usize>) -> Value {
    let q = state.store.queue_depth();
    json!({
        "draining": draining,
        "binds": state.server.as_ref().map_or(0, |s| s.binds().len()),
        "binds_unbound": unbound,
        "queue": {
            "unsent_messages": q.unsent_messages,
            "open_messages": q.open_messages,
            "oldest_unsent_age_seconds": q.oldest_unsent_age.as_secs_f64(),
        },
    })
}

/// `GET /drain`: drain state and what is still queued.
pub(crate) async fn drain_status(State(state): State<AdminState>) -> Json<Value> {
    let draining = state.server.as_ref().is_some_and(|s| s.is_draining());
    Json(drain_json(&state, draining, None))
}

/// `POST /drain`: stop new binds, unbind clients, let the queues empty.
pub(crate) async fn drain(State(state): State<AdminState>) -> Result<Json<Value>, ApiError> {
    let server = state
        .server
        .as_ref()
        .ok_or_else(|| ApiError::unavailable("bind control is not wired in this process"))?;
    let unbound = server.drain();
    tracing::warn!(unbound, "admin: drain mode on");
    Ok(Json(drain_json(&state, true, Some(unbound))))
}

/// Unknown path.
pub(crate) async fn not_found() -> ApiError {
    ApiError::not_found("no such endpoint (see deploy/openapi.yaml)")
}

/// Known path, wrong method.
pub(crate) async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "method not allowed on this endpoint",
    )
}
