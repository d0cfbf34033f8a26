//! [`CredentialsChain`]: providers tried in order, the first that has credentials wins.
//!
//! Every AWS SDK looks for credentials in several places, in a fixed order: the environment,
//! web identity, the shared files, the container endpoint, IMDS. A provider that does not apply
//! answers "not loaded" and the chain tries the next one; a provider that applies and fails
//! (a profile's role cannot be assumed, a `credential_process` exits non-zero) ends the
//! search with its error: falling through to another identity would be a surprise, and a
//! dangerous one. When no provider applies, the error lists why each one did not.
//!
//! ```
//! use ziggurat_config::Env;
//! use ziggurat_config::provider::{CredentialsChain, EnvCredentialsProvider};
//! use ziggurat_core::credentials::{Credentials, ProvideCredentials};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let chain = CredentialsChain::first_try("env", EnvCredentialsProvider::new(Env::from_pairs([("A", "B")])))
//!     .or_else("static", Credentials::new("AKID", "secret", None));
//! assert_eq!(chain.provide_credentials().await.unwrap().access_key_id(), "AKID");
//! # }
//! ```
use std::fmt;

use ziggurat_core::credentials::{
    CredentialsError, ProvideCredentials, ProvideCredentialsFuture, SharedCredentialsProvider,
};

/// Credential providers tried in order. See the [module documentation](self).
#[derive(Clone)]
pub struct CredentialsChain {
    providers: Vec<(&'static str, SharedCredentialsProvider)>,
}

impl CredentialsChain {
    /// A chain that first tries `provider`, named `name` in errors and logs.
    pub fn first_try(name: &'static str, provider: impl ProvideCredentials) -> Self {
        CredentialsChain {
            providers: vec![(name, SharedCredentialsProvider::new(provider))],
        }
    }

    /// Tries `provider` after the ones before.
    pub fn or_else(mut self, name: &'static str, provider: impl ProvideCredentials) -> Self {
        self.providers
            .push((name, SharedCredentialsProvider::new(provider)));
        self
    }

    /// The providers' names, in order.
    pub fn names(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.providers.iter().map(|(name, _)| *name)
    }

    async fn resolve(&self) -> Result<ziggurat_core::credentials::Credentials, CredentialsError> {
        let mut skipped = Vec::new();
        for (name, provider) in &self.providers {
            match provider.provide_credentials().await {
                Ok(credentials) => {
                    tracing::debug!(provider = name, "credentials loaded");
                    return Ok(credentials);
                }
                Err(e) if e.is_not_loaded() => {
                    tracing::debug!(provider = name, reason = %e, "no credentials here");
                    skipped.push(format!("{name}: {e}"));
                }
                Err(e) => {
                    return Err(CredentialsError::provider_error(
                        format!("the {name} credentials provider failed: {e}"),
                        e,
                    ));
                }
            }
        }
        Err(CredentialsError::not_loaded(format!(
            "no credentials found; tried {}",
            skipped.join("; ")
        )))
    }
}

impl fmt::Debug for CredentialsChain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialsChain")
            .field("providers", &self.names().collect::<Vec<_>>())
            .finish()
    }
}

impl ProvideCredentials for CredentialsChain {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        ProvideCredentialsFuture::new(self.resolve())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ziggurat_core::credentials::Credentials;

    #[derive(Debug)]
    struct Fails(bool);
    impl ProvideCredentials for Fails {
        fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
            ProvideCredentialsFuture::ready(Err(if self.0 {
                CredentialsError::not_loaded("nothing here")
            } else {
                CredentialsError::provider_failed("broken")
            }))
        }
    }

    #[tokio::test]
    async fn not_loaded_moves_on_and_a_failure_stops() {
        let ok = Credentials::new("AKID", "s", None);
        let chain = CredentialsChain::first_try("a", Fails(true)).or_else("b", ok.clone());
        assert_eq!(chain.provide_credentials().await.unwrap(), ok);

        let chain = CredentialsChain::first_try("a", Fails(false)).or_else("b", ok);
        let err = chain.provide_credentials().await.unwrap_err();
        assert!(!err.is_not_loaded());
        assert!(
            err.to_string()
                .contains("the a credentials provider failed: broken"),
            "{err}"
        );

        let chain = CredentialsChain::first_try("a", Fails(true)).or_else("b", Fails(true));
        let err = chain.provide_credentials().await.unwrap_err();
        assert!(err.is_not_loaded());
        assert_eq!(
            err.to_string(),
            "no credentials found; tried a: nothing here; b: nothing here"
        );
    }
}
