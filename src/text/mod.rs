//! Message text: `data_coding` ↔ `String`, segmentation into concatenated SMS, UDH parsing,
//! and delivery-receipt text.
//!
//! Everything here is a pure function over `short_message` octets and a `data_coding`
//! octet, independent of the PDU codec:
//!
//! - [`Coding`] / [`Coding::from_data_coding`]: which alphabet a message uses.
//! - [`decode`] / [`encode`]: GSM 03.38 (unpacked, with the extension table), IA5, Latin-1,
//!   UCS-2 (as UTF-16BE, surrogate pairs included) and GBK.
//! - [`choose_coding`] and [`split`]: the cheapest coding and the parts to submit, with
//!   UDH IEI 0x00/0x08, sar_* TLVs or message_payload.
//! - [`udh::parse`]: concatenation info and payload of a received `short_message`.
//! - [`dlr`]: the `id:… sub:… dlvrd:… stat:…` receipt text and carrier-id matching.
#![warn(missing_docs)]

mod codec;
mod coding;
mod config;
pub mod dlr;
mod error;
mod gsm7;
mod split;
pub mod udh;

pub use codec::{choose_coding, decode, decode_message, encode};
pub use coding::{message_class, Coding};
pub use config::SegmentationConfig;
pub use error::TextError;
pub use split::{split, split_binary, ConcatMethod, Sar, Segment, SplitOptions};
pub use udh::ConcatInfo;
