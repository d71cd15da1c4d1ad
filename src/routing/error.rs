//! The routing layer's error type.

use std::path::PathBuf;

use super::number::NumberError;
use crate::message::MessageType;

/// `ESME_RINVDSTADR` (SMPP 3.4 §5.1.3): the status smppd answers a `submit_sm` with when the
/// destination cannot be normalized or no route rule matches it. A permanent error, which is
/// right: resubmitting the same message cannot succeed until the number or config changes.
pub const ESME_RINVDSTADR: u32 = 0x0000_000B;

/// Everything that can go wrong in routing: a request that cannot be routed, or data/config
/// that cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum RoutingError {
    /// The destination is not a usable number.
    #[error("bad destination number: {0}")]
    InvalidNumber(#[from] NumberError),
    /// No rule matches the message.
    #[error("no route for {number} (account {account:?}, carrier {carrier}, type {message_type})")]
    NoRoute {
        /// The normalized number (E.164).
        number: String,
        /// The submitting account.
        account: String,
        /// The carrier used for matching.
        carrier: String,
        /// The message type used for matching.
        message_type: MessageType,
    },
    /// A rule matched but every channel of every group in its failover list is unavailable.
    /// Not a submit-time error: the stored message waits and is routed again.
    #[error("rule {rule}: no channel available in groups {groups:?}")]
    NoChannelAvailable {
        /// The index of the rule that matched.
        rule: usize,
        /// The groups tried, in failover order.
        groups: Vec<String>,
    },
    /// The routing config is invalid.
    #[error("routing config: {0}")]
    Config(String),
    /// The prefix data (embedded table or CSV) is malformed.
    #[error("prefix data line {line}: {problem}")]
    PrefixData {
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// The portability file cannot be read or written, or has a bad line.
    #[error("portability file {path}: {problem}")]
    Portability {
        /// The file.
        path: PathBuf,
        /// What is wrong (I/O error text or line problem).
        problem: String,
    },
}

impl RoutingError {
    /// The SMPP `command_status` for a `submit_sm` this error rejects, or `None` when the
    /// error must not reject a submit (the message is stored and waits for a channel).
    ///
    /// Both a bad number and "no rule matches" answer `ESME_RINVDSTADR` (0x0B): clients and
    /// their SMPP libraries already treat it as "this destination cannot be reached, do not
    /// retry", which is the truth in both cases. The vendor range 0x400–0x4FF was considered and
    /// rejected because clients map unknown vendor codes to "retry later".
    pub fn submit_status(&self) -> Option<u32> {
        match self {
            RoutingError::InvalidNumber(_) | RoutingError::NoRoute { .. } => Some(ESME_RINVDSTADR),
            _ => None,
        }
    }
}
