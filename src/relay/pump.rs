//! Client receipts, to the account's receiver binds.
//!
//! Receipts are owed in the store (written in the same transaction that ends a message).
//! Once that transaction commits, the store hands the receipt with its message to the pump
//! ([`crate::store::OwedFeed`]), which delivers it at once: the hot path reads nothing.
//! The store is read only when the feed cannot be the source: at start (the backlog of a
//! previous run), for an account that had no receiver bind when its receipts became owed
//! (read when one binds), after a delivery failed (read again on a slow timer), and when
//! the feed overflowed. A receipt is acknowledged in the store only after the client's
//! `deliver_sm_resp`, in batches; one whose delivery fails stays due, none is dropped.
//! Sending is not written (it is this module's memory); after a crash every
//! unacknowledged receipt is sent again (at-least-once, as before).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use parking_lot::Mutex;
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::gateway::Shared;
use crate::message::MessageId;
use crate::server::SessionRegistry;
use crate::store::{MessageRecord, OwedFeed};

use super::receipt::for_record;

/// Receipt ids read per store page when an account's backlog is read.
const PAGE: usize = 512;
/// Receipts on their way to clients at once.
const MAX_IN_FLIGHT: usize = 4096;
/// Acknowledgements written in one store request, at most.
const ACK_BATCH: usize = 1024;
/// How often accounts with a stored backlog are checked for a receiver bind.
const TICK: Duration = Duration::from_secs(1);
/// After a failed delivery, the account's backlog is read again no sooner than this.
const RETRY_AFTER: Duration = Duration::from_secs(5);
/// How long an acknowledged receipt stays listed after a store read could have seen it
/// unacknowledged (see [`InFlight`]).
const GRACE: Duration = Duration::from_secs(5);

/// The receipts on their way, and the accounts whose stored backlog must be read.
#[derive(Default)]
pub struct ReceiptPump {
    wake: Notify,
    in_flight: InFlight,
    /// Accounts to read from the store, each not before its instant.
    scan: Mutex<HashMap<String, Instant>>,
}

impl ReceiptPump {
    /// Something changed (a message ended, a client bound): check the stored backlogs soon.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Receipts sent and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.in_flight.pending()
    }

    /// `account` has receipts in the store the feed will not deliver: read them at
    /// `not_before` or later, once the account has a receiver bind.
    fn rescan(&self, account: &str, not_before: Instant) {
        let mut scan = self.scan.lock();
        let at = scan.entry(account.to_owned()).or_insert(not_before);
        *at = (*at).min(not_before);
    }

    /// Accounts due for a read now that have a receiver bind (taken off the list).
    fn due_scans(&self, registry: &SessionRegistry, now: Instant) -> Vec<String> {
        let mut scan = self.scan.lock();
        let due: Vec<String> = scan
            .iter()
            .filter(|(account, at)| **at <= now && registry.receiver_count(account) > 0)
            .map(|(account, _)| account.clone())
            .collect();
        for account in &due {
            scan.remove(account);
        }
        due
    }
}

/// Receipts handed to a delivery task, by id: `None` while on the way, `Some(t)` for one
/// acknowledged at `t` while a store read may have listed it as still due (the read ran
/// before the acknowledgement committed). Without that entry the stale listing would send
/// it twice. Entries of finished receipts are kept only while a read runs and for
/// [`GRACE`] after it; on the hot path (no reads) they are dropped at once.
#[derive(Default)]
struct InFlight(Mutex<InFlightInner>);

#[derive(Default)]
struct InFlightInner {
    ids: HashMap<MessageId, Option<Instant>>,
    scanning: bool,
    last_scan: Option<Instant>,
}

impl InFlight {
    /// Whether `id` may be handed out now (it is neither on its way nor just finished).
    fn claim(&self, id: MessageId) -> bool {
        match self.0.lock().ids.entry(id) {
            std::collections::hash_map::Entry::Occupied(_) => false,
            std::collections::hash_map::Entry::Vacant(v) => {
                v.insert(None);
                true
            }
        }
    }

    /// The receipt is no longer on its way: `finished` when the store no longer owes it
    /// (its acknowledgement committed), otherwise it stays due and may be claimed again.
    fn release(&self, id: MessageId, finished: bool, now: Instant) {
        let mut g = self.0.lock();
        let recent = g.scanning || g.last_scan.is_some_and(|t| now - t < GRACE);
        if finished && recent {
            g.ids.insert(id, Some(now));
        } else {
            g.ids.remove(&id);
        }
    }

    fn scan_started(&self) {
        self.0.lock().scanning = true;
    }

    fn scan_ended(&self, now: Instant) {
        let mut g = self.0.lock();
        g.scanning = false;
        g.last_scan = Some(now);
    }

    /// Forgets finished receipts no read can still list.
    fn purge(&self, now: Instant) {
        let mut g = self.0.lock();
        if !g.scanning {
            g.ids.retain(|_, done| done.is_none_or(|t| now - t < GRACE));
        }
    }

    fn pending(&self) -> usize {
        self.0.lock().ids.values().filter(|d| d.is_none()).count()
    }
}

/// What one delivery task needs.
struct Ctx {
    shared: Arc<Shared>,
    registry: Arc<SessionRegistry>,
    permits: Arc<Semaphore>,
    acks: mpsc::Sender<(MessageId, String)>,
}

/// Delivers owed receipts until shutdown.
pub(crate) async fn run(shared: Arc<Shared>, shutdown: CancellationToken) {
    let mut feed = shared.store.owed_feed();
    if feed.is_none() {
        tracing::warn!("receipt feed already taken; receipts are read from the store each tick");
    }
    let (acks, ack_rx) = mpsc::channel(ACK_BATCH * 4);
    tokio::spawn(acknowledge(shared.clone(), ack_rx));
    // The backlog of a previous run (or of clients not bound then): read once bound.
    mark_backlog(&shared, Instant::now()).await;
    let mut tick = tokio::time::interval(TICK);
    let mut ctx: Option<Arc<Ctx>> = None;
    loop {
        let event = tokio::select! {
            _ = shutdown.cancelled() => break,
            rec = next(&mut feed) => match rec {
                Some(rec) => Event::Fed(Box::new(rec)),
                None => {
                    // The store closed its feed (shutting down): stop listening to it.
                    feed = None;
                    continue;
                }
            },
            _ = shared.receipts.wake.notified() => Event::Wake,
            _ = tick.tick() => Event::Tick,
        };
        let Some(registry) = shared.registry.get().cloned() else {
            if let Event::Fed(rec) = event {
                // Nobody can be bound yet: it waits in the store.
                shared.receipts.rescan(&rec.message.account, Instant::now());
            }
            continue;
        };
        let ctx = ctx
            .get_or_insert_with(|| {
                Arc::new(Ctx {
                    shared: shared.clone(),
                    registry,
                    permits: Arc::new(Semaphore::new(MAX_IN_FLIGHT)),
                    acks: acks.clone(),
                })
            })
            .clone();
        let now = Instant::now();
        match event {
            Event::Fed(rec) => {
                offer(&ctx, *rec).await;
                // Drain what else is waiting before looking at timers.
                while let Some(rec) = feed.as_mut().and_then(OwedFeed::try_recv) {
                    offer(&ctx, rec).await;
                }
            }
            Event::Tick => {
                if feed.as_ref().is_none_or(OwedFeed::take_overflow) {
                    mark_backlog(&shared, now).await;
                }
                shared.receipts.in_flight.purge(now);
            }
            Event::Wake => {}
        }
        // Cheap when nothing waits: the list holds only accounts with a stored backlog.
        for account in shared.receipts.due_scans(&ctx.registry, now) {
            scan(&ctx, &account).await;
        }
    }
}

/// What woke the pump.
enum Event {
    /// A receipt became owed.
    Fed(Box<MessageRecord>),
    /// A message ended or a client bound: stored backlogs may be readable now.
    Wake,
    /// The slow timer: overflow, retries, forgetting finished receipts.
    Tick,
}

async fn next(feed: &mut Option<OwedFeed>) -> Option<MessageRecord> {
    match feed {
        Some(f) => f.recv().await,
        None => std::future::pending().await,
    }
}

/// Every account with unacknowledged receipts (in-memory counters) is read when bound.
async fn mark_backlog(shared: &Shared, now: Instant) {
    match shared.store.receipt_backlog().await {
        Ok(backlog) => {
            for (account, _) in backlog {
                shared.receipts.rescan(&account, now);
            }
        }
        Err(e) => tracing::warn!(error = %e, "receipt backlog unreadable"),
    }
}

/// A receipt fresh from the feed: delivered now if its account has a receiver bind,
/// otherwise left in the store for when one binds.
async fn offer(ctx: &Arc<Ctx>, rec: MessageRecord) {
    let account = rec.message.account.clone();
    if ctx.registry.receiver_count(&account) == 0 {
        ctx.shared.receipts.rescan(&account, Instant::now());
        return;
    }
    if ctx.shared.receipts.in_flight.claim(rec.message.id) {
        spawn_delivery(ctx, account, rec).await;
    }
}

/// Reads `account`'s stored backlog and delivers what is not already on its way.
async fn scan(ctx: &Arc<Ctx>, account: &str) {
    let pump = &ctx.shared.receipts;
    pump.in_flight.scan_started();
    let mut after = None;
    loop {
        let ids = match ctx
            .shared
            .store
            .receipt_ids_due(account.to_owned(), after, PAGE)
            .await
        {
            Ok(ids) => ids,
            Err(e) => {
                tracing::warn!(account, error = %e, "owed receipts unreadable; retrying later");
                pump.rescan(account, Instant::now() + RETRY_AFTER);
                break;
            }
        };
        let full = ids.len() == PAGE;
        after = ids.last().copied();
        for id in ids {
            if !pump.in_flight.claim(id) {
                continue;
            }
            match ctx.shared.store.get(id).await {
                Ok(Some(rec)) => spawn_delivery(ctx, account.to_owned(), rec).await,
                _ => pump.in_flight.release(id, false, Instant::now()),
            }
        }
        if !full {
            break;
        }
    }
    pump.in_flight.scan_ended(Instant::now());
}

async fn spawn_delivery(ctx: &Arc<Ctx>, account: String, rec: MessageRecord) {
    let Ok(permit) = ctx.permits.clone().acquire_owned().await else {
        return;
    };
    let ctx = ctx.clone();
    tokio::spawn(async move {
        let id = rec.message.id;
        if deliver_one(&ctx.registry, &account, &rec).await {
            // The id stays claimed until its acknowledgement is durable.
            if ctx.acks.send((id, account)).await.is_err() {
                ctx.shared
                    .receipts
                    .in_flight
                    .release(id, false, Instant::now());
            }
        } else {
            let now = Instant::now();
            ctx.shared.receipts.in_flight.release(id, false, now);
            ctx.shared.receipts.rescan(&account, now + RETRY_AFTER);
        }
        drop(permit);
    });
}

/// Sends one receipt; true when the store may stop owing it (the client acknowledged it,
/// refused it permanently, or it cannot be built at all).
async fn deliver_one(registry: &SessionRegistry, account: &str, rec: &MessageRecord) -> bool {
    let id = rec.message.id;
    let Some(pdu) = for_record(rec) else {
        tracing::error!(message_id = %id, "owed receipt cannot be built; marked acknowledged to stop retrying");
        return true;
    };
    match registry.deliver(account, Box::new(pdu)).await {
        Ok(()) => true,
        Err(e) if !e.is_retryable() => {
            tracing::warn!(message_id = %id, error = %e, "client refused the receipt permanently");
            true
        }
        Err(e) => {
            tracing::debug!(message_id = %id, error = %e, "receipt not delivered; stays due");
            false
        }
    }
}

/// Writes acknowledgements in batches (one store request for all that are waiting), then
/// releases their ids. A failed write leaves them due: their accounts are read again.
async fn acknowledge(shared: Arc<Shared>, mut rx: mpsc::Receiver<(MessageId, String)>) {
    let mut batch = Vec::with_capacity(ACK_BATCH);
    while let Some(first) = rx.recv().await {
        batch.push(first);
        while batch.len() < ACK_BATCH {
            match rx.try_recv() {
                Ok(a) => batch.push(a),
                Err(_) => break,
            }
        }
        let ids = batch.iter().map(|(id, _)| *id).collect();
        let written = shared
            .store
            .receipts_acknowledged(ids, SystemTime::now())
            .await;
        let now = Instant::now();
        if let Err(e) = &written {
            tracing::warn!(error = %e, receipts = batch.len(), "receipt acknowledgements not recorded; they will be sent again");
        }
        for (id, account) in batch.drain(..) {
            shared.receipts.in_flight.release(id, written.is_ok(), now);
            if written.is_err() {
                shared.receipts.rescan(&account, now + RETRY_AFTER);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_acknowledged_during_a_read_is_not_handed_out_again_by_a_stale_page() {
        let set = InFlight::default();
        let id = MessageId::from_u64(7);
        let t0 = Instant::now();
        set.scan_started();
        assert!(set.claim(id));
        assert!(!set.claim(id), "on its way: not handed out twice");
        // Acknowledged while the read still walks a page listing it as due.
        set.release(id, true, t0);
        assert!(!set.claim(id), "stale page entry must not resend it");
        assert_eq!(set.pending(), 0);
        set.scan_ended(t0);
        set.purge(t0 + Duration::from_millis(10));
        assert!(!set.claim(id), "still within the grace after the read");
        set.purge(t0 + GRACE + Duration::from_secs(1));
        assert!(set.0.lock().ids.is_empty());
    }

    #[test]
    fn without_reads_finished_receipts_leave_no_trace() {
        let set = InFlight::default();
        for n in 0..1000 {
            let id = MessageId::from_u64(n);
            assert!(set.claim(id));
            set.release(id, true, Instant::now());
        }
        assert!(
            set.0.lock().ids.is_empty(),
            "memory stays flat on the hot path"
        );
    }

    #[test]
    fn an_undelivered_receipt_can_be_tried_again() {
        let set = InFlight::default();
        let id = MessageId::from_u64(8);
        assert!(set.claim(id));
        assert_eq!(set.pending(), 1);
        set.release(id, false, Instant::now());
        assert!(set.claim(id), "still due: the next attempt may take it");
    }
}
