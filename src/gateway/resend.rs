//! Turning a stored [`ResendPayload`] back into the `submit_sm` it came from, so a message
//! can be sent (again) after a restart. The TLVs are stored as their wire octets; the codec
//! reads them back, so no TLV is re-typed by hand here.

use bytes::{BufMut, Bytes, BytesMut};

use crate::pdu::{decode_pdu, Body, COctetString, Pdu, ShortMessage, SmppTime, SubmitSm};
use crate::store::ResendPayload;

/// A stored payload no longer forms a valid submit_sm (a corrupted or hand-edited store).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("stored message cannot be rebuilt: {0}")]
pub struct ResendError(String);

/// The submit_sm a payload describes (TLVs included, in their original order).
pub fn submit_sm(p: &ResendPayload) -> Result<SubmitSm, ResendError> {
    let bad = |e: crate::pdu::FieldValueError| ResendError(e.to_string());
    let fields = SubmitSm {
        service_type: COctetString::new(Bytes::from(p.service_type.clone())).map_err(bad)?,
        source_addr_ton: p.source.ton,
        source_addr_npi: p.source.npi,
        source_addr: COctetString::new(Bytes::from(p.source.addr.clone())).map_err(bad)?,
        dest_addr_ton: p.destination.ton,
        dest_addr_npi: p.destination.npi,
        destination_addr: COctetString::new(Bytes::from(p.destination.addr.clone()))
            .map_err(bad)?,
        esm_class: p.esm_class,
        protocol_id: p.protocol_id,
        priority_flag: p.priority_flag,
        schedule_delivery_time: SmppTime::new(&p.schedule_delivery_time).map_err(bad)?,
        validity_period: SmppTime::new(&p.validity_period).map_err(bad)?,
        registered_delivery: p.registered_delivery,
        replace_if_present_flag: p.replace_if_present_flag,
        data_coding: p.data_coding,
        sm_default_msg_id: p.sm_default_msg_id,
        short_message: ShortMessage::new(Bytes::from(p.short_message.clone())).map_err(bad)?,
        tlvs: Default::default(),
    };
    if p.tlvs.is_empty() {
        return Ok(fields);
    }
    // Append the stored TLV octets to the encoded body and let the codec read them.
    let mut buf = BytesMut::new();
    Pdu::new(0, Body::SubmitSm(Box::new(fields))).encode(&mut buf);
    buf.put_slice(&p.tlvs);
    let len = u32::try_from(buf.len()).map_err(|_| ResendError("too long".into()))?;
    buf[..4].copy_from_slice(&len.to_be_bytes());
    match decode_pdu(buf.freeze())
        .map_err(|e| ResendError(e.to_string()))?
        .body
    {
        Body::SubmitSm(sm) => Ok(*sm),
        _ => Err(ResendError("not a submit_sm".into())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gateway::inbound;
    use crate::pdu::Tlv;
    use std::time::SystemTime;

    #[test]
    fn stored_payload_rebuilds_the_original_submit() {
        let mut sm = SubmitSm {
            source_addr: "106900".parse().unwrap(),
            destination_addr: "13800138000".parse().unwrap(),
            data_coding: 8,
            registered_delivery: 1,
            short_message: ShortMessage::new(Bytes::from_static(&[0x4F, 0x60, 0x59, 0x7D]))
                .unwrap(),
            ..SubmitSm::default()
        };
        sm.tlvs.push(Tlv::UserMessageReference(42));
        sm.tlvs.push(Tlv::Raw {
            tag: crate::pdu::TlvTag(0x1401),
            value: crate::pdu::OctetString::new(Bytes::from_static(b"x")).unwrap(),
        });
        let read = inbound::from_submit_sm(&sm, SystemTime::now()).unwrap();
        assert_eq!(read.text, "你好");
        assert_eq!(submit_sm(&read.payload).unwrap(), sm);
    }
}
