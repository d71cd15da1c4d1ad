//! data_sm (SMPP 3.4 §4.7): the transaction-oriented alternative to submit_sm/deliver_sm,
//! with the payload in the message_payload TLV.

use bytes::{Bytes, BytesMut};
use serde::{Deserialize, Serialize};

use super::error::{Field, PduErrorKind};
use super::tlv::{tlvs, Tlvs};
use super::types::COctetString;
use super::wire::{c_octet, encode_all, finish, int1, len_all, Encode, In};

/// data_sm (SMPP 3.4 §4.7.1). Addresses are C(65) here, unlike submit_sm's C(21).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DataSm {
    /// service_type, C(6).
    pub service_type: COctetString<6>,
    /// source_addr_ton.
    pub source_addr_ton: u8,
    /// source_addr_npi.
    pub source_addr_npi: u8,
    /// source_addr, C(65).
    pub source_addr: COctetString<65>,
    /// dest_addr_ton.
    pub dest_addr_ton: u8,
    /// dest_addr_npi.
    pub dest_addr_npi: u8,
    /// destination_addr, C(65).
    pub destination_addr: COctetString<65>,
    /// esm_class.
    pub esm_class: u8,
    /// registered_delivery.
    pub registered_delivery: u8,
    /// data_coding.
    pub data_coding: u8,
    /// TLVs (message_payload carries the message).
    pub tlvs: Tlvs,
}

impl DataSm {
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
            let (i, registered_delivery) = int1(Field::RegisteredDelivery, i)?;
            let (i, data_coding) = int1(Field::DataCoding, i)?;
            let (_, tlvs) = tlvs(b, i)?;
            Ok(DataSm {
                service_type,
                source_addr_ton,
                source_addr_npi,
                source_addr,
                dest_addr_ton,
                dest_addr_npi,
                destination_addr,
                esm_class,
                registered_delivery,
                data_coding,
                tlvs,
            })
        })())
    }
}

impl Encode for DataSm {
    fn encoded_len(&self) -> usize {
        len_all!(
            self.service_type,
            self.source_addr_ton,
            self.source_addr_npi,
            self.source_addr,
            self.dest_addr_ton,
            self.dest_addr_npi,
            self.destination_addr,
            self.esm_class,
            self.registered_delivery,
            self.data_coding,
            self.tlvs,
        )
    }
    fn encode(&self, dst: &mut BytesMut) {
        encode_all!(dst;
            self.service_type, self.source_addr_ton, self.source_addr_npi, self.source_addr,
            self.dest_addr_ton, self.dest_addr_npi, self.destination_addr, self.esm_class,
            self.registered_delivery, self.data_coding, self.tlvs,
        );
    }
}
