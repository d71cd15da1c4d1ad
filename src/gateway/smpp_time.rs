//! SMPP time values (SMPP 3.4 §7.1.1) as instants: `validity_period` and
//! `schedule_delivery_time` come absolute (`YYMMDDhhmmsstnnp`, p = `+`/`-` quarter hours from
//! UTC) or relative (`YYMMDDhhmmss000R`).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::pdu::SmppTime;

/// The instant a (non-NULL) SMPP time denotes, given the time it was received; `None` when
/// the value is not a valid time.
pub fn deadline(time: &SmppTime, now: SystemTime) -> Option<SystemTime> {
    let s = time.as_str().as_bytes();
    if s.len() != 16 || !s[..15].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n = |i: usize| u64::from(s[i] - b'0') * 10 + u64::from(s[i + 1] - b'0');
    let (yy, mo, dd, hh, mi, ss) = (n(0), n(2), n(4), n(6), n(8), n(10));
    match s[15] {
        b'R' => {
            // Relative: years and months as 365 and 30 days, as SMSCs commonly do.
            let secs = ((yy * 365 + mo * 30 + dd) * 24 + hh) * 3600 + mi * 60 + ss;
            now.checked_add(Duration::from_secs(secs))
        }
        sign @ (b'+' | b'-') => {
            if !(1..=12).contains(&mo) || !(1..=31).contains(&dd) || hh > 23 || mi > 59 || ss > 59 {
                return None;
            }
            let local = days_from_civil(2000 + yy, mo, dd) * 86_400 + hh * 3600 + mi * 60 + ss;
            let offset = n(13) * 15 * 60;
            let utc = if sign == b'+' {
                local.checked_sub(offset)?
            } else {
                local + offset
            };
            Some(UNIX_EPOCH + Duration::from_secs(utc))
        }
        _ => None,
    }
}

/// Days from 1970-01-01 to a civil date (H. Hinnant's algorithm), for years ≥ 2000.
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> SmppTime {
        SmppTime::new(s).unwrap()
    }

    #[test]
    fn relative_validity_counts_from_receipt() {
        let now = UNIX_EPOCH + Duration::from_secs(1_000_000);
        let d = deadline(&t("000001020304000R"), now).unwrap();
        assert_eq!(d, now + Duration::from_secs(86_400 + 2 * 3600 + 3 * 60 + 4));
    }

    #[test]
    fn absolute_time_with_beijing_offset() {
        // 2023-11-15 06:13:20 at UTC+8 (32 quarter hours) = 2023-11-14 22:13:20 UTC.
        let d = deadline(&t("231115061320032+"), UNIX_EPOCH).unwrap();
        assert_eq!(d, UNIX_EPOCH + Duration::from_secs(1_700_000_000));
    }

    #[test]
    fn garbage_is_rejected() {
        assert!(deadline(&t("231315061320032+"), UNIX_EPOCH).is_none());
    }
}
