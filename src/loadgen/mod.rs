//! `smppd bench`: an SMPP load generator that works against any SMPP 3.4 server (smppd, the
//! simulator, a carrier's test SMSC). It needs only the [`crate::pdu`] codec.
//!
//! ```text
//! bind N sessions (TRX, or TX+RX pairs) ─▶ release together ─▶ each keeps W submit_sm
//! outstanding (optionally paced to --rate) ─▶ submit_sm_resp: latency, message_id
//! deliver_sm (receipt) ─▶ deliver_sm_resp, matched to the message_id ─▶ wait --receipt-wait
//! ─▶ unbind ─▶ Summary (JSON) with rates, latency percentiles, errors by status, missing
//! ```
//!
//! - [`config`]: [`BenchConfig`], the run's parameters (clap args and serde table).
//! - [`recipients`]: real Chinese number blocks over carriers and provinces.
//! - `texts`: GSM-7, UCS-2 with a 【签名】 signature, long UDH-split texts, prepared once.
//! - `bind` / `session`: connecting and binding; one connection's submit/receive loop.
//! - `tracker` / `receipt`: receipt ↔ message_id matching (receipts may beat their response).
//! - `stats` / [`usage`]: counters, histograms, the [`Summary`], the tool's own CPU time.

mod bind;
pub mod config;
mod error;
mod receipt;
pub mod recipients;
mod run;
mod session;
mod stats;
mod texts;
mod tracker;
pub mod usage;

pub use config::{BenchConfig, BindMode, NumberFormat, TextKind};
pub use error::LoadgenError;
pub use run::run;
pub use stats::{Percentiles, StatusCount, Summary, ToolUsage};
