//! `/api/v1/policy`: keyword list reload, opt-outs (single and bulk), templates.

use std::time::SystemTime;

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use super::error::{JsonBody, QueryParams};
use super::{AdminState, ApiError};
use crate::message::MessageType;
use crate::policy::recipients::OptOutScope;
use crate::policy::settings::TemplateSpec;

/// Most numbers in one bulk request (bigger lists: several requests).
const MAX_BULK: usize = 100_000;

/// `POST /policy/reload`: re-reads the keyword/regex list files; on error the old rules stay.
pub(crate) async fn reload(State(state): State<AdminState>) -> Result<Json<Value>, ApiError> {
    match state.policy.reload_lists() {
        Ok(n) => {
            tracing::info!(banned_phrases = n, "admin: policy lists reloaded");
            Ok(Json(json!({ "reloaded": true, "banned_phrases": n })))
        }
        Err(e) => {
            tracing::warn!(error = %e, "admin: policy list reload refused, old lists stay");
            Err(ApiError::unprocessable(format!(
                "reload refused, the previous lists stay in force: {e}"
            )))
        }
    }
}

fn scope_of(s: &str) -> Result<OptOutScope, ApiError> {
    match s.trim() {
        "" => Err(ApiError::bad_request(
            "scope is empty: \"global\" or an account id",
        )),
        "global" | "*" => Ok(OptOutScope::Global),
        a => Ok(OptOutScope::Account(a.to_string())),
    }
}

fn scope_name(s: &OptOutScope) -> &str {
    match s {
        OptOutScope::Global => "global",
        OptOutScope::Account(a) => a,
    }
}

/// `?scope=global|<account>`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct ScopeQuery {
    scope: Option<String>,
}

/// `GET /policy/opt-outs`.
pub(crate) async fn list_opt_outs(
    State(state): State<AdminState>,
    QueryParams(q): QueryParams<ScopeQuery>,
) -> Result<Json<Value>, ApiError> {
    let scope = scope_of(q.scope.as_deref().unwrap_or("global"))?;
    let numbers = state.policy.opt_outs().list(&scope);
    Ok(Json(json!({
        "scope": scope_name(&scope),
        "count": numbers.len(),
        "numbers": numbers,
    })))
}

/// One number (`number`) or many (`numbers`) in a scope.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct OptOutChange {
    scope: String,
    number: Option<String>,
    #[serde(default)]
    numbers: Vec<String>,
}

impl OptOutChange {
    fn numbers(self) -> Result<(OptOutScope, Vec<String>), ApiError> {
        let scope = scope_of(&self.scope)?;
        let mut numbers = self.numbers;
        numbers.extend(self.number);
        if numbers.is_empty() {
            return Err(ApiError::bad_request(
                "give \"number\" or a non-empty \"numbers\"",
            ));
        }
        if numbers.len() > MAX_BULK {
            return Err(ApiError::bad_request(format!(
                "{} numbers in one request; at most {MAX_BULK}",
                numbers.len()
            )));
        }
        Ok((scope, numbers))
    }
}

/// `POST /policy/opt-outs`: adds; answers how many were new. Persisted before answering.
pub(crate) async fn add_opt_outs(
    State(state): State<AdminState>,
    JsonBody(change): JsonBody<OptOutChange>,
) -> Result<Json<Value>, ApiError> {
    let (scope, numbers) = change.numbers()?;
    let requested = numbers.len();
    let added = state
        .policy
        .opt_outs()
        .add_bulk(&scope, &numbers)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    tracing::info!(
        scope = scope_name(&scope),
        requested,
        added,
        "admin: opt-outs added"
    );
    Ok(Json(
        json!({ "scope": scope_name(&scope), "requested": requested, "changed": added }),
    ))
}

/// `POST /policy/opt-outs/remove`: removes; answers how many were listed.
pub(crate) async fn remove_opt_outs(
    State(state): State<AdminState>,
    JsonBody(change): JsonBody<OptOutChange>,
) -> Result<Json<Value>, ApiError> {
    let (scope, numbers) = change.numbers()?;
    let requested = numbers.len();
    let removed = state
        .policy
        .opt_outs()
        .remove_bulk(&scope, &numbers)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    tracing::info!(
        scope = scope_name(&scope),
        requested,
        removed,
        "admin: opt-outs removed"
    );
    Ok(Json(
        json!({ "scope": scope_name(&scope), "requested": requested, "changed": removed }),
    ))
}

/// `?account=`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct AccountQuery {
    account: Option<String>,
}

/// `GET /policy/templates`.
pub(crate) async fn list_templates(
    State(state): State<AdminState>,
    QueryParams(q): QueryParams<AccountQuery>,
) -> Result<Json<Value>, ApiError> {
    let accounts = state.accounts.read();
    if let Some(a) = &q.account {
        if !accounts.contains_key(a) {
            return Err(ApiError::not_found(format!("no configured account {a:?}")));
        }
    }
    let templates: Vec<Value> = accounts
        .iter()
        .filter(|(id, _)| q.account.as_ref().is_none_or(|a| a == *id))
        .flat_map(|(id, p)| {
            p.templates.iter().map(move |t| {
                json!({
                    "account": id,
                    "id": t.id,
                    "text": t.text,
                    "message_type": t.message_type,
                })
            })
        })
        .collect();
    Ok(Json(json!({ "templates": templates })))
}

/// A template to approve for an account.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct NewTemplate {
    account: String,
    id: String,
    text: String,
    message_type: MessageType,
}

/// `POST /policy/templates`: approves a template at run time, persisted in the admin
/// overlay (kept across restarts until the config file defines a template of that id).
pub(crate) async fn approve_template(
    State(state): State<AdminState>,
    JsonBody(t): JsonBody<NewTemplate>,
) -> Result<(StatusCode, Json<Value>), ApiError> {
    if t.id.trim().is_empty() || t.text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "template id and text must not be empty",
        ));
    }
    let mut accounts = state.accounts.write();
    let policy = accounts
        .get(&t.account)
        .ok_or_else(|| ApiError::not_found(format!("no configured account {:?}", t.account)))?;
    if policy.templates.iter().any(|x| x.id == t.id) {
        return Err(ApiError::conflict(format!(
            "account {:?} already has a template {:?}",
            t.account, t.id
        )));
    }
    let mut next = policy.clone();
    next.templates.push(TemplateSpec {
        id: t.id.clone(),
        text: t.text.clone(),
        message_type: t.message_type,
    });
    let now = SystemTime::now();
    // Limits changed at run time must survive re-installing the account's policy.
    let limits = state.policy.quota_usage(&t.account, now).map(|u| u.limits);
    // Compiles the template: a malformed one is refused and the account keeps its rules.
    state
        .policy
        .set_account(&t.account, next.clone(), now)
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    if let Some(limits) = limits {
        state.policy.set_limits(&t.account, limits, now);
    }
    let spec = TemplateSpec {
        id: t.id.clone(),
        text: t.text.clone(),
        message_type: t.message_type,
    };
    if let Some(overlay) = &state.overlay {
        if let Err(e) = overlay.record_template(&t.account, spec) {
            // Not persisted: take it back so the answer and the running state agree.
            let old = policy.clone();
            let _ = state.policy.set_account(&t.account, old, now);
            if let Some(limits) = limits {
                state.policy.set_limits(&t.account, limits, now);
            }
            return Err(ApiError::internal(format!("template not approved: {e}")));
        }
    }
    accounts.insert(t.account.clone(), next);
    tracing::info!(account = %t.account, template = %t.id, "admin: template approved");
    Ok((
        StatusCode::CREATED,
        Json(json!({
            "account": t.account,
            "id": t.id,
            "text": t.text,
            "message_type": t.message_type,
            "persisted": state.overlay.is_some(),
        })),
    ))
}
