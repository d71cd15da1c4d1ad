//! submit_multi and submit_multi_resp (SMPP 3.4 §4.5).

use bytes::{BufMut, Bytes, BytesMut};
use serde::{Deserialize, Serialize};

use super::command::CommandStatus;
use super::error::{Field, PduErrorKind};
use super::tlv::{tlvs, Tlvs};
use super::types::{COctetString, List, ShortMessage, SmppTime};
use super::wire::{
    c_octet, encode_all, fail, finish, int1, int4, len_all, put_short_message, short_message, time,
    Encode, In, PResult,
};

/// One destination of a submit_multi (SMPP 3.4 §5.2.25, dest_flag 1 or 2).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum DestAddress {
    /// dest_flag 1: an SME address.
    SmeAddress {
        /// dest_addr_ton.
        dest_addr_ton: u8,
        /// dest_addr_npi.
        dest_addr_npi: u8,
        /// destination_addr, C(21).
        destination_addr: COctetString<21>,
    },
    /// dest_flag 2: a distribution list held by the SMSC.
    DistributionList {
        /// dl_name, C(21).
        dl_name: COctetString<21>,
    },
}

impl Encode for DestAddress {
    fn encoded_len(&self) -> usize {
        match self {
            DestAddress::SmeAddress {
                destination_addr, ..
            } => 3 + destination_addr.wire_len(),
            DestAddress::DistributionList { dl_name } => 1 + dl_name.wire_len(),
        }
    }
    fn encode(&self, dst: &mut BytesMut) {
        match self {
            DestAddress::SmeAddress {
                dest_addr_ton,
                dest_addr_npi,
                destination_addr,
            } => {
                encode_all!(dst; 1u8, dest_addr_ton, dest_addr_npi, destination_addr);
            }
            DestAddress::DistributionList { dl_name } => encode_all!(dst; 2u8, dl_name),
        }
    }
}

fn dest_address<'a>(b: &Bytes, i: In<'a>) -> PResult<'a, DestAddress> {
    let (i, flag) = int1(Field::DestFlag, i)?;
    match flag {
        1 => {
            let (i, dest_addr_ton) = int1(Field::DestAddrTon, i)?;
            let (i, dest_addr_npi) = int1(Field::DestAddrNpi, i)?;
            let (i, destination_addr) = c_octet(b, Field::DestinationAddr, i)?;
            Ok((
                i,
                DestAddress::SmeAddress {
                    dest_addr_ton,
                    dest_addr_npi,
                    destination_addr,
                },
            ))
        }
        2 => {
            let (i, dl_name) = c_octet(b, Field::DlName, i)?;
            Ok((i, DestAddress::DistributionList { dl_name }))
        }
        other => fail(PduErrorKind::BadDestFlag(other)),
    }
}

/// submit_multi (SMPP 3.4 §4.5.1): one message to up to 254 destinations.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SubmitMulti {
    /// service_type, C(6).
    pub service_type: COctetString<6>,
    /// source_addr_ton.
    pub source_addr_ton: u8,
    /// source_addr_npi.
    pub source_addr_npi: u8,
    /// source_addr, C(21).
    pub source_addr: COctetString<21>,
    /// The destinations; number_of_dests is derived (1–254 on the wire).
    pub dest_addresses: List<DestAddress, 254>,
    /// esm_class.
    pub esm_class: u8,
    /// protocol_id.
    pub protocol_id: u8,
    /// priority_flag.
    pub priority_flag: u8,
    /// schedule_delivery_time.
    pub schedule_delivery_time: SmppTime,
    /// validity_period.
    pub validity_period: SmppTime,
    /// registered_delivery.
    pub registered_delivery: u8,
    /// replace_if_present_flag.
    pub replace_if_present_flag: u8,
    /// data_coding.
    pub data_coding: u8,
    /// sm_default_msg_id.
    pub sm_default_msg_id: u8,
    /// short_message (sm_length derived).
    pub short_message: ShortMessage,
    /// TLVs.
    pub tlvs: Tlvs,
}

impl SubmitMulti {
    pub(crate) fn decode(b: &Bytes, body: In<'_>) -> Result<Self, PduErrorKind> {
        finish((|| {
            let i = body;
            let (i, service_type) = c_octet(b, Field::ServiceType, i)?;
            let (i, source_addr_ton) = int1(Field::SourceAddrTon, i)?;
            let (i, source_addr_npi) = int1(Field::SourceAddrNpi, i)?;
            let (i, source_addr) = c_octet(b, Field::SourceAddr, i)?;
            let (mut i, number_of_dests) = int1(Field::NumberOfDests, i)?;
            if number_of_dests == 0 || number_of_dests == 255 {
                return fail(PduErrorKind::NoDestinations);
            }
            // Bounded by the 1-octet count, never by an untrusted length field.
            let mut dests = Vec::with_capacity(usize::from(number_of_dests).min(i.len() / 2));
            for _ in 0..number_of_dests {
                let (rest, d) = dest_address(b, i)?;
                dests.push(d);
                i = rest;
            }
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
            Ok(SubmitMulti {
                service_type,
                source_addr_ton,
                source_addr_npi,
                source_addr,
                dest_addresses: List::from_checked(dests),
                esm_class,
                protocol_id,
                priority_flag,
                schedule_delivery_time,
                validity_period,
                registered_delivery,
                replace_if_present_flag,
                data_coding,
                sm_default_msg_id,
                short_message,
                tlvs,
            })
        })())
    }
}

impl Encode for SubmitMulti {
    fn encoded_len(&self) -> usize {
        2 + len_all!(
            self.service_type,
            self.source_addr_ton,
            self.source_addr_npi,
            self.source_addr,
            self.esm_class,
            self.protocol_id,
            self.priority_flag,
            self.schedule_delivery_time,
            self.validity_period,
            self.registered_delivery,
            self.replace_if_present_flag,
            self.data_coding,
            self.sm_default_msg_id,
            self.short_message,
            self.tlvs,
        ) + self
            .dest_addresses
            .iter()
            .map(Encode::encoded_len)
            .sum::<usize>()
    }
    fn encode(&self, dst: &mut BytesMut) {
        encode_all!(dst; self.service_type, self.source_addr_ton, self.source_addr_npi, self.source_addr);
        // List<_, 254> bounds the count to one octet.
        dst.put_u8(u8::try_from(self.dest_addresses.len()).unwrap_or(u8::MAX));
        for d in self.dest_addresses.iter() {
            d.encode(dst);
        }
        encode_all!(dst;
            self.esm_class, self.protocol_id, self.priority_flag, self.schedule_delivery_time,
            self.validity_period, self.registered_delivery, self.replace_if_present_flag,
            self.data_coding, self.sm_default_msg_id,
        );
        put_short_message(&self.short_message, dst);
        self.tlvs.encode(dst);
    }
}

/// A destination the SMSC could not accept (SMPP 3.4 §5.2.26, unsuccess_sme).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UnsuccessSme {
    /// dest_addr_ton.
    pub dest_addr_ton: u8,
    /// dest_addr_npi.
    pub dest_addr_npi: u8,
    /// destination_addr, C(21).
    pub destination_addr: COctetString<21>,
    /// error_status_code: why this destination failed.
    pub error_status_code: CommandStatus,
}

/// submit_multi_resp (SMPP 3.4 §4.5.2).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SubmitMultiResp {
    /// message_id, C(65).
    pub message_id: COctetString<65>,
    /// The failed destinations; no_unsuccess is derived.
    pub unsuccess_smes: List<UnsuccessSme, 255>,
    /// TLVs (SMPP 5.0 peers send some; kept).
    pub tlvs: Tlvs,
}

impl SubmitMultiResp {
    pub(crate) fn decode(b: &Bytes, body: In<'_>) -> Result<Self, PduErrorKind> {
        if body.is_empty() {
            return Ok(SubmitMultiResp::default());
        }
        finish((|| {
            let (i, message_id) = c_octet(b, Field::MessageId, body)?;
            let (mut i, n) = int1(Field::NoUnsuccess, i)?;
            let mut list = Vec::with_capacity(usize::from(n).min(i.len() / 7));
            for _ in 0..n {
                let (rest, dest_addr_ton) = int1(Field::DestAddrTon, i)?;
                let (rest, dest_addr_npi) = int1(Field::DestAddrNpi, rest)?;
                let (rest, destination_addr) = c_octet(b, Field::DestinationAddr, rest)?;
                let (rest, code) = int4(Field::ErrorStatusCode, rest)?;
                list.push(UnsuccessSme {
                    dest_addr_ton,
                    dest_addr_npi,
                    destination_addr,
                    error_status_code: CommandStatus(code),
                });
                i = rest;
            }
            let (_, tlvs) = tlvs(b, i)?;
            Ok(SubmitMultiResp {
                message_id,
                unsuccess_smes: List::from_checked(list),
                tlvs,
            })
        })())
    }
}

impl Encode for SubmitMultiResp {
    fn encoded_len(&self) -> usize {
        1 + len_all!(self.message_id, self.tlvs)
            + self
                .unsuccess_smes
                .iter()
                .map(|u| 6 + u.destination_addr.wire_len())
                .sum::<usize>()
    }
    fn encode(&self, dst: &mut BytesMut) {
        self.message_id.encode(dst);
        dst.put_u8(u8::try_from(self.unsuccess_smes.len()).unwrap_or(u8::MAX));
        for u in self.unsuccess_smes.iter() {
            encode_all!(dst; u.dest_addr_ton, u.dest_addr_npi, u.destination_addr, u.error_status_code.0);
        }
        self.tlvs.encode(dst);
    }
}
