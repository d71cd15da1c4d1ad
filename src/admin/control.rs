//! Hooks into parts of the process the admin API steers but does not own: the client
//! server (binds, suspension, drain) and the log filter. Traits, so that the composition
//! root wires the real ones and tests wire fakes.

use serde::Serialize;

/// One live client bind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BindSummary {
    /// The account (`system_id`).
    pub account: String,
    /// The session id (what `DELETE …/binds/{session}` takes).
    pub session: u64,
    /// `transmitter`, `receiver` or `transceiver`.
    pub bind_type: &'static str,
}

/// What the admin API may do to the client-facing server.
pub trait ServerControl: Send + Sync {
    /// Every live bind.
    fn binds(&self) -> Vec<BindSummary>;

    /// Closes one bind (the session unbinds); `false` when no such session is live.
    fn kick(&self, account: &str, session: u64) -> bool;

    /// Refuses new binds of `account` and tells its live binds to unbind; returns how many.
    fn suspend(&self, account: &str) -> usize;

    /// Accepts binds of `account` again; `false` if it was not suspended.
    fn resume(&self, account: &str) -> bool;

    /// Whether `account` is suspended.
    fn is_suspended(&self, account: &str) -> bool;

    /// Starts drain mode: no new binds, every bind told to unbind; queued messages keep
    /// flowing to carriers. Returns how many binds were told to unbind.
    fn drain(&self) -> usize;

    /// Whether drain mode is on.
    fn is_draining(&self) -> bool;
}

/// Config reload (the SIGHUP path), for `POST /config/reload`.
pub trait ConfigControl: Send + Sync {
    /// Re-reads the config file and applies it; `Err` = refused, the old config stays.
    /// Blocking: the API calls it on a blocking thread.
    fn reload(&self) -> Result<crate::config::ReloadReport, String>;
}

impl ConfigControl for crate::config::Reloader {
    fn reload(&self) -> Result<crate::config::ReloadReport, String> {
        crate::config::Reloader::reload(self).map_err(|e| e.to_string())
    }
}

/// The run-time log filter (a `tracing_subscriber::reload` handle).
pub trait LogControl: Send + Sync {
    /// The filter in force, as text (`info,smppd::server=debug`).
    fn current(&self) -> String;

    /// Replaces the filter; an unparsable directive is refused and the old one stays.
    fn set(&self, directives: &str) -> Result<(), String>;
}

impl<S> LogControl for tracing_subscriber::reload::Handle<tracing_subscriber::EnvFilter, S>
where
    S: Send + Sync + 'static,
{
    fn current(&self) -> String {
        self.with_current(|f| f.to_string())
            .unwrap_or_else(|e| format!("<unavailable: {e}>"))
    }

    fn set(&self, directives: &str) -> Result<(), String> {
        let filter = tracing_subscriber::EnvFilter::try_new(directives)
            .map_err(|e| format!("invalid filter {directives:?}: {e}"))?;
        self.reload(filter).map_err(|e| e.to_string())
    }
}

/// [`ServerControl`] over the client server's [`SessionRegistry`](crate::server::SessionRegistry).
///
/// Drain: new binds are refused at once; when built with the server's shutdown token
/// ([`RegistryControl::with_drain`]) the server is also told to stop, which unbinds every
/// session gracefully (`unbind`, in-flight submits answered) while the pipeline keeps
/// emptying the queues to carriers. Kick and suspend end sessions the same graceful way,
/// one session or one account at a time: unbind (in-flight submits still answered), wait
/// for unbind_resp at most response_timeout, close.
#[derive(Debug, Clone)]
pub struct RegistryControl {
    registry: std::sync::Arc<crate::server::SessionRegistry>,
    drain: Option<tokio_util::sync::CancellationToken>,
}

impl RegistryControl {
    /// Control over `registry`; drain only refuses new binds.
    pub fn new(registry: std::sync::Arc<crate::server::SessionRegistry>) -> RegistryControl {
        RegistryControl {
            registry,
            drain: None,
        }
    }

    /// Drain also cancels `server_shutdown` (the token given to `Server::serve`): the
    /// server unbinds every session gracefully. The composition root must keep the
    /// pipeline running after the server returns for queues to empty.
    pub fn with_drain(mut self, server_shutdown: tokio_util::sync::CancellationToken) -> Self {
        self.drain = Some(server_shutdown);
        self
    }
}

impl ServerControl for RegistryControl {
    fn binds(&self) -> Vec<BindSummary> {
        self.registry
            .binds()
            .into_iter()
            .map(|(account, session, t)| BindSummary {
                account,
                session,
                bind_type: t.as_str(),
            })
            .collect()
    }

    fn kick(&self, account: &str, session: u64) -> bool {
        self.registry.close_session(account, session)
    }

    fn suspend(&self, account: &str) -> usize {
        self.registry.suspend(account)
    }

    fn resume(&self, account: &str) -> bool {
        self.registry.resume(account)
    }

    fn is_suspended(&self, account: &str) -> bool {
        self.registry.is_suspended(account)
    }

    fn drain(&self) -> usize {
        self.registry.refuse_new_binds();
        let live = self.registry.binds().len();
        match &self.drain {
            Some(token) => {
                token.cancel();
                live
            }
            None => 0,
        }
    }

    fn is_draining(&self) -> bool {
        self.registry.refuses_new_binds()
    }
}
