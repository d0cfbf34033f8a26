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
use http::header::HeaderName;
use ziggurat_core::context::InvocationId;
use ziggurat_core::error::SdkError;
use ziggurat_core::header_buffer::shared_header_value;
use ziggurat_core::hook::{HookLayer, HttpRequest, RequestHook};

/// The header name.
pub const INVOCATION_ID_HEADER: HeaderName = HeaderName::from_static("amz-sdk-invocation-id");

/// The hook: sets the invocation id header.
#[derive(Debug, Clone, Copy, Default)]
pub struct SetInvocationId;

/// [`SetInvocationId`] as a standalone tower layer.
pub type InvocationIdLayer = HookLayer<SetInvocationId>;

impl RequestHook for SetInvocationId {
    fn has_response_side(&self) -> bool {
        false
    }

    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        // One lookup: the entry is kept for the insert.
        let (headers, ctx) = req.headers_and_context_mut();
        let http::header::Entry::Vacant(slot) = headers.entry(&INVOCATION_ID_HEADER) else {
            return Ok(());
        };
        let id = match ctx {
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
        // In the thread's shared header buffer: no allocation of its own, and the retry loop's
        // copy of the request head costs a reference count.
        let value = shared_header_value(&[id.as_ref()]).map_err(SdkError::construction)?;
        slot.insert(value);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ziggurat_core::body::Body;
    use ziggurat_core::context::Context;

    fn run(preset: Option<&str>, ctx: Option<&mut Context>) -> Vec<String> {
        let mut builder = http::Request::post("/");
        if let Some(value) = preset {
            builder = builder.header(INVOCATION_ID_HEADER, value);
        }
        let (mut parts, _) = builder.body(()).unwrap().into_parts();
        let mut body = Body::empty();
        SetInvocationId
            .on_request(&mut HttpRequest::new(&mut parts, &mut body, ctx))
            .unwrap();
        parts
            .headers
            .get_all(INVOCATION_ID_HEADER)
            .iter()
            .map(|v| v.to_str().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn one_id_per_operation_kept_in_the_context() {
        let mut ctx = Context::new("Svc", "Op");
        let first = run(None, Some(&mut ctx));
        assert_eq!(first.len(), 1);
        assert_eq!(
            ctx.invocation_id().map(|id| id.to_string()),
            Some(first[0].clone())
        );
        // Run again with the same context (as a retried attempt would): the same id.
        assert_eq!(run(None, Some(&mut ctx)), first);
    }

    #[test]
    fn an_id_the_caller_set_is_kept_and_requests_alone_get_fresh_ids() {
        assert_eq!(run(Some("caller-id"), None), ["caller-id"]);
        let (a, b) = (run(None, None), run(None, None));
        assert_eq!((a.len(), b.len()), (1, 1));
        assert_ne!(a, b);
    }
}
