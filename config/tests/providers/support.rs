//! A tiny HTTP/1.1 server on 127.0.0.1:0 whose answers a test scripts with a closure, and a
//! clock that tests move by hand.
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http_body_util::Full;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use ziggurat_core::time::TimeSource;

/// One request as the server saw it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: http::Method,
    pub path: String,
    pub headers: http::HeaderMap,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// What the server does with a request.
pub enum Reply {
    Respond(u16, String),
    /// Never answers; the connection stays open until the client gives up.
    Hang,
}

pub fn ok(body: impl Into<String>) -> Reply {
    Reply::Respond(200, body.into())
}

pub fn status(code: u16) -> Reply {
    Reply::Respond(code, String::new())
}

type Handler = dyn Fn(&Seen, &[Seen]) -> Reply + Send + Sync;

/// The server; stops when dropped.
pub struct Server {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Starts a server answering each request with `handler(request, earlier requests)`.
    pub async fn start(
        handler: impl Fn(&Seen, &[Seen]) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let handler: Arc<Handler> = Arc::new(handler);
        let task = {
            let seen = seen.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        return;
                    };
                    let seen = seen.clone();
                    let handler = handler.clone();
                    tokio::spawn(async move {
                        let service =
                            service_fn(move |req: http::Request<hyper::body::Incoming>| {
                                let request = Seen {
                                    method: req.method().clone(),
                                    path: req
                                        .uri()
                                        .path_and_query()
                                        .map(|p| p.as_str().to_owned())
                                        .unwrap_or_default(),
                                    headers: req.headers().clone(),
                                };
                                let reply = {
                                    let mut seen = seen.lock().unwrap();
                                    let reply = handler(&request, &seen);
                                    seen.push(request);
                                    reply
                                };
                                async move {
                                    match reply {
                                        Reply::Respond(status, body) => Ok::<_, Infallible>(
                                            http::Response::builder()
                                                .status(status)
                                                .body(Full::new(Bytes::from(body)))
                                                .unwrap(),
                                        ),
                                        Reply::Hang => std::future::pending().await,
                                    }
                                }
                            });
                        let _ = http1::Builder::new()
                            .serve_connection(TokioIo::new(stream), service)
                            .await;
                    });
                }
            })
        };
        Server { addr, seen, task }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    /// How many requests had this method and path.
    pub fn count(&self, method: &str, path: &str) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.method == method && s.path == path)
            .count()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A clock that moves only when told.
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<SystemTime>>);

impl ManualClock {
    pub fn new() -> Self {
        ManualClock(Arc::new(Mutex::new(
            SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000),
        )))
    }
    pub fn advance(&self, by: Duration) {
        *self.0.lock().unwrap() += by;
    }
}

impl TimeSource for ManualClock {
    fn now(&self) -> SystemTime {
        *self.0.lock().unwrap()
    }
}

/// Asserts that none of `secrets` appears in any of `shown`.
pub fn assert_hidden(shown: &[String], secrets: &[&str]) {
    for text in shown {
        for secret in secrets {
            assert!(!text.contains(secret), "`{secret}` leaked into: {text}");
        }
    }
}
