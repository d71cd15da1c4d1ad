//! Per-account, per-day statistics, maintained in the same transaction as every state
//! change so that they always reconcile:
//! `submitted = accepted + rejected` and `accepted = delivered + failed + expired + pending`.
//!
//! A message is counted on the day it was submitted (in the configured zone), also when
//! its final state arrives days later: a day's figures settle as its messages end.

use std::collections::BTreeMap;

use crate::message::MessageType;

use super::record::FinalState;

/// One set of counters (either messages or segments).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Every submit seen (accepted + rejected).
    pub submitted: u64,
    /// Accepted (got a message_id): billable.
    pub accepted: u64,
    /// Refused by policy or validation before acceptance.
    pub rejected: u64,
    /// Ended `DELIVRD`.
    pub delivered: u64,
    /// Ended in any failure other than expiry (undeliverable, rejected by the carrier …).
    pub failed: u64,
    /// Ended `EXPIRED`.
    pub expired: u64,
    /// Accepted and not final yet.
    pub pending: u64,
}

impl Counters {
    /// Whether both reconciliation identities hold.
    pub fn reconciles(&self) -> bool {
        self.submitted == self.accepted + self.rejected
            && self.accepted == self.delivered + self.failed + self.expired + self.pending
    }

    /// Adds another set of counters (to aggregate across types or days).
    pub fn add(&mut self, o: &Counters) {
        self.submitted += o.submitted;
        self.accepted += o.accepted;
        self.rejected += o.rejected;
        self.delivered += o.delivered;
        self.failed += o.failed;
        self.expired += o.expired;
        self.pending += o.pending;
    }
}

/// Rejections with one reason: messages and the segments they would have used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ReasonCount {
    /// Rejected messages.
    pub messages: u64,
    /// Their segments.
    pub segments: u64,
}

/// Statistics of one account, day and message type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyStats {
    /// `YYYY-MM-DD` in the configured zone.
    pub day: String,
    /// The account.
    pub account: String,
    /// The message type.
    pub message_type: MessageType,
    /// Counted in messages.
    pub messages: Counters,
    /// Counted in segments (billing counts accepted segments).
    pub segments: Counters,
    /// Rejections by reason.
    pub rejected_by_reason: BTreeMap<String, ReasonCount>,
}

/// Counters of routed messages on one route (messages or segments).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RouteCounters {
    /// Routed to this route (a message re-routed by failover counts on its last route).
    pub routed: u64,
    /// Ended `DELIVRD`.
    pub delivered: u64,
    /// Ended in a failure other than expiry.
    pub failed: u64,
    /// Ended `EXPIRED`.
    pub expired: u64,
    /// Not final yet.
    pub pending: u64,
}

impl RouteCounters {
    /// Whether `routed = delivered + failed + expired + pending` holds.
    pub fn reconciles(&self) -> bool {
        self.routed == self.delivered + self.failed + self.expired + self.pending
    }
}

/// Statistics of one account, day (of submission) and route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RouteStats {
    /// `YYYY-MM-DD` in the configured zone.
    pub day: String,
    /// The account.
    pub account: String,
    /// The upstream channel.
    pub channel: String,
    /// The carrier label, when routing gave one.
    pub carrier: Option<String>,
    /// The province label, when routing gave one.
    pub province: Option<String>,
    /// Counted in messages.
    pub messages: RouteCounters,
    /// Counted in segments.
    pub segments: RouteCounters,
}

/// Which statistics to read: inclusive day range, optionally one account.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatsQuery {
    /// Only this account (all when `None`).
    pub account: Option<String>,
    /// First day, `YYYY-MM-DD` (inclusive); all when `None`.
    pub from_day: Option<String>,
    /// Last day, `YYYY-MM-DD` (inclusive); all when `None`.
    pub to_day: Option<String>,
}

/// The statistics column a final state counts under.
pub(crate) fn final_column(state: FinalState) -> &'static str {
    match state {
        FinalState::Delivered => "delivered",
        FinalState::Expired => "expired",
        FinalState::Undeliverable
        | FinalState::Rejected
        | FinalState::Deleted
        | FinalState::Unknown => "failed",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reconciliation_detects_a_missing_message() {
        let mut c = Counters {
            submitted: 3,
            accepted: 2,
            rejected: 1,
            delivered: 1,
            pending: 1,
            ..Counters::default()
        };
        assert!(c.reconciles());
        c.pending = 0;
        assert!(!c.reconciles());
    }
}
