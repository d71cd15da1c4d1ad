//! Rejection counters by account and reason (until the metrics module wires them
//! to Prometheus, the admin API and `smppd` stats read [`RejectionCounters::snapshot`]).

use std::collections::HashMap;

use parking_lot::Mutex;
use serde::Serialize;

use super::status::RejectReason;

/// One (account, reason) counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectionCount {
    /// Account id.
    pub account: String,
    /// Stable reason name ([`RejectReason::as_str`]).
    pub reason: &'static str,
    /// The status code sent.
    pub status: u32,
    /// Rejections since start.
    pub count: u64,
}

/// Counts every rejection. Only rejections touch it, so one mutex is enough.
#[derive(Debug, Default)]
pub struct RejectionCounters {
    counts: Mutex<HashMap<(String, RejectReason), u64>>,
}

impl RejectionCounters {
    /// Counts one rejection.
    pub fn record(&self, account: &str, reason: RejectReason) {
        let mut c = self.counts.lock();
        if let Some(n) = c.get_mut(&(account.to_string(), reason)) {
            *n += 1;
        } else {
            c.insert((account.to_string(), reason), 1);
        }
    }

    /// Every counter, sorted by account then reason.
    pub fn snapshot(&self) -> Vec<RejectionCount> {
        let mut v: Vec<RejectionCount> = self
            .counts
            .lock()
            .iter()
            .map(|((a, r), n)| RejectionCount {
                account: a.clone(),
                reason: r.as_str(),
                status: r.status(),
                count: *n,
            })
            .collect();
        v.sort_by(|x, y| (&x.account, x.reason).cmp(&(&y.account, y.reason)));
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_by_account_and_reason() {
        let c = RejectionCounters::default();
        c.record("b", RejectReason::Throttled);
        c.record("a", RejectReason::BannedContent);
        c.record("a", RejectReason::BannedContent);
        let s = c.snapshot();
        assert_eq!(s.len(), 2);
        assert_eq!(
            (s[0].account.as_str(), s[0].reason, s[0].count),
            ("a", "banned_content", 2)
        );
        assert_eq!(s[1].status, 0x58);
    }
}
