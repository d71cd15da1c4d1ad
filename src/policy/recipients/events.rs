//! Compact per-number storage for the frequency tracker (see `frequency.rs` for the
//! rules it serves).
//!
//! A number costs one 32-byte map bucket (key + [`Slot`]) when it has one event, the
//! common case when most messages go to new recipients: the first event lives inline,
//! later ones in a side table entry with a 16-byte [`Event`] each. To fit, times are
//! `u32` milliseconds from a per-shard epoch (exact: windows are compared in ms), and
//! accounts are small per-shard ids instead of 64-bit hashes.
//!
//! The epoch moves forward (every stored time shifted down) when now no longer fits
//! in 32 bits, i.e. every ~24.8 days, keeping the last 2^31 ms (24.8 days) exact.
//! Older history would need a window longer than that (no rule of cn-sms-rules.md §5
//! is longer than a day); such events are clamped to 24.8 days old, so they still
//! count, for a while longer than their window.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use crate::message::MessageType;

/// A day in ms: numbers idle this long have outlived every default window.
pub(super) const DAY_MS: u64 = 86_400_000;
/// History kept exact after the epoch moves (2^31 ms, about 24.8 days).
const HISTORY_MS: u64 = 1 << 31;
const TYPE_BITS: u32 = 3;
const TYPE_MASK: u32 = (1 << TYPE_BITS) - 1;
/// On a number's inline event: its later events are in the side table.
const MORE: u32 = 1 << 31;
/// The inline event of a number with no events (type bits 7 are no message type).
const NONE: u32 = TYPE_MASK;
/// Account ids fit in the 28 bits between the type and [`MORE`].
const MAX_ACCOUNTS: usize = 1 << 28;

/// One recorded message: 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Event {
    /// `content_hash` of the text (it includes the account).
    pub content: u64,
    /// When, in ms from the shard epoch.
    pub at: u32,
    /// `account id << 3 | message type`; on the inline event also [`MORE`].
    tag: u32,
}

impl Event {
    /// An event of `stream` (see [`Shard::stream`]).
    pub fn new(content: u64, at: u32, stream: u32) -> Event {
        Event {
            content,
            at,
            tag: stream,
        }
    }

    /// The (account, message type) stream the event belongs to.
    pub fn stream(&self) -> u32 {
        self.tag & !MORE
    }

    /// The account id part of the stream.
    pub fn account(&self) -> u32 {
        self.stream() >> TYPE_BITS
    }

    fn is_none(&self) -> bool {
        self.tag & TYPE_MASK == NONE
    }
}

const EMPTY: Event = Event {
    content: 0,
    at: 0,
    tag: NONE,
};

/// A number's record: 24 bytes, 32 with its key in the map.
#[derive(Debug, Clone, Copy)]
pub(super) struct Slot {
    /// The oldest kept event, or [`EMPTY`].
    first: Event,
    /// Last activity (recorded or refused), ms from the shard epoch; eviction order.
    last: u32,
    /// Beijing day number of `day_count`, clamped to `u16` (days since 1970: until 2149).
    pub day: u16,
    /// Messages recorded on `day`, across accounts (saturating).
    pub day_count: u16,
}

/// A number's events, oldest first: the inline one and the side table's.
pub(super) struct Number<'a> {
    slot: &'a mut Slot,
    side: Option<&'a mut Vec<Event>>,
}

/// What the side table needs after a [`Number`] was changed.
#[must_use]
pub(super) enum SideChange {
    /// Nothing.
    None,
    /// The number's second event: start its side entry.
    Start(Event),
    /// The side entry is empty: drop it.
    Drop,
}

impl Number<'_> {
    /// The record (day counters).
    pub fn slot(&mut self) -> &mut Slot {
        self.slot
    }

    /// The events, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Event> {
        let first = (!self.slot.first.is_none()).then_some(&self.slot.first);
        first
            .into_iter()
            .chain(self.side.iter().flat_map(|s| s.iter()))
    }

    /// The oldest event.
    pub fn first(&self) -> Option<&Event> {
        (!self.slot.first.is_none()).then_some(&self.slot.first)
    }

    /// How many events.
    pub fn len(&self) -> usize {
        usize::from(!self.slot.first.is_none()) + self.side.as_ref().map_or(0, |s| s.len())
    }

    /// Keeps the events `keep` accepts, in order.
    pub fn retain(&mut self, mut keep: impl FnMut(&Event) -> bool) {
        if let Some(side) = self.side.as_deref_mut() {
            side.retain(|ev| keep(ev));
            if side.capacity() > 8 && side.len() * 4 <= side.capacity() {
                side.shrink_to(side.len() * 2);
            }
        }
        if !self.slot.first.is_none() && !keep(&self.slot.first) {
            self.remove(0);
        }
    }

    /// Removes the `i`-th event (oldest is 0); out of range is a no-op.
    pub fn remove(&mut self, i: usize) {
        let more = self.slot.first.tag & MORE;
        match (i, self.side.as_deref_mut()) {
            (0, Some(side)) if !side.is_empty() => {
                let next = side.remove(0);
                self.slot.first = Event {
                    tag: next.tag | more,
                    ..next
                };
            }
            (0, _) => {
                self.slot.first = Event {
                    tag: NONE | more,
                    ..EMPTY
                }
            }
            (i, Some(side)) if i <= side.len() => {
                side.remove(i - 1);
            }
            _ => {}
        }
    }

    /// Appends `ev` (the newest).
    pub fn push(&mut self, ev: Event) -> SideChange {
        if self.slot.first.is_none() {
            self.slot.first = Event {
                tag: ev.tag | (self.slot.first.tag & MORE),
                ..ev
            };
            return SideChange::None;
        }
        match self.side.as_deref_mut() {
            Some(side) => {
                // Grow 1, 2, 4, 8 … rather than Vec's first step of 4: most numbers
                // with a side entry hold one or two more events.
                if side.len() == side.capacity() {
                    side.reserve_exact(side.len().max(1));
                }
                side.push(ev);
                SideChange::None
            }
            None => {
                self.slot.first.tag |= MORE;
                SideChange::Start(ev)
            }
        }
    }

    /// Whether the side entry should go (it emptied); clears the flag if so.
    pub fn tidy(&mut self) -> SideChange {
        match &self.side {
            Some(side) if side.is_empty() => {
                self.slot.first.tag &= !MORE;
                SideChange::Drop
            }
            _ => SideChange::None,
        }
    }
}

/// Hashes an account's 64-bit FNV-1a key with one multiply: the keys are already
/// spread, and come from configured accounts, not from senders (numbers keep the
/// keyed SipHash against collision flooding).
#[derive(Debug, Default)]
struct AccountHasher(u64);

impl Hasher for AccountHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
    }

    fn write_u64(&mut self, v: u64) {
        self.0 = v.wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// One shard's numbers, their later events, its epoch and account ids.
#[derive(Debug, Default)]
pub(super) struct Shard {
    epoch_ms: Option<u64>,
    numbers: HashMap<u64, Slot>,
    more: HashMap<u64, Vec<Event>>,
    accounts: HashMap<u64, u32, BuildHasherDefault<AccountHasher>>,
}

/// `t` moved `delta` ms towards the epoch, clamped at the epoch.
fn shift(t: u32, delta: u64) -> u32 {
    u32::try_from(u64::from(t).saturating_sub(delta)).unwrap_or(0)
}

impl Shard {
    /// Numbers tracked.
    pub fn len(&self) -> usize {
        self.numbers.len()
    }

    /// `ms` (since the Unix epoch) as an offset from the shard epoch; times before it
    /// (a clock stepped back further than the kept history) clamp to it.
    pub fn offset(&self, ms: u64) -> u32 {
        let since = ms.saturating_sub(self.epoch_ms.unwrap_or(0));
        u32::try_from(since).unwrap_or(u32::MAX)
    }

    /// Now as an offset, first moving the epoch if now no longer fits.
    pub fn clock(&mut self, now_ms: u64) -> u32 {
        let epoch = *self
            .epoch_ms
            .get_or_insert(now_ms.saturating_sub(HISTORY_MS));
        if now_ms.saturating_sub(epoch) > u64::from(u32::MAX) {
            self.rebase(now_ms.saturating_sub(HISTORY_MS));
        }
        self.offset(now_ms)
    }

    fn rebase(&mut self, epoch_ms: u64) {
        let delta = epoch_ms.saturating_sub(self.epoch_ms.unwrap_or(0));
        self.epoch_ms = Some(epoch_ms);
        for slot in self.numbers.values_mut() {
            slot.first.at = shift(slot.first.at, delta);
            slot.last = shift(slot.last, delta);
        }
        for ev in self.more.values_mut().flatten() {
            ev.at = shift(ev.at, delta);
        }
    }

    /// The stream id of `account` (its `fnv1a` hash) and `t`, giving the account an id
    /// on first sight.
    pub fn stream(&mut self, account: u64, t: MessageType) -> u32 {
        if self.accounts.len() >= MAX_ACCOUNTS && !self.accounts.contains_key(&account) {
            // 2^28 accounts through one shard cannot happen with configured
            // accounts; if it did, forgetting the shard is the documented fail-open.
            self.numbers.clear();
            self.more.clear();
            self.accounts.clear();
        }
        let next = u32::try_from(self.accounts.len()).unwrap_or(0);
        let id = *self.accounts.entry(account).or_insert(next);
        id << TYPE_BITS | t as u32
    }

    /// The id of a known account.
    pub fn account_id(&self, account: u64) -> Option<u32> {
        self.accounts.get(&account).copied()
    }

    /// The number's events, creating its record (evicting first if the shard holds
    /// `cap` numbers) and noting activity at `now`.
    pub fn number(&mut self, key: u64, now: u32, cap: usize) -> Number<'_> {
        if self.numbers.len() >= cap && !self.numbers.contains_key(&key) {
            self.evict(now, cap);
        }
        let slot = self.numbers.entry(key).or_insert(Slot {
            first: EMPTY,
            last: now,
            day: 0,
            day_count: 0,
        });
        slot.last = slot.last.max(now);
        let side = match slot.first.tag & MORE {
            0 => None,
            _ => self.more.get_mut(&key),
        };
        Number { slot, side }
    }

    /// The number's events if it is tracked.
    pub fn existing(&mut self, key: u64) -> Option<Number<'_>> {
        let slot = self.numbers.get_mut(&key)?;
        let side = match slot.first.tag & MORE {
            0 => None,
            _ => self.more.get_mut(&key),
        };
        Some(Number { slot, side })
    }

    /// Applies what [`Number::push`] or [`Number::tidy`] asked for.
    pub fn apply(&mut self, key: u64, change: SideChange) {
        match change {
            SideChange::None => {}
            SideChange::Start(ev) => {
                // Capacity exactly 1: most numbers never get a third event.
                self.more.insert(key, vec![ev]);
            }
            SideChange::Drop => {
                self.more.remove(&key);
            }
        }
    }

    /// Makes room: numbers idle for a day go (every default window, the longest
    /// being a day, has expired for them); if still full, the least recently active
    /// eighth goes in one pass, so a full shard costs O(1) amortized per new number
    /// rather than a scan per insert.
    fn evict(&mut self, now: u32, cap: usize) {
        let Shard { numbers, more, .. } = self;
        let mut drop = |key: &u64, slot: &Slot| {
            if slot.first.tag & MORE != 0 {
                more.remove(key);
            }
        };
        numbers.retain(|key, slot| {
            let keep = u64::from(now.saturating_sub(slot.last)) < DAY_MS;
            if !keep {
                drop(key, slot);
            }
            keep
        });
        if numbers.len() < cap {
            return;
        }
        let mut last: Vec<u32> = numbers.values().map(|s| s.last).collect();
        let k = (last.len() / 8).max(1) - 1;
        let (_, threshold, _) = last.select_nth_unstable(k);
        let threshold = *threshold;
        let mut budget = k + 1;
        numbers.retain(|key, slot| {
            if budget > 0 && slot.last <= threshold {
                budget -= 1;
                drop(key, slot);
                false
            } else {
                true
            }
        });
    }
}

#[cfg(test)]
#[path = "events_tests.rs"]
mod tests;
