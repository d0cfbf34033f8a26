//! Composing stacks, offline: a small DynamoDB-speaking server runs inside this program (it
//! keeps items in memory, refuses unsigned requests, and is unavailable for the first request
//! it gets), and two clients talk to it over loopback HTTP.
//!
//! 1. A `GetItem` / `PutItem` client built from `tower::ServiceBuilder` and ziggurat's
//!    standalone layers alone, over a plain hyper client: the operation layer on top (typed
//!    input in, typed output out), then `RetryLayer`, the endpoint hook, content length and
//!    `SigV4Layer`. No client, no stack: every concern is a `tower::Layer`.
//! 2. The ready-made DynamoDB client with its stack edited by id: the `UserAgent` entry swapped
//!    for a hook of ours, and a tower-http layer added below the deserializer.
//!
//! `cargo run --example custom_stack` (the test command runs it too).
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::{TokioExecutor, TokioIo};
use tower::{Layer, ServiceBuilder, ServiceExt};
use tower_http::set_header::SetRequestHeaderLayer;
use ziggurat::dynamodb::types::AttributeValue;
use ziggurat::dynamodb::{GetItem, GetItemInput, PutItem, PutItemInput};
use ziggurat::hook::HookLayer;
use ziggurat::layers::content_length::ContentLengthLayer;
use ziggurat::layers::endpoint::{BaseEndpoint, ResolveEndpoint};
use ziggurat::layers::operation::OperationLayer;
use ziggurat::layers::retry::RetryLayer;
use ziggurat::layers::sign::{SigV4, SigV4Layer};
use ziggurat::prelude::*;
use ziggurat::retry::RetryConfig;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What the server saw: requests, and the `user-agent` and `x-example-tenant` headers.
#[derive(Default)]
struct Seen {
    requests: AtomicUsize,
    headers: Mutex<Vec<(String, String)>>,
}

/// The in-memory DynamoDB: `PutItem` and `GetItem` on JSON items, keyed by table and `Key`.
async fn dynamodb(
    req: Request<Incoming>,
    items: Arc<Mutex<HashMap<String, serde_json::Value>>>,
    seen: Arc<Seen>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let reply = |status: StatusCode, body: serde_json::Value| {
        Response::builder()
            .status(status)
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amzn-requestid", "EXAMPLE")
            .body(Full::new(Bytes::from(body.to_string())))
            .unwrap_or_default()
    };
    let header = |name: &str| {
        req.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    seen.headers.lock().unwrap().extend([
        ("user-agent".to_owned(), header("user-agent")),
        ("x-example-tenant".to_owned(), header("x-example-tenant")),
    ]);
    if seen.requests.fetch_add(1, Ordering::SeqCst) == 0 {
        return Ok(reply(
            StatusCode::SERVICE_UNAVAILABLE,
            serde_json::json!({"__type": "ServiceUnavailable", "message": "warming up"}),
        ));
    }
    if !header("authorization").starts_with("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") {
        return Ok(reply(
            StatusCode::FORBIDDEN,
            serde_json::json!({"__type": "MissingAuthenticationToken", "message": "unsigned"}),
        ));
    }
    let target = header("x-amz-target");
    let body = req.into_body().collect().await.map(|b| b.to_bytes());
    let Ok(input) = body.map(|b| serde_json::from_slice::<serde_json::Value>(&b)) else {
        return Ok(reply(StatusCode::BAD_REQUEST, serde_json::json!({})));
    };
    let input = input.unwrap_or_default();
    let table = input["TableName"].as_str().unwrap_or_default();
    let mut items = items.lock().unwrap();
    Ok(match target.as_str() {
        "DynamoDB_20120810.PutItem" => {
            let item = input["Item"].clone();
            let key = format!("{table}/{}", item["pk"]);
            items.insert(key, item);
            reply(StatusCode::OK, serde_json::json!({}))
        }
        "DynamoDB_20120810.GetItem" => {
            let key = format!("{table}/{}", input["Key"]["pk"]);
            match items.get(&key) {
                Some(item) => reply(StatusCode::OK, serde_json::json!({ "Item": item })),
                None => reply(StatusCode::OK, serde_json::json!({})),
            }
        }
        other => reply(
            StatusCode::BAD_REQUEST,
            serde_json::json!({"__type": "UnknownOperationException", "message": other}),
        ),
    })
}

/// Starts the server on a free loopback port; its URL.
async fn start_server(seen: Arc<Seen>) -> Result<String, BoxError> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", listener.local_addr()?);
    let items = Arc::new(Mutex::new(HashMap::new()));
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (items, seen) = (items.clone(), seen.clone());
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |req| {
                    dynamodb(req, items.clone(), seen.clone())
                });
                let _ = hyper::server::conn::http1::Builder::new()
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    Ok(url)
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    let seen = Arc::new(Seen::default());
    let url = start_server(seen.clone()).await?;
    let region = Region::from_static("us-east-1");
    let credentials = Credentials::new("AKIDEXAMPLE", "example-secret", None);

    // 1. From parts: every concern a tower layer, over a plain hyper client.
    let hyper = HyperClient::builder(TokioExecutor::new()).build_http::<Body>();
    let http = ServiceBuilder::new()
        // The operation layer reads `ziggurat::body::Body` responses.
        .map_response(|res: Response<_>| res.map(Body::from_stream))
        .layer(RetryLayer::new(&RetryConfig::standard()))
        .layer(HookLayer::new(
            ResolveEndpoint::new("dynamodb").with_base_endpoint(Some(BaseEndpoint::parse(&url)?)),
        ))
        .layer(ContentLengthLayer::default())
        .layer(SigV4Layer::new(
            SigV4::new("dynamodb")
                .with_region(region.clone())
                .with_credentials(credentials.clone()),
        ))
        .service(hyper);
    OperationLayer::<PutItem>::new()
        .layer(http.clone())
        .oneshot(PutItemInput {
            table_name: "music".into(),
            item: HashMap::from([
                ("pk".to_owned(), AttributeValue::S("song-1".into())),
                ("title".to_owned(), AttributeValue::S("Layers".into())),
            ]),
            ..Default::default()
        })
        .await?;
    let got = OperationLayer::<GetItem>::new()
        .layer(http)
        .oneshot(GetItemInput {
            table_name: "music".into(),
            key: HashMap::from([("pk".to_owned(), AttributeValue::S("song-1".into()))]),
            ..Default::default()
        })
        .await?;
    let title = got.item.as_ref().and_then(|i| i.get("title"));
    println!("composed from layers: GetItem -> title {title:?}");
    assert_eq!(title, Some(&AttributeValue::S("Layers".into())));
    // The first request met a 503: RetryLayer sent it again.
    assert_eq!(seen.requests.load(Ordering::SeqCst), 3);

    // 2. The ready-made client, its stack edited by id.
    let sdk = SdkConfig::builder()
        .region(region)
        .credentials(credentials)
        .endpoint_url(url)
        .build();
    let config = ziggurat::dynamodb::Config::new(&sdk).stack(|stack| {
        // Swap the `UserAgent` entry for a hook of ours (same id, same place).
        stack.build_mut().swap(
            ids::USER_AGENT,
            Middleware::request_hook(FixedUserAgent("custom-stack-example/1.0")),
        )?;
        // A tower-http layer below the deserializer, on every attempt's HTTP request.
        stack.deserialize_mut().add(
            "TenantHeader",
            Middleware::http_layer(SetRequestHeaderLayer::overriding(
                HeaderName::from_static("x-example-tenant"),
                HeaderValue::from_static("blue"),
            )),
            Position::After,
        )?;
        Ok(())
    });
    let ddb = ziggurat::dynamodb::Client::from_conf(config);
    println!(
        "the edited stack:\n{}",
        ddb.stack().map(|s| s.describe()).unwrap_or_default()
    );
    let got = ddb
        .get_item()
        .table_name("music")
        .key("pk", AttributeValue::S("song-1".into()))
        .send()
        .await?;
    assert_eq!(
        got.item.as_ref().and_then(|i| i.get("title")),
        Some(&AttributeValue::S("Layers".into()))
    );
    let headers = seen.headers.lock().unwrap().clone();
    let last: HashMap<_, _> = headers.iter().rev().take(2).cloned().collect();
    println!("the server saw {last:?}");
    assert_eq!(last["user-agent"], "custom-stack-example/1.0");
    assert_eq!(last["x-example-tenant"], "blue");
    Ok(())
}

/// Sets `user-agent` to a fixed value: what the swapped-in entry does.
#[derive(Debug)]
struct FixedUserAgent(&'static str);

impl RequestHook for FixedUserAgent {
    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        req.headers_mut()
            .insert(http::header::USER_AGENT, HeaderValue::from_static(self.0));
        Ok(())
    }
}
