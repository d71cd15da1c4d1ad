//! The requests a client may send in an allowed state: binds, message operations (handed to
//! the [`Gateway`] and answered when it resolves, within the inbound window) and link
//! management.

use std::str::FromStr;
use std::sync::Arc;

use tokio::sync::mpsc;

use super::{Session, SessionEnd};
use crate::message::MessageId;
use crate::pdu::{
    Bind, BindResp, Body, CommandId, CommandStatus, DataSmResp, Pdu, QuerySmResp, SubmitMultiResp,
    SubmitSmResp, Tlv, Tlvs,
};
use crate::server::auth::{BindAttempt, BindRejection};
use crate::server::checks::check_message_op;
use crate::server::gateway::{BindInfo, Gateway};
use crate::server::registry::SessionHandle;
use crate::server::state::BindType;

/// SMPP 3.4 §5.3.2.25 sc_interface_version: the version smppd speaks.
const INTERFACE_VERSION: u8 = 0x34;

/// The system_id smppd names itself with in bind responses.
const SMSC_SYSTEM_ID: &str = "smppd";

impl<G: Gateway> Session<G> {
    pub(super) async fn dispatch(
        &mut self,
        pdu: Pdu,
        span: &tracing::Span,
    ) -> Result<(), SessionEnd> {
        let seq = pdu.sequence_number;
        match pdu.body {
            Body::BindTransmitter(b) => self.on_bind(seq, BindType::Transmitter, b, span).await,
            Body::BindReceiver(b) => self.on_bind(seq, BindType::Receiver, b, span).await,
            Body::BindTransceiver(b) => self.on_bind(seq, BindType::Transceiver, b, span).await,
            Body::EnquireLink => self.send(Pdu::new(seq, Body::EnquireLinkResp)).await,
            Body::Unbind => {
                // SMPP 3.4 §4.2: answer once the requests already accepted are answered.
                self.state = crate::server::SessionState::Unbound;
                self.client_unbind = Some(seq);
                Ok(())
            }
            body => self.on_message_op(seq, body).await,
        }
    }

    async fn on_bind(
        &mut self,
        seq: u32,
        bind_type: BindType,
        bind: Bind,
        span: &tracing::Span,
    ) -> Result<(), SessionEnd> {
        let attempt = BindAttempt {
            system_id: bind.system_id.to_string_lossy(),
            password: bind.password.as_bytes().to_vec(),
            bind_type,
            peer: self.peer.ip(),
        };
        let settings = &self.shared.settings;
        let verdict = match tokio::time::timeout(
            settings.response_timeout,
            self.shared.auth.authenticate(&attempt),
        )
        .await
        {
            Ok(v) => v,
            Err(_) => Err(BindRejection::Overloaded),
        };
        let verdict = match verdict {
            Ok(account) => {
                let (tx, rx) = mpsc::channel(settings.outbound_queue);
                let handle = SessionHandle {
                    id: self.id,
                    bind_type,
                    outbound: tx,
                    cancel: self.evict.clone(),
                    unbind: self.unbind_request.clone(),
                    probe: Arc::clone(&self.probe),
                    received: Arc::clone(&self.received),
                };
                let probe = settings.auth.dead_session_probe;
                self.shared
                    .registry
                    .register(&account.system_id, account.max_binds, handle, probe)
                    .await
                    .map(|registration| (account, registration, rx))
            }
            Err(e) => Err(e),
        };
        let resp_body = |resp: BindResp| match bind_type {
            BindType::Transmitter => Body::BindTransmitterResp(resp),
            BindType::Receiver => Body::BindReceiverResp(resp),
            BindType::Transceiver => Body::BindTransceiverResp(resp),
        };
        match verdict {
            Ok((account, registration, rx)) => {
                span.record("system_id", account.system_id.as_str());
                span.record("bind_type", bind_type.as_str());
                tracing::info!("bound");
                self.bind = Some(Arc::new(BindInfo {
                    session_id: self.id,
                    account,
                    bind_type,
                    peer: self.peer,
                }));
                self.registration = Some(registration);
                self.outbound = Some(rx);
                self.state = bind_type.bound_state();
                let mut tlvs = Tlvs::default();
                tlvs.push(Tlv::ScInterfaceVersion(INTERFACE_VERSION));
                let resp = BindResp {
                    system_id: SMSC_SYSTEM_ID.parse().unwrap_or_default(),
                    tlvs,
                };
                self.send(Pdu::new(seq, resp_body(resp))).await
            }
            Err(rejection) => {
                tracing::info!(
                    system_id = %attempt.system_id,
                    reason = rejection.reason(),
                    "bind refused"
                );
                // An empty body, which the codec omits on error (SMPP 3.4 §4.1.2 practice).
                let mut pdu = Pdu::new(seq, resp_body(BindResp::default()));
                pdu.command_status = rejection.command_status();
                // The connection stays OPEN: the client may retry (within session_init, the
                // per-address limits and this session's error budget) or close.
                self.send(pdu).await?;
                self.charge_error().await
            }
        }
    }

    /// submit_sm, data_sm, submit_multi, query_sm, cancel_sm, replace_sm: handed to the
    /// gateway without blocking the connection, at most `inbound_window` at once per session
    /// and `max_inflight_submits` in the whole gateway (beyond either, ESME_RTHROTTLED),
    /// once held to the spec's field rules ([`check_message_op`]); a submit refused by
    /// those is still counted by the gateway ([`Gateway::refused_submit`]).
    async fn on_message_op(&mut self, seq: u32, mut body: Body) -> Result<(), SessionEnd> {
        let command_id = body.command_id();
        let Some(bind) = self.bind.clone() else {
            return self
                .respond_error(command_id, seq, CommandStatus::ESME_RINVBNDSTS)
                .await;
        };
        if self.inflight.len() >= self.shared.settings.inbound_window {
            return self
                .respond_error(command_id, seq, CommandStatus::ESME_RTHROTTLED)
                .await;
        }
        let Ok(permit) = Arc::clone(&self.shared.submit_permits).try_acquire_owned() else {
            return self
                .respond_error(command_id, seq, CommandStatus::ESME_RTHROTTLED)
                .await;
        };
        let gateway = Arc::clone(&self.shared.gateway);
        let fut = async move {
            let _permit = permit;
            let result = match check_message_op(&mut body) {
                Ok(()) => call_gateway(&*gateway, &bind, body).await,
                Err(status) => {
                    if is_submit(command_id) {
                        gateway.refused_submit(&bind, status).await;
                    }
                    Err(status)
                }
            };
            match result {
                Ok(body) => Pdu::new(seq, body),
                Err(status) => {
                    // A gateway that "fails" with ESME_ROK would tell the client it succeeded
                    // without an id: report it as a system error instead.
                    let status = if status.is_ok() {
                        CommandStatus::ESME_RSYSERR
                    } else {
                        status
                    };
                    Pdu::response_to(command_id, seq, status)
                        .unwrap_or_else(|| Pdu::generic_nack(seq, status))
                }
            }
        };
        self.inflight.push(Box::pin(fut));
        Ok(())
    }
}

/// Runs one message operation through the gateway and builds the response body.
async fn call_gateway<G: Gateway>(
    gateway: &G,
    bind: &BindInfo,
    body: Body,
) -> Result<Body, CommandStatus> {
    let id_field = |id: MessageId| id.to_string().parse().unwrap_or_default();
    match body {
        Body::SubmitSm(pdu) => {
            let id = gateway.submit_sm(bind, pdu).await?;
            Ok(Body::SubmitSmResp(SubmitSmResp {
                message_id: id_field(id),
                ..Default::default()
            }))
        }
        Body::DataSm(pdu) => {
            let id = gateway.data_sm(bind, pdu).await?;
            Ok(Body::DataSmResp(DataSmResp {
                message_id: id_field(id),
                ..Default::default()
            }))
        }
        Body::SubmitMulti(pdu) => {
            let outcome = gateway.submit_multi(bind, pdu).await?;
            Ok(Body::SubmitMultiResp(SubmitMultiResp {
                message_id: id_field(outcome.message_id),
                unsuccess_smes: crate::pdu::List::new(outcome.unsuccessful)
                    .map_err(|_| CommandStatus::ESME_RSYSERR)?,
                ..Default::default()
            }))
        }
        Body::QuerySm(pdu) => {
            let id = parse_id(pdu.message_id.as_str())?;
            let q = gateway.query_sm(bind, id).await?;
            Ok(Body::QuerySmResp(QuerySmResp {
                message_id: pdu.message_id,
                final_date: q.final_date,
                message_state: q.message_state,
                error_code: q.error_code,
            }))
        }
        Body::CancelSm(pdu) => {
            let id = if pdu.message_id.is_empty() {
                None
            } else {
                Some(parse_id(pdu.message_id.as_str())?)
            };
            gateway.cancel_sm(bind, id, pdu).await?;
            Ok(Body::CancelSmResp)
        }
        Body::ReplaceSm(pdu) => {
            let id = parse_id(pdu.message_id.as_str())?;
            gateway.replace_sm(bind, id, pdu).await?;
            Ok(Body::ReplaceSmResp)
        }
        // The state table admits only the operations above here.
        _ => Err(CommandStatus::ESME_RINVCMDID),
    }
}

/// An id smppd never issued cannot name a message: ESME_RINVMSGID (SMPP 3.4 §5.1.3).
fn parse_id(text: Option<&str>) -> Result<MessageId, CommandStatus> {
    text.and_then(|t| MessageId::from_str(t).ok())
        .ok_or(CommandStatus::ESME_RINVMSGID)
}

/// The operations that submit a message (and so count in the statistics).
fn is_submit(id: CommandId) -> bool {
    matches!(
        id,
        CommandId::SUBMIT_SM | CommandId::DATA_SM | CommandId::SUBMIT_MULTI
    )
}
