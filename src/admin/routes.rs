//! `/api/v1/channels` (live upstream status) and `/api/v1/routes/explain`.

use axum::extract::State;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::QueryParams;
use super::{AdminState, ApiError};
use crate::message::MessageType;
use crate::routing::{NumberHint, RouteQuery};

/// `GET /channels`.
pub(crate) async fn channels(State(state): State<AdminState>) -> Json<Value> {
    Json(json!({ "channels": state.channels.status() }))
}

/// `?number=&account=&message_type=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ExplainQuery {
    number: Option<String>,
    account: Option<String>,
    message_type: Option<String>,
}

/// `GET /routes/explain`: why a message to `number` would take its route, against the
/// live channel state.
pub(crate) async fn explain(
    State(state): State<AdminState>,
    QueryParams(q): QueryParams<ExplainQuery>,
) -> Result<Json<Value>, ApiError> {
    let number = q
        .number
        .filter(|n| !n.trim().is_empty())
        .ok_or_else(|| ApiError::bad_request("number is required"))?;
    let account = q.account.unwrap_or_default();
    let message_type: MessageType = match q.message_type.as_deref() {
        None | Some("") => MessageType::BusinessNotice,
        Some(t) => t
            .parse()
            .map_err(|e| ApiError::bad_request(format!("{e}")))?,
    };
    let query = RouteQuery {
        account: &account,
        destination: &number,
        hint: NumberHint::Unknown,
        message_type,
    };
    let channels = state.channels.clone();
    let health = move |c: &str| channels.is_available(c);
    let ex = state
        .routes
        .current()
        .explain_with(&query, &health, &mut rand::thread_rng());
    let destination = match &ex.destination {
        Ok(d) => json!({
            "e164": d.number.e164,
            "national": d.number.national,
            "country": d.number.country,
            "carrier": d.carrier.to_string(),
            "carrier_source": d.carrier_source.to_string(),
            "province": d.province.map(|p| p.to_string()),
        }),
        Err(e) => json!({ "error": e.to_string() }),
    };
    let rules: Vec<Value> = ex
        .rules
        .iter()
        .map(|r| match &r.verdict {
            Ok(why) => json!({ "rule": r.label, "matched": true, "why": why }),
            Err(why) => json!({ "rule": r.label, "matched": false, "why": why }),
        })
        .collect();
    let groups: Vec<Value> = ex
        .groups
        .iter()
        .map(|g| {
            json!({
                "group": g.group,
                "channels": g.channels.iter().map(|c| json!({
                    "channel": c.channel,
                    "weight": c.weight,
                    "skipped": c.skipped,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let error = ex
        .error
        .as_ref()
        .map(ToString::to_string)
        .or_else(|| ex.destination.as_ref().err().map(ToString::to_string));
    Ok(Json(json!({
        "number": ex.input,
        "account": ex.account,
        "message_type": ex.message_type,
        "destination": destination,
        "rules": rules,
        "groups": groups,
        "chosen": ex.chosen.as_ref().map(|(g, c)| json!({ "group": g, "channel": c })),
        "error": error,
        "text": ex.to_string(),
    })))
}
