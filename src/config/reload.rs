//! Config reload (SIGHUP, `POST /api/v1/config/reload`): re-read the file, validate it
//! whole, then apply what can change while clients stay bound.
//!
//! An invalid file (syntax, validation, a route to a channel the file does not define, a keyword
//! list that does not load, a template that does not compile, a bad log filter) is refused
//! before anything is applied: the old config stays in force and the reason is logged.
//!
//! | applied at run time | needs a restart (logged as such) |
//! | --- | --- |
//! | accounts: passwords, `allowed_ips`, bind types, `max_binds` (next bind); added accounts; removed accounts (their binds are told to unbind) | `[server]` (listeners, timers, windows, bind limits) |
//! | account policy: TPS, daily/monthly caps, signatures, templates, checks (next submit; quota usage kept, and read back from the store for an account added again) | `[store]`, `[gateway]`, `[admin]`, `[sim]` |
//! | `[policy]` lists, regex rules, windows, frequency limits | `routing.portability` |
//! | `[routing]` rules and groups | `policy.opt_out_file`, `policy.concat_*`, `policy.max_tracked_recipients`, `log.format` |
//! | `[upstream]` channels: added ones start, changed ones rebind with their new settings, removed ones unbind; the others keep their binds | |
//! | `log.filter` (when the file changed it) | |
//!
//! Live binds keep the account they bound with (a changed password applies to the next
//! bind). Limits and templates changed through the admin API are re-applied on top of the
//! file (see [`crate::admin::Overlay`]: the newest change wins).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::SystemTime;

use parking_lot::{Mutex, RwLock};
use serde::Serialize;

use super::{Config, ConfigError};
use crate::admin::{LogControl, Overlay};
use crate::gateway::Shared;
use crate::policy::{AccountPolicy, Policy, PolicySettings};
use crate::routing::RouteTable;
use crate::server::Authenticator;
use crate::upstream::{ChannelChanges, ChannelSet};

/// Why a reload was refused; the old config stays in force.
#[derive(Debug, thiserror::Error)]
pub enum ReloadError {
    /// The process runs on the embedded default: there is no file to re-read.
    #[error("no config file to reload (smppd runs on the embedded default)")]
    NoFile,
    /// The file does not parse or validate.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// Valid on its own, but cannot be applied to the running process.
    #[error("{file}: {key}: {problem}")]
    Unappliable {
        /// The file.
        file: String,
        /// The section or key.
        key: String,
        /// What is wrong.
        problem: String,
    },
}

/// What a reload applied, and what it could not.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ReloadReport {
    /// Accounts that can bind now and could not before.
    pub accounts_added: Vec<String>,
    /// Accounts removed (their binds were told to unbind).
    pub accounts_removed: Vec<String>,
    /// Accounts whose password changed (applies to the next bind).
    pub passwords_changed: Vec<String>,
    /// Accounts whose addresses, bind types, `max_binds` or policy changed.
    pub accounts_changed: Vec<String>,
    /// Binds told to unbind because their account was removed.
    pub binds_unbound: usize,
    /// Carrier channels started, given a new TPS cap, restarted with new settings, or stopped.
    pub channels: ChannelChanges,
    /// Whether the route rules changed.
    pub routes_changed: bool,
    /// Whether `[policy]` changed (lists reloaded either way).
    pub policy_changed: bool,
    /// Banned phrases loaded.
    pub banned_phrases: usize,
    /// The new log filter, when the file changed it.
    pub log_filter: Option<String>,
    /// Sections changed in the file that only a restart applies.
    pub restart_needed: Vec<&'static str>,
    /// Admin overrides the file superseded, and other notes.
    pub notes: Vec<String>,
}

/// Re-reads the config file and applies it to the running gateway (see the module docs).
/// Built by [`crate::gateway::start`]; cheap to clone.
#[derive(Clone)]
pub struct Reloader {
    inner: Arc<Inner>,
}

struct Inner {
    path: Option<PathBuf>,
    /// The config in force; the lock also serialises reloads.
    current: Mutex<Config>,
    shared: Arc<Shared>,
    auth: Arc<Authenticator>,
    overlay: Arc<Overlay>,
    /// The admin API's view of the account policies (templates).
    admin_accounts: Arc<RwLock<BTreeMap<String, AccountPolicy>>>,
    log: RwLock<Option<Arc<dyn LogControl>>>,
}

impl std::fmt::Debug for Reloader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reloader")
            .field("path", &self.inner.path)
            .finish_non_exhaustive()
    }
}

impl Reloader {
    pub(crate) fn new(
        config: Config,
        shared: Arc<Shared>,
        auth: Arc<Authenticator>,
        overlay: Arc<Overlay>,
        admin_accounts: Arc<RwLock<BTreeMap<String, AccountPolicy>>>,
    ) -> Reloader {
        Reloader {
            inner: Arc::new(Inner {
                path: config.source.clone(),
                current: Mutex::new(config),
                shared,
                auth,
                overlay,
                admin_accounts,
                log: RwLock::new(None),
            }),
        }
    }

    /// The log filter handle a `log.filter` change is applied to.
    pub fn set_log_control(&self, log: Arc<dyn LogControl>) {
        *self.inner.log.write() = Some(log);
    }

    /// Re-reads the file, validates it and applies it; on error nothing changed. Logs the
    /// outcome either way. Blocking (file reads, list compilation): call it off the async
    /// threads (`spawn_blocking`).
    pub fn reload(&self) -> Result<ReloadReport, ReloadError> {
        let result = self.try_reload();
        match &result {
            Ok(r) => {
                tracing::info!(
                    added = ?r.accounts_added,
                    removed = ?r.accounts_removed,
                    passwords_changed = ?r.passwords_changed,
                    changed = ?r.accounts_changed,
                    routes_changed = r.routes_changed,
                    channels = ?r.channels,
                    policy_changed = r.policy_changed,
                    log_filter = ?r.log_filter,
                    "config reloaded"
                );
                for note in &r.notes {
                    tracing::info!("config reload: {note}");
                }
                if !r.restart_needed.is_empty() {
                    tracing::warn!(
                        sections = ?r.restart_needed,
                        "config reload: these changes take effect only after a restart"
                    );
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "config reload refused; the previous config stays in force")
            }
        }
        result
    }

    /// An added account may be one a previous reload removed (its quota usage was dropped
    /// with it): its daily/monthly usage is read back from the store, as at start. The read
    /// is async and runs just after the reload, so a submit in the first milliseconds after
    /// the account reappears is counted from zero (the store read then raises the usage to
    /// include it). Without a runtime (never in the gateway) usage starts from zero.
    fn seed_added_quotas(&self, added: &[String]) {
        if added.is_empty() {
            return;
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            tracing::warn!(accounts = ?added, "config reload: no runtime to read the added accounts' quota usage");
            return;
        };
        let shared = Arc::clone(&self.inner.shared);
        let added = added.to_vec();
        runtime.spawn(async move {
            let now = SystemTime::now();
            for id in added {
                let seeded = crate::gateway::seed_account_quota(
                    &shared.policy,
                    shared.store.as_ref(),
                    &id,
                    now,
                )
                .await;
                if let Err(e) = seeded {
                    tracing::error!(account = %id, error = %e, "config reload: quota usage of the added account not read; it counts from zero");
                }
            }
        });
    }

    fn try_reload(&self) -> Result<ReloadReport, ReloadError> {
        let path = self.inner.path.as_ref().ok_or(ReloadError::NoFile)?;
        let new = Config::load(path)?;
        let file = path.display().to_string();
        let unappliable = |key: &str, problem: String| ReloadError::Unappliable {
            file: file.clone(),
            key: key.to_string(),
            problem,
        };
        let inner = &self.inner;
        let mut current = inner.current.lock();
        let now = SystemTime::now();

        // 1. Build and check everything before touching anything.
        ChannelSet::check(&new.upstream.channels)
            .map_err(|e| unappliable("upstream.channels", e.to_string()))?;
        let names = new.upstream.channel_names();
        let old_routes = inner.shared.routes();
        let routes = RouteTable::new(&new.routing, &names)
            .map_err(|e| unappliable("routing", e.to_string()))?
            .with_portability(Arc::clone(old_routes.portability()));
        let log_filter = match &new.log.filter {
            Some(f) if new.log.filter != current.log.filter => {
                tracing_subscriber::EnvFilter::try_new(f)
                    .map_err(|e| unappliable("log.filter", e.to_string()))?;
                Some(f.clone())
            }
            _ => None,
        };
        // The account policies and lists compile (a throw-away engine without the opt-out
        // file, which only the running engine may open).
        let file_policies: Vec<(&str, &AccountPolicy)> = new
            .accounts
            .iter()
            .map(|a| (a.system_id.as_str(), &a.policy))
            .collect();
        let probe_settings = PolicySettings {
            opt_out_file: None,
            ..new.policy.clone()
        };
        Policy::new(
            probe_settings,
            file_policies
                .iter()
                .map(|(id, p)| (id.to_string(), (*p).clone())),
            now,
        )
        .map_err(|e| unappliable("policy", e.to_string()))?;
        let (effective, notes) = inner
            .overlay
            .effective(file_policies.iter().copied())
            .map_err(|e| unappliable("admin overlay", e.to_string()))?;

        // 2. Apply. Each step below was validated above and cannot fail for the input's
        // sake; should one fail anyway, the rest still runs and the error is reported.
        let policy = &inner.shared.policy;
        let mut report = ReloadReport {
            restart_needed: restart_needed(&current, &new),
            policy_changed: new.policy != current.policy,
            routes_changed: new.routing.rules != current.routing.rules
                || new.routing.groups != current.routing.groups,
            notes,
            ..ReloadReport::default()
        };
        report.banned_phrases = policy
            .reload_settings(new.policy.clone())
            .map_err(|e| unappliable("policy", e.to_string()))?;
        {
            let mut admin_accounts = inner.admin_accounts.write();
            for (id, p) in &effective {
                policy.set_account(id, p.clone(), now).map_err(|e| {
                    unappliable(&format!("accounts ({id:?}).policy"), e.to_string())
                })?;
            }
            *admin_accounts = effective.into_iter().collect();
        }
        let changes = inner.auth.replace_accounts(&new.accounts);
        for id in &changes.removed {
            policy.remove_account(id);
            if let Some(registry) = inner.shared.registry.get() {
                report.binds_unbound += registry.unbind_account(id);
            }
        }
        *inner.shared.accounts.write() = new
            .accounts
            .iter()
            .map(|a| (a.system_id.clone(), Arc::new(a.clone())))
            .collect();
        // Channels first: the new routes may name a channel that starts now. A message
        // routed a moment ago to a channel that stops is retried on another one.
        report.channels = inner
            .shared
            .channels
            .apply(&new.upstream.channels)
            .map_err(|e| unappliable("upstream.channels", e.to_string()))?;
        *inner.shared.routes.write() = Arc::new(routes);
        if let Some(f) = &log_filter {
            if let Some(log) = inner.log.read().as_ref() {
                log.set(f)
                    .map_err(|e| unappliable("log.filter", e.to_string()))?;
            }
        }
        report.log_filter = log_filter;
        self.seed_added_quotas(&changes.added);
        report.accounts_added = changes.added;
        report.accounts_removed = changes.removed;
        report.passwords_changed = changes.password_changed;
        report.accounts_changed = changes.changed;
        *current = new;
        Ok(report)
    }
}

/// Sections that differ and that only a restart applies.
fn restart_needed(old: &Config, new: &Config) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |changed: bool, name: &'static str| {
        if changed {
            out.push(name);
        }
    };
    check(old.server.listen != new.server.listen, "server.listen");
    check(
        old.server != new.server && old.server.listen == new.server.listen,
        "server (timers, windows, bind limits)",
    );
    check(old.store != new.store, "store");
    check(old.gateway != new.gateway, "gateway");
    check(old.admin != new.admin, "admin");
    check(old.sim.carriers != new.sim.carriers, "sim");
    check(
        old.routing.portability != new.routing.portability,
        "routing.portability",
    );
    let (a, b) = (&old.policy, &new.policy);
    check(a.opt_out_file != b.opt_out_file, "policy.opt_out_file");
    check(
        a.concat_timeout != b.concat_timeout || a.concat_max_open != b.concat_max_open,
        "policy.concat_timeout/concat_max_open",
    );
    check(
        a.max_tracked_recipients != b.max_tracked_recipients,
        "policy.max_tracked_recipients",
    );
    check(old.log.format != new.log.format, "log.format");
    out
}
