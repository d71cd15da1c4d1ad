//! Recipient protection: opt-out lists (fed by MO unsubscribe replies and the
//! admin API) and per-number frequency limits, so a looping sender cannot flood a
//! phone (service terms 4.1, 4.6; cn-sms-rules.md §1, §4, §5).

mod events;
mod frequency;
mod optout;

pub use frequency::{content_hash, Entry, FrequencyTracker, Limits, Ticket};
pub use optout::{normalize_number, OptOutList, OptOutScope};

use super::error::PolicyError;
use super::unsubscribe::ReplyMatcher;

/// Opt-out lists, frequency counters and the MO reply matcher.
#[derive(Debug)]
pub struct Recipients {
    /// The opt-out lists.
    pub opt_out: OptOutList,
    /// The per-number counters.
    pub tracker: FrequencyTracker,
    replies: ReplyMatcher,
}

impl Recipients {
    /// Builds from an opt-out list and a tracking bound.
    pub fn new(opt_out: OptOutList, max_tracked: usize) -> Recipients {
        Recipients {
            opt_out,
            tracker: FrequencyTracker::new(max_tracked),
            replies: ReplyMatcher::default(),
        }
    }

    /// Handles a mobile-originated text from `number` to `account`'s port: if it is
    /// an unsubscribe reply (TD, T, N, R, 退订, 取消, unsubscribe … case/width
    /// insensitive) the number is added to the account's opt-out list. Returns
    /// whether it was an unsubscribe reply.
    pub fn opt_out_from_mo(
        &self,
        account: &str,
        number: &str,
        text: &str,
    ) -> Result<bool, PolicyError> {
        if !self.replies.is_unsubscribe(text) {
            return Ok(false);
        }
        self.opt_out
            .add(&OptOutScope::Account(account.to_string()), number)?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mo_reply_opts_out_of_that_account_only() {
        let r = Recipients::new(OptOutList::in_memory(), 100);
        assert!(r
            .opt_out_from_mo("shop", "8613800138000", " ＴＤ ")
            .unwrap());
        assert!(!r.opt_out_from_mo("shop", "13900139000", "谢谢").unwrap());
        assert!(r.opt_out.lookup("shop", "13800138000").is_some());
        assert!(r.opt_out.lookup("bank", "13800138000").is_none());
        assert!(r.opt_out.lookup("shop", "13900139000").is_none());
    }
}
