//! Realistic Chinese mobile recipients: real 7-digit number blocks (号段) of the three
//! carriers, China Broadnet and the 170x virtual operators, so that a gateway's number
//! routing (carrier, province) sees the spread it sees in production.
//!
//! The table `cn_prefixes.txt` holds one prefix per (segment, province) known for that
//! segment in `/work/shared/data/cn_mobile_prefixes.csv`; `gen_prefixes.py` regenerates it.
//! Drawing a row uniformly therefore spreads numbers over provinces evenly and over
//! carriers by their number of segments (about 52% cmcc, 22% cucc, 16% ctcc, 3% cbn, 7% MVNO).

use rand::Rng;

use super::config::NumberFormat;

const TABLE: &str = include_str!("cn_prefixes.txt");

/// One number block: its first 7 digits, the province it was issued in, the carrier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Block {
    /// The first 7 digits of the 11-digit number.
    pub prefix: &'static str,
    /// Province name in Chinese (北京, 广东, …).
    pub province: &'static str,
    /// `cmcc`, `cucc`, `ctcc`, `cbn` or `mvno-<host>`.
    pub carrier: &'static str,
}

/// Draws recipients from the embedded block table.
#[derive(Debug, Clone)]
pub struct Recipients {
    blocks: Vec<Block>,
}

impl Default for Recipients {
    fn default() -> Self {
        Self::new()
    }
}

impl Recipients {
    /// Parses the embedded table (comment lines start with `#`).
    pub fn new() -> Self {
        let blocks = TABLE
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| {
                let mut f = l.split(' ');
                let block = Block {
                    prefix: f.next()?,
                    province: f.next()?,
                    carrier: f.next()?,
                };
                (block.prefix.len() == 7).then_some(block)
            })
            .collect();
        Recipients { blocks }
    }

    /// The blocks numbers are drawn from.
    pub fn blocks(&self) -> &[Block] {
        &self.blocks
    }

    /// A random number: a block plus four random digits, written in `format`.
    pub fn draw(&self, rng: &mut impl Rng, format: NumberFormat) -> (Block, String) {
        let block = self.blocks[rng.gen_range(0..self.blocks.len())];
        let mut number = String::with_capacity(13);
        if format == NumberFormat::E164 {
            number.push_str("86");
        }
        number.push_str(block.prefix);
        let tail: u32 = rng.gen_range(0..10_000);
        number.push_str(&format!("{tail:04}"));
        (block, number)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;
    use std::collections::HashSet;

    #[test]
    fn numbers_are_eleven_digits_from_every_carrier_and_many_provinces() {
        let r = Recipients::new();
        assert!(
            r.blocks().len() > 900,
            "table has {} rows",
            r.blocks().len()
        );
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let mut carriers = HashSet::new();
        let mut provinces = HashSet::new();
        for _ in 0..5000 {
            let (b, n) = r.draw(&mut rng, NumberFormat::National);
            assert_eq!(n.len(), 11);
            assert!(n.starts_with(b.prefix) && n.bytes().all(|c| c.is_ascii_digit()));
            carriers.insert(b.carrier);
            provinces.insert(b.province);
        }
        for c in [
            "cmcc",
            "cucc",
            "ctcc",
            "cbn",
            "mvno-cmcc",
            "mvno-cucc",
            "mvno-ctcc",
        ] {
            assert!(carriers.contains(c), "{c} never drawn");
        }
        assert_eq!(provinces.len(), 31);
        let (_, n) = r.draw(&mut rng, NumberFormat::E164);
        assert!(n.starts_with("86") && n.len() == 13);
    }

    #[test]
    fn segments_belong_to_their_carrier() {
        for b in Recipients::new().blocks() {
            let seg = &b.prefix[..3];
            let expect = match seg {
                "134" | "135" | "136" | "137" | "138" | "139" | "150" | "151" | "152" | "157"
                | "158" | "159" | "182" | "183" | "184" | "187" | "188" => "cmcc",
                "130" | "131" | "132" | "155" | "156" | "185" | "186" => "cucc",
                "133" | "153" | "180" | "181" | "189" => "ctcc",
                "192" => "cbn",
                _ => match &b.prefix[..4] {
                    "1700" => "mvno-ctcc",
                    "1703" => "mvno-cmcc",
                    "1704" => "mvno-cucc",
                    other => panic!("unexpected segment {other}"),
                },
            };
            assert_eq!(b.carrier, expect, "{}", b.prefix);
        }
    }
}
