//! Shared client configuration: [`SdkConfig`].
//!
//! One `SdkConfig` configures every service client: region, credentials, an endpoint override,
//! the HTTP client, retries and timeouts, and the clock and sleep used for signing and retries.
//! It is loaded from code ([`SdkConfig::builder`]) or from the environment
//! ([`SdkConfig::from_env`]), the way every AWS SDK reads `AWS_REGION`, `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_ENDPOINT_URL`, `AWS_RETRY_MODE`,
//! `AWS_MAX_ATTEMPTS` and `AWS_NEW_RETRIES_2026` (see [`RetryConfig::from_env_with`]). Nothing
//! is checked here: a missing region, missing credentials or an invalid retry setting is
//! reported as a construction error by the first call, before anything is sent.
//!
//! ```
//! use ziggurat_core::config::SdkConfig;
//! use ziggurat_core::context::Region;
//! use ziggurat_core::credentials::Credentials;
//!
//! let config = SdkConfig::builder()
//!     .region(Region::from_static("eu-west-1"))
//!     .credentials(Credentials::new("AKID", "SECRET", None))
//!     .endpoint_url("http://127.0.0.1:9000")
//!     .build();
//! assert_eq!(config.region().unwrap().as_str(), "eu-west-1");
//!
//! let from_env = SdkConfig::from_env_with(|k| (k == "AWS_REGION").then(|| "us-west-2".to_owned()));
//! assert_eq!(from_env.region().unwrap().as_str(), "us-west-2");
//! assert!(from_env.credentials().is_none());
//! assert_eq!(from_env.retry_config().unwrap().max_attempts(), None);
//! ```
use crate::context::Region;
use crate::credentials::{Credentials, SharedCredentialsProvider};
pub use crate::retry::{InvalidRetryConfig, RetryConfig, TimeoutConfig};
use crate::time::{SharedSleep, SharedTimeSource};
use crate::transport::HttpClient;

/// Configuration shared by every service client.
#[derive(Clone, Debug, Default)]
pub struct SdkConfig {
    region: Option<Region>,
    credentials: Option<SharedCredentialsProvider>,
    endpoint_url: Option<String>,
    http_client: Option<HttpClient>,
    time_source: SharedTimeSource,
    sleep: SharedSleep,
    app_name: Option<String>,
    retry_config: RetryConfig,
    retry_config_error: Option<InvalidRetryConfig>,
    timeout_config: TimeoutConfig,
}

impl SdkConfig {
    /// A builder.
    pub fn builder() -> SdkConfigBuilder {
        SdkConfigBuilder::default()
    }

    /// Configuration from the process environment.
    pub fn from_env() -> SdkConfig {
        Self::from_env_with(|k| std::env::var(k).ok())
    }

    /// Configuration from environment variables read through `var`.
    pub fn from_env_with(var: impl Fn(&str) -> Option<String>) -> SdkConfig {
        let non_empty = |k: &str| {
            var(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let region = non_empty("AWS_REGION")
            .or_else(|| non_empty("AWS_DEFAULT_REGION"))
            .map(Region::new);
        let credentials = Credentials::from_env_with(&var)
            .ok()
            .map(SharedCredentialsProvider::new);
        let (retry_config, retry_config_error) = match RetryConfig::from_env_with(&var) {
            Ok(c) => (c, None),
            Err(e) => (RetryConfig::default(), Some(e)),
        };
        SdkConfig {
            region,
            credentials,
            endpoint_url: non_empty("AWS_ENDPOINT_URL"),
            app_name: non_empty("AWS_SDK_UA_APP_ID"),
            retry_config,
            retry_config_error,
            ..Default::default()
        }
    }

    /// A builder holding this configuration, to change some of it.
    pub fn to_builder(&self) -> SdkConfigBuilder {
        SdkConfigBuilder {
            config: self.clone(),
        }
    }

    /// The region.
    pub fn region(&self) -> Option<&Region> {
        self.region.as_ref()
    }
    /// The credentials provider.
    pub fn credentials(&self) -> Option<&SharedCredentialsProvider> {
        self.credentials.as_ref()
    }
    /// The endpoint override.
    pub fn endpoint_url(&self) -> Option<&str> {
        self.endpoint_url.as_deref()
    }
    /// The HTTP client; `None` means the default hyper client.
    pub fn http_client(&self) -> Option<&HttpClient> {
        self.http_client.as_ref()
    }
    /// The clock used for signing.
    pub fn time_source(&self) -> &SharedTimeSource {
        &self.time_source
    }
    /// The sleep that times backoff between retries, the attempt and operation timeouts, and
    /// the response-body idle limit.
    pub fn sleep(&self) -> &SharedSleep {
        &self.sleep
    }
    /// The application name added to the user agent.
    pub fn app_name(&self) -> Option<&str> {
        self.app_name.as_deref()
    }
    /// How clients retry, or why the environment's retry settings cannot be used (reported by
    /// every call of a client built from this configuration).
    pub fn retry_config(&self) -> Result<&RetryConfig, &InvalidRetryConfig> {
        match &self.retry_config_error {
            Some(e) => Err(e),
            None => Ok(&self.retry_config),
        }
    }
    /// The operation and attempt timeouts.
    pub fn timeout_config(&self) -> TimeoutConfig {
        self.timeout_config
    }
}

/// Builds an [`SdkConfig`].
#[derive(Debug, Default)]
pub struct SdkConfigBuilder {
    config: SdkConfig,
}

impl SdkConfigBuilder {
    /// Sets the region.
    pub fn region(mut self, region: impl Into<Option<Region>>) -> Self {
        self.config.region = region.into();
        self
    }
    /// Sets static credentials or any provider.
    pub fn credentials(mut self, provider: impl Into<SharedCredentialsProvider>) -> Self {
        self.config.credentials = Some(provider.into());
        self
    }
    /// Removes the credentials: requests are sent unsigned only by anonymous operations, others
    /// fail with a construction error.
    pub fn no_credentials(mut self) -> Self {
        self.config.credentials = None;
        self
    }
    /// Sends every request to this endpoint instead of the regional default.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.config.endpoint_url = Some(url.into());
        self
    }
    /// Uses this HTTP client.
    pub fn http_client(mut self, client: HttpClient) -> Self {
        self.config.http_client = Some(client);
        self
    }
    /// Uses this clock for signing.
    pub fn time_source(mut self, time: SharedTimeSource) -> Self {
        self.config.time_source = time;
        self
    }
    /// Uses this sleep for backoff between retries, the attempt and operation timeouts, and
    /// the response-body idle limit.
    pub fn sleep(mut self, sleep: SharedSleep) -> Self {
        self.config.sleep = sleep;
        self
    }
    /// Adds an application name to the user agent.
    pub fn app_name(mut self, name: impl Into<String>) -> Self {
        self.config.app_name = Some(name.into());
        self
    }
    /// Sets how clients retry; it replaces the environment's retry settings, valid or not.
    pub fn retry_config(mut self, config: RetryConfig) -> Self {
        self.config.retry_config = config;
        self.config.retry_config_error = None;
        self
    }
    /// Sets the operation and attempt timeouts.
    pub fn timeout_config(mut self, config: TimeoutConfig) -> Self {
        self.config.timeout_config = config;
        self
    }
    /// The configuration.
    pub fn build(self) -> SdkConfig {
        self.config
    }
}
