//! The payloads the `codec_compare` benchmark encodes and decodes, and how each side does it.
//!
//! Two payloads, built identically for both sides:
//!
//! * a `PutItem` input whose item has 20 attributes of mixed types (S, N, B, BOOL, L, M, SS),
//!   serialized to its awsJson 1.0 body;
//! * a `Query` output of 100 items of 10 attributes each, deserialized from its JSON body.
//!
//! Two levels are measured:
//!
//! * **codec**: ziggurat's codec alone, through its real entry points:
//!   `ziggurat::layers::protocol::serialize_request(&SERVICE, PutItem's schema, &mut input)` and
//!   `json::from_slice::<QueryOutput>(body, JsonOptions::WIRE)`. aws-sdk-dynamodb has no
//!   public entry point to its codec (its `protocol_serde` module and the operations'
//!   serializers are `pub(crate)`), so its codec is timed inside a real call by an interceptor,
//!   [`PhaseTimer`], between the orchestrator's `read_before_serialization` and
//!   `read_after_serialization` hooks (the request serializer: input to HTTP request) and
//!   between `read_before_deserialization` and `read_after_deserialization` (the in-memory
//!   body read and the response deserializer).
//! * **call**: a whole `put_item().send()` / `query().send()` through each SDK's own client
//!   (ziggurat's stack, the SDK's smithy orchestrator), with fixed region and credentials
//!   (both sign with SigV4), retries off, and an in-memory HTTP client that answers at once
//!   with a fixed response. Both sides do the same work: build the input from the fluent
//!   builder (cloning the same item map), serialize it, sign, "send", read the response. The
//!   difference between the large payload and a minimal one (a 1-attribute item / a `Query`
//!   with no items) isolates the codec's share of the call on each side: the honest ratio of
//!   the codecs that the SDK's public API allows.
//!
//! [`check`] verifies that both sides send the same JSON (compared as values: key order may
//! differ) and read the same items.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_sdk_dynamodb as aws;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::http::{
    HttpConnectorFuture, SharedHttpClient, SharedHttpConnector, http_client_fn,
};
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    AfterDeserializationInterceptorContextRef, BeforeDeserializationInterceptorContextRef,
    BeforeSerializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;
use ziggurat::dynamodb as ours;
use ziggurat::layers::protocol::json::{self, JsonOptions};

/// The table both sides write to and read from.
pub const TABLE: &str = "bench-table";
const ACCESS_KEY_ID: &str = "AKIDEXAMPLE";
const SECRET_ACCESS_KEY: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const REQUEST_ID: &str = "BENCHREQUESTID0000000000000000000000000000000000000";

/// A value both SDKs' `AttributeValue` can be built from.
#[derive(Clone, Debug)]
pub enum Value {
    /// String.
    S(String),
    /// Number.
    N(String),
    /// Binary.
    B(Vec<u8>),
    /// Boolean.
    Bool(bool),
    /// List.
    L(Vec<Value>),
    /// Map.
    M(Vec<(String, Value)>),
    /// String set.
    Ss(Vec<String>),
}

fn s(v: &str) -> Value {
    Value::S(v.to_owned())
}
fn n(v: &str) -> Value {
    Value::N(v.to_owned())
}

/// The 20 attributes of the `PutItem` item: 5 S, 4 N, 2 B, 2 BOOL, 3 L, 2 M, 2 SS.
pub fn put_item_attributes() -> Vec<(String, Value)> {
    let attrs = vec![
        ("pk", s("user#0001")),
        ("sk", s("profile#2024-05-17T10:20:30Z")),
        ("name", s("Ada Lovelace")),
        ("email", s("ada.lovelace@example.com")),
        (
            "bio",
            s(
                "Mathematician and writer, chiefly known for her work on Charles Babbage's \
               proposed mechanical general-purpose computer, the Analytical Engine. \"Quoted\" \
               text, a tab\tand unicode: é ü ß 漢字.",
            ),
        ),
        ("age", n("36")),
        ("balance", n("12345.6789")),
        ("visits", n("987654321")),
        ("ratio", n("-0.000125")),
        ("avatar", Value::B((0u8..=255).cycle().take(300).collect())),
        ("salt", Value::B(b"0123456789abcdef".to_vec())),
        ("active", Value::Bool(true)),
        ("verified", Value::Bool(false)),
        (
            "scores",
            Value::L((0..10).map(|i| n(&format!("{}", i * 17 + 3))).collect()),
        ),
        (
            "history",
            Value::L(vec![
                s("signup"),
                n("1715941230"),
                Value::Bool(true),
                Value::M(vec![("event".into(), s("login")), ("count".into(), n("3"))]),
            ]),
        ),
        (
            "labels",
            Value::L((0..5).map(|i| s(&format!("label-{i}"))).collect()),
        ),
        (
            "address",
            Value::M(vec![
                ("street".into(), s("12 St James's Square")),
                ("city".into(), s("London")),
                ("zip".into(), s("SW1Y 4JH")),
                ("floor".into(), n("2")),
            ]),
        ),
        (
            "settings",
            Value::M(vec![
                ("theme".into(), s("dark")),
                ("notifications".into(), Value::Bool(true)),
                (
                    "limits".into(),
                    Value::M(vec![
                        ("daily".into(), n("100")),
                        ("monthly".into(), n("3000")),
                    ]),
                ),
                ("langs".into(), Value::L(vec![s("en"), s("fr"), s("it")])),
            ]),
        ),
        (
            "tags",
            Value::Ss((0..8).map(|i| format!("tag-{i}")).collect()),
        ),
        (
            "roles",
            Value::Ss(vec!["admin".into(), "editor".into(), "viewer".into()]),
        ),
    ];
    assert_eq!(attrs.len(), 20);
    attrs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The minimal `PutItem` item: its key only.
pub fn put_item_minimal() -> Vec<(String, Value)> {
    vec![("pk".into(), s("user#0001"))]
}

/// One `Query` item of 10 attributes (S, S, N, N, BOOL, B, SS, L, M, S).
fn query_item(i: usize) -> serde_json::Value {
    use serde_json::json;
    json!({
        "pk": {"S": "user#0001"},
        "sk": {"S": format!("order#{i:06}")},
        "amount": {"N": format!("{}.{:02}", i * 13, i % 100)},
        "quantity": {"N": format!("{}", i % 7 + 1)},
        "shipped": {"BOOL": i % 2 == 0},
        "receipt": {"B": "cmVjZWlwdCBieXRlcyAtIHNvbWUgYmluYXJ5IHBheWxvYWQ="},
        "tags": {"SS": ["priority", "gift", format!("batch-{}", i % 10)]},
        "lines": {"L": [{"S": "sku-1"}, {"N": "2"}, {"S": "sku-2"}, {"N": "1"}]},
        "address": {"M": {
            "street": {"S": "12 St James's Square"},
            "city": {"S": "London"},
            "zip": {"S": "SW1Y 4JH"}
        }},
        "note": {"S": format!("Leave at the door \"please\" — order {i}")}
    })
}

/// The JSON body of a `Query` response with `items` items of 10 attributes.
pub fn query_body(items: usize) -> Bytes {
    let items: Vec<_> = (0..items).map(query_item).collect();
    let body = serde_json::json!({
        "Count": items.len(),
        "ScannedCount": items.len(),
        "Items": items,
        "LastEvaluatedKey": {"pk": {"S": "user#0001"}, "sk": {"S": "order#000099"}},
    });
    Bytes::from(serde_json::to_vec(&body).expect("json"))
}

// ---- ziggurat ----

/// `value` as ziggurat's `AttributeValue`.
pub fn ours_value(value: &Value) -> ours::types::AttributeValue {
    use ours::types::AttributeValue as A;
    match value {
        Value::S(v) => A::S(v.clone()),
        Value::N(v) => A::N(v.clone()),
        Value::B(v) => A::B(Bytes::from(v.clone())),
        Value::Bool(v) => A::Bool(*v),
        Value::L(v) => A::L(v.iter().map(ours_value).collect()),
        Value::M(v) => A::M(v.iter().map(|(k, v)| (k.clone(), ours_value(v))).collect()),
        Value::Ss(v) => A::Ss(v.clone()),
    }
}

/// The item as ziggurat's map.
pub fn ours_item(attrs: &[(String, Value)]) -> HashMap<String, ours::types::AttributeValue> {
    attrs
        .iter()
        .map(|(k, v)| (k.clone(), ours_value(v)))
        .collect()
}

/// The `PutItem` input of `attrs`.
pub fn ours_put_input(attrs: &[(String, Value)]) -> ours::operation::put_item::PutItemInput {
    ours::operation::put_item::PutItemInput {
        table_name: TABLE.to_owned(),
        item: ours_item(attrs),
        ..Default::default()
    }
}

/// An operation's schema, from the public table of the generated client.
pub fn ours_schema(name: &str) -> &'static ziggurat::schema::OperationSchema {
    ours::OPERATIONS
        .iter()
        .find(|e| e.schema.name == name)
        .unwrap_or_else(|| panic!("no operation {name}"))
        .schema
}

/// ziggurat's codec: the request of a `PutItem` input, through the protocol's real entry point.
pub fn ours_serialize(
    schema: &'static ziggurat::schema::OperationSchema,
    input: &mut ours::operation::put_item::PutItemInput,
) -> http::Request<ziggurat::body::Body> {
    ziggurat::layers::protocol::serialize_request(&ours::SERVICE, schema, input)
        .expect("serialize PutItem")
}

/// ziggurat's codec: a `Query` output from its body.
pub fn ours_deserialize(body: &[u8]) -> ours::operation::query::QueryOutput {
    json::from_slice::<ours::operation::query::QueryOutput>(body, JsonOptions::WIRE)
        .expect("deserialize Query")
}

fn response(body: Bytes) -> http::Response<Bytes> {
    http::Response::builder()
        .status(200)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-requestid", REQUEST_ID)
        .body(body)
        .expect("static response")
}

/// A ziggurat DynamoDB client whose transport answers every call with `body`.
pub fn ours_client(body: Bytes) -> ours::Client {
    use ziggurat::config::SdkConfig;
    use ziggurat::context::Region;
    use ziggurat::credentials::Credentials;
    use ziggurat::transport::TestTransport;
    let config = SdkConfig::builder()
        .retry_config(ziggurat::retry::RetryConfig::disabled())
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(ACCESS_KEY_ID, SECRET_ACCESS_KEY, None))
        .http_client(TestTransport::always_response(response(body)).into_http_client())
        .build();
    ours::Client::new(&config)
}

// ---- aws-sdk-dynamodb ----

/// `value` as aws-sdk-dynamodb's `AttributeValue`.
pub fn aws_value(value: &Value) -> aws::types::AttributeValue {
    use aws::types::AttributeValue as A;
    match value {
        Value::S(v) => A::S(v.clone()),
        Value::N(v) => A::N(v.clone()),
        Value::B(v) => A::B(aws::primitives::Blob::new(v.clone())),
        Value::Bool(v) => A::Bool(*v),
        Value::L(v) => A::L(v.iter().map(aws_value).collect()),
        Value::M(v) => A::M(v.iter().map(|(k, v)| (k.clone(), aws_value(v))).collect()),
        Value::Ss(v) => A::Ss(v.clone()),
    }
}

/// The item as aws-sdk-dynamodb's map.
pub fn aws_item(attrs: &[(String, Value)]) -> HashMap<String, aws::types::AttributeValue> {
    attrs
        .iter()
        .map(|(k, v)| (k.clone(), aws_value(v)))
        .collect()
}

/// An HTTP client that answers every request with `body`, and keeps the last request's body
/// in `seen` when given one.
fn aws_http_client(body: Bytes, seen: Option<Arc<Mutex<Option<Bytes>>>>) -> SharedHttpClient {
    http_client_fn(move |_settings, _components| {
        let body = body.clone();
        let seen = seen.clone();
        SharedHttpConnector::new(StaticConnector { body, seen })
    })
}

#[derive(Debug)]
struct StaticConnector {
    body: Bytes,
    seen: Option<Arc<Mutex<Option<Bytes>>>>,
}

impl aws_smithy_runtime_api::client::http::HttpConnector for StaticConnector {
    fn call(
        &self,
        request: aws_smithy_runtime_api::client::orchestrator::HttpRequest,
    ) -> HttpConnectorFuture {
        if let Some(seen) = &self.seen {
            let bytes = request.body().bytes().map(Bytes::copy_from_slice);
            *seen.lock().expect("lock") = bytes;
        }
        let mut res = HttpResponse::new(
            StatusCode::try_from(200).expect("200"),
            SdkBody::from(self.body.clone()),
        );
        res.headers_mut()
            .insert("content-type", "application/x-amz-json-1.0");
        res.headers_mut().insert("x-amzn-requestid", REQUEST_ID);
        HttpConnectorFuture::ready(Ok(res))
    }
}

fn aws_client_with(body: Bytes, seen: Option<Arc<Mutex<Option<Bytes>>>>) -> aws::Client {
    aws::Client::from_conf(aws_config(body, seen).build())
}

fn aws_config(body: Bytes, seen: Option<Arc<Mutex<Option<Bytes>>>>) -> aws::config::Builder {
    aws::Config::builder()
        .behavior_version(aws::config::BehaviorVersion::latest())
        .region(aws::config::Region::new("us-east-1"))
        .credentials_provider(aws::config::Credentials::new(
            ACCESS_KEY_ID,
            SECRET_ACCESS_KEY,
            None,
            None,
            "bench",
        ))
        .retry_config(aws::config::retry::RetryConfig::disabled())
        .http_client(aws_http_client(body, seen))
}

/// An aws-sdk-dynamodb client whose HTTP client answers every call with `body`, with `timer`
/// among its interceptors.
pub fn aws_timed_client(body: Bytes, timer: &PhaseTimer) -> aws::Client {
    aws::Client::from_conf(aws_config(body, None).interceptor(timer.clone()).build())
}

/// An interceptor that times the orchestrator's serialization phase (from
/// `read_before_serialization` to `read_after_serialization`: the operation's request
/// serializer, which builds the whole HTTP request from the input) and its deserialization
/// phase (from `read_before_deserialization` to `read_after_deserialization`: reading the
/// in-memory body and the operation's response deserializer). Those hooks are the public
/// boundaries of aws-sdk-dynamodb's codec.
#[derive(Clone, Debug, Default)]
pub struct PhaseTimer(Arc<Mutex<Phases>>);

#[derive(Debug, Default)]
struct Phases {
    ser_start: Option<Instant>,
    ser: Duration,
    de_start: Option<Instant>,
    de: Duration,
}

impl PhaseTimer {
    /// The serialization and deserialization time summed since the last call, and resets.
    pub fn take(&self) -> (Duration, Duration) {
        let mut p = self.0.lock().expect("lock");
        let out = (p.ser, p.de);
        *p = Phases::default();
        out
    }
}

impl Intercept for PhaseTimer {
    fn name(&self) -> &'static str {
        "PhaseTimer"
    }

    fn read_before_serialization(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let mut p = self.0.lock().expect("lock");
        p.ser_start = Some(Instant::now());
        Ok(())
    }

    fn read_after_serialization(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let now = Instant::now();
        let mut p = self.0.lock().expect("lock");
        if let Some(start) = p.ser_start.take() {
            p.ser += now - start;
        }
        Ok(())
    }

    fn read_before_deserialization(
        &self,
        _context: &BeforeDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let mut p = self.0.lock().expect("lock");
        p.de_start = Some(Instant::now());
        Ok(())
    }

    fn read_after_deserialization(
        &self,
        _context: &AfterDeserializationInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let now = Instant::now();
        let mut p = self.0.lock().expect("lock");
        if let Some(start) = p.de_start.take() {
            p.de += now - start;
        }
        Ok(())
    }
}

/// An aws-sdk-dynamodb client whose HTTP client answers every call with `body`.
pub fn aws_client(body: Bytes) -> aws::Client {
    aws_client_with(body, None)
}

// ---- the calls ----

/// A whole `PutItem` through ziggurat's client.
pub async fn ours_put(client: &ours::Client, item: &HashMap<String, ours::types::AttributeValue>) {
    let out = client
        .put_item()
        .table_name(TABLE)
        .set_item(item.clone())
        .send()
        .await
        .expect("ziggurat put_item");
    std::hint::black_box(out);
}

/// A whole `PutItem` through aws-sdk-dynamodb's client.
pub async fn aws_put(client: &aws::Client, item: &HashMap<String, aws::types::AttributeValue>) {
    let out = client
        .put_item()
        .table_name(TABLE)
        .set_item(Some(item.clone()))
        .send()
        .await
        .expect("aws put_item");
    std::hint::black_box(out);
}

/// A whole `Query` through ziggurat's client; the number of items read.
pub async fn ours_query(client: &ours::Client) -> usize {
    let out = client
        .query()
        .table_name(TABLE)
        .key_condition_expression("pk = :pk")
        .send()
        .await
        .expect("ziggurat query");
    out.items.map_or(0, |i| i.len())
}

/// A whole `Query` through aws-sdk-dynamodb's client; the number of items read.
pub async fn aws_query(client: &aws::Client) -> usize {
    let out = client
        .query()
        .table_name(TABLE)
        .key_condition_expression("pk = :pk")
        .send()
        .await
        .expect("aws query");
    out.items.map_or(0, |i| i.len())
}

/// Checks that both sides agree: the same `PutItem` body (as JSON values), the same `Query`
/// items. Panics with the difference otherwise.
pub fn check() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let attrs = put_item_attributes();

    // ziggurat's body, twice from the same input: serializing does not consume it.
    let schema = ours_schema("PutItem");
    let mut input = ours_put_input(&attrs);
    let a = ours_serialize(schema, &mut input);
    let b = ours_serialize(schema, &mut input);
    let ours_body = a.body().bytes().expect("buffered body").to_vec();
    assert_eq!(ours_body, b.body().bytes().expect("buffered body"));

    // aws-sdk-dynamodb's body, as its HTTP client saw it.
    let seen = Arc::new(Mutex::new(None));
    let client = aws_client_with(Bytes::from_static(b"{}"), Some(seen.clone()));
    rt.block_on(aws_put(&client, &aws_item(&attrs)));
    let aws_body = seen
        .lock()
        .expect("lock")
        .clone()
        .expect("aws request body");

    let ours_json: serde_json::Value = serde_json::from_slice(&ours_body).expect("our json");
    let aws_json: serde_json::Value = serde_json::from_slice(&aws_body).expect("aws json");
    assert_eq!(
        ours_json,
        aws_json,
        "PutItem bodies differ:\nziggurat: {}\naws:      {}",
        String::from_utf8_lossy(&ours_body),
        String::from_utf8_lossy(&aws_body)
    );

    // Query: the same items on both sides.
    let body = query_body(100);
    let ours_out = ours_deserialize(&body);
    let client = aws_client(body.clone());
    let aws_out = rt.block_on(async {
        client
            .query()
            .table_name(TABLE)
            .send()
            .await
            .expect("aws query")
    });
    let ours_items = ours_out.items.expect("our items");
    let aws_items = aws_out.items.expect("aws items");
    assert_eq!(ours_items.len(), 100);
    assert_eq!(aws_items.len(), 100);
    for (o, a) in ours_items.iter().zip(&aws_items) {
        assert_eq!(o.len(), 10);
        let o: serde_json::Map<_, _> = o
            .iter()
            .map(|(k, v)| (k.clone(), ours_json_value(v)))
            .collect();
        let a: serde_json::Map<_, _> = a
            .iter()
            .map(|(k, v)| (k.clone(), aws_json_value(v)))
            .collect();
        assert_eq!(o, a, "Query items differ");
    }
    assert_eq!(ours_out.count, Some(100));
    assert_eq!(aws_out.count, 100);

    // And through ziggurat's whole client.
    let client = ours_client(body);
    assert_eq!(rt.block_on(ours_query(&client)), 100);
}

fn ours_json_value(v: &ours::types::AttributeValue) -> serde_json::Value {
    use ours::types::AttributeValue as A;
    use serde_json::json;
    match v {
        A::S(v) => json!({"S": v}),
        A::N(v) => json!({"N": v}),
        A::B(v) => json!({"B": v.to_vec()}),
        A::Bool(v) => json!({"BOOL": v}),
        A::Ss(v) => json!({"SS": v}),
        A::L(v) => json!({"L": v.iter().map(ours_json_value).collect::<Vec<_>>()}),
        A::M(v) => {
            json!({"M": v.iter().map(|(k, v)| (k.clone(), ours_json_value(v))).collect::<serde_json::Map<_, _>>()})
        }
        _ => json!("other"),
    }
}

fn aws_json_value(v: &aws::types::AttributeValue) -> serde_json::Value {
    use aws::types::AttributeValue as A;
    use serde_json::json;
    match v {
        A::S(v) => json!({"S": v}),
        A::N(v) => json!({"N": v}),
        A::B(v) => json!({"B": v.as_ref().to_vec()}),
        A::Bool(v) => json!({"BOOL": v}),
        A::Ss(v) => json!({"SS": v}),
        A::L(v) => json!({"L": v.iter().map(aws_json_value).collect::<Vec<_>>()}),
        A::M(v) => {
            json!({"M": v.iter().map(|(k, v)| (k.clone(), aws_json_value(v))).collect::<serde_json::Map<_, _>>()})
        }
        _ => json!("other"),
    }
}
