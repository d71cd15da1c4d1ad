//! Golden fixtures (`proto-fixtures/<pdu>/<case>.hex` + `.json`, provenance in
//! `proto-fixtures/README.md`): every file decodes to its expected value and re-encodes to the
//! identical octets; malformed ones yield the expected status and sequence number.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use bytes::{Bytes, BytesMut};
use serde_json::Value;
use smppd::pdu::{decode_pdu, CodecError, CommandId, Pdu, SmppCodec};
use tokio_util::codec::Decoder;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("proto-fixtures")
}

/// Every `.hex` under proto-fixtures except `dlr/` (receipt text fixtures of the text module).
fn fixtures() -> Vec<PathBuf> {
    let mut out = Vec::new();
    for dir in std::fs::read_dir(root()).unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() || dir.ends_with("dlr") {
            continue;
        }
        for f in std::fs::read_dir(&dir).unwrap() {
            let f = f.unwrap().path();
            if f.extension().is_some_and(|e| e == "hex") {
                out.push(f);
            }
        }
    }
    out.sort();
    out
}

fn check(hex_path: &Path) -> Result<(), String> {
    let hex_text = std::fs::read_to_string(hex_path).map_err(|e| e.to_string())?;
    let raw = hex::decode(hex_text.trim()).map_err(|e| format!("bad hex: {e}"))?;
    let json_path = hex_path.with_extension("json");
    let expected: Value = serde_json::from_str(
        &std::fs::read_to_string(&json_path)
            .map_err(|e| format!("{}: {e}", json_path.display()))?,
    )
    .map_err(|e| format!("bad json: {e}"))?;

    if let Some(framing) = expected.get("framing_error") {
        let mut buf = BytesMut::from(&raw[..]);
        return match SmppCodec::new().decode(&mut buf) {
            Err(CodecError::InvalidCommandLength { command_length, .. })
                if framing["command_length"] == command_length =>
            {
                Ok(())
            }
            other => Err(format!("expected framing error {framing}, got {other:?}")),
        };
    }
    // Through the codec, as a session sees it: one frame consumed, whatever the body.
    let mut buf = BytesMut::from(&raw[..]);
    let item = SmppCodec::with_max_command_length(1 << 16)
        .decode(&mut buf)
        .map_err(|e| format!("framing: {e}"))?
        .ok_or("codec wanted more octets")?;
    if !buf.is_empty() {
        return Err(format!("{} octets left after the frame", buf.len()));
    }
    if let Some(want) = expected.get("error") {
        let e = item.err().ok_or("decoded, but an error was expected")?;
        let got = serde_json::json!({
            "command_id": e.command_id, "sequence_number": e.sequence_number, "status": e.status,
        });
        return if &got == want {
            Ok(())
        } else {
            Err(format!("error {got} != expected {want}"))
        };
    }
    let pdu = item.map_err(|e| format!("decode failed: {e}"))?;
    let got = serde_json::to_value(&pdu).map_err(|e| e.to_string())?;
    if got != expected {
        return Err(format!("decoded\n{got:#}\nexpected\n{expected:#}"));
    }
    if pdu.to_bytes()[..] != raw[..] {
        return Err(format!("re-encoded to {}", hex::encode(pdu.to_bytes())));
    }
    if pdu.encoded_len() != raw.len() {
        return Err("encoded_len() disagrees with the octets written".into());
    }
    let from_json: Pdu =
        serde_json::from_value(expected).map_err(|e| format!("json → Pdu: {e}"))?;
    if from_json.to_bytes()[..] != raw[..] {
        return Err("the expected JSON encodes to other octets".into());
    }
    // decode_pdu on the frame alone agrees with the codec.
    if decode_pdu(Bytes::from(raw)).as_ref() != Ok(&pdu) {
        return Err("decode_pdu and SmppCodec disagree".into());
    }
    Ok(())
}

#[test]
fn every_fixture_decodes_to_its_json_and_reencodes_identically() {
    let all = fixtures();
    assert!(all.len() >= 50, "only {} fixtures found", all.len());
    let failures: Vec<String> = all
        .iter()
        .filter_map(|f| {
            check(f)
                .err()
                .map(|e| format!("{}: {e}", f.strip_prefix(root()).unwrap().display()))
        })
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} fixtures fail:\n{}",
        failures.len(),
        all.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_smpp34_command_has_a_fixture() {
    let dirs: BTreeSet<String> = fixtures()
        .iter()
        .filter_map(|f| f.parent()?.file_name()?.to_str().map(str::to_owned))
        .collect();
    let missing: Vec<&str> = (0..=0x200u32)
        .chain(0x8000_0000..=0x8000_0200)
        .filter_map(|id| CommandId(id).name())
        .filter(|name| !dirs.contains(*name))
        .collect();
    assert!(
        missing.is_empty(),
        "PDU types without a golden fixture: {missing:?}"
    );
}

#[test]
fn fixtures_have_their_json_and_readme_entry() {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    for f in fixtures() {
        let rel = f.strip_prefix(root()).unwrap().with_extension("");
        assert!(
            f.with_extension("json").exists(),
            "{} has no .json",
            rel.display()
        );
        assert!(
            readme.contains(&rel.display().to_string()),
            "{} is not listed in README.md",
            rel.display()
        );
    }
}
