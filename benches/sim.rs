//! Throughput of the carrier simulator (`smppd sim`) on loopback: pipelined submit_sm from
//! raw clients, counting submit_sm_resp. The simulator must stay far above smppd's own rate
//! (issue 4: "well over 100k msg/s") so end-to-end benchmarks measure smppd, not the sim.
//!
//! Run: `cargo bench --bench sim`. Each iteration sends `BATCH` submits per connection over
//! `CONNS` connections and waits for every response; criterion reports elements/s.

use std::time::Duration;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use futures::StreamExt;
use smppd::message::MessageId;
use smppd::pdu::{Bind, Body, COctetString, Pdu, ShortMessage, SubmitSm};
use smppd::sim::{SimConfig, Simulator};
use smppd::upstream::{Channel, ChannelConfig, OutboundMessage};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CONNS: usize = 4;
const BATCH: usize = 20_000;

fn encode(pdu: Pdu, dst: &mut BytesMut) {
    pdu.encode(dst);
}

/// A bound connection and one batch of encoded submits.
async fn client(
    addr: std::net::SocketAddr,
    system_id: &str,
    registered_delivery: u8,
) -> (TcpStream, BytesMut) {
    let mut s = TcpStream::connect(addr).await.unwrap();
    s.set_nodelay(true).unwrap();
    let mut buf = BytesMut::new();
    encode(
        Pdu::new(
            1,
            Body::BindTransceiver(Bind {
                // One account per connection: receipts go to a receiver of the same account,
                // so each connection gets exactly its own receipts back.
                system_id: COctetString::try_from(system_id).unwrap(),
                interface_version: 0x34,
                ..Bind::default()
            }),
        ),
        &mut buf,
    );
    s.write_all(&buf).await.unwrap();
    let mut resp = [0u8; 256];
    let _ = s.read(&mut resp).await.unwrap();
    let mut batch = BytesMut::new();
    for i in 0..BATCH {
        let submit = SubmitSm {
            source_addr: COctetString::try_from("10690001").unwrap(),
            destination_addr: COctetString::try_from(format!("138{:08}", i).as_str()).unwrap(),
            short_message: ShortMessage::try_from(&b"benchmark message text"[..]).unwrap(),
            registered_delivery,
            ..SubmitSm::default()
        };
        encode(
            Pdu::new(i as u32 + 2, Body::SubmitSm(Box::new(submit))),
            &mut batch,
        );
    }
    (s, batch)
}

/// Writes the batch while reading until `expect` PDUs (responses, receipts) have arrived.
async fn run_batch(s: &mut TcpStream, batch: &[u8], expect: usize) {
    let (mut rd, mut wr) = s.split();
    let write = async {
        wr.write_all(batch).await.unwrap();
    };
    let read = async {
        let mut buf = BytesMut::with_capacity(1 << 20);
        let mut seen = 0;
        while seen < expect {
            if rd.read_buf(&mut buf).await.unwrap() == 0 {
                panic!("simulator closed the connection");
            }
            // Count whole PDUs by their command_length only.
            while let Some(len) = buf
                .get(..4)
                .map(|w| u32::from_be_bytes([w[0], w[1], w[2], w[3]]) as usize)
                .filter(|len| buf.len() >= *len)
            {
                let _ = buf.split_to(len);
                seen += 1;
            }
        }
    };
    tokio::join!(write, read);
}

fn bench_sim(c: &mut Criterion) {
    // Recording on (the default, what tests use; cleared every iteration so it never fills
    // up), off (`record_limit = 0`, for benchmarks), and with a receipt per submit.
    bench_variant(c, "recording", SimConfig::default(), false);
    let quiet = SimConfig {
        record_limit: 0,
        ..SimConfig::default()
    };
    bench_variant(c, "not_recording", quiet.clone(), false);
    bench_variant(
        c,
        "not_recording_with_receipts",
        SimConfig {
            receipt_delay: Duration::ZERO,
            ..quiet
        },
        true,
    );
}

fn bench_variant(c: &mut Criterion, name: &str, cfg: SimConfig, receipts: bool) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (sim, mut clients) = rt.block_on(async {
        let sim = Simulator::start(cfg).await.unwrap();
        let mut clients = Vec::new();
        for i in 0..CONNS {
            let account = format!("bench{i}");
            clients.push(client(sim.addr(), &account, u8::from(receipts)).await);
        }
        (sim, clients)
    });
    // A receipt per submit doubles the PDUs to wait for.
    let expect = if receipts { 2 * BATCH } else { BATCH };
    let mut group = c.benchmark_group("sim");
    group.throughput(Throughput::Elements((CONNS * BATCH) as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function(format!("pipelined_4conn_{name}"), |b| {
        b.iter(|| {
            sim.record().clear();
            rt.block_on(async {
                let runs = clients
                    .iter_mut()
                    .map(|(s, batch)| run_batch(s, batch, expect));
                futures::future::join_all(runs).await;
            })
        })
    });
    group.finish();
    rt.block_on(sim.shutdown());
}

/// smppd's side: `Channel::send` through 4 TRX sessions (window 64) into the simulator.
fn bench_channel(c: &mut Criterion) {
    const MESSAGES: usize = 20_000;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (sim, channel) = rt.block_on(async {
        let sim = Simulator::start(SimConfig {
            record_limit: 0,
            ..SimConfig::default()
        })
        .await
        .unwrap();
        let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
        // No receipts are asked for, but drain events anyway.
        tokio::spawn(async move { while rx.recv().await.is_some() {} });
        let channel = Channel::start(
            ChannelConfig {
                name: "bench".into(),
                host: "127.0.0.1".into(),
                port: sim.addr().port(),
                sessions: 4,
                window: 64,
                ..ChannelConfig::default()
            },
            tx,
        );
        while channel.status().sessions_bound < 4 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        (sim, channel)
    });
    let submit = SubmitSm {
        source_addr: COctetString::try_from("10690001").unwrap(),
        destination_addr: COctetString::try_from("13800138000").unwrap(),
        short_message: ShortMessage::try_from(&b"benchmark message text"[..]).unwrap(),
        ..SubmitSm::default()
    };
    let mut group = c.benchmark_group("upstream");
    group.throughput(Throughput::Elements(MESSAGES as u64));
    group.sample_size(10);
    group.measurement_time(Duration::from_secs(10));
    group.bench_function("channel_send_4x64", |b| {
        b.iter(|| {
            rt.block_on(async {
                futures::stream::iter(0..MESSAGES)
                    .map(|i| {
                        let msg = OutboundMessage {
                            message_id: MessageId::from_u64(i as u64),
                            submit: submit.clone(),
                            account_extension: None,
                        };
                        let channel = channel.clone();
                        async move { channel.send(msg).await }
                    })
                    .buffer_unordered(512)
                    .for_each(|r| {
                        assert!(r.all_accepted());
                        futures::future::ready(())
                    })
                    .await;
            })
        })
    });
    group.finish();
    rt.block_on(async {
        channel.shutdown().await;
        sim.shutdown().await;
    });
}

criterion_group!(benches, bench_sim, bench_channel);
criterion_main!(benches);
