//! Account passwords: argon2id PHC hashes (`smppd hash-password`), or a plain text password
//! that the config accepts only when the account says `insecure_plain_password = true`.

use std::fmt;

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

/// SMPP 3.4 §4.1.1: `password` is a C-Octet String of at most 9 octets, so 8 characters.
pub const MAX_PASSWORD_LEN: usize = 8;

/// How an account's password is checked.
#[derive(Clone, PartialEq, Eq)]
pub enum Credential {
    /// An argon2 PHC string (`$argon2id$v=19$m=…`), checked as given.
    Argon2(String),
    /// A plain password, allowed only for demo accounts marked insecure.
    InsecurePlain(String),
}

// Never print a password or hash into logs.
impl fmt::Debug for Credential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Credential::Argon2(_) => f.write_str("Credential::Argon2(<redacted>)"),
            Credential::InsecurePlain(_) => f.write_str("Credential::InsecurePlain(<redacted>)"),
        }
    }
}

impl Credential {
    /// Parses a stored hash, so a typo is found at start rather than at the first bind.
    pub fn from_hash(phc: &str) -> Result<Self, String> {
        let parsed = PasswordHash::new(phc).map_err(|e| format!("not a PHC password hash: {e}"))?;
        if !parsed.algorithm.as_str().starts_with("argon2") {
            return Err(format!(
                "hash algorithm {} is not argon2 (make one with `smppd hash-password`)",
                parsed.algorithm
            ));
        }
        Ok(Credential::Argon2(phc.to_string()))
    }

    /// Checks `password` in time independent of where it differs. Slow by design for argon2:
    /// call it off the async runtime (`spawn_blocking`).
    pub fn verify(&self, password: &[u8]) -> bool {
        match self {
            Credential::Argon2(phc) => match PasswordHash::new(phc) {
                Ok(hash) => Argon2::default().verify_password(password, &hash).is_ok(),
                Err(_) => false,
            },
            Credential::InsecurePlain(plain) => constant_time_eq(plain.as_bytes(), password),
        }
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = a.len() ^ b.len();
    for (i, x) in a.iter().enumerate() {
        diff |= usize::from(x ^ b.get(i).copied().unwrap_or(0));
    }
    diff == 0
}

/// Why a password cannot be hashed.
#[derive(Debug, thiserror::Error)]
pub enum HashPasswordError {
    /// Empty, too long for SMPP or not printable ASCII.
    #[error("{0}")]
    Unusable(String),
    /// argon2 itself failed (should not happen with the default parameters).
    #[error("argon2 failed: {0}")]
    Argon2(String),
}

/// Hashes a password with argon2id and its default (OWASP) parameters into a PHC string.
pub fn hash_password(password: &str) -> Result<String, HashPasswordError> {
    hash_password_with(password, Argon2::default())
}

/// Hashes with explicit argon2 parameters (tests use cheap ones; the PHC string records them).
pub fn hash_password_with(password: &str, argon2: Argon2<'_>) -> Result<String, HashPasswordError> {
    check_smpp_password(password).map_err(HashPasswordError::Unusable)?;
    let salt = SaltString::generate(&mut OsRng);
    argon2
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| HashPasswordError::Argon2(e.to_string()))
}

/// A password an SMPP 3.4 client can actually send: 1–8 printable ASCII characters.
pub(crate) fn check_smpp_password(password: &str) -> Result<(), String> {
    if password.is_empty() {
        return Err("password is empty".into());
    }
    if password.len() > MAX_PASSWORD_LEN {
        return Err(format!(
            "password is {} characters; SMPP 3.4 carries at most {MAX_PASSWORD_LEN}",
            password.len()
        ));
    }
    if !password.bytes().all(|b| b.is_ascii_graphic()) {
        return Err("password must be printable ASCII without spaces".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use argon2::{Algorithm, Params, Version};

    fn cheap() -> Argon2<'static> {
        Argon2::new(
            Algorithm::Argon2id,
            Version::V0x13,
            Params::new(8, 1, 1, None).unwrap(),
        )
    }

    #[test]
    fn hash_verifies_only_the_right_password() {
        let phc = hash_password_with("s3cret", cheap()).unwrap();
        assert!(phc.starts_with("$argon2id$"));
        let c = Credential::from_hash(&phc).unwrap();
        assert!(c.verify(b"s3cret"));
        assert!(!c.verify(b"s3cre"));
        assert!(!c.verify(b"s3cret!"));
    }

    #[test]
    fn plain_compare() {
        let c = Credential::InsecurePlain("demo".into());
        assert!(c.verify(b"demo"));
        assert!(!c.verify(b"dem"));
        assert!(!c.verify(b"demo1"));
        assert!(!c.verify(b""));
    }

    #[test]
    fn refuses_unsendable_passwords_and_bad_hashes() {
        assert!(hash_password_with("123456789", cheap()).is_err());
        assert!(hash_password_with("", cheap()).is_err());
        assert!(hash_password_with("a b", cheap()).is_err());
        assert!(Credential::from_hash("secret").is_err());
        assert!(format!("{:?}", Credential::InsecurePlain("x".into())).contains("redacted"));
    }
}
