//! What a stack entry can be.
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use tower::util::BoxCloneSyncService;
use tower::{Layer, Service, ServiceExt};

use crate::body::Body;
use crate::credentials::SharedCredentialsProvider;
use crate::error::{BoxError, SdkError, TransportErrorKind};
use crate::hook::{InputHook, OperationOutput, RequestHook};
use crate::retry::{NoRetry, RetryStrategy, TimeoutConfig, WithTimeouts};
use crate::time::SharedSleep;

/// The service a tower layer wraps in the Build, Finalize and upper Deserialize steps: it takes
/// the HTTP request and returns the operation's output. The operation [`Context`](crate::context::Context)
/// rides in the request extensions while such a layer runs.
pub type UpperService = BoxCloneSyncService<http::Request<Body>, OperationOutput, SdkError>;

/// The service a tower layer wraps below `OperationDeserializer`: plain HTTP, ending in the
/// transport. tower-http's client layers fit here.
pub type HttpService = BoxCloneSyncService<http::Request<Body>, http::Response<Body>, SdkError>;

type UpperLayerFn = dyn Fn(UpperService) -> UpperService + Send + Sync;
type HttpLayerFn = dyn Fn(HttpService) -> HttpService + Send + Sync;

/// One entry of a [`Stack`](super::Stack) step: a hook, a tower layer, or a built-in.
#[derive(Clone)]
pub struct Middleware(pub(crate) Repr);

#[derive(Clone)]
pub(crate) enum Repr {
    InputHook(Arc<dyn InputHook>),
    RequestHook(Arc<dyn RequestHook>),
    Layer(Arc<UpperLayerFn>),
    HttpLayer(Arc<HttpLayerFn>),
    OperationSerializer,
    OperationDeserializer,
    Retry(Arc<dyn RetryStrategy>, SharedSleep),
    GetIdentity(Option<SharedCredentialsProvider>),
}

/// The kind of a [`Middleware`], which decides where it may go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MiddlewareKind {
    /// An [`InputHook`]: Initialize, or Serialize before the serializer.
    InputHook,
    /// A [`RequestHook`]: Serialize after the serializer, Build, Finalize, Deserialize.
    RequestHook,
    /// A tower layer over [`UpperService`]: Build, Finalize, Deserialize above the deserializer.
    Layer,
    /// A tower layer over [`HttpService`]: Deserialize below the deserializer.
    HttpLayer,
    /// The operation serializer (Serialize).
    OperationSerializer,
    /// The operation deserializer (Deserialize).
    OperationDeserializer,
    /// The retry loop (Finalize).
    Retry,
    /// Identity resolution (Finalize; in Serialize too, for an endpoint chosen by the
    /// account id).
    GetIdentity,
}

impl MiddlewareKind {
    pub(crate) fn placement(self) -> &'static str {
        match self {
            MiddlewareKind::InputHook => {
                "input hooks go in Initialize, or in Serialize before OperationSerializer"
            }
            MiddlewareKind::RequestHook => {
                "request hooks go in Serialize after OperationSerializer, Build, Finalize or Deserialize"
            }
            MiddlewareKind::Layer => {
                "tower layers go in Build, Finalize, or Deserialize above OperationDeserializer"
            }
            MiddlewareKind::HttpLayer => {
                "HTTP layers go in Deserialize below OperationDeserializer"
            }
            MiddlewareKind::OperationSerializer => "the serializer goes in Serialize",
            MiddlewareKind::OperationDeserializer => "the deserializer goes in Deserialize",
            MiddlewareKind::Retry => "the retry loop goes in Finalize",
            MiddlewareKind::GetIdentity => {
                "identity resolution goes in Finalize, or in Serialize for the endpoint"
            }
        }
    }

    pub(crate) fn note(self) -> Option<&'static str> {
        match self {
            MiddlewareKind::Layer | MiddlewareKind::HttpLayer => Some("tower layer"),
            _ => None,
        }
    }
}

impl Middleware {
    /// An [`InputHook`] (or a closure `Fn(&mut Input, &mut Context) -> Result<(), SdkError>`).
    pub fn input_hook(hook: impl InputHook) -> Self {
        Middleware(Repr::InputHook(Arc::new(hook)))
    }

    /// A [`RequestHook`] (or a closure `Fn(&mut HttpRequest) -> Result<(), SdkError>`).
    pub fn request_hook(hook: impl RequestHook) -> Self {
        Middleware(Repr::RequestHook(Arc::new(hook)))
    }

    /// A shared [`RequestHook`].
    pub fn shared_request_hook(hook: Arc<dyn RequestHook>) -> Self {
        Middleware(Repr::RequestHook(hook))
    }

    /// A tower layer for the Build, Finalize or upper Deserialize steps. Its service sees the
    /// HTTP request and returns the [`OperationOutput`]; errors that are not an [`SdkError`]
    /// become one (tower's `Elapsed` becomes a timeout).
    pub fn layer<L>(layer: L) -> Self
    where
        L: Layer<UpperService> + Send + Sync + 'static,
        L::Service: Service<http::Request<Body>, Response = OperationOutput>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as Service<http::Request<Body>>>::Error: Into<BoxError>,
        <L::Service as Service<http::Request<Body>>>::Future: Send + 'static,
    {
        Middleware(Repr::Layer(Arc::new(move |inner: UpperService| {
            BoxCloneSyncService::new(layer.layer(inner).map_err(into_sdk_error))
        })))
    }

    /// A tower layer below the deserializer, over plain HTTP: the one entry point for
    /// tower-http's client layers. A response body of another type is mapped back into
    /// [`Body`], and an error into [`SdkError`].
    pub fn http_layer<L, RB>(layer: L) -> Self
    where
        L: Layer<HttpService> + Send + Sync + 'static,
        L::Service: Service<http::Request<Body>, Response = http::Response<RB>>
            + Clone
            + Send
            + Sync
            + 'static,
        <L::Service as Service<http::Request<Body>>>::Error: Into<BoxError>,
        <L::Service as Service<http::Request<Body>>>::Future: Send + 'static,
        RB: http_body::Body<Data = Bytes> + Send + 'static,
        RB::Error: Into<BoxError>,
    {
        Middleware(Repr::HttpLayer(Arc::new(move |inner: HttpService| {
            BoxCloneSyncService::new(
                layer
                    .layer(inner)
                    .map_response(|res: http::Response<RB>| res.map(Body::from_stream))
                    .map_err(into_sdk_error),
            )
        })))
    }

    /// The operation serializer: where the input becomes an HTTP request.
    pub fn operation_serializer() -> Self {
        Middleware(Repr::OperationSerializer)
    }

    /// The operation deserializer: where the HTTP response becomes the output or an error.
    pub fn operation_deserializer() -> Self {
        Middleware(Repr::OperationDeserializer)
    }

    /// The retry loop with a strategy, sleeping with `sleep` between attempts (and for the
    /// strategy's [attempt timeout](RetryStrategy::attempt_timeout), if it has one).
    pub fn retry(strategy: impl RetryStrategy, sleep: SharedSleep) -> Self {
        Middleware(Repr::Retry(Arc::new(strategy), sleep))
    }

    /// The retry loop with a strategy and a limit on each attempt (backoff excluded), both
    /// timed with `sleep`. An attempt that runs out fails with a timeout error
    /// ([`TimeoutScope::Attempt`](crate::retry::TimeoutScope)) that the strategy may retry.
    ///
    /// ```
    /// use std::time::Duration;
    /// use ziggurat_core::retry::NoRetry;
    /// use ziggurat_core::stack::{Middleware, MiddlewareKind};
    /// use ziggurat_core::time::SharedSleep;
    ///
    /// let entry = Middleware::retry_with_timeout(
    ///     NoRetry,
    ///     SharedSleep::default(),
    ///     Some(Duration::from_secs(5)),
    /// );
    /// assert_eq!(entry.kind(), MiddlewareKind::Retry);
    /// ```
    pub fn retry_with_timeout(
        strategy: impl RetryStrategy,
        sleep: SharedSleep,
        attempt_timeout: Option<Duration>,
    ) -> Self {
        let response_body_idle = strategy.response_body_idle_timeout();
        Middleware::retry(
            WithTimeouts {
                inner: strategy,
                attempt: attempt_timeout,
                response_body_idle,
            },
            sleep,
        )
    }

    /// The retry loop with a strategy and the limits of a [`TimeoutConfig`] that the loop
    /// enforces: each attempt's, and how long a response body may go without data. Both are
    /// timed with `sleep`. (The operation timeout wraps the whole call, above the stack.)
    ///
    /// ```
    /// use std::time::Duration;
    /// use ziggurat_core::retry::{NoRetry, RetryStrategy, TimeoutConfig};
    /// use ziggurat_core::stack::{Middleware, MiddlewareKind};
    /// use ziggurat_core::time::SharedSleep;
    ///
    /// let timeouts = TimeoutConfig::new()
    ///     .with_attempt_timeout(Duration::from_secs(5))
    ///     .with_response_body_idle_timeout(Duration::from_secs(300));
    /// let entry = Middleware::retry_with_timeouts(NoRetry, SharedSleep::default(), timeouts);
    /// assert_eq!(entry.kind(), MiddlewareKind::Retry);
    /// ```
    pub fn retry_with_timeouts(
        strategy: impl RetryStrategy,
        sleep: SharedSleep,
        timeouts: TimeoutConfig,
    ) -> Self {
        Middleware::retry(
            WithTimeouts {
                inner: strategy,
                attempt: timeouts.attempt_timeout(),
                response_body_idle: timeouts.response_body_idle_timeout(),
            },
            sleep,
        )
    }

    /// A retry loop that makes one attempt.
    pub fn no_retry() -> Self {
        Middleware::retry(NoRetry, SharedSleep::default())
    }

    /// Resolves credentials on every attempt from `provider` (or from the per-call override);
    /// with no provider, the operation is sent unsigned.
    pub fn get_identity(provider: Option<SharedCredentialsProvider>) -> Self {
        Middleware(Repr::GetIdentity(provider))
    }

    /// What kind of entry this is.
    pub fn kind(&self) -> MiddlewareKind {
        match &self.0 {
            Repr::InputHook(_) => MiddlewareKind::InputHook,
            Repr::RequestHook(_) => MiddlewareKind::RequestHook,
            Repr::Layer(_) => MiddlewareKind::Layer,
            Repr::HttpLayer(_) => MiddlewareKind::HttpLayer,
            Repr::OperationSerializer => MiddlewareKind::OperationSerializer,
            Repr::OperationDeserializer => MiddlewareKind::OperationDeserializer,
            Repr::Retry(..) => MiddlewareKind::Retry,
            Repr::GetIdentity(_) => MiddlewareKind::GetIdentity,
        }
    }
}

impl fmt::Debug for Middleware {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Middleware({:?})", self.kind())
    }
}

/// Turns an error from a tower layer back into an [`SdkError`].
pub(crate) fn into_sdk_error(err: impl Into<BoxError>) -> SdkError {
    let err: BoxError = err.into();
    match err.downcast::<SdkError>() {
        Ok(e) => *e,
        Err(e) if e.is::<tower::timeout::error::Elapsed>() => SdkError::timeout(e),
        Err(e) => SdkError::transport(TransportErrorKind::Other, e),
    }
}
