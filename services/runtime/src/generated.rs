//! The glue every generated operation shares, written once: serializing through the protocol
//! engine, reading outputs and typed errors, and the macros that generated code calls for what
//! must be an impl in the service crate (the `Operation` impl, fluent builders, error enums).
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::{ApiError, SdkError};
use ziggurat_core::schema::EndpointParamValue;
use ziggurat_core::schema::de::DeserializeValue;
use ziggurat_core::schema::ser::SerializeShape;
use ziggurat_core::schema::{OperationSchema, ServiceSchema};
use ziggurat_core::stack::{ResponseBody, Stack};
use ziggurat_layers::endpoint::{EndpointParamText, OperationEndpointParams};
use ziggurat_layers::sign::SigV4;

use crate::endpoint::{EmbeddedRuleSet, endpoint_hook};
use crate::{ServiceConfig, ServiceInfo, default_stack};

/// The default stack of a generated service: endpoints from its rule set `rules`, and SigV4
/// for its signing name.
pub fn service_stack(
    service: &'static ServiceSchema,
    rules: &'static EmbeddedRuleSet,
    config: &ServiceConfig,
) -> Result<Stack, String> {
    let info = ServiceInfo {
        service_id: service.service_id,
        endpoint_prefix: service.endpoint_prefix,
    };
    let endpoint = endpoint_hook(
        rules,
        service.service_id,
        service.signing_name,
        config,
        Default::default(),
    )?;
    default_stack(&info, config, endpoint, SigV4::new(service.signing_name))
}

/// Reads the endpoint parameters an operation's input sets into the context, for the
/// endpoint hook: its `contextParam` members (S3's `Bucket` and `Key`) in one pass over the
/// input, and its `operationContextParams` paths (DynamoDB `BatchGetItem`'s
/// `keys(RequestItems)`), evaluated with the waiters' JMESPath over the input as a
/// [`Document`](ziggurat_core::schema::Document). Operations with neither pay one scan of a
/// short static table. A path the runtime cannot parse is an error naming it (a test parses
/// every path of every generated operation, so none should reach a call).
pub fn read_endpoint_params(
    op: &'static OperationSchema,
    input: &dyn SerializeShape,
    ctx: &mut Context,
) -> Result<(), SdkError> {
    let (mut members, mut paths) = (false, false);
    for p in op.endpoint_params {
        match p.value {
            EndpointParamValue::Member(_) => members = true,
            EndpointParamValue::Path(_) => paths = true,
            EndpointParamValue::Bool(_) | EndpointParamValue::String(_) => {}
        }
    }
    if !members && !paths {
        return Ok(());
    }
    let mut values: Vec<(&'static str, EndpointParamText)> =
        Vec::with_capacity(op.endpoint_params.len());
    if members {
        let param_of = |member: &str| {
            op.endpoint_params
                .iter()
                .find(|p| matches!(p.value, EndpointParamValue::Member(m) if m == member))
        };
        // Straight into the parameters: the values are copied once, and nothing is collected
        // on the way.
        ziggurat_layers::protocol::for_each_string_member(
            input,
            |m| param_of(m.name).is_some(),
            |member, value| {
                if let Some(p) = param_of(member.name) {
                    values.push((p.name, value.into()));
                }
            },
        );
    }
    if paths {
        let doc = crate::waiter::document::to_document(input).map_err(|e| {
            SdkError::construction(format!(
                "cannot read the endpoint parameters of {}'s input: {e}",
                op.name
            ))
        })?;
        for p in op.endpoint_params {
            if let EndpointParamValue::Path(path) = p.value
                && let Some(value) = path_value(op, path, &doc)?
            {
                values.push((p.name, value));
            }
        }
    }
    if !values.is_empty() {
        ctx.set_endpoint_params(OperationEndpointParams(values));
    }
    Ok(())
}

/// The value of an `operationContextParams` path over an input: a string, or a list of
/// strings (for `stringArray` parameters); `None` when the path finds nothing, or something
/// else (a number, a list holding one), which the rule set could not take either.
fn path_value(
    op: &OperationSchema,
    path: &str,
    doc: &ziggurat_core::schema::Document,
) -> Result<Option<EndpointParamText>, SdkError> {
    use ziggurat_core::schema::Document;
    let expr = crate::waiter::jmespath::Expression::parse(path).map_err(|e| {
        SdkError::construction(format!("{}'s endpoint parameter path: {e}", op.name))
    })?;
    Ok(match expr.search(doc) {
        Document::String(s) => Some(EndpointParamText::String(s)),
        Document::Array(items) => items
            .into_iter()
            .map(|item| match item {
                Document::String(s) => Some(s),
                _ => None,
            })
            .collect::<Option<Vec<String>>>()
            .map(EndpointParamText::List),
        _ => None,
    })
}

/// Serializes an operation's input by its service's protocol.
pub fn serialize(
    service: &'static ServiceSchema,
    op: &'static OperationSchema,
    input: &mut dyn SerializeShape,
    ctx: &mut Context,
) -> Result<http::Request<Body>, SdkError> {
    if op.flags & ziggurat_core::schema::operation::op_flag::NO_AUTH != 0 {
        // Modeled without authentication (STS `AssumeRoleWithWebIdentity`, SSO
        // `GetRoleCredentials`): the signer leaves the request unsigned.
        ctx.insert(ziggurat_layers::auth::AuthSchemeOptions::new(&[
            ziggurat_layers::auth::AuthSchemeId::NO_AUTH,
        ]));
    }
    read_endpoint_params(op, input, ctx)?;
    crate::record_resource_names(ctx);
    ziggurat_layers::protocol::serialize_request(service, op, input)
}

/// Reads an operation's output, or its service error. `ctx` is the call's context: the
/// runtime reads nothing from it, a service's own hooks (which wrap this function) read what
/// the request side recorded there (S3: whether to validate a response checksum).
pub fn deserialize<T: DeserializeValue>(
    service: &'static ServiceSchema,
    op: &'static OperationSchema,
    parts: http::response::Parts,
    body: ResponseBody,
    _ctx: &Context,
) -> Result<T, SdkError> {
    ziggurat_layers::protocol::deserialize_output(service, op, &parts, body)
}

/// A modeled error structure: its fields, plus the [`ApiError`] it came with.
pub trait ErrorMeta {
    /// The error's code, message, status and request ids.
    fn meta(&self) -> &ApiError;
    /// Sets them.
    fn set_meta(&mut self, meta: ApiError);
}

/// The typed structure of a declared error: the one the deserializer read (or an empty one
/// when the body could not be read), with `error` as its metadata.
pub fn modeled_error<T>(error: ApiError) -> T
where
    T: ErrorMeta + Clone + Default + Send + Sync + 'static,
{
    let mut out = error.modeled::<T>().cloned().unwrap_or_default();
    out.set_meta(error);
    out
}

/// One operation of a service, callable without naming its types: what the command line and
/// other dynamic callers need. Each service crate lists its operations in `OPERATIONS`.
#[derive(Clone, Copy)]
pub struct OperationEntry {
    /// The operation's schema (its name, HTTP binding, input and output).
    pub schema: &'static OperationSchema,
    /// The spec the stack runs.
    pub spec: fn() -> &'static ziggurat_core::stack::OperationSpec,
    /// Reads an input.
    pub read_input: fn(
        &mut dyn ziggurat_core::schema::de::ShapeDeserializer,
    )
        -> ziggurat_core::schema::error::CodecResult<ziggurat_core::hook::Input>,
    /// Puts a streaming payload into an input (`false` when it has none).
    pub set_input_stream: fn(&mut ziggurat_core::hook::Input, Body) -> bool,
    /// An output as a shape, to print it.
    pub output: fn(&ziggurat_core::hook::Output) -> Option<&dyn SerializeShape>,
    /// Takes the streaming payload out of an output.
    pub take_output_stream: fn(&mut ziggurat_core::hook::Output) -> Option<Body>,
    /// An input as a shape, to print it.
    pub input: fn(&ziggurat_core::hook::Input) -> Option<&dyn SerializeShape>,
    /// The operation's paginator, when the model gives it one.
    pub paginator: Option<crate::paginator::PaginatorEntry>,
}

impl std::fmt::Debug for OperationEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OperationEntry")
            .field("operation", &self.schema.name)
            .finish()
    }
}

impl OperationEntry {
    /// The entry of a generated operation.
    pub const fn of<O>() -> OperationEntry
    where
        O: ziggurat_core::operation::Operation + GeneratedOperation,
        O::Input: DeserializeValue + SerializeShape,
        O::Output: SerializeShape,
    {
        OperationEntry {
            schema: O::SCHEMA,
            spec: O::spec,
            read_input: read_input::<O>,
            set_input_stream: set_input_stream::<O>,
            output: output::<O>,
            take_output_stream: take_output_stream::<O>,
            input: input::<O>,
            paginator: None,
        }
    }

    /// The same entry with its paginator.
    pub const fn with_paginator(mut self, paginator: crate::paginator::PaginatorEntry) -> Self {
        self.paginator = Some(paginator);
        self
    }
}

/// One waiter of a service, callable without naming its types (the command line): its schema
/// and the operation it polls. Each service crate with waiters lists them in `WAITERS`.
#[derive(Clone, Copy)]
pub struct WaiterEntry {
    /// The waiter.
    pub schema: &'static crate::waiter::WaiterSchema,
    /// The operation it polls.
    pub operation: OperationEntry,
    /// A copy of an input, for each poll.
    pub clone_input: fn(&ziggurat_core::hook::Input) -> Option<ziggurat_core::hook::Input>,
}

impl std::fmt::Debug for WaiterEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WaiterEntry")
            .field("waiter", &self.schema.name)
            .field("operation", &self.schema.operation)
            .finish()
    }
}

impl WaiterEntry {
    /// The entry of a generated waiter of operation `O`.
    pub const fn of<O>(schema: &'static crate::waiter::WaiterSchema) -> WaiterEntry
    where
        O: ziggurat_core::operation::Operation + GeneratedOperation,
        O::Input: DeserializeValue + SerializeShape + Clone,
        O::Output: SerializeShape,
    {
        WaiterEntry {
            schema,
            operation: OperationEntry::of::<O>(),
            clone_input: clone_input::<O>,
        }
    }
}

fn clone_input<O>(input: &ziggurat_core::hook::Input) -> Option<ziggurat_core::hook::Input>
where
    O: ziggurat_core::operation::Operation,
    O::Input: Clone,
{
    input
        .downcast_ref::<O::Input>()
        .map(|i| Box::new(i.clone()) as ziggurat_core::hook::Input)
}

fn input<O>(input: &ziggurat_core::hook::Input) -> Option<&dyn SerializeShape>
where
    O: ziggurat_core::operation::Operation,
    O::Input: SerializeShape,
{
    input
        .downcast_ref::<O::Input>()
        .map(|i| i as &dyn SerializeShape)
}

/// What a generated operation adds to `Operation`: its schema.
pub trait GeneratedOperation {
    /// The operation's schema.
    const SCHEMA: &'static OperationSchema;
}

fn read_input<O>(
    d: &mut dyn ziggurat_core::schema::de::ShapeDeserializer,
) -> ziggurat_core::schema::error::CodecResult<ziggurat_core::hook::Input>
where
    O: ziggurat_core::operation::Operation,
    O::Input: DeserializeValue,
{
    ziggurat_core::schema::de::deserialize_root::<O::Input>(d)
        .map(|i| Box::new(i) as ziggurat_core::hook::Input)
}

fn set_input_stream<O>(input: &mut ziggurat_core::hook::Input, body: Body) -> bool
where
    O: ziggurat_core::operation::Operation,
    O::Input: SerializeShape,
{
    input
        .downcast_mut::<O::Input>()
        .is_some_and(|i| i.set_stream(body))
}

fn output<O>(output: &ziggurat_core::hook::Output) -> Option<&dyn SerializeShape>
where
    O: ziggurat_core::operation::Operation,
    O::Output: SerializeShape,
{
    output
        .downcast_ref::<O::Output>()
        .map(|o| o as &dyn SerializeShape)
}

fn take_output_stream<O>(output: &mut ziggurat_core::hook::Output) -> Option<Body>
where
    O: ziggurat_core::operation::Operation,
    O::Output: SerializeShape,
{
    output.downcast_mut::<O::Output>()?.take_stream()
}

/// Implements `Operation` for a generated operation. With `hooks = path::to::module`, the
/// operation serializes and deserializes through that module's `serialize` and `deserialize`
/// (of the same signatures as [`serialize`] and [`deserialize`]): a service's hand-written
/// customizations, which call the runtime's in turn.
#[macro_export]
macro_rules! operation {
    ($op:ident, $input:ty, $output:ty, $error:ty, $service:path, $schema:path) => {
        $crate::operation!($op, $input, $output, $error, $service, $schema, hooks = $crate);
    };
    ($op:ident, $input:ty, $output:ty, $error:ty, $service:path, $schema:path, hooks = $($hooks:tt)+) => {
        impl $crate::GeneratedOperation for $op {
            const SCHEMA: &'static ::ziggurat_core::schema::OperationSchema = &$schema;
        }

        impl ::ziggurat_core::operation::Operation for $op {
            type Input = $input;
            type Output = $output;
            type Error = $error;
            const SERVICE: &'static str = $service.service_id;
            const NAME: &'static str = $schema.name;
            const STREAMING_OUTPUT: bool =
                $schema.has(::ziggurat_core::schema::operation::op_flag::STREAMING_OUTPUT);

            fn serialize(
                input: &mut $input,
                ctx: &mut ::ziggurat_core::context::Context,
            ) -> ::std::result::Result<
                $crate::http::Request<::ziggurat_core::body::Body>,
                ::ziggurat_core::error::SdkError,
            > {
                $($hooks)+::serialize(&$service, &$schema, input, ctx)
            }

            fn deserialize(
                parts: $crate::http::response::Parts,
                body: ::ziggurat_core::stack::ResponseBody,
                ctx: &mut ::ziggurat_core::context::Context,
            ) -> ::std::result::Result<$output, ::ziggurat_core::error::SdkError> {
                $($hooks)+::deserialize(&$service, &$schema, parts, body, ctx)
            }

            fn spec() -> &'static ::ziggurat_core::stack::OperationSpec {
                static SPEC: ::ziggurat_core::stack::OperationSpec =
                    ::ziggurat_core::stack::OperationSpec {
                        schema: Some(&$schema),
                        ..::ziggurat_core::stack::OperationSpec::of::<$op>()
                    };
                &SPEC
            }
        }
    };
}

/// Defines an operation's fluent builder: `client.op().member(..).send().await`. With
/// `waiters`, the builder has a mode parameter: [`Sending`](crate::waiter::Sending) by default,
/// or [`Waiting`](crate::waiter::Waiting) for the builders a service's `wait_until_*` methods
/// return, which [`wait`](crate::waiter::wait) instead of sending once.
#[macro_export]
macro_rules! fluent_builder {
    ($builder:ident, $op:ident, $input:ty, $output:ty, $error:ty) => {
        #[doc = concat!("A `", stringify!($op), "` call being prepared: set its members, optionally")]
        #[doc = "[`customize`](Self::customize) it, then [`send`](Self::send) it."]
        pub struct $builder($crate::Call<$op>);

        $crate::fluent_builder!(@send $builder, $op, $output, $error, []);
        $crate::fluent_builder!(@common $builder, $op, $input, [], []);
    };
    ($builder:ident, $op:ident, $input:ty, $output:ty, $error:ty, waiters) => {
        #[doc = concat!("A `", stringify!($op), "` call being prepared: set its members, optionally")]
        #[doc = "[`customize`](Self::customize) it, then [`send`](Self::send) it, or, in"]
        #[doc = "[`Waiting`]($crate::waiter::Waiting) mode, [`wait`](Self::wait) until a waiter's acceptors say it is done."]
        pub struct $builder<M = $crate::waiter::Sending>($crate::Call<$op>, M);

        $crate::fluent_builder!(@send $builder, $op, $output, $error, [, $crate::waiter::Sending]);
        $crate::fluent_builder!(@common $builder, $op, $input, [M], [M]);

        impl $builder<$crate::waiter::Waiting> {
            /// A call that `waiter` polls.
            pub fn waiter(
                handle: ::std::sync::Arc<$crate::ClientHandle>,
                waiter: &'static $crate::waiter::WaiterSchema,
            ) -> Self {
                $builder($crate::Call::new(handle), $crate::waiter::Waiting::new(waiter))
            }
            /// Polls with delays from `min` to `max` instead of the model's.
            pub fn with_delays(
                mut self,
                min: ::std::time::Duration,
                max: ::std::time::Duration,
            ) -> Self {
                self.1 = self.1.with_delays(min, max);
                self
            }
            /// Calls the operation until the waiter's acceptors say it is done, or `max_wait`
            /// has passed (see [`waiter`]($crate::waiter)).
            pub async fn wait(
                self,
                max_wait: ::std::time::Duration,
            ) -> ::std::result::Result<
                $crate::waiter::FinalPoll<$output, $error>,
                $crate::waiter::WaiterError<$output, $error>,
            > {
                $crate::waiter::wait(self.0, self.1, max_wait).await
            }
        }
    };
    (@send $builder:ident, $op:ident, $output:ty, $error:ty, [$($extra:tt)*]) => {
        impl $builder {
            /// A call with no member set.
            pub fn new(handle: ::std::sync::Arc<$crate::ClientHandle>) -> Self {
                $builder($crate::Call::new(handle) $($extra)*)
            }
            /// Sends the call.
            pub async fn send(
                self,
            ) -> ::std::result::Result<$output, ::ziggurat_core::error::SdkError<$error>> {
                self.0.send().await
            }
        }
    };
    (@common $builder:ident, $op:ident, $input:ty, [$($g:ident)?], [$($m:ident)?]) => {
        impl<$($g)?> $builder<$($m)?> {
            /// The input so far.
            pub fn as_input(&self) -> &$input {
                self.0.input()
            }
            /// The input, to change it directly.
            pub fn as_input_mut(&mut self) -> &mut $input {
                self.0.input_mut()
            }
            /// Replaces the whole input.
            pub fn with_input(mut self, input: $input) -> Self {
                self.0.set_input(input);
                self
            }
            /// Changes region, endpoint, credentials or the stack for this call only.
            pub fn customize(
                mut self,
                f: impl FnOnce($crate::CallOptions) -> $crate::CallOptions,
            ) -> Self {
                self.0.customize(f);
                self
            }
            /// The call, for what builds on it (paginators).
            pub fn into_call(self) -> $crate::Call<$op> {
                self.0
            }
        }

        impl<$($g)?> ::std::fmt::Debug for $builder<$($m)?> {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Debug::fmt(&self.0, f)
            }
        }
    };
}

/// Implements [`ErrorMeta`], `Display` and `Error` for a generated error structure (whose
/// metadata is its `meta` field).
#[macro_export]
macro_rules! error_shape {
    ($($ty:ident),* $(,)?) => {$(
        impl $crate::ErrorMeta for $ty {
            fn meta(&self) -> &::ziggurat_core::error::ApiError {
                &self.meta
            }
            fn set_meta(&mut self, meta: ::ziggurat_core::error::ApiError) {
                self.meta = meta;
            }
        }
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(&self.meta, f)
            }
        }
        impl ::std::error::Error for $ty {}
    )*};
}

/// Implements `HasMetadata` for a generated output (whose metadata is its
/// `response_metadata` field).
#[macro_export]
macro_rules! output_metadata {
    ($($ty:ty),* $(,)?) => {$(
        impl ::ziggurat_core::metadata::HasMetadata for $ty {
            fn response_metadata(&self) -> &::ziggurat_core::metadata::Metadata {
                &self.response_metadata
            }
            fn set_response_metadata(&mut self, metadata: ::ziggurat_core::metadata::Metadata) {
                self.response_metadata = metadata;
            }
        }
    )*};
}

/// Implements, for an operation's error enum (`Variant(ErrorStructure)` per declared error,
/// plus `Unhandled(ApiError)`): `From<ApiError>` (by code, with the modeled structure),
/// `api_error()`, `ProvideErrorMetadata`, `Display` and `Error`.
#[macro_export]
macro_rules! operation_error {
    ($name:ident { $($variant:ident($ty:ty) = [$($code:literal),+]),* $(,)? }) => {
        impl ::std::convert::From<::ziggurat_core::error::ApiError> for $name {
            fn from(e: ::ziggurat_core::error::ApiError) -> Self {
                // By code, or by the structure the deserializer read (an awsQuery-compatible
                // service names its errors by their query code, `AWS.SimpleQueueService...`).
                $(
                    if matches!(e.code(), $($code)|+) || e.modeled::<$ty>().is_some() {
                        return $name::$variant($crate::modeled_error::<$ty>(e));
                    }
                )*
                $name::Unhandled(e)
            }
        }

        impl $name {
            /// The service error behind the variant: code, message, status, request ids.
            pub fn api_error(&self) -> &::ziggurat_core::error::ApiError {
                match self {
                    $($name::$variant(e) => $crate::ErrorMeta::meta(e),)*
                    $name::Unhandled(e) => e,
                }
            }
        }

        impl ::ziggurat_core::error::ProvideErrorMetadata for $name {
            fn code(&self) -> ::std::option::Option<&str> {
                Some(self.api_error().code())
            }
            fn message(&self) -> ::std::option::Option<&str> {
                self.api_error().message()
            }
            fn request_id(&self) -> ::std::option::Option<&str> {
                self.api_error().request_id()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(self.api_error(), f)
            }
        }

        impl ::std::error::Error for $name {}
    };
}
