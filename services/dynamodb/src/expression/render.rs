//! Writes expressions with `#n` / `:v` placeholders, and checks what only a whole expression
//! can show (an empty `IN`, `size` in an update, a key condition without its equality).
use std::collections::HashMap;

use super::condition::{Comparator, Cond, Condition, KeyCondition, KeyTest};
use super::name::{Element, Name};
use super::operand::{Op, Operand};
use super::update::Update;
use super::{Error, ErrorKind};
use crate::types::AttributeValue;

/// DynamoDB's limit on the operands of one `IN`.
const MAX_IN: usize = 100;

/// Which expression is being written, for error messages.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Part {
    Condition,
    Filter,
    KeyCondition,
    Projection,
    Update,
}

impl Part {
    fn label(self) -> &'static str {
        match self {
            Part::Condition => "the condition",
            Part::Filter => "the filter",
            Part::KeyCondition => "the key condition",
            Part::Projection => "the projection",
            Part::Update => "the update",
        }
    }
}

/// Where an operand stands: what it may be there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// A side of a comparison, `BETWEEN` or `IN`.
    Condition,
    /// The whole value of a `SET` action.
    SetValue,
    /// An argument of `+`, `-` or a function in a `SET`.
    SetArgument,
}

/// The placeholders of one [`Expression`](super::Expression), shared by all its parts: each
/// attribute name once, each value once per use.
#[derive(Default)]
pub(crate) struct Placeholders {
    /// Placeholder (`#n0`) → attribute name.
    pub(crate) names: HashMap<String, String>,
    /// Attribute name → its placeholder, so a name used twice has one.
    aliases: HashMap<String, String>,
    /// Placeholder (`:v0`) → value.
    pub(crate) values: HashMap<String, AttributeValue>,
}

fn error(kind: ErrorKind, part: Part, what: impl std::fmt::Display) -> Error {
    Error::new(kind, format!("{what} in {}", part.label()))
}

impl Placeholders {
    fn attribute(&mut self, out: &mut String, attribute: &str) {
        if let Some(alias) = self.aliases.get(attribute) {
            out.push_str(alias);
            return;
        }
        let mut alias = String::from("#n");
        alias.push_str(itoa::Buffer::new().format(self.aliases.len()));
        out.push_str(&alias);
        self.names.insert(alias.clone(), attribute.to_owned());
        self.aliases.insert(attribute.to_owned(), alias);
    }

    fn name(&mut self, out: &mut String, name: &Name, part: Part) -> Result<(), Error> {
        let elements = name.0.as_ref().map_err(|invalid| {
            error(
                ErrorKind::InvalidName,
                part,
                format_args!(
                    "invalid attribute name `{}`: {}",
                    invalid.text, invalid.reason
                ),
            )
        })?;
        for (i, element) in elements.iter().enumerate() {
            match element {
                Element::Attribute(attribute) => {
                    if i > 0 {
                        out.push('.');
                    }
                    self.attribute(out, attribute);
                }
                Element::Index(index) => {
                    out.push('[');
                    out.push_str(itoa::Buffer::new().format(*index));
                    out.push(']');
                }
            }
        }
        Ok(())
    }

    fn value(&mut self, out: &mut String, value: AttributeValue) {
        let mut alias = String::from(":v");
        alias.push_str(itoa::Buffer::new().format(self.values.len()));
        out.push_str(&alias);
        self.values.insert(alias, value);
    }

    fn operand(
        &mut self,
        out: &mut String,
        operand: Operand,
        place: Place,
        part: Part,
    ) -> Result<(), Error> {
        let in_update = place != Place::Condition;
        match operand.0 {
            Op::Name(name) => self.name(out, &name, part),
            Op::Value(value) => {
                self.value(out, value);
                Ok(())
            }
            Op::Size(name) if !in_update => {
                out.push_str("size(");
                self.name(out, &name, part)?;
                out.push(')');
                Ok(())
            }
            Op::Size(_) => Err(error(
                ErrorKind::InvalidOperand,
                part,
                "size() belongs in conditions, not",
            )),
            Op::IfNotExists(name, value) if in_update => {
                out.push_str("if_not_exists(");
                self.name(out, &name, part)?;
                out.push_str(", ");
                self.operand(out, *value, Place::SetArgument, part)?;
                out.push(')');
                Ok(())
            }
            Op::ListAppend(a, b) if in_update => {
                out.push_str("list_append(");
                self.operand(out, *a, Place::SetArgument, part)?;
                out.push_str(", ");
                self.operand(out, *b, Place::SetArgument, part)?;
                out.push(')');
                Ok(())
            }
            Op::IfNotExists(..) | Op::ListAppend(..) => Err(error(
                ErrorKind::InvalidOperand,
                part,
                "if_not_exists() and list_append() belong in an update's SET, not",
            )),
            Op::Plus(a, b) if place == Place::SetValue => self.arithmetic(out, *a, " + ", *b, part),
            Op::Minus(a, b) if place == Place::SetValue => {
                self.arithmetic(out, *a, " - ", *b, part)
            }
            Op::Plus(..) | Op::Minus(..) => Err(error(
                ErrorKind::InvalidOperand,
                part,
                if in_update {
                    "a SET value has one + or - at most (a = b + c), found more"
                } else {
                    "+ and - belong in an update's SET, not"
                },
            )),
        }
    }

    fn arithmetic(
        &mut self,
        out: &mut String,
        a: Operand,
        sign: &str,
        b: Operand,
        part: Part,
    ) -> Result<(), Error> {
        self.operand(out, a, Place::SetArgument, part)?;
        out.push_str(sign);
        self.operand(out, b, Place::SetArgument, part)
    }

    fn condition(
        &mut self,
        out: &mut String,
        condition: Condition,
        part: Part,
    ) -> Result<(), Error> {
        const WHERE: Place = Place::Condition;
        match condition.0 {
            Cond::Compare(a, comparator, b) => {
                self.operand(out, a, WHERE, part)?;
                out.push_str(comparator.symbol());
                self.operand(out, b, WHERE, part)
            }
            Cond::Between(a, low, high) => {
                self.operand(out, a, WHERE, part)?;
                out.push_str(" BETWEEN ");
                self.operand(out, low, WHERE, part)?;
                out.push_str(" AND ");
                self.operand(out, high, WHERE, part)
            }
            Cond::In(a, candidates) => {
                if candidates.is_empty() || candidates.len() > MAX_IN {
                    return Err(error(
                        ErrorKind::InvalidIn,
                        part,
                        format_args!(
                            "IN takes 1 to {MAX_IN} operands, found {}",
                            candidates.len()
                        ),
                    ));
                }
                self.operand(out, a, WHERE, part)?;
                out.push_str(" IN (");
                for (i, candidate) in candidates.into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    self.operand(out, candidate, WHERE, part)?;
                }
                out.push(')');
                Ok(())
            }
            Cond::And(all) => self.joined(out, all, " AND ", part),
            Cond::Or(any) => self.joined(out, any, " OR ", part),
            Cond::Not(inner) => {
                out.push_str("NOT (");
                self.condition(out, *inner, part)?;
                out.push(')');
                Ok(())
            }
            Cond::Exists(name) => self.function(out, "attribute_exists(", &name, None, part),
            Cond::NotExists(name) => self.function(out, "attribute_not_exists(", &name, None, part),
            Cond::Type(name, ty) => self.function(
                out,
                "attribute_type(",
                &name,
                Some(AttributeValue::S(ty.as_str().to_owned())),
                part,
            ),
            Cond::BeginsWith(name, prefix) => {
                self.function(out, "begins_with(", &name, Some(prefix), part)
            }
            Cond::Contains(name, member) => {
                self.function(out, "contains(", &name, Some(member), part)
            }
        }
    }

    fn joined(
        &mut self,
        out: &mut String,
        conditions: Vec<Condition>,
        separator: &str,
        part: Part,
    ) -> Result<(), Error> {
        for (i, condition) in conditions.into_iter().enumerate() {
            if i > 0 {
                out.push_str(separator);
            }
            out.push('(');
            self.condition(out, condition, part)?;
            out.push(')');
        }
        Ok(())
    }

    fn function(
        &mut self,
        out: &mut String,
        opening: &str,
        name: &Name,
        argument: Option<AttributeValue>,
        part: Part,
    ) -> Result<(), Error> {
        out.push_str(opening);
        self.name(out, name, part)?;
        if let Some(argument) = argument {
            out.push_str(", ");
            self.value(out, argument);
        }
        out.push(')');
        Ok(())
    }

    pub(crate) fn write_condition(
        &mut self,
        condition: Condition,
        part: Part,
    ) -> Result<String, Error> {
        let mut out = String::new();
        self.condition(&mut out, condition, part)?;
        Ok(out)
    }

    pub(crate) fn write_key_condition(&mut self, condition: KeyCondition) -> Result<String, Error> {
        const PART: Part = Part::KeyCondition;
        let parts = condition.0;
        let equalities = parts
            .iter()
            .filter(|p| matches!(p.test, KeyTest::Compare(Comparator::Equal, _)))
            .count();
        let shape_error = |what: &str| {
            error(
                ErrorKind::InvalidKeyCondition,
                PART,
                format_args!(
                    "a key condition is the partition key's equality and at most one sort key condition, found {what}"
                ),
            )
        };
        match (parts.as_slice(), equalities) {
            ([], _) => return Err(shape_error("nothing")),
            ([_, _, _, ..], _) => return Err(shape_error("more than two conditions")),
            (_, 0) => return Err(shape_error("no equality")),
            ([a, b], _) if a.key == b.key => {
                return Err(shape_error("two conditions on one key"));
            }
            _ => {}
        }
        let mut out = String::new();
        for (i, key_part) in parts.into_iter().enumerate() {
            if i > 0 {
                out.push_str(" AND ");
            }
            if key_part.key.is_empty() {
                return Err(error(
                    ErrorKind::InvalidName,
                    PART,
                    "a key name cannot be empty",
                ));
            }
            match key_part.test {
                KeyTest::Compare(comparator, value) => {
                    self.attribute(&mut out, &key_part.key);
                    out.push_str(comparator.symbol());
                    self.value(&mut out, value);
                }
                KeyTest::Between(low, high) => {
                    self.attribute(&mut out, &key_part.key);
                    out.push_str(" BETWEEN ");
                    self.value(&mut out, low);
                    out.push_str(" AND ");
                    self.value(&mut out, high);
                }
                KeyTest::BeginsWith(prefix) => {
                    out.push_str("begins_with(");
                    self.attribute(&mut out, &key_part.key);
                    out.push_str(", ");
                    self.value(&mut out, prefix);
                    out.push(')');
                }
            }
        }
        Ok(out)
    }

    pub(crate) fn write_projection(&mut self, names: Vec<Name>) -> Result<String, Error> {
        if names.is_empty() {
            return Err(Error::new(
                ErrorKind::EmptyProjection,
                "the projection names no attribute",
            ));
        }
        let mut out = String::new();
        for (i, name) in names.iter().enumerate() {
            if i > 0 {
                out.push_str(", ");
            }
            self.name(&mut out, name, Part::Projection)?;
        }
        Ok(out)
    }

    pub(crate) fn write_update(&mut self, update: Update) -> Result<String, Error> {
        const PART: Part = Part::Update;
        if update.is_empty() {
            return Err(Error::new(
                ErrorKind::EmptyUpdate,
                "the update has no action",
            ));
        }
        let mut out = String::new();
        for (i, (name, value)) in update.set.into_iter().enumerate() {
            clause(&mut out, "SET ", i == 0);
            self.name(&mut out, &name, PART)?;
            out.push_str(" = ");
            self.operand(&mut out, value, Place::SetValue, PART)?;
        }
        for (i, name) in update.remove.iter().enumerate() {
            clause(&mut out, "REMOVE ", i == 0);
            self.name(&mut out, name, PART)?;
        }
        for (keyword, actions) in [("ADD ", update.add), ("DELETE ", update.delete)] {
            for (i, (name, value)) in actions.into_iter().enumerate() {
                clause(&mut out, keyword, i == 0);
                self.name(&mut out, &name, PART)?;
                out.push(' ');
                self.value(&mut out, value);
            }
        }
        Ok(out)
    }
}

/// Starts a clause of an update (`SET `, after a space if one came before) or goes on with it.
fn clause(out: &mut String, keyword: &str, first: bool) {
    if first {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(keyword);
    } else {
        out.push_str(", ");
    }
}
