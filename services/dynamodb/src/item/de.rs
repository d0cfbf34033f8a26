//! The serde `Deserializer` that reads attribute values (owned: strings, maps and lists are
//! moved into the target, not copied).
use std::collections::hash_map;
use std::num::IntErrorKind;
use std::str::FromStr;

use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeSeed, IntoDeserializer, Visitor};
use serde::forward_to_deserialize_any;

use super::error::{Error, ErrorKind, describe};
use super::number::{NUMBER_TOKEN, is_number};
use crate::types::AttributeValue;

/// Reads one attribute value.
pub(crate) struct ValueDeserializer(pub(crate) AttributeValue);

fn parse_integer<T>(text: &str, ty: &str) -> Result<T, Error>
where
    T: FromStr<Err = std::num::ParseIntError>,
{
    text.parse()
        .map_err(|e: std::num::ParseIntError| match e.kind() {
            IntErrorKind::PosOverflow | IntErrorKind::NegOverflow => Error::new(
                ErrorKind::NumberOutOfRange,
                format!("number {text} does not fit in {ty}"),
            ),
            _ if is_number(text) => Error::new(
                ErrorKind::InvalidNumber,
                format!("number {text} is not an integer, as {ty} needs"),
            ),
            _ => Error::new(
                ErrorKind::InvalidNumber,
                format!("`{text}` is not a number ({ty} expected)"),
            ),
        })
}

/// Parses a float; DynamoDB numbers beyond the type's range are an error, not an infinity.
fn parse_float<T>(text: &str, ty: &str) -> Result<T, Error>
where
    T: FromStr + Into<f64> + Copy,
{
    match text.parse::<T>() {
        Ok(v) if v.into().is_finite() => Ok(v),
        _ if is_number(text) => Err(Error::new(
            ErrorKind::NumberOutOfRange,
            format!("number {text} does not fit in {ty}"),
        )),
        _ => Err(Error::new(
            ErrorKind::InvalidNumber,
            format!("`{text}` is not a number ({ty} expected)"),
        )),
    }
}

/// A number for a target that takes anything (`serde_json::Value`, untagged enums): an
/// integer if it is one that fits 64 bits, else a float. Exact digits need [`Number`].
///
/// [`Number`]: super::Number
fn visit_number<'de, V: Visitor<'de>>(text: String, visitor: V) -> Result<V::Value, Error> {
    if !text.contains(['.', 'e', 'E']) {
        if let Ok(v) = text.parse::<i64>() {
            return visitor.visit_i64(v);
        }
        if let Ok(v) = text.parse::<u64>() {
            return visitor.visit_u64(v);
        }
    }
    visitor.visit_f64(parse_float::<f64>(&text, "f64")?)
}

macro_rules! integer {
    ($($method:ident $visit:ident $t:ty),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                AttributeValue::N(text) => visitor.$visit(parse_integer::<$t>(&text, stringify!($t))?),
                other => ValueDeserializer(other).deserialize_any(visitor),
            }
        }
    )*};
}

macro_rules! float {
    ($($method:ident $visit:ident $t:ty),*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0 {
                AttributeValue::N(text) => visitor.$visit(parse_float::<$t>(&text, stringify!($t))?),
                other => ValueDeserializer(other).deserialize_any(visitor),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for ValueDeserializer {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            AttributeValue::S(s) => visitor.visit_string(s),
            AttributeValue::N(text) => visit_number(text, visitor),
            // As serde_json writes bytes: a sequence of numbers (so `serde_json::Value` and
            // untagged enums take it). Byte targets ask for bytes, and get them whole.
            AttributeValue::B(b) => {
                let mut bytes = SeqAccess {
                    iter: b.into_iter().map(|byte| byte.into_deserializer()),
                    index: 0,
                };
                let value = visitor.visit_seq(&mut bytes)?;
                bytes.end().map(|()| value)
            }
            AttributeValue::Bool(b) => visitor.visit_bool(b),
            AttributeValue::Null(_) => visitor.visit_unit(),
            AttributeValue::M(map) => visit_map(map, visitor),
            AttributeValue::L(list) => visit_seq(list.into_iter(), visitor),
            AttributeValue::Ss(set) => visit_seq(set.into_iter().map(AttributeValue::S), visitor),
            AttributeValue::Ns(set) => visit_seq(set.into_iter().map(AttributeValue::N), visitor),
            AttributeValue::Bs(set) => visit_seq(set.into_iter().map(AttributeValue::B), visitor),
            AttributeValue::Unknown => Err(unknown()),
        }
    }

    integer!(
        deserialize_i8 visit_i8 i8,
        deserialize_i16 visit_i16 i16,
        deserialize_i32 visit_i32 i32,
        deserialize_i64 visit_i64 i64,
        deserialize_i128 visit_i128 i128,
        deserialize_u8 visit_u8 u8,
        deserialize_u16 visit_u16 u16,
        deserialize_u32 visit_u32 u32,
        deserialize_u64 visit_u64 u64,
        deserialize_u128 visit_u128 u128
    );

    float!(deserialize_f32 visit_f32 f32, deserialize_f64 visit_f64 f64);

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            AttributeValue::Null(_) => visitor.visit_none(),
            other => visitor.visit_some(ValueDeserializer(other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        match (name, self.0) {
            (NUMBER_TOKEN, AttributeValue::N(text)) => visitor.visit_string(text),
            (NUMBER_TOKEN, other) => Err(Error::new(
                ErrorKind::WrongType,
                format!("expected a number (N), found {}", describe(&other)),
            )),
            (_, other) => visitor.visit_newtype_struct(ValueDeserializer(other)),
        }
    }

    fn deserialize_bytes<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        match self.0 {
            AttributeValue::B(b) => visitor.visit_byte_buf(Vec::from(b)),
            other => ValueDeserializer(other).deserialize_any(visitor),
        }
    }

    fn deserialize_byte_buf<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.deserialize_bytes(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        match self.0 {
            AttributeValue::S(variant) => {
                visitor.visit_enum(IntoDeserializer::<Error>::into_deserializer(variant))
            }
            AttributeValue::M(map) => {
                let mut entries = map.into_iter();
                match (entries.next(), entries.next()) {
                    (Some((variant, value)), None) => {
                        visitor.visit_enum(EnumAccess { variant, value })
                    }
                    (first, _) => Err(Error::new(
                        ErrorKind::WrongType,
                        format!(
                            "an enum is a string (a unit variant) or a map of one variant to its content, found a map of {} entries",
                            first.map_or(0, |_| 2 + entries.len())
                        ),
                    )),
                }
            }
            other => Err(Error::new(
                ErrorKind::WrongType,
                format!(
                    "an enum is a string (a unit variant) or a map of one variant to its content, found {}",
                    describe(&other)
                ),
            )),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    forward_to_deserialize_any! {
        bool char str string unit unit_struct seq map struct identifier
    }
}

fn unknown() -> Error {
    Error::new(
        ErrorKind::UnknownAttributeType,
        "an attribute of a type this client does not know",
    )
}

fn visit_seq<'de, I, V>(iter: I, visitor: V) -> Result<V::Value, Error>
where
    I: ExactSizeIterator<Item = AttributeValue>,
    V: Visitor<'de>,
{
    let mut seq = SeqAccess {
        iter: iter.map(ValueDeserializer),
        index: 0,
    };
    let value = visitor.visit_seq(&mut seq)?;
    seq.end().map(|()| value)
}

fn visit_map<'de, V: Visitor<'de>>(
    map: std::collections::HashMap<String, AttributeValue>,
    visitor: V,
) -> Result<V::Value, Error> {
    let mut access = MapAccess {
        iter: map.into_iter(),
        entry: None,
    };
    let value = visitor.visit_map(&mut access)?;
    // A target that stops early (serde's maps do not) leaves entries unread: that is fine for
    // a map, as for serde_json's objects with `deny_unknown_fields` off.
    Ok(value)
}

/// The elements of a list or a set, or the bytes of a binary value.
struct SeqAccess<I> {
    iter: I,
    index: usize,
}

impl<'de, I, D> SeqAccess<I>
where
    I: ExactSizeIterator<Item = D>,
    D: de::Deserializer<'de, Error = Error>,
{
    /// A fixed-size target (a tuple, an array) that read fewer elements than there are.
    fn end(self) -> Result<(), Error> {
        match self.iter.len() {
            0 => Ok(()),
            rest => Err(de::Error::invalid_length(
                self.index + rest,
                &ExpectedInSeq(self.index),
            )),
        }
    }
}

struct ExpectedInSeq(usize);

impl de::Expected for ExpectedInSeq {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} elements in the list", self.0)
    }
}

impl<'de, I, D> de::SeqAccess<'de> for SeqAccess<I>
where
    I: ExactSizeIterator<Item = D>,
    D: de::Deserializer<'de, Error = Error>,
{
    type Error = Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, Error> {
        match self.iter.next() {
            Some(element) => {
                let index = self.index;
                self.index += 1;
                seed.deserialize(element)
                    .map(Some)
                    .map_err(|e| e.at_index(index))
            }
            None => Ok(None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// The entries of a map (`M`): keys are lent to the target (struct fields match them without
/// a copy) and kept for the path of an error in the value.
struct MapAccess {
    iter: hash_map::IntoIter<String, AttributeValue>,
    entry: Option<(String, AttributeValue)>,
}

impl<'de> de::MapAccess<'de> for MapAccess {
    type Error = Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Error> {
        match self.iter.next() {
            Some((key, value)) => {
                let read = seed.deserialize(KeyDeserializer(&key));
                self.entry = Some((key, value));
                read.map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Error> {
        match self.entry.take() {
            Some((key, value)) => seed
                .deserialize(ValueDeserializer(value))
                .map_err(|e| e.at_key(&key)),
            None => Err(Error::new(
                ErrorKind::Other,
                "a map value was read before its key",
            )),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.iter.len())
    }
}

/// A map key: a string, also for newtypes of strings and unit enum variants.
struct KeyDeserializer<'a>(&'a str);

impl<'de> de::Deserializer<'de> for KeyDeserializer<'_> {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_str(self.0)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(StrDeserializer::<Error>::new(self.0))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct seq tuple tuple_struct map struct identifier ignored_any
    }
}

/// An enum written as a map of one entry: the variant's name, and its content.
struct EnumAccess {
    variant: String,
    value: AttributeValue,
}

impl<'de> de::EnumAccess<'de> for EnumAccess {
    type Error = Error;
    type Variant = VariantAccess;

    fn variant_seed<V: DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, VariantAccess), Error> {
        let variant = seed.deserialize(KeyDeserializer(&self.variant))?;
        Ok((
            variant,
            VariantAccess {
                variant: self.variant,
                value: self.value,
            },
        ))
    }
}

struct VariantAccess {
    variant: String,
    value: AttributeValue,
}

impl<'de> de::VariantAccess<'de> for VariantAccess {
    type Error = Error;

    fn unit_variant(self) -> Result<(), Error> {
        match self.value {
            AttributeValue::Null(_) => Ok(()),
            other => Err(Error::new(
                ErrorKind::WrongType,
                format!("a unit variant has no content, found {}", describe(&other)),
            )
            .at_key(&self.variant)),
        }
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, seed: T) -> Result<T::Value, Error> {
        seed.deserialize(ValueDeserializer(self.value))
            .map_err(|e| e.at_key(&self.variant))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _len: usize, visitor: V) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_seq(ValueDeserializer(self.value), visitor)
            .map_err(|e| e.at_key(&self.variant))
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        de::Deserializer::deserialize_map(ValueDeserializer(self.value), visitor)
            .map_err(|e| e.at_key(&self.variant))
    }
}
