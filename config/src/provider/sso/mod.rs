//! IAM Identity Center (SSO): [`SsoCredentialsProvider`] and [`SsoTokenProvider`].
//!
//! `aws sso login` signs the user in through a browser and caches an access token in
//! `~/.aws/sso/cache/<hex sha1>.json`: the SHA-1 of the `sso_session` name for profiles that
//! use an `[sso-session]` section, of the start URL for legacy profiles. These providers read
//! that cache (through [`Fs`], with `HOME` from [`Env`]) and never sign anyone in themselves.
//!
//! * [`SsoTokenProvider`] gives the bearer token. When it has expired, or expires within five
//!   minutes, and the cache holds a registration to refresh it with (session profiles do),
//!   it calls SSO-OIDC `CreateToken` with the refresh token and writes the new token back to
//!   the cache, keeping the file's other fields, as the CLI does. A token that expired and
//!   cannot be refreshed is an error asking to run `aws sso login`.
//! * [`SsoCredentialsProvider`] exchanges that token for a role's credentials with SSO
//!   `GetRoleCredentials` (account id and role name from the profile's `sso_account_id` and
//!   `sso_role_name`).
//!
//! Both SSO calls are unsigned (the bearer token is the proof). The access, refresh and
//! client secrets never appear in `Debug`, errors or logs.
//!
//! ```no_run
//! use ziggurat_config::provider::SsoCredentialsProvider;
//! use ziggurat_config::{Env, Fs};
//! use ziggurat_core::credentials::{CredentialsCache, ProvideCredentials};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let provider = SsoCredentialsProvider::builder()
//!     .start_url("https://my-company.awsapps.com/start")
//!     .sso_region("eu-west-1")
//!     .session_name("my-sso")
//!     .account_id("123456789012")
//!     .role_name("ReadOnly")
//!     .env(Env::real())
//!     .fs(Fs::real())
//!     .build()?;
//! let creds = CredentialsCache::new(provider).provide_credentials().await?;
//! println!("{}", creds.access_key_id());
//! # Ok(()) }
//! ```
mod cache;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use ziggurat_core::config::SdkConfig;
use ziggurat_core::context::Region;
use ziggurat_core::credentials::{
    Credentials, CredentialsError, ProvideCredentials, ProvideCredentialsFuture,
};
use ziggurat_core::error::BoxError;

use cache::{CachedToken, cache_path};

use crate::{Env, Fs};

/// How close to its expiry a cached token is refreshed.
pub const REFRESH_WINDOW: Duration = Duration::from_secs(5 * 60);

/// An SSO bearer token. `Debug` never shows it.
#[derive(Clone)]
pub struct SsoToken {
    access_token: String,
    expiry: SystemTime,
}

impl SsoToken {
    /// The token, for an `Authorization: Bearer` header or SSO's `x-amz-sso_bearer_token`.
    pub fn as_str(&self) -> &str {
        &self.access_token
    }
    /// When the token expires.
    pub fn expiry(&self) -> SystemTime {
        self.expiry
    }
}

impl fmt::Debug for SsoToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoToken")
            .field("access_token", &"** redacted **")
            .field("expiry", &self.expiry)
            .finish()
    }
}

/// Reads (and refreshes) the cached SSO token. See the [module documentation](self).
#[derive(Clone)]
pub struct SsoTokenProvider {
    inner: Arc<TokenInner>,
}

struct TokenInner {
    start_url: String,
    session_name: Option<String>,
    sso_region: String,
    env: Env,
    fs: Fs,
    base: SdkConfig,
    /// One read-refresh-write of the cache at a time.
    refreshing: tokio::sync::Mutex<()>,
}

impl SsoTokenProvider {
    /// A builder; `start_url` and `sso_region` are required.
    pub fn builder() -> SsoTokenProviderBuilder {
        SsoTokenProviderBuilder::default()
    }

    /// The cache file the token is read from.
    pub fn cache_file(&self) -> Result<PathBuf, SsoError> {
        let inner = &*self.inner;
        let home = inner
            .env
            .get_non_empty("HOME")
            .or_else(|| inner.env.get_non_empty("USERPROFILE"))
            .ok_or_else(|| self.error(ErrorKind::NoHome))?;
        Ok(cache_path(home.as_ref(), self.cache_key()))
    }

    fn cache_key(&self) -> &str {
        self.inner
            .session_name
            .as_deref()
            .unwrap_or(&self.inner.start_url)
    }

    fn error(&self, kind: ErrorKind) -> SsoError {
        SsoError {
            session: self.inner.session_name.clone(),
            start_url: self.inner.start_url.clone(),
            kind,
        }
    }

    /// The current token: from the cache, refreshed first when it is about to expire.
    pub async fn token(&self) -> Result<SsoToken, SsoError> {
        let inner = &*self.inner;
        let path = self.cache_file()?;
        let _one_at_a_time = inner.refreshing.lock().await;
        let contents = inner.fs.read(&path).map_err(|e| {
            self.error(if e.kind() == std::io::ErrorKind::NotFound {
                ErrorKind::NoCache(path.clone())
            } else {
                ErrorKind::ReadCache(path.clone(), e)
            })
        })?;
        let mut cached = CachedToken::parse(&contents)
            .map_err(|m| self.error(ErrorKind::InvalidCache(path.clone(), m)))?;
        let now = inner.base.time_source().now();
        let expired = cached.expires_at <= now;
        let due = cached.expires_at <= now + REFRESH_WINDOW;
        if due {
            match self.refreshable(&cached, now) {
                Some(refresh) => match self.refresh(&mut cached, refresh, now).await {
                    Ok(()) => {
                        if let Err(e) = inner.fs.write(&path, cached.to_json()) {
                            tracing::warn!(path = %path.display(), error = %e, "could not write the refreshed SSO token to its cache");
                        }
                    }
                    Err(e) if expired => return Err(e),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not refresh the SSO token; using the cached one until it expires");
                    }
                },
                None if expired => return Err(self.error(ErrorKind::Expired(path))),
                None => {}
            }
        }
        Ok(SsoToken {
            access_token: cached.access_token,
            expiry: cached.expires_at,
        })
    }

    /// The refresh token, client id and secret, if the token can be refreshed.
    fn refreshable(&self, cached: &CachedToken, now: SystemTime) -> Option<Refresh> {
        self.inner.session_name.as_ref()?;
        if cached.registration_expires_at.is_some_and(|t| t <= now) {
            return None;
        }
        Some(Refresh {
            refresh_token: cached.refresh_token.clone()?,
            client_id: cached.client_id.clone()?,
            client_secret: cached.client_secret.clone()?,
        })
    }

    async fn refresh(
        &self,
        cached: &mut CachedToken,
        refresh: Refresh,
        now: SystemTime,
    ) -> Result<(), SsoError> {
        let inner = &*self.inner;
        let region = cached.region.as_deref().unwrap_or(&inner.sso_region);
        let config = regional(&inner.base, region);
        let oidc = ziggurat_ssooidc::Client::from_conf(unsigned(&config));
        tracing::debug!(session = ?inner.session_name, "refreshing the SSO token");
        let out = oidc
            .create_token()
            .client_id(refresh.client_id)
            .client_secret(refresh.client_secret)
            .grant_type("refresh_token")
            .refresh_token(refresh.refresh_token)
            .send()
            .await
            .map_err(|e| self.error(ErrorKind::Refresh(Box::new(e))))?;
        let access_token = out
            .access_token
            .filter(|t| !t.is_empty())
            .ok_or_else(|| self.error(ErrorKind::InvalidResponse("no `accessToken`".into())))?;
        let expires_in = out
            .expires_in
            .and_then(|s| u64::try_from(s).ok())
            .ok_or_else(|| self.error(ErrorKind::InvalidResponse("no `expiresIn`".into())))?;
        cached.refreshed(
            access_token,
            now + Duration::from_secs(expires_in),
            out.refresh_token.filter(|t| !t.is_empty()),
        );
        Ok(())
    }
}

struct Refresh {
    refresh_token: String,
    client_id: String,
    client_secret: String,
}

fn regional(base: &SdkConfig, region: &str) -> SdkConfig {
    base.to_builder()
        .region(Region::new(region.to_owned()))
        .build()
}

fn unsigned(config: &SdkConfig) -> ziggurat_ssooidc::Config {
    super::unsigned_config(config)
}

impl fmt::Debug for SsoTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = &*self.inner;
        f.debug_struct("SsoTokenProvider")
            .field("start_url", &inner.start_url)
            .field("session_name", &inner.session_name)
            .field("sso_region", &inner.sso_region)
            .field("env", &inner.env)
            .field("fs", &inner.fs)
            .finish_non_exhaustive()
    }
}

/// Builds an [`SsoTokenProvider`].
#[derive(Debug, Default)]
pub struct SsoTokenProviderBuilder {
    start_url: Option<String>,
    session_name: Option<String>,
    sso_region: Option<String>,
    env: Option<Env>,
    fs: Option<Fs>,
    sdk_config: Option<SdkConfig>,
}

impl SsoTokenProviderBuilder {
    /// The SSO start URL (`sso_start_url`); required.
    pub fn start_url(mut self, url: impl Into<String>) -> Self {
        self.start_url = Some(url.into());
        self
    }
    /// The `sso_session` name, for profiles with an `[sso-session]` section: the cache is
    /// keyed by it, and the token can be refreshed.
    pub fn session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into());
        self
    }
    /// The region of the SSO portal and SSO-OIDC (`sso_region`); required.
    pub fn sso_region(mut self, region: impl Into<String>) -> Self {
        self.sso_region = Some(region.into());
        self
    }
    /// Where `HOME` is read (the process environment by default).
    pub fn env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }
    /// Where the cache is read and written (the real file system by default).
    pub fn fs(mut self, fs: Fs) -> Self {
        self.fs = Some(fs);
        self
    }
    /// The configuration the SSO clients are built from (endpoints, HTTP client, retries,
    /// time source); its region is replaced by the SSO region and its credentials unused.
    pub fn sdk_config(mut self, config: &SdkConfig) -> Self {
        self.sdk_config = Some(config.clone());
        self
    }
    /// The provider; fails without a start URL or SSO region.
    pub fn build(self) -> Result<SsoTokenProvider, SsoError> {
        let missing = |setting| SsoError {
            session: self.session_name.clone(),
            start_url: self.start_url.clone().unwrap_or_default(),
            kind: ErrorKind::Missing(setting),
        };
        let start_url = self
            .start_url
            .clone()
            .ok_or_else(|| missing("sso_start_url"))?;
        let sso_region = self
            .sso_region
            .clone()
            .ok_or_else(|| missing("sso_region"))?;
        Ok(SsoTokenProvider {
            inner: Arc::new(TokenInner {
                start_url,
                session_name: self.session_name,
                sso_region,
                env: self.env.unwrap_or_default(),
                fs: self.fs.unwrap_or_default(),
                base: self.sdk_config.unwrap_or_default(),
                refreshing: tokio::sync::Mutex::new(()),
            }),
        })
    }
}

/// Credentials for an account's role, from IAM Identity Center. See the
/// [module documentation](self).
#[derive(Clone)]
pub struct SsoCredentialsProvider {
    token: SsoTokenProvider,
    account_id: String,
    role_name: String,
    sso: ziggurat_sso::Client,
}

impl SsoCredentialsProvider {
    /// A builder; start URL, SSO region, account id and role name are required.
    pub fn builder() -> SsoCredentialsProviderBuilder {
        SsoCredentialsProviderBuilder::default()
    }

    /// The token provider the credentials are fetched with.
    pub fn token_provider(&self) -> &SsoTokenProvider {
        &self.token
    }

    /// Reads the token and calls `GetRoleCredentials` once.
    pub async fn credentials(&self) -> Result<Credentials, SsoError> {
        let token = self.token.token().await?;
        tracing::debug!(account_id = %self.account_id, role_name = %self.role_name, "fetching SSO role credentials");
        let out = self
            .sso
            .get_role_credentials()
            .account_id(&self.account_id)
            .role_name(&self.role_name)
            .access_token(token.as_str())
            .send()
            .await
            .map_err(|e| self.token.error(ErrorKind::GetRoleCredentials(Box::new(e))))?;
        let invalid = |m: &str| self.token.error(ErrorKind::InvalidResponse(m.to_owned()));
        let creds = out
            .role_credentials
            .ok_or_else(|| invalid("no `roleCredentials`"))?;
        let key = creds
            .access_key_id
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("no `accessKeyId`"))?;
        let secret = creds
            .secret_access_key
            .filter(|s| !s.is_empty())
            .ok_or_else(|| invalid("no `secretAccessKey`"))?;
        let expiry = creds
            .expiration
            .and_then(|ms| u64::try_from(ms).ok())
            .map(|ms| SystemTime::UNIX_EPOCH + Duration::from_millis(ms));
        Ok(
            Credentials::new(key, secret, creds.session_token.filter(|t| !t.is_empty()))
                .with_expiry(expiry)
                .with_account_id(Some(self.account_id.clone())),
        )
    }
}

impl fmt::Debug for SsoCredentialsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SsoCredentialsProvider")
            .field("token", &self.token)
            .field("account_id", &self.account_id)
            .field("role_name", &self.role_name)
            .finish_non_exhaustive()
    }
}

impl ProvideCredentials for SsoCredentialsProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        ProvideCredentialsFuture::new(async {
            self.credentials().await.map_err(|e| {
                let message = e.to_string();
                CredentialsError::provider_error(message, e)
            })
        })
    }
}

/// Builds an [`SsoCredentialsProvider`].
#[derive(Debug, Default)]
pub struct SsoCredentialsProviderBuilder {
    token: SsoTokenProviderBuilder,
    account_id: Option<String>,
    role_name: Option<String>,
}

impl SsoCredentialsProviderBuilder {
    /// The SSO start URL (`sso_start_url`); required.
    pub fn start_url(mut self, url: impl Into<String>) -> Self {
        self.token = self.token.start_url(url);
        self
    }
    /// The `sso_session` name, for profiles with an `[sso-session]` section.
    pub fn session_name(mut self, name: impl Into<String>) -> Self {
        self.token = self.token.session_name(name);
        self
    }
    /// The region of the SSO portal (`sso_region`); required.
    pub fn sso_region(mut self, region: impl Into<String>) -> Self {
        self.token = self.token.sso_region(region);
        self
    }
    /// The account (`sso_account_id`); required.
    pub fn account_id(mut self, id: impl Into<String>) -> Self {
        self.account_id = Some(id.into());
        self
    }
    /// The role (`sso_role_name`); required.
    pub fn role_name(mut self, name: impl Into<String>) -> Self {
        self.role_name = Some(name.into());
        self
    }
    /// Where `HOME` is read (the process environment by default).
    pub fn env(mut self, env: Env) -> Self {
        self.token = self.token.env(env);
        self
    }
    /// Where the token cache is read and written (the real file system by default).
    pub fn fs(mut self, fs: Fs) -> Self {
        self.token = self.token.fs(fs);
        self
    }
    /// The configuration the SSO clients are built from; see
    /// [`SsoTokenProviderBuilder::sdk_config`].
    pub fn sdk_config(mut self, config: &SdkConfig) -> Self {
        self.token = self.token.sdk_config(config);
        self
    }
    /// The provider; fails when a required setting is missing.
    pub fn build(self) -> Result<SsoCredentialsProvider, SsoError> {
        let token = self.token.build()?;
        let account_id = self
            .account_id
            .ok_or_else(|| token.error(ErrorKind::Missing("sso_account_id")))?;
        let role_name = self
            .role_name
            .ok_or_else(|| token.error(ErrorKind::Missing("sso_role_name")))?;
        let config = regional(&token.inner.base, &token.inner.sso_region);
        let sso = ziggurat_sso::Client::from_conf(super::unsigned_config(&config));
        Ok(SsoCredentialsProvider {
            token,
            account_id,
            role_name,
            sso,
        })
    }
}

/// Why SSO gave no token or credentials.
#[derive(Debug)]
#[non_exhaustive]
pub struct SsoError {
    session: Option<String>,
    start_url: String,
    kind: ErrorKind,
}

#[derive(Debug)]
enum ErrorKind {
    Missing(&'static str),
    NoHome,
    NoCache(PathBuf),
    ReadCache(PathBuf, std::io::Error),
    InvalidCache(PathBuf, String),
    Expired(PathBuf),
    Refresh(BoxError),
    GetRoleCredentials(BoxError),
    InvalidResponse(String),
}

impl SsoError {
    /// The user must sign in again (`aws sso login`): no cached token, or an expired one that
    /// cannot be refreshed.
    pub fn needs_login(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::NoCache(_) | ErrorKind::Expired(_) | ErrorKind::Refresh(_)
        )
    }
    /// The cache file is not a valid token document.
    pub fn is_invalid_cache(&self) -> bool {
        matches!(self.kind, ErrorKind::InvalidCache(..))
    }
}

impl fmt::Display for SsoError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.session {
            Some(session) => write!(f, "sso session `{session}`: ")?,
            None => write!(f, "sso `{}`: ", self.start_url)?,
        }
        let login = |f: &mut fmt::Formatter<'_>| {
            f.write_str("; run `aws sso login`")?;
            match &self.session {
                Some(session) => write!(f, " (`--sso-session {session}`)"),
                None => Ok(()),
            }
        };
        match &self.kind {
            ErrorKind::Missing(setting) => write!(f, "`{setting}` is not set"),
            ErrorKind::NoHome => {
                f.write_str("no home directory (HOME is not set) to find the token cache in")
            }
            ErrorKind::NoCache(path) => {
                write!(f, "no cached token at {}", path.display())?;
                login(f)
            }
            ErrorKind::ReadCache(path, e) => {
                write!(f, "could not read the token cache {}: {e}", path.display())
            }
            ErrorKind::InvalidCache(path, m) => {
                write!(f, "the token cache {} is invalid: {m}", path.display())
            }
            ErrorKind::Expired(path) => {
                write!(
                    f,
                    "the cached token in {} has expired and cannot be refreshed",
                    path.display()
                )?;
                login(f)
            }
            ErrorKind::Refresh(e) => {
                write!(f, "the token expired and refreshing it failed: {e}")?;
                login(f)
            }
            ErrorKind::GetRoleCredentials(e) => write!(f, "GetRoleCredentials failed: {e}"),
            ErrorKind::InvalidResponse(m) => write!(f, "invalid response: {m}"),
        }
    }
}

impl std::error::Error for SsoError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::ReadCache(_, e) => Some(e),
            ErrorKind::Refresh(e) | ErrorKind::GetRoleCredentials(e) => Some(&**e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOME: &str = "/home/u";

    fn token_provider(session: Option<&str>, fs: Fs) -> SsoTokenProvider {
        let mut b = SsoTokenProvider::builder()
            .start_url("https://start.example/start")
            .sso_region("eu-west-1")
            .env(Env::from_pairs([("HOME", HOME)]))
            .fs(fs);
        if let Some(s) = session {
            b = b.session_name(s);
        }
        b.build().unwrap()
    }

    #[tokio::test]
    async fn a_legacy_profile_reads_the_cache_named_by_the_start_url() {
        let path = cache_path(HOME.as_ref(), "https://start.example/start");
        let fs = Fs::from_pairs([(
            path,
            r#"{"accessToken":"very-secret-token","expiresAt":"2999-01-01T00:00:00Z"}"#,
        )]);
        let token = token_provider(None, fs).token().await.unwrap();
        assert_eq!(token.as_str(), "very-secret-token");
        assert!(!format!("{token:?}").contains("very-secret"));
    }

    #[tokio::test]
    async fn an_expired_legacy_token_asks_for_login() {
        let path = cache_path(HOME.as_ref(), "https://start.example/start");
        let fs = Fs::from_pairs([(
            path,
            r#"{"accessToken":"very-secret-token","expiresAt":"2000-01-01T00:00:00Z","refreshToken":"r","clientId":"c","clientSecret":"s"}"#,
        )]);
        let err = token_provider(None, fs).token().await.unwrap_err();
        assert!(err.needs_login());
        assert!(err.to_string().contains("run `aws sso login`"), "{err}");
        assert!(!err.to_string().contains("very-secret"), "{err}");
    }

    #[test]
    fn missing_settings_fail_the_build() {
        let err = SsoCredentialsProvider::builder()
            .start_url("https://x")
            .sso_region("us-east-1")
            .account_id("1")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("sso_role_name"), "{err}");
    }
}
