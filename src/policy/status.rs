//! smppd's `command_status` values for policy rejections.
//!
//! SMPP 3.4 §5.1.3 reserves 0x00000400–0x000004FF for SMSC vendor-specific errors;
//! smppd defines its table there (documented for clients in `STATUS_CODES.md`).
//! Where the standard already has a fitting code it is used instead: a TPS overrun
//! answers ESME_RTHROTTLED (0x00000058) so well-behaved clients slow down and retry.
//!
//! The numbers are part of smppd's wire contract: never renumber, only append.

use std::fmt;

/// ESME_RTHROTTLED (SMPP 3.4 §5.1.3): throttling error, the ESME exceeded its rate.
pub const ESME_RTHROTTLED: u32 = 0x0000_0058;
/// The text contains a banned phrase (gambling, fraud, pornography …).
pub const SMPPD_RBANNEDCONTENT: u32 = 0x0000_0400;
/// The text carries no signature (【签名】) at its start or end.
pub const SMPPD_RNOSIGNATURE: u32 = 0x0000_0401;
/// The signature is not one the account registered.
pub const SMPPD_RBADSIGNATURE: u32 = 0x0000_0402;
/// More than one signature, or an empty 【】: carriers require exactly one.
pub const SMPPD_RMULTISIGNATURE: u32 = 0x0000_0403;
/// A marketing message without an unsubscribe instruction (e.g. 回T退订).
pub const SMPPD_RNOUNSUBSCRIBE: u32 = 0x0000_0404;
/// A non-marketing message carrying an unsubscribe instruction.
pub const SMPPD_RUNSUBSCRIBENOTALLOWED: u32 = 0x0000_0405;
/// The recipient opted out (globally or from this account).
pub const SMPPD_ROPTEDOUT: u32 = 0x0000_0406;
/// Per-recipient frequency limit for this message type reached.
pub const SMPPD_RFREQUENCY: u32 = 0x0000_0407;
/// The same content went to the same number within the duplicate window.
pub const SMPPD_RDUPLICATE: u32 = 0x0000_0408;
/// The account sends templates only and the text matches none.
pub const SMPPD_RTEMPLATE: u32 = 0x0000_0409;
/// The account's daily segment quota (Beijing calendar day) is used up.
pub const SMPPD_RDAILYQUOTA: u32 = 0x0000_040A;
/// The account's monthly segment quota (Beijing calendar month) is used up.
pub const SMPPD_RMONTHLYQUOTA: u32 = 0x0000_040B;
/// Marketing submitted outside the allowed sending hours (Beijing time).
pub const SMPPD_RSENDINGHOURS: u32 = 0x0000_040C;
/// The recipient reached the daily cap summed over all accounts.
pub const SMPPD_RRECIPIENTDAILYCAP: u32 = 0x0000_040D;
/// A regex rule matched (e.g. a short-link domain not on the allow list).
pub const SMPPD_RFORBIDDENPATTERN: u32 = 0x0000_040E;
/// The account has no policy configured: smppd refuses rather than guess.
pub const SMPPD_RNOPOLICY: u32 = 0x0000_040F;
/// A concatenated message whose parts did not all arrive before the timeout.
pub const SMPPD_RCONCATINCOMPLETE: u32 = 0x0000_0410;
/// The text is empty or longer than the account's maximum length.
pub const SMPPD_RLENGTH: u32 = 0x0000_0411;

/// Why policy refused a message. Each reason has one status code and one stable name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RejectReason {
    /// TPS token bucket empty (ESME_RTHROTTLED).
    Throttled,
    /// Banned phrase found.
    BannedContent,
    /// No signature.
    MissingSignature,
    /// Signature not registered for the account.
    UnregisteredSignature,
    /// Two signatures or an empty one.
    MalformedSignature,
    /// Marketing without unsubscribe text.
    MissingUnsubscribe,
    /// Unsubscribe text on a non-marketing message.
    UnsubscribeOnNonMarketing,
    /// Recipient opted out.
    RecipientOptedOut,
    /// Per-recipient frequency limit.
    FrequencyLimit,
    /// Same content to the same number within the window.
    DuplicateContent,
    /// No approved template matches.
    TemplateNotApproved,
    /// Daily quota exhausted.
    DailyQuotaExhausted,
    /// Monthly quota exhausted.
    MonthlyQuotaExhausted,
    /// Outside the marketing sending hours.
    OutsideSendingHours,
    /// Cross-account daily cap per number.
    RecipientDailyCap,
    /// A regex rule matched.
    ForbiddenPattern,
    /// No policy for the account.
    NoAccountPolicy,
    /// Concatenated set never completed.
    ConcatIncomplete,
    /// Empty or over-long text.
    BadLength,
}

impl RejectReason {
    /// Every reason, in table order (for statistics and metrics).
    pub const ALL: [RejectReason; 19] = [
        RejectReason::Throttled,
        RejectReason::BannedContent,
        RejectReason::MissingSignature,
        RejectReason::UnregisteredSignature,
        RejectReason::MalformedSignature,
        RejectReason::MissingUnsubscribe,
        RejectReason::UnsubscribeOnNonMarketing,
        RejectReason::RecipientOptedOut,
        RejectReason::FrequencyLimit,
        RejectReason::DuplicateContent,
        RejectReason::TemplateNotApproved,
        RejectReason::DailyQuotaExhausted,
        RejectReason::MonthlyQuotaExhausted,
        RejectReason::OutsideSendingHours,
        RejectReason::RecipientDailyCap,
        RejectReason::ForbiddenPattern,
        RejectReason::NoAccountPolicy,
        RejectReason::ConcatIncomplete,
        RejectReason::BadLength,
    ];

    /// The `command_status` sent in `submit_sm_resp` (and the receipt's `err:`).
    pub const fn status(self) -> u32 {
        match self {
            RejectReason::Throttled => ESME_RTHROTTLED,
            RejectReason::BannedContent => SMPPD_RBANNEDCONTENT,
            RejectReason::MissingSignature => SMPPD_RNOSIGNATURE,
            RejectReason::UnregisteredSignature => SMPPD_RBADSIGNATURE,
            RejectReason::MalformedSignature => SMPPD_RMULTISIGNATURE,
            RejectReason::MissingUnsubscribe => SMPPD_RNOUNSUBSCRIBE,
            RejectReason::UnsubscribeOnNonMarketing => SMPPD_RUNSUBSCRIBENOTALLOWED,
            RejectReason::RecipientOptedOut => SMPPD_ROPTEDOUT,
            RejectReason::FrequencyLimit => SMPPD_RFREQUENCY,
            RejectReason::DuplicateContent => SMPPD_RDUPLICATE,
            RejectReason::TemplateNotApproved => SMPPD_RTEMPLATE,
            RejectReason::DailyQuotaExhausted => SMPPD_RDAILYQUOTA,
            RejectReason::MonthlyQuotaExhausted => SMPPD_RMONTHLYQUOTA,
            RejectReason::OutsideSendingHours => SMPPD_RSENDINGHOURS,
            RejectReason::RecipientDailyCap => SMPPD_RRECIPIENTDAILYCAP,
            RejectReason::ForbiddenPattern => SMPPD_RFORBIDDENPATTERN,
            RejectReason::NoAccountPolicy => SMPPD_RNOPOLICY,
            RejectReason::ConcatIncomplete => SMPPD_RCONCATINCOMPLETE,
            RejectReason::BadLength => SMPPD_RLENGTH,
        }
    }

    /// Stable snake_case name: metrics label, admin API field, `check-text` output.
    pub const fn as_str(self) -> &'static str {
        match self {
            RejectReason::Throttled => "throttled",
            RejectReason::BannedContent => "banned_content",
            RejectReason::MissingSignature => "missing_signature",
            RejectReason::UnregisteredSignature => "unregistered_signature",
            RejectReason::MalformedSignature => "malformed_signature",
            RejectReason::MissingUnsubscribe => "missing_unsubscribe",
            RejectReason::UnsubscribeOnNonMarketing => "unsubscribe_on_non_marketing",
            RejectReason::RecipientOptedOut => "recipient_opted_out",
            RejectReason::FrequencyLimit => "frequency_limit",
            RejectReason::DuplicateContent => "duplicate_content",
            RejectReason::TemplateNotApproved => "template_not_approved",
            RejectReason::DailyQuotaExhausted => "daily_quota_exhausted",
            RejectReason::MonthlyQuotaExhausted => "monthly_quota_exhausted",
            RejectReason::OutsideSendingHours => "outside_sending_hours",
            RejectReason::RecipientDailyCap => "recipient_daily_cap",
            RejectReason::ForbiddenPattern => "forbidden_pattern",
            RejectReason::NoAccountPolicy => "no_account_policy",
            RejectReason::ConcatIncomplete => "concat_incomplete",
            RejectReason::BadLength => "bad_length",
        }
    }

    /// One-line English description for clients and operators.
    pub const fn description(self) -> &'static str {
        match self {
            RejectReason::Throttled => "submission rate above the account's TPS; retry later",
            RejectReason::BannedContent => "text contains a banned phrase",
            RejectReason::MissingSignature => "no 【signature】 at the start or end of the text",
            RejectReason::UnregisteredSignature => "signature not registered for this account",
            RejectReason::MalformedSignature => "more than one signature, or an empty 【】",
            RejectReason::MissingUnsubscribe => "marketing text without an unsubscribe instruction",
            RejectReason::UnsubscribeOnNonMarketing => {
                "unsubscribe instruction in a non-marketing message"
            }
            RejectReason::RecipientOptedOut => "recipient opted out of this sender's messages",
            RejectReason::FrequencyLimit => "per-recipient frequency limit for this message type",
            RejectReason::DuplicateContent => "same text to the same number within the window",
            RejectReason::TemplateNotApproved => "text matches none of the approved templates",
            RejectReason::DailyQuotaExhausted => "account daily quota used up (Beijing day)",
            RejectReason::MonthlyQuotaExhausted => "account monthly quota used up (Beijing month)",
            RejectReason::OutsideSendingHours => "marketing outside the allowed hours (Beijing)",
            RejectReason::RecipientDailyCap => "recipient's daily cap across all accounts reached",
            RejectReason::ForbiddenPattern => "text matches a forbidden pattern (e.g. short link)",
            RejectReason::NoAccountPolicy => "no policy configured for this account",
            RejectReason::ConcatIncomplete => "concatenated message incomplete at timeout",
            RejectReason::BadLength => "text empty or longer than allowed",
        }
    }

    /// The reason whose name is `name` (inverse of [`RejectReason::as_str`]).
    pub fn from_name(name: &str) -> Option<RejectReason> {
        RejectReason::ALL.into_iter().find(|r| r.as_str() == name)
    }

    /// The reason for a status code, if it is one of smppd's policy codes.
    pub fn from_status(status: u32) -> Option<RejectReason> {
        RejectReason::ALL.into_iter().find(|r| r.status() == status)
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_and_in_the_vendor_range() {
        let mut seen = std::collections::HashSet::new();
        for r in RejectReason::ALL {
            assert!(seen.insert(r.status()), "duplicate status for {r}");
            assert_eq!(RejectReason::from_name(r.as_str()), Some(r));
            assert_eq!(RejectReason::from_status(r.status()), Some(r));
            if r != RejectReason::Throttled {
                assert!(
                    (0x400..=0x4FF).contains(&r.status()),
                    "{r} outside vendor range"
                );
            }
        }
        assert_eq!(RejectReason::Throttled.status(), 0x58);
    }

    #[test]
    fn status_doc_lists_every_code() {
        let doc = include_str!("STATUS_CODES.md");
        for r in RejectReason::ALL {
            let hex = format!("0x{:08X}", r.status());
            assert!(doc.contains(&hex), "STATUS_CODES.md lacks {hex}");
            assert!(
                doc.contains(r.as_str()),
                "STATUS_CODES.md lacks {}",
                r.as_str()
            );
        }
    }
}
