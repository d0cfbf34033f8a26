//! Resolves where a request goes: scheme, host, base path, headers, and how to sign for it.
//!
//! Serializers write only the path and query (`/bucket/key?x-id=GetObject`); an endpoint hook
//! adds the rest, so one serializer serves every endpoint. Two hooks do it:
//!
//! - [`RuleSetEndpoint`], the `"ResolveEndpoint"` entry of every generated client: the
//!   service's Smithy endpoint rule set (`endpoint-rule-set-1.json`), interpreted at run time
//!   by the [`rules`] engine rather than compiled into code per service, as the AWS SDKs for
//!   Go v2 and smithy-rs generate it. The rules decide everything the SDKs decide: regional
//!   and partition DNS suffixes, FIPS and dual-stack hosts, S3 virtual-hosted or path-style
//!   addressing, accelerate, access point and Multi-Region Access Point ARNs, Object Lambda,
//!   S3 Express, STS's global endpoint, and an endpoint URL override. Parameters come from
//!   the client (built-ins, [`ClientEndpointParams`]), from the call (region, per-call
//!   [`EndpointUrl`], the account id of its credentials for rule sets that read
//!   `AWS::Auth::AccountId`) and from the operation (its schema's static parameters, and the
//!   input members and JMESPath paths the serializer read into [`OperationEndpointParams`]:
//!   strings, or lists of strings for `stringArray` parameters). Results are cached per
//!   client, keyed by the parameters the rules read (S3's `Key` is not one), so a warm call
//!   costs a hash and a lookup. The endpoint's headers go on the request, and its auth scheme
//!   (signing name, region, SigV4a region set) reaches the signer as [`EndpointAuth`] in the
//!   [`Context`](ziggurat_core::context::Context). An error rule fails the call with a
//!   construction error carrying the rule's message, before anything is sent. A
//!   [custom resolver](resolver::EndpointResolver) may wrap the rule set.
//! - [`ResolveEndpoint`], a fixed endpoint for stacks built by hand without a rule set (a
//!   `ServiceBuilder` around any HTTP client): the regional default
//!   `https://{prefix}.{region}.amazonaws.com` or a [`BaseEndpoint`], with S3's
//!   virtual-host rule reduced to its common case.
//!
//! ```
//! use tower::{Layer, ServiceExt, service_fn};
//! use ziggurat_core::context::Region;
//! use ziggurat_core::hook::HookLayer;
//! use ziggurat_layers::endpoint::ResolveEndpoint;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let hook = ResolveEndpoint::new("dynamodb").with_region(Region::from_static("eu-west-1"));
//! let svc = HookLayer::new(hook).layer(service_fn(|req: http::Request<String>| async move {
//!     Ok::<_, std::convert::Infallible>(http::Response::new(req.uri().to_string()))
//! }));
//! let res = svc.oneshot(http::Request::post("/").body(String::new()).unwrap()).await.unwrap();
//! assert_eq!(res.body(), "https://dynamodb.eu-west-1.amazonaws.com/");
//! # }
//! ```
//!
//! The rule-set hook, on a rule set of its own (generated clients pass their service's):
//!
//! ```
//! use ziggurat_core::context::{Context, Region};
//! use ziggurat_layers::endpoint::resolver::RuleSetResolver;
//! use ziggurat_layers::endpoint::rules::{Partitions, RuleSet};
//! use ziggurat_layers::endpoint::{ClientEndpointParams, RuleSetEndpoint};
//!
//! let rules: &'static RuleSet = Box::leak(Box::new(RuleSet::from_json(r#"{"version": "1.0",
//!   "parameters": {
//!     "Region": {"type": "string", "builtIn": "AWS::Region", "required": true},
//!     "UseFIPS": {"type": "boolean", "builtIn": "AWS::UseFIPS", "required": true, "default": false}},
//!   "rules": [
//!     {"conditions": [{"fn": "booleanEquals", "argv": [{"ref": "UseFIPS"}, true]}],
//!      "type": "endpoint", "endpoint": {"url": "https://svc-fips.{Region}.example.com"}},
//!     {"conditions": [], "type": "endpoint", "endpoint": {"url": "https://svc.{Region}.example.com"}}]}"#)?));
//! let partitions: &'static Partitions =
//!     Box::leak(Box::new(Partitions::from_json(r#"{"partitions": []}"#)?));
//! let hook = RuleSetEndpoint::new(RuleSetResolver::new(rules, partitions), "svc")
//!     .with_client_params(&ClientEndpointParams::new().built_in("AWS::UseFIPS", true));
//! let mut ctx = Context::new("Svc", "Get");
//! ctx.set_region(Some(Region::from_static("eu-west-1")));
//! let endpoint = hook.endpoint_for(Some(&ctx), None)?;
//! assert_eq!(endpoint.base().to_url(), "https://svc-fips.eu-west-1.example.com");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
mod cache;
pub mod resolver;
mod rule_set_endpoint;
pub mod rules;

pub use cache::MAX_ENTRIES as CACHE_ENTRIES;
pub use rule_set_endpoint::{
    ACCOUNT_ID_ENDPOINT_MODE, ClientEndpointParams, EndpointAuth, EndpointParamText,
    OperationEndpointParams, ResolvedEndpoint, RuleSetEndpoint,
};

use std::fmt;
use std::net::IpAddr;

use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderValue, Uri};
use ziggurat_core::context::Region;
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::{HttpRequest, RequestHook};

/// `authority` as static text when it can be kept (see [`ziggurat_core::intern`]): every
/// request, and every retry copy, holds a copy of it.
fn static_authority(authority: Authority) -> Authority {
    ziggurat_core::intern::static_text(authority.as_str())
        .and_then(|text| {
            Authority::from_maybe_shared(bytes::Bytes::from_static(text.as_bytes())).ok()
        })
        .unwrap_or(authority)
}

/// A base endpoint: scheme, authority and an optional base path.
#[derive(Clone, PartialEq, Eq)]
pub struct BaseEndpoint {
    scheme: Scheme,
    authority: Authority,
    path: String,
    /// `scheme://authority/`, made once: the whole URI of every request to `/` (the JSON and
    /// query protocols), when there is no base path.
    root: Option<Uri>,
}

impl BaseEndpoint {
    /// Parses an endpoint URL such as `http://127.0.0.1:9000` or `https://example.com/base`.
    pub fn parse(url: &str) -> Result<Self, EndpointError> {
        Self::parse_with(url, static_authority)
    }

    /// Parses a URL a rule set resolved: like [`parse`](Self::parse), but its host is not
    /// kept as static text (there may be one per bucket).
    pub(crate) fn parse_resolved(url: &str) -> Result<Self, EndpointError> {
        Self::parse_with(url, |a| a)
    }

    /// The URL again (`http://127.0.0.1:9000/base`), as `SDK::Endpoint` takes it.
    pub fn to_url(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority, self.path)
    }

    fn parse_with(url: &str, keep: fn(Authority) -> Authority) -> Result<Self, EndpointError> {
        let shown = shown_url(url);
        let uri: Uri = url.parse().map_err(|e: http::uri::InvalidUri| {
            EndpointError(format!("invalid endpoint url `{shown}`: {e}"))
        })?;
        let scheme = uri.scheme().cloned().ok_or_else(|| {
            EndpointError(format!(
                "endpoint url `{shown}` has no scheme (http:// or https://)"
            ))
        })?;
        if scheme != Scheme::HTTP && scheme != Scheme::HTTPS {
            return Err(EndpointError(format!(
                "endpoint url `{shown}` must use http or https"
            )));
        }
        let authority = uri
            .authority()
            .map(|a| keep(a.clone()))
            .ok_or_else(|| EndpointError(format!("endpoint url `{shown}` has no host")))?;
        if uri.query().is_some() {
            return Err(EndpointError(format!(
                "endpoint url `{shown}` must not have a query"
            )));
        }
        let path = uri.path().trim_end_matches('/').to_owned();
        Ok(BaseEndpoint::new(scheme, authority, path))
    }

    fn new(scheme: Scheme, authority: Authority, path: String) -> Self {
        let root = if path.is_empty() {
            Uri::builder()
                .scheme(scheme.clone())
                .authority(authority.clone())
                .path_and_query(PathAndQuery::from_static("/"))
                .build()
                .ok()
        } else {
            None
        };
        BaseEndpoint {
            scheme,
            authority,
            path,
            root,
        }
    }

    /// The scheme.
    pub fn scheme(&self) -> &Scheme {
        &self.scheme
    }
    /// The host and port.
    pub fn authority(&self) -> &Authority {
        &self.authority
    }

    fn host_is_ip_or_localhost(&self) -> bool {
        let host = self.authority.host();
        let bare = host.trim_start_matches('[').trim_end_matches(']');
        bare.parse::<IpAddr>().is_ok()
            || bare.eq_ignore_ascii_case("localhost")
            || bare.to_ascii_lowercase().ends_with(".localhost")
    }
}

impl fmt::Debug for BaseEndpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&shown_url(&self.to_url()))
    }
}

/// `url` as `Debug` output and errors show it: any user info in its authority
/// (`user:password@`) is replaced, since it is a credential.
pub fn shown_url(url: &str) -> std::borrow::Cow<'_, str> {
    let start = url.find("://").map_or(0, |i| i + 3);
    let rest = url.get(start..).unwrap_or_default();
    let authority = rest
        .find(['/', '?', '#'])
        .and_then(|end| rest.get(..end))
        .unwrap_or(rest);
    match (authority.rfind('@'), url.get(..start)) {
        (Some(at), Some(scheme)) => std::borrow::Cow::Owned(format!(
            "{scheme}{}@{}",
            crate::wire_log::redact::REDACTED,
            rest.get(at + 1..).unwrap_or_default()
        )),
        _ => std::borrow::Cow::Borrowed(url),
    }
}

/// A per-call endpoint override, put into the operation context.
#[derive(Debug, Clone)]
pub struct EndpointUrl(pub BaseEndpoint);

/// The bucket of an S3 request as the serializer wrote it, percent-encoded, at the start of
/// the path (`/{Bucket}`): put into the context by S3's serializer, so endpoint resolution
/// can move it where the endpoint says (into the host, or the URL's own path).
#[derive(Debug, Clone)]
pub struct S3Bucket(pub String);

/// The host prefix of an operation whose model sets one (`{AccountId}.`), with its labels
/// filled from the input's host-label members (`123456789012.`): put on the request (as an
/// extension) by the serializer; [`ResolveEndpoint`] prepends it to the endpoint's host
/// (`123456789012.s3-object-lambda.us-east-1.amazonaws.com`), unless that is an IP address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPrefix(pub String);

/// An invalid endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EndpointError(String);

impl fmt::Display for EndpointError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
impl std::error::Error for EndpointError {}

/// The hook: turns a relative request URI into an absolute one.
#[derive(Debug, Clone)]
pub struct ResolveEndpoint {
    prefix: &'static str,
    region: Option<Region>,
    base: Option<BaseEndpoint>,
    s3: Option<S3Addressing>,
    /// The regional endpoint of the client's region, computed once.
    cached: Option<(Region, BaseEndpoint)>,
}

/// How S3 buckets are addressed.
#[derive(Debug, Clone, Copy, Default)]
pub struct S3Addressing {
    /// Always use path style (`host/bucket/key`).
    pub force_path_style: bool,
}

impl ResolveEndpoint {
    /// Endpoints for a service whose hostname prefix is `prefix` (`s3`, `dynamodb`).
    pub fn new(prefix: &'static str) -> Self {
        ResolveEndpoint {
            prefix,
            region: None,
            base: None,
            s3: None,
            cached: None,
        }
    }
    /// The region to use when the context has none (standalone use).
    pub fn with_region(mut self, region: Region) -> Self {
        self = self.with_cached_region(Some(&region));
        self.region = Some(region);
        self
    }
    /// Precomputes the regional endpoint of `region` (the client's), so calls in that region
    /// skip building it.
    pub fn with_cached_region(mut self, region: Option<&Region>) -> Self {
        self.cached = region.and_then(|r| Some((r.clone(), self.regional(r).ok()?)));
        self
    }
    /// A base endpoint that replaces the regional default.
    pub fn with_base_endpoint(mut self, base: Option<BaseEndpoint>) -> Self {
        self.base = base;
        self
    }
    /// Turns on S3 bucket addressing.
    pub fn with_s3_addressing(mut self, addressing: S3Addressing) -> Self {
        self.s3 = Some(addressing);
        self
    }

    fn regional(&self, region: &Region) -> Result<BaseEndpoint, SdkError> {
        let suffix = if region.as_str().starts_with("cn-") {
            "amazonaws.com.cn"
        } else {
            "amazonaws.com"
        };
        let valid = !region.as_str().is_empty()
            && region
                .as_str()
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-');
        if !valid {
            return Err(SdkError::construction(format!("invalid region `{region}`")));
        }
        let authority: Authority = format!("{}.{}.{}", self.prefix, region, suffix)
            .parse()
            .map_err(SdkError::construction)?;
        let authority = static_authority(authority);
        Ok(BaseEndpoint::new(Scheme::HTTPS, authority, String::new()))
    }
}

/// Whether a bucket can be a DNS label of the host (virtual-hosted style).
pub fn is_virtual_hostable_bucket(bucket: &str, https: bool) -> bool {
    let b = bucket.as_bytes();
    let (Some(first), Some(last)) = (b.first(), b.last()) else {
        return false;
    };
    (3..=63).contains(&b.len())
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b'.')
        && (first.is_ascii_lowercase() || first.is_ascii_digit())
        && (last.is_ascii_lowercase() || last.is_ascii_digit())
        && !bucket.contains("..")
        && !bucket.contains(".-")
        && !bucket.contains("-.")
        && bucket.parse::<IpAddr>().is_err()
        && !(https && bucket.contains('.'))
}

impl RequestHook for ResolveEndpoint {
    fn has_response_side(&self) -> bool {
        false
    }

    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        timed(req, |req| self.resolve(req))
    }
}

/// Runs an endpoint hook's work in its span, and records its time where the call asks for
/// timings.
fn timed(
    req: &mut HttpRequest<'_>,
    work: impl FnOnce(&mut HttpRequest<'_>) -> Result<(), SdkError>,
) -> Result<(), SdkError> {
    let _span = tracing::debug_span!(target: "ziggurat", "resolve_endpoint").entered();
    let started = req
        .context()
        .and_then(|c| c.timing())
        .map(|_| std::time::Instant::now());
    let result = work(req);
    if let (Some(t), Some(marks)) = (started, req.context_mut().and_then(|c| c.timing_mut())) {
        marks.endpoint = t.elapsed();
    }
    result
}

impl ResolveEndpoint {
    /// Sets the endpoint on `req` (the hook's work, timed by `on_request`).
    fn resolve(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        if req.uri().scheme().is_some() {
            return Ok(());
        }
        let ctx = req.context();
        // Borrowed in the usual cases (the client's endpoint, or its region's); owned only
        // for a per-call override or another region.
        let over = ctx
            .and_then(|c| c.get::<EndpointUrl>())
            .map(|e| e.0.clone());
        let other_region;
        let base = match (&over, &self.base) {
            (Some(b), _) | (None, Some(b)) => b,
            (None, None) => {
                let region = ctx
                    .and_then(|c| c.region())
                    .or(self.region.as_ref())
                    .ok_or_else(|| {
                        SdkError::construction(
                            "no region is configured: set it in code or with the AWS_REGION environment variable",
                        )
                    })?;
                match &self.cached {
                    Some((r, base)) if r == region => base,
                    _ => {
                        other_region = self.regional(region)?;
                        &other_region
                    }
                }
            }
        };
        let bucket = match self.s3 {
            Some(s3) if !s3.force_path_style && !base.host_is_ip_or_localhost() => ctx
                .and_then(|c| c.get::<S3Bucket>())
                .filter(|b| is_virtual_hostable_bucket(&b.0, base.scheme == Scheme::HTTPS))
                .map(|b| b.0.clone()),
            _ => None,
        };

        match bucket {
            // Virtual-hosted style: the bucket moves from the path into the host.
            Some(bucket) => {
                let authority: Authority = format!("{bucket}.{}", base.authority)
                    .parse()
                    .map_err(SdkError::construction)?;
                let hosted = BaseEndpoint::new(base.scheme.clone(), authority, base.path.clone());
                hosted.apply_to(req.parts_mut(), Some(&bucket))
            }
            None => base.apply_to(req.parts_mut(), None),
        }
    }
}

impl BaseEndpoint {
    /// Makes `req`'s relative URI absolute at this endpoint: its scheme and authority, its base
    /// path before the serialized path and query. `strip` is a first path segment that the
    /// serializer wrote and the endpoint places itself (S3's `/{Bucket}`, which a virtual host
    /// or a path-style URL already holds). An operation's [`HostPrefix`] goes before the host,
    /// but not before an IP address, which has no subdomains.
    pub(crate) fn apply_to(
        &self,
        req: &mut http::request::Parts,
        strip: Option<&str>,
    ) -> Result<(), SdkError> {
        let host_prefix = req
            .extensions
            .get::<HostPrefix>()
            .filter(|_| !self.host_is_ip())
            .map(|p| p.0.clone());

        if strip.is_none() && host_prefix.is_none() && self.path.is_empty() {
            // The common cases: a request to `/` gets the prebuilt URI; others keep their
            // serialized path and query as they are, no re-parsing.
            if let Some(root) = &self.root
                && req.uri.path_and_query().map(PathAndQuery::as_str) == Some("/")
            {
                req.uri = root.clone();
                return sync_host_header(req, &self.authority);
            }
            let mut parts = http::uri::Parts::default();
            parts.scheme = Some(self.scheme.clone());
            parts.authority = Some(self.authority.clone());
            parts.path_and_query = Some(
                req.uri
                    .path_and_query()
                    .cloned()
                    .unwrap_or_else(|| PathAndQuery::from_static("/")),
            );
            req.uri = Uri::from_parts(parts).map_err(SdkError::construction)?;
            return sync_host_header(req, &self.authority);
        }
        let pq = req
            .uri
            .path_and_query()
            .map(PathAndQuery::as_str)
            .unwrap_or("/");
        let rest = match strip {
            Some(segment) => pq
                .strip_prefix('/')
                .and_then(|p| p.strip_prefix(segment))
                .filter(|r| r.is_empty() || r.starts_with('/') || r.starts_with('?'))
                .ok_or_else(|| {
                    SdkError::construction(format!(
                        "the request path does not start with the bucket `{segment}`"
                    ))
                })?,
            None => pq,
        };
        // `/bucket` + `?acl` stays `/bucket?acl`; at the root, `?acl` is `/?acl`.
        let full = match (
            self.path.is_empty(),
            rest.is_empty() || rest.starts_with('?'),
        ) {
            (true, true) => format!("/{rest}"),
            (true, false) => rest.to_owned(),
            (false, _) => format!("{}{}", self.path, rest),
        };
        let authority = match &host_prefix {
            Some(prefix) => format!("{prefix}{}", self.authority)
                .parse::<Authority>()
                .map_err(|e| {
                    SdkError::construction(format!("the host prefix `{prefix}` is invalid: {e}"))
                })?,
            None => self.authority.clone(),
        };
        let uri = Uri::builder()
            .scheme(self.scheme.clone())
            .authority(authority.clone())
            .path_and_query(full)
            .build()
            .map_err(SdkError::construction)?;
        req.uri = uri;
        sync_host_header(req, &authority)
    }

    fn host_is_ip(&self) -> bool {
        let host = self.authority.host();
        host.trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<IpAddr>()
            .is_ok()
    }
}

/// Signing reads the host from the URI; keep an explicit Host header consistent with it.
fn sync_host_header(req: &mut http::request::Parts, authority: &Authority) -> Result<(), SdkError> {
    if req.headers.contains_key(http::header::HOST) {
        let host = HeaderValue::from_str(authority.as_str()).map_err(SdkError::construction)?;
        req.headers.insert(http::header::HOST, host);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
