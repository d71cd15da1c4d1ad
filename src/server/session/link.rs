//! Link management on a session: smppd's own requests (deliver_sm, enquire_link, unbind) and
//! their answers, the SMPP 3.4 §7.2 timers, and how a session ends.

use futures::StreamExt;

use super::{now, Pending, Session, SessionEnd};
use crate::pdu::{Body, CommandId, CommandStatus, Pdu};
use crate::server::gateway::Gateway;
use crate::server::registry::{DeliverError, OutboundDeliver};
use crate::server::state::SessionState;
use crate::server::timers::TimerEvent;

impl<G: Gateway> Session<G> {
    /// A response to one of smppd's requests arrived (or a garbled one, with its status).
    /// SMPP 3.4 §2.6: it must carry the request's command_id with bit 31 set, or be a
    /// generic_nack; another response with a pending sequence number answers nothing of ours
    /// (a receipt acknowledged by an enquire_link_resp would never be sent again). True when
    /// it answered one of smppd's requests.
    pub(super) fn complete(
        &mut self,
        seq: u32,
        command_id: CommandId,
        status: CommandStatus,
    ) -> bool {
        let nack = command_id == CommandId::GENERIC_NACK;
        let answers = self
            .window
            .get(seq)
            .is_some_and(|p| nack || p.answered_by() == command_id);
        if !answers {
            tracing::debug!(seq, %command_id, "response to no request of ours; ignored");
            return false;
        }
        // A generic_nack refuses whatever it answers, even if it says ESME_ROK.
        let status = if nack && status.is_ok() {
            CommandStatus::ESME_RUNKNOWNERR
        } else {
            status
        };
        match self.window.complete(seq) {
            Some(Pending::Deliver(done)) => {
                let outcome = if status.is_ok() {
                    Ok(())
                } else {
                    Err(DeliverError::Rejected(status))
                };
                let _ = done.send(outcome);
            }
            Some(Pending::EnquireLink) if self.enquire_seq == Some(seq) => {
                self.enquire_seq = None;
            }
            Some(Pending::Unbind) => self.unbind_acked = true,
            Some(Pending::EnquireLink) | None => {}
        }
        true
    }

    pub(super) async fn send_deliver(&mut self, d: OutboundDeliver) -> Result<(), SessionEnd> {
        self.send_request(Body::DeliverSm(d.pdu), Pending::Deliver(d.done))
            .await
            .map(|_| ())
    }

    pub(super) async fn send_enquire_link(&mut self) -> Result<(), SessionEnd> {
        if self.enquire_seq.is_some() || !(self.state.is_bound()) {
            return Ok(());
        }
        let seq = self
            .send_request(Body::EnquireLink, Pending::EnquireLink)
            .await?;
        self.enquire_seq = Some(seq);
        Ok(())
    }

    /// SMPP 3.4 §4.2: smppd ends a bound session with unbind and waits for unbind_resp.
    pub(super) async fn begin_unbind(&mut self, shutdown: bool) -> Result<(), SessionEnd> {
        self.draining |= shutdown;
        if !self.state.is_bound() {
            return Err(SessionEnd::Unbound);
        }
        self.state = SessionState::Unbound;
        self.send_request(Body::Unbind, Pending::Unbind)
            .await
            .map(|_| ())
    }

    pub(super) async fn on_timer(&mut self) -> Result<(), SessionEnd> {
        let t = now();
        for (seq, pending) in self.window.expire(t) {
            match pending {
                // SMPP 3.4 §7.2 response_timer: the caller keeps the message and retries.
                Pending::Deliver(done) => {
                    tracing::debug!(seq, "deliver_sm unanswered; handed back for retry");
                    let _ = done.send(Err(DeliverError::TimedOut));
                }
                Pending::EnquireLink => return Err(SessionEnd::Dead),
                Pending::Unbind => return Err(SessionEnd::Unbound),
            }
        }
        match self.timers.due(t, self.state, self.enquire_seq.is_some()) {
            Some(TimerEvent::SessionInitExpired) => Err(SessionEnd::SessionInitTimeout),
            Some(TimerEvent::EnquireLinkDue) => self.send_enquire_link().await,
            Some(TimerEvent::Inactive) => self.begin_unbind(false).await,
            None => Ok(()),
        }
    }

    /// Ends the session once an unbind exchange is complete and nothing is in flight.
    pub(super) async fn close_if_done(&mut self) -> Result<(), SessionEnd> {
        if !self.inflight.is_empty() {
            return Ok(());
        }
        if let Some(seq) = self.client_unbind.take() {
            self.send(Pdu::new(seq, Body::UnbindResp)).await?;
            return Err(SessionEnd::Unbound);
        }
        if self.unbind_acked {
            return Err(SessionEnd::Unbound);
        }
        Ok(())
    }

    /// After the loop: nothing handed to this session is lost silently.
    pub(super) fn finish(mut self) {
        for (_, pending) in self.window.drain() {
            if let Pending::Deliver(done) = pending {
                let _ = done.send(Err(DeliverError::SessionClosed));
            }
        }
        self.registration = None;
        // Gateway calls already started run to completion (their results may be durable);
        // only their responses can no longer be sent.
        let inflight = std::mem::take(&mut self.inflight);
        if !inflight.is_empty() {
            self.shared.tracker.spawn(async move {
                inflight.for_each(|_| async {}).await;
            });
        }
    }
}
