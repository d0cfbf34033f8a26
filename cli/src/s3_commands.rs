//! `zig s3 cp|ls|rm|mb|rb|presign`: the aws CLI's high-level S3 commands, over the transfer
//! manager.
//!
//! ```text
//! zig s3 cp SOURCE DEST [--recursive] [--part-size BYTES] [--concurrency N] [--quiet]
//! zig s3 ls [s3://BUCKET[/PREFIX]] [--recursive]
//! zig s3 rm s3://BUCKET/KEY [--recursive]
//! zig s3 mb s3://BUCKET
//! zig s3 rb s3://BUCKET [--force]
//! zig s3 presign s3://BUCKET/KEY [--expires-in SECONDS]
//! ```
//!
//! `cp` copies local → S3 (upload), S3 → local (download) and S3 → S3 (`CopyObject`); with
//! `--recursive`, every file of a folder or every object under a prefix. A progress bar shows
//! on stderr when stderr is a terminal (not with `--quiet`). Each command prints what it did as
//! the aws CLI does (`upload: a.txt to s3://b/a.txt`).
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::time::Duration;

use clap::{Parser, Subcommand};
use ziggurat::config::SdkConfig;
use ziggurat::s3::transfer::{Progress, TransferManager};

use crate::Failure;

/// The high-level commands, as `zig s3 <command>` names them.
const COMMANDS: &[&str] = &["cp", "ls", "rm", "mb", "rb", "presign"];

/// Options of `zig` that take a value (to find the service among the arguments).
const VALUED: &[&str] = &[
    "--input-json",
    "--endpoint-url",
    "--region",
    "--profile",
    "--body",
    "--max-items",
    "--starting-token",
    "--page-size",
    "--max-wait",
    "--min-delay",
];

/// The arguments without the `s3` word, when they name a high-level S3 command.
pub fn detect(args: &[OsString]) -> Option<Vec<OsString>> {
    let mut i = 1;
    while let Some(arg) = args.get(i) {
        let text = arg.to_str()?;
        if text.starts_with('-') {
            i += if VALUED.contains(&text) { 2 } else { 1 };
            continue;
        }
        let next = args.get(i + 1).and_then(|a| a.to_str());
        if text == "s3" && next.is_some_and(|n| COMMANDS.contains(&n)) {
            let mut rest: Vec<OsString> = vec!["zig s3".into()];
            rest.extend(args.iter().skip(1).take(i - 1).cloned());
            rest.extend(args.iter().skip(i + 1).cloned());
            return Some(rest);
        }
        return None;
    }
    None
}

#[derive(Parser, Debug)]
#[command(
    name = "zig s3",
    about = "High-level S3 commands, as the aws CLI's `aws s3`"
)]
pub struct S3Cli {
    #[command(subcommand)]
    command: Command,
    /// Send requests to this endpoint instead of the regional default.
    #[arg(long, global = true, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// The region (default: AWS_REGION, then the profile's).
    #[arg(long, global = true)]
    pub region: Option<String>,
    /// Use this profile of the shared config files.
    #[arg(long, global = true)]
    pub profile: Option<String>,
    /// Address buckets in the path, never as a subdomain.
    #[arg(long, global = true)]
    force_path_style: bool,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Copy a file or object: local → S3, S3 → local, S3 → S3.
    Cp {
        /// A local path or `s3://bucket/key`.
        source: String,
        /// A local path or `s3://bucket/key` (a trailing `/` or an existing folder: keep the name).
        dest: String,
        /// Every file of a folder, or every object under a prefix.
        #[arg(long)]
        recursive: bool,
        /// Part size of multipart transfers, in bytes (default 8 MiB).
        #[arg(long, value_name = "BYTES")]
        part_size: Option<u64>,
        /// Parts (or files) moved at once (default 8).
        #[arg(long, value_name = "N")]
        concurrency: Option<usize>,
        /// No progress bar and no summary lines.
        #[arg(long)]
        quiet: bool,
    },
    /// List buckets, or the objects and common prefixes under `s3://bucket/prefix`.
    Ls {
        /// `s3://bucket[/prefix]`; none lists the buckets.
        path: Option<String>,
        /// Every object under the prefix, not only the first level.
        #[arg(long)]
        recursive: bool,
    },
    /// Delete an object, or with `--recursive` every object under a prefix.
    Rm {
        /// `s3://bucket/key`.
        path: String,
        #[arg(long)]
        recursive: bool,
    },
    /// Make a bucket.
    Mb {
        /// `s3://bucket`.
        bucket: String,
    },
    /// Remove a bucket; with `--force`, its objects first.
    Rb {
        /// `s3://bucket`.
        bucket: String,
        #[arg(long)]
        force: bool,
    },
    /// Print a presigned URL to GET an object.
    Presign {
        /// `s3://bucket/key`.
        path: String,
        /// Seconds the URL stays valid (at most 604800, 7 days).
        #[arg(long, default_value_t = 3600, value_name = "SECONDS")]
        expires_in: u64,
    },
}

/// `s3://bucket/key` split; `None` when it is not an S3 URL.
fn s3_url(s: &str) -> Option<(String, String)> {
    let rest = s.strip_prefix("s3://")?;
    let (bucket, key) = rest.split_once('/').unwrap_or((rest, ""));
    Some((bucket.to_owned(), key.to_owned()))
}

fn bucket_of(s: &str) -> Result<String, Failure> {
    match s3_url(s) {
        Some((bucket, _)) if !bucket.is_empty() => Ok(bucket),
        _ => Err(Failure::Usage(format!("expected s3://BUCKET, got `{s}`"))),
    }
}

fn object_of(s: &str) -> Result<(String, String), Failure> {
    match s3_url(s) {
        Some((bucket, key)) if !bucket.is_empty() => Ok((bucket, key)),
        _ => Err(Failure::Usage(format!(
            "expected s3://BUCKET/KEY, got `{s}`"
        ))),
    }
}

fn failed(what: impl std::fmt::Display) -> Failure {
    Failure::Failed(format!("zig s3: {what}"))
}

/// Runs one high-level command.
pub async fn run(cli: S3Cli, config: &SdkConfig) -> Result<(), Failure> {
    let conf = ziggurat::s3::Config::from(ziggurat::runtime::ServiceConfig::new(config))
        .force_path_style(cli.force_path_style);
    let client = ziggurat::s3::Client::from_conf(conf);
    match cli.command {
        Command::Cp {
            source,
            dest,
            recursive,
            part_size,
            concurrency,
            quiet,
        } => {
            let mut tm = TransferManager::new(client);
            if let Some(p) = part_size {
                tm = tm.part_size(p).multipart_threshold(p.max(1));
            }
            if let Some(c) = concurrency {
                tm = tm.concurrency(c);
            }
            cp(&tm, &source, &dest, recursive, quiet).await
        }
        Command::Ls { path, recursive } => ls(&client, path.as_deref(), recursive).await,
        Command::Rm { path, recursive } => {
            let (bucket, key) = object_of(&path)?;
            rm(&client, &bucket, &key, recursive).await
        }
        Command::Mb { bucket } => {
            let bucket = bucket_of(&bucket)?;
            let mut create = client.create_bucket().bucket(&bucket);
            if let Some(region) = config.region().map(|r| r.as_str().to_owned())
                && region != "us-east-1"
            {
                create = create.create_bucket_configuration(
                    ziggurat::s3::types::CreateBucketConfiguration {
                        location_constraint: Some(region.as_str().into()),
                        ..Default::default()
                    },
                );
            }
            create.send().await.map_err(failed)?;
            println!("make_bucket: {bucket}");
            Ok(())
        }
        Command::Rb { bucket, force } => {
            let bucket = bucket_of(&bucket)?;
            if force {
                rm(&client, &bucket, "", true).await?;
            }
            client
                .delete_bucket()
                .bucket(&bucket)
                .send()
                .await
                .map_err(failed)?;
            println!("remove_bucket: {bucket}");
            Ok(())
        }
        Command::Presign { path, expires_in } => {
            let (bucket, key) = object_of(&path)?;
            let expires =
                ziggurat::s3::PresigningConfig::expires_in(Duration::from_secs(expires_in))
                    .map_err(|e| Failure::Usage(format!("--expires-in: {e}")))?;
            let input = ziggurat::s3::GetObjectInput {
                bucket,
                key,
                ..Default::default()
            };
            let presigned = client
                .presigned()
                .get_object(input, expires)
                .await
                .map_err(failed)?;
            println!("{}", presigned.uri());
            Ok(())
        }
    }
}

/// `cp`: the direction from the two arguments.
async fn cp(
    tm: &TransferManager,
    source: &str,
    dest: &str,
    recursive: bool,
    quiet: bool,
) -> Result<(), Failure> {
    match (s3_url(source), s3_url(dest)) {
        (None, None) => Err(Failure::Usage(
            "one of SOURCE and DEST must be an s3:// URL".to_owned(),
        )),
        (None, Some((bucket, prefix))) if recursive => {
            let done = tm
                .upload_directory(source, &bucket, &prefix)
                .await
                .map_err(failed)?;
            if !quiet {
                println!(
                    "upload: {} files, {} bytes to s3://{bucket}/{prefix}",
                    done.files, done.bytes
                );
            }
            Ok(())
        }
        (Some((bucket, prefix)), None) if recursive => {
            let done = tm
                .download_directory(&bucket, &prefix, dest)
                .await
                .map_err(failed)?;
            if !quiet {
                println!(
                    "download: {} files, {} bytes from s3://{bucket}/{prefix}",
                    done.files, done.bytes
                );
            }
            Ok(())
        }
        (None, Some((bucket, key))) => {
            let path = Path::new(source);
            let key = if key.is_empty() || key.ends_with('/') {
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .ok_or_else(|| Failure::Usage(format!("`{source}` has no file name")))?;
                format!("{key}{name}")
            } else {
                key
            };
            let bar = ProgressBar::new(quiet);
            tm.upload()
                .bucket(&bucket)
                .key(&key)
                .file(path)
                .progress(bar.callback())
                .send()
                .await
                .map_err(failed)?;
            bar.finish();
            if !quiet {
                println!("upload: {source} to s3://{bucket}/{key}");
            }
            Ok(())
        }
        (Some((bucket, key)), None) => {
            if key.is_empty() {
                return Err(Failure::Usage(format!("`{source}` names no object")));
            }
            let mut path = PathBuf::from(dest);
            if dest.ends_with('/') || path.is_dir() {
                let name = key.rsplit('/').next().unwrap_or(&key);
                path = path.join(name);
            }
            let bar = ProgressBar::new(quiet);
            tm.download()
                .bucket(&bucket)
                .key(&key)
                .to_file(&path)
                .progress(bar.callback())
                .send()
                .await
                .map_err(failed)?;
            bar.finish();
            if !quiet {
                println!("download: s3://{bucket}/{key} to {}", path.display());
            }
            Ok(())
        }
        (Some((from_bucket, from_key)), Some((to_bucket, to_key))) => {
            let client = tm.client();
            let pairs = if recursive {
                let keys = list_keys(client, &from_bucket, &from_key).await?;
                keys.into_iter()
                    .map(|k| {
                        let rest = k.strip_prefix(&from_key).unwrap_or(&k).to_owned();
                        (k, format!("{to_key}{rest}"))
                    })
                    .collect()
            } else {
                let to = if to_key.is_empty() || to_key.ends_with('/') {
                    let name = from_key.rsplit('/').next().unwrap_or(&from_key);
                    format!("{to_key}{name}")
                } else {
                    to_key
                };
                vec![(from_key, to)]
            };
            for (from, to) in pairs {
                client
                    .copy_object()
                    .bucket(&to_bucket)
                    .key(&to)
                    .copy_source(format!("{from_bucket}/{}", encode_key(&from)))
                    .send()
                    .await
                    .map_err(failed)?;
                if !quiet {
                    println!("copy: s3://{from_bucket}/{from} to s3://{to_bucket}/{to}");
                }
            }
            Ok(())
        }
    }
}

/// A key as `x-amz-copy-source` wants it: percent-encoded, `/` kept.
fn encode_key(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for b in key.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(char::from(b));
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Every key under `prefix`.
async fn list_keys(
    client: &ziggurat::s3::Client,
    bucket: &str,
    prefix: &str,
) -> Result<Vec<String>, Failure> {
    use futures_util::StreamExt;
    let mut pages = client
        .list_objects_v2()
        .bucket(bucket)
        .prefix(prefix)
        .into_paginator()
        .send();
    let mut keys = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(failed)?;
        keys.extend(
            page.contents
                .unwrap_or_default()
                .into_iter()
                .filter_map(|o| o.key),
        );
    }
    Ok(keys)
}

/// `2024-05-17 10:00:00`, as `aws s3 ls` prints times.
fn listing_time(t: Option<&ziggurat::schema::DateTime>) -> String {
    let text = t.map(ToString::to_string).unwrap_or_default();
    let mut out: String = text.chars().take(19).collect();
    if out.len() == 19 {
        out.replace_range(10..11, " ");
    } else {
        out = format!("{:19}", "");
    }
    out
}

async fn ls(
    client: &ziggurat::s3::Client,
    path: Option<&str>,
    recursive: bool,
) -> Result<(), Failure> {
    use futures_util::StreamExt;
    let Some(path) = path else {
        let buckets = client.list_buckets().send().await.map_err(failed)?;
        for b in buckets.buckets.unwrap_or_default() {
            println!(
                "{} {}",
                listing_time(b.creation_date.as_ref()),
                b.name.unwrap_or_default()
            );
        }
        return Ok(());
    };
    let (bucket, prefix) = object_of(path)?;
    let mut list = client.list_objects_v2().bucket(&bucket).prefix(&prefix);
    if !recursive {
        list = list.delimiter("/");
    }
    let mut pages = list.into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(failed)?;
        for p in page.common_prefixes.unwrap_or_default() {
            let p = p.prefix.unwrap_or_default();
            let shown = if recursive {
                p.as_str()
            } else {
                p.strip_prefix(&prefix).unwrap_or(&p)
            };
            println!("{:>30} {shown}", "PRE");
        }
        for o in page.contents.unwrap_or_default() {
            let key = o.key.unwrap_or_default();
            let shown = if recursive {
                key.as_str()
            } else {
                key.strip_prefix(&prefix).unwrap_or(&key)
            };
            println!(
                "{} {:>10} {shown}",
                listing_time(o.last_modified.as_ref()),
                o.size.unwrap_or_default()
            );
        }
    }
    Ok(())
}

async fn rm(
    client: &ziggurat::s3::Client,
    bucket: &str,
    key: &str,
    recursive: bool,
) -> Result<(), Failure> {
    let keys = if recursive {
        list_keys(client, bucket, key).await?
    } else {
        vec![key.to_owned()]
    };
    let mut set = tokio::task::JoinSet::new();
    let mut done = Vec::new();
    for key in keys {
        while set.len() >= 8 {
            if let Some(r) = set.join_next().await {
                done.push(r.map_err(failed)?);
            }
        }
        let client = client.clone();
        let bucket = bucket.to_owned();
        set.spawn(async move {
            let result = client
                .delete_object()
                .bucket(&bucket)
                .key(&key)
                .send()
                .await;
            result.map(|_| format!("delete: s3://{bucket}/{key}"))
        });
    }
    while let Some(r) = set.join_next().await {
        done.push(r.map_err(failed)?);
    }
    for line in done {
        println!("{}", line.map_err(failed)?);
    }
    Ok(())
}

/// A progress bar on stderr, when stderr is a terminal and `--quiet` is not given.
struct ProgressBar {
    bar: Option<indicatif::ProgressBar>,
}

impl ProgressBar {
    fn new(quiet: bool) -> Self {
        use std::io::IsTerminal;
        let bar = (!quiet && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::new(0);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {bytes}/{total_bytes} {bytes_per_sec} {msg}",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar
        });
        ProgressBar { bar }
    }

    fn callback(&self) -> impl Fn(Progress) + Send + Sync + 'static {
        let bar = self.bar.clone();
        move |p: Progress| {
            if let Some(bar) = &bar {
                if let Some(total) = p.bytes_total {
                    bar.set_length(total);
                }
                bar.set_position(p.bytes_done);
                bar.set_message(format!("{} parts", p.parts_done));
            }
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<OsString> {
        list.iter().map(OsString::from).collect()
    }

    #[test]
    fn high_level_commands_are_found_after_global_options() {
        let found = detect(&args(&[
            "zig",
            "--endpoint-url",
            "http://x",
            "s3",
            "cp",
            "a",
            "s3://b/",
        ]));
        assert_eq!(
            found,
            Some(args(&[
                "zig s3",
                "--endpoint-url",
                "http://x",
                "cp",
                "a",
                "s3://b/"
            ]))
        );
        assert_eq!(detect(&args(&["zig", "s3", "list-buckets"])), None);
        assert_eq!(detect(&args(&["zig", "dynamodb", "ls"])), None);
        assert_eq!(
            detect(&args(&["zig", "--region", "s3", "ls"])),
            None,
            "s3 is --region's value"
        );
    }

    #[test]
    fn urls_and_keys() {
        assert_eq!(s3_url("s3://b/k/x"), Some(("b".into(), "k/x".into())));
        assert_eq!(s3_url("s3://b"), Some(("b".into(), "".into())));
        assert_eq!(s3_url("./b"), None);
        assert_eq!(encode_key("a b/ü+c"), "a%20b/%C3%BC%2Bc");
    }
}
