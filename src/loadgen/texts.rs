//! The texts a run submits, encoded and split once before the run so that the hot loop only
//! copies prepared octets (`Bytes` clones, no allocation).
//!
//! Verification codes vary per pool entry, so a gateway's duplicate or frequency checks see
//! distinct contents; long texts are split with [`crate::text::split`] into UDH IEI 0x00
//! segments (smpp34-reference §12), one concatenation reference per pool entry.

use bytes::Bytes;
use rand::Rng;

use super::config::TextKind;
use super::error::LoadgenError;
use crate::pdu::ShortMessage;
use crate::text::{split, udh, ConcatMethod, SplitOptions};

/// Distinct texts per kind: enough variety for content checks, small enough to stay in cache.
const POOL_PER_KIND: usize = 64;

const SIGNATURES: [&str; 4] = ["【顺丰速运】", "【招商银行】", "【美团】", "【中国移动】"];

/// One submit_sm worth of prepared fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PreparedSegment {
    /// data_coding of the segment (0 GSM 7-bit, 8 UCS-2).
    pub data_coding: u8,
    /// esm_class: 0x40 (UDHI) when short_message starts with a concatenation UDH.
    pub esm_class: u8,
    /// The encoded short_message (UDH included).
    pub short_message: ShortMessage,
}

/// A message: one or more segments submitted in order on one session.
pub type PreparedMessage = Vec<PreparedSegment>;

/// Builds the pool of prepared messages for `kind`.
pub fn pool(kind: TextKind, rng: &mut impl Rng) -> Result<Vec<PreparedMessage>, LoadgenError> {
    let kinds: &[TextKind] = match kind {
        TextKind::Mix => &[TextKind::Gsm7, TextKind::Ucs2, TextKind::Long],
        k => match k {
            TextKind::Gsm7 => &[TextKind::Gsm7],
            TextKind::Ucs2 => &[TextKind::Ucs2],
            _ => &[TextKind::Long],
        },
    };
    let mut out = Vec::with_capacity(POOL_PER_KIND * kinds.len());
    for i in 0..POOL_PER_KIND {
        for &k in kinds {
            let text = sample_text(k, i, rng);
            let opts = SplitOptions {
                method: ConcatMethod::Udh8,
                reference: u16::try_from(i).unwrap_or(0),
                ..SplitOptions::default()
            };
            let segments = split(&text, &opts).map_err(|e| LoadgenError::Config(e.to_string()))?;
            let prepared = segments
                .into_iter()
                .map(|s| {
                    Ok(PreparedSegment {
                        data_coding: s.coding.data_coding(),
                        esm_class: if s.udhi { udh::ESM_CLASS_UDHI } else { 0 },
                        short_message: ShortMessage::new(Bytes::from(s.bytes))
                            .map_err(|e| LoadgenError::Config(e.to_string()))?,
                    })
                })
                .collect::<Result<_, LoadgenError>>()?;
            out.push(prepared);
        }
    }
    Ok(out)
}

fn sample_text(kind: TextKind, i: usize, rng: &mut impl Rng) -> String {
    let code: u32 = rng.gen_range(100_000..1_000_000);
    let sig = SIGNATURES[i % SIGNATURES.len()];
    match kind {
        TextKind::Gsm7 => {
            format!("Your verification code is {code}. It expires in 5 minutes; do not share it.")
        }
        TextKind::Ucs2 => format!("{sig}您的验证码是{code}，5分钟内有效，请勿泄露给他人。"),
        _ => format!(
            "{sig}尊敬的客户，您的订单{code}已发货，预计明天送达。本周会员日全场满200减30，\
             新用户首单立减10元，活动截至本月底，详情请打开App查看或咨询客服热线95555。\
             感谢您一直以来的支持，祝您生活愉快！拒收请回复R"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn each_kind_has_the_coding_and_segments_it_promises() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let gsm = pool(TextKind::Gsm7, &mut rng).unwrap();
        assert!(gsm.iter().all(|m| m.len() == 1 && m[0].data_coding == 0));
        let ucs2 = pool(TextKind::Ucs2, &mut rng).unwrap();
        assert!(ucs2
            .iter()
            .all(|m| m.len() == 1 && m[0].data_coding == 8 && m[0].esm_class == 0));
        let long = pool(TextKind::Long, &mut rng).unwrap();
        for m in &long {
            assert!(m.len() >= 2, "long text in {} segment(s)", m.len());
            for s in m {
                assert_eq!((s.data_coding, s.esm_class), (8, 0x40));
                assert!(s.short_message.len() <= 140);
                // UDH IEI 0x00, 8-bit reference: 05 00 03 ref total seq.
                assert_eq!(&s.short_message[..3], &[5, 0, 3]);
            }
        }
        assert_eq!(
            pool(TextKind::Mix, &mut rng).unwrap().len(),
            3 * POOL_PER_KIND
        );
    }
}
