//! Interceptors: the simple way into a call's life, one method per moment of it.
//!
//! An [`Intercept`] has a default no-op method per hook of the AWS SDK for Go v2 (and
//! smithy-rs): before and after execution, serialization, the retry loop, each attempt,
//! signing, transmission and deserialization, plus `modify_*` hooks where a user must change
//! something (the input before serialization, the request before signing and before
//! transmit, the response before deserialization, the result before an attempt and the call
//! complete): nineteen in all, in the order of [`Hook::ALL`]. A hook gets exactly what exists at that moment
//! (the input; the request; the attempt's or the call's result) and the call's [`Context`], a
//! typed map where an interceptor keeps its own values for the call.
//!
//! Interceptors are registered per client (on `SdkConfig`, for every client built from it,
//! and on a service's `Config`) and per call (`.customize(|o| o.interceptor(..))`); they run
//! in that order, and a per-call interceptor never sees another call. They are run by
//! adapter entries at the stack's stable ids (see [`ids`]): around `OperationSerializer`,
//! before and after `Retry`, around `Signing`, and last before the transport. An adapter is
//! present only for hooks some client interceptor declares in [`Intercept::hooks`], so a
//! client without interceptors runs exactly the stack it had.
//!
//! Errors: a hook that fails ends the call with one [`InterceptorError`] (an
//! [`SdkError`] of kind [`Interceptor`](crate::error::ErrorKind::Interceptor)) that names
//! the interceptor and the hook and keeps the source. Every interceptor's
//! `read_after_attempt` and `read_after_execution` still run, and when several fail, every
//! failure is kept.
//!
//! Interceptors are synchronous and cannot change control flow: async work, retries, auth and
//! timeouts are tower layers and hooks ([`HookLayer`](crate::hook::HookLayer),
//! [`Middleware`](crate::stack::Middleware)), the powerful way in.
//!
//! The hooks of the response (after transmit, before and after deserialization) run on the
//! transport's path, inside the attempt, when some interceptor declares them: the
//! `Interceptors:Execution` adapter hands the call's interceptors to it through the
//! [`Context`].
//!
//! ```
//! use http::HeaderValue;
//! use ziggurat_core::context::Context;
//! use ziggurat_core::error::BoxError;
//! use ziggurat_core::hook::HttpRequest;
//! use ziggurat_core::interceptor::{Hooks, Intercept};
//!
//! /// Adds a tenant header to every attempt, before it is signed.
//! struct Tenant;
//!
//! impl Intercept for Tenant {
//!     fn name(&self) -> &'static str {
//!         "Tenant"
//!     }
//!     fn hooks(&self) -> Hooks {
//!         Hooks::MODIFY_BEFORE_SIGNING
//!     }
//!     fn modify_before_signing(&self, req: &mut HttpRequest<'_>, _: &mut Context) -> Result<(), BoxError> {
//!         req.headers_mut().insert("x-tenant-id", HeaderValue::from_static("blue"));
//!         Ok(())
//!     }
//! }
//! # let _ = Tenant;
//! ```
mod adapters;

pub use adapters::install;

use std::fmt;
use std::sync::Arc;

use crate::body::Body;
use crate::context::Context;
use crate::error::{BoxError, SdkError};
use crate::hook::{HttpRequest, Input, OperationOutput};

/// The ids of the adapter entries, in the order they run.
pub mod ids {
    /// Initialize, first: before execution, modify and read before serialization; on the way
    /// back, modify before completion and after execution.
    pub const EXECUTION: &str = "Interceptors:Execution";
    /// Serialize, just after `OperationSerializer`: after serialization.
    pub const AFTER_SERIALIZATION: &str = "Interceptors:AfterSerialization";
    /// Finalize, just before `Retry`: before the retry loop.
    pub const BEFORE_RETRY_LOOP: &str = "Interceptors:BeforeRetryLoop";
    /// Finalize, just after `Retry`: before each attempt; on the way back, modify before
    /// attempt completion and after the attempt.
    pub const ATTEMPT: &str = "Interceptors:Attempt";
    /// Finalize, just before `Signing`: modify and read before signing.
    pub const BEFORE_SIGNING: &str = "Interceptors:BeforeSigning";
    /// Finalize, just after `Signing`: after signing.
    pub const AFTER_SIGNING: &str = "Interceptors:AfterSigning";
    /// Deserialize, the last entry before the transport: modify and read before transmit.
    pub const BEFORE_TRANSMIT: &str = "Interceptors:BeforeTransmit";
}

/// One hook of an interceptor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Hook {
    /// [`Intercept::read_before_execution`].
    ReadBeforeExecution,
    /// [`Intercept::modify_before_serialization`].
    ModifyBeforeSerialization,
    /// [`Intercept::read_before_serialization`].
    ReadBeforeSerialization,
    /// [`Intercept::read_after_serialization`].
    ReadAfterSerialization,
    /// [`Intercept::read_before_retry_loop`].
    ReadBeforeRetryLoop,
    /// [`Intercept::read_before_attempt`].
    ReadBeforeAttempt,
    /// [`Intercept::modify_before_signing`].
    ModifyBeforeSigning,
    /// [`Intercept::read_before_signing`].
    ReadBeforeSigning,
    /// [`Intercept::read_after_signing`].
    ReadAfterSigning,
    /// [`Intercept::modify_before_transmit`].
    ModifyBeforeTransmit,
    /// [`Intercept::read_before_transmit`].
    ReadBeforeTransmit,
    /// [`Intercept::read_after_transmit`].
    ReadAfterTransmit,
    /// [`Intercept::modify_before_deserialization`].
    ModifyBeforeDeserialization,
    /// [`Intercept::read_before_deserialization`].
    ReadBeforeDeserialization,
    /// [`Intercept::read_after_deserialization`].
    ReadAfterDeserialization,
    /// [`Intercept::modify_before_attempt_completion`].
    ModifyBeforeAttemptCompletion,
    /// [`Intercept::read_after_attempt`].
    ReadAfterAttempt,
    /// [`Intercept::modify_before_completion`].
    ModifyBeforeCompletion,
    /// [`Intercept::read_after_execution`].
    ReadAfterExecution,
}

impl Hook {
    /// Every hook, in the order a call runs them.
    pub const ALL: [Hook; 19] = [
        Hook::ReadBeforeExecution,
        Hook::ModifyBeforeSerialization,
        Hook::ReadBeforeSerialization,
        Hook::ReadAfterSerialization,
        Hook::ReadBeforeRetryLoop,
        Hook::ReadBeforeAttempt,
        Hook::ModifyBeforeSigning,
        Hook::ReadBeforeSigning,
        Hook::ReadAfterSigning,
        Hook::ModifyBeforeTransmit,
        Hook::ReadBeforeTransmit,
        Hook::ReadAfterTransmit,
        Hook::ModifyBeforeDeserialization,
        Hook::ReadBeforeDeserialization,
        Hook::ReadAfterDeserialization,
        Hook::ModifyBeforeAttemptCompletion,
        Hook::ReadAfterAttempt,
        Hook::ModifyBeforeCompletion,
        Hook::ReadAfterExecution,
    ];

    /// The hook's method name.
    pub fn name(self) -> &'static str {
        match self {
            Hook::ReadBeforeExecution => "read_before_execution",
            Hook::ModifyBeforeSerialization => "modify_before_serialization",
            Hook::ReadBeforeSerialization => "read_before_serialization",
            Hook::ReadAfterSerialization => "read_after_serialization",
            Hook::ReadBeforeRetryLoop => "read_before_retry_loop",
            Hook::ReadBeforeAttempt => "read_before_attempt",
            Hook::ModifyBeforeSigning => "modify_before_signing",
            Hook::ReadBeforeSigning => "read_before_signing",
            Hook::ReadAfterSigning => "read_after_signing",
            Hook::ModifyBeforeTransmit => "modify_before_transmit",
            Hook::ReadBeforeTransmit => "read_before_transmit",
            Hook::ReadAfterTransmit => "read_after_transmit",
            Hook::ModifyBeforeDeserialization => "modify_before_deserialization",
            Hook::ReadBeforeDeserialization => "read_before_deserialization",
            Hook::ReadAfterDeserialization => "read_after_deserialization",
            Hook::ModifyBeforeAttemptCompletion => "modify_before_attempt_completion",
            Hook::ReadAfterAttempt => "read_after_attempt",
            Hook::ModifyBeforeCompletion => "modify_before_completion",
            Hook::ReadAfterExecution => "read_after_execution",
        }
    }

    const fn bit(self) -> u32 {
        1 << self as u32
    }
}

impl fmt::Display for Hook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A set of hooks: what an interceptor overrides, so that only the adapters it needs are in
/// the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Hooks(u32);

impl Hooks {
    /// No hook.
    pub const NONE: Hooks = Hooks(0);
    /// Every hook.
    pub const ALL: Hooks = Hooks((1 << Hook::ALL.len()) - 1);
    /// `read_before_execution`.
    pub const READ_BEFORE_EXECUTION: Hooks = Hooks(Hook::ReadBeforeExecution.bit());
    /// `modify_before_serialization`.
    pub const MODIFY_BEFORE_SERIALIZATION: Hooks = Hooks(Hook::ModifyBeforeSerialization.bit());
    /// `read_before_serialization`.
    pub const READ_BEFORE_SERIALIZATION: Hooks = Hooks(Hook::ReadBeforeSerialization.bit());
    /// `read_after_serialization`.
    pub const READ_AFTER_SERIALIZATION: Hooks = Hooks(Hook::ReadAfterSerialization.bit());
    /// `read_before_retry_loop`.
    pub const READ_BEFORE_RETRY_LOOP: Hooks = Hooks(Hook::ReadBeforeRetryLoop.bit());
    /// `read_before_attempt`.
    pub const READ_BEFORE_ATTEMPT: Hooks = Hooks(Hook::ReadBeforeAttempt.bit());
    /// `modify_before_signing`.
    pub const MODIFY_BEFORE_SIGNING: Hooks = Hooks(Hook::ModifyBeforeSigning.bit());
    /// `read_before_signing`.
    pub const READ_BEFORE_SIGNING: Hooks = Hooks(Hook::ReadBeforeSigning.bit());
    /// `read_after_signing`.
    pub const READ_AFTER_SIGNING: Hooks = Hooks(Hook::ReadAfterSigning.bit());
    /// `modify_before_transmit`.
    pub const MODIFY_BEFORE_TRANSMIT: Hooks = Hooks(Hook::ModifyBeforeTransmit.bit());
    /// `read_before_transmit`.
    pub const READ_BEFORE_TRANSMIT: Hooks = Hooks(Hook::ReadBeforeTransmit.bit());
    /// `read_after_transmit`.
    pub const READ_AFTER_TRANSMIT: Hooks = Hooks(Hook::ReadAfterTransmit.bit());
    /// `modify_before_deserialization`.
    pub const MODIFY_BEFORE_DESERIALIZATION: Hooks = Hooks(Hook::ModifyBeforeDeserialization.bit());
    /// `read_before_deserialization`.
    pub const READ_BEFORE_DESERIALIZATION: Hooks = Hooks(Hook::ReadBeforeDeserialization.bit());
    /// `read_after_deserialization`.
    pub const READ_AFTER_DESERIALIZATION: Hooks = Hooks(Hook::ReadAfterDeserialization.bit());
    /// The hooks the transport path runs.
    pub const TRANSPORT: Hooks = Hooks(
        Hook::ReadAfterTransmit.bit()
            | Hook::ModifyBeforeDeserialization.bit()
            | Hook::ReadBeforeDeserialization.bit()
            | Hook::ReadAfterDeserialization.bit(),
    );
    /// `modify_before_attempt_completion`.
    pub const MODIFY_BEFORE_ATTEMPT_COMPLETION: Hooks =
        Hooks(Hook::ModifyBeforeAttemptCompletion.bit());
    /// `read_after_attempt`.
    pub const READ_AFTER_ATTEMPT: Hooks = Hooks(Hook::ReadAfterAttempt.bit());
    /// `modify_before_completion`.
    pub const MODIFY_BEFORE_COMPLETION: Hooks = Hooks(Hook::ModifyBeforeCompletion.bit());
    /// `read_after_execution`.
    pub const READ_AFTER_EXECUTION: Hooks = Hooks(Hook::ReadAfterExecution.bit());

    /// Whether `hook` is in the set.
    pub const fn contains(self, hook: Hook) -> bool {
        self.0 & hook.bit() != 0
    }
    /// Whether any of `other` is in the set.
    pub const fn intersects(self, other: Hooks) -> bool {
        self.0 & other.0 != 0
    }
    /// Both sets.
    pub const fn union(self, other: Hooks) -> Hooks {
        Hooks(self.0 | other.0)
    }
}

impl std::ops::BitOr for Hooks {
    type Output = Hooks;
    fn bitor(self, other: Hooks) -> Hooks {
        self.union(other)
    }
}

/// The result an `after` hook sees: the attempt's or the call's output, or its error.
pub type CallResult = Result<OperationOutput, SdkError>;

/// An interceptor: one default no-op method per hook. Override the hooks you need, and list
/// them in [`hooks`](Intercept::hooks) so that only their adapters run.
#[allow(unused_variables)]
pub trait Intercept: Send + Sync + 'static {
    /// The interceptor's name, in errors.
    fn name(&self) -> &'static str;

    /// The hooks this interceptor overrides (by default all: correct, and a few no-op calls
    /// slower per hook than naming them).
    fn hooks(&self) -> Hooks {
        Hooks::ALL
    }

    /// Before anything else; the input as the caller built it.
    fn read_before_execution(&self, input: &Input, ctx: &mut Context) -> Result<(), BoxError> {
        Ok(())
    }
    /// Changes the input before it is serialized.
    fn modify_before_serialization(
        &self,
        input: &mut Input,
        ctx: &mut Context,
    ) -> Result<(), BoxError> {
        Ok(())
    }
    /// The input about to be serialized.
    fn read_before_serialization(&self, input: &Input, ctx: &mut Context) -> Result<(), BoxError> {
        Ok(())
    }
    /// The request as the serializer built it (no endpoint yet).
    fn read_after_serialization(
        &self,
        request: &HttpRequest<'_>,
        ctx: &mut Context,
    ) -> Result<(), BoxError> {
        Ok(())
    }
    /// The request once, before the first attempt.
    fn read_before_retry_loop(
        &self,
        request: &HttpRequest<'_>,
        ctx: &mut Context,
    ) -> Result<(), BoxError> {
        Ok(())
    }
    /// The request before each attempt (`ctx.attempt()` says which).
    fn read_before_attempt(
        &self,
        request: &HttpRequest<'_>,
        ctx: &mut Context,
    ) -> Result<(), BoxError> {
        Ok(())
    }
    /// Changes the attempt's request before it is signed.
    fn modify_before_signing(
        &self,
        request: &mut HttpRequest<'_>,
        ctx: &mut Context,
    ) -> Result<(), BoxError> {
        Ok(())
    }
    /// The attempt's request about to be signed.
    fn read_before_signing(
        &self,
        request: &HttpRequest<'_>,
        ctx: &mut Context,
    ) -> Result<(), BoxError> {
        Ok(())
    }
    /// The signed request.
    fn read_after_signing(
        &self,
        request: &HttpRequest<'_>,
        ctx: &mut Context,
    ) -> Result<(), BoxError> {
        Ok(())
    }
    /// Changes the request last, before the transport sends it (after signing: a change to a
    /// signed part makes the signature wrong).
    fn modify_before_transmit(
        &self,
        request: &mut HttpRequest<'_>,
        ctx: &mut Context,
    ) -> Result<(), BoxError> {
        Ok(())
    }
    /// The request the transport sends.
    fn read_before_transmit(
        &self,
        request: &HttpRequest<'_>,
        ctx: &mut Context,
    ) -> Result<(), BoxError> {
        Ok(())
    }
    /// The response head as it arrived (its body not read yet).
    fn read_after_transmit(
        &self,
        response: &http::Response<Body>,
        ctx: &mut Context,
    ) -> Result<(), BoxError> {
        Ok(())
    }
    /// Changes the response before it is deserialized. The body is in memory, except for
    /// operations whose output streams (S3 `GetObject`), whose body is left unread.
    fn modify_before_deserialization(
        &self,
        response: &mut http::Response<Body>,
        ctx: &mut Context,
    ) -> Result<(), BoxError> {
        Ok(())
    }
    /// The response about to be deserialized.
    fn read_before_deserialization(
        &self,
        response: &http::Response<Body>,
        ctx: &mut Context,
    ) -> Result<(), BoxError> {
        Ok(())
    }
    /// What the deserializer made of the response: the output, or the service error.
    fn read_after_deserialization(
        &self,
        result: &CallResult,
        ctx: &mut Context,
    ) -> Result<(), BoxError> {
        Ok(())
    }
    /// Changes the attempt's result (its output or error) before the retry loop sees it.
    fn modify_before_attempt_completion(
        &self,
        result: &mut CallResult,
        ctx: &mut Context,
    ) -> Result<(), BoxError> {
        Ok(())
    }
    /// The attempt's result. Runs after every attempt that started, whatever failed.
    fn read_after_attempt(&self, result: &CallResult, ctx: &mut Context) -> Result<(), BoxError> {
        Ok(())
    }
    /// Changes the call's result before the caller gets it.
    fn modify_before_completion(
        &self,
        result: &mut CallResult,
        ctx: &mut Context,
    ) -> Result<(), BoxError> {
        Ok(())
    }
    /// The call's result. Runs for every call, whatever failed.
    fn read_after_execution(&self, result: &CallResult, ctx: &mut Context) -> Result<(), BoxError> {
        Ok(())
    }
}

/// A shareable interceptor.
pub type SharedInterceptor = Arc<dyn Intercept>;

/// An ordered list of interceptors.
#[derive(Clone, Default)]
pub struct Interceptors(Vec<SharedInterceptor>);

impl Interceptors {
    /// No interceptors.
    pub fn new() -> Self {
        Interceptors(Vec::new())
    }
    /// Adds one after the others.
    pub fn push(&mut self, interceptor: SharedInterceptor) {
        self.0.push(interceptor);
    }
    /// Them, in order.
    pub fn iter(&self) -> impl Iterator<Item = &SharedInterceptor> {
        self.0.iter()
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    /// Every hook some of them overrides.
    pub fn hooks(&self) -> Hooks {
        self.0.iter().fold(Hooks::NONE, |all, i| all | i.hooks())
    }
    /// These, then `more`.
    pub fn chain(&self, more: &Interceptors) -> Interceptors {
        Interceptors(self.0.iter().chain(more.0.iter()).cloned().collect())
    }
    /// Them, shared.
    pub fn to_shared(&self) -> Arc<[SharedInterceptor]> {
        self.0.iter().cloned().collect()
    }
}

impl fmt::Debug for Interceptors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|i| i.name()))
            .finish()
    }
}

/// The interceptors of one call (`.customize(|o| o.interceptor(..))`), carried in its
/// [`Context`]: the adapters run them after the client's.
#[derive(Clone, Default)]
pub struct CallInterceptors(pub Arc<[SharedInterceptor]>);

impl fmt::Debug for CallInterceptors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(self.0.iter().map(|i| i.name()))
            .finish()
    }
}

/// One interceptor's failure.
#[derive(Debug)]
pub struct InterceptorFailure {
    /// The interceptor's name.
    pub interceptor: &'static str,
    /// The hook that failed.
    pub hook: Hook,
    /// Why.
    pub source: BoxError,
}

/// What ended a call when interceptors failed: every failure, in the order they happened,
/// and the error the call had already failed with, if it had.
#[derive(Debug)]
pub struct InterceptorError {
    failures: Vec<InterceptorFailure>,
    superseded: Option<Box<SdkError>>,
}

impl InterceptorError {
    /// Every failure, in order.
    pub fn failures(&self) -> &[InterceptorFailure] {
        &self.failures
    }
    /// The error the call had failed with before an interceptor failed too.
    pub fn superseded(&self) -> Option<&SdkError> {
        self.superseded.as_deref()
    }
}

impl fmt::Display for InterceptorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, failure) in self.failures.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(
                f,
                "interceptor {} failed in {}: {}",
                failure.interceptor, failure.hook, failure.source
            )?;
        }
        Ok(())
    }
}

impl std::error::Error for InterceptorError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.failures
            .first()
            .map(|f| f.source.as_ref() as &(dyn std::error::Error + 'static))
    }
}

/// Runs `f` for every interceptor of `all` that overrides `hook`, and returns the failures.
/// Every interceptor runs, whichever failed before it.
pub(crate) fn run_hook<'a>(
    all: impl Iterator<Item = &'a SharedInterceptor>,
    ctx: &mut Context,
    hook: Hook,
    mut f: impl FnMut(&dyn Intercept, &mut Context) -> Result<(), BoxError>,
) -> Vec<InterceptorFailure> {
    let mut failures = Vec::new();
    for i in all {
        if !i.hooks().contains(hook) {
            continue;
        }
        if let Err(source) = f(i.as_ref(), ctx) {
            failures.push(InterceptorFailure {
                interceptor: i.name(),
                hook,
                source,
            });
        }
    }
    failures
}

/// Adds `failures` to `result`: an error that is already an interceptor error gains them;
/// any other result becomes one (keeping a previous error as superseded, and its metadata).
pub(crate) fn fail(result: &mut CallResult, failures: Vec<InterceptorFailure>) {
    if failures.is_empty() {
        return;
    }
    let previous = std::mem::replace(result, Err(SdkError::construction("")));
    let (mut all, superseded, metadata) = match previous {
        Err(e) => match e.into_interceptor_error() {
            Ok((existing, metadata)) => (existing.failures, existing.superseded, metadata),
            Err(other) => {
                let metadata = other.metadata().clone();
                (Vec::new(), Some(Box::new(other)), metadata)
            }
        },
        Ok(out) => (Vec::new(), None, out.metadata),
    };
    all.extend(failures);
    let mut e = SdkError::interceptor(InterceptorError {
        failures: all,
        superseded,
    });
    *e.metadata_mut() = metadata;
    *result = Err(e);
}

/// An error of failures before anything came back.
pub(crate) fn error_of(failures: Vec<InterceptorFailure>) -> SdkError {
    SdkError::interceptor(InterceptorError {
        failures,
        superseded: None,
    })
}
