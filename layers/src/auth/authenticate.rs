//! The hook that picks an auth scheme per operation and signs with it.
use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use ziggurat_core::context::Context;
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::{HookLayer, HttpRequest, HttpResponse, RequestHook};

use super::{AuthScheme, AuthSchemeId, Identity};

/// The auth schemes an operation supports, in order of preference.
///
/// An operation's serializer puts it in the [`Context`]; without it, [`Authenticate`] uses
/// what it was configured with for the operation, else every scheme it has, in order.
///
/// ```
/// use ziggurat_core::context::Context;
/// use ziggurat_layers::auth::{AuthSchemeId, AuthSchemeOptions};
///
/// let mut ctx = Context::new("STS", "AssumeRoleWithWebIdentity");
/// ctx.insert(AuthSchemeOptions::new(&[AuthSchemeId::NO_AUTH]));
/// assert_eq!(ctx.get::<AuthSchemeOptions>().unwrap().ids(), &[AuthSchemeId::NO_AUTH]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthSchemeOptions(Cow<'static, [AuthSchemeId]>);

impl AuthSchemeOptions {
    /// Options from a static list (no allocation).
    pub const fn new(ids: &'static [AuthSchemeId]) -> Self {
        AuthSchemeOptions(Cow::Borrowed(ids))
    }

    /// Options from a list built at run time.
    pub fn from_vec(ids: Vec<AuthSchemeId>) -> Self {
        AuthSchemeOptions(Cow::Owned(ids))
    }

    /// The scheme ids, most preferred first.
    pub fn ids(&self) -> &[AuthSchemeId] {
        &self.0
    }
}

/// The hook: chooses the auth scheme of the operation and signs with it. It takes the place of
/// `"Signing"` in the Finalize step, after `"GetIdentity"`.
///
/// The choice, on every attempt: the operation's [`AuthSchemeOptions`] (from the context, else
/// from [`with_operation`](Self::with_operation), else every configured scheme in order); the
/// first of those that is configured here and has an identity wins. A scheme without its own
/// resolver has an identity when `"GetIdentity"` resolved credentials; one with a resolver
/// always has one (a failing resolver fails the attempt). With no usable scheme the attempt
/// fails before anything is sent, naming the schemes it tried. Choosing allocates nothing.
#[derive(Clone)]
pub struct Authenticate {
    schemes: Arc<[AuthScheme]>,
    operations: Arc<[(&'static str, AuthSchemeOptions)]>,
}

/// [`Authenticate`] as a standalone tower layer (schemes need their own resolvers there, as
/// there is no `"GetIdentity"`).
pub type AuthenticateLayer = HookLayer<Authenticate>;

impl Authenticate {
    /// A hook with these schemes. When two have the same id, the first is used.
    pub fn new(schemes: impl IntoIterator<Item = AuthScheme>) -> Self {
        Authenticate {
            schemes: schemes.into_iter().collect(),
            operations: Arc::from([]),
        }
    }

    /// Declares the schemes of one operation (by name), for services whose operations
    /// differ (the Go SDK's per-service auth scheme resolver). Options in the context win.
    pub fn with_operation(mut self, operation: &'static str, options: AuthSchemeOptions) -> Self {
        let mut ops: Vec<_> = self
            .operations
            .iter()
            .filter(|(name, _)| *name != operation)
            .cloned()
            .collect();
        ops.push((operation, options));
        self.operations = ops.into();
        self
    }

    /// The configured schemes.
    pub fn schemes(&self) -> &[AuthScheme] {
        &self.schemes
    }

    fn scheme(&self, id: AuthSchemeId) -> Option<&AuthScheme> {
        self.schemes.iter().find(|s| s.id() == id)
    }

    /// The operation's options, when declared (cheap to clone: static lists are borrowed).
    fn declared(&self, ctx: Option<&Context>) -> Option<AuthSchemeOptions> {
        if let Some(options) = ctx.and_then(|c| c.get::<AuthSchemeOptions>()) {
            return Some(options.clone());
        }
        let operation = ctx.map(Context::operation)?;
        self.operations
            .iter()
            .find(|(name, _)| *name == operation)
            .map(|(_, options)| options.clone())
    }

    /// Signs with `scheme` if it has an identity; `Ok(false)` when it has none.
    fn try_scheme(scheme: &AuthScheme, req: &mut HttpRequest<'_>) -> Result<bool, SdkError> {
        match Self::identity(scheme, req.context())? {
            Some(identity) => scheme.signer().sign(req, &identity).map(|()| true),
            None => Ok(false),
        }
    }

    /// The identity `scheme` would sign with: `Ok(None)` when it has none.
    fn identity(scheme: &AuthScheme, ctx: Option<&Context>) -> Result<Option<Identity>, SdkError> {
        let Some(resolver) = scheme.resolver() else {
            return Ok(ctx
                .and_then(Context::identity)
                .cloned()
                .map(Identity::Credentials));
        };
        match resolver.resolve_identity().now_or_never() {
            Some(Ok(identity)) => Ok(Some(identity)),
            Some(Err(e)) => Err(SdkError::construction(format!(
                "resolving the identity for {} failed: {e}",
                scheme.id()
            ))),
            None => Err(SdkError::construction(format!(
                "the identity resolver of {} needs to wait, which the signing hook cannot; \
                 resolve it ahead (a cached or fixed identity) or through \"GetIdentity\"",
                scheme.id()
            ))),
        }
    }
}

impl fmt::Debug for Authenticate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authenticate")
            .field("schemes", &self.schemes)
            .field("operations", &self.operations)
            .finish()
    }
}

impl RequestHook for Authenticate {
    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        let declared = self.declared(req.context());
        match &declared {
            Some(options) => {
                for id in options.ids() {
                    if let Some(scheme) = self.scheme(*id)
                        && Self::try_scheme(scheme, req)?
                    {
                        return Ok(());
                    }
                }
            }
            None => {
                for scheme in self.schemes.iter() {
                    if Self::try_scheme(scheme, req)? {
                        return Ok(());
                    }
                }
            }
        }
        let tried: Vec<&str> = match &declared {
            Some(options) => options.ids().iter().map(AuthSchemeId::as_str).collect(),
            None => self.schemes.iter().map(|s| s.id().as_str()).collect(),
        };
        Err(SdkError::construction(format!(
            "no auth scheme of the operation has an identity (tried {}): configure credentials \
             or a token",
            tried.join(", ")
        )))
    }

    fn on_response(&self, res: &mut HttpResponse<'_>) {
        for scheme in self.schemes.iter() {
            scheme.signer().on_response(res);
        }
    }
}
