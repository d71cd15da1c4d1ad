//! `smppd check-text`: judge a text as an account would send it, without sending
//! it or touching any counter, and say which rule fired on which words.

use std::fmt;
use std::time::SystemTime;

use super::engine::Policy;
use super::error::PolicyError;
use super::normalize::normalize;
use super::settings::{AccountPolicy, PolicySettings};
use super::{Accepted, Rejection, Submission};
use crate::message::MessageType;

/// The verdict on one text, with what the matcher saw.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explanation {
    /// Accepted (with its type) or the rejection (status, rule, matched phrase).
    pub verdict: Result<Accepted, Rejection>,
    /// The normalized text the keyword lists were matched against.
    pub normalized: String,
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.verdict {
            Ok(a) => {
                writeln!(f, "verdict:    ACCEPT")?;
                writeln!(f, "type:       {}", a.message_type)?;
                if let Some(s) = &a.signature {
                    writeln!(f, "signature:  {s}")?;
                }
                if let Some(t) = &a.template {
                    writeln!(f, "template:   {t}")?;
                }
            }
            Err(r) => {
                writeln!(f, "verdict:    REJECT 0x{:08X} {}", r.status, r.reason)?;
                writeln!(f, "reason:     {}", r.reason.description())?;
                writeln!(f, "rule:       {}", r.rule)?;
                if let Some(m) = &r.matched {
                    writeln!(f, "matched:    {m}")?;
                }
            }
        }
        write!(f, "normalized: {}", self.normalized)
    }
}

/// Judges `text` for `account_id` under `settings` (dry run: quotas and
/// per-recipient limits are not evaluated; opt-out lists are, if `to` is given).
pub fn explain(
    settings: &PolicySettings,
    account_id: &str,
    account: &AccountPolicy,
    text: &str,
    message_type: Option<MessageType>,
    to: Option<&str>,
    now: SystemTime,
) -> Result<Explanation, PolicyError> {
    let policy = Policy::new(
        settings.clone(),
        [(account_id.to_string(), account.clone())],
        now,
    )?;
    Ok(policy.explain(&Submission {
        account: account_id,
        bind_id: 0,
        source: "",
        destination: to.unwrap_or(""),
        text,
        message_type_hint: message_type,
        segments: 1,
        now,
    }))
}

impl Policy {
    /// Explains the verdict on a submission without recording anything.
    pub fn explain(&self, sub: &Submission<'_>) -> Explanation {
        Explanation {
            verdict: self.dry_run(sub),
            normalized: normalize(sub.text),
        }
    }
}
