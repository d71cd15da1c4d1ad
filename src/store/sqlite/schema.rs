//! The SQLite schema and connection settings.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension};

use crate::store::{FsyncPolicy, StoreError};

/// Bumped when the schema changes; a newer file is refused, an older one migrated
/// (`migrate.rs`). 2: the owed client receipt lives in the message row (was `receipt_owed`).
/// 3: the recipient index is `message_recipient` (was `message_dest`).
/// 4: `message.reported_id` (the id a submit_multi destination was reported under).
pub(crate) const SCHEMA_VERSION: i64 = 4;

/// Prepared statements kept per connection.
const STATEMENT_CACHE: usize = 64;

/// `message.state` values.
pub(crate) const ACCEPTED: i64 = 0;
pub(crate) const ROUTED: i64 = 1;
pub(crate) const FORWARDED: i64 = 2;
pub(crate) const FINAL: i64 = 3;

/// `message.receipt_state` values (NULL: no receipt owed).
pub(crate) const RECEIPT_PENDING: i64 = 0;
pub(crate) const RECEIPT_SENT: i64 = 1;
pub(crate) const RECEIPT_ACKED: i64 = 2;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS message(
    id INTEGER PRIMARY KEY,
    account TEXT NOT NULL, bind TEXT NOT NULL, message_type TEXT NOT NULL, day TEXT NOT NULL,
    segments INTEGER NOT NULL, concat_ref INTEGER, concat_total INTEGER, concat_seq INTEGER,
    service_type TEXT NOT NULL,
    source_ton INTEGER NOT NULL, source_npi INTEGER NOT NULL, source_addr TEXT NOT NULL,
    dest_ton INTEGER NOT NULL, dest_npi INTEGER NOT NULL, dest_addr TEXT NOT NULL,
    esm_class INTEGER NOT NULL, protocol_id INTEGER NOT NULL, priority_flag INTEGER NOT NULL,
    schedule_delivery_time TEXT NOT NULL, validity_period TEXT NOT NULL,
    registered_delivery INTEGER NOT NULL, replace_if_present_flag INTEGER NOT NULL,
    data_coding INTEGER NOT NULL, sm_default_msg_id INTEGER NOT NULL,
    short_message BLOB NOT NULL, tlvs BLOB NOT NULL,
    validity_deadline INTEGER, accepted_at INTEGER NOT NULL, bytes INTEGER NOT NULL,
    state INTEGER NOT NULL, routed_channel TEXT, route_carrier TEXT, route_province TEXT,
    routed_at INTEGER,
    final_state TEXT, final_reason TEXT, final_at INTEGER, final_generated INTEGER,
    receipt_state INTEGER, receipt_attempts INTEGER, receipt_created_at INTEGER,
    receipt_last_attempt_at INTEGER, receipt_acked_at INTEGER,
    reported_id INTEGER
);
CREATE INDEX IF NOT EXISTS message_open ON message(state, id) WHERE state < 3;
CREATE INDEX IF NOT EXISTS message_validity ON message(validity_deadline)
    WHERE state < 3 AND validity_deadline IS NOT NULL;
CREATE INDEX IF NOT EXISTS message_final_at ON message(final_at) WHERE state = 3;
-- Lookups by recipient. Keyed by id bucket (1,024 consecutive ids; ids grow with time)
-- first: a commit's new messages fall into one or two buckets, so their entries land on
-- the few pages of the newest bucket, not on one page each anywhere in the index (the
-- recipients are random), and only those few pages go to the WAL. `read::RECIPIENT_SQL`
-- probes each bucket of the time range. Was `message_dest(dest_addr, accepted_at)`.
CREATE INDEX IF NOT EXISTS message_recipient ON message(id >> 10, dest_addr);
CREATE INDEX IF NOT EXISTS message_account ON message(account, accepted_at);
CREATE TABLE IF NOT EXISTS carrier_submit(
    seq INTEGER PRIMARY KEY, id INTEGER NOT NULL, part INTEGER NOT NULL, channel TEXT NOT NULL,
    carrier_message_id TEXT, command_status INTEGER NOT NULL, raw_resp BLOB NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS carrier_submit_id ON carrier_submit(id);
CREATE TABLE IF NOT EXISTS carrier_receipt(
    seq INTEGER PRIMARY KEY, id INTEGER NOT NULL, part INTEGER, channel TEXT NOT NULL,
    raw_pdu BLOB NOT NULL, at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS carrier_receipt_id ON carrier_receipt(id);
CREATE TABLE IF NOT EXISTS carrier_key(
    key TEXT NOT NULL, id INTEGER NOT NULL, PRIMARY KEY(key, id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS carrier_key_id ON carrier_key(id);
CREATE TABLE IF NOT EXISTS rejection(
    seq INTEGER PRIMARY KEY, id INTEGER, account TEXT NOT NULL, bind TEXT NOT NULL,
    message_type TEXT NOT NULL, source_addr TEXT NOT NULL, dest_addr TEXT NOT NULL,
    segments INTEGER NOT NULL, reason TEXT NOT NULL, command_status INTEGER NOT NULL,
    at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS rejection_dest ON rejection(dest_addr, at);
CREATE INDEX IF NOT EXISTS rejection_account ON rejection(account, at);
CREATE INDEX IF NOT EXISTS rejection_at ON rejection(at);
CREATE TABLE IF NOT EXISTS stats(
    day TEXT NOT NULL, account TEXT NOT NULL, message_type TEXT NOT NULL,
    submitted INTEGER NOT NULL, accepted INTEGER NOT NULL, rejected INTEGER NOT NULL,
    delivered INTEGER NOT NULL, failed INTEGER NOT NULL, expired INTEGER NOT NULL,
    pending INTEGER NOT NULL,
    seg_submitted INTEGER NOT NULL, seg_accepted INTEGER NOT NULL, seg_rejected INTEGER NOT NULL,
    seg_delivered INTEGER NOT NULL, seg_failed INTEGER NOT NULL, seg_expired INTEGER NOT NULL,
    seg_pending INTEGER NOT NULL,
    PRIMARY KEY(day, account, message_type)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stats_route(
    day TEXT NOT NULL, account TEXT NOT NULL, channel TEXT NOT NULL, carrier TEXT NOT NULL,
    province TEXT NOT NULL,
    routed INTEGER NOT NULL, delivered INTEGER NOT NULL, failed INTEGER NOT NULL,
    expired INTEGER NOT NULL, pending INTEGER NOT NULL,
    seg_routed INTEGER NOT NULL, seg_delivered INTEGER NOT NULL, seg_failed INTEGER NOT NULL,
    seg_expired INTEGER NOT NULL, seg_pending INTEGER NOT NULL,
    PRIMARY KEY(day, account, channel, carrier, province)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS stats_rejected(
    day TEXT NOT NULL, account TEXT NOT NULL, message_type TEXT NOT NULL, reason TEXT NOT NULL,
    messages INTEGER NOT NULL, segments INTEGER NOT NULL,
    PRIMARY KEY(day, account, message_type, reason)
) WITHOUT ROWID;
";

/// Indexes on columns an older file gets only from the migration (`receipt_state`: v2,
/// `reported_id`: v4). `message_reported` holds only submit_multi destinations after the
/// first, so plain submits pay nothing for it.
const MIGRATED_COLUMN_INDEXES: &str = "
CREATE INDEX IF NOT EXISTS message_receipt_due ON message(account, id) WHERE receipt_state < 2;
CREATE INDEX IF NOT EXISTS message_reported ON message(reported_id) WHERE reported_id IS NOT NULL;
";

/// Opens (creating if needed) the database for the writer: WAL journal, and the
/// `synchronous` level that implements the fsync policy. In WAL mode `FULL` syncs the
/// log on every commit; `OFF` leaves flushing to the OS (survives a process crash only).
pub(crate) fn open_writer(path: &Path, fsync: FsyncPolicy) -> Result<Connection, StoreError> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|source| StoreError::Io {
            path: dir.to_owned(),
            source,
        })?;
    }
    let mut conn = Connection::open(path)?;
    conn.pragma_update(None, "journal_mode", "WAL")?;
    let sync = match fsync {
        FsyncPolicy::Always | FsyncPolicy::Batched { .. } => "FULL",
        FsyncPolicy::Never => "OFF",
    };
    conn.pragma_update(None, "synchronous", sync)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    // Every write and the statistics flush use cached statements; rusqlite's default of 16
    // is fewer than the writer's distinct statements, so they would be re-prepared.
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.execute_batch(SCHEMA)?;
    let version: Option<i64> = conn
        .query_row(
            "SELECT value FROM meta WHERE key = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    match version {
        Some(v) if v > SCHEMA_VERSION => {
            return Err(StoreError::Corrupt(format!(
                "store schema version {v} is newer than this smppd ({SCHEMA_VERSION})"
            )));
        }
        Some(v) if v < SCHEMA_VERSION => super::migrate::to_current(&mut conn, v)?,
        _ => {}
    }
    conn.execute_batch(MIGRATED_COLUMN_INDEXES)?;
    conn.execute(
        "INSERT INTO meta(key, value) VALUES ('schema_version', ?1)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [SCHEMA_VERSION],
    )?;
    Ok(conn)
}

/// Opens a read connection to a database the writer has already set up.
pub(crate) fn open_reader(path: &Path) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}
