//! Ready-made stacks and typed clients for AWS services, one cargo feature each.
//!
//! Each client is built once from an [`SdkConfig`](ziggurat_core::config::SdkConfig), compiles
//! its stack once, and offers the operations in the shape AWS SDK users know:
//! `client.get_object().bucket("b").key("k").send().await`.
#![warn(missing_docs)]

pub mod runtime;
pub mod types;

#[cfg(feature = "s3")]
pub mod s3;
