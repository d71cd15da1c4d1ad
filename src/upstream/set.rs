//! All configured channels, by name: what routing, the dispatcher and the admin API use.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use parking_lot::{Mutex, RwLock};

use serde::Serialize;
use tokio::sync::mpsc;

use super::channel::{Channel, ChannelChange};
use super::config::{ChannelConfig, ChannelConfigError};
use super::outcome::{ChannelCounters, OutboundMessage, SendReport, UpstreamEvent};

/// Coarse channel state for the admin API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelState {
    /// Every session bound.
    Up,
    /// Some sessions bound.
    Degraded,
    /// No session bound: routing skips it.
    Down,
}

/// One session slot in [`ChannelStatus`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SessionStatus {
    /// Slot index (what [`SubmitOutcome::Accepted`](super::SubmitOutcome::Accepted) names).
    pub index: usize,
    /// Submit connection (TRX or TX) bound.
    pub bound: bool,
    /// Receiver connection bound (TX+RX mode; same as `bound` in TRX mode).
    pub receiver_bound: bool,
    /// Submits outstanding on it.
    pub in_flight: usize,
}

/// A snapshot of one channel for the admin API and metrics.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChannelStatus {
    /// Channel name.
    pub name: String,
    /// Coarse state.
    pub state: ChannelState,
    /// Whether routing may pick it now (see [`Channel::is_available`]).
    pub available: bool,
    /// Configured sessions.
    pub sessions: usize,
    /// Sessions whose submit connection is bound.
    pub sessions_bound: usize,
    /// Receiver connections bound (TX+RX mode; equals `sessions_bound` in TRX mode).
    pub receivers_bound: usize,
    /// Submits outstanding over all sessions.
    pub window_in_use: usize,
    /// Window capacity over the bound sessions.
    pub window_capacity: usize,
    /// Effective submit rate limit now (`None` = unlimited); below the configured TPS
    /// while the carrier throttles us.
    pub current_tps: Option<f64>,
    /// Whether a throttle pause is in effect.
    pub throttle_paused: bool,
    /// Per-session detail.
    pub session_detail: Vec<SessionStatus>,
    /// Counters since start.
    pub counters: ChannelCounters,
}

/// Why a send could not start.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UpstreamError {
    /// Routing named a channel that is not configured.
    #[error("no upstream channel named {0:?}")]
    UnknownChannel(String),
    /// A channel's configuration is invalid.
    #[error(transparent)]
    Config(#[from] ChannelConfigError),
    /// Two channels share a name.
    #[error("upstream channel {0:?} is configured twice")]
    DuplicateChannel(String),
    /// The channels were shut down (or there is no runtime to run them): none starts.
    #[error("upstream channels are shut down")]
    Stopped,
}

/// The running channels. A config reload adds, restarts and removes channels while the
/// others keep their binds ([`ChannelSet::apply`]).
#[derive(Debug, Default)]
pub struct ChannelSet {
    running: RwLock<Running>,
    /// Where the channels' receipts and MO go; taken at shutdown (no channel starts after).
    events: Mutex<Option<mpsc::Sender<UpstreamEvent>>>,
}

#[derive(Debug, Default)]
struct Running {
    channels: HashMap<String, Channel>,
    order: Vec<String>,
}

/// What [`ChannelSet::apply`] changed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChannelChanges {
    /// Channels started.
    pub added: Vec<String>,
    /// Channels whose TPS cap alone changed: applied in place, binds kept.
    pub retuned: Vec<String>,
    /// Channels whose other settings changed: unbound and bound again with the new ones.
    pub restarted: Vec<String>,
    /// Channels unbound and stopped.
    pub removed: Vec<String>,
}

impl ChannelSet {
    /// Validates and starts every channel; receipts and MO of all of them go to `events`.
    pub fn start(
        configs: &[ChannelConfig],
        events: mpsc::Sender<UpstreamEvent>,
    ) -> Result<ChannelSet, UpstreamError> {
        let set = ChannelSet {
            running: RwLock::default(),
            events: Mutex::new(Some(events)),
        };
        set.apply(configs)?;
        Ok(set)
    }

    /// Checks channel settings as [`ChannelSet::apply`] would, changing nothing.
    pub fn check(configs: &[ChannelConfig]) -> Result<(), UpstreamError> {
        let mut seen = std::collections::HashSet::new();
        for cfg in configs {
            cfg.validate()?;
            if !seen.insert(cfg.name.as_str()) {
                return Err(UpstreamError::DuplicateChannel(cfg.name.clone()));
            }
        }
        Ok(())
    }

    /// Makes the running channels those of `configs`: new names start, a changed TPS cap
    /// applies in place, otherwise changed ones are stopped (see [`Channel::shutdown`]) and
    /// started again with their new settings, missing ones stop. Channels whose settings
    /// did not change keep their binds. Must run inside a Tokio runtime.
    pub fn apply(&self, configs: &[ChannelConfig]) -> Result<ChannelChanges, UpstreamError> {
        Self::check(configs)?;
        let mut changes = ChannelChanges::default();
        let restart_free = {
            let running = self.running.read();
            let mut restart_free = running.order.iter().eq(configs.iter().map(|c| &c.name));
            for cfg in configs {
                match running
                    .channels
                    .get(&cfg.name)
                    .map(|r| (r, r.change_to(cfg)))
                {
                    Some((_, ChannelChange::None)) => {}
                    Some((channel, ChannelChange::Rate)) => {
                        channel.set_tps(cfg.tps);
                        changes.retuned.push(cfg.name.clone());
                    }
                    _ => restart_free = false,
                }
            }
            restart_free
        };
        if restart_free {
            return Ok(changes);
        }
        let events = self.events.lock().clone().ok_or(UpstreamError::Stopped)?;
        // Channel tasks run on the runtime; refuse before changing anything without one.
        tokio::runtime::Handle::try_current().map_err(|_| UpstreamError::Stopped)?;
        let mut stopping = Vec::new();
        {
            let mut running = self.running.write();
            for cfg in configs {
                match running.channels.get(&cfg.name).map(|r| r.change_to(cfg)) {
                    // Retuned above, or unchanged.
                    Some(ChannelChange::None) => continue,
                    Some(_) => changes.restarted.push(cfg.name.clone()),
                    None => changes.added.push(cfg.name.clone()),
                }
                let started = Channel::start(cfg.clone(), events.clone());
                stopping.extend(running.channels.insert(cfg.name.clone(), started));
            }
            let keep: std::collections::HashSet<&str> =
                configs.iter().map(|c| c.name.as_str()).collect();
            let gone: Vec<String> = running
                .channels
                .keys()
                .filter(|n| !keep.contains(n.as_str()))
                .cloned()
                .collect();
            for name in gone {
                stopping.extend(running.channels.remove(&name));
                changes.removed.push(name);
            }
            running.order = configs.iter().map(|c| c.name.clone()).collect();
        }
        for channel in stopping {
            tokio::spawn(async move { channel.shutdown().await });
        }
        Ok(changes)
    }

    /// The channel called `name`.
    pub fn get(&self, name: &str) -> Option<Channel> {
        self.running.read().channels.get(name).cloned()
    }

    /// Channel names in configuration order.
    pub fn names(&self) -> Vec<String> {
        self.running.read().order.clone()
    }

    /// Whether routing may send on `name` now: connected, bound, not saturated.
    pub fn is_available(&self, name: &str) -> bool {
        self.running
            .read()
            .channels
            .get(name)
            .is_some_and(Channel::is_available)
    }

    /// Whether channel `name` is bound, even if saturated (see [`Channel::is_bound`]).
    pub fn is_bound(&self, name: &str) -> bool {
        self.running
            .read()
            .channels
            .get(name)
            .is_some_and(Channel::is_bound)
    }

    /// Sends `msg` on channel `name`.
    pub async fn send(
        &self,
        name: &str,
        msg: OutboundMessage,
    ) -> Result<SendReport, UpstreamError> {
        let channel = self
            .get(name)
            .ok_or_else(|| UpstreamError::UnknownChannel(name.to_string()))?;
        Ok(channel.send(msg).await)
    }

    /// Status of every channel, in configuration order.
    pub fn status(&self) -> Vec<ChannelStatus> {
        let running = self.running.read();
        running
            .order
            .iter()
            .filter_map(|n| running.channels.get(n))
            .map(Channel::status)
            .collect()
    }

    /// Unbinds and stops every channel; none starts after this.
    pub async fn shutdown(&self) {
        self.events.lock().take();
        let channels: Vec<Channel> = self.running.read().channels.values().cloned().collect();
        futures::future::join_all(channels.iter().map(Channel::shutdown)).await;
    }
}

impl Channel {
    /// A snapshot of this channel's sessions, window and counters.
    pub fn status(&self) -> ChannelStatus {
        let s = self.shared();
        let bound: Vec<_> = s.slots.iter().filter(|sl| sl.is_bound()).collect();
        let tx_rx = s.cfg.bind_mode == super::BindMode::TxRx;
        let rx = if tx_rx {
            s.slots
                .iter()
                .filter(|sl| sl.rx_bound.load(Ordering::Acquire))
                .count()
        } else {
            bound.len()
        };
        let state = match bound.len() {
            0 => ChannelState::Down,
            n if n == s.slots.len() && rx == n => ChannelState::Up,
            _ => ChannelState::Degraded,
        };
        ChannelStatus {
            name: s.name.to_string(),
            state,
            available: self.is_available(),
            sessions: s.slots.len(),
            sessions_bound: bound.len(),
            receivers_bound: rx,
            window_in_use: s.slots.iter().map(|sl| sl.in_flight()).sum(),
            window_capacity: bound.len() * s.cfg.window,
            current_tps: s.limiter.current_tps(),
            throttle_paused: s.limiter.is_paused(),
            session_detail: s
                .slots
                .iter()
                .enumerate()
                .map(|(index, sl)| SessionStatus {
                    index,
                    bound: sl.is_bound(),
                    receiver_bound: if tx_rx {
                        sl.rx_bound.load(Ordering::Acquire)
                    } else {
                        sl.is_bound()
                    },
                    in_flight: sl.in_flight(),
                })
                .collect(),
            counters: self.counters(),
        }
    }
}
