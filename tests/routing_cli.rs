//! The routing halves of `smppd gen-prefixes` and `smppd route`, and portability persisted
//! across a "restart" of the route table.

use std::sync::Arc;

use smppd::message::MessageType;
use smppd::routing::cli::{explain_route, gen_prefixes};
use smppd::routing::{
    AllAvailable, Carrier, CarrierSource, NumberHint, PortabilityTable, PrefixTable, RouteQuery,
    RouteTable, RoutingConfig,
};

const CONFIG: &str = r#"
[[rules]]
name = "telecom"
carriers = ["ctcc"]
groups = ["ct"]
[[rules]]
name = "rest"
groups = ["cm"]
[groups.ct]
channels = [{ channel = "ct-a" }]
[groups.cm]
channels = [{ channel = "cm-a" }]
"#;

#[test]
fn gen_prefixes_writes_a_table_that_loads() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("in.csv");
    let out = dir.path().join("out.txt");
    std::fs::write(
        &csv,
        "prefix,province,city,carrier\n1300000,山东,济南,cucc\n1300001,山东,济南,cucc\n1700000,,,mvno-ctcc\n",
    )
    .unwrap();
    let msg = gen_prefixes(&csv, &out).unwrap();
    assert!(msg.contains("3 prefixes in 2 runs"), "{msg}");
    let table = PrefixTable::parse(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(
        table.lookup("13000011234").map(|i| i.carrier),
        Some(Carrier::Cucc)
    );
    assert_eq!(
        table.lookup("17000001234").map(|i| i.carrier),
        Some(Carrier::MvnoCtcc)
    );

    std::fs::write(
        &csv,
        "prefix,province,city,carrier\n1300000,山东,济南,orange\n",
    )
    .unwrap();
    let err = gen_prefixes(&csv, &out).unwrap_err();
    assert!(err.contains("line 2: unknown carrier \"orange\""), "{err}");
}

#[test]
fn learned_ports_survive_a_restart_and_route_by_override() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("ported.csv");
    let mut config: RoutingConfig = toml::from_str(CONFIG).unwrap();
    config.portability.file = Some(file.clone());
    let channels = ["ct-a", "cm-a"];
    let query = RouteQuery {
        account: "acme",
        destination: "13800138000",
        hint: NumberHint::Unknown,
        message_type: MessageType::Otp,
    };
    let mut rng = rand::thread_rng();

    let ported = Arc::new(PortabilityTable::from_config(&config.portability).unwrap());
    let table = RouteTable::new(&config, &channels)
        .unwrap()
        .with_portability(ported.clone());
    assert_eq!(
        table
            .route(&query, &AllAvailable, &mut rng)
            .unwrap()
            .1
            .channel,
        "cm-a"
    );
    ported.learn_ported("13800138000", Carrier::Ctcc).unwrap();
    assert_eq!(
        table
            .route(&query, &AllAvailable, &mut rng)
            .unwrap()
            .1
            .channel,
        "ct-a"
    );
    drop((table, ported));

    // A new process: the override comes back from the file.
    let ported = Arc::new(PortabilityTable::from_config(&config.portability).unwrap());
    let table = RouteTable::new(&config, &channels)
        .unwrap()
        .with_portability(ported);
    let (dest, route) = table.route(&query, &AllAvailable, &mut rng).unwrap();
    assert_eq!(dest.carrier_source, CarrierSource::Override);
    assert_eq!(route.channel, "ct-a");

    let text = explain_route(&config, &channels, "acme", "13800138000", MessageType::Otp).unwrap();
    assert!(
        text.contains("carrier:     ctcc (portability override), prefix table says cmcc"),
        "{text}"
    );
    assert!(text.contains("route:       channel \"ct-a\""), "{text}");

    // Explaining reads the portability file but never creates or appends to one.
    let mut elsewhere = config.clone();
    elsewhere.portability.file = Some(dir.path().join("absent.csv"));
    explain_route(
        &elsewhere,
        &channels,
        "acme",
        "13800138000",
        MessageType::Otp,
    )
    .unwrap();
    assert!(!dir.path().join("absent.csv").exists());

    let err =
        explain_route(&config, &["cm-a"], "acme", "13800138000", MessageType::Otp).unwrap_err();
    assert!(err.contains("unknown channel \"ct-a\""), "{err}");
}

#[test]
fn smppd_route_command_explains_from_a_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("smppd.toml");
    // Self-contained: the example config has its own routing and channels.
    let base = r#"
[server]
listen = ["127.0.0.1:2775"]

[[accounts]]
system_id = "demo"
password = "demo"
insecure_plain_password = true
allowed_ips = ["127.0.0.1"]

[[upstream.channels]]
name = "cm-a"
host = "127.0.0.1"
port = 27761
system_id = "smppd"
password = "sim"
"#;
    let routing = r#"
[routing]
[[routing.rules]]
name = "otp on mobile"
carriers = ["cmcc"]
message_types = ["otp"]
groups = ["cm"]
[routing.groups.cm]
channels = [{ channel = "cm-a" }]
"#;
    std::fs::write(&path, format!("{base}\n{routing}")).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smppd"))
        .args(["route", "--config"])
        .arg(&path)
        .args(["13800138000", "--type", "otp"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("rule #0 (\"otp on mobile\"): MATCH"),
        "{stdout}"
    );
    assert!(stdout.contains("route:       channel \"cm-a\""), "{stdout}");

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smppd"))
        .args(["route", "--config"])
        .arg(&path)
        .args(["13800138000", "--type", "marketing"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("REJECTED: no route"), "{stdout}");
}
