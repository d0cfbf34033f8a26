//! # ziggurat
//!
//! A tower-based middleware and interceptor framework for HTTP clients of AWS-style services,
//! modeled on the AWS SDK for Go v2's five-step middleware stack:
//!
//! ```text
//! Initialize → Serialize → Build → Finalize → Deserialize → transport
//! ```
//!
//! Every SDK concern (invocation id, content-length, user-agent, endpoint, SigV4, timing) is a
//! hook that runs inline in a named [`Stack`](stack::Stack), and also a standalone
//! `tower::Layer` for any `Service<http::Request<B>>`; retries are the stack's `"Retry"` loop,
//! and [`RetryLayer`](layers::retry::RetryLayer) alone. Ready-made clients use the stack:
//!
//! ```no_run
//! use ziggurat::prelude::*;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let config = SdkConfig::from_env();
//! let s3 = ziggurat::s3::Client::new(&config);
//! let page = s3.list_objects_v2().bucket("my-bucket").send().await?;
//! for object in page.contents.unwrap_or_default() {
//!     println!("{} ({} bytes)", object.key.unwrap_or_default(), object.size.unwrap_or(0));
//! }
//! println!("{}", s3.stack().map(|s| s.describe()).unwrap_or_default());
//! # Ok(()) }
//! ```
//!
//! The crates behind it: [`ziggurat_core`] (the step model, context, metadata, body, errors,
//! transport), [`ziggurat_layers`] (one folder per middleware), [`ziggurat_runtime`]
//! (what every client shares) and one generated crate per service (typed clients, one cargo
//! feature each).
#![warn(missing_docs)]

pub use ziggurat_core::{
    body, config, context, credentials, error, hook, interceptor, log_mode, metadata, metrics,
    operation, retry, schema, stack, time, transport,
};
pub use ziggurat_layers as layers;
pub use ziggurat_runtime as runtime;

/// Loading configuration from the environment and the shared files (`~/.aws/config`), with
/// the credential provider chain: [`aws_config::load_defaults`].
#[cfg(feature = "config")]
pub use ziggurat_config as aws_config;
#[cfg(feature = "dynamodb")]
pub use ziggurat_dynamodb as dynamodb;
#[cfg(feature = "lambda")]
pub use ziggurat_lambda as lambda;
/// Amazon S3: the client and its operations ([`ziggurat_s3`]), and with the `s3-transfer`
/// feature the transfer manager ([`transfer`](s3::transfer)).
#[cfg(feature = "s3")]
pub mod s3 {
    pub use ziggurat_s3::*;
    /// Parallel multipart uploads and ranged downloads, with progress
    /// ([`ziggurat_s3_transfer`]).
    #[cfg(feature = "s3-transfer")]
    pub use ziggurat_s3_transfer as transfer;
}
/// OpenTelemetry: the AWS SDK metrics through an opentelemetry `MeterProvider`
/// ([`ziggurat_otel`], whose version follows the opentelemetry release line), and how the
/// calls' `tracing` spans reach OpenTelemetry.
#[cfg(feature = "otel")]
pub use ziggurat_otel as otel;
#[cfg(feature = "sns")]
pub use ziggurat_sns as sns;
#[cfg(feature = "sqs")]
pub use ziggurat_sqs as sqs;
#[cfg(feature = "sso")]
pub use ziggurat_sso as sso;
#[cfg(feature = "ssooidc")]
pub use ziggurat_ssooidc as ssooidc;
#[cfg(feature = "sts")]
pub use ziggurat_sts as sts;

/// The names most programs need.
pub mod prelude {
    /// `SdkConfig::load_defaults().await`.
    #[cfg(feature = "config")]
    pub use ziggurat_config::LoadDefaults;
    pub use ziggurat_core::body::Body;
    pub use ziggurat_core::config::SdkConfig;
    pub use ziggurat_core::context::Region;
    pub use ziggurat_core::credentials::Credentials;
    pub use ziggurat_core::error::{ApiError, ErrorKind, ProvideErrorMetadata, SdkError};
    pub use ziggurat_core::hook::{HttpRequest, InputHook, RequestHook};
    pub use ziggurat_core::metadata::HasMetadata;
    pub use ziggurat_core::stack::{Middleware, Position, Stack, StepName, ids};
}
