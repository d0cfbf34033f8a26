//! The fluent builder of the hand-written clients (the generated ones have one type per
//! operation), over the shared [`Call`].
use std::fmt;
use std::sync::Arc;

pub use ziggurat_runtime::{
    BoxFuture, Call, CallOptions, ClientHandle, OperationEntry, ServiceConfig, ServiceInfo,
    StackEdit, apply_edits, base_endpoint, default_stack,
};

use ziggurat_core::error::SdkError;
use ziggurat_core::metadata::HasMetadata;
use ziggurat_core::operation::Operation;

/// A call being prepared: set input fields, optionally [`customize`](FluentBuilder::customize),
/// then [`send`](FluentBuilder::send).
pub struct FluentBuilder<O: Operation>(Call<O>);

impl<O> FluentBuilder<O>
where
    O: Operation,
    O::Input: Default,
    O::Output: HasMetadata,
{
    /// A builder with a default input.
    pub fn new(handle: Arc<ClientHandle>) -> Self {
        FluentBuilder(Call::new(handle))
    }
    /// The input so far.
    pub fn input(&self) -> &O::Input {
        self.0.input()
    }
    /// The input, to change it directly.
    pub fn input_mut(&mut self) -> &mut O::Input {
        self.0.input_mut()
    }
    /// Replaces the whole input.
    pub fn set_input(mut self, input: O::Input) -> Self {
        self.0.set_input(input);
        self
    }
    /// Changes region, endpoint, credentials or the stack for this call only.
    pub fn customize(mut self, f: impl FnOnce(CallOptions) -> CallOptions) -> Self {
        self.0.customize(f);
        self
    }
    /// Sends the request.
    pub async fn send(self) -> Result<O::Output, SdkError<O::Error>> {
        self.0.send().await
    }
}

impl<O: Operation> fmt::Debug for FluentBuilder<O>
where
    O::Input: fmt::Debug,
{
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// Defines a per-operation error enum: one variant per modeled error code, plus `Unhandled`.
macro_rules! operation_error {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum $name {
            $($(#[$vmeta])* $variant(::ziggurat_core::error::ApiError),)*
            /// Any other service error.
            Unhandled(::ziggurat_core::error::ApiError),
        }

        impl $name {
            /// The service error behind the variant.
            pub fn api_error(&self) -> &::ziggurat_core::error::ApiError {
                match self {
                    $($name::$variant(e) => e,)*
                    $name::Unhandled(e) => e,
                }
            }
        }

        impl From<::ziggurat_core::error::ApiError> for $name {
            fn from(e: ::ziggurat_core::error::ApiError) -> Self {
                match e.code() {
                    $(stringify!($variant) => $name::$variant(e),)*
                    _ => $name::Unhandled(e),
                }
            }
        }

        impl ::ziggurat_core::error::ProvideErrorMetadata for $name {
            fn code(&self) -> Option<&str> {
                Some(self.api_error().code())
            }
            fn message(&self) -> Option<&str> {
                self.api_error().message()
            }
            fn request_id(&self) -> Option<&str> {
                self.api_error().request_id()
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                ::std::fmt::Display::fmt(self.api_error(), f)
            }
        }

        impl ::std::error::Error for $name {}
    };
}
pub(crate) use operation_error;

/// Implements [`HasMetadata`] for outputs with a `response_metadata: Metadata` field.
macro_rules! has_metadata {
    ($($ty:ty),* $(,)?) => {$(
        impl ::ziggurat_core::metadata::HasMetadata for $ty {
            fn response_metadata(&self) -> &::ziggurat_core::metadata::Metadata {
                &self.response_metadata
            }
            fn set_response_metadata(&mut self, metadata: ::ziggurat_core::metadata::Metadata) {
                self.response_metadata = metadata;
            }
        }
    )*};
}
pub(crate) use has_metadata;

/// Adds setters to an operation's fluent builder: `field: Type` for required members,
/// `opt field: Type` for optional ones.
macro_rules! fluent_setters {
    ($op:ty { $($(#[$m:meta])* $kind:ident $field:ident : $ty:ty),* $(,)? }) => {
        impl $crate::runtime::FluentBuilder<$op> {
            $(fluent_setters!(@one $(#[$m])* $kind $field : $ty);)*
        }
    };
    (@one $(#[$m:meta])* req $field:ident : $ty:ty) => {
        $(#[$m])*
        pub fn $field(mut self, value: impl Into<$ty>) -> Self {
            self.input_mut().$field = value.into();
            self
        }
    };
    (@one $(#[$m:meta])* opt $field:ident : $ty:ty) => {
        $(#[$m])*
        pub fn $field(mut self, value: impl Into<$ty>) -> Self {
            self.input_mut().$field = Some(value.into());
            self
        }
    };
}
pub(crate) use fluent_setters;

/// A required member that is empty: a construction error naming it.
pub fn require(value: &str, member: &'static str) -> Result<(), SdkError> {
    if value.is_empty() {
        Err(SdkError::construction(format!(
            "the input member `{member}` is required"
        )))
    } else {
        Ok(())
    }
}
