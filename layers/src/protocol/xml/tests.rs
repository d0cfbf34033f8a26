use std::collections::HashMap;

use bytes::Bytes;
use ziggurat_core::schema::de::{self, DeserializeValue, ShapeDeserializer, deserialize_root};
use ziggurat_core::schema::error::CodecResult;
use ziggurat_core::schema::ser::{SerResult, SerializeShape, SerializeValue, ShapeSerializer};
use ziggurat_core::schema::{
    DateTime, Location, Member, Schema, TimestampFormat, XmlNamespace, flag, prelude,
};

use super::*;

static ITEM_MEMBERS: [Member; 2] = [
    Member::new("a", &prelude::STRING).wire("value"),
    Member::new("id", &prelude::STRING).with_flags(flag::XML_ATTRIBUTE),
];
static ITEM: Schema = Schema::structure("Item", &ITEM_MEMBERS);
static STR_LIST_M: [Member; 1] = [Member::new("member", &prelude::STRING)];
static STR_LIST: Schema = Schema::list("StrList", &STR_LIST_M);
static ITEM_LIST_M: [Member; 1] = [Member::new("member", &ITEM).wire("item")];
static ITEM_LIST: Schema = Schema::list("ItemList", &ITEM_LIST_M);
static MAP_M: [Member; 2] = [
    Member::new("key", &prelude::STRING).wire("K"),
    Member::new("value", &prelude::INTEGER),
];
static MAP: Schema = Schema::map("M", &MAP_M);
static NS: XmlNamespace = XmlNamespace {
    prefix: Some("p"),
    uri: "http://p.example.com",
};
static TOP_M: [Member; 16] = [
    Member::new("Name", &prelude::STRING),
    Member::new("Attr", &prelude::STRING)
        .with_flags(flag::XML_ATTRIBUTE)
        .wire("attr"),
    Member::new("Strings", &STR_LIST),
    Member::new("Flat", &STR_LIST)
        .with_flags(flag::FLATTENED)
        .wire("F"),
    Member::new("Items", &ITEM_LIST),
    Member::new("FlatItems", &ITEM_LIST).with_flags(flag::FLATTENED),
    Member::new("Map", &MAP),
    Member::new("FlatMap", &MAP).with_flags(flag::FLATTENED),
    Member::new("When", &prelude::TIMESTAMP),
    Member::new("Epoch", &prelude::TIMESTAMP).with_timestamp_format(TimestampFormat::EpochSeconds),
    Member::new("Data", &prelude::BLOB),
    Member::new("F64", &prelude::DOUBLE),
    Member::new("F32", &prelude::FLOAT),
    Member::new("Ok", &prelude::BOOLEAN),
    Member::new("Ns", &prelude::STRING).with_xml_namespace(NS),
    Member::new("Header", &prelude::STRING).at(Location::Header),
];
static TOP: Schema = Schema::structure("Top", &TOP_M).with_xml_namespace(XmlNamespace {
    prefix: None,
    uri: "http://top.example.com/",
});

#[derive(Default, PartialEq)]
struct Item {
    a: Option<String>,
    id: Option<String>,
}
ziggurat_core::shape_value!(Item);

impl SerializeShape for Item {
    fn schema(&self) -> &'static Schema {
        &ITEM
    }
    fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
        self.a.serialize_member(&ITEM_MEMBERS[0], s)?;
        self.id.serialize_member(&ITEM_MEMBERS[1], s)
    }
}

impl DeserializeValue for Item {
    fn deserialize_value(_: &'static Member, d: &mut dyn ShapeDeserializer) -> CodecResult<Self> {
        let mut out = Item::default();
        d.read_struct(&ITEM, &mut |i, d| {
            match i {
                0 => out.a = de::member(&ITEM, i, d)?,
                1 => out.id = de::member(&ITEM, i, d)?,
                _ => {}
            }
            Ok(())
        })?;
        Ok(out)
    }
}

fn item(a: &str, id: Option<&str>) -> Item {
    Item {
        a: Some(a.into()),
        id: id.map(Into::into),
    }
}

#[derive(Default, PartialEq)]
struct Top {
    name: Option<String>,
    attr: Option<String>,
    strings: Option<Vec<String>>,
    flat: Option<Vec<String>>,
    items: Option<Vec<Item>>,
    flat_items: Option<Vec<Item>>,
    map: Option<HashMap<String, i32>>,
    flat_map: Option<HashMap<String, i32>>,
    when: Option<DateTime>,
    epoch: Option<DateTime>,
    data: Option<Bytes>,
    f64: Option<f64>,
    f32: Option<f32>,
    ok: Option<bool>,
    ns: Option<String>,
    header: Option<String>,
}
ziggurat_core::shape_value!(Top);

impl SerializeShape for Top {
    fn schema(&self) -> &'static Schema {
        &TOP
    }
    fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
        let m = &TOP_M;
        self.name.serialize_member(&m[0], s)?;
        self.attr.serialize_member(&m[1], s)?;
        self.strings.serialize_member(&m[2], s)?;
        self.flat.serialize_member(&m[3], s)?;
        self.items.serialize_member(&m[4], s)?;
        self.flat_items.serialize_member(&m[5], s)?;
        self.map.serialize_member(&m[6], s)?;
        self.flat_map.serialize_member(&m[7], s)?;
        self.when.serialize_member(&m[8], s)?;
        self.epoch.serialize_member(&m[9], s)?;
        self.data.serialize_member(&m[10], s)?;
        self.f64.serialize_member(&m[11], s)?;
        self.f32.serialize_member(&m[12], s)?;
        self.ok.serialize_member(&m[13], s)?;
        self.ns.serialize_member(&m[14], s)?;
        self.header.serialize_member(&m[15], s)
    }
}

impl DeserializeValue for Top {
    fn deserialize_value(_: &'static Member, d: &mut dyn ShapeDeserializer) -> CodecResult<Self> {
        let mut o = Top::default();
        let s = &TOP;
        d.read_struct(s, &mut |i, d| {
            match i {
                0 => o.name = de::member(s, i, d)?,
                1 => o.attr = de::member(s, i, d)?,
                2 => o.strings = de::member(s, i, d)?,
                3 => o.flat = de::member(s, i, d)?,
                4 => o.items = de::member(s, i, d)?,
                5 => o.flat_items = de::member(s, i, d)?,
                6 => o.map = de::member(s, i, d)?,
                7 => o.flat_map = de::member(s, i, d)?,
                8 => o.when = de::member(s, i, d)?,
                9 => o.epoch = de::member(s, i, d)?,
                10 => o.data = de::member(s, i, d)?,
                11 => o.f64 = de::member(s, i, d)?,
                12 => o.f32 = de::member(s, i, d)?,
                13 => o.ok = de::member(s, i, d)?,
                14 => o.ns = de::member(s, i, d)?,
                15 => o.header = de::member(s, i, d)?,
                _ => {}
            }
            Ok(())
        })?;
        Ok(o)
    }
}

fn sample() -> Top {
    Top {
        name: Some("a & <b>".into()),
        attr: Some("x\"y".into()),
        strings: Some(vec!["s1".into(), "s2".into()]),
        flat: Some(vec!["f1".into(), "f2".into()]),
        items: Some(vec![item("i1", Some("1")), item("i2", None)]),
        flat_items: Some(vec![item("fi1", None)]),
        map: Some(HashMap::from([("k".to_owned(), 1)])),
        flat_map: Some(HashMap::from([("fk".to_owned(), -2)])),
        when: DateTime::from_secs_and_nanos(1398796238, 120_000_000),
        epoch: DateTime::from_secs(1398796238),
        data: Some(Bytes::from_static(b"value")),
        f64: Some(f64::NEG_INFINITY),
        f32: Some(10.8),
        ok: Some(false),
        ns: Some("n".into()),
        header: Some("not in the body".into()),
    }
}

const SAMPLE_XML: &str = concat!(
    r#"<TopRequest xmlns="http://top.example.com/" attr="x&quot;y">"#,
    "<Name>a &amp; &lt;b&gt;</Name>",
    "<Strings><member>s1</member><member>s2</member></Strings>",
    "<F>f1</F><F>f2</F>",
    r#"<Items><item id="1"><value>i1</value></item><item><value>i2</value></item></Items>"#,
    "<FlatItems><value>fi1</value></FlatItems>",
    "<Map><entry><K>k</K><value>1</value></entry></Map>",
    "<FlatMap><K>fk</K><value>-2</value></FlatMap>",
    "<When>2014-04-29T18:30:38.12Z</When>",
    "<Epoch>1398796238</Epoch>",
    "<Data>dmFsdWU=</Data>",
    "<F64>-Infinity</F64>",
    "<F32>10.8</F32>",
    "<Ok>false</Ok>",
    r#"<Ns xmlns:p="http://p.example.com">n</Ns>"#,
    "</TopRequest>"
);

fn read_top(body: &[u8]) -> CodecResult<Top> {
    let mut out = None;
    read_root(body, &mut |d| {
        out = Some(deserialize_root::<Top>(d)?);
        Ok(())
    })?;
    Ok(out.unwrap())
}

#[test]
fn serializes_every_kind_of_member() {
    let body = serialize_root(&sample(), "TopRequest", None).unwrap();
    assert_eq!(body, SAMPLE_XML);
}

#[test]
fn round_trips() {
    let back = read_top(SAMPLE_XML.as_bytes()).unwrap();
    let mut expected = sample();
    expected.header = None;
    assert!(back == expected, "{back:?}");
}

#[test]
fn reads_leniently() {
    // Whitespace, a declaration, prefixes and namespaces, unknown elements, interleaved
    // flattened lists, CDATA, self-closed and empty elements, epoch seconds in a date-time
    // member, a timestamp with an offset.
    let body = br#"<?xml version="1.0" encoding="UTF-8"?>
<TopResponse xmlns="http://top.example.com/" xmlns:q="urn:q" q:attr="v">
    <Unknown><Name>no</Name></Unknown>
    <F>f1</F>
    <Name><![CDATA[<raw>]]> &amp; more</Name>
    <F>f2</F>
    <Strings/>
    <Items>
        <item id="7"><value>i1</value><extra/></item>
    </Items>
    <Map>
    </Map>
    <FlatMap><K>a</K><value>1</value></FlatMap>
    <FlatMap><K>b</K><value> 2 </value></FlatMap>
    <When>2019-12-16T22:48:18-01:00</When>
    <Epoch>1398796238.5</Epoch>
    <Data/>
    <F64>NaN</F64>
    <Ok> true </Ok>
    <Ns>x</Ns>
    <Header>from the body</Header>
</TopResponse>"#;
    let t = read_top(body).unwrap();
    assert_eq!(t.attr.as_deref(), Some("v"));
    assert_eq!(t.name.as_deref(), Some("<raw> & more"));
    assert_eq!(t.flat, Some(vec!["f1".to_owned(), "f2".to_owned()]));
    assert_eq!(t.strings, Some(vec![]));
    assert!(t.items == Some(vec![item("i1", Some("7"))]));
    assert_eq!(t.map, Some(HashMap::new()));
    assert_eq!(
        t.flat_map,
        Some(HashMap::from([("a".to_owned(), 1), ("b".to_owned(), 2)]))
    );
    assert_eq!(t.when.map(|w| w.epoch_seconds()), Some(1576540098));
    assert_eq!(t.epoch.map(|w| w.as_secs_f64()), Some(1398796238.5));
    assert_eq!(t.data, Some(Bytes::new()));
    assert!(t.f64.is_some_and(f64::is_nan));
    assert_eq!(t.ok, Some(true));
    assert_eq!(t.ns.as_deref(), Some("x"));
    // The deserializer does not know locations unless told.
    assert_eq!(t.header.as_deref(), Some("from the body"));
    let root = parse(body).unwrap();
    let mut header = Some(String::new());
    XmlDeserializer::new(&root)
        .body_members_only()
        .read_struct(&TOP, &mut |i, d| {
            if i == 15 {
                header = de::member(&TOP, i, d)?;
            }
            Ok(())
        })
        .unwrap();
    assert_eq!(header.as_deref(), Some(""));
}

#[test]
fn empty_body_and_missing_path_read_as_empty() {
    let t = read_top(b"").unwrap();
    assert!(t == Top::default());
    let mut seen = 0;
    read_at(b"<A><B><Name>x</Name></B></A>", &["A", "C"], &mut |d| {
        d.read_struct(&TOP, &mut |_, _| {
            seen += 1;
            Ok(())
        })
    })
    .unwrap();
    assert_eq!(seen, 0);
    let mut name: Option<String> = None;
    read_at(b"<A><B><Name>x</Name></B></A>", &["A", "B"], &mut |d| {
        d.read_struct(&TOP, &mut |i, d| {
            name = de::member(&TOP, i, d)?;
            Ok(())
        })
    })
    .unwrap();
    assert_eq!(name.as_deref(), Some("x"));
}

#[test]
fn bad_values_are_errors_not_panics() {
    for body in [
        &b"<T><Ok>yes</Ok></T>"[..],
        b"<T><F64>1.2.3</F64></T>",
        b"<T><When>yesterday</When></T>",
        b"<T><Data>!!!</Data></T>",
        b"<T><Map><entry><K>k</K><value>x</value></entry></Map></T>",
        b"<T><Name>unclosed</T>",
        b"<T><Name>&nope;</Name></T>",
    ] {
        let e = read_top(body).err();
        assert!(e.is_some(), "{}", String::from_utf8_lossy(body));
    }
    let e = read_top(b"<T><Items><item><value>x</value></item></Items><Map><entry><K>k</K><value>x</value></entry></Map></T>")
        .err()
        .unwrap();
    assert!(e.to_string().contains("Map"), "{e}");
}

#[test]
fn required_members_are_checked_when_building_a_request() {
    static REQ_M: [Member; 1] = [Member::new("Name", &prelude::STRING).required()];
    static REQ: Schema = Schema::structure("Req", &REQ_M);
    struct Req(Option<String>);
    impl SerializeShape for Req {
        fn schema(&self) -> &'static Schema {
            &REQ
        }
        fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
            self.0.serialize_member(&REQ_M[0], s)
        }
    }
    assert!(serialize_root(&Req(None), "R", None).is_err());
    let mut s = XmlSerializer::new();
    Req(None).serialize_members(&mut s).unwrap();
    assert!(s.is_empty());
    assert_eq!(s.finish("R", None), "<R></R>");
}

#[test]
fn base64_and_floats() {
    assert_eq!(decode_base64("dmFs\ndWU").unwrap(), b"value");
    assert!(decode_base64("***").is_err());
    assert_eq!(fmt_float(f64::NAN), "NaN");
    assert_eq!(fmt_float(f32::INFINITY), "Infinity");
    assert_eq!(fmt_float(5.5f64), "5.5");
    assert_eq!(fmt_float(10.8f32), "10.8");
}

#[test]
fn truncated_and_mangled_documents_never_panic() {
    let doc = SAMPLE_XML.as_bytes();
    for end in 0..doc.len() {
        let _ = read_top(&doc[..end]);
    }
    for (i, b) in [b'<', b'>', b'&', b'"', b'/', 0xff]
        .into_iter()
        .cycle()
        .take(600)
        .enumerate()
    {
        let mut d = doc.to_vec();
        let at = (i * 37) % d.len();
        d[at] = b;
        let _ = read_top(&d);
    }
}

#[test]
fn large_flattened_lists_read_in_linear_time() {
    let mut body = String::from("<T>");
    for i in 0..20_000 {
        body.push_str(&format!(
            "<F>{i}</F><FlatItems><value>{i}</value></FlatItems>"
        ));
    }
    body.push_str("<Name>n</Name></T>");
    let start = std::time::Instant::now();
    let t = read_top(body.as_bytes()).unwrap();
    assert_eq!(t.flat.map(|f| f.len()), Some(20_000));
    assert_eq!(t.flat_items.map(|f| f.len()), Some(20_000));
    assert_eq!(t.name.as_deref(), Some("n"));
    assert!(start.elapsed() < std::time::Duration::from_secs(5));
}

#[test]
fn error_documents() {
    for body in [
        &b"<Error><Name>e</Name></Error>"[..],
        b"<ErrorResponse><Error><Name>e</Name></Error><RequestId>r</RequestId></ErrorResponse>",
        b"<Response><Errors><Error><Name>e</Name></Error></Errors></Response>",
    ] {
        let mut name: Option<String> = None;
        read_error(body, &mut |d| {
            d.read_struct(&TOP, &mut |i, d| {
                name = de::member(&TOP, i, d)?;
                Ok(())
            })
        })
        .unwrap();
        assert_eq!(name.as_deref(), Some("e"));
    }
    assert!(read_error(b"<Other/>", &mut |_| Ok(())).is_err());
}
