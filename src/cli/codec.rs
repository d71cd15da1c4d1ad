//! `smppd decode <hex>` and `smppd encode <json>`: operators read captures with them, tests use
//! them to cross-check the codec from the outside.

use std::io::Read;

use bytes::Bytes;

use crate::pdu::{decode_pdu, Pdu};

/// Reads the argument, or stdin when it is `-`.
fn input(arg: &str) -> std::io::Result<String> {
    if arg == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        Ok(s)
    } else {
        Ok(arg.to_owned())
    }
}

/// Hex to PDU JSON. Whitespace, `:` separators and a `0x` prefix are ignored so that
/// Wireshark "copy as hex stream" and hexdump output paste directly.
pub(crate) fn decode(arg: &str) -> Result<String, String> {
    let text = input(arg).map_err(|e| format!("reading stdin: {e}"))?;
    let trimmed = text.trim();
    let trimmed = trimmed.strip_prefix("0x").unwrap_or(trimmed);
    let clean: String = trimmed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != ':')
        .collect();
    let raw = hex::decode(&clean).map_err(|e| format!("not hex: {e}"))?;
    let pdu = decode_pdu(Bytes::from(raw)).map_err(|e| format!("invalid PDU: {e}"))?;
    serde_json::to_string_pretty(&pdu).map_err(|e| format!("serializing: {e}"))
}

/// PDU JSON (as printed by `decode`, missing body fields default) to lowercase hex.
pub(crate) fn encode(arg: &str) -> Result<String, String> {
    let text = input(arg).map_err(|e| format!("reading stdin: {e}"))?;
    let pdu: Pdu = serde_json::from_str(&text).map_err(|e| format!("invalid PDU JSON: {e}"))?;
    Ok(hex::encode(pdu.to_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decode_then_encode_is_identity() {
        let hex = "00000010 00000015 00000000 00000007";
        let json = decode(hex).unwrap();
        assert!(json.contains("\"command\": \"enquire_link\""), "{json}");
        assert_eq!(encode(&json).unwrap(), "00000010000000150000000000000007");
    }

    #[test]
    fn errors_name_the_status() {
        let err = decode("0000001000000111 0000000000000003").unwrap_err();
        assert!(err.contains("ESME_RINVCMDID"), "{err}");
        assert!(decode("zz").unwrap_err().contains("not hex"));
    }
}
