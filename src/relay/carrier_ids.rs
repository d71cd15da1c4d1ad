//! Carrier message id → smppd message id, including receipts that overtake their
//! submit_sm_resp.
//!
//! A carrier answers submit_sm on its TX session and sends the receipt on its RX session;
//! for fast handsets the receipt can arrive before smppd has processed the resp. Such a
//! receipt is *parked* under its id and handed back by [`CarrierIdIndex::insert`] when the
//! resp arrives, so it is matched, not lost. Parked receipts that nobody claims within the
//! TTL are returned by [`CarrierIdIndex::expire_parked`] for the caller to record as
//! orphans (delivery evidence keeps them).

use std::sync::Arc;
use std::time::{Duration, Instant};

use dashmap::DashMap;
use parking_lot::Mutex;

use crate::message::MessageId;
use crate::text::dlr::{normalize_carrier_id, CarrierIdKey, ReceiptIdForm};

/// Which part of which smppd message a carrier id belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartRef {
    /// smppd's message id.
    pub message_id: MessageId,
    /// 1-based part number when smppd split the message for the carrier (1 otherwise).
    pub part: u8,
}

/// Carrier ids are unique per upstream, not globally: keys are scoped by channel name.
type Key = (Arc<str>, CarrierIdKey);

/// A parked receipt; shared between its candidate keys so only one claim succeeds.
type Slot<T> = Arc<Mutex<Option<T>>>;

struct Parked<T> {
    slot: Slot<T>,
    since: Instant,
}

/// The index; cheap to share behind an `Arc`.
pub struct CarrierIdIndex<T> {
    ids: DashMap<Key, PartRef>,
    parked: DashMap<Key, Parked<T>>,
    park_ttl: Duration,
    max_parked: usize,
}

/// The parking lot is full: the caller must fall back (e.g. record an orphan receipt).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many receipts waiting for their submit_sm_resp")]
pub struct ParkingFull;

impl<T> CarrierIdIndex<T> {
    /// An empty index; parked receipts wait at most `park_ttl`, at most `max_parked` at once.
    pub fn new(park_ttl: Duration, max_parked: usize) -> Self {
        CarrierIdIndex {
            ids: DashMap::new(),
            parked: DashMap::new(),
            park_ttl,
            max_parked,
        }
    }

    /// Records the id from a carrier's submit_sm_resp and returns any receipts that were
    /// already waiting for it.
    pub fn insert(&self, channel: &Arc<str>, resp_id: &str, part: PartRef) -> Option<T> {
        let key = (channel.clone(), normalize_carrier_id(resp_id));
        // Keep the mapping even when a receipt was waiting: an intermediate (ENROUTE)
        // receipt may be followed by the final one. Indexed before the parked receipts are
        // looked at, so a receipt parked concurrently is seen by one side or the other: by
        // this lookup, or by the relay's second look after parking ([`Self::unpark`]).
        self.ids.insert(key.clone(), part);
        self.parked
            .remove(&key)
            .and_then(|(_, p)| p.slot.lock().take())
    }

    /// The message a receipt id names, trying the keys the channel's id form allows.
    pub fn resolve(
        &self,
        channel: &Arc<str>,
        receipt_id: &str,
        form: ReceiptIdForm,
    ) -> Option<PartRef> {
        form.receipt_keys(receipt_id)
            .into_iter()
            .find_map(|k| self.ids.get(&(channel.clone(), k)).map(|r| *r))
    }

    /// Forgets an id once its message is final (keeps the map bounded by in-flight messages).
    pub fn remove(&self, channel: &Arc<str>, resp_id: &str) {
        self.ids
            .remove(&(channel.clone(), normalize_carrier_id(resp_id)));
    }

    /// Forgets the id a receipt named once its part has its final receipt: every key the
    /// channel's id form allows, but only where it maps to that part (a sibling key may be
    /// another message's id). The receipt's id can differ from the resp's (hex vs decimal),
    /// so [`Self::remove`] with the receipt's id could miss the entry.
    pub fn forget(&self, channel: &Arc<str>, receipt_id: &str, form: ReceiptIdForm, part: PartRef) {
        for k in form.receipt_keys(receipt_id) {
            self.ids.remove_if(&(channel.clone(), k), |_, p| *p == part);
        }
    }

    /// Parks a receipt whose id is not (yet) known.
    pub fn park(
        &self,
        channel: &Arc<str>,
        receipt_id: &str,
        form: ReceiptIdForm,
        receipt: T,
    ) -> Result<(), ParkingFull> {
        if self.parked.len() >= self.max_parked {
            return Err(ParkingFull);
        }
        let slot: Slot<T> = Arc::new(Mutex::new(Some(receipt)));
        let since = Instant::now();
        for k in form.receipt_keys(receipt_id) {
            let parked = Parked {
                slot: slot.clone(),
                since,
            };
            self.parked.insert((channel.clone(), k), parked);
        }
        Ok(())
    }

    /// Takes a parked receipt back: the relay parked it while its submit_sm_resp was being
    /// indexed, and sees the id known on its second look. The slot hands it out once, so
    /// it is handled either here or by [`Self::insert`], never twice.
    pub fn unpark(&self, channel: &Arc<str>, receipt_id: &str, form: ReceiptIdForm) -> Option<T> {
        let mut taken = None;
        for k in form.receipt_keys(receipt_id) {
            if let Some((_, p)) = self.parked.remove(&(channel.clone(), k)) {
                taken = taken.or_else(|| p.slot.lock().take());
            }
        }
        taken
    }

    /// Receipts parked longer than the TTL, removed from the lot.
    pub fn expire_parked(&self, now: Instant) -> Vec<T> {
        let mut expired = Vec::new();
        self.parked.retain(|_, p| {
            if now.duration_since(p.since) < self.park_ttl {
                return true;
            }
            expired.extend(p.slot.lock().take());
            false
        });
        expired
    }

    /// Number of ids currently mapped (in-flight carrier parts).
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// No ids are mapped.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Number of receipts waiting for their resp (counting each candidate key once).
    pub fn parked_len(&self) -> usize {
        self.parked.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn part(n: u64) -> PartRef {
        PartRef {
            message_id: MessageId::from_u64(n),
            part: 1,
        }
    }

    #[test]
    fn resolves_ids_tolerantly_within_a_channel_only() {
        let idx: CarrierIdIndex<u32> = CarrierIdIndex::new(Duration::from_secs(60), 10);
        let a: Arc<str> = Arc::from("cmcc-1");
        let b: Arc<str> = Arc::from("cucc-1");
        assert!(idx.insert(&a, "00ab12", part(7)).is_none());
        assert_eq!(idx.resolve(&a, "AB12", ReceiptIdForm::Same), Some(part(7)));
        assert_eq!(idx.resolve(&b, "AB12", ReceiptIdForm::Same), None);
        // 0xAB12 = 43794 in decimal, as some carriers write receipts.
        assert_eq!(
            idx.resolve(&a, "43794", ReceiptIdForm::HexInRespDecimalInReceipt),
            Some(part(7))
        );
        idx.remove(&a, "AB12");
        assert!(idx.is_empty());
    }

    #[test]
    fn a_settled_part_is_forgotten_under_the_id_form_its_receipt_used() {
        let idx: CarrierIdIndex<u32> = CarrierIdIndex::new(Duration::from_secs(60), 10);
        let a: Arc<str> = Arc::from("cmcc-1");
        idx.insert(&a, "00ab12", part(7));
        idx.insert(&a, "43794", part(8));
        let form = ReceiptIdForm::HexInRespDecimalInReceipt;
        // The receipt names 0xAB12 in decimal; the resp named it in hex.
        idx.forget(&a, "43794", form, part(7));
        assert_eq!(idx.resolve(&a, "AB12", ReceiptIdForm::Same), None);
        // Another message that happens to own a sibling key keeps it.
        assert_eq!(idx.resolve(&a, "43794", ReceiptIdForm::Same), Some(part(8)));
        assert_eq!(idx.len(), 1);
    }

    #[test]
    fn receipt_before_resp_is_handed_back_once() {
        let idx: CarrierIdIndex<&'static str> = CarrierIdIndex::new(Duration::from_secs(60), 10);
        let ch: Arc<str> = Arc::from("ctcc-1");
        idx.park(&ch, "999", ReceiptIdForm::Auto, "early receipt")
            .unwrap();
        assert_eq!(idx.insert(&ch, "999", part(1)), Some("early receipt"));
        assert_eq!(idx.resolve(&ch, "999", ReceiptIdForm::Same), Some(part(1)));
        // The sibling key (hex rewrite) no longer yields it.
        assert!(idx
            .expire_parked(Instant::now() + Duration::from_secs(3600))
            .is_empty());
    }

    #[test]
    fn unclaimed_receipts_expire_and_parking_is_bounded() {
        let idx: CarrierIdIndex<u8> = CarrierIdIndex::new(Duration::from_secs(5), 1);
        let ch: Arc<str> = Arc::from("x");
        idx.park(&ch, "1", ReceiptIdForm::Same, 1).unwrap();
        assert_eq!(idx.park(&ch, "2", ReceiptIdForm::Same, 2), Err(ParkingFull));
        assert!(idx.expire_parked(Instant::now()).is_empty());
        assert_eq!(
            idx.expire_parked(Instant::now() + Duration::from_secs(6)),
            vec![1]
        );
    }
}
