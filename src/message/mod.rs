//! Domain types every layer shares: smppd's message ids and the message types that
//! policy and routing decide on.

mod id;
mod kind;

pub use id::{MessageId, MessageIdAllocator, ParseMessageIdError};
pub use kind::{MessageType, ParseMessageTypeError};
