//! A minimal SMPP client (ESME) over smppd's own codec: bind, submit and wait for the
//! response, collect deliver_sm (answering each with deliver_sm_resp and enquire_link with
//! its resp, as a well-behaved client must).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::Duration;

use futures::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio_util::codec::Framed;

use smppd::pdu::{
    Bind, Body, CommandStatus, DeliverSm, DeliverSmResp, Pdu, SmppCodec, SmppTime, SubmitSm,
};
use smppd::text::dlr;

/// Which bind to make.
#[derive(Debug, Clone, Copy)]
pub enum BindKind {
    Transmitter,
    Receiver,
    Transceiver,
}

/// A receipt as the client sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    /// `receipted_message_id` TLV.
    pub tlv_id: Option<String>,
    /// `id:` from the receipt text.
    pub text_id: Option<String>,
    /// `stat:` from the receipt text (DELIVRD, UNDELIV, EXPIRED, REJECTD …).
    pub stat: String,
    /// `err:` from the receipt text.
    pub err: Option<String>,
}

/// One client connection.
pub struct Esme {
    framed: Framed<TcpStream, SmppCodec>,
    seq: u32,
    /// deliver_sm received while waiting for something else (already acknowledged).
    pub delivered: VecDeque<DeliverSm>,
    /// Set once the connection failed or closed.
    pub closed: bool,
}

const WAIT: Duration = Duration::from_secs(10);

impl Esme {
    /// Connects and binds; panics unless the bind succeeds.
    pub async fn bind(addr: SocketAddr, kind: BindKind, system_id: &str, password: &str) -> Esme {
        let mut e = Esme::try_bind(addr, kind, system_id, password)
            .await
            .expect("connect to smppd");
        assert_eq!(e.1, 0, "bind status");
        e.0.delivered.clear();
        e.0
    }

    /// Connects and binds; returns the client and the bind_resp status.
    pub async fn try_bind(
        addr: SocketAddr,
        kind: BindKind,
        system_id: &str,
        password: &str,
    ) -> std::io::Result<(Esme, u32)> {
        let stream = tokio::time::timeout(WAIT, TcpStream::connect(addr))
            .await
            .map_err(|_| std::io::Error::other("connect timeout"))??;
        let _ = stream.set_nodelay(true);
        let mut e = Esme {
            framed: Framed::new(stream, SmppCodec::new()),
            seq: 0,
            delivered: VecDeque::new(),
            closed: false,
        };
        let bind = Bind {
            system_id: system_id.parse().expect("system_id"),
            password: password.parse().expect("password"),
            interface_version: 0x34,
            ..Default::default()
        };
        let body = match kind {
            BindKind::Transmitter => Body::BindTransmitter(bind),
            BindKind::Receiver => Body::BindReceiver(bind),
            BindKind::Transceiver => Body::BindTransceiver(bind),
        };
        let seq = e.send(body).await?;
        let resp = e.response(seq).await?;
        Ok((e, resp.command_status.0))
    }

    async fn send(&mut self, body: Body) -> std::io::Result<u32> {
        self.seq += 1;
        let seq = self.seq;
        self.framed
            .send(Pdu::new(seq, body))
            .await
            .map_err(|e| std::io::Error::other(e.to_string()))?;
        Ok(seq)
    }

    /// Reads one PDU (None on close/timeout), answering requests from smppd.
    async fn read(&mut self, within: Duration) -> std::io::Result<Option<Pdu>> {
        let r = self.read_inner(within).await;
        if r.is_err() {
            self.closed = true;
        }
        r
    }

    async fn read_inner(&mut self, within: Duration) -> std::io::Result<Option<Pdu>> {
        let next = match tokio::time::timeout(within, self.framed.next()).await {
            Err(_) => return Ok(None),
            Ok(None) => return Err(std::io::ErrorKind::UnexpectedEof.into()),
            Ok(Some(Err(e))) => return Err(std::io::Error::other(e.to_string())),
            Ok(Some(Ok(Err(e)))) => return Err(std::io::Error::other(e.to_string())),
            Ok(Some(Ok(Ok(pdu)))) => pdu,
        };
        match &next.body {
            Body::DeliverSm(d) => {
                let d = (**d).clone();
                let resp = Pdu {
                    sequence_number: next.sequence_number,
                    command_status: CommandStatus(0),
                    body: Body::DeliverSmResp(DeliverSmResp::default()),
                };
                self.framed
                    .send(resp)
                    .await
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
                self.delivered.push_back(d);
            }
            Body::EnquireLink => {
                let resp = Pdu {
                    sequence_number: next.sequence_number,
                    command_status: CommandStatus(0),
                    body: Body::EnquireLinkResp,
                };
                self.framed
                    .send(resp)
                    .await
                    .map_err(|e| std::io::Error::other(e.to_string()))?;
            }
            _ => {}
        }
        Ok(Some(next))
    }

    async fn response(&mut self, seq: u32) -> std::io::Result<Pdu> {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            match self.read(left).await? {
                None => return Err(std::io::Error::other("no response within 10 s")),
                Some(p) if p.is_response() && p.sequence_number == seq => return Ok(p),
                Some(_) => {}
            }
        }
    }

    /// Sends any request and waits for its response.
    pub async fn request(&mut self, body: Body) -> std::io::Result<Pdu> {
        let seq = self.send(body).await?;
        self.response(seq).await
    }

    /// Submits and waits for submit_sm_resp: (command_status, message_id).
    pub async fn submit(&mut self, sm: SubmitSm) -> std::io::Result<(u32, String)> {
        let seq = self.send(Body::SubmitSm(Box::new(sm))).await?;
        let resp = self.response(seq).await?;
        let id = match &resp.body {
            Body::SubmitSmResp(r) => r.message_id.to_string_lossy(),
            _ => String::new(),
        };
        Ok((resp.command_status.0, id))
    }

    /// Submits a text (UCS-2) to `dest` asking for a receipt.
    pub async fn submit_text(&mut self, dest: &str, text: &str) -> (u32, String) {
        self.submit(submit_sm(dest, text))
            .await
            .expect("submit_sm_resp")
    }

    /// Collects receipts until `n` arrived in total (including queued ones) or `within`
    /// passed; returns what arrived.
    pub async fn receipts(&mut self, n: usize, within: Duration) -> Vec<Receipt> {
        let deadline = tokio::time::Instant::now() + within;
        let mut out = Vec::new();
        loop {
            while let Some(d) = self.delivered.pop_front() {
                if let Some(r) = receipt_of(&d) {
                    out.push(r);
                }
            }
            if out.len() >= n {
                return out;
            }
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                return out;
            }
            match self.read(left.min(Duration::from_millis(200))).await {
                Ok(_) => {}
                Err(_) => return out,
            }
        }
    }

    /// Reads (and acknowledges) whatever arrives for `within`: MO and receipts.
    pub async fn drain(&mut self, within: Duration) -> Vec<DeliverSm> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            if left.is_zero() {
                break;
            }
            if self.read(left).await.is_err() {
                break;
            }
        }
        self.delivered.drain(..).collect()
    }

    /// unbind and wait for unbind_resp (best effort).
    pub async fn unbind(mut self) {
        if let Ok(seq) = self.send(Body::Unbind).await {
            let _ = self.response(seq).await;
        }
    }
}

/// A submit_sm in UCS-2 with registered_delivery = 1.
pub fn submit_sm(dest: &str, text: &str) -> SubmitSm {
    let ucs2: Vec<u8> = text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect();
    SubmitSm {
        source_addr_ton: 5,
        source_addr: "smppd".parse().expect("source"),
        dest_addr_ton: if dest.starts_with("86") { 1 } else { 0 },
        dest_addr_npi: 1,
        destination_addr: dest.parse().expect("destination"),
        registered_delivery: 1,
        data_coding: 8,
        short_message: ucs2.as_slice().try_into().expect("short text"),
        ..Default::default()
    }
}

/// The same with a relative validity period (SMPP 3.4 §7.1.1.2: `YYMMDDhhmmsstnnR`).
pub fn submit_sm_valid_for(dest: &str, text: &str, secs: u32) -> SubmitSm {
    let mut sm = submit_sm(dest, text);
    let rel = format!("0000000000{:02}000R", secs.min(59));
    sm.validity_period = SmppTime::new(&rel).expect("relative time");
    sm
}

/// A deliver_sm read as a receipt (esm_class bit 2), or None for MO.
pub fn receipt_of(d: &DeliverSm) -> Option<Receipt> {
    if d.esm_class & 0x04 == 0 {
        return None;
    }
    let text = String::from_utf8_lossy(d.short_message.as_ref()).to_string();
    let parsed = dlr::parse(&text).ok();
    Some(Receipt {
        tlv_id: d.tlvs.receipted_message_id().map(str::to_owned),
        text_id: parsed.as_ref().map(|r| r.id.clone()),
        stat: parsed
            .as_ref()
            .map(|r| r.stat.as_str().to_owned())
            .unwrap_or_default(),
        err: parsed.and_then(|r| r.err),
    })
}
