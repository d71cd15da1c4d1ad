//! One carrier channel: N bound sessions sharing a TPS limiter, and the retry rules that turn
//! carrier answers into a [`SubmitOutcome`].

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use parking_lot::Mutex;
use tokio::sync::{mpsc, oneshot, Notify};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::backoff::Backoff;
use super::config::{ChannelConfig, UnknownOutcomePolicy};
use super::outcome::{ChannelCounters, OutboundMessage, SendReport, SubmitOutcome, UpstreamEvent};
use super::session;
use super::split;
use super::status::StatusClass;
use super::throttle::RateLimiter;
use super::wire::BindKind;
use crate::pdu::SubmitSm;

/// Resends after an unknown outcome before giving up with [`SubmitOutcome::Unknown`]; bounds
/// the duplicates one message can cause.
const MAX_RESENDS: u32 = 3;

/// Shortest wait for a session to come back when none is bound (see [`Channel::reserve`]).
const DOWN_GRACE_MIN: std::time::Duration = std::time::Duration::from_millis(50);

/// A submit handed to a session.
#[derive(Debug)]
pub(crate) struct Request {
    pub(crate) submit: SubmitSm,
    pub(crate) reply: oneshot::Sender<Reply>,
}

/// What a session answers for a [`Request`].
#[derive(Debug)]
pub(crate) enum Reply {
    /// The carrier's response.
    Resp {
        status: u32,
        message_id: String,
        raw: Bytes,
        session: usize,
    },
    /// The session died before writing it.
    NotWritten,
    /// The session died after writing it and before the response.
    Lost,
}

/// One session slot: a TRX connection, or a TX connection with its RX partner.
#[derive(Debug, Default)]
pub(crate) struct Slot {
    queue: Mutex<Option<mpsc::UnboundedSender<Request>>>,
    bound: AtomicBool,
    /// Receiver half bound (TX+RX mode only).
    pub(crate) rx_bound: AtomicBool,
    in_flight: AtomicUsize,
}

impl Slot {
    pub(crate) fn attach(&self, tx: mpsc::UnboundedSender<Request>) {
        *self.queue.lock() = Some(tx);
        self.bound.store(true, Ordering::Release);
    }

    pub(crate) fn detach(&self) {
        self.bound.store(false, Ordering::Release);
        *self.queue.lock() = None;
    }

    pub(crate) fn is_bound(&self) -> bool {
        self.bound.load(Ordering::Acquire)
    }

    pub(crate) fn in_flight(&self) -> usize {
        self.in_flight.load(Ordering::Acquire)
    }
}

/// Lock-free counters behind [`ChannelCounters`].
#[derive(Debug, Default)]
pub(crate) struct Counters {
    pub(crate) submits_sent: AtomicU64,
    pub(crate) accepted: AtomicU64,
    pub(crate) rejected: AtomicU64,
    pub(crate) throttled: AtomicU64,
    pub(crate) transient_retries: AtomicU64,
    pub(crate) unknown_outcomes: AtomicU64,
    pub(crate) resent_after_unknown: AtomicU64,
    pub(crate) receipts: AtomicU64,
    pub(crate) mo: AtomicU64,
    pub(crate) binds: AtomicU64,
    pub(crate) dead_peers: AtomicU64,
    pub(crate) disconnects: AtomicU64,
}

impl Counters {
    fn snapshot(&self) -> ChannelCounters {
        let g = |a: &AtomicU64| a.load(Ordering::Relaxed);
        ChannelCounters {
            submits_sent: g(&self.submits_sent),
            accepted: g(&self.accepted),
            rejected: g(&self.rejected),
            throttled: g(&self.throttled),
            transient_retries: g(&self.transient_retries),
            unknown_outcomes: g(&self.unknown_outcomes),
            resent_after_unknown: g(&self.resent_after_unknown),
            receipts: g(&self.receipts),
            mo: g(&self.mo),
            binds: g(&self.binds),
            dead_peers: g(&self.dead_peers),
            disconnects: g(&self.disconnects),
        }
    }
}

/// State shared by a channel handle and its session tasks.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) cfg: ChannelConfig,
    pub(crate) name: Arc<str>,
    pub(crate) limiter: RateLimiter,
    pub(crate) slots: Vec<Slot>,
    rr: AtomicUsize,
    /// Woken when window room frees up or a session binds. Only the caller at the head of
    /// the window gate waits on it, so a wake-up lost to a race does not send it to the back.
    pub(crate) room: Notify,
    /// New submits wait here for window room in arrival order (tokio's mutex is FIFO).
    gate_queue: tokio::sync::Mutex<()>,
    /// Held by the one caller waiting on `room`; throttle retries wait here directly.
    gate_head: tokio::sync::Mutex<()>,
    /// Callers queued or at the head: while any wait, newcomers queue behind them.
    gate_waiting: AtomicUsize,
    /// Since when a waiter has seen no session bound, tagged with `counters.binds` then (a
    /// bind since makes it stale).
    unbound_since: Mutex<Option<(Instant, u64)>>,
    pub(crate) counters: Counters,
    pub(crate) events: mpsc::Sender<UpstreamEvent>,
    pub(crate) shutdown: CancellationToken,
}

impl Shared {
    /// A request left slot `i`'s window.
    pub(crate) fn release(&self, i: usize) {
        if let Some(slot) = self.slots.get(i) {
            slot.in_flight.fetch_sub(1, Ordering::AcqRel);
        }
        self.room.notify_one();
    }

    /// Takes one window place on a bound slot, round-robin.
    fn try_reserve(&self) -> Option<usize> {
        let n = self.slots.len();
        let start = self.rr.fetch_add(1, Ordering::Relaxed);
        for k in 0..n {
            let i = (start + k) % n;
            let Some(slot) = self.slots.get(i) else {
                continue;
            };
            if !slot.is_bound() {
                continue;
            }
            let taken = slot
                .in_flight
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |f| {
                    (f < self.cfg.window).then_some(f + 1)
                });
            if taken.is_ok() {
                return Some(i);
            }
        }
        None
    }
}

/// A window place taken on a slot; given back on drop unless handed to the session, so a
/// caller that cancels `send` midway cannot leak window room.
struct Reservation<'a> {
    shared: &'a Shared,
    slot: usize,
    armed: bool,
}

impl Reservation<'_> {
    fn hand_over(mut self) {
        self.armed = false;
    }
}

impl Drop for Reservation<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.shared.release(self.slot);
        }
    }
}

/// Counts a caller as waiting at the window gate until it got room or gave up.
struct GateWaiting<'a>(&'a AtomicUsize);

impl<'a> GateWaiting<'a> {
    fn new(count: &'a AtomicUsize) -> Self {
        count.fetch_add(1, Ordering::AcqRel);
        GateWaiting(count)
    }
}

impl Drop for GateWaiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// How a channel's new settings differ from those it runs with ([`Channel::change_to`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChannelChange {
    /// Nothing to do.
    None,
    /// Only the TPS cap: applied in place ([`Channel::set_tps`]), binds kept.
    Rate,
    /// Anything else (address, credentials, sessions, window, rules…): unbind and bind again.
    Restart,
}

/// A carrier channel: its sessions run as background tasks until [`Channel::shutdown`].
#[derive(Debug, Clone)]
pub struct Channel {
    shared: Arc<Shared>,
    tasks: TaskTracker,
}

impl Channel {
    /// Starts the channel's sessions; deliveries go to `events`. Must run inside a Tokio runtime.
    pub fn start(cfg: ChannelConfig, events: mpsc::Sender<UpstreamEvent>) -> Channel {
        let slots = (0..cfg.sessions).map(|_| Slot::default()).collect();
        let shared = Arc::new(Shared {
            name: Arc::from(cfg.name.as_str()),
            limiter: RateLimiter::new(cfg.tps),
            slots,
            rr: AtomicUsize::new(0),
            room: Notify::new(),
            gate_queue: tokio::sync::Mutex::new(()),
            gate_head: tokio::sync::Mutex::new(()),
            gate_waiting: AtomicUsize::new(0),
            unbound_since: Mutex::new(None),
            counters: Counters::default(),
            events,
            shutdown: CancellationToken::new(),
            cfg,
        });
        let tasks = TaskTracker::new();
        for slot in 0..shared.cfg.sessions {
            for &kind in BindKind::for_mode(shared.cfg.bind_mode) {
                tasks.spawn(session::run(shared.clone(), slot, kind));
            }
        }
        tasks.close();
        Channel { shared, tasks }
    }

    /// The channel's name.
    pub fn name(&self) -> &str {
        &self.shared.name
    }

    /// The channel's configuration as started; its TPS cap may have changed since
    /// ([`Channel::set_tps`]).
    pub fn config(&self) -> &ChannelConfig {
        &self.shared.cfg
    }

    /// What it takes to run with `cfg` instead of the settings in force.
    pub fn change_to(&self, cfg: &ChannelConfig) -> ChannelChange {
        let started = &self.shared.cfg;
        let same_but_tps = ChannelConfig {
            tps: started.tps,
            ..cfg.clone()
        } == *started;
        if !same_but_tps {
            ChannelChange::Restart
        } else if cfg.tps != self.shared.limiter.configured_tps() {
            ChannelChange::Rate
        } else {
            ChannelChange::None
        }
    }

    /// Changes the channel's TPS cap in place (0 = unlimited): the sessions keep their binds
    /// and the next submits take their slots at the new rate.
    pub fn set_tps(&self, tps: u32) {
        self.shared.limiter.set_rate(tps);
    }

    /// Live counters.
    pub fn counters(&self) -> ChannelCounters {
        self.shared.counters.snapshot()
    }

    pub(crate) fn shared(&self) -> &Shared {
        &self.shared
    }

    /// Sends one smppd message: applies the source address rule, splits it if this channel's
    /// limits need it, and submits the parts in order, stopping at the first part that is not
    /// accepted.
    pub async fn send(&self, msg: OutboundMessage) -> SendReport {
        let parts = split::prepare(&self.shared.cfg, &msg);
        let total_parts = parts.len();
        let mut outcomes = Vec::with_capacity(total_parts);
        for part in parts {
            let outcome = self.submit(part).await;
            let stop = !outcome.is_accepted();
            outcomes.push(outcome);
            if stop {
                break;
            }
        }
        SendReport {
            message_id: msg.message_id,
            total_parts,
            parts: outcomes,
        }
    }

    /// Submits one prepared `submit_sm`, retrying per the channel's rules.
    pub async fn submit(&self, submit: SubmitSm) -> SubmitOutcome {
        let s = &*self.shared;
        let mut throttles = 0u32;
        let mut transients = 0u32;
        let mut resends = 0u32;
        let mut retry_wait = Backoff::new(s.cfg.reconnect_min, s.cfg.reconnect_max);
        // The last answer was a throttle: the retry goes ahead of submits queued meanwhile.
        let mut throttled = false;
        // Once a copy may have reached the carrier, giving up must say Unknown, not NotSent.
        let gave_up = |resends: u32| {
            if resends > 0 {
                SubmitOutcome::Unknown
            } else {
                SubmitOutcome::NotSent
            }
        };
        loop {
            if s.shutdown.is_cancelled() {
                return gave_up(resends);
            }
            // Window room first, then the rate slot: taking rate slots while waiting for room
            // would let a burst through the limiter before the carrier's throttle answers
            // could slow it down.
            let Some(reservation) = self.reserve(throttled).await else {
                return gave_up(resends);
            };
            if std::mem::take(&mut throttled) {
                s.limiter.acquire_retry().await;
            } else {
                s.limiter.acquire().await;
            }
            let (tx, rx) = oneshot::channel();
            let request = Request {
                submit: submit.clone(),
                reply: tx,
            };
            let slot = reservation.slot;
            let queued = match s.slots.get(slot).and_then(|sl| sl.queue.lock().clone()) {
                Some(queue) => queue.send(request).is_ok(),
                None => false,
            };
            if !queued {
                // The session went down meanwhile; the guard gives the place back.
                continue;
            }
            // From here the session owns the window place and releases it.
            reservation.hand_over();
            // A dropped reply sender means the session task vanished; treat it like a lost
            // connection since the submit may have been written.
            let reply = rx.await.unwrap_or(Reply::Lost);
            match reply {
                Reply::Resp {
                    status: 0,
                    message_id,
                    raw,
                    session,
                } => {
                    s.limiter.on_accepted();
                    s.counters.accepted.fetch_add(1, Ordering::Relaxed);
                    return SubmitOutcome::Accepted {
                        carrier_message_id: message_id,
                        raw_resp: raw,
                        session,
                    };
                }
                Reply::Resp { status, .. } => {
                    let class = StatusClass::of(status, &s.cfg.status_overrides);
                    tracing::debug!(channel = %s.name, status = format_args!("{status:#010x}"), ?class, throttles, transients, "carrier refused a submit");
                    let budget_left = match class {
                        StatusClass::Throttle => {
                            s.counters.throttled.fetch_add(1, Ordering::Relaxed);
                            s.limiter.on_throttled();
                            throttled = true;
                            throttles += 1;
                            throttles <= s.cfg.throttle_retries
                        }
                        StatusClass::Transient => {
                            transients += 1;
                            let left = transients <= s.cfg.transient_retries;
                            if left {
                                s.counters.transient_retries.fetch_add(1, Ordering::Relaxed);
                                tokio::time::sleep(retry_wait.next_delay()).await;
                            }
                            left
                        }
                        StatusClass::Permanent => false,
                    };
                    if !budget_left {
                        s.counters.rejected.fetch_add(1, Ordering::Relaxed);
                        return SubmitOutcome::Rejected { status, class };
                    }
                }
                Reply::NotWritten => {
                    tracing::debug!(channel = %s.name, "submit not written; sending again");
                }
                Reply::Lost => {
                    tracing::debug!(channel = %s.name, resends, "submit outcome unknown (connection lost)");
                    s.counters.unknown_outcomes.fetch_add(1, Ordering::Relaxed);
                    if s.cfg.on_unknown == UnknownOutcomePolicy::Fail || resends >= MAX_RESENDS {
                        return SubmitOutcome::Unknown;
                    }
                    resends += 1;
                    s.counters
                        .resent_after_unknown
                        .fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// Waits up to `queue_timeout` for window room on a bound session.
    ///
    /// Callers get room in arrival order: they queue, and only the one at the head waits for
    /// room to free up. A throttled submit's retry (`retry`) skips the queue, as it does at
    /// the rate limiter: throttling should delay the message, not put it behind everything
    /// that arrived meanwhile.
    ///
    /// With no session bound at all the wait is cut to twice `reconnect_min` (the first
    /// reconnect attempt is due within `reconnect_min`, jittered; the rest is for its bind to
    /// answer): a carrier that went away should cost its messages one failover, not
    /// `queue_timeout` each, while a carrier that only unbound and took us back keeps them.
    async fn reserve(&self, retry: bool) -> Option<Reservation<'_>> {
        let s = &*self.shared;
        if s.gate_waiting.load(Ordering::Acquire) == 0 {
            if let Some(slot) = s.try_reserve() {
                return Some(Reservation {
                    shared: s,
                    slot,
                    armed: true,
                });
            }
        }
        let deadline = Instant::now() + s.cfg.queue_timeout;
        let _waiting = GateWaiting::new(&s.gate_waiting);
        let _queued = match retry {
            true => None,
            false => Some(self.gate_lock(&s.gate_queue, deadline).await?),
        };
        let _head = self.gate_lock(&s.gate_head, deadline).await?;
        let grace = s.cfg.reconnect_min.saturating_mul(2).max(DOWN_GRACE_MIN);
        loop {
            let notified = s.room.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if let Some(slot) = s.try_reserve() {
                return Some(Reservation {
                    shared: s,
                    slot,
                    armed: true,
                });
            }
            let now = Instant::now();
            let wake = if s.slots.iter().any(Slot::is_bound) {
                // Sessions can all go down while we wait without anything waking us (an
                // empty window releases nothing): look again after `grace`.
                deadline.min(now + grace)
            } else {
                let binds = s.counters.binds.load(Ordering::Acquire);
                let since = match &mut *s.unbound_since.lock() {
                    Some((since, b)) if *b == binds => *since,
                    stale => {
                        *stale = Some((now, binds));
                        now
                    }
                };
                // Shared, so the waiters queued behind us do not each wait the grace again.
                if now >= since + grace {
                    return None;
                }
                deadline.min(since + grace)
            };
            if now >= deadline {
                return None;
            }
            tokio::select! {
                _ = tokio::time::timeout_at(wake, notified) => {}
                _ = s.shutdown.cancelled() => return None,
            }
        }
    }

    /// Takes one of the window gate's locks, unless the deadline passes or the channel stops.
    async fn gate_lock<'a>(
        &self,
        lock: &'a tokio::sync::Mutex<()>,
        deadline: Instant,
    ) -> Option<tokio::sync::MutexGuard<'a, ()>> {
        tokio::select! {
            guard = tokio::time::timeout_at(deadline, lock.lock()) => guard.ok(),
            _ = self.shared.shutdown.cancelled() => None,
        }
    }

    /// Connected, bound (both halves in TX+RX mode) on at least one session, and with window
    /// room somewhere: what routing needs to pick this channel.
    pub fn is_available(&self) -> bool {
        self.is_bound_with(|sl| sl.in_flight() < self.shared.cfg.window)
    }

    /// Bound and able to receive receipts, whether or not its windows are full: a send
    /// waits up to `queue_timeout` for room.
    pub fn is_bound(&self) -> bool {
        self.is_bound_with(|_| true)
    }

    fn is_bound_with(&self, room: impl Fn(&Slot) -> bool) -> bool {
        let s = &*self.shared;
        let rx_needed = self.shared.cfg.bind_mode == super::BindMode::TxRx;
        let any_rx = !rx_needed || s.slots.iter().any(|sl| sl.rx_bound.load(Ordering::Acquire));
        any_rx && s.slots.iter().any(|sl| sl.is_bound() && room(sl))
    }

    /// Stops the sessions: each takes no new submits, waits (at most `response_timeout`)
    /// for the answers to those it already wrote, then unbinds and closes; waits for them.
    pub async fn shutdown(&self) {
        self.shared.shutdown.cancel();
        self.tasks.wait().await;
    }
}
