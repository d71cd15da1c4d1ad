//! What a carrier's `submit_sm_resp` command_status means for the message.

use serde::Serialize;

use super::config::StatusOverrides;

/// How a non-zero carrier status is handled (SMPP 3.4 §5.1.3 codes).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StatusClass {
    /// The carrier wants us slower: slow the whole channel down and retry the same message.
    Throttle,
    /// Possibly better on a second try: retry a bounded number of times, then fail over.
    Transient,
    /// The carrier will never take this message: fail it with an honest receipt.
    Permanent,
}

// SMPP 3.4 §5.1.3 codes named by value; the pdu module owns the full table.
const ESME_RSYSERR: u32 = 0x08;
const ESME_RMSGQFUL: u32 = 0x14;
const ESME_RSUBMITFAIL: u32 = 0x45;
const ESME_RTHROTTLED: u32 = 0x58;
const ESME_RX_T_APPN: u32 = 0x64;
const ESME_RUNKNOWNERR: u32 = 0xFF;

impl StatusClass {
    /// The default class of a non-zero status: ESME_RTHROTTLED and ESME_RMSGQFUL throttle
    /// (the carrier is overloaded, not the message wrong); system errors, temporary
    /// application errors, "submit failed" and unknown errors are transient; everything else
    /// (bad address, bad data_coding, …) is a verdict on the message and permanent.
    pub fn default_of(status: u32) -> StatusClass {
        match status {
            ESME_RTHROTTLED | ESME_RMSGQFUL => StatusClass::Throttle,
            ESME_RSYSERR | ESME_RSUBMITFAIL | ESME_RX_T_APPN | ESME_RUNKNOWNERR => {
                StatusClass::Transient
            }
            _ => StatusClass::Permanent,
        }
    }

    /// The class of `status` on a channel, channel overrides first.
    pub fn of(status: u32, overrides: &StatusOverrides) -> StatusClass {
        if overrides.throttle.contains(&status) {
            StatusClass::Throttle
        } else if overrides.transient.contains(&status) {
            StatusClass::Transient
        } else if overrides.permanent.contains(&status) {
            StatusClass::Permanent
        } else {
            StatusClass::default_of(status)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_follow_the_spec_meaning() {
        assert_eq!(StatusClass::default_of(0x58), StatusClass::Throttle);
        assert_eq!(StatusClass::default_of(0x14), StatusClass::Throttle);
        assert_eq!(StatusClass::default_of(0x08), StatusClass::Transient);
        assert_eq!(StatusClass::default_of(0x0B), StatusClass::Permanent);
        assert_eq!(StatusClass::default_of(0x0A), StatusClass::Permanent);
    }

    #[test]
    fn channel_overrides_win() {
        let o = StatusOverrides {
            throttle: vec![0x401],
            transient: vec![0x0B],
            permanent: vec![0x58],
        };
        assert_eq!(StatusClass::of(0x401, &o), StatusClass::Throttle);
        assert_eq!(StatusClass::of(0x0B, &o), StatusClass::Transient);
        assert_eq!(StatusClass::of(0x58, &o), StatusClass::Permanent);
        assert_eq!(StatusClass::of(0x14, &o), StatusClass::Throttle);
    }
}
