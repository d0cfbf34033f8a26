//! [`Condition`]s (condition and filter expressions) and [`KeyCondition`]s.
use super::name::Name;
use super::operand::Operand;
use crate::types::AttributeValue;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Comparator {
    Equal,
    NotEqual,
    LessThan,
    LessThanEqual,
    GreaterThan,
    GreaterThanEqual,
}

impl Comparator {
    pub(crate) fn symbol(self) -> &'static str {
        match self {
            Comparator::Equal => " = ",
            Comparator::NotEqual => " <> ",
            Comparator::LessThan => " < ",
            Comparator::LessThanEqual => " <= ",
            Comparator::GreaterThan => " > ",
            Comparator::GreaterThanEqual => " >= ",
        }
    }
}

/// A condition on an item: a condition expression (does this write happen?) or a filter
/// expression (which read items come back?).
///
/// Made from a [`Name`] or an [`Operand`] (`name("a").equal(value(1))`,
/// `name("a").attribute_exists()`), and combined with [`and`](Condition::and),
/// [`or`](Condition::or) and `!` (or [`not`]). Each part of a combination is parenthesized in
/// the expression, so the tree you build is the tree DynamoDB reads.
///
/// ```
/// use ziggurat_dynamodb::expression::{name, value, Builder};
///
/// let active = name("status").equal(value("active"));
/// let recent = name("seen").greater_than(value(1_700_000_000));
/// let banned = name("banned").attribute_exists();
/// let expr = Builder::new().with_filter(active.and(recent).and(!banned)).build()?;
/// assert_eq!(
///     expr.filter(),
///     Some("(#n0 = :v0) AND (#n1 > :v1) AND (NOT (attribute_exists(#n2)))")
/// );
/// # Ok::<(), ziggurat_dynamodb::expression::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Condition(pub(crate) Cond);

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Cond {
    Compare(Operand, Comparator, Operand),
    Between(Operand, Operand, Operand),
    In(Operand, Vec<Operand>),
    And(Vec<Condition>),
    Or(Vec<Condition>),
    Not(Box<Condition>),
    Exists(Name),
    NotExists(Name),
    Type(Name, AttributeType),
    BeginsWith(Name, AttributeValue),
    Contains(Name, AttributeValue),
}

impl Condition {
    /// Both this and `other` hold (`a AND b`; a chain of `and`s is one `AND` of all).
    pub fn and(self, other: Condition) -> Condition {
        match self.0 {
            Cond::And(mut all) => {
                all.push(other);
                Condition(Cond::And(all))
            }
            first => Condition(Cond::And(vec![Condition(first), other])),
        }
    }

    /// This or `other` holds (`a OR b`; a chain of `or`s is one `OR` of all).
    pub fn or(self, other: Condition) -> Condition {
        match self.0 {
            Cond::Or(mut any) => {
                any.push(other);
                Condition(Cond::Or(any))
            }
            first => Condition(Cond::Or(vec![Condition(first), other])),
        }
    }
}

impl std::ops::Not for Condition {
    type Output = Condition;

    /// `NOT condition`.
    fn not(self) -> Condition {
        Condition(Cond::Not(Box::new(self)))
    }
}

/// `NOT condition`, the same as `!condition`.
///
/// ```
/// use ziggurat_dynamodb::expression::{name, not, Builder};
///
/// let expr = Builder::new().with_condition(not(name("locked").attribute_exists())).build()?;
/// assert_eq!(expr.condition(), Some("NOT (attribute_exists(#n0))"));
/// # Ok::<(), ziggurat_dynamodb::expression::Error>(())
/// ```
pub fn not(condition: Condition) -> Condition {
    !condition
}

/// An attribute type, for [`Name::attribute_type`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum AttributeType {
    /// String (`S`).
    S,
    /// String set (`SS`).
    Ss,
    /// Number (`N`).
    N,
    /// Number set (`NS`).
    Ns,
    /// Binary (`B`).
    B,
    /// Binary set (`BS`).
    Bs,
    /// Boolean (`BOOL`).
    Bool,
    /// Null (`NULL`).
    Null,
    /// List (`L`).
    L,
    /// Map (`M`).
    M,
}

impl AttributeType {
    /// The type's name in DynamoDB (`"SS"`).
    pub fn as_str(self) -> &'static str {
        match self {
            AttributeType::S => "S",
            AttributeType::Ss => "SS",
            AttributeType::N => "N",
            AttributeType::Ns => "NS",
            AttributeType::B => "B",
            AttributeType::Bs => "BS",
            AttributeType::Bool => "BOOL",
            AttributeType::Null => "NULL",
            AttributeType::L => "L",
            AttributeType::M => "M",
        }
    }
}

/// A key attribute of a `Query`, for its [`KeyCondition`]: the partition key's name, or the
/// sort key's. Key names are top-level attributes, never split at dots.
///
/// ```
/// use ziggurat_dynamodb::expression::{key, Builder};
///
/// let by_day = key("pk").equal("user#1").and(key("sk").begins_with("2024-05-"));
/// let expr = Builder::new().with_key_condition(by_day).build()?;
/// assert_eq!(expr.key_condition(), Some("#n0 = :v0 AND begins_with(#n1, :v1)"));
/// # Ok::<(), ziggurat_dynamodb::expression::Error>(())
/// ```
pub fn key(name: impl Into<String>) -> Key {
    Key(name.into())
}

/// A key attribute, made by [`key`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(String);

impl Key {
    fn compare(self, comparator: Comparator, value: impl Into<AttributeValue>) -> KeyCondition {
        KeyCondition(vec![KeyPart {
            key: self.0,
            test: KeyTest::Compare(comparator, value.into()),
        }])
    }

    /// `key = value`: the partition key's condition (a sort key may have it too).
    pub fn equal(self, value: impl Into<AttributeValue>) -> KeyCondition {
        self.compare(Comparator::Equal, value)
    }

    /// `key < value`, for a sort key.
    pub fn less_than(self, value: impl Into<AttributeValue>) -> KeyCondition {
        self.compare(Comparator::LessThan, value)
    }

    /// `key <= value`, for a sort key.
    pub fn less_than_equal(self, value: impl Into<AttributeValue>) -> KeyCondition {
        self.compare(Comparator::LessThanEqual, value)
    }

    /// `key > value`, for a sort key.
    pub fn greater_than(self, value: impl Into<AttributeValue>) -> KeyCondition {
        self.compare(Comparator::GreaterThan, value)
    }

    /// `key >= value`, for a sort key.
    pub fn greater_than_equal(self, value: impl Into<AttributeValue>) -> KeyCondition {
        self.compare(Comparator::GreaterThanEqual, value)
    }

    /// `key BETWEEN low AND high`, for a sort key.
    pub fn between(
        self,
        low: impl Into<AttributeValue>,
        high: impl Into<AttributeValue>,
    ) -> KeyCondition {
        KeyCondition(vec![KeyPart {
            key: self.0,
            test: KeyTest::Between(low.into(), high.into()),
        }])
    }

    /// `begins_with(key, prefix)`, for a sort key.
    pub fn begins_with(self, prefix: impl Into<AttributeValue>) -> KeyCondition {
        KeyCondition(vec![KeyPart {
            key: self.0,
            test: KeyTest::BeginsWith(prefix.into()),
        }])
    }
}

/// A `Query`'s key condition: the partition key's equality, and at most one condition on the
/// sort key, joined with [`and`](KeyCondition::and). Anything else is an error of
/// [`Builder::build`](super::Builder::build).
#[derive(Debug, Clone, PartialEq)]
pub struct KeyCondition(pub(crate) Vec<KeyPart>);

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct KeyPart {
    pub(crate) key: String,
    pub(crate) test: KeyTest,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum KeyTest {
    Compare(Comparator, AttributeValue),
    Between(AttributeValue, AttributeValue),
    BeginsWith(AttributeValue),
}

impl KeyCondition {
    /// This and the sort key's condition `other` (`pk = :v0 AND sk > :v1`).
    pub fn and(mut self, other: KeyCondition) -> KeyCondition {
        self.0.extend(other.0);
        self
    }
}
