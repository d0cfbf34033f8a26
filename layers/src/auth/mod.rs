//! Auth schemes: how a request proves who sent it, chosen per operation.
//!
//! As in the Go SDK and Smithy, an auth scheme is three things: a **scheme id**
//! ([`AuthSchemeId`]: `aws.auth#sigv4`, `aws.auth#sigv4a`, `smithy.api#httpBearerAuth`,
//! `smithy.api#noAuth`), an **identity resolver** ([`ResolveIdentity`]: credentials, a bearer
//! [`Token`], or nobody) and a **signer** ([`Sign`]: SigV4, `Authorization: Bearer`, nothing).
//! An operation declares which schemes it supports, in order of preference
//! ([`AuthSchemeOptions`]); the [`Authenticate`] hook picks the first one the client has an
//! identity for and signs with it. Most AWS operations support SigV4 only; some STS and
//! Cognito operations take no auth, CodeCatalyst takes bearer tokens, S3 Multi-Region Access
//! Points need SigV4a.
//!
//! Nothing is generic at the stack boundary: identities are one enum ([`Identity`]), schemes
//! are trait objects, and [`Authenticate`] is an ordinary [`RequestHook`](ziggurat_core::hook::RequestHook)
//! that takes the place of `"Signing"` in the Finalize step (or wraps any service as
//! [`AuthenticateLayer`]).
//!
//! **Where identities come from.** Credentials are resolved asynchronously, on every attempt,
//! by the stack's `"GetIdentity"` entry (with the client's provider, a
//! [`CredentialsCache`] for temporary ones, or
//! the per-call override); a scheme built with [`AuthScheme::sigv4`] uses those. A scheme with
//! its own resolver ([`AuthScheme::bearer`], [`AuthScheme::anonymous`], or
//! [`AuthScheme::new`] with a resolver) resolves inside the hook, which is synchronous: the
//! resolver must answer without waiting (a [`Token`], a cached value), else the hook reports
//! that it needs asynchronous resolution.
//!
//! **SigV4a.** [`AuthSchemeId::SIGV4A`] is reserved here; its signer implements [`Sign`] and
//! plugs in with `AuthScheme::new(AuthSchemeId::SIGV4A, None, signer)` (credentials from
//! `"GetIdentity"`, like SigV4).
//!
//! ```
//! use ziggurat_core::body::Body;
//! use ziggurat_core::context::{Context, Region};
//! use ziggurat_core::credentials::Credentials;
//! use ziggurat_core::hook::{HttpRequest, RequestHook};
//! use ziggurat_layers::auth::{AuthScheme, AuthSchemeId, AuthSchemeOptions, Authenticate, Token};
//! use ziggurat_layers::sign::SigV4;
//!
//! let auth = Authenticate::new([
//!     AuthScheme::sigv4(SigV4::new("codecatalyst")),
//!     AuthScheme::bearer(Token::new("my-token", None)),
//!     AuthScheme::anonymous(),
//! ]);
//!
//! // An operation that takes a bearer token, or nothing.
//! let mut ctx = Context::new("CodeCatalyst", "ListSpaces");
//! ctx.set_region(Some(Region::from_static("us-west-2")));
//! ctx.insert(AuthSchemeOptions::new(&[AuthSchemeId::HTTP_BEARER, AuthSchemeId::NO_AUTH]));
//! let (mut parts, ()) = http::Request::get("https://codecatalyst.global.api.aws/v1/spaces")
//!     .body(())?
//!     .into_parts();
//! auth.on_request(&mut HttpRequest::new(&mut parts, &mut Body::empty(), Some(&mut ctx)))?;
//! assert_eq!(parts.headers["authorization"], "Bearer my-token");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll, Waker};
use std::time::SystemTime;

use ziggurat_core::credentials::{
    Credentials, CredentialsCache, ProvideCredentials, SharedCredentialsProvider,
};
use ziggurat_core::error::{BoxError, SdkError};
use ziggurat_core::hook::{HttpRequest, HttpResponse};

mod authenticate;
mod schemes;
#[cfg(test)]
mod tests;
mod token;

pub use authenticate::{AuthSchemeOptions, Authenticate, AuthenticateLayer};
pub use schemes::{AuthScheme, BearerAuth, NoAuth};
pub use token::Token;

/// The id of an auth scheme, as Smithy models name them.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct AuthSchemeId(&'static str);

impl AuthSchemeId {
    /// AWS Signature Version 4.
    pub const SIGV4: AuthSchemeId = AuthSchemeId("aws.auth#sigv4");
    /// AWS Signature Version 4a (ECDSA, multi-region).
    pub const SIGV4A: AuthSchemeId = AuthSchemeId("aws.auth#sigv4a");
    /// An `Authorization: Bearer` token.
    pub const HTTP_BEARER: AuthSchemeId = AuthSchemeId("smithy.api#httpBearerAuth");
    /// No authentication: the request is sent unsigned.
    pub const NO_AUTH: AuthSchemeId = AuthSchemeId("smithy.api#noAuth");

    /// Any other scheme id.
    pub const fn new(id: &'static str) -> Self {
        AuthSchemeId(id)
    }

    /// The id as text.
    pub const fn as_str(&self) -> &'static str {
        self.0
    }
}

impl fmt::Debug for AuthSchemeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

impl fmt::Display for AuthSchemeId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0)
    }
}

/// Who a request is sent as. `Debug` never shows a secret, a session token or a bearer token.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Identity {
    /// AWS credentials (SigV4, SigV4a).
    Credentials(Credentials),
    /// A bearer token.
    Token(Token),
    /// Nobody: the request is not signed.
    Anonymous,
}

impl Identity {
    /// When the identity stops being valid, if it does.
    pub fn expiry(&self) -> Option<SystemTime> {
        match self {
            Identity::Credentials(c) => c.expiry(),
            Identity::Token(t) => t.expiry(),
            Identity::Anonymous => None,
        }
    }

    /// The credentials, for the schemes that sign with them.
    pub fn as_credentials(&self) -> Option<&Credentials> {
        match self {
            Identity::Credentials(c) => Some(c),
            _ => None,
        }
    }

    /// The bearer token.
    pub fn as_token(&self) -> Option<&Token> {
        match self {
            Identity::Token(t) => Some(t),
            _ => None,
        }
    }
}

impl fmt::Debug for Identity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Identity::Credentials(c) => f.debug_tuple("Credentials").field(c).finish(),
            Identity::Token(t) => f.debug_tuple("Token").field(t).finish(),
            Identity::Anonymous => f.write_str("Anonymous"),
        }
    }
}

impl From<Credentials> for Identity {
    fn from(c: Credentials) -> Self {
        Identity::Credentials(c)
    }
}

impl From<Token> for Identity {
    fn from(t: Token) -> Self {
        Identity::Token(t)
    }
}

/// The future of [`ResolveIdentity::resolve_identity`]: ready without allocating for fixed or
/// cached identities, boxed for real resolvers.
pub struct IdentityFuture<'a>(FutureInner<'a>);

type BoxedIdentityFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Identity, BoxError>> + Send + 'a>>;

enum FutureInner<'a> {
    Ready(Option<Result<Identity, BoxError>>),
    Boxed(BoxedIdentityFuture<'a>),
}

impl<'a> IdentityFuture<'a> {
    /// A future that is already complete.
    pub fn ready(result: Result<Identity, BoxError>) -> Self {
        IdentityFuture(FutureInner::Ready(Some(result)))
    }

    /// A future from an async block.
    pub fn new(future: impl Future<Output = Result<Identity, BoxError>> + Send + 'a) -> Self {
        IdentityFuture(FutureInner::Boxed(Box::pin(future)))
    }

    /// The result if the future completes without waiting (polled once), else `None` (the
    /// future is dropped, which cancels it).
    pub fn now_or_never(mut self) -> Option<Result<Identity, BoxError>> {
        match &mut self.0 {
            FutureInner::Ready(r) => r.take(),
            FutureInner::Boxed(f) => {
                match f.as_mut().poll(&mut TaskContext::from_waker(Waker::noop())) {
                    Poll::Ready(r) => Some(r),
                    Poll::Pending => None,
                }
            }
        }
    }
}

impl Future for IdentityFuture<'_> {
    type Output = Result<Identity, BoxError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        match &mut self.0 {
            FutureInner::Ready(r) => Poll::Ready(
                r.take()
                    .unwrap_or_else(|| Err("identity future polled after completion".into())),
            ),
            FutureInner::Boxed(f) => f.as_mut().poll(cx),
        }
    }
}

impl fmt::Debug for IdentityFuture<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            FutureInner::Ready(_) => f.write_str("IdentityFuture::Ready"),
            FutureInner::Boxed(_) => f.write_str("IdentityFuture::Boxed"),
        }
    }
}

/// Resolves the identity a scheme signs with, possibly asynchronously.
pub trait ResolveIdentity: Send + Sync + fmt::Debug + 'static {
    /// Resolves the identity.
    fn resolve_identity(&self) -> IdentityFuture<'_>;
}

fn from_credentials<'a>(
    future: ziggurat_core::credentials::ProvideCredentialsFuture<'a>,
) -> IdentityFuture<'a> {
    IdentityFuture::new(async move {
        future
            .await
            .map(Identity::Credentials)
            .map_err(BoxError::from)
    })
}

impl ResolveIdentity for Credentials {
    fn resolve_identity(&self) -> IdentityFuture<'_> {
        IdentityFuture::ready(Ok(Identity::Credentials(self.clone())))
    }
}

impl ResolveIdentity for SharedCredentialsProvider {
    fn resolve_identity(&self) -> IdentityFuture<'_> {
        from_credentials(self.provide_credentials())
    }
}

impl ResolveIdentity for CredentialsCache {
    fn resolve_identity(&self) -> IdentityFuture<'_> {
        from_credentials(self.provide_credentials())
    }
}

/// The identity of [`AuthSchemeId::NO_AUTH`]: nobody.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Anonymous;

impl ResolveIdentity for Anonymous {
    fn resolve_identity(&self) -> IdentityFuture<'_> {
        IdentityFuture::ready(Ok(Identity::Anonymous))
    }
}

/// Signs a request with an identity: the signer half of an auth scheme.
pub trait Sign: Send + Sync + fmt::Debug + 'static {
    /// Signs `req` as `identity`. An identity of the wrong kind is an error.
    fn sign(&self, req: &mut HttpRequest<'_>, identity: &Identity) -> Result<(), SdkError>;

    /// Sees the response (SigV4 learns clock skew here).
    fn on_response(&self, _res: &mut HttpResponse<'_>) {}
}

/// Shares a signer between schemes.
impl<S: Sign + ?Sized> Sign for Arc<S> {
    fn sign(&self, req: &mut HttpRequest<'_>, identity: &Identity) -> Result<(), SdkError> {
        (**self).sign(req, identity)
    }
    fn on_response(&self, res: &mut HttpResponse<'_>) {
        (**self).on_response(res)
    }
}
