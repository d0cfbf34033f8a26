//! The three clients and the one call each makes per workload.
//!
//! * **raw hyper**: `hyper_util::client::legacy::Client` (HTTP/1.1, `TCP_NODELAY`) replaying the
//!   exact request ziggurat sent (method, path, headers, body: captured by the server at
//!   start-up), with no signing and no parsing; DynamoDB bodies are collected, the S3 body is
//!   streamed frame by frame.
//! * **ziggurat**: `ziggurat::dynamodb::Client::new(&sdk_config)` and
//!   `ziggurat::s3::Client::from_conf(Config::new(&sdk_config).force_path_style(true))`, with a
//!   fixed region, static credentials and the loopback endpoint; the default stack (retries,
//!   timeouts, SigV4).
//! * **aws-sdk**: `aws_sdk_dynamodb` / `aws_sdk_s3` with `Config::builder()`, fixed region,
//!   static credentials, the loopback endpoint, `BehaviorVersion::latest()` (standard retries, 3
//!   attempts, and the 3.1 s connect timeout are its defaults; stalled-stream protection and S3
//!   response checksum validation too), S3 with `force_path_style`. Its HTTP client is the one
//!   its `default-https-client` feature builds (`aws-smithy-http-client`, hyper 1 + rustls),
//!   built the same way but with rustls's ring provider instead of aws-lc, to spare the C build
//!   (TLS is never used over `http://`).
//!
//! Every call reads its response to the end: the typed output for the SDKs, dropped after the
//! call; `GetObject`'s body read chunk by chunk and its length checked, never buffered whole.
use std::collections::HashMap;
use std::fmt::Debug;
use std::net::SocketAddr;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, Uri};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::payload::{self, BUCKET, OBJECT_KEY, OBJECT_LEN, PK, SK, TABLE};
use crate::server::Captured;

use crate::sdk::{self, REGION};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Raw,
    Ziggurat,
    AwsSdk,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::Raw, Kind::Ziggurat, Kind::AwsSdk];
    pub fn name(self) -> &'static str {
        match self {
            Kind::Raw => "raw-hyper",
            Kind::Ziggurat => "ziggurat",
            Kind::AwsSdk => "aws-sdk",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Workload {
    GetItem,
    PutItem,
    GetObject,
}

impl Workload {
    pub const ALL: [Workload; 3] = [Workload::GetItem, Workload::PutItem, Workload::GetObject];
    pub fn name(self) -> &'static str {
        match self {
            Workload::GetItem => "GetItem",
            Workload::PutItem => "PutItem",
            Workload::GetObject => "GetObject",
        }
    }
    pub fn parse(s: &str) -> Option<Workload> {
        Workload::ALL.into_iter().find(|w| w.name() == s)
    }
    fn index(self) -> usize {
        self as usize
    }
}

/// A request raw hyper sends as it is.
#[derive(Clone, Debug)]
pub struct RawRequest {
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
}

impl RawRequest {
    /// The captured request, re-addressed to `addr`; `host` and `content-length` are left to
    /// hyper.
    pub fn from_captured(c: &Captured, addr: SocketAddr) -> RawRequest {
        let mut headers = c.headers.clone();
        headers.remove(http::header::HOST);
        headers.remove(http::header::CONTENT_LENGTH);
        RawRequest {
            method: c.method.clone(),
            uri: format!("http://{addr}{}", c.path_and_query)
                .parse()
                .expect("request URI"),
            headers,
            body: c.body.clone(),
        }
    }

    /// One line of JSON, to hand the requests to a child process.
    pub fn encode_all(requests: &[RawRequest]) -> String {
        let list: Vec<_> = requests
            .iter()
            .map(|r| {
                serde_json::json!({
                    "method": r.method.as_str(),
                    "uri": r.uri.to_string(),
                    "headers": r.headers.iter()
                        .map(|(k, v)| [k.as_str(), v.to_str().expect("ASCII header value")])
                        .collect::<Vec<_>>(),
                    "body": std::str::from_utf8(&r.body).expect("UTF-8 body"),
                })
            })
            .collect();
        serde_json::to_string(&list).expect("encode requests")
    }

    pub fn decode_all(s: &str) -> Vec<RawRequest> {
        let list: Vec<serde_json::Value> = serde_json::from_str(s).expect("decode requests");
        list.iter()
            .map(|r| {
                let mut headers = HeaderMap::new();
                for h in r["headers"].as_array().expect("headers") {
                    headers.append(
                        http::HeaderName::from_bytes(h[0].as_str().expect("name").as_bytes())
                            .expect("header name"),
                        http::HeaderValue::from_str(h[1].as_str().expect("value"))
                            .expect("header value"),
                    );
                }
                RawRequest {
                    method: r["method"]
                        .as_str()
                        .expect("method")
                        .parse()
                        .expect("method"),
                    uri: r["uri"].as_str().expect("uri").parse().expect("uri"),
                    headers,
                    body: Bytes::from(r["body"].as_str().expect("body").to_owned()),
                }
            })
            .collect()
    }
}

type RawClient = hyper_util::client::legacy::Client<HttpConnector, Full<Bytes>>;

struct Raw {
    client: RawClient,
    /// By [`Workload::index`].
    requests: Vec<RawRequest>,
}

struct Zig {
    dynamodb: ziggurat::dynamodb::Client,
    s3: ziggurat::s3::Client,
    put_item: HashMap<String, ziggurat::dynamodb::types::AttributeValue>,
}

struct Aws {
    dynamodb: aws_sdk_dynamodb::Client,
    s3: aws_sdk_s3::Client,
    put_item: HashMap<String, aws_sdk_dynamodb::types::AttributeValue>,
}

/// The clients of one process. Each is built once and reused by every call, as users do.
#[derive(Default)]
pub struct Clients {
    raw: Option<Raw>,
    zig: Option<Zig>,
    aws: Option<Aws>,
}

impl Clients {
    /// Builds the clients of `kinds` against the server at `addr` (raw hyper needs
    /// [`Clients::set_raw_requests`] before its first call). Call inside the client runtime.
    pub fn new(addr: SocketAddr, kinds: &[Kind]) -> Clients {
        let endpoint = format!("http://{addr}");
        let put_item = payload::put_item_attributes();
        let mut clients = Clients::default();
        if kinds.contains(&Kind::Raw) {
            let mut connector = HttpConnector::new();
            connector.set_nodelay(true);
            clients.raw = Some(Raw {
                client: hyper_util::client::legacy::Client::builder(TokioExecutor::new())
                    .build(connector),
                requests: Vec::new(),
            });
        }
        if kinds.contains(&Kind::Ziggurat) {
            let config = sdk::zig_config(&endpoint);
            clients.zig = Some(Zig {
                dynamodb: ziggurat::dynamodb::Client::new(&config),
                s3: sdk::zig_s3(&config),
                put_item: payload::zig_item(&put_item),
            });
        }
        if kinds.contains(&Kind::AwsSdk) {
            let http = sdk::sdk_http_client();
            let credentials = sdk::aws_credentials("percall-compare");
            let dynamodb = aws_sdk_dynamodb::Config::builder()
                .behavior_version(aws_sdk_dynamodb::config::BehaviorVersion::latest())
                .region(aws_sdk_dynamodb::config::Region::new(REGION))
                .credentials_provider(credentials.clone())
                .endpoint_url(endpoint.clone())
                .http_client(http.clone())
                .build();
            clients.aws = Some(Aws {
                dynamodb: aws_sdk_dynamodb::Client::from_conf(dynamodb),
                s3: sdk::aws_s3(&endpoint, credentials, http),
                put_item: payload::aws_item(&put_item),
            });
        }
        clients
    }

    /// The requests raw hyper replays, by workload in [`Workload::ALL`] order.
    pub fn set_raw_requests(&mut self, requests: Vec<RawRequest>) {
        assert_eq!(requests.len(), Workload::ALL.len());
        self.raw.as_mut().expect("a raw hyper client").requests = requests;
    }

    /// One call; panics (with what failed) on any error.
    pub async fn call(&self, kind: Kind, workload: Workload) {
        match kind {
            Kind::Raw => self.raw_call(workload).await,
            Kind::Ziggurat => self.zig_call(workload).await,
            Kind::AwsSdk => self.aws_call(workload).await,
        }
    }

    async fn raw_call(&self, workload: Workload) {
        let raw = self.raw.as_ref().expect("a raw hyper client");
        let r = &raw.requests[workload.index()];
        let mut req = Request::new(Full::new(r.body.clone()));
        *req.method_mut() = r.method.clone();
        *req.uri_mut() = r.uri.clone();
        *req.headers_mut() = r.headers.clone();
        let res = raw.client.request(req).await.expect("raw hyper request");
        assert_eq!(res.status(), http::StatusCode::OK, "raw hyper status");
        match workload {
            Workload::GetItem | Workload::PutItem => {
                let body = res
                    .into_body()
                    .collect()
                    .await
                    .expect("raw body")
                    .to_bytes();
                std::hint::black_box(body);
            }
            Workload::GetObject => {
                assert_eq!(
                    drain(res.into_body()).await,
                    OBJECT_LEN,
                    "raw object length"
                );
            }
        }
    }

    async fn zig_call(&self, workload: Workload) {
        use ziggurat::dynamodb::types::AttributeValue;
        let zig = self.zig.as_ref().expect("a ziggurat client");
        match workload {
            Workload::GetItem => {
                let out = zig
                    .dynamodb
                    .get_item()
                    .table_name(TABLE)
                    .key("pk", AttributeValue::S(PK.into()))
                    .key("sk", AttributeValue::S(SK.into()))
                    .send()
                    .await
                    .expect("ziggurat GetItem");
                assert_eq!(
                    out.item.as_ref().map(HashMap::len),
                    Some(10),
                    "ziggurat item"
                );
                std::hint::black_box(out);
            }
            Workload::PutItem => {
                let out = zig
                    .dynamodb
                    .put_item()
                    .table_name(TABLE)
                    .set_item(zig.put_item.clone())
                    .send()
                    .await
                    .expect("ziggurat PutItem");
                std::hint::black_box(out);
            }
            Workload::GetObject => {
                let out = zig
                    .s3
                    .get_object()
                    .bucket(BUCKET)
                    .key(OBJECT_KEY)
                    .send()
                    .await
                    .expect("ziggurat GetObject");
                assert_eq!(drain(out.body).await, OBJECT_LEN, "ziggurat object length");
            }
        }
    }

    async fn aws_call(&self, workload: Workload) {
        use aws_sdk_dynamodb::types::AttributeValue;
        let aws = self.aws.as_ref().expect("an aws-sdk client");
        match workload {
            Workload::GetItem => {
                let out = aws
                    .dynamodb
                    .get_item()
                    .table_name(TABLE)
                    .key("pk", AttributeValue::S(PK.into()))
                    .key("sk", AttributeValue::S(SK.into()))
                    .send()
                    .await
                    .expect("aws-sdk GetItem");
                assert_eq!(
                    out.item.as_ref().map(HashMap::len),
                    Some(10),
                    "aws-sdk item"
                );
                std::hint::black_box(out);
            }
            Workload::PutItem => {
                let out = aws
                    .dynamodb
                    .put_item()
                    .table_name(TABLE)
                    .set_item(Some(aws.put_item.clone()))
                    .send()
                    .await
                    .expect("aws-sdk PutItem");
                std::hint::black_box(out);
            }
            Workload::GetObject => {
                let mut out = aws
                    .s3
                    .get_object()
                    .bucket(BUCKET)
                    .key(OBJECT_KEY)
                    .send()
                    .await
                    .expect("aws-sdk GetObject");
                let mut n = 0;
                while let Some(chunk) = out.body.try_next().await.expect("aws-sdk object body") {
                    n += chunk.len();
                }
                assert_eq!(n, OBJECT_LEN, "aws-sdk object length");
            }
        }
    }
}

/// Reads a body to its end, frame by frame; returns its length.
async fn drain<B>(mut body: B) -> usize
where
    B: hyper::body::Body<Data = Bytes> + Unpin,
    B::Error: Debug,
{
    let mut n = 0;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame.expect("response body").into_data() {
            n += data.len();
        }
    }
    n
}
