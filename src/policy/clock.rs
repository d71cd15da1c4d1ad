//! Beijing calendar arithmetic on plain Unix time.
//!
//! Every policy entry point takes `now` from its caller (a `SystemTime`), so tests
//! inject any instant without sleeping. Daily/monthly quotas, the cross-account daily
//! cap and the marketing window follow the Beijing calendar (Asia/Shanghai, UTC+8,
//! no daylight saving: cn-sms-rules.md §5), which needs no time-zone database.

use std::time::{SystemTime, UNIX_EPOCH};

const BEIJING_OFFSET_SECS: i64 = 8 * 3600;

/// Milliseconds since the Unix epoch (0 for instants before it).
pub(crate) fn unix_millis(now: SystemTime) -> u64 {
    now.duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// A moment seen on a Beijing wall clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BeijingTime {
    /// Days since 1970-01-01 on the Beijing calendar (the key of a "natural day").
    pub day: i64,
    /// Calendar year.
    pub year: i32,
    /// Calendar month, 1–12.
    pub month: u32,
    /// Day of month, 1–31.
    pub day_of_month: u32,
    /// Minutes since Beijing midnight, 0–1439.
    pub minute_of_day: u32,
}

impl BeijingTime {
    /// The Beijing wall-clock reading of `now`.
    pub fn at(now: SystemTime) -> BeijingTime {
        let secs = i64::try_from(unix_millis(now) / 1000).unwrap_or(i64::MAX / 2);
        let local = secs + BEIJING_OFFSET_SECS;
        let day = local.div_euclid(86_400);
        let minute_of_day = u32::try_from(local.rem_euclid(86_400) / 60).unwrap_or(0);
        let (year, month, day_of_month) = civil_from_days(day);
        BeijingTime {
            day,
            year,
            month,
            day_of_month,
            minute_of_day,
        }
    }

    /// A month key that increases by one per calendar month.
    pub fn month_key(&self) -> i64 {
        i64::from(self.year) * 12 + i64::from(self.month) - 1
    }

    /// The instant this Beijing day began (00:00 Beijing time).
    pub fn day_start(&self) -> SystemTime {
        instant_of_unix_secs(self.day * 86_400 - BEIJING_OFFSET_SECS)
    }

    /// The instant this Beijing month began (00:00 Beijing time on the 1st).
    pub fn month_start(&self) -> SystemTime {
        let first = self.day - i64::from(self.day_of_month) + 1;
        instant_of_unix_secs(first * 86_400 - BEIJING_OFFSET_SECS)
    }

    /// `YYYY-MM-DD`, for the admin API.
    pub fn date_string(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}",
            self.year, self.month, self.day_of_month
        )
    }
}

fn instant_of_unix_secs(secs: i64) -> SystemTime {
    let d = std::time::Duration::from_secs(secs.unsigned_abs());
    if secs >= 0 {
        UNIX_EPOCH + d
    } else {
        UNIX_EPOCH - d
    }
}

/// Days since 1970-01-01 → (year, month, day); Howard Hinnant's `civil_from_days`.
fn civil_from_days(days: i64) -> (i32, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (
        i32::try_from(y).unwrap_or(i32::MAX),
        u32::try_from(m).unwrap_or(1),
        u32::try_from(d).unwrap_or(1),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn at(secs: u64) -> BeijingTime {
        BeijingTime::at(UNIX_EPOCH + Duration::from_secs(secs))
    }

    #[test]
    fn beijing_is_utc_plus_eight() {
        // 2026-11-28T15:59:59Z is 23:59:59 in Beijing; one second later is the next day.
        let t = at(1_795_881_599);
        assert_eq!(t.date_string(), "2026-11-28");
        assert_eq!(t.minute_of_day, 23 * 60 + 59);
        let u = at(1_795_881_600);
        assert_eq!(u.date_string(), "2026-11-29");
        assert_eq!(u.minute_of_day, 0);
        assert_eq!(u.day, t.day + 1);
    }

    #[test]
    fn month_rolls_on_beijing_first() {
        // 2026-11-30T16:00:00Z = 2026-12-01 00:00 Beijing.
        let before = at(1_796_054_399);
        let after = at(1_796_054_400);
        assert_eq!((before.year, before.month), (2026, 11));
        assert_eq!((after.year, after.month, after.day_of_month), (2026, 12, 1));
        assert_eq!(after.month_key(), before.month_key() + 1);
        let mid = at(1_795_900_000); // 2026-11-29 05:06 Beijing
        assert_eq!(
            mid.day_start(),
            UNIX_EPOCH + Duration::from_secs(1_795_881_600)
        );
        // 2026-11-01 00:00 Beijing = 2026-10-31T16:00:00Z.
        assert_eq!(
            mid.month_start(),
            UNIX_EPOCH + Duration::from_secs(1_793_462_400)
        );
        assert_eq!(after.month_start(), after.day_start());
        assert_eq!(at(0).date_string(), "1970-01-01");
        assert_eq!(at(951_782_400).date_string(), "2000-02-29");
    }
}
