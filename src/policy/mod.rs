//! Policy on the submit path: account quotas and content checks, run before
//! `submit_sm_resp` so every refusal answers with a specific status
//! (see [`status`] and `src/policy/STATUS_CODES.md`).
//!
//! Pure library code on already-decoded text: the server hands a [`Submission`]
//! to [`Policy::check`] and gets [`Accepted`] (the message type and segment count
//! to store) or a [`Rejection`] (status, rule, matched phrase).
//!
//! - [`status`]: the command_status table and [`RejectReason`].
//! - [`settings`]: [`PolicySettings`] (global) and [`AccountPolicy`] (per account).
//! - [`quota`]: TPS token buckets and daily/monthly caps, in segments.
//! - [`normalize`], [`keywords`], [`regex_rules`], [`signature`], [`template`],
//!   [`unsubscribe`], [`content`]: the content checks.
//! - [`recipients`]: opt-out lists and per-number frequency limits.
//! - [`concat`]: reassembly of concatenated messages before judging them.
//! - [`explain`](explain()): the verdict with rule and matched phrase, for
//!   `smppd check-text`.

pub mod cli;
mod clock;
pub mod concat;
pub mod content;
mod counters;
mod engine;
mod error;
mod explain;
pub mod keywords;
pub mod normalize;
pub mod quota;
pub mod recipients;
pub mod regex_rules;
pub mod settings;
pub mod signature;
pub mod status;
pub mod template;
pub mod unsubscribe;

use std::fmt;
use std::time::SystemTime;

pub use clock::BeijingTime;
pub use counters::RejectionCount;
pub use engine::Policy;
pub use error::PolicyError;
pub use explain::{explain, Explanation};
pub use settings::{AccountPolicy, PolicySettings};
pub use status::RejectReason;

use crate::message::MessageType;

/// One message to judge (a whole text: concatenated parts are reassembled first).
#[derive(Debug, Clone, Copy)]
pub struct Submission<'a> {
    /// The bound account (system_id).
    pub account: &'a str,
    /// The session's bind id (for per-bind TPS).
    pub bind_id: u64,
    /// source_addr.
    pub source: &'a str,
    /// destination_addr as a normalized national number (`13800138000`).
    pub destination: &'a str,
    /// The decoded text.
    pub text: &'a str,
    /// Message type from `service_type`, if the client gave one.
    pub message_type_hint: Option<MessageType>,
    /// Billable segments (TPS and caps count these).
    pub segments: u32,
    /// The current time (injected, so tests need no sleeping).
    pub now: SystemTime,
}

/// An accepted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accepted {
    /// The message type decided (template > hint > account default).
    pub message_type: MessageType,
    /// Segments charged.
    pub segments: u32,
    /// The signature found (without brackets), if checked.
    pub signature: Option<String>,
    /// The approved template matched, if any.
    pub template: Option<String>,
}

/// A refused message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Why.
    pub reason: RejectReason,
    /// The `command_status` to answer with (`reason.status()`).
    pub status: u32,
    /// The rule that fired, e.g. `keyword:gambling:赌博`, `frequency:otp:1/1m`.
    pub rule: String,
    /// The stretch of the ORIGINAL text that matched, if the rule is about content.
    pub matched: Option<String>,
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "0x{:08X} {} ({})", self.status, self.reason, self.rule)?;
        if let Some(m) = &self.matched {
            write!(f, " matched {m:?}")?;
        }
        Ok(())
    }
}
