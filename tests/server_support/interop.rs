//! Helpers the interop client tests (python smpplib, node smpp) share: the receipt smppd
//! hands the client, UCS-2 payload decoding, and the driver's stdout protocol (a `READY`
//! line, then one JSON result line).

use std::time::Duration;

use serde_json::Value;
use smppd::pdu::{DeliverSm, MessageState, Tlv};
use tokio::io::{AsyncBufReadExt, BufReader, Lines};
use tokio::process::{Child, ChildStdout};

/// A delivery receipt for `id` in the format of SMPP 3.4 Appendix B.
pub fn receipt_for(id: &str) -> Box<DeliverSm> {
    let text = format!(
        "id:{id} sub:001 dlvrd:001 submit date:2611281200 done date:2611281201 stat:DELIVRD err:000 text:Hello"
    );
    let mut d = DeliverSm {
        esm_class: 0x04,
        source_addr: "8613800138000".parse().unwrap(),
        destination_addr: "smppd".parse().unwrap(),
        short_message: text.as_bytes().try_into().unwrap(),
        ..Default::default()
    };
    d.tlvs.push(Tlv::ReceiptedMessageId(id.parse().unwrap()));
    d.tlvs.push(Tlv::MessageState(MessageState::DELIVERED));
    Box::new(d)
}

/// A UCS-2 (UTF-16BE) payload as text.
pub fn ucs2_text(payload: &[u8]) -> String {
    let units: Vec<u16> = payload
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]))
        .collect();
    String::from_utf16(&units).unwrap()
}

/// The interop driver's stdout.
pub struct ClientLines {
    lines: Lines<BufReader<ChildStdout>>,
}

impl ClientLines {
    /// Takes the child's stdout (spawned with `Stdio::piped()`).
    pub fn of(child: &mut Child) -> ClientLines {
        ClientLines {
            lines: BufReader::new(child.stdout.take().expect("piped stdout")).lines(),
        }
    }

    /// Waits for the driver's `READY` line.
    pub async fn ready(&mut self) {
        let ready = tokio::time::timeout(Duration::from_secs(20), self.lines.next_line())
            .await
            .expect("client never got ready")
            .unwrap();
        assert_eq!(ready.as_deref(), Some("READY"));
    }

    /// Waits for the driver's JSON result line.
    pub async fn result(&mut self, within: Duration) -> Value {
        let out = tokio::time::timeout(within, self.lines.next_line())
            .await
            .expect("client did not finish")
            .unwrap()
            .expect("client printed no result");
        serde_json::from_str(&out).unwrap()
    }
}
