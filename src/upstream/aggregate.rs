//! One final receipt for a message the channel split into parts.
//!
//! The client submitted one message and got one message_id, so it must get one receipt: the
//! message is delivered only when every part is, and the first part that fails decides the
//! failure (later parts cannot turn it back into a success).

/// The final state of one part, as read from its carrier receipt; `R` is whatever the relay
/// keeps of the receipt (typically the parsed receipt) to build the client's receipt from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PartFinal<R> {
    /// The carrier reported the part delivered (`stat:DELIVRD`, message_state 2).
    Delivered(R),
    /// Any other final state (UNDELIV, EXPIRED, REJECTD, DELETED, UNKNOWN …).
    Failed(R),
}

/// The single final outcome of the whole message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MessageFinal<R> {
    /// Every part delivered; carries the receipt of the part that completed the set.
    Delivered(R),
    /// A part failed; carries that part's index (0-based) and receipt.
    Failed {
        /// Which part failed first.
        part: usize,
        /// Its receipt.
        receipt: R,
    },
}

/// A receipt named a part that does not exist.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("receipt for part {part} of a message split into {total}")]
pub struct PartOutOfRange {
    /// The part index given.
    pub part: usize,
    /// How many parts the message has.
    pub total: usize,
}

/// Collects per-part final receipts of one split message.
#[derive(Debug, Clone)]
pub struct ReceiptAggregator {
    delivered: Vec<bool>,
    decided: bool,
}

impl ReceiptAggregator {
    /// An aggregator for a message sent as `total_parts` submits.
    pub fn new(total_parts: usize) -> Self {
        ReceiptAggregator {
            delivered: vec![false; total_parts.max(1)],
            decided: false,
        }
    }

    /// Records part `part`'s final receipt. Returns the message's final outcome exactly once:
    /// at the first failure, or when the last outstanding part is delivered. Receipts after
    /// that (and repeated receipts for a part) return `None`.
    pub fn record<R>(
        &mut self,
        part: usize,
        result: PartFinal<R>,
    ) -> Result<Option<MessageFinal<R>>, PartOutOfRange> {
        let total = self.delivered.len();
        let Some(done) = self.delivered.get_mut(part) else {
            return Err(PartOutOfRange { part, total });
        };
        if self.decided {
            return Ok(None);
        }
        match result {
            PartFinal::Failed(receipt) => {
                self.decided = true;
                Ok(Some(MessageFinal::Failed { part, receipt }))
            }
            PartFinal::Delivered(receipt) => {
                *done = true;
                if self.delivered.iter().all(|d| *d) {
                    self.decided = true;
                    Ok(Some(MessageFinal::Delivered(receipt)))
                } else {
                    Ok(None)
                }
            }
        }
    }

    /// Whether the final outcome has been returned.
    pub fn is_decided(&self) -> bool {
        self.decided
    }

    /// Parts delivered so far.
    pub fn delivered_parts(&self) -> usize {
        self.delivered.iter().filter(|d| **d).count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivered_only_when_every_part_is() {
        let mut agg = ReceiptAggregator::new(3);
        assert_eq!(agg.record(2, PartFinal::Delivered("r3")), Ok(None));
        assert_eq!(agg.record(0, PartFinal::Delivered("r1")), Ok(None));
        // A duplicate receipt for a delivered part does not complete the set.
        assert_eq!(agg.record(0, PartFinal::Delivered("r1")), Ok(None));
        assert_eq!(
            agg.record(1, PartFinal::Delivered("r2")),
            Ok(Some(MessageFinal::Delivered("r2")))
        );
        assert!(agg.is_decided());
    }

    #[test]
    fn first_failure_decides_and_is_reported_once() {
        let mut agg = ReceiptAggregator::new(3);
        assert_eq!(agg.record(0, PartFinal::Delivered("ok")), Ok(None));
        assert_eq!(
            agg.record(2, PartFinal::Failed("undeliv")),
            Ok(Some(MessageFinal::Failed {
                part: 2,
                receipt: "undeliv"
            }))
        );
        assert_eq!(agg.record(1, PartFinal::Delivered("late")), Ok(None));
        assert_eq!(agg.record(1, PartFinal::Failed("late")), Ok(None));
    }

    #[test]
    fn unknown_part_is_an_error_not_a_panic() {
        let mut agg = ReceiptAggregator::new(2);
        assert_eq!(
            agg.record(5, PartFinal::Delivered(())),
            Err(PartOutOfRange { part: 5, total: 2 })
        );
    }
}
