//! Behaviour of `smppd::text` decode/encode/choose_coding that a carrier or client would notice.

use smppd::text::{choose_coding, decode, decode_message, encode, Coding, ConcatInfo, TextError};

#[test]
fn gsm7_uses_the_03_38_table_not_ascii() {
    // '@' is 0x00, '$' 0x02, '_' 0x11, '€' an escape pair.
    assert_eq!(
        encode("@$_€", Coding::Gsm7).unwrap(),
        vec![0x00, 0x02, 0x11, 0x1B, 0x65]
    );
    assert_eq!(decode(0, &[0x00, 0x02, 0x11, 0x1B, 0x65]).unwrap(), "@$_€");
    // Plain ASCII octets read as GSM: 0x24 is the currency sign, not a dollar.
    assert_eq!(decode(0, b"$5").unwrap(), "¤5");
}

#[test]
fn gsm7_extension_characters_decode() {
    assert_eq!(decode(0, &[0x1B, 0x28, 0x41, 0x1B, 0x29]).unwrap(), "{A}");
    assert_eq!(decode(0, &[0x1B, 0x14, 0x1B, 0x40]).unwrap(), "^|");
    // Octets above 0x7F are not septets.
    assert_eq!(
        decode(0, &[0x41, 0x80]),
        Err(TextError::InvalidByte {
            offset: 1,
            byte: 0x80,
            coding: Coding::Gsm7
        })
    );
}

#[test]
fn unrepresentable_characters_are_named() {
    let err = encode("price `5`", Coding::Gsm7).unwrap_err();
    assert_eq!(
        err,
        TextError::Unrepresentable {
            ch: '`',
            coding: Coding::Gsm7
        }
    );
    assert!(err.to_string().contains("U+0060"), "{err}");
    assert_eq!(
        encode("né中", Coding::Latin1),
        Err(TextError::Unrepresentable {
            ch: '中',
            coding: Coding::Latin1
        })
    );
    assert_eq!(
        encode("é", Coding::Ia5),
        Err(TextError::Unrepresentable {
            ch: 'é',
            coding: Coding::Ia5
        })
    );
    assert_eq!(
        encode("验证码😀", Coding::Gbk),
        Err(TextError::Unrepresentable {
            ch: '😀',
            coding: Coding::Gbk
        })
    );
}

#[test]
fn ucs2_is_utf16be_with_surrogate_pairs() {
    assert_eq!(
        encode("中a", Coding::Ucs2).unwrap(),
        vec![0x4E, 0x2D, 0x00, 0x61]
    );
    let emoji = encode("😀", Coding::Ucs2).unwrap();
    assert_eq!(emoji, vec![0xD8, 0x3D, 0xDE, 0x00]);
    assert_eq!(decode(8, &emoji).unwrap(), "😀");
    // Message-class form 0x18 (UCS2 flash) decodes the same.
    assert_eq!(decode(0x18, &emoji).unwrap(), "😀");
}

#[test]
fn broken_ucs2_is_an_error_not_a_guess() {
    assert_eq!(decode(8, &[0x4E, 0x2D, 0x00]), Err(TextError::OddLength(3)));
    assert_eq!(
        decode(8, &[0x00, 0x61, 0xD8, 0x3D]),
        Err(TextError::UnpairedSurrogate {
            offset: 2,
            unit: 0xD83D
        })
    );
    assert_eq!(
        decode(8, &[0xDE, 0x00, 0x00, 0x61]),
        Err(TextError::UnpairedSurrogate {
            offset: 0,
            unit: 0xDE00
        })
    );
}

#[test]
fn gbk_round_trips_chinese() {
    let text = "【腾讯云】您的验证码是123456，5分钟内有效。";
    let bytes = encode(text, Coding::Gbk).unwrap();
    // 【 is A1BE in GB2312.
    assert_eq!(&bytes[..2], &[0xA1, 0xBE]);
    assert_eq!(decode(15, &bytes).unwrap(), text);
    assert!(matches!(
        decode(15, &[0x41, 0x81]),
        Err(TextError::InvalidByte {
            coding: Coding::Gbk,
            ..
        })
    ));
}

#[test]
fn latin1_and_ia5() {
    assert_eq!(decode(3, &[0x63, 0x61, 0x66, 0xE9]).unwrap(), "café");
    assert_eq!(
        encode("café", Coding::Latin1).unwrap(),
        vec![0x63, 0x61, 0x66, 0xE9]
    );
    assert_eq!(decode(1, b"plain").unwrap(), "plain");
    assert!(matches!(
        decode(1, &[0xE9]),
        Err(TextError::InvalidByte { offset: 0, .. })
    ));
}

#[test]
fn non_text_codings_are_refused() {
    assert_eq!(decode(4, &[1, 2]), Err(TextError::NotText(4)));
    assert_eq!(decode(0xF6, &[1, 2]), Err(TextError::NotText(0xF6)));
    assert_eq!(decode(6, b"x"), Err(TextError::UnsupportedCoding(6)));
    assert_eq!(encode("x", Coding::Binary), Err(TextError::NotText(4)));
}

#[test]
fn cheapest_coding() {
    assert_eq!(choose_coding("Your code is 123456 {ok} €5"), Coding::Gsm7);
    assert_eq!(choose_coding("Ça coûte 5€"), Coding::Ucs2); // û is not in GSM 03.38
    assert_eq!(choose_coding("【示例】您的验证码"), Coding::Ucs2);
    assert_eq!(choose_coding("backtick `"), Coding::Ucs2);
    assert_eq!(choose_coding(""), Coding::Gsm7);
}

#[test]
fn received_messages_lose_their_udh_only_when_udhi_is_set() {
    let sm = [5, 0, 3, 9, 2, 1, 0x00, 0x61];
    assert_eq!(
        decode_message(8, 0x40, &sm).unwrap(),
        (
            Some(ConcatInfo {
                reference: 9,
                total: 2,
                seq: 1
            }),
            "a".to_owned()
        )
    );
    // Without UDHI the same octets are all text.
    assert_eq!(
        decode_message(8, 0x00, &sm).unwrap(),
        (None, "\u{500}\u{309}\u{201}a".to_owned())
    );
    assert!(matches!(
        decode_message(0, 0x40, &[9, 0]),
        Err(TextError::MalformedUdh(_))
    ));
}
