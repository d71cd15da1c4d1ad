//! Matching delivery receipts to the message_ids of submit_sm_resp.
//!
//! Ids are compared the way [`crate::text::dlr::normalize_carrier_id`] does (trimmed, ASCII
//! case folded, leading zeros stripped) but hashed to a `u64` without allocating, because
//! this runs once per submit and once per receipt. A receipt may overtake its own
//! submit_sm_resp (the SMSC writes both at once, or they travel on different binds), so an
//! unmatched receipt is parked in `early` and claimed when the response arrives.

use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hasher};
use std::time::Instant;

use hdrhistogram::Histogram;

/// Key of a message id: FNV-1a over its normalised form. Profiling (callgrind, 50k
/// submits) showed SipHash here and in the maps at ~12% of the tool's instructions; FNV is one
/// multiply per octet, and ids of one run do not need a keyed hash.
pub(crate) fn id_key(id: &[u8]) -> u64 {
    let trimmed = id.trim_ascii();
    let start = trimmed.iter().position(|&b| b != b'0');
    // An id of only zeros keeps one, as normalize_carrier_id does.
    let norm = match start {
        Some(i) => &trimmed[i..],
        None if trimmed.is_empty() => trimmed,
        None => &trimmed[trimmed.len() - 1..],
    };
    norm.iter().fold(FNV_OFFSET, |h, &b| {
        (h ^ u64::from(b.to_ascii_uppercase())).wrapping_mul(FNV_PRIME)
    })
}

const FNV_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
const FNV_PRIME: u64 = 0x0000_0100_0000_01b3;

/// Hasher for maps keyed by integers the tool produces (id keys, sequence numbers): one
/// xor-shift and multiply, so both the low bits (bucket) and top bits (hashbrown's tag) mix.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct IntHasher(u64);

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        let x = self.0;
        (x ^ (x >> 32)).wrapping_mul(0x9E37_79B9_7F4A_7C15)
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(FNV_PRIME);
        }
    }
    fn write_u32(&mut self, n: u32) {
        self.0 = u64::from(n);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = n;
    }
}

/// A `HashMap` with [`IntHasher`].
pub(crate) type IntMap<K, V> = HashMap<K, V, BuildHasherDefault<IntHasher>>;

/// What a receipt turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ReceiptMatch {
    /// It completed a message whose response had arrived.
    Matched,
    /// No response carries its id (yet): parked.
    Parked,
}

/// Receipt state shared by every session of a run (behind one mutex).
#[derive(Debug)]
pub(crate) struct Tracker {
    /// Accepted messages waiting for their receipt: id key → submit time.
    awaiting: IntMap<u64, Instant>,
    /// Receipts that no response has claimed yet: id key → receipt time.
    early: IntMap<u64, Instant>,
    /// Submit → receipt latency in microseconds.
    pub latency: Histogram<u64>,
    /// Receipts completed by a later submit_sm_resp.
    pub matched_after_early: u64,
    /// Receipts matched, by `stat`.
    pub by_stat: BTreeMap<String, u64>,
    /// When the last matched receipt arrived.
    pub last_receipt: Option<Instant>,
}

impl Tracker {
    pub(crate) fn new() -> Self {
        Tracker {
            awaiting: IntMap::default(),
            early: IntMap::default(),
            latency: latency_histogram(),
            matched_after_early: 0,
            by_stat: BTreeMap::new(),
            last_receipt: None,
        }
    }

    /// An OK submit_sm_resp: the message now waits for its receipt, unless the receipt came
    /// first. Returns true when that completed the message.
    pub(crate) fn accepted(&mut self, key: u64, submitted: Instant) -> bool {
        if let Some(received) = self.early.remove(&key) {
            self.record(submitted, received);
            self.matched_after_early += 1;
            true
        } else {
            self.awaiting.insert(key, submitted);
            false
        }
    }

    /// A final receipt for `key` with state `stat`.
    pub(crate) fn receipt(&mut self, key: u64, stat: &str, now: Instant) -> ReceiptMatch {
        *self.by_stat.entry(stat.to_owned()).or_insert(0) += 1;
        match self.awaiting.remove(&key) {
            Some(submitted) => {
                self.record(submitted, now);
                ReceiptMatch::Matched
            }
            None => {
                self.early.insert(key, now);
                ReceiptMatch::Parked
            }
        }
    }

    fn record(&mut self, submitted: Instant, received: Instant) {
        let us = received.saturating_duration_since(submitted).as_micros();
        self.latency
            .saturating_record(u64::try_from(us).unwrap_or(u64::MAX).max(1));
        self.last_receipt = Some(match self.last_receipt {
            Some(t) => t.max(received),
            None => received,
        });
    }

    /// Messages accepted whose receipt has not come.
    pub(crate) fn missing(&self) -> u64 {
        self.awaiting.len() as u64
    }

    /// Receipts no response ever claimed (unknown ids or duplicates).
    pub(crate) fn unmatched(&self) -> u64 {
        self.early.len() as u64
    }
}

/// A histogram of microseconds from 1 µs to one hour at 3 significant digits.
#[allow(clippy::expect_used)]
pub(crate) fn latency_histogram() -> Histogram<u64> {
    // Constant bounds that satisfy hdrhistogram's rules (low ≥ 1, high ≥ 2·low, sigfig ≤ 5):
    // this cannot fail at run time.
    Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid constant histogram bounds")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn ids_match_across_case_padding_and_whitespace() {
        assert_eq!(id_key(b"00abc12"), id_key(b"ABC12 "));
        assert_eq!(id_key(b"0000"), id_key(b"0"));
        assert_ne!(id_key(b"ABC12"), id_key(b"ABC13"));
    }

    #[test]
    fn receipt_before_response_is_matched_when_the_response_arrives() {
        let t0 = Instant::now();
        let mut t = Tracker::new();
        let later = t0 + Duration::from_millis(5);
        assert_eq!(
            t.receipt(id_key(b"A1"), "DELIVRD", later),
            ReceiptMatch::Parked
        );
        assert_eq!(t.unmatched(), 1);
        assert!(t.accepted(id_key(b"a1"), t0));
        assert_eq!(
            (t.unmatched(), t.missing(), t.matched_after_early),
            (0, 0, 1)
        );
        assert!(!t.accepted(id_key(b"B2"), t0));
        assert_eq!(t.missing(), 1);
        assert_eq!(
            t.receipt(id_key(b"B2"), "UNDELIV", later),
            ReceiptMatch::Matched
        );
        assert_eq!(t.latency.len(), 2);
        assert_eq!(t.by_stat.get("UNDELIV"), Some(&1));
    }
}
