//! Client receipts owed, as the writer commits them: a per-account backlog count kept in
//! memory (rebuilt from the database at open) and a feed that hands each newly owed
//! receipt to the receipt pump once its transaction is durable. The pump then delivers it
//! without reading the store; the store is still the truth (a receipt lost from the feed,
//! by overflow or a crash, is read back from the message rows).

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use tokio::sync::mpsc;

use crate::store::MessageRecord;

/// Records the feed holds before it overflows (the pump drains it continuously; beyond
/// this the receipts wait in the store and [`OwedFeed::take_overflow`] says so).
const FEED_CAPACITY: usize = 16_384;

/// Newly owed receipts, each with its message and final state, in commit order.
#[derive(Debug)]
pub struct OwedFeed {
    rx: mpsc::Receiver<MessageRecord>,
    overflowed: Arc<AtomicBool>,
}

impl OwedFeed {
    /// The next newly owed receipt; `None` once the store is closed.
    pub async fn recv(&mut self) -> Option<MessageRecord> {
        self.rx.recv().await
    }

    /// A receipt already waiting, without waiting.
    pub fn try_recv(&mut self) -> Option<MessageRecord> {
        self.rx.try_recv().ok()
    }

    /// True (once) when receipts were owed that the feed could not carry: the consumer
    /// must read them from the store ([`crate::store::MessageStore::receipts_due`]).
    pub fn take_overflow(&self) -> bool {
        self.overflowed.swap(false, Ordering::AcqRel)
    }
}

/// The writer's side: backlog counters and the feed's sender.
#[derive(Debug)]
pub(crate) struct OwedTracker {
    backlog: Mutex<BTreeMap<String, u64>>,
    tx: mpsc::Sender<MessageRecord>,
    feed: Mutex<Option<OwedFeed>>,
    /// Set once the feed was taken; before that nothing is queued (no consumer).
    feeding: AtomicBool,
    overflowed: Arc<AtomicBool>,
}

impl OwedTracker {
    pub(crate) fn new(backlog: Vec<(String, u64)>) -> Self {
        let (tx, rx) = mpsc::channel(FEED_CAPACITY);
        let overflowed = Arc::new(AtomicBool::new(false));
        OwedTracker {
            backlog: Mutex::new(backlog.into_iter().filter(|(_, n)| *n > 0).collect()),
            tx,
            feed: Mutex::new(Some(OwedFeed {
                rx,
                overflowed: Arc::clone(&overflowed),
            })),
            feeding: AtomicBool::new(false),
            overflowed,
        }
    }

    /// The feed, the first time it is asked for.
    pub(crate) fn take_feed(&self) -> Option<OwedFeed> {
        let feed = self.feed.lock().take();
        if feed.is_some() {
            self.feeding.store(true, Ordering::Release);
        }
        feed
    }

    /// A receipt became owed (its transaction committed).
    pub(crate) fn owed(&self, rec: MessageRecord) {
        *self
            .backlog
            .lock()
            .entry(rec.message.account.clone())
            .or_default() += 1;
        if self.feeding.load(Ordering::Acquire) && self.tx.try_send(rec).is_err() {
            self.overflowed.store(true, Ordering::Release);
        }
    }

    /// A receipt of `account` was acknowledged (or deleted unacknowledged).
    pub(crate) fn settled(&self, account: &str) {
        let mut b = self.backlog.lock();
        if let Some(n) = b.get_mut(account) {
            *n = n.saturating_sub(1);
            if *n == 0 {
                b.remove(account);
            }
        }
    }

    /// Replaces the counters with a fresh count from the database.
    pub(crate) fn reset(&self, backlog: Vec<(String, u64)>) {
        *self.backlog.lock() = backlog.into_iter().filter(|(_, n)| *n > 0).collect();
    }

    /// Unacknowledged receipts per account, by account.
    pub(crate) fn backlog(&self) -> Vec<(String, u64)> {
        self.backlog
            .lock()
            .iter()
            .map(|(a, n)| (a.clone(), *n))
            .collect()
    }
}
