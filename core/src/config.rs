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
use std::fmt;
use std::sync::Arc;

use crate::context::Region;
use crate::credentials::{Credentials, SharedCredentialsProvider};
pub use crate::retry::{InvalidRetryConfig, RetryConfig, TimeoutConfig};
use crate::time::{SharedSleep, SharedTimeSource};
use crate::transport::HttpClient;

/// Where service-specific endpoint URLs come from: called with a service id (`"DynamoDB"`,
/// `"SSO OIDC"`) when a client of that service is built. `ziggurat-config` sets it from
/// `AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL` and the profile's `endpoint_url` settings.
#[derive(Clone)]
pub struct EndpointUrls(Arc<EndpointUrlFn>);

type EndpointUrlFn = dyn Fn(&str) -> Option<String> + Send + Sync;

impl EndpointUrls {
    /// Endpoint URLs from a function of the service id.
    pub fn new(f: impl Fn(&str) -> Option<String> + Send + Sync + 'static) -> Self {
        EndpointUrls(Arc::new(f))
    }
    /// The endpoint URL configured for `service_id`, if any.
    pub fn get(&self, service_id: &str) -> Option<String> {
        (self.0)(service_id)
    }
}

impl fmt::Debug for EndpointUrls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("EndpointUrls(..)")
    }
}

/// When requests carry a checksum (`request_checksum_calculation`,
/// `AWS_REQUEST_CHECKSUM_CALCULATION`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum RequestChecksumCalculation {
    /// Whenever the operation supports one (the default).
    #[default]
    WhenSupported,
    /// Only when the operation requires one.
    WhenRequired,
}

/// When response checksums are validated (`response_checksum_validation`,
/// `AWS_RESPONSE_CHECKSUM_VALIDATION`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ResponseChecksumValidation {
    /// Whenever the operation supports it (the default).
    #[default]
    WhenSupported,
    /// Only when the operation requires it.
    WhenRequired,
}

macro_rules! when_setting {
    ($($ty:ident),*) => {$(
        impl std::str::FromStr for $ty {
            type Err = String;
            /// `when_supported` or `when_required`, in any case.
            fn from_str(s: &str) -> Result<Self, String> {
                match s.trim().to_ascii_lowercase().as_str() {
                    "when_supported" => Ok($ty::WhenSupported),
                    "when_required" => Ok($ty::WhenRequired),
                    other => Err(format!(
                        "{other:?} is not a valid value: expected `when_supported` or `when_required`"
                    )),
                }
            }
        }
    )*};
}
when_setting!(RequestChecksumCalculation, ResponseChecksumValidation);

/// Which endpoint STS calls use in the legacy global regions (`sts_regional_endpoints`,
/// `AWS_STS_REGIONAL_ENDPOINTS`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StsRegionalEndpoints {
    /// The region's own STS endpoint (the default).
    #[default]
    Regional,
    /// `sts.amazonaws.com` for the regions that used it before regional endpoints existed.
    Legacy,
}

impl std::str::FromStr for StsRegionalEndpoints {
    type Err = String;
    /// `regional` or `legacy`, in any case.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "regional" => Ok(StsRegionalEndpoints::Regional),
            "legacy" => Ok(StsRegionalEndpoints::Legacy),
            other => Err(format!(
                "{other:?} is not a valid value: expected `regional` or `legacy`"
            )),
        }
    }
}

/// Whether endpoints may be chosen by the account id of the credentials
/// (`account_id_endpoint_mode`, `AWS_ACCOUNT_ID_ENDPOINT_MODE`): DynamoDB routes a call to an
/// endpoint of the account (`https://123456789012.ddb.us-east-1.amazonaws.com`) when its rule
/// set knows the account.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AccountIdEndpointMode {
    /// The account's endpoint when the credentials name an account, else the regional one
    /// (the default).
    #[default]
    Preferred,
    /// Never: the account id is not resolved for endpoints, and not sent to the rule set.
    Disabled,
    /// Always: a call whose credentials name no account fails before anything is sent.
    Required,
}

impl AccountIdEndpointMode {
    /// The value as the rule sets' `AWS::Auth::AccountIdEndpointMode` spells it
    /// (`preferred`, `disabled`, `required`).
    pub fn as_str(self) -> &'static str {
        match self {
            AccountIdEndpointMode::Preferred => "preferred",
            AccountIdEndpointMode::Disabled => "disabled",
            AccountIdEndpointMode::Required => "required",
        }
    }
}

impl std::str::FromStr for AccountIdEndpointMode {
    type Err = String;
    /// `preferred`, `disabled` or `required`, in any case.
    fn from_str(s: &str) -> Result<Self, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "preferred" => Ok(AccountIdEndpointMode::Preferred),
            "disabled" => Ok(AccountIdEndpointMode::Disabled),
            "required" => Ok(AccountIdEndpointMode::Required),
            other => Err(format!(
                "{other:?} is not a valid value: expected `preferred`, `disabled` or `required`"
            )),
        }
    }
}

/// Configuration shared by every service client.
#[derive(Clone, Debug, Default)]
pub struct SdkConfig {
    region: Option<Region>,
    credentials: Option<SharedCredentialsProvider>,
    endpoint_url: Option<String>,
    endpoint_urls: Option<EndpointUrls>,
    use_fips: Option<bool>,
    use_dual_stack: Option<bool>,
    request_checksum_calculation: RequestChecksumCalculation,
    response_checksum_validation: ResponseChecksumValidation,
    sts_regional_endpoints: StsRegionalEndpoints,
    account_id_endpoint_mode: AccountIdEndpointMode,
    http_client: Option<HttpClient>,
    time_source: SharedTimeSource,
    sleep: SharedSleep,
    app_name: Option<String>,
    retry_config: RetryConfig,
    retry_config_error: Option<InvalidRetryConfig>,
    timeout_config: TimeoutConfig,
    interceptors: crate::interceptor::Interceptors,
    meter_provider: Option<crate::metrics::SharedMeterProvider>,
    log_mode: crate::log_mode::LogMode,
    log_mode_error: Option<String>,
    trace_resource_names: bool,
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
        let (log_mode, log_mode_error) = match non_empty(crate::log_mode::ENV).map(|v| v.parse()) {
            None => (Default::default(), None),
            Some(Ok(mode)) => (mode, None),
            Some(Err(why)) => (
                Default::default(),
                Some(format!("invalid {}: {why}", crate::log_mode::ENV)),
            ),
        };
        SdkConfig {
            region,
            credentials,
            log_mode,
            log_mode_error,
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
    /// The endpoint override set in code, for every service.
    pub fn endpoint_url(&self) -> Option<&str> {
        self.endpoint_url.as_deref()
    }
    /// The endpoint URL for clients of `service_id` (`"DynamoDB"`, `"SSO OIDC"`): the one set
    /// in code for every service, else the service-specific or global one from
    /// [`EndpointUrls`] (the environment and the profile, when loaded by `ziggurat-config`).
    pub fn endpoint_url_for(&self, service_id: &str) -> Option<String> {
        self.endpoint_url
            .clone()
            .or_else(|| self.endpoint_urls.as_ref()?.get(service_id))
    }
    /// Whether FIPS endpoints are used, when it is set.
    pub fn use_fips(&self) -> Option<bool> {
        self.use_fips
    }
    /// Whether dual-stack (IPv6) endpoints are used, when it is set.
    pub fn use_dual_stack(&self) -> Option<bool> {
        self.use_dual_stack
    }
    /// When requests carry a checksum.
    pub fn request_checksum_calculation(&self) -> RequestChecksumCalculation {
        self.request_checksum_calculation
    }
    /// When response checksums are validated.
    pub fn response_checksum_validation(&self) -> ResponseChecksumValidation {
        self.response_checksum_validation
    }
    /// Which STS endpoint the legacy global regions use.
    pub fn sts_regional_endpoints(&self) -> StsRegionalEndpoints {
        self.sts_regional_endpoints
    }
    /// Whether endpoints may be chosen by the credentials' account id.
    pub fn account_id_endpoint_mode(&self) -> AccountIdEndpointMode {
        self.account_id_endpoint_mode
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
    /// The meter provider of clients built from this configuration, if one is set (else the
    /// process default, [`metrics::set_default_provider`](crate::metrics::set_default_provider)).
    pub fn meter_provider(&self) -> Option<&crate::metrics::SharedMeterProvider> {
        self.meter_provider.as_ref()
    }
    /// What the clients write to the wire log ([`crate::log_mode`]); an error when
    /// `ZIGGURAT_LOG_MODE` held an unknown name (every call of a client then fails with it).
    pub fn log_mode(&self) -> Result<crate::log_mode::LogMode, &str> {
        match &self.log_mode_error {
            Some(e) => Err(e),
            None => Ok(self.log_mode),
        }
    }
    /// Whether operation spans carry the names of the resources a call is about (see
    /// [`SdkConfigBuilder::trace_resource_names`]).
    pub fn trace_resource_names(&self) -> bool {
        self.trace_resource_names
    }
    /// The interceptors of every client built from this configuration, in order.
    pub fn interceptors(&self) -> &crate::interceptor::Interceptors {
        &self.interceptors
    }
    /// Adds an interceptor after the others (for every client built from this configuration
    /// from now on).
    pub fn add_interceptor(&mut self, interceptor: impl crate::interceptor::Intercept) {
        self.interceptors.push(std::sync::Arc::new(interceptor));
    }
}

/// Builds an [`SdkConfig`].
#[derive(Clone, Debug, Default)]
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
    /// Resolves service-specific endpoint URLs through `urls` (the endpoint URL set with
    /// [`endpoint_url`](Self::endpoint_url) still wins).
    pub fn endpoint_urls(mut self, urls: EndpointUrls) -> Self {
        self.config.endpoint_urls = Some(urls);
        self
    }
    /// Uses FIPS endpoints, or not.
    pub fn use_fips(mut self, on: impl Into<Option<bool>>) -> Self {
        self.config.use_fips = on.into();
        self
    }
    /// Uses dual-stack (IPv6) endpoints, or not.
    pub fn use_dual_stack(mut self, on: impl Into<Option<bool>>) -> Self {
        self.config.use_dual_stack = on.into();
        self
    }
    /// Sets when requests carry a checksum.
    pub fn request_checksum_calculation(mut self, when: RequestChecksumCalculation) -> Self {
        self.config.request_checksum_calculation = when;
        self
    }
    /// Sets when response checksums are validated.
    pub fn response_checksum_validation(mut self, when: ResponseChecksumValidation) -> Self {
        self.config.response_checksum_validation = when;
        self
    }
    /// Sets which STS endpoint the legacy global regions use.
    pub fn sts_regional_endpoints(mut self, which: StsRegionalEndpoints) -> Self {
        self.config.sts_regional_endpoints = which;
        self
    }
    /// Sets whether endpoints may be chosen by the credentials' account id.
    pub fn account_id_endpoint_mode(mut self, mode: AccountIdEndpointMode) -> Self {
        self.config.account_id_endpoint_mode = mode;
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
    /// Emits the AWS SDK metrics of every client built from this configuration to `provider`.
    pub fn meter_provider(mut self, provider: crate::metrics::SharedMeterProvider) -> Self {
        self.config.meter_provider = Some(provider);
        self
    }
    /// What the clients write to the wire log ([`crate::log_mode`]), replacing a mode (or an
    /// invalid one) read from the environment.
    pub fn log_mode(mut self, mode: crate::log_mode::LogMode) -> Self {
        self.config.log_mode = mode;
        self.config.log_mode_error = None;
        self
    }
    /// Puts the names of the resources a call is about on its operation span, as the
    /// OpenTelemetry conventions for AWS SDK calls name them: `aws.s3.bucket` and `aws.s3.key`,
    /// `aws.dynamodb.table_names` (the tables, or table ARNs, comma-separated). Off by default:
    /// object keys and table names can hold private data, and spans often leave the process.
    pub fn trace_resource_names(mut self, yes: bool) -> Self {
        self.config.trace_resource_names = yes;
        self
    }
    /// Adds an interceptor for every client built from this configuration (after those added
    /// before it).
    pub fn interceptor(mut self, interceptor: impl crate::interceptor::Intercept) -> Self {
        self.config.add_interceptor(interceptor);
        self
    }
    /// The configuration.
    pub fn build(self) -> SdkConfig {
        self.config
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_endpoint_url_set_in_code_wins_over_service_specific_ones() {
        let urls = EndpointUrls::new(|id| (id == "DynamoDB").then(|| "http://ddb".to_owned()));
        let config = SdkConfig::builder().endpoint_urls(urls.clone()).build();
        assert_eq!(
            config.endpoint_url_for("DynamoDB").as_deref(),
            Some("http://ddb")
        );
        assert_eq!(config.endpoint_url_for("S3"), None);
        let config = config.to_builder().endpoint_url("http://all").build();
        assert_eq!(
            config.endpoint_url_for("DynamoDB").as_deref(),
            Some("http://all")
        );
    }

    #[test]
    fn settings_parse_in_any_case_and_name_bad_values() {
        assert_eq!(
            " When_Required".parse::<RequestChecksumCalculation>(),
            Ok(RequestChecksumCalculation::WhenRequired)
        );
        assert_eq!(
            "when_supported".parse::<ResponseChecksumValidation>(),
            Ok(ResponseChecksumValidation::WhenSupported)
        );
        assert_eq!("LEGACY".parse(), Ok(StsRegionalEndpoints::Legacy));
        assert_eq!(" Required".parse(), Ok(AccountIdEndpointMode::Required));
        let err = "maybe".parse::<AccountIdEndpointMode>().unwrap_err();
        assert!(
            err.contains("\"maybe\"") && err.contains("`disabled`"),
            "{err}"
        );
        let err = "sometimes"
            .parse::<RequestChecksumCalculation>()
            .unwrap_err();
        assert!(
            err.contains("\"sometimes\"") && err.contains("when_required"),
            "{err}"
        );
    }
}
