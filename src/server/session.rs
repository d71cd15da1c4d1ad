//! One task per connection: reads PDUs, enforces the SMPP 3.4 state table, runs the timers and
//! both windows, and writes responses. `select!` over the reader, the completed gateway calls,
//! the bounded deliver_sm queue, a liveness probe, the timer and two cancel tokens.

mod link;
mod requests;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use futures::{FutureExt, SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, Notify, Semaphore};
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tracing::Instrument;

use super::auth::Authenticator;
use super::gateway::{BindInfo, Gateway};
use super::registry::{DeliverError, OutboundDeliver, Registration, SessionRegistry};
use super::settings::ServerSettings;
use super::state::{admit, Admission, SessionState};
use super::timers::Timers;
use super::window::{SequenceAllocator, Window};
use crate::pdu::{
    Body, CodecError, CommandId, CommandStatus, Pdu, PduError, PduErrorKind, SmppCodec,
};

/// What every session shares.
pub(crate) struct Shared<G> {
    pub(crate) settings: ServerSettings,
    pub(crate) auth: Arc<Authenticator>,
    pub(crate) registry: Arc<SessionRegistry>,
    pub(crate) gateway: Arc<G>,
    /// Gateway-wide cap on submits in flight (ESME_RTHROTTLED beyond it).
    pub(crate) submit_permits: Arc<Semaphore>,
    /// Tracks sessions and the gateway calls they leave behind, for graceful shutdown.
    pub(crate) tracker: TaskTracker,
    /// Cancelled when the server shuts down.
    pub(crate) shutdown: CancellationToken,
}

/// Why a session ended (logged once, where the session task ends).
#[derive(Debug, thiserror::Error)]
pub(crate) enum SessionEnd {
    #[error("client closed the connection")]
    PeerClosed,
    #[error("framing lost: {0}")]
    Framing(CodecError),
    #[error("write failed or timed out")]
    WriteFailed,
    #[error("no bind within session_init_timeout")]
    SessionInitTimeout,
    #[error("enquire_link unanswered: link dead")]
    Dead,
    #[error("evicted as dead to make room for a new bind")]
    Evicted,
    #[error("unbound")]
    Unbound,
    #[error("too many bad PDUs")]
    ErrorBudget,
}

/// A request smppd sent and awaits the response for.
#[derive(Debug)]
enum Pending {
    EnquireLink,
    Deliver(tokio::sync::oneshot::Sender<Result<(), DeliverError>>),
    Unbind,
}

impl Pending {
    /// The response command_id that answers this request.
    fn answered_by(&self) -> CommandId {
        match self {
            Pending::EnquireLink => CommandId::ENQUIRE_LINK_RESP,
            Pending::Deliver(_) => CommandId::DELIVER_SM_RESP,
            Pending::Unbind => CommandId::UNBIND_RESP,
        }
    }
}

enum Event {
    Shutdown,
    Evicted,
    Frame(Option<Result<Result<Pdu, PduError>, CodecError>>),
    Completed(Pdu),
    Deliver(OutboundDeliver),
    Probe,
    Timer,
}

/// The per-connection state.
pub(crate) struct Session<G: Gateway> {
    id: u64,
    peer: SocketAddr,
    framed: Framed<TcpStream, SmppCodec>,
    shared: Arc<Shared<G>>,
    state: SessionState,
    bind: Option<Arc<BindInfo>>,
    registration: Option<Registration>,
    outbound: Option<mpsc::Receiver<OutboundDeliver>>,
    probe: Arc<Notify>,
    received: Arc<AtomicU64>,
    evict: CancellationToken,
    /// Cancelled by the registry (admin kick, suspension, account removed by a reload):
    /// unbind gracefully, as at shutdown.
    unbind_request: CancellationToken,
    window: Window<Pending>,
    seq: SequenceAllocator,
    enquire_seq: Option<u32>,
    timers: Timers,
    inflight: FuturesUnordered<BoxFuture<'static, Pdu>>,
    errors: u32,
    /// PDUs written to the buffer since the last flush.
    unflushed: bool,
    /// The client asked to unbind: answer once in-flight requests are answered.
    client_unbind: Option<u32>,
    /// smppd sent unbind (shutdown, inactivity, abuse) and the client acknowledged it.
    unbind_acked: bool,
    draining: bool,
}

/// Idle sessions should be small: start the read/write buffers at a PDU or two, not the
/// 8 KiB default; they grow for the rare large PDU.
const BUFFER_CAPACITY: usize = 512;

fn now() -> Instant {
    tokio::time::Instant::now().into_std()
}

impl<G: Gateway> Session<G> {
    pub(crate) fn new(stream: TcpStream, peer: SocketAddr, shared: Arc<Shared<G>>) -> Self {
        let s = &shared.settings;
        let codec = SmppCodec::with_max_command_length(s.max_command_length);
        let t = now();
        Session {
            id: shared.registry.next_session_id(),
            peer,
            framed: Framed::with_capacity(stream, codec, BUFFER_CAPACITY),
            state: SessionState::Open,
            bind: None,
            registration: None,
            outbound: None,
            probe: Arc::new(Notify::new()),
            received: Arc::new(AtomicU64::new(0)),
            evict: CancellationToken::new(),
            unbind_request: CancellationToken::new(),
            window: Window::new(s.outbound_window, s.response_timeout),
            seq: SequenceAllocator::default(),
            enquire_seq: None,
            timers: Timers::new(
                t,
                s.session_init_timeout,
                s.enquire_link_interval,
                s.inactivity_timeout,
            ),
            inflight: FuturesUnordered::new(),
            errors: 0,
            unflushed: false,
            client_unbind: None,
            unbind_acked: false,
            draining: false,
            shared,
        }
    }

    /// Runs the session to its end.
    pub(crate) async fn run(mut self) {
        let span = tracing::info_span!(
            "session",
            id = self.id,
            peer = %self.peer,
            system_id = tracing::field::Empty,
            bind_type = tracing::field::Empty
        );
        let end = self.drive(&span).instrument(span.clone()).await;
        span.in_scope(|| tracing::debug!(reason = %end, "session ended"));
        self.finish();
    }

    async fn drive(&mut self, span: &tracing::Span) -> SessionEnd {
        let end = loop {
            if let Err(end) = self.step(span).await {
                break end;
            }
            if let Err(end) = self.close_if_done().await {
                break end;
            }
        };
        // The last responses (unbind_resp, a generic_nack before closing) still go out.
        if !matches!(end, SessionEnd::WriteFailed) && self.flush().await.is_err() {
            return SessionEnd::WriteFailed;
        }
        end
    }

    /// One event, handled. Responses are written to the buffer only; it is flushed when no
    /// further event is ready, so a burst (a group commit answering many submits at once,
    /// a backlog of receipts) leaves in a few writes instead of one syscall per PDU.
    async fn step(&mut self, span: &tracing::Span) -> Result<(), SessionEnd> {
        let event = if self.unflushed {
            // Every branch of `next_event` is cancel-safe, so trying it once loses nothing.
            match self.next_event().now_or_never() {
                Some(event) => event,
                None => {
                    self.flush().await?;
                    self.next_event().await
                }
            }
        } else {
            self.next_event().await
        };
        match event {
            Event::Shutdown => self.begin_unbind(true).await,
            Event::Evicted => Err(SessionEnd::Evicted),
            Event::Frame(frame) => self.on_frame(frame, span).await,
            Event::Completed(pdu) => self.send(pdu).await,
            Event::Deliver(d) => self.send_deliver(d).await,
            Event::Probe => self.send_enquire_link().await,
            Event::Timer => self.on_timer().await,
        }
    }

    async fn next_event(&mut self) -> Event {
        let deadline = self.next_deadline();
        let can_deliver = self.state.is_bound()
            && !self.draining
            && self.client_unbind.is_none()
            && self.window.has_room();
        tokio::select! {
            biased;
            _ = self.shared.shutdown.cancelled(), if !self.draining => Event::Shutdown,
            _ = self.evict.cancelled() => Event::Evicted,
            _ = self.unbind_request.cancelled(), if !self.draining => Event::Shutdown,
            Some(pdu) = self.inflight.next(), if !self.inflight.is_empty() => Event::Completed(pdu),
            _ = sleep_until(deadline) => Event::Timer,
            Some(d) = recv_opt(&mut self.outbound), if can_deliver => Event::Deliver(d),
            _ = self.probe.notified() => Event::Probe,
            frame = self.framed.next() => Event::Frame(frame),
        }
    }

    fn next_deadline(&self) -> Option<Instant> {
        let timer = self
            .timers
            .next_deadline(self.state, self.enquire_seq.is_some());
        match (timer, self.window.next_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    async fn on_frame(
        &mut self,
        frame: Option<Result<Result<Pdu, PduError>, CodecError>>,
        span: &tracing::Span,
    ) -> Result<(), SessionEnd> {
        let item = match frame {
            None => return Err(SessionEnd::PeerClosed),
            Some(Err(e @ CodecError::InvalidCommandLength { .. })) => {
                // SMPP 3.4 §3.2: with a bad command_length the stream cannot be re-synchronised.
                // Say why, then close.
                let seq = match &e {
                    CodecError::InvalidCommandLength {
                        sequence_number, ..
                    } => sequence_number.unwrap_or(0),
                    CodecError::Io(_) => 0,
                };
                let _ = self.send(Pdu::generic_nack(seq, e.status())).await;
                return Err(SessionEnd::Framing(e));
            }
            Some(Err(e)) => return Err(SessionEnd::Framing(e)),
            Some(Ok(item)) => item,
        };
        self.timers.on_receive(now());
        self.received.fetch_add(1, Ordering::Relaxed);
        match item {
            Ok(pdu) => self.on_pdu(pdu, span).await,
            Err(e) => self.on_bad_pdu(e).await,
        }
    }

    /// A frame with a sane header whose body did not decode: answered, and the session goes on
    /// (style habit 2), within the error budget.
    async fn on_bad_pdu(&mut self, e: PduError) -> Result<(), SessionEnd> {
        tracing::debug!(error = %e, "bad PDU");
        let is_response = e.command_id.is_some_and(|c| c.is_response());
        if is_response {
            // A garbled answer to one of ours still carries the client's verdict in its
            // header: the bodies smppd awaits are empty or unused (deliver_sm_resp's
            // message_id, SMPP 3.4 §4.6.2).
            // Such an answer is tolerated, not charged to the error budget.
            if let (Some(seq), Some(command_id), Some(status)) =
                (e.sequence_number, e.command_id, e.header_status)
            {
                if self.complete(seq, command_id, status) {
                    return Ok(());
                }
            }
        } else {
            self.send(answer_to_bad_request(&e)).await?;
        }
        self.charge_error().await
    }

    async fn charge_error(&mut self) -> Result<(), SessionEnd> {
        self.errors += 1;
        if self.errors > self.shared.settings.error_budget {
            tracing::info!(errors = self.errors, "error budget exhausted");
            if self.state.is_bound() {
                self.begin_unbind(false).await?;
                return Ok(());
            }
            return Err(SessionEnd::ErrorBudget);
        }
        Ok(())
    }

    async fn on_pdu(&mut self, pdu: Pdu, span: &tracing::Span) -> Result<(), SessionEnd> {
        let seq = pdu.sequence_number;
        let command_id = pdu.command_id();
        if pdu.is_response() {
            self.complete(seq, command_id, pdu.command_status);
            return Ok(());
        }
        match admit(self.state, command_id) {
            Admission::Accept => self.dispatch(pdu, span).await,
            Admission::WrongState if self.unbinds_crossed(command_id) => {
                self.dispatch(pdu, span).await
            }
            Admission::WrongState => {
                // While shutting down, work that arrives after our unbind is retryable.
                let status = if self.draining && is_message_op(command_id) {
                    CommandStatus::ESME_RTHROTTLED
                } else {
                    CommandStatus::ESME_RINVBNDSTS
                };
                self.respond_error(command_id, seq, status).await?;
                self.charge_error().await
            }
            Admission::AlreadyBound => {
                self.respond_error(command_id, seq, CommandStatus::ESME_RALYBND)
                    .await
            }
            Admission::NotForSmsc => {
                self.send(Pdu::generic_nack(seq, CommandStatus::ESME_RINVCMDID))
                    .await?;
                self.charge_error().await
            }
        }
    }

    /// SMPP 3.4 §4.2 lets either side unbind. A client unbind that arrives after smppd sent
    /// its own (both ended the session at once) is answered ESME_ROK like any unbind; only a
    /// repeated client unbind is in the wrong state.
    fn unbinds_crossed(&self, command_id: CommandId) -> bool {
        command_id == CommandId::UNBIND
            && self.state == SessionState::Unbound
            && self.client_unbind.is_none()
    }

    async fn respond_error(
        &mut self,
        command_id: CommandId,
        seq: u32,
        status: CommandStatus,
    ) -> Result<(), SessionEnd> {
        let pdu = Pdu::response_to(command_id, seq, status)
            .unwrap_or_else(|| Pdu::generic_nack(seq, status));
        self.send(pdu).await
    }

    /// Buffers `pdu` for the next flush (`feed` itself writes out once the buffer passes its
    /// backpressure bound).
    async fn send(&mut self, pdu: Pdu) -> Result<(), SessionEnd> {
        self.unflushed = true;
        let within = self.shared.settings.response_timeout;
        written(tokio::time::timeout(within, self.framed.feed(pdu)).await)
    }

    async fn flush(&mut self) -> Result<(), SessionEnd> {
        self.unflushed = false;
        let within = self.shared.settings.response_timeout;
        written(tokio::time::timeout(within, SinkExt::<Pdu>::flush(&mut self.framed)).await)
    }

    async fn send_request(&mut self, body: Body, pending: Pending) -> Result<u32, SessionEnd> {
        let seq = self.seq.next_seq();
        self.window.insert(seq, now(), pending);
        self.send(Pdu::new(seq, body)).await?;
        Ok(seq)
    }
}

/// A client that stops reading must not wedge the session (and its timers) forever: a
/// write that does not finish within `response_timeout` ends the session.
fn written(
    r: Result<Result<(), CodecError>, tokio::time::error::Elapsed>,
) -> Result<(), SessionEnd> {
    match r {
        Ok(Ok(())) => Ok(()),
        _ => Err(SessionEnd::WriteFailed),
    }
}

/// SMPP 3.4 §4.3.1: generic_nack answers a PDU whose header is unusable (unknown command_id,
/// a command_length that does not fit the body), with its sequence number when the header
/// gave one. A known request with a bad field gets its own `_resp` carrying that field's
/// status (§5.1.3, e.g. submit_sm_resp ESME_RINVSRCADR), which clients match and report.
fn answer_to_bad_request(e: &PduError) -> Pdu {
    let seq = e.sequence_number.unwrap_or(0);
    let header_unusable = matches!(
        e.kind,
        PduErrorKind::UnknownCommandId
            | PduErrorKind::LengthMismatch { .. }
            | PduErrorKind::Truncated(_)
            | PduErrorKind::Unterminated(_)
            | PduErrorKind::TrailingBytes(_)
    );
    match e.response() {
        Some(resp) if !header_unusable => resp,
        _ => Pdu::generic_nack(seq, e.status),
    }
}

/// submit_sm, data_sm, submit_multi, query_sm, cancel_sm, replace_sm.
fn is_message_op(id: CommandId) -> bool {
    matches!(
        id,
        CommandId::SUBMIT_SM
            | CommandId::DATA_SM
            | CommandId::SUBMIT_MULTI
            | CommandId::QUERY_SM
            | CommandId::CANCEL_SM
            | CommandId::REPLACE_SM
    )
}

async fn recv_opt(rx: &mut Option<mpsc::Receiver<OutboundDeliver>>) -> Option<OutboundDeliver> {
    match rx {
        Some(rx) => rx.recv().await,
        None => std::future::pending().await,
    }
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(d) => tokio::time::sleep_until(tokio::time::Instant::from_std(d)).await,
        None => std::future::pending().await,
    }
}
