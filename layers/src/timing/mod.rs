//! Records where the time of an operation went, into [`Metadata`].
//!
//! "It is slow" is the most common complaint about any client; the first question is whether the
//! time went into the network, signing, or the client's own work. Inside a stack, the
//! [`Timing`] entry (Initialize step, id [`ids::TIMING`](ziggurat_core::stack::ids::TIMING))
//! switches on marks that the orchestrator and the signer record, and on the way back writes
//! [`Timings`]: the whole operation, serialization, and per attempt signing, wire and
//! deserialization time. Without the entry nothing is measured and nothing is allocated.
//!
//! Used alone, [`TimingLayer`] measures the inner service from call to response head and puts
//! the result, as the wire time of one attempt, into the response extensions' [`Metadata`].
//!
//! ```
//! use tower::{Layer, ServiceExt, service_fn};
//! use ziggurat_core::metadata::Metadata;
//! use ziggurat_layers::timing::TimingLayer;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let svc = TimingLayer::new().layer(service_fn(|_: http::Request<()>| async {
//!     Ok::<_, std::convert::Infallible>(http::Response::new(()))
//! }));
//! let res = svc.oneshot(http::Request::new(())).await.unwrap();
//! let timings = res.extensions().get::<Metadata>().unwrap().timings().unwrap();
//! assert_eq!(timings.attempts.len(), 1);
//! # }
//! ```
use std::future::Future;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::{Input, InputHook, OperationOutput};
use ziggurat_core::metadata::{AttemptTimings, Metadata, Timings};

/// Adds the [`Timing`] entry to a stack (first in Initialize), for use with a client's
/// `Config::stack(timing::enable)`.
pub fn enable(
    stack: &mut ziggurat_core::stack::Stack,
) -> Result<(), ziggurat_core::stack::StackError> {
    use ziggurat_core::stack::{Middleware, Position, ids};
    stack.initialize_mut().add(
        ids::TIMING,
        Middleware::input_hook(Timing),
        Position::Before,
    )?;
    Ok(())
}

/// The stack entry: turns timing on for the operation and reports it.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timing;

impl InputHook for Timing {
    fn on_input(&self, _: &mut Input, ctx: &mut Context) -> Result<(), SdkError> {
        ctx.enable_timing();
        Ok(())
    }

    fn on_output(&self, ctx: &mut Context, result: &mut Result<OperationOutput, SdkError>) {
        let Some(marks) = ctx.take_timing() else {
            return;
        };
        let timings = Timings {
            operation: marks.start.map(|s| s.elapsed()).unwrap_or_default(),
            serialization: marks.serialization,
            endpoint: marks.endpoint,
            attempts: marks.attempts,
        };
        match result {
            Ok(out) => out.metadata.set_timings(timings),
            Err(e) => e.metadata_mut().set_timings(timings),
        }
    }
}

/// Measures an inner HTTP service on its own.
#[derive(Debug, Clone, Copy, Default)]
pub struct TimingLayer;

impl TimingLayer {
    /// A timing layer.
    pub fn new() -> Self {
        TimingLayer
    }
}

impl<S> tower_layer::Layer<S> for TimingLayer {
    type Service = TimingService<S>;
    fn layer(&self, inner: S) -> Self::Service {
        TimingService { inner }
    }
}

/// The service made by [`TimingLayer`].
#[derive(Debug, Clone)]
pub struct TimingService<S> {
    inner: S,
}

impl<S, B, RB> tower_service::Service<http::Request<B>> for TimingService<S>
where
    S: tower_service::Service<http::Request<B>, Response = http::Response<RB>>,
{
    type Response = http::Response<RB>;
    type Error = S::Error;
    type Future = TimingFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        TimingFuture {
            inner: self.inner.call(req),
            start: Instant::now(),
        }
    }
}

pin_project_lite::pin_project! {
    /// The future of [`TimingService`].
    pub struct TimingFuture<F> {
        #[pin]
        inner: F,
        start: Instant,
    }
}

impl<F, RB, E> Future for TimingFuture<F>
where
    F: Future<Output = Result<http::Response<RB>, E>>,
{
    type Output = F::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let mut res = match this.inner.poll(cx) {
            Poll::Pending => return Poll::Pending,
            Poll::Ready(Err(e)) => return Poll::Ready(Err(e)),
            Poll::Ready(Ok(res)) => res,
        };
        let wire = this.start.elapsed();
        let meta = match res.extensions_mut().get_mut::<Metadata>() {
            Some(m) => m,
            None => {
                res.extensions_mut().insert(Metadata::default());
                match res.extensions_mut().get_mut::<Metadata>() {
                    Some(m) => m,
                    None => return Poll::Ready(Ok(res)),
                }
            }
        };
        meta.set_timings(Timings {
            operation: wire,
            attempts: vec![AttemptTimings {
                total: wire,
                wire,
                ..Default::default()
            }],
            ..Default::default()
        });
        Poll::Ready(Ok(res))
    }
}
