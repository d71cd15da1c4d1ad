//! Interop with python `smpplib` (a third-party client): binds of each type, GSM-7, UCS-2
//! Chinese and concatenated submits, a receipt on a separate receiver bind, enquire_link,
//! query_sm, unbind; and the negative cases, each with its documented status.

mod server_support;

use std::process::Stdio;
use std::time::Duration;

use server_support::*;

fn smpplib_available() -> bool {
    tool_available(
        "python3 with smpplib",
        std::process::Command::new("python3").args(["-c", "import smpplib"]),
    )
}

fn spawn_client(scenario: &str, srv: &TestServer) -> tokio::process::Child {
    tokio::process::Command::new("python3")
        .arg(interop_dir().join("smpplib_client.py"))
        .args([scenario, "127.0.0.1", &srv.addr.port().to_string()])
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("start python3")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smpplib_binds_submits_and_receives_a_receipt_on_a_separate_receiver() {
    if !smpplib_available() {
        return;
    }
    let srv = start().await;
    let mut child = spawn_client("flow", &srv);
    let mut lines = ClientLines::of(&mut child);
    lines.ready().await;

    // What the gateway accepted: GSM-7, UCS-2 Chinese, two concatenated parts, the TRX one.
    let accepted = srv.gateway.accepted();
    assert_eq!(accepted.len(), 5, "{accepted:?}");
    let (gsm_id, gsm) = &accepted[0];
    assert_eq!(gsm.data_coding, 0);
    assert_eq!(gsm.payload, b"Hello from smpplib \x00 \x1b(1\x1b) \x1be5");
    let (_, ucs2) = &accepted[1];
    assert_eq!(ucs2.data_coding, 8);
    assert_eq!(
        ucs2_text(&ucs2.payload),
        "【测试】您的验证码是123456，5分钟内有效。"
    );
    for (_, part) in &accepted[2..4] {
        assert_eq!(part.esm_class & 0x40, 0x40, "UDHI set on each part");
        assert_eq!(&part.payload[..3], &[0x05, 0x00, 0x03], "8-bit concat UDH");
    }
    assert_eq!(accepted[2].1.payload[4], 2, "two parts");

    // The receipt goes to the receiver bind, not the transmitter that submitted (the
    // transceiver has unbound by now, so the receiver is the only candidate).
    assert_eq!(srv.registry.receiver_count("demo"), 1);
    let r = srv
        .registry
        .deliver("demo", receipt_for(&gsm_id.to_string()))
        .await;
    assert_eq!(r, Ok(()), "acknowledged with deliver_sm_resp");

    let r = lines.result(Duration::from_secs(20)).await;
    assert_eq!(child.wait().await.unwrap().code(), Some(0));

    assert_eq!(r["bind_receiver"], 0);
    assert_eq!(r["bind_transmitter"], 0);
    assert_eq!(r["bind_transceiver"], 0);
    for key in ["gsm7", "ucs2", "long", "trx_submit"] {
        for s in r[key].as_array().unwrap() {
            assert_eq!(s["command"], "submit_sm_resp");
            assert_eq!(s["status"], 0);
            let id = s["message_id"].as_str().unwrap();
            assert_eq!(id.len(), 16, "smppd ids are 16 hex digits: {id}");
        }
    }
    assert_eq!(r["gsm7"][0]["message_id"], gsm_id.to_string());
    assert_eq!(r["enquire_link"]["command"], "enquire_link_resp");
    assert_eq!(r["query_sm"]["status"], 0);
    assert_eq!(r["query_sm"]["message_state"], 1, "ENROUTE");
    let receipt = &r["receipt"];
    assert_eq!(receipt["esm_class"], 4);
    assert_eq!(receipt["receipted_message_id"], gsm_id.to_string());
    assert!(receipt["short_message"]
        .as_str()
        .unwrap()
        .contains("stat:DELIVRD"));
    assert_eq!(r["unbind"].as_array().unwrap().len(), 3);
    for u in r["unbind"].as_array().unwrap() {
        assert_eq!(u["command"], "unbind_resp");
        assert_eq!(u["status"], 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smpplib_sees_every_refusal_status() {
    if !smpplib_available() {
        return;
    }
    let srv = start().await;
    let mut child = spawn_client("negative", &srv);
    let mut lines = ClientLines::of(&mut child);
    // The held submits fill the window; release them once the client has seen the throttle.
    let r = lines.result(Duration::from_secs(30)).await;
    srv.gateway.release_held();
    assert_eq!(child.wait().await.unwrap().code(), Some(0));

    assert_eq!(r["bad_password"], 0x0E, "ESME_RINVPASWD");
    assert_eq!(r["unknown_system_id"], 0x0E, "same code as a bad password");
    assert_eq!(r["ip_not_allowed"], 0x0E, "same code as a bad password");
    assert_eq!(r["bind_type_not_allowed"], 0x0D, "ESME_RBINDFAIL");
    assert_eq!(r["first_single_bind"], 0);
    assert_eq!(r["too_many_binds"], 0x05, "ESME_RALYBND");
    assert_eq!(r["submit_before_bind"]["command_id"], 0x8000_0004u32);
    assert_eq!(r["submit_before_bind"]["status"], 0x04, "ESME_RINVBNDSTS");
    assert_eq!(r["bind_after_wrong_state"], 0);
    assert_eq!(r["submit_on_receiver"]["status"], 0x04, "ESME_RINVBNDSTS");
    assert_eq!(
        r["unknown_command"]["command_id"], 0x8000_0000u32,
        "generic_nack"
    );
    assert_eq!(r["unknown_command"]["status"], 0x03, "ESME_RINVCMDID");
    assert_eq!(r["unknown_command"]["sequence"], 77);
    assert_eq!(
        r["corrupt_body"]["command_id"], 0x8000_0000u32,
        "generic_nack"
    );
    assert_eq!(r["corrupt_body"]["sequence"], 91);
    assert_ne!(r["corrupt_body"]["status"], 0);
    assert_eq!(
        r["after_corrupt"]["command_id"], 0x8000_0015u32,
        "session continues"
    );
    assert_eq!(r["after_corrupt"]["sequence"], 92);
    assert_eq!(r["window_exceeded"]["command_id"], 0x8000_0004u32);
    assert_eq!(r["window_exceeded"]["status"], 0x58, "ESME_RTHROTTLED");
    assert_eq!(
        r["window_exceeded"]["sequence"],
        r["window_exceeded"]["fifth_sequence"]
    );
}
