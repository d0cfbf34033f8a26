use std::collections::{BTreeMap, BTreeSet, HashMap};

use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_bytes::ByteBuf;

use super::*;
use crate::types::AttributeValue;

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: &str) -> AttributeValue {
    AttributeValue::N(v.to_owned())
}

fn m<const K: usize>(entries: [(&str, AttributeValue); K]) -> AttributeValue {
    AttributeValue::M(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v))
            .collect(),
    )
}

fn item<const K: usize>(entries: [(&str, AttributeValue); K]) -> Item {
    entries
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
}

#[test]
fn scalars_become_their_attribute_types() {
    assert_eq!(
        to_attribute_value(&true).unwrap(),
        AttributeValue::Bool(true)
    );
    assert_eq!(to_attribute_value(&-7_i8).unwrap(), n("-7"));
    assert_eq!(
        to_attribute_value(&u128::MAX).unwrap(),
        n(&u128::MAX.to_string())
    );
    assert_eq!(to_attribute_value(&0.1_f64).unwrap(), n("0.1"));
    assert_eq!(to_attribute_value(&1.5_f32).unwrap(), n("1.5"));
    assert_eq!(to_attribute_value(&1e300_f64).unwrap(), n("1e300"));
    assert_eq!(to_attribute_value(&'x').unwrap(), s("x"));
    assert_eq!(to_attribute_value("text").unwrap(), s("text"));
    assert_eq!(to_attribute_value(&()).unwrap(), AttributeValue::Null(true));
    assert_eq!(
        to_attribute_value(&None::<i32>).unwrap(),
        AttributeValue::Null(true)
    );
    assert_eq!(
        to_attribute_value(&ByteBuf::from(vec![0_u8, 255])).unwrap(),
        AttributeValue::B(vec![0_u8, 255].into())
    );
    // A plain Vec<u8> is a list, as in every serde format.
    assert_eq!(
        to_attribute_value(&vec![1_u8]).unwrap(),
        AttributeValue::L(vec![n("1")])
    );
}

#[test]
fn integers_read_back_exactly_at_their_extremes() {
    for v in [i64::MIN, i64::MAX, 0, -1] {
        let back: i64 = from_attribute_value(to_attribute_value(&v).unwrap()).unwrap();
        assert_eq!(back, v);
    }
    let back: u64 = from_attribute_value(n("18446744073709551615")).unwrap();
    assert_eq!(back, u64::MAX);
    let back: i128 = from_attribute_value(n(&i128::MIN.to_string())).unwrap();
    assert_eq!(back, i128::MIN);
    // 2^53 + 1 is not an f64: an integer never goes through one.
    let back: u64 = from_attribute_value(n("9007199254740993")).unwrap();
    assert_eq!(back, 9_007_199_254_740_993);
}

#[test]
fn a_number_that_does_not_fit_is_an_error_naming_the_value_and_the_path() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Scores {
        scores: Vec<u8>,
    }
    let err = from_item::<Scores>(item([(
        "scores",
        AttributeValue::L(vec![n("1"), n("2"), n("300")]),
    )]))
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NumberOutOfRange);
    assert_eq!(err.path(), "scores[2]");
    assert_eq!(
        err.to_string(),
        "number 300 does not fit in u8 at `scores[2]`"
    );

    let err = from_attribute_value::<i64>(n("-9223372036854775809")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NumberOutOfRange);
    let err = from_attribute_value::<i32>(n("1.5")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidNumber);
    assert_eq!(
        err.to_string(),
        "number 1.5 is not an integer, as i32 needs"
    );
    let err = from_attribute_value::<f32>(n("1e39")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NumberOutOfRange);
    let err = from_attribute_value::<f64>(n("NaN")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidNumber);
}

#[test]
fn nan_and_infinity_are_errors_with_their_path() {
    #[derive(Serialize)]
    struct Reading {
        values: Vec<f64>,
    }
    let err = to_item(&Reading {
        values: vec![1.0, f64::INFINITY],
    })
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NonFiniteNumber);
    assert_eq!(err.path(), "values[1]");
    assert!(to_attribute_value(&f32::NAN).is_err());
}

#[test]
fn none_is_an_absent_attribute_and_null_reads_as_none() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Profile {
        name: String,
        nickname: Option<String>,
        history: Vec<Option<u32>>,
    }
    let profile = Profile {
        name: "ada".into(),
        nickname: None,
        history: vec![Some(1), None],
    };
    let written = to_item(&profile).unwrap();
    assert_eq!(
        written,
        item([
            ("name", s("ada")),
            (
                "history",
                AttributeValue::L(vec![n("1"), AttributeValue::Null(true)])
            ),
        ])
    );
    assert_eq!(from_item::<Profile>(written).unwrap(), profile);

    let with_null = item([
        ("name", s("ada")),
        ("nickname", AttributeValue::Null(true)),
        ("history", AttributeValue::L(vec![])),
    ]);
    let read: Profile = from_item(with_null).unwrap();
    assert_eq!(read.nickname, None);
}

#[test]
fn rename_and_flatten_shape_the_item() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Audit {
        #[serde(rename = "createdBy")]
        created_by: String,
        version: u32,
    }
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Doc {
        #[serde(rename = "PK")]
        pk: String,
        #[serde(flatten)]
        audit: Audit,
        #[serde(flatten)]
        rest: HashMap<String, String>,
    }
    let doc = Doc {
        pk: "doc#1".into(),
        audit: Audit {
            created_by: "ada".into(),
            version: 3,
        },
        rest: HashMap::from([("color".to_owned(), "red".to_owned())]),
    };
    let written = to_item(&doc).unwrap();
    assert_eq!(
        written,
        item([
            ("PK", s("doc#1")),
            ("createdBy", s("ada")),
            ("version", n("3")),
            ("color", s("red")),
        ])
    );
    assert_eq!(from_item::<Doc>(written).unwrap(), doc);
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Shape {
    Empty,
    Circle(f64),
    Segment(i32, i32),
    Rect { w: u32, h: u32 },
}

#[test]
fn enums_are_externally_tagged_like_serde_json() {
    assert_eq!(to_attribute_value(&Shape::Empty).unwrap(), s("Empty"));
    assert_eq!(
        to_attribute_value(&Shape::Circle(2.5)).unwrap(),
        m([("Circle", n("2.5"))])
    );
    assert_eq!(
        to_attribute_value(&Shape::Segment(1, -1)).unwrap(),
        m([("Segment", AttributeValue::L(vec![n("1"), n("-1")]))])
    );
    assert_eq!(
        to_attribute_value(&Shape::Rect { w: 2, h: 3 }).unwrap(),
        m([("Rect", m([("w", n("2")), ("h", n("3"))]))])
    );
    for shape in [
        Shape::Empty,
        Shape::Circle(2.5),
        Shape::Segment(1, -1),
        Shape::Rect { w: 2, h: 3 },
    ] {
        let back: Shape = from_attribute_value(to_attribute_value(&shape).unwrap()).unwrap();
        assert_eq!(back, shape);
    }
    let err =
        from_attribute_value::<Shape>(m([("Circle", n("1")), ("Empty", n("2"))])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongType);
    let err = from_attribute_value::<Shape>(m([("Rect", m([("w", s("wide"))]))])).unwrap_err();
    assert_eq!(err.path(), "Rect.w");
}

#[test]
fn tagged_and_untagged_enums_read_through_deserialize_any() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(tag = "type")]
    enum Event {
        Click { x: i64, y: i64 },
        Key { code: String },
    }
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(untagged)]
    enum Loose {
        Int(i64),
        Text(String),
        Many(Vec<Loose>),
    }
    let event = Event::Click { x: -3, y: 9 };
    let written = to_item(&event).unwrap();
    assert_eq!(written["type"], s("Click"));
    assert_eq!(from_item::<Event>(written).unwrap(), event);
    let loose = Loose::Many(vec![Loose::Int(4), Loose::Text("x".into())]);
    let back: Loose = from_attribute_value(to_attribute_value(&loose).unwrap()).unwrap();
    assert_eq!(back, loose);
}

#[test]
fn sets_are_written_as_sets_and_read_back() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Tagged {
        tags: StringSet,
        scores: NumberSet<BTreeSet<i64>>,
        exact: NumberSet,
        keys: BinarySet,
        #[serde(default)]
        maybe: Option<StringSet<Vec<String>>>,
    }
    let tagged = Tagged {
        tags: StringSet(["b".to_owned(), "a".to_owned()].into()),
        scores: NumberSet([i64::MIN, 7].into()),
        exact: NumberSet(["1.000000000000000000000000000000000001".parse().unwrap()].into()),
        keys: BinarySet([vec![1_u8], vec![]].into()),
        maybe: None,
    };
    let written = to_item(&tagged).unwrap();
    assert_eq!(
        written["tags"],
        AttributeValue::Ss(vec!["a".into(), "b".into()])
    );
    assert_eq!(
        written["scores"],
        AttributeValue::Ns(vec!["-9223372036854775808".into(), "7".into()])
    );
    assert_eq!(
        written["exact"],
        AttributeValue::Ns(vec!["1.000000000000000000000000000000000001".into()])
    );
    assert_eq!(
        written["keys"],
        AttributeValue::Bs(vec![Vec::<u8>::new().into(), vec![1_u8].into()])
    );
    assert!(!written.contains_key("maybe"));
    assert_eq!(from_item::<Tagged>(written).unwrap(), tagged);

    // Plain collections read sets too.
    let v: Vec<String> = from_attribute_value(AttributeValue::Ss(vec!["x".into()])).unwrap();
    assert_eq!(v, ["x"]);
    let blobs: Vec<ByteBuf> =
        from_attribute_value(AttributeValue::Bs(vec![vec![9_u8].into()])).unwrap();
    assert_eq!(blobs, [ByteBuf::from(vec![9])]);
}

#[test]
fn an_empty_set_is_an_error_with_its_path() {
    #[derive(Serialize)]
    struct Post {
        meta: BTreeMap<String, StringSet>,
    }
    let err = to_item(&Post {
        meta: BTreeMap::from([("tags".to_owned(), StringSet::default())]),
    })
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::EmptySet);
    assert_eq!(err.path(), "meta.tags");
    assert!(err.to_string().contains("string set (SS)"), "{err}");
    assert_eq!(
        to_attribute_value(&NumberSet(Vec::<u8>::new()))
            .unwrap_err()
            .kind(),
        ErrorKind::EmptySet
    );
    assert_eq!(
        to_attribute_value(&BinarySet(Vec::<Vec<u8>>::new()))
            .unwrap_err()
            .kind(),
        ErrorKind::EmptySet
    );
}

#[test]
fn a_set_with_a_duplicate_or_a_stranger_is_an_error() {
    let err = to_attribute_value(&StringSet(vec!["a", "b", "a"])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DuplicateInSet);
    assert_eq!(err.path(), "[2]");
    assert!(err.to_string().contains("`a`"), "{err}");
    let err = to_attribute_value(&BinarySet(vec![vec![1_u8], vec![1]])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DuplicateInSet);
    // Large sets are checked by sorting.
    let mut many: Vec<String> = (0..40).map(|i| i.to_string()).collect();
    assert!(to_attribute_value(&StringSet(many.clone())).is_ok());
    many.push("17".to_owned());
    let err = to_attribute_value(&StringSet(many)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::DuplicateInSet);
    assert_eq!(err.path(), "[40]");
    let err = to_attribute_value(&StringSet(vec![1, 2])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongSetMember);
    assert_eq!(
        err.to_string(),
        "a string set (SS) cannot hold a number (N) at `[0]`"
    );
    let err = to_attribute_value(&NumberSet(vec!["one"])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongSetMember);
    let err = to_attribute_value(&NumberSet(vec![f64::NAN])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NonFiniteNumber);
}

#[test]
fn map_keys_must_be_strings() {
    #[derive(Serialize)]
    struct Lookup {
        by_id: HashMap<u32, String>,
    }
    let err = to_item(&Lookup {
        by_id: HashMap::from([(1, "one".to_owned())]),
    })
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::KeyNotString);
    assert_eq!(err.path(), "by_id");
    assert_eq!(
        err.to_string(),
        "map keys must be strings, found a number (N) at `by_id`"
    );

    // Enum variants and newtypes of strings are strings.
    #[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    enum Color {
        Red,
        Blue,
    }
    #[derive(Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
    struct UserId(String);
    let by_color = BTreeMap::from([(Color::Red, 1), (Color::Blue, 2)]);
    let back: BTreeMap<Color, i32> =
        from_attribute_value(to_attribute_value(&by_color).unwrap()).unwrap();
    assert_eq!(back, by_color);
    let by_user = BTreeMap::from([(UserId("u1".into()), true)]);
    let back: BTreeMap<UserId, bool> =
        from_attribute_value(to_attribute_value(&by_user).unwrap()).unwrap();
    assert_eq!(back, by_user);
}

#[test]
fn only_maps_and_structs_are_items() {
    assert_eq!(to_item(&5).unwrap_err().kind(), ErrorKind::NotAnItem);
    assert_eq!(
        to_item(&None::<()>).unwrap_err().kind(),
        ErrorKind::NotAnItem
    );
    assert_eq!(
        to_item(&vec![1]).unwrap_err().to_string(),
        "an item must be a struct or a map, found a list (L)"
    );
    let map: HashMap<String, i32> = HashMap::from([("a".to_owned(), 1)]);
    assert_eq!(to_item(&map).unwrap(), item([("a", n("1"))]));
}

#[test]
fn deserialize_any_reads_items_into_json_values() {
    let stored = item([
        ("s", s("text")),
        ("i", n("-12")),
        ("u", n("18446744073709551615")),
        ("f", n("2.5")),
        ("b", AttributeValue::Bool(false)),
        ("null", AttributeValue::Null(true)),
        ("l", AttributeValue::L(vec![n("1"), s("two")])),
        ("m", m([("k", s("v"))])),
        ("ss", AttributeValue::Ss(vec!["x".into()])),
        ("ns", AttributeValue::Ns(vec!["3".into()])),
        ("bin", AttributeValue::B(vec![1_u8, 255].into())),
        ("bs", AttributeValue::Bs(vec![vec![7_u8].into()])),
    ]);
    let json: serde_json::Value = from_item(stored.clone()).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "s": "text", "i": -12, "u": 18446744073709551615_u64, "f": 2.5, "b": false,
            "null": null, "l": [1, "two"], "m": {"k": "v"}, "ss": ["x"], "ns": [3],
            "bin": [1, 255], "bs": [[7]]
        })
    );
    let values: HashMap<String, serde_json::Value> = from_item(stored).unwrap();
    assert_eq!(values["m"], serde_json::json!({"k": "v"}));
    // And a JSON value goes back into an item.
    let written = to_item(&json).unwrap();
    assert_eq!(written["null"], AttributeValue::Null(true));
    assert_eq!(written["u"], n("18446744073709551615"));
}

#[test]
fn binary_reads_as_bytes_or_as_a_vec_of_u8() {
    let b = AttributeValue::B(vec![1_u8, 2, 3].into());
    let buf: ByteBuf = from_attribute_value(b.clone()).unwrap();
    assert_eq!(buf.as_slice(), [1, 2, 3]);
    let plain: Vec<u8> = from_attribute_value(b.clone()).unwrap();
    assert_eq!(plain, [1, 2, 3]);
    let err = from_attribute_value::<[u8; 2]>(b).unwrap_err();
    assert!(err.to_string().contains("invalid length 3"), "{err}");
}

#[test]
fn type_mismatches_and_missing_fields_name_their_path() {
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Inner {
        count: u32,
    }
    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Outer {
        items: Vec<Inner>,
    }
    let err = from_item::<Outer>(item([(
        "items",
        AttributeValue::L(vec![m([("count", n("1"))]), m([("count", s("two"))])]),
    )]))
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongType);
    assert_eq!(err.path(), "items[1].count");
    assert_eq!(
        err.to_string(),
        "invalid type: string \"two\", expected u32 at `items[1].count`"
    );

    let err = from_item::<Outer>(item([("items", AttributeValue::L(vec![m([])]))])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::MissingField);
    assert_eq!(err.path(), "items[0]");
    assert_eq!(err.to_string(), "missing field `count` at `items[0]`");

    let err = from_item::<Outer>(item([("items", AttributeValue::Unknown)])).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::UnknownAttributeType);
    assert_eq!(err.path(), "items");
}

#[test]
fn numbers_keep_their_text_and_refuse_other_types() {
    let text = "-0.000000000000000000000000000000000000123456789";
    let number: Number = from_attribute_value(n(text)).unwrap();
    assert_eq!(number.as_str(), text);
    assert_eq!(to_attribute_value(&number).unwrap(), n(text));
    let err = from_attribute_value::<Number>(s("12")).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::WrongType);
    assert_eq!(AttributeValue::from(Number::from(5_u8)), n("5"));
}

#[test]
fn unit_tuples_and_chars_round_trip() {
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Marker;
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Misc {
        unit: (),
        marker: Marker,
        pair: (char, String),
        point: Point,
    }
    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Point(i16, i16);
    let misc = Misc {
        unit: (),
        marker: Marker,
        pair: ('é', "x".into()),
        point: Point(-1, 1),
    };
    let written = to_item(&misc).unwrap();
    assert_eq!(written["unit"], AttributeValue::Null(true));
    assert_eq!(written["pair"], AttributeValue::L(vec![s("é"), s("x")]));
    assert_eq!(from_item::<Misc>(written).unwrap(), misc);
}

// ---- property tests: from_item(to_item(x)) == x ----

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Record {
    id: String,
    small: i8,
    int: i64,
    uint: u64,
    wide: i128,
    float: f64,
    single: f32,
    flag: bool,
    letter: char,
    maybe: Option<i32>,
    maybe_text: Option<String>,
    blob: ByteBuf,
    numbers: Vec<Option<u64>>,
    children: Vec<Child>,
    by_name: HashMap<String, Child>,
    tags: Option<StringSet>,
    scores: Option<NumberSet<BTreeSet<i64>>>,
    exact: Option<NumberSet>,
    keys: Option<BinarySet>,
    shape: Shape,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Child {
    name: String,
    values: Vec<f64>,
    counts: BTreeMap<String, u32>,
    pair: (u8, String),
    grandchild: Option<Grandchild>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Grandchild {
    matrix: Vec<Vec<i16>>,
    note: Option<String>,
    #[serde(rename = "ok?")]
    ok: bool,
}

fn finite_f64() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(-0.0),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
        Just(5e-324),
        any::<f64>().prop_filter("finite", |f| f.is_finite()),
    ]
}

fn int64() -> impl Strategy<Value = i64> {
    prop_oneof![Just(i64::MIN), Just(i64::MAX), Just(0), any::<i64>()]
}

fn uint64() -> impl Strategy<Value = u64> {
    prop_oneof![Just(u64::MAX), Just(0), any::<u64>()]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![Just(String::new()), ".{0,12}", "[a-z#:. \"]{1,8}"]
}

fn number_text() -> impl Strategy<Value = Number> {
    "-?[0-9]{1,20}(\\.[0-9]{1,18})?(e-?[0-9]{1,2})?".prop_map(|t| t.parse().unwrap())
}

fn shape() -> impl Strategy<Value = Shape> {
    prop_oneof![
        Just(Shape::Empty),
        finite_f64().prop_map(Shape::Circle),
        (any::<i32>(), any::<i32>()).prop_map(|(a, b)| Shape::Segment(a, b)),
        (any::<u32>(), any::<u32>()).prop_map(|(w, h)| Shape::Rect { w, h }),
    ]
}

fn grandchild() -> impl Strategy<Value = Grandchild> {
    (
        prop::collection::vec(prop::collection::vec(any::<i16>(), 0..3), 0..3),
        prop::option::of(text()),
        any::<bool>(),
    )
        .prop_map(|(matrix, note, ok)| Grandchild { matrix, note, ok })
}

fn child() -> impl Strategy<Value = Child> {
    (
        text(),
        prop::collection::vec(finite_f64(), 0..4),
        prop::collection::btree_map(text(), any::<u32>(), 0..3),
        (any::<u8>(), text()),
        prop::option::of(grandchild()),
    )
        .prop_map(|(name, values, counts, pair, grandchild)| Child {
            name,
            values,
            counts,
            pair,
            grandchild,
        })
}

fn record() -> impl Strategy<Value = Record> {
    let scalars = (
        text(),
        any::<i8>(),
        int64(),
        uint64(),
        any::<i128>(),
        finite_f64(),
        any::<f32>().prop_filter("finite", |f| f.is_finite()),
        any::<bool>(),
        any::<char>(),
        prop::option::of(any::<i32>()),
        prop::option::of(text()),
        prop::collection::vec(any::<u8>(), 0..16).prop_map(ByteBuf::from),
    );
    let nested = (
        prop::collection::vec(prop::option::of(uint64()), 0..4),
        prop::collection::vec(child(), 0..3),
        prop::collection::hash_map(text(), child(), 0..3),
        prop::option::of(prop::collection::btree_set(text(), 1..4).prop_map(StringSet)),
        prop::option::of(prop::collection::btree_set(int64(), 1..4).prop_map(NumberSet)),
        prop::option::of(prop::collection::btree_set(number_text(), 1..4).prop_map(NumberSet)),
        prop::option::of(
            prop::collection::btree_set(prop::collection::vec(any::<u8>(), 0..6), 1..4)
                .prop_map(BinarySet),
        ),
        shape(),
    );
    (scalars, nested).prop_map(
        |(
            (id, small, int, uint, wide, float, single, flag, letter, maybe, maybe_text, blob),
            (numbers, children, by_name, tags, scores, exact, keys, shape),
        )| Record {
            id,
            small,
            int,
            uint,
            wide,
            float,
            single,
            flag,
            letter,
            maybe,
            maybe_text,
            blob,
            numbers,
            children,
            by_name,
            tags,
            scores,
            exact,
            keys,
            shape,
        },
    )
}

fn json() -> impl Strategy<Value = serde_json::Value> {
    use serde_json::Value;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        int64().prop_map(Value::from),
        uint64().prop_map(Value::from),
        finite_f64().prop_map(Value::from),
        text().prop_map(Value::String),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(text(), inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #[test]
    fn nested_records_round_trip_through_an_item(record in record()) {
        let item = to_item(&record).unwrap();
        let back: Record = from_item(item).unwrap();
        prop_assert_eq!(back, record);
    }

    #[test]
    fn json_values_round_trip_through_an_attribute_value(value in json()) {
        let back: serde_json::Value = from_attribute_value(to_attribute_value(&value).unwrap()).unwrap();
        prop_assert_eq!(back, value);
    }

    #[test]
    fn any_n_text_reads_back_unchanged_as_a_number(number in number_text()) {
        let value = to_attribute_value(&number).unwrap();
        prop_assert_eq!(&value, &AttributeValue::N(number.as_str().to_owned()));
        prop_assert_eq!(from_attribute_value::<Number>(value).unwrap(), number);
    }

    #[test]
    fn integers_read_as_every_type_they_fit(v in any::<i64>()) {
        let value = to_attribute_value(&v).unwrap();
        prop_assert_eq!(from_attribute_value::<i128>(value.clone()).unwrap(), i128::from(v));
        prop_assert_eq!(from_attribute_value::<i32>(value.clone()).ok(), i32::try_from(v).ok());
        prop_assert_eq!(from_attribute_value::<u64>(value).ok(), u64::try_from(v).ok());
    }
}
