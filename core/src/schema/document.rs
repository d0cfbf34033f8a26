//! [`Document`]: an untyped, JSON-like value, for document shapes.
use std::collections::BTreeMap;

/// An untyped value: what a document shape holds.
#[derive(Debug, Clone, PartialEq, Default)]
pub enum Document {
    /// No value.
    #[default]
    Null,
    /// A boolean.
    Bool(bool),
    /// A number.
    Number(f64),
    /// Text.
    String(String),
    /// A list.
    Array(Vec<Document>),
    /// An object, in key order.
    Object(BTreeMap<String, Document>),
}
