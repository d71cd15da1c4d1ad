//! A received short_message into `smppd::text` the way the gateway reads an inbound submit
//! (`gateway::inbound::read`): `Coding::from_data_coding`, `udh::parse` under esm_class UDHI,
//! `decode`, and `split` to count billed segments. Also `decode_message`, which does the UDH
//! and decode steps in one call.
//!
//! Input layout: octet 0 = data_coding, octet 1 = esm_class, the rest = short_message.
//! Invariants: no panic; the UDH payload is the tail of the message and its concatenation
//! info is within 1..=total; decoding fails as NotText/UnsupportedCoding exactly when the
//! coding is not text; decoded text that re-encodes in its coding decodes back to itself
//! (encode → decode, as tests/text_props.rs promises); split parts reassemble to the text.
//!
//! Run: `cargo +nightly fuzz run short_message -O -- -max_total_time=360 -max_len=1024`
//! Seed corpus: `fuzz/seed_corpus.sh` writes a few hand-made messages into
//! fuzz/corpus/short_message.
#![no_main]

use libfuzzer_sys::fuzz_target;
use smppd::text::{self, udh, Coding, ConcatMethod, SplitOptions, TextError};

fuzz_target!(|data: &[u8]| {
    let [data_coding, esm_class, short_message @ ..] = data else {
        return;
    };
    let (data_coding, esm_class) = (*data_coding, *esm_class);
    let coding = Coding::from_data_coding(data_coding);
    let _ = text::message_class(data_coding);
    let udhi = esm_class & udh::ESM_CLASS_UDHI != 0;

    let parsed = udh::parse(short_message, udhi);
    if let Ok((info, payload)) = parsed {
        assert!(short_message.ends_with(payload), "payload is not the message tail");
        if !udhi {
            assert_eq!((info, payload.len()), (None, short_message.len()));
        }
        if let Some(c) = info {
            assert!(c.total >= 1 && (1..=c.total).contains(&c.seq), "{c:?}");
        }
    }

    // decode_message = udh::parse + decode.
    let whole = text::decode_message(data_coding, esm_class, short_message);
    match &parsed {
        Err(e) => assert_eq!(whole.as_ref().err(), Some(e)),
        Ok((info, payload)) => {
            let decoded = text::decode(data_coding, payload);
            assert_eq!(whole, decoded.clone().map(|t| (*info, t)));
            check_decoded(data_coding, coding, payload, decoded);
        }
    }
    // The gateway decodes only after udh::parse succeeded; the decoder must also cope with
    // the raw octets (a client that forgot UDHI).
    check_decoded(data_coding, coding, short_message, text::decode(data_coding, short_message));
});

fn check_decoded(data_coding: u8, coding: Coding, bytes: &[u8], decoded: Result<String, TextError>) {
    let text = match decoded {
        Ok(text) => text,
        Err(TextError::NotText(dc) | TextError::UnsupportedCoding(dc)) => {
            assert!(!coding.is_text(), "{coding} is text but decode refused it");
            assert_eq!(dc, data_coding);
            return;
        }
        Err(_) => {
            assert!(coding.is_text(), "{coding} decoded as text");
            return;
        }
    };
    assert!(coding.is_text(), "{coding} is not text but decoded");
    match coding {
        // Strict one-to-one codings (no replacement characters): octets come back exactly.
        Coding::Ia5 | Coding::Latin1 | Coding::Ucs2 => {
            assert_eq!(text::encode(&text, coding).as_deref(), Ok(bytes));
        }
        // GSM 03.38 decodes unknown escapes and a trailing ESC to characters of the table;
        // GBK decodes the gb18030 superset, which GBK encoding may not cover.
        _ => {
            if let Ok(again) = text::encode(&text, coding) {
                assert_eq!(text::decode(data_coding, &again).as_ref(), Ok(&text));
            }
        }
    }
    check_split(&text, Some(coding), ConcatMethod::Udh8);
    for method in [ConcatMethod::Udh16, ConcatMethod::Sar, ConcatMethod::MessagePayload] {
        check_split(&text, None, method);
    }
}

/// What `gateway::inbound::billed_segments` does (forced coding, Udh8), plus the cheapest
/// coding with the other methods: parts reassemble to the text.
fn check_split(text: &str, coding: Option<Coding>, method: ConcatMethod) {
    let opts = SplitOptions {
        coding,
        method,
        ..SplitOptions::default()
    };
    let segments = match text::split(text, &opts) {
        Ok(s) => s,
        // A forced coding may not represent the text (GBK, GSM); the cheapest coding always
        // does, and at most 1022 characters never need 255 parts.
        Err(TextError::Unrepresentable { .. }) if coding.is_some() => return,
        Err(e) => panic!("split({text:?}, {opts:?}) failed: {e}"),
    };
    assert!(!segments.is_empty());
    let (mut joined, mut decoded) = (String::new(), String::new());
    for (i, s) in segments.iter().enumerate() {
        let (info, payload) = udh::parse(&s.bytes, s.udhi).expect("our own UDH parses");
        if segments.len() > 1 {
            let seq = info.map(|c| c.seq).or(s.sar.map(|s| s.segment_seqnum));
            assert_eq!(seq, Some(i as u8 + 1));
        }
        joined.push_str(&s.text);
        decoded.push_str(&text::decode(s.coding.data_coding(), payload).expect("our own octets decode"));
    }
    assert_eq!(joined, text);
    assert_eq!(decoded, text);
}
