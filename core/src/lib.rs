//! The step model of ziggurat: the named five-step [`Stack`](stack::Stack), the values that
//! travel down ([`Context`](context::Context)) and up ([`Metadata`](metadata::Metadata)),
//! [`Body`](body::Body), [`SdkError`](error::SdkError), credentials, and the HTTP transport.
//!
//! Everything here is non-generic at the step boundaries, so the stack is compiled once for all
//! operations; per operation only a serializer and a deserializer are generic code, reached
//! through an [`OperationSpec`](stack::OperationSpec).
#![warn(missing_docs)]

pub mod body;
pub mod config;
pub mod context;
pub mod credentials;
pub mod error;
pub mod header_buffer;
pub mod hook;
pub mod interceptor;
pub mod intern;
pub mod log_mode;
pub mod metadata;
pub mod metrics;
pub mod operation;
pub mod retry;
pub mod schema;
pub mod stack;
pub mod time;
pub mod transport;
