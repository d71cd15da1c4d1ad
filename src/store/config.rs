//! The store's configuration (embedded by the config root as `[store]`).

use std::path::PathBuf;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

/// When a commit counts as durable, i.e. when the future returned by a write resolves.
///
/// In every policy, concurrent writes share one transaction (group commit): while one
/// batch is being written and synced, new requests queue and go into the next batch.
///
/// TOML: `fsync = "always"`, `fsync = { batched = { max_delay_ms = 2 } }`, `fsync = "never"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum FsyncPolicy {
    /// Each batch is committed and fsynced as soon as the writer is free; a write resolves
    /// after the fsync. Survives process crashes, OS crashes and power loss.
    Always,
    /// Like `Always`, but the writer waits up to `max_delay_ms` after a batch's first request
    /// to gather more requests before the single fsync: fewer fsyncs under light concurrency,
    /// at most `max_delay_ms` added latency. A write still resolves only after the fsync.
    Batched {
        /// Longest time a request waits for companions before its batch is synced.
        max_delay_ms: u64,
    },
    /// No fsync: a write resolves once it is in the OS page cache. Survives a crash of
    /// smppd (SIGKILL, panic) but not of the OS or power. For tests and benchmarks.
    Never,
}

/// `Always` is the default: measured with 64 concurrent writers (`benches/store.rs`) it
/// already groups ~40 requests per fsync by itself, and lingering (`Batched`) only adds
/// latency once every waiting writer is in the batch. `Batched` pays off when writers are
/// many but spread out in time and fsync is cheap.
impl Default for FsyncPolicy {
    fn default() -> Self {
        FsyncPolicy::Always
    }
}

impl FsyncPolicy {
    /// How long the writer lingers for companions before committing a batch.
    pub(crate) fn linger(self) -> Duration {
        match self {
            FsyncPolicy::Batched { max_delay_ms } => Duration::from_millis(max_delay_ms),
            FsyncPolicy::Always | FsyncPolicy::Never => Duration::ZERO,
        }
    }
}

/// Settings of the durable message store.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StoreConfig {
    /// The database file (created with its parent directory if missing).
    pub path: PathBuf,
    /// When a write counts as durable.
    pub fsync: FsyncPolicy,
    /// Final records (and rejections) older than this are deleted by compaction.
    #[serde(with = "humantime_serde")]
    pub retention: Duration,
    /// Admission bound: most messages accepted but not yet forwarded to a carrier.
    pub max_queued_messages: u64,
    /// Admission bound: most bytes of messages accepted but not yet forwarded.
    pub max_queued_bytes: u64,
    /// Capacity of the commit request channel (writers wait when it is full).
    pub commit_queue: usize,
    /// Most requests in one transaction.
    pub max_batch: usize,
    /// Offset from UTC, in minutes, of the day boundary used for statistics (480 = China).
    pub stats_utc_offset_minutes: i32,
    /// Validity of a message whose `validity_period` is empty: past it, smppd ends the
    /// message with an `EXPIRED` receipt of its own.
    #[serde(with = "humantime_serde")]
    pub default_validity: Duration,
    /// Longest validity honoured, whatever the client asks.
    #[serde(with = "humantime_serde")]
    pub max_validity: Duration,
}

impl StoreConfig {
    /// The validity deadline to store for a message accepted at `accepted_at`: the client's
    /// requested deadline (from `validity_period`, SMPP 3.4 §7.1.1) capped at `max_validity`,
    /// or `default_validity` when it asked for none.
    pub fn validity_deadline(
        &self,
        accepted_at: SystemTime,
        requested: Option<SystemTime>,
    ) -> SystemTime {
        let cap = accepted_at + self.max_validity;
        requested
            .unwrap_or(accepted_at + self.default_validity)
            .min(cap)
    }
}

impl Default for StoreConfig {
    fn default() -> Self {
        StoreConfig {
            path: PathBuf::from("data/smppd.db"),
            fsync: FsyncPolicy::default(),
            retention: Duration::from_secs(30 * 24 * 3600),
            max_queued_messages: 200_000,
            max_queued_bytes: 256 * 1024 * 1024,
            commit_queue: 8192,
            max_batch: 1024,
            stats_utc_offset_minutes: 480,
            default_validity: Duration::from_secs(48 * 3600),
            max_validity: Duration::from_secs(72 * 3600),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fsync_policies_parse_from_toml() {
        let c: StoreConfig = toml::from_str(
            "path = \"/var/lib/smppd/store.db\"\nfsync = { batched = { max_delay_ms = 5 } }\nretention = \"7days\"\n",
        )
        .unwrap();
        assert_eq!(c.fsync, FsyncPolicy::Batched { max_delay_ms: 5 });
        assert_eq!(c.retention, Duration::from_secs(7 * 24 * 3600));
        assert_eq!(
            c.max_queued_messages,
            StoreConfig::default().max_queued_messages
        );
        let c: StoreConfig = toml::from_str("fsync = \"always\"").unwrap();
        assert_eq!(c.fsync, FsyncPolicy::Always);
        let c: StoreConfig = toml::from_str("fsync = \"never\"").unwrap();
        assert_eq!(c.fsync, FsyncPolicy::Never);
    }

    #[test]
    fn validity_defaults_and_is_capped() {
        let c = StoreConfig::default();
        let t = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000);
        assert_eq!(
            c.validity_deadline(t, None),
            t + Duration::from_secs(48 * 3600)
        );
        let soon = t + Duration::from_secs(600);
        assert_eq!(c.validity_deadline(t, Some(soon)), soon);
        let far = t + Duration::from_secs(30 * 24 * 3600);
        assert_eq!(
            c.validity_deadline(t, Some(far)),
            t + Duration::from_secs(72 * 3600)
        );
    }

    #[test]
    fn unknown_keys_and_policies_are_refused() {
        assert!(toml::from_str::<StoreConfig>("fsink = \"always\"").is_err());
        assert!(toml::from_str::<StoreConfig>("fsync = \"sometimes\"").is_err());
    }
}
