//! The auth schemes: SigV4, bearer token, anonymous, and any other (SigV4a).
use std::fmt;
use std::sync::Arc;

use http::HeaderValue;
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::{HttpRequest, HttpResponse};

use super::{Anonymous, AuthSchemeId, Identity, ResolveIdentity, Sign};
use crate::sign::SigV4;

/// One auth scheme: its id, where its identity comes from, and its signer.
///
/// ```
/// use ziggurat_layers::auth::{AuthScheme, AuthSchemeId, Token};
/// use ziggurat_layers::sign::SigV4;
///
/// let sigv4 = AuthScheme::sigv4(SigV4::new("dynamodb"));
/// assert_eq!(sigv4.id(), AuthSchemeId::SIGV4);
/// let bearer = AuthScheme::bearer(Token::new("t", None));
/// assert_eq!(bearer.id(), AuthSchemeId::HTTP_BEARER);
/// assert_eq!(AuthScheme::anonymous().id(), AuthSchemeId::NO_AUTH);
/// ```
#[derive(Clone)]
pub struct AuthScheme {
    id: AuthSchemeId,
    resolver: Option<Arc<dyn ResolveIdentity>>,
    signer: Arc<dyn Sign>,
}

impl AuthScheme {
    /// A scheme from its parts. Without a `resolver`, the scheme signs with the credentials
    /// the stack's `"GetIdentity"` entry resolved for the attempt (how SigV4 and SigV4a get
    /// theirs); with one, it signs with what the resolver returns.
    pub fn new(
        id: AuthSchemeId,
        resolver: Option<Arc<dyn ResolveIdentity>>,
        signer: Arc<dyn Sign>,
    ) -> Self {
        AuthScheme {
            id,
            resolver,
            signer,
        }
    }

    /// SigV4 with the credentials resolved by `"GetIdentity"`.
    pub fn sigv4(signer: SigV4) -> Self {
        AuthScheme::new(AuthSchemeId::SIGV4, None, Arc::new(signer))
    }

    /// SigV4 with credentials from `resolver` (for use outside a stack).
    pub fn sigv4_with(signer: SigV4, resolver: impl ResolveIdentity) -> Self {
        AuthScheme::new(
            AuthSchemeId::SIGV4,
            Some(Arc::new(resolver)),
            Arc::new(signer),
        )
    }

    /// SigV4a with the credentials resolved by `"GetIdentity"`; `signer` must be a
    /// [`SigV4::v4a`] signer.
    pub fn sigv4a(signer: SigV4) -> Self {
        AuthScheme::new(AuthSchemeId::SIGV4A, None, Arc::new(signer))
    }

    /// `Authorization: Bearer <token>`, with the token from `resolver` (a
    /// [`Token`](super::Token), or a resolver that answers without waiting).
    pub fn bearer(resolver: impl ResolveIdentity) -> Self {
        AuthScheme::new(
            AuthSchemeId::HTTP_BEARER,
            Some(Arc::new(resolver)),
            Arc::new(BearerAuth),
        )
    }

    /// No authentication: the request is sent unsigned.
    pub fn anonymous() -> Self {
        AuthScheme::new(
            AuthSchemeId::NO_AUTH,
            Some(Arc::new(Anonymous)),
            Arc::new(NoAuth),
        )
    }

    /// The scheme id.
    pub fn id(&self) -> AuthSchemeId {
        self.id
    }

    /// The scheme's own identity resolver; `None` when it uses the credentials resolved by
    /// `"GetIdentity"`.
    pub fn resolver(&self) -> Option<&Arc<dyn ResolveIdentity>> {
        self.resolver.as_ref()
    }

    /// The signer.
    pub fn signer(&self) -> &Arc<dyn Sign> {
        &self.signer
    }
}

impl fmt::Debug for AuthScheme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthScheme")
            .field("id", &self.id)
            .field("resolver", &self.resolver)
            .field("signer", &self.signer)
            .finish()
    }
}

impl Sign for SigV4 {
    fn sign(&self, req: &mut HttpRequest<'_>, identity: &Identity) -> Result<(), SdkError> {
        match identity {
            Identity::Credentials(c) => self.sign_with(req, c),
            other => Err(wrong_identity("SigV4", "credentials", other)),
        }
    }

    fn on_response(&self, res: &mut HttpResponse<'_>) {
        ziggurat_core::hook::RequestHook::on_response(self, res);
    }
}

fn wrong_identity(scheme: &str, wanted: &str, got: &Identity) -> SdkError {
    let got = match got {
        Identity::Credentials(_) => "credentials",
        Identity::Token(_) => "a bearer token",
        Identity::Anonymous => "no identity",
    };
    SdkError::construction(format!("{scheme} signs with {wanted}, but was given {got}"))
}

/// The signer of [`AuthSchemeId::HTTP_BEARER`]: sets `Authorization: Bearer <token>` (marked
/// sensitive, so it is not logged).
#[derive(Debug, Clone, Copy, Default)]
pub struct BearerAuth;

impl Sign for BearerAuth {
    fn sign(&self, req: &mut HttpRequest<'_>, identity: &Identity) -> Result<(), SdkError> {
        let Identity::Token(token) = identity else {
            return Err(wrong_identity("bearer auth", "a token", identity));
        };
        let mut value = HeaderValue::try_from(format!("Bearer {}", token.as_str()))
            .map_err(|_| SdkError::construction("the bearer token is not a valid header value"))?;
        value.set_sensitive(true);
        req.headers_mut().insert(http::header::AUTHORIZATION, value);
        Ok(())
    }
}

/// The signer of [`AuthSchemeId::NO_AUTH`]: leaves the request as it is.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoAuth;

impl Sign for NoAuth {
    fn sign(&self, _: &mut HttpRequest<'_>, _: &Identity) -> Result<(), SdkError> {
        Ok(())
    }
}
