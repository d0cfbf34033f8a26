//! restJson1 and restXml: the HTTP bindings both share. An input's top-level members go to the
//! URI (labels, query), headers and the body by their [`Location`](ziggurat_core::schema::Location);
//! an output's come back from headers, the status code and the body. The body itself is
//! encoded by the protocol's codec (JSON or XML).
//!
//! - [`serialize_request`]: labels fill `{Name}` / greedy `{Name+}` in the URI template
//!   (percent-encoded), query members and `QueryParams` maps make the query string (after the
//!   template's literal query), headers and prefix headers are set, and the body is the payload
//!   member alone (a document, text, bytes or a stream) or a document of the body members. An
//!   operation with a host prefix gets a [`HostPrefix`](crate::endpoint::HostPrefix) extension.
//! - [`deserialize_response`]: the output read from headers (lists split as Smithy quotes
//!   them), prefix headers, the status code, the payload or the body members; errors are
//!   parsed by protocol and read into their modeled structure, header members included.
mod codec;
mod de;
mod ser;
mod text;

use ziggurat_core::error::SdkError;
use ziggurat_core::schema::{OperationSchema, Protocol, ServiceSchema};
use ziggurat_core::stack::ResponseBody;

use self::codec::BodyCodec;
use super::ReadFn;

pub use ser::serialize_request;

/// Reads a restJson1 or restXml response into an output through `read`, or returns the
/// service error of a failed one.
pub fn deserialize_response(
    service: &'static ServiceSchema,
    op: &'static OperationSchema,
    parts: &http::response::Parts,
    body: ResponseBody,
    read: &mut ReadFn<'_>,
) -> Result<(), SdkError> {
    let codec = BodyCodec::of(service.protocol);
    if !parts.status.is_success() {
        let bytes = super::buffered(&body);
        let err = match service.protocol {
            Protocol::RestXml => super::rest_xml::parse_error(parts, &bytes),
            _ => super::aws_json::parse_error(parts, &bytes),
        };
        let err = super::with_modeled_error(op, err, &mut |read| {
            let mut d = de::response_deserializer(
                codec,
                parts,
                ResponseBody::Buffered(bytes.clone()),
                true,
            );
            read(&mut d)
        });
        return Err(SdkError::service(err));
    }
    let mut d = de::response_deserializer(codec, parts, body, false);
    read(&mut d).map_err(|e| {
        SdkError::response(format!(
            "{}: the response is not the expected {}: {e}",
            op.name,
            match codec {
                BodyCodec::Json => "JSON",
                BodyCodec::Xml => "XML",
            }
        ))
    })
}

#[cfg(test)]
mod tests;
