//! The per-channel submit rate limiter: a carrier's TPS cap, slowed further when the carrier
//! says ESME_RTHROTTLED / ESME_RMSGQFUL, and recovering gradually afterwards.
//!
//! Each caller reserves the next free slot under a short lock and then sleeps until it, so
//! slots are granted in arrival order (GCRA / virtual scheduling). Slow-down is AIMD: halve the
//! rate on a throttle answer (at most once per pause, because a whole window of responses
//! tends to come back throttled together), pause the channel, then grow 10 % per quiet
//! 100 ms until the configured rate is reached again.

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

#[derive(Debug)]
struct State {
    /// Configured cap; `None` = the carrier set none.
    base: Option<f64>,
    /// Current effective rate; `None` = unlimited.
    current: Option<f64>,
    next_slot: Instant,
    paused_until: Instant,
    last_change: Instant,
    consecutive: u32,
    /// Slots granted in the current one-second bucket and the last full one, to estimate the
    /// offered rate when an unlimited channel is throttled.
    granted_this_second: u64,
    granted_last_second: u64,
    second_started: Instant,
}

/// Token-bucket style rate limiter shared by all sessions of one channel.
#[derive(Debug)]
pub struct RateLimiter {
    state: Mutex<State>,
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
                next_slot: now,
                paused_until: now,
                last_change: now,
                consecutive: 0,
                granted_this_second: 0,
                granted_last_second: 0,
                second_started: now,
            }),
        }
    }

    /// Waits for the next submit slot.
    pub async fn acquire(&self) {
        let at = self.reserve(Instant::now());
        if at > Instant::now() {
            tokio::time::sleep_until(at).await;
        }
    }

    /// Reserves the next slot at or after `now` and returns when it starts.
    fn reserve(&self, now: Instant) -> Instant {
        let mut s = self.state.lock();
        s.recover(now);
        if now.duration_since(s.second_started) >= Duration::from_secs(1) {
            s.granted_last_second = s.granted_this_second;
            s.granted_this_second = 0;
            s.second_started = now;
        }
        s.granted_this_second += 1;
        let slot = now.max(s.paused_until);
        match s.current {
            None => slot,
            Some(rate) => {
                // A slot in the past is not banked: an idle channel may not burst above its cap.
                let slot = slot.max(s.next_slot);
                s.next_slot = slot + Duration::from_secs_f64(1.0 / rate);
                slot
            }
        }
    }

    /// The carrier answered with a throttle status: halve the rate and pause the channel.
    pub fn on_throttled(&self) {
        let now = Instant::now();
        let mut s = self.state.lock();
        if now < s.paused_until {
            // Same burst of throttle answers: one cut per pause is enough.
            return;
        }
        let offered = s.granted_last_second.max(s.granted_this_second).max(1) as f64;
        let cur = s.current.unwrap_or(offered);
        s.current = Some((cur / 2.0).max(FLOOR_TPS));
        let pause = PAUSE_MIN
            .checked_mul(1u32 << s.consecutive.min(8))
            .unwrap_or(PAUSE_MAX)
            .min(PAUSE_MAX);
        s.consecutive = s.consecutive.saturating_add(1);
        s.paused_until = now + pause;
        s.next_slot = s.next_slot.max(s.paused_until);
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
