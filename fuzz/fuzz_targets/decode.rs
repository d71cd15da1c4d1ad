//! Raw octets into the framing codec and the PDU decoder: no panic, no unbounded allocation,
//! and whatever decodes must survive encode → decode unchanged.
//!
//! Run: `cargo +nightly fuzz run decode -- -max_total_time=600 -rss_limit_mb=512`
//! Seed corpus: `fuzz/seed_corpus.sh` copies proto-fixtures/*/*.hex into fuzz/corpus/decode.
#![no_main]

use bytes::{Bytes, BytesMut};
use libfuzzer_sys::fuzz_target;
use smppd::pdu::{decode_pdu, SmppCodec};
use tokio_util::codec::Decoder;

fuzz_target!(|data: &[u8]| {
    // 1. The frame as a whole PDU.
    if let Ok(pdu) = decode_pdu(Bytes::copy_from_slice(data)) {
        let again = pdu.to_bytes();
        assert_eq!(again.len(), pdu.encoded_len());
        assert_eq!(decode_pdu(again).as_ref(), Ok(&pdu));
    }
    // 2. The octets as a TCP stream: every frame is consumed or the stream is refused.
    let mut codec = SmppCodec::new();
    let mut buf = BytesMut::from(data);
    loop {
        let before = buf.len();
        match codec.decode(&mut buf) {
            Ok(Some(_)) => assert!(buf.len() < before, "a frame was yielded without consuming octets"),
            Ok(None) | Err(_) => break,
        }
    }
    assert!(buf.capacity() <= 4096 + data.len() + 64, "buffer grew past the frame cap");
});
