//! One bound SMPP connection of the load tool (bound by `bind.rs`): submit with a window
//! (transmitters) and answer deliver_sm (receivers), until the run stops it with an unbind.
//!
//! A single task owns both socket halves. Responses and deliver_sm_resp are queued in one
//! output buffer that is written eagerly with `try_write`, so a burst of responses turns into
//! a burst of new submits in one syscall, and the task never blocks a write while the server
//! waits for us to read (which would deadlock two full socket buffers).

use std::collections::{BTreeMap, HashSet};
use std::sync::atomic::Ordering::Relaxed;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::{Bytes, BytesMut};
use futures::{FutureExt, StreamExt};
use hdrhistogram::Histogram;
use rand::rngs::StdRng;
use rand::SeedableRng;
use tokio::io::AsyncWriteExt;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio_util::codec::FramedRead;
use tokio_util::sync::CancellationToken;

use super::config::BenchConfig;
use super::error::LoadgenError;
use super::receipt::{self, Delivered};
use super::recipients::Recipients;
use super::stats::Shared;
use super::texts::PreparedMessage;
use super::tracker::{id_key, latency_histogram, IntMap, ReceiptMatch};
use crate::pdu::{
    Body, COctetString, CodecError, CommandStatus, DeliverSmResp, Pdu, PduError, SmppCodec,
    SubmitSm,
};

/// What a connection binds as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Trx,
    Tx,
    Rx,
}

impl Role {
    pub(crate) fn submits(self) -> bool {
        self != Role::Rx
    }
}

/// Everything the sessions of a run share, read-only apart from `shared`.
#[derive(Debug)]
pub(crate) struct Workload {
    pub cfg: BenchConfig,
    pub pool: Vec<PreparedMessage>,
    pub recipients: Recipients,
    pub shared: Shared,
    /// Submit rate per transmitting session (0 = unpaced), set before the start signal.
    pub rate_per_session: parking_lot::Mutex<f64>,
    pub source_addr: COctetString<21>,
}

/// What a session hands back when it ends.
#[derive(Debug)]
pub(crate) struct SessionResult {
    pub resp_latency: Histogram<u64>,
    pub messages: u64,
    pub carriers: BTreeMap<&'static str, u64>,
    pub provinces: HashSet<&'static str>,
    pub last_resp: Option<Instant>,
    pub error: Option<LoadgenError>,
}

pub(crate) type Reader = FramedRead<OwnedReadHalf, SmppCodec>;

/// Most frames handled before the output is flushed and new submits are queued.
const DRAIN_BATCH: usize = 64;

/// A bound connection and its per-session state.
pub(crate) struct Connection {
    reader: Reader,
    writer: OwnedWriteHalf,
    out: BytesMut,
    /// Outstanding submit_sm: sequence_number → when it was queued.
    inflight: IntMap<u32, Instant>,
    next_seq: u32,
    /// The message being submitted: pool index, next segment, destination.
    current: Option<(usize, usize, COctetString<21>)>,
    /// No more messages to claim.
    exhausted: bool,
    reported_done: bool,
    result: SessionResult,
}

impl Connection {
    pub(crate) fn new(reader: Reader, writer: OwnedWriteHalf, role: Role) -> Self {
        Connection {
            reader,
            writer,
            out: BytesMut::with_capacity(64 * 1024),
            inflight: IntMap::default(),
            next_seq: 2,
            current: None,
            exhausted: !role.submits(),
            reported_done: !role.submits(),
            result: SessionResult {
                resp_latency: latency_histogram(),
                messages: 0,
                carriers: BTreeMap::new(),
                provinces: HashSet::new(),
                last_resp: None,
                error: None,
            },
        }
    }

    /// Runs until `stop`, then unbinds. Submits start at `go`.
    pub(crate) async fn run(
        mut self,
        w: Arc<Workload>,
        index: usize,
        go: CancellationToken,
        stop: CancellationToken,
    ) -> SessionResult {
        let mut rng = StdRng::seed_from_u64(w.cfg.seed ^ (index as u64).wrapping_mul(0x9E37_79B9));
        tokio::select! {
            _ = go.cancelled() => {}
            _ = stop.cancelled() => return self.result,
        }
        let rate = *w.rate_per_session.lock();
        let start = Instant::now();
        let mut sent: u64 = 0;
        let outcome: Result<(), LoadgenError> = async {
            loop {
                let now = Instant::now();
                let mut wake = None;
                while !self.exhausted && self.inflight.len() < w.cfg.window {
                    if rate > 0.0 {
                        let due = start + Duration::from_secs_f64(sent as f64 / rate);
                        if due > now {
                            wake = Some(due);
                            break;
                        }
                    }
                    if self.queue_submit(&w, &mut rng, now) {
                        sent += 1;
                    }
                }
                self.report_done_if_finished(&w.shared);
                self.flush()?;
                tokio::select! {
                    _ = stop.cancelled() => return Ok(()),
                    frame = self.reader.next() => {
                        self.handle(frame, &w.shared)?;
                        for _ in 0..DRAIN_BATCH {
                            match self.reader.next().now_or_never() {
                                Some(frame) => self.handle(frame, &w.shared)?,
                                None => break,
                            }
                        }
                    }
                    r = self.writer.writable(), if !self.out.is_empty() => r.map_err(CodecError::Io)?,
                    _ = sleep_until(wake), if wake.is_some() => {}
                }
            }
        }
        .await;
        let outcome = match outcome {
            Ok(()) => self.unbind(&w).await,
            Err(e) => Err(e),
        };
        self.finish(&w.shared, outcome)
    }

    /// Queues the next segment; false when there is no more work.
    fn queue_submit(&mut self, w: &Workload, rng: &mut StdRng, now: Instant) -> bool {
        if self.current.is_none() {
            let i = w.shared.claimed.fetch_add(1, Relaxed);
            if i >= w.cfg.messages {
                self.exhausted = true;
                return false;
            }
            let (block, number) = w.recipients.draw(rng, w.cfg.number_format);
            *self.result.carriers.entry(block.carrier).or_insert(0) += 1;
            self.result.provinces.insert(block.province);
            self.result.messages += 1;
            // An 11 or 13 digit number always fits C(21).
            let dest = COctetString::new(Bytes::from(number)).unwrap_or_default();
            self.current = Some(((i as usize) % w.pool.len().max(1), 0, dest));
        }
        let Some((msg, seg, dest)) = self.current.take() else {
            return false;
        };
        let Some(segment) = w.pool.get(msg).and_then(|m| m.get(seg)) else {
            // Only an empty pool gets here; run() never builds one.
            self.exhausted = true;
            return false;
        };
        let (ton, npi) = match w.cfg.number_format {
            super::config::NumberFormat::National => (0, 1),
            super::config::NumberFormat::E164 => (1, 1),
        };
        let submit = SubmitSm {
            source_addr_ton: 0,
            source_addr_npi: 1,
            source_addr: w.source_addr.clone(),
            dest_addr_ton: ton,
            dest_addr_npi: npi,
            destination_addr: dest.clone(),
            esm_class: segment.esm_class,
            registered_delivery: w.cfg.registered_delivery,
            data_coding: segment.data_coding,
            short_message: segment.short_message.clone(),
            ..SubmitSm::default()
        };
        let seq = self.take_seq();
        Pdu::new(seq, Body::SubmitSm(Box::new(submit))).encode(&mut self.out);
        self.inflight.insert(seq, now);
        w.shared.submitted.fetch_add(1, Relaxed);
        if w.pool.get(msg).is_some_and(|m| seg + 1 < m.len()) {
            self.current = Some((msg, seg + 1, dest));
        }
        true
    }

    fn take_seq(&mut self) -> u32 {
        let seq = self.next_seq;
        // SMPP 3.4 §5.1.4: sequence numbers run 0x00000001–0x7FFFFFFF.
        self.next_seq = if seq >= 0x7FFF_FFFF { 1 } else { seq + 1 };
        seq
    }

    fn report_done_if_finished(&mut self, shared: &Shared) {
        if !self.reported_done && self.exhausted && self.inflight.is_empty() {
            self.reported_done = true;
            shared.active_tx.fetch_sub(1, Relaxed);
            shared.tx_done.notify_one();
        }
    }

    /// Writes as much queued output as the socket takes without waiting.
    fn flush(&mut self) -> Result<(), LoadgenError> {
        while !self.out.is_empty() {
            match self.writer.try_write(&self.out) {
                Ok(0) => return Err(LoadgenError::Closed),
                Ok(n) => {
                    let _ = self.out.split_to(n);
                }
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(CodecError::Io(e).into()),
            }
        }
        Ok(())
    }

    fn handle(
        &mut self,
        frame: Option<Result<Result<Pdu, PduError>, CodecError>>,
        shared: &Shared,
    ) -> Result<(), LoadgenError> {
        let pdu = match frame {
            None => return Err(LoadgenError::Closed),
            Some(Err(e)) => return Err(e.into()),
            Some(Ok(Err(e))) => {
                shared.decode_errors.fetch_add(1, Relaxed);
                // A response we cannot read still ends its submit's wait.
                if let Some(seq) = e.sequence_number {
                    if self.inflight.remove(&seq).is_some() {
                        shared.no_response.fetch_add(1, Relaxed);
                    }
                }
                if let Some(resp) = e.response() {
                    resp.encode(&mut self.out);
                }
                return Ok(());
            }
            Some(Ok(Ok(pdu))) => pdu,
        };
        let now = Instant::now();
        let seq = pdu.sequence_number;
        match pdu.body {
            Body::SubmitSmResp(r) => {
                let Some(sent) = self.inflight.remove(&seq) else {
                    return Ok(());
                };
                let us = now.saturating_duration_since(sent).as_micros();
                self.result
                    .resp_latency
                    .saturating_record(u64::try_from(us).unwrap_or(u64::MAX).max(1));
                self.result.last_resp = Some(now);
                if pdu.command_status.is_ok() {
                    shared.resp_ok.fetch_add(1, Relaxed);
                    let key = id_key(r.message_id.as_bytes());
                    if shared.tracker.lock().accepted(key, sent) {
                        shared.matched.fetch_add(1, Relaxed);
                    }
                } else {
                    shared.count_error(pdu.command_status);
                }
            }
            // A nack for one of our submits answers it with an error (SMPP 3.4 §4.3).
            Body::GenericNack if self.inflight.remove(&seq).is_some() => {
                self.result.last_resp = Some(now);
                let status = match pdu.command_status {
                    CommandStatus::ESME_ROK => CommandStatus::ESME_RUNKNOWNERR,
                    s => s,
                };
                shared.count_error(status);
            }
            Body::DeliverSm(d) => {
                Pdu::new(seq, Body::DeliverSmResp(DeliverSmResp::default())).encode(&mut self.out);
                match receipt::classify(&d) {
                    Delivered::Receipt { id, stat } => {
                        shared.receipts.fetch_add(1, Relaxed);
                        let m = shared.tracker.lock().receipt(id_key(&id), &stat, now);
                        if m == ReceiptMatch::Matched {
                            shared.matched.fetch_add(1, Relaxed);
                        }
                    }
                    Delivered::Intermediate => {
                        shared.intermediate.fetch_add(1, Relaxed);
                    }
                    Delivered::Unreadable => {
                        shared.decode_errors.fetch_add(1, Relaxed);
                    }
                    Delivered::Mo => {
                        shared.mo.fetch_add(1, Relaxed);
                    }
                }
            }
            Body::DataSm(_) => {
                shared.mo.fetch_add(1, Relaxed);
                if let Some(resp) =
                    Pdu::response_to(pdu.body.command_id(), seq, CommandStatus::ESME_ROK)
                {
                    resp.encode(&mut self.out);
                }
            }
            Body::EnquireLink => Pdu::new(seq, Body::EnquireLinkResp).encode(&mut self.out),
            Body::Unbind => {
                Pdu::new(seq, Body::UnbindResp).encode(&mut self.out);
                self.flush()?;
                return Err(LoadgenError::Closed);
            }
            _ => {}
        }
        Ok(())
    }

    /// Sends unbind and waits for unbind_resp, still answering deliver_sm meanwhile.
    async fn unbind(&mut self, w: &Workload) -> Result<(), LoadgenError> {
        let seq = self.take_seq();
        Pdu::new(seq, Body::Unbind).encode(&mut self.out);
        let deadline = tokio::time::Instant::now() + w.cfg.connect_timeout;
        loop {
            self.flush()?;
            let next = tokio::select! {
                r = tokio::time::timeout_at(deadline, self.reader.next()) => r,
                r = self.writer.writable(), if !self.out.is_empty() => {
                    r.map_err(CodecError::Io)?;
                    continue;
                }
            };
            match next {
                Err(_) => return Err(LoadgenError::Timeout("unbind_resp")),
                Ok(Some(Ok(Ok(pdu)))) if matches!(pdu.body, Body::UnbindResp) => {
                    let _ = self.writer.shutdown().await;
                    return Ok(());
                }
                Ok(frame) => self.handle(frame, &w.shared)?,
            }
        }
    }

    fn finish(mut self, shared: &Shared, outcome: Result<(), LoadgenError>) -> SessionResult {
        shared
            .no_response
            .fetch_add(self.inflight.len() as u64, Relaxed);
        self.inflight.clear();
        // A session that dies early still counts as finished for the submit phase.
        self.exhausted = true;
        self.report_done_if_finished(shared);
        self.result.error = outcome.err();
        self.result
    }
}

async fn sleep_until(at: Option<Instant>) {
    if let Some(at) = at {
        tokio::time::sleep_until(at.into()).await;
    }
}
