//! Receipts and MO messages flowing back from carriers to the owning client.
//!
//! ```text
//! carrier deliver_sm → upstream event → events (concurrent, so store writes share commits)
//!                    → carrier (match id, keep evidence, end message in store) → ack carrier
//!                    → mo (account by extension, opt-out on 退订) → client → ack carrier
//! store (receipt owed) → pump → server registry → the account's receiver bind → ack in store
//! ```
//! [`receipt`] builds the client's receipt under smppd's id; [`carrier_ids`] maps carrier ids
//! (parking receipts that overtake their submit_sm_resp).

mod carrier;
pub(crate) use carrier::read_receipt;
pub mod carrier_ids;
pub(crate) mod events;
mod mo;
pub(crate) mod orphans;
pub(crate) mod pump;
pub mod receipt;

pub use pump::ReceiptPump;
