//! The endpoint rules engine against the real rule sets and their official tests:
//!
//! - every botocore service under `endpoint-rules/botocore/` with both an
//!   `endpoint-rule-set-1.json` and an `endpoint-tests-1.json`: each case's `params` in, its
//!   `expect.endpoint` (url, headers, properties as JSON) or `expect.error` (the exact
//!   message) out, with `botocore/partitions.json`;
//! - aws-c-sdkutils' function tests (`test-cases/X.json` against `valid-rules/X.json`, with
//!   its own older `partitions.json`), its parse-only rule sets, its malformed rule set, and
//!   its partition fixtures.
//!
//! The data is found through `ZIGGURAT_CONFORMANCE`, else `../shared/conformance` next to the
//! workspace; without it the tests print `SKIPPED` and pass.
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value as Json;
use ziggurat_layers::endpoint::rules::{Params, Partitions, RuleSet, Value};

/// Cases not run, as (service, case documentation, reason). Empty: every case passes.
const SKIPS: &[(&str, &str, &str)] = &[];

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

/// `endpoint-rules/`, or `None` after printing that `what` was skipped.
fn data(what: &str) -> Option<PathBuf> {
    let dir = conformance_dir().map(|d| d.join("endpoint-rules"));
    match dir {
        Some(d) if d.is_dir() => Some(d),
        _ => {
            // The real stderr, not `eprintln!`: the harness's output capture must not hide it.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: endpoint rules conformance ({what}): no endpoint-rules data \
                 (set ZIGGURAT_CONFORMANCE or provide <workspace>/../shared/conformance)"
            );
            None
        }
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn json(path: &Path) -> Json {
    serde_json::from_str(&read(path))
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()))
}

fn partitions(path: &Path) -> Partitions {
    Partitions::from_json(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn rule_set(path: &Path) -> RuleSet {
    RuleSet::from_json(&read(path)).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Runs one case; `Err` says how it failed.
fn run_case(rules: &RuleSet, partitions: &Partitions, case: &Json) -> Result<(), String> {
    let mut params = Params::new();
    if let Some(p) = case.get("params").and_then(Json::as_object) {
        for (name, v) in p {
            let v = Value::from_json(v).ok_or_else(|| format!("param {name}: unsupported {v}"))?;
            params.insert(name.clone(), v);
        }
    }
    let expect = case.get("expect").ok_or("no `expect`")?;
    let got = rules.resolve(&params, partitions);
    if let Some(message) = expect.get("error").and_then(Json::as_str) {
        return match got {
            Err(e) if e.to_string() == message => Ok(()),
            Err(e) => Err(format!(
                "expected error {message:?}, got error {:?}",
                e.to_string()
            )),
            Ok(ep) => Err(format!(
                "expected error {message:?}, got endpoint {}",
                ep.url
            )),
        };
    }
    let want = expect
        .get("endpoint")
        .ok_or("`expect` has neither endpoint nor error")?;
    let ep = got.map_err(|e| format!("expected {}, got error {:?}", want, e.to_string()))?;
    let want_url = want.get("url").and_then(Json::as_str).unwrap_or_default();
    if ep.url != want_url {
        return Err(format!("url: expected {want_url}, got {}", ep.url));
    }
    let empty = Json::Object(Default::default());
    let want_props = want.get("properties").unwrap_or(&empty);
    let got_props = ep.properties_json();
    if &got_props != want_props {
        return Err(format!(
            "properties: expected {want_props}, got {got_props}"
        ));
    }
    let want_headers = want.get("headers").unwrap_or(&empty);
    let got_headers = Json::Object(
        ep.headers
            .iter()
            .map(|(k, v)| (k.clone(), Json::from(v.clone())))
            .collect(),
    );
    if &got_headers != want_headers {
        return Err(format!(
            "headers: expected {want_headers}, got {got_headers}"
        ));
    }
    Ok(())
}

/// Runs every case of `tests` against `rules`; returns (passed, skipped) and adds failures.
fn run_file(
    label: &str,
    rules: &RuleSet,
    partitions: &Partitions,
    tests: &Json,
    failures: &mut Vec<String>,
) -> (usize, usize) {
    let cases = tests
        .get("testCases")
        .and_then(Json::as_array)
        .unwrap_or_else(|| panic!("{label}: no testCases"));
    let (mut passed, mut skipped) = (0, 0);
    for (i, case) in cases.iter().enumerate() {
        let doc = case
            .get("documentation")
            .and_then(Json::as_str)
            .unwrap_or("");
        if let Some((_, _, reason)) = SKIPS.iter().find(|(s, d, _)| *s == label && *d == doc) {
            let _ = writeln!(std::io::stderr(), "skip {label} #{i} {doc:?}: {reason}");
            skipped += 1;
            continue;
        }
        match run_case(rules, partitions, case) {
            Ok(()) => passed += 1,
            Err(e) => failures.push(format!(
                "{label} #{i} {doc:?} params {}: {e}",
                case.get("params").unwrap_or(&Json::Null)
            )),
        }
    }
    (passed, skipped)
}

#[test]
fn botocore_endpoint_tests() {
    let Some(dir) = data("botocore services") else {
        return;
    };
    let dir = dir.join("botocore");
    let partitions = partitions(&dir.join("partitions.json"));
    let mut services: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("read botocore dir")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.join("endpoint-rule-set-1.json").is_file()
                && p.join("endpoint-tests-1.json").is_file()
        })
        .collect();
    services.sort();
    let names: Vec<String> = services
        .iter()
        .filter_map(|p| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
    for required in [
        "s3", "dynamodb", "lambda", "sqs", "sns", "sso", "sso-oidc", "sts",
    ] {
        assert!(
            names.iter().any(|n| n == required),
            "no {required} rule set in {}",
            dir.display()
        );
    }
    let mut failures = Vec::new();
    let mut total = 0;
    for (path, name) in services.iter().zip(&names) {
        let rules = rule_set(&path.join("endpoint-rule-set-1.json"));
        let tests = json(&path.join("endpoint-tests-1.json"));
        let before = failures.len();
        let (passed, skipped) = run_file(name, &rules, &partitions, &tests, &mut failures);
        total += passed;
        let _ = writeln!(
            std::io::stderr(),
            "endpoint rules {name}: {passed} passed, {skipped} skipped, {} failed",
            failures.len() - before
        );
    }
    assert!(total > 1000, "only {total} cases passed");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn sdkutils_function_tests() {
    let Some(dir) = data("aws-c-sdkutils test-cases") else {
        return;
    };
    let dir = dir.join("aws-c-sdkutils");
    let partitions = partitions(&dir.join("partitions.json"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("test-cases"))
        .expect("read test-cases")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert!(files.len() >= 16, "only {} test files", files.len());
    let mut failures = Vec::new();
    let mut total = 0;
    for file in &files {
        let name = file
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        // The one pair not named alike (see the data's README).
        let rules_name = if name == "local-region-override" {
            "region-override"
        } else {
            &name
        };
        let rules = rule_set(&dir.join("valid-rules").join(format!("{rules_name}.json")));
        let (passed, skipped) = run_file(&name, &rules, &partitions, &json(file), &mut failures);
        total += passed + skipped;
        let _ = writeln!(
            std::io::stderr(),
            "aws-c-sdkutils {name}: {passed} passed, {skipped} skipped"
        );
    }
    assert!(total >= 100, "only {total} cases ran");
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn sdkutils_rule_sets_parse_or_are_rejected() {
    let Some(dir) = data("aws-c-sdkutils rule sets") else {
        return;
    };
    let dir = dir.join("aws-c-sdkutils");
    let mut parsed = 0;
    for entry in std::fs::read_dir(dir.join("valid-rules")).expect("read valid-rules") {
        let path = entry.expect("dir entry").path();
        if let Err(e) = RuleSet::from_json(&read(&path)) {
            panic!("{} should parse: {e}", path.display());
        }
        parsed += 1;
    }
    assert!(parsed >= 19, "only {parsed} valid rule sets");
    rule_set(&dir.join("sample_ruleset.json"));
    for entry in std::fs::read_dir(dir.join("malformed-rules")).expect("read malformed-rules") {
        let path = entry.expect("dir entry").path();
        match RuleSet::from_json(&read(&path)) {
            Ok(_) => panic!("{} should be rejected", path.display()),
            Err(e) => {
                let _ = writeln!(std::io::stderr(), "{} rejected: {e}", path.display());
            }
        }
    }
}

#[test]
fn partitions_files() {
    let Some(dir) = data("partitions") else {
        return;
    };
    let botocore = partitions(&dir.join("botocore/partitions.json"));
    let ids: Vec<&str> = botocore.ids().collect();
    assert!(ids.contains(&"aws") && ids.contains(&"aws-cn") && ids.contains(&"aws-us-gov"));
    let name = |p: &Partitions, region: &str| {
        p.resolve(region)
            .and_then(|v| v.as_record())
            .and_then(|r| r.get("name"))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    assert_eq!(name(&botocore, "us-east-1").as_deref(), Some("aws"));
    assert_eq!(name(&botocore, "mx-central-7").as_deref(), Some("aws"));
    assert_eq!(name(&botocore, "cn-north-9").as_deref(), Some("aws-cn"));
    assert_eq!(
        name(&botocore, "us-gov-west-1").as_deref(),
        Some("aws-us-gov")
    );
    assert_eq!(
        name(&botocore, "us-isob-east-1").as_deref(),
        Some("aws-iso-b")
    );
    assert_eq!(name(&botocore, "aws-cn-global").as_deref(), Some("aws-cn"));
    assert_eq!(name(&botocore, "mars-east-1").as_deref(), Some("aws"));

    let sdkutils = dir.join("aws-c-sdkutils");
    let older = partitions(&sdkutils.join("partitions.json"));
    assert_eq!(name(&older, "eu-isoe-west-1").as_deref(), Some("aws-iso-e"));
    let sample = partitions(&sdkutils.join("sample_partitions.json"));
    // A region's own entry overrides the partition's outputs.
    let af = sample
        .resolve("af-south-1")
        .and_then(Value::as_record)
        .expect("af-south-1");
    assert_eq!(af.get("supportsFIPS"), Some(&Value::Bool(false)));
    let us = sample
        .resolve("us-east-1")
        .and_then(Value::as_record)
        .expect("us-east-1");
    assert_eq!(us.get("supportsFIPS"), Some(&Value::Bool(true)));
    assert!(us.get("description").is_none());
    let bad = partitions(&sdkutils.join("sample_partitions_bad_regex.json"));
    assert_eq!(name(&bad, "eu-west-1").as_deref(), Some("aws"));
}
