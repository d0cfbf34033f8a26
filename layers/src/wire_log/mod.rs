//! The wire log: what goes over the wire and why, redacted, through `tracing`.
//!
//! The AWS SDK for Go v2 has `ClientLogMode`; users of the other SDKs reach for a packet
//! capture. Here a client whose [`LogMode`] is not empty logs, under the target
//! `ziggurat::wire` at `INFO`, exactly what the mode asks for (see [`ziggurat_core::log_mode`]):
//!
//! - [`WireLogLayer`], innermost before the transport: each attempt's request and response
//!   (status line, headers, and with the `*-with-body` flags the bodies);
//! - [`log_signing`], called by the signer: the canonical request and the string to sign;
//! - [`LogRetries`], around the retry strategy: each retry with its reason and delay, each
//!   error not retried, attempts exhausted.
//!
//! Secrets never reach the log unless the mode holds
//! [`LogMode::UNREDACTED_I_KNOW_WHAT_I_AM_DOING`]: see [`redact`]. Bodies are capped
//! ([`DEFAULT_BODY_CAP`]) and never consumed by the log: a request body is logged only when it
//! is in memory, a response body as the caller reads it ([`body::LoggedBody`]), and the body of
//! an operation whose input or output has `@sensitive` members is withheld (its size is shown).
//! A service client adds all three from its configuration's mode; with no mode it has none of
//! them.
//!
//! [`WireLogLayer`] also works alone, on any service of [`Body`] requests:
//!
//! ```
//! use tower::{Layer, ServiceExt, service_fn};
//! use ziggurat_core::body::Body;
//! use ziggurat_core::log_mode::LogMode;
//! use ziggurat_layers::wire_log::WireLogLayer;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let svc = WireLogLayer::new(LogMode::REQUEST | LogMode::RESPONSE_WITH_BODY).layer(
//!     service_fn(|_req: http::Request<Body>| async move {
//!         Ok::<_, std::convert::Infallible>(http::Response::new(Body::from_bytes("{}")))
//!     }),
//! );
//! let req = http::Request::post("http://127.0.0.1/")
//!     .header("authorization", "Bearer secret")
//!     .body(Body::from_bytes("{}"))
//!     .unwrap();
//! // Logs `POST / HTTP/1.1`, the headers (`authorization: Bearer ** redacted **`), then the
//! // response's status line, headers and body as it is read.
//! let res = svc.oneshot(req).await.unwrap();
//! assert_eq!(res.status(), 200);
//! # }
//! ```
pub mod body;
pub mod redact;
mod retries;

use std::fmt::Write as _;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use tower_layer::Layer;
use tower_service::Service;
use ziggurat_core::body::Body;
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::{HttpRequest, RequestHook};
pub use ziggurat_core::log_mode::LogMode;
use ziggurat_core::log_mode::TARGET;

pub use body::LoggedBody;
pub use retries::LogRetries;

/// The most bytes of one body the log shows, unless set otherwise.
pub const DEFAULT_BODY_CAP: usize = 4096;

/// The operation a request belongs to, for the log: set on the request (in its extensions)
/// by [`TagRequests`] inside a stack, read by [`WireLog`] below it.
#[derive(Clone, Copy, Debug)]
pub struct WireTag {
    /// `Service.Operation`.
    pub service: &'static str,
    /// The operation.
    pub operation: &'static str,
    /// The attempt, from 1.
    pub attempt: u32,
    /// Whether the input holds sensitive members (its body is withheld).
    pub sensitive_input: bool,
    /// Whether the output holds sensitive members (its body is withheld).
    pub sensitive_output: bool,
    /// Whether a successful response body goes to the caller unread (it is not logged).
    pub streaming_output: bool,
}

/// The request hook that tags each attempt's request with its [`WireTag`] (the last entry
/// of the Finalize step, where the context is still at hand).
#[derive(Clone, Copy, Debug, Default)]
pub struct TagRequests;

/// Its id in the stack.
pub const TAG_REQUESTS: &str = "WireLogTag";
/// [`WireLogLayer`]'s id in the stack.
pub const WIRE_LOG: &str = "WireLog";

impl RequestHook for TagRequests {
    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        let Some(ctx) = req.context() else {
            return Ok(());
        };
        let spec = ctx.spec();
        let schema = spec.and_then(|s| s.schema);
        let tag = WireTag {
            service: ctx.service(),
            operation: ctx.operation(),
            attempt: ctx.attempt(),
            sensitive_input: schema.is_some_and(|s| s.input.contains_sensitive()),
            sensitive_output: schema.is_some_and(|s| s.output.contains_sensitive()),
            streaming_output: spec.is_some_and(|s| s.streaming_output),
        };
        req.parts_mut().extensions.insert(tag);
        Ok(())
    }
}

/// Logs each request and response that passes (see the [module](self) docs).
#[derive(Clone, Copy, Debug)]
pub struct WireLogLayer {
    mode: LogMode,
    cap: usize,
}

impl WireLogLayer {
    /// A layer logging what `mode` asks for (its request and response flags).
    pub fn new(mode: LogMode) -> Self {
        WireLogLayer {
            mode,
            cap: DEFAULT_BODY_CAP,
        }
    }
    /// Shows at most `cap` bytes of each body.
    pub fn with_body_cap(mut self, cap: usize) -> Self {
        self.cap = cap;
        self
    }
    /// Whether `mode` asks this layer for anything (a client adds it only then).
    pub fn is_needed(mode: LogMode) -> bool {
        mode.contains(LogMode::REQUEST) || mode.contains(LogMode::RESPONSE)
    }
}

impl<S> Layer<S> for WireLogLayer {
    type Service = WireLog<S>;
    fn layer(&self, inner: S) -> WireLog<S> {
        WireLog {
            inner,
            mode: self.mode,
            cap: self.cap,
        }
    }
}

/// The service of [`WireLogLayer`].
#[derive(Clone, Debug)]
pub struct WireLog<S> {
    inner: S,
    mode: LogMode,
    cap: usize,
}

/// ` (Service.Operation, attempt N)`, or nothing outside a stack.
fn label(tag: Option<&WireTag>) -> String {
    match tag {
        Some(t) => format!(" ({}.{}, attempt {})", t.service, t.operation, t.attempt),
        None => String::new(),
    }
}

fn write_headers(out: &mut String, headers: &http::HeaderMap, redacted: bool) {
    for (name, value) in headers {
        let shown = if redacted {
            redact::header_value(name.as_str(), value.as_bytes())
        } else {
            String::from_utf8_lossy(value.as_bytes())
        };
        let _ = writeln!(out, "{name}: {shown}");
    }
}

fn log_request(req: &http::Request<Body>, tag: Option<&WireTag>, mode: LogMode, cap: usize) {
    let redacted = mode.redacts();
    let mut out = String::new();
    let target = if redacted {
        redact::path_and_query(req.uri())
    } else {
        req.uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default()
    };
    let _ = writeln!(out, "{} {target} {:?}", req.method(), req.version());
    if let Some(host) = req.uri().authority()
        && !req.headers().contains_key(http::header::HOST)
    {
        let _ = writeln!(out, "host: {host}");
    }
    write_headers(&mut out, req.headers(), redacted);
    if mode.contains(LogMode::REQUEST_WITH_BODY) {
        out.push('\n');
        let body = req.body();
        match body.bytes() {
            _ if redacted && tag.is_some_and(|t| t.sensitive_input) => {
                let len = body.content_length().unwrap_or_default();
                let _ = write!(
                    out,
                    "<{len} bytes, withheld: the input has sensitive members>"
                );
            }
            Some(bytes) => {
                let shown = bytes.get(..cap.min(bytes.len())).unwrap_or_default();
                out.push_str(&body::body_text(shown, (bytes.len() - shown.len()) as u64));
            }
            None => {
                let _ = match body.content_length() {
                    Some(len) => write!(out, "<streamed body of {len} bytes, not logged>"),
                    None => write!(out, "<streamed body, not logged>"),
                };
            }
        }
    }
    tracing::info!(target: TARGET, "request{}:\n{out}", label(tag));
}

fn log_response<B>(res: &http::Response<B>, tag: Option<&WireTag>, mode: LogMode) {
    let mut out = String::new();
    let _ = writeln!(out, "{:?} {}", res.version(), res.status());
    write_headers(&mut out, res.headers(), mode.redacts());
    tracing::info!(target: TARGET, "response{}:\n{out}", label(tag));
}

impl<S, RB> Service<http::Request<Body>> for WireLog<S>
where
    S: Service<http::Request<Body>, Response = http::Response<RB>>,
    RB: http_body::Body<Data = Bytes>,
{
    type Response = http::Response<LoggedBody<RB>>;
    type Error = S::Error;
    type Future = WireLogFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        let tag = req.extensions().get::<WireTag>().copied();
        if self.mode.contains(LogMode::REQUEST) {
            log_request(&req, tag.as_ref(), self.mode, self.cap);
        }
        WireLogFuture {
            inner: self.inner.call(req),
            tag,
            mode: self.mode,
            cap: self.cap,
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`WireLog`].
    pub struct WireLogFuture<F> {
        #[pin]
        inner: F,
        tag: Option<WireTag>,
        mode: LogMode,
        cap: usize,
    }
}

impl<F, RB, E> Future for WireLogFuture<F>
where
    F: Future<Output = Result<http::Response<RB>, E>>,
    RB: http_body::Body<Data = Bytes>,
{
    type Output = Result<http::Response<LoggedBody<RB>>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let res = match this.inner.poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Ready(Ok(res)) => res,
        };
        let mode = *this.mode;
        let tag = this.tag.as_ref();
        if mode.contains(LogMode::RESPONSE) {
            log_response(&res, tag, mode);
        }
        let streamed = tag.is_some_and(|t| t.streaming_output) && res.status().is_success();
        let log = (mode.contains(LogMode::RESPONSE_WITH_BODY) && !streamed).then(|| {
            let withheld = (mode.redacts()
                && res.status().is_success()
                && tag.is_some_and(|t| t.sensitive_output))
            .then(|| "withheld: the output has sensitive members".to_owned());
            Box::new(body::BodyLog::new(label(tag), withheld, *this.cap))
        });
        Poll::Ready(Ok(res.map(|b| LoggedBody::new(b, log))))
    }
}

/// Logs a signature's canonical request and string to sign (redacted unless `mode` says
/// otherwise): what the signer calls when the mode has [`LogMode::SIGNING`].
pub fn log_signing(canonical_request: &str, string_to_sign: &str, mode: LogMode) {
    let canonical = if mode.redacts() {
        redact::canonical_request(canonical_request)
    } else {
        canonical_request.to_owned()
    };
    tracing::info!(
        target: TARGET,
        "canonical request:\n{canonical}\nstring to sign:\n{string_to_sign}"
    );
}

#[cfg(test)]
mod tests;
