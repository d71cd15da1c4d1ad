//! Property tests of the codec: decode(encode(pdu)) == pdu for generated PDUs of every type,
//! `encoded_len()` equals the octets written, JSON round-trips, and arbitrary or mutated
//! octets never panic the decoder or the framing codec.

use bytes::{Bytes, BytesMut};
use proptest::collection::vec;
use proptest::prelude::*;
use smppd::pdu::*;
use tokio_util::codec::Decoder;

fn c_octet<const MAX: usize>() -> impl Strategy<Value = COctetString<MAX>> {
    vec(1u8..=255, 0..MAX).prop_map(|v| COctetString::new(v).unwrap())
}

fn octets<const MAX: usize>(max: usize) -> impl Strategy<Value = OctetString<MAX>> {
    vec(any::<u8>(), 0..=max.min(MAX)).prop_map(|v| OctetString::try_from(v).unwrap())
}

fn time() -> impl Strategy<Value = SmppTime> {
    prop_oneof![
        Just(SmppTime::null()),
        ("[0-9]{15}", prop::sample::select(vec!['+', '-', 'R']))
            .prop_map(|(d, p)| SmppTime::new(&format!("{d}{p}")).unwrap()),
    ]
}

fn tlv() -> impl Strategy<Value = Tlv> {
    prop_oneof![
        c_octet::<65>().prop_map(Tlv::ReceiptedMessageId),
        any::<u8>().prop_map(|s| Tlv::MessageState(MessageState(s))),
        (any::<u8>(), any::<u16>()).prop_map(|(network_type, error_code)| Tlv::NetworkErrorCode(
            NetworkErrorCode {
                network_type,
                error_code
            }
        )),
        octets::<65535>(600).prop_map(Tlv::MessagePayload),
        any::<u16>().prop_map(Tlv::SarMsgRefNum),
        any::<u8>().prop_map(Tlv::SarTotalSegments),
        any::<u8>().prop_map(Tlv::SarSegmentSeqnum),
        any::<u16>().prop_map(Tlv::UserMessageReference),
        any::<u16>().prop_map(Tlv::SourcePort),
        any::<u32>().prop_map(Tlv::QosTimeToLive),
        c_octet::<256>().prop_map(Tlv::AdditionalStatusInfoText),
        vec(any::<u8>(), 2..=23)
            .prop_map(|v| Tlv::SourceSubaddress(OctetString::try_from(v).unwrap())),
        vec(any::<u8>(), 4..=19).prop_map(|v| Tlv::CallbackNum(OctetString::try_from(v).unwrap())),
        Just(Tlv::AlertOnMessageDelivery(())),
        any::<u8>().prop_map(Tlv::ScInterfaceVersion),
        (0x1400u16..=0x3FFF, octets::<65535>(40))
            .prop_filter("untyped tags only", |(t, _)| TlvTag(*t).name().is_none())
            .prop_map(|(t, value)| Tlv::Raw {
                tag: TlvTag(t),
                value
            }),
    ]
}

fn tlvs() -> impl Strategy<Value = Tlvs> {
    vec(tlv(), 0..5).prop_map(Tlvs::from)
}

prop_compose! {
    fn submit_sm()(
        service_type in c_octet(), source_addr_ton: u8, source_addr_npi: u8, source_addr in c_octet(),
        dest_addr_ton: u8, dest_addr_npi: u8, destination_addr in c_octet(), esm_class: u8,
        protocol_id: u8, priority_flag: u8, schedule_delivery_time in time(), validity_period in time(),
        (registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id) in any::<(u8, u8, u8, u8)>(),
        short_message in octets::<254>(254), tlvs in tlvs(),
    ) -> SubmitSm {
        SubmitSm { service_type, source_addr_ton, source_addr_npi, source_addr, dest_addr_ton, dest_addr_npi,
            destination_addr, esm_class, protocol_id, priority_flag, schedule_delivery_time, validity_period,
            registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id, short_message, tlvs }
    }
}

fn deliver_sm() -> impl Strategy<Value = DeliverSm> {
    submit_sm().prop_map(|s| DeliverSm {
        service_type: s.service_type,
        source_addr_ton: s.source_addr_ton,
        source_addr_npi: s.source_addr_npi,
        source_addr: s.source_addr,
        dest_addr_ton: s.dest_addr_ton,
        dest_addr_npi: s.dest_addr_npi,
        destination_addr: s.destination_addr,
        esm_class: s.esm_class,
        protocol_id: s.protocol_id,
        priority_flag: s.priority_flag,
        schedule_delivery_time: s.schedule_delivery_time,
        validity_period: s.validity_period,
        registered_delivery: s.registered_delivery,
        replace_if_present_flag: s.replace_if_present_flag,
        data_coding: s.data_coding,
        sm_default_msg_id: s.sm_default_msg_id,
        short_message: s.short_message,
        tlvs: s.tlvs,
    })
}

fn dest() -> impl Strategy<Value = DestAddress> {
    prop_oneof![
        (any::<u8>(), any::<u8>(), c_octet()).prop_map(
            |(dest_addr_ton, dest_addr_npi, destination_addr)| {
                DestAddress::SmeAddress {
                    dest_addr_ton,
                    dest_addr_npi,
                    destination_addr,
                }
            }
        ),
        c_octet().prop_map(|dl_name| DestAddress::DistributionList { dl_name }),
    ]
}

fn submit_multi() -> impl Strategy<Value = SubmitMulti> {
    (submit_sm(), vec(dest(), 1..20)).prop_map(|(s, d)| SubmitMulti {
        service_type: s.service_type,
        source_addr_ton: s.source_addr_ton,
        source_addr_npi: s.source_addr_npi,
        source_addr: s.source_addr,
        dest_addresses: List::new(d).unwrap(),
        esm_class: s.esm_class,
        protocol_id: s.protocol_id,
        priority_flag: s.priority_flag,
        schedule_delivery_time: s.schedule_delivery_time,
        validity_period: s.validity_period,
        registered_delivery: s.registered_delivery,
        replace_if_present_flag: s.replace_if_present_flag,
        data_coding: s.data_coding,
        sm_default_msg_id: s.sm_default_msg_id,
        short_message: s.short_message,
        tlvs: s.tlvs,
    })
}

prop_compose! {
    fn bind()(system_id in c_octet(), password in c_octet(), system_type in c_octet(),
              (interface_version, addr_ton, addr_npi) in any::<(u8, u8, u8)>(), address_range in c_octet()) -> Bind {
        Bind { system_id, password, system_type, interface_version, addr_ton, addr_npi, address_range }
    }
}

prop_compose! {
    fn data_sm()(s in submit_sm(), source_addr in c_octet(), destination_addr in c_octet()) -> DataSm {
        DataSm { service_type: s.service_type, source_addr_ton: s.source_addr_ton, source_addr_npi: s.source_addr_npi,
            source_addr, dest_addr_ton: s.dest_addr_ton, dest_addr_npi: s.dest_addr_npi, destination_addr,
            esm_class: s.esm_class, registered_delivery: s.registered_delivery, data_coding: s.data_coding, tlvs: s.tlvs }
    }
}

fn unsuccess() -> impl Strategy<Value = UnsuccessSme> {
    (any::<u8>(), any::<u8>(), c_octet(), any::<u32>()).prop_map(|(t, n, a, e)| UnsuccessSme {
        dest_addr_ton: t,
        dest_addr_npi: n,
        destination_addr: a,
        error_status_code: CommandStatus(e),
    })
}

fn body() -> impl Strategy<Value = Body> {
    let bind_resp =
        || (c_octet(), tlvs()).prop_map(|(system_id, tlvs)| BindResp { system_id, tlvs });
    prop_oneof![
        bind().prop_map(Body::BindTransmitter),
        bind().prop_map(Body::BindReceiver),
        bind().prop_map(Body::BindTransceiver),
        bind_resp().prop_map(Body::BindTransmitterResp),
        bind_resp().prop_map(Body::BindReceiverResp),
        bind_resp().prop_map(Body::BindTransceiverResp),
        (c_octet(), c_octet()).prop_map(|(system_id, password)| Body::Outbind(Outbind {
            system_id,
            password
        })),
        Just(Body::Unbind),
        Just(Body::UnbindResp),
        Just(Body::GenericNack),
        submit_sm().prop_map(|s| Body::SubmitSm(Box::new(s))),
        (c_octet(), tlvs())
            .prop_map(|(message_id, tlvs)| Body::SubmitSmResp(SubmitSmResp { message_id, tlvs })),
        submit_multi().prop_map(|s| Body::SubmitMulti(Box::new(s))),
        (c_octet(), vec(unsuccess(), 0..10), tlvs()).prop_map(|(message_id, u, tlvs)| {
            Body::SubmitMultiResp(SubmitMultiResp {
                message_id,
                unsuccess_smes: List::new(u).unwrap(),
                tlvs,
            })
        }),
        deliver_sm().prop_map(|s| Body::DeliverSm(Box::new(s))),
        (c_octet(), tlvs())
            .prop_map(|(message_id, tlvs)| Body::DeliverSmResp(DeliverSmResp { message_id, tlvs })),
        data_sm().prop_map(|s| Body::DataSm(Box::new(s))),
        (c_octet(), tlvs())
            .prop_map(|(message_id, tlvs)| Body::DataSmResp(DataSmResp { message_id, tlvs })),
        (c_octet(), any::<(u8, u8)>(), c_octet()).prop_map(|(message_id, (t, n), source_addr)| {
            Body::QuerySm(QuerySm {
                message_id,
                source_addr_ton: t,
                source_addr_npi: n,
                source_addr,
            })
        }),
        (c_octet(), time(), any::<(u8, u8)>()).prop_map(|(message_id, final_date, (s, e))| {
            Body::QuerySmResp(QuerySmResp {
                message_id,
                final_date,
                message_state: MessageState(s),
                error_code: e,
            })
        }),
        (submit_sm(), c_octet()).prop_map(|(s, message_id)| Body::CancelSm(CancelSm {
            service_type: s.service_type,
            message_id,
            source_addr_ton: s.source_addr_ton,
            source_addr_npi: s.source_addr_npi,
            source_addr: s.source_addr,
            dest_addr_ton: s.dest_addr_ton,
            dest_addr_npi: s.dest_addr_npi,
            destination_addr: s.destination_addr,
        })),
        Just(Body::CancelSmResp),
        (submit_sm(), c_octet()).prop_map(|(s, message_id)| Body::ReplaceSm(Box::new(ReplaceSm {
            message_id,
            source_addr_ton: s.source_addr_ton,
            source_addr_npi: s.source_addr_npi,
            source_addr: s.source_addr,
            schedule_delivery_time: s.schedule_delivery_time,
            validity_period: s.validity_period,
            registered_delivery: s.registered_delivery,
            sm_default_msg_id: s.sm_default_msg_id,
            short_message: s.short_message,
        }))),
        Just(Body::ReplaceSmResp),
        Just(Body::EnquireLink),
        Just(Body::EnquireLinkResp),
        (any::<(u8, u8, u8, u8)>(), c_octet(), c_octet(), tlvs()).prop_map(
            |((a, b, c, d), source_addr, esme_addr, tlvs)| {
                Body::AlertNotification(AlertNotification {
                    source_addr_ton: a,
                    source_addr_npi: b,
                    source_addr,
                    esme_addr_ton: c,
                    esme_addr_npi: d,
                    esme_addr,
                    tlvs,
                })
            }
        ),
    ]
}

fn pdu() -> impl Strategy<Value = Pdu> {
    (
        any::<u32>(),
        prop_oneof![3 => Just(0u32), 1 => any::<u32>()],
        body(),
    )
        .prop_map(|(sequence_number, status, body)| Pdu {
            sequence_number,
            command_status: CommandStatus(status),
            body,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn decode_of_encode_is_identity(p in pdu()) {
        let bytes = p.to_bytes();
        prop_assert_eq!(bytes.len(), p.encoded_len());
        prop_assert_eq!(&bytes[..4], &(bytes.len() as u32).to_be_bytes()[..]);
        prop_assert_eq!(decode_pdu(bytes.clone()), Ok(p.clone()));
        // Through the framing codec too.
        let mut buf = BytesMut::from(&bytes[..]);
        let out = SmppCodec::with_max_command_length(u32::MAX).decode(&mut buf).unwrap().unwrap();
        prop_assert_eq!(out, Ok(p));
        prop_assert!(buf.is_empty());
    }

    #[test]
    fn json_round_trips(p in pdu()) {
        let json = serde_json::to_string(&p).unwrap();
        let back: Pdu = serde_json::from_str(&json).unwrap();
        prop_assert_eq!(back, p);
    }

    #[test]
    fn arbitrary_bytes_never_panic(data in vec(any::<u8>(), 0..600)) {
        let _ = decode_pdu(Bytes::from(data.clone()));
        let mut buf = BytesMut::from(&data[..]);
        let mut codec = SmppCodec::new();
        while let Ok(Some(_)) = codec.decode(&mut buf) {}
    }

    #[test]
    fn arbitrary_bodies_behind_a_valid_header_never_panic(
        id in prop::sample::select(vec![1u32, 2, 3, 4, 5, 6, 7, 8, 9, 0xB, 0x15, 0x21, 0x102, 0x103]),
        resp: bool, seq: u32, body in vec(any::<u8>(), 0..400),
    ) {
        let id = if resp { id | 0x8000_0000 } else { id };
        let mut raw = BytesMut::new();
        raw.extend_from_slice(&((16 + body.len()) as u32).to_be_bytes());
        raw.extend_from_slice(&id.to_be_bytes());
        raw.extend_from_slice(&[0, 0, 0, 0]);
        raw.extend_from_slice(&seq.to_be_bytes());
        raw.extend_from_slice(&body);
        match decode_pdu(raw.freeze()) {
            // Whatever decodes must re-encode to something that decodes to the same value.
            Ok(p) => prop_assert_eq!(decode_pdu(p.to_bytes()), Ok(p)),
            Err(e) => {
                prop_assert_eq!(e.sequence_number, Some(seq));
                prop_assert_eq!(e.status, e.kind.status());
            }
        }
    }

    #[test]
    fn mutated_pdus_never_panic_and_stay_stable(p in pdu(), flips in vec((any::<prop::sample::Index>(), any::<u8>()), 1..8), cut in any::<prop::sample::Index>()) {
        let mut raw = BytesMut::from(&p.to_bytes()[..]);
        if raw.len() > 16 {
            for (at, v) in flips {
                let i = 16 + at.index(raw.len() - 16);
                raw[i] = v;
            }
        }
        let keep = 16 + cut.index(raw.len() - 15);
        raw.truncate(keep);
        let len = raw.len() as u32;
        raw[..4].copy_from_slice(&len.to_be_bytes());
        if let Ok(q) = decode_pdu(raw.freeze()) {
            prop_assert_eq!(decode_pdu(q.to_bytes()), Ok(q));
        }
    }
}
