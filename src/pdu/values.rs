//! Open value spaces of one-octet fields: message_state, TON and NPI.

use std::fmt;

use serde::{Deserialize, Serialize};

/// `message_state` (SMPP 3.4 §5.2.28), used by query_sm_resp and the message_state TLV.
/// Open newtype: SMPP 5.0 values (0 SCHEDULED, 9 SKIPPED) stay representable.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageState(pub u8);

impl MessageState {
    /// 1: in transit.
    pub const ENROUTE: MessageState = MessageState(1);
    /// 2: delivered.
    pub const DELIVERED: MessageState = MessageState(2);
    /// 3: validity period expired.
    pub const EXPIRED: MessageState = MessageState(3);
    /// 4: deleted.
    pub const DELETED: MessageState = MessageState(4);
    /// 5: undeliverable.
    pub const UNDELIVERABLE: MessageState = MessageState(5);
    /// 6: accepted (read by an operator).
    pub const ACCEPTED: MessageState = MessageState(6);
    /// 7: unknown.
    pub const UNKNOWN: MessageState = MessageState(7);
    /// 8: rejected.
    pub const REJECTED: MessageState = MessageState(8);

    /// The spec name (`"DELIVERED"`), `None` for values outside SMPP 3.4.
    pub fn name(self) -> Option<&'static str> {
        Some(match self.0 {
            1 => "ENROUTE",
            2 => "DELIVERED",
            3 => "EXPIRED",
            4 => "DELETED",
            5 => "UNDELIVERABLE",
            6 => "ACCEPTED",
            7 => "UNKNOWN",
            8 => "REJECTED",
            _ => return None,
        })
    }
}

impl fmt::Debug for MessageState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "MessageState({})", self.0),
        }
    }
}

/// Type-of-number values (SMPP 3.4 §5.2.5); fields stay plain `u8` because the space is open.
pub mod ton {
    /// 0
    pub const UNKNOWN: u8 = 0;
    /// 1
    pub const INTERNATIONAL: u8 = 1;
    /// 2
    pub const NATIONAL: u8 = 2;
    /// 3
    pub const NETWORK_SPECIFIC: u8 = 3;
    /// 4
    pub const SUBSCRIBER_NUMBER: u8 = 4;
    /// 5
    pub const ALPHANUMERIC: u8 = 5;
    /// 6
    pub const ABBREVIATED: u8 = 6;
}

/// Numbering-plan values (SMPP 3.4 §5.2.6).
pub mod npi {
    /// 0
    pub const UNKNOWN: u8 = 0;
    /// 1: E.163/E.164
    pub const ISDN: u8 = 1;
    /// 3: X.121
    pub const DATA: u8 = 3;
    /// 4: F.69
    pub const TELEX: u8 = 4;
    /// 6: E.212
    pub const LAND_MOBILE: u8 = 6;
    /// 8
    pub const NATIONAL: u8 = 8;
    /// 9
    pub const PRIVATE: u8 = 9;
    /// 10
    pub const ERMES: u8 = 10;
    /// 14: IP
    pub const INTERNET: u8 = 14;
    /// 18: WAP client id
    pub const WAP_CLIENT_ID: u8 = 18;
}
