//! One upstream connection: connect, bind, then pump submits and deliveries until the
//! connection dies, then hand every outstanding request back to the channel and reconnect.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::{mpsc, oneshot};
use tokio::time::{timeout, Duration, Instant, MissedTickBehavior};
use tokio_util::codec::Framed;
use tracing::{debug, info, warn};

use super::ack::DeliverAck;
use super::backoff::Backoff;
use super::channel::{Reply, Request, Shared};
use super::outcome::{Incoming, UpstreamEvent};
use super::receive::ReceiveWindow;
use super::window::{SequenceNumbers, Window};
use super::wire::{self, BindKind, RawCodec};
use crate::pdu::{Body, Pdu};

type Conn = Framed<TcpStream, RawCodec>;

/// Why a bound connection ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum End {
    /// smppd is shutting down (unbind sent).
    Shutdown,
    /// The carrier sent `unbind` (SMPP 3.4 §4.2): answer and bind again.
    PeerUnbind,
    /// TCP closed or a framing error.
    Closed,
    /// A request (submit, enquire_link) went unanswered past `response_timeout`.
    DeadPeer,
}

/// Keeps connection `kind` of session slot `slot` bound until shutdown.
pub(crate) async fn run(shared: Arc<Shared>, slot: usize, kind: BindKind) {
    let cfg = &shared.cfg;
    let mut backoff = Backoff::new(cfg.reconnect_min, cfg.reconnect_max);
    loop {
        if shared.shutdown.is_cancelled() {
            return;
        }
        let mut seqs = SequenceNumbers::default();
        match connect_and_bind(&shared, kind, &mut seqs).await {
            Ok(conn) => {
                backoff.reset();
                shared.counters.binds.fetch_add(1, Ordering::Relaxed);
                info!(channel = %shared.name, slot, ?kind, "bound");
                let end = Connection::new(&shared, slot, kind, seqs).drive(conn).await;
                shared.counters.disconnects.fetch_add(1, Ordering::Relaxed);
                if end == End::DeadPeer {
                    shared.counters.dead_peers.fetch_add(1, Ordering::Relaxed);
                }
                if end == End::Shutdown {
                    return;
                }
                warn!(channel = %shared.name, slot, ?kind, ?end, "connection ended");
            }
            Err(reason) => {
                debug!(channel = %shared.name, slot, ?kind, %reason, "bind failed");
            }
        }
        let delay = backoff.next_delay();
        tokio::select! {
            _ = tokio::time::sleep(delay) => {}
            _ = shared.shutdown.cancelled() => return,
        }
    }
}

/// TCP connect plus bind, each bounded by `response_timeout`.
async fn connect_and_bind(
    shared: &Shared,
    kind: BindKind,
    seqs: &mut SequenceNumbers,
) -> Result<Conn, String> {
    let cfg = &shared.cfg;
    let limit = cfg.response_timeout;
    let stream = timeout(limit, TcpStream::connect(cfg.address()))
        .await
        .map_err(|_| "connect timed out".to_string())?
        .map_err(|e| format!("connect: {e}"))?;
    let _ = stream.set_nodelay(true);
    let mut conn = Framed::new(stream, RawCodec::default());
    let seq = seqs.next_seq();
    conn.send(wire::bind_request(cfg, kind, seq))
        .await
        .map_err(|e| format!("send bind: {e}"))?;
    let deadline = Instant::now() + limit;
    loop {
        let frame = tokio::time::timeout_at(deadline, conn.next())
            .await
            .map_err(|_| "bind response timed out".to_string())?;
        let pdu = match frame {
            None => return Err("closed during bind".into()),
            Some(Err(e)) => return Err(format!("framing error during bind: {e}")),
            Some(Ok((Err(e), _))) => return Err(format!("bad PDU during bind: {e}")),
            Some(Ok((Ok(pdu), _))) => pdu,
        };
        if pdu.sequence_number == seq {
            return match wire::bind_result(&pdu, kind) {
                Some(status) if wire::status_code(status) == 0 => Ok(conn),
                Some(status) => Err(format!(
                    "bind refused with status {:#010x}",
                    wire::status_code(status)
                )),
                None => Err("unexpected answer to bind".into()),
            };
        }
        // SMPP 5.0 and many 3.4 SMSCs probe with enquire_link before the bind completes.
        if matches!(pdu.body, Body::EnquireLink) {
            conn.send(wire::enquire_link_resp(pdu.sequence_number))
                .await
                .map_err(|e| format!("send enquire_link_resp: {e}"))?;
        }
    }
}

/// A submit written to the carrier and waiting for its response.
struct Pending {
    reply: oneshot::Sender<Reply>,
}

/// State of one bound connection.
struct Connection<'a> {
    shared: &'a Shared,
    slot: usize,
    kind: BindKind,
    seqs: SequenceNumbers,
    window: Window<Pending>,
    enquire_sent: Option<(u32, Instant)>,
    last_read: Instant,
}

impl<'a> Connection<'a> {
    fn new(shared: &'a Shared, slot: usize, kind: BindKind, seqs: SequenceNumbers) -> Self {
        Connection {
            shared,
            slot,
            kind,
            seqs,
            window: Window::new(shared.cfg.window),
            enquire_sent: None,
            last_read: Instant::now(),
        }
    }

    /// Runs the bound connection until it ends, then returns every request to the channel.
    async fn drive(mut self, mut conn: Conn) -> End {
        let (tx, mut rx) = mpsc::unbounded_channel::<Request>();
        let slot = &self.shared.slots[self.slot];
        if self.kind.submits() {
            slot.attach(tx);
            self.shared.room.notify_waiters();
        } else {
            slot.rx_bound.store(true, Ordering::Release);
        }
        let end = self.pump(&mut conn, &mut rx).await;
        if self.kind.submits() {
            slot.detach();
            rx.close();
            // Accepted by the session but never written: safe to send elsewhere.
            while let Ok(req) = rx.try_recv() {
                let _ = req.reply.send(Reply::NotWritten);
                self.shared.release(self.slot);
            }
            // Written, response never seen: unknown outcome, the channel decides.
            for pending in self.window.drain() {
                let _ = pending.reply.send(Reply::Lost);
                self.shared.release(self.slot);
            }
        } else {
            slot.rx_bound.store(false, Ordering::Release);
        }
        end
    }

    async fn pump(&mut self, conn: &mut Conn, rx: &mut mpsc::UnboundedReceiver<Request>) -> End {
        let cfg = &self.shared.cfg;
        let period = (cfg.response_timeout.min(cfg.enquire_link_interval) / 4)
            .clamp(Duration::from_millis(5), Duration::from_secs(1));
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(MissedTickBehavior::Delay);
        let submits = self.kind.submits();
        // Unanswered deliveries die with the connection (the carrier re-sends them).
        let mut received = ReceiveWindow::new(cfg.window);
        // A full receive window is normally a moment of saturation (slots free within
        // milliseconds: stop reading, the carrier waits). Full for this long, the relay is
        // stalled; a connection that carries our submits then reads again (their responses
        // must not wait behind the relay) and refuses the extra deliveries.
        let stall_after = (cfg.response_timeout / 2).min(Duration::from_secs(1));
        let mut full_since: Option<Instant> = None;
        // Set at shutdown while submits written here still wait for their answer.
        let mut draining_until: Option<Instant> = None;
        loop {
            if let Some(until) = draining_until {
                if self.window.is_empty() || Instant::now() >= until {
                    self.unbind(conn).await;
                    return End::Shutdown;
                }
            }
            // Taken before `select!` borrows `received` for its answers.
            let has_slot = received.can_read();
            let now = Instant::now();
            full_since = if has_slot {
                None
            } else {
                full_since.or(Some(now))
            };
            let stalled = submits && full_since.is_some_and(|t| now - t >= stall_after);
            let readable = has_slot || stalled;
            let free_slot = received.free_slot();
            tokio::select! {
                biased;
                _ = self.shared.shutdown.cancelled(), if draining_until.is_none() => {
                    // Submits already written get their answer (within the response
                    // timeout) before the unbind: cut off, each would be an unknown outcome
                    // the dispatcher has to guess about. New ones go to other sessions.
                    if submits {
                        self.shared.slots[self.slot].detach();
                    }
                    draining_until = Some(Instant::now() + cfg.response_timeout);
                }
                answer = received.next_answer() => {
                    // Answer every delivery that is decided now with one flush.
                    let mut answer = Some(answer);
                    while let Some((seq, status)) = answer {
                        if conn.feed(wire::deliver_sm_resp(seq, status)).await.is_err() {
                            return End::Closed;
                        }
                        answer = received.ready_answer();
                    }
                    if conn.flush().await.is_err() {
                        return End::Closed;
                    }
                }
                slot = free_slot, if !has_slot => received.hold(slot),
                frame = conn.next(), if readable => {
                    let (pdu, raw) = match frame {
                        None | Some(Err(_)) => return End::Closed,
                        Some(Ok((Ok(pdu), raw))) => (pdu, raw),
                        Some(Ok((Err(e), _))) => {
                            warn!(channel = %self.shared.name, error = %e, "undecodable PDU from carrier");
                            self.last_read = Instant::now();
                            if self.on_bad_pdu(conn, &e).await.is_err() {
                                return End::Closed;
                            }
                            continue;
                        }
                    };
                    self.last_read = Instant::now();
                    if let Body::DeliverSm(deliver) = pdu.body {
                        if !received.can_read() {
                            // Receive window full on a transceiver: answered at once with a
                            // temporary error (SMPP 3.4 §5.1.3), the carrier sends it again.
                            debug!(channel = %self.shared.name, "deliver_sm refused for now: receive window full");
                            let refusal = wire::deliver_sm_resp(pdu.sequence_number, wire::ESME_RX_T_APPN);
                            if conn.send(refusal).await.is_err() {
                                return End::Closed;
                            }
                            continue;
                        }
                        let ack = received.open(pdu.sequence_number);
                        self.deliver(deliver, raw, ack).await;
                        continue;
                    }
                    match self.on_pdu(conn, pdu, raw).await {
                        Ok(None) => {}
                        Ok(Some(end)) => return end,
                        Err(()) => return End::Closed,
                    }
                }
                req = rx.recv(), if submits && draining_until.is_none() => {
                    let Some(req) = req else { return End::Closed };
                    if self.write_submit(conn, req).await.is_err() {
                        return End::Closed;
                    }
                    // Batch whatever else is queued into the same flush.
                    while let Ok(req) = rx.try_recv() {
                        if self.write_submit(conn, req).await.is_err() {
                            return End::Closed;
                        }
                    }
                    if conn.flush().await.is_err() {
                        return End::Closed;
                    }
                }
                _ = tick.tick() => {
                    // Not reading (receive window full): the carrier's answers may be
                    // waiting unread, so its silence proves nothing.
                    if !readable {
                        continue;
                    }
                    if let Some(end) = self.check_timers(conn).await {
                        return end;
                    }
                }
            }
        }
    }

    async fn write_submit(&mut self, conn: &mut Conn, req: Request) -> Result<(), ()> {
        let seq = self.seqs.next_seq();
        let pdu = wire::submit(seq, req.submit);
        match self
            .window
            .insert(seq, Pending { reply: req.reply }, Instant::now())
        {
            Ok(()) => {}
            Err(pending) => {
                // The channel reserves window room before queueing, so this means a
                // sequence collision; let the channel resend it.
                let _ = pending.reply.send(Reply::NotWritten);
                self.shared.release(self.slot);
                return Ok(());
            }
        }
        self.shared
            .counters
            .submits_sent
            .fetch_add(1, Ordering::Relaxed);
        conn.feed(pdu).await.map_err(|_| ())
    }

    /// Handles one PDU from the carrier; `Some(end)` closes the connection.
    async fn on_pdu(&mut self, conn: &mut Conn, pdu: Pdu, raw: Bytes) -> Result<Option<End>, ()> {
        let seq = pdu.sequence_number;
        let status = wire::status_code(pdu.command_status);
        match pdu.body {
            Body::SubmitSmResp(resp) => {
                self.complete(seq, status, wire::resp_message_id(&resp), raw);
            }
            Body::GenericNack => {
                if self.enquire_sent.is_some_and(|(s, _)| s == seq) {
                    // A peer that nacks enquire_link is still alive.
                    self.enquire_sent = None;
                } else {
                    self.complete(seq, status, String::new(), raw);
                }
            }
            Body::EnquireLinkResp => {
                if self.enquire_sent.is_some_and(|(s, _)| s == seq) {
                    self.enquire_sent = None;
                }
            }
            Body::EnquireLink => {
                conn.send(wire::enquire_link_resp(seq))
                    .await
                    .map_err(|_| ())?;
            }
            // Taken out in `pump`: it is answered through the receive window.
            Body::DeliverSm(_) => {}
            Body::Unbind => {
                // SMPP 3.4 §4.2: answer, then the carrier closes; bind again afterwards.
                let _ = conn.send(wire::unbind_resp(seq)).await;
                return Ok(Some(End::PeerUnbind));
            }
            Body::UnbindResp => return Ok(Some(End::PeerUnbind)),
            other => {
                if wire::is_request(&other) {
                    conn.send(wire::generic_nack(seq, wire::ESME_RINVCMDID))
                        .await
                        .map_err(|_| ())?;
                }
            }
        }
        Ok(None)
    }

    /// A PDU whose body did not decode: answer a request with the status the codec chose
    /// (SMPP 3.4 §3.3 generic_nack or the matching `_resp`); a garbled response to one of our
    /// submits leaves its outcome unknown rather than waiting for a timeout.
    async fn on_bad_pdu(&mut self, conn: &mut Conn, e: &crate::pdu::PduError) -> Result<(), ()> {
        let is_response = e.command_id.is_some_and(|c| c.is_response());
        match (is_response, e.sequence_number) {
            (true, Some(seq)) => {
                if let Some(pending) = self.window.complete(seq) {
                    let _ = pending.reply.send(Reply::Lost);
                    self.shared.release(self.slot);
                }
                Ok(())
            }
            (false, _) => match e.response() {
                Some(answer) => conn.send(answer).await.map_err(|_| ()),
                None => Ok(()),
            },
            (true, None) => Ok(()),
        }
    }

    fn complete(&mut self, seq: u32, status: u32, message_id: String, raw: Bytes) {
        if let Some(pending) = self.window.complete(seq) {
            let _ = pending.reply.send(Reply::Resp {
                status,
                message_id,
                raw,
                session: self.slot,
            });
            self.shared.release(self.slot);
        }
    }

    /// Hands a `deliver_sm` to the relay; its answer comes through `ack` once the receipt's
    /// effect is durable (see [`DeliverAck`]).
    ///
    /// Handing over waits until the bounded event channel took the event, and `ack` holds a
    /// receive-window slot until it is answered, so a slow relay stops us reading and the
    /// carrier holds its receipts, instead of smppd holding them in memory. An event nobody
    /// takes (relay gone, shutdown) drops `ack` unanswered: SMPP 3.4 §5.1.3 ESME_RX_T_APPN,
    /// the carrier retries later rather than consider it delivered.
    async fn deliver(&self, deliver: Box<crate::pdu::DeliverSm>, raw: Bytes, ack: DeliverAck) {
        let receipt = wire::is_receipt(&deliver);
        let incoming = Incoming {
            channel: self.shared.name.clone(),
            deliver,
            raw,
            received_at: SystemTime::now(),
            ack,
        };
        let (event, counter) = if receipt {
            (
                UpstreamEvent::Receipt(incoming),
                &self.shared.counters.receipts,
            )
        } else {
            (UpstreamEvent::Mo(incoming), &self.shared.counters.mo)
        };
        tokio::select! {
            sent = self.shared.events.send(event) => {
                if sent.is_ok() {
                    counter.fetch_add(1, Ordering::Relaxed);
                }
            }
            _ = self.shared.shutdown.cancelled() => {}
        }
    }

    /// Detects a dead peer and probes an idle one.
    async fn check_timers(&mut self, conn: &mut Conn) -> Option<End> {
        let cfg = &self.shared.cfg;
        let now = Instant::now();
        let overdue = |age: Duration| age > cfg.response_timeout;
        if self.window.oldest_age(now).is_some_and(overdue)
            || self
                .enquire_sent
                .is_some_and(|(_, at)| overdue(now.duration_since(at)))
        {
            warn!(channel = %self.shared.name, slot = self.slot, "carrier stopped answering");
            return Some(End::DeadPeer);
        }
        if self.enquire_sent.is_none()
            && now.duration_since(self.last_read) >= cfg.enquire_link_interval
        {
            let seq = self.seqs.next_seq();
            if conn.send(wire::enquire_link(seq)).await.is_err() {
                return Some(End::Closed);
            }
            self.enquire_sent = Some((seq, now));
        }
        None
    }

    /// Graceful unbind at shutdown, waiting briefly for `unbind_resp`.
    async fn unbind(&mut self, conn: &mut Conn) {
        let seq = self.seqs.next_seq();
        if conn.send(wire::unbind(seq)).await.is_err() {
            return;
        }
        let _ = timeout(Duration::from_secs(1), async {
            while let Some(Ok((Ok(pdu), _))) = conn.next().await {
                if matches!(pdu.body, Body::UnbindResp) {
                    break;
                }
            }
        })
        .await;
    }
}
