//! smppd's own binds towards carriers ("channels").
//!
//! A [`ChannelConfig`] describes one carrier connection. The building blocks here are kept
//! free of I/O so they can be tested on virtual time:
//!
//! - [`backoff`]: reconnect delays with jitter;
//! - [`throttle`]: the channel's TPS limiter with AIMD slow-down on throttle answers;
//! - [`status`]: what a carrier status means (throttle / transient / permanent);
//! - [`window`]: per-session outstanding requests, handed back on connection loss.

pub mod backoff;
pub mod config;
pub mod status;
pub mod throttle;
pub mod window;

pub use backoff::Backoff;
pub use config::{
    BindMode, ChannelConfig, ChannelConfigError, SourceAddrRule, SplitRule, StatusOverrides,
    UnknownOutcomePolicy,
};
pub use status::StatusClass;
pub use throttle::RateLimiter;
pub use window::{SequenceNumbers, Window};
