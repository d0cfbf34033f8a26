//! Smithy RPC v2 CBOR: `POST /service/{Service}/operation/{Operation}` with a CBOR body.
//!
//! The codec ([`CborSerializer`], [`CborDeserializer`]) follows the Smithy `rpcv2Cbor`
//! protocol: structures are maps keyed by member name, timestamps tag 1 epoch seconds, no
//! HTTP bindings (every member is in the body). Errors name their shape in the body's `__type`;
//! query-compatible services may override the code with `x-amzn-query-error`.
//!
//! ```
//! use ziggurat_layers::protocol::cbor;
//!
//! let (parts, _) = http::Response::builder().status(400).body(()).unwrap().into_parts();
//! // {"__type": "smithy.example#Throttled", "message": "slow down"}
//! let body = b"\xa2\x66__type\x78\x18smithy.example#Throttled\x67message\x69slow down";
//! let err = cbor::parse_error(&parts, body, false);
//! assert_eq!(err.code(), "Throttled");
//! assert_eq!(err.message(), Some("slow down"));
//! ```
mod de;
mod ser;

pub use de::CborDeserializer;
pub use ser::CborSerializer;

use http::HeaderValue;
use ziggurat_core::body::Body;
use ziggurat_core::error::{ApiError, Fault, SdkError};
use ziggurat_core::schema::de::ROOT;
use ziggurat_core::schema::ser::{SerializeShape, ShapeSerializer};
use ziggurat_core::schema::{OperationSchema, ServiceSchema, prelude};
use ziggurat_core::stack::ResponseBody;

use super::ReadFn;

/// The media type of RPC v2 CBOR bodies.
pub const CONTENT_TYPE: &str = "application/cbor";
/// The `smithy-protocol` header's value.
pub const PROTOCOL_ID: &str = "rpc-v2-cbor";

/// An empty definite-length map: what an empty response body means.
const EMPTY_MAP: &[u8] = &[0xa0];

/// Whether an operation has no input at all (Smithy's `Unit`): its requests have no body.
fn is_unit(schema: &'static ziggurat_core::schema::Schema) -> bool {
    std::ptr::eq(schema, &prelude::UNIT) || (schema.name == "Unit" && schema.members.is_empty())
}

/// Serializes an RPC v2 CBOR request: `POST /service/{service}/operation/{operation}`, where
/// the service is [`ServiceSchema::target_prefix`] (the service shape's name), with
/// `smithy-protocol: rpc-v2-cbor`, `Accept: application/cbor`, and, when the operation has an
/// input, the input as a CBOR map with `Content-Type: application/cbor`. Query-compatible
/// services also get `x-amzn-query-mode: true`.
pub fn serialize_request(
    service: &'static ServiceSchema,
    op: &'static OperationSchema,
    input: &mut dyn SerializeShape,
) -> Result<http::Request<Body>, SdkError> {
    let body = if is_unit(op.input) {
        None
    } else {
        let mut s = CborSerializer::for_request();
        s.write_struct(&ROOT, input).map_err(|e| {
            SdkError::construction(format!("{}: the input cannot be serialized: {e}", op.name))
        })?;
        Some(s.into_bytes())
    };
    let uri = format!("/service/{}/operation/{}", service.target_prefix, op.name);
    let uri = http::Uri::try_from(uri).map_err(|e| {
        SdkError::construction(format!("{}: the request URI is invalid: {e}", op.name))
    })?;
    let len = body.as_ref().map_or(0, Vec::len);
    let mut req = http::Request::new(body.map(Body::from).unwrap_or_default());
    *req.method_mut() = http::Method::POST;
    *req.uri_mut() = uri;
    let headers = req.headers_mut();
    // Room for what the stack adds (length, user agents, invocation id, date, token,
    // authorization); `Content-Length` is the content-length middleware's.
    headers.reserve(12);
    headers.insert("smithy-protocol", HeaderValue::from_static(PROTOCOL_ID));
    headers.insert(http::header::ACCEPT, HeaderValue::from_static(CONTENT_TYPE));
    if len > 0 {
        headers.insert(
            http::header::CONTENT_TYPE,
            HeaderValue::from_static(CONTENT_TYPE),
        );
    }
    if service.query_compatible {
        headers.insert("x-amzn-query-mode", HeaderValue::from_static("true"));
    }
    Ok(req)
}

/// Reads an RPC v2 CBOR response: a 2xx body (an empty one is an empty structure) through
/// `read`; otherwise the service error ([`parse_error`]) with its modeled structure when the
/// operation declares the code.
pub fn deserialize_response(
    service: &'static ServiceSchema,
    op: &'static OperationSchema,
    parts: &http::response::Parts,
    body: ResponseBody,
    read: &mut ReadFn<'_>,
) -> Result<(), SdkError> {
    let bytes = super::buffered(&body);
    let data: &[u8] = if bytes.is_empty() { EMPTY_MAP } else { &bytes };
    if parts.status.is_success() {
        let mut d = CborDeserializer::new(data);
        return read(&mut d).map_err(|e| {
            SdkError::response(format!(
                "{}: the response is not the expected CBOR: {e}",
                op.name
            ))
        });
    }
    let err = parse_error(parts, &bytes, service.query_compatible);
    let err =
        super::with_modeled_error(op, err, &mut |read| read(&mut CborDeserializer::new(data)));
    Err(SdkError::service(err))
}

/// The service error in a failed RPC v2 CBOR response: the code is the body's `__type`
/// without its namespace (`smithy.example#Throttled` → `Throttled`) or `:` suffix, overridden
/// for a query-compatible service by the `x-amzn-query-error` header (`Code;Sender`), and
/// named after the status when there is neither; the message is `message` or `Message`.
pub fn parse_error(parts: &http::response::Parts, body: &[u8], query_compatible: bool) -> ApiError {
    let fields = top_level_strings(body, &["__type", "message", "Message", "errorMessage"]);
    let field = |name: &str| {
        fields
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    };
    let query_error = query_compatible
        .then(|| parts.headers.get("x-amzn-query-error"))
        .flatten()
        .and_then(|v| v.to_str().ok())
        .and_then(|v| {
            let (code, fault) = v.split_once(';').unwrap_or((v, ""));
            let code = code.trim();
            (!code.is_empty()).then(|| (code.to_owned(), fault.trim().to_owned()))
        });
    let code = query_error
        .as_ref()
        .map(|(c, _)| c.clone())
        .or_else(|| {
            field("__type")
                .map(|t| super::aws_json::sanitize_error_code(t).to_owned())
                .filter(|c| !c.is_empty())
        })
        .unwrap_or_else(|| super::code_from_status(parts.status));
    let mut err = ApiError::new(code, parts.status.as_u16())
        .with_request_id(super::request_id(&parts.headers));
    match query_error.as_ref().map(|(_, f)| f.as_str()) {
        Some("Sender") => err = err.with_fault(Fault::Client),
        Some("Receiver") => err = err.with_fault(Fault::Server),
        _ => {}
    }
    if let Some(m) = field("message")
        .or_else(|| field("Message"))
        .or_else(|| field("errorMessage"))
    {
        err = err.with_message(m);
    }
    err
}

/// The text values of `keys` in the top-level map of `body`, as far as it can be read.
fn top_level_strings(body: &[u8], keys: &[&'static str]) -> Vec<(&'static str, String)> {
    let mut out = Vec::new();
    if body.is_empty() {
        return out;
    }
    let mut d = CborDeserializer::new(body);
    let _ = d.for_each_entry(&mut |d| {
        let key = d.text()?;
        match keys.iter().find(|k| **k == key) {
            Some(k) if d.at_text() => {
                let v = d.text()?;
                out.push((*k, v));
                Ok(())
            }
            _ => d.skip(),
        }
    });
    out
}

#[cfg(test)]
mod tests;
