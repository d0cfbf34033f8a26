//! The items the DynamoDB workloads send and receive, described once and built for each side.

use std::collections::HashMap;

use aws_sdk_dynamodb as aws;
use ziggurat::dynamodb as zig;

/// The table, bucket and object key of every call.
pub const TABLE: &str = "users";
pub const BUCKET: &str = "bench-bucket";
pub const OBJECT_KEY: &str = "objects/2024/05/17/report.bin";
/// The key of the item `GetItem` asks for.
pub const PK: &str = "user#0001";
pub const SK: &str = "profile";
/// The size of the object `GetObject` streams.
pub const OBJECT_LEN: usize = 1 << 20;

/// A value both SDKs' `AttributeValue` can be built from.
#[derive(Clone, Debug)]
pub enum Value {
    S(String),
    N(String),
    B(Vec<u8>),
    Bool(bool),
    L(Vec<Value>),
    M(Vec<(String, Value)>),
    Ss(Vec<String>),
    Ns(Vec<String>),
}

fn s(v: &str) -> Value {
    Value::S(v.to_owned())
}
fn n(v: &str) -> Value {
    Value::N(v.to_owned())
}
fn attrs(list: Vec<(&str, Value)>) -> Vec<(String, Value)> {
    list.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
}

/// The item `GetItem` returns: 10 attributes (3 S, 2 N, B, BOOL, SS, L, M), about 510 bytes of
/// JSON.
pub fn get_item_attributes() -> Vec<(String, Value)> {
    let a = attrs(vec![
        ("pk", s(PK)),
        ("sk", s(SK)),
        ("name", s("Ada Lovelace")),
        ("age", n("36")),
        ("balance", n("12345.67")),
        (
            "avatar",
            Value::B((0u8..=255).cycle().skip(7).take(48).collect()),
        ),
        ("active", Value::Bool(true)),
        (
            "roles",
            Value::Ss(vec!["admin".into(), "editor".into(), "viewer".into()]),
        ),
        (
            "history",
            Value::L(vec![
                s("signup"),
                n("1715941230"),
                Value::Bool(false),
                Value::M(attrs(vec![("event", s("login")), ("count", n("3"))])),
            ]),
        ),
        (
            "address",
            Value::M(attrs(vec![
                ("street", s("12 St James's Square")),
                ("city", s("London")),
                ("zip", s("SW1Y 4JH")),
                ("floor", n("2")),
            ])),
        ),
    ]);
    assert_eq!(a.len(), 10);
    a
}

/// The item `PutItem` writes: 12 attributes, 1 KiB of JSON (checked at start-up).
pub fn put_item_attributes() -> Vec<(String, Value)> {
    attrs(vec![
        ("pk", s("user#0002")),
        ("sk", s("profile")),
        ("name", s("Grace Hopper")),
        ("email", s("grace.hopper@example.com")),
        (
            "bio",
            s(
                "Computer scientist and United States Navy rear admiral, one of the first \
               programmers of the Harvard Mark I, who invented one of the first linkers and \
               popularized machine-independent programming languages. \"Quoted\" text, a \
               tab\tand unicode: é ü ß 漢字.",
            ),
        ),
        ("age", n("85")),
        ("balance", n("-0.000125")),
        ("avatar", Value::B((0u8..=255).cycle().take(192).collect())),
        ("verified", Value::Bool(true)),
        (
            "tags",
            Value::Ss((0..6).map(|i| format!("tag-{i}")).collect()),
        ),
        (
            "scores",
            Value::Ns((0..8).map(|i| format!("{}", i * 17 + 3)).collect()),
        ),
        (
            "settings",
            Value::M(attrs(vec![
                ("theme", s("dark")),
                ("notifications", Value::Bool(true)),
                (
                    "limits",
                    Value::M(attrs(vec![("daily", n("100")), ("monthly", n("3000"))])),
                ),
                ("langs", Value::L(vec![s("en"), s("fr"), s("it")])),
            ])),
        ),
    ])
}

/// The attribute's DynamoDB JSON (`{"S": ...}` and so on).
pub fn to_json(v: &Value) -> serde_json::Value {
    use serde_json::json;
    match v {
        Value::S(x) => json!({ "S": x }),
        Value::N(x) => json!({ "N": x }),
        Value::B(x) => json!({ "B": base64(x) }),
        Value::Bool(x) => json!({ "BOOL": x }),
        Value::L(x) => json!({ "L": x.iter().map(to_json).collect::<Vec<_>>() }),
        Value::M(x) => json!({ "M": item_json(x) }),
        Value::Ss(x) => json!({ "SS": x }),
        Value::Ns(x) => json!({ "NS": x }),
    }
}

/// An item's DynamoDB JSON: an object of attributes.
pub fn item_json(item: &[(String, Value)]) -> serde_json::Value {
    serde_json::Value::Object(item.iter().map(|(k, v)| (k.clone(), to_json(v))).collect())
}

pub fn to_zig(v: &Value) -> zig::types::AttributeValue {
    use zig::types::AttributeValue as A;
    match v {
        Value::S(x) => A::S(x.clone()),
        Value::N(x) => A::N(x.clone()),
        Value::B(x) => A::B(x.clone().into()),
        Value::Bool(x) => A::Bool(*x),
        Value::L(x) => A::L(x.iter().map(to_zig).collect()),
        Value::M(x) => A::M(zig_item(x)),
        Value::Ss(x) => A::Ss(x.clone()),
        Value::Ns(x) => A::Ns(x.clone()),
    }
}

pub fn zig_item(item: &[(String, Value)]) -> HashMap<String, zig::types::AttributeValue> {
    item.iter().map(|(k, v)| (k.clone(), to_zig(v))).collect()
}

pub fn to_aws(v: &Value) -> aws::types::AttributeValue {
    use aws::types::AttributeValue as A;
    match v {
        Value::S(x) => A::S(x.clone()),
        Value::N(x) => A::N(x.clone()),
        Value::B(x) => A::B(aws::primitives::Blob::new(x.clone())),
        Value::Bool(x) => A::Bool(*x),
        Value::L(x) => A::L(x.iter().map(to_aws).collect()),
        Value::M(x) => A::M(aws_item(x)),
        Value::Ss(x) => A::Ss(x.clone()),
        Value::Ns(x) => A::Ns(x.clone()),
    }
}

pub fn aws_item(item: &[(String, Value)]) -> HashMap<String, aws::types::AttributeValue> {
    item.iter().map(|(k, v)| (k.clone(), to_aws(v))).collect()
}

/// Standard base64 with padding.
pub fn base64(data: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let w = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ABC[(w >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The object `GetObject` streams: 1 MiB of pseudo-random bytes (xorshift), not compressible
/// zeros.
pub fn object() -> Vec<u8> {
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::with_capacity(OBJECT_LEN);
    while out.len() < OBJECT_LEN {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.extend_from_slice(&x.to_le_bytes());
    }
    out.truncate(OBJECT_LEN);
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn base64_matches_rfc4648() {
        for (i, o) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(super::base64(i.as_bytes()), o);
        }
    }
}
