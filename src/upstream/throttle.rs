//! The per-channel submit rate limiter: a carrier's TPS cap, slowed further when the carrier
//! says ESME_RTHROTTLED / ESME_RMSGQFUL, and recovering gradually afterwards.
//!
//! Submits pass one at a time in arrival order: waiters queue, and only the one at the head
//! sleeps until its slot, computed when it gets there (GCRA / virtual scheduling, no banked
//! slots). A slot is therefore always taken at the rate in force *now*: a cut or a pause
//! from a throttle answer delays everybody still waiting, and recovery speeds them up again.
//! (Computing every waiter's slot on arrival would fix a long queue at the rate of the
//! moment, so recovery never reached it.) A retry of a throttled submit
//! ([`RateLimiter::acquire_retry`]) skips the queue of new submits, so throttling keeps the
//! order as far as possible instead of sending the throttled message last.
//!
//! Slow-down is AIMD: halve the rate on a throttle answer (at most once per pause, because a
//! whole window of responses tends to come back throttled together), pause the channel, then
//! grow 10 % per quiet 100 ms until the configured rate is reached again.

use std::time::Duration;

use parking_lot::Mutex;
use tokio::time::Instant;

/// Shortest pause after a throttle answer; doubles with consecutive throttles.
const PAUSE_MIN: Duration = Duration::from_millis(50);
/// Longest pause after a throttle answer.
const PAUSE_MAX: Duration = Duration::from_secs(2);
/// Recovery step period.
const RECOVER_EVERY: Duration = Duration::from_millis(100);
/// Slowest rate a throttled channel is cut to, in submits per second.
const FLOOR_TPS: f64 = 1.0;
/// How late a grant may be and still keep the schedule (the next slot one interval after the
/// missed one, so a few come at once). Timers have millisecond resolution and wake late under
/// load; without this a cap of thousands per second would lose the slots in between. Later
/// than this the channel was idle and starts afresh: no banked burst above its cap.
const CATCH_UP: Duration = Duration::from_millis(5);

#[derive(Debug)]
struct State {
    /// Configured cap; `None` = the carrier set none.
    base: Option<f64>,
    /// Current effective rate; `None` = unlimited.
    current: Option<f64>,
    /// Slot of the last grant: the next one is one interval (at the rate in force) later.
    last_slot: Option<Instant>,
    paused_until: Instant,
    last_change: Instant,
    consecutive: u32,
    /// Callers queued or at the head; while any wait, newcomers queue behind them.
    waiting: usize,
    /// Slots granted in the current one-second bucket and the last full one, to estimate the
    /// offered rate when an unlimited channel is throttled.
    granted_this_second: u64,
    granted_last_second: u64,
    second_started: Instant,
}

/// Rate limiter shared by all sessions of one channel.
#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<State>,
    /// New submits wait here in arrival order (tokio's mutex is fair: FIFO).
    queue: tokio::sync::Mutex<()>,
    /// Held by the caller sleeping until its slot; retries wait here directly.
    head: tokio::sync::Mutex<()>,
}

/// Counts a caller as waiting until it got its slot or gave up (a cancelled `acquire`).
struct Waiting<'a>(&'a Mutex<State>);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let mut s = self.0.lock();
        s.waiting = s.waiting.saturating_sub(1);
    }
}

impl RateLimiter {
    /// A limiter for `tps` submits per second (0 = unlimited until the carrier throttles).
    pub fn new(tps: u32) -> Self {
        let now = Instant::now();
        let base = (tps > 0).then_some(f64::from(tps));
        RateLimiter {
            state: Mutex::new(State {
                base,
                current: base,
                last_slot: None,
                paused_until: now,
                last_change: now,
                consecutive: 0,
                waiting: 0,
                granted_this_second: 0,
                granted_last_second: 0,
                second_started: now,
            }),
            queue: tokio::sync::Mutex::new(()),
            head: tokio::sync::Mutex::new(()),
        }
    }

    /// Waits for the next submit slot, behind every submit already waiting.
    pub async fn acquire(&self) {
        let Some(waiting) = self.take_or_wait() else {
            return;
        };
        let _queued = self.queue.lock().await;
        self.wait_at_head(waiting).await;
    }

    /// Waits for a slot for a submit the carrier throttled: ahead of the new submits still
    /// queued (at most the one already at the head goes first), so the throttled message is
    /// not overtaken by everything that arrived while it was out.
    pub async fn acquire_retry(&self) {
        let Some(waiting) = self.take_or_wait() else {
            return;
        };
        self.wait_at_head(waiting).await;
    }

    /// Takes a slot at once when nobody waits and one is free; otherwise joins the waiters.
    fn take_or_wait(&self) -> Option<Waiting<'_>> {
        let mut s = self.state.lock();
        let now = Instant::now();
        if s.waiting == 0 && s.try_take(now).is_ok() {
            return None;
        }
        s.waiting += 1;
        Some(Waiting(&self.state))
    }

    async fn wait_at_head(&self, waiting: Waiting<'_>) {
        let _head = self.head.lock().await;
        loop {
            // Re-read after every sleep: a throttle answer meanwhile pauses us further, a
            // recovery brings the slot closer.
            let at = match self.state.lock().try_take(Instant::now()) {
                Ok(()) => break,
                Err(at) => at,
            };
            tokio::time::sleep_until(at).await;
        }
        drop(waiting);
    }

    /// The configured cap changed at run time (0 = unlimited). Waiters take their next slot
    /// at the new rate. A rate cut by throttle answers stays cut, but never above the new
    /// cap, and recovers towards it.
    pub fn set_rate(&self, tps: u32) {
        let mut s = self.state.lock();
        let base = (tps > 0).then_some(f64::from(tps));
        let throttled = s.current != s.base;
        s.current = match (base, s.current) {
            (Some(new), Some(cur)) if throttled => Some(cur.min(new)),
            (None, Some(cur)) if throttled => Some(cur),
            _ => base,
        };
        s.base = base;
    }

    /// The configured cap in submits per second (0 = unlimited).
    pub fn configured_tps(&self) -> u32 {
        // `base` only ever holds a `u32` converted to f64.
        self.state.lock().base.map_or(0, |b| b as u32)
    }

    /// The carrier answered with a throttle status: halve the rate and pause the channel.
    pub fn on_throttled(&self) {
        let now = Instant::now();
        let mut s = self.state.lock();
        if now < s.paused_until {
            // Same burst of throttle answers: one cut per pause is enough.
            return;
        }
        s.roll_second(now);
        let offered = s.granted_last_second.max(s.granted_this_second).max(1) as f64;
        let cur = s.current.unwrap_or(offered);
        s.current = Some((cur / 2.0).max(FLOOR_TPS));
        let pause = PAUSE_MIN
            .checked_mul(1u32 << s.consecutive.min(8))
            .unwrap_or(PAUSE_MAX)
            .min(PAUSE_MAX);
        s.consecutive = s.consecutive.saturating_add(1);
        s.paused_until = now + pause;
        s.last_change = now;
    }

    /// A submit was accepted: the carrier is keeping up, so consecutive pauses start over.
    pub fn on_accepted(&self) {
        let mut s = self.state.lock();
        s.consecutive = 0;
    }

    /// The effective rate now (`None` = unlimited).
    pub fn current_tps(&self) -> Option<f64> {
        let mut s = self.state.lock();
        s.recover(Instant::now());
        s.current
    }

    /// True while the channel is paused by a throttle answer.
    pub fn is_paused(&self) -> bool {
        Instant::now() < self.state.lock().paused_until
    }
}

impl State {
    /// Grants the slot if it has come (`Err(when)` otherwise), at the rate in force now.
    fn try_take(&mut self, now: Instant) -> Result<(), Instant> {
        self.recover(now);
        let interval = self.current.map(|rate| Duration::from_secs_f64(1.0 / rate));
        let slot = match (interval, self.last_slot) {
            (Some(i), Some(last)) => (last + i).max(self.paused_until),
            _ => self.paused_until,
        };
        if slot > now {
            return Err(slot);
        }
        self.roll_second(now);
        self.granted_this_second += 1;
        self.last_slot = Some(match interval {
            Some(i) if now.duration_since(slot) <= i.max(CATCH_UP) => slot,
            _ => now,
        });
        Ok(())
    }

    /// Moves the one-second grant buckets forward; a bucket older than that is forgotten.
    fn roll_second(&mut self, now: Instant) {
        let age = now.duration_since(self.second_started);
        if age >= Duration::from_secs(2) {
            self.granted_last_second = 0;
            self.granted_this_second = 0;
            self.second_started = now;
        } else if age >= Duration::from_secs(1) {
            self.granted_last_second = self.granted_this_second;
            self.granted_this_second = 0;
            self.second_started = now;
        }
    }

    /// Additive-ish increase: +10 % per quiet period since the last change.
    fn recover(&mut self, now: Instant) {
        let Some(cur) = self.current else { return };
        if now < self.paused_until {
            return;
        }
        let quiet = now.duration_since(self.last_change.max(self.paused_until));
        let steps = (quiet.as_millis() / RECOVER_EVERY.as_millis()) as i32;
        if steps == 0 {
            return;
        }
        let grown = cur * 1.1f64.powi(steps.min(200));
        self.last_change = now;
        self.current = match self.base {
            Some(base) => Some(grown.min(base)),
            // An unlimited channel becomes unlimited again once well past what it offered.
            None if grown > 4.0 * self.granted_last_second.max(1) as f64 => None,
            None => Some(grown),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn spaces_submits_at_the_configured_rate() {
        let rl = RateLimiter::new(100);
        let start = Instant::now();
        for _ in 0..101 {
            rl.acquire().await;
        }
        // 100 intervals of 10 ms after the first slot.
        assert_eq!(start.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_changed_cap_applies_to_the_next_slots() {
        let rl = RateLimiter::new(100);
        rl.acquire().await;
        rl.set_rate(10);
        assert_eq!(rl.configured_tps(), 10);
        assert_eq!(rl.current_tps(), Some(10.0));
        let start = Instant::now();
        for _ in 0..10 {
            rl.acquire().await;
        }
        assert_eq!(
            start.elapsed(),
            Duration::from_secs(1),
            "10 slots 100 ms apart"
        );
        rl.set_rate(0);
        assert_eq!(rl.current_tps(), None, "unlimited");
        let start = Instant::now();
        for _ in 0..1000 {
            rl.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_rate_stays_cut_under_a_raised_cap() {
        let rl = RateLimiter::new(100);
        rl.on_throttled();
        rl.set_rate(1000);
        assert_eq!(rl.current_tps(), Some(50.0), "still cut");
        rl.set_rate(20);
        assert_eq!(rl.current_tps(), Some(20.0), "never above the new cap");
    }

    #[tokio::test(start_paused = true)]
    async fn throttle_halves_pauses_and_recovers() {
        let rl = RateLimiter::new(100);
        rl.on_throttled();
        assert_eq!(rl.current_tps(), Some(50.0));
        assert!(rl.is_paused());
        // A second throttle answer from the same burst does not cut again.
        rl.on_throttled();
        assert_eq!(rl.current_tps(), Some(50.0));
        let start = Instant::now();
        rl.acquire().await;
        assert!(start.elapsed() >= PAUSE_MIN, "paused channel sent at once");
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert_eq!(rl.current_tps(), Some(100.0));
    }

    #[tokio::test(start_paused = true)]
    async fn a_high_cap_is_met_with_millisecond_timers() {
        // 5000/s is one slot per 200 µs, finer than the timer; late wake-ups catch up.
        let rl = std::sync::Arc::new(RateLimiter::new(5000));
        let start = Instant::now();
        let tasks: Vec<_> = (0..1000)
            .map(|_| {
                let rl = rl.clone();
                tokio::spawn(async move { rl.acquire().await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let took = start.elapsed();
        assert!(took <= Duration::from_millis(250), "{took:?}");
        assert!(took >= Duration::from_millis(150), "{took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_submits_speed_up_as_the_rate_recovers() {
        // Queued behind a cut to 1 tps: with slots fixed on arrival, 20 submits would take
        // 20 s; taken one at a time at the recovering rate they finish far sooner.
        let rl = std::sync::Arc::new(RateLimiter::new(100));
        for _ in 0..7 {
            rl.on_throttled();
            tokio::time::sleep(PAUSE_MAX).await;
            rl.state.lock().last_change = Instant::now();
        }
        assert!(rl.current_tps().is_some_and(|t| t <= 2.0));
        let start = Instant::now();
        let tasks: Vec<_> = (0..20)
            .map(|_| {
                let rl = rl.clone();
                tokio::spawn(async move { rl.acquire().await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        let took = start.elapsed();
        assert!(took < Duration::from_secs(8), "{took:?}");
        assert!(took > Duration::from_secs(2), "{took:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttled_retry_goes_before_queued_submits() {
        let rl = std::sync::Arc::new(RateLimiter::new(10));
        let order = std::sync::Arc::new(Mutex::new(Vec::new()));
        let mut tasks = Vec::new();
        for i in 0..5u32 {
            let (rl, order) = (rl.clone(), order.clone());
            tasks.push(tokio::spawn(async move {
                rl.acquire().await;
                order.lock().push(i);
            }));
            tokio::task::yield_now().await;
        }
        let (rl2, order2) = (rl.clone(), order.clone());
        tasks.push(tokio::spawn(async move {
            rl2.acquire_retry().await;
            order2.lock().push(99);
        }));
        for t in tasks {
            t.await.unwrap();
        }
        let order = order.lock().clone();
        let pos = order.iter().position(|i| *i == 99).unwrap();
        // 0 went at once, 1 was at the head already; the retry is next.
        assert_eq!(pos, 2, "{order:?}");
        assert_eq!(
            order
                .iter()
                .filter(|i| **i != 99)
                .copied()
                .collect::<Vec<_>>(),
            vec![0, 1, 2, 3, 4]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_throttle_answer_delays_submits_already_waiting() {
        let rl = std::sync::Arc::new(RateLimiter::new(10));
        rl.acquire().await;
        let start = Instant::now();
        let rl2 = rl.clone();
        let waiter = tokio::spawn(async move { rl2.acquire().await });
        tokio::task::yield_now().await;
        rl.on_throttled();
        waiter.await.unwrap();
        // Not at its original slot (100 ms) but after the pause and at the halved rate.
        assert!(
            start.elapsed() >= Duration::from_millis(150),
            "{:?}",
            start.elapsed()
        );
    }

    #[tokio::test(start_paused = true)]
    async fn unlimited_channel_gets_a_limit_when_throttled() {
        let rl = RateLimiter::new(0);
        for _ in 0..1000 {
            rl.acquire().await;
        }
        assert_eq!(rl.current_tps(), None);
        rl.on_throttled();
        let cur = rl.current_tps();
        assert!(matches!(cur, Some(t) if t <= 500.0), "{cur:?}");
    }
}
