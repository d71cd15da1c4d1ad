//! Codec benchmarks: decode and encode of submit_sm and deliver_sm (delivery receipt text plus
//! receipted_message_id / message_state / network_error_code TLVs) for smppd and the other Rust
//! SMPP codecs (`rusmpp`, `smpp34`, `smpp-codec`), on the same octets, side by side, plus a
//! floor: a non-allocating walk over every field (decode) and a plain copy (encode).
//!
//! Each library is driven through its natural whole-PDU API:
//! * smppd `decode_pdu(frame)` (a shared `Bytes` frame, as `SmppCodec` yields it after the first
//!   split) and `SmppCodec::decode` on a fresh `BytesMut` (framing included, like rusmpp);
//! * rusmpp `CommandCodec::decode` on a fresh `BytesMut` (its only public whole-PDU decoder);
//! * smpp34 `CommandHeader::decode` + `submit_sm::decode` on `&[u8]`;
//! * smpp-codec `SubmitSmRequest::decode` on `&[u8]`.
//!
//! Encoders write into a reused buffer where the API allows; smpp34's `encode(self) -> Vec`
//! consumes the PDU, so its figure includes a clone. Run: `cargo bench --bench codec`.

use std::hint::black_box;

use bytes::BytesMut;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use smppd::pdu::*;
use tokio_util::codec::{Decoder, Encoder};

fn submit_sm() -> Pdu {
    let text = "【示例】您的验证码是123456，5分钟内有效。如非本人操作请忽略。".encode_utf16();
    let ucs2: Vec<u8> = text.flat_map(u16::to_be_bytes).collect();
    let mut tlvs = Tlvs::new();
    tlvs.push(Tlv::UserMessageReference(4242));
    Pdu::new(
        0x0102_0304,
        Body::SubmitSm(Box::new(SubmitSm {
            source_addr_ton: ton::NETWORK_SPECIFIC,
            source_addr: "1069000123".parse().unwrap(),
            dest_addr_ton: ton::INTERNATIONAL,
            dest_addr_npi: npi::ISDN,
            destination_addr: "8613800138000".parse().unwrap(),
            registered_delivery: 1,
            data_coding: 8,
            short_message: ShortMessage::try_from(ucs2).unwrap(),
            tlvs,
            ..Default::default()
        })),
    )
}

fn deliver_sm() -> Pdu {
    let receipt = b"id:0123456789ABCDEF sub:001 dlvrd:001 submit date:2406011230 done date:2406011231 stat:DELIVRD err:000 text:Hello from smppd";
    let mut tlvs = Tlvs::new();
    tlvs.push(Tlv::ReceiptedMessageId("0123456789ABCDEF".parse().unwrap()));
    tlvs.push(Tlv::MessageState(MessageState::DELIVERED));
    tlvs.push(Tlv::NetworkErrorCode(NetworkErrorCode {
        network_type: 3,
        error_code: 0,
    }));
    Pdu::new(
        0x0102_0305,
        Body::DeliverSm(Box::new(DeliverSm {
            source_addr_ton: ton::INTERNATIONAL,
            source_addr_npi: npi::ISDN,
            source_addr: "8613800138000".parse().unwrap(),
            dest_addr_ton: ton::NETWORK_SPECIFIC,
            destination_addr: "1069000123".parse().unwrap(),
            esm_class: 0x04,
            short_message: ShortMessage::try_from(&receipt[..]).unwrap(),
            tlvs,
            ..Default::default()
        })),
    )
}

/// The floor: visits every field of a submit_sm/deliver_sm without allocating, validating
/// what a decoder must (lengths, terminators), and folds the values into a checksum.
fn floor_walk(b: &[u8]) -> Option<u64> {
    let word = |at: usize| -> Option<u32> {
        Some(u32::from_be_bytes(b.get(at..at + 4)?.try_into().ok()?))
    };
    let len = word(0)? as usize;
    if len != b.len() {
        return None;
    }
    let mut sum = u64::from(word(4)?) + u64::from(word(8)?) + u64::from(word(12)?);
    let mut i = 16;
    let cstr = |i: &mut usize, max: usize| -> Option<usize> {
        let rest = b.get(*i..)?;
        let n = rest.iter().take(max).position(|&c| c == 0)?;
        *i += n + 1;
        Some(n)
    };
    sum += cstr(&mut i, 6)? as u64;
    sum += u64::from(*b.get(i)?) + u64::from(*b.get(i + 1)?);
    i += 2;
    sum += cstr(&mut i, 21)? as u64;
    sum += u64::from(*b.get(i)?) + u64::from(*b.get(i + 1)?);
    i += 2;
    sum += cstr(&mut i, 21)? as u64;
    sum += u64::from(*b.get(i)?) + u64::from(*b.get(i + 1)?) + u64::from(*b.get(i + 2)?);
    i += 3;
    sum += cstr(&mut i, 17)? as u64;
    sum += cstr(&mut i, 17)? as u64;
    let fixed = b.get(i..i + 5)?;
    sum += fixed.iter().map(|&x| u64::from(x)).sum::<u64>();
    i += 5;
    let sm_len = usize::from(fixed[4]);
    sum += b.get(i..i + sm_len)?.len() as u64;
    i += sm_len;
    while i < b.len() {
        let tag = u16::from_be_bytes(b.get(i..i + 2)?.try_into().ok()?);
        let l = usize::from(u16::from_be_bytes(b.get(i + 2..i + 4)?.try_into().ok()?));
        sum += u64::from(tag) + b.get(i + 4..i + 4 + l)?.len() as u64;
        i += 4 + l;
    }
    Some(sum)
}

fn bench_pdu(c: &mut Criterion, name: &str, pdu: &Pdu) {
    let frame = pdu.to_bytes();
    let raw: &[u8] = &frame;
    let deliver = matches!(pdu.body, Body::DeliverSm(_));

    // Every peer must accept these exact octets, and re-encode them identically where it can.
    assert!(floor_walk(raw).is_some());
    let rusmpp_cmd = rusmpp::tokio_codec::CommandCodec::new()
        .decode(&mut BytesMut::from(raw))
        .expect("rusmpp decodes")
        .expect("one frame");
    let header = smpp34::CommandHeader::decode(raw).expect("smpp34 header");
    let s34_submit = (!deliver)
        .then(|| smpp34::submit_sm::decode(header.clone(), raw).expect("smpp34 submit_sm"));
    let s34_deliver = deliver
        .then(|| smpp34::deliver_sm::decode(header.clone(), raw).expect("smpp34 deliver_sm"));
    let sc_submit = (!deliver)
        .then(|| smpp_codec::pdus::SubmitSmRequest::decode(raw).expect("smpp-codec submit_sm"));
    let sc_deliver = deliver
        .then(|| smpp_codec::pdus::DeliverSmRequest::decode(raw).expect("smpp-codec deliver_sm"));

    let mut g = c.benchmark_group(format!("decode/{name}"));
    g.bench_function("floor", |b| b.iter(|| floor_walk(black_box(raw))));
    g.bench_function("smppd", |b| b.iter(|| decode_pdu(black_box(frame.clone()))));
    g.bench_function("smppd_codec", |b| {
        b.iter_batched(
            || BytesMut::from(raw),
            |mut m| SmppCodec::new().decode(&mut m),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("rusmpp", |b| {
        b.iter_batched(
            || BytesMut::from(raw),
            |mut m| rusmpp::tokio_codec::CommandCodec::new().decode(&mut m),
            BatchSize::SmallInput,
        )
    });
    g.bench_function("smpp34", |b| {
        b.iter(|| {
            let h = smpp34::CommandHeader::decode(black_box(raw)).ok()?;
            if deliver {
                smpp34::deliver_sm::decode(h, raw)
                    .ok()
                    .map(|d| d.short_message.len())
            } else {
                smpp34::submit_sm::decode(h, raw)
                    .ok()
                    .map(|s| s.short_message.len())
            }
        })
    });
    g.bench_function("smpp_codec", |b| {
        b.iter(|| {
            if deliver {
                smpp_codec::pdus::DeliverSmRequest::decode(black_box(raw))
                    .ok()
                    .map(|d| d.short_message.len())
            } else {
                smpp_codec::pdus::SubmitSmRequest::decode(black_box(raw))
                    .ok()
                    .map(|s| s.short_message.len())
            }
        })
    });
    g.finish();

    let mut g = c.benchmark_group(format!("encode/{name}"));
    let mut buf = BytesMut::with_capacity(1024);
    g.bench_function("floor", |b| {
        b.iter(|| {
            buf.clear();
            buf.extend_from_slice(black_box(raw));
            buf.len()
        })
    });
    g.bench_function("smppd", |b| {
        b.iter(|| {
            buf.clear();
            black_box(pdu).encode(&mut buf);
            buf.len()
        })
    });
    g.bench_function("rusmpp", |b| {
        let mut codec = rusmpp::tokio_codec::CommandCodec::new();
        b.iter(|| {
            buf.clear();
            codec.encode(black_box(&rusmpp_cmd), &mut buf).ok();
            buf.len()
        })
    });
    g.bench_function("smpp34", |b| {
        b.iter(|| match (&s34_submit, &s34_deliver) {
            (Some(s), _) => black_box(s).clone().encode().len(),
            (_, Some(d)) => black_box(d).clone().encode().len(),
            _ => 0,
        })
    });
    let mut vec = Vec::with_capacity(1024);
    g.bench_function("smpp_codec", |b| {
        b.iter(|| {
            vec.clear();
            match (&sc_submit, &sc_deliver) {
                (Some(s), _) => black_box(s).encode(&mut vec).ok(),
                (_, Some(d)) => black_box(d).encode(&mut vec).ok(),
                _ => None,
            };
            vec.len()
        })
    });
    g.finish();
}

fn codec(c: &mut Criterion) {
    bench_pdu(c, "submit_sm", &submit_sm());
    bench_pdu(c, "deliver_sm_receipt", &deliver_sm());
}

criterion_group! {
    name = benches;
    // Short windows: 24 benchmarks on a shared 2-core machine; single runs vary up to 2×.
    config = Criterion::default()
        .warm_up_time(std::time::Duration::from_millis(700))
        .measurement_time(std::time::Duration::from_secs(2))
        .sample_size(40);
    targets = codec
}
criterion_main!(benches);
