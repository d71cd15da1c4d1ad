//! Daily quotas hold across a restart: usage is seeded from the store at start, so an
//! account with `daily_cap = 3` that sent 2 before the restart gets exactly 1 more. A
//! submit the policy refused does not count.

mod support_gateway;

use std::time::SystemTime;

use smppd::policy::BeijingTime;
use support_gateway::*;

/// `daily_quota_exhausted` (src/policy/STATUS_CODES.md).
const DAILY_QUOTA_EXHAUSTED: u32 = 0x0000_040A;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn daily_cap_survives_a_restart() {
    let day = BeijingTime::at(SystemTime::now()).day;
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|_, _| {}).await;
    let toml = base_toml(dir.path(), carriers.ports(), "\"always\"", "").replacen(
        "tps = 0",
        "tps = 0\ndaily_cap = 3",
        1,
    );

    let gw = Gateway::start(&toml).await;
    let mut tx = Esme::bind(gw.addr, BindKind::Transmitter, "demo", "demo").await;
    for i in 0..2 {
        let (status, _) = tx
            .submit_text(&number("cmcc", i), &format!("【smppd测试】订单{i}已发货"))
            .await;
        assert_eq!(status, 0, "submit {i} accepted before the restart");
    }
    // Refused by policy (no registered signature): uses no quota, now or after the restart.
    let (status, _) = tx.submit_text(&number("cmcc", 9), "订单已发货").await;
    assert_ne!(status, 0, "a text without signature is refused");
    tx.unbind().await;
    gw.stop().await;

    let gw = Gateway::start(&toml).await;
    let mut tx = Esme::bind(gw.addr, BindKind::Transmitter, "demo", "demo").await;
    let (third, _) = tx
        .submit_text(&number("cucc", 3), "【smppd测试】订单3已发货")
        .await;
    let (fourth, _) = tx
        .submit_text(&number("cucc", 4), "【smppd测试】订单4已发货")
        .await;
    tx.unbind().await;
    gw.stop().await;
    carriers.shutdown().await;
    if BeijingTime::at(SystemTime::now()).day != day {
        eprintln!("skipping the verdict: the Beijing day changed during the test");
        return;
    }
    assert_eq!(third, 0, "the cap's last segment is still available");
    assert_eq!(
        fourth, DAILY_QUOTA_EXHAUSTED,
        "2 before the restart + 1 after = the daily cap of 3"
    );
}
