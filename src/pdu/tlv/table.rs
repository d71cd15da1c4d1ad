//! The SMPP 3.4 TLV table (§5.3.2), one line per tag, expanded into [`TlvTag`] and [`Tlv`].

use std::fmt;

use bytes::{Bytes, BytesMut};
use serde::{Deserialize, Serialize};

use super::{put_tlv, NetworkErrorCode, TlvValue};
use crate::pdu::types::{COctetString, OctetString};
use crate::pdu::values::MessageState;

macro_rules! tlv_table {
    ( $( $(#[$m:meta])* $variant:ident = $tag:literal, $konst:ident, $name:literal, $ty:ty, min $min:literal; )* ) => {
        /// A TLV tag. Open: vendor tags (0x1400–0x3FFF) and SMPP 5.0 tags are valid values.
        #[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct TlvTag(pub u16);

        impl TlvTag {
            $( #[doc = concat!("`", $name, "`")] pub const $konst: TlvTag = TlvTag($tag); )*

            /// The spec name, `None` for tags SMPP 3.4 does not define.
            pub fn name(self) -> Option<&'static str> {
                match self.0 {
                    $( $tag => Some($name), )*
                    _ => None,
                }
            }
        }

        /// One optional parameter.
        #[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case", deny_unknown_fields)]
        pub enum Tlv {
            $( $(#[$m])* #[doc = concat!("`", $name, "` (", stringify!($tag), ")")] $variant($ty), )*
            /// A tag SMPP 3.4 does not type, or a typed tag in a form this codec keeps verbatim
            /// (a C-octet value without its NUL, a 2-octet source_telematics_id); re-emitted
            /// unchanged.
            Raw {
                /// The tag.
                tag: TlvTag,
                /// The value octets.
                value: OctetString<65535>,
            },
        }

        impl Tlv {
            /// This TLV's tag.
            pub fn tag(&self) -> TlvTag {
                match self {
                    $( Tlv::$variant(_) => TlvTag($tag), )*
                    Tlv::Raw { tag, .. } => *tag,
                }
            }

            /// Decodes one value; `None` means the tag is typed and the value has an invalid
            /// length (ESME_RINVPARLEN).
            #[allow(unused_comparisons)] // most tags have no minimum (min 0)
            pub(crate) fn decode(tag: TlvTag, base: &Bytes, value: &[u8]) -> Option<Tlv> {
                match tag.0 {
                    $( $tag => {
                        if value.len() < $min {
                            return None;
                        }
                        match <$ty as TlvValue>::from_value(base, value) {
                            Some(v) => Some(Tlv::$variant(v)),
                            None => Tlv::lenient(tag, base, value),
                        }
                    } )*
                    _ => Some(Tlv::Raw { tag, value: OctetString::from_checked(base.slice_ref(value)) }),
                }
            }

            /// Octets on the wire (header included).
            pub fn encoded_len(&self) -> usize {
                4 + match self {
                    $( Tlv::$variant(v) => v.value_len(), )*
                    Tlv::Raw { value, .. } => value.len(),
                }
            }

            /// Appends the wire form.
            pub(crate) fn encode(&self, dst: &mut BytesMut) {
                match self {
                    $( Tlv::$variant(v) => { put_tlv(TlvTag($tag), v.value_len(), dst); v.put_value(dst); } )*
                    Tlv::Raw { tag, value } => {
                        put_tlv(*tag, value.len(), dst);
                        dst.extend_from_slice(value);
                    }
                }
            }
        }
    };
}

impl Tlv {
    /// Forms real peers send that the 3.4 table does not allow but that carry no ambiguity:
    /// C-octet strings without (or with extra) NULs, and source_telematics_id in the 2-octet
    /// form of SMPP 5.0. They are kept verbatim; everything else is a length error.
    fn lenient(tag: TlvTag, base: &Bytes, value: &[u8]) -> Option<Tlv> {
        let keep = match tag {
            TlvTag::RECEIPTED_MESSAGE_ID => value.len() <= 65,
            TlvTag::ADDITIONAL_STATUS_INFO_TEXT => value.len() <= 256,
            TlvTag::SOURCE_TELEMATICS_ID => value.len() == 2,
            _ => false,
        };
        keep.then(|| Tlv::Raw {
            tag,
            value: OctetString::from_checked(base.slice_ref(value)),
        })
    }
}

impl fmt::Debug for TlvTag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(n) => f.write_str(n),
            None => write!(f, "TlvTag(0x{:04X})", self.0),
        }
    }
}

tlv_table! {
    DestAddrSubunit = 0x0005, DEST_ADDR_SUBUNIT, "dest_addr_subunit", u8, min 0;
    DestNetworkType = 0x0006, DEST_NETWORK_TYPE, "dest_network_type", u8, min 0;
    DestBearerType = 0x0007, DEST_BEARER_TYPE, "dest_bearer_type", u8, min 0;
    DestTelematicsId = 0x0008, DEST_TELEMATICS_ID, "dest_telematics_id", u16, min 0;
    SourceAddrSubunit = 0x000D, SOURCE_ADDR_SUBUNIT, "source_addr_subunit", u8, min 0;
    SourceNetworkType = 0x000E, SOURCE_NETWORK_TYPE, "source_network_type", u8, min 0;
    SourceBearerType = 0x000F, SOURCE_BEARER_TYPE, "source_bearer_type", u8, min 0;
    SourceTelematicsId = 0x0010, SOURCE_TELEMATICS_ID, "source_telematics_id", u8, min 0;
    QosTimeToLive = 0x0017, QOS_TIME_TO_LIVE, "qos_time_to_live", u32, min 0;
    PayloadType = 0x0019, PAYLOAD_TYPE, "payload_type", u8, min 0;
    AdditionalStatusInfoText = 0x001D, ADDITIONAL_STATUS_INFO_TEXT, "additional_status_info_text", COctetString<256>, min 0;
    ReceiptedMessageId = 0x001E, RECEIPTED_MESSAGE_ID, "receipted_message_id", COctetString<65>, min 0;
    MsMsgWaitFacilities = 0x0030, MS_MSG_WAIT_FACILITIES, "ms_msg_wait_facilities", u8, min 0;
    PrivacyIndicator = 0x0201, PRIVACY_INDICATOR, "privacy_indicator", u8, min 0;
    SourceSubaddress = 0x0202, SOURCE_SUBADDRESS, "source_subaddress", OctetString<23>, min 2;
    DestSubaddress = 0x0203, DEST_SUBADDRESS, "dest_subaddress", OctetString<23>, min 2;
    UserMessageReference = 0x0204, USER_MESSAGE_REFERENCE, "user_message_reference", u16, min 0;
    UserResponseCode = 0x0205, USER_RESPONSE_CODE, "user_response_code", u8, min 0;
    SourcePort = 0x020A, SOURCE_PORT, "source_port", u16, min 0;
    DestinationPort = 0x020B, DESTINATION_PORT, "destination_port", u16, min 0;
    SarMsgRefNum = 0x020C, SAR_MSG_REF_NUM, "sar_msg_ref_num", u16, min 0;
    LanguageIndicator = 0x020D, LANGUAGE_INDICATOR, "language_indicator", u8, min 0;
    SarTotalSegments = 0x020E, SAR_TOTAL_SEGMENTS, "sar_total_segments", u8, min 0;
    SarSegmentSeqnum = 0x020F, SAR_SEGMENT_SEQNUM, "sar_segment_seqnum", u8, min 0;
    ScInterfaceVersion = 0x0210, SC_INTERFACE_VERSION, "sc_interface_version", u8, min 0;
    CallbackNumPresInd = 0x0302, CALLBACK_NUM_PRES_IND, "callback_num_pres_ind", u8, min 0;
    CallbackNumAtag = 0x0303, CALLBACK_NUM_ATAG, "callback_num_atag", OctetString<65>, min 0;
    NumberOfMessages = 0x0304, NUMBER_OF_MESSAGES, "number_of_messages", u8, min 0;
    CallbackNum = 0x0381, CALLBACK_NUM, "callback_num", OctetString<19>, min 4;
    DpfResult = 0x0420, DPF_RESULT, "dpf_result", u8, min 0;
    SetDpf = 0x0421, SET_DPF, "set_dpf", u8, min 0;
    MsAvailabilityStatus = 0x0422, MS_AVAILABILITY_STATUS, "ms_availability_status", u8, min 0;
    NetworkErrorCode = 0x0423, NETWORK_ERROR_CODE, "network_error_code", NetworkErrorCode, min 0;
    MessagePayload = 0x0424, MESSAGE_PAYLOAD, "message_payload", OctetString<65535>, min 0;
    DeliveryFailureReason = 0x0425, DELIVERY_FAILURE_REASON, "delivery_failure_reason", u8, min 0;
    MoreMessagesToSend = 0x0426, MORE_MESSAGES_TO_SEND, "more_messages_to_send", u8, min 0;
    MessageState = 0x0427, MESSAGE_STATE, "message_state", MessageState, min 0;
    UssdServiceOp = 0x0501, USSD_SERVICE_OP, "ussd_service_op", u8, min 0;
    DisplayTime = 0x1201, DISPLAY_TIME, "display_time", u8, min 0;
    SmsSignal = 0x1203, SMS_SIGNAL, "sms_signal", u16, min 0;
    MsValidity = 0x1204, MS_VALIDITY, "ms_validity", u8, min 0;
    AlertOnMessageDelivery = 0x130C, ALERT_ON_MESSAGE_DELIVERY, "alert_on_message_delivery", (), min 0;
    ItsReplyType = 0x1380, ITS_REPLY_TYPE, "its_reply_type", u8, min 0;
    ItsSessionInfo = 0x1383, ITS_SESSION_INFO, "its_session_info", u16, min 0;
}
