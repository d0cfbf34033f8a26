//! `zig`: an aws-CLI-shaped command over ziggurat's clients.
//!
//! ```text
//! zig <service> <operation> [--input-json JSON|file://PATH] [--endpoint-url URL] [--region R]
//!     [--force-path-style] [--body FILE] [--debug-stack] [--timing] [OUTFILE]
//! ```
//!
//! Operation names are kebab-case (`put-object`); input members are named as in the service
//! model (`{"Bucket":"b","Key":"k"}`; DynamoDB items in their wire JSON form). The output is
//! JSON on stdout. A service error prints its code, message and request id on stderr and exits
//! with 1; any other failure exits with 1 too; bad usage exits with 2.
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use serde::Serialize;
use serde::de::DeserializeOwned;
use ziggurat::body::Body;
use ziggurat::config::SdkConfig;
use ziggurat::context::Region;
use ziggurat::error::{ProvideErrorMetadata, SdkError};
use ziggurat::metadata::HasMetadata;
use ziggurat::operation::Operation;
use ziggurat::runtime::{ClientHandle, FluentBuilder};
use ziggurat::stack::Stack;

#[derive(Parser, Debug)]
#[command(
    name = "zig",
    version,
    about = "Call AWS-style services through ziggurat's middleware stack",
    after_help = "Services and operations:\n  s3        create-bucket, delete-bucket, put-object, get-object, head-object, list-objects-v2, delete-object\n  dynamodb  create-table, describe-table, delete-table, put-item, get-item, query"
)]
struct Cli {
    /// The service (`s3`, `dynamodb`).
    service: String,
    /// The operation, in kebab-case (`put-object`).
    operation: String,
    /// Where `get-object` writes the object's body.
    outfile: Option<PathBuf>,
    /// The input as JSON, with the service model's member names; or `file://PATH`.
    #[arg(long, value_name = "JSON")]
    input_json: Option<String>,
    /// Send requests to this endpoint instead of the regional default.
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// The region (default: AWS_REGION).
    #[arg(long)]
    region: Option<String>,
    /// S3: address buckets in the path, never as a subdomain.
    #[arg(long)]
    force_path_style: bool,
    /// `put-object`: the file to upload (streamed).
    #[arg(long, value_name = "FILE")]
    body: Option<PathBuf>,
    /// Print the middleware stack (on stderr) before calling.
    #[arg(long)]
    debug_stack: bool,
    /// Print where the time went (on stderr) after the call.
    #[arg(long)]
    timing: bool,
}

/// How a run ends.
enum Failure {
    Usage(String),
    Failed(String),
}

impl Failure {
    fn from_sdk<E: ProvideErrorMetadata + std::fmt::Display>(e: SdkError<E>) -> Failure {
        if e.as_service_error().is_some() {
            Failure::Failed(format!(
                "An error occurred ({}) when calling the {} operation: {}\nrequest id: {}",
                e.code().unwrap_or("Unknown"),
                e.operation_name().unwrap_or("?"),
                e.message().unwrap_or("(no message)"),
                e.request_id().unwrap_or("(none)"),
            ))
        } else {
            Failure::Failed(e.to_string())
        }
    }
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { 2 } else { 0 };
            let _ = e.print();
            return ExitCode::from(code);
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("zig: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("zig: {msg}\nRun `zig --help` for usage.");
            ExitCode::from(2)
        }
        Err(Failure::Failed(msg)) => {
            eprintln!("{msg}");
            ExitCode::from(1)
        }
    }
}

fn input_text(cli: &Cli) -> Result<String, Failure> {
    match cli.input_json.as_deref() {
        None => Ok("{}".to_owned()),
        Some(s) => match s.strip_prefix("file://") {
            Some(path) => std::fs::read_to_string(path)
                .map_err(|e| Failure::Usage(format!("cannot read --input-json file {path}: {e}"))),
            None => Ok(s.to_owned()),
        },
    }
}

fn parse_input<T: DeserializeOwned>(cli: &Cli) -> Result<T, Failure> {
    serde_json::from_str(&input_text(cli)?)
        .map_err(|e| Failure::Usage(format!("invalid --input-json for {}: {e}", cli.operation)))
}

fn sdk_config(cli: &Cli) -> SdkConfig {
    let mut b = SdkConfig::from_env().to_builder().app_name("zig");
    if let Some(r) = &cli.region {
        b = b.region(Region::new(r.clone()));
    }
    if let Some(url) = &cli.endpoint_url {
        b = b.endpoint_url(url.clone());
    }
    b.build()
}

fn print_json<T: Serialize>(value: &T) -> Result<(), Failure> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| Failure::Failed(format!("cannot print the output: {e}")))?;
    println!("{text}");
    Ok(())
}

fn show_stack(cli: &Cli, stack: Option<&Stack>) {
    if cli.debug_stack
        && let Some(stack) = stack
    {
        eprintln!("{}", stack.describe());
    }
}

fn show_timing(cli: &Cli, output: &impl HasMetadata) {
    if !cli.timing {
        return;
    }
    let meta = output.response_metadata();
    match meta.timings() {
        Some(t) => eprintln!("timing: {t}"),
        None => eprintln!("timing: not recorded"),
    }
    eprintln!(
        "attempts: {}, request id: {}",
        meta.attempts(),
        meta.request_id().unwrap_or("(none)")
    );
}

/// Runs one operation with an input already parsed.
async fn call<O>(handle: &Arc<ClientHandle>, input: O::Input) -> Result<O::Output, Failure>
where
    O: Operation,
    O::Input: Default,
    O::Output: HasMetadata,
    O::Error: ProvideErrorMetadata + std::fmt::Display,
{
    FluentBuilder::<O>::new(handle.clone())
        .set_input(input)
        .send()
        .await
        .map_err(Failure::from_sdk)
}

/// Parses the input, calls, prints the output.
async fn simple<O>(cli: &Cli, handle: &Arc<ClientHandle>) -> Result<(), Failure>
where
    O: Operation,
    O::Input: Default + DeserializeOwned,
    O::Output: HasMetadata + Serialize,
    O::Error: ProvideErrorMetadata + std::fmt::Display,
{
    let input: O::Input = parse_input(cli)?;
    let output = call::<O>(handle, input).await?;
    show_timing(cli, &output);
    print_json(&output)
}

async fn run(cli: Cli) -> Result<(), Failure> {
    let config = sdk_config(&cli);
    match cli.service.as_str() {
        "s3" => s3(&cli, &config).await,
        "dynamodb" => dynamodb(&cli, &config).await,
        other => Err(Failure::Usage(format!(
            "unknown service `{other}` (known: s3, dynamodb)"
        ))),
    }
}

async fn s3(cli: &Cli, config: &SdkConfig) -> Result<(), Failure> {
    use ziggurat::s3::*;
    let mut conf = Config::new(config).force_path_style(cli.force_path_style);
    if cli.timing {
        conf = conf.stack(ziggurat::layers::timing::enable);
    }
    let stack = ziggurat::s3::stack(&conf);
    show_stack(cli, stack.as_ref().ok());
    let handle = Arc::new(ClientHandle::new(stack, config));
    match cli.operation.as_str() {
        "create-bucket" => simple::<CreateBucket>(cli, &handle).await,
        "delete-bucket" => simple::<DeleteBucket>(cli, &handle).await,
        "head-object" => simple::<HeadObject>(cli, &handle).await,
        "list-objects-v2" => simple::<ListObjectsV2>(cli, &handle).await,
        "delete-object" => simple::<DeleteObject>(cli, &handle).await,
        "put-object" => {
            let mut input: PutObjectInput = parse_input(cli)?;
            if let Some(path) = &cli.body {
                input.body = Body::from_file(path).await.map_err(|e| {
                    Failure::Usage(format!("cannot read --body {}: {e}", path.display()))
                })?;
            }
            let output = call::<PutObject>(&handle, input).await?;
            show_timing(cli, &output);
            print_json(&output)
        }
        "get-object" => {
            let Some(path) = &cli.outfile else {
                return Err(Failure::Usage(
                    "get-object needs an output file: zig s3 get-object --input-json '{...}' OUTFILE"
                        .to_owned(),
                ));
            };
            let input: GetObjectInput = parse_input(cli)?;
            let mut output = call::<GetObject>(&handle, input).await?;
            write_body(&mut output.body, path).await?;
            show_timing(cli, &output);
            print_json(&output)
        }
        other => Err(Failure::Usage(format!("unknown s3 operation `{other}`"))),
    }
}

async fn write_body(body: &mut Body, path: &std::path::Path) -> Result<(), Failure> {
    use http_body_util::BodyExt;
    use tokio::io::AsyncWriteExt;
    let fail = |e: &dyn std::fmt::Display| {
        Failure::Failed(format!("cannot write {}: {e}", path.display()))
    };
    let mut file = tokio::fs::File::create(path).await.map_err(|e| fail(&e))?;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| Failure::Failed(format!("the download broke off: {e}")))?;
        if let Ok(data) = frame.into_data() {
            file.write_all(&data).await.map_err(|e| fail(&e))?;
        }
    }
    file.flush().await.map_err(|e| fail(&e))
}

async fn dynamodb(cli: &Cli, config: &SdkConfig) -> Result<(), Failure> {
    use ziggurat::dynamodb::*;
    let mut conf = Config::new(config);
    if cli.timing {
        conf = conf.stack(ziggurat::layers::timing::enable);
    }
    let stack = ziggurat::dynamodb::stack(&conf);
    show_stack(cli, stack.as_ref().ok());
    let handle = Arc::new(ClientHandle::new(stack, config));
    match cli.operation.as_str() {
        "create-table" => simple::<CreateTable>(cli, &handle).await,
        "describe-table" => simple::<DescribeTable>(cli, &handle).await,
        "delete-table" => simple::<DeleteTable>(cli, &handle).await,
        "put-item" => simple::<PutItem>(cli, &handle).await,
        "get-item" => simple::<GetItem>(cli, &handle).await,
        "query" => simple::<Query>(cli, &handle).await,
        other => Err(Failure::Usage(format!(
            "unknown dynamodb operation `{other}`"
        ))),
    }
}
