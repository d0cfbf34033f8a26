//! ec2Query protocol suites.
use super::{run_input_suite, run_output_suite};

/// Cases known to fail, each with why.
/// (All four are also on botocore's ignore list.)
const KNOWN_FAILURES: &[(&str, &str)] = &[
    (
        "Ec2QueryHostWithPath",
        "the endpoint's path (`/custom`) is joined by the endpoint middleware, not the serializer",
    ),
    (
        "SDKAppliedContentEncoding_ec2Query",
        "request compression (gzip) is a middleware, not part of the protocol",
    ),
    (
        "SDKAppendsGzipAndIgnoresHttpProvidedEncoding_ec2Query",
        "request compression (gzip) is a middleware, not part of the protocol",
    ),
    (
        "Ec2ProtocolIdempotencyTokenAutoFill",
        "the filled token is a random UUID, the case expects a fixed one",
    ),
];

#[test]
fn ec2_input() {
    run_input_suite("ec2.json", KNOWN_FAILURES);
}

#[test]
fn ec2_output() {
    run_output_suite("ec2.json", KNOWN_FAILURES);
}
