//! Expressions: literals, templated strings, references and function calls, parsed once from
//! the rule set's JSON and evaluated against the slots of one resolution.
//!
//! Names are resolved when the rule set is parsed: a reference holds the index of its slot (a
//! parameter's, or a condition's `assign`), so evaluating never looks a name up.
use std::borrow::Cow;
use std::collections::BTreeMap;

use serde_json::Value as Json;

use super::ResolveError;
use super::arn;
use super::functions;
use super::partition::Partitions;
use super::ruleset::RuleSetError;
use super::value::Value;

/// The names in scope while parsing, each with its slot.
#[derive(Debug, Default)]
pub(crate) struct Scope {
    vars: Vec<(String, usize)>,
    /// Slots handed out so far: parameters first, then every `assign`, each its own.
    pub(crate) slots: usize,
    /// The slots some expression refers to.
    used: std::cell::RefCell<std::collections::BTreeSet<usize>>,
}

impl Scope {
    /// Brings `name` into scope with a new slot.
    pub(crate) fn bind(&mut self, name: &str) -> usize {
        let slot = self.slots;
        self.slots += 1;
        self.vars.push((name.to_owned(), slot));
        slot
    }

    /// The slot of `name`, which is then marked as used.
    fn lookup(&self, name: &str) -> Option<usize> {
        let slot = self.find(name)?;
        self.used.borrow_mut().insert(slot);
        Some(slot)
    }

    fn find(&self, name: &str) -> Option<usize> {
        self.vars
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, s)| *s)
    }

    /// Whether `name` is in scope.
    pub(crate) fn contains(&self, name: &str) -> bool {
        self.find(name).is_some()
    }

    /// Whether an expression parsed so far refers to `slot`.
    pub(crate) fn is_used(&self, slot: usize) -> bool {
        self.used.borrow().contains(&slot)
    }

    /// A mark to go back to with [`Scope::reset`] when a rule's scope ends.
    pub(crate) fn mark(&self) -> usize {
        self.vars.len()
    }

    /// Ends the names bound since `mark` (their slots are not reused).
    pub(crate) fn reset(&mut self, mark: usize) {
        self.vars.truncate(mark);
    }
}

/// One step of a `getAttr` path: a record field or an array index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PathSeg {
    Key(String),
    Index(usize),
}

/// Parses a `getAttr` path such as `a.b[0]`, `resourceId[2]` or `[0]`.
pub(crate) fn parse_path(path: &str) -> Result<Vec<PathSeg>, RuleSetError> {
    let bad = || RuleSetError::new(format!("invalid getAttr path `{path}`"));
    let mut segs = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = match part.find('[') {
            Some(i) => part.split_at(i),
            None => (part, ""),
        };
        if name.is_empty() && rest.is_empty() {
            return Err(bad());
        }
        if !name.is_empty() {
            segs.push(PathSeg::Key(name.to_owned()));
        }
        while !rest.is_empty() {
            let inner = rest.strip_prefix('[').ok_or_else(bad)?;
            let end = inner.find(']').ok_or_else(bad)?;
            let index = inner[..end].parse::<usize>().map_err(|_| bad())?;
            segs.push(PathSeg::Index(index));
            rest = &inner[end + 1..];
        }
    }
    Ok(segs)
}

/// Follows `path` into `value`: `None` for a missing field or an index out of range.
pub(crate) fn get_path<'v>(
    value: &'v Value,
    path: &[PathSeg],
) -> Result<Option<&'v Value>, ResolveError> {
    let mut cur = value;
    for seg in path {
        let next = match (seg, cur) {
            (PathSeg::Key(k), Value::Record(r)) => r.get(k),
            (PathSeg::Index(i), Value::Array(a)) => a.get(*i),
            (PathSeg::Key(k), other) => {
                return Err(ResolveError::evaluation(format!(
                    "getAttr: field `{k}` of a {}",
                    other.type_name()
                )));
            }
            (PathSeg::Index(i), other) => {
                return Err(ResolveError::evaluation(format!(
                    "getAttr: index [{i}] of a {}",
                    other.type_name()
                )));
            }
        };
        match next {
            Some(v) => cur = v,
            None => return Ok(None),
        }
    }
    Ok(Some(cur))
}

/// A part of a templated string.
#[derive(Debug, Clone)]
enum Part {
    Lit(String),
    Var { slot: usize, path: Vec<PathSeg> },
}

/// A templated string such as `https://{Region}.{PartitionResult#dnsSuffix}`.
#[derive(Debug, Clone)]
pub(crate) struct Template {
    parts: Vec<Part>,
}

/// A parsed expression.
#[derive(Debug, Clone)]
pub(crate) enum Expr {
    /// A literal (a string without `{…}`, a boolean, an integer).
    Lit(Value),
    /// A templated string.
    Template(Template),
    /// A parameter or an assigned variable.
    Ref(usize),
    /// A function call.
    Call(Box<Call>),
    /// An array literal (of expressions).
    Array(Vec<Expr>),
    /// A record literal (of expressions), as in endpoint properties.
    Record(Vec<(String, Expr)>),
}

/// A call of one of the rules engine's functions, its arguments parsed.
#[derive(Debug, Clone)]
pub(crate) enum Call {
    IsSet(Expr),
    Not(Expr),
    BooleanEquals(Expr, Expr),
    StringEquals(Expr, Expr),
    GetAttr(Expr, Vec<PathSeg>),
    Substring(Expr, Expr, Expr, Expr),
    UriEncode(Expr),
    ParseUrl(Expr),
    IsValidHostLabel(Expr, Expr),
    Partition(Expr),
    ParseArn(Expr),
    IsVirtualHostableS3Bucket(Expr, Expr),
    /// Rules engine 1.1: the first argument that is set, else the last one's (unset) value.
    Coalesce(Vec<Expr>),
    /// Rules engine 1.1: `ite(condition, then, else)`.
    Ite(Expr, Expr, Expr),
    /// Rules engine 1.1: `split(input, delimiter, limit)`.
    Split(Expr, Expr, Expr),
}

/// Parses a templated string: `{Name}` and `{Name#path}` are replaced, `{{` and `}}` are
/// literal braces.
fn parse_template(s: &str, scope: &Scope) -> Result<Expr, RuleSetError> {
    if !s.contains(['{', '}']) {
        return Ok(Expr::Lit(Value::String(s.to_owned())));
    }
    let mut parts = Vec::new();
    let mut lit = String::new();
    let mut rest = s;
    while let Some(i) = rest.find(['{', '}']) {
        lit.push_str(&rest[..i]);
        let tail = &rest[i..];
        if let Some(after) = tail.strip_prefix("{{") {
            lit.push('{');
            rest = after;
        } else if let Some(after) = tail.strip_prefix("}}") {
            lit.push('}');
            rest = after;
        } else if let Some(after) = tail.strip_prefix('{') {
            let end = after
                .find('}')
                .ok_or_else(|| RuleSetError::new(format!("unclosed `{{` in template `{s}`")))?;
            let var = &after[..end];
            let (name, path) = match var.split_once('#') {
                Some((name, path)) => (name, parse_path(path)?),
                None => (var, Vec::new()),
            };
            let slot = scope.lookup(name).ok_or_else(|| {
                RuleSetError::new(format!("template `{s}` refers to unknown `{name}`"))
            })?;
            if !lit.is_empty() {
                parts.push(Part::Lit(std::mem::take(&mut lit)));
            }
            parts.push(Part::Var { slot, path });
            rest = &after[end + 1..];
        } else {
            // A lone `}`: literal.
            lit.push('}');
            rest = &tail[1..];
        }
    }
    lit.push_str(rest);
    if !lit.is_empty() {
        parts.push(Part::Lit(lit));
    }
    if let [Part::Lit(only)] = parts.as_slice() {
        return Ok(Expr::Lit(Value::String(only.clone())));
    }
    Ok(Expr::Template(Template { parts }))
}

/// Parses an expression: a string is a template, an object with `ref` a reference, with `fn`
/// a call; arrays and other objects are literals of expressions.
pub(crate) fn parse_expr(json: &Json, scope: &Scope) -> Result<Expr, RuleSetError> {
    match json {
        Json::String(s) => parse_template(s, scope),
        Json::Bool(b) => Ok(Expr::Lit(Value::Bool(*b))),
        Json::Number(n) => n
            .as_i64()
            .map(|i| Expr::Lit(Value::Int(i)))
            .ok_or_else(|| RuleSetError::new(format!("unsupported number {n}"))),
        Json::Array(items) => Ok(Expr::Array(
            items
                .iter()
                .map(|i| parse_expr(i, scope))
                .collect::<Result<_, _>>()?,
        )),
        Json::Object(obj) => {
            if let Some(r) = obj.get("ref") {
                let name = r
                    .as_str()
                    .ok_or_else(|| RuleSetError::new("`ref` is not a string"))?;
                let slot = scope
                    .lookup(name)
                    .ok_or_else(|| RuleSetError::new(format!("reference to unknown `{name}`")))?;
                Ok(Expr::Ref(slot))
            } else if obj.contains_key("fn") {
                Ok(Expr::Call(Box::new(parse_call(json, scope)?)))
            } else {
                let fields = obj
                    .iter()
                    .map(|(k, v)| Ok((k.clone(), parse_expr(v, scope)?)))
                    .collect::<Result<_, RuleSetError>>()?;
                Ok(Expr::Record(fields))
            }
        }
        Json::Null => Err(RuleSetError::new("`null` is not an expression")),
    }
}

/// Parses a function call `{"fn": name, "argv": [...]}`.
pub(crate) fn parse_call(json: &Json, scope: &Scope) -> Result<Call, RuleSetError> {
    let name = json
        .get("fn")
        .and_then(Json::as_str)
        .ok_or_else(|| RuleSetError::new("a function call needs `fn`, a string"))?;
    let argv = json
        .get("argv")
        .and_then(Json::as_array)
        .ok_or_else(|| RuleSetError::new(format!("`{name}` needs `argv`, an array")))?;
    let arity = |n: usize| {
        if argv.len() == n {
            Ok(())
        } else {
            Err(RuleSetError::new(format!(
                "`{name}` takes {n} argument(s), not {}",
                argv.len()
            )))
        }
    };
    let arg = |i: usize| match argv.get(i) {
        Some(a) => parse_expr(a, scope),
        None => Err(RuleSetError::new(format!("`{name}`: argument {i} missing"))),
    };
    Ok(match name {
        "isSet" => {
            arity(1)?;
            Call::IsSet(arg(0)?)
        }
        "not" => {
            arity(1)?;
            Call::Not(arg(0)?)
        }
        "booleanEquals" => {
            arity(2)?;
            Call::BooleanEquals(arg(0)?, arg(1)?)
        }
        "stringEquals" => {
            arity(2)?;
            Call::StringEquals(arg(0)?, arg(1)?)
        }
        "getAttr" => {
            arity(2)?;
            let path = argv
                .get(1)
                .and_then(Json::as_str)
                .ok_or_else(|| RuleSetError::new("getAttr's path must be a string literal"))?;
            Call::GetAttr(arg(0)?, parse_path(path)?)
        }
        "substring" => {
            arity(4)?;
            Call::Substring(arg(0)?, arg(1)?, arg(2)?, arg(3)?)
        }
        "uriEncode" => {
            arity(1)?;
            Call::UriEncode(arg(0)?)
        }
        "parseURL" => {
            arity(1)?;
            Call::ParseUrl(arg(0)?)
        }
        "isValidHostLabel" => {
            arity(2)?;
            Call::IsValidHostLabel(arg(0)?, arg(1)?)
        }
        "aws.partition" => {
            arity(1)?;
            Call::Partition(arg(0)?)
        }
        "aws.parseArn" => {
            arity(1)?;
            Call::ParseArn(arg(0)?)
        }
        "aws.isVirtualHostableS3Bucket" => {
            arity(2)?;
            Call::IsVirtualHostableS3Bucket(arg(0)?, arg(1)?)
        }
        "coalesce" => {
            if argv.len() < 2 {
                return Err(RuleSetError::new(format!(
                    "`coalesce` takes two or more arguments, not {}",
                    argv.len()
                )));
            }
            Call::Coalesce(
                argv.iter()
                    .map(|a| parse_expr(a, scope))
                    .collect::<Result<_, _>>()?,
            )
        }
        "ite" => {
            arity(3)?;
            Call::Ite(arg(0)?, arg(1)?, arg(2)?)
        }
        "split" => {
            arity(3)?;
            Call::Split(arg(0)?, arg(1)?, arg(2)?)
        }
        other => return Err(RuleSetError::new(format!("unknown function `{other}`"))),
    })
}

/// What expressions are evaluated against: the slots of one resolution and the partitions.
///
/// A slot borrows what lives for the whole resolution (`'a`: a parameter's value or default,
/// a partition's outputs, a literal) and owns only what the rules computed, so binding a
/// parameter or an `aws.partition` result copies nothing.
pub(crate) struct Env<'a, 's> {
    pub(crate) slots: &'s [Option<Cow<'a, Value>>],
    pub(crate) partitions: &'a Partitions,
}

impl<'a, 's> Env<'a, 's> {
    fn slot(&self, slot: usize) -> Option<Val<'a, 's>> {
        match self.slots.get(slot) {
            Some(Some(Cow::Borrowed(v))) => Some(Val::Long(v)),
            Some(Some(Cow::Owned(v))) => Some(Val::Slot(v)),
            _ => None,
        }
    }
}

/// A value met while evaluating: borrowed for the whole resolution, borrowed from a slot
/// that holds a computed value, or computed here.
#[derive(Debug)]
pub(crate) enum Val<'a, 's> {
    Long(&'a Value),
    Slot(&'s Value),
    Owned(Value),
}

impl std::ops::Deref for Val<'_, '_> {
    type Target = Value;

    fn deref(&self) -> &Value {
        match self {
            Val::Long(v) | Val::Slot(v) => v,
            Val::Owned(v) => v,
        }
    }
}

impl<'a, 's> Val<'a, 's> {
    /// What a slot keeps: a long borrow stays one, anything else is owned.
    pub(crate) fn into_slot(self) -> Cow<'a, Value> {
        match self {
            Val::Long(v) => Cow::Borrowed(v),
            Val::Slot(v) => Cow::Owned(v.clone()),
            Val::Owned(v) => Cow::Owned(v),
        }
    }

    pub(crate) fn into_owned(self) -> Value {
        match self {
            Val::Long(v) | Val::Slot(v) => v.clone(),
            Val::Owned(v) => v,
        }
    }

    /// Follows a `getAttr` path, borrowing as long as `self` does.
    fn path(self, path: &[PathSeg]) -> Result<Option<Val<'a, 's>>, ResolveError> {
        Ok(match self {
            Val::Long(v) => get_path(v, path)?.map(Val::Long),
            Val::Slot(v) => get_path(v, path)?.map(Val::Slot),
            Val::Owned(v) => get_path(&v, path)?.cloned().map(Val::Owned),
        })
    }
}

type Eval<'a, 's> = Result<Option<Val<'a, 's>>, ResolveError>;

fn owned<'a, 's>(v: Value) -> Eval<'a, 's> {
    Ok(Some(Val::Owned(v)))
}

fn expect_str<'v>(v: &'v Value, what: &str) -> Result<&'v str, ResolveError> {
    v.as_str().ok_or_else(|| {
        ResolveError::evaluation(format!(
            "{what}: expected a string, got a {}",
            v.type_name()
        ))
    })
}

fn expect_bool(v: &Value, what: &str) -> Result<bool, ResolveError> {
    v.as_bool().ok_or_else(|| {
        ResolveError::evaluation(format!(
            "{what}: expected a boolean, got a {}",
            v.type_name()
        ))
    })
}

fn expect_int(v: &Value, what: &str) -> Result<i64, ResolveError> {
    match v {
        Value::Int(i) => Ok(*i),
        other => Err(ResolveError::evaluation(format!(
            "{what}: expected an integer, got a {}",
            other.type_name()
        ))),
    }
}

impl Template {
    /// A template that is one variable holding a string (`"{Region}"`, `"{url#path}"`) is
    /// that string, borrowed; any other is rendered.
    fn eval<'a, 's>(&'a self, env: &Env<'a, 's>) -> Eval<'a, 's> {
        if let [Part::Var { slot, path }] = self.parts.as_slice()
            && let Some(base) = env.slot(*slot)
            && let Some(v) = base.path(path)?
            && matches!(*v, Value::String(_))
        {
            return Ok(Some(v));
        }
        owned(Value::String(self.render(env)?))
    }

    fn render(&self, env: &Env<'_, '_>) -> Result<String, ResolveError> {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Lit(s) => out.push_str(s),
                Part::Var { slot, path } => {
                    let base = env.slots.get(*slot).and_then(Option::as_deref);
                    let value = match base {
                        Some(b) => get_path(b, path)?,
                        None => None,
                    };
                    match value {
                        Some(Value::String(s)) => out.push_str(s),
                        Some(Value::Bool(b)) => out.push_str(if *b { "true" } else { "false" }),
                        Some(Value::Int(i)) => out.push_str(&i.to_string()),
                        Some(other) => {
                            return Err(ResolveError::evaluation(format!(
                                "a template cannot hold a {}",
                                other.type_name()
                            )));
                        }
                        None => {
                            return Err(ResolveError::evaluation(
                                "a template refers to a value that is not set",
                            ));
                        }
                    }
                }
            }
        }
        Ok(out)
    }
}

impl Expr {
    /// Evaluates to a value, or `None` when unset (an unset parameter, a function with no
    /// result).
    pub(crate) fn eval<'a, 's>(&'a self, env: &Env<'a, 's>) -> Eval<'a, 's> {
        match self {
            Expr::Lit(v) => Ok(Some(Val::Long(v))),
            Expr::Template(t) => t.eval(env),
            Expr::Ref(slot) => Ok(env.slot(*slot)),
            Expr::Call(call) => call.eval(env),
            Expr::Array(items) => {
                let mut out = Vec::with_capacity(items.len());
                for item in items {
                    match item.eval(env)? {
                        Some(v) => out.push(v.into_owned()),
                        None => {
                            return Err(ResolveError::evaluation("an array element is not set"));
                        }
                    }
                }
                owned(Value::Array(out))
            }
            Expr::Record(fields) => {
                let mut out = BTreeMap::new();
                for (k, v) in fields {
                    match v.eval(env)? {
                        Some(v) => {
                            out.insert(k.clone(), v.into_owned());
                        }
                        None => {
                            return Err(ResolveError::evaluation(format!(
                                "record field `{k}` is not set"
                            )));
                        }
                    }
                }
                owned(Value::Record(out))
            }
        }
    }

    /// Evaluates a condition: true when the value is set and is not `false`.
    pub(crate) fn truthy(v: &Option<Val<'_, '_>>) -> bool {
        match v.as_deref() {
            None => false,
            Some(Value::Bool(b)) => *b,
            Some(_) => true,
        }
    }
}

impl Call {
    pub(crate) fn eval<'a, 's>(&'a self, env: &Env<'a, 's>) -> Eval<'a, 's> {
        match self {
            Call::IsSet(e) => owned(Value::Bool(e.eval(env)?.is_some())),
            Call::Not(e) => match e.eval(env)? {
                Some(v) => owned(Value::Bool(!expect_bool(&v, "not")?)),
                None => owned(Value::Bool(true)),
            },
            Call::BooleanEquals(a, b) => {
                let (a, b) = (a.eval(env)?, b.eval(env)?);
                let eq = match (a, b) {
                    (Some(a), Some(b)) => {
                        expect_bool(&a, "booleanEquals")? == expect_bool(&b, "booleanEquals")?
                    }
                    _ => false,
                };
                owned(Value::Bool(eq))
            }
            Call::StringEquals(a, b) => {
                let (a, b) = (a.eval(env)?, b.eval(env)?);
                let eq = match (a, b) {
                    (Some(a), Some(b)) => {
                        expect_str(&a, "stringEquals")? == expect_str(&b, "stringEquals")?
                    }
                    _ => false,
                };
                owned(Value::Bool(eq))
            }
            Call::GetAttr(e, path) => match e.eval(env)? {
                None => Ok(None),
                Some(v) => v.path(path),
            },
            Call::Substring(input, start, stop, reverse) => {
                let Some(input) = input.eval(env)? else {
                    return Ok(None);
                };
                let input = expect_str(&input, "substring")?;
                let int = |e: &'a Expr| -> Result<i64, ResolveError> {
                    match e.eval(env)? {
                        Some(v) => expect_int(&v, "substring"),
                        None => Err(ResolveError::evaluation("substring: bound not set")),
                    }
                };
                let (start, stop) = (int(start)?, int(stop)?);
                let reverse = match reverse.eval(env)? {
                    Some(v) => expect_bool(&v, "substring")?,
                    None => false,
                };
                let (Ok(start), Ok(stop)) = (usize::try_from(start), usize::try_from(stop)) else {
                    return Ok(None);
                };
                Ok(functions::substring(input, start, stop, reverse)
                    .map(|s| Val::Owned(Value::String(s.to_owned()))))
            }
            Call::UriEncode(e) => match e.eval(env)? {
                Some(v) => owned(Value::String(functions::uri_encode(expect_str(
                    &v,
                    "uriEncode",
                )?))),
                None => Ok(None),
            },
            Call::ParseUrl(e) => match e.eval(env)? {
                Some(v) => Ok(functions::parse_url(expect_str(&v, "parseURL")?)
                    .map(|u| Val::Owned(u.to_value()))),
                None => Ok(None),
            },
            Call::IsValidHostLabel(e, sub) => {
                let Some(v) = e.eval(env)? else {
                    return owned(Value::Bool(false));
                };
                let sub = match sub.eval(env)? {
                    Some(s) => expect_bool(&s, "isValidHostLabel")?,
                    None => false,
                };
                owned(Value::Bool(functions::is_valid_host_label(
                    expect_str(&v, "isValidHostLabel")?,
                    sub,
                )))
            }
            Call::Partition(e) => match e.eval(env)? {
                Some(v) => Ok(env
                    .partitions
                    .resolve(expect_str(&v, "aws.partition")?)
                    .map(Val::Long)),
                None => Ok(None),
            },
            Call::ParseArn(e) => match e.eval(env)? {
                Some(v) => Ok(arn::Arn::parse(expect_str(&v, "aws.parseArn")?)
                    .map(|a| Val::Owned(a.to_value()))),
                None => Ok(None),
            },
            Call::IsVirtualHostableS3Bucket(e, sub) => {
                let Some(v) = e.eval(env)? else {
                    return owned(Value::Bool(false));
                };
                let sub = match sub.eval(env)? {
                    Some(s) => expect_bool(&s, "aws.isVirtualHostableS3Bucket")?,
                    None => false,
                };
                owned(Value::Bool(functions::is_virtual_hostable_s3_bucket(
                    expect_str(&v, "aws.isVirtualHostableS3Bucket")?,
                    sub,
                )))
            }
            Call::Coalesce(args) => {
                let mut last = None;
                for a in args {
                    last = a.eval(env)?;
                    if last.is_some() {
                        break;
                    }
                }
                Ok(last)
            }
            Call::Ite(cond, then, otherwise) => match cond.eval(env)? {
                Some(c) if expect_bool(&c, "ite")? => then.eval(env),
                Some(_) => otherwise.eval(env),
                None => Err(ResolveError::evaluation("ite: the condition is not set")),
            },
            Call::Split(input, delimiter, limit) => {
                let Some(input) = input.eval(env)? else {
                    return Ok(None);
                };
                let Some(delimiter) = delimiter.eval(env)? else {
                    return Err(ResolveError::evaluation("split: the delimiter is not set"));
                };
                let limit = match limit.eval(env)? {
                    Some(l) => expect_int(&l, "split")?,
                    None => return Err(ResolveError::evaluation("split: the limit is not set")),
                };
                let limit = usize::try_from(limit)
                    .map_err(|_| ResolveError::evaluation("split: negative limit"))?;
                let parts = functions::split(
                    expect_str(&input, "split")?,
                    expect_str(&delimiter, "split")?,
                    limit,
                )
                .ok_or_else(|| ResolveError::evaluation("split: empty delimiter"))?;
                owned(Value::Array(parts.into_iter().map(Value::from).collect()))
            }
        }
    }
}
