//! restXml protocol suites.
use super::{run_input_suite, run_output_suite};

/// Cases known to fail, each with why (all are also on botocore's ignore list).
const KNOWN_FAILURES: &[(&str, &str)] = &[
    (
        "BodyWithXmlName",
        "the body is rooted at the operation input's `locationName` (`BodyWithXmlNameRequest`), as \
         botocore models it; the Smithy case expects the structure's `xmlName` (`Ahoy`)",
    ),
    (
        "SDKAppliedContentEncoding_restXml",
        "request compression (gzip) is a middleware, not part of the protocol",
    ),
    (
        "SDKAppendedGzipAfterProvidedEncoding_restXml",
        "request compression (gzip) is a middleware, not part of the protocol",
    ),
    (
        "QueryIdempotencyTokenAutoFill",
        "the filled token is a random UUID, the case expects a fixed one",
    ),
];

#[test]
fn rest_xml_input() {
    run_input_suite("rest-xml.json", KNOWN_FAILURES);
}

#[test]
fn rest_xml_output() {
    run_output_suite("rest-xml.json", KNOWN_FAILURES);
}
