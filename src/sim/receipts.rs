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
pub(crate) async fn schedule(ctx: Arc<Ctx>, mut rx: mpsc::UnboundedReceiver<PendingDeliver>) {
    // Constant receipt delay: arrival order is due order, a FIFO suffices.
    let mut queue: VecDeque<PendingDeliver> = VecDeque::new();
    let mut held: VecDeque<PendingDeliver> = VecDeque::new();
    let far = Duration::from_secs(3600);
    loop {
        let next_due = queue.front().map(|p| p.due).unwrap_or(Instant::now() + far);
        let retry_at = if held.is_empty() {
            Instant::now() + far
        } else {
            Instant::now() + Duration::from_millis(50)
        };
        tokio::select! {
            got = rx.recv() => match got {
                Some(p) => queue.push_back(p),
                None => return,
            },
            _ = tokio::time::sleep_until(next_due.min(retry_at)) => {}
            _ = ctx.shutdown.cancelled() => return,
        }
        let now = Instant::now();
        let mut due: VecDeque<PendingDeliver> = std::mem::take(&mut held);
        while queue.front().is_some_and(|p| p.due <= now) {
            if let Some(p) = queue.pop_front() {
                due.push_back(p);
            }
        }
        let hung = ctx.hang.load(Ordering::Relaxed);
        for p in due {
            if hung {
                held.push_back(p);
                continue;
            }
            let PendingDeliver {
                due,
                system_id,
                deliver,
            } = p;
            match ctx.receivers.send(&system_id, Out::Deliver(deliver)) {
                Ok(()) => {
                    ctx.record
                        .stats()
                        .receipts_sent
                        .fetch_add(1, Ordering::Relaxed);
                }
                Err(Out::Deliver(deliver)) => held.push_back(PendingDeliver {
                    due,
                    system_id,
                    deliver,
                }),
                Err(Out::Raw(_) | Out::Unbind) => {}
            }
        }
    }
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
