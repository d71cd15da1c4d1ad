//! The submit path: read → concat hold → policy → route match → durable accept → queue.
//! `submit_sm_resp` carries a message id only after `store.accept` resolved.

use std::time::SystemTime;

use crate::message::{MessageId, MessageType};
use crate::metrics::SubmitResult;
use crate::pdu::CommandStatus;
use crate::policy::concat::{ConcatError, ConcatKey, ConcatOutcome};
use crate::policy::{RejectReason, Submission};
use crate::routing::NumberHint;
use crate::server::BindInfo;
use crate::store::{Admission, FinalState, NewMessage, Rejection};

use super::dispatch::Job;
use super::inbound::{self, Inbound, InboundError};
use super::Shared;

/// Why a submit was refused, with what the store and statistics record.
struct Refusal {
    status: CommandStatus,
    reason: String,
    message_type: MessageType,
}

impl Refusal {
    fn new(status: u32, reason: impl Into<String>, message_type: MessageType) -> Self {
        Refusal {
            status: CommandStatus(status),
            reason: reason.into(),
            message_type,
        }
    }
}

impl Shared {
    /// submit_sm / data_sm after decoding.
    pub(crate) async fn submit(
        &self,
        bind: &BindInfo,
        read: Result<Inbound, InboundError>,
        now: SystemTime,
    ) -> Result<MessageId, CommandStatus> {
        let default_type = bind.account.default_message_type;
        let result = match read {
            Ok(msg) => match self.admit(bind, &msg, now).await {
                Ok(id) => Ok(id),
                Err(refusal) => Err(self.refuse(bind, Some(&msg), refusal, now).await),
            },
            Err(e) => {
                let refusal = Refusal::new(e.status().0, e.reason(), default_type);
                Err(self.refuse(bind, None, refusal, now).await)
            }
        };
        let counted = if result.is_ok() {
            SubmitResult::Accepted
        } else {
            SubmitResult::Rejected
        };
        self.metrics.record_submit(bind.system_id(), counted);
        result
    }

    async fn admit(
        &self,
        bind: &BindInfo,
        msg: &Inbound,
        now: SystemTime,
    ) -> Result<MessageId, Refusal> {
        let default_type = bind.account.default_message_type;
        let routes = self.routes();
        let dest_addr = &msg.payload.destination;
        let dest = routes
            .resolve(&dest_addr.addr, NumberHint::from_ton(dest_addr.ton))
            .map_err(|e| {
                Refusal::new(
                    CommandStatus::ESME_RINVDSTADR.0,
                    format!("invalid_destination: {e}"),
                    default_type,
                )
            })?;
        let national = dest
            .number
            .national
            .clone()
            .unwrap_or_else(|| dest.number.e164.clone());
        let hint = msg.payload.service_type.parse::<MessageType>().ok();

        if let Some(concat) = msg.concat {
            let key = ConcatKey {
                account: bind.system_id().to_owned(),
                source: msg.payload.source.addr.clone(),
                destination: national.clone(),
                reference: concat.reference,
            };
            let id = self.ids.next_id();
            let outcome = self
                .policy
                .concat()
                .add(
                    key.clone(),
                    concat.sequence,
                    concat.total,
                    msg.text.clone(),
                    id,
                    now,
                )
                .map_err(|e| concat_refusal(&e, hint.unwrap_or(default_type)))?;
            return match outcome {
                ConcatOutcome::Pending => {
                    // Held: stored (so it survives a crash) but not dispatched until the
                    // whole set is judged.
                    let provisional = hint.unwrap_or(default_type);
                    // If the store fails here the assembler still lists the part; the set
                    // then completes without it and that id is skipped at dispatch.
                    // Marked held before it is stored, so a rescan never dispatches it.
                    self.held.insert(id, ());
                    let stored = self.accept(bind, msg, id, provisional, now).await;
                    if stored.is_err() {
                        self.held.remove(&id);
                    }
                    stored.map(|()| id)
                }
                ConcatOutcome::Complete { text, parts } => {
                    self.complete_set(bind, msg, key, &national, hint, text, parts, id, now)
                        .await
                }
            };
        }

        let verdict = self.policy.check(&Submission {
            account: bind.system_id(),
            bind_id: bind.session_id,
            source: &msg.payload.source.addr,
            destination: &national,
            text: &msg.text,
            message_type_hint: hint,
            segments: u32::from(msg.segments),
            now,
        });
        let accepted = verdict
            .map_err(|r| Refusal::new(r.status, r.reason.as_str(), hint.unwrap_or(default_type)))?;
        routes
            .match_rule(bind.system_id(), &dest, accepted.message_type)
            .map_err(|e| {
                Refusal::new(
                    CommandStatus::ESME_RINVDSTADR.0,
                    format!("no_route: {e}"),
                    accepted.message_type,
                )
            })?;
        let id = self.ids.next_id();
        self.accept(bind, msg, id, accepted.message_type, now)
            .await?;
        self.enqueue(Job::new(
            id,
            bind.system_id(),
            accepted.message_type,
            msg.payload.clone(),
        ));
        Ok(id)
    }

    /// The last part of a concatenated set arrived: judge the whole text.
    #[allow(clippy::too_many_arguments)]
    async fn complete_set(
        &self,
        bind: &BindInfo,
        msg: &Inbound,
        key: ConcatKey,
        national: &str,
        hint: Option<MessageType>,
        text: String,
        parts: Vec<MessageId>,
        id: MessageId,
        now: SystemTime,
    ) -> Result<MessageId, Refusal> {
        let default_type = bind.account.default_message_type;
        let held: Vec<MessageId> = parts.iter().copied().filter(|p| *p != id).collect();
        for part in &held {
            self.held.remove(part);
        }
        let verdict = self.policy.check(&Submission {
            account: bind.system_id(),
            bind_id: bind.session_id,
            source: &msg.payload.source.addr,
            destination: national,
            text: &text,
            message_type_hint: hint,
            segments: u32::try_from(parts.len()).unwrap_or(u32::MAX),
            now,
        });
        let accepted = match verdict {
            Ok(acc) => acc,
            Err(r) if r.reason == RejectReason::Throttled => {
                // A rate limit is not a verdict on the content: put the held parts back so
                // the client's retry of this part completes the set again.
                self.reopen_set(&key, &held, now).await;
                return Err(Refusal::new(
                    r.status,
                    r.reason.as_str(),
                    hint.unwrap_or(default_type),
                ));
            }
            Err(r) => {
                let refusal =
                    Refusal::new(r.status, r.reason.as_str(), hint.unwrap_or(default_type));
                return Err(self.end_held(&held, refusal, now).await);
            }
        };
        let routes = self.routes();
        let routable = routes
            .resolve(national, NumberHint::Unknown)
            .map_err(|e| e.to_string())
            .and_then(|d| {
                routes
                    .match_rule(bind.system_id(), &d, accepted.message_type)
                    .map_err(|e| e.to_string())
            });
        if let Err(e) = routable {
            let refusal = Refusal::new(
                CommandStatus::ESME_RINVDSTADR.0,
                format!("no_route: {e}"),
                accepted.message_type,
            );
            return Err(self.end_held(&held, refusal, now).await);
        }
        self.accept(bind, msg, id, accepted.message_type, now)
            .await?;
        for part in &held {
            match self.store.get(*part).await {
                Ok(Some(rec)) => self.enqueue(Job::new(
                    *part,
                    bind.system_id(),
                    accepted.message_type,
                    rec.message.payload,
                )),
                // Not found cannot happen for a held part; the rescan would pick it up anyway.
                Ok(None) | Err(_) => {
                    tracing::warn!(message_id = %part, "held part not readable; left to the rescan")
                }
            }
        }
        self.enqueue(Job::new(
            id,
            bind.system_id(),
            accepted.message_type,
            msg.payload.clone(),
        ));
        Ok(id)
    }

    /// Ends the held parts of a refused set with REJECTD receipts (never forwarded).
    async fn end_held(&self, held: &[MessageId], refusal: Refusal, now: SystemTime) -> Refusal {
        // src/policy/STATUS_CODES.md: the REJECTD receipt of a held part carries the policy
        // status itself as `err:` (its low 12 bits, 3 hex digits), e.g. 400 for banned content.
        let why = format!("{:03X} {}", refusal.status.0 & 0xFFF, refusal.reason);
        for part in held {
            self.finalize_generated(*part, FinalState::Rejected, &why, now)
                .await;
        }
        refusal
    }

    /// Puts held parts back into the assembler (their texts come from the store).
    async fn reopen_set(&self, key: &ConcatKey, held: &[MessageId], now: SystemTime) {
        for part in held {
            let Ok(Some(rec)) = self.store.get(*part).await else {
                continue;
            };
            let Ok(read) = inbound::from_payload(&rec.message.payload, now) else {
                continue;
            };
            if let Some(c) = read.concat {
                if self
                    .policy
                    .concat()
                    .add(key.clone(), c.sequence, c.total, read.text, *part, now)
                    .is_ok()
                {
                    self.held.insert(*part, ());
                }
            }
        }
    }

    /// Stores an accepted message durably (the resp waits for this).
    async fn accept(
        &self,
        bind: &BindInfo,
        msg: &Inbound,
        id: MessageId,
        message_type: MessageType,
        now: SystemTime,
    ) -> Result<(), Refusal> {
        if let Admission::Full(bound) = self.store.admit(msg.payload.queued_bytes()) {
            return Err(Refusal::new(
                CommandStatus::ESME_RMSGQFUL.0,
                format!("queue_full: {bound:?}"),
                message_type,
            ));
        }
        let record =
            NewMessage {
                id,
                account: bind.system_id().to_owned(),
                bind: bind.session_id.to_string(),
                message_type,
                segments: msg.segments,
                concat: msg.concat,
                payload: msg.payload.clone(),
                validity_deadline: Some(msg.validity_deadline.unwrap_or_else(|| {
                    inbound::default_deadline(now, self.settings.default_validity)
                })),
                accepted_at: now,
                reported_id: msg.reported_id,
            };
        self.store.accept(record).await.map_err(|e| {
            tracing::error!(error = %e, "store refused an accepted message; client told to retry");
            Refusal::new(CommandStatus::ESME_RSYSERR.0, "store_error", message_type)
        })
    }

    /// Records a refusal (statistics and lookups see it) and returns the status to answer.
    async fn refuse(
        &self,
        bind: &BindInfo,
        msg: Option<&Inbound>,
        refusal: Refusal,
        now: SystemTime,
    ) -> CommandStatus {
        let (source, destination, segments) = msg
            .map(|m| {
                (
                    m.payload.source.addr.clone(),
                    m.payload.destination.addr.clone(),
                    m.segments,
                )
            })
            .unwrap_or_default();
        let record = Rejection {
            id: None,
            account: bind.system_id().to_owned(),
            bind: bind.session_id.to_string(),
            message_type: refusal.message_type,
            source,
            destination,
            segments,
            reason: refusal.reason.clone(),
            command_status: refusal.status.0,
            at: now,
        };
        if let Err(e) = self.store.reject(record).await {
            tracing::warn!(error = %e, "could not record a rejection");
        }
        tracing::debug!(account = bind.system_id(), reason = %refusal.reason, status = %refusal.status.0, "submit refused");
        refusal.status
    }

    /// Hands a stored message to the dispatcher; a full queue leaves it to the rescan.
    pub(crate) fn enqueue(&self, job: Job) {
        if self.dispatch.try_send(job).is_err() {
            tracing::debug!("dispatch queue full; message waits in the store for the rescan");
        }
    }
}

fn concat_refusal(e: &ConcatError, message_type: MessageType) -> Refusal {
    let status = match e {
        ConcatError::TooManyOpen => CommandStatus::ESME_RMSGQFUL,
        _ => CommandStatus::ESME_RINVESMCLASS,
    };
    Refusal::new(status.0, format!("invalid_concat: {e}"), message_type)
}
