//! Property tests for `smppd::text`: round trips, segment limits, and no panics on any input.

use proptest::prelude::*;
use smppd::text::{self, dlr, udh, Coding, ConcatMethod, SplitOptions};

/// Every character of the GSM 03.38 default alphabet and extension table.
const GSM_CHARS: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà\u{0C}^{}\\[~]|€";

fn gsm_text() -> impl Strategy<Value = String> {
    let chars: Vec<char> = GSM_CHARS.chars().collect();
    prop::collection::vec(prop::sample::select(chars), 0..400).prop_map(|v| v.into_iter().collect())
}

/// Mostly Chinese and ASCII, with Latin, emoji (outside the BMP) and anything else mixed in.
fn any_text() -> impl Strategy<Value = String> {
    let ch = prop_oneof![
        3 => prop::char::range('\u{4E00}', '\u{9FA5}'),
        2 => prop::char::range(' ', '~'),
        1 => prop::char::range('\u{A0}', '\u{17F}'),
        1 => prop::char::range('\u{1F600}', '\u{1F64F}'),
        1 => any::<char>(),
    ];
    prop::collection::vec(ch, 0..300).prop_map(|v| v.into_iter().collect())
}

/// `t` restricted to the characters `coding` can represent.
fn representable(t: &str, coding: Coding) -> String {
    t.chars()
        .filter(|c| text::encode(&c.to_string(), coding).is_ok())
        .collect()
}

fn method() -> impl Strategy<Value = ConcatMethod> {
    prop_oneof![
        Just(ConcatMethod::Udh8),
        Just(ConcatMethod::Udh16),
        Just(ConcatMethod::Sar),
        Just(ConcatMethod::MessagePayload),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn gsm7_round_trips(t in gsm_text()) {
        let bytes = text::encode(&t, Coding::Gsm7).unwrap();
        prop_assert_eq!(text::decode(0, &bytes).unwrap(), t);
    }

    #[test]
    fn every_text_coding_round_trips(t in any_text()) {
        for coding in [Coding::Gsm7, Coding::Ia5, Coding::Latin1, Coding::Ucs2, Coding::Gbk] {
            let t = representable(&t, coding);
            let bytes = text::encode(&t, coding).unwrap();
            prop_assert_eq!(text::decode(coding.data_coding(), &bytes).unwrap(), t);
        }
    }

    #[test]
    fn split_reassembles_within_limits(
        t in prop_oneof![gsm_text(), any_text()],
        m in method(),
        reference in any::<u16>(),
        reserve in 0usize..10,
        gbk in any::<bool>(),
    ) {
        let coding = gbk.then_some(Coding::Gbk);
        let t = if gbk { representable(&t, Coding::Gbk) } else { t };
        let opts = SplitOptions { coding, method: m, reference, reserve_chars: reserve, ..SplitOptions::default() };
        let segs = text::split(&t, &opts).unwrap();
        let coding = segs[0].coding;
        let per_char = if matches!(coding, Coding::Ucs2 | Coding::Gbk) { 2 } else { 1 };
        let (single, part) = match (coding, m) {
            (Coding::Gsm7, ConcatMethod::Udh16) => (160, 152),
            (Coding::Gsm7, _) => (160, 153),
            (_, ConcatMethod::Udh16) => (140, 133),
            (_, _) => (140, 134),
        };
        let mut joined = String::new();
        let mut decoded = String::new();
        for (i, s) in segs.iter().enumerate() {
            let (info, payload) = udh::parse(&s.bytes, s.udhi).unwrap();
            let limit = if segs.len() == 1 { single } else { part };
            if !s.message_payload {
                prop_assert!(payload.len() + reserve * per_char <= limit, "{} > {}", payload.len(), limit);
            }
            if segs.len() > 1 {
                let seq = info.map(|c| c.seq).or(s.sar.map(|s| s.segment_seqnum));
                prop_assert_eq!(seq, Some(i as u8 + 1));
            }
            joined.push_str(&s.text);
            decoded.push_str(&text::decode(coding.data_coding(), payload).unwrap());
        }
        prop_assert_eq!(&joined, &t);
        prop_assert_eq!(&decoded, &t);
    }

    #[test]
    fn arbitrary_bytes_never_panic(dc in any::<u8>(), bytes in prop::collection::vec(any::<u8>(), 0..300), udhi in any::<bool>()) {
        let _ = text::decode(dc, &bytes);
        let _ = udh::parse(&bytes, udhi);
        let _ = dlr::parse(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn split_never_panics_on_any_options(
        t in any_text(),
        dc in any::<u8>(),
        forced in any::<bool>(),
        m in method(),
        reference in any::<u16>(),
        reserve in prop_oneof![0usize..200, Just(usize::MAX)],
        max_segments in any::<u8>(),
    ) {
        let coding = forced.then(|| Coding::from_data_coding(dc));
        let opts = SplitOptions { coding, method: m, reference, reserve_chars: reserve, max_segments };
        if let Ok(segs) = text::split(&t, &opts) {
            prop_assert!(!segs.is_empty() && segs.len() <= usize::from(max_segments));
        }
        let _ = text::split_binary(t.as_bytes(), &opts);
    }

    #[test]
    fn receipt_like_text_never_panics(s in prop_oneof![
        "(id|sub|dlvrd|submit date|done date|stat|err|text|Text|ID|: |[0-9a-f]{1,12}|DELIVRD| |\u{0}|中)*",
        any::<String>(),
        "(id:|stat:|(\\PC| |\u{3000}|\t){0,3})*",
    ]) {
        if let Ok(r) = dlr::parse(&s) {
            // Whatever was understood survives a canonical round trip.
            prop_assert_eq!(dlr::parse(&r.format()), Ok(r));
        }
    }
}
