//! The serde `Serializer` that writes attribute values.
//!
//! Every serialize call returns `Option<AttributeValue>`: `None` is an `Option::None`, which a
//! map or struct leaves out (an absent attribute) and a list writes as `NULL` (a list has no
//! holes).
use std::collections::HashMap;

use serde::ser::{self, Serialize};
use ziggurat_runtime::codegen::Bytes;

use super::error::{Error, ErrorKind, describe};
use super::number::{NUMBER_TOKEN, non_finite};
use super::set::{BINARY_SET_TOKEN, NUMBER_SET_TOKEN, STRING_SET_TOKEN};
use crate::types::AttributeValue;

type Out = Option<AttributeValue>;

/// Serializes one value into an attribute value.
pub(crate) struct ValueSerializer;

fn integer(v: impl itoa::Integer) -> Result<Out, Error> {
    Ok(Some(AttributeValue::N(
        itoa::Buffer::new().format(v).to_owned(),
    )))
}

fn float(v: impl ryu::Float + Into<f64> + Copy) -> Result<Out, Error> {
    let wide: f64 = v.into();
    if !wide.is_finite() {
        return Err(non_finite(wide));
    }
    Ok(Some(AttributeValue::N(
        ryu::Buffer::new().format_finite(v).to_owned(),
    )))
}

/// The value of a list element or an enum's content: `Option::None` is `NULL` there.
fn present(value: Out) -> AttributeValue {
    value.unwrap_or(AttributeValue::Null(true))
}

impl ser::Serializer for ValueSerializer {
    type Ok = Out;
    type Error = Error;
    type SerializeSeq = SeqSerializer;
    type SerializeTuple = SeqSerializer;
    type SerializeTupleStruct = SeqSerializer;
    type SerializeTupleVariant = VariantSerializer<SeqSerializer>;
    type SerializeMap = MapSerializer;
    type SerializeStruct = MapSerializer;
    type SerializeStructVariant = VariantSerializer<MapSerializer>;

    fn serialize_bool(self, v: bool) -> Result<Out, Error> {
        Ok(Some(AttributeValue::Bool(v)))
    }

    fn serialize_i8(self, v: i8) -> Result<Out, Error> {
        integer(v)
    }

    fn serialize_i16(self, v: i16) -> Result<Out, Error> {
        integer(v)
    }

    fn serialize_i32(self, v: i32) -> Result<Out, Error> {
        integer(v)
    }

    fn serialize_i64(self, v: i64) -> Result<Out, Error> {
        integer(v)
    }

    fn serialize_i128(self, v: i128) -> Result<Out, Error> {
        integer(v)
    }

    fn serialize_u8(self, v: u8) -> Result<Out, Error> {
        integer(v)
    }

    fn serialize_u16(self, v: u16) -> Result<Out, Error> {
        integer(v)
    }

    fn serialize_u32(self, v: u32) -> Result<Out, Error> {
        integer(v)
    }

    fn serialize_u64(self, v: u64) -> Result<Out, Error> {
        integer(v)
    }

    fn serialize_u128(self, v: u128) -> Result<Out, Error> {
        integer(v)
    }

    fn serialize_f32(self, v: f32) -> Result<Out, Error> {
        float(v)
    }

    fn serialize_f64(self, v: f64) -> Result<Out, Error> {
        float(v)
    }

    fn serialize_char(self, v: char) -> Result<Out, Error> {
        Ok(Some(AttributeValue::S(v.to_string())))
    }

    fn serialize_str(self, v: &str) -> Result<Out, Error> {
        Ok(Some(AttributeValue::S(v.to_owned())))
    }

    fn serialize_bytes(self, v: &[u8]) -> Result<Out, Error> {
        Ok(Some(AttributeValue::B(Bytes::copy_from_slice(v))))
    }

    fn serialize_none(self) -> Result<Out, Error> {
        Ok(None)
    }

    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<Out, Error> {
        value.serialize(self)
    }

    fn serialize_unit(self) -> Result<Out, Error> {
        Ok(Some(AttributeValue::Null(true)))
    }

    fn serialize_unit_struct(self, _name: &'static str) -> Result<Out, Error> {
        self.serialize_unit()
    }

    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<Out, Error> {
        self.serialize_str(variant)
    }

    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        name: &'static str,
        value: &T,
    ) -> Result<Out, Error> {
        match name {
            NUMBER_TOKEN => match value.serialize(self)? {
                Some(AttributeValue::S(text)) => Ok(Some(AttributeValue::N(text))),
                other => Err(Error::new(
                    ErrorKind::InvalidNumber,
                    format!(
                        "a number must be its text, found {}",
                        other.as_ref().map_or("nothing", describe)
                    ),
                )),
            },
            STRING_SET_TOKEN => set(value, SetKind::String),
            NUMBER_SET_TOKEN => set(value, SetKind::Number),
            BINARY_SET_TOKEN => set(value, SetKind::Binary),
            _ => value.serialize(self),
        }
    }

    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<Out, Error> {
        let inner = value.serialize(self).map_err(|e| e.at_key(variant))?;
        Ok(Some(AttributeValue::M(HashMap::from([(
            variant.to_owned(),
            present(inner),
        )]))))
    }

    fn serialize_seq(self, len: Option<usize>) -> Result<SeqSerializer, Error> {
        Ok(SeqSerializer {
            items: Vec::with_capacity(len.unwrap_or(0)),
        })
    }

    fn serialize_tuple(self, len: usize) -> Result<SeqSerializer, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        len: usize,
    ) -> Result<SeqSerializer, Error> {
        self.serialize_seq(Some(len))
    }

    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantSerializer<SeqSerializer>, Error> {
        Ok(VariantSerializer {
            variant,
            inner: self.serialize_seq(Some(len))?,
        })
    }

    fn serialize_map(self, len: Option<usize>) -> Result<MapSerializer, Error> {
        Ok(MapSerializer {
            map: HashMap::with_capacity(len.unwrap_or(0)),
            key: None,
        })
    }

    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<MapSerializer, Error> {
        self.serialize_map(Some(len))
    }

    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<VariantSerializer<MapSerializer>, Error> {
        Ok(VariantSerializer {
            variant,
            inner: self.serialize_map(Some(len))?,
        })
    }
}

/// A list (`L`) being written.
pub(crate) struct SeqSerializer {
    items: Vec<AttributeValue>,
}

impl SeqSerializer {
    fn push<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let index = self.items.len();
        let value = value
            .serialize(ValueSerializer)
            .map_err(|e| e.at_index(index))?;
        self.items.push(present(value));
        Ok(())
    }

    fn finish(self) -> AttributeValue {
        AttributeValue::L(self.items)
    }
}

impl ser::SerializeSeq for SeqSerializer {
    type Ok = Out;
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }

    fn end(self) -> Result<Out, Error> {
        Ok(Some(self.finish()))
    }
}

impl ser::SerializeTuple for SeqSerializer {
    type Ok = Out;
    type Error = Error;

    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }

    fn end(self) -> Result<Out, Error> {
        Ok(Some(self.finish()))
    }
}

impl ser::SerializeTupleStruct for SeqSerializer {
    type Ok = Out;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.push(value)
    }

    fn end(self) -> Result<Out, Error> {
        Ok(Some(self.finish()))
    }
}

/// A map (`M`) being written, from a map or a struct.
pub(crate) struct MapSerializer {
    map: HashMap<String, AttributeValue>,
    /// The key of the entry whose value comes next.
    key: Option<String>,
}

impl MapSerializer {
    fn insert<T: Serialize + ?Sized>(&mut self, key: String, value: &T) -> Result<(), Error> {
        match value.serialize(ValueSerializer) {
            Ok(Some(value)) => {
                self.map.insert(key, value);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => Err(e.at_key(&key)),
        }
    }

    fn finish(self) -> AttributeValue {
        AttributeValue::M(self.map)
    }
}

fn map_key<T: Serialize + ?Sized>(key: &T) -> Result<String, Error> {
    match key.serialize(ValueSerializer)? {
        Some(AttributeValue::S(key)) => Ok(key),
        other => Err(Error::new(
            ErrorKind::KeyNotString,
            format!(
                "map keys must be strings, found {}",
                other.as_ref().map_or("nothing", describe)
            ),
        )),
    }
}

impl ser::SerializeMap for MapSerializer {
    type Ok = Out;
    type Error = Error;

    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        self.key = Some(map_key(key)?);
        Ok(())
    }

    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        match self.key.take() {
            Some(key) => self.insert(key, value),
            None => Err(Error::new(
                ErrorKind::Other,
                "a map value was serialized before its key",
            )),
        }
    }

    fn serialize_entry<K: Serialize + ?Sized, V: Serialize + ?Sized>(
        &mut self,
        key: &K,
        value: &V,
    ) -> Result<(), Error> {
        let key = map_key(key)?;
        self.insert(key, value)
    }

    fn end(self) -> Result<Out, Error> {
        Ok(Some(self.finish()))
    }
}

impl ser::SerializeStruct for MapSerializer {
    type Ok = Out;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        match value.serialize(ValueSerializer) {
            Ok(Some(value)) => {
                self.map.insert(key.to_owned(), value);
                Ok(())
            }
            Ok(None) => Ok(()),
            Err(e) => Err(e.at_key(key)),
        }
    }

    fn end(self) -> Result<Out, Error> {
        Ok(Some(self.finish()))
    }
}

/// An enum's tuple or struct variant: `{ "Variant": content }`.
pub(crate) struct VariantSerializer<I> {
    variant: &'static str,
    inner: I,
}

impl<I> VariantSerializer<I> {
    fn wrap(self, content: AttributeValue) -> Out {
        Some(AttributeValue::M(HashMap::from([(
            self.variant.to_owned(),
            content,
        )])))
    }
}

impl ser::SerializeTupleVariant for VariantSerializer<SeqSerializer> {
    type Ok = Out;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        let variant = self.variant;
        self.inner.push(value).map_err(|e| e.at_key(variant))
    }

    fn end(mut self) -> Result<Out, Error> {
        let items = std::mem::take(&mut self.inner.items);
        Ok(self.wrap(AttributeValue::L(items)))
    }
}

impl ser::SerializeStructVariant for VariantSerializer<MapSerializer> {
    type Ok = Out;
    type Error = Error;

    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let variant = self.variant;
        ser::SerializeStruct::serialize_field(&mut self.inner, key, value)
            .map_err(|e| e.at_key(variant))
    }

    fn end(mut self) -> Result<Out, Error> {
        let map = std::mem::take(&mut self.inner.map);
        Ok(self.wrap(AttributeValue::M(map)))
    }
}

#[derive(Clone, Copy)]
enum SetKind {
    String,
    Number,
    Binary,
}

impl SetKind {
    fn name(self) -> &'static str {
        match self {
            SetKind::String => "string set (SS)",
            SetKind::Number => "number set (NS)",
            SetKind::Binary => "binary set (BS)",
        }
    }
}

/// A set: the collection serialized as a list, whose members must all be of the set's type,
/// at least one, none twice.
fn set<T: Serialize + ?Sized>(value: &T, kind: SetKind) -> Result<Out, Error> {
    let items = match value.serialize(ValueSerializer)? {
        Some(AttributeValue::L(items)) => items,
        None => return Ok(None),
        Some(other) => {
            return Err(Error::new(
                ErrorKind::Other,
                format!(
                    "a {} must be a sequence, found {}",
                    kind.name(),
                    describe(&other)
                ),
            ));
        }
    };
    if items.is_empty() {
        return Err(Error::new(
            ErrorKind::EmptySet,
            format!(
                "an empty {} cannot be stored: DynamoDB has no empty sets, leave the attribute out (None) instead",
                kind.name()
            ),
        ));
    }
    let wrong = |index: usize, found: &AttributeValue| {
        Error::new(
            ErrorKind::WrongSetMember,
            format!("a {} cannot hold {}", kind.name(), describe(found)),
        )
        .at_index(index)
    };
    let duplicate = |index: usize, what: String| {
        Error::new(
            ErrorKind::DuplicateInSet,
            format!(
                "the {} holds {what} twice: DynamoDB set members are unique",
                kind.name()
            ),
        )
        .at_index(index)
    };
    let mut strings = Vec::new();
    let mut binary = Vec::new();
    match kind {
        SetKind::Binary => binary.reserve_exact(items.len()),
        _ => strings.reserve_exact(items.len()),
    }
    for (index, item) in items.into_iter().enumerate() {
        match (kind, item) {
            (SetKind::String, AttributeValue::S(s)) | (SetKind::Number, AttributeValue::N(s)) => {
                strings.push(s)
            }
            (SetKind::Binary, AttributeValue::B(b)) => binary.push(b),
            (_, other) => return Err(wrong(index, &other)),
        }
    }
    if let Some(index) = first_duplicate(&strings) {
        let member = strings.get(index).map(String::as_str).unwrap_or_default();
        return Err(duplicate(index, format!("`{member}`")));
    }
    if let Some(index) = first_duplicate(&binary) {
        let len = binary.get(index).map_or(0, Bytes::len);
        return Err(duplicate(index, format!("the same {len} bytes")));
    }
    Ok(Some(match kind {
        SetKind::String => AttributeValue::Ss(strings),
        SetKind::Number => AttributeValue::Ns(strings),
        SetKind::Binary => AttributeValue::Bs(binary),
    }))
}

/// The index of a member equal to one before it: by pairs for the small sets most are (no
/// allocation), by sorting beyond.
fn first_duplicate<T: AsRef<[u8]>>(members: &[T]) -> Option<usize> {
    if members.len() <= 16 {
        return members.iter().enumerate().find_map(|(j, b)| {
            members
                .iter()
                .take(j)
                .any(|a| a.as_ref() == b.as_ref())
                .then_some(j)
        });
    }
    let mut sorted: Vec<(&[u8], usize)> = members
        .iter()
        .enumerate()
        .map(|(i, m)| (m.as_ref(), i))
        .collect();
    sorted.sort_unstable();
    sorted.windows(2).find_map(|pair| match pair {
        [(a, i), (b, j)] if a == b => Some((*i).max(*j)),
        _ => None,
    })
}
