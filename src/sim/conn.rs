//! One simulated SMSC connection: read a batch, answer the batch with one write.

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::{Bytes, BytesMut};
use parking_lot::Mutex;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::Instant;
use tokio_util::codec::{Decoder, Encoder};
use tokio_util::sync::CancellationToken;

use super::receipts::PendingDeliver;
use super::record::SubmitRecord;
use super::wire::{self, BoundAs};
use super::Ctx;
use crate::pdu::{Body, DeliverSm, Pdu, SmppCodec, SubmitSm};

/// What a connection's writer sends.
#[derive(Debug)]
pub(crate) enum Out {
    /// Already encoded responses.
    Raw(Bytes),
    /// A `deliver_sm` (receipt or MO) to number and encode.
    Deliver(Box<DeliverSm>),
    /// Several `deliver_sm`s written together.
    Delivers(Vec<DeliverSm>),
    /// An `unbind` from the simulator.
    Unbind,
}

/// A fixed 100 ms window counter for `throttle_above_tps` (coarse on purpose: cheap).
#[derive(Debug)]
pub(crate) struct RateWindow {
    started: Instant,
    count: u64,
}

impl Default for RateWindow {
    fn default() -> Self {
        RateWindow {
            started: Instant::now(),
            count: 0,
        }
    }
}

impl RateWindow {
    /// Counts one submit; false when it is over `tps`.
    fn admit(&mut self, tps: u32, now: Instant) -> bool {
        if now.duration_since(self.started) >= Duration::from_millis(100) {
            self.started = now;
            self.count = 0;
        }
        self.count += 1;
        self.count <= u64::from(tps).div_ceil(10)
    }
}

/// `deliver_sm`s written on a connection and not answered yet, by sequence number.
type Unanswered = Arc<Mutex<HashMap<u32, DeliverSm>>>;

struct Conn {
    ctx: Arc<Ctx>,
    id: u64,
    bound: Option<(BoundAs, String)>,
    rng: StdRng,
    out: mpsc::UnboundedSender<Out>,
    codec: SmppCodec,
    closing: bool,
    /// Whether the record still takes submits (checked once per read batch).
    recording: bool,
    /// Receipts of the current read batch, handed to the scheduler together.
    receipts: Vec<PendingDeliver>,
    /// Written `deliver_sm`s awaiting their `deliver_sm_resp` (shared with the writer).
    unanswered: Unanswered,
}

/// Serves one TCP connection until it closes or `cancel` fires.
pub(crate) async fn serve(stream: TcpStream, ctx: Arc<Ctx>, id: u64, cancel: CancellationToken) {
    let (mut rd, wr) = stream.into_split();
    let (out_tx, out_rx) = mpsc::unbounded_channel();
    let unanswered = Unanswered::default();
    let writer = tokio::spawn(write_loop(wr, out_rx, unanswered.clone(), cancel.clone()));
    let latency = ctx.cfg.response_latency;
    let delayed = (!latency.is_zero()).then(|| {
        let (tx, rx) = mpsc::unbounded_channel::<(Instant, Bytes)>();
        tokio::spawn(delay_loop(rx, out_tx.clone()));
        tx
    });
    let mut c = Conn {
        rng: StdRng::seed_from_u64(ctx.cfg.seed.wrapping_add(id)),
        ctx,
        id,
        bound: None,
        out: out_tx,
        codec: SmppCodec::default(),
        closing: false,
        recording: true,
        receipts: Vec::new(),
        unanswered,
    };
    let mut buf = BytesMut::with_capacity(64 * 1024);
    let mut records = Vec::new();
    'read: loop {
        if buf.capacity() - buf.len() < 4096 {
            buf.reserve(64 * 1024);
        }
        let n = tokio::select! {
            r = rd.read_buf(&mut buf) => r,
            _ = cancel.cancelled() => break,
        };
        match n {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let mut resp = BytesMut::new();
        let mut direct = BytesMut::new();
        c.recording = c.ctx.record.wants_more();
        loop {
            let item = match c.codec.decode(&mut buf) {
                Ok(Some(item)) => item,
                Ok(None) => break,
                // Framing error (SMPP 3.4 §3.2 bad command_length): nothing more is parseable.
                Err(_) => break 'read,
            };
            if c.ctx.hang.load(Ordering::Relaxed) {
                // Hung carrier: read and ignore everything, keep the socket open.
                continue;
            }
            match item {
                Ok(pdu) => c.on_pdu(pdu, &mut resp, &mut direct, &mut records),
                Err(e) => {
                    if let Some(nack) = wire::nack_for(&e) {
                        c.encode(nack, &mut direct);
                    }
                }
            }
        }
        c.ctx.record.extend(&mut records);
        if !c.receipts.is_empty() {
            let _ = c.ctx.delivers.send(std::mem::take(&mut c.receipts));
        }
        if !direct.is_empty() {
            let _ = c.out.send(Out::Raw(direct.freeze()));
        }
        if !resp.is_empty() {
            let chunk = resp.freeze();
            let sent = match &delayed {
                Some(d) => d.send((Instant::now() + latency, chunk)).is_ok(),
                None => c.out.send(Out::Raw(chunk)).is_ok(),
            };
            if !sent {
                break;
            }
        }
        if c.closing {
            // Let the writer flush the unbind_resp before the socket goes.
            tokio::time::sleep(Duration::from_millis(20)).await;
            break;
        }
    }
    c.ctx.receivers.remove(c.id);
    c.ctx.writers.lock().retain(|(id, _)| *id != c.id);
    cancel.cancel();
    // The writer stops at once and books what it never wrote as unanswered.
    let _ = writer.await;
    // Never answered: the carrier still owes them, send them again on the next bind.
    let unanswered: Vec<DeliverSm> = c.unanswered.lock().drain().map(|(_, d)| d).collect();
    if let (Some((_, system_id)), false) = (&c.bound, unanswered.is_empty()) {
        c.ctx
            .record
            .stats()
            .redelivered
            .fetch_add(unanswered.len() as u64, Ordering::Relaxed);
        let now = Instant::now();
        let again = unanswered
            .into_iter()
            .map(|d| PendingDeliver {
                due: now,
                system_id: system_id.clone(),
                deliver: Box::new(d),
            })
            .collect();
        let _ = c.ctx.delivers.send(again);
    }
}

impl Conn {
    fn encode(&mut self, pdu: Pdu, dst: &mut BytesMut) {
        // Our own PDUs always encode; a failure would be a codec bug, so drop the answer.
        let _ = self.codec.encode(pdu, dst);
    }

    fn on_pdu(
        &mut self,
        pdu: Pdu,
        resp: &mut BytesMut,
        direct: &mut BytesMut,
        records: &mut Vec<SubmitRecord>,
    ) {
        let seq = pdu.sequence_number;
        match pdu.body {
            Body::SubmitSm(submit) => {
                let answer = self.on_submit(seq, *submit, records);
                self.encode(answer, resp);
            }
            Body::DeliverSmResp(_) => {
                let stats = self.ctx.record.stats();
                let answered = self.unanswered.lock().remove(&seq);
                if pdu.command_status.0 == 0 {
                    stats.deliver_acks.fetch_add(1, Ordering::Relaxed);
                } else {
                    stats.deliver_refused.fetch_add(1, Ordering::Relaxed);
                    // SMPP 3.4 §5.1.3: e.g. ESME_RX_T_APPN, try again later.
                    if let (Some(d), Some((_, system_id))) = (answered, &self.bound) {
                        stats.redelivered.fetch_add(1, Ordering::Relaxed);
                        self.receipts.push(PendingDeliver {
                            due: Instant::now() + self.ctx.cfg.redeliver_delay,
                            system_id: system_id.clone(),
                            deliver: Box::new(d),
                        });
                    }
                }
            }
            Body::EnquireLink => {
                let answer = wire::enquire_link_resp(seq);
                self.encode(answer, direct);
            }
            Body::Unbind => {
                let answer = wire::unbind_resp(seq);
                self.encode(answer, direct);
                self.closing = true;
            }
            body => match wire::bind_of(&body) {
                Some((kind, system_id, password)) => {
                    let answer = self.on_bind(seq, kind, system_id, password);
                    self.encode(answer, direct);
                }
                None if wire::is_request(&body) => {
                    let answer = wire::generic_nack(seq, wire::ESME_RINVCMDID);
                    self.encode(answer, direct);
                }
                None => {}
            },
        }
    }

    fn on_bind(&mut self, seq: u32, kind: BoundAs, system_id: String, password: String) -> Pdu {
        let cfg = &self.ctx.cfg;
        // SMPP 3.4 §4.1: a second bind on a bound session is ESME_RALYBND.
        let status = if self.bound.is_some() {
            wire::ESME_RALYBND
        } else if cfg.accounts.is_empty() {
            0
        } else {
            match cfg.accounts.iter().find(|a| a.system_id == system_id) {
                None => wire::ESME_RINVSYSID,
                Some(a) if a.password != password => wire::ESME_RINVPASWD,
                Some(_) => 0,
            }
        };
        if status == 0 {
            self.ctx
                .record
                .stats()
                .binds
                .fetch_add(1, Ordering::Relaxed);
            if kind.receives() {
                self.ctx
                    .receivers
                    .add(&system_id, self.id, self.out.clone());
            }
            self.ctx.writers.lock().push((self.id, self.out.clone()));
            self.bound = Some((kind, system_id));
        }
        wire::bind_resp(seq, kind, status, &cfg.system_id)
    }

    fn on_submit(&mut self, seq: u32, submit: SubmitSm, records: &mut Vec<SubmitRecord>) -> Pdu {
        let stats = self.ctx.record.stats();
        let system_id = match &self.bound {
            Some((kind, sys)) if kind.transmits() => sys.clone(),
            _ => return wire::submit_sm_resp(seq, wire::ESME_RINVBNDSTS, ""),
        };
        let n = stats.submits.fetch_add(1, Ordering::Relaxed) + 1;
        let cfg = &self.ctx.cfg;
        let throttled = (cfg.throttle_every > 0 && n.is_multiple_of(cfg.throttle_every))
            || (cfg.throttle_above_tps > 0
                && !self
                    .ctx
                    .rate
                    .lock()
                    .admit(cfg.throttle_above_tps, Instant::now()));
        if throttled {
            stats.throttled.fetch_add(1, Ordering::Relaxed);
            return wire::submit_sm_resp(seq, wire::ESME_RTHROTTLED, "");
        }
        if cfg.reject_rate > 0.0 && self.rng.gen_bool(cfg.reject_rate.clamp(0.0, 1.0)) {
            stats.rejected.fetch_add(1, Ordering::Relaxed);
            return wire::submit_sm_resp(seq, cfg.reject_status, "");
        }
        stats.accepted.fetch_add(1, Ordering::Relaxed);
        let raw_id = self.ctx.next_id.fetch_add(1, Ordering::Relaxed);
        let carrier_id = cfg.message_id_format.format(raw_id);
        let delivered = !(cfg.undeliverable_rate > 0.0
            && self.rng.gen_bool(cfg.undeliverable_rate.clamp(0.0, 1.0)));
        // SMPP 3.4 §5.2.17 registered_delivery bits 1–0: 1 = always, 2 = on failure only.
        let wants = match submit.registered_delivery & 0x03 {
            1 => true,
            2 => !delivered,
            _ => cfg.always_receipt,
        };
        if !wants && !self.recording {
            // Nothing to remember about this submit: skip decoding its fields.
            return wire::submit_sm_resp(seq, 0, &carrier_id);
        }
        let fields = wire::submit_fields(&submit);
        if wants {
            let receipt_id = cfg
                .receipt_id_format
                .unwrap_or(cfg.message_id_format)
                .format(raw_id);
            let deliver = wire::receipt(&fields, &receipt_id, delivered, SystemTime::now());
            let due = Instant::now() + cfg.receipt_delay;
            if cfg.duplicate_receipts {
                self.receipts.push(PendingDeliver {
                    due,
                    system_id: system_id.clone(),
                    deliver: Box::new(deliver.clone()),
                });
            }
            self.receipts.push(PendingDeliver {
                due,
                system_id: system_id.clone(),
                deliver: Box::new(deliver),
            });
        }
        if self.recording {
            records.push(SubmitRecord {
                received_at_ms: SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_millis() as u64)
                    .unwrap_or(0),
                system_id,
                source_addr: fields.source_addr,
                destination_addr: fields.destination_addr,
                service_type: fields.service_type,
                esm_class: fields.esm_class,
                data_coding: fields.data_coding,
                registered_delivery: fields.registered_delivery,
                message_hex: hex::encode(&fields.message),
                text: fields.text,
                carrier_id: carrier_id.clone(),
            });
        }
        wire::submit_sm_resp(seq, 0, &carrier_id)
    }
}

/// Holds response batches until their latency has passed (constant latency: FIFO order).
async fn delay_loop(
    mut rx: mpsc::UnboundedReceiver<(Instant, Bytes)>,
    out: mpsc::UnboundedSender<Out>,
) {
    while let Some((due, chunk)) = rx.recv().await {
        tokio::time::sleep_until(due).await;
        if out.send(Out::Raw(chunk)).is_err() {
            return;
        }
    }
}

/// Writes everything queued for the connection, coalescing into large writes, until the
/// queue closes or `cancel`; then books the `deliver_sm`s it never wrote as unanswered, so
/// the connection's end sends them again.
async fn write_loop(
    mut wr: OwnedWriteHalf,
    mut rx: mpsc::UnboundedReceiver<Out>,
    unanswered: Unanswered,
    cancel: CancellationToken,
) {
    let mut codec = SmppCodec::default();
    let mut seq = 0u32;
    let mut buf = BytesMut::with_capacity(64 * 1024);
    loop {
        let first = tokio::select! {
            got = rx.recv() => match got {
                Some(out) => out,
                None => break,
            },
            _ = cancel.cancelled() => break,
        };
        let mut next = Some(first);
        while buf.len() < 256 * 1024 {
            match next.take().or_else(|| rx.try_recv().ok()) {
                Some(Out::Raw(b)) => buf.extend_from_slice(&b),
                Some(Out::Deliver(d)) => {
                    seq = if seq >= 0x7FFF_FFFF { 1 } else { seq + 1 };
                    unanswered.lock().insert(seq, (*d).clone());
                    let _ = codec.encode(wire::deliver_pdu(seq, *d), &mut buf);
                }
                Some(Out::Delivers(ds)) => {
                    let mut book = unanswered.lock();
                    for d in ds {
                        seq = if seq >= 0x7FFF_FFFF { 1 } else { seq + 1 };
                        book.insert(seq, d.clone());
                        let _ = codec.encode(wire::deliver_pdu(seq, d), &mut buf);
                    }
                }
                Some(Out::Unbind) => {
                    seq = if seq >= 0x7FFF_FFFF { 1 } else { seq + 1 };
                    let _ = codec.encode(wire::unbind(seq), &mut buf);
                }
                None => break,
            }
        }
        let written = tokio::select! {
            r = wr.write_all(&buf) => r.is_ok(),
            _ = cancel.cancelled() => false,
        };
        if !written {
            break;
        }
        buf.clear();
    }
    // Closed first, so nothing more can be queued behind the drain.
    rx.close();
    let mut book = unanswered.lock();
    // Keys above the sequence_number range (SMPP 3.4 §5.1.4 ends at 0x7FFFFFFF).
    let mut key = 0x8000_0000u32;
    while let Ok(out) = rx.try_recv() {
        let ds = match out {
            Out::Deliver(d) => vec![*d],
            Out::Delivers(ds) => ds,
            Out::Raw(_) | Out::Unbind => continue,
        };
        for d in ds {
            book.insert(key, d);
            key = key.wrapping_add(1);
        }
    }
}
