//! Bearer tokens.
use std::fmt;
use std::sync::Arc;
use std::time::SystemTime;

use super::{Identity, IdentityFuture, ResolveIdentity};

/// A bearer token, and when it expires. `Debug` and `Display` never show the token.
///
/// ```
/// use ziggurat_layers::auth::Token;
///
/// let token = Token::new("aoa-secret-token", None);
/// assert_eq!(token.as_str(), "aoa-secret-token");
/// assert!(!format!("{token:?} {token}").contains("secret"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Token(Arc<Inner>);

#[derive(PartialEq, Eq)]
struct Inner {
    token: String,
    expiry: Option<SystemTime>,
}

impl Token {
    /// A token, expiring at `expiry` if it does.
    pub fn new(token: impl Into<String>, expiry: Option<SystemTime>) -> Self {
        Token(Arc::new(Inner {
            token: token.into(),
            expiry,
        }))
    }

    /// The token.
    pub fn as_str(&self) -> &str {
        &self.0.token
    }

    /// When it expires, if it does.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.0.expiry
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("token", &"** redacted **")
            .field("expiry", &self.0.expiry)
            .finish()
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("bearer token")
    }
}

impl ResolveIdentity for Token {
    fn resolve_identity(&self) -> IdentityFuture<'_> {
        IdentityFuture::ready(Ok(Identity::Token(self.clone())))
    }
}
