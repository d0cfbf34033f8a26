//! [`ProfileCredentialsProvider`]: the credentials a profile configures, through every role
//! it chains.
//!
//! A profile's credentials are a base source (static keys, web identity, SSO,
//! `credential_process`, or a `credential_source`) and any number of roles assumed in turn,
//! as [`ProfileChain`] resolves them. This provider builds that chain of providers once, when
//! configuration is loaded, so a bad profile (a cycle, a role with `mfa_serial` and no MFA
//! token provider, an unknown `credential_source`) is an error then, not at the first call.
//!
//! ```
//! use ziggurat_config::{ConfigLoader, Env, Fs};
//! use ziggurat_core::credentials::ProvideCredentials;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let env = Env::from_pairs([("HOME", "/home/me"), ("AWS_PROFILE", "dev"), ("AWS_EC2_METADATA_DISABLED", "true")]);
//! let fs = Fs::from_pairs([(
//!     "/home/me/.aws/credentials",
//!     "[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = secret\n",
//! )]);
//! let config = ConfigLoader::new().env(env).fs(fs).load().await.unwrap();
//! let credentials = config.credentials().unwrap().provide_credentials().await.unwrap();
//! assert_eq!(credentials.access_key_id(), "AKIDDEV");
//! # }
//! ```
use std::fmt;

use ziggurat_core::config::SdkConfig;
use ziggurat_core::credentials::{
    Credentials, ProvideCredentials, ProvideCredentialsFuture, SharedCredentialsProvider,
};

use super::{
    AssumeRoleProvider, ContainerCredentialsProvider, CredentialProcessProvider,
    EnvCredentialsProvider, SharedMfaTokenProvider, SsoCredentialsProvider,
    WebIdentityTokenProvider,
};
use crate::imds::{self, ImdsCredentialsProvider};
use crate::profile::ProfileChain;
use crate::profile::chain::{BaseSource, NamedSource};
use crate::{Env, Fs};

/// What building a profile's providers needs from the loader.
#[derive(Clone)]
pub(crate) struct Context {
    pub env: Env,
    pub fs: Fs,
    /// Region, endpoints, HTTP client and clock for STS, SSO and SSO-OIDC; no credentials.
    pub base: SdkConfig,
    pub mfa: Option<SharedMfaTokenProvider>,
    pub imds: imds::Client,
    pub profiles: crate::profile::ProfileSet,
}

/// `credential_process` credentials, with the profile's `aws_account_id` when the process
/// does not say its account.
#[derive(Debug)]
struct AccountFallback {
    inner: CredentialProcessProvider,
    account_id: Option<String>,
}

impl ProvideCredentials for AccountFallback {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        ProvideCredentialsFuture::new(async move {
            let credentials = self.inner.provide_credentials().await?;
            Ok(match (credentials.account_id(), &self.account_id) {
                (None, Some(id)) => credentials.with_account_id(Some(id.clone())),
                _ => credentials,
            })
        })
    }
}

/// The credentials of one profile, through its chain of roles. See the
/// [module documentation](self).
#[derive(Clone)]
pub struct ProfileCredentialsProvider {
    profile: String,
    description: String,
    provider: SharedCredentialsProvider,
}

impl ProfileCredentialsProvider {
    pub(crate) fn build(profile: &str, chain: &ProfileChain, cx: &Context) -> Result<Self, String> {
        let mut provider = base_provider(chain.base(), cx)?;
        let mut description = describe(chain.base());
        for role in chain.roles() {
            let mut b = AssumeRoleProvider::builder(role.role_arn.clone())
                .source(provider)
                .sdk_config(&cx.base);
            if let Some(id) = &role.external_id {
                b = b.external_id(id.clone());
            }
            if let Some(name) = &role.role_session_name {
                b = b.session_name(name.clone());
            }
            if let Some(seconds) = role.duration_seconds {
                b = b.duration_seconds(seconds);
            }
            if let Some(serial) = &role.mfa_serial {
                b = b.mfa_serial(serial.clone());
                if let Some(mfa) = &cx.mfa {
                    b = b.shared_mfa_token_provider(mfa.clone());
                }
            }
            let assumed = b
                .build()
                .map_err(|e| format!("profile `{}` ({}): {e}", role.profile, role.origin))?;
            provider = SharedCredentialsProvider::new(assumed);
            description.push_str(&format!(
                " -> role {} (profile `{}`)",
                role.role_arn, role.profile
            ));
        }
        Ok(ProfileCredentialsProvider {
            profile: profile.to_owned(),
            description,
            provider,
        })
    }

    /// The profile's name.
    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// The chain, in words: `static keys (profile a) -> role arn:... (profile b)`.
    pub fn description(&self) -> &str {
        &self.description
    }
}

fn describe(base: &BaseSource) -> String {
    match base {
        BaseSource::AccessKey(k) => format!("static keys (profile `{}`)", k.profile),
        BaseSource::WebIdentityToken(w) => format!("web identity (profile `{}`)", w.profile),
        BaseSource::Sso(s) => format!("SSO (profile `{}`)", s.profile),
        BaseSource::CredentialProcess(p) => format!("credential_process (profile `{}`)", p.profile),
        BaseSource::NamedSource(n) => format!("credential_source {}", n.as_str()),
    }
}

fn base_provider(base: &BaseSource, cx: &Context) -> Result<SharedCredentialsProvider, String> {
    Ok(match base {
        BaseSource::AccessKey(k) => SharedCredentialsProvider::new(
            Credentials::new(
                k.access_key_id.clone(),
                k.secret_access_key.clone(),
                k.session_token.clone(),
            )
            .with_account_id(k.account_id.clone()),
        ),
        BaseSource::WebIdentityToken(w) => {
            let mut b = WebIdentityTokenProvider::builder()
                .env(cx.env.clone())
                .fs(cx.fs.clone())
                .sdk_config(&cx.base)
                .token_file(w.web_identity_token_file.clone())
                .role_arn(w.role_arn.clone());
            if let Some(name) = &w.role_session_name {
                b = b.session_name(name.clone());
            }
            SharedCredentialsProvider::new(b.build())
        }
        BaseSource::Sso(s) => {
            let (Some(account), Some(role)) = (&s.sso_account_id, &s.sso_role_name) else {
                return Err(format!(
                    "profile `{}` configures SSO without `sso_account_id` and `sso_role_name`",
                    s.profile
                ));
            };
            let mut b = SsoCredentialsProvider::builder()
                .start_url(s.sso_start_url.clone())
                .sso_region(s.sso_region.clone())
                .account_id(account.clone())
                .role_name(role.clone())
                .env(cx.env.clone())
                .fs(cx.fs.clone())
                .sdk_config(&cx.base);
            if let Some(session) = &s.sso_session {
                b = b.session_name(session.clone());
            }
            SharedCredentialsProvider::new(
                b.build()
                    .map_err(|e| format!("profile `{}`: {e}", s.profile))?,
            )
        }
        BaseSource::CredentialProcess(p) => SharedCredentialsProvider::new(AccountFallback {
            inner: CredentialProcessProvider::new(p.command.clone()),
            account_id: cx
                .profiles
                .profile(&p.profile)
                .and_then(|profile| profile.get("aws_account_id"))
                .map(str::to_owned),
        }),
        BaseSource::NamedSource(NamedSource::Environment) => {
            SharedCredentialsProvider::new(EnvCredentialsProvider::new(cx.env.clone()))
        }
        BaseSource::NamedSource(NamedSource::Ec2InstanceMetadata) => {
            SharedCredentialsProvider::new(ImdsCredentialsProvider::new(cx.imds.clone()))
        }
        BaseSource::NamedSource(NamedSource::EcsContainer) => {
            let mut b = ContainerCredentialsProvider::builder()
                .env(cx.env.clone())
                .fs(cx.fs.clone());
            if let Some(http) = cx.base.http_client() {
                b = b.http_client(http.clone());
            }
            SharedCredentialsProvider::new(b.build())
        }
    })
}

impl fmt::Debug for ProfileCredentialsProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ProfileCredentialsProvider")
            .field("profile", &self.profile)
            .field("chain", &self.description)
            .finish()
    }
}

impl ProvideCredentials for ProfileCredentialsProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        self.provider.provide_credentials()
    }
}
