//! The policy engine end to end: every rejection reason through `Policy::check`,
//! with its documented status, rule and matched phrase.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smppd::message::MessageType;
use smppd::policy::settings::{SignatureBrackets, TemplateSpec};
use smppd::policy::status::*;
use smppd::policy::{AccountPolicy, Policy, PolicySettings, RejectReason, Submission};

// 2026-11-28 10:00:00 Beijing (02:00 UTC).
const T0: u64 = 1_795_831_200;

fn at(secs: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(T0 + secs)
}

fn account() -> AccountPolicy {
    AccountPolicy {
        tps: 1000,
        signatures: vec!["顺丰速运".into(), "好店".into()],
        ..AccountPolicy::default()
    }
}

fn policy_with(settings: PolicySettings, p: AccountPolicy) -> Policy {
    Policy::new(settings, [("shop".to_string(), p)], at(0)).unwrap()
}

fn policy() -> Policy {
    policy_with(PolicySettings::default(), account())
}

fn sub<'a>(text: &'a str, to: &'a str, t: Option<MessageType>, now: SystemTime) -> Submission<'a> {
    Submission {
        account: "shop",
        bind_id: 1,
        source: "106900001",
        destination: to,
        text,
        message_type_hint: t,
        segments: 1,
        now,
    }
}

fn reason(p: &Policy, s: &Submission<'_>) -> RejectReason {
    p.check(s).unwrap_err().reason
}

#[test]
fn accepts_a_plain_notice() {
    let p = policy();
    let a = p
        .check(&sub(
            "【顺丰速运】您的快件已到达驿站，取件码8-2-1004。",
            "13800138000",
            None,
            at(0),
        ))
        .unwrap();
    assert_eq!(a.message_type, MessageType::BusinessNotice);
    assert_eq!(a.signature.as_deref(), Some("顺丰速运"));
}

#[test]
fn signature_rules() {
    let p = policy();
    let n = "13800138000";
    let r = p.check(&sub("您的快件已到达", n, None, at(0))).unwrap_err();
    assert_eq!(
        (r.reason, r.status),
        (RejectReason::MissingSignature, SMPPD_RNOSIGNATURE)
    );
    let r = p
        .check(&sub("【京东】您的快件已到达", n, None, at(0)))
        .unwrap_err();
    assert_eq!(r.status, SMPPD_RBADSIGNATURE);
    assert_eq!(r.matched.as_deref(), Some("京东"));
    assert_eq!(
        reason(&p, &sub("【好店】您的【快件】已到达", n, None, at(1))),
        RejectReason::MalformedSignature
    );
    // Signature at the end is accepted.
    assert!(p
        .check(&sub("您的快件已到达【好店】", n, None, at(2)))
        .is_ok());
}

#[test]
fn banned_content_reported_in_original_terms() {
    let p = policy();
    let r = p
        .check(&sub(
            "【好店】澳門線上賭 ❤ 博，首充送100",
            "13800138000",
            None,
            at(0),
        ))
        .unwrap_err();
    assert_eq!(r.status, SMPPD_RBANNEDCONTENT);
    assert!(r.rule.starts_with("keyword:gambling:"), "{}", r.rule);
    assert!(r.matched.is_some());
    let r = p
        .check(&sub("【好店】戳 t.cn/A6x 领券", "13800138000", None, at(1)))
        .unwrap_err();
    assert_eq!(
        (r.reason, r.rule.as_str()),
        (RejectReason::ForbiddenPattern, "regex:short_link")
    );
    assert_eq!(r.matched.as_deref(), Some("t.cn/A6x"));
}

#[test]
fn unsubscribe_and_marketing_hours() {
    let p = policy();
    let n = "13800138000";
    let mkt = Some(MessageType::Marketing);
    let r = p
        .check(&sub("【好店】双11全场五折", n, mkt, at(0)))
        .unwrap_err();
    assert_eq!(r.status, SMPPD_RNOUNSUBSCRIBE);
    assert!(p
        .check(&sub("【好店】双11全场五折，回T退订", n, mkt, at(1)))
        .is_ok());
    let r = p
        .check(&sub("【好店】您的订单已发货，回T退订", n, None, at(2)))
        .unwrap_err();
    assert_eq!(r.status, SMPPD_RUNSUBSCRIBENOTALLOWED);
    assert_eq!(r.matched.as_deref(), Some("回T退订"));
    // 22:00 Beijing: 12 hours after T0.
    let r = p
        .check(&sub(
            "【好店】夜场五折，拒收请回复R",
            "13900139000",
            mkt,
            at(12 * 3600),
        ))
        .unwrap_err();
    assert_eq!(
        (r.status, r.rule.as_str()),
        (SMPPD_RSENDINGHOURS, "sending_hours:08:00-21:00")
    );
}

#[test]
fn templates_only_and_template_gives_type() {
    let mut a = account();
    a.templates_only = true;
    a.templates = vec![TemplateSpec {
        id: "otp1".into(),
        text: "您的验证码是${code:digits(4,8)}，5分钟内有效。".into(),
        message_type: MessageType::Otp,
    }];
    let p = policy_with(PolicySettings::default(), a);
    let ok = p
        .check(&sub(
            "【好店】您的验证码是482913，5分钟内有效。",
            "13800138000",
            None,
            at(0),
        ))
        .unwrap();
    assert_eq!(
        (ok.message_type, ok.template.as_deref()),
        (MessageType::Otp, Some("otp1"))
    );
    let r = p
        .check(&sub(
            "【好店】您的验证码是48a913，5分钟内有效。",
            "13800138001",
            None,
            at(0),
        ))
        .unwrap_err();
    assert_eq!(r.status, SMPPD_RTEMPLATE);
}

#[test]
fn otp_frequency_and_duplicates() {
    let p = policy();
    let n = "13800138000";
    let otp = Some(MessageType::Otp);
    assert!(p.check(&sub("【好店】验证码1234", n, otp, at(0))).is_ok());
    let r = p
        .check(&sub("【好店】验证码5678", n, otp, at(30)))
        .unwrap_err();
    assert_eq!(
        (r.status, r.rule.as_str()),
        (SMPPD_RFREQUENCY, "frequency:otp:1/1m")
    );
    assert!(p.check(&sub("【好店】验证码5678", n, otp, at(60))).is_ok());
    let notice = "【好店】您的订单已发货";
    assert!(p.check(&sub(notice, n, None, at(100))).is_ok());
    assert_eq!(
        reason(&p, &sub(notice, n, None, at(110))),
        RejectReason::DuplicateContent
    );
    assert!(p.check(&sub(notice, n, None, at(131))).is_ok());
}

#[test]
fn opt_out_blocks_marketing_only() {
    let p = policy();
    let n = "13800138000";
    assert!(p.opt_out_from_mo("shop", "+8613800138000", "TD").unwrap());
    let r = p
        .check(&sub(
            "【好店】五折，回T退订",
            n,
            Some(MessageType::Marketing),
            at(0),
        ))
        .unwrap_err();
    assert_eq!(
        (r.status, r.rule.as_str()),
        (SMPPD_ROPTEDOUT, "opt_out:account")
    );
    assert!(p
        .check(&sub("【好店】验证码1234", n, Some(MessageType::Otp), at(1)))
        .is_ok());
}

#[test]
fn quotas_count_segments_and_skip_rejected_content() {
    let mut a = account();
    a.tps = 10;
    a.burst = Some(3);
    a.daily_cap = Some(5);
    let settings = PolicySettings {
        recipient_daily_cap: None,
        ..PolicySettings::default()
    };
    let p = policy_with(settings, a);
    // Content rejections consume nothing.
    for i in 0..10 {
        let r = p
            .check(&sub("【好店】网上赌场", "13800138000", None, at(0)))
            .unwrap_err();
        assert_eq!(r.status, SMPPD_RBANNEDCONTENT, "{i}");
    }
    let mut s = sub("【好店】长通知", "13800138001", None, at(0));
    s.segments = 3;
    assert!(p.check(&s).is_ok(), "a burst within the bucket is accepted");
    let mut s2 = sub("【好店】另一条通知", "13800138002", None, at(0));
    s2.segments = 1;
    let r = p.check(&s2).unwrap_err();
    assert_eq!((r.status, r.rule.as_str()), (ESME_RTHROTTLED, "quota:tps"));
    // The throttled message left no duplicate trace: its retry passes.
    s2.now = at(1);
    assert!(p.check(&s2).is_ok());
    let mut s3 = sub("【好店】第三条通知", "13800138003", None, at(2));
    s3.segments = 2;
    assert_eq!(reason(&p, &s3), RejectReason::DailyQuotaExhausted);
    let u = p.quota_usage("shop", at(2)).unwrap();
    assert_eq!(u.day_used, 4);
    let snap = p.rejections_snapshot();
    let banned = snap.iter().find(|c| c.reason == "banned_content").unwrap();
    assert_eq!((banned.account.as_str(), banned.count), ("shop", 10));
}

#[test]
fn runtime_changes_keep_usage_and_swap_lists() {
    let dir = tempfile::tempdir().unwrap();
    let list = dir.path().join("extra.txt");
    std::fs::write(&list, "特价机票\n").unwrap();
    let settings = PolicySettings {
        keyword_files: vec![list.clone()],
        ..PolicySettings::default()
    };
    let mut a = account();
    a.daily_cap = Some(2);
    let p = policy_with(settings, a.clone());
    assert_eq!(
        reason(&p, &sub("【好店】特价機票", "13800000001", None, at(0))),
        RejectReason::BannedContent
    );
    std::fs::write(&list, "# emptied\n").unwrap();
    p.reload_lists().unwrap();
    assert!(p
        .check(&sub("【好店】特价機票", "13800000001", None, at(1)))
        .is_ok());
    assert!(p
        .check(&sub("【好店】通知二", "13800000002", None, at(2)))
        .is_ok());
    // Raising the cap at run time keeps the 2 used.
    a.daily_cap = Some(3);
    p.set_account("shop", a, at(3)).unwrap();
    assert!(p
        .check(&sub("【好店】通知三", "13800000003", None, at(4)))
        .is_ok());
    assert_eq!(
        reason(&p, &sub("【好店】通知四", "13800000004", None, at(5))),
        RejectReason::DailyQuotaExhausted
    );
    // A broken reload keeps the old rules.
    std::fs::remove_file(&list).unwrap();
    assert!(p.reload_lists().is_err());
    // Unknown accounts are refused.
    let mut s = sub("【好店】x", "13800000005", None, at(6));
    s.account = "ghost";
    assert_eq!(p.check(&s).unwrap_err().status, SMPPD_RNOPOLICY);
}

#[test]
fn ascii_brackets_when_configured() {
    let mut a = account();
    a.signatures.push("Acme".into());
    a.brackets = SignatureBrackets::LenticularOrAsciiSquare;
    let p = policy_with(PolicySettings::default(), a);
    assert!(p
        .check(&sub(
            "[ACME] Your parcel is out for delivery",
            "13800138000",
            None,
            at(0)
        ))
        .is_ok());
}

#[test]
fn explain_prints_verdict_rule_and_match() {
    let e = smppd::policy::explain(
        &PolicySettings::default(),
        "shop",
        &account(),
        "【好店】兼职刷.单，日结",
        None,
        Some("13800138000"),
        at(0),
    )
    .unwrap();
    let text = e.to_string();
    assert!(text.contains("REJECT 0x00000400 banned_content"), "{text}");
    assert!(text.contains("rule:       keyword:fraud:"), "{text}");
    assert!(text.contains("matched:    兼职刷.单"), "{text}");
}

#[test]
fn a_digit_is_not_an_unsubscribe_letter() {
    // Look-alike folding reads 7 as T: a reply "7" (a menu choice) must not opt the
    // number out, and 回7退订 is not the instruction 回T退订 (replying 7 unsubscribes
    // nobody at the carrier: service terms 4.5 ask for an effective way to refuse).
    let p = policy();
    let n = "13800138000";
    let mkt = Some(MessageType::Marketing);
    assert!(!p.opt_out_from_mo("shop", n, "7").unwrap());
    assert!(!p.opt_out_from_mo("shop", n, "OOOO").unwrap());
    assert!(p
        .check(&sub("【好店】双11全场五折，回T退订", n, mkt, at(0)))
        .is_ok());
    let r = p
        .check(&sub(
            "【好店】双11全场五折，回7退订",
            "13900139000",
            mkt,
            at(1),
        ))
        .unwrap_err();
    assert_eq!(r.status, SMPPD_RNOUNSUBSCRIBE);
    assert!(p.opt_out_from_mo("shop", n, "0000").unwrap());
    assert!(p.opt_out_from_mo("shop", "13900139000", " ｔｄ ").unwrap());
}

#[test]
fn marketing_per_number_counts_every_account() {
    // cn-sms-rules.md §5: marketing ≤ 3/day per number is the carrier's rule, and the
    // carrier sees one sender (this gateway): two accounts must not make it six.
    let accounts = [("shop", account()), ("bank", account())].map(|(id, a)| (id.to_string(), a));
    let p = Policy::new(PolicySettings::default(), accounts, at(0)).unwrap();
    let n = "13800138000";
    let mkt = Some(MessageType::Marketing);
    let texts = [
        "【好店】周一五折，回T退订",
        "【好店】周二五折，回T退订",
        "【好店】周三五折，回T退订",
    ];
    for (i, t) in texts.iter().enumerate() {
        let mut s = sub(t, n, mkt, at(i as u64 * 60));
        s.account = if i == 0 { "shop" } else { "bank" };
        assert!(p.check(&s).is_ok(), "{i}");
    }
    let r = p
        .check(&sub("【好店】周四五折，回T退订", n, mkt, at(600)))
        .unwrap_err();
    assert_eq!(
        (r.status, r.rule.as_str()),
        (SMPPD_RFREQUENCY, "frequency:marketing:3/1day")
    );
    // Other types stay per account: the bank's notice still goes out.
    let mut s = sub("【好店】您的账单已出", n, None, at(660));
    s.account = "bank";
    assert!(p.check(&s).is_ok());
    // An operator whose channels are per account can count marketing per account.
    let mut settings = PolicySettings::default();
    settings.frequency.marketing_across_accounts = false;
    let accounts = [("shop", account()), ("bank", account())].map(|(id, a)| (id.to_string(), a));
    let p = Policy::new(settings, accounts, at(0)).unwrap();
    for (i, t) in texts.iter().enumerate() {
        let mut s = sub(t, n, mkt, at(i as u64 * 60));
        s.account = "bank";
        assert!(p.check(&s).is_ok(), "{i}");
    }
    assert!(p
        .check(&sub("【好店】周四五折，回T退订", n, mkt, at(600)))
        .is_ok());
}

#[test]
fn an_emoji_counts_as_two_characters_towards_the_length_limit() {
    // cn-sms-rules.md §6: non-BMP characters (emoji) count as 2, as they take two UCS-2
    // units on the wire.
    let p = policy_with(
        PolicySettings::default(),
        AccountPolicy {
            max_chars: 20,
            ..account()
        },
    );
    let fits = "【顺丰速运】您的快件已到达驿站请速取件"; // 19 characters
    assert!(p.check(&sub(fits, "13800138000", None, at(0))).is_ok());
    let text = format!("{fits}😀");
    let s = sub(&text, "13800138001", None, at(0));
    assert_eq!(reason(&p, &s), RejectReason::BadLength);
    assert_eq!(p.check(&s).unwrap_err().rule, "length:21/20");
}
