//! Values that travel *down* the stack with one operation: [`Context`].
//!
//! The Go SDK passes per-operation values in a `context.Context` (`WithStackValue`); smithy-rs
//! has its `ConfigBag`. Here a [`Context`] holds the well-known values every middleware may need
//! (service, operation, region, invocation id, attempt) as plain fields, and anything else in a
//! typed map ([`Context::insert`] / [`Context::get`]): put a private type in it and only your
//! module can read it.
//!
//! ```
//! use ziggurat_core::context::{Context, Region};
//!
//! #[derive(Clone, Debug, PartialEq)]
//! struct TenantId(u32);
//!
//! let mut ctx = Context::new("DynamoDB", "GetItem");
//! ctx.set_region(Some(Region::new("eu-west-1")));
//! ctx.insert(TenantId(7));
//! assert_eq!(ctx.get::<TenantId>(), Some(&TenantId(7)));
//! assert_eq!(ctx.region().map(|r| r.as_str()), Some("eu-west-1"));
//! ```
use std::borrow::Cow;
use std::fmt;
use std::time::Instant;

/// An AWS region name, such as `us-east-1`.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Region(Cow<'static, str>);

impl Region {
    /// A region from any string.
    ///
    /// A name given as an owned string is kept as static text (see [`crate::intern`]): the
    /// region is copied into every call's context, and copying static text allocates nothing.
    pub fn new(name: impl Into<Cow<'static, str>>) -> Self {
        match name.into() {
            Cow::Owned(name) => match crate::intern::static_text(&name) {
                Some(kept) => Region(Cow::Borrowed(kept)),
                None => Region(Cow::Owned(name)),
            },
            borrowed => Region(borrowed),
        }
    }
    /// A region from a static string, usable in constants.
    pub const fn from_static(name: &'static str) -> Self {
        Region(Cow::Borrowed(name))
    }
    /// The region's name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Region({})", self.0)
    }
}
impl fmt::Display for Region {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The id of one operation, the same on every attempt (`amz-sdk-invocation-id`).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct InvocationId([u8; 36]);

impl InvocationId {
    /// A new random (version 4) UUID.
    pub fn random() -> Self {
        let mut bytes = fastrand::u128(..).to_be_bytes();
        // The version (4) and the RFC 4122 variant bits.
        bytes[6] = (bytes[6] & 0x0f) | 0x40;
        bytes[8] = (bytes[8] & 0x3f) | 0x80;
        let mut out = [b'-'; 36];
        // 8-4-4-4-12 hex digits: bytes 0..4, 4..6, 6..8, 8..10, 10..16. Constant ranges within
        // arrays of fixed size: no index here can be out of range.
        for (from, to) in [(0..4, 0..8), (4..6, 9..13), (6..8, 14..18), (8..10, 19..23)] {
            let _ = hex::encode_to_slice(&bytes[from], &mut out[to]);
        }
        let _ = hex::encode_to_slice(&bytes[10..], &mut out[24..]);
        InvocationId(out)
    }
    /// The id as text.
    pub fn as_str(&self) -> &str {
        // Only ASCII hex digits and dashes are ever written.
        std::str::from_utf8(&self.0).unwrap_or("00000000-0000-4000-8000-000000000000")
    }
}

impl AsRef<[u8]> for InvocationId {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl fmt::Debug for InvocationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "InvocationId({})", self.as_str())
    }
}
impl fmt::Display for InvocationId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Marks recorded during one operation, turned into [`Timings`](crate::metadata::Timings)
/// by the `Timing` middleware.
#[derive(Debug, Clone, Default)]
pub struct TimingMarks {
    /// When the operation started.
    pub start: Option<Instant>,
    /// How long serialization took.
    pub serialization: std::time::Duration,
    /// How long endpoint resolution took.
    pub endpoint: std::time::Duration,
    /// When the identity resolution in progress started (kept here rather than in the call's
    /// future, which must stay small).
    pub identity_started: Option<Instant>,
    /// Per attempt: signing, wire and deserialization time.
    pub attempts: Vec<crate::metadata::AttemptTimings>,
    /// Where the transport counts `client.http.connections.usage` for this call's attempts
    /// (set by the metrics entry of a client with a meter provider).
    pub connection_usage: Option<crate::transport::ConnectionUsage>,
}

impl TimingMarks {
    /// The timings of the current attempt, created on first use.
    pub fn current_attempt(&mut self, attempt: u32) -> &mut crate::metadata::AttemptTimings {
        let idx = attempt.max(1) as usize - 1;
        if self.attempts.len() <= idx {
            self.attempts.resize_with(idx + 1, Default::default);
        }
        let len = self.attempts.len();
        // `len > idx` after the resize; `len - 1` keeps the index in range regardless.
        &mut self.attempts[idx.min(len - 1)]
    }
}

/// The values of the operation's endpoint parameters read from its input by the serializer
/// glue (`contextParam` members: `Bucket`, `Key`; `operationContextParams` paths: DynamoDB's
/// `ResourceArnList`), for the endpoint hook: in a slot of the [`Context`] of their own
/// ([`Context::endpoint_params`]), so that putting them there costs no map.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OperationEndpointParams(pub Vec<(&'static str, EndpointParamText)>);

/// The value of one endpoint parameter read from an input: a string, or (a `stringArray`
/// parameter) a list of strings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndpointParamText {
    /// A string (`Bucket`).
    String(String),
    /// A list of strings (`ResourceArnList`).
    List(Vec<String>),
}

impl From<String> for EndpointParamText {
    fn from(s: String) -> Self {
        EndpointParamText::String(s)
    }
}

impl From<&str> for EndpointParamText {
    fn from(s: &str) -> Self {
        EndpointParamText::String(s.to_owned())
    }
}

impl From<Vec<String>> for EndpointParamText {
    fn from(list: Vec<String>) -> Self {
        EndpointParamText::List(list)
    }
}

impl OperationEndpointParams {
    /// The value of the rule-set parameter `name`, if the input set it.
    pub fn value(&self, name: &str) -> Option<&EndpointParamText> {
        self.0.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
    /// The string value of the rule-set parameter `name`, if the input set it to a string.
    pub fn get(&self, name: &str) -> Option<&str> {
        match self.value(name)? {
            EndpointParamText::String(s) => Some(s),
            EndpointParamText::List(_) => None,
        }
    }
}

/// Per-operation values, passed down through every step.
pub struct Context {
    service: &'static str,
    operation: &'static str,
    region: Option<Region>,
    invocation_id: Option<InvocationId>,
    attempt: u32,
    max_attempts: u32,
    timing: Option<Box<TimingMarks>>,
    spec: Option<&'static crate::stack::OperationSpec>,
    identity: Option<crate::credentials::Credentials>,
    /// The attempt [`identity`](Context::identity) was resolved for by the stack (0: before
    /// the first).
    identity_attempt: Option<u32>,
    identity_override: Option<crate::credentials::SharedCredentialsProvider>,
    /// The interceptors the transport path runs (after transmit, around deserialization),
    /// set by the interceptors' adapter when some interceptor needs them.
    interceptors: Option<std::sync::Arc<[crate::interceptor::SharedInterceptor]>>,
    endpoint_params: Option<OperationEndpointParams>,
    values: http::Extensions,
}

impl Context {
    /// A context for one operation of one service.
    pub fn new(service: &'static str, operation: &'static str) -> Self {
        Context {
            service,
            operation,
            region: None,
            invocation_id: None,
            attempt: 0,
            max_attempts: 1,
            timing: None,
            spec: None,
            identity: None,
            identity_override: None,
            identity_attempt: None,
            interceptors: None,
            endpoint_params: None,
            values: http::Extensions::new(),
        }
    }
    /// The operation's endpoint parameters read from its input, once the serializer ran.
    pub fn endpoint_params(&self) -> Option<&OperationEndpointParams> {
        self.endpoint_params.as_ref()
    }
    /// Sets the operation's endpoint parameters read from its input.
    pub fn set_endpoint_params(&mut self, params: OperationEndpointParams) {
        self.endpoint_params = Some(params);
    }
    /// The service id (`S3`, `DynamoDB`).
    pub fn service(&self) -> &'static str {
        self.service
    }
    /// The operation name (`GetObject`).
    pub fn operation(&self) -> &'static str {
        self.operation
    }
    /// The region, when configured.
    pub fn region(&self) -> Option<&Region> {
        self.region.as_ref()
    }
    /// Sets the region.
    pub fn set_region(&mut self, region: Option<Region>) {
        self.region = region;
    }
    /// The invocation id, once set.
    pub fn invocation_id(&self) -> Option<InvocationId> {
        self.invocation_id
    }
    /// Sets the invocation id.
    pub fn set_invocation_id(&mut self, id: InvocationId) {
        self.invocation_id = Some(id);
    }
    /// The current attempt, counting from 1 (0 before the first attempt).
    pub fn attempt(&self) -> u32 {
        self.attempt
    }
    /// Sets the current attempt.
    pub fn set_attempt(&mut self, attempt: u32) {
        self.attempt = attempt;
    }
    /// The most attempts the retry strategy will make.
    pub fn max_attempts(&self) -> u32 {
        self.max_attempts
    }
    /// Sets the most attempts.
    pub fn set_max_attempts(&mut self, n: u32) {
        self.max_attempts = n;
    }
    /// Timing marks, when timing is enabled.
    pub fn timing_mut(&mut self) -> Option<&mut TimingMarks> {
        self.timing.as_deref_mut()
    }
    /// The timing marks, when timing is on.
    pub fn timing(&self) -> Option<&TimingMarks> {
        self.timing.as_deref()
    }
    /// Turns timing on for this operation.
    pub fn enable_timing(&mut self) {
        if self.timing.is_none() {
            self.timing = Some(Box::new(TimingMarks {
                start: Some(Instant::now()),
                ..Default::default()
            }));
        }
    }
    /// Takes the timing marks out.
    pub fn take_timing(&mut self) -> Option<Box<TimingMarks>> {
        self.timing.take()
    }
    /// The operation being run, inside a stack.
    pub fn spec(&self) -> Option<&'static crate::stack::OperationSpec> {
        self.spec
    }
    pub(crate) fn set_spec(&mut self, spec: &'static crate::stack::OperationSpec) {
        self.spec = Some(spec);
    }
    /// The credentials resolved for the current attempt.
    pub fn identity(&self) -> Option<&crate::credentials::Credentials> {
        self.identity.as_ref()
    }
    /// Sets the resolved credentials.
    pub fn set_identity(&mut self, identity: Option<crate::credentials::Credentials>) {
        self.identity = identity;
        self.identity_attempt = None;
    }
    /// The stack's identity entries: the credentials, resolved for the current attempt.
    pub(crate) fn set_resolved_identity(&mut self, identity: crate::credentials::Credentials) {
        self.identity = Some(identity);
        self.identity_attempt = Some(self.attempt);
    }
    /// Whether the credentials were resolved by the stack for this attempt already: by the
    /// `"EndpointIdentity"` entry just before the first attempt, or earlier in this one.
    pub(crate) fn identity_is_current(&self) -> bool {
        self.identity.is_some()
            && self
                .identity_attempt
                .is_some_and(|at| at.max(1) == self.attempt.max(1))
    }
    /// A per-call credentials provider that replaces the client's.
    pub fn identity_override(&self) -> Option<&crate::credentials::SharedCredentialsProvider> {
        self.identity_override.as_ref()
    }
    /// The interceptors of the transport path, when some are registered.
    pub(crate) fn interceptors(
        &self,
    ) -> Option<&std::sync::Arc<[crate::interceptor::SharedInterceptor]>> {
        self.interceptors.as_ref()
    }
    /// Sets them.
    pub(crate) fn set_interceptors(
        &mut self,
        all: std::sync::Arc<[crate::interceptor::SharedInterceptor]>,
    ) {
        self.interceptors = Some(all);
    }
    /// Sets a per-call credentials provider.
    pub fn set_identity_override(
        &mut self,
        provider: Option<crate::credentials::SharedCredentialsProvider>,
    ) {
        self.identity_override = provider;
        // Whatever was resolved came from another provider.
        self.identity_attempt = None;
    }
    /// Stores a typed value, replacing any earlier value of that type.
    pub fn insert<T: Clone + Send + Sync + 'static>(&mut self, value: T) -> Option<T> {
        self.values.insert(value)
    }
    /// A typed value.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<&T> {
        self.values.get::<T>()
    }
    /// A typed value, mutably.
    pub fn get_mut<T: Send + Sync + 'static>(&mut self) -> Option<&mut T> {
        self.values.get_mut::<T>()
    }
    /// Removes a typed value.
    pub fn remove<T: Send + Sync + 'static>(&mut self) -> Option<T> {
        self.values.remove::<T>()
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("service", &self.service)
            .field("operation", &self.operation)
            .field("region", &self.region)
            .field("invocation_id", &self.invocation_id)
            .field("attempt", &self.attempt)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invocation_ids_are_v4_uuids_and_differ() {
        let a = InvocationId::random();
        let b = InvocationId::random();
        assert_ne!(a, b);
        let s = a.as_str();
        assert_eq!(s.len(), 36);
        assert_eq!(&s[14..15], "4");
        assert!(matches!(&s[19..20], "8" | "9" | "a" | "b"), "{s}");
        for (i, c) in s.char_indices() {
            if matches!(i, 8 | 13 | 18 | 23) {
                assert_eq!(c, '-', "{s}");
            } else {
                assert!(c.is_ascii_digit() || ('a'..='f').contains(&c), "{s}");
            }
        }
        // Every random digit takes more than one value over a few ids.
        let ids: Vec<InvocationId> = (0..64).map(|_| InvocationId::random()).collect();
        for i in (0..36).filter(|i| ![8, 13, 14, 18, 23].contains(i)) {
            let first = ids[0].as_str().as_bytes()[i];
            assert!(
                ids.iter().any(|id| id.as_str().as_bytes()[i] != first),
                "digit {i}"
            );
        }
    }

    #[test]
    fn regions_from_owned_names_copy_without_allocating() {
        let region = Region::new(String::from("ap-southeast-4"));
        assert!(matches!(region.0, Cow::Borrowed(_)));
        assert_eq!(region, Region::from_static("ap-southeast-4"));
        assert_eq!(region.clone().as_str(), "ap-southeast-4");
    }

    #[test]
    fn typed_values_round_trip() {
        let mut ctx = Context::new("S3", "GetObject");
        assert!(ctx.get::<u32>().is_none());
        ctx.insert(5u32);
        *ctx.get_mut::<u32>().unwrap() += 1;
        assert_eq!(ctx.remove::<u32>(), Some(6));
    }
}
