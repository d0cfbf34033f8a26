//! Random values round-trip through every codec: for every structure of the protocol suites'
//! models (a few hundred shapes with lists, maps, unions, timestamps, blobs, namespaces, XML
//! attributes and flattened collections), seeded random values are written by the JSON, XML
//! and CBOR codecs and read back equal. The seed is fixed, so a failure repeats.
use std::collections::HashSet;

use ziggurat_core::schema::de::DeserializeValue;
use ziggurat_core::schema::{DateTime, Location, Member, Schema, ShapeType, flag};
use ziggurat_layers::protocol::cbor::{CborDeserializer, CborSerializer};
use ziggurat_layers::protocol::json::{self, JsonDeserializer, JsonOptions};
use ziggurat_layers::protocol::xml::{self, XmlDeserializer, XmlSerializer};

use super::{Kind, SchemaBuilder, StructValue, Value, load};

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Codec {
    Json,
    Xml,
    Cbor,
}

fn text(rng: &mut fastrand::Rng) -> String {
    const PIECES: &[&str] = &[
        "a", "Z", "0", "-", "_", " ", "&", "<", ">", "\"", "'", "é", "日本", "🦀", "%", "+", "/",
        "\\", "\t",
    ];
    let n = rng.usize(1..8);
    let mut s: String = (0..n).map(|_| PIECES[rng.usize(..PIECES.len())]).collect();
    // Text starts and ends with a letter: XML readers may trim surrounding whitespace.
    s.insert(0, 'x');
    s.push('y');
    s
}

fn value(m: &'static Member, codec: Codec, depth: usize, rng: &mut fastrand::Rng) -> Option<Value> {
    let t = m.target;
    Some(match t.shape_type {
        ShapeType::Boolean => Value::Bool(rng.bool()),
        ShapeType::Byte => Value::Int(rng.i64(-128..128)),
        ShapeType::Short => Value::Int(rng.i64(-32768..32768)),
        ShapeType::Integer | ShapeType::IntEnum => {
            Value::Int(rng.i64(i32::MIN as i64..=i32::MAX as i64))
        }
        ShapeType::Long => Value::Int(rng.i64(..)),
        // Halves and quarters: exact in both widths and in decimal text.
        ShapeType::Float | ShapeType::Double => Value::Float(rng.i64(-4000..4000) as f64 / 4.0),
        ShapeType::BigInteger => Value::Str(rng.u64(..).to_string()),
        ShapeType::BigDecimal => return None,
        ShapeType::String | ShapeType::Enum => Value::Str(text(rng)),
        ShapeType::Blob if m.has(flag::STREAMING) || t.has(flag::STREAMING) => return None,
        ShapeType::Blob => Value::Blob((0..rng.usize(1..20)).map(|_| rng.u8(..)).collect()),
        ShapeType::Timestamp => {
            let mut millis = rng.i64(0..4_102_444_800_000);
            // An HTTP date has whole seconds.
            if m.timestamp_format_or(ziggurat_core::schema::TimestampFormat::DateTime)
                == ziggurat_core::schema::TimestampFormat::HttpDate
            {
                millis -= millis % 1000;
            }
            Value::Time(DateTime::from_secs_and_nanos(
                millis / 1000,
                (millis % 1000) as u32 * 1_000_000,
            )?)
        }
        ShapeType::Document => return None,
        ShapeType::List => {
            if depth > 3 {
                return None;
            }
            let item = t.element()?;
            let items: Vec<Value> = (0..rng.usize(1..4))
                .filter_map(|_| value(item, codec, depth + 1, rng))
                .collect();
            if items.is_empty() {
                return None;
            }
            Value::List(items)
        }
        ShapeType::Map => {
            if depth > 3 {
                return None;
            }
            let v = t.element()?;
            let mut seen = HashSet::new();
            let mut entries = Vec::new();
            for _ in 0..rng.usize(1..4) {
                let k = text(rng);
                if let Some(val) = value(v, codec, depth + 1, rng)
                    && seen.insert(k.clone())
                {
                    entries.push((k, val));
                }
            }
            if entries.is_empty() {
                return None;
            }
            Value::Map(entries)
        }
        ShapeType::Structure | ShapeType::Union => {
            if depth > 3 {
                return None;
            }
            Value::Struct(structure(t, codec, depth + 1, rng)?)
        }
        _ => return None,
    })
}

fn structure(
    t: &'static Schema,
    codec: Codec,
    depth: usize,
    rng: &mut fastrand::Rng,
) -> Option<StructValue> {
    let candidates: Vec<usize> = t
        .members
        .iter()
        .enumerate()
        .filter(|(_, m)| m.location == Location::Body)
        // An XML attribute holds text, not elements.
        .filter(|(_, m)| {
            codec != Codec::Xml
                || !m.has(flag::XML_ATTRIBUTE)
                || matches!(
                    m.target.shape_type,
                    ShapeType::String
                        | ShapeType::Enum
                        | ShapeType::Integer
                        | ShapeType::Long
                        | ShapeType::Boolean
                )
        })
        .map(|(i, _)| i)
        .collect();
    let mut fields = Vec::new();
    if t.shape_type == ShapeType::Union {
        for _ in 0..4 {
            if candidates.is_empty() {
                break;
            }
            let i = candidates[rng.usize(..candidates.len())];
            if let Some(v) = value(&t.members[i], codec, depth, rng) {
                fields.push((i, v));
                break;
            }
        }
        if fields.is_empty() {
            return None;
        }
    } else {
        for i in candidates {
            if rng.bool()
                && let Some(v) = value(&t.members[i], codec, depth, rng)
            {
                fields.push((i, v));
            }
        }
    }
    Some(StructValue { schema: t, fields })
}

fn normalize(v: &mut Value) {
    match v {
        Value::List(items) => items.iter_mut().for_each(normalize),
        Value::Map(entries) => {
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            entries.iter_mut().for_each(|(_, v)| normalize(v));
        }
        Value::Struct(s) => {
            s.fields.sort_by_key(|(i, _)| *i);
            s.fields.iter_mut().for_each(|(_, v)| normalize(v));
        }
        _ => {}
    }
}

/// A value without its schemas, for messages.
fn compact(v: &Value) -> String {
    match v {
        Value::List(items) => format!(
            "[{}]",
            items.iter().map(compact).collect::<Vec<_>>().join(", ")
        ),
        Value::Map(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, v)| format!("{k:?}: {}", compact(v)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Value::Struct(s) => format!(
            "{} {{{}}}",
            s.schema.name,
            s.fields
                .iter()
                .map(|(i, v)| format!(
                    "{}: {}",
                    s.schema.members.get(*i).map_or("?", |m| m.name),
                    compact(v)
                ))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        other => format!("{other:?}"),
    }
}

fn round_trip(root: &'static Member, v: &StructValue, codec: Codec) -> Result<Value, String> {
    let e = |e: ziggurat_core::schema::CodecError| e.to_string();
    match codec {
        Codec::Json => {
            let bytes = json::to_vec(v, JsonOptions::WIRE).map_err(e)?;
            let mut d = JsonDeserializer::new(&bytes, JsonOptions::WIRE);
            Value::deserialize_value(root, &mut d)
                .map_err(|err| format!("{err}: {}", String::from_utf8_lossy(&bytes)))
        }
        Codec::Xml => {
            let mut s = XmlSerializer::new().body_members_only();
            ziggurat_core::schema::ser::SerializeShape::serialize_members(v, &mut s).map_err(e)?;
            let doc = s.finish(v.schema.xml_element_name(), v.schema.xml_namespace);
            let tree = xml::parse(doc.as_bytes()).map_err(e)?;
            Value::deserialize_value(root, &mut XmlDeserializer::new(&tree))
                .map_err(|err| format!("{err}: {doc}"))
        }
        Codec::Cbor => {
            let bytes = CborSerializer::to_vec(v).map_err(e)?;
            Value::deserialize_value(root, &mut CborDeserializer::new(&bytes)).map_err(e)
        }
    }
}

#[test]
fn random_values_round_trip_through_json_xml_and_cbor() {
    let files = [
        "json_1_0.json",
        "json.json",
        "rest-json.json",
        "rest-xml.json",
        "query.json",
        "smithy-rpc-v2-cbor.json",
    ];
    let mut rng = fastrand::Rng::with_seed(0x5eed_2026);
    let (mut shapes, mut values, mut failures) = (0, 0, Vec::new());
    for file in files {
        let Some(suites) = load(Kind::Input, file) else {
            return; // `load` has said SKIPPED
        };
        for suite in &suites {
            let mut b = SchemaBuilder::new(&suite.shapes, "/");
            for (name, shape) in &suite.shapes {
                let is_struct = shape.get("type").and_then(|t| t.as_str()) == Some("structure");
                let is_doc = shape.get("document").is_some();
                if !is_struct || is_doc {
                    continue;
                }
                let Ok(schema) = b.shape(name) else { continue };
                shapes += 1;
                let root: &'static Member = Box::leak(Box::new(Member::new("", schema)));
                for codec in [Codec::Json, Codec::Xml, Codec::Cbor] {
                    for _ in 0..3 {
                        let Some(v) = structure(schema, codec, 0, &mut rng) else {
                            continue;
                        };
                        values += 1;
                        let mut want = Value::Struct(v.clone());
                        normalize(&mut want);
                        match round_trip(root, &v, codec) {
                            Ok(mut got) => {
                                normalize(&mut got);
                                if got != want {
                                    failures.push(format!(
                                        "{file} {name} {codec:?}:\n  wrote {}\n  read  {}",
                                        compact(&want),
                                        compact(&got)
                                    ));
                                }
                            }
                            Err(err) => failures.push(format!("{file} {name} {codec:?}: {err}")),
                        }
                    }
                }
            }
        }
    }
    println!(
        "round trips: {values} values of {shapes} shapes, {} failed",
        failures.len()
    );
    for f in failures.iter().take(15) {
        println!("{f}");
    }
    assert!(shapes > 150, "only {shapes} shapes");
    assert!(
        failures.is_empty(),
        "{} of {values} round trips failed",
        failures.len()
    );
}
