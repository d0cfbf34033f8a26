//! Writing values: the [`ShapeSerializer`] a codec implements, and the [`SerializeShape`] /
//! [`SerializeValue`] traits values implement.
//!
//! A structure writes itself member by member with [`SerializeShape::serialize_members`]; each
//! member's value writes itself with [`SerializeValue::serialize_member`], which also checks
//! required members and fills idempotency tokens when the serializer builds a request
//! ([`ShapeSerializer::validates`]). Lists, maps, options and the plain types have their impls
//! here, once; generated code implements the two traits for its structures, unions and enums.
use std::collections::HashMap;

use bytes::Bytes;

use super::error::{CodecError, CodecResult};
use super::{DateTime, Document, Member, Schema, flag};
use crate::body::Body;

/// The result of writing a value.
pub type SerResult = CodecResult<()>;

/// A value's members written one by one.
pub trait SerializeShape {
    /// The shape's schema.
    fn schema(&self) -> &'static Schema;
    /// Writes every member that is set, each with its member schema.
    fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult;
    /// Takes the streaming payload out of an input that has one (S3 `PutObject`'s body), so
    /// a request can own it; inputs without one return `None`.
    fn take_stream(&mut self) -> Option<Body> {
        None
    }
    /// Puts a streaming payload into a shape that has one; `false` for shapes without one.
    fn set_stream(&mut self, body: Body) -> bool {
        let _ = body;
        false
    }
}

/// A codec's writer. Every method gets the member being written: its wire name, location,
/// flags and target schema.
pub trait ShapeSerializer {
    /// A structure or union, written through its [`SerializeShape::serialize_members`].
    fn write_struct(&mut self, member: &'static Member, value: &dyn SerializeShape) -> SerResult;
    /// A list; each item is written with the list's element member.
    fn write_list(
        &mut self,
        member: &'static Member,
        items: &mut dyn ExactSizeIterator<Item = &dyn SerializeValue>,
    ) -> SerResult;
    /// A map; each value is written with the map's value member.
    fn write_map(
        &mut self,
        member: &'static Member,
        entries: &mut dyn ExactSizeIterator<Item = (&str, &dyn SerializeValue)>,
    ) -> SerResult;
    /// A boolean.
    fn write_bool(&mut self, member: &'static Member, value: bool) -> SerResult;
    /// An 8-bit integer.
    fn write_byte(&mut self, member: &'static Member, value: i8) -> SerResult {
        self.write_long(member, i64::from(value))
    }
    /// A 16-bit integer.
    fn write_short(&mut self, member: &'static Member, value: i16) -> SerResult {
        self.write_long(member, i64::from(value))
    }
    /// A 32-bit integer.
    fn write_integer(&mut self, member: &'static Member, value: i32) -> SerResult {
        self.write_long(member, i64::from(value))
    }
    /// A 64-bit integer.
    fn write_long(&mut self, member: &'static Member, value: i64) -> SerResult;
    /// A 32-bit float.
    fn write_float(&mut self, member: &'static Member, value: f32) -> SerResult {
        self.write_double(member, f64::from(value))
    }
    /// A 64-bit float.
    fn write_double(&mut self, member: &'static Member, value: f64) -> SerResult;
    /// A big integer or big decimal, as its text.
    fn write_big_number(&mut self, member: &'static Member, value: &str) -> SerResult;
    /// Text (enum values too).
    fn write_string(&mut self, member: &'static Member, value: &str) -> SerResult;
    /// Bytes.
    fn write_blob(&mut self, member: &'static Member, value: &[u8]) -> SerResult;
    /// A timestamp.
    fn write_timestamp(&mut self, member: &'static Member, value: &DateTime) -> SerResult;
    /// A document.
    fn write_document(&mut self, member: &'static Member, value: &Document) -> SerResult;
    /// A null (an unset item of a sparse list or map).
    fn write_null(&mut self, member: &'static Member) -> SerResult;
    /// A streaming body. Codecs that build requests take the body out of the input before
    /// they serialize it (see [`SerializeShape`]'s callers), so by default this writes nothing.
    fn write_stream(&mut self, member: &'static Member, body: &Body) -> SerResult {
        let _ = (member, body);
        Ok(())
    }
    /// Whether this serializer builds a request: then a required member that is not set is an
    /// error, and an unset idempotency token is filled with a fresh UUID. Printing (`Debug`,
    /// the command line's output) does neither.
    fn validates(&self) -> bool {
        false
    }
}

/// A value that writes itself as one member.
pub trait SerializeValue {
    /// Writes the value as `member`.
    fn serialize_value(&self, member: &'static Member, s: &mut dyn ShapeSerializer) -> SerResult;

    /// Whether the value counts as not set for a required member: an empty string, list, map
    /// or blob, an enum without a value.
    fn is_unset(&self) -> bool {
        false
    }

    /// Writes the value as a member of a structure: a required member that is not set is an
    /// error when the serializer validates, and an error inside names the member.
    fn serialize_member(&self, member: &'static Member, s: &mut dyn ShapeSerializer) -> SerResult {
        if member.is_required() && s.validates() && self.is_unset() {
            return Err(CodecError::missing_required(member.name));
        }
        self.serialize_value(member, s)
            .map_err(|e| e.within(member.name))
    }
}

impl<T: SerializeValue> SerializeValue for Option<T> {
    fn serialize_value(&self, member: &'static Member, s: &mut dyn ShapeSerializer) -> SerResult {
        match self {
            Some(v) => v.serialize_value(member, s),
            None => s.write_null(member),
        }
    }
    fn is_unset(&self) -> bool {
        self.as_ref().is_none_or(T::is_unset)
    }
    /// An unset optional member is skipped; an unset idempotency token is filled when the
    /// serializer validates.
    fn serialize_member(&self, member: &'static Member, s: &mut dyn ShapeSerializer) -> SerResult {
        match self {
            Some(v) => v.serialize_member(member, s),
            None if s.validates() && member.has(flag::IDEMPOTENCY_TOKEN) => {
                let token = crate::context::InvocationId::random();
                s.write_string(member, token.as_str())
            }
            None if s.validates() && member.is_required() => {
                Err(CodecError::missing_required(member.name))
            }
            None => Ok(()),
        }
    }
}

impl<T: SerializeValue + ?Sized> SerializeValue for Box<T> {
    fn serialize_value(&self, member: &'static Member, s: &mut dyn ShapeSerializer) -> SerResult {
        (**self).serialize_value(member, s)
    }
    fn is_unset(&self) -> bool {
        (**self).is_unset()
    }
}

impl SerializeValue for String {
    fn serialize_value(&self, member: &'static Member, s: &mut dyn ShapeSerializer) -> SerResult {
        s.write_string(member, self)
    }
    fn is_unset(&self) -> bool {
        self.is_empty()
    }
}

impl SerializeValue for Bytes {
    fn serialize_value(&self, member: &'static Member, s: &mut dyn ShapeSerializer) -> SerResult {
        s.write_blob(member, self)
    }
}

impl SerializeValue for DateTime {
    fn serialize_value(&self, member: &'static Member, s: &mut dyn ShapeSerializer) -> SerResult {
        s.write_timestamp(member, self)
    }
}

impl SerializeValue for Document {
    fn serialize_value(&self, member: &'static Member, s: &mut dyn ShapeSerializer) -> SerResult {
        s.write_document(member, self)
    }
}

impl SerializeValue for Body {
    fn serialize_value(&self, member: &'static Member, s: &mut dyn ShapeSerializer) -> SerResult {
        s.write_stream(member, self)
    }
}

macro_rules! plain {
    ($($ty:ty => $method:ident),* $(,)?) => {$(
        impl SerializeValue for $ty {
            fn serialize_value(&self, member: &'static Member, s: &mut dyn ShapeSerializer) -> SerResult {
                s.$method(member, *self)
            }
        }
    )*};
}
plain!(bool => write_bool, i8 => write_byte, i16 => write_short, i32 => write_integer,
    i64 => write_long, f32 => write_float, f64 => write_double);

impl<T: SerializeValue> SerializeValue for Vec<T> {
    fn serialize_value(&self, member: &'static Member, s: &mut dyn ShapeSerializer) -> SerResult {
        s.write_list(
            member,
            &mut self.iter().map(|item| item as &dyn SerializeValue),
        )
    }
    fn is_unset(&self) -> bool {
        self.is_empty()
    }
}

impl<T: SerializeValue> SerializeValue for HashMap<String, T> {
    fn serialize_value(&self, member: &'static Member, s: &mut dyn ShapeSerializer) -> SerResult {
        s.write_map(
            member,
            &mut self
                .iter()
                .map(|(k, v)| (k.as_str(), v as &dyn SerializeValue)),
        )
    }
    fn is_unset(&self) -> bool {
        self.is_empty()
    }
}

/// Implements [`SerializeValue`] (written with `write_struct`) and `Debug` (schema-driven,
/// with sensitive members redacted) for structures and unions that implement
/// [`SerializeShape`].
#[macro_export]
macro_rules! shape_value {
    ($($ty:ty),* $(,)?) => {$(
        impl $crate::schema::ser::SerializeValue for $ty {
            fn serialize_value(
                &self,
                member: &'static $crate::schema::Member,
                s: &mut dyn $crate::schema::ser::ShapeSerializer,
            ) -> $crate::schema::ser::SerResult {
                s.write_struct(member, self)
            }
        }
        impl ::std::fmt::Debug for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                $crate::schema::debug::fmt_shape(self, f)
            }
        }
    )*};
}

/// Implements, for a generated string enum with `as_str()` and `From<&str>`: `Default` (no
/// value), `From<String>`, `Display`, `AsRef<str>`, [`SerializeValue`] and
/// [`DeserializeValue`](crate::schema::de::DeserializeValue).
#[macro_export]
macro_rules! string_enum {
    ($($ty:ident),* $(,)?) => {$(
        impl ::std::default::Default for $ty {
            fn default() -> Self {
                $ty::from("")
            }
        }
        impl ::std::convert::From<::std::string::String> for $ty {
            fn from(v: ::std::string::String) -> Self {
                $ty::from(v.as_str())
            }
        }
        impl ::std::fmt::Display for $ty {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::std::convert::AsRef<str> for $ty {
            fn as_ref(&self) -> &str {
                self.as_str()
            }
        }
        impl $crate::schema::ser::SerializeValue for $ty {
            fn serialize_value(
                &self,
                member: &'static $crate::schema::Member,
                s: &mut dyn $crate::schema::ser::ShapeSerializer,
            ) -> $crate::schema::ser::SerResult {
                s.write_string(member, self.as_str())
            }
            fn is_unset(&self) -> bool {
                self.as_str().is_empty()
            }
        }
        impl $crate::schema::de::DeserializeValue for $ty {
            fn deserialize_value(
                member: &'static $crate::schema::Member,
                d: &mut dyn $crate::schema::de::ShapeDeserializer,
            ) -> $crate::schema::error::CodecResult<Self> {
                d.read_string(member).map(|v| $ty::from(v.as_str()))
            }
        }
    )*};
}
