//! Sets `amz-sdk-request: attempt=N; max=M` on every attempt.
use std::sync::LazyLock;

use http::HeaderValue;
use http::header::HeaderName;
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::{HttpRequest, RequestHook};

/// The header name.
pub const REQUEST_INFO_HEADER: HeaderName = HeaderName::from_static("amz-sdk-request");

/// The id of [`SetRequestInfo`] in the default stacks: last in Finalize, after `"Signing"`
/// (the header is informational and left unsigned, as smithy-rs does).
pub const REQUEST_INFO: &str = ziggurat_core::stack::ids::REQUEST_INFO;

/// Values for attempts 1 to 10 and maxima 0 (no limit) to 10, built once, so that the common
/// case clones a static value instead of formatting and allocating.
const TABLE_ATTEMPTS: u32 = 10;
const TABLE_MAX: u32 = 10;

static TABLE: LazyLock<Vec<HeaderValue>> = LazyLock::new(|| {
    let mut values = Vec::new();
    for attempt in 1..=TABLE_ATTEMPTS {
        for max in 0..=TABLE_MAX {
            let text: &'static str = Box::leak(format(attempt, max).into_boxed_str());
            match HeaderValue::from_maybe_shared(bytes::Bytes::from_static(text.as_bytes())) {
                Ok(v) => values.push(v),
                Err(_) => return Vec::new(),
            }
        }
    }
    values
});

fn format(attempt: u32, max: u32) -> String {
    if max == 0 {
        format!("attempt={attempt}")
    } else {
        format!("attempt={attempt}; max={max}")
    }
}

/// The header value for `attempt` of at most `max` (0: no limit, and no `max` part).
pub fn request_info_value(attempt: u32, max: u32) -> HeaderValue {
    if (1..=TABLE_ATTEMPTS).contains(&attempt) && max <= TABLE_MAX {
        let index = ((attempt - 1) * (TABLE_MAX + 1) + max) as usize;
        if let Some(v) = TABLE.get(index) {
            return v.clone();
        }
    }
    // Digits and punctuation only: always a valid header value.
    HeaderValue::from_str(&format(attempt, max)).unwrap_or(HeaderValue::from_static("attempt=1"))
}

/// The hook: sets `amz-sdk-request` from the attempt and the most attempts in the
/// [`Context`](ziggurat_core::context::Context). Place it after `"Retry"`, so it runs on every
/// attempt; after `"Signing"` it stays out of the signature. Without a context (outside a
/// stack) it leaves the request alone.
///
/// ```
/// use ziggurat_core::body::Body;
/// use ziggurat_core::context::Context;
/// use ziggurat_core::hook::{HttpRequest, RequestHook};
/// use ziggurat_layers::retry::SetRequestInfo;
///
/// let (mut parts, mut body) = http::Request::new(Body::empty()).into_parts();
/// let mut ctx = Context::new("S3", "GetObject");
/// ctx.set_attempt(2);
/// ctx.set_max_attempts(3);
/// SetRequestInfo
///     .on_request(&mut HttpRequest::new(&mut parts, &mut body, Some(&mut ctx)))
///     .unwrap();
/// assert_eq!(parts.headers["amz-sdk-request"], "attempt=2; max=3");
/// ```
#[derive(Debug, Clone, Copy, Default)]
pub struct SetRequestInfo;

impl RequestHook for SetRequestInfo {
    fn has_response_side(&self) -> bool {
        false
    }

    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        let Some(ctx) = req.context() else {
            return Ok(());
        };
        let value = request_info_value(ctx.attempt().max(1), ctx.max_attempts());
        req.headers_mut().insert(REQUEST_INFO_HEADER, value);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_in_and_out_of_the_table() {
        assert_eq!(request_info_value(1, 3), "attempt=1; max=3");
        assert_eq!(request_info_value(10, 10), "attempt=10; max=10");
        assert_eq!(request_info_value(4, 0), "attempt=4");
        assert_eq!(request_info_value(11, 20), "attempt=11; max=20");
        assert_eq!(request_info_value(3, 11), "attempt=3; max=11");
    }
}
