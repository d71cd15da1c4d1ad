//! The records the store keeps: an accepted message with everything needed to send it
//! again, its lifecycle, the carrier's own evidence, policy rejections and the receipt
//! owed to the client. Plain data: the store does not depend on the PDU codec, callers
//! copy the `submit_sm` fields in and raw PDU bytes are kept as received.

use std::time::SystemTime;

use crate::message::{MessageId, MessageType};

/// An SMPP address with its type of number and numbering plan (SMPP 3.4 §5.2.5, §5.2.6).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Address {
    /// `*_addr_ton`.
    pub ton: u8,
    /// `*_addr_npi`.
    pub npi: u8,
    /// The address digits as the client sent them.
    pub addr: String,
}

/// The `submit_sm` fields needed to send the message to a carrier again, as accepted
/// (SMPP 3.4 §4.4.1). Optional parameters are kept as their raw encoded bytes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ResendPayload {
    /// `service_type`.
    pub service_type: String,
    /// `source_addr_ton`, `source_addr_npi`, `source_addr`.
    pub source: Address,
    /// `dest_addr_ton`, `dest_addr_npi`, `destination_addr`.
    pub destination: Address,
    /// `esm_class` (UDHI bit included).
    pub esm_class: u8,
    /// `protocol_id`.
    pub protocol_id: u8,
    /// `priority_flag`.
    pub priority_flag: u8,
    /// `schedule_delivery_time` as received (SMPP time format or empty).
    pub schedule_delivery_time: String,
    /// `validity_period` as received (SMPP time format or empty).
    pub validity_period: String,
    /// `registered_delivery` (§5.2.17): whether and when a receipt is owed.
    pub registered_delivery: u8,
    /// `replace_if_present_flag`.
    pub replace_if_present_flag: u8,
    /// `data_coding`.
    pub data_coding: u8,
    /// `sm_default_msg_id`.
    pub sm_default_msg_id: u8,
    /// `short_message` bytes (with the UDH when `esm_class` has UDHI set).
    pub short_message: Vec<u8>,
    /// Optional parameters (TLVs) as encoded on the wire: (tag, length, value)*.
    pub tlvs: Vec<u8>,
}

impl ResendPayload {
    /// The approximate bytes this message occupies in the queue (for the byte bound).
    pub fn queued_bytes(&self) -> usize {
        64 + self.service_type.len()
            + self.source.addr.len()
            + self.destination.addr.len()
            + self.schedule_delivery_time.len()
            + self.validity_period.len()
            + self.short_message.len()
            + self.tlvs.len()
    }
}

/// Which part of a client-side concatenated set this message is (UDH IE 0x00/0x08 or
/// `sar_*` TLVs), so in-flight sets can be recognised at recovery.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConcatInfo {
    /// The set's reference number.
    pub reference: u16,
    /// How many parts the set has.
    pub total: u8,
    /// This part's 1-based sequence number.
    pub sequence: u8,
}

/// A message smppd accepted (the `submit_sm_resp` carries `id`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewMessage {
    /// smppd's message id.
    pub id: MessageId,
    /// The client account (`system_id`).
    pub account: String,
    /// The bind it arrived on (for logs and lookups; receipts go to any receiver bind of the account).
    pub bind: String,
    /// Business type (for statistics and routing).
    pub message_type: MessageType,
    /// How many carrier segments the message needs (billing counts these).
    pub segments: u16,
    /// Client-side concatenation, when this message is one part of a set.
    pub concat: Option<ConcatInfo>,
    /// Everything needed to send it again.
    pub payload: ResendPayload,
    /// When the message expires without a final state (validity_period or the configured
    /// default, computed by the caller).
    pub validity_deadline: Option<SystemTime>,
    /// When smppd accepted it.
    pub accepted_at: SystemTime,
    /// The message_id the client was given, when it is not `id`: the destinations of one
    /// `submit_multi` are stored as one message each, but the client got one id (SMPP 3.4
    /// §4.5.2), the first accepted destination's; their receipts carry it.
    pub reported_id: Option<MessageId>,
}

impl NewMessage {
    /// The id the client knows this message by (receipts carry it).
    pub fn client_id(&self) -> MessageId {
        self.reported_id.unwrap_or(self.id)
    }
}

/// Where routing sent a message: the channel, and the carrier and province that
/// statistics are broken down by (labels chosen by the routing module).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Route {
    /// The upstream channel.
    pub channel: String,
    /// The recipient's carrier (e.g. `cmcc`), when known.
    pub carrier: Option<String>,
    /// The recipient's province, when known.
    pub province: Option<String>,
}

/// Where a message is in its lifecycle.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageState {
    /// Durable, not yet handed to a channel.
    Accepted,
    /// Handed to a channel; not every part has a successful carrier response yet.
    Routed,
    /// Every part has a carrier message id; waiting for the receipt.
    Forwarded,
    /// Ended (see [`FinalRecord`]).
    Final,
}

/// How a message ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum FinalState {
    /// The carrier reported delivery (`DELIVRD`).
    Delivered,
    /// The carrier reported it undeliverable (`UNDELIV`).
    Undeliverable,
    /// Validity passed without a final state (`EXPIRED`).
    Expired,
    /// The carrier rejected it (`REJECTD`, or an error `submit_sm_resp` not retried).
    Rejected,
    /// The carrier deleted it (`DELETED`).
    Deleted,
    /// The carrier reported an unknown state (`UNKNOWN`).
    Unknown,
}

impl FinalState {
    /// Every state, in a fixed order.
    pub const ALL: [FinalState; 6] = [
        FinalState::Delivered,
        FinalState::Undeliverable,
        FinalState::Expired,
        FinalState::Rejected,
        FinalState::Deleted,
        FinalState::Unknown,
    ];

    /// The receipt `stat:` word (SMPP 3.4 Appendix B).
    pub const fn as_str(self) -> &'static str {
        match self {
            FinalState::Delivered => "DELIVRD",
            FinalState::Undeliverable => "UNDELIV",
            FinalState::Expired => "EXPIRED",
            FinalState::Rejected => "REJECTD",
            FinalState::Deleted => "DELETED",
            FinalState::Unknown => "UNKNOWN",
        }
    }

    /// Parses a `stat:` word as stored.
    pub fn from_stat(s: &str) -> Option<Self> {
        FinalState::ALL.into_iter().find(|f| f.as_str() == s)
    }
}

/// A carrier's `submit_sm_resp` for one part, kept as received (delivery evidence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierSubmit {
    /// 0-based part index within the message's segments.
    pub part: u16,
    /// The upstream channel that sent it.
    pub channel: String,
    /// The carrier's `message_id` (absent when the carrier answered with an error).
    pub carrier_message_id: Option<String>,
    /// The response's `command_status` (0 = accepted by the carrier).
    pub command_status: u32,
    /// The raw `submit_sm_resp` PDU bytes.
    pub raw_resp: Vec<u8>,
    /// When smppd received it.
    pub at: SystemTime,
}

/// A carrier receipt (`deliver_sm` with a delivery receipt) kept as received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarrierReceipt {
    /// The part it reports on, when known.
    pub part: Option<u16>,
    /// The upstream channel it arrived on.
    pub channel: String,
    /// The raw PDU bytes.
    pub raw_pdu: Vec<u8>,
    /// When smppd received it.
    pub at: SystemTime,
}

/// Who decided the final state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FinalSource {
    /// A carrier receipt (kept as evidence).
    Carrier(CarrierReceipt),
    /// Carrier receipts already kept as evidence (`add_carrier_receipt`): the parts of a
    /// message the channel split, folded into one outcome. Nothing is stored twice.
    CarrierKept,
    /// smppd itself (expiry, give-up after carrier rejections …): marked as such in evidence.
    GeneratedBySmppd,
}

/// A final state to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalReport {
    /// The state.
    pub state: FinalState,
    /// Why (carrier error code, smppd's reason), free text for operators.
    pub reason: Option<String>,
    /// When it became final.
    pub at: SystemTime,
    /// Carrier receipt or smppd-generated.
    pub source: FinalSource,
}

/// The recorded final state of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FinalRecord {
    /// The state.
    pub state: FinalState,
    /// Why, when known.
    pub reason: Option<String>,
    /// When it became final.
    pub at: SystemTime,
    /// True when smppd made this outcome itself rather than a carrier receipt.
    pub generated_by_smppd: bool,
}

/// The receipt smppd owes its client for a message (SMPP 3.4 §5.2.17).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReceiptState {
    /// Not yet sent to the client.
    Pending,
    /// Sent in a `deliver_sm`, no `deliver_sm_resp` yet.
    Sent,
    /// The client answered `deliver_sm_resp`.
    Acknowledged,
}

/// The delivery status of the receipt owed to the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OwedReceipt {
    /// Pending, sent or acknowledged.
    pub state: ReceiptState,
    /// How many times it was sent.
    pub attempts: u32,
    /// When it became owed (the message's final time).
    pub created_at: SystemTime,
    /// The last time it was sent.
    pub last_attempt_at: Option<SystemTime>,
}

/// Everything the store knows about an accepted message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageRecord {
    /// The message as accepted.
    pub message: NewMessage,
    /// Where it is in its lifecycle.
    pub state: MessageState,
    /// Where it was (last) routed, and when.
    pub routed: Option<(Route, SystemTime)>,
    /// Every carrier `submit_sm_resp`, per part, in arrival order (a re-send after a crash
    /// may add a second one for the same part).
    pub submits: Vec<CarrierSubmit>,
    /// Every carrier receipt received for it, in arrival order.
    pub receipts: Vec<CarrierReceipt>,
    /// The exact carrier-id keys registered for receipt matching.
    pub carrier_keys: Vec<String>,
    /// The final state, once reached.
    pub final_state: Option<FinalRecord>,
    /// The receipt owed to the client, if any.
    pub receipt: Option<OwedReceipt>,
}

impl MessageRecord {
    /// Parts (0-based) that have a successful carrier response.
    pub fn forwarded_parts(&self) -> Vec<u16> {
        let mut parts: Vec<u16> = self
            .submits
            .iter()
            .filter(|s| s.command_status == 0)
            .map(|s| s.part)
            .collect();
        parts.sort_unstable();
        parts.dedup();
        parts
    }
}

/// A submit refused by policy or validation before acceptance: a lightweight record so
/// lookups and statistics see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// The id, when one was allocated (usually none: rejected submits get no message_id).
    pub id: Option<MessageId>,
    /// The client account.
    pub account: String,
    /// The bind it arrived on.
    pub bind: String,
    /// Business type, as classified.
    pub message_type: MessageType,
    /// `source_addr`.
    pub source: String,
    /// `destination_addr`.
    pub destination: String,
    /// Segments it would have used.
    pub segments: u16,
    /// Low-cardinality reason code (e.g. `banned_content`, `tps_quota`): statistics key.
    pub reason: String,
    /// The `command_status` returned to the client.
    pub command_status: u32,
    /// When it was rejected.
    pub at: SystemTime,
}

/// Result of [`crate::store::MessageStore::record_forwarded`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ForwardOutcome {
    /// The state after recording the response.
    pub state: MessageState,
    /// How many distinct parts now have a successful carrier response.
    pub parts_forwarded: u16,
}

/// Result of [`crate::store::MessageStore::finalize`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FinalizeOutcome {
    /// The message became final; `receipt_owed` says whether a client receipt was queued.
    Finalized {
        /// True when `registered_delivery` asks for a receipt for this outcome.
        receipt_owed: bool,
    },
    /// It was already final: the carrier receipt (if any) was kept as evidence only.
    AlreadyFinal(FinalState),
}
