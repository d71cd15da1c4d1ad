//! Routing: which carrier channel a message takes.
//!
//! A destination is normalized ([`number`]), its operator and province come from the shipped
//! prefix table ([`prefix`]) unless a ported-number override says otherwise ([`portability`]),
//! the message type is resolved ([`message_type`]), and the ordered rules of the route table
//! ([`table`]) pick a channel group and, among its available channels, one channel by weight.
//! [`explain`] tells an operator why.
//!
//! Pure library code: no I/O besides loading/persisting the portability file, no dependency on
//! the codec, server, upstream or config modules.

pub mod carrier;
pub mod cli;
mod country;
pub mod error;
pub mod number;
pub mod prefix;
pub mod prefix_gen;

pub use carrier::{Carrier, Province, PROVINCES};
pub use error::{RoutingError, ESME_RINVDSTADR};
pub use number::{normalize, normalize_with_hint, Number, NumberError, NumberHint};
pub use prefix::{PrefixInfo, PrefixTable};
