//! The XML codec alone against the restXml suites: every case whose input or output lives
//! wholly in an XML body (no headers, query, labels, payload or status members set) is
//! serialized with `xml::serialize_root` / read with `xml::read_root`, without the restXml
//! HTTP bindings, so the codec is checked on its own.
use serde_json::Value as Json;
use ziggurat_core::schema::de::DeserializeValue;
use ziggurat_core::schema::{Location, Member, XmlNamespace};
use ziggurat_layers::protocol::xml;

use super::{BodyKind, CaseModel, Kind, Value, compare_body, json_diff, load};

/// Cases known to fail, each with why.
const KNOWN_FAILURES: &[(&str, &str)] = &[];

fn body_only(schema: &ziggurat_core::schema::Schema, set: impl Fn(usize) -> bool) -> bool {
    schema
        .members
        .iter()
        .enumerate()
        .all(|(i, m)| m.location == Location::Body || !set(i))
}

fn namespace(j: Option<&Json>) -> Option<XmlNamespace> {
    let leak = |s: &str| -> &'static str { Box::leak(s.to_owned().into_boxed_str()) };
    match j? {
        Json::String(uri) => Some(XmlNamespace {
            prefix: None,
            uri: leak(uri),
        }),
        Json::Object(o) => Some(XmlNamespace {
            prefix: o.get("prefix").and_then(Json::as_str).map(leak),
            uri: leak(o.get("uri").and_then(Json::as_str).unwrap_or_default()),
        }),
        _ => None,
    }
}

fn finish(kind: &str, ran: usize, failed: Vec<(String, String)>) {
    let unexpected: Vec<&String> = failed
        .iter()
        .map(|(id, _)| id)
        .filter(|id| !KNOWN_FAILURES.iter().any(|(k, _)| k == id))
        .collect();
    for (id, e) in &failed {
        eprintln!("--- xml codec {kind} {id}\n{e}\n");
    }
    eprintln!(
        "xml codec on rest-xml {kind}: {ran} body-only cases, {} pass, {} fail",
        ran - failed.len(),
        failed.len()
    );
    assert!(unexpected.is_empty(), "unexpected failures: {unexpected:?}");
}

#[test]
fn xml_codec_rest_xml_input_bodies() {
    let Some(suites) = load(Kind::Input, "rest-xml.json") else {
        return;
    };
    let (mut ran, mut failed) = (0, Vec::new());
    for suite in &suites {
        for case in &suite.cases {
            let id = case["id"].as_str().unwrap_or_default().to_owned();
            let expected = case["serialized"]["body"].as_str().unwrap_or_default();
            if !expected.trim_start().starts_with('<') {
                continue;
            }
            let model = CaseModel::new(suite, case).unwrap();
            let input = Value::struct_from_params(model.op.input, &case["params"]).unwrap();
            if !body_only(model.op.input, |i| input.get(i).is_some()) {
                continue;
            }
            ran += 1;
            let given = &case["given"]["input"];
            // The input shape's own XML name wins over the operation's `locationName`.
            let name = model
                .op
                .input
                .xml_name
                .or(given["locationName"].as_str())
                .unwrap_or(model.op.input.name);
            let r = xml::serialize_root(&input, name, namespace(given.get("xmlNamespace")))
                .map_err(|e| e.to_string())
                .and_then(|body| compare_body(BodyKind::Xml, body.as_bytes(), expected));
            if let Err(e) = r {
                failed.push((id, e));
            }
        }
    }
    finish("input", ran, failed);
}

#[test]
fn xml_codec_rest_xml_output_bodies() {
    let Some(suites) = load(Kind::Output, "rest-xml.json") else {
        return;
    };
    let (mut ran, mut failed) = (0, Vec::new());
    for suite in &suites {
        for case in &suite.cases {
            let id = case["id"].as_str().unwrap_or_default().to_owned();
            let body = case["response"]["body"].as_str().unwrap_or_default();
            let Some(result) = case.get("result") else {
                continue;
            };
            if !body.trim_start().starts_with('<') {
                continue;
            }
            let model = CaseModel::new(suite, case).unwrap();
            let Some(keys) = result.as_object() else {
                continue;
            };
            let output = model.op.output;
            if !body_only(output, |i| keys.contains_key(output.members[i].name)) {
                continue;
            }
            ran += 1;
            let out_root: &'static Member = Box::leak(Box::new(Member::new("", output)));
            let mut out = None;
            let r = xml::read_root(body.as_bytes(), &mut |d| {
                out = Some(Value::deserialize_value(out_root, d)?);
                Ok(())
            });
            let r = r.map_err(|e| e.to_string()).and_then(|()| {
                let actual = out.map(|v| v.to_json()).unwrap_or_default();
                match json_diff(&actual, result) {
                    None => Ok(()),
                    Some(d) => Err(format!("{d}\n  actual: {actual}\n  expected: {result}")),
                }
            });
            if let Err(e) = r {
                failed.push((id, e));
            }
        }
    }
    finish("output", ran, failed);
}
