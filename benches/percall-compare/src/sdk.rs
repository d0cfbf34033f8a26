//! How both benchmarks build their S3 clients (and the shared pieces of the DynamoDB ones):
//! fixed region, static credentials, the loopback endpoint, path-style addressing; one place,
//! so `percall-compare` and `transfer-compare` measure clients configured alike.
//!
//! * **ziggurat**: `SdkConfig::builder()` with region, credentials and `endpoint_url`;
//!   `ziggurat::s3::Client::from_conf(Config::new(&sdk_config).force_path_style(true))`, the
//!   default stack (retries, timeouts, SigV4).
//! * **aws-sdk**: `aws_sdk_s3::Config::builder()` (no aws-config) with the same, plus
//!   `BehaviorVersion::latest()`; its HTTP client is [`sdk_http_client`].

/// The static credentials both clients sign with (the server checks no signature).
pub const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
pub const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
pub const REGION: &str = "us-east-1";

/// ziggurat's shared configuration for the server at `endpoint` (`http://127.0.0.1:PORT`).
pub fn zig_config(endpoint: &str) -> ziggurat::config::SdkConfig {
    use ziggurat::config::SdkConfig;
    use ziggurat::context::Region;
    use ziggurat::credentials::Credentials;
    SdkConfig::builder()
        .region(Region::from_static(REGION))
        .credentials(Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None))
        .endpoint_url(endpoint.to_owned())
        .build()
}

/// ziggurat's S3 client over `config`, path-style.
pub fn zig_s3(config: &ziggurat::config::SdkConfig) -> ziggurat::s3::Client {
    ziggurat::s3::Client::from_conf(ziggurat::s3::Config::new(config).force_path_style(true))
}

/// The AWS SDK's static credentials (`provider` names who made them).
pub fn aws_credentials(provider: &'static str) -> aws_sdk_s3::config::Credentials {
    aws_sdk_s3::config::Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None, None, provider)
}

/// aws-sdk-s3 against `endpoint`, path-style, over `http`.
pub fn aws_s3(
    endpoint: &str,
    credentials: aws_sdk_s3::config::Credentials,
    http: aws_smithy_runtime_api::client::http::SharedHttpClient,
) -> aws_sdk_s3::Client {
    let config = aws_sdk_s3::Config::builder()
        .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
        .region(aws_sdk_s3::config::Region::new(REGION))
        .credentials_provider(credentials)
        .endpoint_url(endpoint)
        .force_path_style(true)
        .http_client(http)
        .build();
    aws_sdk_s3::Client::from_conf(config)
}

/// The HTTP client aws-smithy-runtime's `default-https-client` feature builds
/// (`default_https_client` in `aws-smithy-runtime/src/client/http.rs`), with ring instead of
/// aws-lc as rustls's crypto provider.
pub fn sdk_http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    use aws_smithy_http_client::proxy::ProxyConfig;
    use aws_smithy_http_client::{Builder, ConnectorBuilder, tls};
    Builder::new().build_with_connector_fn(move |settings, runtime_components| {
        let mut conn = ConnectorBuilder::default().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ));
        conn.set_connector_settings(settings.cloned());
        if let Some(components) = runtime_components {
            conn.set_sleep_impl(components.sleep_impl());
        }
        conn.set_proxy_config(Some(ProxyConfig::from_env()));
        conn.build()
    })
}
