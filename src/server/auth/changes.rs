//! What a config reload changed in the accounts the authenticator judges binds by.

use std::collections::HashMap;
use std::sync::Arc;

use crate::config::Account;

/// What [`Authenticator::replace_accounts`] changed, by system_id (sorted).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AccountChanges {
    /// Accounts that can bind now and could not before.
    pub added: Vec<String>,
    /// Accounts that can no longer bind.
    pub removed: Vec<String>,
    /// Accounts whose password (or hash) changed.
    pub password_changed: Vec<String>,
    /// Accounts whose addresses, bind types, `max_binds` or policy changed (password
    /// unchanged).
    pub changed: Vec<String>,
}

impl AccountChanges {
    /// Whether nothing changed.
    pub fn is_empty(&self) -> bool {
        self.added.is_empty()
            && self.removed.is_empty()
            && self.password_changed.is_empty()
            && self.changed.is_empty()
    }
}

pub(super) fn by_id(accounts: &[Account]) -> HashMap<String, Arc<Account>> {
    accounts
        .iter()
        .map(|a| (a.system_id.clone(), Arc::new(a.clone())))
        .collect()
}

/// Everything but the credential (compared separately).
pub(super) fn same_account(a: &Account, b: &Account) -> bool {
    a.allowed_ips == b.allowed_ips
        && a.allowed_bind_types == b.allowed_bind_types
        && a.max_binds == b.max_binds
        && a.default_message_type == b.default_message_type
        && a.signatures == b.signatures
        && a.extension == b.extension
        && a.policy == b.policy
}
