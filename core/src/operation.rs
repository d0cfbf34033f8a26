//! The [`Operation`] trait: what a typed operation provides to the shared stack.
//!
//! An operation is its types (input, output, error), a serializer and a deserializer. Nothing
//! else is per-operation code: the stack is compiled once for all operations, and reaches an
//! operation's serializer and deserializer through its [`OperationSpec`], built with
//! [`OperationSpec::of`]. Operations can therefore be generated from service models without
//! making compile times grow with the stack.
//!
//! ```
//! use ziggurat_core::body::Body;
//! use ziggurat_core::context::Context;
//! use ziggurat_core::error::{ApiError, SdkError};
//! use ziggurat_core::operation::Operation;
//! use ziggurat_core::stack::{OperationSpec, ResponseBody};
//!
//! struct Ping;
//! impl Operation for Ping {
//!     type Input = ();
//!     type Output = u16;
//!     type Error = ApiError;
//!     const SERVICE: &'static str = "Example";
//!     const NAME: &'static str = "Ping";
//!     fn serialize(_: &mut (), _: &mut Context) -> Result<http::Request<Body>, SdkError> {
//!         Ok(http::Request::get("/ping").body(Body::empty())?)
//!     }
//!     fn deserialize(parts: http::response::Parts, _: ResponseBody, _: &mut Context) -> Result<u16, SdkError> {
//!         Ok(parts.status.as_u16())
//!     }
//!     fn spec() -> &'static OperationSpec {
//!         static SPEC: OperationSpec = OperationSpec::of::<Ping>();
//!         &SPEC
//!     }
//! }
//! assert_eq!(Ping::spec().operation, "Ping");
//! ```
use std::any::Any;

use crate::body::Body;
use crate::context::Context;
use crate::error::{ApiError, SdkError};
use crate::hook::Output;
use crate::stack::{OperationSpec, ResponseBody};

/// A typed operation of a service.
pub trait Operation: Sized + 'static {
    /// The input.
    type Input: Send + 'static;
    /// The output.
    type Output: Send + 'static;
    /// The typed service error.
    type Error: From<ApiError>;
    /// The service id (`S3`).
    const SERVICE: &'static str;
    /// The operation name (`GetObject`).
    const NAME: &'static str;
    /// Whether a successful response body is handed to the output unread.
    const STREAMING_OUTPUT: bool = false;

    /// Builds the request; its URI holds the path and query, the endpoint middleware adds the
    /// scheme and host.
    /// It takes the input mutably so a body that cannot be cloned can be moved into the request.
    fn serialize(
        input: &mut Self::Input,
        ctx: &mut Context,
    ) -> Result<http::Request<Body>, SdkError>;

    /// Turns the response into the output, or an error.
    fn deserialize(
        parts: http::response::Parts,
        body: ResponseBody,
        ctx: &mut Context,
    ) -> Result<Self::Output, SdkError>;

    /// The operation's spec, usually `static SPEC: OperationSpec = OperationSpec::of::<Self>();`.
    fn spec() -> &'static OperationSpec;
}

fn serialize_erased<O: Operation>(
    input: &mut (dyn Any + Send),
    ctx: &mut Context,
) -> Result<http::Request<Body>, SdkError> {
    match input.downcast_mut::<O::Input>() {
        Some(input) => O::serialize(input, ctx),
        None => Err(SdkError::construction(format!(
            "the input given to {} is not its input type",
            O::NAME
        ))),
    }
}

fn deserialize_erased<O: Operation>(
    parts: http::response::Parts,
    body: ResponseBody,
    ctx: &mut Context,
) -> Result<Output, SdkError> {
    O::deserialize(parts, body, ctx).map(|o| Box::new(o) as Output)
}

impl OperationSpec {
    /// The spec of a typed operation.
    pub const fn of<O: Operation>() -> OperationSpec {
        OperationSpec {
            service: O::SERVICE,
            operation: O::NAME,
            serialize: serialize_erased::<O>,
            deserialize: deserialize_erased::<O>,
            streaming_output: O::STREAMING_OUTPUT,
            schema: None,
        }
    }
}

/// Takes a typed output back out of an erased one, still boxed (outputs can be large: the
/// caller moves it out once, where it is returned).
pub fn downcast_output<O: Operation>(output: Output) -> Result<Box<O::Output>, SdkError> {
    output
        .downcast::<O::Output>()
        .map_err(|_| SdkError::response(format!("{} returned an output of another type", O::NAME)))
}
