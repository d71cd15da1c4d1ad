//! The `[server]` and `[server.auth]` config sections: listeners, session timers, windows and
//! the bind-abuse limits. Every field has a default, so an empty `[server]` table is valid.

use std::net::SocketAddr;
use std::time::Duration;

use serde::Deserialize;

/// Listener, session and window settings (`[server]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerSettings {
    /// Addresses to accept ESME connections on.
    pub listen: Vec<SocketAddr>,
    /// Open connections (bound or not) accepted at once; further connects wait in the backlog.
    pub max_connections: usize,
    /// Largest `command_length` accepted from a client (SMPP 3.4 §2.2 leaves it open; a
    /// message_payload can legally make a PDU approach 64 KiB).
    pub max_command_length: u32,
    /// SMPP 3.4 §7.2 session_init_timer: a connection that has not bound by then is closed.
    #[serde(with = "humantime_serde")]
    pub session_init_timeout: Duration,
    /// SMPP 3.4 §7.2 enquire_link_timer: smppd sends enquire_link after this long without
    /// traffic from the client.
    #[serde(with = "humantime_serde")]
    pub enquire_link_interval: Duration,
    /// SMPP 3.4 §7.2 response_timer for requests smppd sends (deliver_sm, enquire_link, unbind).
    #[serde(with = "humantime_serde")]
    pub response_timeout: Duration,
    /// SMPP 3.4 §7.2 inactivity_timer: a bound session with no PDU at all from the client for
    /// this long is unbound and closed.
    #[serde(with = "humantime_serde")]
    pub inactivity_timeout: Duration,
    /// Requests from the client (submit_sm, data_sm, …) being processed at once per session;
    /// one more is answered ESME_RTHROTTLED.
    pub inbound_window: usize,
    /// deliver_sm sent to one session and not yet answered.
    pub outbound_window: usize,
    /// deliver_sm queued for one session behind its outbound window; when full the registry
    /// tries another receiver bind or reports "busy" so the caller keeps the message.
    pub outbound_queue: usize,
    /// Submits in flight in the whole gateway; beyond this every session answers
    /// ESME_RTHROTTLED (the gateway is saturated) instead of buffering.
    pub max_inflight_submits: usize,
    /// Malformed or out-of-state PDUs a session may send before it is unbound (h2-style abuse
    /// budget against nack floods).
    pub error_budget: u32,
    /// On shutdown: how long sessions get to answer unbind and finish in-flight submits.
    #[serde(with = "humantime_serde")]
    pub shutdown_grace: Duration,
    /// Bind authentication and abuse limits.
    pub auth: AuthSettings,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            listen: vec![SocketAddr::from(([127, 0, 0, 1], 2775))],
            max_connections: 20_000,
            max_command_length: 64 * 1024,
            session_init_timeout: Duration::from_secs(10),
            enquire_link_interval: Duration::from_secs(30),
            response_timeout: Duration::from_secs(10),
            inactivity_timeout: Duration::from_secs(120),
            inbound_window: 64,
            outbound_window: 16,
            outbound_queue: 64,
            max_inflight_submits: 10_000,
            error_budget: 32,
            shutdown_grace: Duration::from_secs(10),
            auth: AuthSettings::default(),
        }
    }
}

/// Bind authentication limits (`[server.auth]`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthSettings {
    /// Failed binds from one source address, within `failure_window`, that lock it out.
    pub failure_threshold: u32,
    /// Window over which failures are counted.
    #[serde(with = "humantime_serde")]
    pub failure_window: Duration,
    /// First lockout length; each further lockout of the same address doubles it.
    #[serde(with = "humantime_serde")]
    pub lockout_base: Duration,
    /// Longest lockout.
    #[serde(with = "humantime_serde")]
    pub lockout_max: Duration,
    /// Sustained bind attempts per second per source address (token bucket rate).
    pub binds_per_second: f64,
    /// Bind attempts one address may make in a burst.
    pub bind_burst: u32,
    /// Source addresses tracked at once; the oldest idle ones are forgotten beyond this so a
    /// scan over many addresses cannot grow memory without bound.
    pub max_tracked_addresses: usize,
    /// argon2 verifications run at once (each costs ~20 MB and tens of ms of CPU).
    pub max_concurrent_verifications: usize,
    /// When an account is at `max_binds`, its existing sessions get this long to answer an
    /// enquire_link; those that do not are evicted as dead so a reconnecting client gets in.
    #[serde(with = "humantime_serde")]
    pub dead_session_probe: Duration,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            failure_threshold: 5,
            failure_window: Duration::from_secs(60),
            lockout_base: Duration::from_secs(30),
            lockout_max: Duration::from_secs(15 * 60),
            binds_per_second: 10.0,
            bind_burst: 20,
            max_tracked_addresses: 100_000,
            max_concurrent_verifications: 4,
            dead_session_probe: Duration::from_secs(2),
        }
    }
}

impl ServerSettings {
    /// Checks the values serde cannot: returns the offending key (relative to `[server]`)
    /// and what is wrong with it.
    pub(crate) fn check(&self) -> Result<(), (&'static str, String)> {
        let positive = |key: &'static str, v: usize| {
            if v == 0 {
                Err((key, "must be at least 1".to_string()))
            } else {
                Ok(())
            }
        };
        if self.listen.is_empty() {
            return Err(("listen", "needs at least one address".into()));
        }
        positive("max_connections", self.max_connections)?;
        positive("inbound_window", self.inbound_window)?;
        positive("outbound_window", self.outbound_window)?;
        positive("outbound_queue", self.outbound_queue)?;
        positive("max_inflight_submits", self.max_inflight_submits)?;
        if self.max_command_length < 1024 {
            return Err((
                "max_command_length",
                "must be at least 1024 (a full submit_sm needs ~500 octets)".into(),
            ));
        }
        for (key, d) in [
            ("session_init_timeout", self.session_init_timeout),
            ("enquire_link_interval", self.enquire_link_interval),
            ("response_timeout", self.response_timeout),
            ("inactivity_timeout", self.inactivity_timeout),
            ("auth.failure_window", self.auth.failure_window),
            ("auth.dead_session_probe", self.auth.dead_session_probe),
        ] {
            if d.is_zero() {
                return Err((key, "must be longer than 0s".into()));
            }
        }
        if self.inactivity_timeout <= self.enquire_link_interval {
            return Err((
                "inactivity_timeout",
                "must be longer than enquire_link_interval, or idle but healthy sessions are closed"
                    .into(),
            ));
        }
        let a = &self.auth;
        if !(a.binds_per_second.is_finite() && a.binds_per_second > 0.0) {
            return Err(("auth.binds_per_second", "must be a positive number".into()));
        }
        if a.bind_burst == 0 {
            return Err(("auth.bind_burst", "must be at least 1".into()));
        }
        if a.failure_threshold == 0 {
            return Err(("auth.failure_threshold", "must be at least 1".into()));
        }
        if a.lockout_max < a.lockout_base {
            return Err((
                "auth.lockout_max",
                "must not be shorter than auth.lockout_base".into(),
            ));
        }
        positive("auth.max_tracked_addresses", a.max_tracked_addresses)?;
        positive(
            "auth.max_concurrent_verifications",
            a.max_concurrent_verifications,
        )?;
        Ok(())
    }
}
