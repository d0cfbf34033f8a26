//! Who turns endpoint parameters into an endpoint: the rule set, or a resolver of the user's
//! that may wrap it.
use std::fmt;
use std::sync::Arc;

use super::rules::{Endpoint, Params, Partitions, ResolveError, RuleSet};

/// The default resolver: a service's rule set, with the partitions `aws.partition` reads.
#[derive(Clone, Copy)]
pub struct RuleSetResolver {
    rules: &'static RuleSet,
    partitions: &'static Partitions,
}

impl RuleSetResolver {
    /// Resolves with `rules` and `partitions` (kept for the life of the process: a service's
    /// embedded rule set, parsed once).
    pub fn new(rules: &'static RuleSet, partitions: &'static Partitions) -> Self {
        RuleSetResolver { rules, partitions }
    }

    /// The rule set.
    pub fn rules(&self) -> &'static RuleSet {
        self.rules
    }

    /// Evaluates the rule set for `params`.
    pub fn resolve(&self, params: &Params) -> Result<Endpoint, ResolveError> {
        self.rules.resolve(params, self.partitions)
    }
}

impl fmt::Debug for RuleSetResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RuleSetResolver")
            .field("version", &self.rules.version())
            .field("parameters", &self.rules.parameters().len())
            .finish()
    }
}

/// A custom endpoint resolver: gets the parameters of a call (the client's settings and the
/// operation's) and the default resolver, which it may call, change the result of, or ignore.
///
/// Closures `Fn(&Params, &RuleSetResolver) -> Result<Endpoint, ResolveError>` implement it.
/// Results are cached per client for identical parameters, so a resolver must answer the
/// same parameters with the same endpoint.
///
/// ```
/// use ziggurat_layers::endpoint::resolver::{EndpointResolver, RuleSetResolver};
/// use ziggurat_layers::endpoint::rules::{Endpoint, Params, ResolveError, Value};
///
/// /// Sends one region to a proxy; everything else where the rule set says.
/// fn proxy_eu(params: &Params, default: &RuleSetResolver) -> Result<Endpoint, ResolveError> {
///     if params.get("Region") == Some(&Value::from("eu-central-1")) {
///         let mut endpoint = default.resolve(params)?;
///         endpoint.url = "https://proxy.example.com".to_owned();
///         return Ok(endpoint);
///     }
///     default.resolve(params)
/// }
/// fn takes(_: impl EndpointResolver) {}
/// takes(proxy_eu);
/// ```
pub trait EndpointResolver: Send + Sync + 'static {
    /// The endpoint for `params`; `default` is the service's rule set.
    fn resolve_endpoint(
        &self,
        params: &Params,
        default: &RuleSetResolver,
    ) -> Result<Endpoint, ResolveError>;
}

impl<F> EndpointResolver for F
where
    F: Fn(&Params, &RuleSetResolver) -> Result<Endpoint, ResolveError> + Send + Sync + 'static,
{
    fn resolve_endpoint(
        &self,
        params: &Params,
        default: &RuleSetResolver,
    ) -> Result<Endpoint, ResolveError> {
        self(params, default)
    }
}

/// A shared custom resolver, as configuration holds it.
#[derive(Clone)]
pub struct SharedEndpointResolver(Arc<dyn EndpointResolver>);

impl SharedEndpointResolver {
    /// Shares `resolver`.
    pub fn new(resolver: impl EndpointResolver) -> Self {
        SharedEndpointResolver(Arc::new(resolver))
    }
}

impl EndpointResolver for SharedEndpointResolver {
    fn resolve_endpoint(
        &self,
        params: &Params,
        default: &RuleSetResolver,
    ) -> Result<Endpoint, ResolveError> {
        self.0.resolve_endpoint(params, default)
    }
}

impl fmt::Debug for SharedEndpointResolver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SharedEndpointResolver")
    }
}
