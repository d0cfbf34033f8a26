//! Everything generated service code names, in one import (`use ziggurat_runtime::codegen::*;`),
//! so generated files read like hand-written ones. Names defined by a service's own shapes
//! shadow these.
pub use std::collections::HashMap;

pub use bytes::Bytes;

pub use crate::EventStream;
pub use crate::{paginator, waiter};
pub use ziggurat_core::body::Body;
pub use ziggurat_core::error::ApiError;
pub use ziggurat_core::metadata::Metadata;
pub use ziggurat_core::schema::de::{self, DeserializeValue, ShapeDeserializer};
pub use ziggurat_core::schema::error::{CodecError, CodecResult};
pub use ziggurat_core::schema::operation::{
    EndpointParam, EndpointParamValue, ErrorSchema, OperationSchema, deserialize_error, op_flag,
};
pub use ziggurat_core::schema::ser::{SerResult, SerializeShape, SerializeValue, ShapeSerializer};
pub use ziggurat_core::schema::{
    DateTime, Document, Location, Member, Protocol, Schema, ServiceSchema, ShapeType,
    TimestampFormat, XmlNamespace, flag, prelude,
};
