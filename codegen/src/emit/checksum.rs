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

/// The `op_flag`s for `op`'s checksum traits: `CHECKSUM_REQUIRED` (also from the older
/// `httpChecksumRequired`), `REQUEST_CHECKSUM` and `RESPONSE_CHECKSUM`.
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
    if let Some(m) = member("requestAlgorithmMember") {
        check_header(model, name, op, m, ALGORITHM_HEADER)?;
        flags.push("REQUEST_CHECKSUM");
    }
    if let Some(m) = member("requestValidationModeMember") {
        check_header(model, name, op, m, MODE_HEADER)?;
        flags.push("RESPONSE_CHECKSUM");
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
