//! Which requests go through an HTTP proxy: [`ProxyConfig`].
use std::fmt;

use http::Uri;
use hyper_util::client::proxy::matcher::Matcher;

use super::error::TransportBuildError;

/// Where each proxy setting came from, for error messages.
#[derive(Clone)]
struct Setting {
    value: String,
    origin: &'static str,
}

/// The proxy rules of a transport: which proxy, if any, each request goes through.
///
/// Built from the environment ([`ProxyConfig::from_env`], the default of
/// [`HyperTransportBuilder`](super::HyperTransportBuilder)), from any lookup function
/// ([`ProxyConfig::from_env_with`]), or explicitly ([`ProxyConfig::new`] and the `*_proxy`
/// methods). `ProxyConfig::new()` alone means "no proxy".
///
/// The rules are curl's, as implemented by hyper-util's proxy matcher: `HTTP_PROXY` for
/// `http://` targets, `HTTPS_PROXY` for `https://` targets, `ALL_PROXY` for both when the
/// specific one is unset, lowercase names accepted, and `NO_PROXY` a comma-separated list of
/// hosts, domains (`.internal` and `internal` both match `s3.internal`), IP addresses and CIDR
/// ranges, or `*` for everything.
///
/// An `http://` target is sent to the proxy with an absolute-form URI
/// (`GET http://host/path HTTP/1.1`); an `https://` target goes through a `CONNECT` tunnel, so
/// TLS stays end to end. Credentials in the proxy URI (`http://user:pass@proxy:3128`) become a
/// `Proxy-Authorization: Basic` header.
///
/// Only `http://` proxies are supported: a `socks5://` or `https://` proxy URI is a build
/// error, not a silent bypass.
///
/// ```
/// use ziggurat_core::transport::ProxyConfig;
///
/// // Read from a map instead of the process environment (handy in tests).
/// let proxies = ProxyConfig::from_env_with(|name| match name {
///     "HTTPS_PROXY" => Some("http://proxy.internal:3128".to_owned()),
///     "NO_PROXY" => Some("169.254.169.254,.internal".to_owned()),
///     _ => None,
/// });
/// let s3 = "https://s3.us-east-1.amazonaws.com/bucket".parse().unwrap();
/// assert_eq!(
///     proxies.proxy_for(&s3).map(|p| p.to_string()),
///     Some("http://proxy.internal:3128/".to_owned())
/// );
/// let imds = "http://169.254.169.254/latest/api/token".parse().unwrap();
/// assert_eq!(proxies.proxy_for(&imds), None);
/// ```
#[derive(Clone, Default)]
pub struct ProxyConfig {
    http: Option<Setting>,
    https: Option<Setting>,
    all: Option<Setting>,
    no_proxy: Option<String>,
}

impl ProxyConfig {
    /// No proxy for any request.
    pub fn new() -> Self {
        ProxyConfig::default()
    }

    /// Reads `HTTP_PROXY`, `HTTPS_PROXY`, `ALL_PROXY` and `NO_PROXY` (or their lowercase
    /// forms) from the process environment, now.
    pub fn from_env() -> Self {
        ProxyConfig::from_env_with(|name| std::env::var(name).ok())
    }

    /// Like [`ProxyConfig::from_env`], but reads the variables through `lookup`, so tests and
    /// embedding applications need not touch the process environment.
    ///
    /// Empty values count as unset. Under CGI (`REQUEST_METHOD` is set) `HTTP_PROXY` is
    /// ignored, because a client can set it with a `Proxy:` request header ("httpoxy");
    /// lowercase `http_proxy` still applies.
    pub fn from_env_with(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let is_cgi = lookup("REQUEST_METHOD").is_some();
        let get = |names: &[&'static str]| {
            names.iter().find_map(|&name| {
                if is_cgi && name == "HTTP_PROXY" {
                    return None;
                }
                lookup(name)
                    .filter(|v| !v.trim().is_empty())
                    .map(|value| Setting {
                        value,
                        origin: name,
                    })
            })
        };
        ProxyConfig {
            http: get(&["HTTP_PROXY", "http_proxy"]),
            https: get(&["HTTPS_PROXY", "https_proxy"]),
            all: get(&["ALL_PROXY", "all_proxy"]),
            no_proxy: get(&["NO_PROXY", "no_proxy"]).map(|s| s.value),
        }
    }

    /// The proxy for `http://` targets, like `http://proxy.internal:3128`.
    pub fn http_proxy(mut self, uri: impl Into<String>) -> Self {
        self.http = Some(Setting {
            value: uri.into(),
            origin: "ProxyConfig::http_proxy",
        });
        self
    }

    /// The proxy for `https://` targets (reached through `CONNECT`).
    pub fn https_proxy(mut self, uri: impl Into<String>) -> Self {
        self.https = Some(Setting {
            value: uri.into(),
            origin: "ProxyConfig::https_proxy",
        });
        self
    }

    /// Hosts, domains, IPs and CIDR ranges that bypass the proxy, comma-separated, as in
    /// `NO_PROXY`.
    pub fn no_proxy(mut self, list: impl Into<String>) -> Self {
        self.no_proxy = Some(list.into());
        self
    }

    /// Whether any proxy is configured.
    pub fn is_enabled(&self) -> bool {
        self.http.is_some() || self.https.is_some() || self.all.is_some()
    }

    /// The proxy a request to `uri` would go through, without credentials; `None` for a direct
    /// connection (no proxy for that scheme, or the host is in `NO_PROXY`).
    pub fn proxy_for(&self, uri: &Uri) -> Option<Uri> {
        let matcher = self.matcher().ok()??;
        matcher.intercept(uri).map(|i| i.uri().clone())
    }

    /// Validates the settings and builds hyper-util's matcher; `None` when no proxy is set.
    pub(crate) fn matcher(&self) -> Result<Option<Matcher>, TransportBuildError> {
        if !self.is_enabled() {
            return Ok(None);
        }
        let mut builder = Matcher::builder();
        if let Some(s) = &self.http {
            validate(s)?;
            builder = builder.http(s.value.as_str());
        }
        if let Some(s) = &self.https {
            validate(s)?;
            builder = builder.https(s.value.as_str());
        }
        if let Some(s) = &self.all {
            validate(s)?;
            builder = builder.all(s.value.as_str());
        }
        if let Some(no) = &self.no_proxy {
            builder = builder.no(no.as_str());
        }
        Ok(Some(builder.build()))
    }
}

/// A proxy URI must be `http://host[:port]` (a missing scheme means `http`, as in curl).
fn validate(setting: &Setting) -> Result<(), TransportBuildError> {
    let shown = redact(&setting.value);
    let uri: Uri = setting.value.trim().parse().map_err(|e| {
        TransportBuildError::with_source(
            format!("{} is not a valid proxy URI ({shown})", setting.origin),
            e,
        )
    })?;
    match uri.scheme_str() {
        None | Some("http") => {}
        Some(other) => {
            return Err(TransportBuildError::new(format!(
                "{} uses the {other}:// scheme ({shown}); only http:// proxies are supported",
                setting.origin
            )));
        }
    }
    if uri.authority().is_none() {
        return Err(TransportBuildError::new(format!(
            "{} has no proxy host ({shown})",
            setting.origin
        )));
    }
    Ok(())
}

/// The URI with any `user:password@` replaced, for messages and `Debug`.
fn redact(value: &str) -> String {
    let (scheme, rest) = match value.split_once("://") {
        Some((s, r)) => (Some(s), r),
        None => (None, value),
    };
    let host_end = rest.find('/').unwrap_or(rest.len());
    let redacted = match rest[..host_end].rsplit_once('@') {
        Some((_, host)) => format!("***@{host}{}", &rest[host_end..]),
        None => rest.to_owned(),
    };
    match scheme {
        Some(s) => format!("{s}://{redacted}"),
        None => redacted,
    }
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let show = |s: &Option<Setting>| s.as_ref().map(|s| redact(&s.value));
        f.debug_struct("ProxyConfig")
            .field("http", &show(&self.http))
            .field("https", &show(&self.https))
            .field("all", &show(&self.all))
            .field("no_proxy", &self.no_proxy)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn lowercase_names_and_all_proxy_are_read() {
        let cfg = ProxyConfig::from_env_with(env(&[("all_proxy", "proxy:8080")]));
        let target: Uri = "http://example.com/".parse().unwrap();
        assert_eq!(
            cfg.proxy_for(&target).unwrap().to_string(),
            "http://proxy:8080/"
        );
    }

    #[test]
    fn cgi_ignores_uppercase_http_proxy() {
        let cfg = ProxyConfig::from_env_with(env(&[
            ("REQUEST_METHOD", "GET"),
            ("HTTP_PROXY", "http://evil:1"),
        ]));
        assert!(!cfg.is_enabled());
    }

    #[test]
    fn socks_proxy_is_a_build_error_and_credentials_are_hidden() {
        let cfg = ProxyConfig::new().https_proxy("socks5://user:secret@proxy:1080");
        let err = cfg.matcher().unwrap_err().to_string();
        assert!(err.contains("only http:// proxies"), "{err}");
        assert!(!err.contains("secret"), "{err}");
        assert!(!format!("{cfg:?}").contains("secret"));
    }

    #[test]
    fn no_proxy_bypasses_matching_hosts() {
        let cfg = ProxyConfig::new()
            .http_proxy("http://proxy:3128")
            .no_proxy("localhost, .internal, 10.0.0.0/8");
        for direct in [
            "http://localhost/",
            "http://s3.internal/",
            "http://10.1.2.3/",
        ] {
            assert_eq!(cfg.proxy_for(&direct.parse().unwrap()), None, "{direct}");
        }
        assert!(
            cfg.proxy_for(&"http://example.com/".parse().unwrap())
                .is_some()
        );
        // No https proxy configured: https targets connect directly.
        assert!(
            cfg.proxy_for(&"https://example.com/".parse().unwrap())
                .is_none()
        );
    }
}
