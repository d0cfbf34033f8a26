//! Calling any operation of a generated service by name, with JSON in and out as the aws CLI
//! does: each service crate lists its operations (`OPERATIONS`), and their schemas say how to
//! read the input and print the output.
use std::sync::Arc;

use ziggurat::config::SdkConfig;
use ziggurat::layers::protocol::json::{self, JsonDeserializer, JsonOptions};
use ziggurat::runtime::{ClientHandle, OperationEntry, ServiceConfig, WaiterEntry};
use ziggurat::schema::operation::op_flag;
use ziggurat::schema::{Schema, ShapeType};
use ziggurat::stack::Stack;

use crate::{Cli, Failure, input_text, show_stack, write_body};

/// A generated service the command line knows.
pub struct Service {
    /// Its name on the command line (`dynamodb`).
    pub name: &'static str,
    /// Its operations.
    pub operations: &'static [OperationEntry],
    /// Its waiters.
    pub waiters: &'static [WaiterEntry],
    /// Its stack, from its configuration and the command line's service options.
    pub stack: fn(ServiceConfig, &ServiceOptions) -> Result<Stack, String>,
}

/// What the command line says of one service's configuration beyond the shared one.
#[derive(Debug, Clone, Copy, Default)]
pub struct ServiceOptions {
    /// S3: address buckets in the path (`--force-path-style`).
    pub force_path_style: bool,
}

/// Every generated service.
pub const SERVICES: &[Service] = &[
    Service {
        name: "dynamodb",
        operations: ziggurat::dynamodb::OPERATIONS,
        waiters: ziggurat::dynamodb::waiters::WAITERS,
        stack: |conf, _| ziggurat::dynamodb::stack(&conf),
    },
    Service {
        name: "lambda",
        operations: ziggurat::lambda::OPERATIONS,
        waiters: ziggurat::lambda::waiters::WAITERS,
        stack: |conf, _| ziggurat::lambda::stack(&conf),
    },
    Service {
        name: "s3",
        operations: ziggurat::s3::OPERATIONS,
        waiters: ziggurat::s3::waiters::WAITERS,
        stack: |conf, options| {
            let conf = ziggurat::s3::Config::from(conf).force_path_style(options.force_path_style);
            ziggurat::s3::stack(&conf)
        },
    },
    Service {
        name: "sns",
        operations: ziggurat::sns::OPERATIONS,
        waiters: &[],
        stack: |conf, _| ziggurat::sns::stack(&conf),
    },
    Service {
        name: "sqs",
        operations: ziggurat::sqs::OPERATIONS,
        waiters: &[],
        stack: |conf, _| ziggurat::sqs::stack(&conf),
    },
    Service {
        name: "sso",
        operations: ziggurat::sso::OPERATIONS,
        waiters: &[],
        stack: |conf, _| ziggurat::sso::stack(&conf),
    },
    Service {
        name: "sso-oidc",
        operations: ziggurat::ssooidc::OPERATIONS,
        waiters: &[],
        stack: |conf, _| ziggurat::ssooidc::stack(&conf),
    },
    Service {
        name: "sts",
        operations: ziggurat::sts::OPERATIONS,
        waiters: &[],
        stack: |conf, _| ziggurat::sts::stack(&conf),
    },
];

/// The aws CLI's name of an operation: `ListObjectsV2` → `list-objects-v2`.
pub fn cli_name(operation: &str) -> String {
    let chars: Vec<char> = operation.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if c.is_ascii_uppercase() && i > 0 {
            let prev = chars.get(i - 1).copied().unwrap_or('a');
            let next = chars.get(i + 1).copied();
            let boundary = prev.is_ascii_lowercase()
                || prev.is_ascii_digit()
                || (prev.is_ascii_uppercase() && next.is_some_and(|n| n.is_ascii_lowercase()));
            if boundary {
                out.push('-');
            }
        }
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// The edit distance between two names, to suggest the nearest one.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row.first().copied().unwrap_or(0);
        if let Some(first) = row.first_mut() {
            *first = i + 1;
        }
        for (j, cb) in b.iter().enumerate() {
            let above = row.get(j + 1).copied().unwrap_or(0);
            let left = row.get(j).copied().unwrap_or(0);
            let cost = usize::from(ca != *cb);
            let best = (prev + cost).min(above + 1).min(left + 1);
            prev = above;
            if let Some(cell) = row.get_mut(j + 1) {
                *cell = best;
            }
        }
    }
    row.last().copied().unwrap_or(0)
}

/// The name among `names` nearest to `wanted`.
pub fn nearest<'a>(wanted: &str, names: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    names.min_by_key(|n| distance(wanted, n))
}

/// A JSON template of an input, as `--generate-cli-skeleton` prints it.
fn skeleton(schema: &'static Schema, depth: usize) -> serde_json::Value {
    use serde_json::Value;
    if depth > 6 {
        return Value::Null;
    }
    match schema.shape_type {
        ShapeType::Structure | ShapeType::Union => Value::Object(
            schema
                .members
                .iter()
                .map(|m| (m.name.to_owned(), skeleton(m.target, depth + 1)))
                .collect(),
        ),
        ShapeType::List => Value::Array(
            schema
                .element()
                .map(|m| skeleton(m.target, depth + 1))
                .into_iter()
                .collect(),
        ),
        ShapeType::Map => {
            let mut map = serde_json::Map::new();
            if let Some(v) = schema.element() {
                map.insert("KeyName".to_owned(), skeleton(v.target, depth + 1));
            }
            Value::Object(map)
        }
        ShapeType::Boolean => Value::Bool(true),
        ShapeType::Byte
        | ShapeType::Short
        | ShapeType::Integer
        | ShapeType::Long
        | ShapeType::IntEnum => Value::from(0),
        ShapeType::Float | ShapeType::Double => Value::from(0.0),
        ShapeType::Timestamp => Value::from("1970-01-01T00:00:00"),
        _ => Value::from(""),
    }
}

/// `zig <service> help`: the operations, one a line, then the waiters.
fn help(service: &Service) {
    println!("zig {} operations:", service.name);
    for op in service.operations {
        println!("  {}", cli_name(op.schema.name));
    }
    if !service.waiters.is_empty() {
        println!("zig {} wait <waiter>:", service.name);
        for w in service.waiters {
            println!("  {}", cli_name(w.schema.name));
        }
    }
}

fn seconds(flag: &str, value: Option<f64>) -> Result<Option<std::time::Duration>, Failure> {
    value
        .map(|s| {
            std::time::Duration::try_from_secs_f64(s)
                .map_err(|_| Failure::Usage(format!("--{flag} takes a number of seconds, not {s}")))
        })
        .transpose()
}

/// The client of `service` for this command line.
fn client(cli: &Cli, config: &SdkConfig, service: &Service) -> Arc<ClientHandle> {
    let mut conf = ServiceConfig::new(config);
    if cli.timing || cli.debug {
        conf = conf.stack(ziggurat::layers::timing::enable);
    }
    let options = ServiceOptions {
        force_path_style: cli.force_path_style,
    };
    let stack = (service.stack)(conf, &options);
    show_stack(cli, stack.as_ref().ok());
    Arc::new(ClientHandle::new(stack, config))
}

/// `zig <service> wait <waiter>`.
async fn run_wait(cli: &Cli, config: &SdkConfig, service: &Service) -> Result<(), Failure> {
    let Some(name) = cli.outfile.as_ref().and_then(|p| p.to_str()) else {
        help(service);
        return Err(Failure::Usage(format!(
            "zig {} wait needs a waiter name",
            service.name
        )));
    };
    let waiter = crate::wait::find(service.name, service.waiters, name)?;
    let options = crate::wait::WaitOptions {
        max_wait: seconds("max-wait", cli.max_wait)?,
        min_delay: seconds("min-delay", cli.min_delay)?,
    };
    let text = input_text(cli)?;
    crate::wait::run(client(cli, config, service), waiter, &text, options).await
}

/// Runs `zig <service> <operation>` for a generated service.
pub async fn run(cli: &Cli, config: &SdkConfig, service: &Service) -> Result<(), Failure> {
    let wanted = cli.operation.as_deref().unwrap_or_default();
    if wanted == "help" {
        help(service);
        return Ok(());
    }
    if wanted == "wait" {
        return run_wait(cli, config, service).await;
    }
    let Some(entry) = service
        .operations
        .iter()
        .find(|op| cli_name(op.schema.name) == wanted)
    else {
        let names: Vec<String> = service
            .operations
            .iter()
            .map(|op| cli_name(op.schema.name))
            .collect();
        let hint = nearest(wanted, names.iter().map(String::as_str))
            .map(|n| format!("; did you mean `{n}`?"))
            .unwrap_or_default();
        return Err(Failure::Usage(format!(
            "unknown {} operation `{wanted}`{hint} (`zig {} help` lists them)",
            service.name, service.name
        )));
    };
    if cli.generate_cli_skeleton {
        let text = serde_json::to_string_pretty(&skeleton(entry.schema.input, 0))
            .map_err(|e| Failure::Failed(format!("cannot print the skeleton: {e}")))?;
        println!("{text}");
        return Ok(());
    }
    let streaming_output = entry.schema.has(op_flag::STREAMING_OUTPUT);
    if streaming_output && cli.outfile.is_none() {
        return Err(Failure::Usage(format!(
            "{wanted} needs an output file: zig {} {wanted} --input-json '{{...}}' OUTFILE",
            service.name
        )));
    }
    let mut text = input_text(cli)?;
    if let (Some(size), Some(limit), true) = (
        cli.page_size,
        entry.paginator.and_then(|p| p.schema.limit_key),
        cli.no_paginate,
    ) {
        // One page, of the size asked for.
        let Ok(serde_json::Value::Object(mut input)) = serde_json::from_str(&text) else {
            return Err(Failure::Usage(format!(
                "--input-json for {wanted} is not a JSON object"
            )));
        };
        input.insert(limit.to_owned(), serde_json::Value::from(size));
        text = serde_json::Value::Object(input).to_string();
    }
    if let Some(paginator) = entry.paginator.filter(|_| !cli.no_paginate) {
        let Ok(serde_json::Value::Object(input)) = serde_json::from_str(&text) else {
            return Err(Failure::Usage(format!(
                "--input-json for {wanted} is not a JSON object"
            )));
        };
        let options = crate::paginate::PageOptions {
            max_items: cli.max_items,
            starting_token: cli.starting_token.clone(),
            page_size: cli.page_size,
        };
        let handle = client(cli, config, service);
        let (merged, metadata) =
            crate::paginate::run(&handle, entry, paginator, input, &options).await?;
        crate::show_metadata(cli, &metadata);
        let text = serde_json::to_string_pretty(&merged)
            .map_err(|e| Failure::Failed(format!("cannot print the output: {e}")))?;
        println!("{text}");
        return Ok(());
    }
    let mut d = JsonDeserializer::new(text.as_bytes(), JsonOptions::CLI);
    let mut input = (entry.read_input)(&mut d)
        .and_then(|input| d.finish().map(|()| input))
        .map_err(|e| Failure::Usage(format!("invalid --input-json for {wanted}: {e}")))?;
    if let Some(path) = &cli.body {
        let body = ziggurat::body::Body::from_file(path)
            .await
            .map_err(|e| Failure::Usage(format!("cannot read --body {}: {e}", path.display())))?;
        if !(entry.set_input_stream)(&mut input, body) {
            return Err(Failure::Usage(format!("{wanted} takes no --body")));
        }
    }
    let handle = client(cli, config, service);
    let mut out = handle
        .invoke((entry.spec)(), input, None)
        .await
        .map_err(Failure::from_sdk)?;
    if let (Some(path), Some(mut body)) =
        (&cli.outfile, (entry.take_output_stream)(&mut out.output))
    {
        write_body(&mut body, path).await?;
    }
    crate::show_metadata(cli, &out.metadata);
    let shape = (entry.output)(&out.output)
        .ok_or_else(|| Failure::Failed(format!("{wanted} returned an output of another type")))?;
    let text = json::to_vec_pretty(shape, JsonOptions::CLI)
        .map_err(|e| Failure::Failed(format!("cannot print the output: {e}")))?;
    println!("{}", String::from_utf8_lossy(&text));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_the_aws_clis() {
        assert_eq!(cli_name("ListObjectsV2"), "list-objects-v2");
        assert_eq!(cli_name("GetCallerIdentity"), "get-caller-identity");
        assert_eq!(cli_name("CreateDBInstance"), "create-db-instance");
        assert_eq!(
            nearest("get-itme", ["put-item", "get-item", "query"].into_iter()),
            Some("get-item")
        );
    }
}
