//! The botocore service model (`service-2.json`), as far as the generator reads it.
use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

/// A JSON object whose entries keep the model's order (members are emitted in model order:
/// XML and query bodies follow it).
#[derive(Debug, Clone)]
pub struct Ordered<V>(pub Vec<(String, V)>);

impl<V> Default for Ordered<V> {
    fn default() -> Self {
        Ordered(Vec::new())
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for Ordered<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Vis<V>(std::marker::PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Vis<V> {
            type Value = Ordered<V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, V>()? {
                    out.push((k, v));
                }
                Ok(Ordered(out))
            }
        }
        d.deserialize_map(Vis(std::marker::PhantomData))
    }
}

#[derive(Debug, Deserialize)]
pub struct Model {
    pub metadata: Metadata,
    pub operations: BTreeMap<String, Operation>,
    pub shapes: BTreeMap<String, Shape>,
    #[serde(default)]
    pub documentation: Option<String>,
    /// From `paginators-1.json` beside the model, when there is one.
    #[serde(skip)]
    pub paginators: BTreeMap<String, Paginator>,
    /// From `waiters-2.json` beside the model, when there is one.
    #[serde(skip)]
    pub waiters: BTreeMap<String, Waiter>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Metadata {
    pub api_version: String,
    pub endpoint_prefix: String,
    pub protocol: String,
    #[serde(default)]
    pub json_version: Option<String>,
    #[serde(default)]
    pub target_prefix: Option<String>,
    #[serde(default)]
    pub signing_name: Option<String>,
    pub service_id: String,
    #[serde(default)]
    pub service_full_name: Option<String>,
    #[serde(default)]
    pub xml_namespace: Option<serde_json::Value>,
    #[serde(default)]
    pub aws_query_compatible: Option<serde_json::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Operation {
    pub http: Http,
    #[serde(default)]
    pub input: Option<ShapeRef>,
    #[serde(default)]
    pub output: Option<ShapeRef>,
    #[serde(default)]
    pub errors: Vec<ShapeRef>,
    #[serde(default)]
    pub documentation: Option<String>,
    #[serde(default)]
    pub endpoint: Option<Endpoint>,
    #[serde(default)]
    pub http_checksum_required: Option<bool>,
    #[serde(default)]
    pub http_checksum: Option<serde_json::Value>,
    #[serde(default)]
    pub authtype: Option<String>,
    #[serde(default)]
    pub auth: Option<Vec<String>>,
    #[serde(default)]
    pub idempotent: Option<bool>,
    /// Endpoint rule-set parameters with a fixed value for this operation.
    #[serde(default)]
    pub static_context_params: BTreeMap<String, StaticContextParam>,
    /// Endpoint rule-set parameters read from the input by a JMESPath expression.
    #[serde(default)]
    pub operation_context_params: BTreeMap<String, OperationContextParam>,
}

/// An `operationContextParams` entry: `{"path": "keys(RequestItems)"}`.
#[derive(Debug, Deserialize)]
pub struct OperationContextParam {
    pub path: String,
}

/// A `staticContextParams` entry: `{"value": true}`.
#[derive(Debug, Deserialize)]
pub struct StaticContextParam {
    pub value: serde_json::Value,
}

/// A member's `contextParam`: the endpoint rule-set parameter it sets.
#[derive(Debug, Clone, Deserialize)]
pub struct ContextParam {
    pub name: String,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Http {
    pub method: String,
    pub request_uri: String,
    #[serde(default)]
    pub response_code: Option<u16>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Endpoint {
    pub host_prefix: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShapeRef {
    pub shape: String,
    #[serde(default)]
    pub location_name: Option<String>,
    #[serde(default)]
    pub result_wrapper: Option<String>,
    #[serde(default)]
    pub xml_namespace: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MemberRef {
    pub shape: String,
    #[serde(default)]
    pub location: Option<String>,
    #[serde(default)]
    pub location_name: Option<String>,
    #[serde(default)]
    pub query_name: Option<String>,
    #[serde(default)]
    pub documentation: Option<String>,
    #[serde(default)]
    pub idempotency_token: Option<bool>,
    #[serde(default)]
    pub xml_namespace: Option<serde_json::Value>,
    #[serde(default)]
    pub flattened: Option<bool>,
    #[serde(default)]
    pub xml_attribute: Option<bool>,
    #[serde(default)]
    pub host_label: Option<bool>,
    #[serde(default)]
    pub streaming: Option<bool>,
    #[serde(default)]
    pub jsonvalue: Option<bool>,
    #[serde(default)]
    pub eventpayload: Option<bool>,
    #[serde(default)]
    pub eventheader: Option<bool>,
    #[serde(default)]
    pub timestamp_format: Option<String>,
    #[serde(default)]
    pub context_param: Option<ContextParam>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Shape {
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub members: Ordered<MemberRef>,
    #[serde(default)]
    pub required: Vec<String>,
    #[serde(default)]
    pub documentation: Option<String>,
    #[serde(default, rename = "enum")]
    pub enum_values: Vec<String>,
    #[serde(default)]
    pub payload: Option<String>,
    #[serde(default)]
    pub exception: Option<bool>,
    #[serde(default)]
    pub error: Option<ErrorTrait>,
    #[serde(default)]
    pub fault: Option<bool>,
    #[serde(default)]
    pub sensitive: Option<bool>,
    #[serde(default)]
    pub flattened: Option<bool>,
    #[serde(default)]
    pub member: Option<MemberRef>,
    #[serde(default)]
    pub key: Option<MemberRef>,
    #[serde(default)]
    pub value: Option<MemberRef>,
    #[serde(default)]
    pub timestamp_format: Option<String>,
    #[serde(default)]
    pub eventstream: Option<bool>,
    #[serde(default)]
    pub union: Option<bool>,
    #[serde(default)]
    pub document: Option<bool>,
    #[serde(default)]
    pub location_name: Option<String>,
    #[serde(default)]
    pub xml_namespace: Option<serde_json::Value>,
    #[serde(default)]
    pub streaming: Option<bool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorTrait {
    #[serde(default)]
    pub code: Option<String>,
    #[serde(default)]
    pub http_status_code: Option<u16>,
    #[serde(default)]
    pub sender_fault: Option<bool>,
}

/// An XML namespace as the model writes it: a URI string, or `{uri, prefix}`.
pub fn xml_namespace(v: &serde_json::Value) -> Option<(Option<String>, String)> {
    match v {
        serde_json::Value::String(uri) => Some((None, uri.clone())),
        serde_json::Value::Object(o) => {
            let uri = o.get("uri")?.as_str()?.to_owned();
            let prefix = o.get("prefix").and_then(|p| p.as_str()).map(str::to_owned);
            Some((prefix, uri))
        }
        _ => None,
    }
}

/// One string or several, as `paginators-1.json` writes tokens and result keys.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    pub fn to_vec(&self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s.clone()],
            OneOrMany::Many(v) => v.clone(),
        }
    }
}

/// `paginators-1.json`.
#[derive(Debug, Default, Deserialize)]
pub struct Paginators {
    pub pagination: BTreeMap<String, Paginator>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Paginator {
    pub input_token: OneOrMany,
    pub output_token: OneOrMany,
    #[serde(default)]
    pub limit_key: Option<String>,
    #[serde(default)]
    pub more_results: Option<String>,
    #[serde(default)]
    pub result_key: Option<OneOrMany>,
    #[serde(default)]
    pub non_aggregate_keys: Vec<String>,
}

/// `waiters-2.json`.
#[derive(Debug, Default, Deserialize)]
pub struct Waiters {
    pub waiters: BTreeMap<String, Waiter>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Waiter {
    pub operation: String,
    pub delay: u64,
    pub max_attempts: u32,
    #[serde(default)]
    pub max_delay: Option<u64>,
    pub acceptors: Vec<AcceptorDef>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AcceptorDef {
    pub state: String,
    pub matcher: String,
    #[serde(default)]
    pub argument: Option<String>,
    pub expected: serde_json::Value,
}
