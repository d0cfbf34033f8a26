//! Conversions into [`AttributeValue`], written by hand (the model has no word for them).
use std::collections::HashMap;
use ziggurat_runtime::codegen::Bytes;

use crate::types::AttributeValue;

impl From<String> for AttributeValue {
    fn from(v: String) -> Self {
        AttributeValue::S(v)
    }
}

impl From<&str> for AttributeValue {
    fn from(v: &str) -> Self {
        AttributeValue::S(v.to_owned())
    }
}

impl From<bool> for AttributeValue {
    fn from(v: bool) -> Self {
        AttributeValue::Bool(v)
    }
}

impl From<Bytes> for AttributeValue {
    fn from(v: Bytes) -> Self {
        AttributeValue::B(v)
    }
}

impl From<Vec<AttributeValue>> for AttributeValue {
    fn from(v: Vec<AttributeValue>) -> Self {
        AttributeValue::L(v)
    }
}

impl From<HashMap<String, AttributeValue>> for AttributeValue {
    fn from(v: HashMap<String, AttributeValue>) -> Self {
        AttributeValue::M(v)
    }
}

macro_rules! from_integer {
    ($($t:ty),*) => {$(
        /// A number (`N`), written exactly.
        impl From<$t> for AttributeValue {
            fn from(v: $t) -> Self {
                AttributeValue::N(itoa::Buffer::new().format(v).to_owned())
            }
        }
    )*};
}
from_integer!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize
);
