//! Resolves the endpoint URL a user configured for a service, if any.
//!
//! Users point clients at LocalStack, a VPC endpoint or a test server without code changes by
//! configuring an endpoint URL: for one service (`AWS_ENDPOINT_URL_S3`, or a `[services]`
//! section the profile names) or for all (`AWS_ENDPOINT_URL`, the profile's `endpoint_url`).
//! All SDKs apply the same precedence, which this module implements:
//!
//! 1. the endpoint URL set in code on the client, always;
//! 2. nothing else if configured endpoints are ignored: set in code, else
//!    `AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`, else the profile's `ignore_configured_endpoint_urls`;
//! 3. `AWS_ENDPOINT_URL_<SERVICE>` (the service id upper-cased, spaces as underscores);
//! 4. `AWS_ENDPOINT_URL`;
//! 5. `endpoint_url` under the service's key (the service id lower-cased, spaces as
//!    underscores) in the `[services]` section the profile names with `services = ...`;
//! 6. the profile's own `endpoint_url`.
//!
//! `None` means "use the endpoint the endpoint rules resolve".
//!
//! ```
//! use ziggurat_config::endpoint_url::{EndpointUrlSource, ServiceEndpointUrl};
//! use ziggurat_config::profile::{parse, FileKind, ProfileSet};
//! use ziggurat_config::Env;
//!
//! let config = parse(
//!     "[default]\nservices = local\n[services local]\ndynamodb =\n  endpoint_url = http://localhost:8000\n",
//!     "/home/me/.aws/config",
//!     FileKind::Config,
//! )?;
//! let profiles = ProfileSet::from_parsed("default", [config]);
//! let env = Env::from_pairs([("AWS_ENDPOINT_URL_S3", "http://localhost:9000")]);
//!
//! let dynamodb = ServiceEndpointUrl::new("DynamoDB").resolve(&env, Some(&profiles))?.unwrap();
//! assert_eq!(dynamodb.url(), "http://localhost:8000");
//! assert!(matches!(dynamodb.source(), EndpointUrlSource::ServicesSection { .. }));
//!
//! let s3 = ServiceEndpointUrl::new("S3").resolve(&env, Some(&profiles))?.unwrap();
//! assert_eq!(s3.url(), "http://localhost:9000");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
use std::fmt;

use crate::Env;
use crate::profile::{Origin, ProfileSet};

/// The question "which endpoint URL did the user configure for this service?", with the
/// client's own settings; answer it with [`resolve`](ServiceEndpointUrl::resolve).
#[derive(Clone, Debug)]
pub struct ServiceEndpointUrl {
    service_id: String,
    client_endpoint_url: Option<String>,
    client_ignore: Option<bool>,
}

/// A configured endpoint URL and where it was configured.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConfiguredEndpointUrl {
    url: String,
    source: EndpointUrlSource,
}

impl ConfiguredEndpointUrl {
    /// The URL, as configured.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Where it was configured.
    pub fn source(&self) -> &EndpointUrlSource {
        &self.source
    }
}

/// Where an endpoint URL was configured.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointUrlSource {
    /// In code, on the client.
    Client,
    /// In an environment variable (`AWS_ENDPOINT_URL_<SERVICE>` or `AWS_ENDPOINT_URL`).
    Environment(String),
    /// In a `[services]` section.
    ServicesSection {
        /// The section's name.
        section: String,
        /// Where `endpoint_url` was written.
        origin: Origin,
    },
    /// In the profile's own `endpoint_url`.
    Profile {
        /// The profile's name.
        profile: String,
        /// Where it was written.
        origin: Origin,
    },
}

/// An `ignore_configured_endpoint_urls` setting that is neither `true` nor `false`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EndpointUrlError {
    setting: String,
}

impl fmt::Display for EndpointUrlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} must be `true` or `false`", self.setting)
    }
}

impl std::error::Error for EndpointUrlError {}

impl ServiceEndpointUrl {
    /// For the service with this id (`"S3"`, `"DynamoDB"`, `"Elastic Beanstalk"`).
    pub fn new(service_id: impl Into<String>) -> Self {
        ServiceEndpointUrl {
            service_id: service_id.into(),
            client_endpoint_url: None,
            client_ignore: None,
        }
    }

    /// The endpoint URL set in code on the client, which wins over everything.
    pub fn with_client_endpoint_url(mut self, url: impl Into<String>) -> Self {
        self.client_endpoint_url = Some(url.into());
        self
    }

    /// Whether to ignore endpoint URLs configured outside code, as set in code on the client;
    /// wins over the environment and the profile.
    pub fn with_ignore_configured_endpoint_urls(mut self, ignore: bool) -> Self {
        self.client_ignore = Some(ignore);
        self
    }

    /// `AWS_ENDPOINT_URL_<SERVICE>` for this service.
    pub fn env_var_name(&self) -> String {
        format!(
            "AWS_ENDPOINT_URL_{}",
            self.service_id.trim().replace(' ', "_").to_uppercase()
        )
    }

    /// The key of this service in a `[services]` section.
    pub fn services_key(&self) -> String {
        self.service_id.trim().replace(' ', "_").to_lowercase()
    }

    /// The configured endpoint URL, from the client, `env` and the selected profile of
    /// `profiles`; `None` when none is configured (or configured ones are ignored).
    pub fn resolve(
        &self,
        env: &Env,
        profiles: Option<&ProfileSet>,
    ) -> Result<Option<ConfiguredEndpointUrl>, EndpointUrlError> {
        if let Some(url) = &self.client_endpoint_url {
            return Ok(Some(ConfiguredEndpointUrl {
                url: url.clone(),
                source: EndpointUrlSource::Client,
            }));
        }
        let profile = profiles.and_then(ProfileSet::selected);
        let ignore = match self.client_ignore {
            Some(ignore) => ignore,
            None => match env.get_non_empty("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS") {
                Some(v) => parse_bool(&v, "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")?,
                None => match profile.and_then(|p| p.property("ignore_configured_endpoint_urls")) {
                    Some(p) => parse_bool(
                        p.value(),
                        &format!("ignore_configured_endpoint_urls ({})", p.origin()),
                    )?,
                    None => false,
                },
            },
        };
        if ignore {
            return Ok(None);
        }
        for var in [self.env_var_name(), "AWS_ENDPOINT_URL".to_owned()] {
            if let Some(url) = env.get_non_empty(&var) {
                return Ok(Some(ConfiguredEndpointUrl {
                    url,
                    source: EndpointUrlSource::Environment(var),
                }));
            }
        }
        let (Some(profiles), Some(profile)) = (profiles, profile) else {
            return Ok(None);
        };
        if let Some(section_name) = profile.get("services") {
            let found = profiles.services(section_name).and_then(|section| {
                let property = section.property(&self.services_key())?;
                let url = property.sub("endpoint_url").filter(|u| !u.is_empty())?;
                Some((url, property.origin()))
            });
            if let Some((url, origin)) = found {
                return Ok(Some(ConfiguredEndpointUrl {
                    url: url.to_owned(),
                    source: EndpointUrlSource::ServicesSection {
                        section: section_name.to_owned(),
                        origin: origin.clone(),
                    },
                }));
            }
        }
        Ok(profile
            .property("endpoint_url")
            .filter(|p| !p.value().is_empty())
            .map(|p| ConfiguredEndpointUrl {
                url: p.value().to_owned(),
                source: EndpointUrlSource::Profile {
                    profile: profile.name().to_owned(),
                    origin: p.origin().clone(),
                },
            }))
    }
}

fn parse_bool(value: &str, setting: &str) -> Result<bool, EndpointUrlError> {
    if value.trim().eq_ignore_ascii_case("true") {
        Ok(true)
    } else if value.trim().eq_ignore_ascii_case("false") {
        Ok(false)
    } else {
        Err(EndpointUrlError {
            setting: setting.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_replace_spaces() {
        let s = ServiceEndpointUrl::new("Elastic Beanstalk");
        assert_eq!(s.env_var_name(), "AWS_ENDPOINT_URL_ELASTIC_BEANSTALK");
        assert_eq!(s.services_key(), "elastic_beanstalk");
    }

    #[test]
    fn an_invalid_ignore_setting_is_an_error() {
        let env = Env::from_pairs([("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS", "maybe")]);
        let e = ServiceEndpointUrl::new("S3")
            .resolve(&env, None)
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"),
            "{e}"
        );
    }
}
