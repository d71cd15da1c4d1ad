//! smppd's own binds towards carriers ("channels").
//!
//! A [`ChannelConfig`] describes one carrier connection; [`ChannelSet::start`] keeps every
//! configured channel bound and [`ChannelSet::send`] submits a message on the channel routing
//! picked. Carrier receipts and MO come out as [`UpstreamEvent`]s on one bounded `mpsc`.
//!
//! ```text
//! dispatcher ─send()─▶ Channel ─ TPS limiter ─ window room ─▶ session (TRX, or TX + RX)
//!                        ▲  retry: throttle (slower) / transient (bounded) / lost (resend)
//!                        └──────────── SubmitOutcome ◀── submit_sm_resp
//! carrier deliver_sm ─▶ session ─▶ UpstreamEvent (bounded mpsc) ─▶ relay … durable
//!        deliver_sm_resp ◀── session ◀── DeliverAck::accept ◀──────────────┘
//! ```
//!
//! Guarantees:
//! - A submit outstanding on a connection that dies is never forgotten: it is handed back
//!   and resent on another session (`on_unknown = "resend"`, the default) or reported as
//!   [`SubmitOutcome::Unknown`] (`"fail"`). Resending can duplicate at most the submits that
//!   were outstanding on the lost session, i.e. **at most `window` duplicates per lost
//!   session**, and a single message is resent at most 3 times.
//! - A carrier `deliver_sm` is acknowledged only when the relay answers its [`DeliverAck`]
//!   (after the receipt's effect is durable); unanswered ones get `ESME_RX_T_APPN` or no
//!   answer at all, so the carrier sends them again. At most `window` deliveries per
//!   connection wait for their answer; beyond that the session stops reading, so a slow relay
//!   holds receipts at the carrier instead of in memory.
//! - ESME_RTHROTTLED / ESME_RMSGQFUL halve the channel's rate and pause it; the message is
//!   retried on the same channel rather than failed. Ordering is kept as far as the window
//!   allows: the throttled submit's retry goes ahead of the submits queued for a slot.
//!
//! Building blocks, free of I/O and tested on virtual time: [`backoff`], [`throttle`],
//! [`status`], [`window`]; [`aggregate`] folds per-part receipts of a split message.

mod ack;
pub mod aggregate;
pub mod backoff;
mod channel;
pub mod config;
mod outcome;
mod receive;
mod session;
mod set;
mod split;
pub mod status;
pub mod throttle;
pub mod window;
mod wire;

pub use ack::DeliverAck;
pub use aggregate::{MessageFinal, PartFinal, PartOutOfRange, ReceiptAggregator};
pub use backoff::Backoff;
pub use channel::{Channel, ChannelChange};
pub use config::{
    BindMode, ChannelConfig, ChannelConfigError, SourceAddrRule, SplitRule, StatusOverrides,
    UnknownOutcomePolicy,
};
pub use outcome::{
    ChannelCounters, Incoming, OutboundMessage, SendReport, SubmitOutcome, UpstreamEvent,
};
pub use set::{
    ChannelChanges, ChannelSet, ChannelState, ChannelStatus, SessionStatus, UpstreamError,
};
pub use status::StatusClass;
pub use throttle::RateLimiter;
pub use window::{SequenceNumbers, Window};
