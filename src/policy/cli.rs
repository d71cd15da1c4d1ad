//! `smppd check-text`: operators test their lists and accounts against a text
//! without sending it.

use std::path::Path;
use std::process::ExitCode;
use std::time::SystemTime;

use crate::config::Config;
use crate::message::MessageType;

use super::explain::explain;
use super::recipients::normalize_number;

/// Loads the config (or the embedded default), judges `text` as `account` would
/// send it, prints the verdict, rule and matched phrase. Exit status: 0 accepted,
/// 1 rejected, 2 the config or account could not be used.
pub fn check_text(
    config: Option<&Path>,
    account: &str,
    message_type: Option<MessageType>,
    to: Option<&str>,
    text: &str,
) -> ExitCode {
    match run(config, account, message_type, to, text) {
        Ok((out, accepted)) => {
            println!("{out}");
            if accepted {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!("smppd: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(
    config: Option<&Path>,
    account: &str,
    message_type: Option<MessageType>,
    to: Option<&str>,
    text: &str,
) -> Result<(String, bool), String> {
    let cfg = match config {
        Some(p) => Config::load(p),
        None => Config::embedded_default(),
    }
    .map_err(|e| e.to_string())?;
    let acct = cfg
        .accounts
        .iter()
        .find(|a| a.system_id == account)
        .ok_or_else(|| format!("no account {account:?} in the config"))?;
    let to = to.map(normalize_number);
    let e = explain(
        &cfg.policy,
        account,
        &acct.policy,
        text,
        message_type,
        to.as_deref(),
        SystemTime::now(),
    )
    .map_err(|e| e.to_string())?;
    let accepted = e.verdict.is_ok();
    Ok((e.to_string(), accepted))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_config_demo_account_is_judged() {
        let demo = Config::embedded_default().unwrap();
        let Some(acct) = demo.accounts.first() else {
            return;
        };
        let (out, accepted) = run(None, &acct.system_id, None, None, "网上赌场").unwrap();
        assert!(!accepted, "{out}");
        assert!(out.contains("verdict:    REJECT"), "{out}");
        assert!(run(None, "no-such-account", None, None, "x").is_err());
    }
}
