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
