//! The packed tracker against a plain model of the rules (u64 ms times, account
//! names, one `Vec` per number: the layout before the packing): every verdict and
//! rule name must agree on random traffic, including clock steps back, day changes,
//! rollbacks and jumps across the shard epoch move.

use std::collections::HashMap;

use proptest::prelude::*;

use super::*;
use crate::policy::settings::RateLimit;

struct ModelEvent {
    at: u64,
    account: String,
    content: u64,
    message_type: MessageType,
}

#[derive(Default)]
struct ModelNumber {
    day: i64,
    day_count: u32,
    events: Vec<ModelEvent>,
}

#[derive(Default)]
struct Model(HashMap<String, ModelNumber>);

impl Model {
    fn check_and_record(
        &mut self,
        e: &Entry<'_>,
        l: Limits<'_>,
    ) -> Result<(), (RejectReason, String)> {
        let st = self.0.entry(e.number.to_string()).or_default();
        let now = e.now_ms;
        let age = |ev: &ModelEvent| now.saturating_sub(ev.at);
        let retention = l.retention_ms.max(l.duplicate_window_ms);
        if st.events.first().is_some_and(|ev| age(ev) >= retention) {
            st.events.retain(|ev| age(ev) < retention);
        }
        let dup = l.duplicate_window_ms;
        if dup > 0
            && st
                .events
                .iter()
                .any(|ev| ev.content == e.content && age(ev) < dup)
        {
            let window = humantime_serde::re::humantime::format_duration(ms(dup));
            return Err((
                RejectReason::DuplicateContent,
                format!("duplicate:{window}"),
            ));
        }
        for r in l.rates {
            let per = r.per.as_millis() as u64;
            let inside = st
                .events
                .iter()
                .filter(|ev| {
                    ev.account == e.account && ev.message_type == e.message_type && age(ev) < per
                })
                .count();
            if inside >= r.count as usize {
                let per = humantime_serde::re::humantime::format_duration(r.per);
                let rule = format!("frequency:{}:{}/{per}", e.message_type, r.count);
                return Err((RejectReason::FrequencyLimit, rule));
            }
        }
        if e.day > st.day {
            st.day = e.day;
            st.day_count = 0;
        }
        if let Some(cap) = l.daily_cap {
            if st.day_count >= cap {
                return Err((
                    RejectReason::RecipientDailyCap,
                    format!("recipient_daily_cap:{cap}"),
                ));
            }
        }
        if st.events.len() >= MAX_EVENTS {
            st.events.remove(0);
        }
        st.events.push(ModelEvent {
            at: now,
            account: e.account.to_string(),
            content: e.content,
            message_type: e.message_type,
        });
        st.day_count += 1;
        Ok(())
    }

    fn rollback(&mut self, number: &str, account: &str, content: u64, at: u64, day: i64) {
        let Some(st) = self.0.get_mut(number) else {
            return;
        };
        if let Some(i) = st
            .events
            .iter()
            .rposition(|ev| ev.at == at && ev.account == account && ev.content == content)
        {
            st.events.remove(i);
        }
        if st.day == day {
            st.day_count = st.day_count.saturating_sub(1);
        }
    }
}

const NUMBERS: [&str; 4] = ["13800138000", "13900139000", "018612345678", "+86 137"];
const ACCOUNTS: [&str; 3] = ["shop", "bank", "game"];
const TYPES: [MessageType; 3] = [MessageType::Otp, MessageType::Marketing, MessageType::Other];

fn rl(count: u32, ms: u64) -> RateLimit {
    RateLimit {
        count,
        per: std::time::Duration::from_millis(ms),
    }
}

fn limit_sets() -> Vec<(Vec<RateLimit>, Option<u32>, u64, u64)> {
    vec![
        // The shipped OTP defaults, 30 s duplicates, 40 a day, one day kept.
        (
            vec![rl(1, 60_000), rl(5, 3_600_000), rl(10, 86_400_000)],
            Some(40),
            30_000,
            86_400_000,
        ),
        // Short windows and retention: pruning on almost every call.
        (vec![rl(2, 1_000), rl(3, 5_000)], None, 0, 5_000),
        (vec![], Some(3), 30_000, 30_000),
        (vec![rl(4, 86_400_000)], Some(6), 2_000, 86_400_000),
    ]
}

fn step() -> impl Strategy<Value = i64> {
    prop_oneof![
        6 => 0..3_000i64,
        3 => 0..200_000i64,
        1 => -3_600_000..0i64,
        1 => 80_000_000..90_000_000i64,
        1 => Just(1i64 << 31),
    ]
}

/// (number, account, type, content, step, limit set, roll back if accepted)
type Op = (usize, usize, usize, u64, i64, usize, bool);

fn op() -> impl Strategy<Value = Op> {
    (
        0..4usize,
        0..3usize,
        0..3usize,
        0..4u64,
        step(),
        0..4usize,
        prop::bool::weighted(0.15),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn packed_tracker_agrees_with_the_model(ops in prop::collection::vec(op(), 1..300)) {
        let t = FrequencyTracker::new(1_000);
        let mut model = Model::default();
        let sets = limit_sets();
        let mut now: u64 = 1_764_000_000_000;
        for (i, (num, acct, ty, content, dt, set, undo)) in ops.into_iter().enumerate() {
            now = now.saturating_add_signed(dt);
            let day = i64::try_from((now + 8 * 3_600_000) / 86_400_000).unwrap();
            let entry = Entry {
                account: ACCOUNTS[acct],
                number: NUMBERS[num],
                message_type: TYPES[ty],
                content,
                now_ms: now,
                day,
            };
            let (rates, cap, dup, retention) = &sets[set];
            let limits = Limits { rates, daily_cap: *cap, duplicate_window_ms: *dup, retention_ms: *retention };
            let got = t.check_and_record(&entry, limits);
            let want = model.check_and_record(&entry, limits);
            prop_assert_eq!(got.as_ref().map(|_| ()).map_err(Clone::clone), want, "op {}", i);
            if let (Ok(ticket), true) = (got, undo) {
                t.rollback(&ticket);
                model.rollback(NUMBERS[num], ACCOUNTS[acct], content, now, day);
            }
        }
    }
}
