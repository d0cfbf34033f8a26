//! The settings the SDKs read from the environment and the selected profile, each with where
//! its value came from.
//!
//! Every setting has a profile key and, for most, environment variables; a variable that is
//! set (and not blank) wins over the profile, as in every AWS SDK. [`resolve`] says which one
//! answered, so `zig configure list` and error messages can name the variable, or the file,
//! line and profile.
//!
//! ```
//! use ziggurat_config::settings::{self, Source};
//! use ziggurat_config::profile::ProfileSet;
//! use ziggurat_config::Env;
//!
//! let env = Env::from_pairs([("AWS_MAX_ATTEMPTS", "5")]);
//! let got = settings::resolve(&env, &ProfileSet::default(), "max_attempts").unwrap();
//! assert_eq!(got.value, "5");
//! assert_eq!(got.source, Source::Env("AWS_MAX_ATTEMPTS"));
//! ```
use std::fmt;

use crate::Env;
use crate::profile::ProfileSet;

/// One setting: its profile key and its environment variables (tried in order).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Setting {
    /// The key in a profile.
    pub name: &'static str,
    /// The environment variables, the first set one winning.
    pub env: &'static [&'static str],
}

/// Every setting the loader reads (credentials and SSO keys are read by their providers).
pub const SETTINGS: &[Setting] = &[
    Setting {
        name: "region",
        env: &["AWS_REGION", "AWS_DEFAULT_REGION"],
    },
    Setting {
        name: "max_attempts",
        env: &["AWS_MAX_ATTEMPTS"],
    },
    Setting {
        name: "retry_mode",
        env: &["AWS_RETRY_MODE"],
    },
    Setting {
        name: "endpoint_url",
        env: &["AWS_ENDPOINT_URL"],
    },
    Setting {
        name: "ignore_configured_endpoint_urls",
        env: &["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"],
    },
    Setting {
        name: "ca_bundle",
        env: &["AWS_CA_BUNDLE"],
    },
    Setting {
        name: "use_fips_endpoint",
        env: &["AWS_USE_FIPS_ENDPOINT"],
    },
    Setting {
        name: "use_dualstack_endpoint",
        env: &["AWS_USE_DUALSTACK_ENDPOINT"],
    },
    Setting {
        name: "sts_regional_endpoints",
        env: &["AWS_STS_REGIONAL_ENDPOINTS"],
    },
    Setting {
        name: "account_id_endpoint_mode",
        env: &["AWS_ACCOUNT_ID_ENDPOINT_MODE"],
    },
    Setting {
        name: "request_checksum_calculation",
        env: &["AWS_REQUEST_CHECKSUM_CALCULATION"],
    },
    Setting {
        name: "response_checksum_validation",
        env: &["AWS_RESPONSE_CHECKSUM_VALIDATION"],
    },
    Setting {
        name: "sdk_ua_app_id",
        env: &["AWS_SDK_UA_APP_ID"],
    },
    Setting {
        name: "ec2_metadata_service_endpoint",
        env: &["AWS_EC2_METADATA_SERVICE_ENDPOINT"],
    },
    Setting {
        name: "ec2_metadata_service_endpoint_mode",
        env: &["AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE"],
    },
    Setting {
        name: "ec2_metadata_v1_disabled",
        env: &["AWS_EC2_METADATA_V1_DISABLED"],
    },
];

/// Where a setting's value came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// An environment variable.
    Env(&'static str),
    /// A key of a profile, at a place in a file when known.
    Profile {
        /// The profile's name.
        profile: String,
        /// The file and line, as text.
        origin: Option<String>,
    },
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Env(var) => write!(f, "environment variable {var}"),
            Source::Profile {
                profile,
                origin: Some(origin),
            } => write!(f, "profile `{profile}` ({origin})"),
            Source::Profile {
                profile,
                origin: None,
            } => write!(f, "profile `{profile}`"),
        }
    }
}

/// A setting's value and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    /// The value, trimmed.
    pub value: String,
    /// Where it came from.
    pub source: Source,
}

/// The value of setting `name` (a profile key: `region`, `max_attempts`, ...): from its
/// environment variables, else from the selected profile. `None` when neither sets it. Any
/// profile key may be asked for; only those in [`SETTINGS`] are looked up in the environment.
pub fn resolve(env: &Env, profiles: &ProfileSet, name: &str) -> Option<Resolved> {
    let vars = SETTINGS
        .iter()
        .find(|s| s.name == name)
        .map_or(&[][..], |s| s.env);
    for var in vars {
        if let Some(value) = env.get_non_empty(var) {
            return Some(Resolved {
                value,
                source: Source::Env(var),
            });
        }
    }
    from_profile(profiles, name)
}

/// The value of `name` in the selected profile only.
pub fn from_profile(profiles: &ProfileSet, name: &str) -> Option<Resolved> {
    let profile = profiles.selected()?;
    let value = profile.get(name)?.trim();
    if value.is_empty() {
        return None;
    }
    Some(Resolved {
        value: value.to_owned(),
        source: Source::Profile {
            profile: profile.name().to_owned(),
            origin: profile.property(name).map(|p| p.origin().to_string()),
        },
    })
}

/// A boolean setting: `true` or `false` in any case; anything else is an error naming the
/// setting and its source.
pub fn resolve_bool(env: &Env, profiles: &ProfileSet, name: &str) -> Result<Option<bool>, String> {
    let Some(r) = resolve(env, profiles, name) else {
        return Ok(None);
    };
    match r.value.to_ascii_lowercase().as_str() {
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        _ => Err(format!(
            "invalid value {:?} for `{name}` from {}: expected true or false",
            r.value, r.source
        )),
    }
}
