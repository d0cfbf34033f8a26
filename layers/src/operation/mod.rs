//! Turns a service of HTTP requests into a service of one operation: typed input in, typed
//! output (or the operation's typed error) out.
//!
//! Inside a client's stack the operation's serializer and deserializer are entries
//! (`OperationSerializer`, `OperationDeserializer`). [`OperationLayer`] is the same pair as a
//! standalone tower layer, so a working client can be composed from `ServiceBuilder` and
//! layers alone: this layer on top, then whatever HTTP middleware you like (endpoint, signing,
//! retry, tower-http), then any HTTP client. It serializes the input into a request whose URI
//! holds the path and query (an endpoint layer below adds scheme and host), sends it, reads
//! the body (or, for operations whose output streams, hands it over unread) and deserializes
//! the response.
//!
//! Unlike the client's stack it runs no retry loop, timeouts or identity resolution of its
//! own: those are the layers you put below it. The output's metadata has the HTTP status and
//! the request ids of the response.
//!
//! ```
//! use tower::{Layer, ServiceExt, service_fn};
//! use ziggurat_core::body::Body;
//! use ziggurat_core::operation::Operation;
//! use ziggurat_layers::operation::OperationLayer;
//! # use ziggurat_core::{context::Context, error::SdkError, stack::{OperationSpec, ResponseBody}};
//! # #[derive(Debug, Default)] struct Echo;
//! # impl Operation for Echo {
//! #     type Input = String; type Output = String; type Error = ziggurat_core::error::ApiError;
//! #     const SERVICE: &'static str = "Test"; const NAME: &'static str = "Echo";
//! #     fn serialize(i: &mut String, _: &mut Context) -> Result<http::Request<Body>, SdkError> {
//! #         Ok(http::Request::post("/").body(Body::from(std::mem::take(i)))?)
//! #     }
//! #     fn deserialize(_: http::response::Parts, b: ResponseBody, _: &mut Context) -> Result<String, SdkError> {
//! #         match b { ResponseBody::Buffered(b) => Ok(String::from_utf8_lossy(&b).into_owned()), _ => Err(SdkError::response("stream")) }
//! #     }
//! #     fn spec() -> &'static OperationSpec { static S: OperationSpec = OperationSpec::of::<Echo>(); &S }
//! # }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! // An HTTP service that echoes the request body.
//! let http = service_fn(|req: http::Request<Body>| async move {
//!     Ok::<_, std::convert::Infallible>(http::Response::new(req.into_body()))
//! });
//! let echo = OperationLayer::<Echo>::new().layer(http);
//! assert_eq!(echo.oneshot("hello".to_owned()).await.unwrap(), "hello");
//! # }
//! ```
use std::marker::PhantomData;
use std::task::{Context as TaskContext, Poll};

use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::{BoxError, SdkError, TransportErrorKind};
use ziggurat_core::operation::Operation;
use ziggurat_core::stack::ResponseBody;

/// A boxed, sendable future.
type BoxFuture<T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send>>;

/// The layer: one operation `O` over an HTTP service.
pub struct OperationLayer<O> {
    _op: PhantomData<fn() -> O>,
}

impl<O> OperationLayer<O> {
    /// The layer of operation `O`.
    pub fn new() -> Self {
        OperationLayer { _op: PhantomData }
    }
}

impl<O> Default for OperationLayer<O> {
    fn default() -> Self {
        Self::new()
    }
}

impl<O> Clone for OperationLayer<O> {
    fn clone(&self) -> Self {
        Self::new()
    }
}

impl<O> std::fmt::Debug for OperationLayer<O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("OperationLayer")
    }
}

impl<O, S> tower_layer::Layer<S> for OperationLayer<O> {
    type Service = OperationService<O, S>;
    fn layer(&self, inner: S) -> Self::Service {
        OperationService {
            inner,
            _op: PhantomData,
        }
    }
}

/// The service: typed input in, typed output out.
pub struct OperationService<O, S> {
    inner: S,
    _op: PhantomData<fn() -> O>,
}

impl<O, S: Clone> Clone for OperationService<O, S> {
    fn clone(&self) -> Self {
        OperationService {
            inner: self.inner.clone(),
            _op: PhantomData,
        }
    }
}

impl<O, S: std::fmt::Debug> std::fmt::Debug for OperationService<O, S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperationService")
            .field("inner", &self.inner)
            .finish()
    }
}

fn transport_error(e: BoxError) -> SdkError {
    match e.downcast::<SdkError>() {
        Ok(e) => *e,
        Err(e) => SdkError::transport(TransportErrorKind::Other, e),
    }
}

impl<O, S> tower_service::Service<O::Input> for OperationService<O, S>
where
    O: Operation,
    O::Error: Send + 'static,
    S: tower_service::Service<http::Request<Body>, Response = http::Response<Body>>,
    S::Error: Into<BoxError>,
    S::Future: Send + 'static,
{
    type Response = O::Output;
    type Error = SdkError<O::Error>;
    type Future = BoxFuture<Result<O::Output, SdkError<O::Error>>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner
            .poll_ready(cx)
            .map_err(|e| transport_error(e.into()).map_service_error(O::Error::from))
    }

    fn call(&mut self, mut input: O::Input) -> Self::Future {
        let mut ctx = Context::new(O::SERVICE, O::NAME);
        let request = match O::serialize(&mut input, &mut ctx) {
            Ok(req) => req,
            Err(e) => {
                let e = e
                    .with_operation(O::SERVICE, O::NAME)
                    .map_service_error(O::Error::from);
                return Box::pin(std::future::ready(Err(e)));
            }
        };
        let call = self.inner.call(request);
        Box::pin(async move {
            let fail = |e: SdkError| {
                e.with_operation(O::SERVICE, O::NAME)
                    .map_service_error(O::Error::from)
            };
            let response = call.await.map_err(|e| fail(transport_error(e.into())))?;
            let (parts, body) = response.into_parts();
            let body = if O::STREAMING_OUTPUT && parts.status.is_success() {
                ResponseBody::Streaming(body)
            } else {
                let bytes = body
                    .collect()
                    .await
                    .map_err(|e| fail(SdkError::transport(TransportErrorKind::Io, e)))?;
                ResponseBody::Buffered(bytes)
            };
            O::deserialize(parts, body, &mut ctx).map_err(fail)
        })
    }
}
