//! The outstanding-request window of one session: sequence_number → request.
//!
//! SMPP 3.4 §2.7 lets responses come back out of order, matched by sequence_number. The window
//! holds each request until its response; when the connection is lost, [`Window::drain`] hands
//! every entry back so the channel can retry it elsewhere rather than forget it.

use std::collections::HashMap;

use tokio::time::{Duration, Instant};

/// One outstanding request and when it went out.
#[derive(Debug)]
struct Slot<T> {
    sent_at: Instant,
    request: T,
}

/// Outstanding requests of a session, bounded by the agreed window size.
#[derive(Debug)]
pub struct Window<T> {
    capacity: usize,
    slots: HashMap<u32, Slot<T>>,
}

impl<T> Window<T> {
    /// An empty window holding at most `capacity` requests.
    pub fn new(capacity: usize) -> Self {
        Window {
            capacity,
            slots: HashMap::with_capacity(capacity),
        }
    }

    /// Records `request` as sent with `seq` at `now`. Returns it back if the window is full
    /// or `seq` is already outstanding (a sequence wrap inside one window: never silently
    /// overwrite a live request).
    pub fn insert(&mut self, seq: u32, request: T, now: Instant) -> Result<(), T> {
        if self.slots.len() >= self.capacity || self.slots.contains_key(&seq) {
            return Err(request);
        }
        self.slots.insert(
            seq,
            Slot {
                sent_at: now,
                request,
            },
        );
        Ok(())
    }

    /// The request answered by a response with `seq`, if it is ours.
    pub fn complete(&mut self, seq: u32) -> Option<T> {
        self.slots.remove(&seq).map(|s| s.request)
    }

    /// How long the oldest outstanding request has waited; `None` when empty.
    pub fn oldest_age(&self, now: Instant) -> Option<Duration> {
        self.slots
            .values()
            .map(|s| now.saturating_duration_since(s.sent_at))
            .max()
    }

    /// Requests outstanding.
    pub fn len(&self) -> usize {
        self.slots.len()
    }

    /// No request outstanding.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty()
    }

    /// Room for another request.
    pub fn has_room(&self) -> bool {
        self.slots.len() < self.capacity
    }

    /// Every outstanding request, oldest first, leaving the window empty (connection lost).
    pub fn drain(&mut self) -> Vec<T> {
        let mut all: Vec<(Instant, u32, T)> = self
            .slots
            .drain()
            .map(|(seq, s)| (s.sent_at, seq, s.request))
            .collect();
        all.sort_by_key(|(at, seq, _)| (*at, *seq));
        all.into_iter().map(|(_, _, r)| r).collect()
    }
}

/// Sequence numbers 1..=0x7FFFFFFF, wrapping (SMPP 3.4 §5.1.4: 0 and the high bit are not used).
#[derive(Debug, Clone)]
pub struct SequenceNumbers {
    next: u32,
}

impl Default for SequenceNumbers {
    fn default() -> Self {
        SequenceNumbers { next: 1 }
    }
}

impl SequenceNumbers {
    /// The next sequence number.
    pub fn next_seq(&mut self) -> u32 {
        let seq = self.next;
        self.next = if seq >= 0x7FFF_FFFF { 1 } else { seq + 1 };
        seq
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bounded_and_matched_out_of_order() {
        let now = Instant::now();
        let mut w = Window::new(2);
        w.insert(1, "a", now).unwrap();
        w.insert(2, "b", now).unwrap();
        assert_eq!(w.insert(3, "c", now), Err("c"));
        assert_eq!(w.complete(2), Some("b"));
        assert_eq!(w.complete(2), None, "a response is matched once");
        assert!(w.has_room());
        assert_eq!(w.insert(1, "dup", now), Err("dup"));
    }

    #[test]
    fn drain_hands_back_everything_oldest_first() {
        let t0 = Instant::now();
        let mut w = Window::new(8);
        w.insert(7, "second", t0 + Duration::from_millis(5))
            .unwrap();
        w.insert(9, "first", t0).unwrap();
        w.insert(3, "third", t0 + Duration::from_millis(9)).unwrap();
        assert_eq!(
            w.oldest_age(t0 + Duration::from_millis(10)),
            Some(Duration::from_millis(10))
        );
        assert_eq!(w.drain(), vec!["first", "second", "third"]);
        assert!(w.is_empty());
    }

    #[test]
    fn sequence_wraps_without_zero() {
        let mut s = SequenceNumbers { next: 0x7FFF_FFFF };
        assert_eq!(s.next_seq(), 0x7FFF_FFFF);
        assert_eq!(s.next_seq(), 1);
    }
}
