//! `/api/v1/accounts`: list, live quota usage, run-time limits, suspend/resume, kick.

use std::collections::BTreeSet;
use std::time::SystemTime;

use axum::extract::{Path, State};
use axum::Json;
use serde::{Deserialize, Deserializer};
use serde_json::{json, Value};

use super::error::JsonBody;
use super::{AdminState, ApiError, BindSummary, ServerControl};
use crate::policy::quota::QuotaLimits;

/// Every account known to the configuration, the quotas or the live binds.
fn known_accounts(state: &AdminState, binds: &[BindSummary]) -> BTreeSet<String> {
    let mut ids: BTreeSet<String> = state.accounts.read().keys().cloned().collect();
    ids.extend(
        state
            .policy
            .quota_usage_all(SystemTime::now())
            .into_iter()
            .map(|u| u.account),
    );
    ids.extend(binds.iter().map(|b| b.account.clone()));
    ids
}

fn live_binds(state: &AdminState) -> Vec<BindSummary> {
    state.server.as_ref().map(|s| s.binds()).unwrap_or_default()
}

fn account_json(state: &AdminState, id: &str, binds: &[BindSummary]) -> Value {
    let mine: Vec<&BindSummary> = binds.iter().filter(|b| b.account == id).collect();
    json!({
        "account": id,
        "configured": state.accounts.read().contains_key(id),
        "suspended": state.server.as_ref().is_some_and(|s| s.is_suspended(id)),
        "binds": mine,
        "quota": state.policy.quota_usage(id, SystemTime::now()),
    })
}

/// `GET /accounts`.
pub(crate) async fn list(State(state): State<AdminState>) -> Json<Value> {
    let binds = live_binds(&state);
    let accounts: Vec<Value> = known_accounts(&state, &binds)
        .iter()
        .map(|id| account_json(&state, id, &binds))
        .collect();
    Json(json!({ "accounts": accounts }))
}

fn require_known(state: &AdminState, id: &str, binds: &[BindSummary]) -> Result<(), ApiError> {
    if known_accounts(state, binds).contains(id) {
        Ok(())
    } else {
        Err(ApiError::not_found(format!("no account {id:?}")))
    }
}

/// `GET /accounts/{account}`.
pub(crate) async fn show(
    State(state): State<AdminState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let binds = live_binds(&state);
    require_known(&state, &id, &binds)?;
    Ok(Json(account_json(&state, &id, &binds)))
}

/// Distinguishes an absent field (keep) from `null` (remove the cap).
fn present<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A change of quota limits: absent fields are kept; caps set to `null` are removed.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct LimitsChange {
    tps: Option<u32>,
    burst: Option<u32>,
    #[serde(default, deserialize_with = "present")]
    bind_tps: Option<Option<u32>>,
    bind_burst: Option<u32>,
    #[serde(default, deserialize_with = "present")]
    daily_cap: Option<Option<u64>>,
    #[serde(default, deserialize_with = "present")]
    monthly_cap: Option<Option<u64>>,
}

impl LimitsChange {
    fn apply(&self, mut l: QuotaLimits) -> Result<QuotaLimits, ApiError> {
        if self.tps.is_none()
            && self.burst.is_none()
            && self.bind_tps.is_none()
            && self.bind_burst.is_none()
            && self.daily_cap.is_none()
            && self.monthly_cap.is_none()
        {
            return Err(ApiError::bad_request(
                "nothing to change: give tps, burst, bind_tps, bind_burst, daily_cap or monthly_cap",
            ));
        }
        if let Some(tps) = self.tps {
            l.tps = tps;
            // Keep the documented default burst (tps/10) unless one is given.
            l.burst = (tps / 10).max(1);
        }
        if let Some(b) = self.burst {
            if b == 0 {
                return Err(ApiError::bad_request("burst must be at least 1"));
            }
            l.burst = b;
        }
        if let Some(bt) = self.bind_tps {
            l.bind_tps = bt;
        }
        if let Some(b) = self.bind_burst {
            if b == 0 {
                return Err(ApiError::bad_request("bind_burst must be at least 1"));
            }
            l.bind_burst = b;
        }
        if let Some(c) = self.daily_cap {
            l.daily_cap = c;
        }
        if let Some(c) = self.monthly_cap {
            l.monthly_cap = c;
        }
        Ok(l)
    }
}

/// `PUT /accounts/{account}/limits`: takes effect for the next submit; usage is kept.
/// Persisted in the admin overlay before answering (kept across restarts and reloads until
/// the config file changes this account's limits; see `admin::overlay`).
pub(crate) async fn set_limits(
    State(state): State<AdminState>,
    Path(id): Path<String>,
    JsonBody(change): JsonBody<LimitsChange>,
) -> Result<Json<Value>, ApiError> {
    let now = SystemTime::now();
    let current = state
        .policy
        .quota_usage(&id, now)
        .ok_or_else(|| ApiError::not_found(format!("no account {id:?} with quotas")))?;
    let limits = change.apply(current.limits)?;
    // Persisted first: an answer of success means the change survives a restart.
    if let Some(overlay) = &state.overlay {
        overlay
            .record_limits(&id, limits)
            .map_err(|e| ApiError::internal(format!("limits not changed: {e}")))?;
    }
    state.policy.set_limits(&id, limits, now);
    if let Some(p) = state.accounts.write().get_mut(&id) {
        p.tps = limits.tps;
        p.burst = Some(limits.burst);
        p.bind_tps = limits.bind_tps;
        p.bind_burst = Some(limits.bind_burst);
        p.daily_cap = limits.daily_cap;
        p.monthly_cap = limits.monthly_cap;
    }
    tracing::info!(account = %id, ?limits, "admin: quota limits changed");
    Ok(Json(json!({
        "account": id,
        "limits": limits,
        "quota": state.policy.quota_usage(&id, now),
        "persisted": state.overlay.is_some(),
    })))
}

fn server(state: &AdminState) -> Result<&dyn ServerControl, ApiError> {
    state
        .server
        .as_deref()
        .ok_or_else(|| ApiError::unavailable("bind control is not wired in this process"))
}

/// `POST /accounts/{account}/suspend`.
pub(crate) async fn suspend(
    State(state): State<AdminState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let s = server(&state)?;
    require_known(&state, &id, &s.binds())?;
    let unbound = s.suspend(&id);
    tracing::warn!(account = %id, unbound, "admin: account suspended");
    Ok(Json(
        json!({ "account": id, "suspended": true, "binds_unbound": unbound }),
    ))
}

/// `POST /accounts/{account}/resume`.
pub(crate) async fn resume(
    State(state): State<AdminState>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let s = server(&state)?;
    require_known(&state, &id, &s.binds())?;
    if !s.resume(&id) {
        return Err(ApiError::conflict(format!(
            "account {id:?} is not suspended"
        )));
    }
    tracing::warn!(account = %id, "admin: account resumed");
    Ok(Json(json!({ "account": id, "suspended": false })))
}

/// `DELETE /accounts/{account}/binds/{session}`.
pub(crate) async fn kick(
    State(state): State<AdminState>,
    Path((id, session)): Path<(String, String)>,
) -> Result<Json<Value>, ApiError> {
    let session: u64 = session
        .parse()
        .map_err(|_| ApiError::bad_request(format!("session {session:?} is not a number")))?;
    let s = server(&state)?;
    if !s.kick(&id, session) {
        return Err(ApiError::not_found(format!(
            "no live bind {session} of account {id:?}"
        )));
    }
    tracing::warn!(account = %id, session, "admin: bind kicked");
    Ok(Json(
        json!({ "account": id, "session": session, "kicked": true }),
    ))
}
