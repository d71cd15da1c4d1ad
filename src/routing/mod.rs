//! Routing: which carrier channel a message takes.
//!
//! A destination is normalized ([`number`]), its operator and province come from the shipped
//! prefix table ([`prefix`]) unless a ported-number override says otherwise ([`portability`]),
//! the message type is resolved ([`message_type`]), and the ordered rules of the route table
//! ([`table`], configured by [`config`]) pick a channel group and, among its available
//! channels, one channel by weight. [`explain`] tells an operator why.
//!
//! How the server and upstream use it:
//! - at `submit_sm`: [`RouteTable::resolve`] + [`RouteTable::match_rule`]; an error answers
//!   [`RoutingError::submit_status`] (`ESME_RINVDSTADR`) and the message is not accepted;
//! - at dispatch: [`RouteTable::pick_channel`] with the live [`ChannelHealth`]; on a failed
//!   channel, pick again with a health that excludes it;
//! - on a receipt whose error code [`PortabilityConfig::is_ported_error`] says "ported":
//!   [`PortabilityTable::learn_ported`].
//!
//! Pure library code: no I/O besides loading/persisting the portability file, no dependency on
//! the codec, server, upstream or config modules.

pub mod carrier;
pub mod cli;
mod compile;
pub mod config;
mod country;
pub mod error;
pub mod explain;
pub mod message_type;
pub mod number;
pub mod portability;
pub mod prefix;
pub mod prefix_gen;
pub mod table;

pub use carrier::{Carrier, Province, PROVINCES};
pub use config::{ChannelGroup, PortabilityConfig, RouteRule, RoutingConfig, WeightedChannel};
pub use error::{RoutingError, ESME_RINVDSTADR};
pub use explain::Explanation;
pub use message_type::{resolve_message_type, TypeSource};
pub use number::{normalize, normalize_with_hint, Number, NumberError, NumberHint};
pub use portability::PortabilityTable;
pub use prefix::{PrefixInfo, PrefixTable};
pub use table::{
    AllAvailable, CarrierSource, ChannelHealth, Destination, Route, RouteQuery, RouteTable,
};
