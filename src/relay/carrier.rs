//! Carrier `deliver_sm`s: receipts are matched to smppd's message and end it; MO replies go
//! to the account owning the service code, and unsubscribe replies feed the opt-out list.

use std::sync::Arc;
use std::time::SystemTime;

use crate::gateway::Shared;
use crate::message::MessageId;
use crate::store::{
    CarrierReceipt, FinalReport, FinalSource, FinalState, FinalizeOutcome, MessageRecord,
    StoreError,
};
use crate::text::dlr::{self, normalize_carrier_id, ReceiptIdForm, ReceiptStat};
use crate::upstream::{Incoming, PartFinal, ReceiptAggregator, UpstreamEvent};

use super::carrier_ids::PartRef;

/// What a carrier receipt says, read from its TLVs first and its text second.
#[derive(Debug, Clone)]
pub(crate) struct ReceiptFacts {
    pub(crate) carrier_id: String,
    stat: ReceiptStat,
    err: String,
    /// esm_class says "SMSC delivery receipt": the carrier reports the outcome (SMPP 3.4
    /// §5.2.17: sent on final success or failure), not an intermediate notification.
    outcome_receipt: bool,
}

pub(crate) fn read_receipt(incoming: &Incoming) -> Option<ReceiptFacts> {
    let d = &incoming.deliver;
    let text = String::from_utf8_lossy(d.payload());
    let parsed = dlr::parse(&text).ok();
    let carrier_id = d
        .tlvs
        .receipted_message_id()
        .map(str::to_owned)
        .or_else(|| parsed.as_ref().map(|p| p.id.clone()))?;
    let stat = d
        .tlvs
        .message_state()
        .and_then(|s| ReceiptStat::from_message_state(s.0))
        .or_else(|| parsed.as_ref().map(|p| p.stat.clone()))?;
    let err = parsed
        .as_ref()
        .and_then(|p| p.err.clone())
        .or_else(|| {
            d.tlvs
                .network_error_code()
                .map(|c| format!("{:03}", c.error_code))
        })
        .unwrap_or_else(|| "000".to_owned());
    Some(ReceiptFacts {
        carrier_id,
        stat,
        err,
        outcome_receipt: d.esm_class & ESM_MESSAGE_TYPE == ESM_SMSC_RECEIPT,
    })
}

impl ReceiptFacts {
    /// The stored final reason: the carrier's `err:` first (the client's receipt takes its
    /// code from there), then a carrier-specific stat, which no standard state names.
    fn reason(&self) -> String {
        match &self.stat {
            ReceiptStat::Other(stat) => format!("{} carrier stat {stat}", self.err),
            _ => self.err.clone(),
        }
    }
}

/// esm_class bits 5..2, the message type of a deliver_sm (SMPP 3.4 §5.2.12).
const ESM_MESSAGE_TYPE: u8 = 0x3C;
/// Message type "SMSC delivery receipt".
const ESM_SMSC_RECEIPT: u8 = 0x04;

/// The store's final state for what a carrier receipt reports, `None` while the message is
/// still on its way. ACCEPTD ("accepted on behalf of the subscriber") is not a delivery,
/// so it does not count as delivered. A carrier-specific stat (CMPP-style `MK:0005`,
/// `DB:0008`, `FAILED` …; smpp34-reference §10) in an SMSC delivery receipt is the
/// carrier's final word that the message was not delivered: left open, the message would
/// end days later as smppd's own EXPIRED "no carrier final receipt" (err 901), which is
/// not what happened.
fn final_state(facts: &ReceiptFacts) -> Option<FinalState> {
    Some(match &facts.stat {
        ReceiptStat::Delivrd => FinalState::Delivered,
        ReceiptStat::Expired => FinalState::Expired,
        ReceiptStat::Deleted => FinalState::Deleted,
        ReceiptStat::Undeliv => FinalState::Undeliverable,
        ReceiptStat::Rejectd => FinalState::Rejected,
        ReceiptStat::Acceptd => FinalState::Unknown,
        ReceiptStat::Other(_) if facts.outcome_receipt => FinalState::Undeliverable,
        ReceiptStat::Enroute | ReceiptStat::Unknown | ReceiptStat::Other(_) => return None,
    })
}

impl Shared {
    /// Handles one event from the carriers; the carrier's `deliver_sm_resp` waits for the
    /// event's [`DeliverAck`](crate::upstream::DeliverAck) (see [`Self::relay_receipt`]).
    pub(crate) async fn relay_event(&self, event: UpstreamEvent) {
        match event {
            UpstreamEvent::Receipt(incoming) => self.relay_receipt(incoming).await,
            UpstreamEvent::Mo(incoming) => self.relay_mo(incoming).await,
        }
    }

    /// A carrier receipt: match it, keep it as evidence, end the message; the carrier is
    /// acknowledged only once that is committed in the store.
    ///
    /// At-least-once: a receipt whose answer never reached the carrier (crash, dropped
    /// connection, a store error answered `ESME_RX_T_APPN`) comes again, and handling it
    /// twice is harmless: a final message stays final (the store keeps the repeat as
    /// evidence) and owes its client one receipt only.
    pub(crate) async fn relay_receipt(&self, incoming: Incoming) {
        let Some(facts) = read_receipt(&incoming) else {
            // Sending it again would not make it readable.
            tracing::warn!(channel = %incoming.channel, "carrier receipt without a usable id or state; kept in the log only");
            incoming.ack.accept();
            return;
        };
        let form = self.receipt_id_form(&incoming.channel);
        let part = match self
            .carrier_ids
            .resolve(&incoming.channel, &facts.carrier_id, form)
        {
            Some(p) => Ok(Some(p)),
            None => {
                self.part_from_store(&incoming.channel, &facts.carrier_id)
                    .await
            }
        };
        let part = match part {
            Ok(Some(part)) => part,
            Ok(None) => {
                if let Some(refusals) = self.orphans.give_up(&incoming.channel, &facts.carrier_id) {
                    tracing::warn!(channel = %incoming.channel, carrier_id = %facts.carrier_id, refusals, "carrier receipt for no known message accepted after repeated refusals (its submit_sm_resp was lost; the message was sent again); kept in the log only");
                    incoming.ack.accept();
                    return;
                }
                return self.park_receipt(incoming, &facts, form).await;
            }
            Err(e) => {
                tracing::warn!(channel = %incoming.channel, error = %e, "carrier receipt not matched (store read failed); the carrier will send it again");
                incoming.ack.retry_later();
                return;
            }
        };
        match self.apply_receipt(&incoming, &facts, part).await {
            Ok(()) => incoming.ack.accept(),
            Err(e) => {
                tracing::error!(message_id = %part.message_id, error = %e, "could not record a carrier receipt; the carrier will send it again");
                incoming.ack.retry_later();
            }
        }
    }

    /// A receipt for an id not known (yet): probably ahead of its submit_sm_resp. It waits,
    /// unacknowledged, for [`CarrierIdIndex::insert`](super::carrier_ids::CarrierIdIndex::insert)
    /// to hand it back; the connection keeps reading meanwhile (the resp may come on it).
    async fn park_receipt(
        &self,
        mut incoming: Incoming,
        facts: &ReceiptFacts,
        form: ReceiptIdForm,
    ) {
        incoming.ack.release_window();
        let channel = incoming.channel.clone();
        if self
            .carrier_ids
            .park(&channel, &facts.carrier_id, form, incoming)
            .is_err()
        {
            // Dropped unanswered: ESME_RX_T_APPN, the carrier keeps it and retries.
            tracing::warn!(channel = %channel, carrier_id = %facts.carrier_id, "receipt for an unknown carrier id refused for now: parking full");
            return;
        }
        // Dispatch indexes the resp concurrently: if it did so between our lookup and the
        // park, nobody would ever take the receipt out. Look again (see
        // CarrierIdIndex::insert for the ordering that makes this sufficient).
        if self
            .carrier_ids
            .resolve(&channel, &facts.carrier_id, form)
            .is_some()
        {
            if let Some(incoming) = self.carrier_ids.unpark(&channel, &facts.carrier_id, form) {
                Box::pin(self.relay_receipt(incoming)).await;
            }
        }
    }

    /// The receipt's effect in the store: evidence, and the final state when it decides one.
    /// `Ok` means committed (per the store's fsync policy).
    async fn apply_receipt(
        &self,
        incoming: &Incoming,
        facts: &ReceiptFacts,
        part: PartRef,
    ) -> Result<(), StoreError> {
        let evidence = CarrierReceipt {
            part: Some(u16::from(part.part)),
            channel: incoming.channel.to_string(),
            raw_pdu: incoming.raw.to_vec(),
            at: incoming.received_at,
        };
        let Some(state) = final_state(facts) else {
            return self
                .store
                .add_carrier_receipt(part.message_id, evidence)
                .await;
        };
        let total_parts = self.split_parts.get(&part.message_id).map(|n| *n);
        let (decided, source) = match total_parts {
            Some(total) if total > 1 => {
                // Kept before folding, so of two parts' receipts handled at once the
                // later fold sees both.
                self.store
                    .add_carrier_receipt(part.message_id, evidence)
                    .await?;
                match self.fold_parts(part.message_id, total).await? {
                    Some(s) => (s, FinalSource::CarrierKept),
                    // Other parts still owe their receipts; this one is kept.
                    None => {
                        self.part_settled(incoming, facts, part);
                        return Ok(());
                    }
                }
            }
            _ => (state, FinalSource::Carrier(evidence)),
        };
        let report = FinalReport {
            state: decided,
            reason: Some(facts.reason()),
            at: incoming.received_at,
            source,
        };
        match self.store.finalize(part.message_id, report).await? {
            FinalizeOutcome::Finalized { receipt_owed } => {
                // Counted once per message (a duplicate receipt answers AlreadyFinal).
                self.metrics.record_final(decided);
                if receipt_owed {
                    self.receipts.wake();
                }
            }
            // A repeat (the carrier re-sent it, another part decided first, or smppd ended
            // it already): evidence only, no second client receipt.
            FinalizeOutcome::AlreadyFinal(_) => {}
        }
        // Final either way: nothing more to fold or match in memory.
        self.split_parts.remove(&part.message_id);
        self.part_settled(incoming, facts, part);
        if decided != FinalState::Delivered {
            self.learn_portability(incoming, &facts.err);
        }
        Ok(())
    }

    /// A part's final receipt is kept: its carrier id needs no mapping any more (a repeat is
    /// found in the store), so the index stays bounded by the parts awaiting a receipt.
    /// Each part of a split message has its own id; removing only the one that decided
    /// the message left the others mapped for ever.
    fn part_settled(&self, incoming: &Incoming, facts: &ReceiptFacts, part: PartRef) {
        let form = self.receipt_id_form(&incoming.channel);
        self.carrier_ids
            .forget(&incoming.channel, &facts.carrier_id, form, part);
    }

    /// After a restart the in-memory index is empty: find the message by its carrier id.
    async fn part_from_store(
        &self,
        channel: &Arc<str>,
        carrier_id: &str,
    ) -> Result<Option<PartRef>, StoreError> {
        let key = normalize_carrier_id(carrier_id);
        let ids = self
            .store
            .find_by_carrier_key(key.as_str().to_owned())
            .await?;
        for id in ids {
            let Some(rec) = self.store.get(id).await? else {
                continue;
            };
            let submit = rec.submits.iter().find(|s| {
                s.channel == **channel
                    && s.carrier_message_id
                        .as_deref()
                        .map(normalize_carrier_id)
                        .as_ref()
                        == Some(&key)
            });
            if let Some(s) = submit {
                let parts = distinct_parts(&rec);
                if parts > 1 {
                    self.split_parts.insert(id, parts);
                }
                return Ok(Some(PartRef {
                    message_id: id,
                    part: u8::try_from(s.part).unwrap_or(u8::MAX),
                }));
            }
        }
        Ok(None)
    }

    /// The final state of a split message from the part receipts kept so far: delivered
    /// only when every part is, failed at the first failed part, `None` while waiting.
    async fn fold_parts(
        &self,
        id: MessageId,
        total: u16,
    ) -> Result<Option<FinalState>, StoreError> {
        let Some(rec) = self.store.get(id).await? else {
            return Ok(None);
        };
        let mut agg = ReceiptAggregator::new(usize::from(total));
        let mut decided = None;
        for r in &rec.receipts {
            let Some(part) = r.part.and_then(|p| usize::from(p).checked_sub(1)) else {
                continue;
            };
            let Some(state) = receipt_state(&r.raw_pdu) else {
                continue;
            };
            let result = if state == FinalState::Delivered {
                PartFinal::Delivered(state)
            } else {
                PartFinal::Failed(state)
            };
            if let Ok(Some(outcome)) = agg.record(part, result) {
                decided = Some(match outcome {
                    crate::upstream::MessageFinal::Delivered(s) => s,
                    crate::upstream::MessageFinal::Failed { receipt, .. } => receipt,
                });
            }
        }
        Ok(decided)
    }

    fn receipt_id_form(&self, channel: &str) -> ReceiptIdForm {
        self.channels
            .get(channel)
            .map(|c| c.config().receipt_id_form)
            .unwrap_or_default()
    }

    /// A receipt error code the operator lists as "number ported away" (携号转网) marks the
    /// number as served by another network. Which one the receipt does not say, so the
    /// override names carrier `unknown`: route rules for `unknown` (typically an all-network
    /// channel) take the number from then on, and an operator can correct the entry.
    fn learn_portability(&self, incoming: &Incoming, err: &str) {
        let routes = self.routes();
        let number = incoming.deliver.source_addr.to_string_lossy();
        let Ok(dest) = routes.resolve(&number, crate::routing::NumberHint::Unknown) else {
            return;
        };
        let Some(national) = dest.number.national.as_deref() else {
            return;
        };
        if !self
            .portability
            .is_ported_error(&incoming.channel, dest.carrier, err)
        {
            return;
        }
        match routes
            .portability()
            .learn_ported(national, crate::routing::Carrier::Unknown)
        {
            Ok(_) => {
                tracing::info!(channel = %incoming.channel, err, "learned a ported number from a receipt")
            }
            Err(e) => tracing::warn!(
                error = %crate::metrics::MaskedText(&e.to_string()),
                "could not record a ported number"
            ),
        }
    }
}

/// Parts a message was split into, from the carrier responses recorded for it.
pub(crate) fn distinct_parts(rec: &MessageRecord) -> u16 {
    let mut parts: Vec<u16> = rec.submits.iter().map(|s| s.part).collect();
    parts.sort_unstable();
    parts.dedup();
    u16::try_from(parts.len()).unwrap_or(u16::MAX)
}

/// The final state a stored raw receipt PDU reports, if final.
fn receipt_state(raw: &[u8]) -> Option<FinalState> {
    let pdu = crate::pdu::decode_pdu(bytes::Bytes::copy_from_slice(raw)).ok()?;
    let crate::pdu::Body::DeliverSm(d) = pdu.body else {
        return None;
    };
    let incoming = Incoming {
        channel: Arc::from(""),
        deliver: d,
        raw: bytes::Bytes::new(),
        received_at: SystemTime::now(),
        ack: crate::upstream::DeliverAck::detached(),
    };
    final_state(&read_receipt(&incoming)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pdu::{DeliverSm, MessageState, ShortMessage, Tlv};

    fn receipt(esm_class: u8, text: &str) -> Incoming {
        Incoming {
            channel: Arc::from("cmcc-1"),
            deliver: Box::new(DeliverSm {
                esm_class,
                short_message: ShortMessage::new(bytes::Bytes::from(text.to_owned())).unwrap(),
                ..DeliverSm::default()
            }),
            raw: bytes::Bytes::new(),
            received_at: SystemTime::now(),
            ack: crate::upstream::DeliverAck::detached(),
        }
    }

    fn decided(esm_class: u8, stat: &str) -> Option<FinalState> {
        let text = format!(
            "id:2406011230123456789 sub:001 dlvrd:000 submit date:2406011230 \
             done date:2406011235 stat:{stat} err:{stat}"
        );
        final_state(&read_receipt(&receipt(esm_class, &text)).expect("readable receipt"))
    }

    #[test]
    fn a_carrier_specific_stat_in_a_delivery_receipt_ends_the_message_undelivered() {
        // CMPP-style codes from Chinese upstreams (smpp34-reference §10): final failures.
        assert_eq!(decided(0x04, "MK:0005"), Some(FinalState::Undeliverable));
        assert_eq!(decided(0x04, "DB:0008"), Some(FinalState::Undeliverable));
        assert_eq!(decided(0x04, "FAILED"), Some(FinalState::Undeliverable));
        // Never a delivery, whatever else the receipt says.
        assert_eq!(decided(0x44, "MK:0005"), Some(FinalState::Undeliverable));
    }

    #[test]
    fn intermediate_and_unknown_states_leave_the_message_open() {
        // An intermediate notification (message type 0x20) is not the outcome.
        assert_eq!(decided(0x20, "MK:0005"), None);
        assert_eq!(decided(0x04, "ENROUTE"), None);
        // UNKNOWN is not a final state (smpp34-reference §9): wait for a later receipt.
        assert_eq!(decided(0x04, "UNKNOWN"), None);
        assert_eq!(decided(0x04, "DELIVRD"), Some(FinalState::Delivered));
        assert_eq!(decided(0x04, "ACCEPTD"), Some(FinalState::Unknown));
        assert_eq!(decided(0x04, "EXPIRED"), Some(FinalState::Expired));
    }

    #[test]
    fn the_carrier_stat_is_kept_in_the_reason_after_its_err_code() {
        let text = "id:77 stat:MK:0005 err:006";
        let facts = read_receipt(&receipt(0x04, text)).unwrap();
        assert_eq!(facts.reason(), "006 carrier stat MK:0005");
        let facts = read_receipt(&receipt(0x04, "id:77 stat:UNDELIV err:006")).unwrap();
        assert_eq!(facts.reason(), "006");
    }

    #[test]
    fn the_message_state_tlv_wins_over_the_text() {
        // smpp34-reference §10: prefer receipted_message_id and message_state.
        let mut incoming = receipt(0x04, "id:77 stat:UNDELIV err:006");
        incoming
            .deliver
            .tlvs
            .set(Tlv::MessageState(MessageState::DELIVERED));
        let facts = read_receipt(&incoming).unwrap();
        assert_eq!(final_state(&facts), Some(FinalState::Delivered));
    }
}
