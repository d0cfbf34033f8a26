//! awsJson1_0 / awsJson1_1: requests and errors.
use bytes::Bytes;
use http::HeaderValue;
use serde_json::Value;
use ziggurat_core::body::Body;
use ziggurat_core::error::{ApiError, Fault, SdkError};
use ziggurat_core::header_buffer::shared_header_value;
use ziggurat_core::schema::ser::SerializeShape;
use ziggurat_core::schema::{OperationSchema, Protocol, ServiceSchema};
use ziggurat_core::stack::ResponseBody;

use super::json::{JsonDeserializer, JsonOptions, JsonSerializer};

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

/// The header that asks a query-compatible service for awsQuery error codes.
const X_AMZN_QUERY_MODE: http::HeaderName = http::HeaderName::from_static("x-amzn-query-mode");

/// Serializes an awsJson request: `POST /`, `X-Amz-Target: {target_prefix}.{operation}`, the
/// input as a JSON object (`{}` when no member is set), and `x-amzn-query-mode: true` for
/// query-compatible services.
pub fn serialize_request(
    service: &'static ServiceSchema,
    op: &'static OperationSchema,
    input: &mut dyn SerializeShape,
) -> Result<http::Request<Body>, SdkError> {
    let version = match service.protocol {
        Protocol::AwsJson1_0 => JsonVersion::V1_0,
        _ => JsonVersion::V1_1,
    };
    let mut s = JsonSerializer::begin_object(JsonOptions::WIRE).validating(true);
    input
        .serialize_members(&mut s)
        .map_err(|e| SdkError::construction(format!("{}: {e}", op.name)))?;
    let mut req = http::Request::new(Body::from(s.finish_bytes()));
    *req.method_mut() = http::Method::POST;
    *req.uri_mut() = http::Uri::from_static("/");
    // In the thread's shared header buffer: no allocation of its own.
    let target = shared_header_value(&[service.target_prefix.as_bytes(), b".", op.name.as_bytes()])
        .map_err(|e| SdkError::construction(format!("{}: X-Amz-Target: {e}", op.name)))?;
    let headers = req.headers_mut();
    headers.reserve(12);
    headers.insert(http::header::CONTENT_TYPE, version.content_type());
    headers.insert(X_AMZ_TARGET, target);
    if service.query_compatible {
        headers.insert(X_AMZN_QUERY_MODE, HeaderValue::from_static("true"));
    }
    Ok(req)
}

/// Reads an awsJson response: a successful one through `read`, at the root of its JSON body
/// (an empty body is `{}`); a failed one into the service error of [`parse_error`], with the
/// awsQuery code of `x-amzn-query-error` for query-compatible services, and the modeled
/// structure when the operation declares the code.
pub fn deserialize_response(
    service: &'static ServiceSchema,
    op: &'static OperationSchema,
    parts: &http::response::Parts,
    body: ResponseBody,
    read: &mut super::ReadFn<'_>,
) -> Result<(), SdkError> {
    let bytes = super::buffered(&body);
    if parts.status.is_success() {
        let mut d = JsonDeserializer::new(&bytes, JsonOptions::WIRE);
        return read(&mut d).and_then(|()| d.finish()).map_err(|e| {
            SdkError::response(format!("{}: the response is not the output: {e}", op.name))
        });
    }
    let (json_code, message) = error_code_and_message(parts, &bytes);
    let query = if service.query_compatible {
        query_error(parts)
    } else {
        None
    };
    let mut err = match &query {
        Some((code, _)) => ApiError::new(code.clone(), parts.status.as_u16()),
        None => ApiError::new(json_code.clone(), parts.status.as_u16()),
    }
    .with_request_id(super::request_id(&parts.headers));
    if let Some((_, fault)) = query {
        err = err.with_fault(fault);
    }
    if let Some(m) = message {
        err = err.with_message(m);
    }
    let mut read_body = |read: &mut super::ReadFn<'_>| {
        let mut d = JsonDeserializer::new(&bytes, JsonOptions::WIRE);
        read(&mut d)
    };
    if op.error(err.code()).is_some() {
        return Err(SdkError::service(super::with_modeled_error(
            op,
            err,
            &mut read_body,
        )));
    }
    // A query-compatible error found by its JSON code (`__type`), or a declared error whose
    // schema code is its awsQuery code.
    if let Some(declared) = op
        .errors
        .iter()
        .find(|e| e.code == json_code || e.schema.name == json_code)
    {
        let mut modeled = None;
        let _ = read_body(&mut |d| {
            modeled = Some((declared.deserialize)(d)?);
            Ok(())
        });
        if let Some(m) = modeled {
            err = err.with_modeled(m);
        }
    }
    Err(SdkError::service(err))
}

/// The code and fault of `x-amzn-query-error: Code;Sender` (a query-compatible service's
/// awsQuery error code).
pub fn query_error(parts: &http::response::Parts) -> Option<(String, Fault)> {
    let v = parts.headers.get("x-amzn-query-error")?.to_str().ok()?;
    let (code, kind) = v.split_once(';').unwrap_or((v, ""));
    let code = code.trim();
    if code.is_empty() {
        return None;
    }
    let fault = match kind.trim() {
        "Sender" => Fault::Client,
        "Receiver" => Fault::Server,
        _ => Fault::from_status(parts.status.as_u16()),
    };
    Some((code.to_owned(), fault))
}

/// Strips namespaces (`aws.protocoltests#FooError`) and suffixes (`FooError:http://...`) from an
/// error code, as the protocol specifies.
pub fn sanitize_error_code(code: &str) -> &str {
    let code = code.split(':').next().unwrap_or(code);
    code.rsplit('#').next().unwrap_or(code).trim()
}

/// The service error in a failed response.
pub fn parse_error(parts: &http::response::Parts, body: &[u8]) -> ApiError {
    let (code, message) = error_code_and_message(parts, body);
    let mut err = ApiError::new(code, parts.status.as_u16())
        .with_request_id(super::request_id(&parts.headers));
    if let Some(m) = message {
        err = err.with_message(m);
    }
    err
}

/// The error code (`x-amzn-ErrorType`, else the body's `__type` / `code`, sanitized; else from
/// the status) and message of a failed response.
fn error_code_and_message(parts: &http::response::Parts, body: &[u8]) -> (String, Option<String>) {
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
    (code, field(&["message", "Message", "errorMessage"]))
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

    use ziggurat_core::schema::de::{self, DeserializeValue, ShapeDeserializer};
    use ziggurat_core::schema::error::CodecResult;
    use ziggurat_core::schema::operation::deserialize_error;
    use ziggurat_core::schema::ser::{SerResult, SerializeValue, ShapeSerializer};
    use ziggurat_core::schema::{ErrorSchema, Member, Schema, prelude};

    static IN_MEMBERS: [Member; 2] = [
        Member::new("Name", &prelude::STRING).required(),
        Member::new("Token", &prelude::STRING)
            .with_flags(ziggurat_core::schema::flag::IDEMPOTENCY_TOKEN),
    ];
    static IN: Schema = Schema::structure("In", &IN_MEMBERS);
    struct In(String);
    impl SerializeShape for In {
        fn schema(&self) -> &'static Schema {
            &IN
        }
        fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
            self.0.serialize_member(&IN_MEMBERS[0], s)?;
            None::<String>.serialize_member(&IN_MEMBERS[1], s)
        }
    }

    static ERR_MEMBERS: [Member; 1] = [Member::new("Reason", &prelude::STRING)];
    static ERR: Schema = Schema::structure("Busy", &ERR_MEMBERS);
    #[derive(Debug, Default)]
    struct Busy {
        reason: Option<String>,
    }
    impl DeserializeValue for Busy {
        fn deserialize_value(
            _: &'static Member,
            d: &mut dyn ShapeDeserializer,
        ) -> CodecResult<Self> {
            let mut out = Busy::default();
            d.read_struct(&ERR, &mut |i, d| {
                if i == 0 {
                    out.reason = de::member(&ERR, 0, d)?;
                }
                Ok(())
            })?;
            Ok(out)
        }
    }

    static SERVICE: ServiceSchema = ServiceSchema {
        service_id: "Test",
        protocol: Protocol::AwsJson1_0,
        api_version: "2020-01-01",
        target_prefix: "Test_20200101",
        signing_name: "test",
        endpoint_prefix: "test",
        xml_namespace: None,
        query_compatible: true,
    };
    static ERRORS: [ErrorSchema; 1] = [ErrorSchema {
        code: "AWS.Busy",
        schema: &ERR,
        status: Some(503),
        server_fault: true,
        deserialize: deserialize_error::<Busy>,
    }];
    static OP: OperationSchema = OperationSchema {
        name: "Go",
        method: "POST",
        uri: "/",
        success_status: None,
        input: &IN,
        output: &prelude::UNIT,
        result_wrapper: None,
        errors: &ERRORS,
        host_prefix: None,
        flags: 0,
        endpoint_params: &[],
    };

    #[test]
    fn requests_name_the_target_and_fill_tokens() {
        let req = serialize_request(&SERVICE, &OP, &mut In("n".into())).unwrap();
        assert_eq!(req.method(), http::Method::POST);
        assert_eq!(req.uri(), "/");
        let h = req.headers();
        assert_eq!(h["content-type"], "application/x-amz-json-1.0");
        assert_eq!(h["x-amz-target"], "Test_20200101.Go");
        assert_eq!(h["x-amzn-query-mode"], "true");
        let body: Value = serde_json::from_slice(req.body().bytes().unwrap()).unwrap();
        assert_eq!(body["Name"], "n");
        assert_eq!(body["Token"].as_str().map(str::len), Some(36));
        let e = serialize_request(&SERVICE, &OP, &mut In(String::new())).unwrap_err();
        assert!(format!("{e:?}").contains("Name"), "{e:?}");
    }

    #[test]
    fn query_compatible_errors_take_the_query_code_and_keep_the_modeled_members() {
        let p = parts(
            400,
            &[
                ("x-amzn-query-error", "AWS.Busy;Receiver"),
                ("x-amzn-requestid", "R"),
            ],
        );
        let body = ResponseBody::Buffered(Bytes::from_static(
            br#"{"__type":"com.test#Busy","message":"slow down","Reason":"load"}"#,
        ));
        let e = deserialize_response(&SERVICE, &OP, &p, body, &mut |_| Ok(())).unwrap_err();
        let api = e.as_service_error().unwrap();
        assert_eq!(api.code(), "AWS.Busy");
        assert_eq!(api.fault(), Fault::Server);
        assert_eq!(api.message(), Some("slow down"));
        assert_eq!(api.request_id(), Some("R"));
        assert_eq!(
            api.modeled::<Busy>().unwrap().reason.as_deref(),
            Some("load")
        );
        // Without the header the JSON code still finds the declared error.
        let p = parts(400, &[]);
        let body = ResponseBody::Buffered(Bytes::from_static(br#"{"__type":"Busy","Reason":"x"}"#));
        let e = deserialize_response(&SERVICE, &OP, &p, body, &mut |_| Ok(())).unwrap_err();
        let api = e.as_service_error().unwrap();
        assert_eq!(api.code(), "Busy");
        assert_eq!(api.modeled::<Busy>().unwrap().reason.as_deref(), Some("x"));
    }

    #[test]
    fn a_success_body_that_is_not_json_is_a_response_error() {
        let p = parts(200, &[]);
        let body = ResponseBody::Buffered(Bytes::from_static(b"{\"a\": tru"));
        let mut read = |d: &mut dyn ShapeDeserializer| d.read_struct(&IN, &mut |_, _| Ok(()));
        let e = deserialize_response(&SERVICE, &OP, &p, body, &mut read).unwrap_err();
        assert!(e.to_string().contains("Go"), "{e}");
        let body = ResponseBody::Buffered(Bytes::new());
        deserialize_response(&SERVICE, &OP, &p, body, &mut read).unwrap();
    }
}
