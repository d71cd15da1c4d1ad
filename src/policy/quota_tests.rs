use super::*;
use std::time::{Duration, UNIX_EPOCH};

// 2026-11-28 10:00:00 Beijing.
const T0: u64 = 1_795_831_200;

fn at_ms(ms: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(T0) + Duration::from_millis(ms)
}

fn limits(tps: u32, burst: u32) -> QuotaLimits {
    QuotaLimits {
        tps,
        burst,
        bind_tps: None,
        bind_burst: 1,
        daily_cap: None,
        monthly_cap: None,
    }
}

#[test]
fn burst_within_bucket_accepted_then_throttled_then_refilled() {
    let q = Quotas::default();
    q.set_limits("a", limits(10, 5), at_ms(0));
    for _ in 0..5 {
        assert_eq!(q.try_acquire("a", 1, 1, at_ms(0)), Ok(()));
    }
    assert_eq!(
        q.try_acquire("a", 1, 1, at_ms(0)),
        Err(RejectReason::Throttled)
    );
    // 10 TPS: one token per 100 ms, smooth.
    assert_eq!(
        q.try_acquire("a", 1, 1, at_ms(99)),
        Err(RejectReason::Throttled)
    );
    assert_eq!(q.try_acquire("a", 1, 1, at_ms(100)), Ok(()));
}

#[test]
fn counts_segments_not_pdus() {
    let q = Quotas::default();
    q.set_limits("a", limits(10, 4), at_ms(0));
    assert_eq!(q.try_acquire("a", 1, 3, at_ms(0)), Ok(()));
    assert_eq!(
        q.try_acquire("a", 1, 3, at_ms(0)),
        Err(RejectReason::Throttled)
    );
    // A message bigger than the bucket passes when the bucket is full, leaving debt.
    let q = Quotas::default();
    q.set_limits("b", limits(10, 2), at_ms(0));
    assert_eq!(q.try_acquire("b", 1, 6, at_ms(0)), Ok(()));
    // 4 segments of debt take 400 ms to repay at 10 TPS; the next token 100 ms later.
    assert_eq!(
        q.try_acquire("b", 1, 1, at_ms(450)),
        Err(RejectReason::Throttled)
    );
    assert_eq!(q.try_acquire("b", 1, 1, at_ms(500)), Ok(()));
}

#[test]
fn per_bind_bucket_limits_each_bind() {
    let q = Quotas::default();
    let mut l = limits(100, 100);
    l.bind_tps = Some(1);
    l.bind_burst = 2;
    q.set_limits("a", l, at_ms(0));
    assert_eq!(q.try_acquire("a", 1, 2, at_ms(0)), Ok(()));
    assert_eq!(
        q.try_acquire("a", 1, 1, at_ms(0)),
        Err(RejectReason::Throttled)
    );
    assert_eq!(q.try_acquire("a", 2, 1, at_ms(0)), Ok(()));
    assert_eq!(q.try_acquire("a", 1, 1, at_ms(1000)), Ok(()));
}

#[test]
fn daily_and_monthly_caps_on_beijing_calendar() {
    let q = Quotas::default();
    let mut l = limits(0, 1);
    l.daily_cap = Some(5);
    l.monthly_cap = Some(8);
    q.set_limits("a", l, at_ms(0));
    assert_eq!(q.try_acquire("a", 1, 4, at_ms(0)), Ok(()));
    assert_eq!(
        q.try_acquire("a", 1, 2, at_ms(0)),
        Err(RejectReason::DailyQuotaExhausted)
    );
    assert_eq!(q.try_acquire("a", 1, 1, at_ms(0)), Ok(()));
    // 14 h later it is past Beijing midnight: a new day, same month.
    let next_day = at_ms(14 * 3_600_000);
    assert_eq!(q.try_acquire("a", 1, 3, next_day), Ok(()));
    assert_eq!(
        q.try_acquire("a", 1, 1, next_day),
        Err(RejectReason::MonthlyQuotaExhausted)
    );
    let u = q.usage("a", next_day).unwrap();
    assert_eq!((u.day_used, u.month_used), (3, 8));
    assert_eq!(u.date, "2026-11-29");
    // 2026-12-01 00:00 Beijing is 2 days + 14 h after T0: the month rolls over.
    assert_eq!(q.try_acquire("a", 1, 1, at_ms(62 * 3_600_000)), Ok(()));
}

#[test]
fn set_limits_keeps_usage() {
    let q = Quotas::default();
    let mut l = limits(0, 1);
    l.daily_cap = Some(3);
    q.set_limits("a", l, at_ms(0));
    assert_eq!(q.try_acquire("a", 1, 3, at_ms(0)), Ok(()));
    l.daily_cap = Some(4);
    q.set_limits("a", l, at_ms(1));
    assert_eq!(q.try_acquire("a", 1, 1, at_ms(2)), Ok(()));
    assert_eq!(
        q.try_acquire("a", 1, 1, at_ms(3)),
        Err(RejectReason::DailyQuotaExhausted)
    );
    assert_eq!(q.usage_all(at_ms(3)).len(), 1);
}

#[test]
fn seeded_usage_counts_against_the_caps_and_is_never_lowered() {
    let q = Quotas::default();
    let mut l = limits(0, 1);
    l.daily_cap = Some(3);
    l.monthly_cap = Some(10);
    q.set_limits("a", l, at_ms(0));
    assert!(q.seed_usage("a", 2, 9, at_ms(0)));
    assert!(!q.seed_usage("nobody", 1, 1, at_ms(0)));
    assert_eq!(q.try_acquire("a", 1, 1, at_ms(1)), Ok(()));
    assert_eq!(
        q.try_acquire("a", 1, 1, at_ms(2)),
        Err(RejectReason::DailyQuotaExhausted)
    );
    // A smaller seed (e.g. a second, older read) does not give quota back.
    assert!(q.seed_usage("a", 0, 0, at_ms(3)));
    let u = q.usage("a", at_ms(3)).unwrap();
    assert_eq!((u.day_used, u.month_used), (3, 10));
}
