//! `/metrics`: scrape, drive the components, scrape again and check the counters move;
//! no phone number or message id ever appears as a label.

mod admin_support;

use std::time::{Duration, SystemTime};

use axum::http::{Method, StatusCode};

use admin_support::{id, message, Fixture, TOKEN};
use smppd::metrics::{SubmitResult, METRIC_NAMES};
use smppd::policy::Submission;
use smppd::store::{FinalState, MessageStore};

/// The value of the sample `name{labels…}` (labels given must all match).
fn sample(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|l| {
        let (metric, value) = l.rsplit_once(' ')?;
        let (n, rest) = metric.split_once('{').unwrap_or((metric, ""));
        if n != name {
            return None;
        }
        let all = labels
            .iter()
            .all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")));
        all.then(|| value.parse().ok()).flatten()
    })
}

async fn scrape(f: &Fixture) -> String {
    let (st, text) = f.raw(Method::GET, "/metrics", None, Some(TOKEN)).await;
    assert_eq!(st, StatusCode::OK, "{text}");
    text
}

fn reject_one(f: &Fixture) {
    let sub = Submission {
        account: "acme",
        bind_id: 1,
        source: "106900001",
        destination: "13800138000",
        text: "no signature here",
        message_type_hint: None,
        segments: 1,
        now: SystemTime::now(),
    };
    assert!(f.policy.check(&sub).is_err());
}

#[tokio::test]
async fn counters_move_as_messages_flow() {
    let f = Fixture::new();
    let before = scrape(&f).await;
    assert_eq!(
        sample(
            &before,
            "smppd_binds",
            &[("account", "acme"), ("bind_type", "receiver")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(&before, "smppd_queue_messages", &[("queue", "unsent")]),
        Some(0.0)
    );
    assert_eq!(
        sample(&before, "smppd_submit_total", &[("account", "acme")]),
        None
    );

    // A submit accepted and stored, another refused by policy.
    f.store
        .accept(message(id(10, 7), "acme", "13800138007", 10, 1))
        .await
        .unwrap();
    f.metrics.record_submit("acme", SubmitResult::Accepted);
    reject_one(&f);
    f.metrics.record_submit("acme", SubmitResult::Rejected);
    f.metrics.record_final(FinalState::Delivered);
    f.metrics
        .observe_upstream_submit("sim", Duration::from_millis(30));

    let after = scrape(&f).await;
    let submits = |r| {
        sample(
            &after,
            "smppd_submit_total",
            &[("account", "acme"), ("result", r)],
        )
    };
    assert_eq!(
        (submits("accepted"), submits("rejected")),
        (Some(1.0), Some(1.0))
    );
    assert_eq!(
        sample(
            &after,
            "smppd_rejected_total",
            &[("account", "acme"), ("reason", "missing_signature")]
        ),
        Some(1.0),
        "{after}"
    );
    assert_eq!(
        sample(&after, "smppd_receipts_total", &[("state", "delivered")]),
        Some(1.0)
    );
    assert_eq!(
        sample(&after, "smppd_queue_messages", &[("queue", "unsent")]),
        Some(1.0)
    );
    assert!(sample(&after, "smppd_queue_bytes", &[("queue", "open")]).unwrap() > 0.0);
    assert!(sample(&after, "smppd_store_commits_total", &[]).unwrap() >= 1.0);
    assert!(
        sample(&after, "smppd_store_commit_requests_total", &[]).unwrap()
            > sample(&before, "smppd_store_commit_requests_total", &[]).unwrap_or(0.0)
    );
    assert_eq!(
        sample(
            &after,
            "smppd_upstream_submit_duration_seconds_count",
            &[("channel", "sim")]
        ),
        Some(1.0)
    );
    assert_eq!(
        sample(
            &after,
            "smppd_upstream_submit_duration_seconds_bucket",
            &[("channel", "sim"), ("le", "0.05")]
        ),
        Some(1.0)
    );

    // A second rejection and a scrape: the counter follows, it is not re-added.
    reject_one(&f);
    let again = scrape(&f).await;
    let again2 = scrape(&f).await;
    for t in [&again, &again2] {
        assert_eq!(
            sample(
                t,
                "smppd_rejected_total",
                &[("account", "acme"), ("reason", "missing_signature")]
            ),
            Some(2.0)
        );
    }
}

#[tokio::test]
async fn receipt_backlog_and_binds_follow_the_sources() {
    let f = Fixture::new();
    f.seed().await;
    let text = scrape(&f).await;
    // Delivered, undeliverable and expired messages owe acme a receipt each.
    assert_eq!(
        sample(&text, "smppd_receipt_backlog", &[("account", "acme")]),
        Some(3.0),
        "{text}"
    );
    assert_eq!(
        sample(&text, "smppd_queue_messages", &[("queue", "open")]),
        Some(1.0)
    );
    for n in 1..=3 {
        f.store
            .receipt_acknowledged(id(10, n), admin_support::at(40))
            .await
            .unwrap();
    }
    f.server.binds.lock().retain(|b| b.account != "beta");
    let text = scrape(&f).await;
    assert_eq!(
        sample(&text, "smppd_receipt_backlog", &[("account", "acme")]),
        None,
        "emptied backlog disappears"
    );
    assert_eq!(sample(&text, "smppd_binds", &[("account", "beta")]), None);
}

#[tokio::test]
async fn every_exported_family_is_documented_and_labels_carry_no_personal_data() {
    let f = Fixture::new();
    f.seed().await;
    f.metrics.record_submit("acme", SubmitResult::Accepted);
    f.metrics.record_final(FinalState::Expired);
    f.metrics
        .observe_upstream_submit("sim", Duration::from_millis(3));
    reject_one(&f);
    let text = scrape(&f).await;
    for line in text.lines().filter(|l| l.starts_with("# TYPE ")) {
        let name = line.split(' ').nth(2).unwrap();
        assert!(
            METRIC_NAMES.contains(&name),
            "{name} is exported but not in METRIC_NAMES"
        );
        assert!(
            name.starts_with("smppd_") || name.starts_with("process_"),
            "{name}"
        );
    }
    for name in METRIC_NAMES.iter().filter(|n| n.starts_with("smppd_")) {
        if name.starts_with("smppd_upstream_") && *name != "smppd_upstream_submit_duration_seconds"
        {
            continue; // per-channel families need a channel (see admin_ops readiness test)
        }
        if *name == "smppd_scrape_errors_total" {
            continue;
        }
        assert!(
            text.contains(&format!("# TYPE {name} ")),
            "{name} missing from a scrape"
        );
    }
    for secret in ["13800138", &id(10, 1).to_string()] {
        assert!(!text.contains(secret), "{secret} appears in metrics");
    }
}
