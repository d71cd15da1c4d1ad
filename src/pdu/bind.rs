//! bind_transmitter / bind_receiver / bind_transceiver, their responses, and outbind
//! (SMPP 3.4 §4.1).

use std::fmt;

use bytes::{Bytes, BytesMut};
use serde::{Deserialize, Serialize};

use super::error::{Field, PduErrorKind};
use super::tlv::{tlvs, Tlvs};
use super::types::COctetString;
use super::wire::{c_octet, encode_all, end, finish, int1, len_all, Encode, In};

/// The body shared by the three bind requests (SMPP 3.4 §4.1.1).
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Bind {
    /// system_id, C(16): the ESME's account name.
    pub system_id: COctetString<16>,
    /// password, C(9).
    pub password: COctetString<9>,
    /// system_type, C(13).
    pub system_type: COctetString<13>,
    /// interface_version: 0x34 for SMPP 3.4, 0x33 and lower for 3.3.
    pub interface_version: u8,
    /// addr_ton of the served address range.
    pub addr_ton: u8,
    /// addr_npi of the served address range.
    pub addr_npi: u8,
    /// address_range, C(41): a regular expression, usually NULL.
    pub address_range: COctetString<41>,
}

/// Passwords never reach logs (style habit 13).
impl fmt::Debug for Bind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Bind")
            .field("system_id", &self.system_id)
            .field("password", &"<redacted>")
            .field("system_type", &self.system_type)
            .field(
                "interface_version",
                &format_args!("0x{:02X}", self.interface_version),
            )
            .field("addr_ton", &self.addr_ton)
            .field("addr_npi", &self.addr_npi)
            .field("address_range", &self.address_range)
            .finish()
    }
}

impl Bind {
    pub(crate) fn decode(b: &Bytes, body: In<'_>) -> Result<Self, PduErrorKind> {
        finish((|| {
            let i = body;
            let (i, system_id) = c_octet(b, Field::SystemId, i)?;
            let (i, password) = c_octet(b, Field::Password, i)?;
            let (i, system_type) = c_octet(b, Field::SystemType, i)?;
            let (i, interface_version) = int1(Field::InterfaceVersion, i)?;
            let (i, addr_ton) = int1(Field::AddrTon, i)?;
            let (i, addr_npi) = int1(Field::AddrNpi, i)?;
            let (i, address_range) = c_octet(b, Field::AddressRange, i)?;
            end(i)?;
            Ok(Bind {
                system_id,
                password,
                system_type,
                interface_version,
                addr_ton,
                addr_npi,
                address_range,
            })
        })())
    }
}

impl Encode for Bind {
    fn encoded_len(&self) -> usize {
        len_all!(
            self.system_id,
            self.password,
            self.system_type,
            self.interface_version,
            self.addr_ton,
            self.addr_npi,
            self.address_range
        )
    }
    fn encode(&self, dst: &mut BytesMut) {
        encode_all!(dst; self.system_id, self.password, self.system_type, self.interface_version, self.addr_ton, self.addr_npi, self.address_range);
    }
}

/// bind_*_resp (SMPP 3.4 §4.1.2): the SMSC's system_id and optionally sc_interface_version.
/// On error the body may be absent; it then decodes as the default value.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BindResp {
    /// system_id, C(16): the SMSC's id.
    pub system_id: COctetString<16>,
    /// TLVs (normally only sc_interface_version).
    pub tlvs: Tlvs,
}

impl BindResp {
    pub(crate) fn decode(b: &Bytes, body: In<'_>) -> Result<Self, PduErrorKind> {
        if body.is_empty() {
            return Ok(BindResp::default());
        }
        finish((|| {
            let (i, system_id) = c_octet(b, Field::SystemId, body)?;
            let (_, tlvs) = tlvs(b, i)?;
            Ok(BindResp { system_id, tlvs })
        })())
    }
}

impl Encode for BindResp {
    fn encoded_len(&self) -> usize {
        len_all!(self.system_id, self.tlvs)
    }
    fn encode(&self, dst: &mut BytesMut) {
        encode_all!(dst; self.system_id, self.tlvs);
    }
}

/// outbind (SMPP 3.4 §4.1.7): the SMSC asks the ESME to bind as receiver.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Outbind {
    /// system_id, C(16): the SMSC's id.
    pub system_id: COctetString<16>,
    /// password, C(9).
    pub password: COctetString<9>,
}

impl fmt::Debug for Outbind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Outbind")
            .field("system_id", &self.system_id)
            .field("password", &"<redacted>")
            .finish()
    }
}

impl Outbind {
    pub(crate) fn decode(b: &Bytes, body: In<'_>) -> Result<Self, PduErrorKind> {
        finish((|| {
            let (i, system_id) = c_octet(b, Field::SystemId, body)?;
            let (i, password) = c_octet(b, Field::Password, i)?;
            end(i)?;
            Ok(Outbind {
                system_id,
                password,
            })
        })())
    }
}

impl Encode for Outbind {
    fn encoded_len(&self) -> usize {
        len_all!(self.system_id, self.password)
    }
    fn encode(&self, dst: &mut BytesMut) {
        encode_all!(dst; self.system_id, self.password);
    }
}
