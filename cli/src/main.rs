//! `zig`: an aws-CLI-shaped command over ziggurat's clients.
//!
//! ```text
//! zig <service> <operation> [--input-json JSON|file://PATH] [--endpoint-url URL] [--region R]
//!     [--force-path-style] [--body FILE] [--debug-stack] [--timing] [--debug] [OUTFILE]
//!     [--no-paginate] [--max-items N] [--starting-token T] [--page-size N]
//! zig <service> wait <waiter> [--input-json JSON] [--max-wait SECONDS] [--min-delay SECONDS]
//! zig s3 cp|ls|rm|mb|rb|presign ...   (the aws CLI's `aws s3` commands: see `s3_commands`)
//! zig sign --request FILE --context FILE [--query] [--v4a]
//!     [--only canonical-request|string-to-sign|signature|signed-request]
//! ```
//!
//! `zig sign` debugs signatures: it signs a raw HTTP/1.1 request with the parameters of a
//! `context.json`, both in the formats of the AWS signing test suite, and prints the canonical
//! request, the string to sign, the signature and the signed request, each under a
//! `== name ==` label; with `--only`, that one part alone, byte for byte as the suite's
//! expected files hold it (no trailing newline added). A file that cannot be read or parsed
//! exits with 2.
//!
//! Operation names are kebab-case (`put-object`); input members are named as in the service
//! model (`{"Bucket":"b","Key":"k"}`; DynamoDB items in their wire JSON form). The output is
//! JSON on stdout. A service error prints its code, message and request id on stderr and exits
//! with 1; any other failure exits with 1 too; bad usage exits with 2.
mod configure;
mod generated;
mod paginate;
mod s3_commands;
mod wait;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use ziggurat::aws_config::ConfigLoader;
use ziggurat::body::Body;
use ziggurat::config::SdkConfig;
use ziggurat::context::Region;
use ziggurat::error::{ProvideErrorMetadata, SdkError};
use ziggurat::stack::Stack;

#[derive(Parser, Debug)]
#[command(
    name = "zig",
    version,
    about = "Call AWS-style services through ziggurat's middleware stack",
    after_help = "Services: s3, dynamodb, sqs, sns, sts, lambda, sso, sso-oidc (`zig <service> help` lists the operations)",
    args_conflicts_with_subcommands = true,
    subcommand_negates_reqs = true,
    disable_help_subcommand = true
)]
struct Cli {
    /// A tool instead of a service call.
    #[command(subcommand)]
    tool: Option<Tool>,
    /// The service (`s3`, `dynamodb`).
    #[arg(required = true)]
    service: Option<String>,
    /// The operation, in kebab-case (`put-object`).
    #[arg(required = true)]
    operation: Option<String>,
    /// Where `get-object` writes the object's body.
    outfile: Option<PathBuf>,
    /// The input as JSON, with the service model's member names; or `file://PATH`.
    #[arg(long, value_name = "JSON")]
    input_json: Option<String>,
    /// Send requests to this endpoint instead of the regional default.
    #[arg(long, value_name = "URL")]
    endpoint_url: Option<String>,
    /// The region (default: AWS_REGION, then the profile's).
    #[arg(long, global = true)]
    region: Option<String>,
    /// Use this profile of the shared config files (default: AWS_PROFILE, then `default`).
    #[arg(long, global = true)]
    profile: Option<String>,
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
    /// Log what goes over the wire (on stderr, secrets redacted): each signature's canonical
    /// request, each request and response with its body, each retry; then the timing.
    #[arg(long)]
    debug: bool,
    /// Print a JSON template of the operation's input instead of calling it.
    #[arg(long)]
    generate_cli_skeleton: bool,
    /// Paginated operations: only the first page, as the service returns it (by default
    /// every page is requested and the results merged).
    #[arg(long)]
    no_paginate: bool,
    /// Paginated operations: at most N items in all, then a `NextToken` to resume from.
    #[arg(long, value_name = "N")]
    max_items: Option<usize>,
    /// Paginated operations: resume from a `NextToken` printed before.
    #[arg(long, value_name = "TOKEN")]
    starting_token: Option<String>,
    /// Paginated operations: ask for N items a request.
    #[arg(long, value_name = "N")]
    page_size: Option<i32>,
    /// `wait`: give up after this many seconds (default: the aws CLI's, the model's
    /// attempts times its delay).
    #[arg(long, value_name = "SECONDS")]
    max_wait: Option<f64>,
    /// `wait`: poll at least this often, in seconds, instead of the model's delay.
    #[arg(long, value_name = "SECONDS")]
    min_delay: Option<f64>,
}

#[derive(Subcommand, Debug)]
enum Tool {
    /// Show the configuration as the SDK resolves it: export-credentials, get, list.
    Configure(configure::ConfigureArgs),
    /// Sign a raw HTTP/1.1 request, to debug signatures.
    ///
    /// The request and the context.json are in the formats of the AWS signing test suite.
    /// Prints the canonical request, string to sign, signature and signed request.
    Sign(SignArgs),
}

#[derive(Args, Debug)]
struct SignArgs {
    /// The request: request line, `Name:value` headers (lines starting with whitespace
    /// continue the previous one), an empty line, the body.
    #[arg(long, value_name = "FILE")]
    request: PathBuf,
    /// The signing context: credentials (with an optional token), region, service,
    /// timestamp, expiration_in_seconds, normalize, sign_body, omit_session_token.
    #[arg(long, value_name = "FILE")]
    context: PathBuf,
    /// Presign: sign into the query string (`X-Amz-Expires` = expiration_in_seconds).
    #[arg(long)]
    query: bool,
    /// Sign with SigV4a (ECDSA P-256; the context's region is the region set). Its
    /// signatures are not repeatable across implementations.
    #[arg(long)]
    v4a: bool,
    /// Print only this part, byte for byte.
    #[arg(long, value_enum, value_name = "PART")]
    only: Option<SignPart>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum SignPart {
    CanonicalRequest,
    StringToSign,
    Signature,
    SignedRequest,
}

/// `zig sign`: no runtime, no network.
fn sign(args: &SignArgs) -> ExitCode {
    use std::io::Write;
    use ziggurat::layers::sign::signer::raw::{RawOptions, RawRequest, SigningContext, sign_raw};

    let usage = |msg: String| {
        eprintln!("zig sign: {msg}");
        ExitCode::from(2)
    };
    let request = match std::fs::read(&args.request) {
        Ok(bytes) => bytes,
        Err(e) => {
            return usage(format!(
                "cannot read --request {}: {e}",
                args.request.display()
            ));
        }
    };
    let context = match std::fs::read_to_string(&args.context) {
        Ok(text) => text,
        Err(e) => {
            return usage(format!(
                "cannot read --context {}: {e}",
                args.context.display()
            ));
        }
    };
    let request = match RawRequest::parse(&request) {
        Ok(request) => request,
        Err(e) => return usage(format!("{}: {e}", args.request.display())),
    };
    let context = match SigningContext::from_json(&context) {
        Ok(context) => context,
        Err(e) => return usage(format!("{}: {e}", args.context.display())),
    };
    let options = RawOptions {
        query: args.query,
        v4a: args.v4a,
    };
    let signed = match sign_raw(&request, &context, options) {
        Ok(signed) => signed,
        Err(e) => {
            let cause = std::error::Error::source(&e)
                .map(|cause| format!(": {cause}"))
                .unwrap_or_default();
            return usage(format!("{e}{cause}"));
        }
    };
    let parts: [(SignPart, &str, &[u8]); 4] = [
        (
            SignPart::CanonicalRequest,
            "canonical-request",
            signed.canonical_request.as_bytes(),
        ),
        (
            SignPart::StringToSign,
            "string-to-sign",
            signed.string_to_sign.as_bytes(),
        ),
        (
            SignPart::Signature,
            "signature",
            signed.signature.as_bytes(),
        ),
        (
            SignPart::SignedRequest,
            "signed-request",
            &signed.signed_request,
        ),
    ];
    let mut out = std::io::stdout().lock();
    let written = match args.only {
        Some(only) => parts
            .iter()
            .filter(|(part, _, _)| *part == only)
            .try_for_each(|(_, _, bytes)| out.write_all(bytes)),
        None => parts
            .iter()
            .enumerate()
            .try_for_each(|(i, (_, label, bytes))| {
                let gap = if i == 0 { "" } else { "\n" };
                writeln!(out, "{gap}== {label} ==")?;
                out.write_all(bytes)?;
                if !bytes.ends_with(b"\n") {
                    out.write_all(b"\n")?;
                }
                Ok(())
            }),
    };
    match written.and_then(|()| out.flush()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("zig sign: cannot write the output: {e}");
            ExitCode::from(1)
        }
    }
}

/// How a run ends.
enum Failure {
    Usage(String),
    Failed(String),
    /// Exit 1 without a message (`zig configure get` of an unset setting).
    Silent,
    /// A waiter failed or timed out: exit 255, as the aws CLI does.
    Waiter(String),
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
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    if let Some(rest) = s3_commands::detect(&args) {
        let cli = match s3_commands::S3Cli::try_parse_from(rest) {
            Ok(cli) => cli,
            Err(e) => return clap_exit(&e),
        };
        return block_on(async move {
            let loader = loader_with(
                cli.profile.as_deref(),
                cli.region.as_deref(),
                cli.endpoint_url.as_deref(),
            );
            let config = load(loader).await?;
            s3_commands::run(cli, &config).await
        });
    }
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(e) => return clap_exit(&e),
    };
    if let Some(Tool::Sign(args)) = &cli.tool {
        return sign(args);
    }
    block_on(run(cli))
}

/// Prints a usage error (exit 2) or the help (exit 0).
fn clap_exit(e: &clap::Error) -> ExitCode {
    let code = if e.use_stderr() { 2 } else { 0 };
    let _ = e.print();
    ExitCode::from(code)
}

/// Runs `run` on a small runtime and turns its end into the exit code.
fn block_on(run: impl std::future::Future<Output = Result<(), Failure>>) -> ExitCode {
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
    match runtime.block_on(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(msg)) => {
            eprintln!("zig: {msg}\nRun `zig --help` for usage.");
            ExitCode::from(2)
        }
        Err(Failure::Failed(msg)) => {
            eprintln!("{msg}");
            ExitCode::from(1)
        }
        Err(Failure::Silent) => ExitCode::from(1),
        Err(Failure::Waiter(msg)) => {
            eprintln!("{msg}");
            ExitCode::from(255)
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

/// The loader for this command line: env, shared files, `--profile`, `--region`,
/// `--endpoint-url`, and a prompt for MFA codes.
fn loader(cli: &Cli) -> ConfigLoader {
    loader_with(
        cli.profile.as_deref(),
        cli.region.as_deref(),
        cli.endpoint_url.as_deref(),
    )
}

fn loader_with(
    profile: Option<&str>,
    region: Option<&str>,
    endpoint: Option<&str>,
) -> ConfigLoader {
    let mut loader = ConfigLoader::new().mfa_token_provider(configure::mfa_prompt());
    if let Some(p) = profile {
        loader = loader.profile_name(p.to_owned());
    }
    if let Some(r) = region {
        loader = loader.region(Region::new(r.to_owned()));
    }
    if let Some(url) = endpoint {
        loader = loader.endpoint_url(url.to_owned());
    }
    loader
}

async fn sdk_config(cli: &Cli) -> Result<SdkConfig, Failure> {
    let mut loader = loader(cli);
    if cli.debug {
        loader = loader.log_mode(ziggurat::log_mode::LogMode::ALL);
        wire_log_to_stderr();
    }
    load(loader).await
}

/// Prints the wire log (`ziggurat::wire`, redacted by the clients) on stderr.
fn wire_log_to_stderr() {
    use tracing_subscriber::layer::SubscriberExt;
    let subscriber = tracing_subscriber::registry()
        .with(
            tracing_subscriber::fmt::layer()
                .with_writer(std::io::stderr)
                .with_ansi(false)
                .without_time()
                .with_target(false),
        )
        .with(
            tracing_subscriber::filter::Targets::new()
                .with_target(ziggurat::log_mode::TARGET, tracing::Level::INFO),
        );
    // Only fails when a subscriber is set already: then that one logs.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

async fn load(loader: ConfigLoader) -> Result<SdkConfig, Failure> {
    let config = loader
        .load()
        .await
        .map_err(|e| Failure::Failed(format!("zig: {e}")))?;
    Ok(config.to_builder().app_name("zig").build())
}

fn show_stack(cli: &Cli, stack: Option<&Stack>) {
    if cli.debug_stack
        && let Some(stack) = stack
    {
        eprintln!("{}", stack.describe());
    }
}

fn show_metadata(cli: &Cli, meta: &ziggurat::metadata::Metadata) {
    if !cli.timing && !cli.debug {
        return;
    }
    match meta.timings() {
        Some(t) => eprint!("timing:\n{}", t.waterfall()),
        None => eprintln!("timing: not recorded"),
    }
    eprintln!(
        "attempts: {}, request id: {}",
        meta.attempts(),
        meta.request_id().unwrap_or("(none)")
    );
}

async fn run(cli: Cli) -> Result<(), Failure> {
    if let Some(Tool::Configure(args)) = &cli.tool {
        return match configure::run(args, loader(&cli)).await? {
            true => Ok(()),
            false => Err(Failure::Silent),
        };
    }
    let config = sdk_config(&cli).await?;
    let name = cli.service.as_deref().unwrap_or_default();
    match generated::SERVICES.iter().find(|s| s.name == name) {
        Some(service) => generated::run(&cli, &config, service).await,
        None => {
            let names = generated::SERVICES.iter().map(|s| s.name);
            let hint = generated::nearest(name, names)
                .map(|n| format!("; did you mean `{n}`?"))
                .unwrap_or_default();
            Err(Failure::Usage(format!("unknown service `{name}`{hint}")))
        }
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
