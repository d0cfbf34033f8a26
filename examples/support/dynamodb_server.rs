//! An in-memory DynamoDB for the examples: `PutItem` and `GetItem` on JSON items keyed by
//! table and `pk`, over loopback HTTP. It refuses requests not signed by `AKIDEXAMPLE` and
//! answers 503 to as many first requests as asked, so retries show.
#![allow(dead_code)]
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What the server saw: requests, and the `user-agent` and `x-example-tenant` headers.
#[derive(Default)]
pub struct Seen {
    /// Requests received.
    pub requests: AtomicUsize,
    /// `(name, value)` of the two headers, for every request.
    pub headers: Mutex<Vec<(String, String)>>,
    fail_first: usize,
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
    if seen.requests.fetch_add(1, Ordering::SeqCst) < seen.fail_first {
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

/// Starts the server on a free loopback port, failing its first `fail_first` requests: its
/// URL and what it sees.
pub async fn start(fail_first: usize) -> Result<(String, Arc<Seen>), BoxError> {
    let seen = Arc::new(Seen {
        fail_first,
        ..Seen::default()
    });
    let url = serve(seen.clone()).await?;
    Ok((url, seen))
}

async fn serve(seen: Arc<Seen>) -> Result<String, BoxError> {
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
