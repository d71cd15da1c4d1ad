//! User data header (3GPP TS 23.040 §9.2.3.24) concatenation elements: parsing what clients
//! and carriers send, and building the headers [`crate::text::split`] emits.
//!
//! `short_message` = UDHL (1 octet, length of the elements that follow) + elements + text.
//! IEI 0x00: concatenated SM, 8-bit reference (`05 00 03 RR TT SS`); IEI 0x08: 16-bit
//! reference (`06 08 04 RRRR TT SS`), see smpp34-reference §12.

use super::TextError;

/// IEI of the concatenation element with an 8-bit reference.
pub const IEI_CONCAT_8: u8 = 0x00;
/// IEI of the concatenation element with a 16-bit reference.
pub const IEI_CONCAT_16: u8 = 0x08;
/// esm_class bit saying `short_message` starts with a UDH (SMPP 3.4 §5.2.12).
pub const ESM_CLASS_UDHI: u8 = 0x40;
/// Octets of a full UDH (UDHL included) with an 8-bit-reference concatenation element.
pub const CONCAT_8_LEN: usize = 6;
/// Octets of a full UDH (UDHL included) with a 16-bit-reference concatenation element.
pub const CONCAT_16_LEN: usize = 7;

/// Where one segment sits in a concatenated message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ConcatInfo {
    /// Reference shared by every segment of the message (≤ 255 for IEI 0x00).
    pub reference: u16,
    /// Total number of segments, 1..=255.
    pub total: u8,
    /// This segment's number, 1..=total.
    pub seq: u8,
}

/// Splits `short_message` into its concatenation info (if any) and the payload after the UDH.
///
/// With `udhi` false (esm_class bit 0x40 clear) the whole message is payload. Elements other
/// than IEI 0x00/0x08 are skipped; if a concatenation element repeats, the last one wins
/// (TS 23.040 §9.2.3.24). Rejects a UDHL or element length running past the data, a
/// concatenation element of the wrong length, total 0, and seq 0 or above total.
pub fn parse(short_message: &[u8], udhi: bool) -> Result<(Option<ConcatInfo>, &[u8]), TextError> {
    if !udhi {
        return Ok((None, short_message));
    }
    let (&udhl, rest) = short_message.split_first().ok_or(TextError::MalformedUdh(
        "UDHI set but short_message is empty",
    ))?;
    let udhl = usize::from(udhl);
    if udhl > rest.len() {
        return Err(TextError::MalformedUdh(
            "UDHL runs past the end of the message",
        ));
    }
    let (mut elements, payload) = rest.split_at(udhl);
    let mut concat = None;
    while !elements.is_empty() {
        let [iei, iel, tail @ ..] = elements else {
            return Err(TextError::MalformedUdh("truncated information element"));
        };
        let iel = usize::from(*iel);
        if iel > tail.len() {
            return Err(TextError::MalformedUdh(
                "information element runs past the UDH",
            ));
        }
        let (data, next) = tail.split_at(iel);
        match (*iei, data) {
            (IEI_CONCAT_8, &[r, total, seq]) => concat = Some(check(u16::from(r), total, seq)?),
            (IEI_CONCAT_16, &[r0, r1, total, seq]) => {
                concat = Some(check(u16::from_be_bytes([r0, r1]), total, seq)?)
            }
            (IEI_CONCAT_8 | IEI_CONCAT_16, _) => {
                return Err(TextError::MalformedUdh(
                    "concatenation element of the wrong length",
                ))
            }
            _ => {}
        }
        elements = next;
    }
    Ok((concat, payload))
}

fn check(reference: u16, total: u8, seq: u8) -> Result<ConcatInfo, TextError> {
    if total == 0 {
        return Err(TextError::MalformedUdh("concatenation total is 0"));
    }
    if seq == 0 || seq > total {
        return Err(TextError::MalformedUdh(
            "concatenation sequence outside 1..=total",
        ));
    }
    Ok(ConcatInfo {
        reference,
        total,
        seq,
    })
}

/// Appends a complete concatenation UDH (UDHL included) for `info` to `out`: IEI 0x08 with
/// a 16-bit reference when `wide`, else IEI 0x00 with the low 8 bits of the reference.
pub fn write_concat(out: &mut Vec<u8>, info: ConcatInfo, wide: bool) {
    if wide {
        let [r0, r1] = info.reference.to_be_bytes();
        out.extend_from_slice(&[6, IEI_CONCAT_16, 4, r0, r1, info.total, info.seq]);
    } else {
        // Truncation intended: IEI 0x00 carries only 8 bits of reference.
        let r = (info.reference & 0xFF) as u8;
        out.extend_from_slice(&[5, IEI_CONCAT_8, 3, r, info.total, info.seq]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_both_concat_forms() {
        let sm = [5, 0, 3, 0x2A, 3, 2, b'h', b'i'];
        let (info, payload) = parse(&sm, true).unwrap();
        assert_eq!(
            info,
            Some(ConcatInfo {
                reference: 0x2A,
                total: 3,
                seq: 2
            })
        );
        assert_eq!(payload, b"hi");

        let sm = [6, 8, 4, 0x12, 0x34, 2, 2, b'x'];
        let (info, payload) = parse(&sm, true).unwrap();
        assert_eq!(
            info,
            Some(ConcatInfo {
                reference: 0x1234,
                total: 2,
                seq: 2
            })
        );
        assert_eq!(payload, b"x");
    }

    #[test]
    fn skips_other_elements_and_handles_no_udhi() {
        // Port addressing (IEI 0x05) before the concat element.
        let sm = [11, 5, 4, 0x0B, 0x84, 0x23, 0xF0, 0, 3, 7, 2, 1, 0xAA];
        let (info, payload) = parse(&sm, true).unwrap();
        assert_eq!(
            info,
            Some(ConcatInfo {
                reference: 7,
                total: 2,
                seq: 1
            })
        );
        assert_eq!(payload, &[0xAA]);
        let (info, payload) = parse(&[5, 0, 3, 1, 1, 1], false).unwrap();
        assert_eq!((info, payload.len()), (None, 6));
        // A UDH without a concatenation element.
        assert_eq!(parse(&[0, b'a'], true).unwrap(), (None, &b"a"[..]));
    }

    #[test]
    fn rejects_malformed_headers() {
        for bad in [
            &[][..],
            &[9, 0, 3, 1, 2, 1], // UDHL past the end
            &[5, 0, 9, 1, 2, 1], // element past the UDH
            &[5, 0, 3, 1, 0, 0], // total 0
            &[5, 0, 3, 1, 2, 0], // seq 0
            &[5, 0, 3, 1, 2, 3], // seq > total
            &[4, 0, 2, 1, 2],    // wrong element length
            &[1, 0],             // truncated element header
        ] {
            assert!(
                matches!(parse(bad, true), Err(TextError::MalformedUdh(_))),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn written_headers_parse_back() {
        let info = ConcatInfo {
            reference: 0x1FF,
            total: 4,
            seq: 3,
        };
        let mut narrow = Vec::new();
        write_concat(&mut narrow, info, false);
        assert_eq!(narrow.len(), CONCAT_8_LEN);
        assert_eq!(
            parse(&narrow, true).unwrap().0,
            Some(ConcatInfo {
                reference: 0xFF,
                ..info
            })
        );
        let mut wide = Vec::new();
        write_concat(&mut wide, info, true);
        assert_eq!(wide.len(), CONCAT_16_LEN);
        assert_eq!(parse(&wide, true).unwrap().0, Some(info));
    }
}
