//! [`Operand`]: what conditions compare and updates assign.
use super::condition::{Comparator, Cond, Condition};
use super::name::Name;
use crate::types::AttributeValue;

/// A name, a value, or a function of them: one side of a comparison, or what an update's
/// `SET` assigns.
///
/// Where a name or a value could stand, say which with [`name`](super::name) or [`value`];
/// where only a value can (`begins_with`, key conditions, `ADD`), functions take the value
/// itself. Operands that belong to one kind of expression (`size` to conditions, `+`,
/// `if_not_exists` and `list_append` to updates) are an error elsewhere, reported by
/// [`Builder::build`](super::Builder::build).
#[derive(Debug, Clone, PartialEq)]
pub struct Operand(pub(crate) Op);

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Op {
    Name(Name),
    Value(AttributeValue),
    Size(Name),
    IfNotExists(Name, Box<Operand>),
    ListAppend(Box<Operand>, Box<Operand>),
    Plus(Box<Operand>, Box<Operand>),
    Minus(Box<Operand>, Box<Operand>),
}

/// A value, which the expression refers to through a `:v` placeholder: anything that converts
/// into an [`AttributeValue`] (`&str`, `String`, `bool`, integers, [`Number`], lists, maps),
/// or any serde value through [`to_attribute_value`].
///
/// [`Number`]: crate::item::Number
/// [`to_attribute_value`]: crate::item::to_attribute_value
///
/// ```
/// use ziggurat_dynamodb::expression::{name, value, Builder};
/// use ziggurat_dynamodb::item::to_attribute_value;
/// use ziggurat_dynamodb::types::AttributeValue;
///
/// #[derive(serde::Serialize)]
/// struct Point { x: i32, y: i32 }
///
/// let expr = Builder::new()
///     .with_condition(name("origin").equal(value(to_attribute_value(&Point { x: 0, y: 0 })?)))
///     .build()?;
/// assert!(matches!(expr.values()[":v0"], AttributeValue::M(_)));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn value(value: impl Into<AttributeValue>) -> Operand {
    Operand(Op::Value(value.into()))
}

/// `list_append(a, b)`, an operand of an update's `SET`: list `a` with the elements of `b` after
/// it (swap them to prepend).
///
/// ```
/// use ziggurat_dynamodb::expression::{list_append, name, value, Builder, Update};
/// use ziggurat_dynamodb::types::AttributeValue;
///
/// let new = value(vec![AttributeValue::from("late")]);
/// let update = Update::new().set("log", list_append(name("log"), new));
/// let expr = Builder::new().with_update(update).build()?;
/// assert_eq!(expr.update(), Some("SET #n0 = list_append(#n0, :v0)"));
/// # Ok::<(), ziggurat_dynamodb::expression::Error>(())
/// ```
pub fn list_append(a: impl Into<Operand>, b: impl Into<Operand>) -> Operand {
    Operand(Op::ListAppend(Box::new(a.into()), Box::new(b.into())))
}

impl Operand {
    fn compare(self, comparator: Comparator, other: impl Into<Operand>) -> Condition {
        Condition(Cond::Compare(self, comparator, other.into()))
    }

    /// `self = other`.
    pub fn equal(self, other: impl Into<Operand>) -> Condition {
        self.compare(Comparator::Equal, other)
    }

    /// `self <> other`.
    pub fn not_equal(self, other: impl Into<Operand>) -> Condition {
        self.compare(Comparator::NotEqual, other)
    }

    /// `self < other`.
    pub fn less_than(self, other: impl Into<Operand>) -> Condition {
        self.compare(Comparator::LessThan, other)
    }

    /// `self <= other`.
    pub fn less_than_equal(self, other: impl Into<Operand>) -> Condition {
        self.compare(Comparator::LessThanEqual, other)
    }

    /// `self > other`.
    pub fn greater_than(self, other: impl Into<Operand>) -> Condition {
        self.compare(Comparator::GreaterThan, other)
    }

    /// `self >= other`.
    pub fn greater_than_equal(self, other: impl Into<Operand>) -> Condition {
        self.compare(Comparator::GreaterThanEqual, other)
    }

    /// `self BETWEEN low AND high` (both ends included).
    pub fn between(self, low: impl Into<Operand>, high: impl Into<Operand>) -> Condition {
        Condition(Cond::Between(self, low.into(), high.into()))
    }

    /// `self IN (a, b, …)`: equal to one of 1 to 100 operands.
    ///
    /// ```
    /// use ziggurat_dynamodb::expression::{name, value, Builder};
    ///
    /// let expr = Builder::new()
    ///     .with_filter(name("status").is_in(["open", "held"].map(value)))
    ///     .build()?;
    /// assert_eq!(expr.filter(), Some("#n0 IN (:v0, :v1)"));
    /// # Ok::<(), ziggurat_dynamodb::expression::Error>(())
    /// ```
    pub fn is_in<O: Into<Operand>>(self, candidates: impl IntoIterator<Item = O>) -> Condition {
        Condition(Cond::In(
            self,
            candidates.into_iter().map(Into::into).collect(),
        ))
    }

    /// `self + other`, the value of an update's `SET` (`count = count + :one`).
    pub fn plus(self, other: impl Into<Operand>) -> Operand {
        Operand(Op::Plus(Box::new(self), Box::new(other.into())))
    }

    /// `self - other`, the value of an update's `SET`.
    pub fn minus(self, other: impl Into<Operand>) -> Operand {
        Operand(Op::Minus(Box::new(self), Box::new(other.into())))
    }
}

impl From<Name> for Operand {
    fn from(name: Name) -> Operand {
        Operand(Op::Name(name))
    }
}
