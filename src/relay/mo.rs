//! Mobile-originated replies (上行): routed to the account whose extension the user replied
//! to, and unsubscribe replies (TD, T, 退订 …) put the sender on that account's opt-out list.
//!
//! MO is not stored: the carrier keeps it until the client has it. The carrier's
//! `deliver_sm_resp` waits for the client's `deliver_sm_resp`; when no receiver of the
//! account is bound (or it answers with an error) the carrier gets `ESME_RX_T_APPN` and
//! sends the MO again later (SMPP 3.4 §5.1.3). Recording an opt-out is idempotent, so a
//! repeated `TD` is harmless.

use crate::gateway::Shared;
use crate::upstream::Incoming;

impl Shared {
    /// One MO from a carrier.
    pub(crate) async fn relay_mo(&self, incoming: Incoming) {
        let dest = incoming.deliver.destination_addr.to_string_lossy();
        let service_code = self
            .channels
            .get(&incoming.channel)
            .and_then(|c| c.config().source_addr.service_code.clone())
            .unwrap_or_default();
        let Some(account) = self.account_for_mo(&service_code, &dest) else {
            // No retry would find an owner either: acknowledge and drop it.
            tracing::warn!(channel = %incoming.channel, "MO for an address no account owns; dropped");
            incoming.ack.accept();
            return;
        };
        let from = incoming.deliver.source_addr.to_string_lossy();
        let text = crate::text::decode(incoming.deliver.data_coding, incoming.deliver.payload())
            .unwrap_or_default();
        let number = crate::routing::normalize(&from)
            .ok()
            .and_then(|n| n.national)
            .unwrap_or_else(|| from.clone());
        match self.policy.opt_out_from_mo(&account, &number, &text) {
            Ok(true) => tracing::info!(
                account,
                "unsubscribe reply: recipient added to the account's opt-out list"
            ),
            Ok(false) => {}
            Err(e) => {
                // An unsubscribe must not be lost: let the carrier send it again rather than
                // pass it on unrecorded.
                tracing::error!(account, error = %crate::metrics::MaskedText(&e.to_string()), "unsubscribe reply could not be recorded; the carrier will send it again");
                incoming.ack.retry_later();
                return;
            }
        }
        let Some(registry) = self.registry.get() else {
            incoming.ack.retry_later();
            return;
        };
        match registry.deliver(&account, incoming.deliver).await {
            Ok(()) => incoming.ack.accept(),
            Err(e) => {
                tracing::warn!(account, error = %e, "MO not delivered to the client; the carrier will send it again");
                incoming.ack.retry_later();
            }
        }
    }

    /// The account whose extension follows the service code in an MO's destination; the
    /// longest matching extension wins (extensions `1` and `12` can coexist).
    pub(crate) fn account_for_mo(&self, service_code: &str, dest: &str) -> Option<String> {
        let rest = dest.strip_prefix(service_code).unwrap_or(dest);
        let accounts = self.accounts.read();
        accounts
            .values()
            .filter_map(|a| a.extension.as_deref().map(|e| (e, &a.system_id)))
            .filter(|(ext, _)| !ext.is_empty() && rest.starts_with(ext))
            .max_by_key(|(ext, _)| ext.len())
            .map(|(_, id)| id.clone())
    }
}
