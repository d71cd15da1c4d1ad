//! smppd: a carrier-facing SMPP 3.4 SMS gateway.
//!
//! A `submit_sm` travels one way through the modules, and its receipt travels back:
//!
//! ```text
//! socket → pdu (codec) → server (session) → policy → store → routing → upstream → carrier
//! carrier → upstream → relay (receipt id rewrite) → store → server (receiver bind) → client
//! ```
//!
//! - [`pdu`]: the SMPP 3.4 wire format (nom parser, `bytes` encoder, tokio codec).
//! - [`text`]: data_coding ↔ `String`, segmentation/UDH, delivery-receipt text.
//! - [`message`]: domain types shared by every layer (message ids, message types).
//! - [`config`]: the TOML configuration and its validation.
//! - [`server`]: the client-facing listener, bind authentication, sessions and windows.
//! - [`policy`]: quotas and content checks run before `submit_sm_resp`.
//! - [`gateway`]: the composition root wiring sessions to policy, store, routing, upstream.
//! - [`store`]: the durable message store (nothing accepted is lost).
//! - [`routing`]: number → carrier/province, message type, route table.
//! - [`upstream`]: smppd's own binds towards carriers.
//! - [`relay`]: carrier receipts and MO back to the owning client.
//! - [`sim`]: an SMSC simulator for tests, demos and benchmarks.
//! - [`admin`] and [`metrics`]: the operator's HTTP API and Prometheus metrics.
//! - [`loadgen`]: the end-to-end load tool (`smppd bench`).
//! - [`cli`]: the `smppd` command line.
#![forbid(unsafe_code)]
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]

pub mod admin;
pub mod cli;
pub mod config;
pub mod gateway;
pub mod loadgen;
pub mod message;
pub mod metrics;
pub mod pdu;
pub mod policy;
pub mod relay;
pub mod routing;
pub mod server;
pub mod sim;
pub mod store;
pub mod text;
pub mod upstream;
