//! [`ImdsCredentialsProvider`]: the instance role's credentials.
use std::sync::atomic::{AtomicU8, Ordering};

use ziggurat_core::credentials::{
    Credentials, CredentialsError, ProvideCredentials, ProvideCredentialsFuture,
};

use super::{Client, ImdsError};
use crate::json_credentials;

const EXTENDED: &str = "/latest/meta-data/iam/security-credentials-extended/";
const LEGACY: &str = "/latest/meta-data/iam/security-credentials/";

const API_UNKNOWN: u8 = 0;
const API_EXTENDED: u8 = 1;
const API_LEGACY: u8 = 2;

/// Fetches the credentials of the instance's IAM role from IMDS.
///
/// The role name comes from the extended API (`/latest/meta-data/iam/security-credentials-extended/`,
/// which also returns the `AccountId`); where IMDS does not know it (404), the provider
/// falls back to `/latest/meta-data/iam/security-credentials/` and remembers that. It then
/// reads the role's JSON document. An instance without a role, and a disabled IMDS, give
/// [`CredentialsError::not_loaded`]; the credentials carry their `Expiration`.
///
/// ```no_run
/// use ziggurat_config::imds::{Client, ImdsCredentialsProvider};
/// use ziggurat_core::credentials::{CredentialsCache, ProvideCredentials};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let provider = ImdsCredentialsProvider::new(Client::builder().build());
/// let cached = CredentialsCache::new(provider);
/// let creds = cached.provide_credentials().await;
/// # }
/// ```
#[derive(Debug)]
pub struct ImdsCredentialsProvider {
    client: Client,
    role: Option<String>,
    api: AtomicU8,
}

impl ImdsCredentialsProvider {
    /// A provider asking `client`, discovering the role name.
    pub fn new(client: Client) -> Self {
        ImdsCredentialsProvider::builder(client).build()
    }

    /// A builder.
    pub fn builder(client: Client) -> ImdsCredentialsProviderBuilder {
        ImdsCredentialsProviderBuilder { client, role: None }
    }

    /// Fetches the credentials once; `Ok(None)` when the instance has no role.
    pub async fn credentials(&self) -> Result<Option<Credentials>, ImdsError> {
        let (base, role) = match &self.role {
            Some(role) => (self.base(), role.clone()),
            None => match self.discover_role().await? {
                Some(found) => found,
                None => return Ok(None),
            },
        };
        let text = self.client.get(&format!("{base}{role}")).await?;
        parse(&text).map(Some).map_err(|m| ImdsError {
            kind: super::Kind::InvalidResponse(format!("the credentials of role `{role}`: {m}")),
        })
    }

    fn base(&self) -> &'static str {
        if self.api.load(Ordering::Relaxed) == API_LEGACY {
            LEGACY
        } else {
            EXTENDED
        }
    }

    async fn discover_role(&self) -> Result<Option<(&'static str, String)>, ImdsError> {
        let listing = match self.api.load(Ordering::Relaxed) {
            API_LEGACY => self.list(LEGACY).await?.map(|r| (LEGACY, r)),
            api => match self.client.get(EXTENDED).await {
                Ok(text) => {
                    self.api.store(API_EXTENDED, Ordering::Relaxed);
                    first_line(&text).map(|r| (EXTENDED, r))
                }
                Err(e) if e.status() == Some(404) && api == API_UNKNOWN => {
                    tracing::debug!("IMDS has no extended credentials API; using the legacy one");
                    self.api.store(API_LEGACY, Ordering::Relaxed);
                    self.list(LEGACY).await?.map(|r| (LEGACY, r))
                }
                Err(e) if e.status() == Some(404) => None,
                Err(e) => return Err(e),
            },
        };
        Ok(listing)
    }

    /// The role listed at `path`; `None` for no role (an empty list or a 404).
    async fn list(&self, path: &str) -> Result<Option<String>, ImdsError> {
        match self.client.get(path).await {
            Ok(text) => Ok(first_line(&text)),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

fn first_line(text: &str) -> Option<String> {
    text.lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .map(str::to_owned)
}

fn parse(text: &str) -> Result<Credentials, String> {
    let map = json_credentials::parse_object(text)?;
    if let Some(code) = json_credentials::optional_str(&map, "Code")?
        && code != "Success"
    {
        return Err(format!("IMDS answered with code `{code}`"));
    }
    json_credentials::credentials(&map, "Token")
}

impl ProvideCredentials for ImdsCredentialsProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        ProvideCredentialsFuture::new(async {
            match self.credentials().await {
                Ok(Some(c)) => Ok(c),
                Ok(None) => Err(CredentialsError::not_loaded(
                    "no IAM role is attached to this instance (IMDS lists none)",
                )),
                Err(e) if e.is_disabled() => Err(CredentialsError::not_loaded(e.to_string())),
                Err(e) => Err(CredentialsError::provider_error(
                    format!("failed to load credentials from IMDS: {e}"),
                    e,
                )),
            }
        })
    }
}

/// Builds an [`ImdsCredentialsProvider`].
#[derive(Debug)]
pub struct ImdsCredentialsProviderBuilder {
    client: Client,
    role: Option<String>,
}

impl ImdsCredentialsProviderBuilder {
    /// Uses this role name instead of asking IMDS for it.
    pub fn role(mut self, role: impl Into<String>) -> Self {
        self.role = Some(role.into());
        self
    }
    /// The provider.
    pub fn build(self) -> ImdsCredentialsProvider {
        ImdsCredentialsProvider {
            client: self.client,
            role: self.role,
            api: AtomicU8::new(API_UNKNOWN),
        }
    }
}
