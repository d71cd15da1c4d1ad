//! All configured channels, by name: what routing, the dispatcher and the admin API use.

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use serde::Serialize;
use tokio::sync::mpsc;

use super::channel::Channel;
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
}

/// The running channels.
#[derive(Debug, Clone, Default)]
pub struct ChannelSet {
    channels: HashMap<String, Channel>,
    order: Vec<String>,
}

impl ChannelSet {
    /// Validates and starts every channel; receipts and MO of all of them go to `events`.
    pub fn start(
        configs: &[ChannelConfig],
        events: mpsc::Sender<UpstreamEvent>,
    ) -> Result<ChannelSet, UpstreamError> {
        let mut set = ChannelSet::default();
        let mut seen = std::collections::HashSet::new();
        for cfg in configs {
            cfg.validate()?;
            if !seen.insert(cfg.name.as_str()) {
                return Err(UpstreamError::DuplicateChannel(cfg.name.clone()));
            }
        }
        for cfg in configs {
            set.order.push(cfg.name.clone());
            set.channels.insert(
                cfg.name.clone(),
                Channel::start(cfg.clone(), events.clone()),
            );
        }
        Ok(set)
    }

    /// The channel called `name`.
    pub fn get(&self, name: &str) -> Option<&Channel> {
        self.channels.get(name)
    }

    /// Channel names in configuration order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.order.iter().map(String::as_str)
    }

    /// Whether routing may send on `name` now: connected, bound, not saturated.
    pub fn is_available(&self, name: &str) -> bool {
        self.channels.get(name).is_some_and(Channel::is_available)
    }

    /// Whether channel `name` is bound, even if saturated (see [`Channel::is_bound`]).
    pub fn is_bound(&self, name: &str) -> bool {
        self.channels.get(name).is_some_and(Channel::is_bound)
    }

    /// Sends `msg` on channel `name`.
    pub async fn send(
        &self,
        name: &str,
        msg: OutboundMessage,
    ) -> Result<SendReport, UpstreamError> {
        let channel = self
            .channels
            .get(name)
            .ok_or_else(|| UpstreamError::UnknownChannel(name.to_string()))?;
        Ok(channel.send(msg).await)
    }

    /// Status of every channel, in configuration order.
    pub fn status(&self) -> Vec<ChannelStatus> {
        self.order
            .iter()
            .filter_map(|n| self.channels.get(n))
            .map(Channel::status)
            .collect()
    }

    /// Unbinds and stops every channel.
    pub async fn shutdown(&self) {
        futures::future::join_all(self.channels.values().map(Channel::shutdown)).await;
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
