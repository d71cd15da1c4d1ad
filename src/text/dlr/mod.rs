//! Delivery-receipt text (SMPP 3.4 Appendix B, de-facto; smpp34-reference §10):
//!
//! ```text
//! id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:…
//! ```
//!
//! [`parse`] is tolerant of what carriers actually send (see `proto-fixtures/dlr/README.md`);
//! [`DeliveryReceipt::format`] writes the canonical form. The text is decoded from the
//! deliver_sm first (usually ASCII under data_coding 0 or 1); when the receipted_message_id
//! and message_state TLVs are present they should be preferred over the text.
//! [`id`] matches carrier message ids that differ in hex/decimal, case or leading zeros.

mod date;
pub mod id;
mod parse;

pub use date::{ParseDateError, ReceiptDate};
pub use id::{normalize_carrier_id, CarrierIdKey, ReceiptIdForm};
pub use parse::parse;

use std::fmt;

/// Why a text is not a usable delivery receipt.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DlrError {
    /// A field without which the receipt cannot be used (`id`, `stat`) is absent or empty.
    #[error("delivery receipt has no {0} field")]
    MissingField(&'static str),
}

/// The `stat:` value: the message state (SMPP 3.4 §5.2.28 / Appendix B).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(from = "String", into = "String")]
pub enum ReceiptStat {
    /// DELIVRD: delivered (message_state 2).
    Delivrd,
    /// EXPIRED: validity period expired (3).
    Expired,
    /// DELETED: deleted (4).
    Deleted,
    /// UNDELIV: undeliverable (5).
    Undeliv,
    /// ACCEPTD: accepted on behalf of the subscriber (6).
    Acceptd,
    /// UNKNOWN: state unknown (7).
    Unknown,
    /// REJECTD: rejected (8).
    Rejectd,
    /// ENROUTE: still in transit (1); an intermediate notification.
    Enroute,
    /// A carrier-specific value (e.g. CMPP-style `MK:0001`), kept as sent.
    Other(String),
}

impl ReceiptStat {
    /// Reads a stat value case-insensitively, also accepting the long spellings some
    /// SMSCs use (DELIVERED, UNDELIVERABLE, …); anything else is kept as [`Self::Other`].
    pub fn parse(s: &str) -> ReceiptStat {
        ReceiptStat::known(s).unwrap_or_else(|| ReceiptStat::Other(s.to_owned()))
    }

    /// The standard state `s` names, if it names one.
    pub(crate) fn known(s: &str) -> Option<ReceiptStat> {
        const NAMES: [(&str, ReceiptStat); 13] = [
            ("DELIVRD", ReceiptStat::Delivrd),
            ("DELIVERED", ReceiptStat::Delivrd),
            ("EXPIRED", ReceiptStat::Expired),
            ("DELETED", ReceiptStat::Deleted),
            ("UNDELIV", ReceiptStat::Undeliv),
            ("UNDELIVERABLE", ReceiptStat::Undeliv),
            ("ACCEPTD", ReceiptStat::Acceptd),
            ("ACCEPTED", ReceiptStat::Acceptd),
            ("UNKNOWN", ReceiptStat::Unknown),
            ("REJECTD", ReceiptStat::Rejectd),
            ("REJECTED", ReceiptStat::Rejectd),
            ("ENROUTE", ReceiptStat::Enroute),
            ("EN_ROUTE", ReceiptStat::Enroute),
        ];
        NAMES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(s))
            .map(|(_, stat)| stat.clone())
    }

    /// The canonical seven-character text (or the carrier's own value).
    pub fn as_str(&self) -> &str {
        match self {
            ReceiptStat::Delivrd => "DELIVRD",
            ReceiptStat::Expired => "EXPIRED",
            ReceiptStat::Deleted => "DELETED",
            ReceiptStat::Undeliv => "UNDELIV",
            ReceiptStat::Acceptd => "ACCEPTD",
            ReceiptStat::Unknown => "UNKNOWN",
            ReceiptStat::Rejectd => "REJECTD",
            ReceiptStat::Enroute => "ENROUTE",
            ReceiptStat::Other(s) => s,
        }
    }

    /// The SMPP 3.4 message_state value (for the message_state TLV and query_sm_resp).
    pub fn message_state(&self) -> Option<u8> {
        Some(match self {
            ReceiptStat::Enroute => 1,
            ReceiptStat::Delivrd => 2,
            ReceiptStat::Expired => 3,
            ReceiptStat::Deleted => 4,
            ReceiptStat::Undeliv => 5,
            ReceiptStat::Acceptd => 6,
            ReceiptStat::Unknown => 7,
            ReceiptStat::Rejectd => 8,
            ReceiptStat::Other(_) => return None,
        })
    }

    /// The stat for a message_state value, if it is a 3.4 state.
    pub fn from_message_state(state: u8) -> Option<ReceiptStat> {
        Some(match state {
            1 => ReceiptStat::Enroute,
            2 => ReceiptStat::Delivrd,
            3 => ReceiptStat::Expired,
            4 => ReceiptStat::Deleted,
            5 => ReceiptStat::Undeliv,
            6 => ReceiptStat::Acceptd,
            7 => ReceiptStat::Unknown,
            8 => ReceiptStat::Rejectd,
            _ => return None,
        })
    }

    /// A final state: no further receipt will follow (smpp34-reference §9; ACCEPTD is
    /// final by operator policy, carrier-specific values are not assumed final).
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            ReceiptStat::Enroute | ReceiptStat::Unknown | ReceiptStat::Other(_)
        )
    }
}

impl fmt::Display for ReceiptStat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<String> for ReceiptStat {
    fn from(s: String) -> Self {
        ReceiptStat::known(&s).unwrap_or(ReceiptStat::Other(s))
    }
}

impl From<ReceiptStat> for String {
    fn from(s: ReceiptStat) -> String {
        s.as_str().to_owned()
    }
}

/// A parsed delivery receipt. Optional fields are `None` when the carrier left them out;
/// `sub`, `dlvrd` and `err` are kept as written (e.g. `001`), since carriers pad differently.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliveryReceipt {
    /// The carrier's message id (as in its submit_sm_resp, modulo [`id`] differences).
    pub id: String,
    /// Number of messages originally submitted.
    pub sub: Option<String>,
    /// Number delivered.
    pub dlvrd: Option<String>,
    /// When the message was submitted; `None` if absent or unreadable.
    #[serde(default, with = "opt_date")]
    pub submit_date: Option<ReceiptDate>,
    /// When it reached its final state; `None` if absent or unreadable.
    #[serde(default, with = "opt_date")]
    pub done_date: Option<ReceiptDate>,
    /// The message state.
    pub stat: ReceiptStat,
    /// Network/SMSC-specific error code.
    pub err: Option<String>,
    /// The first characters of the message, when the carrier includes a text field.
    pub text: Option<String>,
}

impl DeliveryReceipt {
    /// The canonical Appendix B form: every present field, in order, single-spaced, lower-case
    /// keys, `text:` last. Fields that are `None` are left out.
    pub fn format(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for DeliveryReceipt {
    /// Writes [`DeliveryReceipt::format`]'s canonical form.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "id:{}", self.id)?;
        fn field(
            f: &mut fmt::Formatter<'_>,
            key: &str,
            v: Option<impl fmt::Display>,
        ) -> fmt::Result {
            match v {
                Some(v) => write!(f, " {key}{v}"),
                None => Ok(()),
            }
        }
        field(f, "sub:", self.sub.as_deref())?;
        field(f, "dlvrd:", self.dlvrd.as_deref())?;
        field(f, "submit date:", self.submit_date)?;
        field(f, "done date:", self.done_date)?;
        field(f, "stat:", Some(&self.stat))?;
        field(f, "err:", self.err.as_deref())?;
        field(f, "text:", self.text.as_deref())
    }
}

/// Serde for `Option<ReceiptDate>` as the date's digits (or null).
mod opt_date {
    use super::ReceiptDate;
    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(
        d: &Option<ReceiptDate>,
        s: S,
    ) -> Result<S::Ok, S::Error> {
        match d {
            Some(d) => s.serialize_str(&d.to_string()),
            None => s.serialize_none(),
        }
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        d: D,
    ) -> Result<Option<ReceiptDate>, D::Error> {
        Option::<String>::deserialize(d)?
            .map(|s| ReceiptDate::parse(&s).map_err(serde::de::Error::custom))
            .transpose()
    }
}
