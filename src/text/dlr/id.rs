//! Matching a receipt's `id` to the carrier message id from submit_sm_resp.
//!
//! Carriers disagree with themselves: the submit_sm_resp may say `0A1B2C3D` while the receipt
//! says `169552957` (the same number in decimal, a common SMPP 3.3 vs 3.4 habit), or
//! `0000029095` vs `29095`, or `3f3a6fac-…` vs `3F3A6FAC-…`.
//!
//! The rule:
//! 1. Every id is first normalised ([`normalize_carrier_id`]): surrounding whitespace trimmed,
//!    ASCII upper-cased, leading zeros stripped (`0000` becomes `0`). The submit_sm_resp id is
//!    indexed under this key only.
//! 2. A receipt id is looked up under the keys [`ReceiptIdForm::receipt_keys`] gives, in order,
//!    according to the upstream's configured [`ReceiptIdForm`]: with `Same` its own normalised
//!    form; with a hex/decimal form only the number rewritten in the resp's base (so a receipt
//!    `1234` meaning 0x4D2 never hits a resp id `1234`), or as-is if it cannot be rewritten;
//!    with `Auto` the normalised form first, then both rewrites.
//!
//! Why not always try both bases: an all-digit id like `1234` is valid hex and decimal, so a
//! receipt `4660` (= 0x1234) could match an unrelated message whose id really is `4660`.
//! Conversion is therefore opt-in per upstream; [`ReceiptIdForm::Auto`] tries it only after
//! the exact key, and the caller should then confirm the match (same upstream, receipt
//! source_addr equal to the message's destination) before accepting it.

use std::fmt;

/// A normalised carrier message id, usable as a map key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CarrierIdKey(String);

impl CarrierIdKey {
    /// The key's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for CarrierIdKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Normalises a carrier id: trimmed, ASCII upper-case, leading zeros stripped (an id of only
/// zeros keeps one). Use it on the submit_sm_resp `message_id`.
pub fn normalize_carrier_id(id: &str) -> CarrierIdKey {
    let upper = id.trim().to_ascii_uppercase();
    let stripped = upper.trim_start_matches('0');
    if stripped.is_empty() && !upper.is_empty() {
        return CarrierIdKey("0".to_owned());
    }
    CarrierIdKey(stripped.to_owned())
}

/// How an upstream writes receipt ids relative to its submit_sm_resp ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptIdForm {
    /// The same text, up to case and leading zeros (the default).
    #[default]
    Same,
    /// submit_sm_resp gives hex, the receipt gives the same number in decimal.
    HexInRespDecimalInReceipt,
    /// submit_sm_resp gives decimal, the receipt gives the same number in hex.
    DecimalInRespHexInReceipt,
    /// Unknown: try the id as-is, then the decimal→hex and hex→decimal rewrites. Confirm
    /// matches found by rewriting (see the module docs).
    Auto,
}

/// The same number written in hex (upper-case, no leading zeros), if `id` is decimal.
fn decimal_to_hex(id: &str) -> Option<CarrierIdKey> {
    let t = id.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    t.parse::<u128>()
        .ok()
        .map(|v| CarrierIdKey(format!("{v:X}")))
}

/// The same number written in decimal (no leading zeros), if `id` is hex.
fn hex_to_decimal(id: &str) -> Option<CarrierIdKey> {
    let t = id.trim();
    if t.is_empty() || !t.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u128::from_str_radix(t, 16)
        .ok()
        .map(|v| CarrierIdKey(v.to_string()))
}

impl ReceiptIdForm {
    /// The keys to look a receipt id up under, most likely first, without duplicates. The
    /// submit_sm_resp id must have been stored under [`normalize_carrier_id`].
    pub fn receipt_keys(self, receipt_id: &str) -> Vec<CarrierIdKey> {
        let exact = normalize_carrier_id(receipt_id);
        let mut keys = Vec::with_capacity(3);
        match self {
            ReceiptIdForm::Same => keys.push(exact),
            // The resp was hex, so rewrite the receipt's decimal into hex. An id that cannot
            // be rewritten (not a number in the expected base, or over 128 bits) is looked up
            // as-is: it cannot be the other base's rendition of anything.
            ReceiptIdForm::HexInRespDecimalInReceipt => {
                keys.push(decimal_to_hex(receipt_id).unwrap_or(exact))
            }
            ReceiptIdForm::DecimalInRespHexInReceipt => {
                keys.push(hex_to_decimal(receipt_id).unwrap_or(exact))
            }
            ReceiptIdForm::Auto => {
                keys.push(exact);
                keys.extend(decimal_to_hex(receipt_id));
                keys.extend(hex_to_decimal(receipt_id));
            }
        }
        let mut seen = Vec::with_capacity(keys.len());
        keys.retain(|k| {
            let new = !seen.contains(k);
            seen.push(k.clone());
            new
        });
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(s: &str) -> CarrierIdKey {
        normalize_carrier_id(s)
    }

    #[test]
    fn normalisation_ignores_case_zeros_and_spaces() {
        assert_eq!(key(" 0000029095 "), key("29095"));
        assert_eq!(key("3f3a6fac-cc4f"), key("3F3A6FAC-CC4F"));
        assert_eq!(key("0000").as_str(), "0");
        assert_eq!(key("").as_str(), "");
        assert_ne!(key("12345"), key("123450"));
    }

    #[test]
    fn configured_rewrites_match_the_other_base() {
        // jsmpp issue 56: receipt 870928761 for submit_sm_resp id 33E95179.
        let resp = key("33e95179");
        let keys = ReceiptIdForm::HexInRespDecimalInReceipt.receipt_keys("870928761");
        assert_eq!(keys, vec![resp.clone()]);
        let keys = ReceiptIdForm::DecimalInRespHexInReceipt.receipt_keys("0033E95179");
        assert_eq!(keys, vec![key("870928761")]);
        // A receipt id that is not a number in the configured base is looked up as-is.
        assert_eq!(
            ReceiptIdForm::HexInRespDecimalInReceipt.receipt_keys("ab-01"),
            vec![key("AB-01")]
        );
        // With `Same`, no rewriting, so no accidental match.
        assert!(!ReceiptIdForm::Same
            .receipt_keys("870928761")
            .contains(&resp));
    }

    #[test]
    fn auto_tries_exact_first_then_rewrites() {
        let keys = ReceiptIdForm::Auto.receipt_keys("4660");
        assert_eq!(keys, vec![key("4660"), key("1234"), key("18016")]);
        // Non-numeric ids are never rewritten.
        assert_eq!(
            ReceiptIdForm::Auto.receipt_keys("ab-12"),
            vec![key("AB-12")]
        );
        // Too large to rewrite: exact only.
        let huge = "9".repeat(45);
        assert_eq!(ReceiptIdForm::Auto.receipt_keys(&huge).len(), 1);
    }
}
