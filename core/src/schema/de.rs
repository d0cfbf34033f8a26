//! Reading values: the [`ShapeDeserializer`] a codec implements, and the [`DeserializeValue`]
//! trait values implement.
//!
//! A structure reads itself with [`ShapeDeserializer::read_struct`]: the codec finds each
//! member on the wire and calls back with the member's index, and the structure's generated
//! code reads that member's value. Unknown members are skipped by the codec, so a service may
//! add members without breaking a client.
use std::collections::HashMap;

use bytes::Bytes;

use super::error::{CodecError, CodecResult};
use super::{DateTime, Document, Member, Schema};
use crate::body::Body;

/// Called by [`ShapeDeserializer::read_struct`] with the index of each member found.
pub type MemberConsumer<'a> = dyn FnMut(usize, &mut dyn ShapeDeserializer) -> CodecResult + 'a;

/// A codec's reader, positioned at one value.
pub trait ShapeDeserializer {
    /// A structure or union: `consumer` is called once per member present, with its index in
    /// `schema.members`, and reads the member's value from the deserializer it is given.
    fn read_struct(
        &mut self,
        schema: &'static Schema,
        consumer: &mut MemberConsumer<'_>,
    ) -> CodecResult;
    /// A list: `consumer` is called once per item (the list's element member describes it).
    fn read_list(
        &mut self,
        member: &'static Member,
        consumer: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult;
    /// A map: `consumer` is called once per entry, with its key.
    fn read_map(
        &mut self,
        member: &'static Member,
        consumer: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult;
    /// A boolean.
    fn read_bool(&mut self, member: &'static Member) -> CodecResult<bool>;
    /// An 8-bit integer.
    fn read_byte(&mut self, member: &'static Member) -> CodecResult<i8> {
        narrow(self.read_long(member)?)
    }
    /// A 16-bit integer.
    fn read_short(&mut self, member: &'static Member) -> CodecResult<i16> {
        narrow(self.read_long(member)?)
    }
    /// A 32-bit integer.
    fn read_integer(&mut self, member: &'static Member) -> CodecResult<i32> {
        narrow(self.read_long(member)?)
    }
    /// A 64-bit integer.
    fn read_long(&mut self, member: &'static Member) -> CodecResult<i64>;
    /// A 32-bit float.
    fn read_float(&mut self, member: &'static Member) -> CodecResult<f32> {
        // Narrowing is what a 32-bit float member means.
        Ok(self.read_double(member)? as f32)
    }
    /// A 64-bit float.
    fn read_double(&mut self, member: &'static Member) -> CodecResult<f64>;
    /// A big integer or big decimal, as its text.
    fn read_big_number(&mut self, member: &'static Member) -> CodecResult<String>;
    /// Text (enum values too).
    fn read_string(&mut self, member: &'static Member) -> CodecResult<String>;
    /// Bytes.
    fn read_blob(&mut self, member: &'static Member) -> CodecResult<Bytes>;
    /// A timestamp.
    fn read_timestamp(&mut self, member: &'static Member) -> CodecResult<DateTime>;
    /// A document.
    fn read_document(&mut self, member: &'static Member) -> CodecResult<Document>;
    /// Whether the value here is null; a null is consumed.
    fn read_null(&mut self) -> bool;
    /// A streaming body (the payload of a streaming output).
    fn read_stream(&mut self, member: &'static Member) -> CodecResult<Body> {
        Err(CodecError::new(format!(
            "`{}` cannot be read as a stream here",
            member.name
        )))
    }
}

fn narrow<T: TryFrom<i64>>(v: i64) -> CodecResult<T> {
    T::try_from(v).map_err(|_| CodecError::new(format!("the number {v} is out of range")))
}

/// A value that reads itself as one member.
pub trait DeserializeValue: Sized {
    /// Reads the value of `member` from `d`.
    fn deserialize_value(
        member: &'static Member,
        d: &mut dyn ShapeDeserializer,
    ) -> CodecResult<Self>;
}

/// The root of a message: the member a codec reads a whole input or output through.
pub static ROOT: Member = Member::new("", &super::prelude::UNIT);

/// Reads a whole structure (an operation's input or output, an error) from `d`.
pub fn deserialize_root<T: DeserializeValue>(d: &mut dyn ShapeDeserializer) -> CodecResult<T> {
    T::deserialize_value(&ROOT, d)
}

/// Reads member `index` of `schema` (generated code's one call per member); an error names it.
pub fn member<T: DeserializeValue>(
    schema: &'static Schema,
    index: usize,
    d: &mut dyn ShapeDeserializer,
) -> CodecResult<T> {
    let m = schema
        .members
        .get(index)
        .ok_or_else(|| CodecError::new(format!("`{}` has no member {index}", schema.name)))?;
    T::deserialize_value(m, d).map_err(|e| e.within(m.name))
}

impl<T: DeserializeValue> DeserializeValue for Option<T> {
    fn deserialize_value(m: &'static Member, d: &mut dyn ShapeDeserializer) -> CodecResult<Self> {
        if d.read_null() {
            return Ok(None);
        }
        T::deserialize_value(m, d).map(Some)
    }
}

impl<T: DeserializeValue> DeserializeValue for Box<T> {
    fn deserialize_value(m: &'static Member, d: &mut dyn ShapeDeserializer) -> CodecResult<Self> {
        T::deserialize_value(m, d).map(Box::new)
    }
}

macro_rules! plain {
    ($($ty:ty => $method:ident),* $(,)?) => {$(
        impl DeserializeValue for $ty {
            fn deserialize_value(m: &'static Member, d: &mut dyn ShapeDeserializer) -> CodecResult<Self> {
                d.$method(m)
            }
        }
    )*};
}
plain!(bool => read_bool, i8 => read_byte, i16 => read_short, i32 => read_integer,
    i64 => read_long, f32 => read_float, f64 => read_double, String => read_string,
    Bytes => read_blob, DateTime => read_timestamp, Document => read_document, Body => read_stream);

fn element(member: &'static Member) -> CodecResult<&'static Member> {
    member.target.element().ok_or_else(|| {
        CodecError::new(format!(
            "`{}` is not a list or map in the model",
            member.target.name
        ))
    })
}

impl<T: DeserializeValue> DeserializeValue for Vec<T> {
    fn deserialize_value(m: &'static Member, d: &mut dyn ShapeDeserializer) -> CodecResult<Self> {
        let item = element(m)?;
        let mut out = Vec::new();
        d.read_list(m, &mut |d| {
            out.push(T::deserialize_value(item, d)?);
            Ok(())
        })?;
        Ok(out)
    }
}

/// How many entries of a map are gathered on the stack before the map is built at its final
/// size (see the `HashMap` impl below).
const MAP_GATHER: usize = 16;

impl<T: DeserializeValue> DeserializeValue for HashMap<String, T> {
    /// The first entries are gathered on the stack and the map is allocated once they are all
    /// read (or `MAP_GATHER` of them are), at the right size: a map of up to 16 entries
    /// costs one allocation and no rehashing, where growing it entry by entry costs three
    /// allocations and rehashes every key twice for 10 entries (a DynamoDB item). Values too
    /// big to gather cheaply go straight into the map.
    fn deserialize_value(m: &'static Member, d: &mut dyn ShapeDeserializer) -> CodecResult<Self> {
        let value = element(m)?;
        let gather = size_of::<(String, T)>() <= 128;
        let mut early: arrayvec::ArrayVec<(String, T), MAP_GATHER> = arrayvec::ArrayVec::new();
        let mut out: Option<HashMap<String, T>> = None;
        d.read_map(m, &mut |key, d| {
            // The value is read straight into its place (a slot on the stack, or the map):
            // read first and moved after, a large value is copied twice more.
            if let Some(map) = &mut out {
                map.insert(key, T::deserialize_value(value, d)?);
            } else if gather && !early.is_full() {
                early.push((key, T::deserialize_value(value, d)?));
            } else {
                let mut map = HashMap::with_capacity(early.len() * 2 + 1);
                map.extend(early.drain(..));
                map.insert(key, T::deserialize_value(value, d)?);
                out = Some(map);
            }
            Ok(())
        })?;
        Ok(match out {
            Some(map) => map,
            None => {
                let mut map = HashMap::with_capacity(early.len());
                // Drained in place: moving the `ArrayVec` itself would copy all its slots.
                map.extend(early.drain(..));
                map
            }
        })
    }
}
