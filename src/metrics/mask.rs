//! Masking of phone numbers for logs: a phone number is personal data, so logs show
//! `138****8000` rather than `13800138000` (issue #7, cn-sms-rules: PIPL).

use std::fmt;

/// Masks the four characters before the last four of a number of 8 or more characters
/// (`13800138000` → `138****8000`, `+8613800138000` → `+86138****8000`). Shorter
/// values (short codes such as `10086`, which name a service, not a person) are kept.
pub fn mask_msisdn(number: &str) -> String {
    MaskedMsisdn(number).to_string()
}

/// A [`fmt::Display`] wrapper that masks without allocating, for `tracing` fields:
/// `tracing::info!(to = %MaskedMsisdn(&dest), "…")`.
#[derive(Debug, Clone, Copy)]
pub struct MaskedMsisdn<'a>(pub &'a str);

impl fmt::Display for MaskedMsisdn<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chars = self.0.chars().count();
        if chars < 8 {
            return f.write_str(self.0);
        }
        let (mask_from, mask_to) = (chars - 8, chars - 4);
        for (i, c) in self.0.chars().enumerate() {
            if (mask_from..mask_to).contains(&i) {
                f.write_str("*")?;
            } else {
                write!(f, "{c}")?;
            }
        }
        Ok(())
    }
}

/// A [`fmt::Display`] wrapper for free text that may quote a phone number (an error
/// message such as "no route for 13800138000"): every run of 8 or more ASCII digits is
/// masked as [`MaskedMsisdn`] does. `tracing::warn!(error = %MaskedText(&e.to_string()), …)`.
#[derive(Debug, Clone, Copy)]
pub struct MaskedText<'a>(pub &'a str);

impl fmt::Display for MaskedText<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut rest = self.0;
        while let Some(start) = rest.find(|c: char| c.is_ascii_digit()) {
            let (before, from) = rest.split_at(start);
            f.write_str(before)?;
            let len = from
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(from.len());
            let (digits, after) = from.split_at(len);
            write!(f, "{}", MaskedMsisdn(digits))?;
            rest = after;
        }
        f.write_str(rest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mainland_numbers_keep_prefix_and_last_four() {
        assert_eq!(mask_msisdn("13800138000"), "138****8000");
        assert_eq!(mask_msisdn("8613800138000"), "86138****8000");
        assert_eq!(mask_msisdn("+8613800138000"), "+86138****8000");
    }

    #[test]
    fn numbers_inside_text_are_masked_short_numbers_kept() {
        let e = "no route for 13800138000 (account \"a\", type 2), +8613912345678 at 10086";
        assert_eq!(
            MaskedText(e).to_string(),
            "no route for 138****8000 (account \"a\", type 2), +86139****5678 at 10086"
        );
        assert_eq!(MaskedText("").to_string(), "");
        assert_eq!(
            MaskedText("号码13800138000。").to_string(),
            "号码138****8000。"
        );
    }

    #[test]
    fn short_codes_and_odd_input_do_not_panic() {
        assert_eq!(mask_msisdn("10086"), "10086");
        assert_eq!(mask_msisdn(""), "");
        assert_eq!(mask_msisdn("12345678"), "****5678");
        // Multi-byte input is masked by character, never split inside one.
        assert_eq!(mask_msisdn("一二三四五六七八九"), "一****六七八九");
    }
}
