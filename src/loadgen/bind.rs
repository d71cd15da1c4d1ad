//! Connecting and binding one session (SMPP 3.4 §4.1).

use futures::StreamExt;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio_util::codec::FramedRead;

use super::config::BenchConfig;
use super::error::LoadgenError;
use super::session::{Connection, Role};
use crate::pdu::{Bind, Body, CodecError, FieldValueError, Pdu, SmppCodec};

/// Connects and binds as `role`.
pub(crate) async fn bind(cfg: &BenchConfig, role: Role) -> Result<Connection, LoadgenError> {
    let stream = tokio::time::timeout(cfg.connect_timeout, TcpStream::connect(&cfg.target))
        .await
        .map_err(|_| LoadgenError::Timeout("connect"))?
        .map_err(|source| LoadgenError::Connect {
            target: cfg.target.clone(),
            source,
        })?;
    stream.set_nodelay(true).map_err(CodecError::Io)?;
    let (r, mut w) = stream.into_split();
    let mut reader = FramedRead::new(r, SmppCodec::new());
    let field = |name: &'static str, e: FieldValueError| LoadgenError::Field {
        field: name,
        reason: e.to_string(),
    };
    let bind = Bind {
        system_id: cfg
            .system_id
            .as_str()
            .try_into()
            .map_err(|e| field("system_id", e))?,
        password: cfg
            .password
            .as_str()
            .try_into()
            .map_err(|e| field("password", e))?,
        system_type: (cfg.system_type.as_str().try_into()).map_err(|e| field("system_type", e))?,
        interface_version: 0x34,
        ..Bind::default()
    };
    let body = match role {
        Role::Trx => Body::BindTransceiver(bind),
        Role::Tx => Body::BindTransmitter(bind),
        Role::Rx => Body::BindReceiver(bind),
    };
    w.write_all(&Pdu::new(1, body).to_bytes())
        .await
        .map_err(CodecError::Io)?;
    loop {
        let next = tokio::time::timeout(cfg.connect_timeout, reader.next())
            .await
            .map_err(|_| LoadgenError::Timeout("bind response"))?;
        let pdu = match next {
            None => return Err(LoadgenError::Closed),
            Some(Err(e)) => return Err(e.into()),
            Some(Ok(Err(e))) => return Err(LoadgenError::UnexpectedBindAnswer(e.to_string())),
            Some(Ok(Ok(pdu))) => pdu,
        };
        match pdu.body {
            Body::BindTransceiverResp(_)
            | Body::BindTransmitterResp(_)
            | Body::BindReceiverResp(_)
            | Body::GenericNack => {
                if pdu.command_status.is_ok() && !matches!(pdu.body, Body::GenericNack) {
                    return Ok(Connection::new(reader, w, role));
                }
                return Err(LoadgenError::BindRefused(pdu.command_status));
            }
            Body::EnquireLink => {
                let resp = Pdu::new(pdu.sequence_number, Body::EnquireLinkResp);
                w.write_all(&resp.to_bytes())
                    .await
                    .map_err(CodecError::Io)?;
            }
            other => {
                return Err(LoadgenError::UnexpectedBindAnswer(format!(
                    "{:?}",
                    other.command_id()
                )))
            }
        }
    }
}
