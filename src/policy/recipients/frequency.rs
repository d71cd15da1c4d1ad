//! Per-recipient counters: frequency limits per (account, message type), the
//! same-content window, and the cross-account daily cap (Beijing natural day).
//!
//! Windows slide (cn-sms-rules.md §5: "sliding unless natural day is stated"); the
//! cross-account cap counts messages per Beijing calendar day.
//!
//! Memory bound: at most `max_numbers` numbers are tracked, split over 32 shards.
//! Each entry holds at most (sum of the largest `count` per stream) timestamps plus
//! at most 64 content hashes, so ≈ 300 B per number for typical limits
//! (1 M numbers ≈ 300 MB worst case). Entries idle longer than the longest window
//! are dropped when a shard is full; if a shard is still full, its least recently
//! active number is evicted (its limits start afresh: a documented fail-open).

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};

use parking_lot::Mutex;

use crate::message::MessageType;
use crate::policy::settings::RateLimit;
use crate::policy::status::RejectReason;

const SHARDS: usize = 32;
const MAX_RECENT: usize = 64;
const DAY_MS: u64 = 86_400_000;

/// What to enforce for one message.
#[derive(Debug, Clone, Copy)]
pub struct Limits<'a> {
    /// Sliding-window limits for this message type (empty = none).
    pub rates: &'a [RateLimit],
    /// Cross-account messages per number per Beijing day.
    pub daily_cap: Option<u32>,
    /// Same-content window in ms (0 = off).
    pub duplicate_window_ms: u64,
}

#[derive(Debug)]
struct Stream {
    account: String,
    message_type: MessageType,
    times: VecDeque<u64>,
}

#[derive(Debug, Default)]
struct RecipientState {
    last_ms: u64,
    day: i64,
    day_count: u32,
    streams: Vec<Stream>,
    recent: VecDeque<(u64, u64)>,
}

/// The message being recorded against one number.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    /// Sending account.
    pub account: &'a str,
    /// Recipient (normalized national number).
    pub number: &'a str,
    /// Message type.
    pub message_type: MessageType,
    /// [`content_hash`] of the text.
    pub content: u64,
    /// Now, ms since the Unix epoch.
    pub now_ms: u64,
    /// Beijing day number of now.
    pub day: i64,
}

/// Proof of a recorded message, to undo it if a later check refuses the message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ticket {
    number: String,
    account: String,
    message_type: MessageType,
    at_ms: u64,
    day: i64,
    content: u64,
}

/// The per-recipient counters (see the module docs for the memory bound).
#[derive(Debug)]
pub struct FrequencyTracker {
    shards: Vec<Mutex<HashMap<String, RecipientState>>>,
    per_shard: usize,
}

/// A content fingerprint for the duplicate window (per account and text).
pub fn content_hash(account: &str, text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    account.hash(&mut h);
    text.hash(&mut h);
    h.finish()
}

impl FrequencyTracker {
    /// A tracker holding at most about `max_numbers` numbers.
    pub fn new(max_numbers: usize) -> FrequencyTracker {
        FrequencyTracker {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            per_shard: (max_numbers / SHARDS).max(1),
        }
    }

    fn shard(&self, number: &str) -> &Mutex<HashMap<String, RecipientState>> {
        let mut h = DefaultHasher::new();
        number.hash(&mut h);
        &self.shards[(h.finish() as usize) % SHARDS]
    }

    /// Numbers currently tracked.
    pub fn len(&self) -> usize {
        self.shards.iter().map(|s| s.lock().len()).sum()
    }

    /// Whether no number is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Checks every limit and, if all pass, records the message. On refusal returns
    /// the reason and the rule that fired.
    pub fn check_and_record(
        &self,
        e: &Entry<'_>,
        limits: Limits<'_>,
    ) -> Result<Ticket, (RejectReason, String)> {
        let Entry {
            account,
            number,
            message_type,
            content,
            now_ms,
            day,
        } = *e;
        let mut shard = self.shard(number).lock();
        if !shard.contains_key(number) && shard.len() >= self.per_shard {
            evict(&mut shard, now_ms, self.per_shard);
        }
        let st = shard.entry(number.to_string()).or_default();
        st.last_ms = st.last_ms.max(now_ms);
        let dup = limits.duplicate_window_ms;
        while st
            .recent
            .front()
            .is_some_and(|(_, t)| now_ms.saturating_sub(*t) >= dup.max(1))
        {
            st.recent.pop_front();
        }
        if dup > 0 && st.recent.iter().any(|(h, _)| *h == content) {
            return Err((
                RejectReason::DuplicateContent,
                format!(
                    "duplicate:{}",
                    humantime_serde::re::humantime::format_duration(ms(dup))
                ),
            ));
        }
        let longest = limits.rates.iter().map(|r| r.per).max().unwrap_or_default();
        let longest_ms = u64::try_from(longest.as_millis()).unwrap_or(u64::MAX);
        let idx = match st
            .streams
            .iter()
            .position(|s| s.message_type == message_type && s.account == account)
        {
            Some(i) => i,
            None => {
                st.streams.push(Stream {
                    account: account.to_string(),
                    message_type,
                    times: VecDeque::new(),
                });
                st.streams.len() - 1
            }
        };
        let times = &mut st.streams[idx].times;
        while times
            .front()
            .is_some_and(|t| now_ms.saturating_sub(*t) >= longest_ms)
        {
            times.pop_front();
        }
        for r in limits.rates {
            let per = u64::try_from(r.per.as_millis()).unwrap_or(u64::MAX);
            let inside = times
                .iter()
                .rev()
                .take_while(|t| now_ms.saturating_sub(**t) < per)
                .count();
            if inside >= r.count as usize {
                return Err((
                    RejectReason::FrequencyLimit,
                    format!(
                        "frequency:{}:{}/{}",
                        message_type,
                        r.count,
                        humantime_serde::re::humantime::format_duration(r.per)
                    ),
                ));
            }
        }
        if day > st.day {
            st.day = day;
            st.day_count = 0;
        }
        if let Some(cap) = limits.daily_cap {
            if st.day_count >= cap {
                return Err((
                    RejectReason::RecipientDailyCap,
                    format!("recipient_daily_cap:{cap}"),
                ));
            }
        }
        if !limits.rates.is_empty() {
            times.push_back(now_ms);
        }
        if dup > 0 {
            st.recent.push_back((content, now_ms));
            if st.recent.len() > MAX_RECENT {
                st.recent.pop_front();
            }
        }
        st.day_count += 1;
        Ok(Ticket {
            number: number.to_string(),
            account: account.to_string(),
            message_type,
            at_ms: now_ms,
            day,
            content,
        })
    }

    /// Undoes a recorded message (a later check refused it).
    pub fn rollback(&self, t: &Ticket) {
        let mut shard = self.shard(&t.number).lock();
        let Some(st) = shard.get_mut(&t.number) else {
            return;
        };
        if let Some(s) = st
            .streams
            .iter_mut()
            .find(|s| s.message_type == t.message_type && s.account == t.account)
        {
            if let Some(i) = s.times.iter().rposition(|x| *x == t.at_ms) {
                s.times.remove(i);
            }
        }
        if let Some(i) = st
            .recent
            .iter()
            .rposition(|(h, at)| *h == t.content && *at == t.at_ms)
        {
            st.recent.remove(i);
        }
        if st.day == t.day {
            st.day_count = st.day_count.saturating_sub(1);
        }
    }
}

fn ms(v: u64) -> std::time::Duration {
    std::time::Duration::from_millis(v)
}

fn evict(shard: &mut HashMap<String, RecipientState>, now_ms: u64, cap: usize) {
    // Idle for a day: every default window (the longest is 1 day) has expired.
    shard.retain(|_, st| now_ms.saturating_sub(st.last_ms) < DAY_MS);
    while shard.len() >= cap {
        let Some(oldest) = shard
            .iter()
            .min_by_key(|(_, st)| st.last_ms)
            .map(|(k, _)| k.clone())
        else {
            break;
        };
        shard.remove(&oldest);
    }
}

#[cfg(test)]
#[path = "frequency_tests.rs"]
mod tests;
