//! The [`Gateway`] boundary the sessions call: submits go to [`submit`](super::submit);
//! query/cancel/replace act on the bound account's own messages only (another account's id
//! answers exactly like an unknown one, so ids cannot be probed).

use std::time::SystemTime;

use crate::message::MessageId;
use crate::pdu::{
    CancelSm, CommandStatus, DataSm, DestAddress, MessageState, ReplaceSm, SmppTime, SubmitMulti,
    SubmitSm, UnsuccessSme,
};
use crate::server::{BindInfo, Gateway, MultiOutcome, QueryOutcome};
use crate::store::{FinalState, MessageRecord, MessageState as StoreState};

use super::{inbound, Pipeline};

impl Gateway for Pipeline {
    async fn submit_sm(
        &self,
        bind: &BindInfo,
        pdu: Box<SubmitSm>,
    ) -> Result<MessageId, CommandStatus> {
        let now = SystemTime::now();
        self.shared
            .submit(bind, inbound::from_submit_sm(&pdu, now), now)
            .await
    }

    async fn data_sm(&self, bind: &BindInfo, pdu: Box<DataSm>) -> Result<MessageId, CommandStatus> {
        let now = SystemTime::now();
        self.shared
            .submit(bind, inbound::from_data_sm(&pdu, now), now)
            .await
    }

    /// Each destination becomes its own message (policy, frequency limits and receipts are per
    /// recipient); the response names the first accepted one. Distribution lists are not
    /// supported (ESME_RCNTSUBDL).
    async fn submit_multi(
        &self,
        bind: &BindInfo,
        pdu: Box<SubmitMulti>,
    ) -> Result<MultiOutcome, CommandStatus> {
        let mut first = None;
        let mut unsuccessful = Vec::new();
        for dest in pdu.dest_addresses.iter() {
            let now = SystemTime::now();
            let DestAddress::SmeAddress {
                dest_addr_ton,
                dest_addr_npi,
                destination_addr,
            } = dest
            else {
                // A distribution list has no address to report; the whole request fails if
                // nothing else is accepted.
                continue;
            };
            let single = SubmitSm {
                service_type: pdu.service_type.clone(),
                source_addr_ton: pdu.source_addr_ton,
                source_addr_npi: pdu.source_addr_npi,
                source_addr: pdu.source_addr.clone(),
                dest_addr_ton: *dest_addr_ton,
                dest_addr_npi: *dest_addr_npi,
                destination_addr: destination_addr.clone(),
                esm_class: pdu.esm_class,
                protocol_id: pdu.protocol_id,
                priority_flag: pdu.priority_flag,
                schedule_delivery_time: pdu.schedule_delivery_time.clone(),
                validity_period: pdu.validity_period.clone(),
                registered_delivery: pdu.registered_delivery,
                replace_if_present_flag: pdu.replace_if_present_flag,
                data_coding: pdu.data_coding,
                sm_default_msg_id: pdu.sm_default_msg_id,
                short_message: pdu.short_message.clone(),
                tlvs: pdu.tlvs.clone(),
            };
            // One message_id answers the whole request (SMPP 3.4 §4.5.2): every
            // destination after the first accepted one is reported under that id, so its
            // receipt carries an id the client knows (told apart by the recipient).
            let read = inbound::from_submit_sm(&single, now).map(|mut m| {
                m.reported_id = first;
                m
            });
            match self.shared.submit(bind, read, now).await {
                Ok(id) => {
                    first.get_or_insert(id);
                }
                Err(error_status_code) => unsuccessful.push(UnsuccessSme {
                    dest_addr_ton: *dest_addr_ton,
                    dest_addr_npi: *dest_addr_npi,
                    destination_addr: destination_addr.clone(),
                    error_status_code,
                }),
            }
        }
        match first {
            Some(message_id) => Ok(MultiOutcome {
                message_id,
                unsuccessful,
            }),
            None => Err(unsuccessful
                .first()
                .map(|u| u.error_status_code)
                .unwrap_or(CommandStatus::ESME_RCNTSUBDL)),
        }
    }

    /// A submit_multi id answers for all its destinations (see [`query_answer`]).
    async fn query_sm(
        &self,
        bind: &BindInfo,
        id: MessageId,
    ) -> Result<QueryOutcome, CommandStatus> {
        let records = self
            .destinations(bind, id, CommandStatus::ESME_RQUERYFAIL)
            .await?;
        Ok(query_answer(&records))
    }

    /// Only a message not yet handed to a carrier can be cancelled: it ends DELETED (with a
    /// receipt if one was requested). A submit_multi id cancels all its destinations or
    /// none. Cancel by service_type/addresses is not supported.
    async fn cancel_sm(
        &self,
        bind: &BindInfo,
        id: Option<MessageId>,
        _pdu: CancelSm,
    ) -> Result<(), CommandStatus> {
        let id = id.ok_or(CommandStatus::ESME_RCANCELFAIL)?;
        let records = self
            .destinations(bind, id, CommandStatus::ESME_RCANCELFAIL)
            .await?;
        if records.iter().any(|r| r.state != StoreState::Accepted) {
            return Err(CommandStatus::ESME_RCANCELFAIL);
        }
        let ids: Vec<MessageId> = records.iter().map(|r| r.message.id).collect();
        let s = &self.shared;
        // Mark first, then check `dispatching` (the dispatcher does the reverse), so a
        // message is either cancelled here or sent there, never both. A dispatcher that saw
        // a mark taken back below dropped its job; the rescan offers that message again.
        for id in &ids {
            s.cancelled.insert(*id, ());
        }
        if ids.iter().any(|id| s.dispatching.contains_key(id)) {
            for id in &ids {
                s.cancelled.remove(id);
            }
            return Err(CommandStatus::ESME_RCANCELFAIL);
        }
        let now = SystemTime::now();
        for id in ids {
            s.finalize_generated(id, FinalState::Deleted, "000 cancelled by client", now)
                .await;
        }
        Ok(())
    }

    async fn refused_submit(&self, bind: &BindInfo, status: CommandStatus) {
        let read = Err(inbound::InboundError::InvalidField(status));
        let _ = self.shared.submit(bind, read, SystemTime::now()).await;
    }

    /// smppd hands messages to carriers as soon as they are accepted, so there is no queued
    /// message left to replace: answered ESME_RREPLACEFAIL (after the ownership check).
    async fn replace_sm(
        &self,
        bind: &BindInfo,
        id: MessageId,
        _pdu: Box<ReplaceSm>,
    ) -> Result<(), CommandStatus> {
        self.own(bind, id, CommandStatus::ESME_RREPLACEFAIL).await?;
        Err(CommandStatus::ESME_RREPLACEFAIL)
    }
}

impl Pipeline {
    /// The message the client knows as `id` with, for a submit_multi, its other
    /// destinations (reported under the same id); `missing` if the account does not own it.
    async fn destinations(
        &self,
        bind: &BindInfo,
        id: MessageId,
        missing: CommandStatus,
    ) -> Result<Vec<MessageRecord>, CommandStatus> {
        let first = self.own(bind, id, missing).await?;
        let others = self
            .shared
            .store
            .reported_under(id)
            .await
            .map_err(|_| CommandStatus::ESME_RSYSERR)?;
        Ok(std::iter::once(first).chain(others).collect())
    }

    /// The record of `id` if the bound account owns it; `missing` otherwise.
    async fn own(
        &self,
        bind: &BindInfo,
        id: MessageId,
        missing: CommandStatus,
    ) -> Result<MessageRecord, CommandStatus> {
        match self.shared.store.get(id).await {
            Ok(Some(rec)) if rec.message.account == bind.system_id() => Ok(rec),
            Ok(_) => Err(missing),
            Err(_) => Err(CommandStatus::ESME_RSYSERR),
        }
    }
}

/// One query_sm answer for a message's destinations (one, or a submit_multi's): en route
/// while any is open; once all are final, delivered if every one was, otherwise the state of
/// the first that was not, dated when the last one ended.
fn query_answer(records: &[MessageRecord]) -> QueryOutcome {
    let finals: Option<Vec<_>> = records.iter().map(|r| r.final_state.as_ref()).collect();
    let Some(finals) = finals.filter(|f| !f.is_empty()) else {
        return QueryOutcome {
            final_date: SmppTime::null(),
            message_state: MessageState::ENROUTE,
            error_code: 0,
        };
    };
    let state = finals
        .iter()
        .map(|f| f.state)
        .find(|s| *s != FinalState::Delivered)
        .unwrap_or(FinalState::Delivered);
    let last = finals
        .iter()
        .map(|f| f.at)
        .max()
        .unwrap_or(SystemTime::UNIX_EPOCH);
    QueryOutcome {
        final_date: smpp_utc_time(last),
        message_state: state_of(state),
        error_code: 0,
    }
}

fn state_of(state: FinalState) -> MessageState {
    match state {
        FinalState::Delivered => MessageState::DELIVERED,
        FinalState::Undeliverable => MessageState::UNDELIVERABLE,
        FinalState::Expired => MessageState::EXPIRED,
        FinalState::Rejected => MessageState::REJECTED,
        FinalState::Deleted => MessageState::DELETED,
        FinalState::Unknown => MessageState::UNKNOWN,
    }
}

/// An absolute SMPP time in UTC (`YYMMDDhhmmss000+`).
fn smpp_utc_time(t: SystemTime) -> SmppTime {
    let secs = t
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let d = crate::text::dlr::ReceiptDate::from_unix_seconds(secs, true);
    SmppTime::new(&format!("{d}000+")).unwrap_or_else(|_| SmppTime::null())
}
