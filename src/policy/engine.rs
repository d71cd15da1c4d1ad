//! [`Policy`]: the entry point the server calls before `submit_sm_resp`.
//!
//! Check order (cheap and specific first; nothing is consumed until every
//! read-only check passed):
//!
//! 1. account policy exists, text length;
//! 2. signature (string scan at the ends);
//! 3. template (one `RegexSet` run) → message type: template > `service_type` hint >
//!    account default;
//! 4. unsubscribe wording and marketing hours;
//! 5. banned phrases (one Aho-Corasick scan of the normalized text), regex rules;
//! 6. opt-out lists (for `opt_out_types`, default marketing);
//! 7. per-recipient limits — checked and recorded atomically per number;
//! 8. account quotas (daily, monthly, TPS) — all or nothing; if refused, step 7's
//!    record is rolled back.
//!
//! So a message rejected by content, opt-out or recipient limits never consumes
//! TPS tokens or daily/monthly quota (a client sending junk is not slowed down for
//! its good messages, and carriers bill nothing for it), and a throttled message
//! leaves no trace in the recipient's counters (the client's retry is not
//! mistaken for a duplicate).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::SystemTime;

use parking_lot::RwLock;

use super::clock::{unix_millis, BeijingTime};
use super::concat::ConcatAssembler;
use super::content::ContentRules;
use super::counters::{RejectionCount, RejectionCounters};
use super::error::PolicyError;
use super::normalize::normalize;
use super::quota::{QuotaLimits, QuotaUsage, Quotas};
use super::recipients::{content_hash, Entry, Limits, OptOutList, OptOutScope, Recipients};
use super::settings::{AccountPolicy, PolicySettings};
use super::signature;
use super::status::RejectReason;
use super::template::Templates;
use super::{Accepted, Rejection, Submission};
use crate::message::MessageType;

#[derive(Debug)]
pub(crate) struct AccountRules {
    pub(crate) policy: AccountPolicy,
    templates: Templates,
}

impl AccountRules {
    fn compile(policy: AccountPolicy) -> Result<AccountRules, PolicyError> {
        Ok(AccountRules {
            templates: Templates::build(&policy.templates)?,
            policy,
        })
    }
}

#[derive(Debug)]
struct Inner {
    settings: RwLock<Arc<PolicySettings>>,
    content: RwLock<Arc<ContentRules>>,
    accounts: RwLock<Arc<HashMap<String, Arc<AccountRules>>>>,
    quotas: Quotas,
    recipients: Recipients,
    concat: ConcatAssembler,
    counters: RejectionCounters,
    /// Some account enforces the cross-account recipient daily cap, so every account's
    /// messages must be counted per number (kept in step with `accounts`).
    daily_cap_enforced: AtomicBool,
}

/// The policy engine. Cheap to clone and share (`Send + Sync`); lists, accounts
/// and quotas change at run time without disturbing checks in flight.
#[derive(Debug, Clone)]
pub struct Policy {
    inner: Arc<Inner>,
}

/// Stands for every account where a limit is counted per number only (a system_id is
/// a C-octet string, so no account has this id).
const ALL_ACCOUNTS: &str = "\0all";

/// The account a message's frequency limits are counted under: marketing's is the
/// carrier's per-number rule (cn-sms-rules.md §5), unless configured per account.
fn frequency_account<'a>(account: &'a str, t: MessageType, s: &PolicySettings) -> &'a str {
    if t == MessageType::Marketing && s.frequency.marketing_across_accounts {
        ALL_ACCOUNTS
    } else {
        account
    }
}

fn reject(reason: RejectReason, rule: impl Into<String>, matched: Option<String>) -> Rejection {
    Rejection {
        reason,
        status: reason.status(),
        rule: rule.into(),
        matched,
    }
}

impl Policy {
    /// Builds the engine: compiles the lists, the accounts' templates, opens the
    /// opt-out file.
    pub fn new<I>(
        settings: PolicySettings,
        accounts: I,
        now: SystemTime,
    ) -> Result<Policy, PolicyError>
    where
        I: IntoIterator<Item = (String, AccountPolicy)>,
    {
        let content = ContentRules::load(&settings)?;
        let opt_out = match &settings.opt_out_file {
            Some(p) => OptOutList::open(p)?,
            None => OptOutList::in_memory(),
        };
        let policy = Policy {
            inner: Arc::new(Inner {
                recipients: Recipients::new(opt_out, settings.max_tracked_recipients),
                concat: ConcatAssembler::new(settings.concat_timeout, settings.concat_max_open),
                settings: RwLock::new(Arc::new(settings)),
                content: RwLock::new(Arc::new(content)),
                accounts: RwLock::new(Arc::new(HashMap::new())),
                quotas: Quotas::default(),
                counters: RejectionCounters::default(),
                daily_cap_enforced: AtomicBool::new(false),
            }),
        };
        for (id, p) in accounts {
            policy.set_account(&id, p, now)?;
        }
        Ok(policy)
    }

    /// Adds or replaces an account's policy; quota usage is kept.
    pub fn set_account(
        &self,
        id: &str,
        p: AccountPolicy,
        now: SystemTime,
    ) -> Result<(), PolicyError> {
        let limits = QuotaLimits::from_policy(&p);
        let rules = Arc::new(AccountRules::compile(p)?);
        let mut accounts = self.inner.accounts.write();
        let mut next = HashMap::clone(&accounts);
        next.insert(id.to_string(), rules);
        self.note_daily_cap(&next);
        *accounts = Arc::new(next);
        self.inner.quotas.set_limits(id, limits, now);
        Ok(())
    }

    /// Removes an account: its messages are refused with `no_account_policy`.
    pub fn remove_account(&self, id: &str) {
        let mut accounts = self.inner.accounts.write();
        let mut next = HashMap::clone(&accounts);
        next.remove(id);
        self.note_daily_cap(&next);
        *accounts = Arc::new(next);
        self.inner.quotas.remove(id);
    }

    /// Recomputes whether any account enforces the cross-account daily cap (called with the
    /// accounts lock held, so updates are ordered).
    fn note_daily_cap(&self, accounts: &HashMap<String, Arc<AccountRules>>) {
        let any = accounts
            .values()
            .any(|a| a.policy.checks.recipient_daily_cap);
        self.inner.daily_cap_enforced.store(any, Ordering::Relaxed);
    }

    /// Changes only an account's quota limits at run time (admin API), keeping usage.
    pub fn set_limits(&self, id: &str, limits: QuotaLimits, now: SystemTime) {
        self.inner.quotas.set_limits(id, limits, now);
    }

    /// Seeds an account's daily/monthly quota usage with what the store says was
    /// accepted since the start of the current Beijing day and month (at start, so caps
    /// hold across a restart). Never lowers usage; false for an unknown account.
    pub fn seed_quota_usage(
        &self,
        id: &str,
        day_used: u64,
        month_used: u64,
        now: SystemTime,
    ) -> bool {
        self.inner.quotas.seed_usage(id, day_used, month_used, now)
    }

    /// Re-reads every list file and swaps the new rules in. On error the old rules
    /// stay in force. Returns the number of banned phrases now loaded.
    pub fn reload_lists(&self) -> Result<usize, PolicyError> {
        let settings = self.inner.settings.read().clone();
        let content = ContentRules::load(&settings)?;
        Ok(self.set_content_rules(content))
    }

    /// Replaces the settings (lists, regex rules, windows, frequency limits) and
    /// reloads the lists. `opt_out_file`, `concat_*` and `max_tracked_recipients`
    /// take effect at the next restart.
    pub fn reload_settings(&self, settings: PolicySettings) -> Result<usize, PolicyError> {
        let content = ContentRules::load(&settings)?;
        *self.inner.settings.write() = Arc::new(settings);
        Ok(self.set_content_rules(content))
    }

    /// Swaps in already compiled content rules; returns the banned phrase count.
    pub fn set_content_rules(&self, content: ContentRules) -> usize {
        let n = content.keywords.len();
        *self.inner.content.write() = Arc::new(content);
        n
    }

    /// Judges a submission and, if accepted, records it against the quotas and the
    /// recipient's counters. Every rejection is counted.
    pub fn check(&self, sub: &Submission<'_>) -> Result<Accepted, Rejection> {
        let r = self.evaluate(sub, true);
        if let Err(rej) = &r {
            self.inner.counters.record(sub.account, rej.reason);
        }
        r
    }

    /// Judges a submission without recording anything or consuming quota (used by
    /// `explain` / `smppd check-text`): quotas and frequency limits are not judged.
    pub fn dry_run(&self, sub: &Submission<'_>) -> Result<Accepted, Rejection> {
        self.evaluate(sub, false)
    }

    /// Counts a rejection decided outside [`Policy::check`] (e.g. a concatenated set
    /// that timed out).
    pub fn record_rejection(&self, account: &str, reason: RejectReason) {
        self.inner.counters.record(account, reason);
    }

    /// Every rejection counter by account and reason.
    pub fn rejections_snapshot(&self) -> Vec<RejectionCount> {
        self.inner.counters.snapshot()
    }

    /// Live quota usage of one account.
    pub fn quota_usage(&self, account: &str, now: SystemTime) -> Option<QuotaUsage> {
        self.inner.quotas.usage(account, now)
    }

    /// Live quota usage of all accounts.
    pub fn quota_usage_all(&self, now: SystemTime) -> Vec<QuotaUsage> {
        self.inner.quotas.usage_all(now)
    }

    /// Forgets a bind's own TPS bucket (call on unbind).
    pub fn release_bind(&self, account: &str, bind_id: u64) {
        self.inner.quotas.release_bind(account, bind_id);
    }

    /// The opt-out lists (admin API: add/remove, single and bulk).
    pub fn opt_outs(&self) -> &OptOutList {
        &self.inner.recipients.opt_out
    }

    /// Handles an MO text: an unsubscribe reply opts `number` out of `account`.
    pub fn opt_out_from_mo(
        &self,
        account: &str,
        number: &str,
        text: &str,
    ) -> Result<bool, PolicyError> {
        self.inner.recipients.opt_out_from_mo(account, number, text)
    }

    /// The concatenation assembler.
    pub fn concat(&self) -> &ConcatAssembler {
        &self.inner.concat
    }

    fn evaluate(&self, sub: &Submission<'_>, record: bool) -> Result<Accepted, Rejection> {
        let acct = self
            .inner
            .accounts
            .read()
            .get(sub.account)
            .cloned()
            .ok_or_else(|| reject(RejectReason::NoAccountPolicy, "account", None))?;
        let p = &acct.policy;
        // Counted as the carriers bill (cn-sms-rules.md §6): an emoji or other character
        // beyond the BMP counts 2, like the two UCS-2 units it takes.
        let chars = sub.text.encode_utf16().count();
        if chars == 0 || chars > p.max_chars {
            let rule = format!("length:{chars}/{}", p.max_chars);
            return Err(reject(RejectReason::BadLength, rule, None));
        }
        let mut sig = None;
        let mut body = sub.text.trim();
        if p.checks.signature {
            let s = signature::locate(sub.text, p.brackets)
                .map_err(|r| reject(r, "signature", None))?;
            if !signature::is_registered(s.signature, &p.signatures) {
                let found = Some(s.signature.to_string());
                return Err(reject(
                    RejectReason::UnregisteredSignature,
                    "signature",
                    found,
                ));
            }
            if signature::is_blank(s.body) {
                return Err(reject(RejectReason::BadLength, "length:empty_body", None));
            }
            sig = Some(s.signature.to_string());
            body = s.body;
        }
        let template = acct.templates.matching(body);
        if p.templates_only && template.is_none() {
            return Err(reject(RejectReason::TemplateNotApproved, "template", None));
        }
        let mtype = template
            .map(|(_, t)| t)
            .or(sub.message_type_hint)
            .unwrap_or(p.default_message_type);
        let settings = self.inner.settings.read().clone();
        let content = self.inner.content.read().clone();
        let normalized = normalize(sub.text);
        let marketing = mtype == MessageType::Marketing;
        if p.checks.unsubscribe {
            match (marketing, content.unsubscribe.find(sub.text, &normalized)) {
                (true, None) => {
                    return Err(reject(
                        RejectReason::MissingUnsubscribe,
                        "unsubscribe",
                        None,
                    ))
                }
                (false, Some(found)) => {
                    let rule = format!("unsubscribe:{mtype}");
                    let found = Some(found.to_string());
                    return Err(reject(RejectReason::UnsubscribeOnNonMarketing, rule, found));
                }
                _ => {}
            }
        }
        if marketing && p.checks.sending_hours {
            if let Some(w) = settings.marketing_hours {
                if !w.contains(BeijingTime::at(sub.now).minute_of_day) {
                    let rule = format!(
                        "sending_hours:{}-{}",
                        String::from(w.start),
                        String::from(w.end)
                    );
                    return Err(reject(RejectReason::OutsideSendingHours, rule, None));
                }
            }
        }
        if p.checks.content {
            if let Some(hit) = content.keywords.find(sub.text, &normalized) {
                let rule = format!("keyword:{}:{}", hit.category, hit.phrase);
                return Err(reject(RejectReason::BannedContent, rule, Some(hit.matched)));
            }
            if let Some(hit) = content.regex.find(sub.text, mtype) {
                let rule = format!("regex:{}", hit.rule);
                return Err(reject(
                    RejectReason::ForbiddenPattern,
                    rule,
                    Some(hit.matched),
                ));
            }
        }
        if p.checks.opt_out && settings.opt_out_types.contains(&mtype) {
            if let Some(scope) = self
                .inner
                .recipients
                .opt_out
                .lookup(sub.account, sub.destination)
            {
                let rule = match scope {
                    OptOutScope::Global => "opt_out:global",
                    OptOutScope::Account(_) => "opt_out:account",
                };
                return Err(reject(RejectReason::RecipientOptedOut, rule, None));
            }
        }
        let accepted = Accepted {
            message_type: mtype,
            segments: sub.segments.max(1),
            signature: sig,
            template: template.map(|(id, _)| id.to_string()),
        };
        if !record {
            return Ok(accepted);
        }
        let limits = Limits {
            rates: if p.checks.frequency {
                settings.frequency.for_type(mtype)
            } else {
                &[]
            },
            daily_cap: settings
                .recipient_daily_cap
                .filter(|_| p.checks.recipient_daily_cap),
            duplicate_window_ms: if p.checks.duplicate {
                u64::try_from(settings.same_content_window.as_millis()).unwrap_or(u64::MAX)
            } else {
                0
            },
            retention_ms: u64::try_from(settings.frequency.longest_window().as_millis())
                .unwrap_or(u64::MAX),
        };
        // Nothing would ever read this message's record: its own account checks none of the
        // per-recipient limits, and no account counts the cross-account daily cap. Skipping
        // it keeps the tracker (bounded only by `max_tracked_recipients`, 40-75 B a number)
        // from growing with every new recipient when the checks are off.
        let unread = limits.rates.is_empty()
            && limits.daily_cap.is_none()
            && limits.duplicate_window_ms == 0
            && (settings.recipient_daily_cap.is_none()
                || !self.inner.daily_cap_enforced.load(Ordering::Relaxed));
        let ticket = if unread {
            None
        } else {
            Some(
                self.inner
                    .recipients
                    .tracker
                    .check_and_record(
                        &Entry {
                            account: frequency_account(sub.account, mtype, &settings),
                            number: sub.destination,
                            message_type: mtype,
                            content: content_hash(sub.account, sub.text),
                            now_ms: unix_millis(sub.now),
                            day: BeijingTime::at(sub.now).day,
                        },
                        limits,
                    )
                    .map_err(|(reason, rule)| reject(reason, rule, None))?,
            )
        };
        if let Err(reason) =
            self.inner
                .quotas
                .try_acquire(sub.account, sub.bind_id, accepted.segments, sub.now)
        {
            if let Some(ticket) = &ticket {
                self.inner.recipients.tracker.rollback(ticket);
            }
            let rule = match reason {
                RejectReason::DailyQuotaExhausted => "quota:daily",
                RejectReason::MonthlyQuotaExhausted => "quota:monthly",
                _ => "quota:tps",
            };
            return Err(reject(reason, rule, None));
        }
        Ok(accepted)
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use super::*;
    use crate::policy::settings::Checks;

    fn checks_off() -> AccountPolicy {
        AccountPolicy {
            tps: 0,
            checks: Checks {
                signature: false,
                content: false,
                unsubscribe: false,
                sending_hours: false,
                opt_out: false,
                frequency: false,
                duplicate: false,
                recipient_daily_cap: false,
            },
            ..AccountPolicy::default()
        }
    }

    fn send(p: &Policy, account: &str, to: &str) -> Result<Accepted, Rejection> {
        p.check(&Submission {
            account,
            bind_id: 1,
            source: "106900001",
            destination: to,
            text: "验证码 1234",
            message_type_hint: None,
            segments: 1,
            // Beijing noon, inside any sending hours.
            now: UNIX_EPOCH + Duration::from_secs(1_767_240_000),
        })
    }

    #[test]
    fn recipients_are_not_tracked_when_no_check_reads_them() {
        let p = Policy::new(
            PolicySettings::default(),
            [("lean".to_string(), checks_off())],
            SystemTime::now(),
        )
        .unwrap();
        for n in 0..100u64 {
            send(&p, "lean", &format!("{}", 13_800_000_000 + n)).unwrap();
        }
        assert_eq!(p.inner.recipients.tracker.len(), 0);
        // Once another account counts the cross-account daily cap, every account's
        // messages count again (they use up the number's day).
        let mut capped = checks_off();
        capped.checks.recipient_daily_cap = true;
        p.set_account("capped", capped, SystemTime::now()).unwrap();
        send(&p, "lean", "13800000000").unwrap();
        assert_eq!(p.inner.recipients.tracker.len(), 1);
        p.remove_account("capped");
        send(&p, "lean", "13800000001").unwrap();
        assert_eq!(p.inner.recipients.tracker.len(), 1);
    }
}
