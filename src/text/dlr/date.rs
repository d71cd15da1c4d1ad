//! Receipt dates: `YYMMDDhhmm` per SMPP 3.4 Appendix B, `YYMMDDhhmmss` as most SMSCs send,
//! and the four-digit-year forms some gateways emit (e.g. `201906190720`, Jasmin issue 753).

use std::fmt;

/// A `submit date` / `done date` value, kept in the shape it was written so that it
/// formats back unchanged. No time zone: SMSCs use their local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReceiptDate {
    /// The year as written: two digits (0–99) or, if `four_digit_year`, four.
    pub year: u16,
    /// Month 1–12.
    pub month: u8,
    /// Day 1–31.
    pub day: u8,
    /// Hour 0–23.
    pub hour: u8,
    /// Minute 0–59.
    pub minute: u8,
    /// Second 0–59 (60 for a leap second) when the SMSC sends seconds.
    pub second: Option<u8>,
    /// The year was written with four digits.
    pub four_digit_year: bool,
}

/// The value is not a receipt date in any of the accepted shapes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a receipt date (YYMMDDhhmm[ss] or YYYYMMDDhhmm[ss]): {0:?}")]
pub struct ParseDateError(pub String);

fn two(d: &[u8]) -> u8 {
    (d[0] - b'0') * 10 + (d[1] - b'0')
}

impl ReceiptDate {
    /// Parses 10 (`YYMMDDhhmm`), 12 (`YYMMDDhhmmss`, else `YYYYMMDDhhmm`) or 14
    /// (`YYYYMMDDhhmmss`) digits. A 12-digit value is read with seconds first, as SMSCs
    /// overwhelmingly send, and only read as a four-digit year if that is not a valid date.
    pub fn parse(s: &str) -> Result<ReceiptDate, ParseDateError> {
        let d = s.as_bytes();
        let err = || ParseDateError(s.to_owned());
        if !d.iter().all(u8::is_ascii_digit) {
            return Err(err());
        }
        let short = |d: &[u8], second| ReceiptDate {
            year: u16::from(two(d)),
            month: two(&d[2..]),
            day: two(&d[4..]),
            hour: two(&d[6..]),
            minute: two(&d[8..]),
            second,
            four_digit_year: false,
        };
        let long = |d: &[u8], second| ReceiptDate {
            year: u16::from(two(d)) * 100 + u16::from(two(&d[2..])),
            four_digit_year: true,
            ..short(&d[2..], second)
        };
        let candidates = match d.len() {
            10 => [Some(short(d, None)), None],
            12 => [Some(short(d, Some(two(&d[10..])))), Some(long(d, None))],
            14 => [Some(long(d, Some(two(&d[12..])))), None],
            _ => [None, None],
        };
        candidates
            .into_iter()
            .flatten()
            .find(ReceiptDate::is_valid)
            .ok_or_else(err)
    }

    fn is_valid(&self) -> bool {
        (1..=12).contains(&self.month)
            && (1..=31).contains(&self.day)
            && self.hour <= 23
            && self.minute <= 59
            && self.second.is_none_or(|s| s <= 60)
    }

    /// The UTC civil time of a Unix timestamp, written `YYMMDDhhmm` (or with seconds).
    pub fn from_unix_seconds(secs: u64, with_seconds: bool) -> ReceiptDate {
        let days = secs / 86_400;
        let rem = secs % 86_400;
        // Civil-from-days (H. Hinnant's algorithm), for days since 1970-01-01, all unsigned
        // because the epoch is after 0000-03-01.
        let z = days + 719_468;
        let era = z / 146_097;
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = doy - (153 * mp + 2) / 5 + 1;
        let month = if mp < 10 { mp + 3 } else { mp - 9 };
        let year = yoe + era * 400 + u64::from(month <= 2);
        ReceiptDate {
            year: (year % 100) as u16,
            month: month as u8,
            day: day as u8,
            hour: (rem / 3600) as u8,
            minute: (rem % 3600 / 60) as u8,
            second: with_seconds.then_some((rem % 60) as u8),
            four_digit_year: false,
        }
    }
}

impl fmt::Display for ReceiptDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.four_digit_year {
            write!(f, "{:04}", self.year)?;
        } else {
            write!(f, "{:02}", self.year % 100)?;
        }
        write!(
            f,
            "{:02}{:02}{:02}{:02}",
            self.month, self.day, self.hour, self.minute
        )?;
        if let Some(s) = self.second {
            write!(f, "{s:02}")?;
        }
        Ok(())
    }
}

impl TryFrom<String> for ReceiptDate {
    type Error = ParseDateError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ReceiptDate::parse(&s)
    }
}

impl From<ReceiptDate> for String {
    fn from(d: ReceiptDate) -> String {
        d.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_the_shapes_carriers_send_and_formats_them_back() {
        for s in [
            "2406011230",
            "240601123059",
            "201906190720",
            "20240601123059",
        ] {
            assert_eq!(ReceiptDate::parse(s).unwrap().to_string(), s);
        }
        let d = ReceiptDate::parse("201906190720").unwrap();
        assert_eq!((d.year, d.month, d.day, d.second), (2019, 6, 19, None));
        let d = ReceiptDate::parse("240601123059").unwrap();
        assert_eq!((d.year, d.minute, d.second), (24, 30, Some(59)));
    }

    #[test]
    fn rejects_non_dates() {
        for s in [
            "",
            "24060112",
            "2413011230",
            "24060112x0",
            "2406011260",
            "０６０１１２３０５９",
        ] {
            assert!(ReceiptDate::parse(s).is_err(), "{s}");
        }
    }

    #[test]
    fn unix_time_is_converted_to_utc_civil_time() {
        // 2024-06-01T12:30:59Z
        let d = ReceiptDate::from_unix_seconds(1_717_245_059, true);
        assert_eq!(d.to_string(), "240601123059");
        assert_eq!(
            ReceiptDate::from_unix_seconds(951_782_400, false).to_string(),
            "0002290000"
        );
    }
}
