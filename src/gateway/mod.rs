//! The composition root of the submit path: implements the server's
//! [`Gateway`](crate::server) boundary over policy → store → routing → upstream, and runs
//! the background tasks that move accepted messages to carriers and receipts back.

pub mod inbound;
pub mod smpp_time;
