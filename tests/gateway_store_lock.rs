//! One gateway per message store: a second smppd on the same store refuses to start (with
//! a message that says why) while the first runs, and starts once the first has stopped.

mod support_gateway;

use smppd::config::Config;
use smppd::gateway;
use support_gateway::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_gateway_on_the_same_store_is_refused_while_the_first_runs() {
    let dir = tempfile::tempdir().unwrap();
    let carriers = Carriers::start(|_, _| {}).await;
    let toml = base_toml(dir.path(), carriers.ports(), "\"never\"", "");
    let first = Gateway::start(&toml).await;
    let mut client = Esme::bind(first.addr, BindKind::Transceiver, "demo", "demo").await;
    let (status, _) = client
        .submit_text(&number("cmcc", 1), "【smppd测试】您的订单已发货")
        .await;
    assert_eq!(status, 0);

    let cfg = Config::parse(&toml, "second.toml").unwrap();
    let refused = match gateway::start(&cfg).await {
        Ok(_) => panic!("a second gateway started on a store in use"),
        Err(e) => e.to_string(),
    };
    assert!(refused.contains("another smppd"), "{refused}");
    // The first one was not disturbed.
    let (status, _) = client
        .submit_text(&number("cmcc", 2), "【smppd测试】您的订单已发货")
        .await;
    assert_eq!(status, 0);
    client.unbind().await;
    first.stop().await;

    let second = Gateway::start(&toml).await;
    second.stop().await;
    carriers.shutdown().await;
}
