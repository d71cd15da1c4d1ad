//! A small in-process SMSC for testing `smppd bench`: accepts binds with one password,
//! answers submit_sm by a deterministic rule on the global submit number `n` (1-based), and
//! sends delivery receipts on the submitting transceiver or on a receiver of the same run.

use std::sync::atomic::{AtomicU64, Ordering::SeqCst};
use std::sync::Arc;

use futures::{SinkExt, StreamExt};
use parking_lot::Mutex;
use smppd::pdu::{
    BindResp, Body, CommandStatus, DeliverSm, MessageState, Pdu, SmppCodec, SubmitSmResp, Tlv,
};
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio_util::codec::{FramedRead, FramedWrite};

/// What the responder does with submit number `n`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Rules {
    /// Reject every `n % k == 0` with this status.
    pub reject: Option<(u64, CommandStatus)>,
    /// Send the receipt before the submit_sm_resp when `n % k == 0`.
    pub receipt_first: Option<u64>,
    /// Send no receipt when `n % k == 0`.
    pub no_receipt: Option<u64>,
}

impl Rules {
    fn hit(rule: Option<u64>, n: u64) -> bool {
        rule.is_some_and(|k| n.is_multiple_of(k))
    }
    pub fn rejected(&self, n: u64) -> Option<CommandStatus> {
        self.reject
            .filter(|(k, _)| n.is_multiple_of(*k))
            .map(|(_, s)| s)
    }
    pub fn receipted(&self, n: u64) -> bool {
        self.rejected(n).is_none() && !Self::hit(self.no_receipt, n)
    }
    pub fn early(&self, n: u64) -> bool {
        self.receipted(n) && Self::hit(self.receipt_first, n)
    }
}

/// What the responder saw.
#[derive(Default, Debug)]
pub struct Seen {
    pub submits: AtomicU64,
    pub deliver_sm_sent: AtomicU64,
    pub deliver_sm_resp: AtomicU64,
    pub unbinds: AtomicU64,
}

/// Starts the responder on 127.0.0.1:0; returns its address and counters.
pub async fn start(password: &'static str, rules: Rules) -> (String, Arc<Seen>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let seen = Arc::new(Seen::default());
    let receivers: Arc<Mutex<Vec<mpsc::UnboundedSender<Pdu>>>> = Arc::default();
    let s = seen.clone();
    tokio::spawn(async move {
        loop {
            let Ok((sock, _)) = listener.accept().await else {
                return;
            };
            let (seen, receivers) = (s.clone(), receivers.clone());
            tokio::spawn(async move {
                let (r, w) = sock.into_split();
                let mut reader = FramedRead::new(r, SmppCodec::new());
                let mut writer = FramedWrite::new(w, SmppCodec::new());
                let (out, mut out_rx) = mpsc::unbounded_channel::<Pdu>();
                tokio::spawn(async move {
                    while let Some(p) = out_rx.recv().await {
                        if writer.send(p).await.is_err() {
                            return;
                        }
                    }
                });
                let mut seq = 0u32;
                let mut transceiver = false;
                while let Some(Ok(Ok(pdu))) = reader.next().await {
                    let ps = pdu.sequence_number;
                    let cid = pdu.command_id();
                    match pdu.body {
                        Body::BindTransceiver(b)
                        | Body::BindTransmitter(b)
                        | Body::BindReceiver(b) => {
                            let ok = b.password.as_str() == Some(password);
                            let status = if ok {
                                CommandStatus::ESME_ROK
                            } else {
                                CommandStatus::ESME_RINVPASWD
                            };
                            let resp = BindResp {
                                system_id: "sim".try_into().unwrap(),
                                ..Default::default()
                            };
                            let body = match cid.0 {
                                0x9 => {
                                    transceiver = true;
                                    Body::BindTransceiverResp(resp)
                                }
                                0x1 => {
                                    if ok {
                                        receivers.lock().push(out.clone());
                                    }
                                    Body::BindReceiverResp(resp)
                                }
                                _ => Body::BindTransmitterResp(resp),
                            };
                            let _ = out.send(Pdu {
                                sequence_number: ps,
                                command_status: status,
                                body,
                            });
                        }
                        Body::SubmitSm(_) => {
                            let n = seen.submits.fetch_add(1, SeqCst) + 1;
                            if let Some(status) = rules.rejected(n) {
                                let _ = out.send(Pdu::response_to(cid, ps, status).unwrap());
                                continue;
                            }
                            let id = format!("{n:08x}");
                            let resp = Pdu::new(
                                ps,
                                Body::SubmitSmResp(SubmitSmResp {
                                    message_id: id.as_str().try_into().unwrap(),
                                    ..Default::default()
                                }),
                            );
                            let receipt = rules.receipted(n).then(|| {
                                seq += 1;
                                receipt_pdu(seq, n)
                            });
                            let target = if transceiver {
                                Some(out.clone())
                            } else {
                                let r = receivers.lock();
                                r.get(n as usize % r.len().max(1)).cloned()
                            };
                            if let (Some(rc), Some(t)) = (receipt, target) {
                                seen.deliver_sm_sent.fetch_add(1, SeqCst);
                                if rules.early(n) {
                                    let _ = t.send(rc);
                                    let _ = out.send(resp);
                                } else {
                                    let _ = out.send(resp);
                                    let _ = t.send(rc);
                                }
                            } else {
                                let _ = out.send(resp);
                            }
                        }
                        Body::DeliverSmResp(_) => {
                            seen.deliver_sm_resp.fetch_add(1, SeqCst);
                        }
                        Body::EnquireLink => {
                            let _ = out.send(Pdu::new(ps, Body::EnquireLinkResp));
                        }
                        Body::Unbind => {
                            seen.unbinds.fetch_add(1, SeqCst);
                            let _ = out.send(Pdu::new(ps, Body::UnbindResp));
                        }
                        _ => {}
                    }
                }
            });
        }
    });
    (addr, seen)
}

/// Odd submits get the id in the receipted_message_id TLV, even ones only in the text
/// (upper-case, leading zeros stripped: the tool must still match it).
fn receipt_pdu(seq: u32, n: u64) -> Pdu {
    let mut d = DeliverSm {
        esm_class: 0x04,
        ..Default::default()
    };
    let text = format!(
        "id:{n:X} sub:001 dlvrd:001 submit date:2611281200 done date:2611281201 stat:DELIVRD err:000 text:"
    );
    d.short_message = text.into_bytes().try_into().unwrap();
    if n % 2 == 1 {
        d.tlvs.push(Tlv::ReceiptedMessageId(
            format!("{n:08x}").as_str().try_into().unwrap(),
        ));
        d.tlvs.push(Tlv::MessageState(MessageState(2)));
    }
    Pdu::new(seq, Body::DeliverSm(Box::new(d)))
}
