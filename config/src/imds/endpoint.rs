//! Which IMDS endpoint a client talks to: explicit settings, then the environment, then the
//! profile, then the default of the endpoint mode.
use std::fmt;
use std::str::FromStr;

use super::{ImdsError, Kind};

/// `AWS_EC2_METADATA_SERVICE_ENDPOINT`.
pub const ENV_ENDPOINT: &str = "AWS_EC2_METADATA_SERVICE_ENDPOINT";
/// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`.
pub const ENV_ENDPOINT_MODE: &str = "AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE";

/// Whether IMDS is reached over IPv4 or IPv6, when no endpoint is given.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EndpointMode {
    /// `http://169.254.169.254`.
    #[default]
    IPv4,
    /// `http://[fd00:ec2::254]`.
    IPv6,
}

impl EndpointMode {
    /// The endpoint of the mode.
    pub fn endpoint(self) -> &'static str {
        match self {
            EndpointMode::IPv4 => "http://169.254.169.254",
            EndpointMode::IPv6 => "http://[fd00:ec2::254]",
        }
    }
}

impl FromStr for EndpointMode {
    type Err = ImdsError;
    /// `IPv4` or `IPv6`, in any case.
    fn from_str(s: &str) -> Result<Self, ImdsError> {
        let s = s.trim();
        if s.eq_ignore_ascii_case("ipv4") {
            Ok(EndpointMode::IPv4)
        } else if s.eq_ignore_ascii_case("ipv6") {
            Ok(EndpointMode::IPv6)
        } else {
            Err(ImdsError::config(format!(
                "`{s}` is not a valid endpoint mode (expected IPv4 or IPv6)"
            )))
        }
    }
}

impl fmt::Display for EndpointMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EndpointMode::IPv4 => "IPv4",
            EndpointMode::IPv6 => "IPv6",
        })
    }
}

/// Everything that can choose the IMDS endpoint. Any endpoint beats any mode:
///
/// The endpoint is the first of `endpoint_override`, `env_endpoint`
/// (`AWS_EC2_METADATA_SERVICE_ENDPOINT`), `profile_endpoint` (`ec2_metadata_service_endpoint`);
/// without one, the endpoint of the first mode of `mode_override`, `env_mode`
/// (`AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`), `profile_mode`
/// (`ec2_metadata_service_endpoint_mode`), else IPv4.
///
/// ```
/// use ziggurat_config::imds::{EndpointInputs, EndpointMode};
///
/// let inputs = EndpointInputs {
///     profile_mode: Some("IPv6"),
///     ..EndpointInputs::default()
/// };
/// assert_eq!(inputs.resolve().unwrap(), "http://[fd00:ec2::254]/");
/// let inputs = EndpointInputs { env_mode: Some("IPv7"), ..EndpointInputs::default() };
/// assert!(inputs.resolve().unwrap_err().to_string().contains("`IPv7` is not a valid endpoint mode"));
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct EndpointInputs<'a> {
    /// An endpoint set in code.
    pub endpoint_override: Option<&'a str>,
    /// A mode set in code.
    pub mode_override: Option<EndpointMode>,
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT`.
    pub env_endpoint: Option<&'a str>,
    /// `AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`.
    pub env_mode: Option<&'a str>,
    /// The profile's `ec2_metadata_service_endpoint`.
    pub profile_endpoint: Option<&'a str>,
    /// The profile's `ec2_metadata_service_endpoint_mode`.
    pub profile_mode: Option<&'a str>,
}

fn non_empty(v: Option<&str>) -> Option<&str> {
    v.map(str::trim).filter(|v| !v.is_empty())
}

impl EndpointInputs<'_> {
    /// The endpoint, an absolute `http(s)://` URI. An invalid endpoint or mode is an error
    /// even when a weaker setting would have been valid: it says what the user got wrong.
    pub fn resolve(&self) -> Result<http::Uri, ImdsError> {
        let endpoint = non_empty(self.endpoint_override)
            .or(non_empty(self.env_endpoint))
            .or(non_empty(self.profile_endpoint));
        let text = match endpoint {
            Some(e) => e,
            None => {
                let mode = match self.mode_override {
                    Some(m) => m,
                    None => match non_empty(self.env_mode).or(non_empty(self.profile_mode)) {
                        Some(m) => m.parse()?,
                        None => EndpointMode::IPv4,
                    },
                };
                mode.endpoint()
            }
        };
        let uri: http::Uri = text
            .parse()
            .map_err(|e| ImdsError::config(format!("invalid IMDS endpoint `{text}`: {e}")))?;
        match (uri.scheme_str(), uri.host()) {
            (Some("http" | "https"), Some(_)) => Ok(uri),
            _ => Err(ImdsError {
                kind: Kind::Config(format!(
                    "invalid IMDS endpoint `{text}`: an absolute http or https URI is needed"
                )),
            }),
        }
    }
}

/// `base` (an endpoint, maybe with a path) joined with `path` (starting with `/`).
pub(crate) fn join(base: &http::Uri, path: &str) -> Result<http::Uri, ImdsError> {
    let base = base.to_string();
    let full = format!("{}{path}", base.trim_end_matches('/'));
    full.parse()
        .map_err(|e| ImdsError::config(format!("invalid IMDS URI `{full}`: {e}")))
}
