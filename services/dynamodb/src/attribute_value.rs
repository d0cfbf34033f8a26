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
