//! smppd's own message ids, returned in `submit_sm_resp` and used in every receipt.
//!
//! Format: 16 upper-case hex digits of a 64-bit value. The high 36 bits are a Unix
//! timestamp in seconds, the low 28 bits a sequence within that second (268M ids/s).
//! The allocator never goes backwards: when a second's sequence is exhausted, or the
//! clock steps back, it borrows from the next second. Uniqueness across restarts holds
//! because a restarted process starts at `max(now, floor)`, where `floor` is one past
//! the highest second the store has seen (see `MessageIdAllocator::starting_after`).

use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

const SEQ_BITS: u32 = 28;
const SEQ_MASK: u64 = (1 << SEQ_BITS) - 1;

/// An smppd message id (see the module docs for its format).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId(u64);

impl MessageId {
    /// Wraps a raw 64-bit id (as stored).
    pub const fn from_u64(raw: u64) -> Self {
        MessageId(raw)
    }

    /// The raw 64-bit value (as stored).
    pub const fn as_u64(self) -> u64 {
        self.0
    }

    /// The Unix second this id was allocated in.
    pub const fn unix_seconds(self) -> u64 {
        self.0 >> SEQ_BITS
    }

    /// The sequence within [`Self::unix_seconds`].
    pub const fn sequence(self) -> u64 {
        self.0 & SEQ_MASK
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:016X}", self.0)
    }
}

/// The text was not 1–16 hex digits.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not an smppd message id (expected up to 16 hex digits): {0:?}")]
pub struct ParseMessageIdError(pub String);

impl FromStr for MessageId {
    type Err = ParseMessageIdError;

    /// Accepts either case, as clients echo ids back in query_sm/cancel_sm.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        if t.is_empty() || t.len() > 16 || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(ParseMessageIdError(s.to_string()));
        }
        u64::from_str_radix(t, 16)
            .map(MessageId)
            .map_err(|_| ParseMessageIdError(s.to_string()))
    }
}

/// Hands out strictly increasing [`MessageId`]s; lock-free and shared by all sessions.
#[derive(Debug)]
pub struct MessageIdAllocator {
    last: AtomicU64,
}

impl Default for MessageIdAllocator {
    fn default() -> Self {
        Self::starting_after(None)
    }
}

impl MessageIdAllocator {
    /// An allocator whose ids are all greater than `floor` (the highest id already
    /// issued, as recovered from the store) and than anything from an earlier second.
    pub fn starting_after(floor: Option<MessageId>) -> Self {
        let now = now_seconds() << SEQ_BITS;
        let floor = floor.map(|f| f.0).unwrap_or(0);
        MessageIdAllocator {
            last: AtomicU64::new(now.max(floor)),
        }
    }

    /// The next id.
    pub fn next_id(&self) -> MessageId {
        let now = now_seconds() << SEQ_BITS;
        let mut cur = self.last.load(Ordering::Relaxed);
        loop {
            // Within the same second (or a clock that stepped back) take the next
            // sequence; in a new second start at its first id.
            let next = if now > cur { now } else { cur + 1 };
            match self
                .last
                .compare_exchange_weak(cur, next, Ordering::Relaxed, Ordering::Relaxed)
            {
                Ok(_) => return MessageId(next),
                Err(seen) => cur = seen,
            }
        }
    }
}

fn now_seconds() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
        & ((1 << (64 - SEQ_BITS)) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_increase_and_round_trip_as_hex() {
        let alloc = MessageIdAllocator::default();
        let a = alloc.next_id();
        let b = alloc.next_id();
        assert!(b > a);
        let text = b.to_string();
        assert_eq!(text.len(), 16);
        assert_eq!(text.parse::<MessageId>(), Ok(b));
        assert_eq!(text.to_lowercase().parse::<MessageId>(), Ok(b));
    }

    #[test]
    fn restart_never_reissues_an_id_from_the_floor() {
        // A floor far in the future (clock stepped back after a restart).
        let floor = MessageId((now_seconds() + 1000) << SEQ_BITS | 5);
        let alloc = MessageIdAllocator::starting_after(Some(floor));
        assert!(alloc.next_id() > floor);
    }

    #[test]
    fn rejects_non_hex() {
        assert!("XYZ".parse::<MessageId>().is_err());
        assert!("".parse::<MessageId>().is_err());
        assert!("00000000000000001".parse::<MessageId>().is_err());
    }
}
