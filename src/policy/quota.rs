//! Account quotas: a TPS token bucket per account (and per bind if configured) and
//! daily/monthly caps, all counted in SEGMENTS, as carriers bill them.
//!
//! The bucket refills continuously at `tps` segments/s up to `burst`, so a burst
//! that fits in the bucket is accepted even if it arrives "1 ms early". A message
//! with more segments than the bucket holds is admitted when the bucket is full and
//! leaves it in debt, so long concatenated texts are slowed, never starved.
//! Limits change at run time with [`Quotas::set_limits`]; usage (tokens, day and
//! month counters) is kept across the change (a config reload goes through it).
//!
//! The counters live in memory; at start the composition root seeds each account's day
//! and month from the durable store with [`Quotas::seed_usage`] (the segments accepted
//! since the start of the Beijing day and month), so a restart does not hand out a
//! second day's cap. What counts is what was accepted, as carriers bill: a message the
//! carrier later failed still counts; a submit the policy refused never does.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::SystemTime;

use parking_lot::{Mutex, RwLock};
use serde::Serialize;

use super::clock::{unix_millis, BeijingTime};
use super::settings::AccountPolicy;
use super::status::RejectReason;

/// Bind buckets kept per account before idle (full) ones are pruned.
const MAX_BIND_BUCKETS: usize = 256;

/// The quota part of an account's policy.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct QuotaLimits {
    /// Segments per second; 0 = unlimited.
    pub tps: u32,
    /// Bucket capacity in segments.
    pub burst: u32,
    /// Per-bind segments per second, if configured.
    pub bind_tps: Option<u32>,
    /// Per-bind bucket capacity.
    pub bind_burst: u32,
    /// Segments per Beijing day.
    pub daily_cap: Option<u64>,
    /// Segments per Beijing month.
    pub monthly_cap: Option<u64>,
}

impl QuotaLimits {
    /// The limits an [`AccountPolicy`] asks for (burst defaults to max(1, tps/10)).
    pub fn from_policy(p: &AccountPolicy) -> QuotaLimits {
        let bind_tps = p.bind_tps;
        QuotaLimits {
            tps: p.tps,
            burst: p.burst.unwrap_or((p.tps / 10).max(1)).max(1),
            bind_tps,
            bind_burst: p
                .bind_burst
                .unwrap_or((bind_tps.unwrap_or(0) / 10).max(1))
                .max(1),
            daily_cap: p.daily_cap,
            monthly_cap: p.monthly_cap,
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct TokenBucket {
    tokens: f64,
    last_ms: u64,
}

impl TokenBucket {
    fn full(capacity: u32, now_ms: u64) -> TokenBucket {
        TokenBucket {
            tokens: f64::from(capacity),
            last_ms: now_ms,
        }
    }

    fn refill(&mut self, rate: u32, capacity: u32, now_ms: u64) {
        // A clock stepping back refills nothing rather than panicking or draining.
        let elapsed = now_ms.saturating_sub(self.last_ms);
        self.last_ms = self.last_ms.max(now_ms);
        let added = elapsed as f64 * f64::from(rate) / 1000.0;
        self.tokens = (self.tokens + added).min(f64::from(capacity));
    }

    fn admits(&self, segments: u32, capacity: u32) -> bool {
        // Small epsilon: float refill of exactly one token must not miss by 1e-12.
        self.tokens + 1e-9 >= f64::from(segments.min(capacity))
    }
}

#[derive(Debug)]
struct AccountQuota {
    limits: QuotaLimits,
    bucket: TokenBucket,
    binds: HashMap<u64, TokenBucket>,
    day: i64,
    day_used: u64,
    month: i64,
    month_used: u64,
}

/// A live view of one account's quota usage (admin API).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QuotaUsage {
    /// The account.
    pub account: String,
    /// Limits in force.
    pub limits: QuotaLimits,
    /// Segments available in the account bucket right now (negative = debt).
    pub tokens: f64,
    /// Beijing date the daily counter belongs to.
    pub date: String,
    /// Segments accepted that day.
    pub day_used: u64,
    /// Segments accepted in the Beijing month.
    pub month_used: u64,
    /// Binds with their own bucket.
    pub binds_tracked: usize,
}

/// All accounts' quotas. `Send + Sync`; one short mutex hold per check.
#[derive(Debug, Default)]
pub struct Quotas {
    accounts: RwLock<HashMap<String, Arc<Mutex<AccountQuota>>>>,
}

impl Quotas {
    /// Sets (or changes) an account's limits. Usage so far is kept; the bucket is
    /// clamped to the new capacity.
    pub fn set_limits(&self, account: &str, limits: QuotaLimits, now: SystemTime) {
        let now_ms = unix_millis(now);
        if let Some(q) = self.accounts.read().get(account) {
            let mut q = q.lock();
            q.limits = limits;
            q.bucket.tokens = q.bucket.tokens.min(f64::from(limits.burst));
            let cap = f64::from(limits.bind_burst);
            for b in q.binds.values_mut() {
                b.tokens = b.tokens.min(cap);
            }
            return;
        }
        let bj = BeijingTime::at(now);
        self.accounts.write().insert(
            account.to_string(),
            Arc::new(Mutex::new(AccountQuota {
                limits,
                bucket: TokenBucket::full(limits.burst, now_ms),
                binds: HashMap::new(),
                day: bj.day,
                day_used: 0,
                month: bj.month_key(),
                month_used: 0,
            })),
        );
    }

    /// Raises an account's usage of the current Beijing day and month to at least
    /// `day_used` / `month_used` segments (read from the store at start, see the module
    /// docs). Never lowers usage already counted. Returns false for an unknown account.
    pub fn seed_usage(
        &self,
        account: &str,
        day_used: u64,
        month_used: u64,
        now: SystemTime,
    ) -> bool {
        let Some(q) = self.accounts.read().get(account).cloned() else {
            return false;
        };
        let mut q = q.lock();
        q.roll_calendar(&BeijingTime::at(now));
        q.day_used = q.day_used.max(day_used);
        q.month_used = q.month_used.max(month_used).max(q.day_used);
        true
    }

    /// Forgets an account (removed from the config).
    pub fn remove(&self, account: &str) {
        self.accounts.write().remove(account);
    }

    /// Forgets a bind's bucket (the server calls this on unbind).
    pub fn release_bind(&self, account: &str, bind_id: u64) {
        if let Some(q) = self.accounts.read().get(account) {
            q.lock().binds.remove(&bind_id);
        }
    }

    /// Takes `segments` from the account's caps and buckets, all or nothing.
    /// Unknown accounts are not limited here (policy refuses them earlier).
    pub fn try_acquire(
        &self,
        account: &str,
        bind_id: u64,
        segments: u32,
        now: SystemTime,
    ) -> Result<(), RejectReason> {
        let Some(q) = self.accounts.read().get(account).cloned() else {
            return Ok(());
        };
        let now_ms = unix_millis(now);
        let bj = BeijingTime::at(now);
        let mut q = q.lock();
        q.roll_calendar(&bj);
        let seg = u64::from(segments);
        let l = q.limits;
        if l.daily_cap.is_some_and(|cap| q.day_used + seg > cap) {
            return Err(RejectReason::DailyQuotaExhausted);
        }
        if l.monthly_cap.is_some_and(|cap| q.month_used + seg > cap) {
            return Err(RejectReason::MonthlyQuotaExhausted);
        }
        if l.tps > 0 {
            q.bucket.refill(l.tps, l.burst, now_ms);
            if !q.bucket.admits(segments, l.burst) {
                return Err(RejectReason::Throttled);
            }
        }
        if let Some(bind_tps) = l.bind_tps.filter(|t| *t > 0) {
            if q.binds.len() >= MAX_BIND_BUCKETS && !q.binds.contains_key(&bind_id) {
                q.prune_idle_binds(now_ms);
            }
            let bucket = q
                .binds
                .entry(bind_id)
                .or_insert_with(|| TokenBucket::full(l.bind_burst, now_ms));
            bucket.refill(bind_tps, l.bind_burst, now_ms);
            if !bucket.admits(segments, l.bind_burst) {
                return Err(RejectReason::Throttled);
            }
            bucket.tokens -= f64::from(segments);
        }
        if l.tps > 0 {
            q.bucket.tokens -= f64::from(segments);
        }
        q.day_used += seg;
        q.month_used += seg;
        Ok(())
    }

    /// Live usage of one account.
    pub fn usage(&self, account: &str, now: SystemTime) -> Option<QuotaUsage> {
        let q = self.accounts.read().get(account).cloned()?;
        let bj = BeijingTime::at(now);
        let mut q = q.lock();
        q.roll_calendar(&bj);
        let l = q.limits;
        if l.tps > 0 {
            q.bucket.refill(l.tps, l.burst, unix_millis(now));
        }
        Some(QuotaUsage {
            account: account.to_string(),
            limits: l,
            tokens: q.bucket.tokens,
            date: bj.date_string(),
            day_used: q.day_used,
            month_used: q.month_used,
            binds_tracked: q.binds.len(),
        })
    }

    /// Live usage of every account, sorted by account.
    pub fn usage_all(&self, now: SystemTime) -> Vec<QuotaUsage> {
        let mut names: Vec<String> = self.accounts.read().keys().cloned().collect();
        names.sort();
        names.iter().filter_map(|a| self.usage(a, now)).collect()
    }
}

impl AccountQuota {
    fn roll_calendar(&mut self, bj: &BeijingTime) {
        // Only move forward: a clock stepping back must not reset a used-up quota.
        if bj.day > self.day {
            self.day = bj.day;
            self.day_used = 0;
        }
        if bj.month_key() > self.month {
            self.month = bj.month_key();
            self.month_used = 0;
        }
    }

    fn prune_idle_binds(&mut self, now_ms: u64) {
        let (rate, cap) = (self.limits.bind_tps.unwrap_or(0), self.limits.bind_burst);
        self.binds.retain(|_, b| {
            let mut b2 = *b;
            b2.refill(rate, cap, now_ms);
            b2.tokens < f64::from(cap)
        });
    }
}

#[cfg(test)]
#[path = "quota_tests.rs"]
mod tests;
