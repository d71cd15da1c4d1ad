//! PDUs are handled the same however TCP cuts them: a submit in the same write as the bind,
//! several PDUs in one write, one PDU split over many writes; corrupt frames and lost framing.

mod server_support;

use std::time::Duration;

use server_support::*;
use tokio::io::AsyncWriteExt;

#[tokio::test]
async fn a_submit_in_the_same_write_as_the_bind_is_processed_after_it() {
    let srv = start().await;
    let mut s = connect(srv.addr).await;
    let mut bytes = bind_pdu(BIND_TRANSMITTER, 1, "demo", "demo");
    bytes.extend(submit_pdu(2, "8613800138000", b"right behind the bind"));
    s.write_all(&bytes).await.unwrap();
    let bind = read_pdu(&mut s).await;
    assert_eq!(
        (bind.command_id, bind.status, bind.seq),
        (BIND_TRANSMITTER | RESP, 0, 1)
    );
    let sub = read_pdu(&mut s).await;
    assert_eq!(
        (sub.command_id, sub.status, sub.seq),
        (SUBMIT_SM | RESP, 0, 2)
    );
    assert_eq!(sub.first_cstr().len(), 16);
    let accepted = srv.gateway.accepted();
    assert_eq!(accepted.len(), 1);
    assert_eq!(accepted[0].1.payload, b"right behind the bind");
    assert_eq!(accepted[0].0.to_string(), sub.first_cstr());
}

#[tokio::test]
async fn several_pdus_in_one_write_are_all_answered() {
    let srv = start().await;
    let mut s = bound(srv.addr, BIND_TRANSCEIVER, "demo", "demo").await;
    let mut bytes = Vec::new();
    bytes.extend(submit_pdu(10, "8613800138000", b"one"));
    bytes.extend(pdu(ENQUIRE_LINK, 0, 11, b""));
    bytes.extend(submit_pdu(12, "8613800138001", b"two"));
    bytes.extend(submit_pdu(13, "8613800138002", b"three"));
    s.write_all(&bytes).await.unwrap();
    let mut got = vec![];
    for _ in 0..4 {
        let r = read_pdu(&mut s).await;
        assert_eq!(r.status, 0);
        got.push((r.command_id, r.seq));
    }
    got.sort_by_key(|g| g.1);
    assert_eq!(
        got,
        vec![
            (SUBMIT_SM | RESP, 10),
            (ENQUIRE_LINK | RESP, 11),
            (SUBMIT_SM | RESP, 12),
            (SUBMIT_SM | RESP, 13)
        ]
    );
    let texts: Vec<Vec<u8>> = srv
        .gateway
        .accepted()
        .into_iter()
        .map(|(_, m)| m.payload)
        .collect();
    assert_eq!(
        texts,
        vec![b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]
    );
}

#[tokio::test]
async fn one_pdu_split_over_many_writes_is_reassembled() {
    let srv = start().await;
    let mut s = connect(srv.addr).await;
    let mut bytes = bind_pdu(BIND_TRANSMITTER, 1, "demo", "demo");
    bytes.extend(submit_pdu(2, "8613800138000", b"byte by byte"));
    for b in bytes {
        s.write_all(&[b]).await.unwrap();
        s.flush().await.unwrap();
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    assert_eq!(read_pdu(&mut s).await.status, 0);
    let sub = read_pdu(&mut s).await;
    assert_eq!(
        (sub.command_id, sub.status, sub.seq),
        (SUBMIT_SM | RESP, 0, 2)
    );
    assert_eq!(srv.gateway.accepted()[0].1.payload, b"byte by byte");
}

#[tokio::test]
async fn a_corrupt_body_gets_generic_nack_and_the_session_continues() {
    let srv = start().await;
    let mut s = bound(srv.addr, BIND_TRANSMITTER, "demo", "demo").await;
    // A submit_sm whose body stops in the middle of source_addr.
    s.write_all(&pdu(SUBMIT_SM, 0, 5, b"\0\x05\x00smp"))
        .await
        .unwrap();
    let r = read_pdu(&mut s).await;
    assert_eq!((r.command_id, r.seq), (GENERIC_NACK, 5));
    assert_ne!(r.status, 0);
    // Same connection, next PDU works.
    s.write_all(&submit_pdu(6, "8613800138000", b"fine"))
        .await
        .unwrap();
    let r = read_pdu(&mut s).await;
    assert_eq!((r.command_id, r.status, r.seq), (SUBMIT_SM | RESP, 0, 6));
}

#[tokio::test]
async fn an_unknown_command_gets_generic_nack_invcmdid() {
    let srv = start().await;
    let mut s = bound(srv.addr, BIND_TRANSMITTER, "demo", "demo").await;
    s.write_all(&pdu(0x0000_0111, 0, 8, b"")).await.unwrap();
    let r = read_pdu(&mut s).await;
    assert_eq!((r.command_id, r.status, r.seq), (GENERIC_NACK, 0x03, 8));
}

#[tokio::test]
async fn lost_framing_gets_generic_nack_invcmdlen_and_a_clean_close() {
    let srv = start().await;
    let mut s = bound(srv.addr, BIND_TRANSMITTER, "demo", "demo").await;
    // command_length 8 (< 16): the stream cannot be trusted any more.
    s.write_all(&[0, 0, 0, 8, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 9])
        .await
        .unwrap();
    let r = read_pdu(&mut s).await;
    assert_eq!((r.command_id, r.status), (GENERIC_NACK, 0x02));
    assert!(closed_within(&mut s, Duration::from_secs(2)).await);
    // And a giant command_length is refused before any buffer grows for it.
    let mut s = bound(srv.addr, BIND_TRANSMITTER, "demo", "demo").await;
    s.write_all(&[0x7f, 0xff, 0xff, 0xff, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 9])
        .await
        .unwrap();
    let r = read_pdu(&mut s).await;
    assert_eq!((r.command_id, r.status, r.seq), (GENERIC_NACK, 0x02, 9));
    assert!(closed_within(&mut s, Duration::from_secs(2)).await);
    assert_eq!(
        srv.registry.bind_count("demo"),
        0,
        "closed sessions free their slots"
    );
}

#[tokio::test]
async fn wrong_state_and_error_budget() {
    let srv = start_with(
        "[server]\nlisten=[\"127.0.0.1:0\"]\nerror_budget = 3\n[server.auth]\nbinds_per_second = 1000.0\n",
    )
    .await;
    let mut s = connect(srv.addr).await;
    // Unbind before any bind: ESME_RINVBNDSTS in unbind_resp.
    s.write_all(&pdu(UNBIND, 0, 3, b"")).await.unwrap();
    let r = read_pdu(&mut s).await;
    assert_eq!((r.command_id, r.status, r.seq), (UNBIND | RESP, 0x04, 3));
    // A client that keeps sending garbage is cut off once its budget is spent.
    for seq in 4..8 {
        s.write_all(&pdu(0x0000_0111, 0, seq, b"")).await.unwrap();
    }
    assert!(closed_within(&mut s, Duration::from_secs(2)).await);
}

/// submit_sm body bytes with a chosen source_addr and raw TLV octets after short_message.
fn submit_body(source: &str, text: &[u8], tlvs: &[u8]) -> Vec<u8> {
    let mut b = vec![0]; // service_type
    b.extend_from_slice(&[5, 0]);
    b.extend_from_slice(source.as_bytes());
    b.push(0);
    b.extend_from_slice(&[1, 1]);
    b.extend_from_slice(b"8613800138000\0");
    b.extend_from_slice(&[0, 0, 0, 0, 0]); // esm_class, protocol_id, priority, two NULL times
    b.extend_from_slice(&[1, 0, 0, 0, text.len() as u8]);
    b.extend_from_slice(text);
    b.extend_from_slice(tlvs);
    b
}

#[tokio::test]
async fn a_bad_field_gets_its_own_resp_with_the_fields_status_not_generic_nack() {
    // SMPP 3.4 §4.3.1: generic_nack is for an unusable header (unknown command_id, bad
    // command_length); a known request with a wrong field gets its own _resp (§5.1.3).
    let srv = start().await;
    let mut s = connect(srv.addr).await;
    // system_id of 20 characters (max C(16)): bind_transmitter_resp ESME_RINVSYSID.
    let mut bind = Vec::new();
    bind.extend_from_slice(&[b'a'; 20]);
    bind.extend_from_slice(b"\0demo\0\0\x34\0\0\0");
    s.write_all(&pdu(BIND_TRANSMITTER, 0, 1, &bind))
        .await
        .unwrap();
    let r = read_pdu(&mut s).await;
    assert_eq!(
        (r.command_id, r.status, r.seq),
        (BIND_TRANSMITTER | RESP, 0x0F, 1)
    );
    // Still OPEN: a good bind on the same connection works.
    s.write_all(&bind_pdu(BIND_TRANSMITTER, 2, "demo", "demo"))
        .await
        .unwrap();
    let r = read_pdu(&mut s).await;
    assert_eq!(
        (r.command_id, r.status, r.seq),
        (BIND_TRANSMITTER | RESP, 0, 2)
    );

    let cases: [(&str, Vec<u8>, u32); 4] = [
        // source_addr of 25 digits (max C(21)): ESME_RINVSRCADR.
        ("source_addr", submit_body(&"1".repeat(25), b"x", &[]), 0x0A),
        // sm_length 200 with 1 octet of message: ESME_RINVMSGLEN.
        (
            "sm_length",
            {
                let mut b = submit_body("smppd", b"x", &[]);
                let at = b.len() - 2;
                b[at] = 200;
                b
            },
            0x01,
        ),
        // sar_msg_ref_num (2 octets) sent with length 3: ESME_RINVPARLEN.
        (
            "tlv length",
            submit_body("smppd", b"x", &[0x02, 0x0C, 0, 3, 0, 1, 2]),
            0xC2,
        ),
        // A TLV whose length runs past the body: ESME_RINVOPTPARSTREAM.
        (
            "tlv stream",
            submit_body("smppd", b"x", &[0x02, 0x0C, 0, 9, 0, 1]),
            0xC0,
        ),
    ];
    for (seq, (what, body, status)) in (10u32..).zip(cases) {
        s.write_all(&pdu(SUBMIT_SM, 0, seq, &body)).await.unwrap();
        let r = read_pdu(&mut s).await;
        assert_eq!(
            (r.command_id, r.status, r.seq),
            (SUBMIT_SM | RESP, status, seq),
            "{what}"
        );
        assert!(
            r.body.is_empty(),
            "{what}: error submit_sm_resp has no body"
        );
    }
    s.write_all(&submit_pdu(20, "8613800138000", b"fine"))
        .await
        .unwrap();
    let r = read_pdu(&mut s).await;
    assert_eq!((r.command_id, r.status, r.seq), (SUBMIT_SM | RESP, 0, 20));
}
