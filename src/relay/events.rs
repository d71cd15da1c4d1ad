//! The relay's intake: carrier events are handled concurrently, so their store writes meet
//! in the store's group commit (many receipts, one fsync) instead of queueing behind each
//! other's fsync.
//!
//! Nothing here is unbounded: each upstream connection holds at most `window` deliveries
//! unanswered (see [`crate::upstream::DeliverAck`]), the event channel is bounded, and at
//! most [`MAX_IN_FLIGHT`] events are being handled at once; past that the intake stops
//! taking events, the channel fills and the carriers wait for their answers.

use std::sync::Arc;

use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::gateway::Shared;
use crate::upstream::UpstreamEvent;

/// Events handled at once (receipts waiting for the store, MO waiting for a client).
pub(crate) const MAX_IN_FLIGHT: usize = 4096;

/// Takes carrier events until `stop` and handles them concurrently inside this one task
/// (not a spawned task each: a receipt's work is a few microseconds between two awaits, and
/// a spawn per receipt cost more than that in scheduling and cross-thread wake-ups). At
/// `stop`, events already being handled finish (their answers go to the carrier if it is
/// still connected); events still queued are dropped unanswered, so the carrier sends
/// them again.
pub(crate) async fn run(
    shared: Arc<Shared>,
    mut events: mpsc::Receiver<UpstreamEvent>,
    stop: CancellationToken,
) {
    let mut handling = FuturesUnordered::new();
    loop {
        tokio::select! {
            // Finishing events first frees their carriers' windows before taking more.
            biased;
            _ = stop.cancelled() => break,
            Some(()) = handling.next(), if !handling.is_empty() => {}
            e = events.recv(), if handling.len() < MAX_IN_FLIGHT => match e {
                Some(event) => handling.push(handle(shared.clone(), event)),
                None => break,
            },
        }
    }
    events.close();
    while handling.next().await.is_some() {}
}

async fn handle(shared: Arc<Shared>, event: UpstreamEvent) {
    shared.relay_event(event).await;
}
