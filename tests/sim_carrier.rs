//! The simulator seen from a raw SMPP client: binds, answers, receipts, records, failure
//! modes, and the `smppd sim` command.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use smppd::pdu::{Bind, Body, COctetString, CommandStatus, Pdu, ShortMessage, SmppCodec, SubmitSm};
use smppd::sim::{IdFormat, SimAccount, SimConfig, SimStats, Simulator, SubmitRecord};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

type Client = Framed<TcpStream, SmppCodec>;

async fn connect(addr: std::net::SocketAddr) -> Client {
    Framed::new(
        TcpStream::connect(addr).await.unwrap(),
        SmppCodec::default(),
    )
}

async fn next(c: &mut Client) -> Pdu {
    tokio::time::timeout(Duration::from_secs(5), c.next())
        .await
        .expect("no PDU within 5s")
        .unwrap()
        .unwrap()
        .unwrap()
}

async fn bind(c: &mut Client, system_id: &str, password: &str) -> CommandStatus {
    let b = Bind {
        system_id: COctetString::try_from(system_id).unwrap(),
        password: COctetString::try_from(password).unwrap(),
        interface_version: 0x34,
        ..Bind::default()
    };
    c.send(Pdu::new(1, Body::BindTransceiver(b))).await.unwrap();
    let resp = next(c).await;
    assert!(
        matches!(resp.body, Body::BindTransceiverResp(_)),
        "{resp:?}"
    );
    resp.command_status
}

fn submit(seq: u32, dest: &str, text: &str, registered_delivery: u8) -> Pdu {
    let s = SubmitSm {
        source_addr: COctetString::try_from("106900").unwrap(),
        destination_addr: COctetString::try_from(dest).unwrap(),
        registered_delivery,
        short_message: ShortMessage::try_from(text.as_bytes()).unwrap(),
        ..SubmitSm::default()
    };
    Pdu::new(seq, Body::SubmitSm(Box::new(s)))
}

#[tokio::test]
async fn wrong_credentials_are_refused_with_the_spec_status() {
    let sim = Simulator::start(SimConfig {
        accounts: vec![SimAccount {
            system_id: "cmcc".into(),
            password: "secret".into(),
        }],
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let mut c = connect(sim.addr()).await;
    assert_eq!(
        bind(&mut c, "cmcc", "wrong").await,
        CommandStatus::ESME_RINVPASWD
    );
    let mut c = connect(sim.addr()).await;
    assert_eq!(
        bind(&mut c, "nobody", "secret").await,
        CommandStatus::ESME_RINVSYSID
    );
    let mut c = connect(sim.addr()).await;
    assert_eq!(
        bind(&mut c, "cmcc", "secret").await,
        CommandStatus::ESME_ROK
    );
    // Submitting before binding is a bind-state error (SMPP 3.4 §4.4).
    let mut c = connect(sim.addr()).await;
    c.send(submit(2, "1", "x", 0)).await.unwrap();
    assert_eq!(
        next(&mut c).await.command_status,
        CommandStatus::ESME_RINVBNDSTS
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn pipelined_submits_are_answered_recorded_and_receipted_with_the_id_formats() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("record.jsonl");
    let sim = Simulator::start(SimConfig {
        message_id_format: IdFormat::Hex,
        receipt_id_format: Some(IdFormat::Decimal),
        receipt_delay: Duration::from_millis(1),
        record_file: Some(file.clone()),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let mut c = connect(sim.addr()).await;
    assert!(bind(&mut c, "any", "any").await.is_ok());
    for seq in 10..20 {
        c.feed(submit(seq, &format!("1380013{seq:04}"), "hi", 1))
            .await
            .unwrap();
    }
    SinkExt::<Pdu>::flush(&mut c).await.unwrap();
    let mut ids = Vec::new();
    let mut receipts = Vec::new();
    while ids.len() < 10 || receipts.len() < 10 {
        let pdu = next(&mut c).await;
        match pdu.body {
            Body::SubmitSmResp(r) => {
                assert!((10..20).contains(&pdu.sequence_number));
                ids.push(r.message_id.to_string_lossy());
            }
            Body::DeliverSm(d) => {
                assert_eq!(d.esm_class & 0x3C, 0x04);
                receipts.push(d.tlvs.receipted_message_id().unwrap().to_string());
                c.send(Pdu::new(
                    pdu.sequence_number,
                    Body::DeliverSmResp(Default::default()),
                ))
                .await
                .unwrap();
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    // The receipt carries the same id in decimal where the resp had hex.
    for id in &ids {
        let n = u64::from_str_radix(id, 16).unwrap();
        assert!(receipts.contains(&n.to_string()), "{id} has no receipt");
    }
    let lines: Vec<SubmitRecord> = std::fs::read_to_string(&file)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines, sim.record().submits());
    assert_eq!(lines.len(), 10);
    assert_eq!(lines[0].destination_addr, "13800130010");
    assert_eq!(lines[0].text.as_deref(), Some("hi"));
    assert!(ids.contains(&lines[0].carrier_id));
    sim.shutdown().await;
}

#[tokio::test]
async fn every_nth_submit_is_throttled() {
    let sim = Simulator::start(SimConfig {
        throttle_every: 3,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let mut c = connect(sim.addr()).await;
    bind(&mut c, "a", "b").await;
    let mut statuses = Vec::new();
    for seq in 2..8 {
        c.send(submit(seq, "1", "x", 0)).await.unwrap();
        statuses.push(next(&mut c).await.command_status);
    }
    let throttled: Vec<bool> = statuses
        .iter()
        .map(|s| *s == CommandStatus::ESME_RTHROTTLED)
        .collect();
    assert_eq!(throttled, [false, false, true, false, false, true]);
    assert_eq!(SimStats::get(&sim.stats().throttled), 2);
    assert_eq!(sim.record().len(), 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn hung_simulator_keeps_the_connection_but_answers_nothing() {
    let sim = Simulator::start(SimConfig::default()).await.unwrap();
    let mut c = connect(sim.addr()).await;
    bind(&mut c, "a", "b").await;
    sim.set_hang(true);
    c.send(Pdu::new(5, Body::EnquireLink)).await.unwrap();
    let silent = tokio::time::timeout(Duration::from_millis(300), c.next()).await;
    assert!(silent.is_err(), "a hung simulator answered: {silent:?}");
    assert_eq!(sim.open_connections(), 1);
    sim.set_hang(false);
    c.send(Pdu::new(6, Body::EnquireLink)).await.unwrap();
    assert_eq!(next(&mut c).await.body, Body::EnquireLinkResp);
    sim.shutdown().await;
}

#[test]
fn smppd_sim_command_serves_and_records_to_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let record = dir.path().join("sim.jsonl");
    let mut child = Command::new(env!("CARGO_BIN_EXE_smppd"))
        .args([
            "sim",
            "--listen",
            "127.0.0.1:0",
            "--id-format",
            "decimal",
            "--record",
        ])
        .arg(&record)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr: std::net::SocketAddr = line
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap_or_else(|e| panic!("{line:?}: {e}"));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let id = rt.block_on(async {
        let mut c = connect(addr).await;
        bind(&mut c, "x", "y").await;
        c.send(submit(2, "13800138000", "cli", 0)).await.unwrap();
        match next(&mut c).await.body {
            Body::SubmitSmResp(r) => r.message_id.to_string_lossy(),
            other => panic!("{other:?}"),
        }
    });
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        id.bytes().all(|b| b.is_ascii_digit()),
        "{id} is not decimal"
    );
    let text = std::fs::read_to_string(&record).unwrap();
    let rec: SubmitRecord = serde_json::from_str(text.lines().next().unwrap()).unwrap();
    assert_eq!(rec.destination_addr, "13800138000");
    assert_eq!(rec.carrier_id, id);
}

#[tokio::test]
async fn configured_mo_reaches_bound_receivers() {
    let sim = Simulator::start(SimConfig {
        mo: Some(smppd::sim::MoConfig {
            every: Duration::from_millis(20),
            source_addr: "13800138000".into(),
            destination_addr: "1069000101".into(),
            text: "退订".into(),
        }),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let mut c = connect(sim.addr()).await;
    bind(&mut c, "a", "b").await;
    let pdu = next(&mut c).await;
    let Body::DeliverSm(d) = pdu.body else {
        panic!("expected MO, got {pdu:?}");
    };
    assert_eq!(d.esm_class & 0x3C, 0, "MO must not look like a receipt");
    assert_eq!(d.destination_addr.to_string_lossy(), "1069000101");
    assert_eq!(d.data_coding, 8);
    assert_eq!(
        smppd::text::decode(d.data_coding, &d.short_message).unwrap(),
        "退订"
    );
    sim.shutdown().await;
}

#[tokio::test]
async fn a_burst_of_receipted_submits_gets_every_response_and_receipt() {
    let sim = Simulator::start(SimConfig {
        receipt_delay: Duration::ZERO,
        record_limit: 0,
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let mut c = connect(sim.addr()).await;
    bind(&mut c, "burst", "x").await;
    const N: u32 = 5000;
    for seq in 0..N {
        c.feed(submit(seq + 2, "13800138000", "b", 1))
            .await
            .unwrap();
    }
    SinkExt::<Pdu>::flush(&mut c).await.unwrap();
    let (mut resps, mut receipts) = (0, 0);
    while resps + receipts < 2 * N {
        match next(&mut c).await.body {
            Body::SubmitSmResp(_) => resps += 1,
            Body::DeliverSm(_) => receipts += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!((resps, receipts), (N, N));
    sim.shutdown().await;
}
