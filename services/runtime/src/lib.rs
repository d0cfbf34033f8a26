//! What every service client shares: the default stack, the client handle that runs it, per-call
//! options, and the fluent builder behind `client.operation().field(..).send()`.
//!
//! The default stack, in Go SDK terms:
//!
//! ```text
//! Initialize   (Timing, when enabled) (Metrics, with a meter provider)
//! Serialize    OperationSerializer, (EndpointIdentity, where the rule set reads the account id)
//!              ResolveEndpoint (the service's rule set, see [`endpoint`])
//! Build        InvocationId, ComputeContentLength, UserAgent
//! Finalize     Retry, GetIdentity, Signing, RequestInfo
//! Deserialize  OperationDeserializer
//! ```
//!
//! `Retry` is the strategy [`SdkConfig::retry_config`] describes (standard mode with the AWS
//! SDK for Go v2 constants unless configured otherwise, in code or by `AWS_RETRY_MODE` /
//! `AWS_MAX_ATTEMPTS`), with the attempt timeout of [`SdkConfig::timeout_config`]; its token
//! bucket and rate limiter belong to the client. `RequestInfo` sets
//! `amz-sdk-request: attempt=N; max=M` on every attempt, after signing (as smithy-rs does):
//! the header is informational, and signing it would only make every request's signature
//! longer to compute. The operation timeout bounds each
//! call in [`ClientHandle::invoke`]; dropping the call's future cancels it at once, whether
//! it is sending or sleeping between attempts.
//!
//! A client compiles it once. A call's [`CallOptions`] change its region, endpoint,
//! credentials or operation timeout through the [`Context`] (no stack is rebuilt); only stack
//! edits made for one call compile a derived stack for that call.
#![warn(missing_docs)]

pub mod codegen;
pub mod endpoint;
mod event_stream;
#[doc(hidden)]
pub use http;
mod generated;
pub mod paginator;
pub mod waiter;

pub use event_stream::EventStream;
pub use generated::{
    ErrorMeta, GeneratedOperation, OperationEntry, WaiterEntry, deserialize, modeled_error,
    read_endpoint_params, serialize, service_stack,
};

use std::fmt;
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use ziggurat_core::config::SdkConfig;
use ziggurat_core::context::{Context, Region};
use ziggurat_core::credentials::SharedCredentialsProvider;
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::{Input, OperationOutput};
use ziggurat_core::metadata::HasMetadata;
use ziggurat_core::operation::{Operation, downcast_output};
use ziggurat_core::retry::{TimeoutError, TimeoutScope};
use ziggurat_core::stack::{
    CompiledStack, Middleware, OperationSpec, Position, Stack, StackError, ids,
};
use ziggurat_layers::content_length::ComputeContentLength;
use ziggurat_layers::endpoint::resolver::{EndpointResolver, SharedEndpointResolver};
use ziggurat_layers::endpoint::{BaseEndpoint, EndpointUrl, RuleSetEndpoint};
use ziggurat_layers::invocation_id::SetInvocationId;
use ziggurat_layers::retry::{REQUEST_INFO, SetRequestInfo, StandardRetry};
use ziggurat_layers::sign::SigV4;
use ziggurat_layers::user_agent::UserAgent;
use ziggurat_layers::wire_log::{self, LogMode};

/// What a client needs to know about its service.
#[derive(Debug, Clone, Copy)]
pub struct ServiceInfo {
    /// The service id (`S3`, `DynamoDB`).
    pub service_id: &'static str,
    /// The hostname prefix of its endpoints (`s3`, `dynamodb`).
    pub endpoint_prefix: &'static str,
}

/// The default stack of an AWS service client, with its endpoint resolver and signer, and the
/// client's own stack edits applied. `Timing` is opt-in ([`ziggurat_layers::timing::enable`]):
/// like tracing, it costs clock reads and allocations on every call.
pub fn default_stack(
    info: &ServiceInfo,
    config: &ServiceConfig,
    endpoint: RuleSetEndpoint,
    signer: SigV4,
) -> Result<Stack, String> {
    let retry = config
        .sdk
        .retry_config()
        .map_err(|e| format!("invalid retry configuration: {e}"))?;
    let strategy = StandardRetry::from_config(retry);
    let mode = config.sdk.log_mode().map_err(str::to_owned)?;
    build_default_stack(
        info,
        &config.sdk,
        endpoint,
        signer.with_log_mode(mode),
        strategy,
    )
    .and_then(|stack| apply_edits(stack, &config.edits))
    .map_err(|e| e.to_string())
}

fn build_default_stack(
    info: &ServiceInfo,
    config: &SdkConfig,
    endpoint: RuleSetEndpoint,
    signer: SigV4,
    retry: StandardRetry,
) -> Result<Stack, StackError> {
    let mut ua = UserAgent::new(info.service_id);
    if let Some(app) = config.app_name() {
        ua = ua.with_app_name(app);
    }
    let mut s = Stack::new();
    // Metrics only when a meter provider is set: without one, no entry and no clock read.
    if let Some(provider) = config
        .meter_provider()
        .cloned()
        .or_else(ziggurat_core::metrics::default_provider)
    {
        let meter = provider.meter(ziggurat_layers::metrics::SCOPE);
        s.initialize_mut().add(
            ziggurat_layers::metrics::METRICS,
            Middleware::input_hook(ziggurat_layers::metrics::Metrics::new(meter.as_ref())),
            Position::After,
        )?;
    }
    s.serialize_mut().add(
        ids::OPERATION_SERIALIZER,
        Middleware::operation_serializer(),
        Position::After,
    )?;
    // Only where the endpoint depends on the credentials' account id (see [`endpoint`]).
    if endpoint.reads_account_id() {
        s.serialize_mut().add(
            ids::ENDPOINT_IDENTITY,
            Middleware::get_identity(config.credentials().cloned()),
            Position::After,
        )?;
    }
    s.serialize_mut().add(
        ids::RESOLVE_ENDPOINT,
        Middleware::request_hook(endpoint.with_region(config.region().cloned())),
        Position::After,
    )?;
    s.build_mut()
        .add(
            ids::INVOCATION_ID,
            Middleware::request_hook(SetInvocationId),
            Position::After,
        )?
        .add(
            ids::CONTENT_LENGTH,
            Middleware::request_hook(ComputeContentLength),
            Position::After,
        )?
        .add(
            ids::USER_AGENT,
            Middleware::request_hook(ua),
            Position::After,
        )?;
    // The wire log's entries only when its mode asks for them (an invalid mode was refused
    // by the caller).
    let mode = config.log_mode().unwrap_or_default();
    let retry = if mode.contains(LogMode::RETRIES) {
        Middleware::retry_with_timeouts(
            wire_log::LogRetries::new(retry),
            config.sleep().clone(),
            config.timeout_config(),
        )
    } else {
        Middleware::retry_with_timeouts(retry, config.sleep().clone(), config.timeout_config())
    };
    s.finalize_mut()
        .add(ids::RETRY, retry, Position::After)?
        .add(
            ids::GET_IDENTITY,
            Middleware::get_identity(config.credentials().cloned()),
            Position::After,
        )?
        .add(
            ids::SIGNING,
            Middleware::request_hook(signer.with_time_source(config.time_source().clone())),
            Position::After,
        )?
        .add(
            REQUEST_INFO,
            Middleware::request_hook(SetRequestInfo),
            Position::After,
        )?;
    s.deserialize_mut().add(
        ids::OPERATION_DESERIALIZER,
        Middleware::operation_deserializer(),
        Position::After,
    )?;
    if wire_log::WireLogLayer::is_needed(mode) {
        s.finalize_mut().add(
            wire_log::TAG_REQUESTS,
            Middleware::request_hook(wire_log::TagRequests),
            Position::After,
        )?;
        s.deserialize_mut().add(
            wire_log::WIRE_LOG,
            Middleware::http_layer(wire_log::WireLogLayer::new(mode)),
            Position::After,
        )?;
    }
    Ok(s)
}

/// Configuration of one service client: the shared [`SdkConfig`], the client's own stack
/// edits and its endpoint resolver.
#[derive(Clone)]
pub struct ServiceConfig {
    sdk: SdkConfig,
    edits: Vec<StackEdit>,
    endpoint_resolver: Option<SharedEndpointResolver>,
}

impl ServiceConfig {
    /// Configuration from shared configuration.
    pub fn new(sdk: &SdkConfig) -> Self {
        ServiceConfig {
            sdk: sdk.clone(),
            edits: Vec::new(),
            endpoint_resolver: None,
        }
    }
    /// Resolves endpoints with `resolver`, which gets each call's rule-set parameters and the
    /// service's rule set to wrap (see [`EndpointResolver`]). Its results are cached per
    /// client for identical parameters.
    ///
    /// ```
    /// use ziggurat_core::config::SdkConfig;
    /// use ziggurat_layers::endpoint::resolver::RuleSetResolver;
    /// use ziggurat_layers::endpoint::rules::Params;
    ///
    /// let sdk = SdkConfig::builder().build();
    /// // Every endpoint the rule set resolves, with a header added.
    /// let config = ziggurat_runtime::ServiceConfig::new(&sdk).endpoint_resolver(
    ///     |params: &Params, default: &RuleSetResolver| {
    ///         let mut endpoint = default.resolve(params)?;
    ///         endpoint.headers.push(("x-team".to_owned(), vec!["storage".to_owned()]));
    ///         Ok(endpoint)
    ///     },
    /// );
    /// # let _ = config;
    /// ```
    pub fn endpoint_resolver(mut self, resolver: impl EndpointResolver) -> Self {
        self.endpoint_resolver = Some(SharedEndpointResolver::new(resolver));
        self
    }
    /// Changes the client's stack (add, insert, swap or remove middleware); every call of the
    /// client runs the changed stack. An edit that fails (a duplicate id, an unknown anchor) is
    /// reported by every call as a construction error.
    pub fn stack(
        mut self,
        edit: impl Fn(&mut Stack) -> Result<(), StackError> + Send + Sync + 'static,
    ) -> Self {
        self.edits.push(Arc::new(edit));
        self
    }
    /// Adds an interceptor for this client, after the shared configuration's.
    pub fn interceptor(mut self, interceptor: impl ziggurat_core::interceptor::Intercept) -> Self {
        self.sdk.add_interceptor(interceptor);
        self
    }
    /// The shared configuration (with the client's own interceptors added).
    pub fn sdk_config(&self) -> &SdkConfig {
        &self.sdk
    }
    /// The client's stack edits, in order: for a service that adds middleware of its own to
    /// the default stack before the client's edits run ([`apply_edits`]).
    pub fn edits(&self) -> &[StackEdit] {
        &self.edits
    }
}

impl fmt::Debug for ServiceConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServiceConfig")
            .field("sdk", &self.sdk)
            .field("stack_edits", &self.edits.len())
            .field("endpoint_resolver", &self.endpoint_resolver.is_some())
            .finish()
    }
}

/// Parses the endpoint URL configured for clients of `service_id`
/// ([`SdkConfig::endpoint_url_for`]).
pub fn base_endpoint(config: &SdkConfig, service_id: &str) -> Result<Option<BaseEndpoint>, String> {
    config
        .endpoint_url_for(service_id)
        .map(|url| BaseEndpoint::parse(&url).map_err(|e| e.to_string()))
        .transpose()
}

/// A change to a stack: add, insert, swap or remove middleware.
pub type StackEdit = Arc<dyn Fn(&mut Stack) -> Result<(), StackError> + Send + Sync>;

/// Applies client-level stack edits in order.
pub fn apply_edits(mut stack: Stack, edits: &[StackEdit]) -> Result<Stack, StackError> {
    for edit in edits {
        edit(&mut stack)?;
    }
    Ok(stack)
}

/// Changes for one call only.
#[derive(Clone, Default)]
pub struct CallOptions {
    region: Option<Region>,
    endpoint_url: Option<String>,
    credentials: Option<SharedCredentialsProvider>,
    operation_timeout: Option<Option<Duration>>,
    edits: Vec<StackEdit>,
    interceptors: ziggurat_core::interceptor::Interceptors,
}

impl CallOptions {
    /// Bounds this call (all attempts and backoff) by `limit` instead of the client's
    /// operation timeout; `None` removes the limit for this call.
    pub fn operation_timeout(mut self, limit: impl Into<Option<Duration>>) -> Self {
        self.operation_timeout = Some(limit.into());
        self
    }
    /// Sends this call to another region.
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }
    /// Sends this call to another endpoint.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }
    /// Signs this call with other credentials.
    pub fn credentials(mut self, provider: impl Into<SharedCredentialsProvider>) -> Self {
        self.credentials = Some(provider.into());
        self
    }
    /// Adds an interceptor for this call only, after the client's.
    pub fn interceptor(mut self, interceptor: impl ziggurat_core::interceptor::Intercept) -> Self {
        self.interceptors.push(Arc::new(interceptor));
        self
    }
    /// Edits the stack for this call only (add, insert, swap or remove middleware). The client's
    /// stack, and calls running at the same time, are not affected.
    pub fn stack(
        mut self,
        edit: impl Fn(&mut Stack) -> Result<(), StackError> + Send + Sync + 'static,
    ) -> Self {
        self.edits.push(Arc::new(edit));
        self
    }
}

impl fmt::Debug for CallOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CallOptions")
            .field("region", &self.region)
            .field("endpoint_url", &self.endpoint_url)
            .field(
                "credentials",
                &self.credentials.as_ref().map(|_| "** set **"),
            )
            .field("operation_timeout", &self.operation_timeout)
            .field("stack_edits", &self.edits.len())
            .field("interceptors", &self.interceptors)
            .finish()
    }
}

/// A compiled stack, the region it calls by default, and what went wrong building it (reported
/// by the first call, so constructing a client never fails).
pub struct ClientHandle {
    compiled: Result<CompiledStack, String>,
    /// The stack with every interceptor adapter, for calls that bring their own
    /// interceptors: compiled at the first such call.
    intercepted: std::sync::OnceLock<Result<CompiledStack, String>>,
    /// The stack without interceptor adapters, to derive `intercepted` from.
    base: Option<CompiledStack>,
    interceptors: ziggurat_core::interceptor::Interceptors,
    region: Option<Region>,
    operation_timeout: Option<Duration>,
    sleep: ziggurat_core::time::SharedSleep,
    /// Resource names on operation spans ([`SdkConfig::trace_resource_names`]).
    trace_resource_names: bool,
}

impl ClientHandle {
    /// Compiles `stack` for the configured HTTP client (or the default one).
    pub fn new(stack: Result<Stack, String>, config: &SdkConfig) -> Self {
        let compiled = stack.and_then(|stack| {
            // Each client gets its own default transport (and connection pool): hyper's pooled
            // connections belong to the tokio runtime that opened them, so a process-wide pool
            // would break programs (and tests) that run several runtimes. Share one by passing
            // the same `HttpClient` in `SdkConfig`.
            let client = config.http_client().cloned().unwrap_or_default();
            stack
                .compile(client.into_service())
                .map_err(|e| e.to_string())
        });
        let interceptors = config.interceptors().clone();
        // The interceptors' adapters, where the client's interceptors need them.
        let (compiled, base) = match compiled {
            Ok(base) if !interceptors.is_empty() => (
                base.derive(|s| ziggurat_core::interceptor::install(s, &interceptors, false))
                    .map_err(|e| e.to_string()),
                Some(base),
            ),
            Ok(base) => (Ok(base.clone()), Some(base)),
            Err(e) => (Err(e), None),
        };
        ClientHandle {
            compiled,
            intercepted: std::sync::OnceLock::new(),
            base,
            interceptors,
            region: config.region().cloned(),
            operation_timeout: config.timeout_config().operation_timeout(),
            sleep: config.sleep().clone(),
            trace_resource_names: config.trace_resource_names(),
        }
    }

    /// What the client sleeps with (between retries, between a waiter's polls).
    pub fn sleep(&self) -> &ziggurat_core::time::SharedSleep {
        &self.sleep
    }

    /// The client's stack, for `describe()`.
    pub fn stack(&self) -> Option<&Stack> {
        self.compiled.as_ref().ok().map(CompiledStack::stack)
    }

    /// Runs one erased operation, within the operation timeout if one is set.
    ///
    /// The future is boxed here, once: the stack's futures below are large (a request head
    /// alone is 224 bytes), and every level above would otherwise copy them whole. Without an
    /// operation timeout nothing else is allocated; with one, its sleep.
    pub fn invoke(
        &self,
        spec: &'static OperationSpec,
        input: Input,
        options: Option<Box<CallOptions>>,
    ) -> BoxFuture<'_, Result<OperationOutput, SdkError>> {
        let limit = match options.as_ref().and_then(|o| o.operation_timeout) {
            Some(per_call) => per_call,
            None => self.operation_timeout,
        };
        let (mut ctx, derived) = match self.prepare(spec, options) {
            Ok(prepared) => prepared,
            Err(e) => return Box::pin(std::future::ready(Err(e))),
        };
        let compiled = match (&derived, &self.compiled) {
            (Some(derived), _) => derived,
            (None, Ok(compiled)) => compiled,
            (None, Err(e)) => return Box::pin(std::future::ready(Err(not_built(spec, e)))),
        };
        let span = operation_span(spec, ctx.region());
        if self.trace_resource_names && !span.is_disabled() {
            // The serializer records the input's resource names on it.
            ctx.insert(OperationSpan(span.clone()));
        }
        // The stack's future is boxed as it is, not wrapped: a wrapper would hold (and copy)
        // all of it once more. With tracing on, the operation's span wraps it.
        let call = compiled.invoke(spec, input, ctx);
        match (limit, span.is_disabled()) {
            (None, true) => Box::pin(call),
            (Some(limit), true) => Box::pin(with_operation_timeout(
                call,
                self.sleep.sleep(limit),
                spec,
                limit,
            )),
            (limit, false) => {
                let sleep = limit.map(|l| (self.sleep.sleep(l), l));
                Box::pin(traced(call, sleep, spec, span))
            }
        }
    }

    /// The context of one call, and the stack derived for it when the call edits the stack.
    fn prepare(
        &self,
        spec: &'static OperationSpec,
        options: Option<Box<CallOptions>>,
    ) -> Result<(Context, Option<CompiledStack>), SdkError> {
        let compiled = self.compiled.as_ref().map_err(|e| not_built(spec, e))?;
        let mut ctx = Context::new(spec.service, spec.operation);
        let Some(options) = options else {
            ctx.set_region(self.region.clone());
            return Ok((ctx, None));
        };
        ctx.set_region(options.region.or_else(|| self.region.clone()));
        if let Some(url) = &options.endpoint_url {
            let base = BaseEndpoint::parse(url).map_err(|e| {
                SdkError::construction(e).with_operation(spec.service, spec.operation)
            })?;
            ctx.insert(EndpointUrl(base));
        }
        ctx.set_identity_override(options.credentials);
        let mut compiled = compiled;
        if !options.interceptors.is_empty() {
            ctx.insert(ziggurat_core::interceptor::CallInterceptors(
                options.interceptors.to_shared(),
            ));
            compiled = self.intercepted().map_err(|e| not_built(spec, e))?;
            if options.edits.is_empty() {
                return Ok((ctx, Some(compiled.clone())));
            }
        }
        if options.edits.is_empty() {
            return Ok((ctx, None));
        }
        let derived = compiled
            .derive(|stack| options.edits.iter().try_for_each(|edit| edit(stack)))
            .map_err(|e| SdkError::construction(e).with_operation(spec.service, spec.operation))?;
        Ok((ctx, Some(derived)))
    }
}

impl ClientHandle {
    /// The stack with every interceptor adapter (compiled once, at the first call that needs
    /// it).
    fn intercepted(&self) -> Result<&CompiledStack, &str> {
        self.intercepted
            .get_or_init(|| match &self.base {
                Some(base) => base
                    .derive(|s| ziggurat_core::interceptor::install(s, &self.interceptors, true))
                    .map_err(|e| e.to_string()),
                None => Err("the client has no stack".to_owned()),
            })
            .as_ref()
            .map_err(String::as_str)
    }
}

/// The span of one operation, named as the AWS SDKs name it (`DynamoDB.GetItem`, in
/// `otel.name`: a `tracing` span's own name is fixed at compile time) with the attributes of
/// the OpenTelemetry conventions for AWS SDK calls. Disabled (and free) without a subscriber
/// that wants INFO spans of `ziggurat`.
fn operation_span(spec: &OperationSpec, region: Option<&Region>) -> tracing::Span {
    tracing::info_span!(
        target: "ziggurat",
        "operation",
        otel.name = format_args!("{}.{}", spec.service, spec.operation),
        otel.kind = "client",
        rpc.system = "aws-api",
        rpc.service = spec.service,
        rpc.method = spec.operation,
        cloud.region = region.map(Region::as_str),
        aws.request_id = tracing::field::Empty,
        aws.extended_request_id = tracing::field::Empty,
        aws.s3.bucket = tracing::field::Empty,
        aws.s3.key = tracing::field::Empty,
        aws.dynamodb.table_names = tracing::field::Empty,
        error.type = tracing::field::Empty,
        otel.status_code = tracing::field::Empty,
        otel.status_description = tracing::field::Empty,
    )
}

/// In a call's context when its client has [`SdkConfig::trace_resource_names`] on and its
/// operation span is recorded: the span, for [`record_resource_names`].
#[derive(Clone, Debug)]
pub struct OperationSpan(pub tracing::Span);

/// Records the resources a call is about on its operation span, from the endpoint parameters
/// read from its input: S3's `Bucket` and `Key` as `aws.s3.bucket` and `aws.s3.key`,
/// DynamoDB's `ResourceArn` (the table name or ARN) or `ResourceArnList` as
/// `aws.dynamodb.table_names`. Does nothing unless the context holds an [`OperationSpan`].
pub fn record_resource_names(ctx: &Context) {
    let (Some(OperationSpan(span)), Some(params)) =
        (ctx.get::<OperationSpan>(), ctx.endpoint_params())
    else {
        return;
    };
    for (name, value) in &params.0 {
        let text = match value {
            ziggurat_core::context::EndpointParamText::String(s) => s.clone(),
            ziggurat_core::context::EndpointParamText::List(list) => list.join(","),
        };
        match (ctx.service(), *name) {
            ("S3", "Bucket") => span.record("aws.s3.bucket", text.as_str()),
            ("S3", "Key") => span.record("aws.s3.key", text.as_str()),
            ("DynamoDB", "ResourceArn" | "ResourceArnList") => {
                span.record("aws.dynamodb.table_names", text.as_str())
            }
            _ => continue,
        };
    }
}

/// Runs a call in its operation span, records what came back on it, and bounds it by the
/// operation timeout when there is one.
async fn traced(
    call: impl Future<Output = Result<OperationOutput, SdkError>>,
    deadline: Option<(ziggurat_core::time::SleepFuture, Duration)>,
    spec: &'static OperationSpec,
    span: tracing::Span,
) -> Result<OperationOutput, SdkError> {
    use tracing::Instrument as _;
    let result = async {
        match deadline {
            None => call.await,
            Some((sleep, limit)) => with_operation_timeout(call, sleep, spec, limit).await,
        }
    }
    .instrument(span.clone())
    .await;
    let metadata = match &result {
        Ok(out) => &out.metadata,
        Err(e) => e.metadata(),
    };
    if let Some(id) = metadata.request_id() {
        span.record("aws.request_id", id);
    }
    if let Some(id) = metadata.extended_request_id() {
        span.record("aws.extended_request_id", id);
    }
    if let Err(e) = &result {
        let kind = e.error_type();
        span.record("error.type", kind);
        span.record("otel.status_code", "ERROR");
        if !span.is_disabled() {
            span.record("otel.status_description", tracing::field::display(e));
        }
    }
    result
}

/// Races a call against its operation deadline.
async fn with_operation_timeout(
    call: impl Future<Output = Result<OperationOutput, SdkError>>,
    mut deadline: ziggurat_core::time::SleepFuture,
    spec: &'static OperationSpec,
    limit: std::time::Duration,
) -> Result<OperationOutput, SdkError> {
    let mut call = std::pin::pin!(call);
    std::future::poll_fn(|cx| {
        if let std::task::Poll::Ready(out) = call.as_mut().poll(cx) {
            return std::task::Poll::Ready(out);
        }
        deadline.as_mut().poll(cx).map(|()| {
            Err(
                SdkError::timeout(TimeoutError::new(TimeoutScope::Operation, limit))
                    .with_operation(spec.service, spec.operation),
            )
        })
    })
    .await
}

fn not_built(spec: &OperationSpec, e: &str) -> SdkError {
    SdkError::construction(format!("the client could not be built: {e}"))
        .with_operation(spec.service, spec.operation)
}

/// A boxed, sendable future.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

impl fmt::Debug for ClientHandle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientHandle")
            .field("region", &self.region)
            .field("ready", &self.compiled.is_ok())
            .finish()
    }
}

/// One call being prepared: its input (set field by field through a service's fluent builder)
/// and its per-call options. Every operation's fluent builder wraps one.
///
/// It is three pointers wide (the input and the call options live on the heap, the options
/// only once [`customize`](Call::customize) is called), so builders that take and return it by
/// value move next to nothing.
pub struct Call<O: Operation> {
    handle: Arc<ClientHandle>,
    input: Box<O::Input>,
    options: Option<Box<CallOptions>>,
    _op: PhantomData<fn() -> O>,
}

impl<O> Call<O>
where
    O: Operation,
    O::Input: Default,
    O::Output: HasMetadata,
{
    /// A call with a default input.
    pub fn new(handle: Arc<ClientHandle>) -> Self {
        Call {
            handle,
            input: Box::default(),
            options: None,
            _op: PhantomData,
        }
    }

    /// The input so far.
    pub fn input(&self) -> &O::Input {
        &self.input
    }
    /// The input, to change it directly.
    pub fn input_mut(&mut self) -> &mut O::Input {
        &mut self.input
    }
    /// Replaces the whole input.
    pub fn set_input(&mut self, input: O::Input) {
        *self.input = input;
    }
    /// Changes region, endpoint, credentials or the stack for this call only.
    pub fn customize(&mut self, f: impl FnOnce(CallOptions) -> CallOptions) {
        let options = self.options.take().map(|o| *o).unwrap_or_default();
        self.options = Some(Box::new(f(options)));
    }

    /// Sends the request.
    pub async fn send(self) -> Result<O::Output, SdkError<O::Error>> {
        finish::<O>(
            self.handle
                .invoke(O::spec(), self.input, self.options)
                .await,
        )
    }
}

impl<O: Operation> Clone for Call<O>
where
    O::Input: Clone,
{
    fn clone(&self) -> Self {
        Call {
            handle: self.handle.clone(),
            input: self.input.clone(),
            options: self.options.clone(),
            _op: PhantomData,
        }
    }
}

/// A typed operation's result from the erased stack's: the output downcast, with its
/// metadata, or the error with the operation's typed service error.
pub(crate) fn finish<O>(
    result: Result<OperationOutput, SdkError>,
) -> Result<O::Output, SdkError<O::Error>>
where
    O: Operation,
    O::Output: HasMetadata,
{
    let OperationOutput { output, metadata } =
        result.map_err(|e| e.map_service_error(O::Error::from))?;
    let mut output = downcast_output::<O>(output).map_err(|e| {
        e.map_service_error(O::Error::from)
            .with_operation(O::SERVICE, O::NAME)
    })?;
    output.set_response_metadata(metadata);
    Ok(*output)
}

impl<O: Operation> fmt::Debug for Call<O>
where
    O::Input: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("operation", &O::NAME)
            .field("input", &self.input)
            .field("options", &self.options)
            .finish()
    }
}
