//! The protocol-suite runner, shared by every protocol: botocore's JSON rendering of the Smithy
//! protocol tests (`protocol-tests-botocore/{input,output}/*.json`) run through the protocol
//! engine (`ziggurat_layers::protocol::serialize_request` / `deserialize_response`).
//!
//! Each suite carries a botocore model fragment (`metadata`, `shapes`) and each case an
//! operation (`given`). From them this module builds, at run time, the same `&'static`
//! [`Schema`] / [`Member`] / [`OperationSchema`] / [`ServiceSchema`] graphs generated code holds
//! as `static`s (by leaking: a test process is short), and a dynamic [`Value`] that implements
//! `SerializeShape` / `SerializeValue` / `DeserializeValue` guided by those schemas. So any
//! case's `params` can be serialized and any response read back into JSON-like values to
//! compare with `result` / `error`.
//!
//! A protocol's test file (`json.rs`, `query.rs`, ...) has one `#[test]` per case file, calling
//! [`run_input_suite`] / [`run_output_suite`] with its named known failures (each with a
//! one-line reason). A run prints every failure (id and diff) and fails when a case fails
//! that is neither a known failure nor on botocore's `protocol-tests-ignore-list.json`.
//!
//! Data: `$ZIGGURAT_PROTOCOL_TESTS`, else `$ZIGGURAT_CONFORMANCE/protocol-tests-botocore`, else
//! `<workspace>/../shared/conformance/protocol-tests-botocore`. Without it the tests print
//! `SKIPPED` and pass; an environment variable naming a missing directory fails them.
//!
//! Modeled errors: [`ErrorSchema::deserialize`] is a plain `fn` pointer, so it cannot capture
//! the dynamic schema it should read. Each case's declared errors are put, in order, in a
//! thread-local table ([`CURRENT_ERRORS`]) before the case runs, and the `n`-th declared error
//! gets `de_error::<n>` as its `deserialize`, which reads the table's `n`-th schema.
//!
//! Timestamps in `result` are epoch seconds (whole: botocore truncates), blobs are their
//! UTF-8 text; error cases compare `errorCode`, `errorMessage` and the modeled members.
#![allow(dead_code)]

pub mod cbor;
pub mod ec2;
pub mod json;
pub mod query;
pub mod rest_json;
pub mod rest_xml;
pub mod round_trip;
pub mod xml_codec;

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::PathBuf;

use bytes::Bytes;
use serde_json::{Map, Value as Json};
use ziggurat_core::body::Body;
use ziggurat_core::error::SdkError;
use ziggurat_core::schema::de::{DeserializeValue, ShapeDeserializer};
use ziggurat_core::schema::error::CodecResult;
use ziggurat_core::schema::operation::{ErasedError, op_flag};
use ziggurat_core::schema::ser::{SerResult, SerializeShape, SerializeValue, ShapeSerializer};
use ziggurat_core::schema::{
    CodecError, DateTime, Document, ErrorSchema, Location, Member, OperationSchema, Protocol,
    Schema, ServiceSchema, ShapeType, TimestampFormat, XmlNamespace, flag, prelude,
};
use ziggurat_core::stack::ResponseBody;

// ---------------------------------------------------------------------------------------------
// Finding and loading the data.

/// The folder of the suites, or `None` (the tests skip) when it is not there.
pub fn suite_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ZIGGURAT_PROTOCOL_TESTS") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "ZIGGURAT_PROTOCOL_TESTS={} is not a directory",
            dir.display()
        );
        return Some(dir);
    }
    if let Some(dir) = std::env::var_os("ZIGGURAT_CONFORMANCE") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "ZIGGURAT_CONFORMANCE={} is not a directory",
            dir.display()
        );
        let dir = dir.join("protocol-tests-botocore");
        return dir.is_dir().then_some(dir);
    }
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .parent()?
        .join("../shared/conformance/protocol-tests-botocore");
    dir.is_dir().then_some(dir)
}

/// One suite of a case file: a model fragment and its cases.
#[derive(Debug)]
pub struct Suite {
    /// The suite's description (`Test cases for EmptyInputAndEmptyOutput operation`).
    pub description: String,
    /// botocore's `metadata`.
    pub metadata: Map<String, Json>,
    /// botocore's `shapes`.
    pub shapes: Map<String, Json>,
    /// The endpoint the client is configured with (host-prefix cases).
    pub client_endpoint: Option<String>,
    /// The cases.
    pub cases: Vec<Json>,
}

/// Whether a suite is input (request serialization) or output (response parsing).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// `input/`.
    Input,
    /// `output/`.
    Output,
}

impl Kind {
    fn dir(self) -> &'static str {
        match self {
            Kind::Input => "input",
            Kind::Output => "output",
        }
    }
}

/// The suites of `kind/file`, or `None` (printed as SKIPPED) when the data is not there.
pub fn load(kind: Kind, file: &str) -> Option<Vec<Suite>> {
    let Some(dir) = suite_dir() else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: protocol tests not found (set ZIGGURAT_CONFORMANCE or ZIGGURAT_PROTOCOL_TESTS); {}/{file} not run",
            kind.dir()
        );
        return None;
    };
    let path = dir.join(kind.dir()).join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("reading {}: {e}", path.display()));
    let all: Vec<Json> = serde_json::from_str(&text).expect("suite file JSON");
    Some(
        all.into_iter()
            .map(|s| {
                let mut s = match s {
                    Json::Object(o) => o,
                    _ => panic!("a suite is not an object"),
                };
                let take_obj = |s: &mut Map<String, Json>, k: &str| match s.remove(k) {
                    Some(Json::Object(o)) => o,
                    _ => Map::new(),
                };
                Suite {
                    description: s
                        .get("description")
                        .and_then(Json::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    metadata: take_obj(&mut s, "metadata"),
                    shapes: take_obj(&mut s, "shapes"),
                    client_endpoint: s
                        .get("clientEndpoint")
                        .and_then(Json::as_str)
                        .map(str::to_owned),
                    cases: match s.remove("cases") {
                        Some(Json::Array(a)) => a,
                        _ => Vec::new(),
                    },
                }
            })
            .collect(),
    )
}

/// botocore's `protocol-tests-ignore-list.json`: the suites and case ids botocore skips, for
/// the case file `file` (`json_1_0.json`).
pub fn ignore_list(kind: Kind, file: &str) -> (HashSet<String>, HashSet<String>) {
    let mut suites = HashSet::new();
    let mut cases = HashSet::new();
    let Some(dir) = suite_dir() else {
        return (suites, cases);
    };
    let Ok(text) = std::fs::read_to_string(dir.join("protocol-tests-ignore-list.json")) else {
        return (suites, cases);
    };
    let v: Json = serde_json::from_str(&text).expect("ignore list JSON");
    let strings = |v: &Json| -> Vec<String> {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|s| s.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default()
    };
    suites.extend(strings(&v["general"][kind.dir()]["suites"]));
    cases.extend(strings(&v["general"][kind.dir()]["cases"]));
    let stem = file.strip_suffix(".json").unwrap_or(file);
    suites.extend(strings(&v["protocols"][stem][kind.dir()]["suites"]));
    cases.extend(strings(&v["protocols"][stem][kind.dir()]["cases"]));
    (suites, cases)
}

fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}

// ---------------------------------------------------------------------------------------------
// Schemas from a botocore model.

/// Builds `&'static` schemas from a suite's shapes for one case. Recursive shapes are unrolled
/// a few levels deep (deeper levels are empty structures): the cases nest far less.
pub struct SchemaBuilder<'a> {
    shapes: &'a Map<String, Json>,
    memo: HashMap<String, &'static Schema>,
    stack: Vec<String>,
    /// Labels of the request URI that are greedy (`{Key+}`).
    greedy: HashSet<String>,
}

const UNROLL: usize = 4;

fn ts_format(v: Option<&Json>) -> Option<TimestampFormat> {
    match v?.as_str()? {
        "iso8601" => Some(TimestampFormat::DateTime),
        "rfc822" => Some(TimestampFormat::HttpDate),
        "unixTimestamp" => Some(TimestampFormat::EpochSeconds),
        _ => None,
    }
}

fn xml_namespace(v: Option<&Json>) -> Option<XmlNamespace> {
    match v? {
        Json::String(uri) => Some(XmlNamespace {
            prefix: None,
            uri: leak(uri),
        }),
        Json::Object(o) => Some(XmlNamespace {
            prefix: o.get("prefix").and_then(Json::as_str).map(leak),
            uri: leak(o.get("uri").and_then(Json::as_str).unwrap_or_default()),
        }),
        _ => None,
    }
}

fn truthy(o: &Map<String, Json>, k: &str) -> bool {
    o.get(k).and_then(Json::as_bool).unwrap_or(false)
}

impl<'a> SchemaBuilder<'a> {
    /// A builder over `shapes`; `request_uri` gives the greedy labels.
    pub fn new(shapes: &'a Map<String, Json>, request_uri: &str) -> Self {
        let mut greedy = HashSet::new();
        let mut rest = request_uri;
        while let Some(start) = rest.find('{') {
            let Some(end) = rest[start..].find('}') else {
                break;
            };
            let label = &rest[start + 1..start + end];
            if let Some(name) = label.strip_suffix('+') {
                greedy.insert(name.to_owned());
            }
            rest = &rest[start + end + 1..];
        }
        SchemaBuilder {
            shapes,
            memo: HashMap::new(),
            stack: Vec::new(),
            greedy,
        }
    }

    /// The schema of shape `name`.
    pub fn shape(&mut self, name: &str) -> Result<&'static Schema, String> {
        if let Some(s) = self.memo.get(name) {
            return Ok(s);
        }
        let depth = self.stack.iter().filter(|s| *s == name).count();
        if depth >= UNROLL {
            return Ok(Box::leak(Box::new(Schema::structure(leak(name), &[]))));
        }
        self.stack.push(name.to_owned());
        let recursive_before = depth > 0;
        let built = self.build(name);
        self.stack.pop();
        let built = built?;
        // Memoize only shapes that are not part of a cycle being unrolled.
        if !recursive_before && !self.stack.iter().any(|s| s == name) && !self.reaches_stack(name) {
            self.memo.insert(name.to_owned(), built);
        }
        Ok(built)
    }

    fn reaches_stack(&self, name: &str) -> bool {
        // Whether `name` can reach itself or a shape on the stack (then its schema was cut).
        let mut seen = HashSet::new();
        let mut todo = vec![name.to_owned()];
        while let Some(n) = todo.pop() {
            let Some(def) = self.shapes.get(&n).and_then(Json::as_object) else {
                continue;
            };
            let mut targets = Vec::new();
            if let Some(ms) = def.get("members").and_then(Json::as_object) {
                targets.extend(ms.values().filter_map(|m| m["shape"].as_str()));
            }
            for k in ["member", "key", "value"] {
                if let Some(t) = def.get(k).and_then(|m| m["shape"].as_str()) {
                    targets.push(t);
                }
            }
            for t in targets {
                if t == name || self.stack.iter().any(|s| s == t) {
                    return true;
                }
                if seen.insert(t.to_owned()) {
                    todo.push(t.to_owned());
                }
            }
        }
        false
    }

    fn def(&self, name: &str) -> Result<&'a Map<String, Json>, String> {
        self.shapes
            .get(name)
            .and_then(Json::as_object)
            .ok_or_else(|| format!("no shape `{name}`"))
    }

    fn build(&mut self, name: &str) -> Result<&'static Schema, String> {
        let def = self.def(name)?;
        let ty = def
            .get("type")
            .and_then(Json::as_str)
            .unwrap_or("structure");
        let n = leak(name);
        let mut schema = match ty {
            "structure" if truthy(def, "document") => Schema::new(n, ShapeType::Document),
            "structure" => {
                let members = self.struct_members(def)?;
                if truthy(def, "union") {
                    Schema::union(n, members)
                } else {
                    Schema::structure(n, members)
                }
            }
            "list" => {
                let m = def
                    .get("member")
                    .and_then(Json::as_object)
                    .ok_or("list without member")?;
                let member = self.member("member", m, false, false)?;
                Schema {
                    members: Box::leak(Box::new([member])),
                    ..Schema::new(n, ShapeType::List)
                }
            }
            "map" => {
                let k = def
                    .get("key")
                    .and_then(Json::as_object)
                    .ok_or("map without key")?;
                let v = def
                    .get("value")
                    .and_then(Json::as_object)
                    .ok_or("map without value")?;
                let key = self.member("key", k, false, false)?;
                let value = self.member("value", v, false, false)?;
                Schema {
                    members: Box::leak(Box::new([key, value])),
                    ..Schema::new(n, ShapeType::Map)
                }
            }
            "string" if def.contains_key("enum") => Schema::new(n, ShapeType::Enum),
            "string" => Schema::new(n, ShapeType::String),
            "boolean" => Schema::new(n, ShapeType::Boolean),
            "byte" => Schema::new(n, ShapeType::Byte),
            "short" => Schema::new(n, ShapeType::Short),
            "integer" if def.contains_key("enum") => Schema::new(n, ShapeType::IntEnum),
            "integer" => Schema::new(n, ShapeType::Integer),
            "long" => Schema::new(n, ShapeType::Long),
            "float" => Schema::new(n, ShapeType::Float),
            "double" => Schema::new(n, ShapeType::Double),
            "bigdecimal" => Schema::new(n, ShapeType::BigDecimal),
            "biginteger" => Schema::new(n, ShapeType::BigInteger),
            "blob" => Schema::new(n, ShapeType::Blob),
            "timestamp" => Schema::new(n, ShapeType::Timestamp),
            other => return Err(format!("shape `{name}`: unknown type `{other}`")),
        };
        let mut flags = 0;
        if truthy(def, "exception") || def.contains_key("error") {
            flags |= flag::ERROR;
        }
        if truthy(def, "flattened") {
            flags |= flag::FLATTENED;
        }
        if truthy(def, "sensitive") {
            flags |= flag::SENSITIVE;
        }
        if truthy(def, "streaming") {
            flags |= flag::STREAMING;
        }
        if truthy(def, "eventstream") {
            flags |= flag::EVENT_STREAM;
        }
        if truthy(def, "sparse") {
            flags |= flag::SPARSE;
        }
        schema.flags |= flags;
        schema.timestamp_format = ts_format(def.get("timestampFormat"));
        schema.xml_name = def.get("locationName").and_then(Json::as_str).map(leak);
        schema.xml_namespace = xml_namespace(def.get("xmlNamespace"));
        Ok(Box::leak(Box::new(schema)))
    }

    fn struct_members(&mut self, def: &Map<String, Json>) -> Result<&'static [Member], String> {
        let required: HashSet<&str> = def
            .get("required")
            .and_then(Json::as_array)
            .map(|a| a.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        let payload = def.get("payload").and_then(Json::as_str);
        let mut out = Vec::new();
        if let Some(ms) = def.get("members").and_then(Json::as_object) {
            for (name, m) in ms {
                let m = m.as_object().ok_or("a member is not an object")?;
                out.push(self.member(
                    name,
                    m,
                    required.contains(name.as_str()),
                    payload == Some(name.as_str()),
                )?);
            }
        }
        Ok(Box::leak(out.into_boxed_slice()))
    }

    fn member(
        &mut self,
        name: &str,
        m: &Map<String, Json>,
        required: bool,
        payload: bool,
    ) -> Result<Member, String> {
        let target_name = m
            .get("shape")
            .and_then(Json::as_str)
            .ok_or("member without shape")?;
        let target = self.shape(target_name)?;
        let name = leak(name);
        let mut member = Member::new(name, target);
        if let Some(w) = m.get("locationName").and_then(Json::as_str) {
            member.wire_name = leak(w);
        }
        member.location = match m.get("location").and_then(Json::as_str) {
            Some("header") => Location::Header,
            Some("headers") => Location::PrefixHeaders,
            Some("querystring") if target.shape_type == ShapeType::Map => Location::QueryParams,
            Some("querystring") => Location::Query,
            Some("uri") => Location::Label,
            Some("statusCode") => Location::StatusCode,
            _ if payload => Location::Payload,
            _ => Location::Body,
        };
        let mut flags = 0;
        if required {
            flags |= flag::REQUIRED;
        }
        for (key, f) in [
            ("idempotencyToken", flag::IDEMPOTENCY_TOKEN),
            ("hostLabel", flag::HOST_LABEL),
            ("jsonvalue", flag::JSON_VALUE),
            ("flattened", flag::FLATTENED),
            ("xmlAttribute", flag::XML_ATTRIBUTE),
            ("sensitive", flag::SENSITIVE),
            ("streaming", flag::STREAMING),
            ("eventheader", flag::EVENT_HEADER),
            ("eventpayload", flag::EVENT_PAYLOAD),
        ] {
            if truthy(m, key) {
                flags |= f;
            }
        }
        if member.location == Location::Label && self.greedy.contains(member.wire_name) {
            flags |= flag::GREEDY;
        }
        member.flags = flags;
        member.query_name = m.get("queryName").and_then(Json::as_str).map(leak);
        member.timestamp_format = ts_format(m.get("timestampFormat"));
        member.xml_namespace = xml_namespace(m.get("xmlNamespace"));
        Ok(member)
    }
}

/// The service of a suite.
pub fn service_schema(suite: &Suite) -> Result<&'static ServiceSchema, String> {
    let md = &suite.metadata;
    let s = |k: &str| md.get(k).and_then(Json::as_str).unwrap_or_default();
    let protocol = match s("protocol") {
        "json" if s("jsonVersion") == "1.0" => Protocol::AwsJson1_0,
        "json" => Protocol::AwsJson1_1,
        "rest-json" => Protocol::RestJson1,
        "rest-xml" => Protocol::RestXml,
        "query" => Protocol::AwsQuery,
        "ec2" => Protocol::Ec2Query,
        "smithy-rpc-v2-cbor" => Protocol::RpcV2Cbor,
        other => return Err(format!("unknown protocol `{other}`")),
    };
    let xml_namespace = match md.get("xmlNamespace") {
        Some(Json::String(u)) => Some(leak(u)),
        Some(Json::Object(o)) => o.get("uri").and_then(Json::as_str).map(leak),
        _ => None,
    };
    Ok(Box::leak(Box::new(ServiceSchema {
        service_id: leak(if s("serviceId").is_empty() {
            &suite.description
        } else {
            s("serviceId")
        }),
        protocol,
        api_version: leak(s("apiVersion")),
        target_prefix: leak(s("targetPrefix")),
        signing_name: leak(s("signingName")),
        endpoint_prefix: leak(s("endpointPrefix")),
        xml_namespace,
        query_compatible: md.contains_key("awsQueryCompatible"),
    })))
}

thread_local! {
    /// The members (rooted at each error's schema) of the running case's declared errors, in
    /// order: `de_error::<N>` reads the `N`-th.
    pub static CURRENT_ERRORS: RefCell<Vec<&'static Member>> = const { RefCell::new(Vec::new()) };
}

fn de_error<const N: usize>(d: &mut dyn ShapeDeserializer) -> CodecResult<ErasedError> {
    let m = CURRENT_ERRORS
        .with(|c| c.borrow().get(N).copied())
        .ok_or_else(|| CodecError::new(format!("no declared error {N} in this case")))?;
    Value::deserialize_value(m, d).map(|v| Box::new(v) as ErasedError)
}

type ErrorFn = fn(&mut dyn ShapeDeserializer) -> CodecResult<ErasedError>;
const ERROR_FNS: [ErrorFn; 8] = [
    de_error::<0>,
    de_error::<1>,
    de_error::<2>,
    de_error::<3>,
    de_error::<4>,
    de_error::<5>,
    de_error::<6>,
    de_error::<7>,
];

fn root(schema: &'static Schema) -> &'static Member {
    Box::leak(Box::new(Member::new("", schema)))
}

/// Everything one case runs with.
pub struct CaseModel {
    /// The service.
    pub service: &'static ServiceSchema,
    /// The operation.
    pub op: &'static OperationSchema,
    /// Members rooted at each declared error's schema (for [`CURRENT_ERRORS`]).
    pub error_roots: Vec<&'static Member>,
}

impl CaseModel {
    /// Builds the schemas of `case` in `suite`.
    pub fn new(suite: &Suite, case: &Json) -> Result<CaseModel, String> {
        let service = service_schema(suite)?;
        let given = case
            .get("given")
            .and_then(Json::as_object)
            .ok_or("case without given")?;
        let http = given.get("http").and_then(Json::as_object);
        let hs = |k: &str| http.and_then(|h| h.get(k)).and_then(Json::as_str);
        let request_uri = hs("requestUri").unwrap_or("/");
        let mut b = SchemaBuilder::new(&suite.shapes, request_uri);
        let shape_of = |b: &mut SchemaBuilder<'_>, k: &str| -> Result<&'static Schema, String> {
            match given
                .get(k)
                .and_then(|v| v.get("shape"))
                .and_then(Json::as_str)
            {
                Some(n) => b.shape(n),
                None => Ok(&prelude::UNIT),
            }
        };
        let mut input = shape_of(&mut b, "input")?;
        // restXml: the input's root element name (and namespace) given on the operation.
        let input_ref = given.get("input").and_then(Json::as_object);
        let root_name = input_ref
            .and_then(|i| i.get("locationName"))
            .and_then(Json::as_str);
        let root_ns = xml_namespace(input_ref.and_then(|i| i.get("xmlNamespace")));
        if root_name.is_some() || root_ns.is_some() {
            input = Box::leak(Box::new(Schema {
                name: input.name,
                shape_type: input.shape_type,
                flags: input.flags,
                members: input.members,
                timestamp_format: input.timestamp_format,
                xml_name: root_name.map(leak).or(input.xml_name),
                xml_namespace: root_ns.or(input.xml_namespace),
            }));
        }
        let output = shape_of(&mut b, "output")?;
        let mut errors = Vec::new();
        let mut error_roots = Vec::new();
        for (i, e) in given
            .get("errors")
            .and_then(Json::as_array)
            .map(Vec::as_slice)
            .unwrap_or_default()
            .iter()
            .enumerate()
        {
            let name = e
                .get("shape")
                .and_then(Json::as_str)
                .ok_or("error without shape")?;
            let schema = b.shape(name)?;
            let def = b.def(name)?;
            let err = def.get("error").and_then(Json::as_object);
            let deserialize = *ERROR_FNS.get(i).ok_or("more than 8 declared errors")?;
            errors.push(ErrorSchema {
                code: leak(
                    err.and_then(|e| e.get("code"))
                        .and_then(Json::as_str)
                        .unwrap_or(name),
                ),
                schema,
                status: err
                    .and_then(|e| e.get("httpStatusCode"))
                    .and_then(Json::as_u64)
                    .and_then(|s| u16::try_from(s).ok()),
                server_fault: truthy(def, "fault")
                    || err
                        .and_then(|e| e.get("senderFault"))
                        .and_then(Json::as_bool)
                        == Some(false),
                deserialize,
            });
            error_roots.push(root(schema));
        }
        let mut flags = 0;
        let streaming = |s: &Schema| {
            s.members.iter().any(|m| {
                m.location == Location::Payload
                    && (m.is_streaming_blob() || m.target.has(flag::EVENT_STREAM))
            })
        };
        if streaming(output) {
            flags |= op_flag::STREAMING_OUTPUT;
        }
        if output
            .members
            .iter()
            .any(|m| m.location == Location::Payload && m.target.has(flag::EVENT_STREAM))
        {
            flags |= op_flag::EVENT_STREAM_OUTPUT;
        }
        if streaming(input) {
            flags |= op_flag::STREAMING_INPUT;
        }
        if truthy(given, "httpChecksumRequired") {
            flags |= op_flag::CHECKSUM_REQUIRED;
            // As the generator marks it: no flexible `httpChecksum`, so `Content-MD5`.
            if !given.contains_key("httpChecksum") {
                flags |= op_flag::CONTENT_MD5;
            }
        }
        if truthy(given, "idempotent") {
            flags |= op_flag::IDEMPOTENT;
        }
        if given.get("authtype").and_then(Json::as_str) == Some("none") {
            flags |= op_flag::NO_AUTH;
        }
        let op = OperationSchema {
            name: leak(
                given
                    .get("name")
                    .and_then(Json::as_str)
                    .unwrap_or("OperationName"),
            ),
            method: leak(hs("method").unwrap_or("POST")),
            uri: leak(request_uri),
            success_status: http
                .and_then(|h| h.get("responseCode"))
                .and_then(Json::as_u64)
                .and_then(|s| u16::try_from(s).ok()),
            input,
            output,
            result_wrapper: given
                .get("output")
                .and_then(|o| o.get("resultWrapper"))
                .and_then(Json::as_str)
                .map(leak),
            errors: Box::leak(errors.into_boxed_slice()),
            host_prefix: given
                .get("endpoint")
                .and_then(|e| e.get("hostPrefix"))
                .and_then(Json::as_str)
                .map(leak),
            flags,
            endpoint_params: &[],
        };
        Ok(CaseModel {
            service,
            op: Box::leak(Box::new(op)),
            error_roots,
        })
    }
}

trait StreamingBlob {
    fn is_streaming_blob(&self) -> bool;
}
impl StreamingBlob for Member {
    fn is_streaming_blob(&self) -> bool {
        self.target.shape_type == ShapeType::Blob
            && (self.has(flag::STREAMING) || self.target.has(flag::STREAMING))
    }
}

// ---------------------------------------------------------------------------------------------
// The dynamic value.

/// A value of any shape, with its structures' schemas: what `params` become and what a
/// response is read into.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// Null (an item of a sparse list or map).
    Null,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A float.
    Float(f64),
    /// Text, an enum value, a big number's text.
    Str(String),
    /// Bytes.
    Blob(Vec<u8>),
    /// A timestamp.
    Time(DateTime),
    /// A document.
    Doc(Document),
    /// A list.
    List(Vec<Value>),
    /// A map, in order.
    Map(Vec<(String, Value)>),
    /// A structure or union.
    Struct(StructValue),
}

/// A structure or union: its schema and the members that are set (by index).
#[derive(Debug, Clone)]
pub struct StructValue {
    /// The schema.
    pub schema: &'static Schema,
    /// The members set, by index in `schema.members`.
    pub fields: Vec<(usize, Value)>,
}

impl PartialEq for StructValue {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self.schema, other.schema) && self.fields == other.fields
    }
}

impl StructValue {
    /// The value of member `i`.
    pub fn get(&self, i: usize) -> Option<&Value> {
        self.fields.iter().find(|(j, _)| *j == i).map(|(_, v)| v)
    }
}

impl SerializeShape for StructValue {
    fn schema(&self) -> &'static Schema {
        self.schema
    }
    fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
        for (i, m) in self.schema.members.iter().enumerate() {
            match self.get(i) {
                Some(Value::Null) | None => None::<Value>.serialize_member(m, s)?,
                Some(v) => v.serialize_member(m, s)?,
            }
        }
        Ok(())
    }
    fn take_stream(&mut self) -> Option<Body> {
        let members = self.schema.members;
        let pos = self.fields.iter().position(|(i, _)| {
            members
                .get(*i)
                .is_some_and(|m| m.location == Location::Payload && m.is_streaming_blob())
        })?;
        match self.fields.remove(pos).1 {
            Value::Blob(b) => Some(Body::from(b)),
            Value::Str(s) => Some(Body::from(s)),
            _ => Some(Body::default()),
        }
    }
}

fn narrow<T: TryFrom<i64>>(v: i64) -> CodecResult<T> {
    T::try_from(v).map_err(|_| CodecError::new(format!("{v} is out of range")))
}

impl SerializeValue for Value {
    fn serialize_value(&self, m: &'static Member, s: &mut dyn ShapeSerializer) -> SerResult {
        let ty = m.target.shape_type;
        match self {
            Value::Null => s.write_null(m),
            Value::Bool(b) => s.write_bool(m, *b),
            Value::Int(i) => match ty {
                ShapeType::Byte => s.write_byte(m, narrow(*i)?),
                ShapeType::Short => s.write_short(m, narrow(*i)?),
                ShapeType::Integer | ShapeType::IntEnum => s.write_integer(m, narrow(*i)?),
                ShapeType::Float => s.write_float(m, *i as f32),
                ShapeType::Double => s.write_double(m, *i as f64),
                ShapeType::BigInteger | ShapeType::BigDecimal => {
                    s.write_big_number(m, &i.to_string())
                }
                ShapeType::Timestamp => s.write_timestamp(
                    m,
                    &DateTime::from_secs(*i).ok_or_else(|| CodecError::new("bad timestamp"))?,
                ),
                _ => s.write_long(m, *i),
            },
            Value::Float(f) => match ty {
                ShapeType::Float => s.write_float(m, *f as f32),
                ShapeType::BigInteger | ShapeType::BigDecimal => {
                    s.write_big_number(m, &f.to_string())
                }
                ShapeType::Timestamp => s.write_timestamp(
                    m,
                    &DateTime::from_epoch_seconds(*f)
                        .ok_or_else(|| CodecError::new("bad timestamp"))?,
                ),
                _ => s.write_double(m, *f),
            },
            Value::Str(v) => match ty {
                ShapeType::BigInteger | ShapeType::BigDecimal => s.write_big_number(m, v),
                ShapeType::Blob => s.write_blob(m, v.as_bytes()),
                _ => s.write_string(m, v),
            },
            Value::Blob(b) => {
                if m.is_streaming_blob() {
                    s.write_stream(m, &Body::from(b.clone()))
                } else {
                    s.write_blob(m, b)
                }
            }
            Value::Time(t) => s.write_timestamp(m, t),
            Value::Doc(d) => s.write_document(m, d),
            Value::List(items) => {
                s.write_list(m, &mut items.iter().map(|v| v as &dyn SerializeValue))
            }
            Value::Map(entries) => s.write_map(
                m,
                &mut entries
                    .iter()
                    .map(|(k, v)| (k.as_str(), v as &dyn SerializeValue)),
            ),
            Value::Struct(sv) => s.write_struct(m, sv),
        }
    }
    fn is_unset(&self) -> bool {
        match self {
            Value::Null => true,
            Value::Str(s) => s.is_empty(),
            Value::List(l) => l.is_empty(),
            Value::Map(m) => m.is_empty(),
            _ => false,
        }
    }
}

impl DeserializeValue for Value {
    fn deserialize_value(m: &'static Member, d: &mut dyn ShapeDeserializer) -> CodecResult<Self> {
        let t = m.target;
        Ok(match t.shape_type {
            ShapeType::Boolean => Value::Bool(d.read_bool(m)?),
            ShapeType::Byte => Value::Int(d.read_byte(m)?.into()),
            ShapeType::Short => Value::Int(d.read_short(m)?.into()),
            ShapeType::Integer | ShapeType::IntEnum => Value::Int(d.read_integer(m)?.into()),
            ShapeType::Long => Value::Int(d.read_long(m)?),
            ShapeType::Float => Value::Float(d.read_float(m)?.into()),
            ShapeType::Double => Value::Float(d.read_double(m)?),
            ShapeType::BigInteger | ShapeType::BigDecimal => Value::Str(d.read_big_number(m)?),
            ShapeType::String | ShapeType::Enum => Value::Str(d.read_string(m)?),
            ShapeType::Blob if m.is_streaming_blob() => {
                let body = d.read_stream(m)?;
                Value::Blob(body.bytes().map(<[u8]>::to_vec).unwrap_or_default())
            }
            ShapeType::Blob => Value::Blob(d.read_blob(m)?.to_vec()),
            ShapeType::Timestamp => Value::Time(d.read_timestamp(m)?),
            ShapeType::Document => Value::Doc(d.read_document(m)?),
            ShapeType::List => {
                let item = t
                    .element()
                    .ok_or_else(|| CodecError::new("a list without element"))?;
                let mut out = Vec::new();
                d.read_list(m, &mut |d| {
                    out.push(if d.read_null() {
                        Value::Null
                    } else {
                        Value::deserialize_value(item, d)?
                    });
                    Ok(())
                })?;
                Value::List(out)
            }
            ShapeType::Map => {
                let item = t
                    .element()
                    .ok_or_else(|| CodecError::new("a map without value"))?;
                let mut out = Vec::new();
                d.read_map(m, &mut |k, d| {
                    let v = if d.read_null() {
                        Value::Null
                    } else {
                        Value::deserialize_value(item, d)?
                    };
                    out.push((k, v));
                    Ok(())
                })?;
                Value::Map(out)
            }
            _ => {
                let mut fields = Vec::new();
                d.read_struct(t, &mut |i, d| {
                    let m = t
                        .members
                        .get(i)
                        .ok_or_else(|| CodecError::new(format!("no member {i}")))?;
                    let v = if d.read_null() {
                        Value::Null
                    } else {
                        Value::deserialize_value(m, d).map_err(|e| e.within(m.name))?
                    };
                    if let Some(slot) = fields.iter_mut().find(|(j, _)| *j == i) {
                        slot.1 = v;
                    } else {
                        fields.push((i, v));
                    }
                    Ok(())
                })?;
                Value::Struct(StructValue { schema: t, fields })
            }
        })
    }
}

fn document(j: &Json) -> Document {
    match j {
        Json::Null => Document::Null,
        Json::Bool(b) => Document::Bool(*b),
        Json::Number(n) => Document::Number(n.as_f64().unwrap_or_default()),
        Json::String(s) => Document::String(s.clone()),
        Json::Array(a) => Document::Array(a.iter().map(document).collect()),
        Json::Object(o) => {
            Document::Object(o.iter().map(|(k, v)| (k.clone(), document(v))).collect())
        }
    }
}

fn document_json(d: &Document) -> Json {
    match d {
        Document::Null => Json::Null,
        Document::Bool(b) => Json::Bool(*b),
        Document::Number(n) => number_json(*n),
        Document::String(s) => Json::String(s.clone()),
        Document::Array(a) => Json::Array(a.iter().map(document_json).collect()),
        Document::Object(o) => Json::Object(
            o.iter()
                .map(|(k, v)| (k.clone(), document_json(v)))
                .collect(),
        ),
    }
}

fn number_json(f: f64) -> Json {
    if f.is_nan() {
        Json::String("NaN".into())
    } else if f.is_infinite() {
        Json::String(if f > 0.0 { "Infinity" } else { "-Infinity" }.into())
    } else if f.fract() == 0.0 && f.abs() < 9.0e15 {
        Json::from(f as i64)
    } else {
        Json::from(f)
    }
}

fn float_param(j: &Json) -> Result<f64, String> {
    match j {
        Json::Number(n) => n.as_f64().ok_or_else(|| format!("bad number {n}")),
        Json::String(s) => match s.as_str() {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            _ => s.parse().map_err(|_| format!("bad float {s:?}")),
        },
        _ => Err(format!("not a number: {j}")),
    }
}

impl Value {
    /// A case's `params` (or any part of them) as a value of `member`'s target.
    pub fn from_params(member: &'static Member, j: &Json) -> Result<Value, String> {
        let t = member.target;
        if j.is_null() {
            return Ok(Value::Null);
        }
        Ok(match t.shape_type {
            ShapeType::Structure | ShapeType::Union => {
                Value::Struct(Self::struct_from_params(t, j)?)
            }
            ShapeType::List => {
                let item = t.element().ok_or("list without element")?;
                let a = j.as_array().ok_or_else(|| format!("not a list: {j}"))?;
                Value::List(
                    a.iter()
                        .map(|v| Value::from_params(item, v))
                        .collect::<Result<_, _>>()?,
                )
            }
            ShapeType::Map => {
                let item = t.element().ok_or("map without value")?;
                let o = j.as_object().ok_or_else(|| format!("not a map: {j}"))?;
                Value::Map(
                    o.iter()
                        .map(|(k, v)| Ok((k.clone(), Value::from_params(item, v)?)))
                        .collect::<Result<_, String>>()?,
                )
            }
            ShapeType::Boolean => {
                Value::Bool(j.as_bool().ok_or_else(|| format!("not a bool: {j}"))?)
            }
            ShapeType::Byte
            | ShapeType::Short
            | ShapeType::Integer
            | ShapeType::IntEnum
            | ShapeType::Long => {
                Value::Int(j.as_i64().ok_or_else(|| format!("not an integer: {j}"))?)
            }
            ShapeType::Float | ShapeType::Double => Value::Float(float_param(j)?),
            ShapeType::BigInteger | ShapeType::BigDecimal => Value::Str(match j {
                Json::String(s) => s.clone(),
                other => other.to_string(),
            }),
            ShapeType::String | ShapeType::Enum => match j {
                Json::String(s) => Value::Str(s.clone()),
                // A `jsonvalue` member's params are the JSON itself.
                other if member.has(flag::JSON_VALUE) => Value::Str(other.to_string()),
                other => return Err(format!("not a string: {other}")),
            },
            ShapeType::Blob => Value::Blob(
                j.as_str()
                    .ok_or_else(|| format!("a blob is not a string: {j}"))?
                    .as_bytes()
                    .to_vec(),
            ),
            ShapeType::Timestamp => Value::Time(match j {
                Json::Number(n) => n
                    .as_f64()
                    .and_then(DateTime::from_epoch_seconds)
                    .ok_or_else(|| format!("bad timestamp {n}"))?,
                Json::String(s) => {
                    DateTime::parse_lenient(s).ok_or_else(|| format!("bad timestamp {s:?}"))?
                }
                other => return Err(format!("bad timestamp {other}")),
            }),
            ShapeType::Document => Value::Doc(document(j)),
            other => return Err(format!("unsupported shape type {other:?}")),
        })
    }

    /// A structure's `params`.
    pub fn struct_from_params(schema: &'static Schema, j: &Json) -> Result<StructValue, String> {
        let o = j
            .as_object()
            .ok_or_else(|| format!("`{}` params are not an object: {j}", schema.name))?;
        let mut fields = Vec::new();
        for (k, v) in o {
            let (i, m) = schema
                .member(k)
                .ok_or_else(|| format!("`{}` has no member `{k}`", schema.name))?;
            if v.is_null() && schema.shape_type == ShapeType::Structure {
                continue;
            }
            fields.push((
                i,
                Value::from_params(m, v).map_err(|e| format!("{k}: {e}"))?,
            ));
        }
        Ok(StructValue { schema, fields })
    }

    /// The value as botocore's parsed result renders it: timestamps as whole epoch seconds,
    /// blobs as their UTF-8 text, non-finite floats as `"NaN"` / `"Infinity"` / `"-Infinity"`.
    pub fn to_json(&self) -> Json {
        match self {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            Value::Float(f) => number_json(*f),
            Value::Str(s) => Json::String(s.clone()),
            Value::Blob(b) => Json::String(String::from_utf8_lossy(b).into_owned()),
            Value::Time(t) => Json::from(t.epoch_seconds()),
            Value::Doc(d) => document_json(d),
            Value::List(l) => Json::Array(l.iter().map(Value::to_json).collect()),
            Value::Map(m) => {
                Json::Object(m.iter().map(|(k, v)| (k.clone(), v.to_json())).collect())
            }
            Value::Struct(sv) => {
                let mut o = Map::new();
                for (i, v) in &sv.fields {
                    let Some(m) = sv.schema.members.get(*i) else {
                        continue;
                    };
                    let j = match v {
                        // botocore parses a `jsonvalue` member's JSON.
                        Value::Str(s) if m.has(flag::JSON_VALUE) => {
                            serde_json::from_str(s).unwrap_or_else(|_| Json::String(s.clone()))
                        }
                        v => v.to_json(),
                    };
                    o.insert(m.name.to_owned(), j);
                }
                Json::Object(o)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Comparisons.

/// JSON structural equality (numbers compared as `f64`, `"NaN"` equal to itself); the first
/// difference, with its path, when they differ.
pub fn json_diff(actual: &Json, expected: &Json) -> Option<String> {
    fn go(path: &mut String, a: &Json, e: &Json) -> Option<String> {
        match (a, e) {
            (Json::Number(x), Json::Number(y)) => {
                let (x, y) = (
                    x.as_f64().unwrap_or(f64::NAN),
                    y.as_f64().unwrap_or(f64::NAN),
                );
                let close = x == y || ((x - y).abs() <= 1e-6 * y.abs().max(1.0) && x.is_finite());
                (!close).then(|| format!("{path}: {a} != {e}"))
            }
            (Json::Object(x), Json::Object(y)) => {
                for (k, ev) in y {
                    let len = path.len();
                    let _ = write!(path, ".{k}");
                    let r = match x.get(k) {
                        Some(av) => go(path, av, ev),
                        None => Some(format!("{path}: missing (expected {ev})")),
                    };
                    path.truncate(len);
                    if r.is_some() {
                        return r;
                    }
                }
                x.keys()
                    .find(|k| !y.contains_key(*k))
                    .map(|k| format!("{path}.{k}: unexpected {}", x[k]))
            }
            (Json::Array(x), Json::Array(y)) => {
                if x.len() != y.len() {
                    return Some(format!(
                        "{path}: {} items != {} items ({a} != {e})",
                        x.len(),
                        y.len()
                    ));
                }
                for (i, (av, ev)) in x.iter().zip(y).enumerate() {
                    let len = path.len();
                    let _ = write!(path, "[{i}]");
                    let r = go(path, av, ev);
                    path.truncate(len);
                    if r.is_some() {
                        return r;
                    }
                }
                None
            }
            _ => (a != e).then(|| format!("{path}: {a} != {e}")),
        }
    }
    go(&mut String::from("$"), actual, expected)
}

/// An XML document in a canonical text form: elements with sorted attributes, text trimmed,
/// whitespace-only text between elements dropped. `Err` when it is not XML.
pub fn xml_canonical(xml: &[u8]) -> Result<String, String> {
    use quick_xml::events::Event;
    let mut r = quick_xml::Reader::from_reader(xml);
    let mut out = String::new();
    let mut buf = Vec::new();
    loop {
        let ev = r.read_event_into(&mut buf).map_err(|e| e.to_string())?;
        match ev {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(ev, Event::Empty(_));
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let mut attrs: Vec<(String, String)> = Vec::new();
                for a in e.attributes() {
                    let a = a.map_err(|e| e.to_string())?;
                    let v = a.unescape_value().map_err(|e| e.to_string())?.into_owned();
                    attrs.push((String::from_utf8_lossy(a.key.as_ref()).into_owned(), v));
                }
                attrs.sort();
                let _ = write!(out, "<{name}");
                for (k, v) in attrs {
                    let _ = write!(out, " {k}={v:?}");
                }
                out.push('>');
                if empty {
                    let _ = write!(out, "</{name}>");
                }
            }
            Event::End(e) => {
                let _ = write!(out, "</{}>", String::from_utf8_lossy(e.name().as_ref()));
            }
            Event::Text(t) => {
                let text = t.decode().map_err(|e| e.to_string())?;
                let text = quick_xml::escape::unescape(&text).map_err(|e| e.to_string())?;
                let trimmed = text.trim();
                if !trimmed.is_empty() {
                    let _ = write!(out, "{trimmed:?}");
                }
            }
            Event::CData(t) => {
                let _ = write!(out, "{:?}", String::from_utf8_lossy(&t));
            }
            Event::GeneralRef(e) => {
                let _ = write!(out, "&{};", String::from_utf8_lossy(&e));
            }
            Event::Eof => break,
            _ => {}
        }
        buf.clear();
    }
    Ok(out)
}

/// The parameters of a query string or form body, decoded and sorted.
pub fn query_params(s: &str) -> Vec<(String, String)> {
    let dec = |s: &str| percent_decode(&s.replace('+', "%20"));
    let mut v: Vec<(String, String)> = s
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((k, v)) => (dec(k), dec(v)),
            None => (dec(p), String::new()),
        })
        .collect();
    v.sort();
    v
}

fn percent_decode(s: &str) -> String {
    let hex = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        if c == b'%'
            && let (Some(h), Some(l)) = (
                b.get(i + 1).copied().and_then(hex),
                b.get(i + 2).copied().and_then(hex),
            )
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(c);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// How a protocol's bodies are compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyKind {
    /// JSON structural equality.
    Json,
    /// XML canonical equality.
    Xml,
    /// Form parameters as a set.
    Query,
    /// The expected body is base64 (CBOR cases): byte equality after decoding it. A CBOR
    /// helper passes a structural comparison through [`RunOptions::body`] instead.
    Base64,
    /// Byte equality (and anything else).
    Bytes,
}

/// The default body comparison of a protocol.
pub fn body_kind(protocol: Protocol) -> BodyKind {
    match protocol {
        Protocol::AwsJson1_0 | Protocol::AwsJson1_1 | Protocol::RestJson1 => BodyKind::Json,
        Protocol::RestXml => BodyKind::Xml,
        Protocol::AwsQuery | Protocol::Ec2Query => BodyKind::Query,
        Protocol::RpcV2Cbor => BodyKind::Base64,
        _ => BodyKind::Bytes,
    }
}

/// Compares a request body with a case's `serialized.body`, by `kind`.
pub fn compare_body(kind: BodyKind, actual: &[u8], expected: &str) -> Result<(), String> {
    if actual == expected.as_bytes() {
        return Ok(());
    }
    let show = || {
        format!(
            "body\n  actual:   {}\n  expected: {expected}",
            String::from_utf8_lossy(actual)
        )
    };
    match kind {
        BodyKind::Json => {
            let a: Json = serde_json::from_slice(actual)
                .map_err(|e| format!("the body is not JSON ({e}): {}", show()))?;
            let e: Json = serde_json::from_str(expected)
                .map_err(|_| format!("the expected body is not JSON: {}", show()))?;
            match json_diff(&a, &e) {
                None => Ok(()),
                Some(d) => Err(format!("{d}\n{}", show())),
            }
        }
        BodyKind::Xml => {
            if expected.trim().is_empty() || actual.is_empty() {
                return Err(show());
            }
            let a = xml_canonical(actual)
                .map_err(|e| format!("the body is not XML ({e}): {}", show()))?;
            let e = xml_canonical(expected.as_bytes())
                .map_err(|e| format!("the expected body is not XML ({e})"))?;
            if a == e {
                Ok(())
            } else {
                Err(format!(
                    "{}\n  canonical actual:   {a}\n  canonical expected: {e}",
                    show()
                ))
            }
        }
        BodyKind::Query => {
            let a = query_params(&String::from_utf8_lossy(actual));
            let e = query_params(expected);
            if a == e { Ok(()) } else { Err(show()) }
        }
        BodyKind::Base64 => {
            use base64::Engine as _;
            let e = base64::engine::general_purpose::STANDARD
                .decode(expected)
                .map_err(|e| format!("the expected body is not base64 ({e})"))?;
            if e == actual {
                Ok(())
            } else {
                Err(format!(
                    "body (hex)\n  actual:   {}\n  expected: {}",
                    hex::encode(actual),
                    hex::encode(&e)
                ))
            }
        }
        BodyKind::Bytes => Err(show()),
    }
}

/// Compares a request's path and query with a case's `uri`: the path exactly, the query
/// parameters as a set.
pub fn compare_uri(actual: &str, expected: &str) -> Result<(), String> {
    let (ap, aq) = actual.split_once('?').unwrap_or((actual, ""));
    let (ep, eq) = expected.split_once('?').unwrap_or((expected, ""));
    if ap != ep || query_params(aq) != query_params(eq) {
        return Err(format!("uri: {actual} != {expected}"));
    }
    Ok(())
}

fn header_value(headers: &http::HeaderMap, name: &str) -> Option<String> {
    let vals: Vec<String> = headers
        .get_all(name)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    (!vals.is_empty()).then(|| vals.join(", "))
}

/// Checks `serialized.headers` (each present with that value), `requireHeaders` (present)
/// and `forbidHeaders` (absent).
pub fn compare_headers(actual: &http::HeaderMap, serialized: &Json) -> Result<(), String> {
    let mut errs = Vec::new();
    if let Some(h) = serialized.get("headers").and_then(Json::as_object) {
        for (k, v) in h {
            let want = v.as_str().unwrap_or_default();
            match header_value(actual, k) {
                Some(got) if got == want => {}
                Some(got) => errs.push(format!("header {k}: {got:?} != {want:?}")),
                None => errs.push(format!("header {k}: missing (expected {want:?})")),
            }
        }
    }
    for k in serialized
        .get("requireHeaders")
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(Json::as_str)
    {
        if !actual.contains_key(k) {
            errs.push(format!("header {k}: required, missing"));
        }
    }
    for k in serialized
        .get("forbidHeaders")
        .and_then(Json::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(Json::as_str)
    {
        if let Some(v) = header_value(actual, k) {
            errs.push(format!("header {k}: forbidden, sent {v:?}"));
        }
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("\n"))
    }
}

// ---------------------------------------------------------------------------------------------
// Running cases.

/// Compares a request body with a case's expected `body` text.
pub type BodyCompare = fn(&[u8], &str) -> Result<(), String>;

/// Options of a suite run.
#[derive(Clone, Copy, Default)]
pub struct RunOptions {
    /// The body comparison; `None` picks the protocol's default ([`body_kind`]).
    pub body: Option<BodyCompare>,
}

fn case_id(case: &Json) -> String {
    case.get("id")
        .and_then(Json::as_str)
        .unwrap_or("<no id>")
        .to_owned()
}

fn catch<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(p) => Err(format!(
            "panicked: {}",
            p.downcast_ref::<String>()
                .cloned()
                .or_else(|| p.downcast_ref::<&str>().map(|s| (*s).to_owned()))
                .unwrap_or_default()
        )),
    }
}

fn sdk_error_text(e: &SdkError) -> String {
    let mut s = format!("{e}");
    let mut src = std::error::Error::source(e);
    while let Some(x) = src {
        let t = x.to_string();
        if !s.contains(&t) {
            let _ = write!(s, ": {t}");
        }
        src = x.source();
    }
    s
}

/// Runs one input case: serializes `params` and compares the request with `serialized`.
pub fn run_input_case(suite: &Suite, case: &Json, opts: RunOptions) -> Result<(), String> {
    let model = CaseModel::new(suite, case)?;
    let params = case
        .get("params")
        .cloned()
        .unwrap_or(Json::Object(Map::new()));
    let mut input = Value::struct_from_params(model.op.input, &params)?;
    let req = catch(|| {
        ziggurat_layers::protocol::serialize_request(model.service, model.op, &mut input)
            .map_err(|e| format!("serialize_request failed: {}", sdk_error_text(&e)))
    })?;
    let (mut parts, mut body) = req.into_parts();
    // What the checksum middleware adds (`Content-MD5` for `httpChecksumRequired`), run as
    // clients run it, told the operation's flags.
    let checksum = ziggurat_layers::checksum::request::RequestChecksum::new(
        ziggurat_core::config::RequestChecksumCalculation::WhenSupported,
    )
    .with_operation_flags(model.op.flags);
    ziggurat_core::hook::RequestHook::on_request(
        &checksum,
        &mut ziggurat_core::hook::HttpRequest::new(&mut parts, &mut body, None),
    )
    .map_err(|e| format!("the checksum hook failed: {}", sdk_error_text(&e)))?;
    let body_bytes: Vec<u8> = body.bytes().map(<[u8]>::to_vec).unwrap_or_default();
    // What the content-length middleware adds.
    if !parts.headers.contains_key(http::header::CONTENT_LENGTH)
        && let Some(len) = body.content_length()
        && !(len == 0 && matches!(parts.method, http::Method::GET | http::Method::HEAD))
    {
        parts
            .headers
            .insert(http::header::CONTENT_LENGTH, http::HeaderValue::from(len));
    }
    let ser = case.get("serialized").ok_or("case without serialized")?;
    let mut errs = Vec::new();
    if let Some(m) = ser.get("method").and_then(Json::as_str)
        && !parts.method.as_str().eq_ignore_ascii_case(m)
    {
        errs.push(format!("method: {} != {m}", parts.method));
    }
    let actual_uri = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| parts.uri.to_string());
    if let Some(u) = ser.get("uri").and_then(Json::as_str)
        && let Err(e) = compare_uri(&actual_uri, u)
    {
        errs.push(e);
    }
    if let Err(e) = compare_headers(&parts.headers, ser) {
        errs.push(e);
    }
    if let Some(host) = ser.get("host").and_then(Json::as_str) {
        match expected_host(suite, &model, &input, &parts.extensions) {
            Ok(h) if h == host => {}
            Ok(h) => errs.push(format!("host: {h} != {host}")),
            Err(e) => errs.push(format!("host: {e}")),
        }
    }
    let expected_body = ser.get("body").and_then(Json::as_str).unwrap_or_default();
    let r = match opts.body {
        Some(f) => f(&body_bytes, expected_body),
        None if expected_body.is_empty() && body_bytes.is_empty() => Ok(()),
        None if expected_body.is_empty()
            && !ser.as_object().is_some_and(|o| o.contains_key("body")) =>
        {
            Ok(())
        }
        None => compare_body(
            body_kind(model.service.protocol),
            &body_bytes,
            expected_body,
        ),
    };
    if let Err(e) = r {
        errs.push(e);
    }
    if errs.is_empty() {
        Ok(())
    } else {
        Err(errs.join("\n"))
    }
}

/// The host a request goes to: the client endpoint's, after the operation's host prefix (the
/// REST protocols put it on the request as a `HostPrefix` extension; for the others the
/// runner computes it with `protocol::host_prefix`).
fn expected_host(
    suite: &Suite,
    model: &CaseModel,
    input: &StructValue,
    extensions: &http::Extensions,
) -> Result<String, String> {
    let endpoint = suite
        .client_endpoint
        .as_deref()
        .unwrap_or("https://example.com");
    let after_scheme = endpoint.split_once("://").map_or(endpoint, |(_, r)| r);
    let prefix = match model.service.protocol {
        Protocol::RestJson1 | Protocol::RestXml => extensions
            .get::<ziggurat_layers::endpoint::HostPrefix>()
            .map(|p| p.0.clone())
            .unwrap_or_default(),
        _ => ziggurat_layers::protocol::host_prefix(model.op, input)
            .map_err(|e| sdk_error_text(&e))?
            .unwrap_or_default(),
    };
    Ok(format!("{prefix}{after_scheme}"))
}

/// Runs one output case: reads `response` and compares with `result`, or with
/// `errorCode` / `errorMessage` / `error`.
pub fn run_output_case(suite: &Suite, case: &Json) -> Result<(), String> {
    let model = CaseModel::new(suite, case)?;
    let resp = case.get("response").ok_or("case without response")?;
    let status = resp
        .get("status_code")
        .and_then(Json::as_u64)
        .unwrap_or(200);
    let mut b = http::Response::builder().status(u16::try_from(status).map_err(|e| e.to_string())?);
    if let Some(h) = resp.get("headers").and_then(Json::as_object) {
        for (k, v) in h {
            b = b.header(k.as_str(), v.as_str().unwrap_or_default());
        }
    }
    let (parts, ()) = b.body(()).map_err(|e| e.to_string())?.into_parts();
    let body = resp.get("body").and_then(Json::as_str).unwrap_or_default();
    let body = if model.service.protocol == Protocol::RpcV2Cbor {
        // CBOR bodies are given in base64.
        use base64::Engine as _;
        Bytes::from(
            base64::engine::general_purpose::STANDARD
                .decode(body)
                .map_err(|e| format!("the case's body is not base64: {e}"))?,
        )
    } else {
        Bytes::copy_from_slice(body.as_bytes())
    };
    let body = if model.op.has(op_flag::STREAMING_OUTPUT) {
        ResponseBody::Streaming(Body::from(body))
    } else {
        ResponseBody::Buffered(body)
    };
    CURRENT_ERRORS.with(|c| *c.borrow_mut() = model.error_roots.clone());
    let out_root = root(model.op.output);
    let mut out = None;
    let result = catch(|| {
        Ok(ziggurat_layers::protocol::deserialize_response(
            model.service,
            model.op,
            &parts,
            body,
            &mut |d| {
                out = Some(Value::deserialize_value(out_root, d)?);
                Ok(())
            },
        ))
    })?;
    if let Some(expected_err) = case.get("error") {
        let err = match result {
            Ok(()) => {
                return Err(format!(
                    "expected an error, got {:?}",
                    out.map(|v| v.to_json())
                ));
            }
            Err(e) => e,
        };
        let Some(api) = err.as_service_error() else {
            return Err(format!(
                "expected a service error, got {}",
                sdk_error_text(&err)
            ));
        };
        let mut errs = Vec::new();
        if let Some(code) = case.get("errorCode").and_then(Json::as_str)
            && api.code() != code
        {
            errs.push(format!("errorCode: {:?} != {code:?}", api.code()));
        }
        if let Some(msg) = case.get("errorMessage").and_then(Json::as_str)
            && api.message() != Some(msg)
        {
            errs.push(format!("errorMessage: {:?} != {msg:?}", api.message()));
        }
        let modeled = api.modeled::<Value>().map(Value::to_json);
        let empty = expected_err.as_object().is_none_or(Map::is_empty);
        match modeled {
            Some(m) => {
                if let Some(d) = json_diff(&m, expected_err) {
                    errs.push(format!("error members: {d}"));
                }
            }
            None if empty && model.op.error(api.code()).is_none() => {}
            None => errs.push(format!(
                "error members: no modeled error (expected {expected_err})"
            )),
        }
        return if errs.is_empty() {
            Ok(())
        } else {
            Err(errs.join("\n"))
        };
    }
    if let Err(e) = result {
        return Err(format!(
            "deserialize_response failed: {}",
            sdk_error_text(&e)
        ));
    }
    let actual = out.map(|v| v.to_json()).unwrap_or(Json::Object(Map::new()));
    let expected = case
        .get("result")
        .cloned()
        .unwrap_or(Json::Object(Map::new()));
    match json_diff(&actual, &expected) {
        None => Ok(()),
        Some(d) => Err(format!(
            "result: {d}\n  actual:   {actual}\n  expected: {expected}"
        )),
    }
}

/// The outcome of a suite file.
#[derive(Debug, Default)]
pub struct Report {
    /// Cases that passed.
    pub passed: Vec<String>,
    /// Cases that failed, with why.
    pub failed: Vec<(String, String)>,
    /// Cases skipped (botocore's ignore list), and known failures that failed.
    pub ignored: Vec<String>,
}

/// Runs every case of `kind/file` and asserts that the failures are all in `known` (each
/// entry `(case id, reason)`) or on botocore's ignore list. Prints each failure, and a
/// summary line.
pub fn run_suite(
    kind: Kind,
    file: &str,
    known: &[(&str, &str)],
    opts: RunOptions,
) -> Option<Report> {
    let suites = load(kind, file)?;
    let (ignored_suites, ignored_cases) = ignore_list(kind, file);
    let known: BTreeMap<&str, &str> = known.iter().copied().collect();
    let mut report = Report::default();
    let mut unexpected = Vec::new();
    let mut known_passing = Vec::new();
    let mut stderr = std::io::stderr().lock();
    for suite in &suites {
        for case in &suite.cases {
            let id = case_id(case);
            let r = match kind {
                Kind::Input => run_input_case(suite, case, opts),
                Kind::Output => run_output_case(suite, case),
            };
            let ignored =
                ignored_suites.contains(&suite.description) || ignored_cases.contains(&id);
            match r {
                Ok(()) => {
                    if known.contains_key(id.as_str()) {
                        known_passing.push(id.clone());
                    }
                    report.passed.push(id);
                }
                Err(e) => {
                    let tag = if let Some(reason) = known.get(id.as_str()) {
                        format!("known failure: {reason}")
                    } else if ignored {
                        "on botocore's ignore list".to_owned()
                    } else {
                        unexpected.push(id.clone());
                        "FAILED".to_owned()
                    };
                    let _ = writeln!(stderr, "--- {}/{file} {id} ({tag})\n{e}\n", kind.dir());
                    if known.contains_key(id.as_str()) || ignored {
                        report.ignored.push(id.clone());
                    }
                    report.failed.push((id, e));
                }
            }
        }
    }
    let _ = writeln!(
        stderr,
        "protocol suite {}/{file}: {} cases, {} pass, {} fail ({} known or ignored by botocore, {} unexpected)",
        kind.dir(),
        report.passed.len() + report.failed.len(),
        report.passed.len(),
        report.failed.len(),
        report.ignored.len(),
        unexpected.len(),
    );
    for id in &known_passing {
        let _ = writeln!(
            stderr,
            "note: known failure {id} now passes; drop it from the list"
        );
    }
    drop(stderr);
    assert!(
        unexpected.is_empty(),
        "{}/{file}: unexpected failures: {unexpected:?}",
        kind.dir()
    );
    Some(report)
}

/// [`run_suite`] of `input/file` with the protocol's default body comparison.
pub fn run_input_suite(file: &str, known: &[(&str, &str)]) -> Option<Report> {
    run_suite(Kind::Input, file, known, RunOptions::default())
}

/// [`run_suite`] of `output/file`.
pub fn run_output_suite(file: &str, known: &[(&str, &str)]) -> Option<Report> {
    run_suite(Kind::Output, file, known, RunOptions::default())
}

#[cfg(test)]
mod self_tests {
    use super::*;

    #[test]
    fn comparisons_see_differences() {
        let j = |s: &str| serde_json::from_str::<Json>(s).unwrap();
        assert!(
            json_diff(
                &j(r#"{"a":1,"b":[1,{"c":2}]}"#),
                &j(r#"{"b":[1,{"c":2}],"a":1.0}"#)
            )
            .is_none()
        );
        assert!(
            json_diff(
                &j(r#"{"a":1,"b":[1,{"c":2}]}"#),
                &j(r#"{"a":1,"b":[1,{"c":3}]}"#)
            )
            .is_some()
        );
        assert!(json_diff(&j(r#"{"a":1}"#), &j(r#"{"a":1,"b":2}"#)).is_some());
        assert!(json_diff(&j(r#"{"a":1,"b":2}"#), &j(r#"{"a":1}"#)).is_some());
        assert!(json_diff(&j(r#"[1,2]"#), &j(r#"[2,1]"#)).is_some());
        assert_eq!(
            xml_canonical(b"<a x=\"1\" y='2'>\n  <b>t</b>\n</a>").unwrap(),
            xml_canonical(b"<a y=\"2\" x=\"1\"><b>t</b></a>").unwrap()
        );
        assert_ne!(
            xml_canonical(b"<a><b>t</b><c/></a>").unwrap(),
            xml_canonical(b"<a><c/><b>t</b></a>").unwrap()
        );
        assert_ne!(
            xml_canonical(b"<a><b>t</b></a>").unwrap(),
            xml_canonical(b"<a><b>u</b></a>").unwrap()
        );
        assert_eq!(query_params("b=2&a=%2F+x"), query_params("a=/%20x&b=2"));
        assert_ne!(query_params("a=1&b=2"), query_params("a=1&b=3"));
        assert!(compare_uri("/p?b=1&a=2", "/p?a=2&b=1").is_ok());
        assert!(compare_uri("/p?a=1", "/p?a=2").is_err());
        assert!(compare_uri("/p/x", "/p/y").is_err());
        let mut h = http::HeaderMap::new();
        h.insert("x-a", http::HeaderValue::from_static("1"));
        assert!(
            compare_headers(
                &h,
                &j(r#"{"headers":{"X-A":"1"},"forbidHeaders":["x-b"],"requireHeaders":["X-A"]}"#)
            )
            .is_ok()
        );
        assert!(compare_headers(&h, &j(r#"{"headers":{"X-A":"2"}}"#)).is_err());
        assert!(compare_headers(&h, &j(r#"{"forbidHeaders":["x-a"]}"#)).is_err());
        assert!(compare_headers(&h, &j(r#"{"requireHeaders":["x-c"]}"#)).is_err());
    }
}
