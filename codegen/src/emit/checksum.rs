//! The `httpChecksum` trait of an operation, as flags of its `OperationSchema`.
//!
//! The trait names members: the request algorithm member (`ChecksumAlgorithm`), whether a
//! checksum is required, the validation-mode member (`ChecksumMode`) and the algorithms a
//! response may carry. Everything but the flags is the same for every operation that has the
//! trait, so it is written once in the runtime (`ziggurat_layers::checksum::request`), which
//! reads the members from the serialized request's headers: the generator checks here that the
//! members are bound to exactly those headers, and fails otherwise, instead of emitting per
//! operation data that would always be the same.
use crate::model::{Model, Operation};

/// The header the request algorithm member is bound to.
const ALGORITHM_HEADER: &str = "x-amz-sdk-checksum-algorithm";
/// The header the validation-mode member is bound to.
const MODE_HEADER: &str = "x-amz-checksum-mode";
/// The services whose clients run the checksum hook (S3's `customize` installs it): the
/// checksum traits of any other service's operations would be dropped silently, so they fail
/// generation until its stack gets the hook too.
const WITH_CHECKSUM_HOOK: &[&str] = &["S3"];

/// The `op_flag`s for `op`'s checksum traits: `CHECKSUM_REQUIRED` (also from the older
/// `httpChecksumRequired`), `REQUEST_CHECKSUM` and `RESPONSE_CHECKSUM`, and `CONTENT_MD5` for
/// an operation with `httpChecksumRequired` and no `httpChecksum`: the one case where the AWS
/// SDKs still send `Content-MD5` (smithy-rs's `HttpChecksumRequiredGenerator`; S3's operations
/// moved to `httpChecksum` with `requestChecksumRequired`, and get CRC32).
pub(super) fn flags(
    model: &Model,
    name: &str,
    op: &Operation,
) -> Result<Vec<&'static str>, String> {
    let mut flags = Vec::new();
    let trait_ = op.http_checksum.as_ref();
    let member = |key: &str| trait_.and_then(|c| c.get(key)).and_then(|v| v.as_str());
    let required = op.http_checksum_required == Some(true)
        || trait_
            .and_then(|c| c.get("requestChecksumRequired"))
            .and_then(|v| v.as_bool())
            == Some(true);
    if required {
        flags.push("CHECKSUM_REQUIRED");
    }
    if op.http_checksum_required == Some(true) && trait_.is_none() {
        flags.push("CONTENT_MD5");
    }
    if let Some(m) = member("requestAlgorithmMember") {
        check_header(model, name, op, m, ALGORITHM_HEADER)?;
        flags.push("REQUEST_CHECKSUM");
    }
    if let Some(m) = member("requestValidationModeMember") {
        check_header(model, name, op, m, MODE_HEADER)?;
        flags.push("RESPONSE_CHECKSUM");
    }
    let service = model.metadata.service_id.as_str();
    if !flags.is_empty() && !WITH_CHECKSUM_HOOK.contains(&service) {
        return Err(format!(
            "{name}: the operation has checksum traits, but only the clients of \
             {WITH_CHECKSUM_HOOK:?} run the checksum hook: add \
             `ziggurat_layers::checksum::request::RequestChecksum` to the {service} stack"
        ));
    }
    Ok(flags)
}

/// Fails unless `member` of `op`'s input is bound to `header`.
fn check_header(
    model: &Model,
    name: &str,
    op: &Operation,
    member: &str,
    header: &str,
) -> Result<(), String> {
    let bound = op
        .input
        .as_ref()
        .and_then(|r| model.shapes.get(&r.shape))
        .and_then(|s| s.members.0.iter().find(|(n, _)| n == member))
        .is_some_and(|(_, m)| {
            m.location.as_deref() == Some("header")
                && m.location_name
                    .as_deref()
                    .is_some_and(|h| h.eq_ignore_ascii_case(header))
        });
    if bound {
        Ok(())
    } else {
        Err(format!(
            "{name}: the httpChecksum member `{member}` is not bound to the `{header}` header, \
             which the runtime reads"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A model of one operation, `Op`, whose input has the S3 checksum members.
    fn model(op: serde_json::Value) -> Model {
        serde_json::from_value(serde_json::json!({
            "metadata": {
                "apiVersion": "2024-01-01", "endpointPrefix": "x", "protocol": "rest-json",
                "serviceId": "S3"
            },
            "operations": { "Op": op },
            "shapes": {
                "In": { "type": "structure", "members": {
                    "ChecksumAlgorithm": { "shape": "S", "location": "header",
                        "locationName": "x-amz-sdk-checksum-algorithm" },
                    "ChecksumMode": { "shape": "S", "location": "header",
                        "locationName": "x-amz-checksum-mode" }
                } },
                "S": { "type": "string" }
            }
        }))
        .unwrap()
    }

    fn flags_of(op: serde_json::Value) -> Result<Vec<&'static str>, String> {
        let model = model(op);
        let op = &model.operations["Op"];
        flags(&model, "Op", op)
    }

    #[test]
    fn only_http_checksum_required_without_http_checksum_means_content_md5() {
        let http = serde_json::json!({ "method": "POST", "requestUri": "/" });
        let md5 = flags_of(serde_json::json!({
            "http": http, "input": { "shape": "In" }, "httpChecksumRequired": true
        }));
        assert_eq!(md5, Ok(vec!["CHECKSUM_REQUIRED", "CONTENT_MD5"]));
        // S3 today: httpChecksum with requestChecksumRequired gets a flexible checksum.
        let flexible = flags_of(serde_json::json!({
            "http": http, "input": { "shape": "In" },
            "httpChecksum": { "requestAlgorithmMember": "ChecksumAlgorithm",
                              "requestChecksumRequired": true }
        }));
        assert_eq!(flexible, Ok(vec!["CHECKSUM_REQUIRED", "REQUEST_CHECKSUM"]));
        // Both traits: the flexible one wins.
        let both = flags_of(serde_json::json!({
            "http": http, "input": { "shape": "In" }, "httpChecksumRequired": true,
            "httpChecksum": { "requestAlgorithmMember": "ChecksumAlgorithm" }
        }));
        assert_eq!(both, Ok(vec!["CHECKSUM_REQUIRED", "REQUEST_CHECKSUM"]));
        let response = flags_of(serde_json::json!({
            "http": http, "input": { "shape": "In" },
            "httpChecksum": { "requestValidationModeMember": "ChecksumMode" }
        }));
        assert_eq!(response, Ok(vec!["RESPONSE_CHECKSUM"]));
    }

    #[test]
    fn checksum_traits_of_a_service_whose_stack_lacks_the_hook_fail_generation() {
        let mut model = model(serde_json::json!({
            "http": { "method": "POST", "requestUri": "/" }, "httpChecksumRequired": true
        }));
        model.metadata.service_id = "DynamoDB".into();
        let err = flags(&model, "Op", &model.operations["Op"]).unwrap_err();
        assert!(
            err.contains("add `ziggurat_layers::checksum::request::RequestChecksum`"),
            "{err}"
        );
        // Without checksum traits, nothing to say.
        let mut model = model_of_plain_op();
        model.metadata.service_id = "DynamoDB".into();
        assert_eq!(flags(&model, "Op", &model.operations["Op"]), Ok(vec![]));
    }

    fn model_of_plain_op() -> Model {
        model(serde_json::json!({ "http": { "method": "POST", "requestUri": "/" } }))
    }
}
