//! The endpoint rules engine: resolves an endpoint from a Smithy endpoint rule set
//! (`endpoint-rule-set-1.json`) interpreted at run time, not generated per service.
//!
//! A [`RuleSet`] is parsed once ([`RuleSet::from_json`]); its names are resolved to slots then,
//! so [`RuleSet::resolve`] walks a tree of conditions without touching JSON. The rules call
//! the standard library (`isSet`, `not`, `booleanEquals`, `stringEquals`, `getAttr`,
//! `substring`, `uriEncode`, `parseURL`, `isValidHostLabel`, and from rules engine 1.1
//! `coalesce`, `ite` and `split`) and the AWS one
//! (`aws.partition`, with [`Partitions`] from `partitions.json`; `aws.parseArn`;
//! `aws.isVirtualHostableS3Bucket`).
//!
//! Built-ins (`AWS::Region`, `AWS::UseFIPS`, `SDK::Endpoint`, ...) are ordinary parameters:
//! the caller finds them with [`RuleSet::parameters`] or [`RuleSet::parameter_for_built_in`]
//! and sets them by name in [`Params`].
//!
//! ```
//! use ziggurat_layers::endpoint::rules::{Params, Partitions, RuleSet};
//!
//! let rules = RuleSet::from_json(r#"{
//!   "version": "1.0",
//!   "parameters": {
//!     "Region": {"type": "string", "builtIn": "AWS::Region", "required": true},
//!     "UseFIPS": {"type": "boolean", "required": true, "default": false}
//!   },
//!   "rules": [
//!     {"conditions": [{"fn": "aws.partition", "argv": [{"ref": "Region"}], "assign": "p"}],
//!      "type": "tree", "rules": [
//!       {"conditions": [{"fn": "booleanEquals", "argv": [{"ref": "UseFIPS"}, true]}],
//!        "type": "error", "error": "FIPS is not supported in {p#name}"},
//!       {"conditions": [], "type": "endpoint", "endpoint": {
//!         "url": "https://svc.{Region}.{p#dnsSuffix}",
//!         "properties": {"authSchemes": [
//!           {"name": "sigv4", "signingName": "svc", "signingRegion": "{Region}"}]}}}
//!     ]}
//!   ]
//! }"#).unwrap();
//! let partitions = Partitions::from_json(r#"{"partitions": [{
//!   "id": "aws", "regionRegex": "^(us|eu)\\-\\w+\\-\\d+$", "regions": {},
//!   "outputs": {"name": "aws", "dnsSuffix": "amazonaws.com"}}]}"#).unwrap();
//!
//! let endpoint = rules.resolve(&Params::new().set("Region", "eu-west-1"), &partitions).unwrap();
//! assert_eq!(endpoint.url, "https://svc.eu-west-1.amazonaws.com");
//! let schemes = endpoint.auth_schemes();
//! assert_eq!(schemes[0].signing_region.as_deref(), Some("eu-west-1"));
//!
//! let fips = Params::new().set("Region", "eu-west-1").set("UseFIPS", true);
//! let err = rules.resolve(&fips, &partitions).unwrap_err();
//! assert_eq!(err.to_string(), "FIPS is not supported in aws");
//! assert_eq!(rules.parameter_for_built_in("AWS::Region").map(|p| p.name()), Some("Region"));
//! ```
use std::collections::{BTreeMap, HashMap};
use std::fmt;

mod arn;
mod expr;
mod functions;
mod partition;
mod region_regex;
mod ruleset;
mod value;

pub use arn::Arn;
pub use functions::{
    Url, is_valid_host_label, is_virtual_hostable_s3_bucket, parse_url, split, substring,
    uri_encode,
};
pub use partition::{Partitions, PartitionsError};
pub use ruleset::{ParamType, Parameter, RuleSet, RuleSetError};
pub use value::Value;

/// The parameter values of one resolution, by parameter name.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    values: HashMap<String, Value>,
}

impl Params {
    /// No values: every parameter takes its default.
    pub fn new() -> Self {
        Params::default()
    }

    /// With `name` set to `value` (a `&str`, `String`, `bool` or a `Vec` of strings).
    #[must_use]
    pub fn set(mut self, name: impl Into<String>, value: impl Into<Value>) -> Self {
        self.insert(name, value);
        self
    }

    /// Sets `name` to `value`.
    pub fn insert(&mut self, name: impl Into<String>, value: impl Into<Value>) {
        self.values.insert(name.into(), value.into());
    }

    /// Unsets `name`.
    pub fn remove(&mut self, name: &str) -> Option<Value> {
        self.values.remove(name)
    }

    /// The value of `name`, if set.
    pub fn get(&self, name: &str) -> Option<&Value> {
        self.values.get(name)
    }
}

/// A resolved endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// The URL (`https://bucket.s3.us-east-1.amazonaws.com`).
    pub url: String,
    /// Headers to add to the request, each with its values.
    pub headers: Vec<(String, Vec<String>)>,
    /// The endpoint's properties, such as `authSchemes` (see [`Endpoint::auth_schemes`]).
    pub properties: BTreeMap<String, Value>,
}

/// One entry of an endpoint's `authSchemes` property: how to sign for this endpoint.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuthScheme {
    /// `sigv4`, `sigv4a`, `sigv4-s3express`, ...
    pub name: String,
    /// The service name to sign with.
    pub signing_name: Option<String>,
    /// The region to sign with (SigV4).
    pub signing_region: Option<String>,
    /// The regions to sign for (SigV4a), such as `["*"]`.
    pub signing_region_set: Vec<String>,
    /// Whether the path must not be encoded twice (S3).
    pub disable_double_encoding: Option<bool>,
}

impl Endpoint {
    /// The `authSchemes` property, typed; entries without a string `name` are left out.
    pub fn auth_schemes(&self) -> Vec<AuthScheme> {
        let Some(list) = self.properties.get("authSchemes").and_then(Value::as_array) else {
            return Vec::new();
        };
        list.iter()
            .filter_map(Value::as_record)
            .filter_map(|r| {
                let text = |k: &str| r.get(k).and_then(Value::as_str).map(str::to_owned);
                Some(AuthScheme {
                    name: text("name")?,
                    signing_name: text("signingName"),
                    signing_region: text("signingRegion"),
                    signing_region_set: r
                        .get("signingRegionSet")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default(),
                    disable_double_encoding: r
                        .get("disableDoubleEncoding")
                        .and_then(Value::as_bool),
                })
            })
            .collect()
    }

    /// The properties as a JSON object.
    pub fn properties_json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.properties
                .iter()
                .map(|(k, v)| (k.clone(), v.to_json()))
                .collect(),
        )
    }
}

/// Why no endpoint was resolved.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResolveError {
    /// An error rule matched; its `Display` is the rule set's message, exactly.
    Rule(String),
    /// A required parameter has no value and no default.
    MissingParameter(String),
    /// A parameter's value has the wrong type.
    InvalidParameter {
        /// The parameter.
        name: String,
        /// Its declared type.
        expected: &'static str,
        /// The type of the value given.
        got: &'static str,
    },
    /// The rule set did something its types do not allow (comparing a string with a
    /// boolean, templating an unset value).
    Evaluation(String),
    /// No rule matched, at the top or inside a tree rule whose conditions held (a complete
    /// rule set ends each tree with a catch-all rule).
    NoRuleMatched,
}

impl ResolveError {
    pub(crate) fn evaluation(message: impl Into<String>) -> Self {
        ResolveError::Evaluation(message.into())
    }
}

impl fmt::Display for ResolveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResolveError::Rule(message) => f.write_str(message),
            ResolveError::MissingParameter(name) => {
                write!(f, "endpoint parameter `{name}` is required but not set")
            }
            ResolveError::InvalidParameter {
                name,
                expected,
                got,
            } => write!(
                f,
                "endpoint parameter `{name}` is a {expected}, not a {got}"
            ),
            ResolveError::Evaluation(message) => {
                write!(f, "endpoint rules evaluation failed: {message}")
            }
            ResolveError::NoRuleMatched => f.write_str("no endpoint rule matched"),
        }
    }
}

impl std::error::Error for ResolveError {}

#[cfg(test)]
mod tests;
