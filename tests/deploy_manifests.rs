//! `deploy/` is checked without the tools it targets (promtool, systemd-analyze, kubectl are
//! not available): every file parses, metric names in alerts and dashboards exist, and the
//! Dockerfile, systemd unit and Kubernetes manifests agree on the binary, config path and
//! admin port. The ConfigMap's config is validated by the real binary.

use std::collections::BTreeSet;
use std::path::PathBuf;

use serde_yaml::Value as Yaml;
use smppd::admin::AdminConfig;
use smppd::metrics::METRIC_NAMES;

fn path(rel: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("deploy")
        .join(rel)
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(path(rel)).unwrap_or_else(|e| panic!("deploy/{rel}: {e}"))
}

fn yaml_docs(rel: &str) -> Vec<Yaml> {
    let text = read(rel);
    serde_yaml::Deserializer::from_str(&text)
        .map(|d| serde::Deserialize::deserialize(d).unwrap_or_else(|e| panic!("deploy/{rel}: {e}")))
        .collect()
}

/// Metric families a PromQL expression reads (histogram series map to their family).
fn metrics_in(expr: &str) -> BTreeSet<String> {
    let re = regex::Regex::new(r"\b(smppd_[a-z0-9_]+|process_[a-z0-9_]+)").unwrap();
    re.captures_iter(expr)
        .map(|c| {
            let name = c[1].to_string();
            for suffix in ["_bucket", "_sum", "_count"] {
                if let Some(base) = name.strip_suffix(suffix) {
                    if METRIC_NAMES.contains(&base) {
                        return base.to_string();
                    }
                }
            }
            name
        })
        .collect()
}

fn assert_known(expr: &str, whence: &str) -> usize {
    let names = metrics_in(expr);
    for n in &names {
        assert!(
            METRIC_NAMES.contains(&n.as_str()),
            "{whence}: unknown metric {n} in {expr}"
        );
    }
    names.len()
}

#[test]
fn alert_rules_use_real_metrics_and_cover_the_required_cases() {
    let doc = &yaml_docs("prometheus/alerts.yml")[0];
    let mut alerts = Vec::new();
    for group in doc["groups"].as_sequence().unwrap() {
        for rule in group["rules"].as_sequence().unwrap() {
            let name = rule["alert"].as_str().unwrap().to_string();
            let expr = rule["expr"].as_str().unwrap();
            assert!(rule["labels"]["severity"].is_string(), "{name}: severity");
            assert!(
                rule["annotations"]["summary"].is_string(),
                "{name}: summary"
            );
            if name != "SmppdDown" {
                assert!(
                    assert_known(expr, &name) > 0,
                    "{name} reads no smppd metric"
                );
            }
            alerts.push(name);
        }
    }
    for required in [
        "SmppdCarrierChannelDown",
        "SmppdQueueGrowing",
        "SmppdReceiptLag",
        "SmppdRejectionSpike",
    ] {
        assert!(
            alerts.iter().any(|a| a == required),
            "missing alert {required}"
        );
    }
}

#[test]
fn scrape_config_targets_the_admin_listener_with_the_token() {
    let doc = &yaml_docs("prometheus/prometheus.yml")[0];
    let job = &doc["scrape_configs"][0];
    assert_eq!(job["job_name"], "smppd");
    assert_eq!(job["metrics_path"], "/metrics");
    assert_eq!(job["authorization"]["type"], "Bearer");
    for t in job["static_configs"][0]["targets"].as_sequence().unwrap() {
        assert!(t.as_str().unwrap().ends_with(":8775"), "{t:?}");
    }
    assert!(doc["rule_files"][0]
        .as_str()
        .unwrap()
        .ends_with("smppd-alerts.yml"));
}

#[test]
fn grafana_dashboard_parses_and_reads_real_metrics() {
    let dash: serde_json::Value =
        serde_json::from_str(&read("grafana/smppd-dashboard.json")).unwrap();
    let panels = dash["panels"].as_array().unwrap();
    assert!(panels.len() >= 10);
    let mut ids = BTreeSet::new();
    let mut used = BTreeSet::new();
    for p in panels {
        assert!(ids.insert(p["id"].as_u64().unwrap()), "duplicate panel id");
        for t in p["targets"].as_array().unwrap() {
            let expr = t["expr"].as_str().unwrap();
            assert!(assert_known(expr, p["title"].as_str().unwrap()) > 0);
            used.extend(metrics_in(expr));
        }
    }
    for family in [
        "smppd_submit_total",
        "smppd_rejected_total",
        "smppd_receipts_total",
        "smppd_upstream_channel_state",
        "smppd_upstream_window_in_use",
        "smppd_upstream_submit_duration_seconds",
        "smppd_queue_messages",
        "smppd_queue_oldest_age_seconds",
        "smppd_receipt_backlog",
        "smppd_store_commit_seconds_total",
        "smppd_binds",
    ] {
        assert!(used.contains(family), "dashboard does not show {family}");
    }
}

#[test]
fn dockerfile_is_multi_stage_and_runs_the_real_binary() {
    let text = read("Dockerfile");
    let froms: Vec<&str> = text.lines().filter(|l| l.starts_with("FROM ")).collect();
    assert!(froms.len() >= 2, "multi-stage: {froms:?}");
    assert!(text.contains("cargo build --release --locked --bin smppd"));
    assert!(text.contains(r#"ENTRYPOINT ["/usr/local/bin/smppd"]"#));
    assert!(text.contains(r#"CMD ["run", "--config", "/etc/smppd/smppd.toml"]"#));
    assert!(text
        .lines()
        .any(|l| l.starts_with("USER ") && !l.contains("root")));
    assert!(text.contains("EXPOSE 2775 8775"));
    for line in text.lines().filter(|l| l.starts_with("COPY deploy/")) {
        let src = line
            .split_whitespace()
            .nth(1)
            .unwrap()
            .trim_start_matches("deploy/");
        assert!(path(src).exists(), "Dockerfile copies missing {src}");
    }
}

/// systemd directives the unit may use (systemd ignores a misspelt one with a warning).
const SYSTEMD_KEYS: &[&str] = &[
    "Description",
    "Documentation",
    "After",
    "Wants",
    "Type",
    "User",
    "Group",
    "ExecStartPre",
    "ExecStart",
    "ExecReload",
    "KillSignal",
    "TimeoutStopSec",
    "Restart",
    "RestartSec",
    "StateDirectory",
    "StateDirectoryMode",
    "WorkingDirectory",
    "ConfigurationDirectory",
    "LogsDirectory",
    "LimitNOFILE",
    "Environment",
    "NoNewPrivileges",
    "ProtectSystem",
    "ProtectHome",
    "PrivateTmp",
    "PrivateDevices",
    "ProtectKernelTunables",
    "ProtectKernelModules",
    "ProtectKernelLogs",
    "ProtectControlGroups",
    "ProtectClock",
    "ProtectHostname",
    "ProtectProc",
    "ProcSubset",
    "RestrictAddressFamilies",
    "RestrictNamespaces",
    "RestrictRealtime",
    "RestrictSUIDSGID",
    "LockPersonality",
    "MemoryDenyWriteExecute",
    "RemoveIPC",
    "CapabilityBoundingSet",
    "AmbientCapabilities",
    "SystemCallArchitectures",
    "SystemCallFilter",
    "UMask",
    "WantedBy",
];

#[test]
fn systemd_unit_is_well_formed_and_hardened() {
    let text = read("systemd/smppd.service");
    let mut section = String::new();
    let mut keys: Vec<(String, String, String)> = Vec::new();
    for line in text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
    {
        if line.starts_with('[') {
            assert!(line.ends_with(']'), "{line}");
            section = line.to_string();
            continue;
        }
        let (k, v) = line
            .split_once('=')
            .unwrap_or_else(|| panic!("not key=value: {line}"));
        assert!(SYSTEMD_KEYS.contains(&k), "unknown directive {k}");
        assert!(!section.is_empty(), "{k} outside a section");
        keys.push((section.clone(), k.to_string(), v.to_string()));
    }
    let get = |k: &str| {
        keys.iter()
            .find(|(_, key, _)| key == k)
            .map(|(s, _, v)| (s.as_str(), v.as_str()))
    };
    assert_eq!(
        get("ExecStart"),
        Some((
            "[Service]",
            "/usr/local/bin/smppd run --config /etc/smppd/smppd.toml"
        ))
    );
    assert_eq!(
        get("ExecReload"),
        Some(("[Service]", "/bin/kill -HUP $MAINPID")),
        "systemctl reload sends SIGHUP, which smppd handles as a config reload"
    );
    assert_eq!(
        get("ExecStartPre").unwrap().1,
        "/usr/local/bin/smppd check-config /etc/smppd/smppd.toml"
    );
    for (k, v) in [
        ("NoNewPrivileges", "yes"),
        ("ProtectSystem", "strict"),
        ("ProtectHome", "yes"),
        ("PrivateTmp", "yes"),
        ("CapabilityBoundingSet", ""),
        ("User", "smppd"),
    ] {
        assert_eq!(get(k).map(|x| x.1), Some(v), "{k}");
    }
    assert_eq!(get("WantedBy"), Some(("[Install]", "multi-user.target")));
}

const K8S: [&str; 3] = [
    "k8s/deployment.yaml",
    "k8s/service.yaml",
    "k8s/configmap.yaml",
];

fn k8s(kind: &str) -> Yaml {
    K8S.iter()
        .flat_map(|f| yaml_docs(f))
        .find(|d| d["kind"] == kind)
        .unwrap_or_else(|| panic!("no {kind}"))
}

#[test]
fn kubernetes_manifests_agree_on_ports_probes_and_config() {
    for d in K8S.iter().flat_map(|f| yaml_docs(f)) {
        assert!(d["apiVersion"].is_string() && d["kind"].is_string());
        assert!(d["metadata"]["name"].is_string());
    }
    let deploy = k8s("Deployment");
    let c = &deploy["spec"]["template"]["spec"]["containers"][0];
    let args: Vec<&str> = c["args"]
        .as_sequence()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(args, ["run", "--config", "/etc/smppd/smppd.toml"]);
    let port = |name: &str| {
        c["ports"]
            .as_sequence()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| p["containerPort"].as_u64().unwrap())
    };
    assert_eq!((port("smpp"), port("admin")), (Some(2775), Some(8775)));
    assert_eq!(c["livenessProbe"]["httpGet"]["path"], "/healthz");
    assert_eq!(c["readinessProbe"]["httpGet"]["path"], "/readyz");
    assert_eq!(c["livenessProbe"]["httpGet"]["port"], "admin");
    assert_eq!(c["readinessProbe"]["httpGet"]["port"], "admin");
    let selector = &deploy["spec"]["selector"]["matchLabels"];
    assert_eq!(&deploy["spec"]["template"]["metadata"]["labels"], selector);

    for svc in yaml_docs("k8s/service.yaml") {
        assert_eq!(&svc["spec"]["selector"], selector);
        for p in svc["spec"]["ports"].as_sequence().unwrap() {
            assert!(port(p["targetPort"].as_str().unwrap()).is_some(), "{p:?}");
        }
    }

    // The ConfigMap's config: admin on the probed port, token file from the mounted Secret.
    let cm = k8s("ConfigMap");
    let toml_text = cm["data"]["smppd.toml"].as_str().unwrap();
    let table: toml::Table = toml::from_str(toml_text).unwrap();
    let admin: AdminConfig = table["admin"].clone().try_into().unwrap();
    assert_eq!(admin.listen.unwrap().port(), 8775);
    let token = admin.token_file.unwrap();
    let mounts = c["volumeMounts"].as_sequence().unwrap();
    assert!(
        mounts
            .iter()
            .any(|m| m["name"] == "admin-token"
                && token.starts_with(m["mountPath"].as_str().unwrap()))
    );
    assert!(mounts
        .iter()
        .any(|m| m["mountPath"] == "/etc/smppd/smppd.toml"));

    // And the real binary accepts it.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("smppd.toml");
    std::fs::write(&file, toml_text).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_smppd"))
        .arg("check-config")
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "check-config refused the ConfigMap: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
