//! The composition root of the submit path: implements the server's [`Gateway`] boundary over
//! policy → store → routing → upstream, and runs the background tasks that move accepted
//! messages to carriers ([`dispatch`]) and receipts back ([`crate::relay`]).
//!
//! ```text
//! session ─submit_sm─▶ submit: read (inbound) → concat hold → policy → route match
//!                      → store.accept (durable) → submit_sm_resp → dispatch queue
//! dispatch ─▶ routing.pick_channel → upstream.send → store.record_forwarded / finalize
//! ```

mod finalize;
pub mod inbound;
mod lookup;
pub mod resend;
pub mod smpp_time;
pub mod start;
pub mod store_lock;
mod submit;
mod sweep;

pub(crate) mod dispatch;
mod shared;

pub(crate) use shared::Shared;
pub use shared::{GatewaySettings, Pipeline};
pub(crate) use start::seed_account_quota;
pub use start::{start, StartError, Started};
