//! The receive window of one upstream connection: carrier `deliver_sm`s handed to the
//! relay and not answered yet.
//!
//! A frame is read only while a slot is in hand; a `deliver_sm` takes the slot along in its
//! [`DeliverAck`] until the relay answers (or releases it, for a parked receipt). So at most
//! `window` deliveries per connection wait in smppd; past that the connection stops reading
//! and the carrier, whose own window fills, holds the rest. A transceiver whose window stays
//! full (a stalled relay, not a moment of saturation) reads again, since its submit_sm_resp
//! must not wait behind the relay, and answers the extra deliveries `ESME_RX_T_APPN` at once:
//! the carrier sends them again later. Deliveries unanswered when the connection ends are
//! never acknowledged: the carrier sends them again.

use std::future::Future;
use std::sync::Arc;

use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use tokio::sync::{oneshot, AcquireError, OwnedSemaphorePermit, Semaphore};

use super::ack::DeliverAck;
use super::wire;

/// The relay's answer to one delivery: `(sequence_number, command_status)`.
type Answer = BoxFuture<'static, (u32, u32)>;

/// See the module docs.
pub(crate) struct ReceiveWindow {
    slots: Arc<Semaphore>,
    slot: Option<OwnedSemaphorePermit>,
    answers: FuturesUnordered<Answer>,
}

impl ReceiveWindow {
    /// A window of `size` deliveries (at least one).
    pub(crate) fn new(size: usize) -> Self {
        ReceiveWindow {
            slots: Arc::new(Semaphore::new(size.max(1))),
            slot: None,
            answers: FuturesUnordered::new(),
        }
    }

    /// Whether the next frame may be read (a slot is in hand).
    pub(crate) fn can_read(&self) -> bool {
        self.slot.is_some()
    }

    /// Waits for a free slot; give the result to [`Self::hold`]. Borrows nothing, so it can
    /// run beside [`Self::next_answer`] in one `select!`.
    pub(crate) fn free_slot(
        &self,
    ) -> impl Future<Output = Result<OwnedSemaphorePermit, AcquireError>> + 'static {
        self.slots.clone().acquire_owned()
    }

    /// Keeps a slot from [`Self::free_slot`].
    pub(crate) fn hold(&mut self, slot: Result<OwnedSemaphorePermit, AcquireError>) {
        self.slot = slot.ok();
    }

    /// The answer handle for `deliver_sm` number `seq`, taking the slot in hand. Dropped
    /// unanswered, it is answered `ESME_RX_T_APPN` (SMPP 3.4 §5.1.3: the carrier retries).
    pub(crate) fn open(&mut self, seq: u32) -> DeliverAck {
        let (reply, answer) = oneshot::channel();
        self.answers
            .push(async move { (seq, answer.await.unwrap_or(wire::ESME_RX_T_APPN)) }.boxed());
        DeliverAck::new(reply, self.slot.take())
    }

    /// The next answer decided; pending while there is none (for `select!`).
    pub(crate) async fn next_answer(&mut self) -> (u32, u32) {
        match self.answers.next().await {
            Some(answer) => answer,
            None => std::future::pending().await,
        }
    }

    /// Another answer decided already, if any (to answer a batch with one flush).
    pub(crate) fn ready_answer(&mut self) -> Option<(u32, u32)> {
        self.answers.next().now_or_never().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn reading_stops_at_the_window_and_resumes_as_answers_come() {
        let mut w = ReceiveWindow::new(2);
        let slot = w.free_slot().await;
        w.hold(slot);
        let first = w.open(1);
        let slot = w.free_slot().await;
        w.hold(slot);
        let mut second = w.open(2);
        assert!(!w.can_read());
        assert!(w.free_slot().now_or_never().is_none(), "window full");
        // A parked delivery frees its slot but stays unanswered.
        second.release_window();
        let slot = w.free_slot().await;
        w.hold(slot);
        assert!(w.can_read());
        assert_eq!(w.ready_answer(), None);
        first.accept();
        drop(second);
        let mut got = vec![w.next_answer().await];
        got.extend(w.ready_answer());
        got.sort_unstable();
        assert_eq!(got, vec![(1, 0), (2, wire::ESME_RX_T_APPN)]);
    }
}
