//! [`AttributeValue`]: one DynamoDB value, in the wire form `{"S": "text"}`.
use std::collections::HashMap;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use base64::engine::{DecodePaddingMode, general_purpose};
use bytes::Bytes;
use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// One attribute value. Each variant is one of DynamoDB's data types, named as in
/// aws-sdk-dynamodb (`Ss`, not `SS`); on the wire the variant is the object's single key.
///
/// Numbers are strings (`N("1.5")`), exactly as DynamoDB sends them: parse them with the
/// numeric type you need.
///
/// The serde implementations are written by hand because the wire form is a JSON object with
/// exactly one key naming the type, which no derive expresses well: an object with no type key,
/// with several, or with one this version does not know is a deserialization error that says
/// which, never a panic and never a silently dropped value. Binary values (`B`, `BS`) travel as
/// base64; numbers (`N`, `NS`) stay strings, as DynamoDB keeps them, so no precision is lost.
///
/// ```
/// use ziggurat_services::dynamodb::AttributeValue;
///
/// let v: AttributeValue = serde_json::from_str(r#"{"M":{"n":{"N":"42"},"b":{"B":"aGk="}}}"#).unwrap();
/// let m = v.as_m().unwrap();
/// assert_eq!(m["n"].as_n(), Ok(&"42".to_owned()));
/// assert_eq!(m["b"].as_b().map(|b| &b[..]), Ok(&b"hi"[..]));
/// assert_eq!(serde_json::to_string(&AttributeValue::Null(true)).unwrap(), r#"{"NULL":true}"#);
///
/// let err = serde_json::from_str::<AttributeValue>(r#"{"S":"a","N":"1"}"#).unwrap_err();
/// assert!(err.to_string().contains("several type keys"), "{err}");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum AttributeValue {
    /// A string (`S`).
    S(String),
    /// A number, as its decimal text (`N`).
    N(String),
    /// Binary data (`B`, base64 on the wire).
    B(Bytes),
    /// A string set (`SS`).
    Ss(Vec<String>),
    /// A number set (`NS`).
    Ns(Vec<String>),
    /// A binary set (`BS`).
    Bs(Vec<Bytes>),
    /// A map of attribute values (`M`).
    M(HashMap<String, AttributeValue>),
    /// A list of attribute values (`L`).
    L(Vec<AttributeValue>),
    /// Null (`NULL`); DynamoDB always sends `true`.
    Null(bool),
    /// A boolean (`BOOL`).
    Bool(bool),
}

macro_rules! accessors {
    ($($(#[$m:meta])* $as:ident, $is:ident, $variant:ident: $ty:ty;)*) => {
        impl AttributeValue {
            $(
                $(#[$m])*
                ///
                /// Returns the value itself as the error when it holds another type.
                pub fn $as(&self) -> Result<&$ty, &AttributeValue> {
                    match self {
                        AttributeValue::$variant(v) => Ok(v),
                        other => Err(other),
                    }
                }
                #[doc = concat!("Whether this is a `", stringify!($variant), "` value.")]
                pub fn $is(&self) -> bool {
                    matches!(self, AttributeValue::$variant(_))
                }
            )*
        }
    };
}

accessors! {
    /// The string of an `S` value.
    as_s, is_s, S: String;
    /// The decimal text of an `N` value.
    as_n, is_n, N: String;
    /// The bytes of a `B` value.
    as_b, is_b, B: Bytes;
    /// The strings of an `SS` value.
    as_ss, is_ss, Ss: Vec<String>;
    /// The numbers of an `NS` value.
    as_ns, is_ns, Ns: Vec<String>;
    /// The binaries of a `BS` value.
    as_bs, is_bs, Bs: Vec<Bytes>;
    /// The entries of an `M` value.
    as_m, is_m, M: HashMap<String, AttributeValue>;
    /// The elements of an `L` value.
    as_l, is_l, L: Vec<AttributeValue>;
    /// The flag of a `NULL` value.
    as_null, is_null, Null: bool;
    /// The boolean of a `BOOL` value.
    as_bool, is_bool, Bool: bool;
}

impl AttributeValue {
    /// The wire name of this value's type (`S`, `N`, `B`, `SS`, `NS`, `BS`, `M`, `L`, `NULL`,
    /// `BOOL`).
    pub fn type_name(&self) -> &'static str {
        match self {
            AttributeValue::S(_) => "S",
            AttributeValue::N(_) => "N",
            AttributeValue::B(_) => "B",
            AttributeValue::Ss(_) => "SS",
            AttributeValue::Ns(_) => "NS",
            AttributeValue::Bs(_) => "BS",
            AttributeValue::M(_) => "M",
            AttributeValue::L(_) => "L",
            AttributeValue::Null(_) => "NULL",
            AttributeValue::Bool(_) => "BOOL",
        }
    }
}

const TYPE_KEYS: &[&str] = &["S", "N", "B", "SS", "NS", "BS", "M", "L", "NULL", "BOOL"];

/// Encodes with padding; decodes with or without it.
const BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

fn encode(b: &[u8]) -> String {
    general_purpose::STANDARD.encode(b)
}

fn decode<E: de::Error>(type_key: &str, s: &str) -> Result<Bytes, E> {
    BASE64.decode(s).map(Bytes::from).map_err(|e| {
        E::custom(format_args!(
            "the `{type_key}` attribute value is not valid base64: {e}"
        ))
    })
}

/// Serializes a binary set as base64 strings without collecting them first.
struct Base64Set<'a>(&'a [Bytes]);

impl Serialize for Base64Set<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|b| encode(b)))
    }
}

impl Serialize for AttributeValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(1))?;
        let key = self.type_name();
        match self {
            AttributeValue::S(v) | AttributeValue::N(v) => map.serialize_entry(key, v)?,
            AttributeValue::B(v) => map.serialize_entry(key, &encode(v))?,
            AttributeValue::Ss(v) | AttributeValue::Ns(v) => map.serialize_entry(key, v)?,
            AttributeValue::Bs(v) => map.serialize_entry(key, &Base64Set(v))?,
            AttributeValue::M(v) => map.serialize_entry(key, v)?,
            AttributeValue::L(v) => map.serialize_entry(key, v)?,
            AttributeValue::Null(v) | AttributeValue::Bool(v) => map.serialize_entry(key, v)?,
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for AttributeValue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(AttributeValueVisitor)
    }
}

struct AttributeValueVisitor;

impl<'de> Visitor<'de> for AttributeValueVisitor {
    type Value = AttributeValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an attribute value: an object with exactly one type key (S, N, B, SS, NS, BS, M, L, NULL or BOOL)")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AttributeValue, A::Error> {
        let Some(TypeKey(key)) = map.next_key::<TypeKey>()? else {
            return Err(de::Error::custom(
                "an attribute value has no type key: expected exactly one of S, N, B, SS, NS, BS, M, L, NULL, BOOL",
            ));
        };
        let value = match key {
            "S" => AttributeValue::S(map.next_value()?),
            "N" => AttributeValue::N(map.next_value()?),
            "B" => AttributeValue::B(decode("B", &map.next_value::<String>()?)?),
            "SS" => AttributeValue::Ss(map.next_value()?),
            "NS" => AttributeValue::Ns(map.next_value()?),
            "BS" => AttributeValue::Bs(
                map.next_value::<Vec<String>>()?
                    .iter()
                    .map(|s| decode("BS", s))
                    .collect::<Result<_, _>>()?,
            ),
            "M" => AttributeValue::M(map.next_value()?),
            "L" => AttributeValue::L(map.next_value()?),
            "NULL" => AttributeValue::Null(map.next_value()?),
            "BOOL" => AttributeValue::Bool(map.next_value()?),
            other => return Err(de::Error::unknown_field(other, TYPE_KEYS)),
        };
        if let Some(TypeKey(second)) = map.next_key::<TypeKey>()? {
            return Err(de::Error::custom(format_args!(
                "an attribute value has several type keys (`{key}` and `{second}`): expected exactly one"
            )));
        }
        Ok(value)
    }
}

/// A type key (`S`, `N`, ...), read without allocating: it is one of the static names, or an
/// unknown key reported by name.
struct TypeKey(&'static str);

impl<'de> Deserialize<'de> for TypeKey {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = TypeKey;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an attribute value type key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TypeKey, E> {
                TYPE_KEYS
                    .iter()
                    .find(|k| **k == v)
                    .map(|k| TypeKey(k))
                    .ok_or_else(|| E::unknown_field(v, TYPE_KEYS))
            }
        }
        d.deserialize_identifier(KeyVisitor)
    }
}

impl From<String> for AttributeValue {
    /// An `S` value.
    fn from(s: String) -> Self {
        AttributeValue::S(s)
    }
}

impl From<&str> for AttributeValue {
    /// An `S` value.
    fn from(s: &str) -> Self {
        AttributeValue::S(s.to_owned())
    }
}

impl From<bool> for AttributeValue {
    /// A `BOOL` value.
    fn from(b: bool) -> Self {
        AttributeValue::Bool(b)
    }
}

impl From<Bytes> for AttributeValue {
    /// A `B` value.
    fn from(b: Bytes) -> Self {
        AttributeValue::B(b)
    }
}

impl From<Vec<AttributeValue>> for AttributeValue {
    /// An `L` value.
    fn from(l: Vec<AttributeValue>) -> Self {
        AttributeValue::L(l)
    }
}

impl From<HashMap<String, AttributeValue>> for AttributeValue {
    /// An `M` value.
    fn from(m: HashMap<String, AttributeValue>) -> Self {
        AttributeValue::M(m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(v: AttributeValue, wire: &str) {
        assert_eq!(serde_json::to_string(&v).unwrap(), wire, "serialize {v:?}");
        let back: AttributeValue = serde_json::from_str(wire).unwrap();
        assert_eq!(back, v, "deserialize {wire}");
    }

    #[test]
    fn every_variant_round_trips_in_wire_form() {
        round_trip(AttributeValue::S("x \"y\"".into()), r#"{"S":"x \"y\""}"#);
        round_trip(AttributeValue::N("-1.5e3".into()), r#"{"N":"-1.5e3"}"#);
        round_trip(
            AttributeValue::B(Bytes::from_static(b"\x00\xffhi")),
            r#"{"B":"AP9oaQ=="}"#,
        );
        round_trip(AttributeValue::B(Bytes::new()), r#"{"B":""}"#);
        round_trip(
            AttributeValue::Ss(vec!["a".into(), "b".into()]),
            r#"{"SS":["a","b"]}"#,
        );
        round_trip(
            AttributeValue::Ns(vec!["1".into(), "2.5".into()]),
            r#"{"NS":["1","2.5"]}"#,
        );
        round_trip(
            AttributeValue::Bs(vec![Bytes::from_static(b"a"), Bytes::from_static(b"bc")]),
            r#"{"BS":["YQ==","YmM="]}"#,
        );
        round_trip(
            AttributeValue::M(HashMap::from([(
                "k".to_owned(),
                AttributeValue::Bool(true),
            )])),
            r#"{"M":{"k":{"BOOL":true}}}"#,
        );
        round_trip(AttributeValue::M(HashMap::new()), r#"{"M":{}}"#);
        round_trip(
            AttributeValue::L(vec![
                AttributeValue::Null(true),
                AttributeValue::L(vec![AttributeValue::N("0".into())]),
            ]),
            r#"{"L":[{"NULL":true},{"L":[{"N":"0"}]}]}"#,
        );
        round_trip(AttributeValue::Null(true), r#"{"NULL":true}"#);
        round_trip(AttributeValue::Bool(false), r#"{"BOOL":false}"#);
    }

    #[test]
    fn base64_without_padding_is_accepted() {
        let v: AttributeValue = serde_json::from_str(r#"{"B":"aGk"}"#).unwrap();
        assert_eq!(v, AttributeValue::B(Bytes::from_static(b"hi")));
    }

    #[test]
    fn malformed_values_are_clear_errors() {
        let cases = [
            (r#"{}"#, "no type key"),
            (r#"{"S":"a","N":"1"}"#, "several type keys (`S` and `N`)"),
            (r#"{"X":"a"}"#, "unknown field `X`"),
            (
                r#"{"B":"not base64!"}"#,
                "`B` attribute value is not valid base64",
            ),
            (
                r#"{"BS":["YQ==","%%"]}"#,
                "`BS` attribute value is not valid base64",
            ),
            (r#"{"S":1}"#, "invalid type"),
            (r#"{"NULL":"yes"}"#, "invalid type"),
            (r#""S""#, "an attribute value"),
            (r#"{"M":{"k":{}}}"#, "no type key"),
        ];
        for (wire, expected) in cases {
            let err = serde_json::from_str::<AttributeValue>(wire).unwrap_err();
            assert!(
                err.to_string().contains(expected),
                "{wire}: `{err}` should contain `{expected}`"
            );
        }
    }

    #[test]
    fn deeply_nested_input_is_an_error_not_a_stack_overflow() {
        let wire = format!("{}{}", r#"{"L":["#.repeat(10_000), "]}".repeat(10_000));
        assert!(serde_json::from_str::<AttributeValue>(&wire).is_err());
    }

    #[test]
    fn accessors_return_the_value_or_themselves() {
        let s = AttributeValue::S("a".into());
        assert_eq!(s.as_s(), Ok(&"a".to_owned()));
        assert_eq!(s.as_n(), Err(&s));
        assert!(s.is_s() && !s.is_n());
        assert_eq!(AttributeValue::Null(true).as_null(), Ok(&true));
        assert_eq!(AttributeValue::Bool(false).as_bool(), Ok(&false));
        assert_eq!(AttributeValue::from("x").type_name(), "S");
        assert_eq!(AttributeValue::from(true).type_name(), "BOOL");
    }
}
