//! Request signing: the pure SigV4 [`signer`], and the [`SigV4`] hook that signs in a stack or,
//! as [`SigV4Layer`], on any `Service<http::Request<B>>`.
//!
//! Signing runs on every attempt (a retry must carry a fresh `x-amz-date`), so it sits after
//! `"Retry"` in the Finalize step, with the credentials the `"GetIdentity"` entry resolved for
//! that attempt. The derived signing key is cached per day, region and service. S3 requests are
//! signed with single URI encoding, no path normalization and an `x-amz-content-sha256` header;
//! a streamed body is signed as `UNSIGNED-PAYLOAD`.
//!
//! ```
//! use std::time::{Duration, UNIX_EPOCH};
//! use tower::{Layer, ServiceExt, service_fn};
//! use ziggurat_core::context::Region;
//! use ziggurat_core::credentials::Credentials;
//! use ziggurat_core::time::{SharedTimeSource, StaticTimeSource};
//! use ziggurat_layers::sign::{SigV4, SigV4Layer};
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let signer = SigV4::new("service")
//!     .with_region(Region::from_static("us-east-1"))
//!     .with_credentials(Credentials::new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", None))
//!     .with_time_source(SharedTimeSource::new(StaticTimeSource::new(UNIX_EPOCH + Duration::from_secs(1_440_938_160))));
//! let svc = SigV4Layer::new(signer).layer(service_fn(|req: http::Request<String>| async move {
//!     let auth = req.headers()["authorization"].to_str().unwrap().to_owned();
//!     Ok::<_, std::convert::Infallible>(http::Response::new(auth))
//! }));
//! let req = http::Request::get("https://example.amazonaws.com/").body(String::new()).unwrap();
//! let auth = svc.oneshot(req).await.unwrap().into_body();
//! assert!(auth.starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request"));
//! # }
//! ```
pub mod aws_chunked;
pub mod clock_skew;
pub mod post_policy;
pub mod presign;
pub mod signer;
mod sigv4;

pub use sigv4::{S3ExpressSession, SigV4, SigV4Layer};
