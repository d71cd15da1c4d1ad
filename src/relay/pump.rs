//! Client receipts, from the store to the account's receiver binds.
//!
//! Receipts are owed in the store (written in the same transaction that ends a message), so
//! the pump is stateless: it wakes when a message ends (or every second, which covers a
//! client that just bound), reads what is due for accounts that have a receiver bind, and
//! marks each acknowledged only after the client's `deliver_sm_resp`. A receipt whose
//! delivery fails stays due and is tried again; none is dropped.

use std::sync::Arc;
use std::time::{Duration, SystemTime};

use dashmap::DashMap;
use tokio::sync::{Notify, Semaphore};
use tokio_util::sync::CancellationToken;

use crate::gateway::{inbound, Shared};
use crate::message::MessageId;
use crate::store::{FinalState, MessageRecord};
use crate::text::dlr::ReceiptStat;

use super::receipt::{client_receipt, ReceiptOutcome, ReceiptTarget};

/// Receipts read per account per round.
const PAGE: usize = 512;

/// Wake-ups and the set of receipts currently on their way to a client.
#[derive(Default)]
pub struct ReceiptPump {
    wake: Notify,
    in_flight: InFlight,
}

impl ReceiptPump {
    /// Something became due: run a round soon.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Receipts sent and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.in_flight.pending()
    }
}

/// Receipts handed to a delivery task, by id. A finished (acknowledged) receipt stays listed
/// until the next round begins: a page read before its acknowledgement committed still names
/// it, and without the entry the pump would send it a second time. A round's read starts
/// after [`InFlight::start_round`], i.e. after every listed acknowledgement committed, so it
/// no longer returns them.
#[derive(Default)]
struct InFlight(DashMap<MessageId, bool>);

impl InFlight {
    /// Forgets the receipts finished before this round's read.
    fn start_round(&self) {
        self.0.retain(|_, finished| !*finished);
    }

    /// Whether `id` may be handed out now (it is neither on its way nor just finished).
    fn claim(&self, id: MessageId) -> bool {
        match self.0.entry(id) {
            dashmap::mapref::entry::Entry::Occupied(_) => false,
            dashmap::mapref::entry::Entry::Vacant(v) => {
                v.insert(false);
                true
            }
        }
    }

    /// The delivery task is over: `finished` when the store no longer owes the receipt,
    /// otherwise it stays due and a later round tries it again.
    fn release(&self, id: MessageId, finished: bool) {
        if finished {
            self.0.insert(id, true);
        } else {
            self.0.remove(&id);
        }
    }

    fn pending(&self) -> usize {
        self.0.iter().filter(|e| !*e.value()).count()
    }
}

/// Delivers due receipts until shutdown.
pub(crate) async fn run(shared: Arc<Shared>, shutdown: CancellationToken) {
    let permits = Arc::new(Semaphore::new(4096));
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = shared.receipts.wake.notified() => {}
            _ = tokio::time::sleep(Duration::from_secs(1)) => {}
        }
        let Some(registry) = shared.registry.get().cloned() else {
            continue;
        };
        shared.receipts.in_flight.start_round();
        let backlog = match shared.store.receipt_backlog().await {
            Ok(b) => b,
            Err(e) => {
                tracing::warn!(error = %e, "receipt backlog unreadable");
                continue;
            }
        };
        for (account, due) in backlog {
            if due == 0 || registry.receiver_count(&account) == 0 {
                continue;
            }
            let mut after = None;
            loop {
                let page = match shared
                    .store
                    .receipts_due(account.clone(), after, PAGE)
                    .await
                {
                    Ok(p) => p,
                    Err(_) => break,
                };
                let full = page.len() == PAGE;
                after = page.last().map(|r| r.message.id);
                for rec in page {
                    if !shared.receipts.in_flight.claim(rec.message.id) {
                        continue;
                    }
                    let Ok(permit) = permits.clone().acquire_owned().await else {
                        return;
                    };
                    let s = shared.clone();
                    let registry = registry.clone();
                    let account = account.clone();
                    tokio::spawn(async move {
                        let finished = deliver_one(&s, &registry, &account, &rec).await;
                        s.receipts.in_flight.release(rec.message.id, finished);
                        drop(permit);
                    });
                }
                if !full {
                    break;
                }
            }
        }
    }
}

/// Sends one receipt; true when the store no longer owes it (acknowledged or given up).
async fn deliver_one(
    shared: &Shared,
    registry: &crate::server::SessionRegistry,
    account: &str,
    rec: &MessageRecord,
) -> bool {
    let id = rec.message.id;
    let Some(pdu) = receipt_for(rec) else {
        tracing::error!(message_id = %id, "owed receipt cannot be built; marked acknowledged to stop retrying");
        return shared
            .store
            .receipt_acknowledged(id, SystemTime::now())
            .await
            .is_ok();
    };
    let _ = shared.store.receipt_sent(id, SystemTime::now()).await;
    match registry.deliver(account, Box::new(pdu)).await {
        Ok(()) => match shared
            .store
            .receipt_acknowledged(id, SystemTime::now())
            .await
        {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(message_id = %id, error = %e, "receipt acknowledged by client but not recorded; it may be sent again");
                false
            }
        },
        Err(e) if !e.is_retryable() => {
            tracing::warn!(message_id = %id, error = %e, "client refused the receipt permanently");
            shared
                .store
                .receipt_acknowledged(id, SystemTime::now())
                .await
                .is_ok()
        }
        Err(e) => {
            tracing::debug!(message_id = %id, error = %e, "receipt not delivered; stays due");
            false
        }
    }
}

/// The client receipt for a finished message.
fn receipt_for(rec: &MessageRecord) -> Option<crate::pdu::DeliverSm> {
    let fin = rec.final_state.as_ref()?;
    let m = &rec.message;
    let text = inbound::from_payload(&m.payload, SystemTime::now())
        .map(|r| r.text)
        .unwrap_or_default();
    let target = ReceiptTarget {
        message_id: m.id,
        source: (
            m.payload.source.ton,
            m.payload.source.npi,
            m.payload.source.addr.clone(),
        ),
        destination: (
            m.payload.destination.ton,
            m.payload.destination.npi,
            m.payload.destination.addr.clone(),
        ),
        submitted_at: unix(m.accepted_at),
        segments: u32::from(m.segments),
        text_prefix: text,
    };
    let err = fin
        .reason
        .as_deref()
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or("000")
        .chars()
        .take(3)
        .collect();
    let outcome = ReceiptOutcome {
        stat: stat_of(fin.state),
        err,
        done_at: unix(fin.at),
        network_error: None,
    };
    client_receipt(&target, &outcome).ok()
}

fn stat_of(state: FinalState) -> ReceiptStat {
    match state {
        FinalState::Delivered => ReceiptStat::Delivrd,
        FinalState::Undeliverable => ReceiptStat::Undeliv,
        FinalState::Expired => ReceiptStat::Expired,
        FinalState::Rejected => ReceiptStat::Rejectd,
        FinalState::Deleted => ReceiptStat::Deleted,
        FinalState::Unknown => ReceiptStat::Unknown,
    }
}

fn unix(t: SystemTime) -> u64 {
    t.duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_receipt_acknowledged_during_a_round_is_not_handed_out_again_by_a_stale_page() {
        let set = InFlight::default();
        let id = MessageId::from_u64(7);
        set.start_round();
        assert!(set.claim(id));
        assert!(!set.claim(id), "on its way: not handed out twice");
        // Acknowledged while the round still walks a page read before the acknowledgement.
        set.release(id, true);
        assert!(!set.claim(id), "stale page entry must not resend it");
        assert_eq!(set.pending(), 0);
        // The next round's read no longer lists it; the entry is dropped.
        set.start_round();
        assert!(set.0.is_empty());
    }

    #[test]
    fn an_undelivered_receipt_can_be_tried_again() {
        let set = InFlight::default();
        let id = MessageId::from_u64(8);
        assert!(set.claim(id));
        assert_eq!(set.pending(), 1);
        set.release(id, false);
        assert!(set.claim(id), "still due: the next attempt may take it");
    }
}
