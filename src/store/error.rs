//! The store layer's error type.

use crate::message::MessageId;

/// Why a store operation failed.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The database engine reported an error (I/O, corruption, full disk …).
    #[error("store database error: {0}")]
    Database(#[from] rusqlite::Error),
    /// The database file or its directory could not be created or opened.
    #[error("store file {path}: {source}")]
    Io {
        /// The path involved.
        path: std::path::PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A message with this id is already stored.
    #[error("message {0} is already stored")]
    Duplicate(MessageId),
    /// No message with this id is stored (never accepted, or compacted away).
    #[error("no stored message {0}")]
    UnknownMessage(MessageId),
    /// A stored value could not be read back (written by an incompatible version?).
    #[error("corrupt store record: {0}")]
    Corrupt(String),
    /// The batch transaction holding this write failed to commit; nothing of it is durable.
    #[error("store commit failed: {0}")]
    CommitFailed(String),
    /// The writer stopped (store shut down or its thread failed); nothing more is durable.
    #[error("store writer is not running")]
    WriterGone,
}
