//! Run-time account changes made through the admin API (quota limits, approved templates),
//! kept in a small JSON file next to the message store and re-applied at every start and
//! config reload.
//!
//! Why a file next to the store and not a store table: these are operator settings, not
//! message records. They are a few hundred bytes an operator must be able to read, diff,
//! back up with the config and delete by hand ("go back to the file's limits"), and the
//! message store's write path (group commit, compaction, schema owned by the store) gains
//! nothing from carrying them. Next to the store, they live on the same persistent volume
//! (the systemd `StateDirectory`, the Kubernetes volume) and follow a store that is moved.
//!
//! **Which value wins.** The config file and the admin API can both change an account's
//! limits; the newest change wins. A limits override records the file's limits at the time
//! it was made: while the file still says the same, the override applies (after restarts and
//! reloads); once the file's limits for that account change, the file is newer and the
//! override is dropped (and logged). An approved template is dropped once the file defines
//! a template with the same id.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;
use std::path::{Path, PathBuf};

use parking_lot::Mutex;
use serde::{Deserialize, Serialize};

use crate::policy::quota::QuotaLimits;
use crate::policy::settings::TemplateSpec;
use crate::policy::AccountPolicy;

/// Why the overlay file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum OverlayError {
    /// Reading or writing the file failed.
    #[error("admin overlay {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// The file is not the JSON smppd writes.
    #[error("admin overlay {path}: not valid: {problem} (fix or delete the file)")]
    Invalid {
        /// The file.
        path: PathBuf,
        /// What the parser said.
        problem: String,
    },
}

/// Quota limits as stored (mirrors [`QuotaLimits`], which the policy layer does not
/// deserialize).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Limits {
    tps: u32,
    burst: u32,
    bind_tps: Option<u32>,
    bind_burst: u32,
    daily_cap: Option<u64>,
    monthly_cap: Option<u64>,
}

impl From<QuotaLimits> for Limits {
    fn from(l: QuotaLimits) -> Limits {
        Limits {
            tps: l.tps,
            burst: l.burst,
            bind_tps: l.bind_tps,
            bind_burst: l.bind_burst,
            daily_cap: l.daily_cap,
            monthly_cap: l.monthly_cap,
        }
    }
}

impl Limits {
    fn apply_to(self, p: &mut AccountPolicy) {
        p.tps = self.tps;
        p.burst = Some(self.burst.max(1));
        p.bind_tps = self.bind_tps;
        p.bind_burst = Some(self.bind_burst.max(1));
        p.daily_cap = self.daily_cap;
        p.monthly_cap = self.monthly_cap;
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct LimitsOverride {
    /// The limits set through the admin API.
    limits: Limits,
    /// The config file's limits when the override was made (see the module docs).
    file_limits: Limits,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AccountOverlay {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    limits: Option<LimitsOverride>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    templates: Vec<TemplateSpec>,
}

impl AccountOverlay {
    fn is_empty(&self) -> bool {
        self.limits.is_none() && self.templates.is_empty()
    }
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OverlayData {
    #[serde(default)]
    accounts: BTreeMap<String, AccountOverlay>,
}

#[derive(Debug, Default)]
struct State {
    data: OverlayData,
    /// The config file's limits per account, as of the last start or reload.
    file_limits: HashMap<String, Limits>,
}

/// The overlay of run-time account changes (see the module docs).
#[derive(Debug)]
pub struct Overlay {
    path: Option<PathBuf>,
    state: Mutex<State>,
}

/// Account policies by system_id, in the config file's order.
pub type AccountPolicies = Vec<(String, AccountPolicy)>;

/// The overlay file of a store at `store_path`: `<store file>.admin-overlay.json`.
pub fn overlay_path(store_path: &Path) -> PathBuf {
    let mut name = store_path.file_name().unwrap_or_default().to_os_string();
    name.push(".admin-overlay.json");
    store_path.with_file_name(name)
}

impl Overlay {
    /// Reads the overlay at `path` (none yet: empty).
    pub fn open(path: PathBuf) -> Result<Overlay, OverlayError> {
        let data = match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map_err(|e| OverlayError::Invalid {
                path: path.clone(),
                problem: e.to_string(),
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => OverlayData::default(),
            Err(source) => return Err(OverlayError::Io { path, source }),
        };
        Ok(Overlay {
            path: Some(path),
            state: Mutex::new(State {
                data,
                file_limits: HashMap::new(),
            }),
        })
    }

    /// An overlay kept in memory only (tests, tools).
    pub fn in_memory() -> Overlay {
        Overlay {
            path: None,
            state: Mutex::new(State::default()),
        }
    }

    /// Where it is kept, if on disk.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The policies to install: each account's file policy with its overlay applied.
    /// Overrides the file has since superseded are dropped (and the file rewritten); each
    /// drop is described in the returned notes, for the log.
    pub fn effective<'a, I>(&self, file: I) -> Result<(AccountPolicies, Vec<String>), OverlayError>
    where
        I: IntoIterator<Item = (&'a str, &'a AccountPolicy)>,
    {
        let mut st = self.state.lock();
        let before = st.data.clone();
        let mut out = Vec::new();
        let mut notes = Vec::new();
        st.file_limits.clear();
        for (id, file_policy) in file {
            let file_limits = Limits::from(QuotaLimits::from_policy(file_policy));
            st.file_limits.insert(id.to_string(), file_limits);
            let mut p = file_policy.clone();
            if let Some(o) = st.data.accounts.get_mut(id) {
                match &o.limits {
                    Some(l) if l.file_limits == file_limits => l.limits.apply_to(&mut p),
                    Some(_) => {
                        notes.push(format!(
                            "account {id:?}: the config file changed its limits since the admin \
                             API set them; the file's limits apply"
                        ));
                        o.limits = None;
                    }
                    None => {}
                }
                o.templates.retain(|t| {
                    let in_file = file_policy.templates.iter().any(|f| f.id == t.id);
                    if in_file {
                        notes.push(format!(
                            "account {id:?}: template {:?} is now in the config file; the \
                             file's version applies",
                            t.id
                        ));
                    }
                    !in_file
                });
                p.templates.extend(o.templates.iter().cloned());
            }
            out.push((id.to_string(), p));
        }
        for id in st.data.accounts.keys() {
            if !st.file_limits.contains_key(id) {
                notes.push(format!(
                    "account {id:?} has admin changes but is not in the config file; kept \
                     unused"
                ));
            }
        }
        st.data.accounts.retain(|_, o| !o.is_empty());
        if st.data != before {
            self.write(&st.data)?;
        }
        Ok((out, notes))
    }

    /// Records limits set through the admin API (persisted before returning).
    pub fn record_limits(&self, account: &str, limits: QuotaLimits) -> Result<(), OverlayError> {
        let mut st = self.state.lock();
        let limits = Limits::from(limits);
        let file_limits = st.file_limits.get(account).copied().unwrap_or(limits);
        let mut next = st.data.clone();
        next.accounts.entry(account.to_string()).or_default().limits = Some(LimitsOverride {
            limits,
            file_limits,
        });
        self.write(&next)?;
        st.data = next;
        Ok(())
    }

    /// Records a template approved through the admin API (persisted before returning).
    pub fn record_template(&self, account: &str, t: TemplateSpec) -> Result<(), OverlayError> {
        let mut st = self.state.lock();
        let mut next = st.data.clone();
        let o = next.accounts.entry(account.to_string()).or_default();
        o.templates.retain(|x| x.id != t.id);
        o.templates.push(t);
        self.write(&next)?;
        st.data = next;
        Ok(())
    }

    /// Writes `data` atomically: a temporary file, fsync, rename, fsync of the directory,
    /// so a crash leaves the old or the new overlay, never half of one.
    fn write(&self, data: &OverlayData) -> Result<(), OverlayError> {
        let Some(path) = &self.path else {
            return Ok(());
        };
        let io = |source| OverlayError::Io {
            path: path.clone(),
            source,
        };
        let text = serde_json::to_string_pretty(data)
            .map_err(|e| io(std::io::Error::other(e.to_string())))?;
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir).map_err(io)?;
        let mut tmp_name = path.file_name().unwrap_or_default().to_os_string();
        tmp_name.push(".tmp");
        let tmp = path.with_file_name(tmp_name);
        {
            let mut f = std::fs::File::create(&tmp).map_err(io)?;
            f.write_all(text.as_bytes()).map_err(io)?;
            f.write_all(b"\n").map_err(io)?;
            f.sync_all().map_err(io)?;
        }
        std::fs::rename(&tmp, path).map_err(io)?;
        if let Ok(d) = std::fs::File::open(&dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::MessageType;

    fn policy(tps: u32) -> AccountPolicy {
        AccountPolicy {
            tps,
            ..AccountPolicy::default()
        }
    }

    fn template(id: &str) -> TemplateSpec {
        TemplateSpec {
            id: id.into(),
            text: "您的验证码是${code:digits(4,8)}".into(),
            message_type: MessageType::Otp,
        }
    }

    #[test]
    fn survives_reopening_and_the_newest_change_wins() {
        let dir = tempfile::tempdir().unwrap();
        let path = overlay_path(&dir.path().join("store.db"));
        assert!(path.ends_with("store.db.admin-overlay.json"));
        let file = policy(100);
        let o = Overlay::open(path.clone()).unwrap();
        o.effective([("acme", &file)]).unwrap();
        let mut limits = QuotaLimits::from_policy(&file);
        limits.tps = 7;
        limits.daily_cap = Some(50);
        o.record_limits("acme", limits).unwrap();
        o.record_template("acme", template("otp1")).unwrap();

        // A restart with the same file: the admin changes apply.
        let o = Overlay::open(path.clone()).unwrap();
        let (eff, notes) = o.effective([("acme", &file)]).unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        let p = &eff[0].1;
        assert_eq!(QuotaLimits::from_policy(p), limits);
        assert_eq!(p.templates, [template("otp1")]);

        // The file changes the limits and adds the template: the file is newer and wins.
        let mut edited = policy(300);
        edited.templates.push(template("otp1"));
        let (eff, notes) = o.effective([("acme", &edited)]).unwrap();
        assert_eq!(notes.len(), 2, "{notes:?}");
        assert_eq!(eff[0].1.tps, 300);
        assert_eq!(eff[0].1.templates.len(), 1);
        // … and the dropped overrides stay dropped after a restart.
        let o = Overlay::open(path.clone()).unwrap();
        let (eff, notes) = o.effective([("acme", &policy(100))]).unwrap();
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(eff[0].1.tps, 100);
        assert!(!std::fs::read_to_string(&path).unwrap().contains("otp1"));
    }

    #[test]
    fn a_corrupt_file_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("x.json");
        std::fs::write(&path, "{not json").unwrap();
        let e = Overlay::open(path).unwrap_err().to_string();
        assert!(e.contains("x.json") && e.contains("not valid"), "{e}");
    }
}
