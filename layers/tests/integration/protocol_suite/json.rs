//! awsJson1_0 and awsJson1_1 (and awsJson1_0 with awsQueryCompatible) protocol suites.
use super::{run_input_suite, run_output_suite};

/// Cases known to fail, each with why.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

#[test]
fn json_1_0_input() {
    run_input_suite("json_1_0.json", KNOWN_FAILURES);
}

#[test]
fn json_1_0_output() {
    run_output_suite("json_1_0.json", KNOWN_FAILURES);
}

#[test]
fn json_1_1_input() {
    run_input_suite("json.json", KNOWN_FAILURES);
}

#[test]
fn json_1_1_output() {
    run_output_suite("json.json", KNOWN_FAILURES);
}

#[test]
fn json_1_0_query_compatible_input() {
    run_input_suite("json_1_0-query-compatible.json", KNOWN_FAILURES);
}

#[test]
fn json_1_0_query_compatible_output() {
    run_output_suite("json_1_0-query-compatible.json", KNOWN_FAILURES);
}
