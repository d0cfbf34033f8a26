//! An S3 server on 127.0.0.1 for the tour and the tests: `s3s` over `s3s-fs`, a real
//! implementation that stores objects in a temporary folder and verifies every SigV4
//! signature. Like real S3, its responses carry `x-amz-request-id` and `x-amz-id-2` (s3s-fs
//! alone sends neither), so request ids can be shown end to end.
#![allow(dead_code)]

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use http::HeaderValue;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use s3s::service::S3ServiceBuilder;

/// The access key the server accepts.
pub const ACCESS_KEY: &str = "AKIDZIGGURATTEST";
/// The secret key the server accepts.
pub const SECRET_KEY: &str = "ziggurat/test/secret+key";

/// A running server; stopped when dropped.
pub struct S3Server {
    addr: SocketAddr,
    dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
}

impl S3Server {
    /// Starts a server on a free port.
    pub async fn start() -> std::io::Result<Self> {
        let dir = tempfile::tempdir()?;
        let fs = s3s_fs::FileSystem::new(dir.path())
            .map_err(|e| std::io::Error::other(format!("{e:?}")))?;
        let mut builder = S3ServiceBuilder::new(fs);
        builder.set_auth(s3s::auth::SimpleAuth::from_single(ACCESS_KEY, SECRET_KEY));
        let s3 = builder.build();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let counter = Arc::new(AtomicU64::new(0));
        let task = tokio::spawn(async move {
            let http = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    continue;
                };
                // s3s-fs answers GETs in ~2 ms with this, ~40 ms without (Nagle).
                let _ = sock.set_nodelay(true);
                let s3 = s3.clone();
                let counter = counter.clone();
                let svc = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let s3 = s3.clone();
                    let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
                    async move {
                        let req = req.map(s3s::Body::from);
                        let mut res = match s3.call(req).await {
                            Ok(res) => res,
                            Err(e) => {
                                let mut r = http::Response::new(s3s::Body::from(format!("{e:?}")));
                                *r.status_mut() = http::StatusCode::INTERNAL_SERVER_ERROR;
                                r
                            }
                        };
                        let id = format!("ZIG{n:013X}");
                        if let Ok(v) = HeaderValue::from_str(&id) {
                            res.headers_mut().insert("x-amz-request-id", v);
                        }
                        if let Ok(v) = HeaderValue::from_str(&format!("host-{id}=")) {
                            res.headers_mut().insert("x-amz-id-2", v);
                        }
                        Ok::<_, Infallible>(res)
                    }
                });
                let conn = http.serve_connection(TokioIo::new(sock), svc).into_owned();
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
        });
        Ok(S3Server { addr, dir, task })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The folder the objects are stored in.
    pub fn root(&self) -> &std::path::Path {
        self.dir.path()
    }
}

impl Drop for S3Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}
