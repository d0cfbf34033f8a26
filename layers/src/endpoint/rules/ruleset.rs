//! A parsed rule set: its parameters and its tree of endpoint, error and tree rules.
use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde_json::Value as Json;

use super::expr::{Call, Env, Expr, Scope, Val, parse_call, parse_expr};
use super::partition::Partitions;
use super::value::Value;
use super::{Endpoint, Params, ResolveError};

/// A rule set that could not be parsed, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleSetError(String);

impl RuleSetError {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        RuleSetError(message.into())
    }

    /// What is wrong.
    pub fn message(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RuleSetError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid endpoint rule set: {}", self.0)
    }
}

impl std::error::Error for RuleSetError {}

/// The type of a rule-set parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamType {
    /// `string`.
    String,
    /// `boolean`.
    Boolean,
    /// `stringArray`.
    StringArray,
}

impl ParamType {
    fn accepts(self, value: &Value) -> bool {
        match (self, value) {
            (ParamType::String, Value::String(_)) | (ParamType::Boolean, Value::Bool(_)) => true,
            (ParamType::StringArray, Value::Array(items)) => {
                items.iter().all(|v| matches!(v, Value::String(_)))
            }
            _ => false,
        }
    }

    fn name(self) -> &'static str {
        match self {
            ParamType::String => "string",
            ParamType::Boolean => "boolean",
            ParamType::StringArray => "stringArray",
        }
    }
}

/// A parameter of a rule set, as declared.
#[derive(Debug, Clone)]
pub struct Parameter {
    name: String,
    param_type: ParamType,
    built_in: Option<String>,
    required: bool,
    default: Option<Value>,
    documentation: Option<String>,
    deprecated: bool,
    referenced: bool,
}

impl Parameter {
    /// Whether any rule refers to it: a parameter no rule reads (S3's `Key`) cannot change
    /// the endpoint, so callers need not set it, and caches need not key on it.
    pub fn is_referenced(&self) -> bool {
        self.referenced
    }
    /// The name the caller sets it by (`Region`, `UseFIPS`, `Bucket`).
    pub fn name(&self) -> &str {
        &self.name
    }
    /// Its type.
    pub fn param_type(&self) -> ParamType {
        self.param_type
    }
    /// The SDK setting it is bound from, if any (`AWS::Region`, `AWS::UseFIPS`,
    /// `SDK::Endpoint`, `AWS::S3::ForcePathStyle`): the caller maps these to their settings.
    pub fn built_in(&self) -> Option<&str> {
        self.built_in.as_deref()
    }
    /// Whether resolving fails when it has no value (and no default).
    pub fn required(&self) -> bool {
        self.required
    }
    /// The value used when the caller sets none.
    pub fn default(&self) -> Option<&Value> {
        self.default.as_ref()
    }
    /// Its documentation.
    pub fn documentation(&self) -> Option<&str> {
        self.documentation.as_deref()
    }
    /// Whether it is marked deprecated.
    pub fn deprecated(&self) -> bool {
        self.deprecated
    }
}

/// The endpoint an endpoint rule builds.
#[derive(Debug, Clone)]
struct EndpointRule {
    url: Expr,
    headers: Vec<(String, Vec<Expr>)>,
    properties: Vec<(String, Expr)>,
}

#[derive(Debug, Clone)]
enum RuleKind {
    Endpoint(EndpointRule),
    Error(Expr),
    Tree(Vec<Rule>),
}

#[derive(Debug, Clone)]
struct Condition {
    call: Call,
    assign: Option<usize>,
}

#[derive(Debug, Clone)]
struct Rule {
    conditions: Vec<Condition>,
    kind: RuleKind,
}

/// An endpoint rule set (`endpoint-rule-set-1.json`), parsed once and resolved many times.
///
/// Names are resolved to slots when parsing, so [`RuleSet::resolve`] only walks the tree.
#[derive(Debug, Clone)]
pub struct RuleSet {
    version: String,
    parameters: Vec<Parameter>,
    rules: Vec<Rule>,
    slots: usize,
}

fn parse_parameter(name: &str, json: &Json) -> Result<Parameter, RuleSetError> {
    let bad = |what: &str| RuleSetError::new(format!("parameter `{name}`: {what}"));
    let obj = json.as_object().ok_or_else(|| bad("not an object"))?;
    let ty = obj
        .get("type")
        .and_then(Json::as_str)
        .ok_or_else(|| bad("no string `type`"))?;
    let param_type = match ty.to_ascii_lowercase().as_str() {
        "string" => ParamType::String,
        "boolean" => ParamType::Boolean,
        "stringarray" => ParamType::StringArray,
        other => return Err(bad(&format!("unknown type `{other}`"))),
    };
    let text = |key: &str| -> Result<Option<String>, RuleSetError> {
        match obj.get(key) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::String(s)) => Ok(Some(s.clone())),
            Some(_) => Err(bad(&format!("`{key}` is not a string"))),
        }
    };
    let required = match obj.get("required") {
        None | Some(Json::Null) => false,
        Some(Json::Bool(b)) => *b,
        Some(_) => return Err(bad("`required` is not a boolean")),
    };
    let default = match obj.get("default") {
        None | Some(Json::Null) => None,
        Some(d) => {
            let v = Value::from_json(d).ok_or_else(|| bad("unsupported `default`"))?;
            if !param_type.accepts(&v) {
                return Err(bad(&format!(
                    "default is a {}, the parameter a {}",
                    v.type_name(),
                    param_type.name()
                )));
            }
            Some(v)
        }
    };
    Ok(Parameter {
        name: name.to_owned(),
        param_type,
        built_in: text("builtIn")?,
        required,
        default,
        documentation: text("documentation")?,
        deprecated: obj.get("deprecated").is_some_and(|d| !d.is_null()),
        referenced: false,
    })
}

fn parse_rules(json: &Json, scope: &mut Scope, at: &str) -> Result<Vec<Rule>, RuleSetError> {
    let list = json
        .as_array()
        .ok_or_else(|| RuleSetError::new(format!("{at}: `rules` is not an array")))?;
    list.iter()
        .enumerate()
        .map(|(i, r)| parse_rule(r, scope, &format!("{at}[{i}]")))
        .collect()
}

fn parse_rule(json: &Json, scope: &mut Scope, at: &str) -> Result<Rule, RuleSetError> {
    let ctx = |e: RuleSetError| RuleSetError::new(format!("{at}: {}", e.0));
    let bad = |what: &str| RuleSetError::new(format!("{at}: {what}"));
    let obj = json
        .as_object()
        .ok_or_else(|| bad("a rule is not an object"))?;
    let mark = scope.mark();
    let mut conditions = Vec::new();
    if let Some(conds) = obj.get("conditions") {
        let conds = conds
            .as_array()
            .ok_or_else(|| bad("`conditions` is not an array"))?;
        for c in conds {
            let call = parse_call(c, scope).map_err(ctx)?;
            let assign = match c.get("assign") {
                None | Some(Json::Null) => None,
                Some(Json::String(name)) => Some(scope.bind(name)),
                Some(_) => return Err(bad("`assign` is not a string")),
            };
            conditions.push(Condition { call, assign });
        }
    }
    let ty = obj
        .get("type")
        .and_then(Json::as_str)
        .ok_or_else(|| bad("a rule needs a string `type`"))?;
    let kind = match ty {
        "endpoint" => {
            let ep = obj
                .get("endpoint")
                .and_then(Json::as_object)
                .ok_or_else(|| bad("an endpoint rule needs an `endpoint` object"))?;
            let url = ep
                .get("url")
                .ok_or_else(|| bad("an endpoint needs a `url`"))?;
            let url = parse_expr(url, scope).map_err(ctx)?;
            let mut headers = Vec::new();
            if let Some(h) = ep.get("headers") {
                let h = h
                    .as_object()
                    .ok_or_else(|| bad("`headers` is not an object"))?;
                for (name, values) in h {
                    let values = values
                        .as_array()
                        .ok_or_else(|| bad(&format!("header `{name}` is not an array")))?;
                    let values = values
                        .iter()
                        .map(|v| parse_expr(v, scope))
                        .collect::<Result<_, _>>()
                        .map_err(ctx)?;
                    headers.push((name.clone(), values));
                }
            }
            let mut properties = Vec::new();
            if let Some(p) = ep.get("properties") {
                let p = p
                    .as_object()
                    .ok_or_else(|| bad("`properties` is not an object"))?;
                for (name, v) in p {
                    properties.push((name.clone(), parse_expr(v, scope).map_err(ctx)?));
                }
            }
            RuleKind::Endpoint(EndpointRule {
                url,
                headers,
                properties,
            })
        }
        "error" => {
            let e = obj
                .get("error")
                .ok_or_else(|| bad("an error rule needs an `error`"))?;
            RuleKind::Error(parse_expr(e, scope).map_err(ctx)?)
        }
        "tree" => {
            let rules = obj
                .get("rules")
                .ok_or_else(|| bad("a tree rule needs `rules`"))?;
            RuleKind::Tree(parse_rules(rules, scope, at)?)
        }
        other => return Err(bad(&format!("unknown rule type `{other}`"))),
    };
    scope.reset(mark);
    Ok(Rule { conditions, kind })
}

impl RuleSet {
    /// Parses a rule set; every name is checked, every function call's arity too.
    pub fn from_json(json: &str) -> Result<Self, RuleSetError> {
        let doc: Json =
            serde_json::from_str(json).map_err(|e| RuleSetError::new(format!("not JSON: {e}")))?;
        Self::from_json_value(&doc)
    }

    /// Parses a rule set that is already JSON.
    pub fn from_json_value(doc: &Json) -> Result<Self, RuleSetError> {
        let version = match doc.get("version") {
            None => String::new(),
            Some(Json::String(v)) => v.clone(),
            Some(_) => return Err(RuleSetError::new("`version` is not a string")),
        };
        let params = doc
            .get("parameters")
            .and_then(Json::as_object)
            .ok_or_else(|| RuleSetError::new("no `parameters` object"))?;
        let mut scope = Scope::default();
        let mut parameters = Vec::with_capacity(params.len());
        for (name, p) in params {
            parameters.push(parse_parameter(name, p)?);
            if scope.contains(name) {
                return Err(RuleSetError::new(format!("parameter `{name}` twice")));
            }
            scope.bind(name);
        }
        let rules = doc
            .get("rules")
            .ok_or_else(|| RuleSetError::new("no `rules`"))?;
        let rules = parse_rules(rules, &mut scope, "rules")?;
        // Parameters took the first slots, in order.
        for (slot, p) in parameters.iter_mut().enumerate() {
            p.referenced = scope.is_used(slot);
        }
        Ok(RuleSet {
            version,
            parameters,
            rules,
            slots: scope.slots,
        })
    }

    /// The rule set's `version`.
    pub fn version(&self) -> &str {
        &self.version
    }

    /// The parameters, in declared order.
    pub fn parameters(&self) -> &[Parameter] {
        &self.parameters
    }

    /// The parameter bound from a built-in such as `AWS::Region`.
    pub fn parameter_for_built_in(&self, built_in: &str) -> Option<&Parameter> {
        self.parameters
            .iter()
            .find(|p| p.built_in.as_deref() == Some(built_in))
    }

    /// Resolves the endpoint for `params`: defaults fill unset parameters, a required
    /// parameter without a value is an error, and the first matching endpoint or error rule
    /// decides. Parameters the rule set does not declare are ignored.
    pub fn resolve(
        &self,
        params: &Params,
        partitions: &Partitions,
    ) -> Result<Endpoint, ResolveError> {
        let mut slots: Vec<Option<Cow<'_, Value>>> = Vec::with_capacity(self.slots);
        for p in &self.parameters {
            let value = match params.get(&p.name) {
                Some(v) => {
                    if !p.param_type.accepts(v) {
                        return Err(ResolveError::InvalidParameter {
                            name: p.name.clone(),
                            expected: p.param_type.name(),
                            got: v.type_name(),
                        });
                    }
                    Some(Cow::Borrowed(v))
                }
                None => p.default.as_ref().map(Cow::Borrowed),
            };
            if value.is_none() && p.required {
                return Err(ResolveError::MissingParameter(p.name.clone()));
            }
            slots.push(value);
        }
        slots.resize(self.slots, None);
        match eval_rules(&self.rules, &mut slots, partitions)? {
            Some(endpoint) => Ok(endpoint),
            None => Err(ResolveError::NoRuleMatched),
        }
    }
}

fn eval_rules<'a>(
    rules: &'a [Rule],
    slots: &mut [Option<Cow<'a, Value>>],
    partitions: &'a Partitions,
) -> Result<Option<Endpoint>, ResolveError> {
    'rules: for rule in rules {
        for c in &rule.conditions {
            let value = {
                let env = Env { slots, partitions };
                let v = c.call.eval(&env)?;
                if !Expr::truthy(&v) {
                    continue 'rules;
                }
                match c.assign {
                    Some(_) => v.map(Val::into_slot),
                    None => None,
                }
            };
            if let (Some(slot), Some(value)) = (c.assign, value)
                && let Some(s) = slots.get_mut(slot)
            {
                *s = Some(value);
            }
        }
        let env = Env { slots, partitions };
        match &rule.kind {
            RuleKind::Endpoint(ep) => return ep.build(&env).map(Some),
            RuleKind::Error(e) => {
                let message = match e.eval(&env)? {
                    Some(v) => match v.as_str() {
                        Some(s) => s.to_owned(),
                        None => {
                            return Err(ResolveError::evaluation(
                                "an error rule's message is not a string",
                            ));
                        }
                    },
                    None => {
                        return Err(ResolveError::evaluation(
                            "an error rule's message is not set",
                        ));
                    }
                };
                return Err(ResolveError::Rule(message));
            }
            // A tree whose conditions hold decides: when none of its rules matches, the rule
            // set is incomplete (as the reference evaluator says), not a fall-through.
            RuleKind::Tree(sub) => {
                return match eval_rules(sub, slots, partitions)? {
                    Some(ep) => Ok(Some(ep)),
                    None => Err(ResolveError::NoRuleMatched),
                };
            }
        }
    }
    Ok(None)
}

impl EndpointRule {
    fn build(&self, env: &Env<'_, '_>) -> Result<Endpoint, ResolveError> {
        let string = |e: &Expr, what: &str| -> Result<String, ResolveError> {
            match e.eval(env)? {
                Some(v) => match v.as_str() {
                    Some(s) => Ok(s.to_owned()),
                    None => Err(ResolveError::evaluation(format!("{what} is not a string"))),
                },
                None => Err(ResolveError::evaluation(format!("{what} is not set"))),
            }
        };
        let url = string(&self.url, "the endpoint url")?;
        let mut headers = Vec::with_capacity(self.headers.len());
        for (name, values) in &self.headers {
            let values = values
                .iter()
                .map(|v| string(v, "a header value"))
                .collect::<Result<_, _>>()?;
            headers.push((name.clone(), values));
        }
        let mut properties = BTreeMap::new();
        for (name, e) in &self.properties {
            match e.eval(env)? {
                Some(v) => {
                    properties.insert(name.clone(), v.into_owned());
                }
                None => {
                    return Err(ResolveError::evaluation(format!(
                        "endpoint property `{name}` is not set"
                    )));
                }
            }
        }
        Ok(Endpoint {
            url,
            headers,
            properties,
        })
    }
}
