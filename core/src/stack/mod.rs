//! The named, five-step middleware stack (the Go SDK's `middleware.Stack`).
//!
//! A [`Stack`] has five [`StepList`]s, run in order: Initialize → Serialize → Build → Finalize →
//! Deserialize. Each is an ordered list of uniquely named [`Middleware`] entries, edited with
//! `add`, `insert` (relative to an anchor id), `swap`, `remove`, `get` and `list`. A duplicate
//! id or an unknown anchor is a [`StackError`], never a panic.
//!
//! | step | entries see | typical entries |
//! |---|---|---|
//! | Initialize | the input ([`InputHook`](crate::hook::InputHook)) | defaults, validation, timing |
//! | Serialize | the input, then the request after [`ids::OPERATION_SERIALIZER`] | endpoint resolution |
//! | Build | the request, once per operation | content-length, user-agent, invocation id |
//! | Finalize | the request; entries after [`ids::RETRY`] run on every attempt | identity, signing |
//! | Deserialize | the typed result above [`ids::OPERATION_DESERIALIZER`], the raw HTTP response below it | tower-http layers, logging |
//!
//! The built-in entries have stable ids in [`ids`], so custom middleware can be anchored to
//! them. A client compiles its stack once ([`Stack::compile`]); hooks run inline, a boxed tower
//! node appears only where a tower layer is inserted.
//!
//! Where this departs from `shared/design/ARCHITECTURE.md`, and why (measured with
//! `cargo bench --bench stack_overhead`):
//!
//! - The [`Context`](crate::context::Context) does not travel in the request's
//!   `http::Extensions`. It lives beside the request in one per-call state that the orchestrator
//!   boxes once, and hooks receive `&mut Context` directly. It moves into the extensions (in a
//!   carrier, since extensions require `Clone`) only while a tower layer runs. The first insert
//!   into `Extensions` allocates three times, and most calls run no tower layer.
//! - The per-call state and the call's future are each boxed once. Without that, every async
//!   level copied the whole future (a request head alone is 224 bytes), and profiles showed a
//!   quarter of the stack's time in `memmove`.
//! - Retrying keeps a copy of the request before each attempt that may be followed by another
//!   (the transport takes the request it sends). The copy is made in a recycled box, and what
//!   it already holds from the previous copy (header names, the endpoint, values that view the
//!   same bytes) is not copied again: the retry layer costs about 120 ns and no allocation on
//!   success (`cargo bench --bench retry_overhead`).
//! - ARCHITECTURE's `insert_http` adapter is [`Middleware::http_layer`]: the one entry point for
//!   tower and tower-http layers below the deserializer.
//! - `Timing` is opt-in (`ziggurat_layers::timing::enable`). Like tracing, it reads the clock
//!   and allocates on every call.
//!
//! ```
//! use ziggurat_core::stack::{ids, Middleware, Position, Stack, StepName};
//! use ziggurat_core::hook::HttpRequest;
//! use ziggurat_core::error::SdkError;
//!
//! let mut stack = Stack::new();
//! stack.serialize_mut().add(ids::OPERATION_SERIALIZER, Middleware::operation_serializer(), Position::After)?;
//! stack.finalize_mut().add(ids::RETRY, Middleware::no_retry(), Position::After)?;
//! stack.deserialize_mut().add(ids::OPERATION_DESERIALIZER, Middleware::operation_deserializer(), Position::After)?;
//! stack.build_mut().add(
//!     "AddTraceHeader",
//!     Middleware::request_hook(|req: &mut HttpRequest<'_>| -> Result<(), SdkError> {
//!         req.headers_mut().insert("x-trace", http::HeaderValue::from_static("1"));
//!         Ok(())
//!     }),
//!     Position::After,
//! )?;
//! assert!(stack.build_mut().add("AddTraceHeader", Middleware::no_retry(), Position::After).is_err());
//! assert_eq!(stack.step(StepName::Build).list(), vec!["AddTraceHeader"]);
//! println!("{stack}");
//! # Ok::<(), ziggurat_core::stack::StackError>(())
//! ```
mod idle_body;
mod middleware;
mod orchestrator;
mod plan;

use std::borrow::Cow;
use std::fmt;

pub use middleware::{HttpService, Middleware, MiddlewareKind, UpperService};
pub use orchestrator::{OperationSpec, ResponseBody};
pub use plan::CompiledStack;

/// The stable ids of the built-in middleware, to anchor custom entries to.
pub mod ids {
    /// Initialize: turns on the timing breakdown in [`Metadata`](crate::metadata::Metadata).
    pub const TIMING: &str = "Timing";
    /// Serialize: the operation's serializer; entries before it see the input, after it the request.
    pub const OPERATION_SERIALIZER: &str = "OperationSerializer";
    /// Serialize: resolves the endpoint (the service's rule set in generated clients) and sets
    /// scheme, host, base path and its headers; its auth scheme reaches `"Signing"`.
    pub const RESOLVE_ENDPOINT: &str = "ResolveEndpoint";
    /// Serialize, before `"ResolveEndpoint"`, only in clients whose endpoint rule set reads
    /// the credentials' account id (`AWS::Auth::AccountId`, DynamoDB) and whose
    /// `account_id_endpoint_mode` is not `disabled`: resolves the credentials (through the
    /// same cache `"GetIdentity"` uses) so the endpoint can be chosen by their account.
    pub const ENDPOINT_IDENTITY: &str = "EndpointIdentity";
    /// Build: sets `amz-sdk-invocation-id`, the same on every attempt.
    pub const INVOCATION_ID: &str = "InvocationId";
    /// Build: sets `Content-Length` from the body.
    pub const CONTENT_LENGTH: &str = "ComputeContentLength";
    /// Build: sets `User-Agent` and `x-amz-user-agent`.
    pub const USER_AGENT: &str = "UserAgent";
    /// Finalize: the retry loop; entries after it run on every attempt.
    pub const RETRY: &str = "Retry";
    /// Finalize: resolves credentials for the attempt (asynchronously, with caching).
    pub const GET_IDENTITY: &str = "GetIdentity";
    /// Finalize: signs the request (SigV4).
    pub const SIGNING: &str = "Signing";
    /// Finalize, after `Signing`: sets `amz-sdk-request: attempt=N; max=M` (unsigned, as the
    /// AWS SDKs send it).
    pub const REQUEST_INFO: &str = "RequestInfo";
    /// Deserialize: turns the raw response into the output or a typed error; entries below it
    /// see the raw HTTP exchange.
    pub const OPERATION_DESERIALIZER: &str = "OperationDeserializer";
}

/// Where an entry goes relative to the step (for `add`) or to an anchor (for `insert`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Position {
    /// At the front of the step, or just before the anchor.
    Before,
    /// At the end of the step, or just after the anchor.
    After,
}

/// The five steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum StepName {
    /// Defaults, validation, invocation-wide setup.
    Initialize,
    /// Endpoint resolution and the operation serializer.
    Serialize,
    /// Request-wide headers, once per operation.
    Build,
    /// Retry loop, identity, signing.
    Finalize,
    /// The deserializer and the raw HTTP exchange.
    Deserialize,
}

impl StepName {
    /// Every step, in execution order.
    pub const ALL: [StepName; 5] = [
        StepName::Initialize,
        StepName::Serialize,
        StepName::Build,
        StepName::Finalize,
        StepName::Deserialize,
    ];

    /// The step's name.
    pub fn as_str(self) -> &'static str {
        match self {
            StepName::Initialize => "Initialize",
            StepName::Serialize => "Serialize",
            StepName::Build => "Build",
            StepName::Finalize => "Finalize",
            StepName::Deserialize => "Deserialize",
        }
    }

    fn allows(self, kind: MiddlewareKind) -> bool {
        use MiddlewareKind as K;
        match self {
            StepName::Initialize => matches!(kind, K::InputHook),
            StepName::Serialize => matches!(
                kind,
                K::InputHook | K::RequestHook | K::OperationSerializer | K::GetIdentity
            ),
            StepName::Build => matches!(kind, K::RequestHook | K::Layer),
            StepName::Finalize => {
                matches!(kind, K::RequestHook | K::Layer | K::Retry | K::GetIdentity)
            }
            StepName::Deserialize => matches!(
                kind,
                K::RequestHook | K::Layer | K::HttpLayer | K::OperationDeserializer
            ),
        }
    }
}

impl fmt::Display for StepName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a stack edit or compilation failed.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StackError {
    /// An entry with this id is already in the step.
    DuplicateId {
        /// The step.
        step: StepName,
        /// The id.
        id: String,
    },
    /// No entry with this id is in the step.
    UnknownId {
        /// The step.
        step: StepName,
        /// The id.
        id: String,
    },
    /// This kind of middleware cannot go into this step (or this place in it).
    NotAllowed {
        /// The step.
        step: StepName,
        /// The id.
        id: String,
        /// Why.
        reason: &'static str,
    },
}

impl fmt::Display for StackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StackError::DuplicateId { step, id } => {
                write!(f, "the {step} step already has a middleware with id `{id}`")
            }
            StackError::UnknownId { step, id } => {
                write!(f, "the {step} step has no middleware with id `{id}`")
            }
            StackError::NotAllowed { step, id, reason } => {
                write!(
                    f,
                    "middleware `{id}` cannot go in the {step} step: {reason}"
                )
            }
        }
    }
}

impl std::error::Error for StackError {}

/// One step: an ordered list of uniquely named middleware.
#[derive(Clone)]
pub struct StepList {
    name: StepName,
    entries: Vec<(Cow<'static, str>, Middleware)>,
}

impl StepList {
    fn new(name: StepName) -> Self {
        StepList {
            name,
            entries: Vec::new(),
        }
    }

    /// The step's name.
    pub fn name(&self) -> StepName {
        self.name
    }

    fn position(&self, id: &str) -> Option<usize> {
        self.entries.iter().position(|(i, _)| i == id)
    }

    fn check_new(&self, id: &str, m: &Middleware) -> Result<(), StackError> {
        if self.position(id).is_some() {
            return Err(StackError::DuplicateId {
                step: self.name,
                id: id.to_owned(),
            });
        }
        if !self.name.allows(m.kind()) {
            return Err(StackError::NotAllowed {
                step: self.name,
                id: id.to_owned(),
                reason: m.kind().placement(),
            });
        }
        Ok(())
    }

    /// Adds an entry at the front ([`Position::Before`]) or the end ([`Position::After`]).
    pub fn add(
        &mut self,
        id: impl Into<Cow<'static, str>>,
        middleware: Middleware,
        position: Position,
    ) -> Result<&mut Self, StackError> {
        let id = id.into();
        self.check_new(&id, &middleware)?;
        match position {
            Position::Before => self.entries.insert(0, (id, middleware)),
            Position::After => self.entries.push((id, middleware)),
        }
        Ok(self)
    }

    /// Inserts an entry just before or after the entry `relative_to`.
    pub fn insert(
        &mut self,
        id: impl Into<Cow<'static, str>>,
        middleware: Middleware,
        relative_to: &str,
        position: Position,
    ) -> Result<&mut Self, StackError> {
        let id = id.into();
        let Some(at) = self.position(relative_to) else {
            return Err(StackError::UnknownId {
                step: self.name,
                id: relative_to.to_owned(),
            });
        };
        self.check_new(&id, &middleware)?;
        let at = match position {
            Position::Before => at,
            Position::After => at + 1,
        };
        self.entries.insert(at, (id, middleware));
        Ok(self)
    }

    /// Replaces the entry `id`, keeping its place and id; returns the old entry.
    pub fn swap(&mut self, id: &str, middleware: Middleware) -> Result<Middleware, StackError> {
        let Some(at) = self.position(id) else {
            return Err(StackError::UnknownId {
                step: self.name,
                id: id.to_owned(),
            });
        };
        if !self.name.allows(middleware.kind()) {
            return Err(StackError::NotAllowed {
                step: self.name,
                id: id.to_owned(),
                reason: middleware.kind().placement(),
            });
        }
        let slot = self
            .entries
            .get_mut(at)
            .ok_or_else(|| StackError::UnknownId {
                step: self.name,
                id: id.to_owned(),
            })?;
        Ok(std::mem::replace(&mut slot.1, middleware))
    }

    /// Removes the entry `id` and returns it.
    pub fn remove(&mut self, id: &str) -> Result<Middleware, StackError> {
        match self.position(id) {
            Some(at) => Ok(self.entries.remove(at).1),
            None => Err(StackError::UnknownId {
                step: self.name,
                id: id.to_owned(),
            }),
        }
    }

    /// The entry `id`.
    pub fn get(&self, id: &str) -> Option<&Middleware> {
        self.entries.iter().find(|(i, _)| i == id).map(|(_, m)| m)
    }

    /// The ids, in order.
    pub fn list(&self) -> Vec<&str> {
        self.entries.iter().map(|(i, _)| i.as_ref()).collect()
    }

    /// Removes every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }

    pub(crate) fn entries(&self) -> &[(Cow<'static, str>, Middleware)] {
        &self.entries
    }
}

impl fmt::Debug for StepList {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StepList")
            .field("name", &self.name)
            .field("ids", &self.list())
            .finish()
    }
}

/// The five steps of an operation's middleware.
#[derive(Clone, Debug)]
pub struct Stack {
    steps: [StepList; 5],
}

impl Default for Stack {
    fn default() -> Self {
        Stack::new()
    }
}

impl Stack {
    /// An empty stack.
    pub fn new() -> Self {
        Stack {
            steps: StepName::ALL.map(StepList::new),
        }
    }

    fn index(step: StepName) -> usize {
        match step {
            StepName::Initialize => 0,
            StepName::Serialize => 1,
            StepName::Build => 2,
            StepName::Finalize => 3,
            StepName::Deserialize => 4,
        }
    }

    /// One step.
    pub fn step(&self, step: StepName) -> &StepList {
        &self.steps[Self::index(step)]
    }
    /// One step, to edit.
    pub fn step_mut(&mut self, step: StepName) -> &mut StepList {
        &mut self.steps[Self::index(step)]
    }
    /// The Initialize step.
    pub fn initialize_mut(&mut self) -> &mut StepList {
        self.step_mut(StepName::Initialize)
    }
    /// The Serialize step.
    pub fn serialize_mut(&mut self) -> &mut StepList {
        self.step_mut(StepName::Serialize)
    }
    /// The Build step.
    pub fn build_mut(&mut self) -> &mut StepList {
        self.step_mut(StepName::Build)
    }
    /// The Finalize step.
    pub fn finalize_mut(&mut self) -> &mut StepList {
        self.step_mut(StepName::Finalize)
    }
    /// The Deserialize step.
    pub fn deserialize_mut(&mut self) -> &mut StepList {
        self.step_mut(StepName::Deserialize)
    }

    /// Finds the step holding `id`.
    pub fn find(&self, id: &str) -> Option<StepName> {
        self.steps
            .iter()
            .find(|s| s.position(id).is_some())
            .map(|s| s.name)
    }

    /// Every step and id in order, one per line, like the Go SDK's stack snapshots.
    pub fn describe(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for Stack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, step) in self.steps.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{} stack step", step.name)?;
            for (id, m) in &step.entries {
                write!(f, "\n    {id}")?;
                if let Some(note) = m.kind().note() {
                    write!(f, " ({note})")?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests;
