//! Round trips and malformed input for the CBOR codec and the protocol functions.
use std::collections::HashMap;

use bytes::Bytes;
use ziggurat_core::schema::de::{self, DeserializeValue, ShapeDeserializer, deserialize_root};
use ziggurat_core::schema::error::CodecResult;
use ziggurat_core::schema::ser::{SerResult, SerializeShape, SerializeValue, ShapeSerializer};
use ziggurat_core::schema::{DateTime, Member, Schema, ShapeType, flag, prelude};

use super::*;

static STRINGS_MEMBER: [Member; 1] = [Member::new("member", &prelude::STRING)];
static STRINGS: Schema = Schema::list("Strings", &STRINGS_MEMBER);
static SPARSE_STRINGS: Schema =
    Schema::list("SparseStrings", &STRINGS_MEMBER).with_flags(flag::SPARSE);
static COUNTS_ENTRY: [Member; 2] = [
    Member::new("key", &prelude::STRING),
    Member::new("value", &prelude::INTEGER),
];
static COUNTS: Schema = Schema::map("Counts", &COUNTS_ENTRY);

static ALL_MEMBERS: [Member; 16] = [
    Member::new("Str", &prelude::STRING).wire("ignoredWireName"),
    Member::new("Int", &prelude::INTEGER),
    Member::new("Long", &prelude::LONG),
    Member::new("Float", &prelude::FLOAT),
    Member::new("Double", &prelude::DOUBLE),
    Member::new("Bool", &prelude::BOOLEAN),
    Member::new("Blob", &prelude::BLOB),
    Member::new("Time", &prelude::TIMESTAMP),
    Member::new("List", &STRINGS),
    Member::new("Sparse", &SPARSE_STRINGS),
    Member::new("Map", &COUNTS),
    Member::new("Nested", &ALL),
    Member::new("Big", &prelude::BIG_INTEGER),
    Member::new("Dec", &prelude::BIG_DECIMAL),
    Member::new("Byte", &prelude::BYTE),
    Member::new("Short", &prelude::SHORT),
];
static ALL: Schema = Schema::structure("All", &ALL_MEMBERS);

#[derive(Default, PartialEq)]
struct All {
    s: Option<String>,
    int: Option<i32>,
    long: Option<i64>,
    float: Option<f32>,
    double: Option<f64>,
    bool: Option<bool>,
    blob: Option<Bytes>,
    time: Option<DateTime>,
    list: Option<Vec<String>>,
    sparse: Option<Vec<Option<String>>>,
    map: Option<HashMap<String, i32>>,
    nested: Option<Box<All>>,
    big: Option<String>,
    dec: Option<String>,
    byte: Option<i8>,
    short: Option<i16>,
}

struct BigText<'a>(&'a str);
impl SerializeValue for BigText<'_> {
    fn serialize_value(&self, member: &'static Member, s: &mut dyn ShapeSerializer) -> SerResult {
        s.write_big_number(member, self.0)
    }
}

impl SerializeShape for All {
    fn schema(&self) -> &'static Schema {
        &ALL
    }
    fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
        let m = &ALL_MEMBERS;
        self.s.serialize_member(&m[0], s)?;
        self.int.serialize_member(&m[1], s)?;
        self.long.serialize_member(&m[2], s)?;
        self.float.serialize_member(&m[3], s)?;
        self.double.serialize_member(&m[4], s)?;
        self.bool.serialize_member(&m[5], s)?;
        self.blob.serialize_member(&m[6], s)?;
        self.time.serialize_member(&m[7], s)?;
        self.list.serialize_member(&m[8], s)?;
        self.sparse.serialize_member(&m[9], s)?;
        self.map.serialize_member(&m[10], s)?;
        self.nested.serialize_member(&m[11], s)?;
        self.big
            .as_deref()
            .map(BigText)
            .serialize_member(&m[12], s)?;
        self.dec
            .as_deref()
            .map(BigText)
            .serialize_member(&m[13], s)?;
        self.byte.serialize_member(&m[14], s)?;
        self.short.serialize_member(&m[15], s)
    }
}
ziggurat_core::shape_value!(All);
// `shape_value!` implements Debug; PartialEq is derived above.

impl DeserializeValue for All {
    fn deserialize_value(_m: &'static Member, d: &mut dyn ShapeDeserializer) -> CodecResult<Self> {
        let mut out = All::default();
        d.read_struct(&ALL, &mut |i, d| {
            match i {
                0 => out.s = de::member(&ALL, i, d)?,
                1 => out.int = de::member(&ALL, i, d)?,
                2 => out.long = de::member(&ALL, i, d)?,
                3 => out.float = de::member(&ALL, i, d)?,
                4 => out.double = de::member(&ALL, i, d)?,
                5 => out.bool = de::member(&ALL, i, d)?,
                6 => out.blob = de::member(&ALL, i, d)?,
                7 => out.time = de::member(&ALL, i, d)?,
                8 => out.list = de::member(&ALL, i, d)?,
                9 => out.sparse = de::member(&ALL, i, d)?,
                10 => out.map = de::member(&ALL, i, d)?,
                11 => out.nested = de::member(&ALL, i, d)?,
                12 => out.big = Some(d.read_big_number(&ALL_MEMBERS[12])?),
                13 => out.dec = Some(d.read_big_number(&ALL_MEMBERS[13])?),
                14 => out.byte = de::member(&ALL, i, d)?,
                15 => out.short = de::member(&ALL, i, d)?,
                _ => {}
            }
            Ok(())
        })?;
        Ok(out)
    }
}

fn decode(bytes: &[u8]) -> CodecResult<All> {
    deserialize_root(&mut CborDeserializer::new(bytes))
}

fn full() -> All {
    All {
        s: Some("hello".into()),
        int: Some(-70000),
        long: Some(i64::MIN),
        float: Some(7.625),
        double: Some(1.889),
        bool: Some(true),
        blob: Some(Bytes::from_static(b"\x00\xffbin")),
        time: DateTime::from_secs_and_nanos(1398796238, 123_000_000),
        list: Some(vec!["a".into(), "b".into()]),
        sparse: Some(vec![Some("x".into()), None]),
        map: Some(HashMap::from([("k".into(), 1), ("z".into(), -1)])),
        nested: Some(Box::new(All {
            s: Some("inner".into()),
            ..All::default()
        })),
        big: Some("-18446744073709551616".into()),
        dec: Some("-12.5".into()),
        byte: Some(-5),
        short: Some(300),
    }
}

#[test]
fn round_trip() {
    let v = full();
    let bytes = CborSerializer::to_vec(&v).unwrap();
    assert_eq!(decode(&bytes).unwrap(), v);
    // The empty structure is an empty map.
    assert_eq!(CborSerializer::to_vec(&All::default()).unwrap(), [0xa0]);
    assert_eq!(decode(&[0xa0]).unwrap(), All::default());
    assert_eq!(decode(&[0xbf, 0xff]).unwrap(), All::default());
}

#[test]
fn encodings() {
    let v = All {
        s: Some("a".into()),
        int: Some(256),
        float: Some(1.5),
        double: Some(1.5),
        time: DateTime::from_secs(1),
        ..All::default()
    };
    let bytes = CborSerializer::to_vec(&v).unwrap();
    let mut expected = vec![0xa5];
    expected.extend(b"\x63Str\x61a"); // member name, not wire name
    expected.extend(b"\x63Int\x19\x01\x00"); // smallest integer encoding
    expected.extend(b"\x65Float\xfa\x3f\xc0\x00\x00"); // single precision
    expected.extend(b"\x66Double\xfb\x3f\xf8\x00\x00\x00\x00\x00\x00");
    expected.extend(b"\x64Time\xc1\xfb\x3f\xf0\x00\x00\x00\x00\x00\x00");
    assert_eq!(bytes, expected);
}

#[test]
fn many_members_widen_the_map_head() {
    // 30 entries in a map member and a structure with more than 23 members (via nesting).
    let map: HashMap<String, i32> = (0..30).map(|i| (format!("k{i}"), i)).collect();
    let v = All {
        map: Some(map),
        ..full()
    };
    let bytes = CborSerializer::to_vec(&v).unwrap();
    assert_eq!(decode(&bytes).unwrap(), v);
    assert_eq!(super::ser::map_head(24), [0xb8, 24]);

    // A structure of 30 members: the placeholder head is widened to two bytes.
    let members: Vec<Member> = (0..30)
        .map(|i| {
            Member::new(
                Box::leak(format!("m{i}").into_boxed_str()),
                &prelude::INTEGER,
            )
        })
        .collect();
    let members: &'static [Member] = Box::leak(members.into_boxed_slice());
    let schema: &'static Schema = leak(Schema::structure("Wide", members));
    struct Wide(&'static Schema);
    impl SerializeShape for Wide {
        fn schema(&self) -> &'static Schema {
            self.0
        }
        fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
            for (i, m) in self.0.members.iter().enumerate() {
                (i as i32).serialize_member(m, s)?;
            }
            Ok(())
        }
    }
    let bytes = CborSerializer::to_vec(&Wide(schema)).unwrap();
    assert_eq!(&bytes[..4], b"\xb8\x1e\x62m");
    let mut seen = Vec::new();
    CborDeserializer::new(&bytes)
        .read_struct(schema, &mut |i, d| {
            seen.push((i, d.read_integer(&members[i])?));
            Ok(())
        })
        .unwrap();
    assert_eq!(seen, (0..30).map(|i| (i, i as i32)).collect::<Vec<_>>());
}

#[test]
fn nan_and_infinities() {
    for f in [f64::INFINITY, f64::NEG_INFINITY] {
        let v = All {
            double: Some(f),
            float: Some(f as f32),
            ..All::default()
        };
        let back = decode(&CborSerializer::to_vec(&v).unwrap()).unwrap();
        assert_eq!(back, v);
    }
    let v = All {
        double: Some(f64::NAN),
        float: Some(f32::NAN),
        ..All::default()
    };
    let bytes = CborSerializer::to_vec(&v).unwrap();
    let back = decode(&bytes).unwrap();
    assert!(back.double.unwrap().is_nan() && back.float.unwrap().is_nan());
}

#[test]
fn lenient_reading() {
    // {_ "Str": (_ "ab", "c"), "Int": 0x1b 00..01 (a u64 head), "Double": f16 1.5,
    //    "Float": f16 7.625, "Time": 1(integer 5), "List": [_ "x", null, "y"],
    //    "Sparse": ["x", null], "Map": {_ "a": 1, "b": null}, "Unknown": {_ "q": [_ 1]},
    //    "Blob": (_ h'01', h'02'), "Long": null }
    let mut b = vec![0xbf];
    b.extend(b"\x63Str\x7f\x62ab\x61c\xff");
    b.extend(b"\x63Int\x1b\x00\x00\x00\x00\x00\x00\x00\x01");
    b.extend(b"\x66Double\xf9\x3e\x00");
    b.extend(b"\x65Float\xf9\x47\xa0");
    b.extend(b"\x64Time\xc1\x05");
    b.extend(b"\x64List\x9f\x61x\xf6\x61y\xff");
    b.extend(b"\x66Sparse\x82\x61x\xf6");
    b.extend(b"\x63Map\xbf\x61a\x01\x61b\xf6\xff");
    b.extend(b"\x67Unknown\xbf\x61q\x9f\x01\xff\xff");
    b.extend(b"\x64Blob\x5f\x41\x01\x41\x02\xff");
    b.extend(b"\x64Long\xf6");
    b.push(0xff);
    let v = decode(&b).unwrap();
    assert_eq!(
        v,
        All {
            s: Some("abc".into()),
            int: Some(1),
            double: Some(1.5),
            float: Some(7.625),
            time: DateTime::from_secs(5),
            list: Some(vec!["x".into(), "y".into()]),
            sparse: Some(vec![Some("x".into()), None]),
            map: Some(HashMap::from([("a".into(), 1)])),
            blob: Some(Bytes::from_static(b"\x01\x02")),
            ..All::default()
        }
    );
    // Untagged float timestamps, and big numbers as plain integers, floats or decimals.
    let v = decode(b"\xa3\x64Time\xfb\x41\xcc\x37\xdb\x38\x0f\xbe\x77\x63Big\x18\x2a\x63Dec\xc4\x82\x21\x19\x01\x2c").unwrap();
    assert_eq!(v.time.unwrap().fmt_epoch_seconds(), "946845296.123");
    assert_eq!(v.big.as_deref(), Some("42"));
    assert_eq!(v.dec.as_deref(), Some("3.00"));
}

#[test]
fn malformed_input_is_an_error() {
    let cases: &[&[u8]] = &[
        b"",
        b"\xff",
        b"\x01",                                             // not a map
        b"\xa1",                                             // ends early
        b"\xa1\x63Str",                                      // value missing
        b"\xa1\x63Str\x01",                                  // wrong type
        b"\xa1\x63Int\x61x",                                 // wrong type
        b"\xa1\x63Int\x1a\xff\xff\xff\xff",                  // out of range for i32
        b"\xa1\x63Str\x62\xff\xfe",                          // bad UTF-8
        b"\xa1\x01\x01",                                     // non-text key
        b"\xbf\x63Str\x61a",                                 // no break
        b"\xa1\x64Time\xc2\x01",                             // wrong tag
        b"\xa1\x64Time\xfb\x7f\xf0\x00\x00\x00\x00\x00\x00", // infinite timestamp
        b"\xa1\x64List\x9b\xff\xff\xff\xff\xff\xff\xff\xff", // huge length, no items
        b"\xa1\x65Float\xf9\x3e",                            // short half float
        b"\xa1\x67Unknown\x5f\x61a\xff",                     // text chunk in a byte string
    ];
    for c in cases {
        assert!(decode(c).is_err(), "{c:02x?} decoded");
    }
    // Deep nesting through a recursive shape stops at the limit instead of the stack.
    let mut deep = Vec::new();
    for _ in 0..10_000 {
        deep.extend(b"\xa1\x66Nested");
    }
    deep.push(0xa0);
    let e = decode(&deep).unwrap_err();
    assert!(e.to_string().contains("deeper"), "{e}");
}

#[test]
fn documents_are_refused() {
    use ziggurat_core::schema::Document;
    static DOC: [Member; 1] = [Member::new("Doc", &prelude::DOCUMENT)];
    let mut s = CborSerializer::new();
    assert!(s.write_document(&DOC[0], &Document::Null).is_err());
    assert!(
        CborDeserializer::new(b"\xa0")
            .read_document(&DOC[0])
            .is_err()
    );
    assert_eq!(prelude::DOCUMENT.shape_type, ShapeType::Document);
}

// --- the protocol functions ---

static SERVICE: ServiceSchema = ServiceSchema {
    service_id: "Test",
    protocol: ziggurat_core::schema::Protocol::RpcV2Cbor,
    api_version: "2020-07-14",
    target_prefix: "RpcV2Protocol",
    signing_name: "test",
    endpoint_prefix: "test",
    xml_namespace: None,
    query_compatible: false,
};
static QUERY_SERVICE: ServiceSchema = ServiceSchema {
    query_compatible: true,
    ..SERVICE
};

static ERROR_MEMBERS: [Member; 1] = [Member::new("Message", &prelude::STRING)];
static ERROR_SCHEMA: Schema = Schema::structure("InvalidGreeting", &ERROR_MEMBERS);

#[derive(Debug, PartialEq)]
struct InvalidGreeting {
    message: Option<String>,
}
impl DeserializeValue for InvalidGreeting {
    fn deserialize_value(_m: &'static Member, d: &mut dyn ShapeDeserializer) -> CodecResult<Self> {
        let mut out = InvalidGreeting { message: None };
        d.read_struct(&ERROR_SCHEMA, &mut |i, d| {
            if i == 0 {
                out.message = de::member(&ERROR_SCHEMA, 0, d)?;
            }
            Ok(())
        })?;
        Ok(out)
    }
}

static ERRORS: [ziggurat_core::schema::ErrorSchema; 1] = [ziggurat_core::schema::ErrorSchema {
    code: "InvalidGreeting",
    schema: &ERROR_SCHEMA,
    status: Some(400),
    server_fault: false,
    deserialize: ziggurat_core::schema::operation::deserialize_error::<InvalidGreeting>,
}];

fn op(input: &'static Schema) -> OperationSchema {
    OperationSchema {
        name: "Greeting",
        method: "POST",
        uri: "/",
        success_status: None,
        input,
        output: &ALL,
        result_wrapper: None,
        errors: &ERRORS,
        host_prefix: None,
        flags: 0,
        endpoint_params: &[],
    }
}

fn leak<T>(v: T) -> &'static T {
    Box::leak(Box::new(v))
}

#[test]
fn requests() {
    let o = leak(op(&ALL));
    let mut input = All {
        s: Some("x".into()),
        ..All::default()
    };
    let req = serialize_request(&SERVICE, o, &mut input).unwrap();
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(req.uri(), "/service/RpcV2Protocol/operation/Greeting");
    let h = req.headers();
    assert_eq!(h["smithy-protocol"], "rpc-v2-cbor");
    assert_eq!(h["accept"], "application/cbor");
    assert_eq!(h["content-type"], "application/cbor");
    assert!(h.get("x-amzn-query-mode").is_none());
    assert_eq!(req.body().bytes(), Some(&b"\xa1\x63Str\x61x"[..]));

    // Unit input: no body, no content type.
    let o = leak(op(&prelude::UNIT));
    let req = serialize_request(&QUERY_SERVICE, o, &mut All::default()).unwrap();
    let h = req.headers();
    assert!(h.get("content-type").is_none());
    assert_eq!(h["x-amzn-query-mode"], "true");
    assert_eq!(req.body().bytes().map(<[u8]>::len).unwrap_or(0), 0);
}

fn response(status: u16, headers: &[(&str, &str)]) -> http::response::Parts {
    let mut b = http::Response::builder().status(status);
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(()).unwrap().into_parts().0
}

#[test]
fn responses() {
    let o = leak(op(&ALL));
    let read = |status: u16, headers: &[(&str, &str)], body: &'static [u8]| {
        crate::protocol::deserialize_output::<All>(
            &SERVICE,
            o,
            &response(status, headers),
            ResponseBody::Buffered(Bytes::from_static(body)),
        )
    };
    assert_eq!(read(200, &[], b"").unwrap(), All::default());
    assert_eq!(read(200, &[], b"\xa1\x63Int\x07").unwrap().int, Some(7));
    let e = read(200, &[], b"\xa1\x63Int").unwrap_err();
    assert!(
        e.to_string().contains("CBOR") || format!("{e:?}").contains("CBOR"),
        "{e:?}"
    );

    let body = b"\xbf\x66__type\x78\x2esmithy.protocoltests.rpcv2Cbor#InvalidGreeting\x67Message\x62Hi\xff";
    let e = read(400, &[("x-amzn-requestid", "R1")], body).unwrap_err();
    let api = e.as_service_error().unwrap();
    assert_eq!(api.code(), "InvalidGreeting");
    assert_eq!(api.message(), Some("Hi"));
    assert_eq!(api.request_id(), Some("R1"));
    assert_eq!(
        api.modeled::<InvalidGreeting>(),
        Some(&InvalidGreeting {
            message: Some("Hi".into())
        })
    );
}

#[test]
fn error_codes() {
    let p = response(400, &[("x-amzn-query-error", "Customized;Sender")]);
    let body = b"\xa2\x66__type\x6dns#CustomCode\x67message\x62Hi";
    assert_eq!(parse_error(&p, body, false).code(), "CustomCode");
    let e = parse_error(&p, body, true);
    assert_eq!(e.code(), "Customized");
    assert_eq!(e.message(), Some("Hi"));
    assert_eq!(e.fault(), Fault::Client);
    // `:` suffixes are stripped; garbage and empty bodies fall back to the status.
    let body = b"\xa1\x66__type\x6fns#Foo:http://x";
    assert_eq!(parse_error(&response(400, &[]), body, false).code(), "Foo");
    assert_eq!(
        parse_error(&response(503, &[]), b"<html>", false).code(),
        "ServiceUnavailable"
    );
    assert_eq!(
        parse_error(&response(404, &[]), b"", false).code(),
        "NotFound"
    );
    // A non-text `__type` is ignored.
    assert_eq!(
        parse_error(&response(500, &[]), b"\xa1\x66__type\x01", false).code(),
        "InternalServerError"
    );
}

#[test]
fn random_and_mutated_input_never_panics() {
    let valid = CborSerializer::to_vec(&full()).unwrap();
    let mut rng = fastrand::Rng::with_seed(7);
    for round in 0..20_000 {
        let bytes: Vec<u8> = if round % 2 == 0 {
            let mut b = valid.clone();
            for _ in 0..rng.usize(1..4) {
                let i = rng.usize(..b.len());
                b[i] = rng.u8(..);
            }
            b.truncate(rng.usize(..=b.len()));
            b
        } else {
            (0..rng.usize(..64)).map(|_| rng.u8(..)).collect()
        };
        let _ = decode(&bytes);
        let _ = parse_error(&response(400, &[]), &bytes, true);
    }
}
