//! CPU time and peak memory of a process, read from procfs (Linux `proc(5)`), so the tool can
//! report what its own load generation cost next to the figures it measures.

use serde::Serialize;

/// Clock ticks per second of the `utime`/`stime` fields: USER_HZ, fixed at 100 for the
/// procfs interface on every Linux architecture smppd targets.
const USER_HZ: f64 = 100.0;

/// Resource use of one process.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct ProcessUsage {
    /// CPU seconds in user mode.
    pub user_seconds: f64,
    /// CPU seconds in the kernel.
    pub system_seconds: f64,
    /// Peak resident set size (VmHWM) in KiB.
    pub peak_rss_kib: u64,
}

impl ProcessUsage {
    /// Usage of `pid` (`"self"` for this process); `None` where procfs is unavailable.
    pub fn read(pid: &str) -> Option<ProcessUsage> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
        let (user_seconds, system_seconds) = parse_stat_times(&stat)?;
        Some(ProcessUsage {
            user_seconds,
            system_seconds,
            peak_rss_kib: parse_status_kib(&status, "VmHWM:").unwrap_or(0),
        })
    }

    /// User plus system seconds.
    pub fn cpu_seconds(&self) -> f64 {
        self.user_seconds + self.system_seconds
    }
}

/// utime and stime (fields 14 and 15) in seconds. The command name (field 2) may contain
/// spaces and parentheses, so fields are counted after its last `)`.
fn parse_stat_times(stat: &str) -> Option<(f64, f64)> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_ascii_whitespace();
    // `rest` starts at field 3 (state); utime is field 14.
    let utime: u64 = fields.nth(11)?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some((utime as f64 / USER_HZ, stime as f64 / USER_HZ))
}

fn parse_status_kib(status: &str, key: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))?
        .split_ascii_whitespace()
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_a_command_name_with_spaces_and_parens() {
        let stat = "1234 (my (odd) proc) S 1 2 3 4 5 6 7 8 9 10 250 37 0 0 20 0";
        assert_eq!(parse_stat_times(stat), Some((2.5, 0.37)));
        assert_eq!(
            parse_status_kib("Name:\tx\nVmHWM:\t  10240 kB\n", "VmHWM:"),
            Some(10240)
        );
    }

    #[test]
    fn reads_this_process() {
        let u = ProcessUsage::read("self").unwrap();
        assert!(u.peak_rss_kib > 0);
        assert!(u.cpu_seconds() >= 0.0);
    }
}
