//! The server matches `deploy/openapi.yaml`: every documented path and method exists,
//! needs the token unless documented open, answers a documented status, and its JSON
//! carries the documented top-level fields. Requests are built from the document's own
//! examples, so the examples are checked too.

mod admin_support;

use axum::http::{Method, StatusCode};
use serde_yaml::Value as Yaml;

use admin_support::Fixture;

fn load() -> Yaml {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/openapi.yaml"))
        .unwrap();
    serde_yaml::from_str(&text).unwrap()
}

/// Follows a local `$ref` (`#/components/...`).
fn resolve<'a>(doc: &'a Yaml, v: &'a Yaml) -> &'a Yaml {
    match v.get("$ref").and_then(Yaml::as_str) {
        Some(r) => {
            let mut cur = doc;
            for part in r.trim_start_matches("#/").split('/') {
                cur = cur.get(part).unwrap_or_else(|| panic!("dangling $ref {r}"));
            }
            resolve(doc, cur)
        }
        None => v,
    }
}

struct Operation {
    method: Method,
    path: String,
    uri: String,
    body: Option<serde_json::Value>,
    open: bool,
    responses: Yaml,
}

fn operations(doc: &Yaml) -> Vec<Operation> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_mapping().unwrap() {
        let path = path.as_str().unwrap();
        for (method, op) in item.as_mapping().unwrap() {
            let method: Method = method.as_str().unwrap().to_uppercase().parse().unwrap();
            let mut uri = path.to_string();
            let mut query = Vec::new();
            for p in op
                .get("parameters")
                .and_then(Yaml::as_sequence)
                .into_iter()
                .flatten()
            {
                let p = resolve(doc, p);
                let name = p["name"].as_str().unwrap();
                let example = p.get("example").map(|e| match e {
                    Yaml::String(s) => s.clone(),
                    other => serde_yaml::to_string(other).unwrap().trim().to_string(),
                });
                match (p["in"].as_str().unwrap(), example) {
                    ("path", Some(e)) => uri = uri.replace(&format!("{{{name}}}"), &e),
                    ("path", None) => panic!("{path}: path parameter {name} needs an example"),
                    ("query", Some(e)) => query.push(format!("{name}={}", e.replace('+', "%2B"))),
                    _ => {}
                }
            }
            if !query.is_empty() {
                uri = format!("{uri}?{}", query.join("&"));
            }
            let body = op
                .get("requestBody")
                .map(|b| resolve(doc, b)["content"]["application/json"]["example"].clone())
                .map(|e| {
                    assert!(
                        !e.is_null(),
                        "{method} {path}: requestBody needs an example"
                    );
                    serde_json::to_value(e).unwrap()
                });
            let open = op
                .get("security")
                .and_then(Yaml::as_sequence)
                .is_some_and(|s| s.is_empty());
            out.push(Operation {
                method,
                path: path.to_string(),
                uri,
                body,
                open,
                responses: op["responses"].clone(),
            });
        }
    }
    out
}

#[tokio::test]
async fn every_documented_operation_is_served_as_documented() {
    let doc = load();
    let f = Fixture::new();
    f.seed().await;
    let ops = operations(&doc);
    assert!(ops.len() >= 25, "only {} operations documented", ops.len());
    let mut successes = 0;
    let mut failed = Vec::new();
    for op in &ops {
        let what = format!("{} {}", op.method, op.uri);
        // Without the token.
        let (st, _) = f
            .call_with(op.method.clone(), &op.uri, op.body.clone(), None)
            .await;
        if op.open {
            assert_ne!(st, StatusCode::UNAUTHORIZED, "{what} is documented open");
        } else {
            assert_eq!(st, StatusCode::UNAUTHORIZED, "{what} must need the token");
        }
        // With it.
        let (st, text) = f
            .raw(
                op.method.clone(),
                &op.uri,
                op.body.clone(),
                Some(admin_support::TOKEN),
            )
            .await;
        assert!(
            !text.contains("no such endpoint") && st != StatusCode::METHOD_NOT_ALLOWED,
            "{what}: not routed ({st})"
        );
        let documented = op.responses.get(st.as_str()).unwrap_or_else(|| {
            panic!(
                "{what} answered {st}, not documented for {}: {text}",
                op.path
            )
        });
        let documented = resolve(&doc, documented);
        if st.is_success() {
            successes += 1;
        } else {
            failed.push(format!("{what} -> {st}"));
        }

        let Some(schema) = documented
            .get("content")
            .and_then(|c| c.get("application/json"))
            .map(|c| resolve(&doc, &c["schema"]))
        else {
            continue;
        };
        let json: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{what}: documented JSON, got {e}: {text}"));
        for field in schema
            .get("required")
            .and_then(Yaml::as_sequence)
            .into_iter()
            .flatten()
        {
            let field = field.as_str().unwrap();
            assert!(
                json.get(field).is_some(),
                "{what}: documented field {field:?} missing in {json}"
            );
        }
    }
    // The examples are meant to work: most operations must succeed with them.
    assert!(
        successes >= ops.len() - 2,
        "only {successes} of {} succeeded",
        ops.len()
    );
}

#[tokio::test]
async fn every_served_route_is_documented() {
    let doc = load();
    let documented: Vec<&str> = doc["paths"]
        .as_mapping()
        .unwrap()
        .keys()
        .map(|k| k.as_str().unwrap())
        .collect();
    // The router's paths, as registered in src/admin/mod.rs.
    let source =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/src/admin/mod.rs")).unwrap();
    let re = regex::Regex::new(r#"\.route\(\s*"([^"]+)""#).unwrap();
    let mut served = 0;
    for cap in re.captures_iter(&source) {
        let p = &cap[1];
        let full =
            if p.starts_with("/metrics") || p.starts_with("/healthz") || p.starts_with("/readyz") {
                p.to_string()
            } else {
                format!("/api/v1{p}")
            };
        assert!(
            documented.contains(&full.as_str()),
            "{full} is served but not in openapi.yaml"
        );
        served += 1;
    }
    assert_eq!(
        served,
        documented.len(),
        "documented paths that are not served"
    );
}
