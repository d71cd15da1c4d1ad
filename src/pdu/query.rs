//! query_sm, cancel_sm, replace_sm (SMPP 3.4 §4.8–4.10) and alert_notification (§4.12).

use bytes::{Bytes, BytesMut};
use serde::{Deserialize, Serialize};

use super::error::{Field, PduErrorKind};
use super::tlv::{tlvs, Tlvs};
use super::types::{COctetString, ShortMessage, SmppTime};
use super::values::MessageState;
use super::wire::{
    c_octet, encode_all, end, finish, int1, len_all, put_short_message, short_message, time,
    Encode, In,
};

/// query_sm (SMPP 3.4 §4.8.1): asks for the state of a submitted message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuerySm {
    /// message_id, C(65): as returned in submit_sm_resp.
    pub message_id: COctetString<65>,
    /// source_addr_ton of the original submit.
    pub source_addr_ton: u8,
    /// source_addr_npi of the original submit.
    pub source_addr_npi: u8,
    /// source_addr, C(21), of the original submit.
    pub source_addr: COctetString<21>,
}

impl QuerySm {
    pub(crate) fn decode(b: &Bytes, body: In<'_>) -> Result<Self, PduErrorKind> {
        finish((|| {
            let (i, message_id) = c_octet(b, Field::MessageId, body)?;
            let (i, source_addr_ton) = int1(Field::SourceAddrTon, i)?;
            let (i, source_addr_npi) = int1(Field::SourceAddrNpi, i)?;
            let (i, source_addr) = c_octet(b, Field::SourceAddr, i)?;
            end(i)?;
            Ok(QuerySm {
                message_id,
                source_addr_ton,
                source_addr_npi,
                source_addr,
            })
        })())
    }
}

impl Encode for QuerySm {
    fn encoded_len(&self) -> usize {
        len_all!(
            self.message_id,
            self.source_addr_ton,
            self.source_addr_npi,
            self.source_addr
        )
    }
    fn encode(&self, dst: &mut BytesMut) {
        encode_all!(dst; self.message_id, self.source_addr_ton, self.source_addr_npi, self.source_addr);
    }
}

/// query_sm_resp (SMPP 3.4 §4.8.2).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct QuerySmResp {
    /// message_id, C(65).
    pub message_id: COctetString<65>,
    /// final_date: NULL while the message is not final.
    pub final_date: SmppTime,
    /// message_state.
    pub message_state: MessageState,
    /// error_code: network error of a failed delivery.
    pub error_code: u8,
}

impl QuerySmResp {
    pub(crate) fn decode(b: &Bytes, body: In<'_>) -> Result<Self, PduErrorKind> {
        if body.is_empty() {
            return Ok(QuerySmResp::default());
        }
        finish((|| {
            let (i, message_id) = c_octet(b, Field::MessageId, body)?;
            let (i, final_date) = time(b, Field::FinalDate, i)?;
            let (i, state) = int1(Field::MessageState, i)?;
            let (i, error_code) = int1(Field::ErrorCode, i)?;
            end(i)?;
            Ok(QuerySmResp {
                message_id,
                final_date,
                message_state: MessageState(state),
                error_code,
            })
        })())
    }
}

impl Encode for QuerySmResp {
    fn encoded_len(&self) -> usize {
        2 + len_all!(self.message_id, self.final_date)
    }
    fn encode(&self, dst: &mut BytesMut) {
        encode_all!(dst; self.message_id, self.final_date, self.message_state.0, self.error_code);
    }
}

/// cancel_sm (SMPP 3.4 §4.9.1): cancels one message (message_id) or every pending message
/// matching service_type and addresses (message_id NULL).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CancelSm {
    /// service_type, C(6).
    pub service_type: COctetString<6>,
    /// message_id, C(65).
    pub message_id: COctetString<65>,
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
}

impl CancelSm {
    pub(crate) fn decode(b: &Bytes, body: In<'_>) -> Result<Self, PduErrorKind> {
        finish((|| {
            let (i, service_type) = c_octet(b, Field::ServiceType, body)?;
            let (i, message_id) = c_octet(b, Field::MessageId, i)?;
            let (i, source_addr_ton) = int1(Field::SourceAddrTon, i)?;
            let (i, source_addr_npi) = int1(Field::SourceAddrNpi, i)?;
            let (i, source_addr) = c_octet(b, Field::SourceAddr, i)?;
            let (i, dest_addr_ton) = int1(Field::DestAddrTon, i)?;
            let (i, dest_addr_npi) = int1(Field::DestAddrNpi, i)?;
            let (i, destination_addr) = c_octet(b, Field::DestinationAddr, i)?;
            end(i)?;
            Ok(CancelSm {
                service_type,
                message_id,
                source_addr_ton,
                source_addr_npi,
                source_addr,
                dest_addr_ton,
                dest_addr_npi,
                destination_addr,
            })
        })())
    }
}

impl Encode for CancelSm {
    fn encoded_len(&self) -> usize {
        len_all!(
            self.service_type,
            self.message_id,
            self.source_addr_ton,
            self.source_addr_npi,
            self.source_addr,
            self.dest_addr_ton,
            self.dest_addr_npi,
            self.destination_addr,
        )
    }
    fn encode(&self, dst: &mut BytesMut) {
        encode_all!(dst;
            self.service_type, self.message_id, self.source_addr_ton, self.source_addr_npi,
            self.source_addr, self.dest_addr_ton, self.dest_addr_npi, self.destination_addr,
        );
    }
}

/// replace_sm (SMPP 3.4 §4.10.1): replaces a pending message.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ReplaceSm {
    /// message_id, C(65).
    pub message_id: COctetString<65>,
    /// source_addr_ton.
    pub source_addr_ton: u8,
    /// source_addr_npi.
    pub source_addr_npi: u8,
    /// source_addr, C(21).
    pub source_addr: COctetString<21>,
    /// schedule_delivery_time.
    pub schedule_delivery_time: SmppTime,
    /// validity_period.
    pub validity_period: SmppTime,
    /// registered_delivery.
    pub registered_delivery: u8,
    /// sm_default_msg_id.
    pub sm_default_msg_id: u8,
    /// short_message (sm_length derived).
    pub short_message: ShortMessage,
}

impl ReplaceSm {
    pub(crate) fn decode(b: &Bytes, body: In<'_>) -> Result<Self, PduErrorKind> {
        finish((|| {
            let (i, message_id) = c_octet(b, Field::MessageId, body)?;
            let (i, source_addr_ton) = int1(Field::SourceAddrTon, i)?;
            let (i, source_addr_npi) = int1(Field::SourceAddrNpi, i)?;
            let (i, source_addr) = c_octet(b, Field::SourceAddr, i)?;
            let (i, schedule_delivery_time) = time(b, Field::ScheduleDeliveryTime, i)?;
            let (i, validity_period) = time(b, Field::ValidityPeriod, i)?;
            let (i, registered_delivery) = int1(Field::RegisteredDelivery, i)?;
            let (i, sm_default_msg_id) = int1(Field::SmDefaultMsgId, i)?;
            let (i, short_message) = short_message(b, i)?;
            end(i)?;
            Ok(ReplaceSm {
                message_id,
                source_addr_ton,
                source_addr_npi,
                source_addr,
                schedule_delivery_time,
                validity_period,
                registered_delivery,
                sm_default_msg_id,
                short_message,
            })
        })())
    }
}

impl Encode for ReplaceSm {
    fn encoded_len(&self) -> usize {
        1 + len_all!(
            self.message_id,
            self.source_addr_ton,
            self.source_addr_npi,
            self.source_addr,
            self.schedule_delivery_time,
            self.validity_period,
            self.registered_delivery,
            self.sm_default_msg_id,
            self.short_message,
        )
    }
    fn encode(&self, dst: &mut BytesMut) {
        encode_all!(dst;
            self.message_id, self.source_addr_ton, self.source_addr_npi, self.source_addr,
            self.schedule_delivery_time, self.validity_period, self.registered_delivery,
            self.sm_default_msg_id,
        );
        put_short_message(&self.short_message, dst);
    }
}

/// alert_notification (SMPP 3.4 §4.12.1): the SMSC tells the ESME a mobile became available.
/// It has no response.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertNotification {
    /// source_addr_ton: the mobile.
    pub source_addr_ton: u8,
    /// source_addr_npi.
    pub source_addr_npi: u8,
    /// source_addr, C(65).
    pub source_addr: COctetString<65>,
    /// esme_addr_ton: the ESME that asked for the alert.
    pub esme_addr_ton: u8,
    /// esme_addr_npi.
    pub esme_addr_npi: u8,
    /// esme_addr, C(65).
    pub esme_addr: COctetString<65>,
    /// TLVs (ms_availability_status).
    pub tlvs: Tlvs,
}

impl AlertNotification {
    pub(crate) fn decode(b: &Bytes, body: In<'_>) -> Result<Self, PduErrorKind> {
        finish((|| {
            let (i, source_addr_ton) = int1(Field::SourceAddrTon, body)?;
            let (i, source_addr_npi) = int1(Field::SourceAddrNpi, i)?;
            let (i, source_addr) = c_octet(b, Field::SourceAddr, i)?;
            let (i, esme_addr_ton) = int1(Field::EsmeAddrTon, i)?;
            let (i, esme_addr_npi) = int1(Field::EsmeAddrNpi, i)?;
            let (i, esme_addr) = c_octet(b, Field::EsmeAddr, i)?;
            let (_, tlvs) = tlvs(b, i)?;
            Ok(AlertNotification {
                source_addr_ton,
                source_addr_npi,
                source_addr,
                esme_addr_ton,
                esme_addr_npi,
                esme_addr,
                tlvs,
            })
        })())
    }
}

impl Encode for AlertNotification {
    fn encoded_len(&self) -> usize {
        len_all!(
            self.source_addr_ton,
            self.source_addr_npi,
            self.source_addr,
            self.esme_addr_ton,
            self.esme_addr_npi,
            self.esme_addr,
            self.tlvs,
        )
    }
    fn encode(&self, dst: &mut BytesMut) {
        encode_all!(dst;
            self.source_addr_ton, self.source_addr_npi, self.source_addr, self.esme_addr_ton,
            self.esme_addr_npi, self.esme_addr, self.tlvs,
        );
    }
}
