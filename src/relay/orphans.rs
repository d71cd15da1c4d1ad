//! Carrier receipts that match no message. Their submit_sm_resp never reached smppd (lost
//! with a crash or a dropped connection before it was recorded; the message was then sent
//! again and gets its own receipt), so no resp will ever come for them. Each is first parked
//! and refused (`ESME_RX_T_APPN`) in case its resp is only late; the carrier re-sends it on
//! its own schedule, some for days, and counts the refusals against the bind. After
//! [`ACCEPT_AFTER`] refusals of the same id smppd accepts it (logged with the id) so the
//! carrier stops; nothing is lost, the client's message has or gets its own receipt.

use std::collections::HashMap;
use std::sync::Arc;

use parking_lot::Mutex;

/// Refusals of one carrier id before it is accepted as an orphan.
pub(crate) const ACCEPT_AFTER: u32 = 3;
/// Ids remembered at most; when full the counts start over (that only delays acceptance).
const MAX_TRACKED: usize = 100_000;

/// Refusal counts of unmatched carrier receipts, by channel and carrier id.
#[derive(Debug, Default)]
pub(crate) struct OrphanReceipts {
    refused: Mutex<HashMap<(Arc<str>, String), u32>>,
}

impl OrphanReceipts {
    /// A parked receipt for `carrier_id` expired unmatched and was refused once more.
    pub(crate) fn refused(&self, channel: &Arc<str>, carrier_id: &str) {
        let mut refused = self.refused.lock();
        let key = (Arc::clone(channel), carrier_id.to_owned());
        if refused.len() >= MAX_TRACKED && !refused.contains_key(&key) {
            refused.clear();
        }
        *refused.entry(key).or_insert(0) += 1;
    }

    /// `Some(refusals)` when `carrier_id` was refused often enough to be accepted now; it is
    /// forgotten then.
    pub(crate) fn give_up(&self, channel: &Arc<str>, carrier_id: &str) -> Option<u32> {
        let mut refused = self.refused.lock();
        let key = (Arc::clone(channel), carrier_id.to_owned());
        match refused.get(&key) {
            Some(&n) if n >= ACCEPT_AFTER => {
                refused.remove(&key);
                Some(n)
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_given_up_after_enough_refusals_on_its_channel_only() {
        let o = OrphanReceipts::default();
        let (a, b): (Arc<str>, Arc<str>) = (Arc::from("cmcc"), Arc::from("cucc"));
        for _ in 0..ACCEPT_AFTER - 1 {
            o.refused(&a, "7f3a");
            assert_eq!(o.give_up(&a, "7f3a"), None);
        }
        o.refused(&a, "7f3a");
        o.refused(&b, "0001");
        assert_eq!(o.give_up(&b, "0001"), None, "another channel's count");
        assert_eq!(o.give_up(&a, "7f3a"), Some(ACCEPT_AFTER));
        assert_eq!(o.give_up(&a, "7f3a"), None, "forgotten once given up");
    }
}
