//! [`AssumeRoleProvider`]: credentials for an IAM role, through STS `AssumeRole`.
//!
//! A profile's `role_arn` (with `source_profile` or `credential_source`) says: take these
//! source credentials and exchange them for the role's temporary credentials. The provider
//! calls STS `AssumeRole`, signed with the source credentials, on every fetch; put a
//! [`CredentialsCache`](ziggurat_core::credentials::CredentialsCache) in front so it only
//! calls again ahead of the credentials' expiry. A chain of roles (role B assumed with role A's
//! credentials) is two providers, one the source of the other.
//!
//! The STS client is built from a base [`SdkConfig`] (region, endpoint settings, HTTP client,
//! retry and timeouts) with the source credentials swapped in, so STS is reached the way the
//! rest of the program reaches AWS.
//!
//! **MFA.** A role whose trust policy requires MFA needs `mfa_serial` and a code. The library
//! never prompts: the program supplies a [`MfaTokenProvider`] (a closure is one), which is
//! called on every refresh, one call at a time, with the device's serial number. Setting a
//! serial without a token provider is an error when the provider is built.
//!
//! The secret key, session token and MFA codes never appear in `Debug`, errors or logs.
//!
//! ```no_run
//! use ziggurat_config::provider::AssumeRoleProvider;
//! use ziggurat_core::config::SdkConfig;
//! use ziggurat_core::context::Region;
//! use ziggurat_core::credentials::{Credentials, CredentialsCache, ProvideCredentials};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let base = SdkConfig::builder().region(Region::from_static("us-east-1")).build();
//! let role = AssumeRoleProvider::builder("arn:aws:iam::123456789012:role/deploy")
//!     .source(Credentials::new("AKID", "secret", None))
//!     .sdk_config(&base)
//!     .session_name("deploy-job")
//!     .mfa_serial("arn:aws:iam::123456789012:mfa/alice")
//!     .mfa_token_provider(|_serial: &str| async { Ok("123456".to_owned()) })
//!     .build()?;
//! let creds = CredentialsCache::new(role).provide_credentials().await?;
//! println!("assumed role in account {:?}", creds.account_id());
//! # Ok(()) }
//! ```
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

use ziggurat_core::config::SdkConfig;
use ziggurat_core::credentials::{
    Credentials, CredentialsError, ProvideCredentials, ProvideCredentialsFuture,
    SharedCredentialsProvider,
};
use ziggurat_core::error::BoxError;

/// The future of an MFA code.
pub type MfaTokenFuture<'a> = Pin<Box<dyn Future<Output = Result<String, BoxError>> + Send + 'a>>;

/// Supplies MFA codes (`TokenCode`) for an MFA device, for example by prompting the user.
///
/// Closures `Fn(&str) -> impl Future<Output = Result<String, BoxError>>` implement it; the
/// argument is the device's serial number (`mfa_serial`).
pub trait MfaTokenProvider: Send + Sync + 'static {
    /// The current code of the MFA device `serial`.
    fn mfa_token<'a>(&'a self, serial: &'a str) -> MfaTokenFuture<'a>;
}

/// A shareable [`MfaTokenProvider`] (what a configuration loader keeps for every role of a
/// chain that needs MFA).
#[derive(Clone)]
pub struct SharedMfaTokenProvider(Arc<dyn MfaTokenProvider>);

impl SharedMfaTokenProvider {
    /// Wraps a provider.
    pub fn new(provider: impl MfaTokenProvider) -> Self {
        SharedMfaTokenProvider(Arc::new(provider))
    }
}

impl std::fmt::Debug for SharedMfaTokenProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedMfaTokenProvider(..)")
    }
}

impl<F, Fut> MfaTokenProvider for F
where
    F: Fn(&str) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<String, BoxError>> + Send + 'static,
{
    fn mfa_token<'a>(&'a self, serial: &'a str) -> MfaTokenFuture<'a> {
        Box::pin(self(serial))
    }
}

struct Mfa {
    serial: String,
    tokens: Arc<dyn MfaTokenProvider>,
    /// One call of the token provider (and of `AssumeRole` with its code) at a time.
    one_at_a_time: tokio::sync::Mutex<()>,
}

/// Assumes an IAM role with source credentials. See the [module documentation](self).
#[derive(Clone)]
pub struct AssumeRoleProvider {
    inner: Arc<Inner>,
}

struct Inner {
    role_arn: String,
    session_name: String,
    external_id: Option<String>,
    duration_seconds: Option<i32>,
    mfa: Option<Mfa>,
    source: SharedCredentialsProvider,
    sts: ziggurat_sts::Client,
}

impl AssumeRoleProvider {
    /// A builder for a provider assuming `role_arn`.
    pub fn builder(role_arn: impl Into<String>) -> AssumeRoleProviderBuilder {
        AssumeRoleProviderBuilder {
            role_arn: role_arn.into(),
            source: None,
            sdk_config: None,
            external_id: None,
            session_name: None,
            duration_seconds: None,
            mfa_serial: None,
            mfa_tokens: None,
        }
    }

    /// The role's ARN.
    pub fn role_arn(&self) -> &str {
        &self.inner.role_arn
    }

    /// The role session name sent to STS.
    pub fn session_name(&self) -> &str {
        &self.inner.session_name
    }

    /// Calls `AssumeRole` once.
    pub async fn credentials(&self) -> Result<Credentials, AssumeRoleError> {
        let inner = &*self.inner;
        let error = |kind| AssumeRoleError {
            role_arn: inner.role_arn.clone(),
            kind,
        };
        let mut call = inner
            .sts
            .assume_role()
            .role_arn(&inner.role_arn)
            .role_session_name(&inner.session_name)
            .set_external_id(inner.external_id.clone())
            .set_duration_seconds(inner.duration_seconds);
        let _guard;
        if let Some(mfa) = &inner.mfa {
            _guard = mfa.one_at_a_time.lock().await;
            let code = mfa
                .tokens
                .mfa_token(&mfa.serial)
                .await
                .map_err(|e| error(ErrorKind::Mfa(e)))?;
            call = call.serial_number(&mfa.serial).token_code(code);
        }
        tracing::debug!(role_arn = %inner.role_arn, session = %inner.session_name, "assuming role");
        let out = call
            .send()
            .await
            .map_err(|e| error(ErrorKind::Sts(Box::new(e))))?;
        let arn = out.assumed_role_user.as_ref().map(|u| u.arn.as_str());
        sts_credentials(out.credentials, arn).map_err(|m| error(ErrorKind::InvalidResponse(m)))
    }
}

/// Credentials from an STS response, with the account id from the assumed role's ARN.
pub(crate) fn sts_credentials(
    creds: Option<ziggurat_sts::types::Credentials>,
    assumed_role_arn: Option<&str>,
) -> Result<Credentials, String> {
    let creds = creds.ok_or_else(|| "the response has no credentials".to_owned())?;
    if creds.access_key_id.is_empty() || creds.secret_access_key.is_empty() {
        return Err("the response has empty credentials".to_owned());
    }
    let token = Some(creds.session_token).filter(|t| !t.is_empty());
    Ok(
        Credentials::new(creds.access_key_id, creds.secret_access_key, token)
            .with_expiry(Some(creds.expiration.to_system_time()))
            .with_account_id(assumed_role_arn.and_then(account_id_from_arn)),
    )
}

/// The account id of an ARN (`arn:aws:sts::123456789012:assumed-role/r/s`), if it has one.
pub(crate) fn account_id_from_arn(arn: &str) -> Option<String> {
    let mut parts = arn.splitn(6, ':');
    if parts.next() != Some("arn") {
        return None;
    }
    let account = parts.nth(3)?;
    (!account.is_empty() && account.bytes().all(|b| b.is_ascii_digit())).then(|| account.to_owned())
}

/// The default session name: `ziggurat-<milliseconds since the epoch>`.
pub(crate) fn default_session_name() -> String {
    let millis = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    format!("ziggurat-{millis}")
}

impl fmt::Debug for AssumeRoleProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("AssumeRoleProvider")
            .field("role_arn", &inner.role_arn)
            .field("session_name", &inner.session_name)
            .field("external_id", &inner.external_id)
            .field("duration_seconds", &inner.duration_seconds)
            .field("mfa_serial", &inner.mfa.as_ref().map(|m| &m.serial))
            .field("source", &inner.source)
            .finish_non_exhaustive()
    }
}

impl ProvideCredentials for AssumeRoleProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        ProvideCredentialsFuture::new(async {
            self.credentials().await.map_err(|e| {
                let message = e.to_string();
                CredentialsError::provider_error(message, e)
            })
        })
    }
}

/// Builds an [`AssumeRoleProvider`].
pub struct AssumeRoleProviderBuilder {
    role_arn: String,
    source: Option<SharedCredentialsProvider>,
    sdk_config: Option<SdkConfig>,
    external_id: Option<String>,
    session_name: Option<String>,
    duration_seconds: Option<i32>,
    mfa_serial: Option<String>,
    mfa_tokens: Option<Arc<dyn MfaTokenProvider>>,
}

impl AssumeRoleProviderBuilder {
    /// The credentials `AssumeRole` is signed with (static credentials or another provider,
    /// another `AssumeRoleProvider` for a chain). Without it, the base configuration's
    /// credentials are used.
    pub fn source(mut self, provider: impl Into<SharedCredentialsProvider>) -> Self {
        self.source = Some(provider.into());
        self
    }

    /// The configuration the STS client is built from: region, endpoint settings, HTTP client,
    /// retries and timeouts. Its credentials are replaced by the source. Without it, the
    /// default `SdkConfig` (no region) is used.
    pub fn sdk_config(mut self, config: &SdkConfig) -> Self {
        self.sdk_config = Some(config.clone());
        self
    }

    /// The external id the role's trust policy asks for (`external_id`).
    pub fn external_id(mut self, id: impl Into<String>) -> Self {
        self.external_id = Some(id.into());
        self
    }

    /// The role session name (`role_session_name`); `ziggurat-<milliseconds>` by default.
    pub fn session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into());
        self
    }

    /// How long the credentials last (`duration_seconds`); STS defaults to one hour.
    pub fn duration_seconds(mut self, seconds: u32) -> Self {
        self.duration_seconds = Some(i32::try_from(seconds).unwrap_or(i32::MAX));
        self
    }

    /// The serial number (or ARN) of the MFA device (`mfa_serial`); needs
    /// [`mfa_token_provider`](Self::mfa_token_provider).
    pub fn mfa_serial(mut self, serial: impl Into<String>) -> Self {
        self.mfa_serial = Some(serial.into());
        self
    }

    /// What supplies the MFA codes, called on every refresh, one call at a time.
    pub fn mfa_token_provider(mut self, tokens: impl MfaTokenProvider) -> Self {
        self.mfa_tokens = Some(Arc::new(tokens));
        self
    }

    /// [`mfa_token_provider`](Self::mfa_token_provider), sharing one provider between roles.
    pub fn shared_mfa_token_provider(mut self, tokens: SharedMfaTokenProvider) -> Self {
        self.mfa_tokens = Some(tokens.0);
        self
    }

    /// The provider; fails without source credentials, or with an MFA serial but no token
    /// provider.
    pub fn build(self) -> Result<AssumeRoleProvider, AssumeRoleBuildError> {
        let base = self.sdk_config.unwrap_or_default();
        let source = self
            .source
            .or_else(|| base.credentials().cloned())
            .ok_or(AssumeRoleBuildError::NoSource)?;
        let mfa = match (self.mfa_serial, self.mfa_tokens) {
            (Some(serial), Some(tokens)) => Some(Mfa {
                serial,
                tokens,
                one_at_a_time: tokio::sync::Mutex::new(()),
            }),
            (Some(_), None) => return Err(AssumeRoleBuildError::MfaWithoutTokenProvider),
            (None, _) => None,
        };
        let config = base.to_builder().credentials(source.clone()).build();
        Ok(AssumeRoleProvider {
            inner: Arc::new(Inner {
                role_arn: self.role_arn,
                session_name: self.session_name.unwrap_or_else(default_session_name),
                external_id: self.external_id,
                duration_seconds: self.duration_seconds,
                mfa,
                source,
                sts: ziggurat_sts::Client::new(&config),
            }),
        })
    }
}

impl fmt::Debug for AssumeRoleProviderBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AssumeRoleProviderBuilder")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field("mfa_serial", &self.mfa_serial)
            .finish_non_exhaustive()
    }
}

/// Why an [`AssumeRoleProvider`] could not be built.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AssumeRoleBuildError {
    /// Neither a source nor base configuration credentials were given.
    NoSource,
    /// An MFA serial was set but nothing supplies the codes.
    MfaWithoutTokenProvider,
}

impl fmt::Display for AssumeRoleBuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssumeRoleBuildError::NoSource => {
                f.write_str("assume role: no source credentials to call STS with")
            }
            AssumeRoleBuildError::MfaWithoutTokenProvider => f.write_str(
                "assume role: `mfa_serial` is set but no MFA token provider supplies the codes",
            ),
        }
    }
}

impl std::error::Error for AssumeRoleBuildError {}

/// Why `AssumeRole` gave no credentials.
#[derive(Debug)]
#[non_exhaustive]
pub struct AssumeRoleError {
    role_arn: String,
    kind: ErrorKind,
}

#[derive(Debug)]
enum ErrorKind {
    Mfa(BoxError),
    Sts(BoxError),
    InvalidResponse(String),
}

impl AssumeRoleError {
    /// The MFA token provider failed.
    pub fn is_mfa(&self) -> bool {
        matches!(self.kind, ErrorKind::Mfa(_))
    }
    /// The role that could not be assumed.
    pub fn role_arn(&self) -> &str {
        &self.role_arn
    }
}

impl fmt::Display for AssumeRoleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let role = &self.role_arn;
        match &self.kind {
            ErrorKind::Mfa(e) => write!(f, "assume role `{role}`: no MFA code: {e}"),
            ErrorKind::Sts(e) => write!(f, "assume role `{role}`: STS AssumeRole failed: {e}"),
            ErrorKind::InvalidResponse(m) => {
                write!(f, "assume role `{role}`: invalid STS response: {m}")
            }
        }
    }
}

impl std::error::Error for AssumeRoleError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Mfa(e) | ErrorKind::Sts(e) => Some(&**e),
            ErrorKind::InvalidResponse(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_id_comes_from_the_arn() {
        assert_eq!(
            account_id_from_arn("arn:aws:sts::123456789012:assumed-role/r/s").as_deref(),
            Some("123456789012")
        );
        assert_eq!(account_id_from_arn("arn:aws:sts::"), None);
        assert_eq!(account_id_from_arn("garbage"), None);
    }

    #[test]
    fn mfa_serial_needs_a_token_provider() {
        let err = AssumeRoleProvider::builder("arn:aws:iam::123456789012:role/r")
            .source(Credentials::new("AKID", "secret", None))
            .mfa_serial("serial")
            .build()
            .unwrap_err();
        assert_eq!(err, AssumeRoleBuildError::MfaWithoutTokenProvider);
    }

    #[test]
    fn debug_shows_no_secrets() {
        let p = AssumeRoleProvider::builder("arn:aws:iam::123456789012:role/r")
            .source(Credentials::new(
                "AKID",
                "very-secret",
                Some("token-secret".into()),
            ))
            .external_id("ext")
            .mfa_serial("serial")
            .mfa_token_provider(|_: &str| async { Ok("654321".to_owned()) })
            .build()
            .unwrap();
        let shown = format!("{p:?}");
        assert!(shown.contains("role/r"), "{shown}");
        assert!(
            !shown.contains("very-secret") && !shown.contains("token-secret"),
            "{shown}"
        );
        assert!(p.session_name().starts_with("ziggurat-"));
    }
}
