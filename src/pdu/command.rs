//! The two open code spaces of the PDU header: `command_id` and `command_status`.
//!
//! Both are newtypes over `u32` rather than closed enums (style habit 4, h2's `Reason(u32)`): a
//! vendor code or an SMPP 5.0 value must survive a decode → log → relay round trip unchanged.

use std::fmt;

use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

/// Bit 31 of `command_id` marks a response (SMPP 3.4 §5.1.2.1).
const RESPONSE_BIT: u32 = 0x8000_0000;

macro_rules! code_space {
    (
        $(#[$meta:meta])* $ty:ident {
            $( $(#[$cmeta:meta])* $konst:ident = $val:expr, $name:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub struct $ty(pub u32);

        impl $ty {
            $( $(#[$cmeta])* pub const $konst: $ty = $ty($val); )*

            /// The spec name of a known value (`None` for vendor/unknown codes).
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $val => Some($name), )*
                    _ => None,
                }
            }

            /// Looks a value up by its spec name (exact, as returned by [`Self::name`]).
            pub fn from_name(name: &str) -> Option<Self> {
                match name {
                    $( $name => Some($ty($val)), )*
                    _ => None,
                }
            }
        }

        impl fmt::Debug for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => write!(f, "{n}"),
                    None => write!(f, "{}(0x{:08X})", stringify!($ty), self.0),
                }
            }
        }

        impl fmt::Display for $ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => write!(f, "{n}"),
                    None => write!(f, "0x{:08X}", self.0),
                }
            }
        }

        /// Known values serialize as their spec name, others as a number.
        impl Serialize for $ty {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.name() {
                    Some(n) => s.serialize_str(n),
                    None => s.serialize_u32(self.0),
                }
            }
        }

        /// Accepts a spec name, a `0x…` hex string or a number.
        impl<'de> Deserialize<'de> for $ty {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl de::Visitor<'_> for V {
                    type Value = $ty;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        f.write_str("a spec name, a 0x-prefixed hex string or an integer")
                    }
                    fn visit_u64<E: de::Error>(self, v: u64) -> Result<$ty, E> {
                        u32::try_from(v).map($ty).map_err(|_| E::custom("value exceeds u32"))
                    }
                    fn visit_i64<E: de::Error>(self, v: i64) -> Result<$ty, E> {
                        u32::try_from(v).map($ty).map_err(|_| E::custom("value out of u32 range"))
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$ty, E> {
                        if let Some(hex) = v.strip_prefix("0x").or_else(|| v.strip_prefix("0X")) {
                            return u32::from_str_radix(hex, 16).map($ty).map_err(E::custom);
                        }
                        $ty::from_name(v).ok_or_else(|| E::custom(format!("unknown name {v:?}")))
                    }
                }
                d.deserialize_any(V)
            }
        }
    };
}

code_space! {
    /// `command_id` (SMPP 3.4 §5.1.2.1). Open: unknown ids decode to `CommandId(n)`.
    CommandId {
        /// 0x80000000
        GENERIC_NACK = 0x8000_0000, "generic_nack";
        /// 0x00000001
        BIND_RECEIVER = 0x0000_0001, "bind_receiver";
        /// 0x80000001
        BIND_RECEIVER_RESP = 0x8000_0001, "bind_receiver_resp";
        /// 0x00000002
        BIND_TRANSMITTER = 0x0000_0002, "bind_transmitter";
        /// 0x80000002
        BIND_TRANSMITTER_RESP = 0x8000_0002, "bind_transmitter_resp";
        /// 0x00000003
        QUERY_SM = 0x0000_0003, "query_sm";
        /// 0x80000003
        QUERY_SM_RESP = 0x8000_0003, "query_sm_resp";
        /// 0x00000004
        SUBMIT_SM = 0x0000_0004, "submit_sm";
        /// 0x80000004
        SUBMIT_SM_RESP = 0x8000_0004, "submit_sm_resp";
        /// 0x00000005
        DELIVER_SM = 0x0000_0005, "deliver_sm";
        /// 0x80000005
        DELIVER_SM_RESP = 0x8000_0005, "deliver_sm_resp";
        /// 0x00000006
        UNBIND = 0x0000_0006, "unbind";
        /// 0x80000006
        UNBIND_RESP = 0x8000_0006, "unbind_resp";
        /// 0x00000007
        REPLACE_SM = 0x0000_0007, "replace_sm";
        /// 0x80000007
        REPLACE_SM_RESP = 0x8000_0007, "replace_sm_resp";
        /// 0x00000008
        CANCEL_SM = 0x0000_0008, "cancel_sm";
        /// 0x80000008
        CANCEL_SM_RESP = 0x8000_0008, "cancel_sm_resp";
        /// 0x00000009
        BIND_TRANSCEIVER = 0x0000_0009, "bind_transceiver";
        /// 0x80000009
        BIND_TRANSCEIVER_RESP = 0x8000_0009, "bind_transceiver_resp";
        /// 0x0000000B
        OUTBIND = 0x0000_000B, "outbind";
        /// 0x00000015
        ENQUIRE_LINK = 0x0000_0015, "enquire_link";
        /// 0x80000015
        ENQUIRE_LINK_RESP = 0x8000_0015, "enquire_link_resp";
        /// 0x00000021
        SUBMIT_MULTI = 0x0000_0021, "submit_multi";
        /// 0x80000021
        SUBMIT_MULTI_RESP = 0x8000_0021, "submit_multi_resp";
        /// 0x00000102
        ALERT_NOTIFICATION = 0x0000_0102, "alert_notification";
        /// 0x00000103
        DATA_SM = 0x0000_0103, "data_sm";
        /// 0x80000103
        DATA_SM_RESP = 0x8000_0103, "data_sm_resp";
    }
}

impl CommandId {
    /// True when bit 31 is set (a response, including generic_nack).
    pub fn is_response(self) -> bool {
        self.0 & RESPONSE_BIT != 0
    }

    /// The id of the response to this request, or `None` for PDUs that have no response
    /// (outbind, alert_notification, generic_nack, any response, unknown ids).
    pub fn response_id(self) -> Option<CommandId> {
        match self {
            CommandId::OUTBIND | CommandId::ALERT_NOTIFICATION => None,
            id if id.is_response() || id.name().is_none() => None,
            id => Some(CommandId(id.0 | RESPONSE_BIT)),
        }
    }
}

code_space! {
    /// `command_status` (SMPP 3.4 §5.1.3). Open: vendor codes (0x400–0x4FF) stay representable.
    CommandStatus {
        /// 0x00000000: success.
        ESME_ROK = 0x00, "ESME_ROK";
        /// 0x00000001: message length invalid.
        ESME_RINVMSGLEN = 0x01, "ESME_RINVMSGLEN";
        /// 0x00000002: command_length invalid.
        ESME_RINVCMDLEN = 0x02, "ESME_RINVCMDLEN";
        /// 0x00000003: unknown command_id.
        ESME_RINVCMDID = 0x03, "ESME_RINVCMDID";
        /// 0x00000004: PDU not allowed in the current bind state.
        ESME_RINVBNDSTS = 0x04, "ESME_RINVBNDSTS";
        /// 0x00000005: already bound.
        ESME_RALYBND = 0x05, "ESME_RALYBND";
        /// 0x00000006: invalid priority_flag.
        ESME_RINVPRTFLG = 0x06, "ESME_RINVPRTFLG";
        /// 0x00000007: invalid registered_delivery.
        ESME_RINVREGDLVFLG = 0x07, "ESME_RINVREGDLVFLG";
        /// 0x00000008: system error.
        ESME_RSYSERR = 0x08, "ESME_RSYSERR";
        /// 0x0000000A: invalid source address.
        ESME_RINVSRCADR = 0x0A, "ESME_RINVSRCADR";
        /// 0x0000000B: invalid destination address.
        ESME_RINVDSTADR = 0x0B, "ESME_RINVDSTADR";
        /// 0x0000000C: invalid message_id.
        ESME_RINVMSGID = 0x0C, "ESME_RINVMSGID";
        /// 0x0000000D: bind failed.
        ESME_RBINDFAIL = 0x0D, "ESME_RBINDFAIL";
        /// 0x0000000E: invalid password.
        ESME_RINVPASWD = 0x0E, "ESME_RINVPASWD";
        /// 0x0000000F: invalid system_id.
        ESME_RINVSYSID = 0x0F, "ESME_RINVSYSID";
        /// 0x00000011: cancel_sm failed.
        ESME_RCANCELFAIL = 0x11, "ESME_RCANCELFAIL";
        /// 0x00000013: replace_sm failed.
        ESME_RREPLACEFAIL = 0x13, "ESME_RREPLACEFAIL";
        /// 0x00000014: message queue full.
        ESME_RMSGQFUL = 0x14, "ESME_RMSGQFUL";
        /// 0x00000015: invalid service_type.
        ESME_RINVSERTYP = 0x15, "ESME_RINVSERTYP";
        /// 0x00000033: invalid number_of_dests.
        ESME_RINVNUMDESTS = 0x33, "ESME_RINVNUMDESTS";
        /// 0x00000034: invalid distribution list name.
        ESME_RINVDLNAME = 0x34, "ESME_RINVDLNAME";
        /// 0x00000040: invalid dest_flag (submit_multi).
        ESME_RINVDESTFLAG = 0x40, "ESME_RINVDESTFLAG";
        /// 0x00000042: invalid "submit with replace".
        ESME_RINVSUBREP = 0x42, "ESME_RINVSUBREP";
        /// 0x00000043: invalid esm_class.
        ESME_RINVESMCLASS = 0x43, "ESME_RINVESMCLASS";
        /// 0x00000044: cannot submit to distribution list.
        ESME_RCNTSUBDL = 0x44, "ESME_RCNTSUBDL";
        /// 0x00000045: submit_sm / submit_multi failed.
        ESME_RSUBMITFAIL = 0x45, "ESME_RSUBMITFAIL";
        /// 0x00000048: invalid source TON.
        ESME_RINVSRCTON = 0x48, "ESME_RINVSRCTON";
        /// 0x00000049: invalid source NPI.
        ESME_RINVSRCNPI = 0x49, "ESME_RINVSRCNPI";
        /// 0x00000050: invalid destination TON.
        ESME_RINVDSTTON = 0x50, "ESME_RINVDSTTON";
        /// 0x00000051: invalid destination NPI.
        ESME_RINVDSTNPI = 0x51, "ESME_RINVDSTNPI";
        /// 0x00000053: invalid system_type.
        ESME_RINVSYSTYP = 0x53, "ESME_RINVSYSTYP";
        /// 0x00000054: invalid replace_if_present_flag.
        ESME_RINVREPFLAG = 0x54, "ESME_RINVREPFLAG";
        /// 0x00000055: invalid number_of_messages.
        ESME_RINVNUMMSGS = 0x55, "ESME_RINVNUMMSGS";
        /// 0x00000058: throttled; back off and retry.
        ESME_RTHROTTLED = 0x58, "ESME_RTHROTTLED";
        /// 0x00000061: invalid schedule_delivery_time.
        ESME_RINVSCHED = 0x61, "ESME_RINVSCHED";
        /// 0x00000062: invalid validity_period.
        ESME_RINVEXPIRY = 0x62, "ESME_RINVEXPIRY";
        /// 0x00000063: predefined message invalid or not found.
        ESME_RINVDFTMSGID = 0x63, "ESME_RINVDFTMSGID";
        /// 0x00000064: receiving ESME temporary application error.
        ESME_RX_T_APPN = 0x64, "ESME_RX_T_APPN";
        /// 0x00000065: receiving ESME permanent application error.
        ESME_RX_P_APPN = 0x65, "ESME_RX_P_APPN";
        /// 0x00000066: receiving ESME rejects the message.
        ESME_RX_R_APPN = 0x66, "ESME_RX_R_APPN";
        /// 0x00000067: query_sm failed.
        ESME_RQUERYFAIL = 0x67, "ESME_RQUERYFAIL";
        /// 0x000000C0: malformed TLV section.
        ESME_RINVOPTPARSTREAM = 0xC0, "ESME_RINVOPTPARSTREAM";
        /// 0x000000C1: TLV not allowed in this PDU.
        ESME_ROPTPARNOTALLWD = 0xC1, "ESME_ROPTPARNOTALLWD";
        /// 0x000000C2: parameter length invalid.
        ESME_RINVPARLEN = 0xC2, "ESME_RINVPARLEN";
        /// 0x000000C3: required TLV missing.
        ESME_RMISSINGOPTPARAM = 0xC3, "ESME_RMISSINGOPTPARAM";
        /// 0x000000C4: TLV value invalid.
        ESME_RINVOPTPARAMVAL = 0xC4, "ESME_RINVOPTPARAMVAL";
        /// 0x000000FE: delivery failure (data_sm_resp).
        ESME_RDELIVERYFAILURE = 0xFE, "ESME_RDELIVERYFAILURE";
        /// 0x000000FF: unknown error.
        ESME_RUNKNOWNERR = 0xFF, "ESME_RUNKNOWNERR";
    }
}

impl CommandStatus {
    /// True for `ESME_ROK`.
    pub fn is_ok(self) -> bool {
        self.0 == 0
    }
}

impl Default for CommandStatus {
    fn default() -> Self {
        CommandStatus::ESME_ROK
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn response_ids_follow_bit_31() {
        assert_eq!(
            CommandId::SUBMIT_SM.response_id(),
            Some(CommandId::SUBMIT_SM_RESP)
        );
        assert_eq!(
            CommandId::DATA_SM.response_id(),
            Some(CommandId::DATA_SM_RESP)
        );
        assert_eq!(CommandId::OUTBIND.response_id(), None);
        assert_eq!(CommandId::ALERT_NOTIFICATION.response_id(), None);
        assert_eq!(CommandId::SUBMIT_SM_RESP.response_id(), None);
        assert_eq!(CommandId(0x0000_0111).response_id(), None);
    }

    #[test]
    fn names_round_trip_and_unknown_values_stay_open() {
        assert_eq!(
            CommandStatus::ESME_RTHROTTLED.name(),
            Some("ESME_RTHROTTLED")
        );
        assert_eq!(
            CommandStatus::from_name("ESME_RINVCMDLEN"),
            Some(CommandStatus(2))
        );
        assert_eq!(CommandStatus(0x0401).to_string(), "0x00000401");
        let json = serde_json::to_string(&CommandStatus(0x0401)).unwrap();
        assert_eq!(json, "1025");
        let back: CommandStatus = serde_json::from_str("\"0x401\"").unwrap();
        assert_eq!(back, CommandStatus(0x401));
        let named: CommandId = serde_json::from_str("\"submit_sm\"").unwrap();
        assert_eq!(named, CommandId::SUBMIT_SM);
    }
}
