//! The TOML configuration: parsed with serde, then validated as a whole at start so that a
//! mistake is reported once, naming the file, the key and what is wrong, before any socket opens.
//!
//! `smppd run` with no `--config` uses [`EMBEDDED_DEFAULT`] (`deploy/smppd.example.toml`).

mod account;
mod password;
mod reload;

use std::collections::HashSet;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use account::{Account, AccountConfig, MAX_SYSTEM_ID_LEN};
pub use password::{
    hash_password, hash_password_with, Credential, HashPasswordError, MAX_PASSWORD_LEN,
};
pub use reload::{ReloadError, ReloadReport, Reloader};

use crate::admin::logging::LogConfig;
use crate::admin::AdminConfig;
use crate::gateway::GatewaySettings;
use crate::policy::PolicySettings;
use crate::routing::{RouteTable, RoutingConfig};
use crate::server::ServerSettings;
use crate::sim::SimConfig;
use crate::store::StoreConfig;
use crate::upstream::ChannelConfig;

/// `deploy/smppd.example.toml`, compiled in so `smppd run` works with nothing else installed.
pub const EMBEDDED_DEFAULT: &str = include_str!("../../deploy/smppd.example.toml");

/// The name [`EMBEDDED_DEFAULT`] goes by in error messages.
pub const EMBEDDED_DEFAULT_NAME: &str = "<embedded deploy/smppd.example.toml>";

/// The whole file as written; each section is its module's own settings type.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    server: ServerSettings,
    #[serde(default)]
    accounts: Vec<AccountConfig>,
    #[serde(default)]
    gateway: GatewaySettings,
    #[serde(default)]
    policy: PolicySettings,
    #[serde(default)]
    store: StoreConfig,
    #[serde(default)]
    routing: RoutingConfig,
    #[serde(default)]
    upstream: UpstreamSection,
    #[serde(default)]
    sim: SimSection,
    #[serde(default)]
    admin: AdminConfig,
    #[serde(default)]
    log: LogConfig,
}

/// `[upstream]`: the carrier channels smppd binds to.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpstreamSection {
    /// `[[upstream.channels]]`.
    #[serde(default)]
    pub channels: Vec<ChannelConfig>,
}

impl UpstreamSection {
    /// The channels' names in file order (what routes may name).
    pub fn channel_names(&self) -> Vec<&str> {
        self.channels.iter().map(|c| c.name.as_str()).collect()
    }
}

/// `[sim]`: simulated carriers started inside smppd (the demo; never in production).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimSection {
    /// `[[sim.carriers]]`.
    #[serde(default)]
    pub carriers: Vec<SimConfig>,
}

/// A validated configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// Listener, sessions, windows, bind limits.
    pub server: ServerSettings,
    /// Accounts allowed to bind, unique by system_id.
    pub accounts: Vec<Account>,
    /// `[gateway]`: the pipeline between sessions and carriers.
    pub gateway: GatewaySettings,
    /// `[policy]`: content lists, unsubscribe phrases, recipient limits.
    pub policy: PolicySettings,
    /// `[store]`: the durable message store.
    pub store: StoreConfig,
    /// `[routing]`: route rules, channel groups, portability.
    pub routing: RoutingConfig,
    /// `[upstream]`: carrier channels.
    pub upstream: UpstreamSection,
    /// `[sim]`: embedded simulated carriers.
    pub sim: SimSection,
    /// `[admin]`: the operator's HTTP API (off unless `listen` is set).
    pub admin: AdminConfig,
    /// `[log]`: human or JSON lines, the initial filter.
    pub log: LogConfig,
    /// The file it was read from (`None`: the embedded default or a string); a config
    /// reload re-reads it.
    pub source: Option<PathBuf>,
}

/// Why a configuration was refused. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{file}: cannot read: {source}")]
    Read {
        /// The file.
        file: String,
        /// The OS error.
        source: std::io::Error,
    },
    /// Not valid TOML, or a key serde does not know or cannot convert.
    #[error("{file}:{line}: in [{table}]: {problem}")]
    Syntax {
        /// The file.
        file: String,
        /// 1-based line of the problem (0 when unknown).
        line: usize,
        /// The enclosing table header (`server.auth`, `accounts`), empty at top level.
        table: String,
        /// What is wrong, as the TOML parser put it.
        problem: String,
    },
    /// Valid TOML with a value that makes no sense.
    #[error("{file}: {key}: {problem}")]
    Invalid {
        /// The file.
        file: String,
        /// Dotted key, e.g. `accounts[0].password` or `server.inbound_window`.
        key: String,
        /// What is wrong and, where possible, how to fix it.
        problem: String,
    },
}

impl Config {
    /// Reads and validates a config file.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            file: file.clone(),
            source,
        })?;
        let mut cfg = Config::parse(&text, &file)?;
        cfg.source = Some(path.to_path_buf());
        Ok(cfg)
    }

    /// The embedded default ([`EMBEDDED_DEFAULT`]), validated like any file.
    pub fn embedded_default() -> Result<Config, ConfigError> {
        Config::parse(EMBEDDED_DEFAULT, EMBEDDED_DEFAULT_NAME)
    }

    /// Parses and validates TOML text; `file` names it in errors.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| syntax_error(text, file, &e))?;
        let invalid = |key: String, problem: String| ConfigError::Invalid {
            file: file.to_string(),
            key,
            problem,
        };
        raw.server
            .check()
            .map_err(|(key, problem)| invalid(format!("server.{key}"), problem))?;
        if raw.accounts.is_empty() {
            return Err(invalid(
                "accounts".into(),
                "no [[accounts]]: nobody could bind".into(),
            ));
        }
        let mut seen = HashSet::new();
        let mut accounts = Vec::with_capacity(raw.accounts.len());
        for (i, a) in raw.accounts.iter().enumerate() {
            let account = a.validate().map_err(|(key, problem)| {
                invalid(format!("accounts[{i}] ({:?}).{key}", a.system_id), problem)
            })?;
            if !seen.insert(account.system_id.clone()) {
                return Err(invalid(
                    format!("accounts[{i}].system_id"),
                    format!("{:?} is already used by an earlier account", a.system_id),
                ));
            }
            accounts.push(account);
        }
        let mut names = HashSet::new();
        for (i, ch) in raw.upstream.channels.iter().enumerate() {
            ch.validate().map_err(|e| {
                invalid(
                    format!("upstream.channels[{i}] ({:?})", ch.name),
                    e.to_string(),
                )
            })?;
            if !names.insert(ch.name.as_str()) {
                return Err(invalid(
                    format!("upstream.channels[{i}].name"),
                    format!("{:?} is already used by an earlier channel", ch.name),
                ));
            }
        }
        let names = raw.upstream.channel_names();
        // A config with neither routes nor channels is a server-only config (tests, tools);
        // `smppd run` still refuses it when it builds the route table.
        if !raw.routing.rules.is_empty() || !names.is_empty() {
            RouteTable::new(&raw.routing, &names)
                .map_err(|e| invalid("routing".into(), e.to_string()))?;
        }
        // The token file is read at start (it may only exist on the server); here only the
        // shape: a wildcard listener without any token is refused.
        if let Some(addr) = raw.admin.listen {
            if addr.ip().is_unspecified()
                && raw.admin.token.is_none()
                && raw.admin.token_file.is_none()
            {
                return Err(invalid(
                    "admin.listen".into(),
                    format!("{addr} listens on every interface: set token or token_file"),
                ));
            }
        }
        Ok(Config {
            server: raw.server,
            accounts,
            gateway: raw.gateway,
            policy: raw.policy,
            store: raw.store,
            routing: raw.routing,
            upstream: raw.upstream,
            sim: raw.sim,
            admin: raw.admin,
            log: raw.log,
            source: None,
        })
    }
}

/// Turns a toml error into one naming the line and the enclosing table.
fn syntax_error(text: &str, file: &str, e: &toml::de::Error) -> ConfigError {
    let (line, table) = match e.span() {
        Some(span) => {
            let before = text.get(..span.start).unwrap_or(text);
            let line = before.matches('\n').count() + 1;
            // The nearest `[table]` / `[[array]]` header above the error.
            let table = before
                .lines()
                .rev()
                .map(str::trim)
                .find(|l| l.starts_with('['))
                .map(|l| l.trim_matches(|c| c == '[' || c == ']').trim().to_string())
                .unwrap_or_default();
            (line, table)
        }
        None => (0, String::new()),
    };
    ConfigError::Syntax {
        file: file.to_string(),
        line,
        table,
        problem: e.message().trim().to_string(),
    }
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} listener(s) ({}), {} account(s)",
            self.server.listen.len(),
            self.server
                .listen
                .iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            self.accounts.len()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: &str = "[[accounts]]\nsystem_id = \"a\"\npassword = \"p\"\ninsecure_plain_password = true\nallowed_ips = [\"127.0.0.1\"]\n";

    #[test]
    fn embedded_default_is_valid() {
        let c = Config::embedded_default().unwrap();
        assert!(c.server.listen.iter().any(|a| a.port() == 2775));
        assert!(c.accounts.iter().any(|a| a.system_id == "demo"));
    }

    #[test]
    fn unknown_key_names_file_line_and_table() {
        let text = format!("[server]\ninbound_window = 4\nwindow = 3\n{MIN}");
        let e = Config::parse(&text, "x.toml").unwrap_err().to_string();
        assert!(e.starts_with("x.toml:3: in [server]:"), "{e}");
        assert!(e.contains("unknown field `window`"), "{e}");
    }

    #[test]
    fn bad_duration_and_value_errors_name_the_key() {
        let text = format!("[server]\nresponse_timeout = \"soon\"\n{MIN}");
        let e = Config::parse(&text, "x.toml").unwrap_err().to_string();
        assert!(e.contains("x.toml:2: in [server]"), "{e}");
        let text = format!("[server]\ninbound_window = 0\n{MIN}");
        let e = Config::parse(&text, "x.toml").unwrap_err().to_string();
        assert_eq!(e, "x.toml: server.inbound_window: must be at least 1");
    }

    #[test]
    fn account_errors_name_index_and_id() {
        let text = format!(
            "{MIN}[[accounts]]\nsystem_id = \"b\"\npassword = \"p\"\nallowed_ips = [\"::/0\"]\n"
        );
        let e = Config::parse(&text, "x.toml").unwrap_err().to_string();
        assert!(
            e.starts_with("x.toml: accounts[1] (\"b\").password: plain-text"),
            "{e}"
        );
        let e = Config::parse(&format!("{MIN}{MIN}"), "x.toml")
            .unwrap_err()
            .to_string();
        assert!(e.contains("accounts[1].system_id"), "{e}");
        let e = Config::parse("", "x.toml").unwrap_err().to_string();
        assert!(e.contains("accounts"), "{e}");
    }
}
