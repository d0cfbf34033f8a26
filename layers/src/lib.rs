//! The middleware of ziggurat, one folder per concern.
//!
//! Every synchronous concern is a [`RequestHook`](ziggurat_core::hook::RequestHook) that runs
//! inline in a [`Stack`](ziggurat_core::stack::Stack) and, through
//! [`HookLayer`](ziggurat_core::hook::HookLayer), as a standalone `tower::Layer` on any
//! `Service<http::Request<B>>`. Concerns that control the flow of a call are tower services of
//! their own, in a stack and alone: the retry loop is the stack's `"Retry"` entry, and
//! [`RetryLayer`](retry::RetryLayer) outside one.
#![warn(missing_docs)]

pub mod auth;
pub mod checksum;
pub mod content_length;
pub mod endpoint;
pub mod invocation_id;
pub mod metrics;
pub mod operation;
pub mod protocol;
pub mod retry;
pub mod sign;
pub mod timing;
pub mod user_agent;
pub mod wire_log;
