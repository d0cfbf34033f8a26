//! The shared conformance cases: `ecs-tests.json` (container URI resolution) and
//! `imds-config/imds-endpoint-tests.json` (IMDS endpoint resolution). Both only resolve
//! URIs; no request is sent.
use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;
use ziggurat_config::Env;
use ziggurat_config::imds::{EndpointInputs, EndpointMode};
use ziggurat_config::provider::container;

fn conformance_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ZIGGURAT_CONFORMANCE") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "ZIGGURAT_CONFORMANCE is set to {}, which is not a directory",
            dir.display()
        );
        return Some(dir);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    let dir = workspace.join("../shared/conformance");
    dir.is_dir().then_some(dir)
}

/// The `tests` array of a suite under `aws-config-test-data/`, or `None` (said loudly).
fn load(file: &str) -> Option<Vec<Value>> {
    let Some(dir) = conformance_dir() else {
        // The real stderr, not `eprintln!`: the harness's output capture must not hide it.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: provider conformance for {file}: no conformance data \
             (set ZIGGURAT_CONFORMANCE or provide <workspace>/../shared/conformance)"
        );
        return None;
    };
    let path = dir
        .join("shared-config-and-credentials/smithy-rs/aws-config-test-data")
        .join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let suite: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    match suite.get("tests") {
        Some(Value::Array(tests)) => Some(tests.clone()),
        _ => panic!("{} has no `tests` array", path.display()),
    }
}

fn env_of(case: &Value) -> Vec<(String, String)> {
    case["env"]
        .as_object()
        .map(|m| {
            m.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

fn name(case: &Value) -> String {
    case["docs"].as_str().unwrap_or("?").to_owned()
}

#[test]
fn ecs_tests_resolve_container_uris() {
    let Some(cases) = load("ecs-tests.json") else {
        return;
    };
    let mut failures = Vec::new();
    for case in &cases {
        let env = Env::from_pairs(env_of(case));
        let got = container::resolve_uri(&env);
        let result = &case["result"];
        let ok = match (
            result.get("Ok").and_then(Value::as_str),
            result.get("ErrorContains").and_then(Value::as_str),
            &got,
        ) {
            (Some(want), _, Ok(uri)) => *uri == want,
            // smithy-rs's messages; we match the category and the gist.
            (_, Some(want), Err(e)) if want.contains("No environment variables") => {
                e.is_not_configured()
            }
            (_, Some(want), Err(e)) if want.contains("did not specify a host") => {
                e.is_invalid_config() && e.to_string().contains("did not specify a host")
            }
            _ => false,
        };
        if !ok {
            failures.push(format!("{}: expected {result}, got {got:?}", name(case)));
        }
    }
    assert!(
        failures.is_empty(),
        "failing ecs-tests cases:\n{}",
        failures.join("\n")
    );
    assert_eq!(cases.len(), 11, "ecs-tests.json case count");
}

/// The selected profile's values, read by the real loader from the case's files.
fn profile_values(env: &HashMap<String, String>, fs: &Value) -> HashMap<String, String> {
    let files: Vec<(String, String)> = fs
        .as_object()
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                .collect()
        })
        .unwrap_or_default();
    let env = ziggurat_config::Env::from_pairs(env.clone());
    let fs = ziggurat_config::Fs::from_pairs(files);
    let profiles = ziggurat_config::profile::ProfileFiles::new()
        .load(&env, &fs)
        .expect("the case's config file parses");
    profiles
        .selected()
        .map(|p| {
            p.properties()
                .map(|prop| (prop.name().to_owned(), prop.value().to_owned()))
                .collect()
        })
        .unwrap_or_default()
}

#[test]
fn imds_endpoint_tests_resolve_the_token_url() {
    let Some(cases) = load("imds-config/imds-endpoint-tests.json") else {
        return;
    };
    let mut failures = Vec::new();
    for case in &cases {
        let env: HashMap<String, String> = env_of(case).into_iter().collect();
        let profile = profile_values(&env, &case["fs"]);
        let mode_override = case["mode_override"]
            .as_str()
            .map(|m| m.parse::<EndpointMode>().unwrap());
        let get = |k: &str| env.get(k).map(String::as_str);
        let inputs = EndpointInputs {
            endpoint_override: case["endpoint_override"].as_str(),
            mode_override,
            env_endpoint: get("AWS_EC2_METADATA_SERVICE_ENDPOINT"),
            env_mode: get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"),
            profile_endpoint: profile
                .get("ec2_metadata_service_endpoint")
                .map(String::as_str),
            profile_mode: profile
                .get("ec2_metadata_service_endpoint_mode")
                .map(String::as_str),
        };
        let got = inputs.resolve().map(|base| {
            format!(
                "{}/latest/api/token",
                base.to_string().trim_end_matches('/')
            )
        });
        let result = &case["result"];
        let ok = match (
            result.get("Ok").and_then(Value::as_str),
            result.get("Err").and_then(Value::as_str),
            &got,
        ) {
            (Some(want), _, Ok(url)) => url == want,
            (_, Some(want), Err(e)) => e.to_string().contains(want),
            _ => false,
        };
        if !ok {
            failures.push(format!("{}: expected {result}, got {got:?}", name(case)));
        }
    }
    assert!(
        failures.is_empty(),
        "failing imds-endpoint-tests cases:\n{}",
        failures.join("\n")
    );
    assert_eq!(cases.len(), 14, "imds-endpoint-tests.json case count");
}
