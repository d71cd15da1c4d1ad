//! `[admin]`: where the admin API listens and how it authenticates.

use std::net::SocketAddr;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::AdminError;

/// The admin API's settings (embedded by the config root as `[admin]`).
///
/// ```toml
/// [admin]
/// listen = "127.0.0.1:8775"
/// token_file = "/etc/smppd/admin.token"
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AdminConfig {
    /// Listen address; the API is off when unset.
    pub listen: Option<SocketAddr>,
    /// The bearer token, inline (prefer `token_file`; config files get copied around).
    pub token: Option<String>,
    /// A file holding the bearer token (trailing whitespace ignored).
    pub token_file: Option<PathBuf>,
}

/// Tokens shorter than this are refused: they can be guessed.
const MIN_TOKEN_LEN: usize = 16;

impl AdminConfig {
    /// The token in force (`token`, else the contents of `token_file`), checked for length.
    pub fn resolve_token(&self) -> Result<Option<String>, AdminError> {
        let token = match (&self.token, &self.token_file) {
            (Some(t), _) => Some(t.trim().to_string()),
            (None, Some(path)) => Some(
                std::fs::read_to_string(path)
                    .map_err(|source| AdminError::TokenFile {
                        path: path.clone(),
                        source,
                    })?
                    .trim()
                    .to_string(),
            ),
            (None, None) => None,
        };
        match token {
            Some(t) if t.len() < MIN_TOKEN_LEN => Err(AdminError::WeakToken),
            t => Ok(t),
        }
    }

    /// Checks the settings before anything listens: a wildcard address needs a token.
    pub fn validate(&self) -> Result<(), AdminError> {
        let token = self.resolve_token()?;
        match self.listen {
            Some(addr) if addr.ip().is_unspecified() && token.is_none() => {
                Err(AdminError::OpenOnWildcard(addr))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_without_token_is_refused() {
        let c: AdminConfig = toml::from_str("listen = \"0.0.0.0:8775\"").unwrap();
        assert!(matches!(c.validate(), Err(AdminError::OpenOnWildcard(_))));
        let c: AdminConfig =
            toml::from_str("listen = \"0.0.0.0:8775\"\ntoken = \"0123456789abcdef\"").unwrap();
        assert!(c.validate().is_ok());
        let c: AdminConfig = toml::from_str("listen = \"127.0.0.1:8775\"").unwrap();
        assert!(c.validate().is_ok());
    }

    #[test]
    fn short_tokens_and_unknown_keys_are_refused() {
        let c: AdminConfig = toml::from_str("token = \"short\"").unwrap();
        assert!(matches!(c.validate(), Err(AdminError::WeakToken)));
        assert!(toml::from_str::<AdminConfig>("listn = \"127.0.0.1:1\"").is_err());
    }
}
