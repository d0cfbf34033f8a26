//! Sets `User-Agent` and `x-amz-user-agent`.
//!
//! AWS uses the user agent to tell SDKs, versions and applications apart, and support asks for
//! it. The value is built once, when the hook is made, in the AWS user-agent 2.1 format
//! (`ziggurat/0.1.0 ua/2.1 api/s3#0.1.0 os/linux lang/rust app/myapp`), so sending it costs a
//! reference-count increment. `x-amz-user-agent` carries the same value because browsers (and
//! some proxies) do not let clients set `User-Agent`; neither header is signed.
//!
//! ```
//! use tower::{Layer, ServiceExt, service_fn};
//! use ziggurat_layers::user_agent::{UserAgent, UserAgentLayer};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let layer = UserAgentLayer::from_arc(std::sync::Arc::new(UserAgent::new("S3").with_app_name("tour")));
//! let svc = layer.layer(service_fn(|req: http::Request<String>| async move {
//!     let ua = req.headers()["user-agent"].to_str().unwrap().to_owned();
//!     Ok::<_, std::convert::Infallible>(http::Response::new(ua))
//! }));
//! let ua = svc.oneshot(http::Request::new(String::new())).await.unwrap().into_body();
//! assert!(ua.starts_with("ziggurat/") && ua.contains("api/s3#") && ua.ends_with("app/tour"));
//! # }
//! ```
use http::HeaderValue;
use http::header::{HeaderName, USER_AGENT};
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::{HookLayer, HttpRequest, RequestHook};

/// The AWS user-agent header.
pub const X_AMZ_USER_AGENT: HeaderName = HeaderName::from_static("x-amz-user-agent");

/// The hook: sets both user-agent headers.
#[derive(Debug, Clone)]
pub struct UserAgent {
    value: HeaderValue,
}

/// [`UserAgent`] as a standalone tower layer.
pub type UserAgentLayer = HookLayer<UserAgent>;

impl UserAgent {
    /// The user agent for a service.
    pub fn new(service: &str) -> Self {
        Self::build(service, None)
    }

    /// Adds an application name (`app/NAME`); characters outside the allowed set become `-`.
    pub fn with_app_name(self, app: &str) -> Self {
        let service = self.service_part();
        Self::build(&service, Some(app))
    }

    fn service_part(&self) -> String {
        self.value
            .to_str()
            .ok()
            .and_then(|v| v.split(' ').find_map(|p| p.strip_prefix("api/")))
            .and_then(|p| p.split('#').next())
            .unwrap_or("unknown")
            .to_owned()
    }

    fn build(service: &str, app: Option<&str>) -> Self {
        let mut s = format!(
            "ziggurat/{v} ua/2.1 api/{svc}#{v} os/{os} lang/rust",
            v = env!("CARGO_PKG_VERSION"),
            svc = sanitize(&service.to_ascii_lowercase()),
            os = std::env::consts::OS,
        );
        if let Some(app) = app {
            s.push_str(" app/");
            s.push_str(&sanitize(app));
        }
        // Static text: the value is copied into every request and every retry copy.
        let value = ziggurat_core::intern::static_header_value(&s)
            .unwrap_or_else(|_| HeaderValue::from_static("ziggurat ua/2.1 lang/rust"));
        UserAgent { value }
    }

    /// The header value.
    pub fn value(&self) -> &HeaderValue {
        &self.value
    }
}

fn sanitize(token: &str) -> String {
    token
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c) {
                c
            } else {
                '-'
            }
        })
        .collect()
}

impl RequestHook for UserAgent {
    fn has_response_side(&self) -> bool {
        false
    }

    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        let headers = req.headers_mut();
        headers.insert(USER_AGENT, self.value.clone());
        headers.insert(X_AMZ_USER_AGENT, self.value.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_name_is_sanitized_and_service_kept() {
        let ua = UserAgent::new("DynamoDB").with_app_name("my app/1");
        let v = ua.value().to_str().unwrap();
        assert!(v.contains("api/dynamodb#"), "{v}");
        assert!(v.ends_with("app/my-app-1"), "{v}");
    }
}
