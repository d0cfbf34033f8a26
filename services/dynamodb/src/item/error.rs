//! What can go wrong between serde types and attribute values, and where.
use std::fmt;

use crate::types::AttributeValue;

/// What kind of thing went wrong, to match on without reading messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// [`to_item`](super::to_item) was given a value that is not a map or a struct, or
    /// [`from_item`](super::from_item) a type that does not read from a map.
    NotAnItem,
    /// A map key did not serialize as a string: DynamoDB map keys and attribute names are strings.
    KeyNotString,
    /// A set was empty: DynamoDB cannot store an empty set (leave the attribute out instead).
    EmptySet,
    /// A set held the same member twice: DynamoDB rejects such sets.
    DuplicateInSet,
    /// A set member was not of the set's type (a number in a string set, say).
    WrongSetMember,
    /// A float was NaN or infinite: DynamoDB numbers are finite.
    NonFiniteNumber,
    /// A number (`N`) does not fit the type asked for (`300` into a `u8`).
    NumberOutOfRange,
    /// A text is not a number of the form asked for (`1.5` into an integer, `abc` as a
    /// [`Number`](super::Number)).
    InvalidNumber,
    /// The value is not of the type asked for (a string where a number was expected).
    WrongType,
    /// A struct field is missing from the item.
    MissingField,
    /// An attribute of a type this version of the client does not know
    /// ([`AttributeValue::Unknown`]).
    UnknownAttributeType,
    /// Anything else: a message from a `Serialize` or `Deserialize` implementation.
    Other,
}

/// One step of the path to a failing attribute.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Key(String),
    Index(usize),
}

/// Converting a value to or from attribute values failed: what went wrong, and the path of the
/// attribute where it did (`address.lines[2]`).
///
/// ```
/// use std::collections::BTreeSet;
/// use ziggurat_dynamodb::item::{to_item, ErrorKind, StringSet};
///
/// #[derive(serde::Serialize)]
/// struct Post { tags: StringSet }
///
/// let err = to_item(&Post { tags: StringSet(BTreeSet::new()) }).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::EmptySet);
/// assert_eq!(err.path(), "tags");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
    /// Innermost first: each level adds its step as the error comes up.
    path: Vec<Segment>,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Self {
        Error {
            kind,
            message: message.into(),
            path: Vec::new(),
        }
    }

    /// The error, one map key further from the top.
    pub(crate) fn at_key(mut self, key: &str) -> Self {
        self.path.push(Segment::Key(key.to_owned()));
        self
    }

    /// The error, one list index further from the top.
    pub(crate) fn at_index(mut self, index: usize) -> Self {
        self.path.push(Segment::Index(index));
        self
    }

    /// What kind of thing went wrong.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }

    /// What went wrong, without the path.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The path of the attribute where it went wrong, in DynamoDB's document-path notation
    /// (`a.b[2]`); empty when it is the value at the top.
    pub fn path(&self) -> String {
        let mut out = String::new();
        for segment in self.path.iter().rev() {
            match segment {
                Segment::Key(key) => {
                    if !out.is_empty() {
                        out.push('.');
                    }
                    out.push_str(key);
                }
                Segment::Index(i) => {
                    out.push('[');
                    out.push_str(itoa::Buffer::new().format(*i));
                    out.push(']');
                }
            }
        }
        out
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{} at `{}`", self.message, self.path())
        }
    }
}

impl std::error::Error for Error {}

impl serde::ser::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(ErrorKind::Other, msg.to_string())
    }
}

impl serde::de::Error for Error {
    fn custom<T: fmt::Display>(msg: T) -> Self {
        Error::new(ErrorKind::Other, msg.to_string())
    }

    fn invalid_type(unexp: serde::de::Unexpected<'_>, exp: &dyn serde::de::Expected) -> Self {
        Error::new(
            ErrorKind::WrongType,
            format!("invalid type: {unexp}, expected {exp}"),
        )
    }

    fn missing_field(field: &'static str) -> Self {
        Error::new(ErrorKind::MissingField, format!("missing field `{field}`"))
    }
}

/// What an attribute value is, for messages: `a string (S)`.
pub(crate) fn describe(value: &AttributeValue) -> &'static str {
    match value {
        AttributeValue::S(_) => "a string (S)",
        AttributeValue::N(_) => "a number (N)",
        AttributeValue::B(_) => "binary (B)",
        AttributeValue::Ss(_) => "a string set (SS)",
        AttributeValue::Ns(_) => "a number set (NS)",
        AttributeValue::Bs(_) => "a binary set (BS)",
        AttributeValue::M(_) => "a map (M)",
        AttributeValue::L(_) => "a list (L)",
        AttributeValue::Null(_) => "null (NULL)",
        AttributeValue::Bool(_) => "a boolean (BOOL)",
        AttributeValue::Unknown => "an attribute type this client does not know",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_path_reads_outermost_first_in_document_path_notation() {
        let err = Error::new(ErrorKind::Other, "boom")
            .at_key("c")
            .at_index(2)
            .at_key("b")
            .at_key("a");
        assert_eq!(err.path(), "a.b[2].c");
        assert_eq!(err.to_string(), "boom at `a.b[2].c`");
        let top = Error::new(ErrorKind::Other, "boom").at_index(0).at_index(1);
        assert_eq!(top.path(), "[1][0]");
    }

    #[test]
    fn an_error_at_the_top_has_no_path() {
        let err = Error::new(ErrorKind::NotAnItem, "not a map");
        assert_eq!(err.path(), "");
        assert_eq!(err.to_string(), "not a map");
    }
}
