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

/// What a test's fault hook makes the server do with one request.
pub enum Fault {
    /// Read the request, then answer with this status and S3 error code instead of serving it.
    Error(u16, &'static str),
    /// Serve the request, but answer with this ETag (as if the object had changed).
    ETag(String),
    /// Never answer (until the client goes away).
    Stall,
}

/// Looks at each request before it is served; `Some` injects a fault.
pub type FaultHook = Arc<dyn Fn(&http::request::Parts) -> Option<Fault> + Send + Sync>;

/// A running server; stopped when dropped.
pub struct S3Server {
    addr: SocketAddr,
    dir: tempfile::TempDir,
    task: tokio::task::JoinHandle<()>,
    /// With TLS: the PEM of the self-signed certificate to trust.
    ca_pem: Option<String>,
}

impl S3Server {
    /// Starts a server on a free port.
    pub async fn start() -> std::io::Result<Self> {
        Self::start_with(None).await
    }

    /// Starts a server that asks `hook` about every request first.
    pub async fn start_with_faults(hook: FaultHook) -> std::io::Result<Self> {
        Self::start_with(Some(hook)).await
    }

    /// Starts a server that speaks TLS only, with a self-signed certificate for 127.0.0.1
    /// ([`ca_pem`](Self::ca_pem) is the certificate to trust).
    pub async fn start_tls() -> std::io::Result<Self> {
        let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()])
            .map_err(std::io::Error::other)?;
        let key =
            rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(std::io::Error::other)?
            .with_no_client_auth()
            .with_single_cert(vec![certified.cert.der().clone()], key)
            .map_err(std::io::Error::other)?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let mut server = Self::start_inner(None, Some(acceptor)).await?;
        server.ca_pem = Some(certified.cert.pem());
        Ok(server)
    }

    async fn start_with(hook: Option<FaultHook>) -> std::io::Result<Self> {
        Self::start_inner(hook, None).await
    }

    async fn start_inner(
        hook: Option<FaultHook>,
        tls: Option<tokio_rustls::TlsAcceptor>,
    ) -> std::io::Result<Self> {
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
                let hook = hook.clone();
                let svc = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let s3 = s3.clone();
                    let n = counter.fetch_add(1, Ordering::Relaxed) + 1;
                    let (parts, body) = req.into_parts();
                    let fault = hook.as_ref().and_then(|h| h(&parts));
                    let req = http::Request::from_parts(parts, body);
                    async move {
                        if let Some(Fault::Stall) = &fault {
                            std::future::pending::<()>().await;
                        }
                        if let Some(Fault::Error(status, code)) = &fault {
                            let _ = http_body_util::BodyExt::collect(req.into_body()).await;
                            let xml = format!(
                                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\
                                 <Error><Code>{code}</Code><Message>injected</Message></Error>"
                            );
                            let mut r = http::Response::new(s3s::Body::from(xml));
                            *r.status_mut() = http::StatusCode::from_u16(*status)
                                .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
                            return Ok::<_, Infallible>(r);
                        }
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
                        if let Some(Fault::ETag(tag)) = &fault
                            && let Ok(v) = HeaderValue::from_str(tag)
                        {
                            res.headers_mut().insert(http::header::ETAG, v);
                        }
                        Ok::<_, Infallible>(res)
                    }
                });
                match tls.clone() {
                    None => {
                        let conn = http.serve_connection(TokioIo::new(sock), svc).into_owned();
                        tokio::spawn(async move {
                            let _ = conn.await;
                        });
                    }
                    Some(acceptor) => {
                        let http = http.clone();
                        tokio::spawn(async move {
                            let Ok(stream) = acceptor.accept(sock).await else {
                                return;
                            };
                            let _ = http.serve_connection(TokioIo::new(stream), svc).await;
                        });
                    }
                }
            }
        });
        Ok(S3Server {
            addr,
            dir,
            task,
            ca_pem: None,
        })
    }

    /// `http://127.0.0.1:PORT`, or `https://` for a TLS server.
    pub fn url(&self) -> String {
        let scheme = if self.ca_pem.is_some() {
            "https"
        } else {
            "http"
        };
        format!("{scheme}://{}", self.addr)
    }

    /// The certificate a client of a TLS server trusts (PEM).
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
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

/// Puts `body` at `bucket`/`key`, then reads it back whole.
pub async fn s3_put_and_get(
    s3: &ziggurat::s3::Client,
    bucket: &str,
    key: &str,
    body: ziggurat::body::Body,
) -> Vec<u8> {
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{key}: {e}"));
    s3.get_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap()
        .to_vec()
}

/// A test transport's rule that answers S3 Express `CreateSession` (`GET /{bucket}?session`)
/// with a session of these credentials, valid until 2100.
pub fn create_session_rule(key: &str, secret: &str, token: &str) -> ziggurat::transport::Rule {
    let body = format!(
        "<CreateSessionResult><Credentials><SessionToken>{token}</SessionToken>\
         <SecretAccessKey>{secret}</SecretAccessKey><AccessKeyId>{key}</AccessKeyId>\
         <Expiration>2100-01-01T00:00:00Z</Expiration></Credentials></CreateSessionResult>"
    );
    ziggurat::transport::Rule::when(|r| r.uri().query() == Some("session")).respond(
        200,
        &[("content-type", "application/xml")],
        body,
    )
}
