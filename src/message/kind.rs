//! Message types: what policy (unsubscribe rules, frequency limits) and routing
//! (channel choice) decide on.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The business type of a message, as Chinese carriers classify templates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageType {
    /// Verification code (验证码).
    Otp,
    /// System notice (系统通知).
    SystemNotice,
    /// Business notice (业务通知: logistics, bills …).
    BusinessNotice,
    /// Member service (会员服务).
    MemberService,
    /// Marketing (营销推广): needs an unsubscribe method.
    Marketing,
    /// Anything else.
    Other,
}

impl MessageType {
    /// Every type, in a fixed order (for statistics and metrics labels).
    pub const ALL: [MessageType; 6] = [
        MessageType::Otp,
        MessageType::SystemNotice,
        MessageType::BusinessNotice,
        MessageType::MemberService,
        MessageType::Marketing,
        MessageType::Other,
    ];

    /// The canonical lower-case name used in config, CLI and metrics labels.
    pub const fn as_str(self) -> &'static str {
        match self {
            MessageType::Otp => "otp",
            MessageType::SystemNotice => "system_notice",
            MessageType::BusinessNotice => "business_notice",
            MessageType::MemberService => "member_service",
            MessageType::Marketing => "marketing",
            MessageType::Other => "other",
        }
    }
}

impl fmt::Display for MessageType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text names no known message type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown message type {0:?} (expected otp, system_notice, business_notice, member_service, marketing or other)")]
pub struct ParseMessageTypeError(pub String);

impl FromStr for MessageType {
    type Err = ParseMessageTypeError;

    /// Accepts the canonical names plus the aliases clients put in `service_type`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim().to_ascii_lowercase();
        Ok(match t.as_str() {
            "otp" | "code" | "verify" | "verification" | "verification_code" => MessageType::Otp,
            "system_notice" | "system" | "sys" => MessageType::SystemNotice,
            "business_notice" | "notice" | "notify" | "business" => MessageType::BusinessNotice,
            "member_service" | "member" => MessageType::MemberService,
            "marketing" | "mkt" | "promo" => MessageType::Marketing,
            "other" => MessageType::Other,
            _ => return Err(ParseMessageTypeError(s.to_string())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for t in MessageType::ALL {
            assert_eq!(t.as_str().parse::<MessageType>(), Ok(t));
        }
        assert_eq!("MKT".parse::<MessageType>(), Ok(MessageType::Marketing));
        assert!("spam".parse::<MessageType>().is_err());
    }
}
