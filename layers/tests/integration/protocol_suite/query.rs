//! awsQuery protocol suites.
use super::{run_input_suite, run_output_suite};

/// Cases known to fail, each with why.
/// (All four are also on botocore's ignore list.)
const KNOWN_FAILURES: &[(&str, &str)] = &[
    (
        "QueryHostWithPath",
        "the endpoint's path (`/custom`) is joined by the endpoint middleware, not the serializer",
    ),
    (
        "SDKAppliedContentEncoding_awsQuery",
        "request compression (gzip) is a middleware, not part of the protocol",
    ),
    (
        "SDKAppendsGzipAndIgnoresHttpProvidedEncoding_awsQuery",
        "request compression (gzip) is a middleware, not part of the protocol",
    ),
    (
        "QueryProtocolIdempotencyTokenAutoFill",
        "the filled token is a random UUID, the case expects a fixed one",
    ),
];

#[test]
fn query_input() {
    run_input_suite("query.json", KNOWN_FAILURES);
}

#[test]
fn query_output() {
    run_output_suite("query.json", KNOWN_FAILURES);
}
