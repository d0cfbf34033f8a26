//! Smithy RPC v2 CBOR.
use ziggurat_core::body::Body;
use ziggurat_core::error::SdkError;
use ziggurat_core::schema::ser::SerializeShape;
use ziggurat_core::schema::{OperationSchema, ServiceSchema};
use ziggurat_core::stack::ResponseBody;

use super::ReadFn;

/// Serializes an RPC v2 CBOR request.
pub fn serialize_request(
    _service: &'static ServiceSchema,
    op: &'static OperationSchema,
    _input: &mut dyn SerializeShape,
) -> Result<http::Request<Body>, SdkError> {
    Err(SdkError::construction(format!(
        "{}: rpcv2Cbor is not supported yet",
        op.name
    )))
}

/// Reads an RPC v2 CBOR response.
pub fn deserialize_response(
    _service: &'static ServiceSchema,
    op: &'static OperationSchema,
    _parts: &http::response::Parts,
    _body: ResponseBody,
    _read: &mut ReadFn<'_>,
) -> Result<(), SdkError> {
    Err(SdkError::response(format!(
        "{}: rpcv2Cbor is not supported yet",
        op.name
    )))
}
