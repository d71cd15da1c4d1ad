//! data_sm, submit_multi, query_sm, cancel_sm and replace_sm through a real session, and
//! that query/cancel/replace reach only the bound account's own messages.

mod server_support;

use bytes::Bytes;
use server_support::*;
use smppd::pdu::{
    decode_pdu, Body, CancelSm, CommandStatus, DataSm, DestAddress, List, MessageState, Pdu,
    QuerySm, ReplaceSm, SmppTime, SubmitMulti, SubmitSm, Tlv,
};
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;

async fn call(s: &mut TcpStream, seq: u32, body: Body) -> Pdu {
    s.write_all(&Pdu::new(seq, body).to_bytes()).await.unwrap();
    let r = read_pdu(s).await;
    let frame = pdu(r.command_id, r.status, r.seq, &r.body);
    let p = decode_pdu(Bytes::from(frame)).expect("smppd sent a PDU that decodes");
    assert_eq!(
        p.sequence_number, seq,
        "response echoes the request's sequence_number"
    );
    p
}

async fn submit(s: &mut TcpStream, seq: u32, text: &[u8]) -> String {
    s.write_all(&submit_pdu(seq, "8613800138000", text))
        .await
        .unwrap();
    let r = read_pdu(s).await;
    assert_eq!((r.command_id, r.status), (SUBMIT_SM | RESP, 0));
    r.first_cstr()
}

fn query(id: &str) -> Body {
    Body::QuerySm(QuerySm {
        message_id: id.parse().unwrap(),
        ..Default::default()
    })
}

#[tokio::test]
async fn data_sm_and_submit_multi_are_accepted_on_a_transmitter() {
    let srv = start().await;
    let mut s = bound(srv.addr, BIND_TRANSMITTER, "demo", "demo").await;
    let mut d = DataSm {
        destination_addr: "8613800138000".parse().unwrap(),
        ..Default::default()
    };
    d.tlvs.push(Tlv::MessagePayload(
        b"payload text".as_slice().try_into().unwrap(),
    ));
    let r = call(&mut s, 2, Body::DataSm(Box::new(d))).await;
    assert_eq!(r.command_status, CommandStatus::ESME_ROK);
    let Body::DataSmResp(resp) = r.body else {
        panic!("{r:?}")
    };
    assert_eq!(resp.message_id.as_str().unwrap().len(), 16);

    let m = SubmitMulti {
        dest_addresses: List::new(vec![DestAddress::SmeAddress {
            dest_addr_ton: 1,
            dest_addr_npi: 1,
            destination_addr: "8613800138000".parse().unwrap(),
        }])
        .unwrap(),
        short_message: b"multi".as_slice().try_into().unwrap(),
        ..Default::default()
    };
    let r = call(&mut s, 3, Body::SubmitMulti(Box::new(m))).await;
    assert_eq!(r.command_status, CommandStatus::ESME_ROK);
    assert!(matches!(r.body, Body::SubmitMultiResp(_)));
    let payloads: Vec<Vec<u8>> = srv
        .gateway
        .accepted()
        .into_iter()
        .map(|(_, m)| m.payload)
        .collect();
    assert_eq!(payloads, vec![b"payload text".to_vec(), b"multi".to_vec()]);
}

#[tokio::test]
async fn query_cancel_replace_reach_only_the_accounts_own_messages() {
    let srv = start().await;
    let mut demo = bound(srv.addr, BIND_TRANSCEIVER, "demo", "demo").await;
    let mut other = bound(srv.addr, BIND_TRANSMITTER, "other", "other").await;
    let id = submit(&mut demo, 2, b"mine").await;

    let r = call(&mut demo, 3, query(&id)).await;
    assert_eq!(r.command_status, CommandStatus::ESME_ROK);
    let Body::QuerySmResp(q) = r.body else {
        panic!("{r:?}")
    };
    assert_eq!(
        (q.message_id.as_str(), q.message_state),
        (Some(id.as_str()), MessageState::ENROUTE)
    );

    // Another account sees the id as if it did not exist.
    let r = call(&mut other, 4, query(&id)).await;
    assert_eq!(r.command_status, CommandStatus::ESME_RQUERYFAIL);
    let cancel = |id: &str| {
        Body::CancelSm(CancelSm {
            message_id: id.parse().unwrap(),
            ..Default::default()
        })
    };
    let r = call(&mut other, 5, cancel(&id)).await;
    assert_eq!(r.command_status, CommandStatus::ESME_RCANCELFAIL);
    let replace = Body::ReplaceSm(Box::new(ReplaceSm {
        message_id: id.parse().unwrap(),
        short_message: b"hijack".as_slice().try_into().unwrap(),
        ..Default::default()
    }));
    let r = call(&mut other, 6, replace.clone()).await;
    assert_eq!(r.command_status, CommandStatus::ESME_RREPLACEFAIL);

    // The owner can replace and cancel it.
    let r = call(&mut demo, 7, replace).await;
    assert_eq!(
        (r.command_status, r.body),
        (CommandStatus::ESME_ROK, Body::ReplaceSmResp)
    );
    let r = call(&mut demo, 8, cancel(&id)).await;
    assert_eq!(
        (r.command_status, r.body),
        (CommandStatus::ESME_ROK, Body::CancelSmResp)
    );
    let r = call(&mut demo, 9, query(&id)).await;
    let Body::QuerySmResp(q) = r.body else {
        panic!("{r:?}")
    };
    assert_eq!(q.message_state, MessageState::DELETED);

    // An id smppd never issued: ESME_RINVMSGID.
    let r = call(&mut demo, 10, query("not-an-id")).await;
    assert_eq!(r.command_status, CommandStatus::ESME_RINVMSGID);
}

#[tokio::test]
async fn invalid_or_ambiguous_submit_fields_are_refused_before_the_gateway() {
    let srv = start().await;
    let mut s = bound(srv.addr, BIND_TRANSMITTER, "demo", "demo").await;
    let base = || SubmitSm {
        destination_addr: "8613800138000".parse().unwrap(),
        short_message: b"checked text".as_slice().try_into().unwrap(),
        ..Default::default()
    };
    let payload = |t: &[u8]| Tlv::MessagePayload(t.try_into().unwrap());
    let cases: Vec<(&str, SubmitSm, CommandStatus)> = vec![
        // §5.3.2.32: the policy would judge one text, a carrier could deliver the other.
        (
            "short_message and message_payload",
            {
                let mut p = base();
                p.tlvs.push(payload(b"unchecked text"));
                p
            },
            CommandStatus::ESME_RINVMSGLEN,
        ),
        (
            "two message_payloads",
            {
                let mut p = base();
                p.short_message = Default::default();
                p.tlvs.push(payload(b"checked text"));
                p.tlvs.push(payload(b"unchecked text"));
                p
            },
            CommandStatus::ESME_RINVOPTPARSTREAM,
        ),
        // §5.2.20: a canned message smppd does not have (and the policy never saw).
        (
            "sm_default_msg_id",
            SubmitSm {
                sm_default_msg_id: 3,
                ..base()
            },
            CommandStatus::ESME_RINVDFTMSGID,
        ),
        // §7.1.1: month 13 (the codec only checks the shape).
        (
            "schedule_delivery_time",
            SubmitSm {
                schedule_delivery_time: SmppTime::new("261331000000000+").unwrap(),
                ..base()
            },
            CommandStatus::ESME_RINVSCHED,
        ),
        // §5.2.12: message type 0x04 is the SMSC's delivery receipt.
        (
            "esm_class receipt",
            SubmitSm {
                esm_class: 0x04,
                ..base()
            },
            CommandStatus::ESME_RINVESMCLASS,
        ),
    ];
    for (seq, (what, p, status)) in (2u32..).zip(cases) {
        let r = call(&mut s, seq, Body::SubmitSm(Box::new(p))).await;
        assert_eq!(r.command_status, status, "{what}");
    }
    assert!(
        srv.gateway.accepted().is_empty(),
        "nothing reached the gateway"
    );
    // Reserved values are read as their defaults (message type 0x0C as 0x00, the messaging
    // mode kept; priority 9 as 0) and the message goes on.
    let reserved = SubmitSm {
        esm_class: 0x0C | 0x01,
        priority_flag: 9,
        ..base()
    };
    let r = call(&mut s, 20, Body::SubmitSm(Box::new(reserved))).await;
    assert_eq!(r.command_status, CommandStatus::ESME_ROK);
    assert_eq!(srv.gateway.accepted()[0].1.esm_class, 0x01);
}

#[tokio::test]
async fn sar_tlvs_come_as_a_valid_set_of_three() {
    // §5.3.2.22–24: every segment carries sar_msg_ref_num, sar_total_segments and
    // sar_segment_seqnum. With one missing, smppd would judge each part as a message of its
    // own while the carrier (which is sent the TLVs) could still join them into one.
    let srv = start().await;
    let mut s = bound(srv.addr, BIND_TRANSMITTER, "demo", "demo").await;
    let part = |tlvs: Vec<Tlv>| {
        let mut p = SubmitSm {
            destination_addr: "8613800138000".parse().unwrap(),
            short_message: b"part".as_slice().try_into().unwrap(),
            ..Default::default()
        };
        for t in tlvs {
            p.tlvs.push(t);
        }
        Body::SubmitSm(Box::new(p))
    };
    let cases = [
        (
            "no sar_msg_ref_num",
            vec![Tlv::SarTotalSegments(2), Tlv::SarSegmentSeqnum(1)],
            CommandStatus::ESME_RMISSINGOPTPARAM,
        ),
        (
            "seqnum above total",
            vec![
                Tlv::SarMsgRefNum(7),
                Tlv::SarTotalSegments(2),
                Tlv::SarSegmentSeqnum(3),
            ],
            CommandStatus::ESME_RINVOPTPARAMVAL,
        ),
        (
            "total 0",
            vec![
                Tlv::SarMsgRefNum(7),
                Tlv::SarTotalSegments(0),
                Tlv::SarSegmentSeqnum(0),
            ],
            CommandStatus::ESME_RINVOPTPARAMVAL,
        ),
    ];
    for (seq, (what, tlvs, status)) in (2u32..).zip(cases) {
        let r = call(&mut s, seq, part(tlvs)).await;
        assert_eq!(r.command_status, status, "{what}");
    }
    // A UDH concatenation element and sar_* TLVs on one segment: smppd reads the UDH (here
    // "1 of 1", a message of its own), a carrier could join it by the TLVs.
    let Body::SubmitSm(mut both) = part(vec![
        Tlv::SarMsgRefNum(7),
        Tlv::SarTotalSegments(2),
        Tlv::SarSegmentSeqnum(1),
    ]) else {
        unreachable!()
    };
    both.esm_class = 0x40;
    both.short_message = b"\x05\x00\x03\x07\x01\x01part"
        .as_slice()
        .try_into()
        .unwrap();
    let r = call(&mut s, 10, Body::SubmitSm(both)).await;
    assert_eq!(r.command_status, CommandStatus::ESME_ROPTPARNOTALLWD);
    assert!(srv.gateway.accepted().is_empty());
}
