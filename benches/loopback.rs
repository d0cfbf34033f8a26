//! GetItem over real loopback HTTP to an in-process hyper server with a canned response:
//! ziggurat's DynamoDB client (full stack, signing, hyper transport, a typed output) against
//! raw hyper-util sending a request of the same size and reading the body, with no work beyond
//! HTTP (no signing, no parsing: the baseline issue 13 measures against), at concurrency 1 and
//! 32. Prints the ratio of requests per second (ziggurat / raw hyper). A second baseline, raw
//! hyper-util that also parses the body into a `serde_json::Value`, is the one issue 8 set its
//! targets against (≥ 0.85× at concurrency 1, ≥ 0.75× at 32); its ratio is printed too.
//!
//! For whole calls side by side with the AWS SDK, client CPU per call, allocations and peak
//! RSS, see `benches/percall-compare`.
//!
//! `cargo bench --bench loopback`
mod common;

use std::convert::Infallible;
use std::hint::black_box;
use std::net::SocketAddr;

use bytes::Bytes;
use criterion::{Criterion, criterion_group};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use ziggurat::config::SdkConfig;
use ziggurat::context::Region;
use ziggurat::credentials::Credentials;
use ziggurat::dynamodb::Client;
use ziggurat::dynamodb::types::AttributeValue;

const RESPONSE: &str = r#"{"Item":{"pk":{"S":"user#1"},"name":{"S":"Ada"},"visits":{"N":"42"}}}"#;
const REQUEST: &str = r#"{"TableName":"users","Key":{"pk":{"S":"user#1"}}}"#;

/// A server on its own thread and runtime, so both clients meet the same server.
fn start_server() -> SocketAddr {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .expect("server runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
                .await
                .expect("bind");
            tx.send(listener.local_addr().expect("addr"))
                .expect("send addr");
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    continue;
                };
                let _ = sock.set_nodelay(true);
                tokio::spawn(async move {
                    let svc = service_fn(|req: http::Request<hyper::body::Incoming>| async move {
                        let _ = req.into_body().collect().await;
                        let res = http::Response::builder()
                            .header("content-type", "application/x-amz-json-1.0")
                            .header("x-amzn-requestid", "LOOPBACKREQUESTID")
                            .body(Full::new(Bytes::from_static(RESPONSE.as_bytes())))
                            .expect("static response");
                        Ok::<_, Infallible>(res)
                    });
                    let _ = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(sock), svc)
                        .await;
                });
            }
        });
    });
    rx.recv().expect("server address")
}

fn ziggurat_client(addr: SocketAddr) -> Client {
    let config = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(
            "AKIDEXAMPLE",
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            None,
        ))
        .endpoint_url(format!("http://{addr}"))
        .build();
    Client::new(&config)
}

async fn ziggurat_call(client: &Client) {
    let out = client
        .get_item()
        .table_name("users")
        .key("pk", AttributeValue::S("user#1".into()))
        .send()
        .await
        .expect("ziggurat get item");
    black_box(out);
}

type Raw = hyper_util::client::legacy::Client<
    hyper_util::client::legacy::connect::HttpConnector,
    Full<Bytes>,
>;

fn raw_client() -> Raw {
    let mut connector = hyper_util::client::legacy::connect::HttpConnector::new();
    connector.set_nodelay(true);
    hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(connector)
}

async fn raw_call(client: &Raw, addr: SocketAddr) {
    black_box(raw_body(client, addr).await);
}

/// Issue 8's baseline: the same, and the body parsed into a `serde_json::Value`.
async fn raw_json_call(client: &Raw, addr: SocketAddr) {
    let body = raw_body(client, addr).await;
    let value: serde_json::Value = serde_json::from_slice(&body).expect("json");
    black_box(value);
}

async fn raw_body(client: &Raw, addr: SocketAddr) -> Bytes {
    // The headers a signed SDK request carries, so both clients send about the same bytes.
    let req = http::Request::post(format!("http://{addr}/"))
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amz-target", "DynamoDB_20120810.GetItem")
        .header("x-amz-date", "20251121T000000Z")
        .header("amz-sdk-invocation-id", "8f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f")
        .header("user-agent", "ziggurat/0.1.0 ua/2.1 api/dynamodb#0.1.0 os/linux lang/rust")
        .header("x-amz-user-agent", "ziggurat/0.1.0 ua/2.1 api/dynamodb#0.1.0 os/linux lang/rust")
        .header("authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20251121/us-east-1/dynamodb/aws4_request, SignedHeaders=content-length;content-type;host;x-amz-date;x-amz-target, Signature=0000000000000000000000000000000000000000000000000000000000000000")
        .body(Full::new(Bytes::from_static(REQUEST.as_bytes())))
        .expect("static request");
    let res = client.request(req).await.expect("raw request");
    res.into_body()
        .collect()
        .await
        .expect("raw body")
        .to_bytes()
}

async fn concurrently<F: Future<Output = ()>>(n: usize, f: impl Fn() -> F) {
    let mut set = Vec::with_capacity(n);
    for _ in 0..n {
        set.push(f());
    }
    futures_util::future::join_all(set).await;
}

fn bench(c: &mut Criterion) {
    let addr = start_server();
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let zig = ziggurat_client(addr);
    let raw = raw_client();
    let mut g = c.benchmark_group("loopback");
    g.bench_function("raw_hyper_c1", |b| {
        b.to_async(&rt).iter(|| raw_call(&raw, addr))
    });
    g.bench_function("raw_json_c1", |b| {
        b.to_async(&rt).iter(|| raw_json_call(&raw, addr))
    });
    g.bench_function("ziggurat_c1", |b| {
        b.to_async(&rt).iter(|| ziggurat_call(&zig))
    });
    g.bench_function("raw_hyper_c32", |b| {
        b.to_async(&rt)
            .iter(|| concurrently(32, || raw_call(&raw, addr)))
    });
    g.bench_function("raw_json_c32", |b| {
        b.to_async(&rt)
            .iter(|| concurrently(32, || raw_json_call(&raw, addr)))
    });
    g.bench_function("ziggurat_c32", |b| {
        b.to_async(&rt)
            .iter(|| concurrently(32, || ziggurat_call(&zig)))
    });
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    benches();
    println!("\nloopback summary (requests per second, ziggurat / raw hyper-util):");
    for c in ["c1", "c32"] {
        let raw = common::median_ns("loopback", &format!("raw_hyper_{c}"));
        let json = common::median_ns("loopback", &format!("raw_json_{c}"));
        let zig = common::median_ns("loopback", &format!("ziggurat_{c}"));
        if let (Some(raw), Some(json), Some(zig)) = (raw, json, zig) {
            let per = if c == "c1" { 1.0 } else { 32.0 };
            // Issue 13 sets no throughput target at concurrency 1 (a latency target instead).
            let issue13 = if c == "c1" {
                String::new()
            } else {
                " (target ≥ 0.80, issue 13)".to_owned()
            };
            let issue8 = if c == "c1" { "0.85" } else { "0.75" };
            println!(
                "  concurrency {:>2}: raw {:>8.0} req/s, raw + JSON parse {:>8.0}, ziggurat {:>8.0}; \
                 ratio {:.2} to raw{issue13}, {:.2} to raw + JSON parse (target ≥ {issue8}, issue 8)",
                &c[1..],
                per * 1e9 / raw,
                per * 1e9 / json,
                per * 1e9 / zig,
                raw / zig,
                json / zig,
            );
        }
    }
}
