//! Paginated operations as the aws CLI runs them: every page requested and the pages' results
//! merged into one output, unless `--no-paginate`.
//!
//! - Result keys (`Contents`, `Items`) are concatenated across pages, numeric ones (`Count`)
//!   summed; non-aggregate keys (DynamoDB's `ConsumedCapacity`) keep the first page's value;
//!   other members of the pages are left out, as the aws CLI does.
//! - `--max-items N` stops after N items of the first result key and prints a `NextToken`;
//!   `--starting-token` resumes from it. The token is the aws CLI's kind: base64 of a JSON
//!   object holding the page's input tokens and, when the page was cut short, how many of
//!   its items were already printed (`boto_truncate_amount`).
//! - `--page-size N` sets the operation's limit member (`MaxKeys`, `Limit`) on every request.
//!
//! Pages follow each other by the generated paginator's own `next_page` (the one the typed
//! `into_paginator()` streams use), so the command line and the library cannot disagree on
//! tokens.
use std::sync::Arc;

use base64::Engine as _;
use serde_json::{Map, Value};
use ziggurat::layers::protocol::json::{self, JsonDeserializer, JsonOptions};
use ziggurat::runtime::paginator::{NextPage, PaginatorEntry};
use ziggurat::runtime::{ClientHandle, OperationEntry};

use crate::Failure;

/// The pagination options of the command line.
#[derive(Debug, Clone, Default)]
pub struct PageOptions {
    /// At most this many items of the first result key.
    pub max_items: Option<usize>,
    /// Resume from this `NextToken`.
    pub starting_token: Option<String>,
    /// Ask for this many items a request.
    pub page_size: Option<i32>,
}

const TRUNCATE: &str = "boto_truncate_amount";

/// The aws CLI's `NextToken`: the page's input tokens, and how many of its items to skip.
fn encode_token(tokens: Map<String, Value>, skip: usize) -> String {
    let mut tokens = tokens;
    if skip > 0 {
        tokens.insert(TRUNCATE.to_owned(), Value::from(skip));
    }
    base64::engine::general_purpose::STANDARD.encode(Value::Object(tokens).to_string())
}

fn decode_token(token: &str, names: &[&str]) -> Result<(Map<String, Value>, usize), Failure> {
    let bad = |why: &str| Failure::Usage(format!("invalid --starting-token: {why}"));
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(token.trim())
        .map_err(|_| bad("not base64"))?;
    let Ok(Value::Object(mut map)) = serde_json::from_slice::<Value>(&bytes) else {
        return Err(bad("not a token this command printed"));
    };
    let skip = match map.remove(TRUNCATE) {
        None => 0,
        Some(v) => v
            .as_u64()
            .and_then(|n| usize::try_from(n).ok())
            .ok_or_else(|| bad("bad truncate amount"))?,
    };
    if map.keys().any(|k| !names.contains(&k.as_str())) || map.is_empty() {
        return Err(bad("its tokens are not this operation's"));
    }
    Ok((map, skip))
}

/// The input's token members, for a `NextToken`.
fn tokens_of(input: &Map<String, Value>, names: &[&str]) -> Map<String, Value> {
    names
        .iter()
        .filter_map(|n| input.get(*n).map(|v| ((*n).to_owned(), v.clone())))
        .collect()
}

/// One typed input from its JSON.
fn read_input(
    entry: &OperationEntry,
    input: &Map<String, Value>,
) -> Result<ziggurat::hook::Input, Failure> {
    let text = Value::Object(input.clone()).to_string();
    let mut d = JsonDeserializer::new(text.as_bytes(), JsonOptions::CLI);
    (entry.read_input)(&mut d)
        .and_then(|i| d.finish().map(|()| i))
        .map_err(|e| {
            Failure::Usage(format!(
                "invalid --input-json for {}: {e}",
                entry.schema.name
            ))
        })
}

fn to_json(
    shape: Option<&dyn ziggurat::schema::ser::SerializeShape>,
    what: &str,
) -> Result<Map<String, Value>, Failure> {
    let shape = shape.ok_or_else(|| Failure::Failed(format!("the {what} is of another type")))?;
    let bytes = json::to_vec(shape, JsonOptions::CLI)
        .map_err(|e| Failure::Failed(format!("cannot print the {what}: {e}")))?;
    match serde_json::from_slice(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(Failure::Failed(format!("cannot print the {what}"))),
    }
}

/// Runs every page of `entry` from `input`, and returns the merged output.
pub async fn run(
    handle: &Arc<ClientHandle>,
    entry: &OperationEntry,
    paginator: PaginatorEntry,
    mut input: Map<String, Value>,
    options: &PageOptions,
) -> Result<(Value, ziggurat::metadata::Metadata), Failure> {
    let schema = paginator.schema;
    let mut skip = 0;
    if let Some(token) = &options.starting_token {
        let (tokens, truncate) = decode_token(token, schema.input_tokens)?;
        input.extend(tokens);
        skip = truncate;
    }
    if let Some(size) = options.page_size {
        let Some(limit) = schema.limit_key else {
            return Err(Failure::Usage(format!(
                "{} has no page size to set (--page-size)",
                entry.schema.name
            )));
        };
        input.insert(limit.to_owned(), Value::from(size));
    }
    let primary = schema.result_keys.first().copied();
    let mut merged = Map::new();
    let mut printed = 0usize;
    let mut next_token = None;
    let mut metadata;
    loop {
        let sent = read_input(entry, &input)?;
        let kept = read_input(entry, &input)?;
        let out = handle
            .invoke((entry.spec)(), sent, None)
            .await
            .map_err(Failure::from_sdk)?;
        metadata = out.metadata.clone();
        let page = to_json((entry.output)(&out.output), "output")?;
        let next = (paginator.next_page)(&kept, &out.output);

        // How many of this page's items go out, and whether --max-items cuts it short.
        let mut cut = None;
        for key in schema.result_keys {
            let Some(value) = page.get(*key) else {
                continue;
            };
            match value {
                Value::Array(items) => {
                    let mut items: Vec<Value> = items
                        .iter()
                        .skip(if Some(*key) == primary { skip } else { 0 })
                        .cloned()
                        .collect();
                    if Some(*key) == primary
                        && let Some(max) = options.max_items
                    {
                        let room = max.saturating_sub(printed);
                        if items.len() > room {
                            items.truncate(room);
                            cut = Some(skip + room);
                        }
                        printed += items.len();
                    }
                    match merged.get_mut(*key) {
                        Some(Value::Array(all)) => all.extend(items),
                        _ => {
                            merged.insert((*key).to_owned(), Value::Array(items));
                        }
                    }
                }
                Value::Number(n) => {
                    let sum = merged.get(*key).and_then(Value::as_f64).unwrap_or(0.0)
                        + n.as_f64().unwrap_or(0.0);
                    let sum = if sum.fract() == 0.0 && sum.abs() < 9.0e15 {
                        Value::from(sum as i64)
                    } else {
                        Value::from(sum)
                    };
                    merged.insert((*key).to_owned(), sum);
                }
                other => {
                    merged
                        .entry((*key).to_owned())
                        .or_insert_with(|| other.clone());
                }
            }
        }
        for key in schema.non_aggregate_keys {
            if let Some(v) = page.get(*key) {
                merged.entry((*key).to_owned()).or_insert_with(|| v.clone());
            }
        }
        skip = 0;
        if let Some(truncate) = cut {
            next_token = Some(encode_token(
                tokens_of(&input, schema.input_tokens),
                truncate,
            ));
            break;
        }
        match next {
            NextPage::Done => break,
            NextPage::Repeated => {
                return Err(Failure::Failed(format!(
                    "{} returned the same pagination token it was sent; stopping",
                    entry.schema.name
                )));
            }
            NextPage::Page(next_input) => {
                input = to_json((entry.input)(&next_input), "next page's input")?;
                if options.max_items.is_some_and(|max| printed >= max) {
                    next_token = Some(encode_token(tokens_of(&input, schema.input_tokens), 0));
                    break;
                }
            }
        }
    }
    if let Some(token) = next_token {
        merged.insert("NextToken".to_owned(), Value::String(token));
    }
    Ok((Value::Object(merged), metadata))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_bad_ones_are_usage_errors() {
        let mut tokens = Map::new();
        tokens.insert(
            "ExclusiveStartKey".into(),
            serde_json::json!({"pk": {"S": "a"}}),
        );
        let token = encode_token(tokens.clone(), 3);
        let (back, skip) = decode_token(&token, &["ExclusiveStartKey"]).ok().unwrap();
        assert_eq!((back, skip), (tokens, 3));
        for bad in ["%%%", "e30=", "eyJOb3BlIjoxfQ=="] {
            // not base64; `{}`; `{"Nope":1}`
            assert!(
                matches!(
                    decode_token(bad, &["ExclusiveStartKey"]),
                    Err(Failure::Usage(_))
                ),
                "{bad}"
            );
        }
    }
}
