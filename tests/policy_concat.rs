//! A concatenated message is judged on its reassembled text: a banned phrase split
//! across two segments is caught, and parts of a set that never completes come back
//! from the sweep to be ended with REJECTD receipts.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use smppd::message::MessageId;
use smppd::policy::concat::{ConcatKey, ConcatOutcome};
use smppd::policy::status::SMPPD_RBANNEDCONTENT;
use smppd::policy::{AccountPolicy, Policy, PolicySettings, Submission};

fn at(s: u64) -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(1_795_831_200 + s)
}

fn key(reference: u16) -> ConcatKey {
    ConcatKey {
        account: "shop".into(),
        source: "10690001".into(),
        destination: "13800138000".into(),
        reference,
    }
}

#[test]
fn banned_phrase_split_across_segments_is_caught() {
    let account = AccountPolicy {
        signatures: vec!["好店".into()],
        ..AccountPolicy::default()
    };
    let p = Policy::new(PolicySettings::default(), [("shop".into(), account)], at(0)).unwrap();
    let parts = ["【好店】年终回馈，欢迎来到网上赌", "场，注册即送好礼。"];
    // Each part alone passes the keyword check.
    let first = p.dry_run(&Submission {
        account: "shop",
        bind_id: 1,
        source: "10690001",
        destination: "13800138000",
        text: parts[0],
        message_type_hint: None,
        segments: 1,
        now: at(0),
    });
    assert!(first.is_ok(), "{first:?}");
    let c = p.concat();
    let r1 = c.add(key(9), 1, 2, parts[0].into(), MessageId::from_u64(1), at(0));
    assert_eq!(r1, Ok(ConcatOutcome::Pending));
    let r2 = c
        .add(key(9), 2, 2, parts[1].into(), MessageId::from_u64(2), at(1))
        .unwrap();
    let ConcatOutcome::Complete { text, parts: ids } = r2 else {
        panic!("expected complete");
    };
    assert_eq!(ids, vec![MessageId::from_u64(1), MessageId::from_u64(2)]);
    let rej = p
        .check(&Submission {
            account: "shop",
            bind_id: 1,
            source: "10690001",
            destination: "13800138000",
            text: &text,
            message_type_hint: None,
            segments: 2,
            now: at(1),
        })
        .unwrap_err();
    assert_eq!(rej.status, SMPPD_RBANNEDCONTENT);
    assert_eq!(rej.matched.as_deref(), Some("网上赌场"));
}

#[test]
fn incomplete_set_expires_after_the_configured_timeout() {
    let settings = PolicySettings {
        concat_timeout: Duration::from_secs(30),
        ..PolicySettings::default()
    };
    let p = Policy::new(settings, [("shop".into(), AccountPolicy::default())], at(0)).unwrap();
    p.concat()
        .add(key(1), 1, 3, "a".into(), MessageId::from_u64(7), at(0))
        .unwrap();
    assert!(p.concat().sweep(at(29)).is_empty());
    let expired = p.concat().sweep(at(30));
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].parts, vec![MessageId::from_u64(7)]);
    assert_eq!(p.concat().open_sets(), 0);
}
