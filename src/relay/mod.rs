//! Receipts and MO messages flowing back from carriers to the owning client.
//!
//! carrier `deliver_sm` → [`upstream`](crate::upstream) event → relay: match the carrier id
//! to smppd's message id, record the final state in the store, build the client's receipt
//! ([`receipt`]) → server registry → the account's receiver bind.

pub mod carrier_ids;
pub mod receipt;
