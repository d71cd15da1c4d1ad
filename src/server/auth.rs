//! Bind authentication: who may bind, from where, as what, and how fast.
//!
//! Status codes (SMPP 3.4 §5.1.3), chosen so a client cannot probe which system_ids exist:
//!
//! | cause                                   | bind_resp status | counts as a failure |
//! |-----------------------------------------|------------------|---------------------|
//! | unknown system_id                       | ESME_RINVPASWD   | yes                 |
//! | wrong password                          | ESME_RINVPASWD   | yes                 |
//! | source address not in `allowed_ips`     | ESME_RINVPASWD   | yes                 |
//! | bind type not in `allowed_bind_types`   | ESME_RBINDFAIL   | no (credentials ok) |
//! | address locked out after failures       | ESME_RBINDFAIL   | —                   |
//! | bind attempts/s per address exceeded    | ESME_RTHROTTLED  | —                   |
//! | account already at `max_binds`          | ESME_RALYBND     | no (registry)       |
//! | account suspended / gateway draining    | ESME_RBINDFAIL   | no (registry)       |
//! | verification queue too long             | ESME_RTHROTTLED  | —                   |
//!
//! The first three share one code *and* one cost: an unknown id is checked against a dummy
//! argon2 hash, and the address is checked only after the password, so neither the answer nor
//! its timing says which part was wrong. ESME_RINVPASWD rather than ESME_RINVSYSID because
//! "check your credentials" is the right advice in all three cases. The server log and the
//! rejection reason carry the real cause for the operator.

use std::collections::HashMap;
use std::hash::BuildHasher;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use parking_lot::{Mutex, RwLock};

use super::settings::AuthSettings;
use super::state::BindType;
use crate::config::{Account, Credential};
use crate::pdu::CommandStatus;
use verifier::Verifier;

/// Why a bind was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BindRejection {
    /// No account has this system_id (answered like a wrong password).
    #[error("unknown system_id")]
    UnknownSystemId,
    /// The password does not match.
    #[error("wrong password")]
    WrongPassword,
    /// The source address is not in the account's `allowed_ips` (answered like a wrong password).
    #[error("source address not allowed for this account")]
    AddressNotAllowed,
    /// The account may not bind this way.
    #[error("bind type not allowed for this account")]
    BindTypeNotAllowed,
    /// Too many recent failures from this address.
    #[error("source address locked out after repeated failures")]
    LockedOut,
    /// Too many bind attempts per second from this address.
    #[error("bind rate exceeded for this source address")]
    RateLimited,
    /// The account already has `max_binds` live sessions.
    #[error("account already has its maximum number of binds")]
    TooManyBinds,
    /// Authentication could not finish within response_timeout (verifications queued up).
    #[error("authentication overloaded")]
    Overloaded,
    /// The account is suspended, or the gateway drains, by the admin API.
    #[error("account suspended or gateway draining")]
    Suspended,
}

impl BindRejection {
    /// The bind_resp command_status (see the module table).
    pub fn command_status(self) -> CommandStatus {
        match self {
            BindRejection::UnknownSystemId
            | BindRejection::WrongPassword
            | BindRejection::AddressNotAllowed => CommandStatus::ESME_RINVPASWD,
            BindRejection::BindTypeNotAllowed
            | BindRejection::LockedOut
            | BindRejection::Suspended => CommandStatus::ESME_RBINDFAIL,
            BindRejection::RateLimited | BindRejection::Overloaded => {
                CommandStatus::ESME_RTHROTTLED
            }
            BindRejection::TooManyBinds => CommandStatus::ESME_RALYBND,
        }
    }

    /// A short label for logs and metrics.
    pub fn reason(self) -> &'static str {
        match self {
            BindRejection::UnknownSystemId => "unknown_system_id",
            BindRejection::WrongPassword => "wrong_password",
            BindRejection::AddressNotAllowed => "address_not_allowed",
            BindRejection::BindTypeNotAllowed => "bind_type_not_allowed",
            BindRejection::LockedOut => "locked_out",
            BindRejection::RateLimited => "rate_limited",
            BindRejection::TooManyBinds => "too_many_binds",
            BindRejection::Overloaded => "overloaded",
            BindRejection::Suspended => "suspended",
        }
    }
}

/// A bind as the client sent it.
#[derive(Debug, Clone)]
pub struct BindAttempt {
    /// `system_id` field.
    pub system_id: String,
    /// `password` field (raw octets).
    pub password: Vec<u8>,
    /// Which bind PDU it was.
    pub bind_type: BindType,
    /// The TCP peer address.
    pub peer: IpAddr,
}

/// Checks binds against the configured accounts, with per-address lockout and rate limits.
pub struct Authenticator {
    /// Swapped whole by [`Authenticator::replace_accounts`] (config reload); a bind reads
    /// one consistent snapshot.
    accounts: RwLock<Arc<HashMap<String, Arc<Account>>>>,
    guard: Mutex<AddressGuard>,
    verifier: Verifier,
    /// One verification per account at a time: concurrent binds with the same password wait
    /// for the first to fill the cache instead of each running argon2.
    account_locks: Mutex<HashMap<String, Arc<tokio::sync::Mutex<()>>>>,
    /// Verified argon2 passwords, as a keyed hash, so a client that reconnects does not pay
    /// (and make smppd pay) a full argon2 run per bind. The plain password is never stored.
    verified: Mutex<HashMap<String, u64>>,
    digest_key: std::collections::hash_map::RandomState,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("accounts", &self.accounts.read().len())
            .finish_non_exhaustive()
    }
}

impl Authenticator {
    /// Builds the authenticator over validated accounts.
    pub fn new(accounts: &[Account], settings: &AuthSettings) -> Self {
        Authenticator {
            accounts: RwLock::new(Arc::new(by_id(accounts))),
            guard: Mutex::new(AddressGuard::new(settings.clone())),
            verifier: Verifier::new(settings.max_concurrent_verifications),
            account_locks: Mutex::new(HashMap::new()),
            verified: Mutex::new(HashMap::new()),
            digest_key: Default::default(),
        }
    }

    /// The account with this system_id, if configured.
    pub fn account(&self, system_id: &str) -> Option<Arc<Account>> {
        self.accounts.read().get(system_id).cloned()
    }

    /// Replaces the accounts (config reload): the next bind is judged by the new
    /// passwords, addresses, bind types and `max_binds`; live sessions keep the account
    /// they bound with. A cached password verification is forgotten for every account
    /// whose credential changed or that was removed, so an old password stops working at
    /// once.
    pub fn replace_accounts(&self, accounts: &[Account]) -> AccountChanges {
        let next = by_id(accounts);
        let mut changes = AccountChanges::default();
        let mut current = self.accounts.write();
        for (id, new) in &next {
            match current.get(id) {
                None => changes.added.push(id.clone()),
                Some(old) if old.credential != new.credential => {
                    changes.password_changed.push(id.clone())
                }
                Some(old) if !same_account(old, new) => changes.changed.push(id.clone()),
                Some(_) => {}
            }
        }
        changes.removed = current
            .keys()
            .filter(|id| !next.contains_key(*id))
            .cloned()
            .collect();
        {
            let mut verified = self.verified.lock();
            for id in changes.password_changed.iter().chain(&changes.removed) {
                verified.remove(id);
            }
        }
        self.account_locks
            .lock()
            .retain(|id, _| next.contains_key(id));
        *current = Arc::new(next);
        for list in [
            &mut changes.added,
            &mut changes.removed,
            &mut changes.changed,
            &mut changes.password_changed,
        ] {
            list.sort();
        }
        changes
    }

    /// Decides a bind. Does not check `max_binds`: that is the session registry's job, as
    /// only it knows which sessions are still alive.
    pub async fn authenticate(&self, attempt: &BindAttempt) -> Result<Arc<Account>, BindRejection> {
        let ip = attempt.peer.to_canonical();
        self.guard.lock().admit(ip, Instant::now())?;

        let account = self.account(&attempt.system_id);
        let password_ok = match &account {
            Some(a) => self.verify(a, &attempt.password).await,
            None => {
                // Same work as a real check, so timing does not reveal unknown ids.
                let _ = self.verifier.verify(None, &attempt.password).await;
                false
            }
        };
        let verdict = match account {
            None => Err(BindRejection::UnknownSystemId),
            Some(_) if !password_ok => Err(BindRejection::WrongPassword),
            Some(a) if !a.allows_ip(ip) => Err(BindRejection::AddressNotAllowed),
            Some(a) if !a.allows_bind_type(attempt.bind_type) => {
                Err(BindRejection::BindTypeNotAllowed)
            }
            Some(a) => Ok(a),
        };
        let mut guard = self.guard.lock();
        match &verdict {
            Ok(_) | Err(BindRejection::BindTypeNotAllowed) => guard.success(ip),
            Err(_) => guard.failure(ip, Instant::now()),
        }
        verdict
    }

    async fn verify(&self, account: &Account, password: &[u8]) -> bool {
        let credential = match &account.credential {
            Credential::InsecurePlain(_) => return account.credential.verify(password),
            c @ Credential::Argon2(_) => c,
        };
        let digest = self.digest_key.hash_one((&account.system_id, password));
        let cached = || self.verified.lock().get(&account.system_id) == Some(&digest);
        if cached() {
            return true;
        }
        let lock = Arc::clone(
            self.account_locks
                .lock()
                .entry(account.system_id.clone())
                .or_default(),
        );
        let _serial = lock.lock().await;
        if cached() {
            return true;
        }
        let ok = self.verifier.verify(Some(credential), password).await;
        if ok {
            // Cached only if a reload did not replace the credential meanwhile (same lock
            // order as `replace_accounts`: accounts, then the cache).
            let accounts = self.accounts.read();
            if accounts
                .get(&account.system_id)
                .is_some_and(|a| a.credential == account.credential)
            {
                self.verified
                    .lock()
                    .insert(account.system_id.clone(), digest);
            }
        }
        ok
    }
}

/// Per-source-address bind rate (token bucket) and failure lockout with exponential backoff.
#[derive(Debug)]
pub(crate) struct AddressGuard {
    settings: AuthSettings,
    addrs: HashMap<IpAddr, AddrState>,
}

#[derive(Debug, Clone)]
struct AddrState {
    tokens: f64,
    refilled: Instant,
    failures: u32,
    window_start: Instant,
    locked_until: Option<Instant>,
    /// Lockouts so far; each doubles the next one.
    lockouts: u32,
}

impl AddressGuard {
    pub(crate) fn new(settings: AuthSettings) -> Self {
        AddressGuard {
            settings,
            addrs: HashMap::new(),
        }
    }

    /// Takes one bind token for `ip`, unless it is locked out or out of tokens.
    pub(crate) fn admit(&mut self, ip: IpAddr, now: Instant) -> Result<(), BindRejection> {
        self.make_room(now);
        let s = &self.settings;
        let st = self.addrs.entry(ip).or_insert_with(|| AddrState {
            tokens: f64::from(s.bind_burst),
            refilled: now,
            failures: 0,
            window_start: now,
            locked_until: None,
            lockouts: 0,
        });
        if st.locked_until.is_some_and(|t| now < t) {
            return Err(BindRejection::LockedOut);
        }
        let elapsed = now.saturating_duration_since(st.refilled).as_secs_f64();
        st.tokens = (st.tokens + elapsed * s.binds_per_second).min(f64::from(s.bind_burst));
        st.refilled = now;
        if st.tokens < 1.0 {
            return Err(BindRejection::RateLimited);
        }
        st.tokens -= 1.0;
        Ok(())
    }

    /// Counts a failed bind; the `failure_threshold`-th within `failure_window` locks the
    /// address for `lockout_base × 2^(lockouts)`, capped at `lockout_max`.
    pub(crate) fn failure(&mut self, ip: IpAddr, now: Instant) {
        let s = &self.settings;
        let Some(st) = self.addrs.get_mut(&ip) else {
            return;
        };
        if now.saturating_duration_since(st.window_start) > s.failure_window {
            st.window_start = now;
            st.failures = 0;
            // A long quiet spell forgives earlier lockouts.
            if st
                .locked_until
                .is_some_and(|t| now.saturating_duration_since(t) > s.lockout_max)
            {
                st.lockouts = 0;
            }
        }
        st.failures += 1;
        if st.failures >= s.failure_threshold {
            let factor = 1u32.checked_shl(st.lockouts.min(20)).unwrap_or(u32::MAX);
            let lock = s.lockout_base.saturating_mul(factor).min(s.lockout_max);
            st.locked_until = Some(now + lock);
            st.lockouts = st.lockouts.saturating_add(1);
            st.failures = 0;
        }
    }

    /// A good bind clears the failure count.
    pub(crate) fn success(&mut self, ip: IpAddr) {
        if let Some(st) = self.addrs.get_mut(&ip) {
            st.failures = 0;
            st.lockouts = 0;
        }
    }

    /// Keeps the map within `max_tracked_addresses`: forget addresses that are neither locked
    /// nor recently active, and if that is not enough, any that are not locked.
    fn make_room(&mut self, now: Instant) {
        if self.addrs.len() < self.settings.max_tracked_addresses {
            return;
        }
        let idle = self.settings.failure_window.max(Duration::from_secs(1));
        let locked = |st: &AddrState| st.locked_until.is_some_and(|t| now < t);
        self.addrs
            .retain(|_, st| locked(st) || now.saturating_duration_since(st.refilled) < idle);
        if self.addrs.len() >= self.settings.max_tracked_addresses {
            self.addrs.retain(|_, st| locked(st));
        }
    }
}

mod changes;
mod verifier;

pub use changes::AccountChanges;
use changes::{by_id, same_account};

#[cfg(test)]
mod tests;
