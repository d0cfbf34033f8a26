//! [`Name`]: an attribute, or a document path into one (`a.b[1].c`).
use super::condition::{AttributeType, Cond, Condition};
use super::operand::{Op, Operand};
use crate::types::AttributeValue;

/// One step of a document path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Element {
    /// A top-level attribute or a map key.
    Attribute(String),
    /// A list index.
    Index(usize),
}

/// A path that does not parse, kept to be reported by [`Builder::build`](super::Builder::build).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct InvalidName {
    pub(crate) text: String,
    pub(crate) reason: &'static str,
}

/// An attribute name or a document path (`address.lines[0]`), which every expression refers to
/// through a `#n` placeholder, so reserved words (`status`, `name`, `size`) and any character
/// are safe.
///
/// Made by [`name`] (which splits a path at `.` and `[n]`), [`Name::literal`] (an attribute
/// whose name holds dots), or from a `&str` wherever a function takes `impl Into<Name>`. A
/// malformed path is reported when the expression is built.
///
/// ```
/// use ziggurat_dynamodb::expression::{name, value, Builder};
///
/// let filter = name("order.items[2].price").greater_than(value(10));
/// let expr = Builder::new().with_filter(filter).build()?;
/// assert_eq!(expr.filter(), Some("#n0.#n1[2].#n2 > :v0"));
/// assert_eq!(expr.names()["#n1"], "items");
/// # Ok::<(), ziggurat_dynamodb::expression::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Name(pub(crate) Result<Vec<Element>, InvalidName>);

/// An attribute or a document path: `name("a.b[1].c")` is attribute `a`, its map key `b`, the
/// list element 1 of that, and its key `c`.
///
/// ```
/// use ziggurat_dynamodb::expression::{name, Builder};
///
/// let expr = Builder::new().with_projection([name("status"), name("tags[0]")]).build()?;
/// assert_eq!(expr.projection(), Some("#n0, #n1[0]"));
/// # Ok::<(), ziggurat_dynamodb::expression::Error>(())
/// ```
pub fn name(path: impl AsRef<str>) -> Name {
    Name::parse(path.as_ref())
}

fn invalid(text: &str, reason: &'static str) -> Name {
    Name(Err(InvalidName {
        text: text.to_owned(),
        reason,
    }))
}

/// The comparisons, `BETWEEN`, `IN` and arithmetic of an [`Operand`], on a `Name` too.
macro_rules! forward {
    ($($(#[$doc:meta])* $method:ident($($arg:ident),*) -> $out:ty;)*) => {$(
        $(#[$doc])*
        pub fn $method(self, $($arg: impl Into<Operand>),*) -> $out {
            Operand::from(self).$method($($arg),*)
        }
    )*};
}

impl Name {
    fn parse(text: &str) -> Name {
        if text.is_empty() {
            return invalid(text, "a name cannot be empty");
        }
        let mut elements = Vec::new();
        for part in text.split('.') {
            let (attribute, mut rest) = match part.find('[') {
                Some(at) => part.split_at(at),
                None => (part, ""),
            };
            if attribute.is_empty() {
                return invalid(
                    text,
                    if part.is_empty() {
                        "a path has an empty part (two dots, or a dot at an end)"
                    } else {
                        "a list index must follow a name"
                    },
                );
            }
            if attribute.contains(']') {
                return invalid(text, "a `]` has no `[`");
            }
            elements.push(Element::Attribute(attribute.to_owned()));
            while !rest.is_empty() {
                let Some(inside) = rest.strip_prefix('[') else {
                    return invalid(text, "a list index `[n]` is followed by something else");
                };
                let Some((digits, after)) = inside.split_once(']') else {
                    return invalid(text, "a `[` has no `]`");
                };
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return invalid(text, "a list index must be digits");
                }
                let Ok(index) = digits.parse() else {
                    return invalid(text, "a list index is too large");
                };
                elements.push(Element::Index(index));
                rest = after;
            }
        }
        Name(Ok(elements))
    }

    /// One top-level attribute named `attribute` exactly, dots and brackets included (the Go
    /// SDK's `NameNoDotSplit`).
    ///
    /// ```
    /// use ziggurat_dynamodb::expression::{Builder, Name};
    ///
    /// let expr = Builder::new().with_projection([Name::literal("v1.2")]).build()?;
    /// assert_eq!(expr.projection(), Some("#n0"));
    /// assert_eq!(expr.names()["#n0"], "v1.2");
    /// # Ok::<(), ziggurat_dynamodb::expression::Error>(())
    /// ```
    pub fn literal(attribute: impl Into<String>) -> Name {
        let attribute = attribute.into();
        if attribute.is_empty() {
            return invalid("", "a name cannot be empty");
        }
        Name(Ok(vec![Element::Attribute(attribute)]))
    }

    /// `attribute_exists(path)`: the item has the attribute.
    pub fn attribute_exists(self) -> Condition {
        Condition(Cond::Exists(self))
    }

    /// `attribute_not_exists(path)`: the item lacks the attribute (with the key's name: the
    /// item does not exist yet).
    pub fn attribute_not_exists(self) -> Condition {
        Condition(Cond::NotExists(self))
    }

    /// `attribute_type(path, type)`: the attribute is of the type.
    pub fn attribute_type(self, ty: AttributeType) -> Condition {
        Condition(Cond::Type(self, ty))
    }

    /// `begins_with(path, prefix)`: a string (or binary) attribute begins with `prefix`.
    pub fn begins_with(self, prefix: impl Into<AttributeValue>) -> Condition {
        Condition(Cond::BeginsWith(self, prefix.into()))
    }

    /// `contains(path, operand)`: a string attribute contains the substring, or a set or list
    /// the member.
    pub fn contains(self, member: impl Into<AttributeValue>) -> Condition {
        Condition(Cond::Contains(self, member.into()))
    }

    /// `size(path)`, an operand of a condition: the length of a string, binary, set, list or
    /// map.
    ///
    /// ```
    /// use ziggurat_dynamodb::expression::{name, value, Builder};
    ///
    /// let expr = Builder::new().with_condition(name("tags").size().less_than(value(10))).build()?;
    /// assert_eq!(expr.condition(), Some("size(#n0) < :v0"));
    /// # Ok::<(), ziggurat_dynamodb::expression::Error>(())
    /// ```
    pub fn size(self) -> Operand {
        Operand(Op::Size(self))
    }

    /// `if_not_exists(path, value)`, an operand of an update's `SET`: the attribute, or
    /// `value` when it does not exist.
    pub fn if_not_exists(self, value: impl Into<Operand>) -> Operand {
        Operand(Op::IfNotExists(self, Box::new(value.into())))
    }

    forward! {
        /// `path = other`.
        equal(other) -> Condition;
        /// `path <> other`.
        not_equal(other) -> Condition;
        /// `path < other`.
        less_than(other) -> Condition;
        /// `path <= other`.
        less_than_equal(other) -> Condition;
        /// `path > other`.
        greater_than(other) -> Condition;
        /// `path >= other`.
        greater_than_equal(other) -> Condition;
        /// `path BETWEEN low AND high` (both ends included).
        between(low, high) -> Condition;
        /// `path + other`, in an update's `SET`.
        plus(other) -> Operand;
        /// `path - other`, in an update's `SET`.
        minus(other) -> Operand;
    }

    /// `path IN (a, b, …)`: equal to one of 1 to 100 operands.
    pub fn is_in<O: Into<Operand>>(self, candidates: impl IntoIterator<Item = O>) -> Condition {
        Operand::from(self).is_in(candidates)
    }
}

impl From<&str> for Name {
    fn from(path: &str) -> Name {
        Name::parse(path)
    }
}

impl From<String> for Name {
    fn from(path: String) -> Name {
        Name::parse(&path)
    }
}

impl From<&String> for Name {
    fn from(path: &String) -> Name {
        Name::parse(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn elements(text: &str) -> Vec<Element> {
        name(text).0.unwrap()
    }

    #[test]
    fn a_path_splits_at_dots_and_indexes() {
        use Element::{Attribute as A, Index as I};
        assert_eq!(
            elements("a.b[1].c"),
            [A("a".into()), A("b".into()), I(1), A("c".into())]
        );
        assert_eq!(elements("m[0][12]"), [A("m".into()), I(0), I(12)]);
        assert_eq!(elements("with space#:"), [A("with space#:".into())]);
    }

    #[test]
    fn malformed_paths_say_why() {
        for (text, reason) in [
            ("", "a name cannot be empty"),
            (
                "a..b",
                "a path has an empty part (two dots, or a dot at an end)",
            ),
            (
                ".a",
                "a path has an empty part (two dots, or a dot at an end)",
            ),
            ("[1]", "a list index must follow a name"),
            ("a[x]", "a list index must be digits"),
            ("a[]", "a list index must be digits"),
            ("a[1", "a `[` has no `]`"),
            ("a[1]b", "a list index `[n]` is followed by something else"),
            ("a]", "a `]` has no `[`"),
            ("a[99999999999999999999999]", "a list index is too large"),
        ] {
            let err = name(text).0.unwrap_err();
            assert_eq!(err.reason, reason, "{text}");
        }
        assert!(Name::literal("").0.is_err());
    }
}
