//! Golden delivery-receipt fixtures (`proto-fixtures/dlr/`): every text parses to its
//! hand-written expectation, and canonical ones format back byte for byte.

use serde::Deserialize;
use smppd::text::dlr::{self, DeliveryReceipt};
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
#[serde(untagged)]
enum Expected {
    Receipt {
        canonical: bool,
        receipt: DeliveryReceipt,
    },
    Error {
        error: String,
    },
}

#[test]
fn every_fixture_parses_as_expected() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("proto-fixtures/dlr");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    let (mut canonical, mut rejected) = (0, 0);
    for txt in &paths {
        let name = txt.file_stem().unwrap().to_string_lossy();
        let text = std::fs::read_to_string(txt).unwrap();
        let json = std::fs::read_to_string(txt.with_extension("json"))
            .unwrap_or_else(|e| panic!("{name}: missing expectation: {e}"));
        let expected: Expected =
            serde_json::from_str(&json).unwrap_or_else(|e| panic!("{name}: {e}"));
        match expected {
            Expected::Receipt {
                canonical: canon,
                receipt,
            } => {
                let parsed = dlr::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
                assert_eq!(parsed, receipt, "{name}");
                // Whatever the input shape, the canonical form parses back to the same receipt.
                assert_eq!(dlr::parse(&parsed.format()).as_ref(), Ok(&parsed), "{name}");
                if canon {
                    assert_eq!(
                        parsed.format(),
                        text,
                        "{name}: not re-formatted identically"
                    );
                    canonical += 1;
                }
            }
            Expected::Error { error } => {
                let err = dlr::parse(&text).expect_err(&name);
                assert_eq!(err.to_string(), error, "{name}");
                rejected += 1;
            }
        }
    }
    assert!(
        paths.len() >= 20,
        "only {} fixtures found in {}",
        paths.len(),
        dir.display()
    );
    assert!(
        canonical >= 10 && rejected >= 2,
        "{canonical} canonical, {rejected} rejected"
    );
}
