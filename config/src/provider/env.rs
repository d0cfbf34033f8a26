//! [`EnvCredentialsProvider`]: credentials from `AWS_ACCESS_KEY_ID` and friends.
//!
//! The first link of every SDK's default chain. It reads, through an [`Env`]:
//!
//! | variable | alias | |
//! |---|---|---|
//! | `AWS_ACCESS_KEY_ID` | `AWS_ACCESS_KEY` | required |
//! | `AWS_SECRET_ACCESS_KEY` | `AWS_SECRET_KEY` | required |
//! | `AWS_SESSION_TOKEN` | | optional |
//! | `AWS_ACCOUNT_ID` | | optional |
//!
//! A blank value counts as unset (so a blank `AWS_ACCESS_KEY_ID` falls back to its alias),
//! and values are trimmed. The rules live in one place,
//! [`Credentials::from_env_with`](ziggurat_core::credentials::Credentials::from_env_with) in
//! core; this provider only adds the aliases and the injectable environment.
//!
//! ```
//! use ziggurat_config::Env;
//! use ziggurat_config::provider::EnvCredentialsProvider;
//! use ziggurat_core::credentials::ProvideCredentials;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let env = Env::from_pairs([("AWS_ACCESS_KEY", "AKID"), ("AWS_SECRET_KEY", "secret")]);
//! let provider = EnvCredentialsProvider::new(env);
//! let creds = provider.provide_credentials().await.unwrap();
//! assert_eq!(creds.access_key_id(), "AKID");
//! # }
//! ```
use ziggurat_core::credentials::{
    Credentials, CredentialsError, ProvideCredentials, ProvideCredentialsFuture,
};

use crate::Env;

/// Provides credentials from environment variables. See the [module documentation](self).
#[derive(Clone, Debug, Default)]
pub struct EnvCredentialsProvider {
    env: Env,
}

impl EnvCredentialsProvider {
    /// A provider reading `env`; [`Env::real`] for the process environment.
    pub fn new(env: Env) -> Self {
        EnvCredentialsProvider { env }
    }

    /// The credentials the environment holds now; [`CredentialsError::not_loaded`] when the
    /// key id or the secret is unset.
    pub fn credentials(&self) -> Result<Credentials, CredentialsError> {
        let env = &self.env;
        let credentials = Credentials::from_env_with(|name| {
            let alias = match name {
                "AWS_ACCESS_KEY_ID" => Some("AWS_ACCESS_KEY"),
                "AWS_SECRET_ACCESS_KEY" => Some("AWS_SECRET_KEY"),
                _ => None,
            };
            env.get_non_empty(name)
                .or_else(|| alias.and_then(|a| env.get_non_empty(a)))
        })?;
        Ok(credentials.with_account_id(env.get_non_empty("AWS_ACCOUNT_ID")))
    }
}

impl ProvideCredentials for EnvCredentialsProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        ProvideCredentialsFuture::ready(self.credentials())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn provider(pairs: &[(&str, &str)]) -> EnvCredentialsProvider {
        EnvCredentialsProvider::new(Env::from_pairs(pairs.iter().copied()))
    }

    #[test]
    fn reads_keys_token_and_account() {
        let c = provider(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_ACCESS_KEY", " very-secret "),
            ("AWS_SESSION_TOKEN", "session-tok"),
            ("AWS_ACCOUNT_ID", "123456789012"),
        ])
        .credentials()
        .unwrap();
        assert_eq!(c.access_key_id(), "AKID");
        assert_eq!(c.secret_access_key(), "very-secret");
        assert_eq!(c.session_token(), Some("session-tok"));
        assert_eq!(c.account_id(), Some("123456789012"));
        assert_eq!(c.expiry(), None);
    }

    #[test]
    fn primary_names_win_over_aliases_and_blank_falls_back() {
        let c = provider(&[
            ("AWS_ACCESS_KEY_ID", "PRIMARY"),
            ("AWS_ACCESS_KEY", "ALIAS"),
            ("AWS_SECRET_ACCESS_KEY", "  "),
            ("AWS_SECRET_KEY", "alias-secret"),
            ("AWS_SESSION_TOKEN", ""),
        ])
        .credentials()
        .unwrap();
        assert_eq!(c.access_key_id(), "PRIMARY");
        assert_eq!(c.secret_access_key(), "alias-secret");
        assert_eq!(c.session_token(), None);
    }

    #[test]
    fn missing_or_blank_keys_are_not_loaded_and_no_secret_is_shown() {
        let e = provider(&[("AWS_ACCESS_KEY_ID", " ")])
            .credentials()
            .unwrap_err();
        assert!(e.to_string().contains("AWS_ACCESS_KEY_ID"), "{e}");
        let p = provider(&[
            ("AWS_ACCESS_KEY_ID", "AKID"),
            ("AWS_SECRET_KEY", "very-secret"),
            ("AWS_SESSION_TOKEN", "session-tok"),
        ]);
        let shown = format!("{p:?} {:?}", p.credentials().unwrap());
        assert!(
            !shown.contains("very-secret") && !shown.contains("session-tok"),
            "{shown}"
        );
        let e = provider(&[("AWS_SECRET_ACCESS_KEY", "very-secret")])
            .credentials()
            .unwrap_err();
        assert!(!format!("{e} {e:?}").contains("very-secret"));
    }
}
