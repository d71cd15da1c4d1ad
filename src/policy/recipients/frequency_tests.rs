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
