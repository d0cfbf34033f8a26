//! Endpoint rules: each service's `endpoint-rule-set-1.json` as data, not code.
//!
//! The runtime interprets rule sets (`ziggurat_layers::endpoint::rules`), so the generator
//! only copies them in: compacted (no whitespace, no `documentation`, keys sorted) into
//! `services/<name>/src/endpoint_rules.json`, which the crate embeds with `include_str!` and
//! parses at its first call; `partitions.json` once, into the runtime crate. Per operation it
//! emits the rule-set parameters the model binds (`staticContextParams`, `contextParam`,
//! and `operationContextParams`, whose JMESPath paths are kept as text) as a table in the
//! operation's schema, which the runtime reads: no per-operation code.
use std::fmt::Write as _;
use std::path::Path;

use super::Ctx;
use crate::names::{lit, screaming};

/// The compact form of a rules-engine JSON file: `documentation` removed everywhere (it is
/// for people reading the upstream file, and a third of its size), no whitespace, object keys
/// sorted (so the output is stable), one line and a newline.
pub fn compact_json(path: &Path) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let mut doc: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    strip_documentation(&mut doc);
    let mut out = serde_json::to_string(&doc).map_err(|e| format!("{}: {e}", path.display()))?;
    out.push('\n');
    Ok(out)
}

/// Removes `documentation` everywhere and rebuilds every object with its keys in order (so
/// the output is the same whether or not `serde_json` keeps insertion order, which a feature
/// of another crate in the same build may turn on).
fn strip_documentation(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            let mut entries: Vec<(String, serde_json::Value)> = std::mem::take(map)
                .into_iter()
                .filter(|(k, _)| k != "documentation")
                .collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            for (k, mut v) in entries {
                strip_documentation(&mut v);
                map.insert(k, v);
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_documentation),
        _ => {}
    }
}

/// One endpoint parameter an operation sets: its name, and its value as Rust
/// (`EndpointParamValue::Member("Bucket")`), with a name part for the table it is in.
#[derive(Clone, PartialEq, Eq)]
struct Entry {
    name: String,
    value: String,
    label: String,
}

/// A shared table: its name, its entries, and the operations that use it.
type Table<'m> = (String, Vec<Entry>, Vec<&'m str>);

impl Entry {
    /// `` `Bucket` from the input's `Bucket` ``, `` `UseObjectLambdaEndpoint` = true ``.
    fn describe(&self) -> String {
        let value = self
            .value
            .trim_start_matches("EndpointParamValue::")
            .trim_end_matches(')');
        match value.split_once('(') {
            Some(("Member", m)) => {
                format!("`{}` from the input's `{}`", self.name, m.trim_matches('"'))
            }
            Some(("Path", path)) => {
                format!(
                    "`{}` at `{}` in the input",
                    self.name,
                    path.trim_matches('"')
                )
            }
            Some((_, v)) => format!("`{}` = {v}", self.name),
            None => format!("`{}`", self.name),
        }
    }
}

impl Ctx<'_> {
    /// The endpoint parameters of an operation: its static context parameters (by name), then
    /// the input members that set one (in member order).
    fn endpoint_entries(&self, op_name: &str) -> Result<Vec<Entry>, String> {
        let op = self
            .model
            .operations
            .get(op_name)
            .ok_or_else(|| format!("no operation {op_name} in the model"))?;
        let mut entries = Vec::new();
        for (name, p) in &op.static_context_params {
            let (value, label) = match &p.value {
                serde_json::Value::Bool(b) => (
                    format!("EndpointParamValue::Bool({b})"),
                    if *b {
                        screaming(name)
                    } else {
                        format!("NOT_{}", screaming(name))
                    },
                ),
                serde_json::Value::String(s) => (
                    format!("EndpointParamValue::String({})", lit(s)),
                    format!("{}_{}", screaming(name), screaming(s)),
                ),
                other => {
                    return Err(format!(
                        "{op_name}: static context parameter `{name}` has an unsupported value {other}"
                    ));
                }
            };
            entries.push(Entry {
                name: name.clone(),
                value,
                label,
            });
        }
        for (name, p) in &op.operation_context_params {
            // The path's words, so that tables of different paths are named apart.
            let words: String = p
                .path
                .chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
                .collect();
            let words: Vec<String> = words.split_whitespace().map(screaming).collect();
            entries.push(Entry {
                name: name.clone(),
                value: format!("EndpointParamValue::Path({})", lit(&p.path)),
                label: format!("{}_AT_{}", screaming(name), words.join("_")),
            });
        }
        if let Some(input) = &op.input {
            for (member, m) in &self.shape(&input.shape)?.members.0 {
                let Some(param) = &m.context_param else {
                    continue;
                };
                let kind = &self.shape(&m.shape)?.kind;
                if kind != "string" {
                    return Err(format!(
                        "{op_name}: member `{member}` sets endpoint parameter `{}` but is a {kind}, not a string",
                        param.name
                    ));
                }
                let label = if *member == param.name {
                    screaming(member)
                } else {
                    format!("{}_FROM_{}", screaming(&param.name), screaming(member))
                };
                entries.push(Entry {
                    name: param.name.clone(),
                    value: format!("EndpointParamValue::Member({})", lit(member)),
                    label,
                });
            }
        }
        Ok(entries)
    }

    /// The shared tables of endpoint parameters, by name, each with the operations that use
    /// it. A table is named for what it holds (`ENDPOINT_PARAMS_BUCKET_KEY`) where that name
    /// is short enough to read, else numbered (`ENDPOINT_PARAMS_2`) in the order of the long
    /// names.
    fn endpoint_tables(&self) -> Result<Vec<Table<'_>>, String> {
        let mut by_label: std::collections::BTreeMap<String, (Vec<Entry>, Vec<&str>)> =
            std::collections::BTreeMap::new();
        for op_name in self.model.operations.keys() {
            let entries = self.endpoint_entries(op_name)?;
            if entries.is_empty() {
                continue;
            }
            let labels: Vec<&str> = entries.iter().map(|e| e.label.as_str()).collect();
            let label = labels.join("_");
            let (shared, ops) = by_label
                .entry(label)
                .or_insert_with(|| (entries.clone(), Vec::new()));
            if *shared != entries {
                return Err(format!(
                    "{op_name}: its endpoint parameters differ from {}'s but are named alike",
                    ops.first().copied().unwrap_or("another operation")
                ));
            }
            ops.push(op_name);
        }
        let mut numbered = 0;
        Ok(by_label
            .into_iter()
            .map(|(label, (entries, ops))| {
                let name = if label.len() <= 32 {
                    format!("ENDPOINT_PARAMS_{label}")
                } else {
                    numbered += 1;
                    format!("ENDPOINT_PARAMS_{numbered}")
                };
                (name, entries, ops)
            })
            .collect())
    }

    /// The `endpoint_params` of an operation's schema: `&[]`, or one of the shared tables of
    /// `operation/mod.rs` (many operations set the same parameters the same way).
    pub(super) fn endpoint_params(&self, op_name: &str) -> Result<String, String> {
        Ok(self
            .endpoint_tables()?
            .into_iter()
            .find(|(_, _, ops)| ops.contains(&op_name))
            .map(|(name, _, _)| format!("&super::{name}"))
            .unwrap_or_else(|| "&[]".to_owned()))
    }

    /// The shared tables of endpoint parameters, for `operation/mod.rs`, in name order.
    pub(super) fn endpoint_param_tables(&self) -> Result<String, String> {
        let mut out = String::new();
        for (table, entries, _) in self.endpoint_tables()? {
            let what: Vec<String> = entries.iter().map(Entry::describe).collect();
            let _ = writeln!(
                out,
                "\n/// Endpoint parameters: {}.\n\
                 pub(crate) static {table}: [EndpointParam; {}] = [",
                what.join(", "),
                entries.len()
            );
            for e in &entries {
                let _ = writeln!(
                    out,
                    "EndpointParam {{ name: {}, value: {} }},",
                    lit(&e.name),
                    e.value
                );
            }
            out.push_str("];\n");
        }
        Ok(out)
    }
}
