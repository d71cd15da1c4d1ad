//! submit_sm and deliver_sm (SMPP 3.4 §4.4, §4.6), which share one field layout, and the
//! message_id responses (submit_sm_resp, deliver_sm_resp, data_sm_resp).

use bytes::{Bytes, BytesMut};
use serde::{Deserialize, Serialize};

use super::error::{Field, PduErrorKind};
use super::tlv::{tlvs, Tlvs};
use super::types::{COctetString, ShortMessage, SmppTime};
use super::wire::{
    c_octet, encode_all, finish, int1, len_all, put_short_message, short_message, time, Encode, In,
};

macro_rules! short_message_pdu {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            /// service_type, C(6): NULL for the SMSC default.
            pub service_type: COctetString<6>,
            /// source_addr_ton.
            pub source_addr_ton: u8,
            /// source_addr_npi.
            pub source_addr_npi: u8,
            /// source_addr, C(21).
            pub source_addr: COctetString<21>,
            /// dest_addr_ton.
            pub dest_addr_ton: u8,
            /// dest_addr_npi.
            pub dest_addr_npi: u8,
            /// destination_addr, C(21).
            pub destination_addr: COctetString<21>,
            /// esm_class: messaging mode, message type (0x04 = delivery receipt), UDHI 0x40.
            pub esm_class: u8,
            /// protocol_id (GSM TP-PID).
            pub protocol_id: u8,
            /// priority_flag, 0–3.
            pub priority_flag: u8,
            /// schedule_delivery_time: NULL = immediate.
            pub schedule_delivery_time: SmppTime,
            /// validity_period: NULL = SMSC default.
            pub validity_period: SmppTime,
            /// registered_delivery: bits 1–0 request an SMSC delivery receipt.
            pub registered_delivery: u8,
            /// replace_if_present_flag, 0/1.
            pub replace_if_present_flag: u8,
            /// data_coding: how `short_message` is encoded (0 GSM, 8 UCS-2, …).
            pub data_coding: u8,
            /// sm_default_msg_id: a canned message, 0 = none.
            pub sm_default_msg_id: u8,
            /// short_message: raw octets (UDH included when esm_class has UDHI); sm_length is
            /// derived from it.
            pub short_message: ShortMessage,
            /// Optional parameters in wire order.
            pub tlvs: Tlvs,
        }

        impl $name {
            pub(crate) fn decode(b: &Bytes, body: In<'_>) -> Result<Self, PduErrorKind> {
                finish((|| {
                    let i = body;
                    let (i, service_type) = c_octet(b, Field::ServiceType, i)?;
                    let (i, source_addr_ton) = int1(Field::SourceAddrTon, i)?;
                    let (i, source_addr_npi) = int1(Field::SourceAddrNpi, i)?;
                    let (i, source_addr) = c_octet(b, Field::SourceAddr, i)?;
                    let (i, dest_addr_ton) = int1(Field::DestAddrTon, i)?;
                    let (i, dest_addr_npi) = int1(Field::DestAddrNpi, i)?;
                    let (i, destination_addr) = c_octet(b, Field::DestinationAddr, i)?;
                    let (i, esm_class) = int1(Field::EsmClass, i)?;
                    let (i, protocol_id) = int1(Field::ProtocolId, i)?;
                    let (i, priority_flag) = int1(Field::PriorityFlag, i)?;
                    let (i, schedule_delivery_time) = time(b, Field::ScheduleDeliveryTime, i)?;
                    let (i, validity_period) = time(b, Field::ValidityPeriod, i)?;
                    let (i, registered_delivery) = int1(Field::RegisteredDelivery, i)?;
                    let (i, replace_if_present_flag) = int1(Field::ReplaceIfPresentFlag, i)?;
                    let (i, data_coding) = int1(Field::DataCoding, i)?;
                    let (i, sm_default_msg_id) = int1(Field::SmDefaultMsgId, i)?;
                    let (i, short_message) = short_message(b, i)?;
                    let (_, tlvs) = tlvs(b, i)?;
                    Ok($name {
                        service_type, source_addr_ton, source_addr_npi, source_addr,
                        dest_addr_ton, dest_addr_npi, destination_addr, esm_class, protocol_id,
                        priority_flag, schedule_delivery_time, validity_period,
                        registered_delivery, replace_if_present_flag, data_coding,
                        sm_default_msg_id, short_message, tlvs,
                    })
                })())
            }

            /// The message octets: `short_message`, or the message_payload TLV when
            /// short_message is empty (SMPP 3.4 §5.3.2.32: the two are exclusive).
            pub fn payload(&self) -> &[u8] {
                if self.short_message.is_empty() {
                    if let Some(p) = self.tlvs.message_payload() {
                        return p;
                    }
                }
                &self.short_message
            }
        }

        impl Encode for $name {
            fn encoded_len(&self) -> usize {
                1 + len_all!(
                    self.service_type, self.source_addr_ton, self.source_addr_npi, self.source_addr,
                    self.dest_addr_ton, self.dest_addr_npi, self.destination_addr, self.esm_class,
                    self.protocol_id, self.priority_flag, self.schedule_delivery_time,
                    self.validity_period, self.registered_delivery, self.replace_if_present_flag,
                    self.data_coding, self.sm_default_msg_id, self.short_message, self.tlvs,
                )
            }
            fn encode(&self, dst: &mut BytesMut) {
                encode_all!(dst;
                    self.service_type, self.source_addr_ton, self.source_addr_npi, self.source_addr,
                    self.dest_addr_ton, self.dest_addr_npi, self.destination_addr, self.esm_class,
                    self.protocol_id, self.priority_flag, self.schedule_delivery_time,
                    self.validity_period, self.registered_delivery, self.replace_if_present_flag,
                    self.data_coding, self.sm_default_msg_id,
                );
                put_short_message(&self.short_message, dst);
                self.tlvs.encode(dst);
            }
        }
    };
}

short_message_pdu! {
    /// submit_sm (SMPP 3.4 §4.4.1): an ESME submits one short message.
    SubmitSm
}

short_message_pdu! {
    /// deliver_sm (SMPP 3.4 §4.6.1): the SMSC delivers an MO message or a delivery receipt
    /// (esm_class 0x04; receipted_message_id / message_state TLVs, receipt text in
    /// short_message). schedule_delivery_time, validity_period and replace_if_present_flag are
    /// unused and normally NULL/0.
    DeliverSm
}

macro_rules! message_id_resp {
    ($(#[$m:meta])* $name:ident) => {
        $(#[$m])*
        #[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(default, deny_unknown_fields)]
        pub struct $name {
            /// message_id, C(65).
            pub message_id: COctetString<65>,
            /// TLVs after message_id (none in 3.4 submit_sm_resp/deliver_sm_resp, but SMPP 5.0
            /// peers send them, so they are accepted and kept).
            pub tlvs: Tlvs,
        }

        impl $name {
            pub(crate) fn decode(b: &Bytes, body: In<'_>) -> Result<Self, PduErrorKind> {
                // SMPP 3.4 §4.4.2: the body is omitted when command_status is non-zero.
                if body.is_empty() {
                    return Ok($name::default());
                }
                finish((|| {
                    let (i, message_id) = c_octet(b, Field::MessageId, body)?;
                    let (_, tlvs) = tlvs(b, i)?;
                    Ok($name { message_id, tlvs })
                })())
            }
        }

        impl Encode for $name {
            fn encoded_len(&self) -> usize {
                len_all!(self.message_id, self.tlvs)
            }
            fn encode(&self, dst: &mut BytesMut) {
                encode_all!(dst; self.message_id, self.tlvs);
            }
        }
    };
}

message_id_resp! {
    /// submit_sm_resp (SMPP 3.4 §4.4.2): the SMSC's message_id for the submitted message.
    SubmitSmResp
}

message_id_resp! {
    /// deliver_sm_resp (SMPP 3.4 §4.6.2): message_id is unused and NULL.
    DeliverSmResp
}

message_id_resp! {
    /// data_sm_resp (SMPP 3.4 §4.7.2): message_id plus delivery_failure_reason,
    /// network_error_code, additional_status_info_text and dpf_result TLVs.
    DataSmResp
}
