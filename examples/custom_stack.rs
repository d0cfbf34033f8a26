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
#[path = "support/dynamodb_server.rs"]
mod dynamodb_server;

use std::collections::HashMap;
use std::sync::atomic::Ordering;

use http::{HeaderName, HeaderValue, Response};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;
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

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), BoxError> {
    // Unavailable for its first request.
    let (url, seen) = dynamodb_server::start(1).await?;
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
