//! Upgrades a store file written by an older smppd, in one transaction at open (a crash
//! mid-way leaves the old file intact; the next start migrates again).

use rusqlite::Connection;

use crate::store::StoreError;

/// Migrates a file at schema `from` to the current version (the caller then records it).
pub(super) fn to_current(conn: &mut Connection, from: i64) -> Result<(), StoreError> {
    let tx = conn.transaction()?;
    if from < 2 {
        receipt_into_message(&tx)?;
    }
    if from < 3 {
        // Version 2 → 3: `message_recipient` (created with the schema, before this) takes
        // over lookups by recipient from `message_dest`, whose random key order cost a
        // WAL page per accepted message.
        tx.execute_batch("DROP INDEX IF EXISTS message_dest")?;
    }
    if from < 4 && !has_column(&tx, "reported_id")? {
        // Version 3 → 4: the id a submit_multi destination was reported under (NULL: its own).
        tx.execute_batch("ALTER TABLE message ADD COLUMN reported_id INTEGER")?;
    }
    tx.commit()?;
    tracing::info!(
        from,
        to = super::schema::SCHEMA_VERSION,
        "store schema migrated"
    );
    Ok(())
}

/// Whether the `message` table has column `name` (a migration interrupted after adding it
/// is run again at the next start).
fn has_column(tx: &Connection, name: &str) -> Result<bool, StoreError> {
    Ok(tx.query_row(
        "SELECT COUNT(*) > 0 FROM pragma_table_info('message') WHERE name = ?1",
        [name],
        |r| r.get(0),
    )?)
}

/// Version 1 → 2: the owed receipt moves from `receipt_owed` (a row and an index entry of
/// its own per message) into the message row; acknowledged receipts keep their record.
fn receipt_into_message(tx: &Connection) -> Result<(), StoreError> {
    if !has_column(tx, "receipt_state")? {
        tx.execute_batch(
            "ALTER TABLE message ADD COLUMN receipt_state INTEGER;
             ALTER TABLE message ADD COLUMN receipt_attempts INTEGER;
             ALTER TABLE message ADD COLUMN receipt_created_at INTEGER;
             ALTER TABLE message ADD COLUMN receipt_last_attempt_at INTEGER;
             ALTER TABLE message ADD COLUMN receipt_acked_at INTEGER;",
        )?;
    }
    let has_table: bool = tx.query_row(
        "SELECT COUNT(*) > 0 FROM sqlite_schema WHERE type = 'table' AND name = 'receipt_owed'",
        [],
        |r| r.get(0),
    )?;
    if has_table {
        tx.execute_batch(
            "UPDATE message SET receipt_state = o.state, receipt_attempts = o.attempts,
                 receipt_created_at = o.created_at, receipt_last_attempt_at = o.last_attempt_at,
                 receipt_acked_at = o.acked_at
             FROM receipt_owed AS o WHERE o.id = message.id;
             DROP TABLE receipt_owed;",
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use rusqlite::Connection;

    use crate::store::sqlite::schema::open_writer;
    use crate::store::FsyncPolicy;

    /// Turns a current file into a version-1 file holding the same owed receipts.
    fn downgrade_to_v1(path: &Path) {
        let c = Connection::open(path).unwrap();
        c.execute_batch(
            "CREATE TABLE receipt_owed(
                 id INTEGER PRIMARY KEY, account TEXT NOT NULL, state INTEGER NOT NULL,
                 attempts INTEGER NOT NULL, created_at INTEGER NOT NULL, last_attempt_at INTEGER,
                 acked_at INTEGER);
             CREATE INDEX receipt_due ON receipt_owed(account, id) WHERE state < 2;
             INSERT INTO receipt_owed SELECT id, account, receipt_state, receipt_attempts,
                 receipt_created_at, receipt_last_attempt_at, receipt_acked_at
                 FROM message WHERE receipt_state IS NOT NULL;
             DROP INDEX message_receipt_due;
             ALTER TABLE message DROP COLUMN receipt_state;
             ALTER TABLE message DROP COLUMN receipt_attempts;
             ALTER TABLE message DROP COLUMN receipt_created_at;
             ALTER TABLE message DROP COLUMN receipt_last_attempt_at;
             ALTER TABLE message DROP COLUMN receipt_acked_at;
             UPDATE meta SET value = 1 WHERE key = 'schema_version';",
        )
        .unwrap();
    }

    fn insert_message(c: &Connection, id: i64, receipt: Option<(i64, i64)>) {
        c.execute(
            "INSERT INTO message(id, account, bind, message_type, day, segments, service_type,
                 source_ton, source_npi, source_addr, dest_ton, dest_npi, dest_addr, esm_class,
                 protocol_id, priority_flag, schedule_delivery_time, validity_period,
                 registered_delivery, replace_if_present_flag, data_coding, sm_default_msg_id,
                 short_message, tlvs, accepted_at, bytes, state, final_state, final_at,
                 receipt_state, receipt_attempts, receipt_created_at, receipt_acked_at)
             VALUES (?1, 'acme', 'b', 'otp', '2026-11-28', 1, '', 0, 0, 'S', 1, 1, '86138', 0,
                 0, 0, '', '', 1, 0, 8, 0, x'00', x'', 1, 10, 3, 'DELIVRD', 2,
                 ?2, ?3, 5, ?4)",
            rusqlite::params![
                id,
                receipt.map(|r| r.0),
                receipt.map(|_| 1),
                receipt.and_then(|r| (r.0 == 2).then_some(r.1))
            ],
        )
        .unwrap();
    }

    #[test]
    fn a_version_1_file_keeps_its_owed_receipts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        {
            let c = open_writer(&path, FsyncPolicy::Never).unwrap();
            insert_message(&c, 1, Some((0, 0)));
            insert_message(&c, 2, Some((2, 9)));
            insert_message(&c, 3, None);
        }
        downgrade_to_v1(&path);
        let c = open_writer(&path, FsyncPolicy::Never).unwrap();
        let version: i64 = c
            .query_row(
                "SELECT value FROM meta WHERE key = 'schema_version'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(version, super::super::schema::SCHEMA_VERSION);
        let rows: Vec<(i64, Option<i64>, Option<i64>)> = c
            .prepare("SELECT id, receipt_state, receipt_acked_at FROM message ORDER BY id")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(
            rows,
            [(1, Some(0), None), (2, Some(2), Some(9)), (3, None, None)]
        );
        let old_table: i64 = c
            .query_row(
                "SELECT COUNT(*) FROM sqlite_schema WHERE name = 'receipt_owed'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(old_table, 0);
        // The backlog query finds the owed one through the new index.
        let due: Vec<i64> = c
            .prepare("SELECT id FROM message WHERE account = 'acme' AND receipt_state < 2")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(due, [1]);
    }

    #[test]
    fn a_version_2_file_gets_the_recipient_index_and_finds_by_recipient() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        {
            let c = open_writer(&path, FsyncPolicy::Never).unwrap();
            insert_message(&c, 7 << 28, None);
            // As version 2 left it: the old index, not the new one.
            c.execute_batch(
                "DROP INDEX message_recipient;
                 CREATE INDEX message_dest ON message(dest_addr, accepted_at);
                 UPDATE meta SET value = 2 WHERE key = 'schema_version';",
            )
            .unwrap();
        }
        let c = open_writer(&path, FsyncPolicy::Never).unwrap();
        let indexes: Vec<String> = c
            .prepare(
                "SELECT name FROM sqlite_schema WHERE type = 'index'
                     AND name IN ('message_dest', 'message_recipient')",
            )
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(indexes, ["message_recipient"]);
        let found = crate::store::sqlite::read_history::history(
            &c,
            &crate::store::HistoryQuery {
                account: None,
                destination: Some("86138".into()),
                from: std::time::UNIX_EPOCH,
                to: std::time::UNIX_EPOCH + std::time::Duration::from_secs(60),
                limit: 10,
            },
        )
        .unwrap();
        let ids: Vec<u64> = found
            .messages
            .iter()
            .map(|m| m.message.id.as_u64())
            .collect();
        assert_eq!(ids, [7 << 28]);
    }

    #[test]
    fn a_version_3_file_gets_reported_id_and_its_messages_still_load() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        {
            let c = open_writer(&path, FsyncPolicy::Never).unwrap();
            insert_message(&c, 5, None);
            // A version-3 file had neither the column nor its index.
            c.execute_batch(
                "DROP INDEX message_reported;
                 ALTER TABLE message DROP COLUMN reported_id;
                 UPDATE meta SET value = 3 WHERE key = 'schema_version';",
            )
            .unwrap();
        }
        let c = open_writer(&path, FsyncPolicy::Never).unwrap();
        let rec = crate::store::sqlite::read::load(&c, crate::message::MessageId::from_u64(5))
            .unwrap()
            .expect("the old message loads");
        assert_eq!(rec.message.reported_id, None);
        assert_eq!(rec.message.client_id().as_u64(), 5);
        let indexed: bool = c
            .query_row(
                "SELECT COUNT(*) > 0 FROM sqlite_schema WHERE name = 'message_reported'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert!(indexed, "the migrated column gets its index");
    }

    #[test]
    fn a_newer_file_is_refused_with_its_version() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        drop(open_writer(&path, FsyncPolicy::Never).unwrap());
        Connection::open(&path)
            .unwrap()
            .execute(
                "UPDATE meta SET value = 99 WHERE key = 'schema_version'",
                [],
            )
            .unwrap();
        let err = open_writer(&path, FsyncPolicy::Never)
            .unwrap_err()
            .to_string();
        assert!(err.contains("version 99 is newer"), "{err}");
    }
}
