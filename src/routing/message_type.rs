//! Which message type a message is routed as (carriers run separate channels/ports for
//! verification codes, notices and marketing; see cn-sms-rules §templates).

use std::fmt;

use crate::message::MessageType;

/// Where a message's type came from, in order of precedence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TypeSource {
    /// The client's `service_type` named it (`otp`, `mkt` … see `MessageType`'s `FromStr`).
    ServiceType,
    /// The registered template the text matched has this type.
    Template,
    /// Neither did: the account's default type.
    AccountDefault,
}

impl fmt::Display for TypeSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TypeSource::ServiceType => "service_type",
            TypeSource::Template => "matched template",
            TypeSource::AccountDefault => "account default",
        })
    }
}

/// Resolves the type: `service_type` if it names a type, else the matched template's type,
/// else the account default.
///
/// A `service_type` that names no type (empty, or SMPP's own values such as `CMT`, SMPP 3.4
/// §5.2.11) is not an error: it simply does not decide.
pub fn resolve_message_type(
    service_type: &str,
    template: Option<MessageType>,
    account_default: MessageType,
) -> (MessageType, TypeSource) {
    if let Ok(t) = service_type.parse::<MessageType>() {
        return (t, TypeSource::ServiceType);
    }
    match template {
        Some(t) => (t, TypeSource::Template),
        None => (account_default, TypeSource::AccountDefault),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_type_then_template_then_default() {
        let d = MessageType::BusinessNotice;
        assert_eq!(
            resolve_message_type("verify", Some(MessageType::Marketing), d),
            (MessageType::Otp, TypeSource::ServiceType)
        );
        assert_eq!(
            resolve_message_type("MKT", None, d),
            (MessageType::Marketing, TypeSource::ServiceType)
        );
        assert_eq!(
            resolve_message_type("CMT", Some(MessageType::Otp), d),
            (MessageType::Otp, TypeSource::Template)
        );
        assert_eq!(
            resolve_message_type("", None, d),
            (MessageType::BusinessNotice, TypeSource::AccountDefault)
        );
    }
}
