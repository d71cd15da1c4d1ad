//! The relay's intake: carrier events are handled concurrently, so their store writes meet
//! in the store's group commit (many receipts, one fsync) instead of queueing behind each
//! other's fsync.
//!
//! Nothing here is unbounded: each upstream connection holds at most `window` deliveries
//! unanswered (see [`crate::upstream::DeliverAck`]), the event channel is bounded, and at
//! most [`MAX_IN_FLIGHT`] events are being handled at once; past that the intake stops
//! taking events, the channel fills and the carriers wait for their answers.

use std::sync::Arc;

use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio_util::sync::CancellationToken;

use crate::gateway::Shared;
use crate::upstream::UpstreamEvent;

/// Events handled at once (receipts waiting for the store, MO waiting for a client).
pub(crate) const MAX_IN_FLIGHT: usize = 4096;

/// Takes carrier events until `stop`, each handled in its own task. At `stop`, events
/// already being handled finish (their answers go to the carrier if it is still connected);
/// events still queued are dropped unanswered, so the carrier sends them again.
pub(crate) async fn run(
    shared: Arc<Shared>,
    mut events: mpsc::Receiver<UpstreamEvent>,
    stop: CancellationToken,
) {
    let mut handling = JoinSet::new();
    loop {
        while handling.try_join_next().is_some() {}
        if handling.len() >= MAX_IN_FLIGHT {
            tokio::select! {
                _ = stop.cancelled() => break,
                _ = handling.join_next() => continue,
            }
        }
        let event = tokio::select! {
            _ = stop.cancelled() => break,
            e = events.recv() => match e {
                Some(e) => e,
                None => break,
            },
        };
        let shared = shared.clone();
        handling.spawn(async move { shared.relay_event(event).await });
    }
    events.close();
    while handling.join_next().await.is_some() {}
}
