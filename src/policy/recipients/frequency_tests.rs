use super::*;
use std::time::Duration;

fn rl(count: u32, secs: u64) -> RateLimit {
    RateLimit {
        count,
        per: Duration::from_secs(secs),
    }
}

fn otp() -> Vec<RateLimit> {
    vec![rl(1, 60), rl(5, 3600), rl(10, 86_400)]
}

fn lim(rates: &[RateLimit]) -> Limits<'_> {
    Limits {
        rates,
        daily_cap: None,
        duplicate_window_ms: 0,
        retention_ms: 86_400_000,
    }
}

const N: &str = "13800138000";

fn e<'a>(
    account: &'a str,
    number: &'a str,
    t: MessageType,
    content: u64,
    now_ms: u64,
    day: i64,
) -> Entry<'a> {
    Entry {
        account,
        number,
        message_type: t,
        content,
        now_ms,
        day,
    }
}

#[test]
fn otp_one_per_minute_five_per_hour() {
    let t = FrequencyTracker::new(1000);
    let rates = otp();
    let send = |i: u64, s: u64| {
        t.check_and_record(&e("a", N, MessageType::Otp, i, s * 1000, 0), lim(&rates))
    };
    assert!(send(1, 0).is_ok());
    let (reason, rule) = send(2, 30).unwrap_err();
    assert_eq!(reason, RejectReason::FrequencyLimit);
    assert_eq!(rule, "frequency:otp:1/1m");
    for i in 1..5 {
        assert!(send(i + 10, i * 60).is_ok(), "minute {i}");
    }
    let (_, rule) = send(99, 5 * 60).unwrap_err();
    assert_eq!(rule, "frequency:otp:5/1h");
    // An hour after the first, the hourly window has room again.
    assert!(send(100, 3600).is_ok());
    // Other types and other accounts have their own streams.
    assert!(t
        .check_and_record(
            &e("a", N, MessageType::Marketing, 7, 3_600_000, 0),
            lim(&rates)
        )
        .is_ok());
    assert!(t
        .check_and_record(&e("b", N, MessageType::Otp, 8, 3_600_000, 0), lim(&rates))
        .is_ok());
}

#[test]
fn duplicate_window_and_rollback() {
    let t = FrequencyTracker::new(1000);
    let l = Limits {
        rates: &[],
        daily_cap: None,
        duplicate_window_ms: 30_000,
        retention_ms: 0,
    };
    let h = content_hash("a", "hello");
    let ticket = t
        .check_and_record(&e("a", N, MessageType::Other, h, 0, 0), l)
        .unwrap();
    let (r, _) = t
        .check_and_record(&e("a", N, MessageType::Other, h, 29_999, 0), l)
        .unwrap_err();
    assert_eq!(r, RejectReason::DuplicateContent);
    assert!(t
        .check_and_record(&e("a", N, MessageType::Other, h, 30_000, 0), l)
        .is_ok());
    t.rollback(&ticket);
    let h2 = content_hash("a", "other");
    let t2 = t
        .check_and_record(&e("a", N, MessageType::Other, h2, 31_000, 0), l)
        .unwrap();
    t.rollback(&t2);
    assert!(t
        .check_and_record(&e("a", N, MessageType::Other, h2, 31_001, 0), l)
        .is_ok());
}

#[test]
fn cross_account_daily_cap_resets_next_day() {
    let t = FrequencyTracker::new(1000);
    let l = Limits {
        rates: &[],
        daily_cap: Some(2),
        duplicate_window_ms: 0,
        retention_ms: 0,
    };
    assert!(t
        .check_and_record(&e("a", N, MessageType::Other, 1, 0, 5), l)
        .is_ok());
    assert!(t
        .check_and_record(&e("b", N, MessageType::Other, 2, 1, 5), l)
        .is_ok());
    let (r, _) = t
        .check_and_record(&e("c", N, MessageType::Other, 3, 2, 5), l)
        .unwrap_err();
    assert_eq!(r, RejectReason::RecipientDailyCap);
    assert!(t
        .check_and_record(&e("c", N, MessageType::Other, 3, 3, 6), l)
        .is_ok());
}

#[test]
fn memory_is_bounded() {
    let t = FrequencyTracker::new(64);
    let rates = otp();
    for i in 0..10_000u64 {
        let n = format!("138{:08}", i);
        t.check_and_record(&e("a", &n, MessageType::Otp, i, i, 0), lim(&rates))
            .unwrap();
    }
    assert!(t.len() <= 64, "tracked {}", t.len());
}

#[test]
fn pruning_for_one_type_keeps_another_types_history() {
    let t = FrequencyTracker::new(1000);
    let day = [rl(2, 86_400)];
    let minute = [rl(100, 60)];
    let l = |rates| Limits {
        rates,
        daily_cap: None,
        duplicate_window_ms: 0,
        retention_ms: 86_400_000,
    };
    for i in 0..2 {
        t.check_and_record(&e("a", N, MessageType::Marketing, i, i * 1000, 0), l(&day))
            .unwrap();
    }
    // Many otp messages later in the day (with a 1-minute window) ...
    for i in 0..5 {
        t.check_and_record(
            &e(
                "a",
                N,
                MessageType::Otp,
                100 + i,
                3_600_000 + i * 120_000,
                0,
            ),
            l(&minute),
        )
        .unwrap();
    }
    // ... do not make the marketing day window forget its two messages.
    let (r, _) = t
        .check_and_record(&e("a", N, MessageType::Marketing, 9, 7_200_000, 0), l(&day))
        .unwrap_err();
    assert_eq!(r, RejectReason::FrequencyLimit);
}

#[test]
fn number_keys_are_exact_for_digits() {
    assert_ne!(number_key("0123"), number_key("123"));
    assert_eq!(number_key("13800138000"), 113_800_138_000);
    assert_ne!(number_key("abc"), number_key("abd"));
}

/// A real clock reading (2025-11-24), so epochs are far from zero.
const T: u64 = 1_764_000_000_000;

#[test]
fn windows_stay_exact_to_the_ms_across_an_epoch_move() {
    let t = FrequencyTracker::new(1000);
    let l = Limits {
        rates: &[],
        daily_cap: None,
        duplicate_window_ms: 30_000,
        retention_ms: 86_400_000,
    };
    let send = |content: u64, at: u64| {
        t.check_and_record(&e("a", N, MessageType::Other, content, at, 0), l)
    };
    assert!(send(1, T).is_ok());
    assert_eq!(
        send(1, T + 29_999).unwrap_err().0,
        RejectReason::DuplicateContent
    );
    assert!(send(1, T + 30_000).is_ok());
    // The shard epoch starts 2^31 ms before the first message and moves once now is
    // 2^32 ms past it: 24.8 days after T. A message 10 s before the move ...
    let before = T + (1 << 31) - 10_000;
    assert!(send(2, before).is_ok());
    // ... is still a duplicate 29.999 s later, after the move, and not at 30 s.
    assert_eq!(
        send(2, before + 29_999).unwrap_err().0,
        RejectReason::DuplicateContent
    );
    assert!(send(2, before + 30_000).is_ok());
    assert!(send(2, before + 30_001).is_err());
}

#[test]
fn rate_windows_span_an_epoch_move() {
    let t = FrequencyTracker::new(1000);
    let day = [rl(3, 86_400)];
    let send = |i: u64, at: u64| {
        t.check_and_record(&e("a", N, MessageType::Marketing, i, at, 0), lim(&day))
    };
    assert!(send(0, T).is_ok());
    let before = T + (1 << 31) - 3_600_000;
    assert!(send(1, before).is_ok());
    assert!(send(2, before + 1_000).is_ok());
    // Two hours later (past the move) the day window still holds both.
    assert!(send(3, before + 7_200_000).is_ok());
    let (r, _) = send(4, before + 7_200_001).unwrap_err();
    assert_eq!(r, RejectReason::FrequencyLimit);
    // A day after the first of them, one slot frees up.
    assert!(send(5, before + 86_400_000).is_ok());
    assert!(send(6, before + 86_400_001).is_err());
}

#[test]
fn only_the_newest_max_events_are_kept() {
    let t = FrequencyTracker::new(1000);
    let l = Limits {
        rates: &[],
        daily_cap: None,
        duplicate_window_ms: 86_400_000,
        retention_ms: 86_400_000,
    };
    let n = MAX_EVENTS as u64;
    for i in 0..=n {
        assert!(t
            .check_and_record(&e("a", N, MessageType::Other, i, T + i, 0), l)
            .is_ok());
    }
    // Content 0 (the oldest) was forgotten; content 1 .. n are all still there.
    assert!(t
        .check_and_record(&e("a", N, MessageType::Other, 0, T + n + 1, 0), l)
        .is_ok());
    for i in 2..=n {
        let r = t.check_and_record(&e("a", N, MessageType::Other, i, T + n + 2, 0), l);
        assert_eq!(
            r.unwrap_err().0,
            RejectReason::DuplicateContent,
            "content {i}"
        );
    }
}

#[test]
fn rollback_of_a_later_event_frees_its_place() {
    let t = FrequencyTracker::new(1000);
    let two = [rl(2, 3600)];
    let send =
        |i: u64, at: u64| t.check_and_record(&e("a", N, MessageType::Otp, i, at, 0), lim(&two));
    send(1, T).unwrap();
    let second = send(2, T + 1).unwrap();
    assert!(send(3, T + 2).is_err());
    t.rollback(&second);
    let third = send(3, T + 3).unwrap();
    assert!(send(4, T + 4).is_err());
    // Rolling back the inline (first) event works the same way.
    t.rollback(&third);
    assert!(send(5, T + 5).is_ok());
    assert!(send(6, T + 6).is_err());
}

#[test]
fn day_numbers_and_day_counts_fit_sixteen_bits() {
    assert_eq!(clamp_day(-3), 0);
    assert_eq!(clamp_day(20_785), 20_785);
    assert_eq!(clamp_day(70_000), u16::MAX);
    let t = FrequencyTracker::new(1000);
    let l = Limits {
        rates: &[],
        daily_cap: Some(100_000),
        duplicate_window_ms: 0,
        retention_ms: 0,
    };
    // A cap above 65,535 a day acts as 65,535 (the counter's range).
    for i in 0..u64::from(u16::MAX) {
        t.check_and_record(&e("a", N, MessageType::Other, i, T + i, 20_785), l)
            .unwrap();
    }
    let r = t.check_and_record(&e("a", N, MessageType::Other, 0, T + 70_000, 20_785), l);
    assert_eq!(r.unwrap_err().0, RejectReason::RecipientDailyCap);
    assert!(t
        .check_and_record(&e("a", N, MessageType::Other, 0, T + 70_001, 20_786), l)
        .is_ok());
}

#[test]
fn bounded_with_many_events_per_number() {
    let t = FrequencyTracker::new(64);
    let rates = [rl(100, 86_400)];
    for i in 0..3_000u64 {
        let n = format!("139{:08}", i / 3);
        t.check_and_record(&e("a", &n, MessageType::Other, i, T + i, 0), lim(&rates))
            .unwrap();
    }
    assert!(t.len() <= 64, "tracked {}", t.len());
    // The most recent number kept its three events: a limit of 3 now refuses.
    let three = [rl(3, 86_400)];
    let r = t.check_and_record(
        &e("a", "13900000999", MessageType::Other, 7, T + 3_001, 0),
        lim(&three),
    );
    assert_eq!(r.unwrap_err().0, RejectReason::FrequencyLimit);
}
