//! Properties of destination normalization.

use proptest::prelude::*;
use smppd::routing::{normalize, normalize_with_hint, NumberError, NumberHint, PrefixTable};

/// The decorated forms clients send for one mainland number.
fn decorations(n: &str) -> Vec<String> {
    let wide: String = n
        .chars()
        .map(|c| char::from_u32(u32::from(c) - u32::from('0') + u32::from('０')).unwrap())
        .collect();
    vec![
        n.to_string(),
        format!("86{n}"),
        format!("+86{n}"),
        format!("0086{n}"),
        format!("+86 {} {} {}", &n[..3], &n[3..7], &n[7..]),
        format!("{}-{}-{}", &n[..3], &n[3..7], &n[7..]),
        format!("({}) {}.{}", &n[..3], &n[3..7], &n[7..]),
        format!("＋８６{wide}"),
    ]
}

proptest! {
    #[test]
    fn never_panics_on_any_input(s in "\\PC{0,40}") {
        let _ = normalize(&s);
        let _ = normalize_with_hint(&s, NumberHint::International);
        let _ = normalize_with_hint(&s, NumberHint::National);
    }

    #[test]
    fn every_mainland_form_normalizes_to_one_number(n in "1[3-9][0-9]{9}") {
        for form in decorations(&n) {
            let num = normalize(&form).map_err(|e| TestCaseError::fail(format!("{form:?}: {e}")))?;
            prop_assert_eq!(num.national.as_deref(), Some(n.as_str()));
            prop_assert_eq!(num.e164, format!("+86{n}"));
            prop_assert_eq!(num.country, "CN");
        }
    }

    #[test]
    fn international_e164_round_trips(n in "(44|33|49|852|81|61)[1-9][0-9]{7,9}") {
        let num = normalize(&format!("+{n}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(num.e164_digits(), n.as_str());
        prop_assert_eq!(&num.national, &None);
        let again = normalize(&format!("00{n}")).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert_eq!(again, num);
    }

    #[test]
    fn prefix_lookup_never_panics(n in "[0-9]{0,12}") {
        let table = PrefixTable::embedded().map_err(|e| TestCaseError::fail(e.to_string()))?;
        let _ = table.lookup(&n);
    }
}

/// cn-sms-rules.md §7: fixed-line numbers (0 + area code) cannot receive SMS. Typed the
/// domestic way, the error must say so, not advise writing it "with + or 00 and the country
/// code" as if it were a foreign number; either way it is refused (ESME_RINVDSTADR).
#[test]
fn domestic_fixed_line_numbers_are_refused_as_fixed_lines() {
    for (typed, hint) in [
        ("010-6552-9988", NumberHint::Unknown),
        ("0755 1234 5678", NumberHint::Unknown),
        ("(021) 5432 1098", NumberHint::National),
        ("0571-8888888", NumberHint::Unknown),
    ] {
        let err = normalize_with_hint(typed, hint).unwrap_err();
        assert!(
            matches!(err, NumberError::FixedLine { .. }),
            "{typed:?}: {err:?}"
        );
        let msg = err.to_string();
        assert!(msg.contains("fixed-line"), "{typed:?}: {msg}");
        assert!(!msg.contains("with + or 00"), "{typed:?}: {msg}");
    }
    // Not fixed lines: a mobile number, and 00 + country code.
    assert!(normalize("13800138000").is_ok());
    assert_eq!(normalize("0044 7911 123456").unwrap().country, "GB");
}
