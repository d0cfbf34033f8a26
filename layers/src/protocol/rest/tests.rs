use std::collections::HashMap;

use bytes::Bytes;
use ziggurat_core::schema::de::{DeserializeValue, ShapeDeserializer, member};
use ziggurat_core::schema::error::CodecResult;
use ziggurat_core::schema::ser::{SerResult, SerializeShape, SerializeValue, ShapeSerializer};
use ziggurat_core::schema::{
    DateTime, Location, Member, OperationSchema, Protocol, Schema, ServiceSchema, TimestampFormat,
    flag, prelude,
};
use ziggurat_core::stack::ResponseBody;

use super::*;
use crate::endpoint::HostPrefix;

static SERVICE: ServiceSchema = ServiceSchema {
    service_id: "Test",
    protocol: Protocol::RestJson1,
    api_version: "2020-01-01",
    target_prefix: "",
    signing_name: "test",
    endpoint_prefix: "test",
    xml_namespace: None,
    query_compatible: false,
};

static STRINGS: Schema = Schema::list("Strings", &[Member::new("member", &prelude::STRING)]);
static TIMESTAMPS: Schema =
    Schema::list("Timestamps", &[Member::new("member", &prelude::TIMESTAMP)]);
static STRING_MAP: Schema = Schema::map(
    "StringMap",
    &[
        Member::new("key", &prelude::STRING),
        Member::new("value", &prelude::STRING),
    ],
);
static LIST_MAP: Schema = Schema::map(
    "ListMap",
    &[
        Member::new("key", &prelude::STRING),
        Member::new("value", &STRINGS),
    ],
);

static IN_MEMBERS: [Member; 13] = [
    Member::new("Bucket", &prelude::STRING)
        .at(Location::Label)
        .required(),
    Member::new("Key", &prelude::STRING)
        .at(Location::Label)
        .required(),
    Member::new("Tags", &STRINGS).at_named(Location::Query, "tag"),
    Member::new("When", &prelude::TIMESTAMP).at_named(Location::Query, "when"),
    Member::new("Params", &LIST_MAP).at(Location::QueryParams),
    Member::new("Names", &STRINGS).at_named(Location::Header, "X-Names"),
    Member::new("Since", &prelude::TIMESTAMP).at_named(Location::Header, "X-Since"),
    Member::new("Dates", &TIMESTAMPS).at_named(Location::Header, "X-Dates"),
    Member::new("Meta", &STRING_MAP).at_named(Location::PrefixHeaders, "x-meta-"),
    Member::new("Json", &prelude::STRING)
        .at_named(Location::Header, "X-Json")
        .with_flags(flag::JSON_VALUE),
    Member::new("Account", &prelude::STRING)
        .at_named(Location::Header, "X-Account")
        .with_flags(flag::HOST_LABEL),
    Member::new("Ratio", &prelude::FLOAT).at_named(Location::Query, "ratio"),
    Member::new("Body", &prelude::STRING).at(Location::Payload),
];
static INPUT: Schema = Schema::structure("PutThingInput", &IN_MEMBERS);

#[derive(Default)]
struct Input {
    bucket: String,
    key: String,
    tags: Option<Vec<String>>,
    when: Option<DateTime>,
    params: Option<HashMap<String, Vec<String>>>,
    names: Option<Vec<String>>,
    since: Option<DateTime>,
    dates: Option<Vec<DateTime>>,
    meta: Option<HashMap<String, String>>,
    json: Option<String>,
    account: Option<String>,
    ratio: Option<f32>,
    body: Option<String>,
}

impl SerializeShape for Input {
    fn schema(&self) -> &'static Schema {
        &INPUT
    }
    fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
        let m = &IN_MEMBERS;
        self.bucket.serialize_member(&m[0], s)?;
        self.key.serialize_member(&m[1], s)?;
        self.tags.serialize_member(&m[2], s)?;
        self.when.serialize_member(&m[3], s)?;
        self.params.serialize_member(&m[4], s)?;
        self.names.serialize_member(&m[5], s)?;
        self.since.serialize_member(&m[6], s)?;
        self.dates.serialize_member(&m[7], s)?;
        self.meta.serialize_member(&m[8], s)?;
        self.json.serialize_member(&m[9], s)?;
        self.account.serialize_member(&m[10], s)?;
        self.ratio.serialize_member(&m[11], s)?;
        self.body.serialize_member(&m[12], s)
    }
}

static OP: OperationSchema = OperationSchema {
    name: "PutThing",
    method: "PUT",
    uri: "/{Bucket}/{Key+}?x-id=PutThing",
    success_status: None,
    input: &INPUT,
    output: &OUTPUT,
    result_wrapper: None,
    errors: &[],
    host_prefix: Some("{Account}."),
    flags: 0,
    endpoint_params: &[],
};

fn t(s: &str) -> DateTime {
    DateTime::parse_rfc3339(s).unwrap()
}

#[test]
fn request_bindings() {
    let mut input = Input {
        bucket: "my bucket".into(),
        key: "a/b c".into(),
        tags: Some(vec!["x".into(), "y&z".into()]),
        when: Some(t("2019-12-16T23:48:18Z")),
        params: Some(HashMap::from([
            ("tag".to_owned(), vec!["ignored".to_owned()]),
            ("extra".to_owned(), vec!["1".to_owned(), "2".to_owned()]),
        ])),
        names: Some(vec!["b,c".into(), "\"def\"".into(), "a".into()]),
        since: Some(t("2019-12-16T23:48:18Z")),
        dates: Some(vec![t("2019-12-16T23:48:18Z"), t("2019-12-16T23:48:18Z")]),
        meta: Some(HashMap::from([("abc".to_owned(), "Abc value".to_owned())])),
        json: Some("true".into()),
        account: Some("123".into()),
        ratio: Some(1.1),
        body: Some("hello".into()),
    };
    let req = serialize_request(&SERVICE, &OP, &mut input).unwrap();
    assert_eq!(req.method(), "PUT");
    assert_eq!(
        req.uri().to_string(),
        "/my%20bucket/a/b%20c?x-id=PutThing&tag=x&tag=y%26z&when=2019-12-16T23%3A48%3A18Z&ratio=1.1&extra=1&extra=2"
    );
    let h = req.headers();
    assert_eq!(h["x-names"], r#""b,c", "\"def\"", a"#);
    assert_eq!(h["x-since"], "Mon, 16 Dec 2019 23:48:18 GMT");
    assert_eq!(
        h["x-dates"],
        "Mon, 16 Dec 2019 23:48:18 GMT, Mon, 16 Dec 2019 23:48:18 GMT"
    );
    assert_eq!(h["x-meta-abc"], "Abc value");
    assert_eq!(h["x-json"], "dHJ1ZQ==");
    assert_eq!(h["content-type"], "text/plain");
    assert_eq!(req.body().bytes(), Some(&b"hello"[..]));
    assert_eq!(
        req.extensions().get::<HostPrefix>(),
        Some(&HostPrefix("123.".into()))
    );
}

#[test]
fn request_errors_name_the_member() {
    let mut input = Input {
        bucket: String::new(),
        key: "k".into(),
        account: Some("1".into()),
        ..Input::default()
    };
    let err = serialize_request(&SERVICE, &OP, &mut input).unwrap_err();
    assert!(err.to_string().contains("Bucket"), "{err}");
    let mut input = Input {
        bucket: "b".into(),
        key: "k".into(),
        account: Some(String::new()),
        ..Input::default()
    };
    let err = serialize_request(&SERVICE, &OP, &mut input).unwrap_err();
    assert!(err.to_string().contains("Account"), "{err}");
    let mut input = Input {
        bucket: "b".into(),
        key: "k".into(),
        account: Some("-ab".into()),
        ..Input::default()
    };
    assert!(serialize_request(&SERVICE, &OP, &mut input).is_err());
    let mut input = Input {
        bucket: "b".into(),
        key: "k".into(),
        account: Some("1".into()),
        names: Some(vec!["bad\nvalue".into()]),
        ..Input::default()
    };
    let err = serialize_request(&SERVICE, &OP, &mut input).unwrap_err();
    assert!(err.to_string().contains("Names"), "{err}");
}

#[test]
fn no_body_without_payload() {
    let mut input = Input {
        bucket: "b".into(),
        key: "k".into(),
        account: Some("1".into()),
        ..Input::default()
    };
    let req = serialize_request(&SERVICE, &OP, &mut input).unwrap();
    assert_eq!(req.body().bytes(), Some(&b""[..]));
    assert!(!req.headers().contains_key("content-type"));
    assert_eq!(req.uri().to_string(), "/b/k?x-id=PutThing");
}

static OUT_MEMBERS: [Member; 8] = [
    Member::new("Names", &STRINGS).at_named(Location::Header, "X-Names"),
    Member::new("Since", &prelude::TIMESTAMP).at_named(Location::Header, "X-Since"),
    Member::new("Dates", &TIMESTAMPS).at_named(Location::Header, "X-Dates"),
    Member::new("Meta", &STRING_MAP).at_named(Location::PrefixHeaders, "X-Meta-"),
    Member::new("Json", &prelude::STRING)
        .at_named(Location::Header, "X-Json")
        .with_flags(flag::JSON_VALUE),
    Member::new("Status", &prelude::INTEGER).at(Location::StatusCode),
    Member::new("Count", &prelude::LONG).at_named(Location::Header, "X-Count"),
    Member::new("Body", &prelude::BLOB).at(Location::Payload),
];
static OUTPUT: Schema = Schema::structure("PutThingOutput", &OUT_MEMBERS);

#[derive(Debug, Default, PartialEq)]
struct Output {
    names: Option<Vec<String>>,
    since: Option<DateTime>,
    dates: Option<Vec<DateTime>>,
    meta: Option<HashMap<String, String>>,
    json: Option<String>,
    status: Option<i32>,
    count: Option<i64>,
    body: Option<Bytes>,
}

impl DeserializeValue for Output {
    fn deserialize_value(_m: &'static Member, d: &mut dyn ShapeDeserializer) -> CodecResult<Self> {
        let mut out = Output::default();
        d.read_struct(&OUTPUT, &mut |i, d| {
            match i {
                0 => out.names = member(&OUTPUT, 0, d)?,
                1 => out.since = member(&OUTPUT, 1, d)?,
                2 => out.dates = member(&OUTPUT, 2, d)?,
                3 => out.meta = member(&OUTPUT, 3, d)?,
                4 => out.json = member(&OUTPUT, 4, d)?,
                5 => out.status = member(&OUTPUT, 5, d)?,
                6 => out.count = member(&OUTPUT, 6, d)?,
                7 => out.body = member(&OUTPUT, 7, d)?,
                _ => {}
            }
            Ok(())
        })?;
        Ok(out)
    }
}

fn response(status: u16, headers: &[(&str, &str)]) -> http::response::Parts {
    let mut b = http::Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(()).unwrap().into_parts().0
}

#[test]
fn response_bindings() {
    let parts = response(
        201,
        &[
            ("x-names", r#""b,c", "\"def\"", a"#),
            ("x-since", "Mon, 16 Dec 2019 23:48:18 GMT"),
            (
                "x-dates",
                "Mon, 16 Dec 2019 23:48:18 GMT, Mon, 16 Dec 2019 23:48:18 GMT",
            ),
            ("x-meta-abc", "Abc value"),
            ("x-meta-def", "Def value"),
            ("x-json", "dHJ1ZQ=="),
            ("x-count", "42"),
        ],
    );
    let out: Output = crate::protocol::deserialize_output(
        &SERVICE,
        &OP,
        &parts,
        ResponseBody::Buffered(Bytes::from_static(b"blobby")),
    )
    .unwrap();
    let when = t("2019-12-16T23:48:18Z");
    assert_eq!(
        out,
        Output {
            names: Some(vec!["b,c".into(), "\"def\"".into(), "a".into()]),
            since: Some(when),
            dates: Some(vec![when, when]),
            meta: Some(HashMap::from([
                ("abc".to_owned(), "Abc value".to_owned()),
                ("def".to_owned(), "Def value".to_owned())
            ])),
            json: Some("true".into()),
            status: Some(201),
            count: Some(42),
            body: Some(Bytes::from_static(b"blobby")),
        }
    );
}

#[test]
fn response_errors() {
    let parts = response(200, &[("x-count", "many")]);
    let err = crate::protocol::deserialize_output::<Output>(
        &SERVICE,
        &OP,
        &parts,
        ResponseBody::Buffered(Bytes::new()),
    )
    .unwrap_err();
    assert!(err.to_string().contains("Count"), "{err}");
    let parts = response(404, &[("x-amzn-errortype", "NoSuchThing:http://x")]);
    let err = crate::protocol::deserialize_output::<Output>(
        &SERVICE,
        &OP,
        &parts,
        ResponseBody::Buffered(Bytes::new()),
    )
    .unwrap_err();
    assert_eq!(err.code(), Some("NoSuchThing"));
    let _ = TimestampFormat::HttpDate;
}

static XML_SERVICE: ServiceSchema = ServiceSchema {
    protocol: Protocol::RestXml,
    ..SERVICE
};

static STREAM_MEMBERS: [Member; 3] = [
    Member::new("Key", &prelude::STRING)
        .at(Location::Label)
        .required(),
    Member::new("Reason", &prelude::STRING).at_named(Location::Header, "X-Reason"),
    Member::new("Body", &prelude::STREAMING_BLOB).at(Location::Payload),
];
static STREAM_SHAPE: Schema = Schema::structure("StreamThing", &STREAM_MEMBERS);

#[derive(Default)]
struct StreamThing {
    key: String,
    reason: Option<String>,
    body: ziggurat_core::body::Body,
}

impl SerializeShape for StreamThing {
    fn schema(&self) -> &'static Schema {
        &STREAM_SHAPE
    }
    fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
        let m = &STREAM_MEMBERS;
        self.key.serialize_member(&m[0], s)?;
        self.reason.serialize_member(&m[1], s)?;
        self.body.serialize_member(&m[2], s)
    }
    fn take_stream(&mut self) -> Option<ziggurat_core::body::Body> {
        Some(std::mem::take(&mut self.body))
    }
}

impl DeserializeValue for StreamThing {
    fn deserialize_value(_m: &'static Member, d: &mut dyn ShapeDeserializer) -> CodecResult<Self> {
        let mut out = StreamThing::default();
        d.read_struct(&STREAM_SHAPE, &mut |i, d| {
            match i {
                1 => out.reason = member(&STREAM_SHAPE, 1, d)?,
                2 => out.body = member(&STREAM_SHAPE, 2, d)?,
                _ => {}
            }
            Ok(())
        })?;
        Ok(out)
    }
}

static DETAIL_MEMBERS: [Member; 2] = [
    Member::new("Reason", &prelude::STRING).at_named(Location::Header, "X-Reason"),
    Member::new("Detail", &prelude::STRING),
];
static DETAIL: Schema = Schema::structure("Boom", &DETAIL_MEMBERS).with_flags(flag::ERROR);

#[derive(Debug, Default, PartialEq)]
struct Boom {
    reason: Option<String>,
    detail: Option<String>,
}

impl DeserializeValue for Boom {
    fn deserialize_value(_m: &'static Member, d: &mut dyn ShapeDeserializer) -> CodecResult<Self> {
        let mut out = Boom::default();
        d.read_struct(&DETAIL, &mut |i, d| {
            match i {
                0 => out.reason = member(&DETAIL, 0, d)?,
                1 => out.detail = member(&DETAIL, 1, d)?,
                _ => {}
            }
            Ok(())
        })?;
        Ok(out)
    }
}

static STREAM_OP: OperationSchema = OperationSchema {
    name: "StreamThing",
    method: "PUT",
    uri: "/{Key+}",
    success_status: None,
    input: &STREAM_SHAPE,
    output: &STREAM_SHAPE,
    result_wrapper: None,
    errors: &[ziggurat_core::schema::ErrorSchema {
        code: "Boom",
        schema: &DETAIL,
        status: Some(400),
        server_fault: false,
        deserialize: ziggurat_core::schema::operation::deserialize_error::<Boom>,
    }],
    host_prefix: None,
    flags: ziggurat_core::schema::operation::op_flag::STREAMING_OUTPUT
        | ziggurat_core::schema::operation::op_flag::STREAMING_INPUT,
    endpoint_params: &[],
};

#[test]
fn streaming_input_is_the_body() {
    let stream = ziggurat_core::body::Body::from_stream(http_body_util::Full::new(
        Bytes::from_static(b"streamed"),
    ));
    let mut input = StreamThing {
        key: "a/b".into(),
        reason: Some("why".into()),
        body: stream,
    };
    let req = serialize_request(&XML_SERVICE, &STREAM_OP, &mut input).unwrap();
    assert_eq!(req.uri(), "/a/b");
    assert!(req.body().is_streaming());
    assert_eq!(req.headers()["content-type"], "application/octet-stream");
    assert_eq!(req.headers()["x-reason"], "why");
}

#[test]
fn streaming_output_is_left_unread() {
    let parts = response(200, &[("x-reason", "why")]);
    let out: StreamThing = crate::protocol::deserialize_output(
        &XML_SERVICE,
        &STREAM_OP,
        &parts,
        ResponseBody::Streaming(ziggurat_core::body::Body::from("unread")),
    )
    .unwrap();
    assert_eq!(out.reason.as_deref(), Some("why"));
    assert_eq!(
        out.body.try_into_bytes().ok(),
        Some(Bytes::from_static(b"unread"))
    );
}

#[test]
fn xml_errors_bind_headers_and_body_members() {
    for body in [
        &b"<ErrorResponse><Error><Type>Sender</Type><Code>Boom</Code><Message>m</Message><Detail>d</Detail></Error><RequestId>r</RequestId></ErrorResponse>"[..],
        &b"<Error><Code>Boom</Code><Message>m</Message><Detail>d</Detail><RequestId>r</RequestId></Error>"[..],
    ] {
        let parts = response(400, &[("x-reason", "why")]);
        let err = crate::protocol::deserialize_output::<StreamThing>(
            &XML_SERVICE,
            &STREAM_OP,
            &parts,
            ResponseBody::Buffered(Bytes::from_static(body)),
        )
        .err()
        .unwrap();
        let api = err.as_service_error().unwrap();
        assert_eq!(api.code(), "Boom");
        assert_eq!(api.message(), Some("m"));
        assert_eq!(api.request_id(), Some("r"));
        assert_eq!(
            api.modeled::<Boom>(),
            Some(&Boom {
                reason: Some("why".into()),
                detail: Some("d".into())
            })
        );
    }
    // A HEAD error: no body, a code from the status, header members still bound.
    let parts = response(404, &[("x-reason", "gone")]);
    let err = crate::protocol::deserialize_output::<StreamThing>(
        &XML_SERVICE,
        &STREAM_OP,
        &parts,
        ResponseBody::Buffered(Bytes::new()),
    )
    .err()
    .unwrap();
    assert_eq!(err.code(), Some("NotFound"));
}

static NS_PAYLOAD_MEMBERS: [Member; 1] = [Member::new("Name", &prelude::STRING)];
static NS_PAYLOAD: Schema = Schema::structure("Config", &NS_PAYLOAD_MEMBERS);
static NS_INPUT_MEMBERS: [Member; 2] = [
    Member::new("Bucket", &prelude::STRING)
        .at(Location::Label)
        .required(),
    Member::new("Config", &NS_PAYLOAD)
        .at(Location::Payload)
        .wire("CreateBucketConfiguration")
        .with_xml_namespace(ziggurat_core::schema::XmlNamespace {
            prefix: None,
            uri: "http://s3.amazonaws.com/doc/2006-03-01/",
        }),
];
static NS_INPUT: Schema = Schema::structure("CreateBucketRequest", &NS_INPUT_MEMBERS);

struct NsPayload(String);
impl SerializeShape for NsPayload {
    fn schema(&self) -> &'static Schema {
        &NS_PAYLOAD
    }
    fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
        self.0.serialize_member(&NS_PAYLOAD_MEMBERS[0], s)
    }
}
ziggurat_core::shape_value!(NsPayload);

struct NsInput(String, Option<NsPayload>);
impl SerializeShape for NsInput {
    fn schema(&self) -> &'static Schema {
        &NS_INPUT
    }
    fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
        self.0.serialize_member(&NS_INPUT_MEMBERS[0], s)?;
        self.1.serialize_member(&NS_INPUT_MEMBERS[1], s)
    }
}

static NS_OP: OperationSchema = OperationSchema {
    name: "CreateBucket",
    method: "PUT",
    uri: "/{Bucket}",
    input: &NS_INPUT,
    output: &prelude::UNIT,
    errors: &[],
    flags: 0,
    host_prefix: None,
    ..OP
};

#[test]
fn xml_structure_payload_is_named_by_the_member() {
    let mut input = NsInput("b".into(), Some(NsPayload("n".into())));
    let req = serialize_request(&XML_SERVICE, &NS_OP, &mut input).unwrap();
    assert_eq!(req.uri(), "/b");
    assert_eq!(req.headers()["content-type"], "application/xml");
    assert_eq!(
        std::str::from_utf8(req.body().bytes().unwrap()).unwrap(),
        r#"<CreateBucketConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>n</Name></CreateBucketConfiguration>"#
    );
    assert!(req.extensions().get::<HostPrefix>().is_none());
    // Unset: no body at all (restXml).
    let mut input = NsInput("b".into(), None);
    let req = serialize_request(&XML_SERVICE, &NS_OP, &mut input).unwrap();
    assert_eq!(req.body().bytes(), Some(&b""[..]));
    assert!(!req.headers().contains_key("content-type"));
}

#[test]
fn utf8_headers_and_repeated_headers() {
    let mut input = Input {
        bucket: "b".into(),
        key: "k".into(),
        account: Some("1".into()),
        meta: Some(HashMap::from([("name".to_owned(), "café".to_owned())])),
        ..Input::default()
    };
    let req = serialize_request(&SERVICE, &OP, &mut input).unwrap();
    assert_eq!(req.headers()["x-meta-name"].as_bytes(), "café".as_bytes());
    let mut b = http::Response::builder()
        .status(200)
        .header("x-names", "a")
        .header("x-names", "b, c");
    b = b.header(
        "x-meta-name",
        http::HeaderValue::from_bytes("café".as_bytes()).unwrap(),
    );
    let parts = b.body(()).unwrap().into_parts().0;
    let out: Output = crate::protocol::deserialize_output(
        &SERVICE,
        &OP,
        &parts,
        ResponseBody::Buffered(Bytes::new()),
    )
    .unwrap();
    assert_eq!(
        out.names,
        Some(vec!["a".to_owned(), "b".to_owned(), "c".to_owned()])
    );
    assert_eq!(out.meta.unwrap()["name"], "café");
}
