//! Interceptors, offline: an S3 server runs inside this program (s3s + s3s-fs, every SigV4
//! signature verified), and a client with interceptors talks to it over loopback HTTP.
//!
//! 1. A client interceptor adds an X-Ray-style trace header (`x-example-trace`) to every
//!    attempt before signing, so the header is covered by the signature the server checks.
//! 2. A per-call interceptor times one call and sees its response; other calls never see it.
//! 3. An interceptor that refuses a request ends the call with an error naming it and the hook.
//!
//! `cargo run --example interceptors` (the test command runs it too).
#[path = "../tests/integration/support/s3_server.rs"]
mod s3_server;

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use http::HeaderValue;
use s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use ziggurat::context::Context;
use ziggurat::error::BoxError;
use ziggurat::interceptor::{CallResult, Hook, Hooks, Intercept};
use ziggurat::prelude::*;
use ziggurat::s3::{Client, Config};

/// Adds a fresh trace header to every attempt, before it is signed.
struct TraceHeader {
    next: AtomicU64,
}

impl Intercept for TraceHeader {
    fn name(&self) -> &'static str {
        "TraceHeader"
    }
    fn hooks(&self) -> Hooks {
        Hooks::MODIFY_BEFORE_SIGNING
    }
    fn modify_before_signing(
        &self,
        req: &mut HttpRequest<'_>,
        ctx: &mut Context,
    ) -> Result<(), BoxError> {
        let n = self.next.fetch_add(1, Ordering::Relaxed);
        let value = format!(
            "Root=1-{n:08x}-{};Attempt={}",
            ctx.operation(),
            ctx.attempt()
        );
        req.headers_mut()
            .insert("x-example-trace", HeaderValue::from_str(&value)?);
        Ok(())
    }
}

/// Times one call, from before serialization to after execution, and keeps what it saw.
struct Stopwatch {
    started: Mutex<Option<Instant>>,
    seen: Arc<Mutex<Vec<String>>>,
}

impl Intercept for Stopwatch {
    fn name(&self) -> &'static str {
        "Stopwatch"
    }
    fn hooks(&self) -> Hooks {
        Hooks::READ_BEFORE_EXECUTION | Hooks::READ_AFTER_EXECUTION
    }
    fn read_before_execution(
        &self,
        _: &ziggurat::hook::Input,
        _: &mut Context,
    ) -> Result<(), BoxError> {
        *self.started.lock().map_err(|_| "poisoned")? = Some(Instant::now());
        Ok(())
    }
    fn read_after_execution(&self, result: &CallResult, ctx: &mut Context) -> Result<(), BoxError> {
        let took = self
            .started
            .lock()
            .map_err(|_| "poisoned")?
            .map(|t| t.elapsed())
            .unwrap_or_default();
        let status = match result {
            Ok(out) => format!("HTTP {}", out.metadata.http_status().unwrap_or_default()),
            Err(e) => format!("error: {e}"),
        };
        self.seen
            .lock()
            .map_err(|_| "poisoned")?
            .push(format!("{} took {took:?}, {status}", ctx.operation()));
        Ok(())
    }
}

/// Refuses to send deletes.
struct NoDeletes;

impl Intercept for NoDeletes {
    fn name(&self) -> &'static str {
        "NoDeletes"
    }
    fn hooks(&self) -> Hooks {
        Hooks::READ_BEFORE_TRANSMIT
    }
    fn read_before_transmit(&self, req: &HttpRequest<'_>, _: &mut Context) -> Result<(), BoxError> {
        if req.method() == http::Method::DELETE {
            return Err("deletes are not allowed from this program".into());
        }
        Ok(())
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let server = S3Server::start().await?;
    let sdk = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY, None))
        .endpoint_url(server.url())
        .build();
    let s3 = Client::from_conf(
        Config::new(&sdk)
            .interceptor(TraceHeader {
                next: AtomicU64::new(1),
            })
            .interceptor(NoDeletes),
    );
    println!(
        "client stack, with the interceptors' adapters:\n{}",
        s3.stack().ok_or("no stack")?.describe()
    );

    // 1. The trace header is signed, and the server (which checks every signature) accepts it.
    s3.create_bucket().bucket("photos").send().await?;
    s3.put_object()
        .bucket("photos")
        .key("cat.jpg")
        .body(Body::from("meow"))
        .send()
        .await?;
    println!("1. create-bucket and put-object went out with a signed x-example-trace header");

    // 2. A per-call interceptor: only this call is timed.
    let seen = Arc::new(Mutex::new(Vec::new()));
    let out = s3
        .head_object()
        .bucket("photos")
        .key("cat.jpg")
        .customize(|o| {
            o.interceptor(Stopwatch {
                started: Mutex::new(None),
                seen: seen.clone(),
            })
        })
        .send()
        .await?;
    s3.get_object()
        .bucket("photos")
        .key("cat.jpg")
        .send()
        .await?;
    let seen = seen.lock().map_err(|_| "poisoned")?.clone();
    println!("2. the per-call stopwatch saw: {seen:?}");
    assert_eq!(out.content_length, Some(4));
    assert_eq!(seen.len(), 1, "the get-object call was not timed");
    assert!(seen[0].starts_with("HeadObject took"), "{seen:?}");

    // 3. An interceptor error ends the call, naming the interceptor and the hook.
    let err = s3
        .delete_object()
        .bucket("photos")
        .key("cat.jpg")
        .send()
        .await
        .err()
        .ok_or("the delete should have been refused")?;
    let failure = err
        .as_interceptor_error()
        .and_then(|e| e.failures().first())
        .ok_or("an interceptor error")?;
    println!("3. delete-object refused: {err}");
    assert_eq!(failure.interceptor, "NoDeletes");
    assert_eq!(failure.hook, Hook::ReadBeforeTransmit);
    // Nothing was deleted.
    s3.head_object()
        .bucket("photos")
        .key("cat.jpg")
        .send()
        .await?;
    println!("   the object is still there");
    Ok(())
}
