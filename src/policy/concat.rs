//! Reassembly of concatenated messages (UDH IEI 0x00/0x08 or sar_* TLVs, decoded by
//! the server) so policy judges the whole text: a banned phrase split across two
//! segments is caught.
//!
//! Clients often wait for each part's `submit_sm_resp` before sending the next, so
//! earlier parts are accepted and held; when the last part arrives the assembler
//! returns [`ConcatOutcome::Complete`] with the whole text and every part's id, the
//! server runs `Policy::check` on it, and on rejection answers the last part with the
//! status and ends the held parts with REJECTD receipts. Sets that never complete
//! come back from [`ConcatAssembler::sweep`] after the timeout, to end the same way
//! (status `concat_incomplete`).
//!
//! Memory bound: at most `max_open` sets (each ≤ 255 parts) are held; a new set
//! beyond that is refused with [`ConcatError::TooManyOpen`].

use std::collections::HashMap;
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;

use super::clock::unix_millis;
use crate::message::MessageId;

/// Identifies one concatenated message (SMPP 3.4 §5.3.2.22–24: the reference is
/// unique per source/destination pair, so the key includes both and the account).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConcatKey {
    /// Owning account.
    pub account: String,
    /// source_addr.
    pub source: String,
    /// destination_addr (normalized).
    pub destination: String,
    /// sar_msg_ref_num / UDH reference (8- or 16-bit).
    pub reference: u16,
}

/// The result of adding a part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConcatOutcome {
    /// More parts are expected: accept this one and hold it.
    Pending,
    /// All parts arrived: the text in sequence order and the part ids (same order).
    Complete {
        /// The reassembled text.
        text: String,
        /// Every part's message id, by sequence number.
        parts: Vec<MessageId>,
    },
}

/// A part that cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConcatError {
    /// seq 0, seq > total, or total 0.
    #[error("invalid segment {seq} of {total}")]
    InvalidSequence {
        /// Sequence number given.
        seq: u8,
        /// Total given.
        total: u8,
    },
    /// The total differs from earlier parts of the same reference.
    #[error("segment total {got} differs from the set's {expected}")]
    TotalMismatch {
        /// The set's total.
        expected: u8,
        /// This part's total.
        got: u8,
    },
    /// That sequence number was already received.
    #[error("segment {0} received twice")]
    Duplicate(u8),
    /// Too many open sets (memory bound).
    #[error("too many incomplete concatenated messages held")]
    TooManyOpen,
}

/// A set that timed out incomplete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expired {
    /// The set.
    pub key: ConcatKey,
    /// Ids of the parts received (to end with REJECTD receipts).
    pub parts: Vec<MessageId>,
    /// Parts expected.
    pub total: u8,
}

#[derive(Debug)]
struct OpenSet {
    total: u8,
    parts: Vec<Option<(String, MessageId)>>,
    received: u8,
    first_ms: u64,
}

/// Collects the parts of concatenated messages. `Send + Sync`.
#[derive(Debug)]
pub struct ConcatAssembler {
    open: Mutex<HashMap<ConcatKey, OpenSet>>,
    timeout: Duration,
    max_open: usize,
}

impl ConcatAssembler {
    /// An assembler expiring sets after `timeout`, holding at most `max_open`.
    pub fn new(timeout: Duration, max_open: usize) -> ConcatAssembler {
        ConcatAssembler {
            open: Mutex::new(HashMap::new()),
            timeout,
            max_open,
        }
    }

    /// Sets currently held.
    pub fn open_sets(&self) -> usize {
        self.open.lock().len()
    }

    /// Adds part `seq` of `total` (1-based, SMPP 3.4 §5.3.2.23–24).
    pub fn add(
        &self,
        key: ConcatKey,
        seq: u8,
        total: u8,
        text: String,
        id: MessageId,
        now: SystemTime,
    ) -> Result<ConcatOutcome, ConcatError> {
        if total == 0 || seq == 0 || seq > total {
            return Err(ConcatError::InvalidSequence { seq, total });
        }
        if total == 1 {
            return Ok(ConcatOutcome::Complete {
                text,
                parts: vec![id],
            });
        }
        let mut open = self.open.lock();
        if !open.contains_key(&key) && open.len() >= self.max_open {
            return Err(ConcatError::TooManyOpen);
        }
        let set = open.entry(key.clone()).or_insert_with(|| OpenSet {
            total,
            parts: vec![None; usize::from(total)],
            received: 0,
            first_ms: unix_millis(now),
        });
        if set.total != total {
            return Err(ConcatError::TotalMismatch {
                expected: set.total,
                got: total,
            });
        }
        let slot = &mut set.parts[usize::from(seq - 1)];
        if slot.is_some() {
            return Err(ConcatError::Duplicate(seq));
        }
        *slot = Some((text, id));
        set.received += 1;
        if set.received < set.total {
            return Ok(ConcatOutcome::Pending);
        }
        let set = open.remove(&key).map(|s| s.parts).unwrap_or_default();
        let mut whole = String::new();
        let mut parts = Vec::with_capacity(set.len());
        for (t, id) in set.into_iter().flatten() {
            whole.push_str(&t);
            parts.push(id);
        }
        Ok(ConcatOutcome::Complete { text: whole, parts })
    }

    /// Removes and returns every set older than the timeout.
    pub fn sweep(&self, now: SystemTime) -> Vec<Expired> {
        let now_ms = unix_millis(now);
        let timeout = u64::try_from(self.timeout.as_millis()).unwrap_or(u64::MAX);
        let mut open = self.open.lock();
        let keys: Vec<ConcatKey> = open
            .iter()
            .filter(|(_, s)| now_ms.saturating_sub(s.first_ms) >= timeout)
            .map(|(k, _)| k.clone())
            .collect();
        keys.into_iter()
            .filter_map(|k| {
                let s = open.remove(&k)?;
                Some(Expired {
                    parts: s.parts.iter().flatten().map(|(_, id)| *id).collect(),
                    total: s.total,
                    key: k,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::UNIX_EPOCH;

    fn key(r: u16) -> ConcatKey {
        ConcatKey {
            account: "a".into(),
            source: "10690001".into(),
            destination: "13800138000".into(),
            reference: r,
        }
    }

    fn t(s: u64) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(1_800_000_000 + s)
    }

    fn id(n: u64) -> MessageId {
        MessageId::from_u64(n)
    }

    #[test]
    fn out_of_order_parts_complete_in_sequence() {
        let c = ConcatAssembler::new(Duration::from_secs(60), 10);
        let add = |seq, txt: &str, n| c.add(key(7), seq, 3, txt.into(), id(n), t(0));
        assert_eq!(add(2, "线上赌", 2), Ok(ConcatOutcome::Pending));
        assert_eq!(add(1, "【店】欢迎来", 1), Ok(ConcatOutcome::Pending));
        assert_eq!(add(2, "x", 9), Err(ConcatError::Duplicate(2)));
        assert_eq!(
            c.add(key(7), 3, 4, "x".into(), id(9), t(0)),
            Err(ConcatError::TotalMismatch {
                expected: 3,
                got: 4
            })
        );
        assert_eq!(
            add(3, "博", 3),
            Ok(ConcatOutcome::Complete {
                text: "【店】欢迎来线上赌博".into(),
                parts: vec![id(1), id(2), id(3)]
            })
        );
        assert_eq!(c.open_sets(), 0);
    }

    #[test]
    fn timeout_sweep_and_bound() {
        let c = ConcatAssembler::new(Duration::from_secs(60), 2);
        c.add(key(1), 1, 2, "a".into(), id(1), t(0)).unwrap();
        c.add(key(2), 1, 2, "b".into(), id(2), t(30)).unwrap();
        assert_eq!(
            c.add(key(3), 1, 2, "c".into(), id(3), t(30)),
            Err(ConcatError::TooManyOpen)
        );
        assert!(c.sweep(t(59)).is_empty());
        let gone = c.sweep(t(60));
        assert_eq!(gone.len(), 1);
        assert_eq!(
            (gone[0].key.reference, gone[0].parts.clone()),
            (1, vec![id(1)])
        );
        assert!(c.add(key(3), 1, 2, "c".into(), id(3), t(61)).is_ok());
        assert_eq!(
            c.add(key(4), 0, 2, "c".into(), id(3), t(61)),
            Err(ConcatError::InvalidSequence { seq: 0, total: 2 })
        );
        assert!(matches!(
            c.add(key(5), 1, 1, "x".into(), id(5), t(61)),
            Ok(ConcatOutcome::Complete { .. })
        ));
    }
}
