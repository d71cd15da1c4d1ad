//! One gateway per message store: two smppd writing one SQLite file would both answer
//! clients from it, hand out the same message ids and send every queued message twice.
//! The gateway holds an exclusive lock on `<store>.lock` for as long as it serves; the
//! kernel drops it when the process ends, however it ends, so a crash leaves no stale lock.

use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};

/// Why the store could not be locked.
#[derive(Debug, thiserror::Error)]
pub enum StoreLockError {
    /// Another process (another smppd) holds the lock.
    #[error("another smppd is using the message store {store} (it holds {lock}); stop it first or give this one its own [store] path")]
    Held {
        /// The store file.
        store: PathBuf,
        /// The lock file.
        lock: PathBuf,
    },
    /// The lock file could not be created or locked.
    #[error("cannot lock the message store {lock}: {source}")]
    Io {
        /// The lock file.
        lock: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// The held lock; released when dropped.
#[derive(Debug)]
pub struct StoreLock {
    _file: File,
}

/// Takes the exclusive lock of the store at `store` (creating its directory and the lock
/// file if needed), or says who holds it.
pub fn lock_store(store: &Path) -> Result<StoreLock, StoreLockError> {
    let mut name = store.as_os_str().to_owned();
    name.push(".lock");
    let lock = PathBuf::from(name);
    let io = |source| StoreLockError::Io {
        lock: lock.clone(),
        source,
    };
    if let Some(dir) = store.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(io)?;
    }
    let file = OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock)
        .map_err(io)?;
    match file.try_lock() {
        Ok(()) => Ok(StoreLock { _file: file }),
        Err(TryLockError::WouldBlock) => Err(StoreLockError::Held {
            store: store.to_owned(),
            lock,
        }),
        Err(TryLockError::Error(e)) => Err(io(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_until_the_first_is_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let store = dir.path().join("data").join("messages.sqlite");
        let first = lock_store(&store).unwrap();
        let e = lock_store(&store).unwrap_err();
        assert!(matches!(e, StoreLockError::Held { .. }), "{e}");
        assert!(e.to_string().contains("another smppd"), "{e}");
        drop(first);
        lock_store(&store).expect("free again once dropped");
    }
}
