//! Process logging: `tracing` with a run-time reloadable filter (the admin API's
//! `PUT /log-level`), human-readable or JSON lines.
//!
//! Phone numbers are personal data: log them through [`crate::metrics::MaskedMsisdn`]
//! (`138****8000`), and message text only at `debug` or below.

use std::io::IsTerminal;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{reload, EnvFilter, Registry};

use super::LogControl;

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LogFormat {
    /// One human-readable line per event (the default; journald/terminal).
    #[default]
    Human,
    /// One JSON object per line, with the span fields (for log shippers).
    Json,
}

/// Logging settings (`[log]`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LogConfig {
    /// Human or JSON lines.
    pub format: LogFormat,
    /// The initial filter (`info,smppd::server=debug`); `RUST_LOG` wins when set, `info`
    /// when neither is.
    pub filter: Option<String>,
}

/// Why logging could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    /// The filter does not parse.
    #[error("log filter {0:?}: {1}")]
    Filter(String, String),
    /// A global subscriber is already installed (logging was set up twice).
    #[error("logging already initialised: {0}")]
    AlreadySet(String),
}

/// Installs the global subscriber and returns the handle that changes its filter.
pub fn init(config: &LogConfig) -> Result<Arc<dyn LogControl>, LogError> {
    let directives = std::env::var("RUST_LOG")
        .ok()
        .filter(|s| !s.trim().is_empty())
        .or_else(|| config.filter.clone())
        .unwrap_or_else(|| "info".to_string());
    let filter = EnvFilter::try_new(&directives)
        .map_err(|e| LogError::Filter(directives.clone(), e.to_string()))?;
    let (filter, handle) = reload::Layer::new(filter);
    let registry = Registry::default().with(filter);
    // stderr: stdout carries the lines scripts read ("smppd listening on …").
    let ansi = std::io::stderr().is_terminal();
    let result = match config.format {
        LogFormat::Human => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(ansi),
            )
            .try_init(),
        LogFormat::Json => registry
            .with(
                tracing_subscriber::fmt::layer()
                    .json()
                    .with_current_span(true)
                    .with_writer(std::io::stderr),
            )
            .try_init(),
    };
    result.map_err(|e| LogError::AlreadySet(e.to_string()))?;
    Ok(Arc::new(handle))
}
