//! Requests smppd sent and awaits a response for (SMPP 3.4 §2.6, §7.2 response_timer):
//! a bounded map sequence_number → (deadline, what to do with the answer), plus the sequence
//! number allocator for those requests.

use std::collections::HashMap;
use std::time::{Duration, Instant};

/// SMPP 3.4 §2.2: sequence numbers run 0x00000001–0x7FFFFFFF and then wrap.
const MAX_SEQUENCE: u32 = 0x7FFF_FFFF;

/// Hands out sequence numbers for smppd-initiated requests on one session.
#[derive(Debug, Clone)]
pub(crate) struct SequenceAllocator {
    next: u32,
}

impl Default for SequenceAllocator {
    fn default() -> Self {
        SequenceAllocator { next: 1 }
    }
}

impl SequenceAllocator {
    /// The next number, never 0 and never above 0x7FFFFFFF.
    pub(crate) fn next_seq(&mut self) -> u32 {
        let n = self.next;
        self.next = if n >= MAX_SEQUENCE { 1 } else { n + 1 };
        n
    }
}

/// Outstanding requests of one session, at most `capacity` at once.
#[derive(Debug)]
pub(crate) struct Window<T> {
    capacity: usize,
    timeout: Duration,
    pending: HashMap<u32, (Instant, T)>,
}

impl<T> Window<T> {
    pub(crate) fn new(capacity: usize, timeout: Duration) -> Self {
        Window {
            capacity,
            timeout,
            pending: HashMap::new(),
        }
    }

    /// Room for one more request?
    pub(crate) fn has_room(&self) -> bool {
        self.pending.len() < self.capacity
    }

    /// Requests awaiting an answer.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.pending.len()
    }

    /// Records a request sent at `now`. The caller checks `has_room` first; the window does
    /// not refuse, because link-management requests (enquire_link, unbind) must always go out.
    pub(crate) fn insert(&mut self, seq: u32, now: Instant, item: T) {
        self.pending.insert(seq, (now + self.timeout, item));
    }

    /// What waits for the answer to `seq`, left in place.
    pub(crate) fn get(&self, seq: u32) -> Option<&T> {
        self.pending.get(&seq).map(|(_, item)| item)
    }

    /// The answer to `seq` arrived: hands back what was waiting for it.
    pub(crate) fn complete(&mut self, seq: u32) -> Option<T> {
        self.pending.remove(&seq).map(|(_, item)| item)
    }

    /// Removes and returns every request whose response is overdue at `now`.
    pub(crate) fn expire(&mut self, now: Instant) -> Vec<(u32, T)> {
        let overdue: Vec<u32> = self
            .pending
            .iter()
            .filter(|(_, (deadline, _))| *deadline <= now)
            .map(|(seq, _)| *seq)
            .collect();
        overdue
            .into_iter()
            .filter_map(|seq| self.pending.remove(&seq).map(|(_, item)| (seq, item)))
            .collect()
    }

    /// The earliest response deadline, for the session's timer.
    pub(crate) fn next_deadline(&self) -> Option<Instant> {
        self.pending.values().map(|(d, _)| *d).min()
    }

    /// Empties the window (session ending): the caller reports each item as not delivered.
    pub(crate) fn drain(&mut self) -> impl Iterator<Item = (u32, T)> + '_ {
        self.pending.drain().map(|(seq, (_, item))| (seq, item))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_wraps_to_one_never_zero() {
        let mut s = SequenceAllocator {
            next: MAX_SEQUENCE - 1,
        };
        assert_eq!(s.next_seq(), MAX_SEQUENCE - 1);
        assert_eq!(s.next_seq(), MAX_SEQUENCE);
        assert_eq!(s.next_seq(), 1);
        assert_eq!(s.next_seq(), 2);
    }

    #[test]
    fn window_fills_completes_and_expires() {
        let t0 = Instant::now();
        let mut w = Window::new(2, Duration::from_secs(10));
        assert!(w.has_room());
        w.insert(1, t0, "a");
        w.insert(2, t0 + Duration::from_secs(5), "b");
        assert!(!w.has_room());
        assert_eq!(w.next_deadline(), Some(t0 + Duration::from_secs(10)));
        assert_eq!(w.complete(1), Some("a"));
        assert_eq!(
            w.complete(1),
            None,
            "a second resp for the same seq is not matched"
        );
        assert!(w.has_room());
        assert!(w.expire(t0 + Duration::from_secs(14)).is_empty());
        assert_eq!(w.expire(t0 + Duration::from_secs(15)), vec![(2, "b")]);
        assert_eq!(w.len(), 0);
        assert_eq!(w.next_deadline(), None);
    }
}
