//! AWS credentials and where they come from.
//!
//! [`Credentials`] never shows its secret key or session token in `Debug` output, so they cannot
//! leak into logs by accident. A [`ProvideCredentials`] implementation resolves credentials
//! asynchronously; static credentials resolve without allocating (the future is an enum, not a
//! box), which keeps the signing path cheap. [`CredentialsCache`] sits in front of a provider of
//! temporary credentials: it serves them from memory and refreshes them once, ahead of expiry.
//!
//! ```
//! use ziggurat_core::credentials::Credentials;
//!
//! let creds = Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None);
//! let shown = format!("{creds:?}");
//! assert!(shown.contains("AKIDEXAMPLE"));
//! assert!(!shown.contains("wJalr"));
//! ```
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::SystemTime;

use crate::error::BoxError;

pub mod cache;

pub use cache::CredentialsCache;

/// An access key id, a secret access key, and optionally a session token.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials(Arc<Inner>);

#[derive(PartialEq, Eq)]
struct Inner {
    access_key_id: String,
    secret_access_key: String,
    session_token: Option<String>,
    expiry: Option<SystemTime>,
    account_id: Option<String>,
}

impl Credentials {
    /// Credentials from their parts.
    pub fn new(
        access_key_id: impl Into<String>,
        secret_access_key: impl Into<String>,
        session_token: Option<String>,
    ) -> Self {
        Credentials(Arc::new(Inner {
            access_key_id: access_key_id.into(),
            secret_access_key: secret_access_key.into(),
            session_token,
            expiry: None,
            account_id: None,
        }))
    }
    /// The same credentials, expiring at `expiry`.
    pub fn with_expiry(self, expiry: Option<SystemTime>) -> Self {
        let mut inner = self.into_inner();
        inner.expiry = expiry;
        Credentials(Arc::new(inner))
    }
    /// The same credentials, for the given account.
    pub fn with_account_id(self, account_id: Option<String>) -> Self {
        let mut inner = self.into_inner();
        inner.account_id = account_id;
        Credentials(Arc::new(inner))
    }
    fn into_inner(self) -> Inner {
        Arc::try_unwrap(self.0).unwrap_or_else(|a| Inner {
            access_key_id: a.access_key_id.clone(),
            secret_access_key: a.secret_access_key.clone(),
            session_token: a.session_token.clone(),
            expiry: a.expiry,
            account_id: a.account_id.clone(),
        })
    }
    /// The access key id.
    pub fn access_key_id(&self) -> &str {
        &self.0.access_key_id
    }
    /// The secret access key.
    pub fn secret_access_key(&self) -> &str {
        &self.0.secret_access_key
    }
    /// The session token, for temporary credentials.
    pub fn session_token(&self) -> Option<&str> {
        self.0.session_token.as_deref()
    }
    /// When the credentials expire, if they do.
    pub fn expiry(&self) -> Option<SystemTime> {
        self.0.expiry
    }
    /// The account the credentials belong to, when known.
    pub fn account_id(&self) -> Option<&str> {
        self.0.account_id.as_deref()
    }

    /// Credentials from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`.
    pub fn from_env() -> Result<Self, CredentialsError> {
        Self::from_env_with(|k| std::env::var(k).ok())
    }

    /// Like [`Credentials::from_env`], reading variables through `var`.
    pub fn from_env_with(var: impl Fn(&str) -> Option<String>) -> Result<Self, CredentialsError> {
        let non_empty = |k: &str| var(k).filter(|v| !v.trim().is_empty());
        let Some(id) = non_empty("AWS_ACCESS_KEY_ID") else {
            return Err(CredentialsError::not_loaded(
                "AWS_ACCESS_KEY_ID is not set in the environment",
            ));
        };
        let Some(secret) = non_empty("AWS_SECRET_ACCESS_KEY") else {
            return Err(CredentialsError::not_loaded(
                "AWS_SECRET_ACCESS_KEY is not set in the environment",
            ));
        };
        Ok(Credentials::new(
            id.trim(),
            secret.trim(),
            non_empty("AWS_SESSION_TOKEN").map(|t| t.trim().to_owned()),
        ))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.0.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.0.session_token.as_ref().map(|_| "** redacted **"),
            )
            .field("expiry", &self.0.expiry)
            .field("account_id", &self.0.account_id)
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "credentials for access key {}", self.0.access_key_id)
    }
}

/// Why credentials could not be provided.
#[derive(Debug)]
#[non_exhaustive]
pub struct CredentialsError {
    message: String,
    not_loaded: bool,
    source: Option<BoxError>,
}

impl CredentialsError {
    /// The provider has no credentials to offer (so a chain may try the next one).
    pub fn not_loaded(message: impl Into<String>) -> Self {
        CredentialsError {
            message: message.into(),
            not_loaded: true,
            source: None,
        }
    }
    /// The provider failed.
    pub fn provider_error(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        CredentialsError {
            message: message.into(),
            not_loaded: false,
            source: Some(source.into()),
        }
    }
    /// The provider failed, for a reason `message` says in full.
    pub fn provider_failed(message: impl Into<String>) -> Self {
        CredentialsError {
            message: message.into(),
            not_loaded: false,
            source: None,
        }
    }
    /// Whether the provider had nothing to offer ([`not_loaded`](Self::not_loaded)), so a
    /// chain tries the next one; `false` when it applied and failed.
    pub fn is_not_loaded(&self) -> bool {
        self.not_loaded
    }
}

impl fmt::Display for CredentialsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CredentialsError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e.as_ref() as &(dyn std::error::Error + 'static))
    }
}

/// The future of [`ProvideCredentials::provide_credentials`]: ready without allocating for
/// static credentials, boxed for real providers.
pub struct ProvideCredentialsFuture<'a>(FutureInner<'a>);

enum FutureInner<'a> {
    Ready(Option<Result<Credentials, CredentialsError>>),
    Boxed(Pin<Box<dyn Future<Output = Result<Credentials, CredentialsError>> + Send + 'a>>),
}

impl<'a> ProvideCredentialsFuture<'a> {
    /// A future that is already complete.
    pub fn ready(result: Result<Credentials, CredentialsError>) -> Self {
        ProvideCredentialsFuture(FutureInner::Ready(Some(result)))
    }
    /// A future from an async block.
    pub fn new(
        future: impl Future<Output = Result<Credentials, CredentialsError>> + Send + 'a,
    ) -> Self {
        ProvideCredentialsFuture(FutureInner::Boxed(Box::pin(future)))
    }
}

impl Future for ProvideCredentialsFuture<'_> {
    type Output = Result<Credentials, CredentialsError>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.0 {
            FutureInner::Ready(r) => match r.take() {
                Some(r) => Poll::Ready(r),
                None => Poll::Ready(Err(CredentialsError::not_loaded(
                    "credentials future polled after completion",
                ))),
            },
            FutureInner::Boxed(f) => f.as_mut().poll(cx),
        }
    }
}

/// Resolves credentials, possibly asynchronously.
pub trait ProvideCredentials: Send + Sync + fmt::Debug + 'static {
    /// Resolves credentials.
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_>;
}

impl ProvideCredentials for Credentials {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        ProvideCredentialsFuture::ready(Ok(self.clone()))
    }
}

/// A shareable credentials provider.
#[derive(Clone, Debug)]
pub struct SharedCredentialsProvider(Arc<dyn ProvideCredentials>);

impl SharedCredentialsProvider {
    /// Wraps a provider.
    pub fn new(provider: impl ProvideCredentials) -> Self {
        SharedCredentialsProvider(Arc::new(provider))
    }
}

impl ProvideCredentials for SharedCredentialsProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        self.0.provide_credentials()
    }
}

impl From<Credentials> for SharedCredentialsProvider {
    fn from(c: Credentials) -> Self {
        SharedCredentialsProvider::new(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_and_display_hide_secret_and_token() {
        let c = Credentials::new("AKID", "very-secret-key", Some("session-tok".into()));
        for shown in [format!("{c:?}"), format!("{c:#?}"), c.to_string()] {
            assert!(!shown.contains("very-secret-key"), "{shown}");
            assert!(!shown.contains("session-tok"), "{shown}");
            assert!(shown.contains("AKID"));
        }
    }

    #[test]
    fn display_names_the_access_key_only() {
        let c = Credentials::new(
            "AKIDDISPLAY",
            "wJalrXUtnFEMI/K7MDENG",
            Some("FwoGZXIvYXdzE".into()),
        )
        .with_expiry(Some(std::time::UNIX_EPOCH))
        .with_account_id(Some("123456789012".into()));
        let shown = c.to_string();
        assert_eq!(shown, "credentials for access key AKIDDISPLAY");
        for shown in [shown, format!("{c:>60}"), format!("{c:#?}")] {
            assert!(!shown.contains("wJalr"), "{shown}");
            assert!(!shown.contains("FwoGZ"), "{shown}");
        }
        // Debug says that a token exists without showing it.
        assert!(format!("{c:?}").contains("session_token: Some(\"** redacted **\")"));
    }

    #[test]
    fn env_requires_both_keys() {
        let env = |k: &str| match k {
            "AWS_ACCESS_KEY_ID" => Some("AK".to_owned()),
            _ => None,
        };
        let err = Credentials::from_env_with(env).unwrap_err();
        assert!(err.to_string().contains("AWS_SECRET_ACCESS_KEY"));
        let env = |k: &str| match k {
            "AWS_ACCESS_KEY_ID" => Some("AK".to_owned()),
            "AWS_SECRET_ACCESS_KEY" => Some("SK".to_owned()),
            "AWS_SESSION_TOKEN" => Some(" ".to_owned()),
            _ => None,
        };
        let c = Credentials::from_env_with(env).unwrap();
        assert_eq!(c.secret_access_key(), "SK");
        assert_eq!(c.session_token(), None);
    }

    #[tokio::test]
    async fn static_credentials_resolve() {
        let p = SharedCredentialsProvider::new(Credentials::new("A", "S", None));
        assert_eq!(p.provide_credentials().await.unwrap().access_key_id(), "A");
    }
}
