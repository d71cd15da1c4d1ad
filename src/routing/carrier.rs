//! The mobile operator (carrier) and the province a mainland number belongs to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// A mainland China mobile operator, or an MVNO (虚拟运营商) on one operator's network.
///
/// The serde and config names are `cmcc`, `cucc`, `ctcc`, `cbn`, `mvno_cmcc`, `mvno_cucc`,
/// `mvno_ctcc` and `unknown`; the prefix CSV spelling with a dash (`mvno-cmcc`) is accepted too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Carrier {
    /// China Mobile (中国移动).
    Cmcc,
    /// China Unicom (中国联通).
    Cucc,
    /// China Telecom (中国电信).
    Ctcc,
    /// China Broadnet (中国广电).
    Cbn,
    /// An MVNO hosted on China Mobile's network.
    #[serde(alias = "mvno-cmcc")]
    MvnoCmcc,
    /// An MVNO hosted on China Unicom's network.
    #[serde(alias = "mvno-cucc")]
    MvnoCucc,
    /// An MVNO hosted on China Telecom's network.
    #[serde(alias = "mvno-ctcc")]
    MvnoCtcc,
    /// No source knows the operator (e.g. the old 1349 satellite block, unlisted prefixes).
    Unknown,
}

impl Carrier {
    /// Every carrier, in the order of the compact prefix data's carrier codes (0–7).
    pub const ALL: [Carrier; 8] = [
        Carrier::Cmcc,
        Carrier::Cucc,
        Carrier::Ctcc,
        Carrier::Cbn,
        Carrier::MvnoCmcc,
        Carrier::MvnoCucc,
        Carrier::MvnoCtcc,
        Carrier::Unknown,
    ];

    /// The network that actually carries the SMS: an MVNO's host operator, else itself.
    pub const fn host_network(self) -> Carrier {
        match self {
            Carrier::MvnoCmcc => Carrier::Cmcc,
            Carrier::MvnoCucc => Carrier::Cucc,
            Carrier::MvnoCtcc => Carrier::Ctcc,
            other => other,
        }
    }

    /// The canonical config/metrics name (`cmcc`, `mvno_cucc` …).
    pub const fn as_str(self) -> &'static str {
        match self {
            Carrier::Cmcc => "cmcc",
            Carrier::Cucc => "cucc",
            Carrier::Ctcc => "ctcc",
            Carrier::Cbn => "cbn",
            Carrier::MvnoCmcc => "mvno_cmcc",
            Carrier::MvnoCucc => "mvno_cucc",
            Carrier::MvnoCtcc => "mvno_ctcc",
            Carrier::Unknown => "unknown",
        }
    }

    /// The position in [`Carrier::ALL`] (the compact data's carrier code).
    pub(crate) fn code(self) -> u8 {
        Carrier::ALL.iter().position(|c| *c == self).unwrap_or(7) as u8
    }
}

impl fmt::Display for Carrier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text names no known carrier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown carrier {0:?} (expected cmcc, cucc, ctcc, cbn, mvno_cmcc, mvno_cucc, mvno_ctcc or unknown)")]
pub struct ParseCarrierError(pub String);

impl FromStr for Carrier {
    type Err = ParseCarrierError;

    /// Accepts the config names, the CSV's dashed MVNO names and the Chinese operator names
    /// (portability files exported by carriers use them).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase().replace('-', "_");
        Ok(match t.as_str() {
            "cmcc" | "中国移动" | "移动" => Carrier::Cmcc,
            "cucc" | "中国联通" | "联通" => Carrier::Cucc,
            "ctcc" | "中国电信" | "电信" => Carrier::Ctcc,
            "cbn" | "中国广电" | "广电" => Carrier::Cbn,
            "mvno_cmcc" => Carrier::MvnoCmcc,
            "mvno_cucc" => Carrier::MvnoCucc,
            "mvno_ctcc" => Carrier::MvnoCtcc,
            "unknown" => Carrier::Unknown,
            _ => return Err(ParseCarrierError(s.to_string())),
        })
    }
}

/// The 31 mainland provinces, autonomous regions and municipalities, by their standard short
/// Chinese names, in the order of the compact prefix data's province codes (1–31; 0 = none).
pub const PROVINCES: [&str; 31] = [
    "北京",
    "天津",
    "河北",
    "山西",
    "内蒙古",
    "辽宁",
    "吉林",
    "黑龙江",
    "上海",
    "江苏",
    "浙江",
    "安徽",
    "福建",
    "江西",
    "山东",
    "河南",
    "湖北",
    "湖南",
    "广东",
    "广西",
    "海南",
    "重庆",
    "四川",
    "贵州",
    "云南",
    "西藏",
    "陕西",
    "甘肃",
    "青海",
    "宁夏",
    "新疆",
];

/// A mainland province by its short Chinese name (`广东`, `内蒙古` …); always one of [`PROVINCES`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Province(&'static str);

impl Province {
    /// The short Chinese name.
    pub const fn as_str(self) -> &'static str {
        self.0
    }

    /// The province for a compact-data code (1–31); `None` for 0 or out of range.
    pub(crate) fn from_code(code: u8) -> Option<Province> {
        let idx = usize::from(code).checked_sub(1)?;
        PROVINCES.get(idx).map(|name| Province(name))
    }

    /// The compact-data code (1–31).
    pub(crate) fn code(self) -> u8 {
        PROVINCES
            .iter()
            .position(|p| *p == self.0)
            .map_or(0, |i| i as u8 + 1)
    }
}

impl fmt::Display for Province {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// The text is not one of the 31 mainland short province names.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown province {0:?} (expected a short mainland name such as 广东, 内蒙古, 新疆)")]
pub struct ParseProvinceError(pub String);

impl FromStr for Province {
    type Err = ParseProvinceError;

    /// Accepts the short name, and the long forms ending in 省/市/自治区 or the ethnic
    /// region names (广西壮族自治区) that operators often paste into configs.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        PROVINCES
            .iter()
            .find(|p| t == **p || (t.starts_with(**p) && is_long_form_suffix(&t[p.len()..])))
            .map(|p| Province(p))
            .ok_or_else(|| ParseProvinceError(s.to_string()))
    }
}

/// The suffixes that turn a short province name into its official long name.
fn is_long_form_suffix(rest: &str) -> bool {
    matches!(
        rest,
        "省" | "市" | "自治区" | "壮族自治区" | "回族自治区" | "维吾尔自治区"
    )
}

impl Serialize for Province {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0)
    }
}

impl<'de> Deserialize<'de> for Province {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn carrier_names_round_trip_and_mvno_maps_to_host() {
        for c in Carrier::ALL {
            assert_eq!(c.as_str().parse::<Carrier>(), Ok(c));
            assert_eq!(Carrier::ALL[usize::from(c.code())], c);
        }
        assert_eq!("mvno-cucc".parse::<Carrier>(), Ok(Carrier::MvnoCucc));
        assert_eq!("中国电信".parse::<Carrier>(), Ok(Carrier::Ctcc));
        assert!("vodafone".parse::<Carrier>().is_err());
        assert_eq!(Carrier::MvnoCmcc.host_network(), Carrier::Cmcc);
        assert_eq!(Carrier::MvnoCucc.host_network(), Carrier::Cucc);
        assert_eq!(Carrier::MvnoCtcc.host_network(), Carrier::Ctcc);
        assert_eq!(Carrier::Cbn.host_network(), Carrier::Cbn);
        let json = serde_json::to_string(&Carrier::MvnoCtcc).unwrap();
        assert_eq!(json, "\"mvno_ctcc\"");
        let dashed: Carrier = serde_json::from_str("\"mvno-ctcc\"").unwrap();
        assert_eq!(dashed, Carrier::MvnoCtcc);
    }

    #[test]
    fn provinces_validate_short_and_long_names() {
        assert_eq!(PROVINCES.len(), 31);
        assert_eq!("广东".parse::<Province>().unwrap().as_str(), "广东");
        assert_eq!("广东省".parse::<Province>().unwrap().as_str(), "广东");
        assert_eq!(
            "广西壮族自治区".parse::<Province>().unwrap().as_str(),
            "广西"
        );
        assert_eq!("北京市".parse::<Province>().unwrap().as_str(), "北京");
        assert!("香港".parse::<Province>().is_err());
        assert!("广州".parse::<Province>().is_err());
        assert!("广东东".parse::<Province>().is_err());
        for (i, p) in PROVINCES.iter().enumerate() {
            let prov: Province = p.parse().unwrap();
            assert_eq!(usize::from(prov.code()), i + 1);
            assert_eq!(Province::from_code(prov.code()), Some(prov));
        }
        assert_eq!(Province::from_code(0), None);
        assert_eq!(Province::from_code(32), None);
    }
}
