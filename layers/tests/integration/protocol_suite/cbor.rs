//! Smithy RPC v2 CBOR protocol suites (plain, query-compatible, non-query-compatible).
//!
//! Request bodies are base64 CBOR in the case files; they are decoded and compared
//! structurally with the request's (map order, definite or indefinite lengths and integer or
//! float widths do not matter; NaN equals NaN).
use base64::Engine as _;
use minicbor::Decoder;
use minicbor::data::Type;

use super::{Kind, RunOptions, run_suite};

/// Cases known to fail, each with why.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

/// A decoded CBOR item.
#[derive(Debug, Clone)]
enum Cbor {
    Int(i128),
    Float(f64),
    Bytes(Vec<u8>),
    Text(String),
    Array(Vec<Cbor>),
    Map(Vec<(Cbor, Cbor)>),
    Tag(u64, Box<Cbor>),
    Bool(bool),
    Null,
    Undefined,
    Simple(u8),
}

impl PartialEq for Cbor {
    fn eq(&self, other: &Cbor) -> bool {
        use Cbor::*;
        match (self, other) {
            (Int(a), Int(b)) => a == b,
            (Float(a), Float(b)) => a == b || (a.is_nan() && b.is_nan()),
            (Int(a), Float(b)) | (Float(b), Int(a)) => (*a as f64) == *b,
            (Bytes(a), Bytes(b)) => a == b,
            (Text(a), Text(b)) => a == b,
            (Array(a), Array(b)) => a == b,
            (Map(a), Map(b)) => {
                a.len() == b.len()
                    && a.iter()
                        .all(|(k, v)| b.iter().any(|(k2, v2)| k == k2 && v == v2))
            }
            (Tag(t, a), Tag(u, b)) => t == u && a == b,
            (Bool(a), Bool(b)) => a == b,
            (Null, Null) | (Undefined, Undefined) => true,
            (Simple(a), Simple(b)) => a == b,
            _ => false,
        }
    }
}

fn f16(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let frac = f64::from(bits & 0x3ff);
    match exp {
        0 => sign * frac * 2f64.powi(-24),
        31 if frac == 0.0 => sign * f64::INFINITY,
        31 => f64::NAN,
        e => sign * (1.0 + frac / 1024.0) * 2f64.powi(e - 15),
    }
}

fn at_break(d: &Decoder<'_>) -> bool {
    d.input().get(d.position()) == Some(&0xff)
}

fn decode_item(d: &mut Decoder<'_>) -> Result<Cbor, String> {
    let e = |e: minicbor::decode::Error| e.to_string();
    Ok(match d.datatype().map_err(e)? {
        Type::Bool => Cbor::Bool(d.bool().map_err(e)?),
        Type::Null => {
            d.null().map_err(e)?;
            Cbor::Null
        }
        Type::Undefined => {
            d.undefined().map_err(e)?;
            Cbor::Undefined
        }
        Type::U8
        | Type::U16
        | Type::U32
        | Type::U64
        | Type::I8
        | Type::I16
        | Type::I32
        | Type::I64
        | Type::Int => Cbor::Int(i128::from(d.int().map_err(e)?)),
        Type::F16 => {
            let p = d.position();
            let b = d.input().get(p + 1..p + 3).ok_or("short f16")?;
            let v = f16(u16::from_be_bytes([b[0], b[1]]));
            d.set_position(p + 3);
            Cbor::Float(v)
        }
        Type::F32 => Cbor::Float(f64::from(d.f32().map_err(e)?)),
        Type::F64 => Cbor::Float(d.f64().map_err(e)?),
        Type::Simple => Cbor::Simple(d.simple().map_err(e)?),
        Type::Bytes | Type::BytesIndef => {
            let mut out = Vec::new();
            for c in d.bytes_iter().map_err(e)? {
                out.extend_from_slice(c.map_err(e)?);
            }
            Cbor::Bytes(out)
        }
        Type::String | Type::StringIndef => {
            let mut out = String::new();
            for c in d.str_iter().map_err(e)? {
                out.push_str(c.map_err(e)?);
            }
            Cbor::Text(out)
        }
        Type::Array | Type::ArrayIndef => {
            let mut out = Vec::new();
            match d.array().map_err(e)? {
                Some(n) => {
                    for _ in 0..n {
                        out.push(decode_item(d)?);
                    }
                }
                None => {
                    while !at_break(d) {
                        out.push(decode_item(d)?);
                    }
                    d.set_position(d.position() + 1);
                }
            }
            Cbor::Array(out)
        }
        Type::Map | Type::MapIndef => {
            let mut out = Vec::new();
            match d.map().map_err(e)? {
                Some(n) => {
                    for _ in 0..n {
                        out.push((decode_item(d)?, decode_item(d)?));
                    }
                }
                None => {
                    while !at_break(d) {
                        out.push((decode_item(d)?, decode_item(d)?));
                    }
                    d.set_position(d.position() + 1);
                }
            }
            Cbor::Map(out)
        }
        Type::Tag => {
            let t = d.tag().map_err(e)?.as_u64();
            Cbor::Tag(t, Box::new(decode_item(d)?))
        }
        t => return Err(format!("unexpected CBOR item {t}")),
    })
}

fn decode_all(bytes: &[u8]) -> Result<Cbor, String> {
    let mut d = Decoder::new(bytes);
    let v = decode_item(&mut d)?;
    if d.position() != bytes.len() {
        return Err(format!(
            "{} bytes after the item",
            bytes.len() - d.position()
        ));
    }
    Ok(v)
}

/// Compares a request body with the case's base64 CBOR body, structurally.
fn compare_cbor(actual: &[u8], expected_b64: &str) -> Result<(), String> {
    let expected = base64::engine::general_purpose::STANDARD
        .decode(expected_b64)
        .map_err(|e| format!("the expected body is not base64: {e}"))?;
    if expected.is_empty() || actual.is_empty() {
        return if expected.is_empty() && actual.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "body: {} bytes, expected {} bytes",
                actual.len(),
                expected.len()
            ))
        };
    }
    let a = decode_all(actual).map_err(|e| format!("the body is not CBOR ({e}): {actual:02x?}"))?;
    let e = decode_all(&expected).map_err(|e| format!("the expected body is not CBOR: {e}"))?;
    if a == e {
        Ok(())
    } else {
        Err(format!("body\n  actual:   {a:?}\n  expected: {e:?}"))
    }
}

fn input(file: &str) {
    run_suite(
        Kind::Input,
        file,
        KNOWN_FAILURES,
        RunOptions {
            body: Some(compare_cbor),
        },
    );
}

fn output(file: &str) {
    run_suite(Kind::Output, file, KNOWN_FAILURES, RunOptions::default());
}

#[test]
fn rpc_v2_cbor_input() {
    input("smithy-rpc-v2-cbor.json");
}

#[test]
fn rpc_v2_cbor_output() {
    output("smithy-rpc-v2-cbor.json");
}

#[test]
fn rpc_v2_cbor_query_compatible_input() {
    input("smithy-rpc-v2-cbor-query-compatible.json");
}

#[test]
fn rpc_v2_cbor_query_compatible_output() {
    output("smithy-rpc-v2-cbor-query-compatible.json");
}

#[test]
fn rpc_v2_cbor_non_query_compatible_input() {
    input("smithy-rpc-v2-cbor-non-query-compatible.json");
}

#[test]
fn rpc_v2_cbor_non_query_compatible_output() {
    output("smithy-rpc-v2-cbor-non-query-compatible.json");
}

#[test]
fn cbor_comparison_is_structural() {
    // {_ "a": [_ 1], "b": 1.5 (f16)} against {"b": 1.5 (f64), "a": [1]}
    let a = [
        0xbf, 0x61, b'a', 0x9f, 0x01, 0xff, 0x61, b'b', 0xf9, 0x3e, 0x00, 0xff,
    ];
    let b64 = base64::engine::general_purpose::STANDARD.encode([
        0xa2, 0x61, b'b', 0xfb, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, 0x61, b'a', 0x81, 0x01,
    ]);
    assert_eq!(compare_cbor(&a, &b64), Ok(()));
    let other = base64::engine::general_purpose::STANDARD.encode([0xa1, 0x61, b'a', 0x80]);
    assert!(compare_cbor(&a, &other).is_err());
}
