//! The mainland mobile prefix table: 7-digit prefix (号段) → carrier and province.
//!
//! The table ships inside the binary as `data/cn_prefixes.txt`, a run-length form of the
//! shared 543,080-row CSV (24 k runs of consecutive prefixes sharing carrier + province; city is
//! dropped because routing never uses it). See `data/README.md` for the format, the sources and
//! how to regenerate it (`smppd gen-prefixes`).
//!
//! In memory a table is three parallel arrays over the runs (start, end, packed
//! province/carrier byte) searched by binary search: about 9 bytes per run.

use std::sync::{Arc, OnceLock};

use super::carrier::{Carrier, Province, PROVINCES};
use super::error::RoutingError;

/// The compact table compiled into the binary.
const EMBEDDED: &str = include_str!("data/cn_prefixes.txt");

/// The format version written in and required from the compact data's first line.
pub(crate) const FORMAT_HEADER: &str = "# smppd-prefixes v1";

/// What the prefix table knows about a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrefixInfo {
    /// The operator that was allocated the prefix (not necessarily the serving one: see
    /// [`super::portability`]).
    pub carrier: Carrier,
    /// Where the block was first assigned; `None` when no source knows.
    pub province: Option<Province>,
}

/// A 7-digit prefix table, searched by binary search over runs of prefixes.
#[derive(Debug, Clone, Default)]
pub struct PrefixTable {
    /// First prefix of each run, ascending.
    starts: Vec<u32>,
    /// One past the last prefix of each run.
    ends: Vec<u32>,
    /// `province code << 3 | carrier code` of each run.
    info: Vec<u8>,
    /// The number of 7-digit prefixes covered.
    prefixes: u32,
}

impl PrefixTable {
    /// The table compiled into smppd, parsed once on first use.
    ///
    /// Cheap to call repeatedly: every caller shares one parsed table.
    pub fn embedded() -> Result<Arc<PrefixTable>, &'static RoutingError> {
        static TABLE: OnceLock<Result<Arc<PrefixTable>, RoutingError>> = OnceLock::new();
        TABLE
            .get_or_init(|| PrefixTable::parse(EMBEDDED).map(Arc::new))
            .as_ref()
            .cloned()
    }

    /// The compact text compiled into the binary (for `gen-prefixes` freshness checks).
    pub fn embedded_text() -> &'static str {
        EMBEDDED
    }

    /// Parses the compact text form (see `data/README.md`).
    pub fn parse(text: &str) -> Result<PrefixTable, RoutingError> {
        let mut table = PrefixTable::default();
        let mut next: Option<u32> = None;
        let mut saw_header = false;
        for (idx, line) in text.lines().enumerate() {
            let lineno = idx + 1;
            let bad = |problem: String| RoutingError::PrefixData {
                line: lineno,
                problem,
            };
            if idx == 0 {
                if line != FORMAT_HEADER {
                    return Err(bad(format!("expected {FORMAT_HEADER:?} as the first line")));
                }
                saw_header = true;
                continue;
            }
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            if let Some(rest) = line.strip_prefix("provinces ") {
                if !rest.split(' ').eq(PROVINCES.iter().copied()) {
                    return Err(bad("province list differs from this smppd's".into()));
                }
                continue;
            }
            if let Some(rest) = line.strip_prefix("carriers ") {
                if !rest.split(' ').eq(Carrier::ALL.iter().map(|c| c.as_str())) {
                    return Err(bad("carrier list differs from this smppd's".into()));
                }
                continue;
            }
            if let Some(start) = line.strip_prefix('@') {
                let start =
                    parse_prefix(start).ok_or_else(|| bad(format!("bad prefix {start:?}")))?;
                if next.is_some_and(|n| start < n) {
                    return Err(bad(format!("prefix {start} goes backwards")));
                }
                next = Some(start);
                continue;
            }
            let start = next.ok_or_else(|| bad("run before the first @prefix".into()))?;
            let (count, info) = parse_run(line).map_err(bad)?;
            let end = start + count;
            if end > 10_000_000 {
                return Err(bad("run goes past 9999999".into()));
            }
            table.push(start, end, info);
            next = Some(end);
        }
        if !saw_header {
            return Err(RoutingError::PrefixData {
                line: 1,
                problem: "empty data".into(),
            });
        }
        table.starts.shrink_to_fit();
        table.ends.shrink_to_fit();
        table.info.shrink_to_fit();
        Ok(table)
    }

    /// Adds a run; merges it into the previous one when adjacent with equal info.
    pub(crate) fn push(&mut self, start: u32, end: u32, info: u8) {
        self.prefixes += end - start;
        if let (Some(last_end), Some(last_info)) = (self.ends.last_mut(), self.info.last()) {
            if *last_end == start && *last_info == info {
                *last_end = end;
                return;
            }
        }
        self.starts.push(start);
        self.ends.push(end);
        self.info.push(info);
    }

    /// Looks up a mainland mobile number (11 digits; only the first 7 are used).
    pub fn lookup(&self, national: &str) -> Option<PrefixInfo> {
        let prefix = parse_prefix(national.get(..7)?)?;
        self.lookup_prefix(prefix)
    }

    /// Looks up a 7-digit prefix given as a number (`1380013`).
    pub fn lookup_prefix(&self, prefix: u32) -> Option<PrefixInfo> {
        let idx = self
            .starts
            .partition_point(|s| *s <= prefix)
            .checked_sub(1)?;
        if prefix >= self.ends[idx] {
            return None;
        }
        Some(unpack(self.info[idx]))
    }

    /// Whether the table lists any prefix of the number's 4-digit block (`1440…` → 1440000–
    /// 1440999). A block with none is not a mobile range (13-digit IoT 140–144, unallocated
    /// 154/160/…, 1611–1619); a single prefix missing inside a listed block is only a gap in
    /// the sources (phone.dat does not list every 146/148/149 prefix).
    pub fn knows_block(&self, national: &str) -> bool {
        let Some(block) = national.get(..4).and_then(|b| b.parse::<u32>().ok()) else {
            return false;
        };
        let (first, past) = (block * 1000, block * 1000 + 1000);
        // The first run that ends after the block's first prefix overlaps it if it starts
        // before the block ends.
        let idx = self.ends.partition_point(|end| *end <= first);
        self.starts.get(idx).is_some_and(|start| *start < past)
    }

    /// The operator of a whole segment the table lists only in part: the 11-digit data-SIM
    /// segments (上网卡), each allocated by MIIT to one operator, for which the table's sources
    /// (phone.dat) list only some prefixes (149: 3,729 of 10,000). The province stays unknown.
    pub fn segment_carrier(national: &str) -> Option<Carrier> {
        match national.get(..3)? {
            "146" => Some(Carrier::Cucc),
            "148" => Some(Carrier::Cmcc),
            "149" => Some(Carrier::Ctcc),
            _ => None,
        }
    }

    /// The number of runs (lines of compact data).
    pub fn runs(&self) -> usize {
        self.starts.len()
    }

    /// The number of 7-digit prefixes covered.
    pub fn prefixes(&self) -> u32 {
        self.prefixes
    }

    /// Heap bytes held by the table.
    pub fn heap_bytes(&self) -> usize {
        self.starts.capacity() * 4 + self.ends.capacity() * 4 + self.info.capacity()
    }

    /// Iterates the runs as `(start, end exclusive, info)`, ascending.
    pub fn iter_runs(&self) -> impl Iterator<Item = (u32, u32, PrefixInfo)> + '_ {
        (0..self.starts.len()).map(|i| (self.starts[i], self.ends[i], unpack(self.info[i])))
    }
}

/// Packs province and carrier into the run byte.
pub(crate) fn pack(info: PrefixInfo) -> u8 {
    info.province.map_or(0, Province::code) << 3 | info.carrier.code()
}

fn unpack(byte: u8) -> PrefixInfo {
    PrefixInfo {
        carrier: Carrier::ALL[usize::from(byte & 7)],
        province: Province::from_code(byte >> 3),
    }
}

/// Seven ASCII digits → their value.
pub(crate) fn parse_prefix(s: &str) -> Option<u32> {
    if s.len() != 7 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// `COUNT PROVINCE CARRIER` (province 0 = none) → (count, packed info).
fn parse_run(line: &str) -> Result<(u32, u8), String> {
    let mut fields = line.split(' ');
    let mut field = |name: &str| -> Result<u32, String> {
        let f = fields.next().ok_or_else(|| format!("missing {name}"))?;
        f.parse::<u32>().map_err(|_| format!("bad {name} {f:?}"))
    };
    let count = field("count")?;
    let province = field("province code")?;
    let carrier = field("carrier code")?;
    if fields.next().is_some() {
        return Err("extra fields".into());
    }
    if count == 0 {
        return Err("empty run".into());
    }
    let province = u8::try_from(province)
        .ok()
        .filter(|p| *p == 0 || Province::from_code(*p).is_some())
        .ok_or_else(|| format!("bad province code {province}"))?;
    let carrier = u8::try_from(carrier)
        .ok()
        .filter(|c| usize::from(*c) < Carrier::ALL.len())
        .ok_or_else(|| format!("bad carrier code {carrier}"))?;
    Ok((count, province << 3 | carrier))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prov(p: &str) -> Option<Province> {
        Some(p.parse().unwrap())
    }

    /// Expected values copied from /work/shared/data/cn_mobile_prefixes.csv.
    #[test]
    fn embedded_table_matches_csv_samples() {
        let t = PrefixTable::embedded().unwrap();
        let cases = [
            ("1380013", Carrier::Cmcc, prov("北京")),
            ("1300000", Carrier::Cucc, prov("山东")),
            ("1300012", Carrier::Cucc, prov("天津")),
            ("1700000", Carrier::MvnoCtcc, prov("北京")),
            ("1705000", Carrier::MvnoCmcc, prov("北京")),
            ("1709999", Carrier::MvnoCucc, prov("广东")),
            ("1920000", Carrier::Cbn, prov("广东")),
            ("1921234", Carrier::Cbn, prov("重庆")),
            ("1991234", Carrier::Ctcc, prov("河北")),
            ("1990000", Carrier::Ctcc, None),
            ("1349000", Carrier::Unknown, prov("北京")),
            ("1450000", Carrier::Cucc, prov("北京")),
        ];
        for (p, carrier, province) in cases {
            let got = t.lookup_prefix(p.parse().unwrap());
            assert_eq!(got, Some(PrefixInfo { carrier, province }), "{p}");
        }
        assert_eq!(t.prefixes(), 543_080);
        // 9 bytes per run once parsed (starts, ends, packed info).
        assert_eq!(t.heap_bytes(), t.runs() * 9);
        assert_eq!(t.lookup("1100000"), None);
        assert_eq!(t.lookup("12345"), None);
    }

    #[test]
    fn parse_rejects_malformed_data() {
        let ok = format!("{FORMAT_HEADER}\n@1300000\n2 15 1\n@1300005\n1 0 7\n");
        let t = PrefixTable::parse(&ok).unwrap();
        assert_eq!(t.runs(), 2);
        assert_eq!(
            t.lookup_prefix(1_300_001).map(|i| i.carrier),
            Some(Carrier::Cucc)
        );
        assert_eq!(t.lookup_prefix(1_300_002), None);
        assert_eq!(
            t.lookup_prefix(1_300_005).map(|i| i.carrier),
            Some(Carrier::Unknown)
        );
        for (bad, what) in [
            ("@1300000\n1 1 1\n", "first line"),
            (&format!("{FORMAT_HEADER}\n1 1 1\n"), "before the first"),
            (&format!("{FORMAT_HEADER}\n@130000\n"), "bad prefix"),
            (
                &format!("{FORMAT_HEADER}\n@1300000\n1 32 1\n"),
                "province code",
            ),
            (
                &format!("{FORMAT_HEADER}\n@1300000\n1 1 8\n"),
                "carrier code",
            ),
            (&format!("{FORMAT_HEADER}\n@1300000\n0 1 1\n"), "empty run"),
            (
                &format!("{FORMAT_HEADER}\n@1300005\n@1300000\n"),
                "backwards",
            ),
            (
                &format!("{FORMAT_HEADER}\nprovinces 北京\n"),
                "province list",
            ),
        ] {
            let err = PrefixTable::parse(bad).unwrap_err().to_string();
            assert!(err.contains(what), "{bad:?}: {err}");
        }
    }
}
