//! Properties of destination normalization.

use proptest::prelude::*;
use smppd::routing::{normalize, normalize_with_hint, NumberHint, PrefixTable};

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
