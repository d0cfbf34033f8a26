//! awsJson1_0 / awsJson1_1: requests and errors.
use bytes::Bytes;
use http::HeaderValue;
use serde_json::Value;
use ziggurat_core::body::Body;
use ziggurat_core::error::{ApiError, SdkError};

/// The header naming the operation.
const X_AMZ_TARGET: http::HeaderName = http::HeaderName::from_static("x-amz-target");

/// Which awsJson version (only the content type differs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonVersion {
    /// `application/x-amz-json-1.0` (DynamoDB).
    V1_0,
    /// `application/x-amz-json-1.1`.
    V1_1,
}

impl JsonVersion {
    fn content_type(self) -> HeaderValue {
        match self {
            JsonVersion::V1_0 => HeaderValue::from_static("application/x-amz-json-1.0"),
            JsonVersion::V1_1 => HeaderValue::from_static("application/x-amz-json-1.1"),
        }
    }
}

/// A request for `target` (`DynamoDB_20120810.GetItem`) with a JSON body.
pub fn request(
    version: JsonVersion,
    target: &'static str,
    body: Vec<u8>,
) -> Result<http::Request<Body>, SdkError> {
    let body = if body.is_empty() {
        b"{}".to_vec()
    } else {
        body
    };
    let mut req = http::Request::new(Body::from(body));
    *req.method_mut() = http::Method::POST;
    *req.uri_mut() = http::Uri::from_static("/");
    let headers = req.headers_mut();
    // Room for what the stack adds (length, user agents, invocation id, date, token,
    // authorization), so the map does not grow while the request is built.
    headers.reserve(12);
    headers.insert(http::header::CONTENT_TYPE, version.content_type());
    headers.insert(X_AMZ_TARGET, HeaderValue::from_static(target));
    Ok(req)
}

/// Serializes an awsJson request.
pub fn serialize_request(
    _service: &'static ziggurat_core::schema::ServiceSchema,
    op: &'static ziggurat_core::schema::OperationSchema,
    _input: &mut dyn ziggurat_core::schema::ser::SerializeShape,
) -> Result<http::Request<Body>, SdkError> {
    Err(SdkError::construction(format!(
        "{}: awsJson is not supported yet",
        op.name
    )))
}

/// Reads an awsJson response.
pub fn deserialize_response(
    _service: &'static ziggurat_core::schema::ServiceSchema,
    op: &'static ziggurat_core::schema::OperationSchema,
    _parts: &http::response::Parts,
    _body: ziggurat_core::stack::ResponseBody,
    _read: &mut super::ReadFn<'_>,
) -> Result<(), SdkError> {
    Err(SdkError::response(format!(
        "{}: awsJson is not supported yet",
        op.name
    )))
}

/// Strips namespaces (`aws.protocoltests#FooError`) and suffixes (`FooError:http://...`) from an
/// error code, as the protocol specifies.
pub fn sanitize_error_code(code: &str) -> &str {
    let code = code.split(':').next().unwrap_or(code);
    code.rsplit('#').next().unwrap_or(code).trim()
}

/// The service error in a failed response.
pub fn parse_error(parts: &http::response::Parts, body: &[u8]) -> ApiError {
    let json: Option<Value> = if body.is_empty() {
        None
    } else {
        serde_json::from_slice(body).ok()
    };
    let field = |names: &[&str]| -> Option<String> {
        let obj = json.as_ref()?.as_object()?;
        names
            .iter()
            .find_map(|n| obj.get(*n).and_then(Value::as_str).map(str::to_owned))
    };
    let code = parts
        .headers
        .get("x-amzn-errortype")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| field(&["__type", "code", "Code"]))
        .map(|c| sanitize_error_code(&c).to_owned())
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| super::code_from_status(parts.status));
    let mut err = ApiError::new(code, parts.status.as_u16())
        .with_request_id(super::request_id(&parts.headers));
    if let Some(m) = field(&["message", "Message", "errorMessage"]) {
        err = err.with_message(m);
    }
    err
}

/// Parses a successful JSON body, or returns the service error of a failed response.
pub fn deserialize<T: serde::de::DeserializeOwned>(
    parts: &http::response::Parts,
    body: &Bytes,
) -> Result<T, SdkError> {
    if !parts.status.is_success() {
        return Err(SdkError::service(parse_error(parts, body)));
    }
    let body: &[u8] = if body.is_empty() { b"{}" } else { body };
    serde_json::from_slice(body)
        .map_err(|e| SdkError::response(format!("the response is not the expected JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(status: u16, headers: &[(&str, &str)]) -> http::response::Parts {
        let mut b = http::Response::builder().status(status);
        for (k, v) in headers {
            b = b.header(*k, *v);
        }
        b.body(()).unwrap().into_parts().0
    }

    #[test]
    fn code_from_header_wins_and_is_sanitized() {
        let p = parts(
            400,
            &[
                (
                    "x-amzn-errortype",
                    "ValidationException:http://internal.amazon.com/coral/com.amazon.coral.validate/",
                ),
                ("x-amzn-requestid", "R1"),
            ],
        );
        let e = parse_error(&p, br#"{"__type":"Other","message":"bad"}"#);
        assert_eq!(e.code(), "ValidationException");
        assert_eq!(e.message(), Some("bad"));
        assert_eq!(e.request_id(), Some("R1"));
    }

    #[test]
    fn code_from_body_and_fallback() {
        let p = parts(400, &[]);
        assert_eq!(
            parse_error(&p, br#"{"code":"aws.protocoltests.restjson#FooError"}"#).code(),
            "FooError"
        );
        let p = parts(503, &[]);
        let e = parse_error(&p, b"<html>busy</html>");
        assert_eq!(e.code(), "ServiceUnavailable");
        assert_eq!(e.status(), 503);
    }
}
