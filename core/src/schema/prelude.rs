//! Schemas shared by every plain shape: a string, number, blob or timestamp member without
//! traits of its own targets one of these, so a service model needs no `static` per such shape.
use super::{Schema, ShapeType, TimestampFormat};

/// Any string.
pub static STRING: Schema = Schema::new("String", ShapeType::String);
/// A sensitive string (redacted in `Debug`).
pub static SENSITIVE_STRING: Schema =
    Schema::new("String", ShapeType::String).with_flags(super::flag::SENSITIVE);
/// A boolean.
pub static BOOLEAN: Schema = Schema::new("Boolean", ShapeType::Boolean);
/// An 8-bit integer.
pub static BYTE: Schema = Schema::new("Byte", ShapeType::Byte);
/// A 16-bit integer.
pub static SHORT: Schema = Schema::new("Short", ShapeType::Short);
/// A 32-bit integer.
pub static INTEGER: Schema = Schema::new("Integer", ShapeType::Integer);
/// A 64-bit integer.
pub static LONG: Schema = Schema::new("Long", ShapeType::Long);
/// A 32-bit float.
pub static FLOAT: Schema = Schema::new("Float", ShapeType::Float);
/// A 64-bit float.
pub static DOUBLE: Schema = Schema::new("Double", ShapeType::Double);
/// A big integer (as text).
pub static BIG_INTEGER: Schema = Schema::new("BigInteger", ShapeType::BigInteger);
/// A big decimal (as text).
pub static BIG_DECIMAL: Schema = Schema::new("BigDecimal", ShapeType::BigDecimal);
/// Bytes.
pub static BLOB: Schema = Schema::new("Blob", ShapeType::Blob);
/// A streaming blob (a `Body`).
pub static STREAMING_BLOB: Schema =
    Schema::new("StreamingBlob", ShapeType::Blob).with_flags(super::flag::STREAMING);
/// A timestamp in the protocol's default format.
pub static TIMESTAMP: Schema = Schema::new("Timestamp", ShapeType::Timestamp);
/// A timestamp always written as RFC 3339.
pub static TIMESTAMP_DATE_TIME: Schema =
    Schema::new("Timestamp", ShapeType::Timestamp).with_timestamp_format(TimestampFormat::DateTime);
/// A timestamp always written as an HTTP date.
pub static TIMESTAMP_HTTP_DATE: Schema =
    Schema::new("Timestamp", ShapeType::Timestamp).with_timestamp_format(TimestampFormat::HttpDate);
/// A timestamp always written as epoch seconds.
pub static TIMESTAMP_EPOCH_SECONDS: Schema = Schema::new("Timestamp", ShapeType::Timestamp)
    .with_timestamp_format(TimestampFormat::EpochSeconds);
/// A document.
pub static DOCUMENT: Schema = Schema::new("Document", ShapeType::Document);
/// A structure with no members (an operation without input or output).
pub static UNIT: Schema = Schema::structure("Unit", &[]);
