//! What the simulator received, for tests to check where messages landed.
//!
//! In memory for in-process tests ([`Record::submits`]), and optionally as JSON lines for
//! out-of-process tests (one object per accepted submit, flushed every batch).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

/// One accepted `submit_sm`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SubmitRecord {
    /// Milliseconds since the Unix epoch when it was read.
    pub received_at_ms: u64,
    /// The bind's `system_id`.
    pub system_id: String,
    /// `source_addr` as sent.
    pub source_addr: String,
    /// `destination_addr` as sent.
    pub destination_addr: String,
    /// `service_type` as sent.
    pub service_type: String,
    /// `esm_class` (0x40 = UDH present).
    pub esm_class: u8,
    /// `data_coding`.
    pub data_coding: u8,
    /// `registered_delivery`.
    pub registered_delivery: u8,
    /// The message bytes (`short_message` or `message_payload`), hex.
    pub message_hex: String,
    /// The message decoded per `data_coding` (UDH stripped), when decodable.
    pub text: Option<String>,
    /// The carrier message id the simulator answered.
    pub carrier_id: String,
}

/// Counters the simulator keeps whatever the record limit.
#[derive(Debug, Default)]
pub struct SimStats {
    /// Successful binds.
    pub binds: AtomicU64,
    /// `submit_sm` PDUs read.
    pub submits: AtomicU64,
    /// Submits answered ESME_ROK.
    pub accepted: AtomicU64,
    /// Submits answered ESME_RTHROTTLED.
    pub throttled: AtomicU64,
    /// Submits answered with `reject_status`.
    pub rejected: AtomicU64,
    /// Receipts written.
    pub receipts_sent: AtomicU64,
    /// `deliver_sm_resp` received with ESME_ROK (the deliver_sm is done).
    pub deliver_acks: AtomicU64,
    /// `deliver_sm_resp` received with an error status (the deliver_sm is sent again).
    pub deliver_refused: AtomicU64,
    /// `deliver_sm`s queued again: refused, or unanswered when their connection closed.
    pub redelivered: AtomicU64,
    /// MO messages written.
    pub mo_sent: AtomicU64,
    /// Connections accepted.
    pub connections: AtomicU64,
}

impl SimStats {
    /// Reads a counter.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

#[derive(Debug)]
struct Inner {
    submits: Vec<SubmitRecord>,
    limit: usize,
    file: Option<BufWriter<File>>,
}

/// The shared record of a running simulator.
#[derive(Debug, Clone)]
pub struct Record {
    inner: Arc<Mutex<Inner>>,
    stats: Arc<SimStats>,
}

impl Record {
    /// A record keeping `limit` submits in memory and appending to `file` if given.
    pub fn new(limit: usize, file: Option<&Path>) -> std::io::Result<Record> {
        let file = match file {
            Some(p) => Some(BufWriter::new(
                std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(p)?,
            )),
            None => None,
        };
        Ok(Record {
            inner: Arc::new(Mutex::new(Inner {
                submits: Vec::new(),
                limit,
                file,
            })),
            stats: Arc::new(SimStats::default()),
        })
    }

    /// The counters.
    pub fn stats(&self) -> &SimStats {
        &self.stats
    }

    /// Whether a new submit would be kept (memory room or a record file); when not, the
    /// connection skips building the record at all.
    pub(crate) fn wants_more(&self) -> bool {
        let inner = self.inner.lock();
        inner.file.is_some() || inner.submits.len() < inner.limit
    }

    /// Adds a batch of accepted submits (one lock per read batch keeps this off the hot path).
    pub(crate) fn extend(&self, batch: &mut Vec<SubmitRecord>) {
        if batch.is_empty() {
            return;
        }
        let mut inner = self.inner.lock();
        if let Some(file) = inner.file.as_mut() {
            for r in batch.iter() {
                // A failing record file must not take the simulator down; tests notice gaps.
                if serde_json::to_writer(&mut *file, r).is_ok() {
                    let _ = file.write_all(b"\n");
                }
            }
            let _ = file.flush();
        }
        let room = inner.limit.saturating_sub(inner.submits.len());
        let take = room.min(batch.len());
        inner.submits.extend(batch.drain(..take));
        batch.clear();
    }

    /// A copy of the submits recorded so far, in arrival order.
    pub fn submits(&self) -> Vec<SubmitRecord> {
        self.inner.lock().submits.clone()
    }

    /// How many submits are recorded in memory.
    pub fn len(&self) -> usize {
        self.inner.lock().submits.len()
    }

    /// No submit recorded yet.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Forgets the recorded submits (counters stay).
    pub fn clear(&self) {
        self.inner.lock().submits.clear();
    }
}
