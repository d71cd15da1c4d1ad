//! Queue depth and admission: the in-memory view of messages that are accepted and not
//! final, rebuilt from the database at open and updated by the writer after each commit.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, SystemTime};

use parking_lot::Mutex;

use crate::message::MessageId;

/// How many accepted messages are waiting, and how old the oldest is.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct QueueDepth {
    /// Accepted, not yet forwarded to a carrier (the admission bound applies to these).
    pub unsent_messages: u64,
    /// Bytes of those messages.
    pub unsent_bytes: u64,
    /// Age of the oldest unsent message (zero when none).
    pub oldest_unsent_age: Duration,
    /// Accepted and not final (unsent plus forwarded awaiting a receipt).
    pub open_messages: u64,
    /// Bytes of those messages.
    pub open_bytes: u64,
    /// Age of the oldest open message (zero when none).
    pub oldest_open_age: Duration,
}

/// Whether a new message of a given size may be accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    /// Under both bounds.
    Accept,
    /// Over a bound: answer `ESME_RMSGQFUL` (or `ESME_RTHROTTLED`), do not accept.
    Full(FullBound),
}

/// Which bound is exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FullBound {
    /// `max_queued_messages`.
    Messages,
    /// `max_queued_bytes`.
    Bytes,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    bytes: u64,
    forwarded: bool,
}

#[derive(Debug, Default)]
struct Inner {
    open: BTreeMap<u64, Entry>,
    open_bytes: u64,
    unsent: u64,
    unsent_bytes: u64,
}

/// Tracks open messages by id (ids are time-ordered, so the first entry is the oldest).
#[derive(Debug)]
pub(crate) struct QueueTracker {
    inner: Mutex<Inner>,
    max_messages: u64,
    max_bytes: u64,
}

impl QueueTracker {
    pub(crate) fn new(max_messages: u64, max_bytes: u64) -> Self {
        QueueTracker {
            inner: Mutex::new(Inner::default()),
            max_messages,
            max_bytes,
        }
    }

    /// A message became open (accepted, or found open at startup).
    pub(crate) fn open(&self, id: MessageId, bytes: u64, forwarded: bool) {
        let mut q = self.inner.lock();
        if q.open
            .insert(id.as_u64(), Entry { bytes, forwarded })
            .is_none()
        {
            q.open_bytes += bytes;
            if !forwarded {
                q.unsent += 1;
                q.unsent_bytes += bytes;
            }
        }
    }

    /// Every part of the message reached a carrier.
    pub(crate) fn forwarded(&self, id: MessageId) {
        let mut q = self.inner.lock();
        let Some(e) = q.open.get_mut(&id.as_u64()) else {
            return;
        };
        if !e.forwarded {
            e.forwarded = true;
            let bytes = e.bytes;
            q.unsent -= 1;
            q.unsent_bytes -= bytes;
        }
    }

    /// The message reached a final state.
    pub(crate) fn closed(&self, id: MessageId) {
        let mut q = self.inner.lock();
        if let Some(e) = q.open.remove(&id.as_u64()) {
            q.open_bytes -= e.bytes;
            if !e.forwarded {
                q.unsent -= 1;
                q.unsent_bytes -= e.bytes;
            }
        }
    }

    pub(crate) fn depth(&self, now: SystemTime) -> QueueDepth {
        let q = self.inner.lock();
        let age = |id: Option<&u64>| {
            id.map(|raw| {
                let secs = MessageId::from_u64(*raw).unix_seconds();
                now.duration_since(SystemTime::UNIX_EPOCH + Duration::from_secs(secs))
                    .unwrap_or_default()
            })
            .unwrap_or_default()
        };
        let oldest_unsent = q.open.iter().find(|(_, e)| !e.forwarded).map(|(k, _)| k);
        QueueDepth {
            unsent_messages: q.unsent,
            unsent_bytes: q.unsent_bytes,
            oldest_unsent_age: age(oldest_unsent),
            open_messages: q.open.len() as u64,
            open_bytes: q.open_bytes,
            oldest_open_age: age(q.open.keys().next()),
        }
    }

    pub(crate) fn admit(&self, bytes: usize) -> Admission {
        let q = self.inner.lock();
        if q.unsent + 1 > self.max_messages {
            Admission::Full(FullBound::Messages)
        } else if q.unsent_bytes + bytes as u64 > self.max_bytes {
            Admission::Full(FullBound::Bytes)
        } else {
            Admission::Accept
        }
    }
}

/// Group-commit counters since the store was opened (for the store commit metrics).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CommitStats {
    /// Transactions committed.
    pub batches: u64,
    /// Write requests they held.
    pub requests: u64,
    /// Total time spent committing (including fsync).
    pub commit_time: Duration,
    /// Duration of the last commit.
    pub last_commit: Duration,
}

/// Lock-free accumulation of [`CommitStats`].
#[derive(Debug, Default)]
pub(crate) struct CommitMetrics {
    batches: AtomicU64,
    requests: AtomicU64,
    commit_nanos: AtomicU64,
    last_nanos: AtomicU64,
}

impl CommitMetrics {
    pub(crate) fn record(&self, requests: usize, took: Duration) {
        let nanos = u64::try_from(took.as_nanos()).unwrap_or(u64::MAX);
        self.batches.fetch_add(1, Ordering::Relaxed);
        self.requests.fetch_add(requests as u64, Ordering::Relaxed);
        self.commit_nanos.fetch_add(nanos, Ordering::Relaxed);
        self.last_nanos.store(nanos, Ordering::Relaxed);
    }

    pub(crate) fn snapshot(&self) -> CommitStats {
        CommitStats {
            batches: self.batches.load(Ordering::Relaxed),
            requests: self.requests.load(Ordering::Relaxed),
            commit_time: Duration::from_nanos(self.commit_nanos.load(Ordering::Relaxed)),
            last_commit: Duration::from_nanos(self.last_nanos.load(Ordering::Relaxed)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_messages_leave_the_unsent_bound() {
        let q = QueueTracker::new(2, 1000);
        q.open(MessageId::from_u64(1 << 28), 100, false);
        q.open(MessageId::from_u64(2 << 28), 100, false);
        assert_eq!(q.admit(10), Admission::Full(FullBound::Messages));
        q.forwarded(MessageId::from_u64(1 << 28));
        assert_eq!(q.admit(10), Admission::Accept);
        assert_eq!(q.admit(901), Admission::Full(FullBound::Bytes));
        let d = q.depth(SystemTime::UNIX_EPOCH + Duration::from_secs(10));
        assert_eq!(
            (d.unsent_messages, d.open_messages, d.open_bytes),
            (1, 2, 200)
        );
        assert_eq!(d.oldest_unsent_age, Duration::from_secs(8));
        assert_eq!(d.oldest_open_age, Duration::from_secs(9));
        q.closed(MessageId::from_u64(2 << 28));
        q.closed(MessageId::from_u64(2 << 28));
        assert_eq!(q.depth(SystemTime::UNIX_EPOCH).unsent_messages, 0);
    }
}
