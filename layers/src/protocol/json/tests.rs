use std::collections::HashMap;

use bytes::Bytes;
use ziggurat_core::schema::de::{self, DeserializeValue, ShapeDeserializer};
use ziggurat_core::schema::error::CodecResult;
use ziggurat_core::schema::ser::{SerResult, SerializeShape, SerializeValue, ShapeSerializer};
use ziggurat_core::schema::{
    DateTime, Document, Location, Member, Schema, ShapeType, TimestampFormat, flag, prelude,
};

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

static ITEM_MEMBERS: [Member; 12] = [
    Member::new("Name", &prelude::STRING)
        .wire("name")
        .required(),
    Member::new("Count", &prelude::INTEGER),
    Member::new("Ratio", &prelude::DOUBLE),
    Member::new("Small", &prelude::FLOAT),
    Member::new("Data", &prelude::BLOB),
    Member::new("When", &prelude::TIMESTAMP),
    Member::new("WhenIso", &prelude::TIMESTAMP).with_timestamp_format(TimestampFormat::DateTime),
    Member::new("Tags", &STRINGS),
    Member::new("Sparse", &SPARSE_STRINGS),
    Member::new("Counts", &COUNTS),
    Member::new("Doc", &prelude::DOCUMENT),
    Member::new("Child", &ITEM),
];
static ITEM: Schema = Schema::structure("Item", &ITEM_MEMBERS);

#[derive(Debug, Default, PartialEq)]
struct Item {
    name: String,
    count: Option<i32>,
    ratio: Option<f64>,
    small: Option<f32>,
    data: Option<Bytes>,
    when: Option<DateTime>,
    when_iso: Option<DateTime>,
    tags: Option<Vec<String>>,
    sparse: Option<Vec<Option<String>>>,
    counts: Option<HashMap<String, i32>>,
    doc: Option<Document>,
    child: Option<Box<Item>>,
}

impl SerializeShape for Item {
    fn schema(&self) -> &'static Schema {
        &ITEM
    }
    fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
        let m = &ITEM_MEMBERS;
        self.name.serialize_member(&m[0], s)?;
        self.count.serialize_member(&m[1], s)?;
        self.ratio.serialize_member(&m[2], s)?;
        self.small.serialize_member(&m[3], s)?;
        self.data.serialize_member(&m[4], s)?;
        self.when.serialize_member(&m[5], s)?;
        self.when_iso.serialize_member(&m[6], s)?;
        self.tags.serialize_member(&m[7], s)?;
        self.sparse.serialize_member(&m[8], s)?;
        self.counts.serialize_member(&m[9], s)?;
        self.doc.serialize_member(&m[10], s)?;
        self.child.serialize_member(&m[11], s)
    }
}

impl SerializeValue for Item {
    fn serialize_value(&self, member: &'static Member, s: &mut dyn ShapeSerializer) -> SerResult {
        s.write_struct(member, self)
    }
}

impl DeserializeValue for Item {
    fn deserialize_value(_: &'static Member, d: &mut dyn ShapeDeserializer) -> CodecResult<Self> {
        let mut out = Item::default();
        d.read_struct(&ITEM, &mut |i, d| {
            match i {
                0 => out.name = de::member(&ITEM, 0, d)?,
                1 => out.count = de::member(&ITEM, 1, d)?,
                2 => out.ratio = de::member(&ITEM, 2, d)?,
                3 => out.small = de::member(&ITEM, 3, d)?,
                4 => out.data = de::member(&ITEM, 4, d)?,
                5 => out.when = de::member(&ITEM, 5, d)?,
                6 => out.when_iso = de::member(&ITEM, 6, d)?,
                7 => out.tags = de::member(&ITEM, 7, d)?,
                8 => out.sparse = de::member(&ITEM, 8, d)?,
                9 => out.counts = de::member(&ITEM, 9, d)?,
                10 => out.doc = de::member(&ITEM, 10, d)?,
                11 => out.child = de::member(&ITEM, 11, d)?,
                _ => {}
            }
            Ok(())
        })?;
        Ok(out)
    }
}

fn full() -> Item {
    Item {
        name: "a \"quoted\"\\ name\n\u{1}é😀".into(),
        count: Some(-3),
        ratio: Some(1.5),
        small: Some(1.1),
        data: Some(Bytes::from_static(b"hi there")),
        when: DateTime::parse_epoch_seconds("1515531081.123"),
        when_iso: DateTime::parse_rfc3339("2018-01-09T20:51:21Z"),
        tags: Some(vec!["x".into(), "y".into()]),
        sparse: Some(vec![Some("x".into()), None]),
        counts: Some(HashMap::from([("k".to_owned(), 7)])),
        doc: Some(Document::Object(
            [
                ("n".to_owned(), Document::Number(2.0)),
                ("f".to_owned(), Document::Number(2.5)),
                (
                    "l".to_owned(),
                    Document::Array(vec![Document::Null, Document::Bool(true)]),
                ),
            ]
            .into_iter()
            .collect(),
        )),
        child: Some(Box::new(Item {
            name: "child".into(),
            ..Item::default()
        })),
    }
}

#[test]
fn writes_smithy_json() {
    let text = String::from_utf8(to_vec(&full(), JsonOptions::WIRE).unwrap()).unwrap();
    assert_eq!(
        text,
        r#"{"name":"a \"quoted\"\\ name\n\u0001é😀","Count":-3,"Ratio":1.5,"Small":1.1,"Data":"aGkgdGhlcmU=","When":1515531081.123,"WhenIso":"2018-01-09T20:51:21Z","Tags":["x","y"],"Sparse":["x",null],"Counts":{"k":7},"Doc":{"f":2.5,"l":[null,true],"n":2},"Child":{"name":"child"}}"#
    );
}

#[test]
fn round_trips() {
    for opts in [JsonOptions::WIRE, JsonOptions::CLI] {
        let item = full();
        let text = to_vec(&item, opts).unwrap();
        let back: Item = from_slice(&text, opts).unwrap();
        assert_eq!(back, item, "{}", String::from_utf8_lossy(&text));
    }
}

#[test]
fn cli_names_and_iso_timestamps() {
    let text = String::from_utf8(to_vec(&full(), JsonOptions::CLI).unwrap()).unwrap();
    assert!(text.starts_with(r#"{"Name":"#), "{text}");
    assert!(
        text.contains(r#""When":"2018-01-09T20:51:21.123Z""#),
        "{text}"
    );
}

#[test]
fn non_finite_floats_are_strings() {
    let item = Item {
        ratio: Some(f64::NAN),
        small: Some(f32::NEG_INFINITY),
        ..Item::default()
    };
    let text = to_vec(&item, JsonOptions::WIRE).unwrap();
    assert_eq!(text, br#"{"name":"","Ratio":"NaN","Small":"-Infinity"}"#);
    let back: Item = from_slice(
        br#"{"Ratio":"Infinity","Small":"-Infinity"}"#,
        JsonOptions::WIRE,
    )
    .unwrap();
    assert_eq!(back.ratio, Some(f64::INFINITY));
    assert_eq!(back.small, Some(f32::NEG_INFINITY));
    assert!(from_slice::<Item>(br#"{"Ratio":"fast"}"#, JsonOptions::WIRE).is_err());
}

#[test]
fn lenient_reading() {
    let back: Item = from_slice(
        br#" { "unknown": {"deep": [1, {"x": null}]}, "name": "n", "Count": null,
              "Ratio": 2, "When": "2018-01-09T20:51:21.5Z", "WhenIso": 1515531081,
              "Tags": ["a", null, "b"], "Sparse": [null, "s"], "Counts": {"a": 1, "b": null},
              "Data": "aGk" } "#,
        JsonOptions::WIRE,
    )
    .unwrap();
    assert_eq!(back.name, "n");
    assert_eq!(back.count, None);
    assert_eq!(back.ratio, Some(2.0));
    assert_eq!(back.when.unwrap().fmt_date_time(), "2018-01-09T20:51:21.5Z");
    assert_eq!(back.when_iso.unwrap().epoch_seconds(), 1515531081);
    assert_eq!(back.tags.unwrap(), ["a", "b"]);
    assert_eq!(back.sparse.unwrap(), [None, Some("s".to_owned())]);
    assert_eq!(back.counts.unwrap(), HashMap::from([("a".to_owned(), 1)]));
    assert_eq!(back.data.unwrap(), Bytes::from_static(b"hi"));
}

#[test]
fn empty_body_is_an_empty_structure() {
    for body in [&b""[..], b"  \n", b"{}", b"null"] {
        let back: Item = from_slice(body, JsonOptions::WIRE).unwrap();
        assert_eq!(back, Item::default());
    }
}

#[test]
fn malformed_input_is_an_error() {
    for body in [
        &br#"{"name": "#[..],
        br#"{"name": "x""#,
        br#"{"name": "x"} trailing"#,
        br#"{"name": 3}"#,
        br#"{"Count": "3"}"#,
        br#"{"Count": 1.5}"#,
        br#"{"Count": 99999999999}"#,
        br#"{"Tags": {}}"#,
        br#"{"Data": "!!"}"#,
        br#"{"When": "yesterday"}"#,
        br#"{"When": 1e300}"#,
        br#"{"name": "\ud800"}"#,
        br#"[1]"#,
        b"{\"name\": \"\xff\"}",
        br#"{"Count": 123456789012345678901234567890}"#,
    ] {
        let r = from_slice::<Item>(body, JsonOptions::WIRE);
        assert!(
            r.is_err(),
            "{} read as {r:?}",
            String::from_utf8_lossy(body)
        );
    }
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let mut text = String::new();
    for _ in 0..10_000 {
        text.push_str(r#"{"Child":"#);
    }
    let e = from_slice::<Item>(text.as_bytes(), JsonOptions::WIRE).unwrap_err();
    assert!(e.to_string().contains("nested"), "{e}");
    let docs = "[".repeat(10_000);
    let e =
        from_slice::<Item>(format!(r#"{{"Doc":{docs}"#).as_bytes(), JsonOptions::WIRE).unwrap_err();
    assert!(e.to_string().contains("nested"), "{e}");
    // An unknown key's value is skipped by the parser, which has its own limit.
    let e =
        from_slice::<Item>(format!(r#"{{"x":{docs}"#).as_bytes(), JsonOptions::WIRE).unwrap_err();
    assert!(!e.to_string().is_empty());
}

#[test]
fn a_member_the_consumer_ignores_is_skipped() {
    static MEMBERS: [Member; 2] = [
        Member::new("A", &prelude::STRING),
        Member::new("B", &prelude::STRING),
    ];
    static S: Schema = Schema::structure("S", &MEMBERS);
    let mut d = JsonDeserializer::new(br#"{"A": {"x": [1, 2]}, "B": "b"}"#, JsonOptions::WIRE);
    let mut b = None;
    d.read_struct(&S, &mut |i, d| {
        if i == 1 {
            b = Some(d.read_string(&MEMBERS[1])?);
        }
        Ok(())
    })
    .unwrap();
    d.finish().unwrap();
    assert_eq!(b.as_deref(), Some("b"));
}

#[test]
fn wire_names_read_body_members_only() {
    static MEMBERS: [Member; 2] = [
        Member::new("Header", &prelude::STRING).at_named(Location::Header, "X-H"),
        Member::new("Body", &prelude::STRING),
    ];
    static S: Schema = Schema::structure("S", &MEMBERS);
    let mut seen = Vec::new();
    let mut d = JsonDeserializer::new(
        br#"{"X-H": "h", "Header": "h", "Body": "b"}"#,
        JsonOptions::WIRE,
    );
    d.read_struct(&S, &mut |i, d| {
        seen.push((i, d.read_string(&MEMBERS[i])?));
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, [(1, "b".to_owned())]);
    let mut seen = Vec::new();
    let mut d = JsonDeserializer::new(br#"{"Header": "h"}"#, JsonOptions::CLI);
    d.read_struct(&S, &mut |i, d| {
        seen.push((i, d.read_string(&MEMBERS[i])?));
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, [(0, "h".to_owned())]);
}

#[test]
fn serializer_fed_member_by_member() {
    let mut s = JsonSerializer::begin_object(JsonOptions::WIRE);
    assert!(!s.has_fields());
    None::<i32>
        .serialize_member(&ITEM_MEMBERS[1], &mut s)
        .unwrap();
    assert!(!s.has_fields());
    "x".to_owned()
        .serialize_member(&ITEM_MEMBERS[0], &mut s)
        .unwrap();
    Some(2).serialize_member(&ITEM_MEMBERS[1], &mut s).unwrap();
    None::<i32>
        .serialize_member(&ITEM_MEMBERS[1], &mut s)
        .unwrap();
    assert!(s.has_fields());
    assert_eq!(s.finish(), br#"{"name":"x","Count":2}"#);
    // A root value (a payload) has no key.
    let mut s = JsonSerializer::new(JsonOptions::WIRE);
    full()
        .child
        .unwrap()
        .serialize_value(&ITEM_MEMBERS[11], &mut s)
        .unwrap();
    assert_eq!(s.finish(), br#"{"name":"child"}"#);
}

#[test]
fn validating_checks_required_members() {
    let mut s = JsonSerializer::begin_object(JsonOptions::WIRE).validating(true);
    let e = Item::default().serialize_members(&mut s).unwrap_err();
    assert!(e.to_string().contains("Name"), "{e}");
}

#[test]
fn big_numbers_are_written_as_numbers() {
    static M: Member = Member::new("N", &prelude::BIG_DECIMAL);
    let mut s = JsonSerializer::begin_object(JsonOptions::WIRE);
    s.write_big_number(&M, "1.5e400").unwrap();
    assert!(s.write_big_number(&M, "1.5.3").is_err());
    assert_eq!(s.finish(), br#"{"N":1.5e400}"#);
    let mut d = JsonDeserializer::new(b"123456789012345678901234567890", JsonOptions::WIRE);
    assert_eq!(
        d.read_big_number(&M).unwrap(),
        "123456789012345678901234567890"
    );
    let _ = ShapeType::BigDecimal;
}

#[test]
fn floats_are_short() {
    static D: Member = Member::new("D", &prelude::DOUBLE);
    static F: Member = Member::new("F", &prelude::FLOAT);
    let mut s = JsonSerializer::new(JsonOptions::WIRE);
    s.write_double(&D, 1e300).unwrap();
    assert_eq!(s.finish(), b"1e300");
    let mut s = JsonSerializer::new(JsonOptions::WIRE);
    s.write_float(&F, 0.1).unwrap();
    assert_eq!(s.finish(), b"0.1");
    let mut d = JsonDeserializer::new(b"1e300", JsonOptions::WIRE);
    assert_eq!(d.read_double(&D).unwrap(), 1e300);
    let mut d = JsonDeserializer::new(b"123456789012345678901234567890", JsonOptions::WIRE);
    assert_eq!(d.read_double(&D).unwrap(), 1.2345678901234568e29);
}

#[test]
fn mangled_bodies_never_panic() {
    let good = to_vec(&full(), JsonOptions::WIRE).unwrap();
    let mut rng = fastrand::Rng::with_seed(7);
    let alphabet = b"{}[]\",:0123456789.eE+-tfnul\\ x";
    for _ in 0..5000 {
        let mut body = good.clone();
        for _ in 0..rng.usize(1..4) {
            match rng.u8(0..3) {
                0 if !body.is_empty() => {
                    let i = rng.usize(..body.len());
                    body[i] = alphabet[rng.usize(..alphabet.len())];
                }
                1 if !body.is_empty() => {
                    body.truncate(rng.usize(..body.len()));
                }
                _ => {
                    let i = rng.usize(..=body.len());
                    body.insert(i, alphabet[rng.usize(..alphabet.len())]);
                }
            }
        }
        for opts in [JsonOptions::WIRE, JsonOptions::CLI] {
            let _ = from_slice::<Item>(&body, opts);
        }
    }
}

#[test]
fn pretty_output_is_the_same_json_indented() {
    let item = Item {
        name: "a, \"b\": [c] {d}".into(),
        tags: Some(vec![]),
        counts: Some(HashMap::from([("k".to_owned(), 1)])),
        child: Some(Box::new(Item::default())),
        ..Item::default()
    };
    let text = String::from_utf8(to_vec_pretty(&item, JsonOptions::CLI).unwrap()).unwrap();
    assert_eq!(
        text,
        "{\n    \"Name\": \"a, \\\"b\\\": [c] {d}\",\n    \"Tags\": [],\n    \"Counts\": {\n        \"k\": 1\n    },\n    \"Child\": {\n        \"Name\": \"\"\n    }\n}"
    );
    let back: Item = from_slice(text.as_bytes(), JsonOptions::CLI).unwrap();
    assert_eq!(back, item);
}

#[test]
fn maps_of_every_size_around_the_gathering_limit_read_whole() {
    // Maps are gathered on the stack up to 16 entries, then spill into the map: each size
    // around that limit reads every entry, with the last of duplicate keys winning.
    for n in [0usize, 1, 15, 16, 17, 40] {
        let entries: Vec<String> = (0..n).map(|i| format!("\"k{i}\":{i}")).collect();
        let body = format!(
            "{{\"name\":\"n\",\"Counts\":{{{}{}\"k0\":99}}}}",
            entries.join(","),
            if n > 0 { "," } else { "" }
        );
        let back: Item = from_slice(body.as_bytes(), JsonOptions::WIRE).unwrap();
        let counts = back.counts.unwrap();
        let mut expected: HashMap<String, i32> =
            (0..n).map(|i| (format!("k{i}"), i as i32)).collect();
        expected.insert("k0".to_owned(), 99);
        assert_eq!(counts, expected, "{n} entries");
    }
}

#[test]
fn blobs_of_every_length_decode_padded_or_not() {
    use base64::Engine as _;
    for len in 0..20usize {
        let bytes: Vec<u8> = (0..len).map(|i| (i * 37) as u8).collect();
        let padded = base64::engine::general_purpose::STANDARD.encode(&bytes);
        for text in [padded.clone(), padded.trim_end_matches('=').to_owned()] {
            let body = format!(r#"{{"Data":"{text}"}}"#);
            let back: Item = from_slice(body.as_bytes(), JsonOptions::WIRE).unwrap();
            assert_eq!(back.data.unwrap(), bytes, "{text}");
        }
    }
    for bad in ["A", "AAAAA", "AA=A", "A===", "AAA\\u0041="] {
        let body = format!(r#"{{"Data":"{bad}"}}"#);
        let e = from_slice::<Item>(body.as_bytes(), JsonOptions::WIRE).unwrap_err();
        assert!(e.to_string().contains("not base64"), "{bad}: {e}");
    }
}

/// A random document: nested arrays and objects of strings (with quotes, backslashes, control
/// characters, accents, CJK and astral characters), numbers, booleans and nulls.
fn random_document(rng: &mut fastrand::Rng, depth: usize) -> Document {
    const CHARS: &[char] = &[
        'a', 'Z', '0', ' ', '"', '\\', '/', '\n', '\t', '\u{1}', '\u{1f}', 'é', 'ß', '漢', '€',
        '😀', '𝄞', '\u{7f}', '\u{ffff}',
    ];
    let text = |rng: &mut fastrand::Rng| -> String {
        (0..rng.usize(0..24))
            .map(|_| CHARS[rng.usize(..CHARS.len())])
            .collect()
    };
    match rng.u8(0..if depth == 0 { 4 } else { 6 }) {
        0 => Document::Null,
        1 => Document::Bool(rng.bool()),
        2 => Document::Number(match rng.u8(0..3) {
            0 => f64::from(rng.i32(..)),
            1 => rng.f64() * 1e6 - 5e5,
            _ => rng.f64() * 10f64.powi(rng.i32(-300..300)),
        }),
        3 => Document::String(text(rng)),
        4 => Document::Array(
            (0..rng.usize(0..6))
                .map(|_| random_document(rng, depth - 1))
                .collect(),
        ),
        _ => Document::Object(
            (0..rng.usize(0..6))
                .map(|_| (text(rng), random_document(rng, depth - 1)))
                .collect(),
        ),
    }
}

/// `json` with every character outside ASCII written as a `\u` escape (a surrogate pair for
/// those beyond the BMP), as some services send it.
fn ascii_escaped(json: &str) -> String {
    let mut out = String::new();
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04X}"));
            }
        }
    }
    out
}

#[test]
fn random_documents_read_as_serde_json_wrote_them() {
    static DOC: Member = Member::new("Doc", &prelude::DOCUMENT);
    let mut rng = fastrand::Rng::with_seed(11);
    for _ in 0..2000 {
        let doc = random_document(&mut rng, 4);
        let json = serde_json::to_string(&to_serde(&doc)).unwrap();
        let pretty = serde_json::to_string_pretty(&to_serde(&doc)).unwrap();
        for text in [json.clone(), ascii_escaped(&json), pretty] {
            let mut d = JsonDeserializer::new(text.as_bytes(), JsonOptions::WIRE);
            let back = d.read_document(&DOC).unwrap();
            d.finish().unwrap();
            assert_eq!(back, doc, "{text}");
            // Skipped as an unknown member, it leaves the parser in step.
            let wrapped = format!(r#"{{"unknown":{text},"name":"after"}}"#);
            let item: Item = from_slice(wrapped.as_bytes(), JsonOptions::WIRE).unwrap();
            assert_eq!(item.name, "after");
        }
    }
}

fn to_serde(doc: &Document) -> serde_json::Value {
    match doc {
        Document::Null => serde_json::Value::Null,
        Document::Bool(b) => (*b).into(),
        Document::Number(n) => (*n).into(),
        Document::String(s) => s.clone().into(),
        Document::Array(items) => items.iter().map(to_serde).collect(),
        Document::Object(fields) => fields
            .iter()
            .map(|(k, v)| (k.clone(), to_serde(v)))
            .collect(),
    }
}
