//! Number portability (携号转网): ported numbers → the carrier that serves them now.
//!
//! Since 2019-11-27 a mainland subscriber may move to another operator and keep the number, so
//! the prefix table gives the *original* operator only. This table of overrides wins over the
//! prefix table. It is loaded from a CSV file (`number,carrier`, one per line; numbers in any
//! form [`normalize`] accepts), updated at run time (reads never wait on a lock: the map is a
//! `DashMap`), learned from carrier receipts ([`PortabilityTable::learn_ported`]) and persisted
//! by appending every change to the same file, so learned numbers survive restarts. A removal is
//! journaled as `number,-`. [`PortabilityTable::compact`] rewrites the file without history.

use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use dashmap::DashMap;
use parking_lot::Mutex;

use super::carrier::Carrier;
use super::config::PortabilityConfig;
use super::error::RoutingError;
use super::number::{normalize, NumberError};

/// The live override table.
#[derive(Debug, Default)]
pub struct PortabilityTable {
    /// National number (11 digits as an integer) → serving carrier.
    map: DashMap<u64, Carrier>,
    /// The journal file changes are appended to, when persistent.
    journal: Option<Journal>,
}

#[derive(Debug)]
struct Journal {
    path: PathBuf,
    /// Appends are serialized; readers of the map never touch this lock.
    file: Mutex<File>,
}

impl PortabilityTable {
    /// An empty in-memory table (changes are not persisted).
    pub fn in_memory() -> PortabilityTable {
        PortabilityTable::default()
    }

    /// Opens the table persisted at `path`: loads it if it exists (later lines win) and appends
    /// future changes to it.
    pub fn open(path: &Path) -> Result<PortabilityTable, RoutingError> {
        let io = |e: std::io::Error| RoutingError::Portability {
            path: path.to_path_buf(),
            problem: e.to_string(),
        };
        let table = PortabilityTable::snapshot(path)?;
        let file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .map_err(io)?;
        Ok(PortabilityTable {
            journal: Some(Journal {
                path: path.to_path_buf(),
                file: Mutex::new(file),
            }),
            ..table
        })
    }

    /// Loads the file at `path` (if it exists) into an in-memory table that never writes back:
    /// for read-only tools such as `smppd route`.
    pub fn snapshot(path: &Path) -> Result<PortabilityTable, RoutingError> {
        let io = |e: std::io::Error| RoutingError::Portability {
            path: path.to_path_buf(),
            problem: e.to_string(),
        };
        let table = PortabilityTable::in_memory();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                table
                    .apply_csv(&text)
                    .map_err(|(line, problem)| RoutingError::Portability {
                        path: path.to_path_buf(),
                        problem: format!("line {line}: {problem}"),
                    })?;
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io(e)),
        }
        Ok(table)
    }

    /// Opens the file named by the config, or an in-memory table when it names none.
    pub fn from_config(config: &PortabilityConfig) -> Result<PortabilityTable, RoutingError> {
        match &config.file {
            Some(path) => PortabilityTable::open(path),
            None => Ok(PortabilityTable::in_memory()),
        }
    }

    /// Merges CSV text (`number,carrier`; `#` comments, blank lines and a `number,carrier`
    /// header are skipped; carrier `-` removes) without journaling it. Returns the number of
    /// lines applied, or the first bad line and its problem.
    pub fn apply_csv(&self, text: &str) -> Result<usize, (usize, String)> {
        let entries = parse_csv(text)?;
        for (key, carrier) in &entries {
            match carrier {
                Some(c) => self.map.insert(*key, *c),
                None => self.map.remove(key).map(|(_, c)| c),
            };
        }
        Ok(entries.len())
    }

    /// Imports a carrier's or aggregator's list of ported numbers at run time (same CSV form as
    /// the portability file, `-` removes). Every change is journaled like
    /// [`PortabilityTable::set`], so the import survives restarts. Nothing is applied if any
    /// line is bad. Returns how many overrides changed.
    pub fn import_file(&self, path: &Path) -> Result<usize, RoutingError> {
        let bad = |problem: String| RoutingError::Portability {
            path: path.to_path_buf(),
            problem,
        };
        let text = std::fs::read_to_string(path).map_err(|e| bad(e.to_string()))?;
        let entries =
            parse_csv(&text).map_err(|(line, problem)| bad(format!("line {line}: {problem}")))?;
        let mut changed = 0;
        for (key, carrier) in entries {
            let number = key.to_string();
            let did = match carrier {
                Some(c) => self.set(&number, c)?,
                None => self.remove(&number)?,
            };
            changed += usize::from(did);
        }
        Ok(changed)
    }

    /// The serving carrier of a ported mainland number (11 national digits), if overridden.
    pub fn get(&self, national: &str) -> Option<Carrier> {
        let key = national.parse::<u64>().ok()?;
        self.map.get(&key).map(|c| *c)
    }

    /// Records that `number` is now served by `carrier` (admin updates, imports). Returns
    /// whether anything changed; a change is journaled before it returns.
    pub fn set(&self, number: &str, carrier: Carrier) -> Result<bool, RoutingError> {
        let key = key(number)?;
        if self.map.insert(key, carrier) == Some(carrier) {
            return Ok(false);
        }
        self.append(&format!("{key},{carrier}\n"))?;
        Ok(true)
    }

    /// What the relay calls when a carrier's receipt or response error code says the number was
    /// ported (see [`PortabilityConfig::is_ported_error`]) and the serving carrier is known.
    /// The next message to the number routes by the override.
    pub fn learn_ported(&self, number: &str, carrier: Carrier) -> Result<bool, RoutingError> {
        let changed = self.set(number, carrier)?;
        if changed {
            // A phone number is personal data: masked in logs (138****8000).
            tracing::info!(number = %crate::metrics::MaskedMsisdn(number), %carrier, "learned ported number");
        }
        Ok(changed)
    }

    /// Drops an override (the number routes by its prefix again). Returns whether it existed.
    pub fn remove(&self, number: &str) -> Result<bool, RoutingError> {
        let key = key(number)?;
        if self.map.remove(&key).is_none() {
            return Ok(false);
        }
        self.append(&format!("{key},-\n"))?;
        Ok(true)
    }

    /// The number of overrides.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Whether there are no overrides.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Rewrites the journal file with the current overrides only (sorted), atomically
    /// (temporary file + rename), so a crash leaves either the old or the new file.
    pub fn compact(&self) -> Result<(), RoutingError> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        let io = |e: std::io::Error| RoutingError::Portability {
            path: journal.path.clone(),
            problem: e.to_string(),
        };
        let mut rows: Vec<(u64, Carrier)> =
            self.map.iter().map(|e| (*e.key(), *e.value())).collect();
        rows.sort_unstable();
        let mut text = String::from("number,carrier\n");
        for (n, c) in rows {
            text.push_str(&format!("{n},{c}\n"));
        }
        let mut file = journal.file.lock();
        let tmp = journal.path.with_extension("tmp");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, &journal.path).map_err(io)?;
        *file = OpenOptions::new()
            .append(true)
            .open(&journal.path)
            .map_err(io)?;
        Ok(())
    }

    fn append(&self, line: &str) -> Result<(), RoutingError> {
        let Some(journal) = &self.journal else {
            return Ok(());
        };
        let mut file = journal.file.lock();
        file.write_all(line.as_bytes())
            .and_then(|()| file.flush())
            .map_err(|e| RoutingError::Portability {
                path: journal.path.clone(),
                problem: e.to_string(),
            })
    }
}

/// One line of a portability CSV: the number's key and its carrier (`None` = remove).
type Entry = (u64, Option<Carrier>);

/// Parses `number,carrier` lines (`-` = remove) into `(key, Some(carrier) | None)`, or the
/// first bad line (1-based) and its problem.
fn parse_csv(text: &str) -> Result<Vec<Entry>, (usize, String)> {
    let mut entries = Vec::new();
    for (idx, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || (idx == 0 && line.starts_with("number")) {
            continue;
        }
        let bad = |problem: String| (idx + 1, problem);
        let (number, carrier) = line
            .split_once(',')
            .ok_or_else(|| bad("expected number,carrier".to_string()))?;
        let key = key(number).map_err(|e| bad(e.to_string()))?;
        let carrier = match carrier.trim() {
            "-" => None,
            c => Some(c.parse::<Carrier>().map_err(|e| bad(e.to_string()))?),
        };
        entries.push((key, carrier));
    }
    Ok(entries)
}

/// A mainland mobile number in any accepted form → its integer key.
fn key(number: &str) -> Result<u64, NumberError> {
    let n = normalize(number)?;
    let national = n.national.ok_or(NumberError::NotMainlandMobile {
        national: n.e164.clone(),
    })?;
    national.parse::<u64>().map_err(|_| NumberError::Empty)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_loads_updates_persist_and_survive_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ported.csv");
        std::fs::write(
            &path,
            "number,carrier\n# imported\n13800138000,ctcc\n+86 139 0000 0000,cucc\n",
        )
        .unwrap();
        let t = PortabilityTable::open(&path).unwrap();
        assert_eq!(t.get("13800138000"), Some(Carrier::Ctcc));
        assert_eq!(t.get("13900000000"), Some(Carrier::Cucc));
        assert!(t.learn_ported("8613700000000", Carrier::Cmcc).unwrap());
        assert!(
            !t.learn_ported("13700000000", Carrier::Cmcc).unwrap(),
            "no change, no write"
        );
        assert!(t.remove("13900000000").unwrap());
        drop(t);

        let t = PortabilityTable::open(&path).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(t.get("13700000000"), Some(Carrier::Cmcc));
        assert_eq!(t.get("13900000000"), None);
        t.compact().unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap(),
            "number,carrier\n13700000000,cmcc\n13800138000,ctcc\n"
        );
        t.set("13800138000", Carrier::Cbn).unwrap();
        drop(t);
        assert_eq!(
            PortabilityTable::open(&path).unwrap().get("13800138000"),
            Some(Carrier::Cbn)
        );
    }

    #[test]
    fn runtime_import_is_all_or_nothing_and_persisted() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("ported.csv");
        let t = PortabilityTable::open(&journal).unwrap();
        let import = dir.path().join("import.csv");
        std::fs::write(&import, "13800138000,ctcc\n13900000000,bogus\n").unwrap();
        let err = t.import_file(&import).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        assert!(t.is_empty(), "a bad import applies nothing");
        std::fs::write(
            &import,
            "13800138000,ctcc\n13900000000,cucc\n13700000000,cmcc\n",
        )
        .unwrap();
        assert_eq!(t.import_file(&import).unwrap(), 3);
        std::fs::write(
            &import,
            "13800138000,ctcc\n13900000000,cucc\n13700000000,-\n",
        )
        .unwrap();
        assert_eq!(
            t.import_file(&import).unwrap(),
            1,
            "only the removal changes"
        );
        assert_eq!(
            t.import_file(&import).unwrap(),
            0,
            "re-import changes nothing"
        );
        drop(t);
        let t = PortabilityTable::open(&journal).unwrap();
        assert_eq!(t.get("13900000000"), Some(Carrier::Cucc));
        assert_eq!(t.len(), 2);
    }

    #[test]
    fn bad_lines_and_numbers_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.csv");
        std::fs::write(&path, "13800138000,cmcc\n13800138000 cmcc\n").unwrap();
        let err = PortabilityTable::open(&path).unwrap_err().to_string();
        assert!(err.contains("line 2"), "{err}");
        let t = PortabilityTable::in_memory();
        assert_eq!(t.apply_csv("13800138000,orange"), Err((1, "unknown carrier \"orange\" (expected cmcc, cucc, ctcc, cbn, mvno_cmcc, mvno_cucc, mvno_ctcc or unknown)".into())));
        assert!(t.learn_ported("+447911123456", Carrier::Cmcc).is_err());
        assert!(t.set("abc", Carrier::Cmcc).is_err());
    }

    #[test]
    fn concurrent_reads_while_learning() {
        let t = std::sync::Arc::new(PortabilityTable::in_memory());
        let writer = {
            let t = t.clone();
            std::thread::spawn(move || {
                for i in 0..2000u64 {
                    t.learn_ported(&format!("1380000{i:04}"), Carrier::Ctcc)
                        .unwrap();
                }
            })
        };
        // Readers proceed while the writer inserts; every value read is the one written.
        while !writer.is_finished() {
            assert!(matches!(t.get("13800000999"), None | Some(Carrier::Ctcc)));
        }
        writer.join().unwrap();
        assert_eq!(t.len(), 2000);
        assert_eq!(t.get("13800001999"), Some(Carrier::Ctcc));
    }
}
