//! Config reload: the real binary gets SIGHUP after its config file changed; a bound client
//! stays bound, the new password and quota apply to it and to new binds, and an invalid file
//! is refused with the old config still working. In-process: what a reload reports, removed
//! accounts are unbound, a route to an undefined channel is refused, and carrier channels
//! are added, rebound with new settings and removed while the others keep their binds.

mod ops_support;
mod support_gateway;

use std::time::Duration;

use ops_support::{http, Smppd, TOKEN};
use smppd::config::Config;
use smppd::gateway;
use support_gateway::{base_toml, number, BindKind, Carriers, Esme};

const ESME_RINVPASWD: u32 = 0x0E;
/// `daily_quota_exhausted` (src/policy/STATUS_CODES.md).
const DAILY_QUOTA_EXHAUSTED: u32 = 0x0000_040A;
const TEXT: &str = "【smppd测试】您的订单已发货";

fn config_text(store: &std::path::Path, ports: [u16; 3]) -> String {
    base_toml(
        store,
        ports,
        "\"never\"",
        &format!(
            "[admin]\nlisten = \"127.0.0.1:0\"\ntoken = \"{TOKEN}\"\n[log]\nfilter = \"info\"\n"
        ),
    )
}

/// A gateway serving in this process from a config file, with its reloader.
struct InProcess {
    addr: std::net::SocketAddr,
    reloader: smppd::config::Reloader,
    shutdown: tokio_util::sync::CancellationToken,
    serving: tokio::task::JoinHandle<smppd::server::ShutdownReport>,
}

impl InProcess {
    /// Writes `toml` to `file` and starts serving from it.
    async fn start(file: &std::path::Path, toml: &str) -> InProcess {
        std::fs::write(file, toml).unwrap();
        let cfg = Config::load(file).unwrap();
        let started = gateway::start(&cfg).await.unwrap();
        let addr = started.client_addrs[0];
        let reloader = started.reloader.clone();
        let shutdown = tokio_util::sync::CancellationToken::new();
        let serving = tokio::spawn(started.serve(shutdown.clone()));
        InProcess {
            addr,
            reloader,
            shutdown,
            serving,
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_applies_new_password_and_quota_without_dropping_binds() {
    let carriers = Carriers::start(|_, _| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("smppd.toml");
    let original = config_text(dir.path(), carriers.ports());
    std::fs::write(&file, &original).unwrap();
    let mut smppd = Smppd::spawn(&file).await;

    let mut client = Esme::bind(smppd.client, BindKind::Transceiver, "demo", "demo").await;
    let (status, _) = client.submit_text(&number("cmcc", 1), TEXT).await;
    assert_eq!(status, 0, "accepted before the reload");

    // New password and a daily cap of 1 segment, which today's one submit already used.
    let edited = original
        .replacen("password = \"demo\"", "password = \"newpass\"", 1)
        .replacen("tps = 0", "tps = 0\ndaily_cap = 1", 1);
    assert_ne!(edited, original);
    std::fs::write(&file, &edited).unwrap();
    smppd.signal("HUP");
    smppd
        .wait_log("config reloaded", 1, Duration::from_secs(30))
        .await;
    let line = smppd
        .log()
        .into_iter()
        .find(|l| l.contains("config reloaded"))
        .unwrap();
    assert!(line.contains("passwords_changed=[\"demo\"]"), "{line}");

    // The bound client is still bound and the new cap applies to it at once.
    let (status, _) = client.submit_text(&number("cmcc", 2), TEXT).await;
    assert_eq!(status, DAILY_QUOTA_EXHAUSTED, "new daily cap applies");
    assert!(!client.closed);
    // New binds: the old password is refused, the new one accepted.
    let (_, st) = Esme::try_bind(smppd.client, BindKind::Transmitter, "demo", "demo")
        .await
        .unwrap();
    assert_eq!(st, ESME_RINVPASWD, "old password refused after reload");
    let _second = Esme::bind(smppd.client, BindKind::Transmitter, "demo", "newpass").await;

    // An invalid file is refused and logged; the config in force stays.
    std::fs::write(&file, edited.replacen("tps = 0", "tps = \"lots\"", 1)).unwrap();
    smppd.signal("HUP");
    smppd
        .wait_log("config reload refused", 1, Duration::from_secs(30))
        .await;
    let _third = Esme::bind(smppd.client, BindKind::Transmitter, "demo", "newpass").await;
    let (status, _) = client.submit_text(&number("cmcc", 3), TEXT).await;
    assert_eq!(
        status, DAILY_QUOTA_EXHAUSTED,
        "old (reloaded) cap still in force"
    );

    // The same reload through the admin API, with the file fixed: cap lifted again.
    std::fs::write(&file, &original).unwrap();
    let (code, body) = http(
        smppd.admin.expect("admin address"),
        "POST",
        "/api/v1/config/reload",
        None,
    )
    .await;
    assert_eq!(code, 200, "{body}");
    assert!(body.contains("\"passwords_changed\":[\"demo\"]"), "{body}");
    let (status, _) = client.submit_text(&number("cmcc", 4), TEXT).await;
    assert_eq!(status, 0, "cap removed by the reload");
    client.unbind().await;
    drop((_second, _third));

    assert!(smppd.stop().await.success());
    carriers.shutdown().await;
}

#[tokio::test]
async fn reload_reports_unbinds_removed_accounts_and_refuses_unknown_channels() {
    let carriers = Carriers::start(|_, _| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("smppd.toml");
    let two_accounts = base_toml(
        dir.path(),
        carriers.ports(),
        "\"never\"",
        "[[accounts]]\nsystem_id = \"other\"\npassword = \"pw\"\ninsecure_plain_password = true\nallowed_ips = [\"127.0.0.1\"]\n",
    );
    let InProcess {
        addr,
        reloader,
        shutdown,
        serving,
    } = InProcess::start(&file, &two_accounts).await;

    let mut other = Esme::bind(addr, BindKind::Receiver, "other", "pw").await;
    let mut demo = Esme::bind(addr, BindKind::Transceiver, "demo", "demo").await;

    // Remove "other", change the listener (restart only), route to a known channel.
    let one_account = base_toml(dir.path(), carriers.ports(), "\"never\"", "").replacen(
        "listen = [\"127.0.0.1:0\"]",
        "listen = [\"127.0.0.1:1\"]",
        1,
    );
    std::fs::write(&file, &one_account).unwrap();
    let r = reloader.reload().expect("valid reload");
    assert_eq!(r.accounts_removed, ["other"]);
    assert_eq!(r.binds_unbound, 1);
    assert!(r.restart_needed.contains(&"server.listen"), "{r:?}");
    assert!(!r.routes_changed);
    // The removed account's client is told to unbind (SMPP 3.4 §4.2) and cannot rebind.
    // (this client does not answer the unbind: closed after response_timeout, 2 s)
    other.drain(Duration::from_secs(5)).await;
    assert!(other.closed, "the removed account's session ended");
    let (_, st) = Esme::try_bind(addr, BindKind::Receiver, "other", "pw")
        .await
        .unwrap();
    assert_eq!(st, ESME_RINVPASWD);

    // A route to a channel the file does not define: refused, nothing applied.
    let bad = two_accounts.replacen(
        "{ channel = \"cmcc-sim\" }]",
        "{ channel = \"ghost-sim\" }]",
        1,
    );
    std::fs::write(&file, &bad).unwrap();
    let e = reloader.reload().unwrap_err().to_string();
    assert!(e.contains("ghost-sim"), "{e}");
    let (_, st) = Esme::try_bind(addr, BindKind::Receiver, "other", "pw")
        .await
        .unwrap();
    assert_eq!(st, ESME_RINVPASWD, "the refused file added nothing");
    let (status, _) = demo.submit_text(&number("cucc", 1), TEXT).await;
    assert_eq!(status, 0);

    // Routes, keyword lists and signatures change under a bound client.
    const NEW_SIGNED: &str = "【新签名】您的订单已发货";
    const BANNED: &str = "【smppd测试】本店出售月光宝盒";
    assert_eq!(
        demo.submit_text(&number("cmcc", 7), NEW_SIGNED).await.0,
        0x402
    );
    assert_eq!(demo.submit_text(&number("cmcc", 8), BANNED).await.0, 0);
    let words = dir.path().join("extra.txt");
    std::fs::write(&words, "月光宝盒\n").unwrap();
    let changed = one_account
        .replacen(
            "signatures = [\"【smppd测试】\"]",
            "signatures = [\"【smppd测试】\", \"【新签名】\"]",
            1,
        )
        .replacen(
            "[routing.groups.cmcc]\nchannels = [{ channel = \"cmcc-sim\" }]",
            "[routing.groups.cmcc]\nchannels = [{ channel = \"cucc-sim\" }]",
            1,
        )
        + &format!(
            "[policy]\nkeyword_files = [{:?}]\n",
            words.display().to_string()
        );
    std::fs::write(&file, &changed).unwrap();
    let r = reloader.reload().expect("valid reload");
    assert!(r.routes_changed && r.policy_changed, "{r:?}");
    assert_eq!(r.accounts_changed, ["demo"], "{r:?}");
    assert_eq!(demo.submit_text(&number("cmcc", 9), NEW_SIGNED).await.0, 0);
    assert_eq!(
        demo.submit_text(&number("cmcc", 10), BANNED).await.0,
        0x400,
        "the reloaded keyword list applies"
    );
    let moved = number("cmcc", 9);
    support_gateway::wait_until(
        "cmcc number sent via cucc-sim",
        Duration::from_secs(10),
        || {
            carriers
                .destinations("cucc")
                .iter()
                .any(|d| d.ends_with(&moved[3..]))
        },
    )
    .await;

    shutdown.cancel();
    let _ = serving.await;
    carriers.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_account_removed_and_added_back_by_reloads_keeps_its_daily_usage() {
    let carriers = Carriers::start(|_, _| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("smppd.toml");
    const CAPPED: &str = "[[accounts]]\nsystem_id = \"other\"\npassword = \"pw\"\n\
        insecure_plain_password = true\nallowed_ips = [\"127.0.0.1\"]\n\
        signatures = [\"【smppd测试】\"]\n[accounts.policy]\ntps = 0\ndaily_cap = 2\n\
        [accounts.policy.checks]\nsending_hours = false\nfrequency = false\n\
        recipient_daily_cap = false\n";
    let with_other = base_toml(dir.path(), carriers.ports(), "\"never\"", CAPPED);
    let without = base_toml(dir.path(), carriers.ports(), "\"never\"", "");
    let InProcess {
        addr,
        reloader,
        shutdown,
        serving,
    } = InProcess::start(&file, &with_other).await;

    let mut other = Esme::bind(addr, BindKind::Transceiver, "other", "pw").await;
    assert_eq!(other.submit_text(&number("cmcc", 1), TEXT).await.0, 0);
    assert_eq!(other.submit_text(&number("cmcc", 2), TEXT).await.0, 0);
    let (status, _) = other.submit_text(&number("cmcc", 3), TEXT).await;
    assert_eq!(status, DAILY_QUOTA_EXHAUSTED, "cap of 2 reached");
    other.unbind().await;

    std::fs::write(&file, &without).unwrap();
    assert_eq!(reloader.reload().unwrap().accounts_removed, ["other"]);
    std::fs::write(&file, &with_other).unwrap();
    assert_eq!(reloader.reload().unwrap().accounts_added, ["other"]);
    // The usage is read back from the store just after the reload.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let mut again = Esme::bind(addr, BindKind::Transceiver, "other", "pw").await;
    let (status, _) = again.submit_text(&number("cmcc", 4), TEXT).await;
    assert_eq!(
        status, DAILY_QUOTA_EXHAUSTED,
        "today's two accepted messages still count after the account came back"
    );
    again.unbind().await;

    shutdown.cancel();
    let _ = serving.await;
    carriers.shutdown().await;
}

/// `toml` with the `[[upstream.channels]]` block of channel `name` replaced by `block`.
fn replace_channel(toml: &str, name: &str, block: &str) -> String {
    let at = toml
        .find(&format!("name = \"{name}\""))
        .expect("channel in config");
    let start = toml[..at]
        .rfind("[[upstream.channels]]")
        .expect("block start");
    let end = toml[at..]
        .find("[[upstream.channels]]")
        .map_or(toml.len(), |e| at + e);
    format!("{}{block}{}", &toml[..start], &toml[end..])
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reload_adds_rebinds_and_removes_carrier_channels_and_keeps_the_others_bound() {
    use smppd::sim::{SimStats, Simulator};
    let carriers = Carriers::start(|_, _| {}).await;
    let extra = Simulator::start(support_gateway::sim_config())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("smppd.toml");
    let original = base_toml(dir.path(), carriers.ports(), "\"never\"", "");
    let InProcess {
        addr,
        reloader,
        shutdown,
        serving,
    } = InProcess::start(&file, &original).await;
    let binds = |op: &str| SimStats::get(&carriers.get(op).stats().binds);
    support_gateway::wait_until("every channel bound", Duration::from_secs(10), || {
        ["cmcc", "cucc", "ctcc"].iter().all(|op| binds(op) >= 1)
    })
    .await;
    let (cmcc_binds, ctcc_binds) = (binds("cmcc"), binds("ctcc"));

    // cucc-sim goes (its numbers now go to the new extra-sim), cmcc-sim gets a smaller
    // window (a rebind), ctcc-sim a TPS cap (applied in place).
    let extra_block = format!(
        "[[upstream.channels]]\nname = \"extra-sim\"\nhost = \"127.0.0.1\"\nport = {}\n\
         system_id = \"smppd\"\npassword = \"sim\"\nresponse_timeout = \"1s\"\n\
         enquire_link_interval = \"1s\"\nreconnect_max = \"1s\"\n",
        extra.addr().port()
    );
    let edited = replace_channel(&original, "cucc-sim", &extra_block)
        .replacen(
            "[routing.groups.cucc]\nchannels = [{ channel = \"cucc-sim\" }]",
            "[routing.groups.cucc]\nchannels = [{ channel = \"extra-sim\" }]",
            1,
        )
        .replacen("{ channel = \"cucc-sim\" }, ", "", 1)
        .replacen("name = \"cmcc-sim\"", "name = \"cmcc-sim\"\nwindow = 8", 1)
        .replacen("name = \"ctcc-sim\"", "name = \"ctcc-sim\"\ntps = 4", 1);
    assert!(!edited.contains("cucc-sim"), "{edited}");
    std::fs::write(&file, &edited).unwrap();
    let r = reloader.reload().expect("valid reload");
    assert_eq!(r.channels.added, ["extra-sim"], "{r:?}");
    assert_eq!(r.channels.retuned, ["ctcc-sim"], "{r:?}");
    assert_eq!(r.channels.restarted, ["cmcc-sim"], "{r:?}");
    assert_eq!(r.channels.removed, ["cucc-sim"], "{r:?}");
    assert!(r.routes_changed);
    assert!(
        !r.restart_needed.iter().any(|s| s.contains("upstream")),
        "{r:?}"
    );

    // Unicom numbers reach the new channel, mobile ones the rebound cmcc-sim (once bound
    // again: until then the fallback group would send them elsewhere).
    support_gateway::wait_until("cmcc-sim bound again", Duration::from_secs(10), || {
        binds("cmcc") > cmcc_binds
    })
    .await;
    let mut client = Esme::bind(addr, BindKind::Transceiver, "demo", "demo").await;
    let (unicom, mobile) = (number("cucc", 21), number("cmcc", 22));
    assert_eq!(client.submit_text(&unicom, TEXT).await.0, 0);
    assert_eq!(client.submit_text(&mobile, TEXT).await.0, 0);
    let got = |sim: &smppd::sim::SimHandle, n: &str| {
        sim.record()
            .submits()
            .iter()
            .any(|s| s.destination_addr.ends_with(&n[3..]))
    };
    support_gateway::wait_until(
        "unicom number on extra-sim",
        Duration::from_secs(10),
        || got(&extra, &unicom),
    )
    .await;
    support_gateway::wait_until("mobile number on cmcc-sim", Duration::from_secs(10), || {
        got(carriers.get("cmcc"), &mobile)
    })
    .await;
    assert!(!got(carriers.get("cucc"), &unicom));
    // The removed channel unbound; the changed one bound again; the unchanged one kept its bind.
    support_gateway::wait_until("cucc-sim unbound", Duration::from_secs(10), || {
        carriers.get("cucc").open_connections() == 0
    })
    .await;
    assert_eq!(binds("cmcc"), cmcc_binds + 1);
    assert_eq!(binds("ctcc"), ctcc_binds, "ctcc-sim kept its bind");

    // ctcc-sim's new cap is in force on its old binds: 5 submits at 4/s span a second.
    let telecom: Vec<String> = (30..35).map(|i| number("ctcc", i)).collect();
    for n in &telecom {
        assert_eq!(client.submit_text(n, TEXT).await.0, 0);
    }
    let arrivals = || -> Vec<u64> {
        let submits = carriers.get("ctcc").record().submits();
        let ours = submits.iter().filter(|s| {
            telecom
                .iter()
                .any(|n| s.destination_addr.ends_with(&n[3..]))
        });
        ours.map(|s| s.received_at_ms).collect()
    };
    support_gateway::wait_until("5 submits on ctcc-sim", Duration::from_secs(10), || {
        arrivals().len() == 5
    })
    .await;
    let mut at = arrivals();
    at.sort_unstable();
    // The first slot may be owed to the schedule of an earlier submit; the four after it
    // are 250 ms apart.
    let span = at[4] - at[1];
    assert!(
        span >= 700,
        "4 submits at 4 TPS came within {span} ms: {at:?}"
    );
    assert_eq!(
        binds("ctcc"),
        ctcc_binds,
        "ctcc-sim still on its first bind"
    );

    // The same file again changes no channel.
    let r = reloader.reload().expect("valid reload");
    assert_eq!(r.channels, smppd::upstream::ChannelChanges::default());

    shutdown.cancel();
    let _ = serving.await;
    extra.shutdown().await;
    carriers.shutdown().await;
}
