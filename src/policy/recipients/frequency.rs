//! Per-recipient counters: frequency limits per (account, message type), the
//! same-content window, and the cross-account daily cap (Beijing natural day).
//!
//! Windows slide (cn-sms-rules.md §5: "sliding unless natural day is stated"); the
//! cross-account cap counts messages per Beijing calendar day.
//!
//! Layout (`events.rs`): keyed by the number as an integer, one 32-byte hash bucket
//! per number holds its record and its oldest event; later events sit in a per-shard
//! side table, 16 bytes each (u32 ms times from a shard epoch, per-shard account ids).
//! A check touches the bucket and, for a number with more than one event, one side
//! entry — with hundreds of thousands of numbers tracked, cache misses, not
//! arithmetic, are the cost.
//!
//! Memory bound: at most `max_numbers` numbers (split over 32 shards), each with at
//! most [`MAX_EVENTS`] events kept for the longest window. A number with one event
//! costs its bucket (33 B with the control byte) at the table's load: 38–75 B; at the
//! default bound of 1 M the shard tables hold 65,536 buckets each, ~69 MB in all
//! (measured by `benches/tracker.rs`: 43 B per number at 100,000 numbers, 75 B at the
//! bound). Each further event adds 16 B, and the first of them a side entry (~40–75 B):
//! ~100 B for two events, ~1.2 KB worst case (64 events; 1 M numbers: ~1.2 GB). When
//! a shard is full, numbers idle for a day go first, then the least recently active
//! eighth; a number past `MAX_EVENTS` forgets its oldest event. Both are documented
//! fail-opens, preferred to refusing traffic because the table is full.
//!
//! Packing limits (none reachable with cn-sms-rules.md §5 limits): windows up to
//! ~24.8 days are exact to the ms, older history is clamped when the shard epoch
//! moves and may read younger than it is; the Beijing day and its count are 16-bit,
//! so a daily cap above 65,535 acts as 65,535.

use std::hash::{DefaultHasher, Hash, Hasher};

use parking_lot::Mutex;

use super::events::{Event, Number, Shard};

use crate::message::MessageType;
use crate::policy::settings::RateLimit;
use crate::policy::status::RejectReason;

const SHARDS: usize = 32;
/// Events kept per number (see the module docs).
pub const MAX_EVENTS: usize = 64;

/// What to enforce for one message.
#[derive(Debug, Clone, Copy)]
pub struct Limits<'a> {
    /// Sliding-window limits for this message type (empty = none).
    pub rates: &'a [RateLimit],
    /// Cross-account messages per number per Beijing day.
    pub daily_cap: Option<u32>,
    /// Same-content window in ms (0 = off).
    pub duplicate_window_ms: u64,
    /// How long events are kept: the longest window of any type (and the
    /// duplicate window), so pruning for one type never loses another's history.
    pub retention_ms: u64,
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
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    key: u64,
    account: u64,
    content: u64,
    at_ms: u64,
    day: i64,
}

/// The per-recipient counters (see the module docs for the memory bound).
#[derive(Debug)]
pub struct FrequencyTracker {
    shards: Vec<Mutex<Shard>>,
    per_shard: usize,
}

/// A content fingerprint for the duplicate window (per account and text).
pub fn content_hash(account: &str, text: &str) -> u64 {
    let mut h = DefaultHasher::new();
    account.hash(&mut h);
    text.hash(&mut h);
    h.finish()
}

fn fnv1a(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// A number's key: exact for digit strings up to 18 digits (a leading 1 keeps
/// `0123` and `123` apart), a 64-bit hash otherwise.
fn number_key(number: &str) -> u64 {
    if !number.is_empty() && number.len() <= 18 && number.bytes().all(|b| b.is_ascii_digit()) {
        number
            .bytes()
            .fold(1u64, |k, b| k * 10 + u64::from(b - b'0'))
    } else {
        fnv1a(number)
    }
}

impl FrequencyTracker {
    /// A tracker holding at most about `max_numbers` numbers.
    pub fn new(max_numbers: usize) -> FrequencyTracker {
        FrequencyTracker {
            shards: (0..SHARDS).map(|_| Mutex::default()).collect(),
            per_shard: (max_numbers / SHARDS).max(1),
        }
    }

    fn shard(&self, key: u64) -> &Mutex<Shard> {
        // Fibonacci hashing spreads consecutive numbers over the shards.
        let i = (key.wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 59) as usize;
        &self.shards[i % SHARDS]
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
        let key = number_key(e.number);
        let account = fnv1a(e.account);
        let mut shard = self.shard(key).lock();
        let now = shard.clock(e.now_ms);
        let stream = shard.stream(account, e.message_type);
        let day = clamp_day(e.day);
        let mut n = shard.number(key, now, self.per_shard);
        let verdict = check(&mut n, e, &limits, stream, now, day);
        let change = match verdict {
            Ok(()) => {
                if n.len() >= MAX_EVENTS {
                    n.remove(0);
                }
                let slot = n.slot();
                slot.day_count = slot.day_count.saturating_add(1);
                n.push(Event::new(e.content, now, stream))
            }
            // Pruning may have emptied the side entry.
            Err(_) => n.tidy(),
        };
        shard.apply(key, change);
        verdict.map(|()| Ticket {
            key,
            account,
            content: e.content,
            at_ms: e.now_ms,
            day: e.day,
        })
    }

    /// Undoes a recorded message (a later check refused it).
    pub fn rollback(&self, t: &Ticket) {
        let mut shard = self.shard(t.key).lock();
        let at = shard.offset(t.at_ms);
        let account = shard.account_id(t.account);
        let Some(mut n) = shard.existing(t.key) else {
            return;
        };
        let newest = n
            .iter()
            .enumerate()
            .filter(|(_, ev)| {
                ev.at == at && Some(ev.account()) == account && ev.content == t.content
            })
            .last();
        if let Some((i, _)) = newest {
            n.remove(i);
        }
        let slot = n.slot();
        if slot.day == clamp_day(t.day) {
            slot.day_count = slot.day_count.saturating_sub(1);
        }
        let change = n.tidy();
        shard.apply(t.key, change);
    }
}

/// Every limit against the number's events (pruning expired ones first), and the
/// day counter rolled to `day`.
fn check(
    n: &mut Number<'_>,
    e: &Entry<'_>,
    limits: &Limits<'_>,
    stream: u32,
    now: u32,
    day: u16,
) -> Result<(), (RejectReason, String)> {
    let age = |ev: &Event| u64::from(now.saturating_sub(ev.at));
    let retention = limits.retention_ms.max(limits.duplicate_window_ms);
    if n.first().is_some_and(|ev| age(ev) >= retention) {
        n.retain(|ev| age(ev) < retention);
    }
    let dup = limits.duplicate_window_ms;
    if dup > 0 && n.iter().any(|ev| ev.content == e.content && age(ev) < dup) {
        let window = humantime_serde::re::humantime::format_duration(ms(dup));
        return Err((
            RejectReason::DuplicateContent,
            format!("duplicate:{window}"),
        ));
    }
    for r in limits.rates {
        let per = u64::try_from(r.per.as_millis()).unwrap_or(u64::MAX);
        let inside = n
            .iter()
            .filter(|ev| ev.stream() == stream && age(ev) < per)
            .count();
        if inside >= r.count as usize {
            let per = humantime_serde::re::humantime::format_duration(r.per);
            let rule = format!("frequency:{}:{}/{per}", e.message_type, r.count);
            return Err((RejectReason::FrequencyLimit, rule));
        }
    }
    let slot = n.slot();
    if day > slot.day {
        slot.day = day;
        slot.day_count = 0;
    }
    if let Some(cap) = limits.daily_cap {
        // The counter is 16 bits: a cap above 65,535 a day per number acts as 65,535.
        if u32::from(slot.day_count) >= cap.min(u32::from(u16::MAX)) {
            let rule = format!("recipient_daily_cap:{cap}");
            return Err((RejectReason::RecipientDailyCap, rule));
        }
    }
    Ok(())
}

/// A Beijing day number in the record's 16 bits (days since 1970: until 2149).
fn clamp_day(day: i64) -> u16 {
    u16::try_from(day.max(0)).unwrap_or(u16::MAX)
}

fn ms(v: u64) -> std::time::Duration {
    std::time::Duration::from_millis(v)
}

#[cfg(test)]
#[path = "frequency_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "frequency_model_tests.rs"]
mod model_tests;
