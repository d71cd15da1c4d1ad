//! Ending a message with a state smppd itself decided (no route, carrier refusal, expiry,
//! a refused concatenated set). The store marks such final states `generated_by_smppd`, and
//! the client's receipt carries one of the documented `err:` codes
//! ([`smppd_err`](crate::relay::receipt::smppd_err)), so nobody mistakes it for a carrier's.

use std::time::SystemTime;

use crate::message::MessageId;
use crate::store::{FinalReport, FinalSource, FinalState, FinalizeOutcome};

use super::Shared;

impl Shared {
    /// Finalizes `id` as `state`; `why` starts with the receipt `err:` code.
    pub(crate) async fn finalize_generated(
        &self,
        id: MessageId,
        state: FinalState,
        why: &str,
        at: SystemTime,
    ) {
        let report = FinalReport {
            state,
            reason: Some(why.to_owned()),
            at,
            source: FinalSource::GeneratedBySmppd,
        };
        match self.store.finalize(id, report).await {
            Ok(FinalizeOutcome::Finalized { receipt_owed }) => {
                self.metrics.record_final(state);
                if receipt_owed {
                    self.receipts.wake();
                }
            }
            Ok(FinalizeOutcome::AlreadyFinal(_)) => {}
            Err(e) => {
                tracing::error!(message_id = %id, error = %e, "could not finalize; the rescan will retry")
            }
        }
        tracing::info!(message_id = %id, state = state.as_str(), reason = why, "message ended by smppd");
    }
}
