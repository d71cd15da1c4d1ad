//! The policy layer's error type: loading lists, compiling rules and templates,
//! persisting opt-outs. Check verdicts are not errors (see [`super::Rejection`]).

use std::path::PathBuf;

/// A policy configuration or persistence failure.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// A list or opt-out file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// A line of a list file is malformed.
    #[error("{path}:{line}: {message}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
    /// A regex rule does not compile.
    #[error("regex rule {name:?}: {source}")]
    Regex {
        /// Rule name.
        name: String,
        /// The regex error.
        source: regex::Error,
    },
    /// A template is malformed.
    #[error("template {id:?}: {message}")]
    Template {
        /// Template id.
        id: String,
        /// What is wrong.
        message: String,
    },
    /// The keyword automaton could not be built (too many/too long patterns).
    #[error("keyword automaton: {0}")]
    Automaton(#[from] aho_corasick::BuildError),
}
