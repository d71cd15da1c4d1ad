//! Building the running gateway from a [`Config`]: store, policy, routing, carrier channels,
//! the pipeline tasks and the client-facing server; and stopping it in order.
//!
//! Shutdown order (graceful): stop accepting and unbind clients (the server), stop taking new
//! work into the dispatcher, unbind carriers, then drop the store (its writer flushes).
//! Everything accepted but not yet sent is in the store and is sent after the next start.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::SystemTime;

use parking_lot::RwLock;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::admin::{overlay_path, AdminState, LogControl, Overlay, RegistryControl};
use crate::config::{Config, Reloader};
use crate::message::MessageIdAllocator;
use crate::metrics::Metrics;
use crate::policy::Policy;
use crate::relay::carrier_ids::CarrierIdIndex;
use crate::relay::{pump, ReceiptPump};
use crate::routing::{PortabilityTable, RouteTable};
use crate::server::{Server, ShutdownReport};
use crate::sim::{SimHandle, Simulator};
use crate::store::{MessageStore, SqliteStore};
use crate::upstream::ChannelSet;

use super::{dispatch, sweep, Pipeline, Shared};

/// Why the gateway could not start; each names the part that failed.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The message store could not be opened.
    #[error("store: {0}")]
    Store(String),
    /// The policy settings (keyword lists, templates …) could not be loaded.
    #[error("policy: {0}")]
    Policy(String),
    /// The route table is invalid.
    #[error("routing: {0}")]
    Routing(String),
    /// The carrier channels are invalid.
    #[error("upstream: {0}")]
    Upstream(String),
    /// An embedded simulated carrier could not listen.
    #[error("simulated carrier {0}: {1}")]
    Sim(String, std::io::Error),
    /// The client listener could not bind.
    #[error("listen: {0}")]
    Listen(std::io::Error),
    /// The admin API or metrics could not be set up.
    #[error("admin: {0}")]
    Admin(String),
}

/// A started gateway: its addresses and the handles needed to stop it.
pub struct Started {
    /// Where clients connect.
    pub client_addrs: Vec<SocketAddr>,
    /// Where the admin API listens, when configured.
    pub admin_addr: Option<SocketAddr>,
    /// The pipeline (admin and tests read through it).
    pub pipeline: Pipeline,
    /// Embedded simulated carriers, if the config has any.
    pub sims: Vec<SimHandle>,
    /// Re-reads the config file and applies it (SIGHUP, the admin API).
    pub reloader: Reloader,
    server: Server<Pipeline>,
    listeners: Vec<tokio::net::TcpListener>,
    admin: Option<(
        tokio::net::TcpListener,
        AdminState,
        Arc<crate::server::SessionRegistry>,
    )>,
    tasks: TaskTracker,
    tasks_stop: CancellationToken,
    /// Held until [`Started::serve`] returns: no second gateway on this store meanwhile.
    store_lock: super::store_lock::StoreLock,
}

/// Starts everything but does not serve clients yet (see [`Started::serve`]).
pub async fn start(cfg: &Config) -> Result<Started, StartError> {
    let mut sims = Vec::new();
    for s in &cfg.sim.carriers {
        let handle = Simulator::start(s.clone())
            .await
            .map_err(|e| StartError::Sim(s.system_id.clone(), e))?;
        sims.push(handle);
    }
    let store_lock = super::store_lock::lock_store(&cfg.store.path)
        .map_err(|e| StartError::Store(e.to_string()))?;
    let store = SqliteStore::open(&cfg.store).map_err(|e| StartError::Store(e.to_string()))?;
    let store: Arc<dyn MessageStore> = Arc::new(store);
    let floor = store
        .highest_message_id()
        .await
        .map_err(|e| StartError::Store(e.to_string()))?;

    let (events_tx, events_rx) = mpsc::channel(cfg.gateway.dispatch_queue.clamp(1024, 65_536));
    let channels = ChannelSet::start(&cfg.upstream.channels, events_tx)
        .map_err(|e| StartError::Upstream(e.to_string()))?;
    let names = cfg.upstream.channel_names();
    let portability = PortabilityTable::from_config(&cfg.routing.portability)
        .map_err(|e| StartError::Routing(e.to_string()))?;
    let routes = RouteTable::new(&cfg.routing, &names)
        .map_err(|e| StartError::Routing(e.to_string()))?
        .with_portability(Arc::new(portability));
    // Limits and templates changed through the admin API, on top of the file's.
    let overlay = Arc::new(
        Overlay::open(overlay_path(&cfg.store.path))
            .map_err(|e| StartError::Admin(e.to_string()))?,
    );
    let (account_policies, notes) = overlay
        .effective(
            cfg.accounts
                .iter()
                .map(|a| (a.system_id.as_str(), &a.policy)),
        )
        .map_err(|e| StartError::Admin(e.to_string()))?;
    for note in notes {
        tracing::info!("admin overlay: {note}");
    }
    let policy = Policy::new(
        cfg.policy.clone(),
        account_policies.iter().cloned(),
        SystemTime::now(),
    )
    .map_err(|e| StartError::Policy(e.to_string()))?;
    seed_quota_usage(
        &policy,
        store.as_ref(),
        cfg.store.retention,
        &account_policies,
    )
    .await?;
    let account_policies = Arc::new(RwLock::new(account_policies.into_iter().collect()));

    let metrics = Arc::new(Metrics::new().map_err(|e| StartError::Admin(e.to_string()))?);
    let (dispatch_tx, dispatch_rx) = mpsc::channel(cfg.gateway.dispatch_queue.max(1));
    let accounts: HashMap<_, _> = cfg
        .accounts
        .iter()
        .map(|a| (a.system_id.clone(), Arc::new(a.clone())))
        .collect();
    let shared = Arc::new(Shared {
        settings: cfg.gateway.clone(),
        policy,
        store,
        routes: RwLock::new(Arc::new(routes)),
        channels: Arc::new(channels),
        ids: MessageIdAllocator::starting_after(floor),
        carrier_ids: CarrierIdIndex::new(cfg.gateway.early_receipt_ttl, 100_000),
        orphans: Default::default(),
        dispatch: dispatch_tx,
        receipts: ReceiptPump::default(),
        registry: OnceLock::new(),
        accounts: RwLock::new(accounts),
        portability: cfg.routing.portability.clone(),
        dispatching: Default::default(),
        cancelled: Default::default(),
        held: Default::default(),
        split_parts: Default::default(),
        metrics: metrics.clone(),
    });
    let pipeline = Pipeline {
        shared: shared.clone(),
    };
    let server = Server::new(&cfg.server, &cfg.accounts, Arc::new(pipeline.clone()));
    let _ = shared.registry.set(server.registry());
    let reloader = Reloader::new(
        cfg.clone(),
        shared.clone(),
        server.authenticator(),
        overlay.clone(),
        account_policies.clone(),
    );
    let listeners = server.bind().await.map_err(StartError::Listen)?;
    let admin = match cfg.admin.listen {
        Some(addr) => {
            let token = cfg
                .admin
                .resolve_token()
                .map_err(|e| StartError::Admin(e.to_string()))?;
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|e| StartError::Admin(format!("{addr}: {e}")))?;
            let live = shared.clone();
            let state = AdminState::new(
                shared.store.clone(),
                shared.policy.clone(),
                shared.channels.clone(),
                shared.routes(),
                metrics.clone(),
            )
            .with_live_routes(move || live.routes())
            .with_account_policies(account_policies.clone(), overlay.clone())
            .with_reloader(Arc::new(reloader.clone()))
            .with_token(token);
            Some((listener, state, server.registry()))
        }
        None => None,
    };
    let admin_addr = admin.as_ref().and_then(|(l, _, _)| l.local_addr().ok());
    let client_addrs = listeners
        .iter()
        .filter_map(|l| l.local_addr().ok())
        .collect();

    let tasks = TaskTracker::new();
    let tasks_stop = CancellationToken::new();
    tasks.spawn(dispatch::run(
        shared.clone(),
        dispatch_rx,
        tasks_stop.clone(),
    ));
    tasks.spawn(pump::run(shared.clone(), tasks_stop.clone()));
    tasks.spawn(sweep::run(shared.clone(), tasks_stop.clone()));
    tasks.spawn(crate::relay::events::run(
        shared.clone(),
        events_rx,
        tasks_stop.clone(),
    ));
    Ok(Started {
        client_addrs,
        admin_addr,
        pipeline,
        sims,
        reloader,
        server,
        listeners,
        admin,
        tasks,
        tasks_stop,
        store_lock,
    })
}

/// Daily/monthly caps hold across a restart: each account's quota starts from what the
/// store says was accepted since the start of the Beijing day and month.
async fn seed_quota_usage(
    policy: &Policy,
    store: &dyn MessageStore,
    retention: std::time::Duration,
    accounts: &[(String, crate::policy::AccountPolicy)],
) -> Result<(), StartError> {
    let now = SystemTime::now();
    for (id, account) in accounts {
        seed_account_quota(policy, store, id, now)
            .await
            .map_err(|e| StartError::Store(format!("quota usage of {id:?}: {e}")))?;
        let month_start = crate::policy::BeijingTime::at(now).month_start();
        if account.monthly_cap.is_some()
            && now.duration_since(month_start).is_ok_and(|m| m > retention)
        {
            tracing::warn!(account = %id, ?retention, "store retention is shorter than the month so far: compacted messages no longer count against the monthly cap");
        }
    }
    Ok(())
}

/// Raises `id`'s quota usage to what the store counts as accepted since the start of the
/// Beijing day and month (at start, and for an account a config reload adds back).
pub(crate) async fn seed_account_quota(
    policy: &Policy,
    store: &dyn MessageStore,
    id: &str,
    now: SystemTime,
) -> Result<(), crate::store::StoreError> {
    let bj = crate::policy::BeijingTime::at(now);
    let day = store
        .accepted_segments(id.to_owned(), bj.day_start(), now)
        .await?;
    let month = store
        .accepted_segments(id.to_owned(), bj.month_start(), now)
        .await?;
    policy.seed_quota_usage(id, day, month, now);
    Ok(())
}

impl Started {
    /// The run-time log filter, for the admin API's log-level endpoint and reloads of
    /// `log.filter` (the binary installs the subscriber before starting).
    pub fn set_log_control(&mut self, log: Arc<dyn LogControl>) {
        self.reloader.set_log_control(log.clone());
        if let Some((_, state, _)) = self.admin.as_mut() {
            *state = state.clone().with_log(log);
        }
    }

    /// Serves clients until `shutdown` is cancelled, then stops everything in order.
    pub async fn serve(self, shutdown: CancellationToken) -> ShutdownReport {
        if let Some((listener, state, registry)) = self.admin {
            // Drain (admin) = the server's graceful shutdown while the pipeline keeps going.
            let control = RegistryControl::new(registry).with_drain(shutdown.clone());
            let state = state.with_server(Arc::new(control));
            let stop = self.tasks_stop.clone();
            self.tasks.spawn(async move {
                if let Err(e) = crate::admin::serve(listener, state, stop).await {
                    tracing::error!(error = %e, "admin API stopped");
                }
            });
        }
        let report = self.server.serve(self.listeners, shutdown).await;
        self.tasks_stop.cancel();
        self.tasks.close();
        self.tasks.wait().await;
        self.pipeline.shared.channels.shutdown().await;
        for sim in &self.sims {
            sim.shutdown().await;
        }
        drop(self.store_lock);
        report
    }
}
