//! Conformance of the protocol error parsers with the AWS protocol tests (botocore's JSON
//! rendering of the Smithy `@httpResponseTests`): every output case that expects an error is
//! turned into a response (status, headers, body) and parsed with the protocol's
//! `parse_error`; the code, and the message where the case gives one, must match.
//!
//! The data lives outside the repository: `$ZIGGURAT_CONFORMANCE`, else
//! `<workspace>/../shared/conformance`. Without it the tests print `SKIPPED` and pass; with
//! `ZIGGURAT_CONFORMANCE` set to a missing directory they fail.
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;
use ziggurat_core::error::ApiError;
use ziggurat_layers::protocol::{aws_json, rest_xml};

type Parser = fn(&http::response::Parts, &[u8]) -> ApiError;

/// Cases a parser deliberately does not handle, with the reason printed when skipped.
const OUT_OF_SCOPE: &[(&str, &str)] = &[(
    "QueryCompatibleAwsJson10CustomCodeError",
    "awsQueryCompatible: the code comes from `x-amzn-query-error`, which only services with \
     the awsQueryCompatible trait (SQS) honour; their clients map it, not the awsJson parser",
)];

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

fn load(file: &str) -> Option<Vec<Value>> {
    let Some(dir) = conformance_dir() else {
        // The real stderr, not `eprintln!`: the harness's output capture must not hide it.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: protocol error conformance for {file}: no conformance data \
             (set ZIGGURAT_CONFORMANCE or provide <workspace>/../shared/conformance)"
        );
        return None;
    };
    let path = dir.join("protocol-tests-botocore/output").join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let suites: Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", path.display()));
    match suites {
        Value::Array(suites) => Some(suites),
        _ => panic!("{} is not an array of suites", path.display()),
    }
}

fn parts_of(case: &str, response: &Value) -> Result<(http::response::Parts, Vec<u8>), String> {
    let status = response["status_code"]
        .as_u64()
        .and_then(|s| u16::try_from(s).ok())
        .ok_or_else(|| format!("{case}: no status_code"))?;
    let mut builder = http::Response::builder().status(status);
    if let Some(headers) = response["headers"].as_object() {
        for (name, value) in headers {
            let value = value
                .as_str()
                .ok_or_else(|| format!("{case}: header {name} is not a string"))?;
            builder = builder.header(name.as_str(), value);
        }
    }
    let (parts, ()) = builder
        .body(())
        .map_err(|e| format!("{case}: invalid response: {e}"))?
        .into_parts();
    let body = response["body"].as_str().unwrap_or_default().as_bytes();
    Ok((parts, body.to_vec()))
}

/// Runs every error case of `file` through `parse`; returns how many were checked.
fn check_file(file: &str, parse: Parser) -> Option<usize> {
    let suites = load(file)?;
    let mut failures = Vec::new();
    let mut checked = 0;
    for suite in &suites {
        let Some(cases) = suite["cases"].as_array() else {
            continue;
        };
        for case in cases {
            let Some(expected_code) = case["errorCode"].as_str() else {
                if case.get("error").is_some() {
                    failures.push(format!(
                        "{}: expects an error but names no errorCode",
                        case["id"]
                    ));
                }
                continue;
            };
            let id = case["id"].as_str().unwrap_or("<no id>");
            if let Some((_, reason)) = OUT_OF_SCOPE.iter().find(|(skip, _)| *skip == id) {
                let _ = writeln!(std::io::stderr(), "skipped {file} {id}: {reason}");
                continue;
            }
            let (parts, body) = match parts_of(id, &case["response"]) {
                Ok(p) => p,
                Err(e) => {
                    failures.push(e);
                    continue;
                }
            };
            let err = parse(&parts, &body);
            checked += 1;
            if err.code() != expected_code {
                failures.push(format!(
                    "{id}: code `{}`, expected `{expected_code}`",
                    err.code()
                ));
            }
            if let Some(message) = case["errorMessage"].as_str()
                && err.message() != Some(message)
            {
                failures.push(format!(
                    "{id}: message {:?}, expected {message:?}",
                    err.message()
                ));
            }
            if err.status() != parts.status.as_u16() {
                failures.push(format!(
                    "{id}: status {}, expected {}",
                    err.status(),
                    parts.status
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{file}: {} of {checked} error cases failed:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
    eprintln!("{file}: {checked} error cases passed");
    Some(checked)
}

#[test]
fn aws_json_1_0_errors_match_the_protocol_tests() {
    if let Some(n) = check_file("json_1_0.json", aws_json::parse_error) {
        assert!(n >= 12, "only {n} awsJson1_0 error cases found");
    }
}

#[test]
fn aws_json_1_0_query_compatible_errors_match_the_protocol_tests() {
    if let Some(n) = check_file("json_1_0-query-compatible.json", aws_json::parse_error) {
        assert!(n >= 1, "no query-compatible error case checked");
    }
}

#[test]
fn aws_json_1_1_errors_match_the_protocol_tests() {
    if let Some(n) = check_file("json.json", aws_json::parse_error) {
        assert!(n >= 12, "only {n} awsJson1_1 error cases found");
    }
}

#[test]
fn rest_xml_errors_match_the_protocol_tests() {
    if let Some(n) = check_file("rest-xml.json", rest_xml::parse_error) {
        assert!(n >= 2, "only {n} restXml error cases found");
    }
}
