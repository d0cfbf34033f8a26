//! Sets `amz-sdk-invocation-id`: one id per operation, the same on every attempt.
//!
//! AWS services and support staff correlate the attempts of one operation by this header. Inside
//! a stack the hook sits in the Build step, which runs once per operation, before the retry loop
//! copies the request for each attempt; the id is also stored in the
//! [`Context`](ziggurat_core::context::Context). Used alone, the layer gives every request a new
//! id unless it already carries one.
//!
//! ```
//! use tower::{Layer, ServiceExt, service_fn};
//! use ziggurat_layers::invocation_id::InvocationIdLayer;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let svc = InvocationIdLayer::default().layer(service_fn(|req: http::Request<String>| async move {
//!     let id = req.headers()["amz-sdk-invocation-id"].to_str().unwrap().to_owned();
//!     Ok::<_, std::convert::Infallible>(http::Response::new(id))
//! }));
//! let res = svc.oneshot(http::Request::new(String::new())).await.unwrap();
//! assert_eq!(res.body().len(), 36);
//! # }
//! ```
use http::HeaderValue;
use http::header::HeaderName;
use ziggurat_core::context::InvocationId;
use ziggurat_core::error::SdkError;
use ziggurat_core::hook::{HookLayer, HttpRequest, RequestHook};

/// The header name.
pub const INVOCATION_ID_HEADER: HeaderName = HeaderName::from_static("amz-sdk-invocation-id");

/// The hook: sets the invocation id header.
#[derive(Debug, Clone, Copy, Default)]
pub struct SetInvocationId;

/// [`SetInvocationId`] as a standalone tower layer.
pub type InvocationIdLayer = HookLayer<SetInvocationId>;

impl RequestHook for SetInvocationId {
    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        if req.headers().contains_key(&INVOCATION_ID_HEADER) {
            return Ok(());
        }
        let id = match req.context_mut() {
            Some(ctx) => match ctx.invocation_id() {
                Some(id) => id,
                None => {
                    let id = InvocationId::random();
                    ctx.set_invocation_id(id);
                    id
                }
            },
            None => InvocationId::random(),
        };
        // Shared from the start: the retry loop copies the request head, and copying a header
        // value that is shared costs a reference count, not an allocation.
        let value = HeaderValue::from_maybe_shared(bytes::Bytes::from_owner(id))
            .map_err(SdkError::construction)?;
        req.headers_mut().insert(INVOCATION_ID_HEADER, value);
        Ok(())
    }
}
