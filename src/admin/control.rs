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
