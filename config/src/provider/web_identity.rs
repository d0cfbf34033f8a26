//! [`WebIdentityTokenProvider`]: credentials for an IAM role, from an OIDC token file.
//!
//! Kubernetes (EKS IRSA), GitHub Actions and other OIDC issuers hand a workload a token file
//! and a role: `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN` and, optionally,
//! `AWS_ROLE_SESSION_NAME` (or a profile's `web_identity_token_file`, `role_arn`,
//! `role_session_name`). The provider reads the token and exchanges it for the role's
//! credentials with STS `AssumeRoleWithWebIdentity`.
//!
//! The token file is read again (through [`Fs`]) on every fetch: issuers rotate it in place,
//! often every hour, and a token read once would expire under a long-running program.
//! `AssumeRoleWithWebIdentity` is called unsigned: the token is the proof of identity, and
//! the program may have no other credentials at all.
//!
//! When neither the token file nor the role is configured, the provider answers
//! [`CredentialsError::not_loaded`], so a chain moves on. The token never appears in `Debug`,
//! errors or logs.
//!
//! ```no_run
//! use ziggurat_config::provider::WebIdentityTokenProvider;
//! use ziggurat_config::{Env, Fs};
//! use ziggurat_core::config::SdkConfig;
//! use ziggurat_core::context::Region;
//! use ziggurat_core::credentials::{CredentialsCache, ProvideCredentials};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let base = SdkConfig::builder().region(Region::from_static("us-east-1")).build();
//! let provider = WebIdentityTokenProvider::builder()
//!     .env(Env::real())
//!     .fs(Fs::real())
//!     .sdk_config(&base)
//!     .build();
//! let creds = CredentialsCache::new(provider).provide_credentials().await?;
//! println!("{}", creds.access_key_id());
//! # Ok(()) }
//! ```
use std::fmt;
use std::path::{Path, PathBuf};

use ziggurat_core::config::SdkConfig;
use ziggurat_core::credentials::{
    Credentials, CredentialsError, ProvideCredentials, ProvideCredentialsFuture,
};
use ziggurat_core::error::BoxError;

use super::assume_role::{default_session_name, sts_credentials};
use crate::{Env, Fs};

/// The variable naming the token file.
pub const ENV_TOKEN_FILE: &str = "AWS_WEB_IDENTITY_TOKEN_FILE";
/// The variable naming the role.
pub const ENV_ROLE_ARN: &str = "AWS_ROLE_ARN";
/// The variable naming the role session.
pub const ENV_SESSION_NAME: &str = "AWS_ROLE_SESSION_NAME";

/// Assumes a role with a web identity token file. See the [module documentation](self).
#[derive(Clone)]
pub struct WebIdentityTokenProvider {
    token_file: Option<PathBuf>,
    role_arn: Option<String>,
    session_name: Option<String>,
    fs: Fs,
    sts: ziggurat_sts::Client,
}

impl WebIdentityTokenProvider {
    /// A builder; with nothing set, the provider reads the process environment and the real
    /// file system.
    pub fn builder() -> WebIdentityTokenProviderBuilder {
        WebIdentityTokenProviderBuilder::default()
    }

    /// The token file, if configured.
    pub fn token_file(&self) -> Option<&Path> {
        self.token_file.as_deref()
    }

    /// The role, if configured.
    pub fn role_arn(&self) -> Option<&str> {
        self.role_arn.as_deref()
    }

    /// Reads the token and calls `AssumeRoleWithWebIdentity` once.
    pub async fn credentials(&self) -> Result<Credentials, WebIdentityError> {
        let (path, role_arn) = match (&self.token_file, &self.role_arn) {
            (None, None) => return Err(WebIdentityError::new(None, ErrorKind::NotConfigured)),
            (None, Some(role)) => {
                return Err(WebIdentityError::new(
                    Some(role),
                    ErrorKind::Missing(ENV_TOKEN_FILE),
                ));
            }
            (Some(_), None) => {
                return Err(WebIdentityError::new(
                    None,
                    ErrorKind::Missing(ENV_ROLE_ARN),
                ));
            }
            (Some(path), Some(role)) => (path, role),
        };
        let error = |kind| WebIdentityError::new(Some(role_arn), kind);
        let token = self.fs.read(path).map_err(|e| {
            error(ErrorKind::ReadToken {
                path: path.clone(),
                error: e,
            })
        })?;
        let token =
            String::from_utf8(token).map_err(|_| error(ErrorKind::InvalidToken(path.clone())))?;
        let token = token.trim();
        if token.is_empty() {
            return Err(error(ErrorKind::EmptyToken(path.clone())));
        }
        let session_name = self
            .session_name
            .clone()
            .unwrap_or_else(default_session_name);
        tracing::debug!(role_arn = %role_arn, token_file = %path.display(), "assuming role with web identity");
        let out = self
            .sts
            .assume_role_with_web_identity()
            .role_arn(role_arn)
            .role_session_name(session_name)
            .web_identity_token(token)
            .send()
            .await
            .map_err(|e| error(ErrorKind::Sts(Box::new(e))))?;
        let arn = out.assumed_role_user.as_ref().map(|u| u.arn.as_str());
        sts_credentials(out.credentials, arn).map_err(|m| error(ErrorKind::InvalidResponse(m)))
    }
}

impl fmt::Debug for WebIdentityTokenProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WebIdentityTokenProvider")
            .field("token_file", &self.token_file)
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field("fs", &self.fs)
            .finish_non_exhaustive()
    }
}

impl ProvideCredentials for WebIdentityTokenProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        ProvideCredentialsFuture::new(async {
            self.credentials().await.map_err(|e| {
                let message = e.to_string();
                if e.is_not_configured() {
                    CredentialsError::not_loaded(message)
                } else {
                    CredentialsError::provider_error(message, e)
                }
            })
        })
    }
}

/// Builds a [`WebIdentityTokenProvider`]. Values set here win over the environment.
#[derive(Debug, Default)]
pub struct WebIdentityTokenProviderBuilder {
    env: Option<Env>,
    fs: Option<Fs>,
    sdk_config: Option<SdkConfig>,
    token_file: Option<PathBuf>,
    role_arn: Option<String>,
    session_name: Option<String>,
}

impl WebIdentityTokenProviderBuilder {
    /// Where `AWS_WEB_IDENTITY_TOKEN_FILE`, `AWS_ROLE_ARN` and `AWS_ROLE_SESSION_NAME` are read.
    pub fn env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }

    /// Where the token file is read.
    pub fn fs(mut self, fs: Fs) -> Self {
        self.fs = Some(fs);
        self
    }

    /// The configuration the STS client is built from (region, endpoints, HTTP client); its
    /// credentials are not used.
    pub fn sdk_config(mut self, config: &SdkConfig) -> Self {
        self.sdk_config = Some(config.clone());
        self
    }

    /// The token file, instead of `AWS_WEB_IDENTITY_TOKEN_FILE`.
    pub fn token_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.token_file = Some(path.into());
        self
    }

    /// The role, instead of `AWS_ROLE_ARN`.
    pub fn role_arn(mut self, arn: impl Into<String>) -> Self {
        self.role_arn = Some(arn.into());
        self
    }

    /// The role session name, instead of `AWS_ROLE_SESSION_NAME` (default
    /// `ziggurat-<milliseconds>`).
    pub fn session_name(mut self, name: impl Into<String>) -> Self {
        self.session_name = Some(name.into());
        self
    }

    /// The provider.
    pub fn build(self) -> WebIdentityTokenProvider {
        let env = self.env.unwrap_or_default();
        let base = self.sdk_config.unwrap_or_default();
        WebIdentityTokenProvider {
            token_file: self
                .token_file
                .or_else(|| env.get_non_empty(ENV_TOKEN_FILE).map(PathBuf::from)),
            role_arn: self.role_arn.or_else(|| env.get_non_empty(ENV_ROLE_ARN)),
            session_name: self
                .session_name
                .or_else(|| env.get_non_empty(ENV_SESSION_NAME)),
            fs: self.fs.unwrap_or_default(),
            sts: ziggurat_sts::Client::from_conf(super::unsigned_config(&base)),
        }
    }
}

/// Why `AssumeRoleWithWebIdentity` gave no credentials.
#[derive(Debug)]
#[non_exhaustive]
pub struct WebIdentityError {
    role_arn: Option<String>,
    kind: ErrorKind,
}

#[derive(Debug)]
enum ErrorKind {
    NotConfigured,
    Missing(&'static str),
    ReadToken {
        path: PathBuf,
        error: std::io::Error,
    },
    InvalidToken(PathBuf),
    EmptyToken(PathBuf),
    Sts(BoxError),
    InvalidResponse(String),
}

impl WebIdentityError {
    fn new(role_arn: Option<&String>, kind: ErrorKind) -> Self {
        WebIdentityError {
            role_arn: role_arn.cloned(),
            kind,
        }
    }
    /// Neither a token file nor a role is configured.
    pub fn is_not_configured(&self) -> bool {
        matches!(self.kind, ErrorKind::NotConfigured)
    }
    /// The token file could not be read, or holds no token.
    pub fn is_token_file(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::ReadToken { .. } | ErrorKind::InvalidToken(_) | ErrorKind::EmptyToken(_)
        )
    }
}

impl fmt::Display for WebIdentityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("web identity")?;
        if let Some(role) = &self.role_arn {
            write!(f, " (role `{role}`)")?;
        }
        f.write_str(": ")?;
        match &self.kind {
            ErrorKind::NotConfigured => write!(
                f,
                "not configured ({ENV_TOKEN_FILE} and {ENV_ROLE_ARN} are not set)"
            ),
            ErrorKind::Missing(var) => write!(f, "{var} is not set"),
            ErrorKind::ReadToken { path, error } => write!(
                f,
                "could not read the token file {}: {error}",
                path.display()
            ),
            ErrorKind::InvalidToken(path) => {
                write!(f, "the token file {} is not UTF-8 text", path.display())
            }
            ErrorKind::EmptyToken(path) => {
                write!(f, "the token file {} is empty", path.display())
            }
            ErrorKind::Sts(e) => write!(f, "STS AssumeRoleWithWebIdentity failed: {e}"),
            ErrorKind::InvalidResponse(m) => write!(f, "invalid STS response: {m}"),
        }
    }
}

impl std::error::Error for WebIdentityError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::ReadToken { error, .. } => Some(error),
            ErrorKind::Sts(e) => Some(&**e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(env: &[(&str, &str)], fs: Fs) -> WebIdentityTokenProvider {
        WebIdentityTokenProvider::builder()
            .env(Env::from_pairs(env.iter().copied()))
            .fs(fs)
            .build()
    }

    #[tokio::test]
    async fn without_variables_it_is_not_loaded() {
        let p = provider(&[], Fs::from_pairs::<&str, &str>([]));
        let err = p.credentials().await.unwrap_err();
        assert!(err.is_not_configured(), "{err}");
    }

    #[tokio::test]
    async fn a_missing_or_empty_token_file_is_a_clear_error() {
        let env = [
            (ENV_TOKEN_FILE, "/var/run/token"),
            (ENV_ROLE_ARN, "arn:aws:iam::123456789012:role/r"),
        ];
        let err = provider(&env, Fs::from_pairs::<&str, &str>([]))
            .credentials()
            .await
            .unwrap_err();
        assert!(err.is_token_file(), "{err}");
        assert!(err.to_string().contains("/var/run/token"), "{err}");
        let err = provider(&env, Fs::from_pairs([("/var/run/token", " \n")]))
            .credentials()
            .await
            .unwrap_err();
        assert!(err.to_string().contains("is empty"), "{err}");
    }

    #[tokio::test]
    async fn a_token_file_without_a_role_is_an_error() {
        let p = provider(&[(ENV_TOKEN_FILE, "/t")], Fs::from_pairs([("/t", "tok")]));
        let err = p.credentials().await.unwrap_err();
        assert!(!err.is_not_configured());
        assert!(err.to_string().contains(ENV_ROLE_ARN), "{err}");
    }

    #[test]
    fn debug_shows_no_token() {
        let p = provider(
            &[(ENV_TOKEN_FILE, "/t"), (ENV_ROLE_ARN, "arn")],
            Fs::from_pairs([("/t", "very-secret-token")]),
        );
        assert!(!format!("{p:?}").contains("very-secret-token"));
    }
}
