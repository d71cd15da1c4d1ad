//! WAL checkpoints off the writer thread. SQLite's automatic checkpoint runs inside the
//! committing connection, so the single writer spent a share of every commit copying WAL
//! frames back into the database file (and, under `synchronous=FULL`, waited for the two
//! fsyncs that go with it) while every submit queued behind it. Here the writer only
//! reports how long the WAL is after each commit (the `wal_hook`); a thread with its own
//! connection runs PASSIVE checkpoints, which never block the writer, once enough new
//! frames have piled up, and TRUNCATE when the store is idle.
//!
//! A PASSIVE checkpoint running beside the writer rarely catches the moment the whole log
//! is copied, and only then does the next write start the log over from its beginning.
//! So that the file cannot grow without bound under continuous load, the writer, once the
//! log passes [`RESTART_PAGES`], waits before its next batch until a checkpoint has copied
//! everything it committed (a short wait: the earlier checkpoints copied the rest); its
//! next write then restarts the log.

use std::cell::Cell;
use std::os::raw::c_int;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::{Condvar, Mutex};
use rusqlite::Connection;

use crate::store::{FsyncPolicy, StoreError};

/// When checkpoints run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct WalLimits {
    /// New WAL frames that start a PASSIVE checkpoint.
    pub(crate) checkpoint_pages: u32,
    /// WAL length at which the writer waits for a complete checkpoint so the log restarts.
    pub(crate) restart_pages: u32,
    /// No commit for this long: the store is idle and the WAL file is truncated.
    pub(crate) idle: Duration,
    /// The longest the writer waits for a checkpoint before it carries on regardless (a
    /// reader holding an old snapshot can keep any checkpoint from completing).
    pub(crate) max_writer_wait: Duration,
}

impl Default for WalLimits {
    fn default() -> Self {
        WalLimits {
            // SQLite's automatic default is 1,000; a checkpoint copies each page once
            // however often it was committed since the last, so a longer interval copies
            // fewer pages per message.
            checkpoint_pages: 2_000,
            // 32 MB of log with 4 KB pages.
            restart_pages: 8_000,
            idle: Duration::from_secs(1),
            max_writer_wait: Duration::from_secs(1),
        }
    }
}

thread_local! {
    /// WAL length in frames after the latest commit on this thread's connection.
    static WAL_PAGES: Cell<u32> = const { Cell::new(0) };
}

/// The `wal_hook`: runs on the committing thread right after each commit.
fn record_wal_pages(_: &rusqlite::hooks::Wal, pages: c_int) -> rusqlite::Result<()> {
    WAL_PAGES.with(|p| p.set(u32::try_from(pages).unwrap_or(0)));
    Ok(())
}

#[derive(Debug, Default)]
struct Progress {
    /// WAL length after the latest commit.
    wal_pages: u32,
    /// WAL length the latest checkpoint saw (copied up to there unless a reader's
    /// snapshot held it back; counting from here keeps such a checkpoint from repeating
    /// at once).
    checkpointed_pages: u32,
    /// Commits so far.
    commits: u64,
    /// Every commit up to this one was in the WAL when the latest checkpoint started.
    attempted_through: u64,
    /// The writer waits for a checkpoint through this commit.
    wanted_through: u64,
    /// WAL length from which the writer waits again (after a wait that did not restart
    /// the log, not before it grew by another `restart_pages`).
    next_wait_at: u32,
    /// The WAL was truncated since the latest commit.
    truncated: bool,
    stop: bool,
}

/// What the writer and the checkpoint thread share.
#[derive(Debug, Default)]
pub(crate) struct WalProgress {
    limits: WalLimits,
    state: Mutex<Progress>,
    changed: Condvar,
}

impl WalProgress {
    pub(crate) fn new(limits: WalLimits) -> Self {
        WalProgress {
            limits,
            state: Mutex::default(),
            changed: Condvar::new(),
        }
    }

    /// Installs the hook on the writer's connection (which also turns SQLite's automatic
    /// checkpoint off: both use the same hook slot; the pragma says so explicitly).
    pub(crate) fn watch(conn: &Connection) -> Result<(), StoreError> {
        conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        conn.wal_hook(Some(record_wal_pages));
        Ok(())
    }

    /// Called by the writer after each successful commit.
    pub(crate) fn committed(&self) {
        let pages = WAL_PAGES.with(Cell::get);
        let mut s = self.state.lock();
        s.commits += 1;
        s.truncated = false;
        if pages < s.wal_pages {
            // The log restarted.
            s.checkpointed_pages = 0;
            s.next_wait_at = 0;
        }
        s.wal_pages = pages;
        if pages.saturating_sub(s.checkpointed_pages) >= self.limits.checkpoint_pages {
            self.changed.notify_all();
        }
    }

    /// Called by the writer before it starts a batch: when the log is long, waits until a
    /// checkpoint has copied every commit so far, so that this batch restarts the log.
    pub(crate) fn before_batch(&self) {
        let restart = self.limits.restart_pages;
        let mut s = self.state.lock();
        if s.stop || s.wal_pages < s.next_wait_at.max(restart) {
            return;
        }
        let through = s.commits;
        s.wanted_through = through;
        self.changed.notify_all();

        let _ = self.changed.wait_while_for(
            &mut s,
            |s| !s.stop && s.attempted_through < through,
            self.limits.max_writer_wait,
        );
        // Not again before the log grew further, in case this did not restart it.
        s.next_wait_at = s.wal_pages.saturating_add(restart);
    }

    /// Tells the checkpoint thread to finish (the writer has stopped).
    pub(crate) fn stop(&self) {
        self.state.lock().stop = true;
        self.changed.notify_all();
    }
}

/// Opens the checkpoint connection: same `synchronous` level as the writer, so that a
/// checkpoint syncs the database file before the log it copied may be overwritten.
pub(crate) fn open(path: &Path, fsync: FsyncPolicy) -> Result<Connection, StoreError> {
    let conn = Connection::open(path)?;
    let sync = match fsync {
        FsyncPolicy::Always | FsyncPolicy::Batched { .. } => "FULL",
        FsyncPolicy::Never => "OFF",
    };
    conn.pragma_update(None, "synchronous", sync)?;
    // Never wait for the writer: PASSIVE does not, and a TRUNCATE that finds it busy is
    // simply tried again at the next idle moment.
    conn.busy_timeout(Duration::ZERO)?;
    Ok(conn)
}

/// The checkpoint thread's loop; returns once [`WalProgress::stop`] was called.
pub(crate) fn run(conn: Connection, progress: Arc<WalProgress>, path: PathBuf) {
    let limits = progress.limits;
    let mut s = progress.state.lock();
    loop {
        let due = |s: &Progress| {
            s.stop
                || s.wanted_through > s.attempted_through
                || s.wal_pages.saturating_sub(s.checkpointed_pages) >= limits.checkpoint_pages
        };
        let commits = s.commits;
        if !due(&s) {
            let _ = progress
                .changed
                .wait_while_for(&mut s, |s| !due(s), limits.idle);
        }
        if s.stop {
            return;
        }
        let through = s.commits;
        let idle = !due(&s) && through == commits;
        if idle && (s.truncated || s.wal_pages == 0) {
            continue;
        }
        let mode = if idle { "TRUNCATE" } else { "PASSIVE" };
        // The checkpoint runs unlocked: the writer keeps committing meanwhile.
        let outcome = parking_lot::MutexGuard::unlocked(&mut s, || checkpoint(&conn, mode));
        s.attempted_through = s.attempted_through.max(through);
        match outcome {
            Ok(Some(log)) => {
                if idle && log == 0 {
                    s.truncated = true;
                }
                // A log longer than the writer's latest report restarted meanwhile (the
                // report is then counted from the new start).
                s.checkpointed_pages = if log > s.wal_pages { 0 } else { log };
            }
            // Busy: the writer held its lock (TRUNCATE) or a reader its snapshot.
            Ok(None) => {}
            Err(e) => {
                tracing::warn!(error = %e, path = %path.display(), mode, "WAL checkpoint failed");
                // Do not spin on a persistent failure.
                let _ = progress
                    .changed
                    .wait_while_for(&mut s, |s| !s.stop, limits.idle);
            }
        }
        progress.changed.notify_all();
    }
}

/// Runs one checkpoint: `Some(frames in the log)`, or `None` if it could not run for a
/// lock held elsewhere.
fn checkpoint(conn: &Connection, mode: &str) -> Result<Option<u32>, StoreError> {
    let row = conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        Ok((r.get::<_, i64>(0)?, r.get::<_, i64>(1)?))
    });
    match row {
        Ok((0, log)) => Ok(Some(u32::try_from(log.max(0)).unwrap_or(u32::MAX))),
        Ok(_) => Ok(None),
        Err(rusqlite::Error::SqliteFailure(e, _))
            if e.code == rusqlite::ErrorCode::DatabaseBusy =>
        {
            Ok(None)
        }
        Err(e) => Err(e.into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wal_len(path: &Path) -> u64 {
        let mut wal = path.as_os_str().to_owned();
        wal.push("-wal");
        std::fs::metadata(wal).map(|m| m.len()).unwrap_or(0)
    }

    /// A writer connection with the hook, a checkpoint thread, and `commits` commits of a
    /// few random-order rows each (so each commit adds several frames).
    fn write_under(limits: WalLimits, commits: usize) -> (tempfile::TempDir, PathBuf, u64) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let mut conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        conn.execute_batch(
            "CREATE TABLE t(k INTEGER PRIMARY KEY, v BLOB); CREATE INDEX t_v ON t(v)",
        )
        .unwrap();
        WalProgress::watch(&conn).unwrap();
        let progress = Arc::new(WalProgress::new(limits));
        let ckpt = open(&path, FsyncPolicy::Never).unwrap();
        let thread = {
            let (p, path) = (Arc::clone(&progress), path.clone());
            std::thread::spawn(move || run(ckpt, p, path))
        };
        let mut longest = 0;
        for c in 0..commits {
            progress.before_batch();
            let tx = conn.transaction().unwrap();
            for r in 0..8u64 {
                let k = (c as u64) * 8 + r;
                tx.execute(
                    "INSERT INTO t VALUES (?1, randomblob(300))",
                    [i64::try_from(k).unwrap()],
                )
                .unwrap();
            }
            tx.commit().unwrap();
            progress.committed();
            longest = longest.max(wal_len(&path));
        }
        drop(conn);
        progress.stop();
        thread.join().unwrap();
        (dir, path, longest)
    }

    #[test]
    fn the_log_stays_bounded_under_continuous_commits() {
        let limits = WalLimits {
            checkpoint_pages: 50,
            restart_pages: 200,
            idle: Duration::from_secs(60),
            max_writer_wait: Duration::from_secs(5),
        };
        // ~10 frames per commit: 3,000 commits would be ~30,000 frames without restarts.
        let (_dir, _path, longest) = write_under(limits, 3_000);
        let page = 4096 + 24;
        assert!(
            longest < 3 * 200 * page,
            "the WAL grew to {longest} bytes (restart at 200 frames)"
        );
    }

    #[test]
    fn an_idle_store_truncates_its_log() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.db");
        let conn = Connection::open(&path).unwrap();
        conn.pragma_update(None, "journal_mode", "WAL").unwrap();
        WalProgress::watch(&conn).unwrap();
        let progress = Arc::new(WalProgress::new(WalLimits {
            idle: Duration::from_millis(50),
            ..WalLimits::default()
        }));
        let ckpt = open(&path, FsyncPolicy::Never).unwrap();
        let thread = {
            let (p, path) = (Arc::clone(&progress), path.clone());
            std::thread::spawn(move || run(ckpt, p, path))
        };
        conn.execute_batch("CREATE TABLE t(v); INSERT INTO t VALUES (randomblob(20000))")
            .unwrap();
        progress.committed();
        assert!(wal_len(&path) > 0);
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while wal_len(&path) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        assert_eq!(wal_len(&path), 0, "the idle WAL was not truncated");
        // Everything is in the database file: a fresh connection reads it.
        let n: i64 = Connection::open(&path)
            .unwrap()
            .query_row("SELECT length(v) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, 20_000);
        progress.stop();
        thread.join().unwrap();
        drop(conn);
    }
}
