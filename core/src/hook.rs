//! Synchronous middleware: hooks, and the adapter that makes any hook a `tower::Layer`.
//!
//! Most SDK concerns need no `await`: stamping an invocation id, computing `Content-Length`,
//! setting `User-Agent`, resolving an endpoint, signing with credentials already resolved. Each
//! of those is written once as a *hook* and used in two ways:
//!
//! - **inside the named [`Stack`](crate::stack::Stack)**, consecutive hooks run inline in one
//!   flat async function, with no boxed future and no service clone per call (a boxed tower node
//!   costs ~50–90 ns and 2 allocations per call; a hook costs a virtual call);
//! - **anywhere else**, [`HookLayer`] turns the same hook into a `tower::Layer` for any
//!   `Service<http::Request<B>>`, so it composes with `ServiceBuilder` like a tower-http layer.
//!
//! There are two kinds: an [`InputHook`] runs before serialization and sees the operation input;
//! a [`RequestHook`] runs after it and sees the HTTP request. Async and control-flow concerns
//! (credential refresh, retries, timeouts) are tower services, not hooks.
//!
//! ```
//! use http::HeaderValue;
//! use tower::{Layer, Service, ServiceExt, service_fn};
//! use ziggurat_core::error::SdkError;
//! use ziggurat_core::hook::{HookLayer, HttpRequest, RequestHook};
//!
//! struct Tenant;
//! impl RequestHook for Tenant {
//!     fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
//!         req.headers_mut().insert("x-tenant", HeaderValue::from_static("blue"));
//!         Ok(())
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let svc = HookLayer::new(Tenant).layer(service_fn(|req: http::Request<String>| async move {
//!     let tenant = req.headers()["x-tenant"].clone();
//!     Ok::<_, std::convert::Infallible>(http::Response::new(tenant.to_str().unwrap().to_owned()))
//! }));
//! let res = svc.oneshot(http::Request::new(String::new())).await.unwrap();
//! assert_eq!(res.body(), "blue");
//! # }
//! ```
use std::any::Any;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use http::{HeaderMap, Method, StatusCode, Uri};

use crate::body::{AsBodyRef, Body, BodyRef};
use crate::context::Context;
use crate::error::{BoxError, SdkError};
use crate::metadata::Metadata;

/// The type-erased operation input that flows through Initialize and Serialize.
pub type Input = Box<dyn Any + Send>;
/// The type-erased operation output that flows back up.
pub type Output = Box<dyn Any + Send>;

/// What the upper steps (Initialize to Finalize) return: the erased output and its metadata.
#[derive(Debug)]
pub struct OperationOutput {
    /// The deserialized output, downcast by the typed operation.
    pub output: Output,
    /// Request id, attempts, timings.
    pub metadata: Metadata,
}

/// A hook that runs before serialization (Initialize step, or Serialize before
/// `OperationSerializer`): defaults, validation, idempotency tokens.
pub trait InputHook: Send + Sync + 'static {
    /// Inspects or changes the input; an error stops the operation before anything is sent.
    fn on_input(&self, input: &mut Input, ctx: &mut Context) -> Result<(), SdkError>;

    /// Sees the result on the way back up.
    fn on_output(&self, _ctx: &mut Context, _result: &mut Result<OperationOutput, SdkError>) {}
}

impl<F> InputHook for F
where
    F: Fn(&mut Input, &mut Context) -> Result<(), SdkError> + Send + Sync + 'static,
{
    fn on_input(&self, input: &mut Input, ctx: &mut Context) -> Result<(), SdkError> {
        self(input, ctx)
    }
}

/// A hook that runs on the HTTP request (Serialize after `OperationSerializer`, Build, Finalize,
/// Deserialize), and optionally on the way back up.
pub trait RequestHook: Send + Sync + 'static {
    /// Inspects or changes the request; an error stops the operation (or the attempt).
    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError>;

    /// Sees the response on the way back up.
    fn on_response(&self, _res: &mut HttpResponse<'_>) {}

    /// Sees (and may change) the whole result on the way back up, inside a stack: the
    /// attempt's for hooks after `Retry`, the call's for hooks before it. Outside a stack
    /// ([`HookLayer`]) there is no operation result, and it is not called.
    fn on_result(&self, _ctx: &mut Context, _result: &mut Result<OperationOutput, SdkError>) {}

    /// Whether [`on_response`](Self::on_response) does anything. A hook that leaves it as
    /// the default may return `false`: the stack then skips it on the way back up. Read once,
    /// when the stack is compiled.
    fn has_response_side(&self) -> bool {
        true
    }
}

impl<F> RequestHook for F
where
    F: Fn(&mut HttpRequest<'_>) -> Result<(), SdkError> + Send + Sync + 'static,
{
    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        self(req)
    }
    fn has_response_side(&self) -> bool {
        false
    }
}

impl<H: RequestHook + ?Sized> RequestHook for Arc<H> {
    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        (**self).on_request(req)
    }
    fn on_result(&self, ctx: &mut Context, result: &mut Result<OperationOutput, SdkError>) {
        (**self).on_result(ctx, result)
    }
    fn on_response(&self, res: &mut HttpResponse<'_>) {
        (**self).on_response(res)
    }
    fn has_response_side(&self) -> bool {
        (**self).has_response_side()
    }
}

enum BodyAccess<'a> {
    Owned(&'a mut Body),
    View(BodyRef<'a>),
}

/// A request as a [`RequestHook`] sees it: its head, a view of its body, and the operation's
/// [`Context`] when it runs inside a stack.
pub struct HttpRequest<'a> {
    parts: &'a mut http::request::Parts,
    body: BodyAccess<'a>,
    context: Option<&'a mut Context>,
}

impl<'a> HttpRequest<'a> {
    /// A request inside the stack, where the body can be replaced.
    pub fn new(
        parts: &'a mut http::request::Parts,
        body: &'a mut Body,
        context: Option<&'a mut Context>,
    ) -> Self {
        HttpRequest {
            parts,
            body: BodyAccess::Owned(body),
            context,
        }
    }
    /// A request whose body can only be looked at.
    pub fn with_body_ref(
        parts: &'a mut http::request::Parts,
        body: BodyRef<'a>,
        context: Option<&'a mut Context>,
    ) -> Self {
        HttpRequest {
            parts,
            body: BodyAccess::View(body),
            context,
        }
    }
    /// The method.
    pub fn method(&self) -> &Method {
        &self.parts.method
    }
    /// The URI.
    pub fn uri(&self) -> &Uri {
        &self.parts.uri
    }
    /// The URI, to change it.
    pub fn uri_mut(&mut self) -> &mut Uri {
        &mut self.parts.uri
    }
    /// The headers.
    pub fn headers(&self) -> &HeaderMap {
        &self.parts.headers
    }
    /// The headers, to change them.
    pub fn headers_mut(&mut self) -> &mut HeaderMap {
        &mut self.parts.headers
    }
    /// The request head.
    pub fn parts(&self) -> &http::request::Parts {
        self.parts
    }
    /// The request head, to change it.
    pub fn parts_mut(&mut self) -> &mut http::request::Parts {
        self.parts
    }
    /// A view of the body.
    pub fn body(&self) -> BodyRef<'_> {
        match &self.body {
            BodyAccess::Owned(b) => b.as_body_ref(),
            BodyAccess::View(v) => *v,
        }
    }
    /// The body, when the hook runs inside a stack (standalone hooks only get a view).
    pub fn body_mut(&mut self) -> Option<&mut Body> {
        match &mut self.body {
            BodyAccess::Owned(b) => Some(b),
            BodyAccess::View(_) => None,
        }
    }
    /// Takes the context out for a while (interceptors get the request and the context as
    /// two borrows).
    pub(crate) fn take_context(&mut self) -> Option<&'a mut Context> {
        self.context.take()
    }
    /// Puts it back.
    pub(crate) fn put_context(&mut self, ctx: Option<&'a mut Context>) {
        self.context = ctx;
    }
    /// The operation context: always there inside a stack, absent when the hook runs as a
    /// standalone layer (standalone hooks take what they need from their own configuration).
    pub fn context(&self) -> Option<&Context> {
        self.context.as_deref()
    }
    /// The operation context, mutably.
    pub fn context_mut(&mut self) -> Option<&mut Context> {
        self.context.as_deref_mut()
    }
    /// The headers and the context at once, to change both (a header that depends on the
    /// context, set through the map's entry API with a single lookup).
    pub fn headers_and_context_mut(&mut self) -> (&mut HeaderMap, Option<&mut Context>) {
        (&mut self.parts.headers, self.context.as_deref_mut())
    }
    /// The head, to change it, and the context at once (an endpoint read from the context
    /// and applied to the head without copying it out first).
    pub fn parts_and_context_mut(&mut self) -> (&mut http::request::Parts, Option<&mut Context>) {
        (self.parts, self.context.as_deref_mut())
    }
}

/// A response as a [`RequestHook`] sees it on the way back up.
pub struct HttpResponse<'a> {
    status: Option<StatusCode>,
    headers: Option<&'a HeaderMap>,
    error_code: Option<&'a str>,
    metadata: &'a mut Metadata,
    context: Option<&'a mut Context>,
    failed: bool,
}

impl<'a> HttpResponse<'a> {
    /// A response view.
    pub fn new(
        status: Option<StatusCode>,
        headers: Option<&'a HeaderMap>,
        metadata: &'a mut Metadata,
        context: Option<&'a mut Context>,
        failed: bool,
    ) -> Self {
        HttpResponse {
            status,
            headers,
            error_code: None,
            metadata,
            context,
            failed,
        }
    }
    /// The same view, with the service error code of a failed operation.
    pub fn with_error_code(mut self, code: Option<&'a str>) -> Self {
        self.error_code = code;
        self
    }
    /// The service error code (`RequestTimeTooSkewed`), where the hook runs above the
    /// deserializer and the operation failed with a service error.
    pub fn error_code(&self) -> Option<&str> {
        self.error_code
    }
    /// The HTTP status, when a response was received.
    pub fn status(&self) -> Option<StatusCode> {
        self.status
    }
    /// The raw response headers, where the hook runs below deserialization.
    pub fn headers(&self) -> Option<&HeaderMap> {
        self.headers
    }
    /// The metadata that travels up.
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        self.metadata
    }
    /// The operation context, inside a stack.
    pub fn context_mut(&mut self) -> Option<&mut Context> {
        self.context.as_deref_mut()
    }
    /// Whether the operation (or attempt) failed.
    pub fn failed(&self) -> bool {
        self.failed
    }
}

/// Runs a [`RequestHook`] as a `tower::Layer` around any `Service<http::Request<B>>`.
///
/// The hook's request side runs before the inner service is called; a hook error becomes the
/// service's error without calling it. The response side runs on the response's
/// [`Metadata`], kept in the response extensions.
#[derive(Debug, Clone)]
pub struct HookLayer<H> {
    hook: Arc<H>,
}

impl<H> HookLayer<H> {
    /// A layer running `hook`.
    pub fn new(hook: H) -> Self {
        HookLayer {
            hook: Arc::new(hook),
        }
    }
    /// A layer running a shared hook.
    pub fn from_arc(hook: Arc<H>) -> Self {
        HookLayer { hook }
    }
}

impl<H: Default> Default for HookLayer<H> {
    fn default() -> Self {
        HookLayer::new(H::default())
    }
}

impl<H, S> tower_layer::Layer<S> for HookLayer<H> {
    type Service = HookService<H, S>;
    fn layer(&self, inner: S) -> Self::Service {
        HookService {
            hook: self.hook.clone(),
            inner,
        }
    }
}

/// The service made by [`HookLayer`].
#[derive(Debug)]
pub struct HookService<H, S> {
    hook: Arc<H>,
    inner: S,
}

impl<H, S: Clone> Clone for HookService<H, S> {
    fn clone(&self) -> Self {
        HookService {
            hook: self.hook.clone(),
            inner: self.inner.clone(),
        }
    }
}

impl<H, S, B, RB> tower_service::Service<http::Request<B>> for HookService<H, S>
where
    H: RequestHook,
    S: tower_service::Service<http::Request<B>, Response = http::Response<RB>>,
    S::Error: Into<BoxError>,
    B: AsBodyRef,
{
    type Response = http::Response<RB>;
    type Error = BoxError;
    type Future = HookFuture<H, S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), BoxError>> {
        self.inner.poll_ready(cx).map_err(Into::into)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let (mut parts, body) = req.into_parts();
        let outcome = {
            let mut view = HttpRequest::with_body_ref(&mut parts, body.as_body_ref(), None);
            self.hook.on_request(&mut view)
        };
        let state = match outcome {
            Err(e) => HookState::Failed {
                err: Some(e.into()),
            },
            Ok(()) => HookState::Running {
                fut: self.inner.call(http::Request::from_parts(parts, body)),
            },
        };
        HookFuture {
            state,
            hook: self.hook.clone(),
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`HookService`].
    pub struct HookFuture<H, F> {
        #[pin]
        state: HookState<F>,
        hook: Arc<H>,
    }
}

pin_project_lite::pin_project! {
    #[project = HookStateProj]
    enum HookState<F> {
        Running { #[pin] fut: F },
        Failed { err: Option<BoxError> },
    }
}

impl<H, F, RB, E> Future for HookFuture<H, F>
where
    H: RequestHook,
    F: Future<Output = Result<http::Response<RB>, E>>,
    E: Into<BoxError>,
{
    type Output = Result<http::Response<RB>, BoxError>;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        match this.state.project() {
            HookStateProj::Failed { err } => Poll::Ready(Err(err
                .take()
                .unwrap_or_else(|| "hook future polled after completion".into()))),
            HookStateProj::Running { fut } => match fut.poll(cx) {
                Poll::Pending => Poll::Pending,
                Poll::Ready(Err(e)) => Poll::Ready(Err(e.into())),
                Poll::Ready(Ok(mut res)) => {
                    let (mut parts, body) = res.into_parts();
                    let mut meta = parts.extensions.remove::<Metadata>().unwrap_or_default();
                    {
                        let mut view = HttpResponse::new(
                            Some(parts.status),
                            Some(&parts.headers),
                            &mut meta,
                            None,
                            false,
                        );
                        this.hook.on_response(&mut view);
                    }
                    parts.extensions.insert(meta);
                    res = http::Response::from_parts(parts, body);
                    Poll::Ready(Ok(res))
                }
            },
        }
    }
}
