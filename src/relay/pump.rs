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
    in_flight: DashMap<MessageId, ()>,
}

impl ReceiptPump {
    /// Something became due: run a round soon.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// Receipts sent and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
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
                    if shared
                        .receipts
                        .in_flight
                        .insert(rec.message.id, ())
                        .is_some()
                    {
                        continue;
                    }
                    let Ok(permit) = permits.clone().acquire_owned().await else {
                        return;
                    };
                    let s = shared.clone();
                    let registry = registry.clone();
                    let account = account.clone();
                    tokio::spawn(async move {
                        deliver_one(&s, &registry, &account, &rec).await;
                        s.receipts.in_flight.remove(&rec.message.id);
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

async fn deliver_one(
    shared: &Shared,
    registry: &crate::server::SessionRegistry,
    account: &str,
    rec: &MessageRecord,
) {
    let id = rec.message.id;
    let Some(pdu) = receipt_for(rec) else {
        tracing::error!(message_id = %id, "owed receipt cannot be built; marked acknowledged to stop retrying");
        let _ = shared
            .store
            .receipt_acknowledged(id, SystemTime::now())
            .await;
        return;
    };
    let _ = shared.store.receipt_sent(id, SystemTime::now()).await;
    match registry.deliver(account, Box::new(pdu)).await {
        Ok(()) => {
            if let Err(e) = shared
                .store
                .receipt_acknowledged(id, SystemTime::now())
                .await
            {
                tracing::warn!(message_id = %id, error = %e, "receipt acknowledged by client but not recorded; it may be sent again");
            }
        }
        Err(e) if !e.is_retryable() => {
            tracing::warn!(message_id = %id, error = %e, "client refused the receipt permanently");
            let _ = shared
                .store
                .receipt_acknowledged(id, SystemTime::now())
                .await;
        }
        Err(e) => tracing::debug!(message_id = %id, error = %e, "receipt not delivered; stays due"),
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
