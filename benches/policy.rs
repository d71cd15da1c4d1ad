//! The full policy check per message with 10,000 banned phrases loaded.
//!
//! `check` runs everything a submit_sm goes through: account lookup, signature,
//! unsubscribe rule, normalization + Aho-Corasick over 10k phrases, regex rules,
//! opt-out lookup, per-recipient counters and the account quota. Recipients cycle
//! through 200k numbers and the injected clock advances 50 ms per message, so the
//! frequency and duplicate limits see realistic, mostly-passing traffic.
//! Target: well over 500k checks/s on one core.

use std::cell::Cell;
use std::time::{Duration, UNIX_EPOCH};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use smppd::message::MessageType;
use smppd::policy::content::{ContentRules, BUILTIN_KEYWORD_LISTS};
use smppd::policy::keywords::{parse_list, Phrase};
use smppd::policy::normalize::normalize;
use smppd::policy::{AccountPolicy, Policy, PolicySettings, Submission};

const MESSAGES: &[(&str, Option<MessageType>)] = &[
    (
        "【京东】您的验证码是482913，5分钟内有效，请勿泄露。",
        Some(MessageType::Otp),
    ),
    (
        "【顺丰速运】您的快件SF1403928371已由驿站代收，取件码8-2-1004，请凭码取件。",
        None,
    ),
    (
        "【招商银行】您尾号1234的储蓄卡11月28日转入人民币5,000.00元，余额12,345.67元。",
        None,
    ),
    (
        "【好店】双11全场五折起，会员再享九折，详情见App首页活动页，回T退订",
        Some(MessageType::Marketing),
    ),
    (
        "【中国移动】尊敬的客户，您本月话费余额为36.50元，为避免停机请及时充值。",
        None,
    ),
    (
        "【好店】Your order 20261128-0042 has shipped and will arrive tomorrow.",
        None,
    ),
    ("【好店】網上賭★場，註冊即送", None),
    (
        "【好店】您预约的门店服务时间为11月30日15:00，如需改期请致电客服。",
        None,
    ),
];

/// The shipped lists plus generated phrases up to 10,000 (2–6 CJK characters or
/// 5–9 ASCII letters), seeded so every run loads the same set.
fn ten_thousand_phrases() -> Vec<Phrase> {
    let mut v: Vec<Phrase> = BUILTIN_KEYWORD_LISTS
        .iter()
        .flat_map(|(cat, text)| parse_list(text, cat))
        .collect();
    let mut rng = StdRng::seed_from_u64(7);
    let mut seen: std::collections::HashSet<String> =
        v.iter().map(|p| normalize(&p.phrase)).collect();
    while v.len() < 10_000 {
        let phrase: String = if rng.gen_bool(0.8) {
            let n = rng.gen_range(2..=6);
            (0..n)
                .map(|_| char::from_u32(rng.gen_range(0x4E00..0x9FA5)).unwrap_or('字'))
                .collect()
        } else {
            let n = rng.gen_range(5..=9);
            (0..n)
                .map(|_| char::from(rng.gen_range(b'a'..=b'z')))
                .collect()
        };
        if seen.insert(normalize(&phrase)) {
            v.push(Phrase {
                category: "generated".into(),
                phrase,
            });
        }
    }
    v
}

fn bench_policy(c: &mut Criterion) {
    let t0 = UNIX_EPOCH + Duration::from_secs(1_795_831_200); // 10:00 Beijing
    let settings = PolicySettings::default();
    let account = AccountPolicy {
        tps: 0,
        signatures: ["好店", "顺丰速运", "招商银行", "中国移动", "京东"]
            .map(String::from)
            .to_vec(),
        ..AccountPolicy::default()
    };
    let policy = Policy::new(settings.clone(), [("bench".to_string(), account)], t0).unwrap();
    let phrases = ten_thousand_phrases();
    let rules = ContentRules::compile(phrases.clone(), &[], &settings).unwrap();
    let n = policy.set_content_rules(ContentRules::compile(phrases, &[], &settings).unwrap());
    assert_eq!(n, 10_000);
    let numbers: Vec<String> = (0..200_000u64).map(|i| format!("138{i:08}")).collect();

    let mut g = c.benchmark_group("policy");
    g.throughput(Throughput::Elements(1));
    let i = Cell::new(0usize);
    let run = |record: bool| {
        let k = i.get();
        i.set(k + 1);
        let (text, hint) = MESSAGES[k % MESSAGES.len()];
        // Marketing stays inside the 08:00–21:00 window: the clock wraps every 10 h.
        let ms = (k as u64 * 50) % (10 * 3_600_000);
        let sub = Submission {
            account: "bench",
            bind_id: 1,
            source: "10690001",
            destination: &numbers[k % numbers.len()],
            text,
            message_type_hint: hint,
            segments: 1,
            now: t0
                + Duration::from_millis(ms)
                + Duration::from_secs(86_400 * (k as u64 / 720_000)),
        };
        if record {
            policy.check(&sub).is_ok()
        } else {
            policy.dry_run(&sub).is_ok()
        }
    };
    g.bench_function("check_full_10k_phrases", |b| b.iter(|| run(true)));
    g.bench_function("content_only_10k_phrases", |b| b.iter(|| run(false)));
    let normalized: Vec<String> = MESSAGES.iter().map(|(t, _)| normalize(t)).collect();
    g.bench_function("keywords_scan_10k_phrases", |b| {
        b.iter(|| {
            let k = i.get();
            i.set(k + 1);
            let j = k % MESSAGES.len();
            rules.keywords.find(MESSAGES[j].0, &normalized[j]).is_some()
        })
    });
    g.bench_function("regex_rules", |b| {
        b.iter(|| {
            let k = i.get();
            i.set(k + 1);
            rules
                .regex
                .find(MESSAGES[k % MESSAGES.len()].0, MessageType::BusinessNotice)
                .is_some()
        })
    });
    g.bench_function("normalize", |b| {
        b.iter(|| {
            let k = i.get();
            i.set(k + 1);
            normalize(MESSAGES[k % MESSAGES.len()].0).len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench_policy);
criterion_main!(benches);
