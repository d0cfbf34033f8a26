//! The default credentials chain, assembled by the loader.
use ziggurat_core::config::SdkConfig;
use ziggurat_core::credentials::{CredentialsError, ProvideCredentials, ProvideCredentialsFuture};
use ziggurat_core::transport::HttpClient;

use super::profile::{Context, ProfileCredentialsProvider};
use super::{
    ContainerCredentialsProvider, CredentialsChain, EnvCredentialsProvider,
    WebIdentityTokenProvider,
};
use crate::imds::ImdsCredentialsProvider;
use crate::loader::{ConfigLoader, LoadError};
use crate::profile::{ProfileChain, ProfileChainError, ProfileSet};

/// A profile that configures no credentials: not loaded, so the chain moves on.
#[derive(Debug)]
struct NoProfileCredentials(String);

impl ProvideCredentials for NoProfileCredentials {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        ProvideCredentialsFuture::ready(Err(CredentialsError::not_loaded(self.0.clone())))
    }
}

/// The chain for `loader`: the explicitly selected profile alone when it configures
/// credentials (as the Go SDK does: `AWS_PROFILE` means "these credentials"), else
/// environment, web identity, the profile, the container endpoint, IMDS.
fn context(
    loader: &ConfigLoader,
    profiles: &ProfileSet,
    base: &SdkConfig,
    http: Option<HttpClient>,
) -> Context {
    Context {
        env: loader.env.clone(),
        fs: loader.fs.clone(),
        base: base.clone(),
        mfa: loader.mfa.clone(),
        imds: loader.imds_client(profiles, http),
        profiles: profiles.clone(),
    }
}

/// The selected profile's provider alone; an error when it configures no credentials.
pub(crate) fn profile_provider(
    loader: &ConfigLoader,
    profiles: &ProfileSet,
    base: &SdkConfig,
    http: Option<HttpClient>,
) -> Result<ProfileCredentialsProvider, LoadError> {
    let cx = context(loader, profiles, base, http);
    let (name, _) = loader.selected_profile();
    let chain = ProfileChain::resolve_profile(profiles, &name)
        .map_err(|e| LoadError::new(format!("cannot use the profile `{name}`"), e))?;
    ProfileCredentialsProvider::build(&name, &chain, &cx)
        .map_err(|e| LoadError::msg(format!("cannot use the profile `{name}`: {e}")))
}

pub(crate) fn default_chain(
    loader: &ConfigLoader,
    profiles: &ProfileSet,
    base: &SdkConfig,
    http: Option<HttpClient>,
) -> Result<CredentialsChain, LoadError> {
    let cx = context(loader, profiles, base, http.clone());
    let (name, explicit) = loader.selected_profile();
    let profile = match ProfileChain::resolve_profile(profiles, &name) {
        Ok(chain) => Some(
            ProfileCredentialsProvider::build(&name, &chain, &cx)
                .map_err(|e| LoadError::msg(format!("cannot use the profile `{name}`: {e}")))?,
        ),
        Err(ProfileChainError::NoCredentials { .. } | ProfileChainError::MissingProfile { .. }) => {
            None
        }
        Err(e) => {
            return Err(LoadError::new(
                format!("cannot use the profile `{name}`"),
                e,
            ));
        }
    };
    if explicit && let Some(profile) = profile {
        return Ok(CredentialsChain::first_try("profile", profile));
    }
    let mut container = ContainerCredentialsProvider::builder()
        .env(cx.env.clone())
        .fs(cx.fs.clone());
    if let Some(http) = &http {
        container = container.http_client(http.clone());
    }
    let web_identity = WebIdentityTokenProvider::builder()
        .env(cx.env.clone())
        .fs(cx.fs.clone())
        .sdk_config(base)
        .build();
    let chain =
        CredentialsChain::first_try("environment", EnvCredentialsProvider::new(cx.env.clone()))
            .or_else("web identity", web_identity);
    let chain = match profile {
        Some(profile) => chain.or_else("profile", profile),
        None => chain.or_else(
            "profile",
            NoProfileCredentials(format!("the profile `{name}` configures no credentials")),
        ),
    };
    Ok(chain
        .or_else("container", container.build())
        .or_else("IMDS", ImdsCredentialsProvider::new(cx.imds)))
}
