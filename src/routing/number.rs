//! Destination number normalization: whatever a client typed into `destination_addr`
//! becomes a mainland 11-digit mobile number or an E.164 number with a known country.
//!
//! Accepted decorations: a leading `+`, `00` or `86`/`+86`/`0086`, spaces, dashes, dots,
//! parentheses, and their full-width forms (`＋８６ １３８－００１３－８０００`) that Chinese
//! input methods produce. Anything else is an error that says what is wrong.

use std::fmt;

use super::country;

/// The longest E.164 number, in digits without `+` (ITU-T E.164 §6.1).
const E164_MAX_DIGITS: usize = 15;
/// The shortest subscriber part we accept after a country code (Niue and Tokelau use 4).
const MIN_SUBSCRIBER_DIGITS: usize = 4;
/// A mainland mobile number's length.
const CN_MOBILE_DIGITS: usize = 11;

/// A normalized destination number.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Number {
    /// The E.164 form with a leading `+` (`+8613800138000`).
    pub e164: String,
    /// The 11-digit mainland mobile number (`13800138000`); `None` outside mainland China.
    pub national: Option<String>,
    /// ISO 3166-1 alpha-2 region of the country calling code (`"CN"`, `"HK"`, `"US"` …).
    pub country: &'static str,
}

impl Number {
    /// The E.164 digits without the `+`, as carriers want them with `dest_addr_ton` = 1.
    pub fn e164_digits(&self) -> &str {
        self.e164.trim_start_matches('+')
    }

    /// Whether this is a mainland China mobile number.
    pub fn is_mainland_mobile(&self) -> bool {
        self.national.is_some()
    }

    /// `(dest_addr_ton, dest_addr_npi, destination_addr)` to send upstream, given what the
    /// client sent: plain digits, never the client's `+`, `00`, separators or full-width
    /// forms, which a carrier SMSC would refuse after smppd already answered ESME_ROK
    /// (cn-sms-rules.md §7). A mainland number keeps the client's TON: `86…` under TON 1,
    /// the 11 national digits otherwise. Any other number goes as E.164 digits with TON 1 /
    /// NPI 1 (ISDN), the only form a carrier cannot mistake for a domestic number.
    pub fn upstream_address(&self, ton: u8, npi: u8) -> (u8, u8, String) {
        const INTERNATIONAL: u8 = 1;
        const ISDN: u8 = 1;
        match &self.national {
            Some(national) if ton == INTERNATIONAL => (ton, npi, format!("86{national}")),
            Some(national) => (ton, npi, national.clone()),
            None => (INTERNATIONAL, ISDN, self.e164_digits().to_owned()),
        }
    }
}

impl fmt::Display for Number {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.e164)
    }
}

/// How the client declared the number, from SMPP `dest_addr_ton` (SMPP 3.4 §5.2.5).
///
/// Kept separate from the codec's TON type so routing does not depend on `pdu`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NumberHint {
    /// TON 0 (unknown) or anything else: recognise the number from its own form.
    #[default]
    Unknown,
    /// TON 1 (international): the digits start with the country code, no `+` needed.
    International,
    /// TON 2 (national): a mainland number.
    National,
}

impl NumberHint {
    /// The hint for an SMPP `dest_addr_ton` value.
    pub fn from_ton(ton: u8) -> NumberHint {
        match ton {
            1 => NumberHint::International,
            2 => NumberHint::National,
            _ => NumberHint::Unknown,
        }
    }
}

/// What is wrong with a destination number.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NumberError {
    /// Nothing but separators (or nothing at all).
    #[error("the number is empty")]
    Empty,
    /// A letter where digits are expected.
    #[error("the number contains the letter {ch:?} at position {position}: only digits, a leading +, spaces, dashes, dots and parentheses are allowed")]
    Letter {
        /// The offending character.
        ch: char,
        /// Its position (in characters, from 0) in the input.
        position: usize,
    },
    /// Some other character that has no place in a phone number.
    #[error("the number contains {ch:?} at position {position}: only digits, a leading +, spaces, dashes, dots and parentheses are allowed")]
    InvalidCharacter {
        /// The offending character.
        ch: char,
        /// Its position (in characters, from 0) in the input.
        position: usize,
    },
    /// A `+` after the first digit.
    #[error("'+' at position {position} is allowed only at the start of the number")]
    MisplacedPlus {
        /// Its position (in characters, from 0) in the input.
        position: usize,
    },
    /// Too few digits for the kind of number it looks like.
    #[error("the number is too short: {digits} digits, {expected}")]
    TooShort {
        /// How many digits there were.
        digits: usize,
        /// What was expected, in words.
        expected: &'static str,
    },
    /// Too many digits.
    #[error("the number is too long: {digits} digits, {expected}")]
    TooLong {
        /// How many digits there were.
        digits: usize,
        /// What was expected, in words.
        expected: &'static str,
    },
    /// 11 digits (after +86) that cannot be a mainland mobile number.
    #[error("{national} is not a mainland mobile number (they are 11 digits starting 13–19)")]
    NotMainlandMobile {
        /// The national digits after any +86.
        national: String,
    },
    /// 11 digits of the mainland form in a range no operator holds for mobile service.
    #[error("{national} is not an allocated mainland mobile range ({block}…): 13-digit IoT blocks (140–144) and unallocated segments cannot receive SMS")]
    UnallocatedRange {
        /// The 11 national digits.
        national: String,
        /// Its 4-digit block.
        block: String,
    },
    /// A domestic number with the trunk `0` + area code: a fixed line, which cannot receive SMS.
    #[error("{digits} is a fixed-line number (0 + area code): fixed lines cannot receive SMS")]
    FixedLine {
        /// The digits.
        digits: String,
    },
    /// An international number whose country code is not assigned to a country.
    #[error("+{digits} does not start with a known country calling code")]
    UnknownCountryCode {
        /// The E.164 digits.
        digits: String,
    },
    /// Digits that are neither a mainland mobile number nor marked international.
    #[error("{digits} is not an 11-digit mainland mobile number; write international numbers with + or 00 and the country code")]
    NoCountryCode {
        /// The digits.
        digits: String,
    },
}

/// Normalizes a destination as typed, recognising its form (see [`NumberHint::Unknown`]).
pub fn normalize(input: &str) -> Result<Number, NumberError> {
    normalize_with_hint(input, NumberHint::Unknown)
}

/// Normalizes a destination, honouring what the client's TON says about it.
pub fn normalize_with_hint(input: &str, hint: NumberHint) -> Result<Number, NumberError> {
    let (plus, digits) = clean(input)?;
    if plus {
        return international(&digits);
    }
    if let Some(rest) = digits.strip_prefix("00") {
        return international(rest);
    }
    // Domestic numbers start with the trunk 0 only for fixed lines (010 北京, 0755 深圳 …);
    // mobile numbers have none. "0" + a mobile number keeps its own error below.
    if hint != NumberHint::International
        && digits.starts_with('0')
        && !is_mobile_shape(&digits[1..])
    {
        return Err(NumberError::FixedLine { digits });
    }
    match hint {
        NumberHint::International => international(&digits),
        NumberHint::National => mainland(&digits),
        NumberHint::Unknown => {
            if digits.len() == CN_MOBILE_DIGITS + 2 && digits.starts_with("861") {
                mainland(&digits[2..])
            } else if digits.starts_with('1') || digits.len() <= CN_MOBILE_DIGITS {
                mainland(&digits)
            } else {
                Err(NumberError::NoCountryCode { digits })
            }
        }
    }
}

/// Strips separators, folds full-width forms, and returns (had leading `+`, ASCII digits).
fn clean(input: &str) -> Result<(bool, String), NumberError> {
    let mut digits = String::with_capacity(input.len());
    let mut plus = false;
    for (position, ch) in input.chars().enumerate() {
        match ch {
            '0'..='9' => digits.push(ch),
            // Full-width digits U+FF10..U+FF19.
            '０'..='９' => {
                let offset = u32::from(ch) - u32::from('０');
                digits.push(char::from_digit(offset, 10).unwrap_or('0'));
            }
            '+' | '＋' if digits.is_empty() && !plus => plus = true,
            '+' | '＋' => return Err(NumberError::MisplacedPlus { position }),
            '-' | '.' | '(' | ')' | '－' | '．' | '（' | '）' | '‐' | '‑' | '–' | '—' =>
                {}
            c if c.is_whitespace() => {}
            c if c.is_alphabetic() => return Err(NumberError::Letter { ch: c, position }),
            c => return Err(NumberError::InvalidCharacter { ch: c, position }),
        }
    }
    if digits.is_empty() {
        return Err(NumberError::Empty);
    }
    Ok((plus, digits))
}

/// E.164 digits (no `+`): +86 goes to the mainland rules, the rest by calling code.
fn international(digits: &str) -> Result<Number, NumberError> {
    if let Some(national) = digits.strip_prefix("86") {
        // "+86 (0)138…" keeps the domestic trunk 0 by habit; drop it.
        let national = match national.strip_prefix('0') {
            Some(rest) if rest.len() == CN_MOBILE_DIGITS => rest,
            _ => national,
        };
        return mainland(national);
    }
    if digits.len() > E164_MAX_DIGITS {
        return Err(NumberError::TooLong {
            digits: digits.len(),
            expected: "E.164 numbers have at most 15",
        });
    }
    let Some((code_len, country)) = country::lookup(digits) else {
        return Err(NumberError::UnknownCountryCode {
            digits: digits.to_string(),
        });
    };
    if digits.len() < code_len + MIN_SUBSCRIBER_DIGITS {
        return Err(NumberError::TooShort {
            digits: digits.len(),
            expected: "a subscriber number needs at least 4 digits after the country code",
        });
    }
    Ok(Number {
        e164: format!("+{digits}"),
        national: None,
        country,
    })
}

/// `1[3-9]` + 9 digits.
fn is_mobile_shape(d: &str) -> bool {
    let b = d.as_bytes();
    b.len() == CN_MOBILE_DIGITS && b[0] == b'1' && (b'3'..=b'9').contains(&b[1])
}

/// A mainland mobile number: 11 digits, `1[3-9]…` (MIIT numbering plan).
fn mainland(national: &str) -> Result<Number, NumberError> {
    const EXPECTED: &str = "mainland mobile numbers have 11";
    if national.len() < CN_MOBILE_DIGITS {
        return Err(NumberError::TooShort {
            digits: national.len(),
            expected: EXPECTED,
        });
    }
    if national.len() > CN_MOBILE_DIGITS {
        return Err(NumberError::TooLong {
            digits: national.len(),
            expected: EXPECTED,
        });
    }
    let b = national.as_bytes();
    if b[0] != b'1' || !(b'3'..=b'9').contains(&b[1]) {
        return Err(NumberError::NotMainlandMobile {
            national: national.to_string(),
        });
    }
    Ok(Number {
        e164: format!("+86{national}"),
        national: Some(national.to_string()),
        country: "CN",
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cn(s: &str) -> String {
        let n = normalize(s).unwrap_or_else(|e| panic!("{s:?}: {e}"));
        assert_eq!(n.country, "CN");
        assert_eq!(n.e164, format!("+86{}", n.national.clone().unwrap()));
        n.national.unwrap()
    }

    #[test]
    fn mainland_forms_all_normalize_to_the_same_number() {
        for s in [
            "13800138000",
            "8613800138000",
            "+8613800138000",
            "008613800138000",
            "+86 138 0013 8000",
            "138-0013-8000",
            "138.0013.8000",
            "(+86) 138 0013 8000",
            "+86 (0)138 0013 8000",
            "＋８６ １３８－００１３－８０００",
            "１３８００１３８０００",
            "\u{3000}138 0013 8000\t",
        ] {
            assert_eq!(cn(s), "13800138000", "{s:?}");
        }
        assert_eq!(cn("19212345678"), "19212345678");
    }

    #[test]
    fn international_numbers_get_their_country() {
        let n = normalize("+44 7911 123456").unwrap();
        assert_eq!(
            (n.e164.as_str(), n.national, n.country),
            ("+447911123456", None, "GB")
        );
        assert_eq!(normalize("00852 9123 4567").unwrap().country, "HK");
        assert_eq!(normalize("+1 (416) 555-0123").unwrap().country, "CA");
        assert_eq!(normalize("+1 415 555 2671").unwrap().country, "US");
        let n = normalize_with_hint("886912345678", NumberHint::International).unwrap();
        assert_eq!((n.country, n.e164_digits()), ("TW", "886912345678"));
        // TON=international with a mainland number still yields the national form.
        let n = normalize_with_hint("8613800138000", NumberHint::International).unwrap();
        assert_eq!(n.national.as_deref(), Some("13800138000"));
    }

    #[test]
    fn upstream_address_is_plain_digits_in_the_clients_ton() {
        let sent = |s: &str, ton: u8| {
            normalize_with_hint(s, NumberHint::from_ton(ton))
                .unwrap()
                .upstream_address(ton, 1)
        };
        assert_eq!(sent("+86 138-0013-8000", 0), (0, 1, "13800138000".into()));
        assert_eq!(sent("0086 138 0013 8000", 2), (2, 1, "13800138000".into()));
        assert_eq!(
            sent("１３８００１３８０００", 0),
            (0, 1, "13800138000".into())
        );
        assert_eq!(sent("+86 138 0013 8000", 1), (1, 1, "8613800138000".into()));
        assert_eq!(sent("13800138000", 2), (2, 1, "13800138000".into()));
        // Never stripped: 186… is a China Unicom number, not "86" + garbage.
        assert_eq!(sent("18612345678", 0), (0, 1, "18612345678".into()));
        // International: E.164 digits under TON 1, whatever the client's TON was.
        assert_eq!(sent("+44 7911 123456", 0), (1, 1, "447911123456".into()));
        assert_eq!(sent("00852 9123 4567", 0), (1, 1, "85291234567".into()));
    }

    #[test]
    fn errors_say_what_is_wrong() {
        assert_eq!(normalize(""), Err(NumberError::Empty));
        assert_eq!(normalize(" - "), Err(NumberError::Empty));
        assert_eq!(
            normalize("138abc38000"),
            Err(NumberError::Letter {
                ch: 'a',
                position: 3
            })
        );
        assert!(matches!(
            normalize("138#0138000"),
            Err(NumberError::InvalidCharacter { ch: '#', .. })
        ));
        assert_eq!(
            normalize("86+13800138000"),
            Err(NumberError::MisplacedPlus { position: 2 })
        );
        assert!(matches!(
            normalize("1380013800"),
            Err(NumberError::TooShort { digits: 10, .. })
        ));
        assert!(matches!(
            normalize("138001380001"),
            Err(NumberError::TooLong { digits: 12, .. })
        ));
        assert!(matches!(
            normalize("12345678901"),
            Err(NumberError::NotMainlandMobile { .. })
        ));
        assert!(matches!(
            normalize("+86 10 6552 9988"),
            Err(NumberError::TooShort { .. })
        ));
        assert!(matches!(
            normalize("+800 1234 5678"),
            Err(NumberError::UnknownCountryCode { .. })
        ));
        assert!(matches!(
            normalize("+44 79"),
            Err(NumberError::TooShort { .. })
        ));
        assert!(matches!(
            normalize("+44 7911 1234 5678 90"),
            Err(NumberError::TooLong { .. })
        ));
        assert!(matches!(
            normalize("447911123456"),
            Err(NumberError::NoCountryCode { .. })
        ));
        assert!(matches!(
            normalize_with_hint("447911123456", NumberHint::National),
            Err(NumberError::TooLong { .. })
        ));
        let msg = normalize("138abc38000").unwrap_err().to_string();
        assert!(msg.contains("letter 'a'"), "{msg}");
    }
}
