//! Per-upstream text settings, for the configuration owner to embed (e.g. under each
//! upstream's `[upstreams.text]` table).

use super::{choose_coding, split, Coding, ConcatMethod, Segment, SplitOptions, TextError};

/// How messages towards one upstream are coded and segmented.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SegmentationConfig {
    /// How long messages are tied together: `udh8` (default), `udh16`, `sar` or
    /// `message_payload`. Chinese upstreams vary, so this is per upstream.
    pub concat: ConcatMethod,
    /// Refuse texts needing more parts than this (1–255).
    pub max_segments: u8,
    /// Characters the carrier appends to every part (e.g. a signature it adds itself).
    pub reserve_chars: usize,
    /// Send non-GSM text as GBK (data_coding 15) instead of UCS-2: only for upstreams that
    /// document it (a CMPP convention). Texts GBK cannot carry (emoji) still go as UCS-2.
    pub prefer_gbk: bool,
}

impl Default for SegmentationConfig {
    fn default() -> Self {
        SegmentationConfig {
            concat: ConcatMethod::Udh8,
            max_segments: u8::MAX,
            reserve_chars: 0,
            prefer_gbk: false,
        }
    }
}

impl SegmentationConfig {
    /// The coding this upstream gets for `text`.
    pub fn coding_for(&self, text: &str) -> Coding {
        match choose_coding(text) {
            Coding::Ucs2 if self.prefer_gbk && super::encode(text, Coding::Gbk).is_ok() => {
                Coding::Gbk
            }
            coding => coding,
        }
    }

    /// Splits `text` for this upstream with concatenation reference `reference`.
    pub fn split(&self, text: &str, reference: u16) -> Result<Vec<Segment>, TextError> {
        let opts = SplitOptions {
            coding: Some(self.coding_for(text)),
            method: self.concat,
            reference,
            reserve_chars: self.reserve_chars,
            max_segments: self.max_segments,
        };
        split(text, &opts)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_from_toml_with_defaults_and_rejects_unknown_keys() {
        let cfg: SegmentationConfig =
            toml::from_str("concat = \"sar\"\nprefer_gbk = true\nreserve_chars = 5").unwrap();
        assert_eq!(cfg.concat, ConcatMethod::Sar);
        assert_eq!(cfg.max_segments, 255);
        assert!(toml::from_str::<SegmentationConfig>("concat = \"udh9\"").is_err());
        assert!(toml::from_str::<SegmentationConfig>("gbk = true").is_err());
        assert_eq!(
            toml::from_str::<SegmentationConfig>("").unwrap(),
            SegmentationConfig::default()
        );
    }

    #[test]
    fn gbk_only_when_preferred_and_representable() {
        let gbk = SegmentationConfig {
            prefer_gbk: true,
            ..Default::default()
        };
        assert_eq!(gbk.coding_for("【示例】验证码"), Coding::Gbk);
        assert_eq!(gbk.coding_for("hello"), Coding::Gsm7);
        assert_eq!(gbk.coding_for("验证码😀"), Coding::Ucs2);
        assert_eq!(
            SegmentationConfig::default().coding_for("验证码"),
            Coding::Ucs2
        );
        let segs = gbk.split(&"验".repeat(71), 9).unwrap();
        // 71 GBK characters = 142 octets: two parts of at most 67 characters.
        assert_eq!(segs.len(), 2);
        assert!(segs.iter().all(|s| s.coding == Coding::Gbk && s.udhi));
    }
}
