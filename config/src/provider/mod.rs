//! Credential providers: each one a source of credentials that SDKs chain together.
//!
//! Every provider here implements
//! [`ProvideCredentials`](ziggurat_core::credentials::ProvideCredentials) and is usable alone:
//! it is built from an [`Env`](crate::Env), an [`Fs`](crate::Fs) and, where it talks HTTP, an
//! [`HttpClient`](ziggurat_core::transport::HttpClient), so a test or a program can hand in
//! its own. A provider that does not apply (no variables set, IMDS disabled) answers
//! [`CredentialsError::not_loaded`](ziggurat_core::credentials::CredentialsError::not_loaded),
//! so a chain moves on; a provider that applies but fails answers a provider error. Temporary
//! credentials carry their expiry, so a
//! [`CredentialsCache`](ziggurat_core::credentials::CredentialsCache) in front refreshes them
//! ahead of time. No secret (secret key, session token, authorization token, IMDS token)
//! appears in `Debug`, errors or logs.
//!
//! The IMDS provider lives with its client in [`imds`](crate::imds).
//!
//! Roles and federation: [`AssumeRoleProvider`] exchanges source credentials (any provider,
//! another `AssumeRoleProvider` for a chain of roles) for a role's, with an MFA code from a
//! [`MfaTokenProvider`] the program supplies; [`WebIdentityTokenProvider`] exchanges an OIDC
//! token file for a role's; [`SsoCredentialsProvider`] exchanges the `aws sso login` token
//! cache for a role's, refreshing the token through SSO-OIDC ([`SsoTokenProvider`]).
//!
//! ```
//! use ziggurat_config::Env;
//! use ziggurat_config::provider::EnvCredentialsProvider;
//! use ziggurat_core::credentials::{CredentialsCache, ProvideCredentials};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let env = Env::from_pairs([("AWS_ACCESS_KEY_ID", "AKID"), ("AWS_SECRET_ACCESS_KEY", "secret")]);
//! let cached = CredentialsCache::new(EnvCredentialsProvider::new(env));
//! assert_eq!(cached.provide_credentials().await.unwrap().access_key_id(), "AKID");
//! # }
//! ```
pub mod assume_role;
pub mod chain;
pub mod container;
pub(crate) mod default_chain;
pub mod env;
pub mod process;
pub mod profile;
pub mod sso;
pub mod web_identity;

pub use assume_role::{
    AssumeRoleBuildError, AssumeRoleError, AssumeRoleProvider, AssumeRoleProviderBuilder,
    MfaTokenFuture, MfaTokenProvider, SharedMfaTokenProvider,
};
pub use chain::CredentialsChain;
pub use container::{ContainerCredentialsProvider, ContainerError};
pub(crate) use default_chain::default_chain;
pub use env::EnvCredentialsProvider;
pub use process::{CredentialProcessError, CredentialProcessProvider};
pub use profile::ProfileCredentialsProvider;
pub use sso::{
    SsoCredentialsProvider, SsoCredentialsProviderBuilder, SsoError, SsoToken, SsoTokenProvider,
    SsoTokenProviderBuilder,
};
pub use web_identity::{
    WebIdentityError, WebIdentityTokenProvider, WebIdentityTokenProviderBuilder,
};

/// Configuration for a client of an operation modeled without authentication (STS
/// `AssumeRoleWithWebIdentity`, SSO `GetRoleCredentials`, SSO-OIDC `CreateToken`): no
/// credentials, and no signing step, so the request goes out unsigned whatever the base
/// configuration's credentials are.
pub(crate) fn unsigned_config(base: &ziggurat_core::config::SdkConfig) -> ziggurat_sts::Config {
    use ziggurat_core::stack::ids;
    let sdk = base.to_builder().no_credentials().build();
    ziggurat_sts::Config::new(&sdk).stack(|stack| {
        if let Some(step) = stack.find(ids::SIGNING) {
            stack.step_mut(step).remove(ids::SIGNING)?;
        }
        Ok(())
    })
}
