//! Segmentation limits and concatenation headers, as an SMSC would check them.

use smppd::text::{self, split, udh, Coding, ConcatMethod, Sar, SplitOptions, TextError};

fn opts(method: ConcatMethod) -> SplitOptions {
    SplitOptions {
        method,
        reference: 0x1234,
        ..SplitOptions::default()
    }
}

fn payload_len(seg: &text::Segment) -> usize {
    udh::parse(&seg.bytes, seg.udhi).unwrap().1.len()
}

#[test]
fn gsm7_limits_160_153_152() {
    let one = split(&"a".repeat(160), &opts(ConcatMethod::Udh8)).unwrap();
    assert_eq!(one.len(), 1);
    assert!(!one[0].udhi);
    assert_eq!(one[0].bytes.len(), 160);

    let two = split(&"a".repeat(161), &opts(ConcatMethod::Udh8)).unwrap();
    assert_eq!(two.len(), 2);
    assert_eq!(&two[0].bytes[..6], &[5, 0, 3, 0x34, 2, 1]);
    assert_eq!(payload_len(&two[0]), 153);
    assert_eq!(payload_len(&two[1]), 8);
    assert!(two.iter().all(|s| s.udhi && s.coding == Coding::Gsm7));

    let wide = split(&"a".repeat(306), &opts(ConcatMethod::Udh16)).unwrap();
    assert_eq!(wide.len(), 3); // 152 + 152 + 2
    assert_eq!(&wide[2].bytes[..7], &[6, 8, 4, 0x12, 0x34, 3, 3]);
    assert_eq!(payload_len(&wide[0]), 152);
}

#[test]
fn gsm7_escape_pairs_count_double_and_never_split() {
    // 152 plain chars then '€': the pair would end at septet 154, so it moves on.
    let text = format!("{}€{}", "a".repeat(152), "b".repeat(10));
    let segs = split(&text, &opts(ConcatMethod::Udh8)).unwrap();
    assert_eq!(segs.len(), 2);
    assert_eq!(segs[0].text, "a".repeat(152));
    assert_eq!(segs[1].text, format!("€{}", "b".repeat(10)));
    assert_eq!(&segs[1].bytes[6..9], &[0x1B, 0x65, b'b']);
    // 80 extension chars = 160 septets: still one message; 81 is not.
    assert_eq!(
        split(&"{".repeat(80), &opts(ConcatMethod::Udh8))
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        split(&"{".repeat(81), &opts(ConcatMethod::Udh8))
            .unwrap()
            .len(),
        2
    );
}

#[test]
fn ucs2_limits_70_67_66_and_chinese_billing() {
    let zh = "验".repeat(70);
    assert_eq!(split(&zh, &opts(ConcatMethod::Udh8)).unwrap().len(), 1);
    let segs = split(&"验".repeat(71), &opts(ConcatMethod::Udh8)).unwrap();
    assert_eq!(segs.len(), 2);
    assert_eq!(segs[0].text.chars().count(), 67);
    assert_eq!(segs[0].bytes.len(), 6 + 134);
    assert_eq!(segs[0].coding, Coding::Ucs2);
    let segs = split(&"验".repeat(134), &opts(ConcatMethod::Udh16)).unwrap();
    assert_eq!(segs.len(), 3);
    assert_eq!(segs[0].text.chars().count(), 66);
}

#[test]
fn surrogate_pairs_are_never_split() {
    // 66 BMP chars + an emoji (2 units) would need 68 units: the emoji moves on whole.
    let text = format!("{}😀", "中".repeat(66)) + &"文".repeat(10);
    let segs = split(&text, &opts(ConcatMethod::Udh8)).unwrap();
    assert_eq!(segs[0].text, "中".repeat(66));
    assert!(segs[1].text.starts_with('😀'));
    for s in &segs {
        assert!(payload_len(s) <= 134);
        assert_eq!(
            text::decode(8, udh::parse(&s.bytes, true).unwrap().1).unwrap(),
            s.text
        );
    }
}

#[test]
fn sar_and_message_payload_methods() {
    let text = "x".repeat(200);
    let segs = split(&text, &opts(ConcatMethod::Sar)).unwrap();
    assert_eq!(segs.len(), 2);
    assert!(segs.iter().all(|s| !s.udhi && !s.message_payload));
    assert_eq!(segs[0].bytes.len(), 153);
    assert_eq!(
        segs[1].sar,
        Some(Sar {
            msg_ref_num: 0x1234,
            total_segments: 2,
            segment_seqnum: 2
        })
    );

    let one = split(&text, &opts(ConcatMethod::MessagePayload)).unwrap();
    assert_eq!(one.len(), 1);
    assert!(one[0].message_payload && !one[0].udhi);
    assert_eq!(one[0].bytes.len(), 200);
    // A short text stays in short_message.
    assert!(!split("hi", &opts(ConcatMethod::MessagePayload)).unwrap()[0].message_payload);
}

#[test]
fn reserve_and_max_segments() {
    // 65 Chinese chars + a 5-char carrier signature = 70: fits one message exactly.
    let mut o = SplitOptions {
        reserve_chars: 5,
        ..opts(ConcatMethod::Udh8)
    };
    assert_eq!(split(&"字".repeat(65), &o).unwrap().len(), 1);
    let segs = split(&"字".repeat(66), &o).unwrap();
    assert_eq!(segs.len(), 2);
    assert_eq!(segs[0].text.chars().count(), 62); // 67 - 5 per part

    o.max_segments = 2;
    assert_eq!(
        split(&"字".repeat(200), &o),
        Err(TextError::TooManySegments { needed: 4, max: 2 })
    );
    o.reserve_chars = 70;
    assert_eq!(
        split(&"字".repeat(80), &o),
        Err(TextError::ReserveTooLarge(70))
    );
    o.reserve_chars = usize::MAX;
    assert_eq!(split("a", &o), Err(TextError::ReserveTooLarge(usize::MAX)));
}

#[test]
fn forced_codings() {
    let o = SplitOptions {
        coding: Some(Coding::Gbk),
        ..opts(ConcatMethod::Udh8)
    };
    // GBK: 2 octets per Chinese char, 140 single / 134 per part, never halving a char.
    assert_eq!(split(&"汉".repeat(70), &o).unwrap().len(), 1);
    let segs = split(&format!("a{}", "汉".repeat(70)), &o).unwrap();
    assert_eq!(segs[0].text, format!("a{}", "汉".repeat(66)));
    assert_eq!(payload_len(&segs[0]), 133);
    let o = SplitOptions {
        coding: Some(Coding::Gsm7),
        ..opts(ConcatMethod::Udh8)
    };
    assert_eq!(
        split("中", &o),
        Err(TextError::Unrepresentable {
            ch: '中',
            coding: Coding::Gsm7
        })
    );
    let bin = text::split_binary(&[7u8; 300], &opts(ConcatMethod::Udh8)).unwrap();
    assert_eq!(
        bin.iter().map(payload_len).collect::<Vec<_>>(),
        vec![134, 134, 32]
    );
    assert!(bin.iter().all(|s| s.coding.data_coding() == 4));
}

#[test]
fn empty_text_is_one_empty_message() {
    let segs = split("", &SplitOptions::default()).unwrap();
    assert_eq!(segs.len(), 1);
    assert!(segs[0].bytes.is_empty());
}

#[test]
fn more_than_255_parts_is_refused_for_every_method() {
    let text = "a".repeat(153 * 255 + 1);
    for method in [
        ConcatMethod::Udh8,
        ConcatMethod::Sar,
        ConcatMethod::MessagePayload,
    ] {
        assert_eq!(
            split(&text, &opts(method)),
            Err(TextError::TooManySegments {
                needed: 256,
                max: 255
            })
        );
    }
    let max = split(&"a".repeat(153 * 255), &opts(ConcatMethod::Udh8)).unwrap();
    assert_eq!(max.len(), 255);
    assert_eq!(&max[254].bytes[..6], &[5, 0, 3, 0x34, 255, 255]);
}
