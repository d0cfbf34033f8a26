//! The operation the retry tests run: a POST whose response is a success for 2xx and
//! otherwise an error whose code is the body. Shared by the integration binary and
//! `retry_events` (a binary of its own).
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::{ApiError, SdkError};
use ziggurat_core::hook::Output;
use ziggurat_core::stack::{OperationSpec, ResponseBody};

pub fn ser(
    _: &mut (dyn std::any::Any + Send),
    _: &mut Context,
) -> Result<http::Request<Body>, SdkError> {
    Ok(http::Request::post("https://svc.test/").body(Body::from("{}"))?)
}

/// 2xx is a success; otherwise the body is the error code (`ServerError` when it is empty).
pub fn de(
    parts: http::response::Parts,
    body: ResponseBody,
    _: &mut Context,
) -> Result<Output, SdkError> {
    let ResponseBody::Buffered(b) = body else {
        return Err(SdkError::response("expected a buffered body"));
    };
    if parts.status.is_success() {
        return Ok(Box::new(()));
    }
    let code = match std::str::from_utf8(&b) {
        Ok(c) if !c.is_empty() => c.to_owned(),
        _ => "ServerError".to_owned(),
    };
    Err(SdkError::service(ApiError::new(
        code,
        parts.status.as_u16(),
    )))
}

pub static SPEC: OperationSpec = OperationSpec {
    service: "Svc",
    operation: "Op",
    serialize: ser,
    deserialize: de,
    streaming_output: false,
    schema: None,
};
