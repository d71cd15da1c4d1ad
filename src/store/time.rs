//! Timestamps as stored (Unix milliseconds) and statistics days.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// A timestamp as stored: Unix milliseconds (negative before 1970).
pub(crate) fn to_ms(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_millis()).unwrap_or(i64::MAX),
        Err(e) => -i64::try_from(e.duration().as_millis()).unwrap_or(i64::MAX),
    }
}

/// The inverse of [`to_ms`].
pub(crate) fn from_ms(ms: i64) -> SystemTime {
    if ms >= 0 {
        UNIX_EPOCH + Duration::from_millis(ms.unsigned_abs())
    } else {
        UNIX_EPOCH - Duration::from_millis(ms.unsigned_abs())
    }
}

/// The statistics day (`YYYY-MM-DD`) of `t` in a zone `offset_minutes` east of UTC.
pub fn stats_day(t: SystemTime, offset_minutes: i32) -> String {
    let local_ms = to_ms(t) + i64::from(offset_minutes) * 60_000;
    let days = local_ms.div_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar
/// (H. Hinnant's `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_follow_the_configured_zone() {
        // 2024-02-29T20:00:00Z is already 1 March in China (UTC+8).
        let t = UNIX_EPOCH + Duration::from_secs(1_709_236_800);
        assert_eq!(stats_day(t, 0), "2024-02-29");
        assert_eq!(stats_day(t, 480), "2024-03-01");
        assert_eq!(stats_day(UNIX_EPOCH, 0), "1970-01-01");
        assert_eq!(stats_day(UNIX_EPOCH, -60), "1969-12-31");
    }

    #[test]
    fn millis_round_trip() {
        let t = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        assert_eq!(from_ms(to_ms(t)), t);
        assert_eq!(to_ms(from_ms(-5)), -5);
    }
}
