//! The stack inside an axum app, offline: an S3 server (s3s + s3s-fs, which verifies every
//! signature) and a small DynamoDB run inside this program, and so does an axum app with two
//! kinds of routes:
//!
//! - `/s3/{path}`: a small S3 proxy. It takes plain, unsigned requests, and forwards them to
//!   S3 through a tower stack of ziggurat's standalone layers over a hyper client:
//!   `RetryLayer` (the SDKs' retry rules; the S3 server here throttles the first upload),
//!   the endpoint hook, and `SigV4Layer`, which signs every attempt afresh.
//! - `/songs/{id}`: handlers that call DynamoDB through one `ziggurat::dynamodb::Client`,
//!   shared by every request through axum's state (a client is cheap to clone: one compiled
//!   stack, one connection pool).
//!
//! Then it calls its own app as any HTTP client would.
//!
//! `cargo run --example axum_proxy --features s3,dynamodb` (the test command runs it too).
#[path = "support/dynamodb_server.rs"]
mod dynamodb_server;
#[path = "../tests/integration/support/s3_server.rs"]
mod s3_server;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::Router;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
use s3_server::{ACCESS_KEY, Fault, S3Server, SECRET_KEY};
use tower::util::BoxCloneSyncService;
use tower::{ServiceBuilder, ServiceExt};
use ziggurat::dynamodb::types::AttributeValue;
use ziggurat::hook::HookLayer;
use ziggurat::layers::endpoint::{BaseEndpoint, ResolveEndpoint};
use ziggurat::layers::retry::RetryLayer;
use ziggurat::layers::sign::{SigV4, SigV4Layer};
use ziggurat::prelude::*;
use ziggurat::retry::RetryConfig;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Signed, retried HTTP to S3: what the proxy routes send their requests through.
type S3Http = BoxCloneSyncService<http::Request<Body>, http::Response<Body>, BoxError>;

#[derive(Clone)]
struct AppState {
    s3: S3Http,
    ddb: ziggurat::dynamodb::Client,
}

/// `/s3/{path}`: forwards the request to S3, signed.
async fn proxy(State(app): State<AppState>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let path = parts.uri.path().strip_prefix("/s3").unwrap_or("/");
    let target = match parts.uri.query() {
        Some(q) => format!("{path}?{q}"),
        None => path.to_owned(),
    };
    // In memory, so it can be signed (its hash) and sent again by a retry.
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    let mut forward = http::Request::builder().method(parts.method).uri(target);
    if let Some(ct) = parts.headers.get(http::header::CONTENT_TYPE) {
        forward = forward.header(http::header::CONTENT_TYPE, ct);
    }
    let forward = match forward.body(Body::from_bytes(body)) {
        Ok(r) => r,
        Err(e) => return (StatusCode::BAD_REQUEST, e.to_string()).into_response(),
    };
    match app.s3.oneshot(forward).await {
        Ok(res) => res.map(axum::body::Body::new).into_response(),
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

/// `GET /songs/{id}`: the song's title from DynamoDB.
async fn get_song(State(app): State<AppState>, Path(id): Path<String>) -> Response {
    let got = app
        .ddb
        .get_item()
        .table_name("songs")
        .key("pk", AttributeValue::S(id))
        .send()
        .await;
    match got.map(|o| o.item.and_then(|mut i| i.remove("title"))) {
        Ok(Some(AttributeValue::S(title))) => title.into_response(),
        Ok(_) => StatusCode::NOT_FOUND.into_response(),
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

/// `PUT /songs/{id}`: stores the body as the song's title.
async fn put_song(State(app): State<AppState>, Path(id): Path<String>, title: String) -> Response {
    let put = app
        .ddb
        .put_item()
        .table_name("songs")
        .item("pk", AttributeValue::S(id))
        .item("title", AttributeValue::S(title))
        .send()
        .await;
    match put {
        Ok(_) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => (StatusCode::BAD_GATEWAY, e.to_string()).into_response(),
    }
}

/// Sends one plain request to the app: status and body.
async fn call(
    app: &str,
    method: http::Method,
    path: &str,
    body: &'static str,
) -> Result<(u16, String), BoxError> {
    let client = HyperClient::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let req = http::Request::builder()
        .method(method)
        .uri(format!("{app}{path}"))
        .body(Full::new(Bytes::from_static(body.as_bytes())))?;
    let res = client.request(req).await?;
    let status = res.status().as_u16();
    let body = res.into_body().collect().await?.to_bytes();
    Ok((status, String::from_utf8_lossy(&body).into_owned()))
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    // S3 throttles the first upload it gets: RetryLayer waits and sends it again.
    let throttled = Arc::new(AtomicBool::new(false));
    let once = throttled.clone();
    let s3_server = S3Server::start_with_faults(Arc::new(move |parts: &http::request::Parts| {
        (parts.method == http::Method::PUT
            && parts.uri.path().matches('/').count() > 1
            && !once.swap(true, Ordering::SeqCst))
        .then_some(Fault::Error(503, "SlowDown"))
    }))
    .await?;
    let (ddb_url, _seen) = dynamodb_server::start(0).await?;
    let region = Region::from_static("us-east-1");

    // Signed, retried HTTP to S3, from standalone layers over a hyper client.
    let s3: S3Http = BoxCloneSyncService::new(
        ServiceBuilder::new()
            .map_response(|res: http::Response<_>| res.map(Body::from_stream))
            .layer(RetryLayer::new(&RetryConfig::standard()).with_operation("S3", "Proxy"))
            .layer(HookLayer::new(
                ResolveEndpoint::new("s3")
                    .with_base_endpoint(Some(BaseEndpoint::parse(&s3_server.url())?)),
            ))
            .layer(SigV4Layer::new(
                SigV4::s3()
                    .with_region(region.clone())
                    .with_credentials(Credentials::new(ACCESS_KEY, SECRET_KEY, None)),
            ))
            .service(HyperClient::builder(TokioExecutor::new()).build_http::<Body>())
            .map_err(Into::into),
    );
    // One DynamoDB client for every request of the app.
    let ddb = ziggurat::dynamodb::Client::new(
        &SdkConfig::builder()
            .region(region)
            .credentials(Credentials::new("AKIDEXAMPLE", "example-secret", None))
            .endpoint_url(ddb_url)
            .build(),
    );

    let router = Router::new()
        .route("/s3/{*path}", any(proxy))
        .route("/songs/{id}", get(get_song).put(put_song))
        .with_state(AppState { s3, ddb });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let app = format!("http://{}", listener.local_addr()?);
    tokio::spawn(async move { axum::serve(listener, router).await });

    // Through the proxy: unsigned requests in, signed requests out.
    let put = http::Method::PUT;
    assert_eq!(call(&app, put.clone(), "/s3/photos", "").await?.0, 200);
    let (status, _) = call(&app, put.clone(), "/s3/photos/cat.txt", "meow").await?;
    println!("PUT /s3/photos/cat.txt -> {status} (after one throttled attempt)");
    assert_eq!(status, 200);
    assert!(throttled.load(Ordering::SeqCst));
    let (status, body) = call(&app, http::Method::GET, "/s3/photos/cat.txt", "").await?;
    println!("GET /s3/photos/cat.txt -> {status} {body:?}");
    assert_eq!((status, body.as_str()), (200, "meow"));
    let (status, body) = call(&app, http::Method::GET, "/s3/photos/dog.txt", "").await?;
    println!("GET /s3/photos/dog.txt -> {status}");
    assert!(
        status == 404 && body.contains("NoSuchKey"),
        "{status} {body}"
    );

    // Handlers with a shared DynamoDB client.
    assert_eq!(call(&app, put, "/songs/7", "Layers").await?.0, 204);
    let (status, title) = call(&app, http::Method::GET, "/songs/7", "").await?;
    println!("GET /songs/7 -> {status} {title:?}");
    assert_eq!((status, title.as_str()), (200, "Layers"));
    assert_eq!(call(&app, http::Method::GET, "/songs/8", "").await?.0, 404);
    Ok(())
}
