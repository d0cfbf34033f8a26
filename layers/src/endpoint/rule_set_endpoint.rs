//! The endpoint hook of generated clients: parameters from the client and the call, the
//! service's rule set (or a custom resolver) through a per-client cache, and the result
//! applied to the request and handed to signing.
use std::cell::RefCell;
use std::fmt;
use std::sync::Arc;

use http::{HeaderName, HeaderValue};
use ziggurat_core::context::{Context, Region};
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::{HttpRequest, RequestHook};
use ziggurat_core::schema::{EndpointParam, EndpointParamValue, OperationSchema};

use super::cache::{Arg, EndpointCache, Entries, LOCAL_ENTRIES, hash_args};
use super::resolver::{EndpointResolver, RuleSetResolver, SharedEndpointResolver};
use super::rules::{Endpoint, Params, Value};
use super::{BaseEndpoint, EndpointUrl, S3Bucket};

/// The most parameters one call sets besides the client's (region, endpoint, and the
/// operation's: S3 sets at most five) that its cache key keeps on the stack.
const MAX_CALL_PARAMS: usize = 8;

/// A call's parameters, kept on the stack up to [`MAX_CALL_PARAMS`].
// Large on purpose: the common case lives on the stack and allocates nothing.
#[allow(clippy::large_enum_variant)]
enum CallArgs<'a> {
    Inline(arrayvec::ArrayVec<(&'static str, Arg<'a>), MAX_CALL_PARAMS>),
    Heap(Vec<(&'static str, Arg<'a>)>),
}

impl<'a> CallArgs<'a> {
    fn push(&mut self, arg: (&'static str, Arg<'a>)) {
        match self {
            CallArgs::Inline(inline) => {
                if let Err(full) = inline.try_push(arg) {
                    let mut heap: Vec<_> = inline.drain(..).collect();
                    heap.push(full.element());
                    *self = CallArgs::Heap(heap);
                }
            }
            CallArgs::Heap(heap) => heap.push(arg),
        }
    }

    fn as_slice(&self) -> &[(&'static str, Arg<'a>)] {
        match self {
            CallArgs::Inline(inline) => inline,
            CallArgs::Heap(heap) => heap,
        }
    }
}

pub use ziggurat_core::context::OperationEndpointParams;

/// How to sign for the resolved endpoint, where it differs from the client's defaults: put
/// into the [`Context`] by the endpoint hook, read by the signer. From the endpoint's
/// `authSchemes` property (the first scheme the signer supports).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointAuth {
    /// Sign with SigV4a (`AWS4-ECDSA-P256-SHA256`) instead of SigV4.
    pub sigv4a: bool,
    /// The service name to sign for, when not the client's (`s3-object-lambda`, `s3express`).
    pub signing_name: Option<String>,
    /// The region to sign for (SigV4), when not the call's.
    pub signing_region: Option<Region>,
    /// The regions a SigV4a signature is valid in (`*`, or a comma-separated list).
    pub signing_region_set: Option<String>,
    /// S3 Express One Zone session auth (`sigv4-s3express`): signed with the bucket's
    /// session credentials from `CreateSession`, their token in `x-amz-s3session-token`
    /// (see [`S3ExpressSession`](crate::sign::S3ExpressSession)).
    pub s3_express: bool,
}

/// Where a client setting goes in the rule set: a built-in (`AWS::UseFIPS`), or a parameter
/// named directly (S3's `DisableS3ExpressSessionAuth`, which has no built-in).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Binding {
    BuiltIn(String),
    Param(String),
}

/// The client's endpoint settings: the values of built-ins (`AWS::UseFIPS`,
/// `AWS::UseDualStack`, `SDK::Endpoint`, `AWS::S3::ForcePathStyle`, ...) and of parameters
/// set by name. Ones the service's rule set does not declare are ignored.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct ClientEndpointParams {
    values: Vec<(Binding, Value)>,
}

/// Values as text, an endpoint URL's user info redacted ([`shown_url`](super::shown_url)).
impl fmt::Debug for ClientEndpointParams {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut list = f.debug_map();
        for (binding, value) in &self.values {
            let shown = format!("{value:?}");
            list.entry(binding, &format_args!("{}", super::shown_url(&shown)));
        }
        list.finish()
    }
}

impl ClientEndpointParams {
    /// No settings: every parameter takes its default.
    pub fn new() -> Self {
        ClientEndpointParams::default()
    }
    /// Sets the parameter bound to `built_in` (`AWS::UseFIPS`).
    #[must_use]
    pub fn built_in(mut self, built_in: impl Into<String>, value: impl Into<Value>) -> Self {
        self.values
            .push((Binding::BuiltIn(built_in.into()), value.into()));
        self
    }
    /// These settings, then `more`'s (which win where both set a parameter).
    #[must_use]
    pub fn extend(mut self, more: ClientEndpointParams) -> Self {
        self.values.extend(more.values);
        self
    }
    /// Sets the parameter `name` (`DisableS3ExpressSessionAuth`).
    #[must_use]
    pub fn param(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.values
            .push((Binding::Param(name.into()), value.into()));
        self
    }
}

/// A resolved endpoint, ready to apply: what the cache holds for one set of parameters.
#[derive(Debug)]
pub struct ResolvedEndpoint {
    base: BaseEndpoint,
    headers: Vec<(HeaderName, HeaderValue)>,
    /// `None` when signing needs nothing the client does not already do.
    auth: Option<Arc<EndpointAuth>>,
}

impl ResolvedEndpoint {
    /// The endpoint's scheme, authority and base path (`https://s3.us-west-2.amazonaws.com/bucket`).
    pub fn base(&self) -> &BaseEndpoint {
        &self.base
    }
    /// The headers the endpoint adds to requests.
    pub fn headers(&self) -> &[(HeaderName, HeaderValue)] {
        &self.headers
    }
    /// How to sign for it, where that differs from the client's signer.
    pub fn auth(&self) -> Option<&EndpointAuth> {
        self.auth.as_deref()
    }
}

/// The hook: resolves the endpoint of each call from the service's endpoint rule set.
///
/// Parameters are the client's settings ([`ClientEndpointParams`], fixed when the client is
/// built), the call's region (`AWS::Region`) and endpoint URL override (`SDK::Endpoint`,
/// from [`EndpointUrl`]), and the operation's: the static ones in its schema and the input
/// members the serializer put into [`OperationEndpointParams`]. The endpoint for identical
/// parameters comes from a per-client cache. An error rule of the rule set fails the call with
/// a construction error carrying the rule's message, before anything is sent.
#[derive(Clone)]
pub struct RuleSetEndpoint {
    default: RuleSetResolver,
    custom: Option<SharedEndpointResolver>,
    /// The client's settings as rule-set parameters.
    client: Arc<[(&'static str, Value)]>,
    region_param: Option<&'static str>,
    endpoint_param: Option<&'static str>,
    /// Whether the client has an endpoint URL (then a missing region is the rules' business).
    client_endpoint: bool,
    region: Option<Region>,
    signing_name: &'static str,
    /// The parameters no rule reads (S3's `Key`): left out of the resolution and its cache key.
    unreferenced: Arc<[&'static str]>,
    cache: Arc<EndpointCache<ResolvedEndpoint>>,
}

impl RuleSetEndpoint {
    /// Resolves with `default` (a service's rule set); `signing_name` is what the client's
    /// signer signs for, so endpoints that agree with it add nothing to the context.
    pub fn new(default: RuleSetResolver, signing_name: &'static str) -> Self {
        let rules = default.rules();
        RuleSetEndpoint {
            default,
            custom: None,
            client: Arc::from(Vec::new()),
            region_param: rules
                .parameter_for_built_in("AWS::Region")
                .map(|p| p.name()),
            endpoint_param: rules
                .parameter_for_built_in("SDK::Endpoint")
                .map(|p| p.name()),
            client_endpoint: false,
            region: None,
            signing_name,
            unreferenced: rules
                .parameters()
                .iter()
                .filter(|p| !p.is_referenced())
                .map(|p| p.name())
                .collect(),
            cache: Arc::default(),
        }
    }

    /// The client's settings.
    pub fn with_client_params(mut self, params: &ClientEndpointParams) -> Self {
        let rules = self.default.rules();
        let mut client: Vec<(&'static str, Value)> = Vec::new();
        for (binding, value) in &params.values {
            let param = match binding {
                Binding::BuiltIn(b) => rules.parameter_for_built_in(b),
                Binding::Param(n) => rules.parameters().iter().find(|p| p.name() == n),
            };
            if let Some(p) = param {
                client.retain(|(n, _)| *n != p.name());
                client.push((p.name(), value.clone()));
            }
        }
        self.client_endpoint = self
            .endpoint_param
            .is_some_and(|e| client.iter().any(|(n, _)| *n == e));
        self.client = Arc::from(client);
        self
    }

    /// Resolves through `resolver`, which gets the default one to wrap.
    pub fn with_resolver(mut self, resolver: Option<SharedEndpointResolver>) -> Self {
        self.custom = resolver;
        self
    }

    /// The region to use when the context has none (standalone use).
    pub fn with_region(mut self, region: Option<Region>) -> Self {
        self.region = region;
        self
    }

    /// The parameters of one call besides the client's, in a fixed order, borrowed: on the
    /// stack, or (past [`MAX_CALL_PARAMS`], which no AWS operation reaches) on the heap.
    fn call_args<'a>(
        &self,
        ctx: Option<&'a Context>,
        declared: &'static [EndpointParam],
        region: Option<&'a Region>,
        url: Option<&'a str>,
    ) -> CallArgs<'a> {
        let mut args = CallArgs::Inline(arrayvec::ArrayVec::new());
        if let (Some(name), Some(region)) = (self.region_param, region) {
            args.push((name, Arg::Str(region.as_str())));
        }
        if let (Some(name), Some(url)) = (self.endpoint_param, url) {
            args.push((name, Arg::Str(url)));
        }
        let members = ctx.and_then(|c| c.endpoint_params());
        for p in declared {
            if self.unreferenced.contains(&p.name) {
                continue;
            }
            let arg = match p.value {
                EndpointParamValue::Bool(b) => Arg::Bool(b),
                EndpointParamValue::String(s) => Arg::Str(s),
                EndpointParamValue::Member(_) => match members.and_then(|m| m.get(p.name)) {
                    Some(v) => Arg::Str(v),
                    None => continue,
                },
            };
            args.push((p.name, arg));
        }
        args
    }

    /// Evaluates the rule set (or the custom resolver) for the client's settings and `args`.
    fn evaluate(
        &self,
        args: &[(&'static str, Arg<'_>)],
        call_region: Option<&Region>,
    ) -> Result<ResolvedEndpoint, SdkError> {
        let mut params = Params::new();
        for (name, value) in self.client.iter() {
            params.insert(*name, value.clone());
        }
        for (name, arg) in args {
            match arg {
                Arg::Str(s) => params.insert(*name, *s),
                Arg::Bool(b) => params.insert(*name, *b),
            }
        }
        let endpoint = match &self.custom {
            Some(custom) => custom.resolve_endpoint(&params, &self.default),
            None => self.default.resolve(&params),
        }
        .map_err(SdkError::construction)?;
        self.prepare(&endpoint, call_region)
    }

    /// An endpoint as the hook applies it.
    fn prepare(
        &self,
        endpoint: &Endpoint,
        call_region: Option<&Region>,
    ) -> Result<ResolvedEndpoint, SdkError> {
        let base = BaseEndpoint::parse_resolved(&endpoint.url).map_err(SdkError::construction)?;
        let mut headers = Vec::new();
        for (name, values) in &endpoint.headers {
            let name = HeaderName::try_from(name.as_str()).map_err(|e| {
                SdkError::construction(format!("the endpoint's header `{name}` is invalid: {e}"))
            })?;
            for v in values {
                let value = HeaderValue::try_from(v.as_str()).map_err(|e| {
                    SdkError::construction(format!(
                        "the endpoint's header `{name}` has an invalid value: {e}"
                    ))
                })?;
                headers.push((name.clone(), value));
            }
        }
        Ok(ResolvedEndpoint {
            base,
            headers,
            auth: self.auth_for(endpoint, call_region).map(Arc::new),
        })
    }

    /// What signing needs from the endpoint's first supported auth scheme, if anything
    /// differs from the client's: `sigv4`, `sigv4a`, and `sigv4-s3express` (SigV4 with its
    /// signing name and, where the client provides them, the bucket's session credentials).
    fn auth_for(&self, endpoint: &Endpoint, call_region: Option<&Region>) -> Option<EndpointAuth> {
        let scheme = endpoint
            .auth_schemes()
            .into_iter()
            .find(|s| matches!(s.name.as_str(), "sigv4" | "sigv4a" | "sigv4-s3express"))?;
        let sigv4a = scheme.name == "sigv4a";
        let signing_name = scheme.signing_name.filter(|n| n != self.signing_name);
        let signing_region = scheme
            .signing_region
            .filter(|r| call_region.is_none_or(|c| c.as_str() != r))
            .map(Region::new);
        let signing_region_set =
            (!scheme.signing_region_set.is_empty()).then(|| scheme.signing_region_set.join(","));
        let auth = EndpointAuth {
            sigv4a,
            signing_name,
            signing_region,
            signing_region_set,
            s3_express: scheme.name == "sigv4-s3express",
        };
        let nothing_new = !auth.sigv4a
            && !auth.s3_express
            && auth.signing_name.is_none()
            && auth.signing_region.is_none()
            && auth.signing_region_set.is_none();
        (!nothing_new).then_some(auth)
    }

    /// The call's region and endpoint URL override; without either (and without a client
    /// endpoint URL) the SDK's error, clearer than a rule set's.
    fn region_and_url<'a>(
        &'a self,
        ctx: Option<&'a Context>,
    ) -> Result<(Option<&'a Region>, Option<String>), SdkError> {
        let region = ctx.and_then(Context::region).or(self.region.as_ref());
        let url = ctx
            .and_then(|c| c.get::<EndpointUrl>())
            .map(|e| e.0.to_url());
        if self.region_param.is_some() && region.is_none() && url.is_none() && !self.client_endpoint
        {
            return Err(SdkError::construction(
                "no region is configured: set it in code or with the AWS_REGION environment variable",
            ));
        }
        Ok((region, url))
    }

    /// The endpoint for `args` from the shared cache, or resolved and stored there; then
    /// copied into this thread's entries.
    fn shared(
        &self,
        hash: u64,
        args: &[(&'static str, Arg<'_>)],
        region: Option<&Region>,
    ) -> Result<Arc<ResolvedEndpoint>, SdkError> {
        let resolved = match self.cache.get(hash, args) {
            Some(hit) => hit,
            None => {
                let fresh = Arc::new(self.evaluate(args, region)?);
                self.cache.insert(hash, args, fresh.clone());
                fresh
            }
        };
        with_local(self.cache.id(), |local| {
            local.insert(hash, args, resolved.clone())
        });
        Ok(resolved)
    }

    /// The endpoint of a call of `operation` with the context `ctx` (its region, endpoint URL
    /// override and the input's [`OperationEndpointParams`]): from the cache, or resolved and
    /// cached. What the hook applies to each request; callable on its own to see where a call
    /// would go.
    pub fn endpoint_for(
        &self,
        ctx: Option<&Context>,
        operation: Option<&'static OperationSchema>,
    ) -> Result<Arc<ResolvedEndpoint>, SdkError> {
        let (region, url) = self.region_and_url(ctx)?;
        let declared = operation.map(|o| o.endpoint_params).unwrap_or_default();
        let args = self.call_args(ctx, declared, region, url.as_deref());
        let args = args.as_slice();
        let hash = hash_args(args);
        match with_local(self.cache.id(), |local| local.get(hash, args).cloned()).flatten() {
            Some(hit) => Ok(hit),
            None => self.shared(hash, args, region),
        }
    }

    /// Sets the endpoint of a request of `operation`: the hook's work, which
    /// [`on_request`](RequestHook::on_request) does for the operation the stack runs (and
    /// times). Standalone, where no stack records the operation, name it here. A warm call
    /// applies this thread's copy of the endpoint in place: no lock, no reference count.
    pub fn resolve(
        &self,
        req: &mut HttpRequest<'_>,
        operation: Option<&'static OperationSchema>,
    ) -> Result<(), SdkError> {
        if req.uri().scheme().is_some() {
            return Ok(());
        }
        let (parts, ctx) = req.parts_and_context_mut();
        let auth = {
            let ctx = ctx.as_deref();
            let (region, url) = self.region_and_url(ctx)?;
            let declared = operation.map(|o| o.endpoint_params).unwrap_or_default();
            let args = self.call_args(ctx, declared, region, url.as_deref());
            let args = args.as_slice();
            let hash = hash_args(args);
            let bucket = ctx.and_then(|c| c.get::<S3Bucket>()).map(|b| b.0.as_str());
            let warm = with_local(self.cache.id(), |local| {
                local
                    .get(hash, args)
                    .map(|resolved| resolved.apply(parts, bucket))
            })
            .flatten();
            match warm {
                Some(applied) => applied?,
                None => self.shared(hash, args, region)?.apply(parts, bucket)?,
            }
        };
        if let (Some(auth), Some(ctx)) = (auth, ctx) {
            ctx.insert(auth);
        }
        Ok(())
    }
}

/// This thread's copies of the endpoints it used, per cache id: a few caches, the most
/// recently added last.
struct LocalCaches(Vec<(u64, Entries<ResolvedEndpoint>)>);

/// The most clients whose endpoints a thread keeps.
const LOCAL_CACHES: usize = 8;

thread_local! {
    static LOCAL: RefCell<LocalCaches> = const { RefCell::new(LocalCaches(Vec::new())) };
}

/// Runs `f` on this thread's entries of the cache `id`; `None` when they cannot be reached
/// (the thread is ending, or a custom resolver resolved another endpoint from inside one).
fn with_local<R>(id: u64, f: impl FnOnce(&mut Entries<ResolvedEndpoint>) -> R) -> Option<R> {
    LOCAL
        .try_with(|cell| {
            let mut caches = cell.try_borrow_mut().ok()?;
            let caches = &mut caches.0;
            if !caches.iter().any(|(c, _)| *c == id) {
                if caches.len() >= LOCAL_CACHES {
                    caches.remove(0);
                }
                caches.push((id, Entries::new(LOCAL_ENTRIES)));
            }
            caches
                .iter_mut()
                .find(|(c, _)| *c == id)
                .map(|(_, entries)| f(entries))
        })
        .ok()
        .flatten()
}

impl ResolvedEndpoint {
    /// Applies this endpoint to a request head: URL (moving `bucket` out of the path) and
    /// headers; what signing needs from it, if anything.
    fn apply(
        &self,
        parts: &mut http::request::Parts,
        bucket: Option<&str>,
    ) -> Result<Option<Arc<EndpointAuth>>, SdkError> {
        self.base.apply_to(parts, bucket)?;
        for (name, value) in &self.headers {
            parts.headers.append(name.clone(), value.clone());
        }
        Ok(self.auth.clone())
    }
}

impl RequestHook for RuleSetEndpoint {
    fn has_response_side(&self) -> bool {
        false
    }

    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        let operation = req.context().and_then(Context::spec).and_then(|s| s.schema);
        super::timed(req, |req| self.resolve(req, operation))
    }
}

impl fmt::Debug for RuleSetEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleSetEndpoint")
            .field("rules", &self.default)
            .field("custom", &self.custom.is_some())
            .field("client", &self.client)
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests;
