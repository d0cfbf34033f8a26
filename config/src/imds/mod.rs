//! The EC2 Instance Metadata Service (IMDSv2): a [`Client`], and on top of it
//! [`ImdsCredentialsProvider`] (the instance role's credentials) and [`ImdsRegionProvider`].
//!
//! Code on EC2 gets its role's credentials and its region from IMDS, a link-local HTTP
//! service. IMDSv2 first asks for a session token (`PUT /latest/api/token` with
//! `x-aws-ec2-metadata-token-ttl-seconds`), then sends it on every request
//! (`x-aws-ec2-metadata-token`). The client reuses the token until shortly before its TTL
//! ends, and one caller fetches it while concurrent callers wait.
//!
//! The rules follow the AWS SDKs:
//!
//! - `403` to the token request means IMDS is disabled (or IMDSv2 forbidden for the caller):
//!   an error, not retried. `404`/`405` mean an IMDS that has no tokens (some emulators and
//!   old proxies): the client falls back to IMDSv1 (requests without a token) for one token
//!   TTL, unless `AWS_EC2_METADATA_V1_DISABLED=true` or
//!   [`v1_disabled`](ClientBuilder::v1_disabled). `401` to a request means the token went
//!   stale: it is dropped and the request retried.
//! - Server errors (5xx), timeouts and connection failures are retried, a bounded number of
//!   times ([`max_attempts`](ClientBuilder::max_attempts), 3 by default), with a short
//!   backoff. Every attempt is bounded ([`attempt_timeout`](ClientBuilder::attempt_timeout),
//!   2 s), and the default transport connects and reads with 1 s timeouts and never goes
//!   through a proxy: off EC2, IMDS must fail fast.
//! - `AWS_EC2_METADATA_DISABLED=true` turns the client off; the providers then answer
//!   [`CredentialsError::not_loaded`](ziggurat_core::credentials::CredentialsError::not_loaded).
//! - The endpoint: see [`EndpointInputs`] (`AWS_EC2_METADATA_SERVICE_ENDPOINT[_MODE]`, the
//!   profile's `ec2_metadata_service_endpoint[_mode]`, IPv4 `http://169.254.169.254` or IPv6
//!   `http://[fd00:ec2::254]`). Profile values are handed in as strings by the caller: this
//!   module does not read profile files.
//!
//! The session token is sent as a sensitive header and never appears in `Debug`, errors or
//! logs.
//!
//! ```no_run
//! use ziggurat_config::imds::{Client, ImdsCredentialsProvider, ImdsRegionProvider};
//! use ziggurat_core::credentials::ProvideCredentials;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let imds = Client::builder().build();
//! let region = ImdsRegionProvider::new(imds.clone()).region().await;
//! let creds = ImdsCredentialsProvider::new(imds).provide_credentials().await;
//! # }
//! ```
//!
//! A test, or a program that must never ask IMDS, turns it off through a fixed [`Env`](crate::Env):
//!
//! ```
//! use ziggurat_config::Env;
//! use ziggurat_config::imds::{Client, ImdsCredentialsProvider};
//! use ziggurat_core::credentials::ProvideCredentials;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let env = Env::from_pairs([("AWS_EC2_METADATA_DISABLED", "true")]);
//! let provider = ImdsCredentialsProvider::new(Client::builder().env(env).build());
//! let error = provider.provide_credentials().await.unwrap_err();
//! assert!(error.to_string().contains("disabled"));
//! # }
//! ```
use std::fmt;

mod client;
mod credentials;
mod endpoint;
mod region;

pub use client::{
    Client, ClientBuilder, DEFAULT_ATTEMPT_TIMEOUT, DEFAULT_MAX_ATTEMPTS, DEFAULT_TOKEN_TTL,
    ENV_DISABLED, ENV_V1_DISABLED,
};
pub use credentials::{ImdsCredentialsProvider, ImdsCredentialsProviderBuilder};
pub use endpoint::{ENV_ENDPOINT, ENV_ENDPOINT_MODE, EndpointInputs, EndpointMode};
pub use region::ImdsRegionProvider;

/// Why an IMDS request failed.
#[derive(Debug)]
#[non_exhaustive]
pub struct ImdsError {
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    Disabled,
    Forbidden,
    Config(String),
    Status { status: u16, path: String },
    Failure { message: String, timeout: bool },
    InvalidResponse(String),
}

impl ImdsError {
    pub(crate) fn config(message: impl Into<String>) -> Self {
        ImdsError {
            kind: Kind::Config(message.into()),
        }
    }
    fn http_status(status: u16, path: &str) -> Self {
        ImdsError {
            kind: Kind::Status {
                status,
                path: path.to_owned(),
            },
        }
    }
    fn failure(failure: &crate::http::Failure, path: &str) -> Self {
        ImdsError {
            kind: Kind::Failure {
                message: format!("{path}: {failure}"),
                timeout: matches!(failure, crate::http::Failure::Timeout(_)),
            },
        }
    }
    /// IMDS is turned off by configuration (`AWS_EC2_METADATA_DISABLED`).
    pub fn is_disabled(&self) -> bool {
        matches!(self.kind, Kind::Disabled)
    }
    /// IMDS refused a session token (403): it is disabled, or IMDSv2 is not allowed.
    pub fn is_forbidden(&self) -> bool {
        matches!(self.kind, Kind::Forbidden)
    }
    /// The endpoint or endpoint mode is invalid.
    pub fn is_invalid_config(&self) -> bool {
        matches!(self.kind, Kind::Config(_))
    }
    /// The last attempt timed out.
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind, Kind::Failure { timeout: true, .. })
    }
    /// The HTTP status of an unsuccessful response.
    pub fn status(&self) -> Option<u16> {
        match self.kind {
            Kind::Status { status, .. } => Some(status),
            _ => None,
        }
    }
}

impl fmt::Display for ImdsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            Kind::Disabled => write!(f, "IMDS is disabled by {ENV_DISABLED}"),
            Kind::Forbidden => f.write_str(
                "request forbidden: IMDS is disabled or the caller has insufficient permissions",
            ),
            Kind::Config(m) => f.write_str(m),
            Kind::Status { status, path } => write!(f, "IMDS answered HTTP {status} to {path}"),
            Kind::Failure { message, .. } => write!(f, "IMDS request failed: {message}"),
            Kind::InvalidResponse(m) => write!(f, "IMDS sent an invalid response: {m}"),
        }
    }
}

impl std::error::Error for ImdsError {}
