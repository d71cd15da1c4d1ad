//! [`LoadgenError`]: why a load run could not start or a session ended early.

use std::io;

use crate::pdu::{CodecError, CommandStatus};

/// Errors of the load tool. Per-message failures (error statuses, missing receipts) are
/// results, counted in the summary; these are the failures of the tool or of a session.
#[derive(Debug, thiserror::Error)]
pub enum LoadgenError {
    /// The configuration cannot be run (e.g. zero sessions or window).
    #[error("invalid bench configuration: {0}")]
    Config(String),
    /// Connecting to the target failed.
    #[error("connect to {target}: {source}")]
    Connect {
        /// host:port.
        target: String,
        /// The socket error.
        source: io::Error,
    },
    /// No bind response within the connect timeout.
    #[error("timed out waiting for {0}")]
    Timeout(&'static str),
    /// The server answered the bind with an error status.
    #[error("bind refused: {0}")]
    BindRefused(CommandStatus),
    /// The server answered the bind with something other than the bind response.
    #[error("unexpected answer to bind: {0}")]
    UnexpectedBindAnswer(String),
    /// The server closed the connection.
    #[error("connection closed by the server")]
    Closed,
    /// Framing or socket error on an established session.
    #[error(transparent)]
    Codec(#[from] CodecError),
    /// A field value does not fit its SMPP field (e.g. a too long system_id).
    #[error("{field}: {reason}")]
    Field {
        /// The SMPP field name.
        field: &'static str,
        /// Why it does not fit.
        reason: String,
    },
    /// Not a single session could bind, so nothing was measured.
    #[error("no session bound ({0})")]
    NoSession(String),
    /// Writing the JSON summary failed.
    #[error("write summary: {0}")]
    Output(#[from] io::Error),
}
