//! The operator's HTTP + JSON API on its own listener (never the SMPP port): accounts and
//! quotas, policy lists, channels and routes, message lookups with delivery evidence,
//! statistics and billing, `/metrics`, health probes, log level and drain mode.
//!
//! - Off unless `[admin] listen` is set. With `token` set, every endpoint but `/healthz`
//!   and `/readyz` needs `Authorization: Bearer <token>`; without one, [`serve`] refuses
//!   to listen on a wildcard address (0.0.0.0 / ::), so an open API is loopback-only.
//! - The API is described in `deploy/openapi.yaml` (a test checks the server against it).
//! - [`AdminState`] is a struct of handles the composition root builds once; the admin
//!   API owns no data of its own: run-time limit and template changes go to the
//!   [`Overlay`] file next to the store.

mod accounts;
mod auth;
mod config;
mod control;
mod error;
mod evidence;
pub mod logging;
mod messages;
mod ops;
mod overlay;
mod policy;
mod routes;
mod stats;
mod views;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::routing::{delete, get, post, put};
use axum::Router;
use parking_lot::RwLock;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

pub use config::AdminConfig;
pub use control::{BindSummary, ConfigControl, LogControl, RegistryControl, ServerControl};
pub use error::ApiError;
pub use overlay::{overlay_path, Overlay, OverlayError};

use crate::metrics::Metrics;
use crate::policy::{AccountPolicy, Policy};
use crate::routing::RouteTable;
use crate::store::MessageStore;
use crate::upstream::ChannelSet;

/// Why the admin listener could not start.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// A wildcard address without a token would expose the API to the network.
    #[error("admin API on {0} (all interfaces) needs [admin] token: refusing to start without authentication")]
    OpenOnWildcard(SocketAddr),
    /// The token file could not be read.
    #[error("admin token file {path}: {source}")]
    TokenFile {
        /// The file.
        path: std::path::PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The token is too short to be a secret.
    #[error("admin token must be at least 16 characters")]
    WeakToken,
    /// Binding or serving failed.
    #[error("admin listener: {0}")]
    Io(#[from] std::io::Error),
}

/// Where the route table in force comes from.
#[derive(Clone)]
pub(crate) struct RoutesSource(Arc<dyn Fn() -> Arc<RouteTable> + Send + Sync>);

impl RoutesSource {
    pub(crate) fn current(&self) -> Arc<RouteTable> {
        (self.0)()
    }
}

/// Everything the admin API reads and steers: handles to the running components.
/// Built once by the composition root (`gateway::start`), cheap to clone.
#[derive(Clone)]
pub struct AdminState {
    pub(crate) store: Arc<dyn MessageStore>,
    pub(crate) policy: Policy,
    pub(crate) channels: Arc<ChannelSet>,
    pub(crate) routes: RoutesSource,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) server: Option<Arc<dyn ServerControl>>,
    pub(crate) log: Option<Arc<dyn LogControl>>,
    pub(crate) accounts: Arc<RwLock<BTreeMap<String, AccountPolicy>>>,
    /// Where run-time limit and template changes are persisted (none: lost at restart).
    pub(crate) overlay: Option<Arc<Overlay>>,
    pub(crate) reloader: Option<Arc<dyn ConfigControl>>,
    pub(crate) token: Option<Arc<str>>,
}

impl std::fmt::Debug for AdminState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminState")
            .field("accounts", &self.accounts.read().len())
            .field("server", &self.server.is_some())
            .field("log", &self.log.is_some())
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .finish_non_exhaustive()
    }
}

impl AdminState {
    /// The handles every endpoint needs. Bind control, log control, account policies and
    /// the token are added with the `with_*` methods.
    pub fn new(
        store: Arc<dyn MessageStore>,
        policy: Policy,
        channels: Arc<ChannelSet>,
        routes: Arc<RouteTable>,
        metrics: Arc<Metrics>,
    ) -> AdminState {
        AdminState {
            store,
            policy,
            channels,
            routes: RoutesSource(Arc::new(move || Arc::clone(&routes))),
            metrics,
            server: None,
            log: None,
            accounts: Arc::new(RwLock::new(BTreeMap::new())),
            overlay: None,
            reloader: None,
            token: None,
        }
    }

    /// Reads the route table through `current` on every explanation, for a composition
    /// root that swaps tables at run time (config reload).
    pub fn with_live_routes<F>(mut self, current: F) -> AdminState
    where
        F: Fn() -> Arc<RouteTable> + Send + Sync + 'static,
    {
        self.routes = RoutesSource(Arc::new(current));
        self
    }

    /// The client server's hooks (binds, suspend/kick, drain).
    pub fn with_server(mut self, server: Arc<dyn ServerControl>) -> AdminState {
        self.server = Some(server);
        self
    }

    /// The run-time log filter handle.
    pub fn with_log(mut self, log: Arc<dyn LogControl>) -> AdminState {
        self.log = Some(log);
        self
    }

    /// The configured accounts' policies (account list, templates). Must be the ones
    /// the [`Policy`] was built with: approving a template re-installs the account's
    /// policy from here.
    pub fn with_accounts<I>(self, accounts: I) -> AdminState
    where
        I: IntoIterator<Item = (String, AccountPolicy)>,
    {
        self.accounts.write().extend(accounts);
        self
    }

    /// The account policies in force, shared with the config reload, and the overlay that
    /// persists run-time limit and template changes (the composition root's wiring).
    pub fn with_account_policies(
        mut self,
        accounts: Arc<RwLock<BTreeMap<String, AccountPolicy>>>,
        overlay: Arc<Overlay>,
    ) -> AdminState {
        self.accounts = accounts;
        self.overlay = Some(overlay);
        self
    }

    /// Config reload (`POST /config/reload`).
    pub fn with_reloader(mut self, reloader: Arc<dyn ConfigControl>) -> AdminState {
        self.reloader = Some(reloader);
        self
    }

    /// The bearer token (see [`AdminConfig::token`]); `None` leaves the API open.
    pub fn with_token(mut self, token: Option<String>) -> AdminState {
        self.token = token.map(Arc::from);
        self
    }
}

/// The admin API's routes (exposed for in-process tests).
pub fn router(state: AdminState) -> Router {
    let api = Router::new()
        .route("/accounts", get(accounts::list))
        .route("/accounts/{account}", get(accounts::show))
        .route("/accounts/{account}/limits", put(accounts::set_limits))
        .route("/accounts/{account}/suspend", post(accounts::suspend))
        .route("/accounts/{account}/resume", post(accounts::resume))
        .route(
            "/accounts/{account}/binds/{session}",
            delete(accounts::kick),
        )
        .route("/policy/reload", post(policy::reload))
        .route(
            "/policy/opt-outs",
            get(policy::list_opt_outs).post(policy::add_opt_outs),
        )
        .route("/policy/opt-outs/remove", post(policy::remove_opt_outs))
        .route(
            "/policy/templates",
            get(policy::list_templates).post(policy::approve_template),
        )
        .route("/channels", get(routes::channels))
        .route("/routes/explain", get(routes::explain))
        .route("/messages", get(messages::search))
        .route("/messages/{id}", get(messages::by_id))
        .route(
            "/messages/by-carrier-id/{carrier_id}",
            get(messages::by_carrier_id),
        )
        .route("/evidence", get(evidence::export))
        .route("/stats", get(stats::statistics))
        .route("/billing.csv", get(stats::billing_csv))
        .route("/log-level", get(ops::log_level).put(ops::set_log_level))
        .route("/drain", get(ops::drain_status).post(ops::drain))
        .route("/config/reload", post(ops::reload_config));
    Router::new()
        .nest("/api/v1", api)
        .route("/metrics", get(ops::metrics))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .fallback(ops::not_found)
        .method_not_allowed_fallback(ops::method_not_allowed)
        // On the whole router, fallback included: without the token, an unknown path
        // answers 401 like a known one, so the API's shape is not probed anonymously.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::require_token,
        ))
        .with_state(state)
}

/// Serves the admin API on `listener` until `shutdown` is cancelled. Refuses a wildcard
/// address when no token is configured.
pub async fn serve(
    listener: TcpListener,
    state: AdminState,
    shutdown: CancellationToken,
) -> Result<(), AdminError> {
    let local = listener.local_addr()?;
    if local.ip().is_unspecified() && state.token.is_none() {
        return Err(AdminError::OpenOnWildcard(local));
    }
    tracing::info!(%local, auth = state.token.is_some(), "admin API listening");
    axum::serve(listener, router(state))
        .with_graceful_shutdown(async move { shutdown.cancelled().await })
        .await?;
    Ok(())
}
