//! The answer a carrier's `deliver_sm` waits for.
//!
//! A carrier retries a `deliver_sm` it got no `deliver_sm_resp` for (or an error status), so
//! acknowledging one is a promise: smppd has *kept* it. The session therefore does not answer
//! when it hands the event on; it answers when whoever handles the event calls
//! [`DeliverAck::accept`] (its effect is durable) or [`DeliverAck::retry_later`]. Dropping
//! the handle unanswered means "not handled": the session answers `ESME_RX_T_APPN` (SMPP 3.4
//! §5.1.3, temporary application error), and the carrier sends it again later.
//!
//! Each handle also holds one slot of the connection's receive window: the session stops
//! reading once `window` deliveries are unanswered, so a slow relay or store slows the
//! carrier down (its own window fills) instead of growing memory.

use tokio::sync::{oneshot, OwnedSemaphorePermit};

use super::wire;

/// How a carrier's `deliver_sm` gets answered; see the module docs.
pub struct DeliverAck {
    reply: Option<oneshot::Sender<u32>>,
    window: Option<OwnedSemaphorePermit>,
}

impl DeliverAck {
    /// A handle the session waits on, holding `window` until it is answered or released.
    pub(crate) fn new(reply: oneshot::Sender<u32>, window: Option<OwnedSemaphorePermit>) -> Self {
        DeliverAck {
            reply: Some(reply),
            window,
        }
    }

    /// A handle nobody waits for (a `deliver_sm` re-read from evidence, tests).
    pub fn detached() -> Self {
        DeliverAck {
            reply: None,
            window: None,
        }
    }

    /// The `deliver_sm`'s effect is durable (or it has none worth a retry): answer `ESME_ROK`.
    pub fn accept(mut self) {
        self.answer(0);
    }

    /// Not handled now: answer `ESME_RX_T_APPN` so the carrier sends it again later.
    pub fn retry_later(mut self) {
        self.answer(wire::ESME_RX_T_APPN);
    }

    /// The `deliver_sm` now waits for something other than its own connection (a receipt
    /// parked until its submit_sm_resp is indexed): free its receive-window slot so the
    /// connection keeps reading (that resp may come on it). The answer still waits.
    pub fn release_window(&mut self) {
        self.window = None;
    }

    /// Whether a session still waits for this answer (false once answered, for a detached
    /// handle, or when the connection it came on has closed).
    pub fn is_awaited(&self) -> bool {
        self.reply.as_ref().is_some_and(|r| !r.is_closed())
    }

    fn answer(&mut self, status: u32) {
        self.window = None;
        if let Some(reply) = self.reply.take() {
            // The connection may be gone: the carrier then re-sends it on another one.
            let _ = reply.send(status);
        }
    }
}

impl std::fmt::Debug for DeliverAck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeliverAck")
            .field("awaited", &self.is_awaited())
            .field("holds_window", &self.window.is_some())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use tokio::sync::Semaphore;

    use super::*;

    #[tokio::test]
    async fn answers_once_and_frees_the_window_slot() {
        let window = Arc::new(Semaphore::new(1));
        let (tx, rx) = oneshot::channel();
        let permit = window.clone().try_acquire_owned().unwrap();
        let mut ack = DeliverAck::new(tx, Some(permit));
        assert_eq!(window.available_permits(), 0);
        ack.release_window();
        assert_eq!(window.available_permits(), 1);
        assert!(ack.is_awaited());
        ack.accept();
        assert_eq!(rx.await, Ok(0));
    }

    #[tokio::test]
    async fn dropped_unanswered_means_retry_later() {
        let window = Arc::new(Semaphore::new(1));
        let (tx, rx) = oneshot::channel();
        let ack = DeliverAck::new(tx, window.clone().try_acquire_owned().ok());
        drop(ack);
        // The session maps a closed reply to ESME_RX_T_APPN.
        assert!(rx.await.is_err());
        assert_eq!(window.available_permits(), 1);
        let (tx, rx) = oneshot::channel();
        DeliverAck::new(tx, None).retry_later();
        assert_eq!(rx.await, Ok(wire::ESME_RX_T_APPN));
    }
}
