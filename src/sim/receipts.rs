//! Delivery receipts and MO: scheduled after their delay, written to a receiver bind of the
//! account they belong to, and held while no receiver is bound (or the simulator hangs).

use std::collections::{HashMap, VecDeque};
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::config::MoConfig;
use super::conn::Out;
use super::wire;
use super::Ctx;
use crate::pdu::DeliverSm;

/// A `deliver_sm` waiting for its time.
#[derive(Debug)]
pub(crate) struct PendingDeliver {
    pub(crate) due: Instant,
    pub(crate) system_id: String,
    pub(crate) deliver: Box<DeliverSm>,
}

/// A receiver-capable connection: its id and its writer queue.
type Receiver = (u64, mpsc::UnboundedSender<Out>);

/// Receiver-capable connections (RX or TRX) by `system_id`.
#[derive(Debug, Default)]
pub(crate) struct Receivers {
    by_account: Mutex<HashMap<String, Vec<Receiver>>>,
    rr: std::sync::atomic::AtomicUsize,
}

impl Receivers {
    pub(crate) fn add(&self, system_id: &str, conn: u64, tx: mpsc::UnboundedSender<Out>) {
        self.by_account
            .lock()
            .entry(system_id.to_string())
            .or_default()
            .push((conn, tx));
    }

    pub(crate) fn remove(&self, conn: u64) {
        for list in self.by_account.lock().values_mut() {
            list.retain(|(c, _)| *c != conn);
        }
    }

    /// Sends to one receiver of `system_id` (round-robin); hands `out` back when none took it.
    pub(crate) fn send(&self, system_id: &str, out: Out) -> Result<(), Out> {
        let map = self.by_account.lock();
        let Some(list) = map.get(system_id).filter(|l| !l.is_empty()) else {
            return Err(out);
        };
        let start = self.rr.fetch_add(1, Ordering::Relaxed);
        let mut out = out;
        for k in 0..list.len() {
            let Some((_, tx)) = list.get((start + k) % list.len()) else {
                continue;
            };
            match tx.send(out) {
                Ok(()) => return Ok(()),
                Err(mpsc::error::SendError(back)) => out = back,
            }
        }
        Err(out)
    }

    fn accounts(&self) -> Vec<String> {
        self.by_account
            .lock()
            .iter()
            .filter(|(_, l)| !l.is_empty())
            .map(|(k, _)| k.clone())
            .collect()
    }
}

/// Writes receipts when due; holds them while their account has no receiver or the
/// simulator hangs, retrying every 50 ms.
///
/// Everything is batched: connections hand over one `Vec` per read batch, the scheduler
/// drains all that is queued before acting, and the due receipts of one account go to one
/// receiver as a single [`Out::Delivers`], so its writer sends them in one write.
pub(crate) async fn schedule(ctx: Arc<Ctx>, mut rx: mpsc::UnboundedReceiver<Vec<PendingDeliver>>) {
    // Constant receipt delay: arrival order is due order, a FIFO suffices.
    let mut queue: VecDeque<PendingDeliver> = VecDeque::new();
    let mut held: Vec<PendingDeliver> = Vec::new();
    loop {
        if queue.is_empty() && held.is_empty() {
            tokio::select! {
                got = rx.recv() => match got {
                    Some(batch) => enqueue(&mut queue, batch),
                    None => return,
                },
                _ = ctx.shutdown.cancelled() => return,
            }
        }
        while let Ok(batch) = rx.try_recv() {
            enqueue(&mut queue, batch);
        }
        let now = Instant::now();
        let mut due = std::mem::take(&mut held);
        while queue.front().is_some_and(|p| p.due <= now) {
            due.extend(queue.pop_front());
        }
        if !due.is_empty() {
            held = dispatch(&ctx, due);
        }
        if queue.front().is_some_and(|p| p.due <= Instant::now()) {
            continue;
        }
        // Sleep until the next receipt is due, a held one should be retried, or more arrive.
        let mut wake = queue.front().map(|p| p.due);
        if !held.is_empty() {
            let retry = Instant::now() + Duration::from_millis(50);
            wake = Some(wake.map_or(retry, |w| w.min(retry)));
        }
        let Some(wake) = wake else { continue };
        tokio::select! {
            got = rx.recv() => match got {
                Some(batch) => enqueue(&mut queue, batch),
                None => return,
            },
            _ = tokio::time::sleep_until(wake) => {}
            _ = ctx.shutdown.cancelled() => return,
        }
    }
}

/// Keeps the queue in due order: new receipts (constant delay) go to the back in O(1);
/// redeliveries, due earlier or later than that, are put in their place.
fn enqueue(queue: &mut VecDeque<PendingDeliver>, batch: Vec<PendingDeliver>) {
    for p in batch {
        if queue.back().is_none_or(|last| last.due <= p.due) {
            queue.push_back(p);
        } else {
            let at = queue.partition_point(|q| q.due <= p.due);
            queue.insert(at, p);
        }
    }
}

/// Sends due receipts grouped by account; returns those that must be held.
fn dispatch(ctx: &Ctx, due: Vec<PendingDeliver>) -> Vec<PendingDeliver> {
    if ctx.hang.load(Ordering::Relaxed) {
        return due;
    }
    let mut by_account: HashMap<String, Vec<PendingDeliver>> = HashMap::new();
    for p in due {
        by_account.entry(p.system_id.clone()).or_default().push(p);
    }
    let mut held = Vec::new();
    for (account, batch) in by_account {
        let n = batch.len() as u64;
        let dues: Vec<(Instant, String)> =
            batch.iter().map(|p| (p.due, p.system_id.clone())).collect();
        let pdus = batch.into_iter().map(|p| *p.deliver).collect();
        match ctx.receivers.send(&account, Out::Delivers(pdus)) {
            Ok(()) => {
                ctx.record
                    .stats()
                    .receipts_sent
                    .fetch_add(n, Ordering::Relaxed);
            }
            Err(Out::Delivers(pdus)) => {
                held.extend(
                    dues.into_iter()
                        .zip(pdus)
                        .map(|((due, system_id), deliver)| PendingDeliver {
                            due,
                            system_id,
                            deliver: Box::new(deliver),
                        }),
                );
            }
            Err(_) => {}
        }
    }
    held
}

/// Sends the configured MO to every account with a bound receiver, every `mo.every`.
pub(crate) async fn generate_mo(ctx: Arc<Ctx>, mo: MoConfig) {
    let mut tick = tokio::time::interval(mo.every.max(Duration::from_millis(1)));
    tick.tick().await;
    loop {
        tokio::select! {
            _ = tick.tick() => {}
            _ = ctx.shutdown.cancelled() => return,
        }
        if ctx.hang.load(Ordering::Relaxed) {
            continue;
        }
        for account in ctx.receivers.accounts() {
            let deliver = wire::mo(&mo.source_addr, &mo.destination_addr, &mo.text);
            if ctx
                .receivers
                .send(&account, Out::Deliver(Box::new(deliver)))
                .is_ok()
            {
                ctx.record.stats().mo_sent.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}
