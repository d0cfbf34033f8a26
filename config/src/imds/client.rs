//! The IMDSv2 [`Client`]: a session token, then metadata requests carrying it.
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use http::header::HeaderValue;
use ziggurat_core::body::Body;
use ziggurat_core::time::{SharedSleep, SharedTimeSource};
use ziggurat_core::transport::HttpClient;

use super::endpoint::{self, ENV_ENDPOINT, ENV_ENDPOINT_MODE, EndpointInputs, EndpointMode};
use super::{ImdsError, Kind};
use crate::Env;
use crate::http::{self as fetch, Transport};

/// `AWS_EC2_METADATA_DISABLED`: `true` turns IMDS off.
pub const ENV_DISABLED: &str = "AWS_EC2_METADATA_DISABLED";
/// `AWS_EC2_METADATA_V1_DISABLED`: `true` forbids falling back to IMDSv1.
pub const ENV_V1_DISABLED: &str = "AWS_EC2_METADATA_V1_DISABLED";
/// The token lifetime asked for by default: 6 hours, the most IMDS allows.
pub const DEFAULT_TOKEN_TTL: Duration = Duration::from_secs(21_600);
/// Attempts per request by default, for server errors and timeouts.
pub const DEFAULT_MAX_ATTEMPTS: u32 = 3;
/// The default bound on one attempt, connect to last body byte.
pub const DEFAULT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(2);

const TOKEN_PATH: &str = "/latest/api/token";
const TTL_HEADER: &str = "x-aws-ec2-metadata-token-ttl-seconds";
const TOKEN_HEADER: &str = "x-aws-ec2-metadata-token";
const MAX_BODY: usize = 1024 * 1024;
const MAX_TOKEN_REFRESH_BUFFER: Duration = Duration::from_secs(120);

/// An IMDSv2 client. See the [module documentation](super).
///
/// Cloning is cheap; clones share the session token.
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

struct Inner {
    endpoint: Result<http::Uri, String>,
    disabled: bool,
    v1_disabled: bool,
    transport: Transport,
    token_ttl: Duration,
    attempt_timeout: Duration,
    max_attempts: u32,
    time: SharedTimeSource,
    sleep: SharedSleep,
    token: tokio::sync::Mutex<TokenState>,
}

enum TokenState {
    None,
    Token {
        value: HeaderValue,
        expires: SystemTime,
    },
    /// IMDS answered 404/405 to the token request: IMDSv1 only, until then.
    Unsupported {
        until: SystemTime,
    },
}

impl Client {
    /// A builder, reading the process environment and using a default transport.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// Whether `AWS_EC2_METADATA_DISABLED` (or the builder) turned IMDS off.
    pub fn is_disabled(&self) -> bool {
        self.inner.disabled
    }

    /// The endpoint requests go to.
    pub fn endpoint(&self) -> Result<&http::Uri, ImdsError> {
        self.inner
            .endpoint
            .as_ref()
            .map_err(|m| ImdsError::config(m.clone()))
    }

    /// GETs `path` (such as `/latest/meta-data/placement/region`) and returns the body.
    pub async fn get(&self, path: &str) -> Result<String, ImdsError> {
        if self.inner.disabled {
            return Err(ImdsError {
                kind: Kind::Disabled,
            });
        }
        let uri = endpoint::join(self.endpoint()?, path)?;
        let client = self.client()?;
        let mut attempt = 1;
        loop {
            let token = self.token().await?;
            let mut request = http::Request::get(uri.clone())
                .body(Body::empty())
                .map_err(|e| ImdsError::config(format!("cannot build the request: {e}")))?;
            if let Some(token) = token {
                request.headers_mut().insert(TOKEN_HEADER, token);
            }
            tracing::debug!(%uri, attempt, "IMDS GET");
            let error = match fetch::send(client, request, self.inner.attempt_timeout, MAX_BODY)
                .await
            {
                Ok(r) if r.status.is_success() => {
                    return String::from_utf8(r.body.to_vec()).map_err(|_| ImdsError {
                        kind: Kind::InvalidResponse(format!("{path}: the response is not UTF-8")),
                    });
                }
                Ok(r) if r.status == http::StatusCode::UNAUTHORIZED => {
                    // The token expired or was revoked: get a new one and try again.
                    *self.inner.token.lock().await = TokenState::None;
                    ImdsError::http_status(r.status.as_u16(), path)
                }
                Ok(r) if r.status.is_server_error() => {
                    ImdsError::http_status(r.status.as_u16(), path)
                }
                Ok(r) => return Err(ImdsError::http_status(r.status.as_u16(), path)),
                Err(f) if f.is_retryable() => ImdsError::failure(&f, path),
                Err(f) => return Err(ImdsError::failure(&f, path)),
            };
            if attempt >= self.inner.max_attempts {
                return Err(error);
            }
            self.inner.sleep.sleep(fetch::backoff(attempt)).await;
            attempt += 1;
        }
    }

    fn client(&self) -> Result<&HttpClient, ImdsError> {
        self.inner.transport.client().map_err(|e| ImdsError {
            kind: Kind::Failure {
                message: format!("no HTTP client: {e}"),
                timeout: false,
            },
        })
    }

    /// The session token to send, `None` where IMDS only speaks v1. One caller fetches it;
    /// the others wait and reuse it until shortly before it expires.
    async fn token(&self) -> Result<Option<HeaderValue>, ImdsError> {
        let inner = &self.inner;
        let mut state = inner.token.lock().await;
        let now = inner.time.now();
        let buffer = MAX_TOKEN_REFRESH_BUFFER.min(inner.token_ttl / 4);
        match &*state {
            TokenState::Token { value, expires } if now + buffer < *expires => {
                return Ok(Some(value.clone()));
            }
            TokenState::Unsupported { until } if now < *until => return Ok(None),
            _ => {}
        }
        let uri = endpoint::join(self.endpoint()?, TOKEN_PATH)?;
        let client = self.client()?;
        let ttl = inner.token_ttl.as_secs().max(1).to_string();
        let mut attempt = 1;
        loop {
            let request = http::Request::put(uri.clone())
                .header(TTL_HEADER, ttl.as_str())
                .body(Body::empty())
                .map_err(|e| ImdsError::config(format!("cannot build the request: {e}")))?;
            tracing::debug!(%uri, attempt, "IMDS token PUT");
            let error = match fetch::send(client, request, inner.attempt_timeout, MAX_BODY).await {
                Ok(r) if r.status.is_success() => {
                    let text = std::str::from_utf8(&r.body).unwrap_or("").trim();
                    let mut value = HeaderValue::from_str(text)
                        .ok()
                        .filter(|_| !text.is_empty())
                        .ok_or_else(|| ImdsError {
                            kind: Kind::InvalidResponse("the session token is not valid".into()),
                        })?;
                    value.set_sensitive(true);
                    *state = TokenState::Token {
                        value: value.clone(),
                        expires: inner.time.now() + inner.token_ttl,
                    };
                    return Ok(Some(value));
                }
                Ok(r) if r.status == http::StatusCode::FORBIDDEN => {
                    return Err(ImdsError {
                        kind: Kind::Forbidden,
                    });
                }
                Ok(r) if matches!(r.status.as_u16(), 404 | 405) && !inner.v1_disabled => {
                    tracing::debug!(status = %r.status, "IMDS has no session tokens; using IMDSv1");
                    *state = TokenState::Unsupported {
                        until: inner.time.now() + inner.token_ttl,
                    };
                    return Ok(None);
                }
                Ok(r) if r.status.is_server_error() => {
                    ImdsError::http_status(r.status.as_u16(), TOKEN_PATH)
                }
                Ok(r) => return Err(ImdsError::http_status(r.status.as_u16(), TOKEN_PATH)),
                Err(f) if f.is_retryable() => ImdsError::failure(&f, TOKEN_PATH),
                Err(f) => return Err(ImdsError::failure(&f, TOKEN_PATH)),
            };
            if attempt >= inner.max_attempts {
                return Err(error);
            }
            inner.sleep.sleep(fetch::backoff(attempt)).await;
            attempt += 1;
        }
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("Client")
            .field("endpoint", &i.endpoint.as_ref().map(ToString::to_string))
            .field("disabled", &i.disabled)
            .field("token_ttl", &i.token_ttl)
            .field("attempt_timeout", &i.attempt_timeout)
            .field("max_attempts", &i.max_attempts)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Client`].
#[derive(Debug, Default)]
pub struct ClientBuilder {
    env: Option<Env>,
    endpoint: Option<String>,
    mode: Option<EndpointMode>,
    profile_endpoint: Option<String>,
    profile_mode: Option<String>,
    disabled: Option<bool>,
    v1_disabled: Option<bool>,
    http_client: Option<HttpClient>,
    token_ttl: Option<Duration>,
    attempt_timeout: Option<Duration>,
    max_attempts: Option<u32>,
    time: Option<SharedTimeSource>,
    sleep: Option<SharedSleep>,
}

impl ClientBuilder {
    /// Where the `AWS_EC2_METADATA_*` variables are read (default: the process environment).
    pub fn env(mut self, env: Env) -> Self {
        self.env = Some(env);
        self
    }
    /// Sends requests to this endpoint, whatever the environment or profile say.
    pub fn endpoint(mut self, endpoint: impl Into<String>) -> Self {
        self.endpoint = Some(endpoint.into());
        self
    }
    /// Uses this mode's endpoint unless an endpoint is set anywhere.
    pub fn endpoint_mode(mut self, mode: EndpointMode) -> Self {
        self.mode = Some(mode);
        self
    }
    /// The profile's `ec2_metadata_service_endpoint`, if it has one.
    pub fn profile_endpoint(mut self, endpoint: Option<&str>) -> Self {
        self.profile_endpoint = endpoint.map(str::to_owned);
        self
    }
    /// The profile's `ec2_metadata_service_endpoint_mode`, if it has one.
    pub fn profile_endpoint_mode(mut self, mode: Option<&str>) -> Self {
        self.profile_mode = mode.map(str::to_owned);
        self
    }
    /// Turns IMDS off (`true`) or on (`false`), whatever `AWS_EC2_METADATA_DISABLED` says.
    pub fn disabled(mut self, disabled: bool) -> Self {
        self.disabled = Some(disabled);
        self
    }
    /// Forbids (`true`) falling back to IMDSv1 when IMDS answers 404 or 405 to the token
    /// request, whatever `AWS_EC2_METADATA_V1_DISABLED` says.
    pub fn v1_disabled(mut self, disabled: bool) -> Self {
        self.v1_disabled = Some(disabled);
        self
    }
    /// The transport (default: hyper with 1 s connect and read timeouts, no proxy).
    pub fn http_client(mut self, client: HttpClient) -> Self {
        self.http_client = Some(client);
        self
    }
    /// The session token lifetime to ask for (default 6 hours).
    pub fn token_ttl(mut self, ttl: Duration) -> Self {
        self.token_ttl = Some(ttl);
        self
    }
    /// The longest one attempt may take, connect to last body byte (default 2 s).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }
    /// Attempts per request for server errors and timeouts (default 3, at least 1).
    pub fn max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }
    /// The clock token expiry is measured with.
    pub fn time_source(mut self, time: SharedTimeSource) -> Self {
        self.time = Some(time);
        self
    }
    /// How to wait between attempts.
    pub fn sleep(mut self, sleep: SharedSleep) -> Self {
        self.sleep = Some(sleep);
        self
    }
    /// The client. An invalid endpoint or mode is reported by every request, so that a
    /// provider chain can be built before it is known whether IMDS is needed at all.
    pub fn build(self) -> Client {
        let env = self.env.unwrap_or_default();
        let env_endpoint = env.get_non_empty(ENV_ENDPOINT);
        let env_mode = env.get_non_empty(ENV_ENDPOINT_MODE);
        let is_true = |name| {
            env.get_non_empty(name)
                .is_some_and(|v| v.eq_ignore_ascii_case("true"))
        };
        let endpoint = EndpointInputs {
            endpoint_override: self.endpoint.as_deref(),
            mode_override: self.mode,
            env_endpoint: env_endpoint.as_deref(),
            env_mode: env_mode.as_deref(),
            profile_endpoint: self.profile_endpoint.as_deref(),
            profile_mode: self.profile_mode.as_deref(),
        }
        .resolve()
        .map_err(|e| e.to_string());
        let one_second = Duration::from_secs(1);
        Client {
            inner: Arc::new(Inner {
                endpoint,
                disabled: self.disabled.unwrap_or_else(|| is_true(ENV_DISABLED)),
                v1_disabled: self.v1_disabled.unwrap_or_else(|| is_true(ENV_V1_DISABLED)),
                transport: match self.http_client {
                    Some(c) => Transport::Ready(c),
                    None => Transport::default_with(one_second, one_second),
                },
                token_ttl: self.token_ttl.unwrap_or(DEFAULT_TOKEN_TTL),
                attempt_timeout: self.attempt_timeout.unwrap_or(DEFAULT_ATTEMPT_TIMEOUT),
                max_attempts: self.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS).max(1),
                time: self.time.unwrap_or_default(),
                sleep: self.sleep.unwrap_or_default(),
                token: tokio::sync::Mutex::new(TokenState::None),
            }),
        }
    }
}
