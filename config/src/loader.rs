//! [`ConfigLoader`] and [`load_defaults`]: an [`SdkConfig`] from code, the environment and
//! the shared files, the way every AWS SDK builds one.
//!
//! Each setting comes from code when it is set there, else from its environment variable,
//! else from the selected profile (see [`settings`](crate::settings)). Credentials come from
//! code, or from the default chain: the selected profile first when it was chosen explicitly
//! (`AWS_PROFILE`, or in code) and configures credentials, as the Go SDK does; otherwise the
//! environment, web identity, the profile, the container endpoint, then IMDS. The chain is
//! built at load and fetched at the first call, behind a
//! [`CredentialsCache`](ziggurat_core::credentials::CredentialsCache).
//!
//! Everything that can be checked without the network is checked at load: a file that cannot
//! be parsed, a profile that was asked for and does not exist, a role chain with a cycle, an
//! `mfa_serial` without a token provider, a value that is not valid for its setting. The error
//! says which file, line, profile and key.
//!
//! ```
//! use ziggurat_config::{ConfigLoader, Env, Fs};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let env = Env::from_pairs([
//!     ("HOME", "/home/me"),
//!     ("AWS_PROFILE", "dev"),
//!     ("AWS_EC2_METADATA_DISABLED", "true"),
//! ]);
//! let fs = Fs::from_pairs([(
//!     "/home/me/.aws/config",
//!     "[profile dev]\nregion = eu-west-1\nmax_attempts = 5\n",
//! )]);
//! let config = ConfigLoader::new().env(env).fs(fs).load().await.unwrap();
//! assert_eq!(config.region().unwrap().as_str(), "eu-west-1");
//! assert_eq!(config.retry_config().unwrap().max_attempts(), Some(5));
//! # }
//! ```
use std::fmt;
use std::path::PathBuf;

use ziggurat_core::config::{
    AccountIdEndpointMode, EndpointUrls, RequestChecksumCalculation, ResponseChecksumValidation,
    RetryConfig, SdkConfig, StsRegionalEndpoints, TimeoutConfig,
};
use ziggurat_core::context::Region;
use ziggurat_core::credentials::{CredentialsCache, SharedCredentialsProvider};
use ziggurat_core::error::BoxError;
use ziggurat_core::time::{SharedSleep, SharedTimeSource};
use ziggurat_core::transport::{HttpClient, HyperTransport};

use crate::endpoint_url::ServiceEndpointUrl;
use crate::profile::{ProfileFiles, ProfileSet};
use crate::settings::{self, Resolved};
use crate::{Env, Fs, imds};

/// An [`SdkConfig`] from code, the process environment and the shared files.
///
/// `ConfigLoader::new().load().await`; see [`ConfigLoader`] for the options.
pub async fn load_defaults() -> Result<SdkConfig, LoadError> {
    ConfigLoader::new().load().await
}

/// `SdkConfig::load_defaults()`, for those who prefer it spelled on the type.
pub trait LoadDefaults: Sized {
    /// [`load_defaults`].
    fn load_defaults() -> impl Future<Output = Result<Self, LoadError>> + Send;
}

impl LoadDefaults for SdkConfig {
    fn load_defaults() -> impl Future<Output = Result<Self, LoadError>> + Send {
        load_defaults()
    }
}

/// Builds an [`SdkConfig`]: values set here win over the environment, which wins over the
/// shared files. See the [crate documentation](crate).
#[derive(Debug, Default, Clone)]
pub struct ConfigLoader {
    pub(crate) env: Env,
    pub(crate) fs: Fs,
    files: Option<ProfileFiles>,
    extra_config_files: Vec<PathBuf>,
    extra_credentials_files: Vec<PathBuf>,
    profile_name: Option<String>,
    region: Option<Region>,
    credentials: Option<SharedCredentialsProvider>,
    pub(crate) mfa: Option<crate::provider::SharedMfaTokenProvider>,
    http_client: Option<HttpClient>,
    endpoint_url: Option<String>,
    retry_config: Option<RetryConfig>,
    timeout_config: Option<TimeoutConfig>,
    log_mode: Option<ziggurat_core::log_mode::LogMode>,
    time_source: Option<SharedTimeSource>,
    sleep: Option<SharedSleep>,
}

impl ConfigLoader {
    /// A loader reading the process environment and the real file system.
    pub fn new() -> Self {
        ConfigLoader::default()
    }
    /// Reads environment variables from `env` instead of the process.
    pub fn env(mut self, env: Env) -> Self {
        self.env = env;
        self
    }
    /// Reads files through `fs` instead of the real file system.
    pub fn fs(mut self, fs: Fs) -> Self {
        self.fs = fs;
        self
    }
    /// Uses this profile instead of `AWS_PROFILE` (or `default`).
    pub fn profile_name(mut self, name: impl Into<String>) -> Self {
        self.profile_name = Some(name.into());
        self
    }
    /// Also reads this config file, after the default one (several: in order, later wins).
    pub fn config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.extra_config_files.push(path.into());
        self
    }
    /// Also reads this credentials file, after the default one.
    pub fn credentials_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.extra_credentials_files.push(path.into());
        self
    }
    /// Reads the shared files as `files` says (instead of the default locations, plus the
    /// files added with [`config_file`](Self::config_file) and
    /// [`credentials_file`](Self::credentials_file)).
    pub fn profile_files(mut self, files: ProfileFiles) -> Self {
        self.files = Some(files);
        self
    }
    /// Uses this region.
    pub fn region(mut self, region: Region) -> Self {
        self.region = Some(region);
        self
    }
    /// Uses these credentials (or provider) instead of the default chain.
    pub fn credentials(mut self, provider: impl Into<SharedCredentialsProvider>) -> Self {
        self.credentials = Some(provider.into());
        self
    }
    /// Asks `provider` for the MFA code of a role with `mfa_serial`, on every refresh.
    pub fn mfa_token_provider(mut self, provider: impl crate::provider::MfaTokenProvider) -> Self {
        self.mfa = Some(crate::provider::SharedMfaTokenProvider::new(provider));
        self
    }
    /// Uses this HTTP client, for the services and for the credential providers.
    pub fn http_client(mut self, client: HttpClient) -> Self {
        self.http_client = Some(client);
        self
    }
    /// Sends every service's requests to this endpoint.
    pub fn endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.endpoint_url = Some(url.into());
        self
    }
    /// Retries this way instead of `max_attempts` / `retry_mode`.
    pub fn retry_config(mut self, config: RetryConfig) -> Self {
        self.retry_config = Some(config);
        self
    }
    /// Writes this to the wire log instead of what `ZIGGURAT_LOG_MODE` says (see
    /// [`ziggurat_core::log_mode`]).
    pub fn log_mode(mut self, mode: ziggurat_core::log_mode::LogMode) -> Self {
        self.log_mode = Some(mode);
        self
    }
    /// Uses these timeouts.
    pub fn timeout_config(mut self, config: TimeoutConfig) -> Self {
        self.timeout_config = Some(config);
        self
    }
    /// Uses this clock (signing, credential expiry).
    pub fn time_source(mut self, time: SharedTimeSource) -> Self {
        self.time_source = Some(time);
        self
    }
    /// Uses this sleep (retries, timeouts).
    pub fn sleep(mut self, sleep: SharedSleep) -> Self {
        self.sleep = Some(sleep);
        self
    }

    /// The profile name in use: the one set in code, else `AWS_PROFILE`, else
    /// `AWS_DEFAULT_PROFILE`, else `default`; and whether it was chosen explicitly.
    pub fn selected_profile(&self) -> (String, bool) {
        match self
            .profile_name
            .clone()
            .or_else(|| self.env.get_non_empty("AWS_PROFILE"))
            .or_else(|| self.env.get_non_empty("AWS_DEFAULT_PROFILE"))
        {
            Some(name) => (name, true),
            None => ("default".to_owned(), false),
        }
    }

    /// Reads and merges the shared files, and checks that an explicitly chosen profile exists.
    pub fn load_profiles(&self) -> Result<ProfileSet, LoadError> {
        let mut files = self.files.clone().unwrap_or_default();
        if let Some(name) = &self.profile_name {
            files = files.with_profile_name(name.clone());
        }
        for path in &self.extra_config_files {
            files = files.with_config_file(path.clone());
        }
        for path in &self.extra_credentials_files {
            files = files.with_credentials_file(path.clone());
        }
        let profiles = files
            .load(&self.env, &self.fs)
            .map_err(|e| LoadError::new("cannot load the shared config files", e))?;
        let (name, explicit) = self.selected_profile();
        if explicit && profiles.selected().is_none() {
            return Err(LoadError::msg(format!(
                "the profile `{name}` was selected but is in none of the shared config and \
                 credentials files"
            )));
        }
        Ok(profiles)
    }

    /// Loads the configuration. See the [crate documentation](crate).
    pub async fn load(self) -> Result<SdkConfig, LoadError> {
        let (b, profiles, http_client) = self.load_settings().await?;
        // The base for providers that call STS, SSO and SSO-OIDC: region, endpoint settings,
        // HTTP client, clock; never the credentials being resolved.
        let base = b.clone().no_credentials().build();
        let credentials = match &self.credentials {
            Some(provider) => provider.clone(),
            None => {
                let chain = crate::provider::default_chain(&self, &profiles, &base, http_client)?;
                let mut cache = CredentialsCache::new(chain);
                if let Some(time) = &self.time_source {
                    cache = cache.with_time_source(time.clone());
                }
                SharedCredentialsProvider::new(cache)
            }
        };
        Ok(b.credentials(credentials).build())
    }

    /// The credentials of the selected profile alone (not the default chain): its static
    /// keys, SSO, process or web identity, through every role it assumes. An error when the
    /// profile configures no credentials.
    pub async fn load_profile_credentials(
        self,
    ) -> Result<crate::provider::ProfileCredentialsProvider, LoadError> {
        let (b, profiles, http_client) = self.load_settings().await?;
        let base = b.no_credentials().build();
        crate::provider::default_chain::profile_provider(&self, &profiles, &base, http_client)
    }

    /// The SSO bearer token of the selected profile's `sso_session` (for services that
    /// authenticate with a token): read from the aws CLI's cache, refreshed when it is about
    /// to expire. An error when the profile names no SSO session.
    pub async fn load_sso_token_provider(
        self,
    ) -> Result<crate::provider::SsoTokenProvider, LoadError> {
        let (b, profiles, _) = self.load_settings().await?;
        let base = b.no_credentials().build();
        let profile = profiles.selected().ok_or_else(|| {
            LoadError::msg(format!(
                "the profile `{}` does not exist",
                profiles.selected_name()
            ))
        })?;
        let session_name = profile.get("sso_session").ok_or_else(|| {
            LoadError::msg(format!(
                "the profile `{}` names no `sso_session`",
                profile.name()
            ))
        })?;
        let session = profiles.sso_session(session_name).ok_or_else(|| {
            LoadError::msg(format!(
                "the profile `{}` names the SSO session `{session_name}`, which no \
                 `[sso-session {session_name}]` section defines",
                profile.name()
            ))
        })?;
        let required = |key: &str| {
            session.get(key).ok_or_else(|| {
                LoadError::msg(format!("the SSO session `{session_name}` has no `{key}`"))
            })
        };
        crate::provider::SsoTokenProvider::builder()
            .session_name(session_name)
            .start_url(required("sso_start_url")?)
            .sso_region(required("sso_region")?)
            .env(self.env.clone())
            .fs(self.fs.clone())
            .sdk_config(&base)
            .build()
            .map_err(|e| LoadError::new(format!("the SSO session `{session_name}`"), e))
    }

    /// Everything but the credentials.
    async fn load_settings(
        &self,
    ) -> Result<
        (
            ziggurat_core::config::SdkConfigBuilder,
            ProfileSet,
            Option<HttpClient>,
        ),
        LoadError,
    > {
        let profiles = self.load_profiles()?;
        let env = &self.env;
        let get = |name: &str| settings::resolve(env, &profiles, name);
        let invalid = |name: &str, r: &Resolved, why: String| {
            LoadError::msg(format!(
                "invalid value {:?} for `{name}` from {}: {why}",
                r.value, r.source
            ))
        };

        let mut b = SdkConfig::builder();

        // The HTTP client: code, else one trusting `ca_bundle` too, else the default.
        let http_client = match (&self.http_client, get("ca_bundle")) {
            (Some(client), _) => Some(client.clone()),
            (None, Some(bundle)) => Some(
                HyperTransport::builder()
                    .ca_bundle(&bundle.value)
                    .build()
                    .map_err(|e| {
                        LoadError::new(
                            format!(
                                "cannot use the CA bundle `{}` from {}",
                                bundle.value, bundle.source
                            ),
                            e,
                        )
                    })?,
            ),
            (None, None) => None,
        };
        if let Some(client) = &http_client {
            b = b.http_client(client.clone());
        }
        if let Some(time) = &self.time_source {
            b = b.time_source(time.clone());
        }
        if let Some(sleep) = &self.sleep {
            b = b.sleep(sleep.clone());
        }

        // Endpoints: one URL from code for every service, else per service from env and profile.
        if let Some(url) = &self.endpoint_url {
            b = b.endpoint_url(url.clone());
        }
        {
            let env = self.env.clone();
            let profiles = profiles.clone();
            b = b.endpoint_urls(EndpointUrls::new(move |service_id| {
                match ServiceEndpointUrl::new(service_id).resolve(&env, Some(&profiles)) {
                    Ok(url) => url.map(|u| u.url().to_owned()),
                    Err(e) => {
                        tracing::warn!(service = service_id, error = %e, "configured endpoint URL ignored");
                        None
                    }
                }
            }));
        }
        b = b
            .use_fips(
                settings::resolve_bool(env, &profiles, "use_fips_endpoint")
                    .map_err(LoadError::msg)?,
            )
            .use_dual_stack(
                settings::resolve_bool(env, &profiles, "use_dualstack_endpoint")
                    .map_err(LoadError::msg)?,
            );
        if let Some(r) = get("request_checksum_calculation") {
            let v = r
                .value
                .parse::<RequestChecksumCalculation>()
                .map_err(|why| invalid("request_checksum_calculation", &r, why))?;
            b = b.request_checksum_calculation(v);
        }
        if let Some(r) = get("response_checksum_validation") {
            let v = r
                .value
                .parse::<ResponseChecksumValidation>()
                .map_err(|why| invalid("response_checksum_validation", &r, why))?;
            b = b.response_checksum_validation(v);
        }
        if let Some(r) = get("sts_regional_endpoints") {
            let v = r
                .value
                .parse::<StsRegionalEndpoints>()
                .map_err(|why| invalid("sts_regional_endpoints", &r, why))?;
            b = b.sts_regional_endpoints(v);
        }
        if let Some(r) = get("account_id_endpoint_mode") {
            let v = r
                .value
                .parse::<AccountIdEndpointMode>()
                .map_err(|why| invalid("account_id_endpoint_mode", &r, why))?;
            b = b.account_id_endpoint_mode(v);
        }
        if let Some(r) = get("sdk_ua_app_id") {
            b = b.app_name(r.value);
        }

        // Retries: code, else `max_attempts` / `retry_mode` from env or profile.
        let retry = match &self.retry_config {
            Some(config) => config.clone(),
            None => RetryConfig::from_env_with(|var| match var {
                "AWS_MAX_ATTEMPTS" => get("max_attempts").map(|r| r.value),
                "AWS_RETRY_MODE" => get("retry_mode").map(|r| r.value),
                other => env.get(other),
            })
            .map_err(|e| {
                let name = if e.variable() == "AWS_MAX_ATTEMPTS" {
                    "max_attempts"
                } else {
                    "retry_mode"
                };
                let from = get(name)
                    .map(|r| format!(" (from {})", r.source))
                    .unwrap_or_default();
                LoadError::new(format!("{e}{from}"), e)
            })?,
        };
        b = b.retry_config(retry);
        // The wire log: code, else `ZIGGURAT_LOG_MODE` (env only: a shared profile is no place
        // for a debugging switch). An unknown name fails the load.
        let log_mode = match self.log_mode {
            Some(mode) => mode,
            None => match env.get_non_empty(ziggurat_core::log_mode::ENV) {
                Some(value) => value.parse().map_err(|why| {
                    LoadError::msg(format!(
                        "invalid value {value:?} for {}: {why}",
                        ziggurat_core::log_mode::ENV
                    ))
                })?,
                None => Default::default(),
            },
        };
        b = b.log_mode(log_mode);
        if let Some(timeouts) = self.timeout_config {
            b = b.timeout_config(timeouts);
        }

        // Region: code, env, profile, then IMDS.
        let region = match (&self.region, get("region")) {
            (Some(region), _) => Some(region.clone()),
            (None, Some(r)) => Some(Region::new(r.value)),
            (None, None) => self.imds_region(&profiles, http_client.clone()).await,
        };
        b = b.region(region);
        Ok((b, profiles, http_client))
    }

    /// The IMDS client for this environment and profile.
    pub(crate) fn imds_client(
        &self,
        profiles: &ProfileSet,
        http: Option<HttpClient>,
    ) -> imds::Client {
        let profile_value = |k: &str| settings::from_profile(profiles, k).map(|r| r.value);
        let endpoint = profile_value("ec2_metadata_service_endpoint");
        let mode = profile_value("ec2_metadata_service_endpoint_mode");
        let mut builder = imds::Client::builder()
            .env(self.env.clone())
            .profile_endpoint(endpoint.as_deref())
            .profile_endpoint_mode(mode.as_deref());
        if settings::resolve_bool(&self.env, profiles, "ec2_metadata_v1_disabled") == Ok(Some(true))
        {
            builder = builder.v1_disabled(true);
        }
        if let Some(http) = http {
            builder = builder.http_client(http);
        }
        if let Some(time) = &self.time_source {
            builder = builder.time_source(time.clone());
        }
        if let Some(sleep) = &self.sleep {
            builder = builder.sleep(sleep.clone());
        }
        builder.build()
    }

    async fn imds_region(&self, profiles: &ProfileSet, http: Option<HttpClient>) -> Option<Region> {
        let client = self.imds_client(profiles, http);
        if client.is_disabled() {
            return None;
        }
        match imds::ImdsRegionProvider::new(client).region().await {
            Ok(region) => Some(region),
            Err(e) => {
                tracing::debug!(error = %e, "no region from IMDS");
                None
            }
        }
    }
}

/// Why configuration could not be loaded: which file, line, profile or setting, and why.
#[derive(Debug)]
pub struct LoadError {
    message: String,
    source: Option<BoxError>,
}

impl LoadError {
    pub(crate) fn new(message: impl Into<String>, source: impl Into<BoxError>) -> Self {
        let source = source.into();
        LoadError {
            message: format!("{}: {source}", message.into()),
            source: Some(source),
        }
    }
    pub(crate) fn msg(message: impl Into<String>) -> Self {
        LoadError {
            message: message.into(),
            source: None,
        }
    }
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_ref()
            .map(|e| e.as_ref() as &(dyn std::error::Error + 'static))
    }
}
