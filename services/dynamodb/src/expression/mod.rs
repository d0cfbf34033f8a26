//! Condition, filter, key-condition, projection and update expressions, built from values
//! instead of strings.
//!
//! DynamoDB's expressions are strings (`#s = :active AND begins_with(#n, :prefix)`) with two
//! maps beside them: placeholders for attribute names (needed for any of the 573 reserved
//! words — `status`, `name`, `size`, `data` — and for names with dots or spaces) and
//! placeholders for values. Writing the three by hand and keeping them in step is where
//! mistakes hide. This module, like the Go SDK's `expression` package, builds all three from
//! typed parts: every name becomes a `#n` placeholder and every value a `:v` placeholder, so
//! reserved words and user text (quotes, colons, `#`) can never change what an expression
//! means.
//!
//! - [`name`] an attribute or document path (`a.b[1].c`), [`value`] a value, [`key`] a key
//!   attribute of a `Query`;
//! - a [`Condition`] from comparisons (`equal`, `not_equal`, `less_than`, `between`, `is_in`, …)
//!   and functions (`attribute_exists`, `attribute_not_exists`, `attribute_type`,
//!   `begins_with`, `contains`, `size`), joined with `and`, `or` and `!`;
//! - a [`KeyCondition`] for `Query`; an [`Update`] of `SET` (with `plus`, `minus`,
//!   [`list_append`], `if_not_exists`), `REMOVE`, `ADD` and `DELETE`; a projection of names;
//! - a [`Builder`] puts them into one [`Expression`]: each expression's text, and the names and
//!   values they share.
//!
//! ```
//! use ziggurat_dynamodb::expression::{key, name, value, Builder, Update};
//!
//! let expr = Builder::new()
//!     .with_key_condition(key("pk").equal("user#1").and(key("sk").begins_with("order#")))
//!     .with_filter(name("status").equal(value("it's \"#1\": done")).and(name("size").greater_than(value(3))))
//!     .with_projection(["status", "data.total"])
//!     .build()?;
//! assert_eq!(expr.key_condition(), Some("#n0 = :v0 AND begins_with(#n1, :v1)"));
//! assert_eq!(expr.filter(), Some("(#n2 = :v2) AND (#n3 > :v3)"));
//! assert_eq!(expr.projection(), Some("#n2, #n4.#n5"));
//! assert_eq!(expr.names()["#n3"], "size");
//! assert_eq!(expr.values().len(), 4);
//!
//! let update = Builder::new()
//!     .with_update(Update::new().set("count", name("count").plus(value(1))).remove("draft"))
//!     .with_condition(name("pk").attribute_exists())
//!     .build()?;
//! assert_eq!(update.update(), Some("SET #n1 = #n1 + :v0 REMOVE #n2"));
//! assert_eq!(update.condition(), Some("attribute_exists(#n0)"));
//! # Ok::<(), ziggurat_dynamodb::expression::Error>(())
//! ```
//!
//! The fluent builders of `Scan`, `Query`, `GetItem`, `PutItem`, `DeleteItem` and `UpdateItem`
//! take an `Expression` whole with `.expression(&expr)`: it sets the parts the operation has,
//! and adds the names and values. (A part the operation does not have, an update on a `Scan`,
//! say, leaves its names unused, which DynamoDB rejects: the mistake does not go unseen.)
//! Elsewhere (`TransactWriteItems`' `Update`, `BatchGetItem`), use the accessors and
//! [`Expression::attribute_names`] / [`Expression::attribute_values`].
//!
//! ```no_run
//! # async fn run(client: ziggurat_dynamodb::Client) -> Result<(), Box<dyn std::error::Error>> {
//! use ziggurat_dynamodb::expression::{name, value, Builder, Update};
//!
//! let active = Builder::new()
//!     .with_filter(name("status").equal(value("active")))
//!     .with_projection(["pk", "name"])
//!     .build()?;
//! let page = client.scan().table_name("users").expression(&active).send().await?;
//!
//! let rename = Builder::new()
//!     .with_update(Update::new().set("name", value("Ada")).add("logins", 1))
//!     .with_condition(name("pk").attribute_exists())
//!     .build()?;
//! client
//!     .update_item()
//!     .table_name("users")
//!     .key("pk", "user#1")
//!     .expression(&rename)
//!     .send()
//!     .await?;
//! # Ok(()) }
//! ```
//!
//! Mistakes that only the whole expression shows are [`Error`]s of [`Builder::build`]: an
//! invalid path (`a..b`), an update without an action, an empty projection or `IN`, `size` in an
//! update or `+` in a condition, a key condition without the partition key's equality.
mod apply;
mod condition;
mod name;
mod operand;
mod render;
mod update;

#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::fmt;

pub use condition::{AttributeType, Condition, Key, KeyCondition, key, not};
pub use name::{Name, name};
pub use operand::{Operand, list_append, value};
pub use update::Update;

use crate::types::AttributeValue;
use render::{Part, Placeholders};

/// Gathers the expressions of one request, then [`build`](Builder::build)s them into one
/// [`Expression`] whose placeholders they share.
///
/// Each `with_` method sets one expression (a second call replaces the first).
#[derive(Debug, Clone, Default)]
pub struct Builder {
    condition: Option<Condition>,
    filter: Option<Condition>,
    key_condition: Option<KeyCondition>,
    projection: Option<Vec<Name>>,
    update: Option<Update>,
}

impl Builder {
    /// A builder with no expression yet.
    pub fn new() -> Builder {
        Builder::default()
    }

    /// The condition expression of a write (`PutItem`, `UpdateItem`, `DeleteItem`): the write
    /// happens only if it holds, else it fails with `ConditionalCheckFailedException`.
    pub fn with_condition(mut self, condition: Condition) -> Builder {
        self.condition = Some(condition);
        self
    }

    /// The filter expression of a read (`Scan`, `Query`): which of the items read come back.
    pub fn with_filter(mut self, filter: Condition) -> Builder {
        self.filter = Some(filter);
        self
    }

    /// The key condition expression of a `Query`.
    pub fn with_key_condition(mut self, key_condition: KeyCondition) -> Builder {
        self.key_condition = Some(key_condition);
        self
    }

    /// The projection expression: the attributes (or document paths) to return.
    pub fn with_projection<N: Into<Name>>(mut self, names: impl IntoIterator<Item = N>) -> Builder {
        self.projection = Some(names.into_iter().map(Into::into).collect());
        self
    }

    /// The update expression of an `UpdateItem`.
    pub fn with_update(mut self, update: Update) -> Builder {
        self.update = Some(update);
        self
    }

    /// Writes every expression, with one set of name and value placeholders for all.
    ///
    /// ```
    /// use ziggurat_dynamodb::expression::{name, Builder, ErrorKind, Update};
    ///
    /// let err = Builder::new().with_update(Update::new()).build().unwrap_err();
    /// assert_eq!(err.kind(), ErrorKind::EmptyUpdate);
    /// let err = Builder::new().with_condition(name("a..b").attribute_exists()).build().unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "invalid attribute name `a..b`: a path has an empty part (two dots, or a dot at an end) in the condition"
    /// );
    /// assert_eq!(Builder::new().build().unwrap_err().kind(), ErrorKind::EmptyBuilder);
    /// ```
    pub fn build(self) -> Result<Expression, Error> {
        let Builder {
            condition,
            filter,
            key_condition,
            projection,
            update,
        } = self;
        if condition.is_none()
            && filter.is_none()
            && key_condition.is_none()
            && projection.is_none()
            && update.is_none()
        {
            return Err(Error::new(
                ErrorKind::EmptyBuilder,
                "the builder has no expression to build",
            ));
        }
        let mut p = Placeholders::default();
        let key_condition = key_condition
            .map(|k| p.write_key_condition(k))
            .transpose()?;
        let condition = condition
            .map(|c| p.write_condition(c, Part::Condition))
            .transpose()?;
        let filter = filter
            .map(|c| p.write_condition(c, Part::Filter))
            .transpose()?;
        let projection = projection.map(|n| p.write_projection(n)).transpose()?;
        let update = update.map(|u| p.write_update(u)).transpose()?;
        Ok(Expression {
            condition,
            filter,
            key_condition,
            projection,
            update,
            names: p.names,
            values: p.values,
        })
    }
}

/// Built expressions and their placeholders: what a request's `ConditionExpression`,
/// `FilterExpression`, `KeyConditionExpression`, `ProjectionExpression`, `UpdateExpression`,
/// `ExpressionAttributeNames` and `ExpressionAttributeValues` take.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    condition: Option<String>,
    filter: Option<String>,
    key_condition: Option<String>,
    projection: Option<String>,
    update: Option<String>,
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

impl Expression {
    /// The condition expression, if one was built.
    pub fn condition(&self) -> Option<&str> {
        self.condition.as_deref()
    }

    /// The filter expression, if one was built.
    pub fn filter(&self) -> Option<&str> {
        self.filter.as_deref()
    }

    /// The key condition expression, if one was built.
    pub fn key_condition(&self) -> Option<&str> {
        self.key_condition.as_deref()
    }

    /// The projection expression, if one was built.
    pub fn projection(&self) -> Option<&str> {
        self.projection.as_deref()
    }

    /// The update expression, if one was built.
    pub fn update(&self) -> Option<&str> {
        self.update.as_deref()
    }

    /// The name placeholders of all the expressions: `#n0` → attribute name.
    pub fn names(&self) -> &HashMap<String, String> {
        &self.names
    }

    /// The value placeholders of all the expressions: `:v0` → value.
    pub fn values(&self) -> &HashMap<String, AttributeValue> {
        &self.values
    }

    /// The name placeholders as an input's `expression_attribute_names` takes them: a copy, or
    /// `None` when there are none (DynamoDB rejects an empty map).
    pub fn attribute_names(&self) -> Option<HashMap<String, String>> {
        (!self.names.is_empty()).then(|| self.names.clone())
    }

    /// The value placeholders as an input's `expression_attribute_values` takes them: a copy,
    /// or `None` when there are none (DynamoDB rejects an empty map).
    pub fn attribute_values(&self) -> Option<HashMap<String, AttributeValue>> {
        (!self.values.is_empty()).then(|| self.values.clone())
    }
}

/// What kind of mistake [`Builder::build`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The builder was given no expression.
    EmptyBuilder,
    /// An attribute name or path is empty or malformed (`a..b`, `a[x]`).
    InvalidName,
    /// An update has no action.
    EmptyUpdate,
    /// A projection names no attribute.
    EmptyProjection,
    /// An `IN` has no operand, or more than DynamoDB's 100.
    InvalidIn,
    /// A key condition is not the partition key's equality with at most one sort key
    /// condition.
    InvalidKeyCondition,
    /// An operand stands where it cannot (`size` in an update, `+` in a condition, `a + b + c`).
    InvalidOperand,
}

/// A mistake in an expression, found by [`Builder::build`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    kind: ErrorKind,
    message: String,
}

impl Error {
    pub(crate) fn new(kind: ErrorKind, message: impl Into<String>) -> Error {
        Error {
            kind,
            message: message.into(),
        }
    }

    /// What kind of mistake it is.
    pub fn kind(&self) -> ErrorKind {
        self.kind
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Error {}
