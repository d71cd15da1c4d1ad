//! Moving accepted messages to carriers: route → channel → carrier's submit_sm_resp → store.
//!
//! The in-memory queue is only a fast path. The truth is the store: a message that is not
//! dispatched now (queue full, no channel available, transient failures beyond the budget)
//! stays `Accepted` there and the periodic rescan hands it out again, until it is sent or
//! its validity passes and it ends with an honest EXPIRED receipt.

use std::sync::Arc;
use std::time::SystemTime;

use futures::stream::{FuturesUnordered, StreamExt};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use crate::message::{MessageId, MessageType};
use crate::pdu::{COctetString, SubmitSm};
use crate::relay::carrier_ids::PartRef;
use crate::relay::receipt::smppd_err;
use crate::routing::{Number, NumberHint, RouteQuery, RoutingError};
use crate::store::{CarrierSubmit, FinalState, ResendPayload, Route};
use crate::text::dlr::normalize_carrier_id;
use crate::upstream::{OutboundMessage, StatusClass, SubmitOutcome};

use super::{resend, Shared};

/// One message to hand to a carrier.
#[derive(Debug, Clone)]
pub(crate) struct Job {
    pub(crate) id: MessageId,
    pub(crate) account: String,
    pub(crate) message_type: MessageType,
    pub(crate) payload: ResendPayload,
    /// Channels that failed this message transiently (failover skips them).
    pub(crate) excluded: Vec<String>,
    pub(crate) attempts: u32,
}

impl Job {
    pub(crate) fn new(
        id: MessageId,
        account: &str,
        message_type: MessageType,
        payload: ResendPayload,
    ) -> Job {
        Job {
            id,
            account: account.to_owned(),
            message_type,
            payload,
            excluded: Vec::new(),
            attempts: 0,
        }
    }
}

/// Runs jobs with bounded concurrency until shutdown, all inside this one task: a job is
/// mostly waiting (for the carrier's response, the store's commit), and a spawned task per
/// message cost more in scheduling and cross-thread wake-ups than its own work.
pub(crate) async fn run(
    shared: Arc<Shared>,
    mut jobs: mpsc::Receiver<Job>,
    shutdown: CancellationToken,
) {
    let limit = shared.settings.dispatch_concurrency.max(1);
    let mut running = FuturesUnordered::new();
    loop {
        tokio::select! {
            biased;
            _ = shutdown.cancelled() => break,
            Some(()) = running.next(), if !running.is_empty() => {}
            job = jobs.recv(), if running.len() < limit => match job {
                Some(job) => running.push(dispatch(shared.clone(), job)),
                None => break,
            },
        }
    }
    // Messages already on their way finish (each step is bounded by the channel's
    // timeouts): abandoning a submit the carrier may have taken would resend it after a
    // restart. Queued jobs stay in the store for the next start.
    while running.next().await.is_some() {}
}

async fn dispatch(shared: Arc<Shared>, job: Job) {
    shared.dispatch_one(job).await;
}

/// registered_delivery bits 1..0 (SMPP 3.4 §5.2.17): receipt on final success or failure.
const RECEIPT_ON_FINAL: u8 = 0x01;

/// What smppd asks the carrier for: always the final receipt. smppd's statistics and
/// lookups need every outcome, and without a receipt a delivered message would end as
/// smppd's own EXPIRED (under "receipt on failure only", reported to the client as one).
/// The client's bits 1..0 decide only what smppd owes the client (kept in the store);
/// the other bits (SME acknowledgements, intermediate notification) pass through.
fn carrier_registered_delivery(client: u8) -> u8 {
    (client & !0x03) | RECEIPT_ON_FINAL
}

impl Shared {
    async fn dispatch_one(&self, job: Job) {
        // The rescan may offer a message that is already on its way.
        if self.dispatching.insert(job.id, ()).is_some() {
            return;
        }
        let id = job.id;
        // cancel_sm marks first and then checks `dispatching`; we insert first and then
        // check the mark, so one of the two always sees the other.
        if self.cancelled.remove(&id).is_some() {
            self.dispatching.remove(&id);
            return;
        }
        self.send_job(job).await;
        self.dispatching.remove(&id);
    }

    async fn send_job(&self, mut job: Job) {
        let now = SystemTime::now();
        let routes = self.routes();
        let query = RouteQuery {
            account: &job.account,
            destination: &job.payload.destination.addr,
            hint: NumberHint::from_ton(job.payload.destination.ton),
            message_type: job.message_type,
        };
        let excluded = job.excluded.clone();
        let allowed = |name: &str| !excluded.iter().any(|e| e == name);
        let health = |name: &str| self.channels.is_available(name) && allowed(name);
        // Every candidate saturated but bound: queue at one of them (a send waits up to its
        // queue_timeout for window room) instead of leaving the message to the rescan.
        let bound = |name: &str| self.channels.is_bound(name) && allowed(name);
        // Pick before any await: the thread-local RNG must not live across one.
        let picked = {
            let rng = &mut rand::thread_rng();
            match routes.route(&query, &health, rng) {
                Err(RoutingError::NoChannelAvailable { .. }) => routes.route(&query, &bound, rng),
                other => other,
            }
            .map(|(dest, route)| {
                let route = Route {
                    channel: route.channel.to_owned(),
                    carrier: Some(dest.carrier.to_string()),
                    province: dest.province.map(|p| p.to_string()),
                };
                (dest.number, route)
            })
        };
        let (number, route) = match picked {
            Ok(route) => route,
            Err(RoutingError::NoChannelAvailable { .. }) if !job.excluded.is_empty() => {
                // Every channel still bound was left by this message already (a saturated
                // one answers NotSent after its queue_timeout): offer it to them again now,
                // within the attempt budget, rather than after two rescans.
                job.excluded.clear();
                return self.retry(job);
            }
            Err(RoutingError::NoChannelAvailable { .. }) => {
                // Every channel of every group is down or saturated: the message waits in
                // the store; the rescan retries it until its validity passes.
                tracing::debug!(message_id = %job.id, "no channel available; waiting for the rescan");
                return;
            }
            Err(e) => {
                let why = format!("{} {e}", smppd_err::UNDELIVERABLE_NO_ROUTE);
                self.finalize_generated(job.id, FinalState::Undeliverable, &why, now)
                    .await;
                return;
            }
        };
        let submit = match resend::submit_sm(&job.payload).map(|s| in_carrier_form(s, &number)) {
            Ok(mut s) => {
                s.registered_delivery = carrier_registered_delivery(s.registered_delivery);
                s
            }
            Err(e) => {
                let why = format!("{} {e}", smppd_err::UNDELIVERABLE_NO_ROUTE);
                self.finalize_generated(job.id, FinalState::Undeliverable, &why, now)
                    .await;
                return;
            }
        };
        let channel = route.channel.clone();
        if let Err(e) = self.mark_routed_if_needed(&job, &route, now).await {
            tracing::warn!(message_id = %job.id, error = %e, "could not mark routed; left to the rescan");
            return;
        }
        let msg = OutboundMessage {
            message_id: job.id,
            submit,
            account_extension: self.extension_of(&job.account),
        };
        let sent_at = std::time::Instant::now();
        let sent = self.channels.send(&channel, msg).await;
        self.metrics
            .observe_upstream_submit(&channel, sent_at.elapsed());
        let report = match sent {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(message_id = %job.id, channel, error = %e, "channel vanished; retrying elsewhere");
                job.excluded.push(channel);
                return self.retry(job);
            }
        };
        tracing::debug!(message_id = %job.id, channel, parts = ?report.parts, "carrier answered");
        let channel_key: Arc<str> = Arc::from(channel.as_str());
        if report.total_parts > 1 {
            self.split_parts.insert(
                job.id,
                u16::try_from(report.total_parts).unwrap_or(u16::MAX),
            );
        }
        let at = SystemTime::now();
        let mut accepted_parts = 0usize;
        for (i, outcome) in report.parts.iter().enumerate() {
            let part = u16::try_from(i + 1).unwrap_or(u16::MAX);
            let submit = match outcome {
                SubmitOutcome::Accepted {
                    carrier_message_id,
                    raw_resp,
                    ..
                } => {
                    accepted_parts += 1;
                    let part_ref = PartRef {
                        message_id: job.id,
                        part: u8::try_from(part).unwrap_or(u8::MAX),
                    };
                    if let Some(early) =
                        self.carrier_ids
                            .insert(&channel_key, carrier_message_id, part_ref)
                    {
                        // The receipt overtook the resp: handle it once the resp is stored.
                        let shared_early = early;
                        let keys =
                            vec![normalize_carrier_id(carrier_message_id).as_str().to_owned()];
                        self.record_submit(
                            job.id,
                            part,
                            &route,
                            Some(carrier_message_id),
                            0,
                            raw_resp,
                            at,
                            keys,
                        )
                        .await;
                        self.relay_receipt(shared_early).await;
                        continue;
                    }
                    let keys = vec![normalize_carrier_id(carrier_message_id).as_str().to_owned()];
                    self.record_submit(
                        job.id,
                        part,
                        &route,
                        Some(carrier_message_id),
                        0,
                        raw_resp,
                        at,
                        keys,
                    )
                    .await;
                    continue;
                }
                SubmitOutcome::Rejected { status, .. } => Some(*status),
                SubmitOutcome::Unknown | SubmitOutcome::NotSent => None,
            };
            if let Some(status) = submit {
                self.record_submit(
                    job.id,
                    part,
                    &route,
                    None,
                    status,
                    &bytes::Bytes::new(),
                    at,
                    Vec::new(),
                )
                .await;
            }
        }
        if accepted_parts == report.total_parts {
            return;
        }
        let failure = report.failure().cloned();
        match failure {
            // Part of the message already reached the carrier: resending the whole would
            // duplicate those parts, so the message fails honestly.
            _ if accepted_parts > 0 => {
                let why = format!(
                    "{} only {accepted_parts} of {} parts accepted",
                    smppd_err::REJECTED_BY_CARRIER,
                    report.total_parts
                );
                self.finalize_generated(job.id, FinalState::Undeliverable, &why, at)
                    .await;
            }
            Some(SubmitOutcome::Rejected {
                status,
                class: StatusClass::Permanent,
            }) => {
                let why = format!(
                    "{} carrier status {status:#010x} on {channel}",
                    smppd_err::REJECTED_BY_CARRIER
                );
                self.finalize_generated(job.id, FinalState::Rejected, &why, at)
                    .await;
            }
            // Unknown also comes back from a channel set to re-send (its session died and it
            // ran out of sessions or re-sends): that one fails over below, at-least-once as
            // configured. Only a channel set to fail unknown outcomes ends the message here.
            Some(SubmitOutcome::Unknown)
                if self.channels.get(&channel).is_some_and(|c| {
                    c.config().on_unknown == crate::upstream::UnknownOutcomePolicy::Fail
                }) =>
            {
                // The channel is set to fail unknown outcomes rather than risk a duplicate.
                let why = format!(
                    "{} outcome unknown on {channel} (connection lost)",
                    smppd_err::REJECTED_BY_CARRIER
                );
                self.finalize_generated(job.id, FinalState::Unknown, &why, at)
                    .await;
            }
            _ => {
                job.excluded.push(channel);
                self.retry(job);
            }
        }
    }

    /// Fails over to another channel, within the attempt budget; past it the message waits
    /// in the store for the rescan (and, eventually, its validity).
    fn retry(&self, mut job: Job) {
        job.attempts += 1;
        if job.attempts < self.settings.max_dispatch_attempts {
            self.enqueue(job);
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn record_submit(
        &self,
        id: MessageId,
        part: u16,
        route: &Route,
        carrier_id: Option<&str>,
        status: u32,
        raw: &bytes::Bytes,
        at: SystemTime,
        keys: Vec<String>,
    ) {
        let submit = CarrierSubmit {
            part,
            channel: route.channel.clone(),
            carrier_message_id: carrier_id.map(str::to_owned),
            command_status: status,
            raw_resp: raw.to_vec(),
            at,
        };
        // The route is recorded with the response (one write instead of two).
        let written = self
            .store
            .record_forwarded_on(id, route.clone(), submit, keys);
        if let Err(e) = written.await {
            tracing::error!(message_id = %id, error = %e, "could not record the carrier's submit_sm_resp");
        }
    }
}

/// The submit_sm with its destination as the carrier wants it ([`Number::upstream_address`]):
/// the client may have typed `+86 138-…`. Only the outgoing PDU changes; the stored payload
/// keeps the client's form, which its receipts echo back.
fn in_carrier_form(mut submit: SubmitSm, number: &Number) -> SubmitSm {
    let (ton, npi, digits) = number.upstream_address(submit.dest_addr_ton, submit.dest_addr_npi);
    // ASCII digits always make a valid C-octet string; the branch only satisfies the type.
    if let Ok(addr) = COctetString::new(bytes::Bytes::from(digits)) {
        submit.dest_addr_ton = ton;
        submit.dest_addr_npi = npi;
        submit.destination_addr = addr;
    }
    submit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_carrier_is_always_asked_for_the_final_receipt() {
        assert_eq!(carrier_registered_delivery(0x00), 0x01);
        assert_eq!(carrier_registered_delivery(0x02), 0x01);
        assert_eq!(carrier_registered_delivery(0x01), 0x01);
        // SME acknowledgement and intermediate notification requests pass through.
        assert_eq!(carrier_registered_delivery(0x1E), 0x1D);
    }
}
