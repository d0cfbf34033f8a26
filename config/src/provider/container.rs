//! [`ContainerCredentialsProvider`]: credentials from the ECS / EKS Pod Identity endpoint.
//!
//! Containers on ECS, Fargate and EKS (Pod Identity) get credentials over HTTP from an agent
//! next to them, which the platform announces through the environment:
//!
//! - `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`: a path on the ECS agent,
//!   `http://169.254.170.2<path>`. It wins over the full URI.
//! - `AWS_CONTAINER_CREDENTIALS_FULL_URI`: any `https://` URI, or an `http://` URI whose
//!   host is a loopback address (`127.0.0.0/8`, `::1`, `localhost`) or one of the ECS / EKS
//!   agent addresses `169.254.170.2`, `169.254.170.23`, `[fd00:ec2::23]`. Plain HTTP to any
//!   other host is refused, as every SDK refuses it: the token and the credentials would cross
//!   the network in clear. Host names other than `localhost` are not resolved to check
//!   whether they are loopback (some SDKs do): the decision stays deterministic.
//! - `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` (read through [`Fs`] on every fetch, since the
//!   agent rotates it) or else `AWS_CONTAINER_AUTHORIZATION_TOKEN`: sent as the
//!   `Authorization` header, marked sensitive.
//!
//! The endpoint answers with `AccessKeyId`, `SecretAccessKey`, `Token`, `Expiration` and
//! optionally `AccountId`; the credentials carry their expiry for
//! [`CredentialsCache`](ziggurat_core::credentials::CredentialsCache). Server errors and
//! timeouts are retried a bounded number of times; every attempt is bounded by a timeout
//! whatever the [`HttpClient`] does. Without either URI variable the provider is not
//! configured and answers [`CredentialsError::not_loaded`], so a chain moves on.
//!
//! ```
//! use ziggurat_config::Env;
//! use ziggurat_config::provider::container;
//!
//! let env = Env::from_pairs([("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "/v2/credentials/abc")]);
//! let uri = container::resolve_uri(&env).unwrap();
//! assert_eq!(uri, "http://169.254.170.2/v2/credentials/abc");
//!
//! let env = Env::from_pairs([("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://example.com/creds")]);
//! assert!(container::resolve_uri(&env).is_err()); // plain HTTP to a remote host
//! ```
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::time::Duration;

use http::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use ziggurat_core::body::Body;
use ziggurat_core::credentials::{
    Credentials, CredentialsError, ProvideCredentials, ProvideCredentialsFuture,
};
use ziggurat_core::time::SharedSleep;
use ziggurat_core::transport::HttpClient;

use crate::http::{self as fetch, Transport};
use crate::{Env, Fs, json_credentials};

/// `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`.
pub const ENV_RELATIVE_URI: &str = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI";
/// `AWS_CONTAINER_CREDENTIALS_FULL_URI`.
pub const ENV_FULL_URI: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN`.
pub const ENV_TOKEN: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN";
/// `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`.
pub const ENV_TOKEN_FILE: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
/// The ECS agent a relative URI is resolved against.
pub const ECS_AGENT: &str = "http://169.254.170.2";

const EKS_V4: Ipv4Addr = Ipv4Addr::new(169, 254, 170, 23);
const ECS_V4: Ipv4Addr = Ipv4Addr::new(169, 254, 170, 2);
const EKS_V6: Ipv6Addr = Ipv6Addr::new(0xfd00, 0xec2, 0, 0, 0, 0, 0, 0x23);
const MAX_BODY: usize = 64 * 1024;

/// The credentials URI the environment configures. See the [module documentation](self).
pub fn resolve_uri(env: &Env) -> Result<http::Uri, ContainerError> {
    if let Some(relative) = env.get_non_empty(ENV_RELATIVE_URI) {
        let full = format!("{ECS_AGENT}{relative}");
        return full.parse::<http::Uri>().map_err(|e| {
            ContainerError::config(format!(
                "{ENV_RELATIVE_URI} `{relative}` is not a valid path: {e}"
            ))
        });
    }
    let Some(full) = env.get_non_empty(ENV_FULL_URI) else {
        return Err(ContainerError {
            kind: Kind::NotConfigured,
        });
    };
    let uri = full.parse::<http::Uri>().map_err(|e| {
        ContainerError::config(format!("{ENV_FULL_URI} `{full}` is not a URI: {e}"))
    })?;
    let Some(host) = uri.host() else {
        return Err(ContainerError::config(format!(
            "{ENV_FULL_URI} `{full}`: the URI did not specify a host"
        )));
    };
    match uri.scheme_str() {
        Some("https") => Ok(uri),
        Some("http") if is_allowed_http_host(host) => Ok(uri),
        Some("http") => Err(ContainerError::config(format!(
            "{ENV_FULL_URI} `{full}`: plain HTTP is allowed only to loopback or the ECS / EKS \
             agent addresses, not to `{host}`"
        ))),
        _ => Err(ContainerError::config(format!(
            "{ENV_FULL_URI} `{full}`: the scheme must be http or https"
        ))),
    }
}

fn is_allowed_http_host(host: &str) -> bool {
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(ip)) => ip.is_loopback() || ip == ECS_V4 || ip == EKS_V4,
        Ok(IpAddr::V6(ip)) => ip.is_loopback() || ip == EKS_V6,
        Err(_) => false,
    }
}

/// Fetches credentials from the container endpoint. See the [module documentation](self).
#[derive(Clone, Debug)]
pub struct ContainerCredentialsProvider {
    env: Env,
    fs: Fs,
    transport: Transport,
    timeout: Duration,
    max_attempts: u32,
    sleep: SharedSleep,
}

impl ContainerCredentialsProvider {
    /// A builder, with the process environment, the real file system and a default client.
    pub fn builder() -> ContainerCredentialsProviderBuilder {
        ContainerCredentialsProviderBuilder::default()
    }

    /// Fetches credentials once (with retries).
    pub async fn credentials(&self) -> Result<Credentials, ContainerError> {
        let uri = resolve_uri(&self.env)?;
        let token = self.token()?;
        let client = self
            .transport
            .client()
            .map_err(|e| ContainerError::failure(format!("no HTTP client: {e}")))?;
        let mut attempt = 1;
        loop {
            let mut request = http::Request::get(uri.clone())
                .header(ACCEPT, "application/json")
                .body(Body::empty())
                .map_err(|e| ContainerError::config(format!("cannot build the request: {e}")))?;
            if let Some(token) = &token {
                request.headers_mut().insert(AUTHORIZATION, token.clone());
            }
            tracing::debug!(%uri, attempt, "fetching container credentials");
            let retryable = match fetch::send(client, request, self.timeout, MAX_BODY).await {
                Ok(response) if response.status.is_success() => {
                    return parse(&response.body);
                }
                Ok(response) => {
                    let error = ContainerError {
                        kind: Kind::Status(response.status.as_u16()),
                    };
                    if !response.status.is_server_error() {
                        return Err(error);
                    }
                    error
                }
                Err(failure) => {
                    let retry = failure.is_retryable();
                    let error = ContainerError::failure(failure.to_string());
                    if !retry {
                        return Err(error);
                    }
                    error
                }
            };
            if attempt >= self.max_attempts {
                return Err(retryable);
            }
            self.sleep.sleep(fetch::backoff(attempt)).await;
            attempt += 1;
        }
    }

    fn token(&self) -> Result<Option<HeaderValue>, ContainerError> {
        let token = match self.env.get_non_empty(ENV_TOKEN_FILE) {
            Some(path) => {
                let text = self.fs.read_to_string(&path).map_err(|e| {
                    ContainerError::config(format!(
                        "cannot read the authorization token file {ENV_TOKEN_FILE} `{path}`: {e}"
                    ))
                })?;
                Some(text.trim().to_owned())
            }
            None => self.env.get_non_empty(ENV_TOKEN),
        };
        token
            .map(|t| {
                let mut value = HeaderValue::from_str(&t).map_err(|_| {
                    ContainerError::config(
                        "the container authorization token is not a valid header value",
                    )
                })?;
                value.set_sensitive(true);
                Ok(value)
            })
            .transpose()
    }
}

fn parse(body: &[u8]) -> Result<Credentials, ContainerError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| ContainerError::invalid("the response is not UTF-8"))?;
    let map = json_credentials::parse_object(text).map_err(ContainerError::invalid)?;
    json_credentials::credentials(&map, "Token").map_err(ContainerError::invalid)
}

impl ProvideCredentials for ContainerCredentialsProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        ProvideCredentialsFuture::new(async {
            self.credentials().await.map_err(|e| match e.kind {
                Kind::NotConfigured => CredentialsError::not_loaded(e.to_string()),
                _ => CredentialsError::provider_error(e.to_string(), e),
            })
        })
    }
}

/// Builds a [`ContainerCredentialsProvider`].
#[derive(Debug, Default)]
pub struct ContainerCredentialsProviderBuilder {
    env: Option<Env>,
    fs: Option<Fs>,
    http_client: Option<HttpClient>,
    timeout: Option<Duration>,
    max_attempts: Option<u32>,
    sleep: Option<SharedSleep>,
}

impl ContainerCredentialsProviderBuilder {
    /// Where the `AWS_CONTAINER_*` variables are read (default: the process environment).
    pub fn env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }
    /// Where the token file is read (default: the real file system).
    pub fn fs(mut self, fs: Fs) -> Self {
        self.fs = Some(fs);
        self
    }
    /// The transport (default: hyper with a 2 s connect and 5 s read timeout, no proxy).
    pub fn http_client(mut self, client: HttpClient) -> Self {
        self.http_client = Some(client);
        self
    }
    /// The longest one attempt may take, connect to last body byte (default 5 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
    /// Attempts per fetch, for server errors and timeouts (default 3, at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }
    /// How to wait between attempts (default: tokio's sleep).
    pub fn sleep(mut self, sleep: SharedSleep) -> Self {
        self.sleep = Some(sleep);
        self
    }
    /// The provider.
    pub fn build(self) -> ContainerCredentialsProvider {
        ContainerCredentialsProvider {
            env: self.env.unwrap_or_default(),
            fs: self.fs.unwrap_or_default(),
            transport: match self.http_client {
                Some(c) => Transport::Ready(c),
                None => Transport::default_with(Duration::from_secs(2), Duration::from_secs(5)),
            },
            timeout: self.timeout.unwrap_or(Duration::from_secs(5)),
            max_attempts: self.max_attempts.unwrap_or(3).max(1),
            sleep: self.sleep.unwrap_or_default(),
        }
    }
}

/// Why the container endpoint gave no credentials.
#[derive(Debug)]
#[non_exhaustive]
pub struct ContainerError {
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    NotConfigured,
    Config(String),
    Status(u16),
    Failure(String),
    InvalidResponse(String),
}

impl ContainerError {
    fn config(message: impl Into<String>) -> Self {
        ContainerError {
            kind: Kind::Config(message.into()),
        }
    }
    fn failure(message: String) -> Self {
        ContainerError {
            kind: Kind::Failure(message),
        }
    }
    fn invalid(message: impl Into<String>) -> Self {
        ContainerError {
            kind: Kind::InvalidResponse(message.into()),
        }
    }
    /// Neither URI variable is set: the provider does not apply here.
    pub fn is_not_configured(&self) -> bool {
        matches!(self.kind, Kind::NotConfigured)
    }
    /// The configuration is unusable: a bad URI, a refused host, an unreadable token file.
    pub fn is_invalid_config(&self) -> bool {
        matches!(self.kind, Kind::Config(_))
    }
    /// The HTTP status of an unsuccessful response.
    pub fn status(&self) -> Option<u16> {
        match self.kind {
            Kind::Status(s) => Some(s),
            _ => None,
        }
    }
}

impl fmt::Display for ContainerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::NotConfigured => write!(
                f,
                "no environment variables were set to configure the container credentials \
                 provider ({ENV_RELATIVE_URI} or {ENV_FULL_URI})"
            ),
            Kind::Config(m) => write!(f, "container credentials: {m}"),
            Kind::Status(s) => write!(f, "the container credentials endpoint answered HTTP {s}"),
            Kind::Failure(m) => write!(f, "the container credentials endpoint: {m}"),
            Kind::InvalidResponse(m) => {
                write!(
                    f,
                    "the container credentials endpoint sent invalid credentials: {m}"
                )
            }
        }
    }
}

impl std::error::Error for ContainerError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_file_wins_and_is_reread() {
        let fs = Fs::from_pairs([("/token", "file-token\n")]);
        let p = ContainerCredentialsProvider::builder()
            .env(Env::from_pairs([
                (ENV_TOKEN_FILE, "/token"),
                (ENV_TOKEN, "env-token"),
            ]))
            .fs(fs.clone())
            .http_client(ziggurat_core::transport::TestTransport::new().into_http_client())
            .build();
        assert_eq!(p.token().unwrap().unwrap(), "file-token");
        fs.write("/token", "rotated").unwrap();
        let t = p.token().unwrap().unwrap();
        assert_eq!(t, "rotated");
        assert!(t.is_sensitive());
    }

    #[test]
    fn bad_token_is_not_quoted() {
        let p = ContainerCredentialsProvider::builder()
            .env(Env::from_pairs([(ENV_TOKEN, "very-secret\u{7f}")]))
            .build();
        let e = p.token().unwrap_err();
        assert!(!format!("{e} {e:?}").contains("very-secret"));
    }

    #[test]
    fn allowed_hosts() {
        for host in [
            "127.0.0.1",
            "127.1.2.3",
            "[::1]",
            "LOCALHOST",
            "169.254.170.2",
            "169.254.170.23",
            "[fd00:ec2::23]",
        ] {
            assert!(is_allowed_http_host(host), "{host}");
        }
        for host in [
            "169.254.169.254",
            "example.com",
            "10.0.0.1",
            "[fd00:ec2::254]",
        ] {
            assert!(!is_allowed_http_host(host), "{host}");
        }
    }
}
