//! Runs `tests/data/evasion.tsv`: every normalization the content checks defeat,
//! and the legitimate messages that must still pass.

use std::time::{Duration, UNIX_EPOCH};

use smppd::message::MessageType;
use smppd::policy::{AccountPolicy, Policy, PolicySettings, RejectReason, Submission};

fn unescape(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(i) = rest.find("\\u{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 3..];
        let end = after.find('}').expect("unclosed \\u{");
        let cp = u32::from_str_radix(&after[..end], 16).expect("hex");
        out.push(char::from_u32(cp).expect("scalar"));
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    out
}

#[test]
fn evasion_set() {
    let account = AccountPolicy {
        signatures: ["好店", "顺丰速运", "招商银行", "中国移动", "京东"]
            .map(String::from)
            .to_vec(),
        ..AccountPolicy::default()
    };
    // 10:00 Beijing, inside the marketing window.
    let now = UNIX_EPOCH + Duration::from_secs(1_795_831_200);
    let policy = Policy::new(PolicySettings::default(), [("t".to_string(), account)], now).unwrap();
    let data = include_str!("data/evasion.tsv");
    let mut failures = Vec::new();
    let (mut accepts, mut rejects) = (0, 0);
    for (no, line) in data.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let cols: Vec<&str> = line.splitn(3, '\t').collect();
        let [verdict, reason, text] = cols[..] else {
            panic!("line {}: expected 3 tab-separated columns", no + 1);
        };
        let (reason, ty) = match reason.split_once('@') {
            Some((r, t)) => (r, Some(t)),
            None if verdict == "accept" && reason != "-" => ("-", Some(reason)),
            None => (reason, None),
        };
        let hint = ty.map(|t| t.parse::<MessageType>().expect("message type"));
        let text = unescape(text);
        let got = policy.dry_run(&Submission {
            account: "t",
            bind_id: 0,
            source: "10690001",
            destination: "13800138000",
            text: &text,
            message_type_hint: hint,
            segments: 1,
            now,
        });
        match (verdict, &got) {
            ("accept", Ok(_)) => accepts += 1,
            ("reject", Err(r)) if RejectReason::from_name(reason) == Some(r.reason) => rejects += 1,
            _ => failures.push(format!(
                "line {}: {verdict} {reason} {text:?} → {got:?}",
                no + 1
            )),
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        accepts >= 20 && rejects >= 50,
        "{accepts} accepts, {rejects} rejects"
    );
}
