//! The state every part of the pipeline shares, and the [`Pipeline`] handle sessions call.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use dashmap::DashMap;
use parking_lot::RwLock;
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::config::Account;
use crate::message::{MessageId, MessageIdAllocator};
use crate::metrics::Metrics;
use crate::policy::Policy;
use crate::relay::carrier_ids::CarrierIdIndex;
use crate::relay::ReceiptPump;
use crate::routing::{PortabilityConfig, RouteTable};
use crate::server::SessionRegistry;
use crate::store::MessageStore;
use crate::upstream::{ChannelSet, Incoming};

use super::dispatch::Job;

/// Pipeline settings (`[gateway]` in the config).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GatewaySettings {
    /// Validity given to messages whose client set none: past it, an honest EXPIRED receipt.
    #[serde(with = "humantime_serde")]
    pub default_validity: Duration,
    /// Messages being handed to carriers at once.
    pub dispatch_concurrency: usize,
    /// Accepted messages waiting in memory for dispatch; beyond it they wait in the store
    /// and are picked up by the rescan.
    pub dispatch_queue: usize,
    /// How often the store is rescanned for accepted-but-unsent messages (after restarts,
    /// queue overflow or channel outages) and for expired ones.
    #[serde(with = "humantime_serde")]
    pub rescan_interval: Duration,
    /// How long a receipt that arrived before its submit_sm_resp is kept waiting, with the
    /// carrier's deliver_sm_resp held back; after that the carrier is answered
    /// `ESME_RX_T_APPN` and sends it again later (keep it below the carrier's response
    /// timeout for deliver_sm).
    #[serde(with = "humantime_serde")]
    pub early_receipt_ttl: Duration,
    /// Retry budget per message when no channel can take it or a channel fails transiently.
    pub max_dispatch_attempts: u32,
}

impl Default for GatewaySettings {
    fn default() -> Self {
        GatewaySettings {
            default_validity: Duration::from_secs(48 * 3600),
            dispatch_concurrency: 1024,
            dispatch_queue: 65_536,
            rescan_interval: Duration::from_secs(5),
            early_receipt_ttl: Duration::from_secs(10),
            max_dispatch_attempts: 20,
        }
    }
}

/// Everything the pipeline's tasks share.
pub(crate) struct Shared {
    pub(crate) settings: GatewaySettings,
    pub(crate) policy: Policy,
    pub(crate) store: Arc<dyn MessageStore>,
    pub(crate) routes: RwLock<Arc<RouteTable>>,
    pub(crate) channels: Arc<ChannelSet>,
    pub(crate) ids: MessageIdAllocator,
    pub(crate) carrier_ids: CarrierIdIndex<Incoming>,
    /// Refusal counts of carrier receipts that match no message (see [`crate::relay::orphans`]).
    pub(crate) orphans: crate::relay::orphans::OrphanReceipts,
    pub(crate) dispatch: mpsc::Sender<Job>,
    pub(crate) receipts: ReceiptPump,
    /// Set once the server exists (the server needs the pipeline first).
    pub(crate) registry: OnceLock<Arc<SessionRegistry>>,
    /// Accounts by system_id (extensions for source addresses and MO routing).
    pub(crate) accounts: RwLock<HashMap<String, Arc<Account>>>,
    /// Which receipt error codes mean "number ported away".
    pub(crate) portability: PortabilityConfig,
    /// Messages being handed to a carrier right now (the rescan skips them).
    pub(crate) dispatching: DashMap<MessageId, ()>,
    /// Messages cancelled by their client before dispatch.
    pub(crate) cancelled: DashMap<MessageId, ()>,
    /// Concatenation parts held until their set is complete and judged.
    pub(crate) held: DashMap<MessageId, ()>,
    /// Messages a channel split into several parts, with the part count (their receipts
    /// are folded into one).
    pub(crate) split_parts: DashMap<MessageId, u16>,
    /// Counters the message path moves (the rest is read at scrape time).
    pub(crate) metrics: Arc<Metrics>,
}

impl Shared {
    /// The current route table (swapped whole on reload).
    pub(crate) fn routes(&self) -> Arc<RouteTable> {
        self.routes.read().clone()
    }

    /// The account's extension, appended to the channel's service code in source addresses.
    pub(crate) fn extension_of(&self, account: &str) -> Option<String> {
        self.accounts
            .read()
            .get(account)
            .and_then(|a| a.extension.clone())
    }
}

/// The handle sessions call: cheap to clone, implements [`crate::server::Gateway`].
#[derive(Clone)]
pub struct Pipeline {
    pub(crate) shared: Arc<Shared>,
}

impl Pipeline {
    /// Daily statistics per account and message type, from the store (submitted,
    /// accepted, rejected, delivered, failed, expired, pending).
    pub async fn statistics(
        &self,
        query: crate::store::StatsQuery,
    ) -> Result<Vec<crate::store::DailyStats>, crate::store::StoreError> {
        self.shared.store.statistics(query).await
    }

    /// The store's group-commit counters (transactions and the write requests they held).
    pub fn commit_stats(&self) -> crate::store::CommitStats {
        self.shared.store.commit_stats()
    }

    /// Carrier ids the relay's in-memory index still maps, and split messages whose part
    /// count it keeps: both should be bounded by the messages awaiting a final receipt.
    pub fn receipt_index_len(&self) -> (usize, usize) {
        (self.shared.carrier_ids.len(), self.shared.split_parts.len())
    }
}
