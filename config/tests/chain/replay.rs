//! Replays a recorded `http-traffic.json` (the smithy-rs format): each request the client
//! sends gets the next recorded connection's response. Nothing reaches a network.
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use serde_json::Value;
use ziggurat_core::body::Body;
use ziggurat_core::error::SdkError;
use ziggurat_core::transport::HttpClient;

/// One recorded exchange.
#[derive(Debug, Clone, Default)]
pub struct Exchange {
    pub uri: String,
    pub method: String,
    pub request_body: String,
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub response_body: Vec<u8>,
}

/// What the client actually sent.
#[derive(Debug, Clone)]
pub struct Sent {
    pub uri: String,
    pub method: String,
}

/// The recorded exchanges, how many were served, and what was sent.
type State = (Vec<Exchange>, usize, Vec<Sent>);

#[derive(Clone, Default)]
pub struct Replay {
    state: Arc<Mutex<State>>,
}

/// The bytes of a `Data` event (the recordings hold only UTF-8 data).
fn text(data: &Value) -> Vec<u8> {
    data.get("Utf8")
        .and_then(Value::as_str)
        .map(|s| s.as_bytes().to_vec())
        .unwrap_or_default()
}

impl Replay {
    /// The recorded traffic of a case (no file: no traffic).
    pub fn load(doc: Option<Value>) -> Replay {
        let mut by_conn: BTreeMap<u64, Exchange> = BTreeMap::new();
        let events = doc
            .as_ref()
            .and_then(|d| d.get("events"))
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        for event in events {
            let id = event
                .get("connection_id")
                .and_then(Value::as_u64)
                .unwrap_or(0);
            let Some(action) = event.get("action").and_then(Value::as_object) else {
                continue;
            };
            let x = by_conn.entry(id).or_default();
            if let Some(req) = action.get("Request").and_then(|r| r.get("request")) {
                x.uri = req
                    .get("uri")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned();
                x.method = req
                    .get("method")
                    .and_then(Value::as_str)
                    .unwrap_or("GET")
                    .to_owned();
            }
            if let Some(resp) = action.get("Response").and_then(|r| r.get("response")) {
                let resp = resp.get("Ok").unwrap_or(resp);
                x.status = resp.get("status").and_then(Value::as_u64).unwrap_or(200) as u16;
                if let Some(h) = resp.get("headers").and_then(Value::as_object) {
                    for (k, vs) in h {
                        for v in vs.as_array().into_iter().flatten() {
                            if let Some(v) = v.as_str() {
                                x.headers.push((k.clone(), v.to_owned()));
                            }
                        }
                    }
                }
            }
            if let Some(data) = action.get("Data") {
                let dir = data
                    .get("direction")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                let bytes = text(data.get("data").unwrap_or(&Value::Null));
                if dir == "Request" {
                    x.request_body.push_str(&String::from_utf8_lossy(&bytes));
                } else {
                    x.response_body.extend_from_slice(&bytes);
                }
            }
        }
        Replay {
            state: Arc::new(Mutex::new((by_conn.into_values().collect(), 0, Vec::new()))),
        }
    }

    pub fn client(&self) -> HttpClient {
        HttpClient::from_service(self.clone())
    }

    pub fn sent(&self) -> Vec<Sent> {
        self.state.lock().unwrap().2.clone()
    }

    pub fn recorded(&self) -> Vec<Exchange> {
        self.state.lock().unwrap().0.clone()
    }
}

impl tower::Service<http::Request<Body>> for Replay {
    type Response = http::Response<Body>;
    type Error = SdkError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, SdkError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), SdkError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<Body>) -> Self::Future {
        let mut state = self.state.lock().unwrap();
        state.2.push(Sent {
            uri: req.uri().to_string(),
            method: req.method().to_string(),
        });
        let next = state.0.get(state.1).cloned();
        state.1 += 1;
        drop(state);
        Box::pin(async move {
            let Some(x) = next else {
                return Err(SdkError::transport(
                    ziggurat_core::error::TransportErrorKind::Connect,
                    std::io::Error::new(
                        std::io::ErrorKind::ConnectionRefused,
                        "the recorded traffic has no more responses",
                    ),
                ));
            };
            let mut b = http::Response::builder().status(x.status);
            for (k, v) in &x.headers {
                b = b.header(k, v);
            }
            Ok(b.body(Body::from(Bytes::from(x.response_body))).unwrap())
        })
    }
}
