//! Live sessions by account: enforces `max_binds` (evicting sessions that turn out to be dead)
//! and routes deliver_sm (receipts, MO) to one of the account's receiver binds.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use dashmap::{DashMap, DashSet};
use tokio::sync::{mpsc, oneshot, Notify};
use tokio_util::sync::CancellationToken;

use super::auth::BindRejection;
use super::state::BindType;
use crate::pdu::{CommandStatus, DeliverSm};

/// How long [`SessionRegistry::deliver`] waits for room when every receiver queue is full.
const FULL_QUEUE_WAIT: Duration = Duration::from_secs(2);

/// How a deliver_sm handed to [`SessionRegistry::deliver`] ended. Anything but `Ok` means the
/// client does **not** have the message: keep it and call `deliver` again later.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DeliverError {
    /// The account has no receiver or transceiver bind right now.
    #[error("no receiver bind for the account")]
    NoReceiver,
    /// Every receiver bind's outbound queue stayed full for 2 s.
    #[error("all receiver binds are busy")]
    Busy,
    /// The session did not answer within response_timeout (SMPP 3.4 §7.2 response_timer).
    #[error("no deliver_sm_resp within the response timeout")]
    TimedOut,
    /// The session ended before the client answered.
    #[error("session closed before deliver_sm_resp")]
    SessionClosed,
    /// The client answered deliver_sm_resp (or generic_nack) with this error status.
    #[error("client answered {0}")]
    Rejected(CommandStatus),
}

impl DeliverError {
    /// False only when the client said it will never take this message (ESME_RX_P_APPN,
    /// ESME_RX_R_APPN); everything else is worth retrying later.
    pub fn is_retryable(self) -> bool {
        !matches!(
            self,
            DeliverError::Rejected(CommandStatus::ESME_RX_P_APPN)
                | DeliverError::Rejected(CommandStatus::ESME_RX_R_APPN)
        )
    }
}

/// A deliver_sm waiting for a session to send it.
#[derive(Debug)]
pub(crate) struct OutboundDeliver {
    pub(crate) pdu: Box<DeliverSm>,
    pub(crate) done: oneshot::Sender<Result<(), DeliverError>>,
}

/// The registry's side of one session.
#[derive(Debug, Clone)]
pub(crate) struct SessionHandle {
    pub(crate) id: u64,
    pub(crate) bind_type: BindType,
    pub(crate) outbound: mpsc::Sender<OutboundDeliver>,
    pub(crate) cancel: CancellationToken,
    /// Asks the session to end gracefully: unbind, wait (bounded by response_timeout) for
    /// unbind_resp, close (admin kick and suspension, account removed by a reload).
    pub(crate) unbind: CancellationToken,
    /// Asks the session to send an enquire_link now.
    pub(crate) probe: Arc<Notify>,
    /// Counts PDUs the session received; a probe is answered when it moves.
    pub(crate) received: Arc<AtomicU64>,
}

#[derive(Debug, Default)]
struct AccountSessions {
    sessions: Vec<SessionHandle>,
}

/// Bound sessions by system_id.
#[derive(Debug, Default)]
pub struct SessionRegistry {
    accounts: DashMap<String, AccountSessions>,
    next_session: AtomicU64,
    round_robin: AtomicUsize,
    /// Accounts whose binds are refused (admin API suspend).
    suspended: DashSet<String>,
    /// Every bind refused (admin API drain).
    refusing: AtomicBool,
}

/// Keeps a session counted against its account's `max_binds`; dropping it (session end)
/// frees the slot.
#[derive(Debug)]
pub(crate) struct Registration {
    registry: Arc<SessionRegistry>,
    system_id: String,
    id: u64,
}

impl Drop for Registration {
    fn drop(&mut self) {
        self.registry.remove(&self.system_id, self.id);
    }
}

impl SessionHandle {
    /// Neither evicted nor told to unbind.
    fn is_live(&self) -> bool {
        !self.cancel.is_cancelled() && !self.unbind.is_cancelled()
    }
}

impl SessionRegistry {
    /// An empty registry.
    pub fn new() -> Arc<Self> {
        Arc::new(SessionRegistry::default())
    }

    /// A fresh session id.
    pub(crate) fn next_session_id(&self) -> u64 {
        self.next_session.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// Live binds of an account (all types).
    pub fn bind_count(&self, system_id: &str) -> usize {
        self.accounts.get(system_id).map_or(0, |a| a.sessions.len())
    }

    /// Live receiver and transceiver binds of an account.
    pub fn receiver_count(&self, system_id: &str) -> usize {
        self.accounts.get(system_id).map_or(0, |a| {
            a.sessions.iter().filter(|s| s.bind_type.receives()).count()
        })
    }

    /// Counts `handle` against `system_id`'s `max_binds`. At the limit, every existing
    /// session of the account is asked for an enquire_link; those silent for `probe_timeout`
    /// are closed and their slots given up, so a client that reconnects after a network
    /// failure is not locked out by its own dead sessions.
    pub(crate) async fn register(
        self: &Arc<Self>,
        system_id: &str,
        max_binds: u32,
        handle: SessionHandle,
        probe_timeout: Duration,
    ) -> Result<Registration, BindRejection> {
        let max = usize::try_from(max_binds).unwrap_or(usize::MAX);
        if let Some(r) = self.try_add(system_id, max, &handle)? {
            return Ok(r);
        }
        let existing: Vec<SessionHandle> = self
            .accounts
            .get(system_id)
            .map(|a| a.sessions.clone())
            .unwrap_or_default();
        let before: Vec<u64> = existing
            .iter()
            .map(|s| s.received.load(Ordering::Relaxed))
            .collect();
        for s in &existing {
            s.probe.notify_one();
        }
        let deadline = tokio::time::Instant::now() + probe_timeout;
        let answered = |i: usize, s: &SessionHandle| {
            before
                .get(i)
                .is_some_and(|b| s.received.load(Ordering::Relaxed) != *b)
        };
        while tokio::time::Instant::now() < deadline {
            if existing.iter().enumerate().all(|(i, s)| answered(i, s)) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        let mut evicted = 0;
        for (i, s) in existing.iter().enumerate() {
            if !answered(i, s) && !s.cancel.is_cancelled() {
                tracing::info!(
                    system_id,
                    session = s.id,
                    "evicting a session silent to enquire_link"
                );
                s.cancel.cancel();
                self.remove(system_id, s.id);
                evicted += 1;
            }
        }
        if evicted > 0 {
            if let Some(r) = self.try_add(system_id, max, &handle)? {
                return Ok(r);
            }
        }
        Err(BindRejection::TooManyBinds)
    }

    fn try_add(
        self: &Arc<Self>,
        system_id: &str,
        max: usize,
        handle: &SessionHandle,
    ) -> Result<Option<Registration>, BindRejection> {
        let mut entry = self.accounts.entry(system_id.to_string()).or_default();
        // Checked under the account's entry lock, which `suspend` also takes after marking
        // the account: a bind racing a suspension is either refused here or cancelled there.
        if self.refusing.load(Ordering::Acquire) || self.suspended.contains(system_id) {
            return Err(BindRejection::Suspended);
        }
        if entry.sessions.len() >= max {
            return Ok(None);
        }
        entry.sessions.push(handle.clone());
        Ok(Some(Registration {
            registry: Arc::clone(self),
            system_id: system_id.to_string(),
            id: handle.id,
        }))
    }

    /// Every live bind: (system_id, session id, bind type), for the admin API and metrics.
    pub fn binds(&self) -> Vec<(String, u64, BindType)> {
        let mut out: Vec<(String, u64, BindType)> = self
            .accounts
            .iter()
            .flat_map(|a| {
                let id = a.key().clone();
                a.sessions
                    .iter()
                    .filter(|s| s.is_live())
                    .map(|s| (id.clone(), s.id, s.bind_type))
                    .collect::<Vec<_>>()
            })
            .collect();
        out.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
        out
    }

    /// Ends one session (admin kick): smppd sends unbind (SMPP 3.4 §4.2), waits for
    /// unbind_resp at most response_timeout, then closes the connection. `false` when no
    /// such live session exists.
    pub fn close_session(&self, system_id: &str, id: u64) -> bool {
        let Some(a) = self.accounts.get(system_id) else {
            return false;
        };
        match a.sessions.iter().find(|s| s.id == id && s.is_live()) {
            Some(s) => {
                s.unbind.cancel();
                true
            }
            None => false,
        }
    }

    /// Refuses new binds of `system_id` (`ESME_RBINDFAIL`) and tells its live sessions to
    /// unbind; returns how many were told.
    pub fn suspend(&self, system_id: &str) -> usize {
        self.suspended.insert(system_id.to_string());
        self.unbind_account(system_id)
    }

    /// Tells every live session of `system_id` to unbind (as [`Self::close_session`]);
    /// returns how many. New binds are not refused (the authenticator decides those; a
    /// reload that removes an account calls this after removing it).
    pub fn unbind_account(&self, system_id: &str) -> usize {
        // Under the account's entry lock, which `try_add` also takes: a bind racing a
        // suspension is either refused there or told to unbind here.
        self.accounts.get_mut(system_id).map_or(0, |a| {
            a.sessions
                .iter()
                .filter(|s| s.is_live())
                .map(|s| s.unbind.cancel())
                .count()
        })
    }

    /// Accepts binds of `system_id` again; `false` if it was not suspended.
    pub fn resume(&self, system_id: &str) -> bool {
        self.suspended.remove(system_id).is_some()
    }

    /// Whether `system_id` is suspended.
    pub fn is_suspended(&self, system_id: &str) -> bool {
        self.suspended.contains(system_id)
    }

    /// Refuses every new bind from now on (drain mode); live sessions are not touched.
    pub fn refuse_new_binds(&self) {
        self.refusing.store(true, Ordering::Release);
    }

    /// Whether new binds are refused (drain mode).
    pub fn refuses_new_binds(&self) -> bool {
        self.refusing.load(Ordering::Acquire)
    }

    fn remove(&self, system_id: &str, id: u64) {
        let empty = match self.accounts.get_mut(system_id) {
            Some(mut a) => {
                a.sessions.retain(|s| s.id != id);
                a.sessions.is_empty()
            }
            None => false,
        };
        if empty {
            self.accounts
                .remove_if(system_id, |_, a| a.sessions.is_empty());
        }
    }

    /// Sends a deliver_sm (receipt or MO) to one of the account's receiver binds, rotating
    /// between them, and resolves once the client answered deliver_sm_resp.
    ///
    /// `Ok(())` means the client acknowledged it. On any `Err` the caller still owns the
    /// message and must keep it (durably, for receipts) and try again later: nothing is
    /// dropped here. The session sets the sequence number.
    pub async fn deliver(&self, system_id: &str, pdu: Box<DeliverSm>) -> Result<(), DeliverError> {
        let receivers: Vec<mpsc::Sender<OutboundDeliver>> = match self.accounts.get(system_id) {
            Some(a) => a
                .sessions
                .iter()
                .filter(|s| s.bind_type.receives() && s.is_live())
                .map(|s| s.outbound.clone())
                .collect(),
            None => Vec::new(),
        };
        if receivers.is_empty() {
            return Err(DeliverError::NoReceiver);
        }
        let start = self.round_robin.fetch_add(1, Ordering::Relaxed);
        let (done, answer) = oneshot::channel();
        let mut item = OutboundDeliver { pdu, done };
        for i in 0..receivers.len() {
            let Some(tx) = receivers.get((start + i) % receivers.len()) else {
                continue;
            };
            match tx.try_send(item) {
                Ok(()) => return answer.await.unwrap_or(Err(DeliverError::SessionClosed)),
                Err(mpsc::error::TrySendError::Full(back))
                | Err(mpsc::error::TrySendError::Closed(back)) => item = back,
            }
        }
        // Every queue is full: the clients are slow (a burst of receipts), not gone. Wait
        // for room on whichever queue frees first rather than failing at once, which sent
        // the caller to its slow retry; bounded, so a bind that never drains fails it.
        let room = futures::future::select_ok(receivers.iter().map(|tx| Box::pin(tx.reserve())));
        match tokio::time::timeout(FULL_QUEUE_WAIT, room).await {
            Ok(Ok((permit, _))) => permit.send(item),
            Ok(Err(_)) => return Err(DeliverError::SessionClosed),
            Err(_) => return Err(DeliverError::Busy),
        }
        answer.await.unwrap_or(Err(DeliverError::SessionClosed))
    }
}

#[cfg(test)]
mod tests;
