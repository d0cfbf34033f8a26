//! Sets `Content-Length` from the body when its length is known.
//!
//! SigV4 signs the headers, so `Content-Length` must be on the request before signing; hyper
//! would otherwise add it (or `Transfer-Encoding: chunked`) only when sending. A body whose
//! length is unknown is left alone: the transport streams it chunked. An existing header is
//! kept, and `GET`/`HEAD` requests with an empty body get none, as browsers and AWS SDKs do.
//!
//! ```
//! use tower::{Layer, ServiceExt, service_fn};
//! use ziggurat_layers::content_length::ContentLengthLayer;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let svc = ContentLengthLayer::default().layer(service_fn(|req: http::Request<String>| async move {
//!     let len = req.headers()["content-length"].to_str().unwrap().to_owned();
//!     Ok::<_, std::convert::Infallible>(http::Response::new(len))
//! }));
//! let req = http::Request::put("/").body("hello".to_owned()).unwrap();
//! assert_eq!(svc.oneshot(req).await.unwrap().body(), "5");
//! # }
//! ```
use http::{HeaderValue, Method, header::CONTENT_LENGTH};
use ziggurat_core::error::SdkError;
use ziggurat_core::header_buffer::shared_header_value;
use ziggurat_core::hook::{HookLayer, HttpRequest, RequestHook};

/// The hook: sets `Content-Length`.
#[derive(Debug, Clone, Copy, Default)]
pub struct ComputeContentLength;

/// [`ComputeContentLength`] as a standalone tower layer.
pub type ContentLengthLayer = HookLayer<ComputeContentLength>;

impl RequestHook for ComputeContentLength {
    fn has_response_side(&self) -> bool {
        false
    }

    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        let Some(len) = req.body().len() else {
            return Ok(());
        };
        if len == 0 && matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
            return Ok(());
        }
        // One lookup: a length set by the caller is kept.
        if let http::header::Entry::Vacant(slot) = req.headers_mut().entry(CONTENT_LENGTH) {
            slot.insert(decimal_value(len));
        }
        Ok(())
    }
}

/// `n` as a header value, in the thread's shared header buffer (no allocation of its own;
/// the retry loop's copy of the request costs a reference count).
fn decimal_value(n: u64) -> HeaderValue {
    let mut buffer = itoa::Buffer::new();
    shared_header_value(&[buffer.format(n).as_bytes()]).unwrap_or_else(|_| HeaderValue::from(n))
}

#[cfg(test)]
mod tests {
    use super::*;
    use ziggurat_core::body::Body;

    fn run(method: Method, body: Body) -> Option<String> {
        let (mut parts, _) = http::Request::builder()
            .method(method)
            .uri("/")
            .body(())
            .unwrap()
            .into_parts();
        let mut body = body;
        ComputeContentLength
            .on_request(&mut HttpRequest::new(&mut parts, &mut body, None))
            .unwrap();
        parts
            .headers
            .get(CONTENT_LENGTH)
            .map(|v| v.to_str().unwrap().to_owned())
    }

    #[test]
    fn sets_length_of_known_bodies_only() {
        assert_eq!(run(Method::PUT, Body::from("abc")), Some("3".into()));
        assert_eq!(run(Method::POST, Body::empty()), Some("0".into()));
        assert_eq!(run(Method::GET, Body::empty()), None);
        let stream = Body::from_stream(http_body_util::Empty::<bytes::Bytes>::new());
        // An empty stream has an exact size hint of 0.
        assert_eq!(run(Method::PUT, stream), Some("0".into()));
        let big = Body::from(vec![0_u8; 1_234_567]);
        assert_eq!(run(Method::PUT, big), Some("1234567".into()));
    }

    #[test]
    fn a_length_the_caller_set_is_kept() {
        let (mut parts, _) = http::Request::put("/")
            .header(CONTENT_LENGTH, "3")
            .body(())
            .unwrap()
            .into_parts();
        let mut body = Body::from("abc");
        ComputeContentLength
            .on_request(&mut HttpRequest::new(&mut parts, &mut body, None))
            .unwrap();
        let values: Vec<_> = parts.headers.get_all(CONTENT_LENGTH).iter().collect();
        assert_eq!(values, ["3"]);
    }

    #[test]
    fn every_length_is_written_in_full() {
        for n in [0, 9, 10, 99, 100, 65_535, u64::from(u32::MAX), u64::MAX] {
            assert_eq!(decimal_value(n), n.to_string().as_str());
        }
    }
}
