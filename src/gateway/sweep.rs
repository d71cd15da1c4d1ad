//! Periodic work that keeps the store's promises: recovery and rescans (accepted messages
//! that are not on their way get dispatched), validity expiry (honest EXPIRED receipts),
//! concatenated sets that never completed, receipts that never found their message, and
//! retention compaction.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use tokio_util::sync::CancellationToken;

use crate::message::MessageId;
use crate::policy::concat::{ConcatKey, ConcatOutcome};
use crate::relay::receipt::smppd_err;
use crate::store::{FinalState, MessageRecord, ResendPayload, Route, StoreError};

use super::dispatch::Job;
use super::{inbound, Shared};

/// Records read per rescan page.
const PAGE: usize = 1000;

/// Runs the sweeps every `rescan_interval` until shutdown; the first run is the recovery.
pub(crate) async fn run(shared: Arc<Shared>, shutdown: CancellationToken) {
    let mut tick = tokio::time::interval(shared.settings.rescan_interval);
    let mut rounds: u64 = 0;
    let mut stranded = HashSet::new();
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => break,
            _ = tick.tick() => {}
        }
        let now = SystemTime::now();
        shared.expire(now).await;
        shared.rescan(rounds == 0, now, &mut stranded).await;
        shared.end_incomplete_sets(now).await;
        shared.drop_orphan_receipts();
        // Compaction is cheap when there is nothing to delete; run it every ~100 rounds.
        if rounds.is_multiple_of(100) {
            if let Err(e) = shared.store.compact(now, 10_000).await {
                tracing::warn!(error = %e, "compaction failed");
            }
        }
        rounds += 1;
    }
}

impl Shared {
    /// Messages whose validity passed without a final state end EXPIRED (smppd-generated).
    async fn expire(&self, now: SystemTime) {
        let Ok(ids) = self.store.expiry_candidates(now, PAGE).await else {
            return;
        };
        for id in ids {
            if self.dispatching.contains_key(&id) {
                continue;
            }
            let why = format!(
                "{} validity period passed without a carrier's final receipt",
                smppd_err::EXPIRED_IN_GATEWAY
            );
            self.finalize_generated(id, FinalState::Expired, &why, now)
                .await;
        }
    }

    /// Accepted messages not on their way are dispatched; at start (`recovery`) also those
    /// sent without a carrier response (at-least-once: a carrier may see such a message
    /// twice if smppd died between the carrier's accept and storing its response).
    ///
    /// Outside recovery a message is offered only if the previous rescan found it
    /// `Accepted` too (`stranded`): one accepted a moment ago, or waiting in the dispatch
    /// queue, is also `Accepted` (the route is stored with the carrier's response), and
    /// queueing it a second time would send it twice once the first job finished.
    async fn rescan(&self, recovery: bool, now: SystemTime, stranded: &mut HashSet<MessageId>) {
        let mut still = HashSet::new();
        let mut after = None;
        loop {
            let Ok(page) = self.store.unsent(after, PAGE).await else {
                break;
            };
            let full = page.len() == PAGE;
            after = page.last().map(|r| r.message.id);
            for rec in page {
                let id = rec.message.id;
                if recovery || stranded.contains(&id) {
                    self.offer(rec, recovery, now).await;
                } else if !self.dispatching.contains_key(&id) && !self.held.contains_key(&id) {
                    still.insert(id);
                }
            }
            if !full {
                break;
            }
        }
        *stranded = still;
        if !recovery {
            return;
        }
        let mut after = None;
        loop {
            let Ok(page) = self.store.sent_without_response(after, PAGE).await else {
                break;
            };
            let full = page.len() == PAGE;
            after = page.last().map(|r| r.message.id);
            for rec in page {
                let m = rec.message;
                self.enqueue(Job::new(m.id, &m.account, m.message_type, m.payload));
            }
            if !full {
                break;
            }
        }
    }

    /// A stored, unsent message back into the pipeline. A concatenation part that is held
    /// (its set not complete) stays held; at recovery held parts are re-registered with the
    /// assembler, and a set found complete was already judged (its last part is stored only
    /// after the whole passed policy), so all its parts are dispatched.
    async fn offer(&self, rec: MessageRecord, recovery: bool, now: SystemTime) {
        let m = rec.message;
        if self.dispatching.contains_key(&m.id) || self.held.contains_key(&m.id) {
            return;
        }
        if let (Some(c), true) = (m.concat, recovery) {
            let Ok(read) = inbound::from_payload(&m.payload, now) else {
                return;
            };
            let national = crate::routing::normalize(&m.payload.destination.addr)
                .ok()
                .and_then(|n| n.national)
                .unwrap_or_else(|| m.payload.destination.addr.clone());
            let key = ConcatKey {
                account: m.account.clone(),
                source: m.payload.source.addr.clone(),
                destination: national,
                reference: c.reference,
            };
            match self
                .policy
                .concat()
                .add(key, c.sequence, c.total, read.text, m.id, now)
            {
                Ok(ConcatOutcome::Pending) => {
                    self.held.insert(m.id, ());
                    return;
                }
                Ok(ConcatOutcome::Complete { parts, .. }) => {
                    for part in parts.into_iter().filter(|p| *p != m.id) {
                        self.held.remove(&part);
                        if let Ok(Some(r)) = self.store.get(part).await {
                            let pm = r.message;
                            self.enqueue(Job::new(pm.id, &pm.account, pm.message_type, pm.payload));
                        }
                    }
                }
                Err(_) => {}
            }
        }
        self.enqueue(Job::new(m.id, &m.account, m.message_type, m.payload));
    }

    /// Records "handed to a channel" before sending only where recovery needs it. A message
    /// never sent and one sent without a response are both sent again at recovery, so for
    /// most messages the route is stored with the carrier's response instead (one write
    /// fewer). A part of a client-side concatenated set is different: at recovery an
    /// `Accepted` part goes back into the assembler (its set may be incomplete), so a part
    /// already dispatched must be `Routed` or its set would wait for parts that left.
    pub(crate) async fn mark_routed_if_needed(
        &self,
        job: &Job,
        route: &Route,
        at: SystemTime,
    ) -> Result<(), StoreError> {
        if !may_be_concat_part(&job.payload) {
            return Ok(());
        }
        self.store.mark_routed(job.id, route.clone(), at).await
    }

    /// Sets that never completed: every held part ends REJECTD (never forwarded).
    async fn end_incomplete_sets(&self, now: SystemTime) {
        for set in self.policy.concat().sweep(now) {
            let why = format!(
                "{} only some parts of {} arrived before the timeout",
                smppd_err::INCOMPLETE_CONCAT,
                set.total
            );
            for id in set.parts {
                self.held.remove(&id);
                self.finalize_generated(id, FinalState::Rejected, &why, now)
                    .await;
            }
        }
    }

    /// Receipts that waited in vain for their submit_sm_resp: not acknowledged, so the
    /// carrier is asked to send them again later (they match if the resp is known by then);
    /// each refusal is counted, and one refused often enough is accepted when it comes
    /// again (see [`crate::relay::orphans`]).
    fn drop_orphan_receipts(&self) {
        for orphan in self.carrier_ids.expire_parked(Instant::now()) {
            tracing::warn!(channel = %orphan.channel, "carrier receipt matched no message within the wait; the carrier will send it again");
            if let Some(facts) = crate::relay::read_receipt(&orphan) {
                self.orphans.refused(&orphan.channel, &facts.carrier_id);
            }
            orphan.ack.retry_later();
        }
    }
}

/// esm_class bit 6: the short_message starts with a user data header (SMPP 3.4 §5.2.12).
const ESM_UDHI: u8 = 0x40;
/// `sar_msg_ref_num` (SMPP 3.4 §5.3.2.22).
const SAR_MSG_REF_NUM: u16 = 0x020C;

/// Whether the stored message may be one part of a client-side concatenated set: a UDH
/// (which may carry IE 0x00/0x08) or the sar_* TLVs. Errs on the side of "yes".
fn may_be_concat_part(p: &ResendPayload) -> bool {
    if p.esm_class & ESM_UDHI != 0 {
        return true;
    }
    // TLVs as on the wire: tag (2), length (2), value.
    let mut rest = p.tlvs.as_slice();
    while let [t0, t1, l0, l1, tail @ ..] = rest {
        if u16::from_be_bytes([*t0, *t1]) == SAR_MSG_REF_NUM {
            return true;
        }
        let len = usize::from(u16::from_be_bytes([*l0, *l1]));
        rest = tail.get(len..).unwrap_or(&[]);
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concat_parts_are_recognised_by_udh_or_sar_tlvs() {
        let mut p = ResendPayload::default();
        assert!(!may_be_concat_part(&p));
        // message_payload (0x0424) then sar_msg_ref_num.
        p.tlvs = vec![
            0x04, 0x24, 0x00, 0x02, 0xAA, 0xBB, 0x02, 0x0C, 0x00, 0x02, 0x00, 0x01,
        ];
        assert!(may_be_concat_part(&p));
        p.tlvs.truncate(6);
        assert!(
            !may_be_concat_part(&p),
            "message_payload alone is not a part"
        );
        p.esm_class = ESM_UDHI;
        assert!(may_be_concat_part(&p));
    }
}
