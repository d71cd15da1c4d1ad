//! Opt-out lists, global and per account, persisted as an append-only log.
//!
//! File format, one change per line: `+<TAB>scope<TAB>number` or
//! `-<TAB>scope<TAB>number`, where scope is `*` (global) or an account id. On open
//! the log is replayed and rewritten compacted (write to a temp file, rename), then
//! each change is appended and flushed, so a crash loses at most the line being
//! written and a restart restores every earlier opt-out.

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use parking_lot::{Mutex, RwLock};

use super::super::error::PolicyError;

/// Whom an opt-out applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum OptOutScope {
    /// Every account.
    Global,
    /// One account.
    Account(String),
}

impl OptOutScope {
    fn key(&self) -> &str {
        match self {
            OptOutScope::Global => "*",
            OptOutScope::Account(a) => a,
        }
    }
}

#[derive(Debug, Default)]
struct Lists {
    global: HashSet<String>,
    accounts: HashMap<String, HashSet<String>>,
}

impl Lists {
    fn set_for(&mut self, scope: &OptOutScope) -> &mut HashSet<String> {
        match scope {
            OptOutScope::Global => &mut self.global,
            OptOutScope::Account(a) => self.accounts.entry(a.clone()).or_default(),
        }
    }
}

/// Global and per-account opt-out lists.
#[derive(Debug, Default)]
pub struct OptOutList {
    lists: RwLock<Lists>,
    log: Mutex<Option<(PathBuf, File)>>,
}

/// Canonical form of a mainland number for the lists: digits only, `+86`/`0086`/
/// `86` stripped from 13+ digit forms (cn-sms-rules.md §7; never from 11 digits).
pub fn normalize_number(number: &str) -> String {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    for prefix in ["0086", "86"] {
        if let Some(rest) = digits.strip_prefix(prefix) {
            if rest.len() == 11 && rest.starts_with('1') {
                return rest.to_string();
            }
        }
    }
    digits
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> PolicyError + '_ {
    move |source| PolicyError::Io {
        path: path.to_path_buf(),
        source,
    }
}

impl OptOutList {
    /// An in-memory list (nothing persisted).
    pub fn in_memory() -> OptOutList {
        OptOutList::default()
    }

    /// Loads the list from `path` (created if absent) and persists every change.
    pub fn open(path: &Path) -> Result<OptOutList, PolicyError> {
        let mut lists = Lists::default();
        match std::fs::read_to_string(path) {
            Ok(text) => {
                for (i, line) in text.lines().enumerate() {
                    if line.trim().is_empty() {
                        continue;
                    }
                    let parts: Vec<&str> = line.split('\t').collect();
                    let [op, scope, number] = parts[..] else {
                        return Err(PolicyError::Parse {
                            path: path.to_path_buf(),
                            line: i + 1,
                            message: "expected op<TAB>scope<TAB>number".into(),
                        });
                    };
                    let scope = if scope == "*" {
                        OptOutScope::Global
                    } else {
                        OptOutScope::Account(scope.to_string())
                    };
                    let set = lists.set_for(&scope);
                    match op {
                        "+" => set.insert(number.to_string()),
                        "-" => set.remove(number),
                        _ => {
                            return Err(PolicyError::Parse {
                                path: path.to_path_buf(),
                                line: i + 1,
                                message: format!("unknown op {op:?}"),
                            })
                        }
                    };
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(path)(e)),
        }
        // Compact: rewrite only the live entries, atomically.
        let tmp = path.with_extension("tmp");
        {
            let mut f = File::create(&tmp).map_err(io_err(&tmp))?;
            let mut out = String::new();
            for n in &lists.global {
                out.push_str(&format!("+\t*\t{n}\n"));
            }
            for (a, set) in &lists.accounts {
                for n in set {
                    out.push_str(&format!("+\t{a}\t{n}\n"));
                }
            }
            f.write_all(out.as_bytes()).map_err(io_err(&tmp))?;
            f.sync_all().map_err(io_err(&tmp))?;
        }
        std::fs::rename(&tmp, path).map_err(io_err(path))?;
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(io_err(path))?;
        Ok(OptOutList {
            lists: RwLock::new(lists),
            log: Mutex::new(Some((path.to_path_buf(), file))),
        })
    }

    fn append(&self, op: char, scope: &OptOutScope, numbers: &[String]) -> Result<(), PolicyError> {
        let mut log = self.log.lock();
        let Some((path, file)) = log.as_mut() else {
            return Ok(());
        };
        let mut out = String::new();
        for n in numbers {
            out.push_str(&format!("{op}\t{}\t{n}\n", scope.key()));
        }
        file.write_all(out.as_bytes()).map_err(io_err(path))?;
        file.flush().map_err(io_err(path))
    }

    fn validate(scope: &OptOutScope, number: &str) -> Result<(), PolicyError> {
        let bad = |s: &str| s.is_empty() || s.contains(['\t', '\n', '\r']) || s == "*";
        if let OptOutScope::Account(a) = scope {
            if bad(a) {
                return Err(PolicyError::Parse {
                    path: PathBuf::new(),
                    line: 0,
                    message: format!("invalid account id {a:?}"),
                });
            }
        }
        if number.is_empty() {
            return Err(PolicyError::Parse {
                path: PathBuf::new(),
                line: 0,
                message: "empty number".into(),
            });
        }
        Ok(())
    }

    /// Adds numbers; returns how many were new. Persisted before it returns.
    pub fn add_bulk<I, S>(&self, scope: &OptOutScope, numbers: I) -> Result<usize, PolicyError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.change(scope, numbers, true)
    }

    /// Removes numbers; returns how many were present.
    pub fn remove_bulk<I, S>(&self, scope: &OptOutScope, numbers: I) -> Result<usize, PolicyError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.change(scope, numbers, false)
    }

    fn change<I, S>(&self, scope: &OptOutScope, numbers: I, add: bool) -> Result<usize, PolicyError>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        let numbers: Vec<String> = numbers
            .into_iter()
            .map(|n| normalize_number(n.as_ref()))
            .collect();
        for n in &numbers {
            Self::validate(scope, n)?;
        }
        let mut lists = self.lists.write();
        let set = lists.set_for(scope);
        let changed: Vec<String> = numbers
            .into_iter()
            .filter(|n| {
                if add {
                    set.insert(n.clone())
                } else {
                    set.remove(n)
                }
            })
            .collect();
        drop(lists);
        self.append(if add { '+' } else { '-' }, scope, &changed)?;
        Ok(changed.len())
    }

    /// Adds one number; `true` if it was new.
    pub fn add(&self, scope: &OptOutScope, number: &str) -> Result<bool, PolicyError> {
        Ok(self.add_bulk(scope, [number])? == 1)
    }

    /// Removes one number; `true` if it was listed.
    pub fn remove(&self, scope: &OptOutScope, number: &str) -> Result<bool, PolicyError> {
        Ok(self.remove_bulk(scope, [number])? == 1)
    }

    /// The scope that blocks `number` for `account`, if any (global first).
    pub fn lookup(&self, account: &str, number: &str) -> Option<OptOutScope> {
        let lists = self.lists.read();
        if lists.global.contains(number) {
            return Some(OptOutScope::Global);
        }
        lists
            .accounts
            .get(account)
            .is_some_and(|s| s.contains(number))
            .then(|| OptOutScope::Account(account.to_string()))
    }

    /// The numbers in one scope, sorted (admin API).
    pub fn list(&self, scope: &OptOutScope) -> Vec<String> {
        let lists = self.lists.read();
        let mut v: Vec<String> = match scope {
            OptOutScope::Global => lists.global.iter().cloned().collect(),
            OptOutScope::Account(a) => lists
                .accounts
                .get(a)
                .map(|s| s.iter().cloned().collect())
                .unwrap_or_default(),
        };
        v.sort();
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn acct(a: &str) -> OptOutScope {
        OptOutScope::Account(a.to_string())
    }

    #[test]
    fn global_and_account_scopes() {
        let l = OptOutList::in_memory();
        assert!(l.add(&acct("a"), "13800138000").unwrap());
        assert!(
            !l.add(&acct("a"), "+86 138-0013-8000").unwrap(),
            "same number"
        );
        assert_eq!(l.lookup("a", "13800138000"), Some(acct("a")));
        assert_eq!(l.lookup("b", "13800138000"), None);
        l.add(&OptOutScope::Global, "13900139000").unwrap();
        assert_eq!(l.lookup("b", "13900139000"), Some(OptOutScope::Global));
        assert!(l.remove(&acct("a"), "13800138000").unwrap());
        assert_eq!(l.lookup("a", "13800138000"), None);
    }

    #[test]
    fn survives_restart_and_compacts() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("optout.log");
        {
            let l = OptOutList::open(&path).unwrap();
            let n = l
                .add_bulk(&acct("a"), ["13800000001", "13800000002", "13800000003"])
                .unwrap();
            assert_eq!(n, 3);
            l.remove(&acct("a"), "13800000002").unwrap();
            l.add(&OptOutScope::Global, "8613900000009").unwrap();
        }
        let l = OptOutList::open(&path).unwrap();
        assert_eq!(l.list(&acct("a")), vec!["13800000001", "13800000003"]);
        assert_eq!(l.list(&OptOutScope::Global), vec!["13900000009"]);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 3, "compacted: {text}");
        std::fs::write(&path, "?\tx\n").unwrap();
        assert!(OptOutList::open(&path).is_err());
    }

    #[test]
    fn number_forms() {
        assert_eq!(normalize_number("+86 138 0013 8000"), "13800138000");
        assert_eq!(normalize_number("008613800138000"), "13800138000");
        assert_eq!(normalize_number("86123"), "86123");
        assert_eq!(normalize_number("13800138000"), "13800138000");
    }
}
