//! [`Update`]: an update expression's `SET`, `REMOVE`, `ADD` and `DELETE` actions.
use super::name::Name;
use super::operand::Operand;
use crate::types::AttributeValue;

/// The actions of an `UpdateItem`: written as one update expression, in the order added within
/// each clause (`SET a = :v0, b = :v1 REMOVE c ADD d :v2 DELETE e :v3`). An update with no
/// action is an error of [`Builder::build`](super::Builder::build).
///
/// ```
/// use ziggurat_dynamodb::expression::{list_append, name, value, Builder, Update};
/// use ziggurat_dynamodb::types::AttributeValue;
///
/// let update = Update::new()
///     .set("status", value("shipped"))
///     .set("count", name("count").plus(value(1)))
///     .set("visits", name("visits").if_not_exists(value(0)))
///     .set("log", list_append(name("log"), value(vec![AttributeValue::from("shipped")])))
///     .remove("draft")
///     .add("tags", AttributeValue::Ss(vec!["new".into()]))
///     .delete("flags", AttributeValue::Ss(vec!["hold".into()]));
/// let expr = Builder::new().with_update(update).build()?;
/// assert_eq!(
///     expr.update(),
///     Some(
///         "SET #n0 = :v0, #n1 = #n1 + :v1, #n2 = if_not_exists(#n2, :v2), \
///          #n3 = list_append(#n3, :v3) REMOVE #n4 ADD #n5 :v4 DELETE #n6 :v5"
///     )
/// );
/// # Ok::<(), ziggurat_dynamodb::expression::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Update {
    pub(crate) set: Vec<(Name, Operand)>,
    pub(crate) remove: Vec<Name>,
    pub(crate) add: Vec<(Name, AttributeValue)>,
    pub(crate) delete: Vec<(Name, AttributeValue)>,
}

impl Update {
    /// An update with no action yet.
    pub fn new() -> Update {
        Update::default()
    }

    /// `SET path = value`: `value` is an operand: a [`value`](super::value), another name, or
    /// `a + b`, `a - b`, [`if_not_exists`](Name::if_not_exists),
    /// [`list_append`](super::list_append).
    pub fn set(mut self, path: impl Into<Name>, value: impl Into<Operand>) -> Update {
        self.set.push((path.into(), value.into()));
        self
    }

    /// `REMOVE path`: deletes the attribute (or the list element).
    pub fn remove(mut self, path: impl Into<Name>) -> Update {
        self.remove.push(path.into());
        self
    }

    /// `ADD path value`: adds a number to a number attribute, or members to a set (creating
    /// either when absent).
    pub fn add(mut self, path: impl Into<Name>, value: impl Into<AttributeValue>) -> Update {
        self.add.push((path.into(), value.into()));
        self
    }

    /// `DELETE path value`: removes members from a set.
    pub fn delete(mut self, path: impl Into<Name>, value: impl Into<AttributeValue>) -> Update {
        self.delete.push((path.into(), value.into()));
        self
    }

    /// Whether the update has no action.
    pub fn is_empty(&self) -> bool {
        self.set.is_empty()
            && self.remove.is_empty()
            && self.add.is_empty()
            && self.delete.is_empty()
    }
}
