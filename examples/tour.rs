//! A tour of ziggurat, offline: an S3 server runs inside this program (s3s + s3s-fs, objects in
//! a temporary folder, every SigV4 signature verified), and a ziggurat S3 client talks to it
//! over real HTTP on 127.0.0.1.
//!
//! Run it with `cargo run --example tour`.
#[path = "../tests/integration/support/s3_server.rs"]
mod s3_server;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use tower::{ServiceBuilder, ServiceExt};
use ziggurat::layers::content_length::ContentLengthLayer;
use ziggurat::layers::sign::{SigV4, SigV4Layer};
use ziggurat::layers::user_agent::{UserAgent, UserAgentLayer};
use ziggurat::prelude::*;
use ziggurat::s3::{Client, Config, GetObjectError};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

fn step(n: u32, title: &str, why: &str) {
    println!("\n── {n}. {title}");
    println!("   {why}");
}

/// A middleware of our own: counts requests and notes what they were. Written once as a hook,
/// it runs inline in the stack (no boxing, no per-call allocation of its own).
struct AuditLog {
    seen: AtomicUsize,
}

impl RequestHook for AuditLog {
    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        let n = self.seen.fetch_add(1, Ordering::Relaxed) + 1;
        let op = req.context().map(|c| c.operation()).unwrap_or("?");
        println!("   [audit #{n}] {op}: {} {}", req.method(), req.uri());
        req.headers_mut().insert(
            "x-amz-meta-audited-by",
            http::HeaderValue::from_static("tour"),
        );
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<(), BoxError> {
    let started = Instant::now();
    println!(
        "ziggurat tour: a tower-based AWS client stack, against an S3 server embedded in this program"
    );
    let server = S3Server::start().await?;
    println!(
        "   embedded S3 server (s3s-fs, SigV4 verified) at {}",
        server.url()
    );

    step(
        1,
        "A client from configuration",
        "One SdkConfig (region, credentials, endpoint) configures any service client; the client compiles its stack once.",
    );
    let config = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY, None))
        .endpoint_url(server.url())
        .app_name("tour")
        .build();
    let s3 = Client::new(&config);
    println!("   {:?}", Credentials::new(ACCESS_KEY, SECRET_KEY, None));
    println!("   (the secret key never appears in Debug output)");

    step(
        2,
        "CreateBucket",
        "Path-style addressing is chosen automatically for an IP-address endpoint.",
    );
    s3.create_bucket().bucket("tour").send().await?;
    println!("   created bucket `tour`");

    step(
        3,
        "PutObject",
        "Bytes in memory, and a 5 MiB file streamed from disk (never read into memory whole).",
    );
    let put = s3
        .put_object()
        .bucket("tour")
        .key("hello.txt")
        .body(Body::from("Hello from the ziggurat tour!\n"))
        .content_type("text/plain")
        .send()
        .await?;
    println!(
        "   hello.txt   ETag {}",
        put.e_tag.as_deref().unwrap_or("-")
    );
    let dir = tempfile::tempdir()?;
    let src = dir.path().join("big.bin");
    let data: Vec<u8> = (0..5 * 1024 * 1024u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    std::fs::write(&src, &data)?;
    let put = s3
        .put_object()
        .bucket("tour")
        .key("data/big.bin")
        .body(Body::from_file(&src).await?)
        .send()
        .await?;
    println!(
        "   data/big.bin ETag {} (5 MiB, streamed)",
        put.e_tag.as_deref().unwrap_or("-")
    );

    step(4, "ListObjectsV2", "The XML listing becomes typed values.");
    let list = s3.list_objects_v2().bucket("tour").send().await?;
    for object in list.contents.iter().flatten() {
        println!(
            "   {:<14} {:>8} bytes  {}",
            object.key.as_deref().unwrap_or_default(),
            object.size.unwrap_or(0),
            object
                .last_modified
                .map(|t| t.to_string())
                .unwrap_or_default()
        );
    }

    step(
        5,
        "GetObject streamed to a file, then verified",
        "The response body is handed over unread and written chunk by chunk.",
    );
    let mut object = s3
        .get_object()
        .bucket("tour")
        .key("data/big.bin")
        .send()
        .await?;
    let dst = dir.path().join("copy.bin");
    let mut file = tokio::fs::File::create(&dst).await?;
    let mut chunks = 0;
    while let Some(frame) = http_body_util::BodyExt::frame(&mut object.body).await {
        if let Ok(bytes) = frame?.into_data() {
            tokio::io::AsyncWriteExt::write_all(&mut file, &bytes).await?;
            chunks += 1;
        }
    }
    tokio::io::AsyncWriteExt::flush(&mut file).await?;
    let copy = std::fs::read(&dst)?;
    let same = copy == data;
    println!(
        "   wrote {} bytes in {chunks} chunks; identical to the original: {same}",
        copy.len()
    );
    if !same {
        return Err("the downloaded copy differs from the original".into());
    }

    step(
        6,
        "A custom middleware, added to the Build step by id",
        "Anchored after the built-in `UserAgent`; `describe()` shows the whole stack, like the Go SDK's snapshots.",
    );
    let audit = Arc::new(AuditLog {
        seen: AtomicUsize::new(0),
    });
    let hook = audit.clone();
    let audited = Client::from_conf(Config::new(&config).stack(move |stack| {
        stack.build_mut().insert(
            "AuditLog",
            Middleware::shared_request_hook(hook.clone()),
            ids::USER_AGENT,
            Position::After,
        )?;
        Ok(())
    }));
    if let Some(stack) = audited.stack() {
        for line in stack.describe().lines() {
            println!("   {line}");
        }
    }
    audited
        .put_object()
        .bucket("tour")
        .key("audited.txt")
        .body(Body::from("checked"))
        .send()
        .await?;
    let head = audited
        .head_object()
        .bucket("tour")
        .key("audited.txt")
        .send()
        .await?;
    println!(
        "   the hook ran {} times and tagged the object: audited-by={:?}",
        audit.seen.load(Ordering::Relaxed),
        head.metadata.as_ref().and_then(|m| m.get("audited-by"))
    );

    step(
        7,
        "Per-call customization",
        "Region, endpoint, credentials or middleware for one call only; the client's stack is untouched.",
    );
    let tagged = s3
        .put_object()
        .bucket("tour")
        .key("per-call.txt")
        .body(Body::from("x"))
        .customize(|o| {
            o.stack(|stack| {
                stack.build_mut().add(
                    "TagThisCall",
                    Middleware::request_hook(|req: &mut HttpRequest<'_>| -> Result<(), SdkError> {
                        req.headers_mut()
                            .insert("x-amz-meta-per-call", http::HeaderValue::from_static("yes"));
                        Ok(())
                    }),
                    Position::After,
                )?;
                Ok(())
            })
        })
        .send()
        .await;
    println!(
        "   one call with an extra middleware: {}",
        if tagged.is_ok() { "ok" } else { "failed" }
    );
    let err = s3
        .list_objects_v2()
        .bucket("tour")
        .customize(|o| o.credentials(Credentials::new(ACCESS_KEY, "a-wrong-secret", None)))
        .send()
        .await
        .err();
    println!(
        "   one call with wrong credentials: {}",
        err.as_ref()
            .and_then(|e| e.code())
            .unwrap_or("unexpectedly accepted")
    );
    let ok = s3.list_objects_v2().bucket("tour").send().await.is_ok();
    println!(
        "   the next call, with the client's own credentials: {}",
        if ok { "ok" } else { "failed" }
    );

    step(
        8,
        "Timing breakdown",
        "The opt-in `Timing` middleware records where the time went, per attempt.",
    );
    let timed = Client::from_conf(Config::new(&config).stack(ziggurat::layers::timing::enable));
    let out = timed
        .get_object()
        .bucket("tour")
        .key("hello.txt")
        .send()
        .await?;
    let text = out.body.collect().await?;
    println!("   got {:?}", String::from_utf8_lossy(&text).trim());
    if let Some(t) = out.response_metadata.timings() {
        println!("   {t}");
    }
    println!(
        "   request id {} after {} attempt(s)",
        out.response_metadata.request_id().unwrap_or("-"),
        out.response_metadata.attempts()
    );

    step(
        9,
        "A service error",
        "Typed per operation, with code, message and request id; Display names service and operation.",
    );
    match s3
        .get_object()
        .bucket("tour")
        .key("no/such/key")
        .send()
        .await
    {
        Ok(_) => return Err("a missing key was found".into()),
        Err(err) => {
            println!("   {err}");
            let is_no_such_key =
                matches!(err.as_service_error(), Some(GetObjectError::NoSuchKey(_)));
            println!(
                "   matches GetObjectError::NoSuchKey: {is_no_such_key}; code {:?}; request id {:?}",
                err.code().unwrap_or("-"),
                err.request_id().unwrap_or("-")
            );
        }
    }

    step(
        10,
        "The same middleware as plain tower layers",
        "Every hook is also a tower::Layer: here a bare hyper client, signed by SigV4Layer, talks to the same server.",
    );
    let hyper_client =
        hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
            .build_http::<String>();
    let signer = SigV4::s3()
        .with_region(Region::from_static("us-east-1"))
        .with_credentials(Credentials::new(ACCESS_KEY, SECRET_KEY, None));
    let svc = ServiceBuilder::new()
        .layer(UserAgentLayer::new(UserAgent::new("S3")))
        .layer(ContentLengthLayer::default())
        .layer(SigV4Layer::new(signer))
        .service(hyper_client);
    let req = http::Request::get(format!("{}/tour/hello.txt", server.url())).body(String::new())?;
    let res = svc.oneshot(req).await?;
    println!(
        "   GET /tour/hello.txt through ServiceBuilder + SigV4Layer: HTTP {}",
        res.status()
    );

    step(
        11,
        "A presigned URL",
        "The client's own stack, stopped before sending: a GET URL anyone can use for 15 minutes, no credentials needed.",
    );
    let presigned = s3
        .presigned()
        .get_object(
            ziggurat::s3::GetObjectInput {
                bucket: "tour".into(),
                key: "hello.txt".into(),
                ..Default::default()
            },
            ziggurat::layers::sign::presign::PresigningConfig::expires_in(
                std::time::Duration::from_secs(15 * 60),
            )?,
        )
        .await?;
    let url = presigned.uri().to_string();
    let shown = url.split("X-Amz-Signature=").next().unwrap_or(&url);
    println!("   {} {shown}X-Amz-Signature=…", presigned.method());
    let plain = hyper_util::client::legacy::Client::builder(hyper_util::rt::TokioExecutor::new())
        .build_http::<String>();
    let res = plain
        .request(presigned.to_http_request(String::new()))
        .await?;
    let status = res.status();
    let body = http_body_util::BodyExt::collect(res.into_body())
        .await?
        .to_bytes();
    println!(
        "   a plain HTTP client fetched it: HTTP {status}, {:?}",
        String::from_utf8_lossy(&body).trim()
    );

    println!("\ntour finished in {:.2?}", started.elapsed());
    Ok(())
}
