//! Exponential reconnect backoff with jitter.
//!
//! "Full jitter" (a uniform delay between half and all of the exponential step) keeps a fleet
//! of sessions that lost a carrier at the same moment from reconnecting in lockstep.

use std::time::Duration;

use rand::Rng;

/// Delay generator for successive reconnect attempts; [`Backoff::reset`] after a good bind.
#[derive(Debug, Clone)]
pub struct Backoff {
    min: Duration,
    max: Duration,
    attempt: u32,
}

impl Backoff {
    /// Backoff starting at `min` and doubling up to `max`.
    pub fn new(min: Duration, max: Duration) -> Self {
        Backoff {
            min,
            max: max.max(min),
            attempt: 0,
        }
    }

    /// The delay before the next attempt: the exponential step `min * 2^n` capped at `max`,
    /// scaled by a random factor in `[0.5, 1.0]`.
    pub fn next_delay(&mut self) -> Duration {
        let step = self.ceiling();
        self.attempt = self.attempt.saturating_add(1);
        let factor = rand::thread_rng().gen_range(0.5..=1.0);
        step.mul_f64(factor)
    }

    /// The un-jittered step for the next attempt.
    pub fn ceiling(&self) -> Duration {
        let shift = self.attempt.min(30);
        self.min
            .checked_mul(1u32 << shift)
            .unwrap_or(self.max)
            .min(self.max)
    }

    /// Attempts made since the last reset.
    pub fn attempts(&self) -> u32 {
        self.attempt
    }

    /// Back to the first step (after a successful bind).
    pub fn reset(&mut self) {
        self.attempt = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_within_jitter_and_caps() {
        let mut b = Backoff::new(Duration::from_millis(100), Duration::from_secs(1));
        let d0 = b.next_delay();
        assert!(d0 >= Duration::from_millis(50) && d0 <= Duration::from_millis(100));
        let d1 = b.next_delay();
        assert!(d1 >= Duration::from_millis(100) && d1 <= Duration::from_millis(200));
        for _ in 0..40 {
            assert!(b.next_delay() <= Duration::from_secs(1));
        }
        assert_eq!(b.ceiling(), Duration::from_secs(1));
        b.reset();
        assert_eq!(b.ceiling(), Duration::from_millis(100));
    }

    #[test]
    fn jitter_spreads_delays() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..20 {
            let mut b = Backoff::new(Duration::from_secs(1), Duration::from_secs(8));
            seen.insert(b.next_delay().as_micros());
        }
        assert!(
            seen.len() > 1,
            "every session would reconnect at the same instant"
        );
    }
}
