//! The boundary between sessions and the rest of smppd: what a session hands over when a
//! client submits, queries, cancels or replaces, and what it gets back. The integrator
//! implements [`Gateway`] over policy → store → routing → upstream.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use crate::config::Account;
use crate::message::MessageId;
use crate::pdu::{
    CancelSm, CommandStatus, DataSm, MessageState, ReplaceSm, SmppTime, SubmitMulti, SubmitSm,
    UnsuccessSme,
};

use super::state::BindType;

/// Who is asking: the bound session a request arrived on.
#[derive(Debug, Clone)]
pub struct BindInfo {
    /// Unique per process, also in log spans.
    pub session_id: u64,
    /// The bound account (its limits, default message type and signatures).
    pub account: Arc<Account>,
    /// How the session is bound.
    pub bind_type: BindType,
    /// The client's TCP address.
    pub peer: SocketAddr,
}

impl BindInfo {
    /// The account's system_id.
    pub fn system_id(&self) -> &str {
        &self.account.system_id
    }
}

/// The result of a submit_multi: one message id for the request, plus the destinations that
/// were refused (SMPP 3.4 §4.5.2 `unsuccess_sme`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MultiOutcome {
    /// smppd's id for the accepted destinations.
    pub message_id: MessageId,
    /// Destinations not accepted, each with its status.
    pub unsuccessful: Vec<UnsuccessSme>,
}

/// What query_sm_resp reports (SMPP 3.4 §4.8.2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryOutcome {
    /// When the message reached a final state; NULL while it has not.
    pub final_date: SmppTime,
    /// The message's state.
    pub message_state: MessageState,
    /// Network error code of a failed delivery, 0 otherwise.
    pub error_code: u8,
}

/// The submit path as seen from a session.
///
/// Every method answers with the `command_status` to put in the response when the request is
/// refused. Futures must be `Send`; the session runs many of them concurrently (up to its
/// inbound window) and keeps serving the connection meanwhile.
///
/// Query, cancel and replace must act on the bound account's **own** messages only: an id that
/// belongs to another account is answered exactly like an unknown id, so ids cannot be probed.
pub trait Gateway: Send + Sync + 'static {
    /// submit_sm: runs policy, stores durably, queues for routing; resolves to smppd's message
    /// id only once the record is durable (nothing acknowledged is lost).
    fn submit_sm(
        &self,
        bind: &BindInfo,
        pdu: Box<SubmitSm>,
    ) -> impl Future<Output = Result<MessageId, CommandStatus>> + Send;

    /// data_sm from the client (SMPP 3.4 §4.7): same contract as `submit_sm`.
    fn data_sm(
        &self,
        bind: &BindInfo,
        pdu: Box<DataSm>,
    ) -> impl Future<Output = Result<MessageId, CommandStatus>> + Send;

    /// submit_multi: per-destination results. An `Err` refuses the whole request.
    fn submit_multi(
        &self,
        bind: &BindInfo,
        pdu: Box<SubmitMulti>,
    ) -> impl Future<Output = Result<MultiOutcome, CommandStatus>> + Send;

    /// query_sm for `id` (already parsed from the PDU's message_id).
    fn query_sm(
        &self,
        bind: &BindInfo,
        id: MessageId,
    ) -> impl Future<Output = Result<QueryOutcome, CommandStatus>> + Send;

    /// cancel_sm. `id` is `None` when the PDU's message_id is NULL (cancel by service_type
    /// and addresses, SMPP 3.4 §4.9.1).
    fn cancel_sm(
        &self,
        bind: &BindInfo,
        id: Option<MessageId>,
        pdu: CancelSm,
    ) -> impl Future<Output = Result<(), CommandStatus>> + Send;

    /// A submit_sm, data_sm or submit_multi the session refused by the spec's field rules
    /// before calling the gateway, with `status`: recorded as a rejection so the
    /// statistics still add up (submitted = accepted + rejected). Records nothing by default.
    fn refused_submit(
        &self,
        bind: &BindInfo,
        status: CommandStatus,
    ) -> impl Future<Output = ()> + Send {
        let _ = (bind, status);
        async {}
    }

    /// replace_sm of message `id`.
    fn replace_sm(
        &self,
        bind: &BindInfo,
        id: MessageId,
        pdu: Box<ReplaceSm>,
    ) -> impl Future<Output = Result<(), CommandStatus>> + Send;
}
