//! What the dispatcher hands a channel, what it gets back, and what carriers send us.

use std::sync::Arc;
use std::time::SystemTime;

use bytes::Bytes;
use serde::Serialize;

use super::ack::DeliverAck;
use super::status::StatusClass;
use crate::message::MessageId;
use crate::pdu::{DeliverSm, SubmitSm};

/// One smppd message to submit on a channel.
#[derive(Debug, Clone)]
pub struct OutboundMessage {
    /// smppd's id for the message (what the client got in its `submit_sm_resp`).
    pub message_id: MessageId,
    /// The message as accepted from the client; the channel rewrites `source_addr` per its
    /// [`SourceAddrRule`](super::SourceAddrRule) and splits it if its limits require.
    pub submit: SubmitSm,
    /// The account's extension, appended to the channel's service code.
    pub account_extension: Option<String>,
}

/// The result of one `submit_sm` on a channel.
#[derive(Debug, Clone, PartialEq)]
pub enum SubmitOutcome {
    /// The carrier took it (`ESME_ROK`).
    Accepted {
        /// The carrier's message id from `submit_sm_resp`, as sent (matched tolerantly later).
        carrier_message_id: String,
        /// The whole `submit_sm_resp` as received, for audit.
        raw_resp: Bytes,
        /// Index of the session that carried it.
        session: usize,
    },
    /// The carrier refused it, after the channel's retry budget for that class of status.
    /// `Transient` means "try another channel"; `Permanent` means "fail the message";
    /// `Throttle` means the throttle retry budget ran out (the carrier stayed overloaded).
    Rejected {
        /// The carrier's command_status.
        status: u32,
        /// How smppd classed it.
        class: StatusClass,
    },
    /// The connection died after the submit was written and before its response arrived,
    /// and the channel's policy is `fail`, or resending did not get an answer either (resend
    /// budget spent, no session left within `queue_timeout`, shutdown): the carrier may or
    /// may not have the message.
    Unknown,
    /// Nothing was written: no bound session had room within `queue_timeout`, or the channel
    /// is shutting down. Safe to send elsewhere.
    NotSent,
}

impl SubmitOutcome {
    /// True for [`SubmitOutcome::Accepted`].
    pub fn is_accepted(&self) -> bool {
        matches!(self, SubmitOutcome::Accepted { .. })
    }
}

/// Per-part results of [`Channel::send`](super::Channel::send) for one smppd message.
#[derive(Debug, Clone, PartialEq)]
pub struct SendReport {
    /// smppd's message id.
    pub message_id: MessageId,
    /// How many submits the message needed on this channel (1 unless the channel split it).
    pub total_parts: usize,
    /// One outcome per part sent, in order; sending stops at the first part not accepted, so
    /// this is shorter than `total_parts` when a part failed.
    pub parts: Vec<SubmitOutcome>,
}

impl SendReport {
    /// Every part was accepted.
    pub fn all_accepted(&self) -> bool {
        self.parts.len() == self.total_parts && self.parts.iter().all(SubmitOutcome::is_accepted)
    }

    /// The carrier ids of the accepted parts, in part order (for the relay's id map).
    pub fn carrier_ids(&self) -> Vec<&str> {
        self.parts
            .iter()
            .filter_map(|p| match p {
                SubmitOutcome::Accepted {
                    carrier_message_id, ..
                } => Some(carrier_message_id.as_str()),
                _ => None,
            })
            .collect()
    }

    /// The outcome that stopped the message, if any part was not accepted.
    pub fn failure(&self) -> Option<&SubmitOutcome> {
        self.parts.iter().find(|p| !p.is_accepted())
    }
}

/// What a carrier sent us unprompted, for the relay.
#[derive(Debug)]
pub enum UpstreamEvent {
    /// A delivery receipt (`deliver_sm` with esm_class message type 0x04, SMPP 3.4 §5.2.12).
    Receipt(Incoming),
    /// A mobile-originated message (a user's reply).
    Mo(Incoming),
}

/// A `deliver_sm` from a carrier.
#[derive(Debug)]
pub struct Incoming {
    /// The channel it came in on.
    pub channel: Arc<str>,
    /// The decoded PDU.
    pub deliver: Box<DeliverSm>,
    /// The PDU exactly as received.
    pub raw: Bytes,
    /// When smppd read it.
    pub received_at: SystemTime,
    /// The carrier waits for this answer: accept only once the effect is durable.
    pub ack: DeliverAck,
}

/// Live counters of a channel for metrics and the admin API.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ChannelCounters {
    /// `submit_sm` PDUs written (including retries).
    pub submits_sent: u64,
    /// Parts accepted by the carrier.
    pub accepted: u64,
    /// Parts given up as rejected.
    pub rejected: u64,
    /// Throttle answers received.
    pub throttled: u64,
    /// Transient errors retried.
    pub transient_retries: u64,
    /// Submits whose connection died before the response (unknown outcome).
    pub unknown_outcomes: u64,
    /// Of those, how many were sent again (possible duplicates at the carrier).
    pub resent_after_unknown: u64,
    /// Receipts received.
    pub receipts: u64,
    /// MO messages received.
    pub mo: u64,
    /// Successful binds (first connect included).
    pub binds: u64,
    /// Sessions declared dead by a response / enquire_link timeout.
    pub dead_peers: u64,
    /// Connections lost or closed for any reason.
    pub disconnects: u64,
}
