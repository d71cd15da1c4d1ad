//! `[[accounts]]`: the ESMEs allowed to bind, as written in the config (`AccountConfig`) and as
//! validated for the server (`Account`).

use std::net::IpAddr;

use ipnet::IpNet;
use serde::Deserialize;

use super::password::{check_smpp_password, Credential};
use crate::message::MessageType;
use crate::policy::AccountPolicy;
use crate::server::BindType;

/// SMPP 3.4 §4.1.1: `system_id` is a C-Octet String of at most 16 octets, so 15 characters.
pub const MAX_SYSTEM_ID_LEN: usize = 15;

/// One `[[accounts]]` table as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AccountConfig {
    /// The `system_id` the client binds with.
    pub system_id: String,
    /// argon2 PHC string from `smppd hash-password`.
    #[serde(default)]
    pub password_hash: Option<String>,
    /// A plain password: refused unless `insecure_plain_password = true` (demo accounts).
    #[serde(default)]
    pub password: Option<String>,
    /// Marks `password` as knowingly insecure.
    #[serde(default)]
    pub insecure_plain_password: bool,
    /// Source addresses allowed to bind: IPs (`192.0.2.7`) or CIDRs (`192.0.2.0/24`).
    /// Required; write `0.0.0.0/0` and `::/0` to allow any address on purpose.
    #[serde(default)]
    pub allowed_ips: Vec<String>,
    /// Bind types the account may use; all three when omitted.
    #[serde(default = "all_bind_types")]
    pub allowed_bind_types: Vec<BindType>,
    /// Concurrent binds of all types together.
    #[serde(default = "default_max_binds")]
    pub max_binds: u32,
    /// The message type of a submit whose `service_type` names none (copied into the
    /// policy settings; `business_notice` when neither says).
    #[serde(default)]
    pub default_message_type: Option<MessageType>,
    /// Registered signatures, with or without brackets: `【示例科技】` or `示例科技`.
    #[serde(default)]
    pub signatures: Vec<String>,
    /// Digits appended to a channel's service code in source addresses (106900**12**), and
    /// how MO replies find this account.
    #[serde(default)]
    pub extension: Option<String>,
    /// Per-account quota and content settings (`[accounts.policy]`) read by the policy layer.
    #[serde(default)]
    pub policy: AccountPolicy,
}

fn all_bind_types() -> Vec<BindType> {
    vec![
        BindType::Transmitter,
        BindType::Receiver,
        BindType::Transceiver,
    ]
}

fn default_max_binds() -> u32 {
    4
}

/// A validated account, as the server uses it.
#[derive(Debug, Clone)]
pub struct Account {
    /// The `system_id` the client binds with.
    pub system_id: String,
    /// How the bind password is checked.
    pub credential: Credential,
    /// Source networks allowed to bind (IPv4-mapped IPv6 peers are matched as IPv4).
    pub allowed_ips: Vec<IpNet>,
    /// Bind types the account may use.
    pub allowed_bind_types: Vec<BindType>,
    /// Concurrent binds of all types together.
    pub max_binds: u32,
    /// The message type of a submit whose `service_type` names none.
    pub default_message_type: MessageType,
    /// Registered signatures, without brackets (as the policy layer matches them).
    pub signatures: Vec<String>,
    /// Quota and content settings, with `signatures` and `default_message_type` filled in
    /// Digits identifying the account after a channel's service code.
    pub extension: Option<String>,
    /// from the account level: hand it to `policy::Policy::new`.
    pub policy: AccountPolicy,
}

impl Account {
    /// Whether `ip` may bind as this account.
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.allowed_ips.iter().any(|net| net.contains(&ip))
    }

    /// Whether this account may bind as `bind_type`.
    pub fn allows_bind_type(&self, bind_type: BindType) -> bool {
        self.allowed_bind_types.contains(&bind_type)
    }
}

impl AccountConfig {
    /// Validates this account; on error returns the key (relative to the account table) and
    /// the problem.
    pub(crate) fn validate(&self) -> Result<Account, (&'static str, String)> {
        let id = &self.system_id;
        if id.is_empty()
            || id.len() > MAX_SYSTEM_ID_LEN
            || !id.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err((
                "system_id",
                format!("{id:?} must be 1–{MAX_SYSTEM_ID_LEN} printable ASCII characters (SMPP 3.4 §4.1.1)"),
            ));
        }
        let credential = match (&self.password_hash, &self.password) {
            (Some(_), Some(_)) => {
                return Err((
                    "password",
                    "set either password_hash or password, not both".into(),
                ))
            }
            (None, None) => {
                return Err((
                    "password_hash",
                    "missing: make one with `smppd hash-password`".into(),
                ))
            }
            (Some(phc), None) => Credential::from_hash(phc).map_err(|e| ("password_hash", e))?,
            (None, Some(plain)) => {
                if !self.insecure_plain_password {
                    return Err((
                        "password",
                        "plain-text passwords are refused: store `password_hash = \"…\"` from \
                         `smppd hash-password`, or set insecure_plain_password = true for a demo"
                            .into(),
                    ));
                }
                check_smpp_password(plain).map_err(|e| ("password", e))?;
                Credential::InsecurePlain(plain.clone())
            }
        };
        if self.allowed_ips.is_empty() {
            return Err((
                "allowed_ips",
                "is empty, so nobody could bind; list the client's addresses, or 0.0.0.0/0 and \
                 ::/0 to allow any"
                    .into(),
            ));
        }
        let allowed_ips = self
            .allowed_ips
            .iter()
            .map(|s| parse_net(s))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| ("allowed_ips", e))?;
        if self.allowed_bind_types.is_empty() {
            return Err((
                "allowed_bind_types",
                "is empty, so no bind could succeed".into(),
            ));
        }
        if self.max_binds == 0 {
            return Err(("max_binds", "must be at least 1".into()));
        }
        let signatures = self
            .signatures
            .iter()
            .map(|s| strip_brackets(s).ok_or(("signatures", format!("{s:?} is blank"))))
            .collect::<Result<Vec<_>, _>>()?;
        let mut policy = self.policy.clone();
        if !signatures.is_empty() {
            if !policy.signatures.is_empty() {
                return Err((
                    "policy.signatures",
                    "signatures are set at the account level; remove them here".into(),
                ));
            }
            policy.signatures = signatures.clone();
        }
        for name in &policy.signatures {
            if let Some(why) = crate::policy::signature::registration_problem(name) {
                return Err(("signatures", format!("{name:?} {why}")));
            }
        }
        if let Some(t) = self.default_message_type {
            policy.default_message_type = t;
        }
        if let Some(ext) = &self.extension {
            if ext.is_empty() || ext.len() > 8 || !ext.bytes().all(|b| b.is_ascii_digit()) {
                return Err(("extension", format!("{ext:?} must be 1–8 digits")));
            }
        }
        Ok(Account {
            system_id: id.clone(),
            credential,
            allowed_ips,
            allowed_bind_types: self.allowed_bind_types.clone(),
            max_binds: self.max_binds,
            default_message_type: policy.default_message_type,
            signatures: policy.signatures.clone(),
            extension: self.extension.clone(),
            policy,
        })
    }
}

/// `【示例科技】`, `[Acme]` or `示例科技` → `示例科技`; `None` when nothing is left.
fn strip_brackets(s: &str) -> Option<String> {
    let t = s.trim();
    let t = t
        .strip_prefix('【')
        .and_then(|x| x.strip_suffix('】'))
        .or_else(|| t.strip_prefix('[').and_then(|x| x.strip_suffix(']')))
        .unwrap_or(t)
        .trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// `192.0.2.0/24` or a bare address (a /32 or /128).
fn parse_net(s: &str) -> Result<IpNet, String> {
    let t = s.trim();
    if let Ok(net) = t.parse::<IpNet>() {
        return Ok(net.trunc());
    }
    t.parse::<IpAddr>()
        .map(IpNet::from)
        .map_err(|_| format!("{s:?} is neither an IP address nor a CIDR network"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(extra: &str) -> Result<Account, (&'static str, String)> {
        let text = format!("system_id = \"acme\"\n{extra}");
        toml::from_str::<AccountConfig>(&text).unwrap().validate()
    }

    #[test]
    fn plain_password_needs_the_insecure_flag() {
        let e = account("password = \"pw\"\nallowed_ips = [\"127.0.0.1\"]").unwrap_err();
        assert_eq!(e.0, "password");
        assert!(e.1.contains("hash-password"));
        let a = account(
            "password = \"pw\"\ninsecure_plain_password = true\nallowed_ips = [\"127.0.0.1\"]",
        )
        .unwrap();
        assert!(a.credential.verify(b"pw"));
    }

    #[test]
    fn ips_and_cidrs() {
        let a = account(
            "password = \"pw\"\ninsecure_plain_password = true\nallowed_ips = [\"10.1.2.3/8\", \"::1\"]",
        )
        .unwrap();
        assert!(a.allows_ip("10.200.0.1".parse().unwrap()));
        assert!(a.allows_ip("::1".parse().unwrap()));
        // A v4 client on a dual-stack listener shows up as ::ffff:10.0.0.9.
        assert!(a.allows_ip("::ffff:10.0.0.9".parse().unwrap()));
        assert!(!a.allows_ip("11.0.0.1".parse().unwrap()));
        let e = account(
            "password = \"pw\"\ninsecure_plain_password = true\nallowed_ips = [\"10.0.0.300\"]",
        )
        .unwrap_err();
        assert_eq!(e.0, "allowed_ips");
        let e = account("password = \"pw\"\ninsecure_plain_password = true").unwrap_err();
        assert_eq!(e.0, "allowed_ips");
    }

    #[test]
    fn system_id_and_limits() {
        let e = toml::from_str::<AccountConfig>(
            "system_id = \"abcdefghijklmnop\"\npassword = \"x\"\ninsecure_plain_password = true\nallowed_ips = [\"::/0\"]",
        )
        .unwrap()
        .validate()
        .unwrap_err();
        assert_eq!(e.0, "system_id");
        let e = account("password = \"pw\"\ninsecure_plain_password = true\nallowed_ips = [\"::/0\"]\nmax_binds = 0")
            .unwrap_err();
        assert_eq!(e.0, "max_binds");
        let a = account("password = \"pw\"\ninsecure_plain_password = true\nallowed_ips = [\"::/0\"]\nallowed_bind_types = [\"receiver\"]")
            .unwrap();
        assert!(a.allows_bind_type(BindType::Receiver));
        assert!(!a.allows_bind_type(BindType::Transmitter));
    }

    #[test]
    fn signatures_and_message_type_feed_the_policy_settings() {
        let base = "password = \"pw\"\ninsecure_plain_password = true\nallowed_ips = [\"::/0\"]";
        let a = account(&format!(
            "{base}\nsignatures = [\"【示例科技】\", \"[Acme]\", \"plain\"]\ndefault_message_type = \"otp\"\n[policy]\ntps = 7"
        ))
        .unwrap();
        assert_eq!(a.signatures, ["示例科技", "Acme", "plain"]);
        assert_eq!(a.policy.signatures, a.signatures);
        assert_eq!(a.policy.default_message_type, MessageType::Otp);
        assert_eq!(a.policy.tps, 7);
        let e = account(&format!(
            "{base}\nsignatures = [\"Acme\"]\n[policy]\nsignatures = [\"Beta\"]"
        ))
        .unwrap_err();
        assert_eq!(e.0, "policy.signatures");
    }

    #[test]
    fn a_generic_or_numeric_signature_is_refused_with_its_reason() {
        let base = "password = \"pw\"\ninsecure_plain_password = true\nallowed_ips = [\"::/0\"]";
        for (sig, why) in [("【验证码】", "generic word"), ("95588", "only digits")] {
            let e = account(&format!("{base}\nsignatures = [\"{sig}\"]")).unwrap_err();
            assert_eq!(e.0, "signatures");
            assert!(e.1.contains(why), "{sig}: {}", e.1);
        }
        let e = account(&format!("{base}\n[policy]\nsignatures = [\"shop.vip\"]")).unwrap_err();
        assert!(e.1.contains("web address"), "{}", e.1);
    }
}
