//! The hyper transport against in-process servers on 127.0.0.1: round trips, streaming,
//! pooling, failure kinds, timeouts, HTTP/2, proxies and TLS.
use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body::Frame;
use http_body_util::{BodyExt, StreamBody};
use hyper::body::Incoming;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tower::ServiceExt;
use ziggurat_core::body::Body;
use ziggurat_core::error::{BoxError, ErrorKind, SdkError, TransportErrorKind};
use ziggurat_core::transport::{HttpClient, HyperTransport, HyperTransportBuilder, ProxyConfig};

/// Every test finishes within this, or fails.
const BOUND: Duration = Duration::from_secs(10);

async fn bounded<F: Future>(fut: F) -> F::Output {
    tokio::time::timeout(BOUND, fut)
        .await
        .expect("test took too long")
}

/// A builder that ignores the machine's proxy variables.
fn builder() -> HyperTransportBuilder {
    HyperTransport::builder().proxy(ProxyConfig::new())
}

fn client() -> HttpClient {
    builder().build().unwrap()
}

fn request(method: &str, uri: &str, body: Body) -> http::Request<Body> {
    http::Request::builder()
        .method(method)
        .uri(uri)
        .body(body)
        .unwrap()
}

async fn send(
    client: &HttpClient,
    req: http::Request<Body>,
) -> Result<http::Response<Body>, SdkError> {
    client.clone().oneshot(req).await
}

struct Server {
    addr: SocketAddr,
    accepted: Arc<AtomicUsize>,
}

impl Server {
    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }
}

/// Serves HTTP/1.1 and HTTP/2 (prior knowledge) with `handler`, optionally behind TLS.
async fn serve<H, F>(tls: Option<tokio_rustls::TlsAcceptor>, handler: H) -> Server
where
    H: Fn(http::Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = http::Response<Body>> + Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let accepted = Arc::new(AtomicUsize::new(0));
    let counter = accepted.clone();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let handler = handler.clone();
            let tls = tls.clone();
            tokio::spawn(async move {
                let svc = service_fn(move |req| {
                    let handler = handler.clone();
                    async move { Ok::<_, Infallible>(handler(req).await) }
                });
                let server = auto::Builder::new(TokioExecutor::new());
                match tls {
                    None => {
                        let _ = server.serve_connection(TokioIo::new(tcp), svc).await;
                    }
                    Some(acceptor) => {
                        if let Ok(stream) = acceptor.accept(tcp).await {
                            let _ = server.serve_connection(TokioIo::new(stream), svc).await;
                        }
                    }
                }
            });
        }
    });
    Server { addr, accepted }
}

/// Answers `METHOD /path?query HTTP/x` and, after a newline, the request body.
async fn echo(req: http::Request<Incoming>) -> http::Response<Body> {
    let line = format!(
        "{} {} {:?}\n",
        req.method(),
        req.uri().path_and_query().map_or("/", |p| p.as_str()),
        req.version()
    );
    let body = req.into_body().collect().await.unwrap().to_bytes();
    let mut out = line.into_bytes();
    out.extend_from_slice(&body);
    http::Response::new(Body::from(out))
}

async fn body_string(res: http::Response<Body>) -> String {
    let bytes = res.into_body().collect().await.unwrap();
    String::from_utf8(bytes.to_vec()).unwrap()
}

/// A free port with nothing listening on it.
async fn closed_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

/// Reads one request head from a raw socket.
async fn read_head(tcp: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if tcp.read(&mut byte).await.unwrap_or(0) == 0 {
            break;
        }
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head).into_owned()
}

#[tokio::test]
async fn get_and_put_round_trip() {
    bounded(async {
        let server = serve(None, echo).await;
        let client = client();

        let res = send(
            &client,
            request("GET", &server.url("/a?b=c"), Body::empty()),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(res.version(), http::Version::HTTP_11);
        assert_eq!(body_string(res).await, "GET /a?b=c HTTP/1.1\n");

        let res = send(
            &client,
            request("PUT", &server.url("/k"), Body::from("hello")),
        )
        .await
        .unwrap();
        assert_eq!(body_string(res).await, "PUT /k HTTP/1.1\nhello");
    })
    .await;
}

#[tokio::test]
async fn streaming_request_body_from_a_file_arrives_intact() {
    bounded(async {
        let seen_length = Arc::new(Mutex::new(None));
        let seen = seen_length.clone();
        let server = serve(None, move |req: http::Request<Incoming>| {
            let seen = seen.clone();
            async move {
                *seen.lock().unwrap() = req.headers().get("content-length").cloned();
                let body = req.into_body().collect().await.unwrap().to_bytes();
                http::Response::new(Body::from(body))
            }
        })
        .await;

        let dir = std::env::temp_dir().join(format!("zig-transport-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("upload.bin");
        let data: Vec<u8> = (0..1_500_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &data).unwrap();

        let body = Body::from_file(&path).await.unwrap();
        assert!(body.is_streaming());
        let res = send(&client(), request("PUT", &server.url("/upload"), body))
            .await
            .unwrap();
        let echoed = res.into_body().collect().await.unwrap();
        std::fs::remove_dir_all(&dir).unwrap();

        assert_eq!(echoed.len(), data.len());
        assert!(echoed == data, "the echoed bytes differ from the file");
        // The file's length is known, so it is sent with a content-length, not chunked.
        assert_eq!(
            seen_length
                .lock()
                .unwrap()
                .as_ref()
                .map(|v| v.to_str().unwrap().to_owned()),
            Some("1500000".to_owned())
        );
    })
    .await;
}

#[tokio::test]
async fn response_body_streams_before_the_server_finishes() {
    bounded(async {
        let (release_tx, release_rx) = tokio::sync::oneshot::channel::<()>();
        let release_rx = Arc::new(Mutex::new(Some(release_rx)));
        let server = serve(None, move |_req| {
            let release = release_rx.lock().unwrap().take();
            async move {
                let stream =
                    futures_util::stream::unfold((0u8, release), |(step, release)| async move {
                        match step {
                            0 => Some((
                                Ok::<_, BoxError>(Frame::data(Bytes::from("first,"))),
                                (1, release),
                            )),
                            1 => {
                                if let Some(rx) = release {
                                    let _ = rx.await;
                                }
                                Some((Ok(Frame::data(Bytes::from("second"))), (2, None)))
                            }
                            _ => None,
                        }
                    });
                http::Response::new(Body::from_stream(StreamBody::new(stream)))
            }
        })
        .await;

        let res = send(
            &client(),
            request("GET", &server.url("/stream"), Body::empty()),
        )
        .await
        .unwrap();
        let mut body = res.into_body();
        // The head and the first chunk arrive while the server still holds the rest back.
        let first = body.frame().await.unwrap().unwrap().into_data().unwrap();
        assert_eq!(first, "first,");
        release_tx.send(()).unwrap();
        let rest = body.collect().await.unwrap();
        assert_eq!(rest, "second");
    })
    .await;
}

#[tokio::test]
async fn sequential_requests_reuse_one_connection() {
    bounded(async {
        let server = serve(None, echo).await;
        let client = client();
        for i in 0..5 {
            let res = send(
                &client,
                request("GET", &server.url(&format!("/{i}")), Body::empty()),
            )
            .await
            .unwrap();
            assert_eq!(body_string(res).await, format!("GET /{i} HTTP/1.1\n"));
        }
        assert_eq!(server.accepted.load(Ordering::SeqCst), 1);
    })
    .await;
}

#[tokio::test]
async fn refused_connection_is_a_connect_error() {
    bounded(async {
        let addr = closed_port().await;
        let err = send(
            &client(),
            request("GET", &format!("http://{addr}/"), Body::empty()),
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Transport);
        assert_eq!(err.transport_kind(), Some(TransportErrorKind::Connect));
        let message = err.to_string();
        assert!(
            message.contains(&format!("could not connect to {addr}")),
            "{message}"
        );
    })
    .await;
}

#[tokio::test]
async fn relative_uri_is_a_construction_error() {
    bounded(async {
        let err = send(&client(), request("GET", "/bucket/key", Body::empty()))
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Construction);
        assert!(err.to_string().contains("is not absolute"), "{err}");
    })
    .await;
}

/// A server that accepts connections and reads, but never writes a byte.
async fn silent_server() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut tcp, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut buf = [0u8; 4096];
                while tcp.read(&mut buf).await.unwrap_or(0) > 0 {}
            });
        }
    });
    addr
}

#[tokio::test]
async fn read_timeout_fires_when_the_server_never_answers() {
    bounded(async {
        let addr = silent_server().await;
        let client = builder()
            .read_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let start = Instant::now();
        let err = send(
            &client,
            request("GET", &format!("http://{addr}/"), Body::empty()),
        )
        .await
        .unwrap_err();
        let elapsed = start.elapsed();
        assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
        assert!(err.to_string().contains("within 300ms"), "{err}");
        assert!(elapsed >= Duration::from_millis(300), "{elapsed:?}");
        assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    })
    .await;
}

#[tokio::test]
async fn read_timeout_does_not_count_a_slow_upload() {
    bounded(async {
        let server = serve(None, echo).await;
        let client = builder()
            .read_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        // Six chunks, 100 ms apart: the upload takes twice the read timeout.
        let chunks = futures_util::stream::unfold(0u8, |i| async move {
            if i == 6 {
                return None;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            Some((
                Ok::<_, BoxError>(Frame::data(Bytes::from_static(b"x"))),
                i + 1,
            ))
        });
        let body = Body::from_stream(StreamBody::new(chunks));
        let res = send(&client, request("PUT", &server.url("/slow"), body))
            .await
            .unwrap();
        assert_eq!(body_string(res).await, "PUT /slow HTTP/1.1\nxxxxxx");
    })
    .await;
}

#[tokio::test]
async fn connect_timeout_covers_the_tls_handshake() {
    bounded(async {
        // TCP connects, but the server never answers the TLS ClientHello.
        let addr = silent_server().await;
        let client = builder()
            .connect_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let start = Instant::now();
        let err = send(
            &client,
            request("GET", &format!("https://{addr}/"), Body::empty()),
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
        assert!(err.to_string().contains("could not connect to"), "{err}");
        assert!(start.elapsed() < Duration::from_secs(3));
    })
    .await;
}

#[tokio::test]
async fn server_closing_mid_body_is_an_io_error_when_reading_the_body() {
    bounded(async {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            let (mut tcp, _) = listener.accept().await.unwrap();
            read_head(&mut tcp).await;
            tcp.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\npartial")
                .await
                .unwrap();
            // Dropping the socket closes it 93 bytes short.
        });
        let res = send(
            &client(),
            request("GET", &format!("http://{addr}/"), Body::empty()),
        )
        .await
        .unwrap();
        assert_eq!(res.status(), 200);
        let err = res.into_body().collect().await.unwrap_err();
        let err = err
            .downcast::<SdkError>()
            .expect("body errors are SdkErrors");
        assert_eq!(err.transport_kind(), Some(TransportErrorKind::Io), "{err}");
        assert!(
            err.to_string().contains("reading the response body"),
            "{err}"
        );
    })
    .await;
}

#[tokio::test]
async fn http2_prior_knowledge_speaks_h2c() {
    bounded(async {
        let server = serve(None, echo).await;
        let h2 = builder().http2_prior_knowledge().build().unwrap();
        let res = send(&h2, request("POST", &server.url("/h2"), Body::from("body")))
            .await
            .unwrap();
        assert_eq!(res.version(), http::Version::HTTP_2);
        assert_eq!(body_string(res).await, "POST /h2 HTTP/2.0\nbody");

        // Without it, plain http stays on HTTP/1.1.
        let res = send(&client(), request("GET", &server.url("/h1"), Body::empty()))
            .await
            .unwrap();
        assert_eq!(res.version(), http::Version::HTTP_11);
    })
    .await;
}

#[tokio::test]
async fn read_timeout_applies_over_http2() {
    bounded(async {
        let server = serve(None, |req: http::Request<Incoming>| async move {
            if req.uri().path() == "/slow" {
                tokio::time::sleep(Duration::from_secs(3)).await;
            }
            http::Response::new(Body::from("done"))
        })
        .await;
        let client = builder()
            .http2_prior_knowledge()
            .read_timeout(Duration::from_millis(300))
            .build()
            .unwrap();
        let res = send(&client, request("GET", &server.url("/fast"), Body::empty()))
            .await
            .unwrap();
        assert_eq!(body_string(res).await, "done");
        let start = Instant::now();
        let err = send(
            &client,
            request("POST", &server.url("/slow"), Body::from("x")),
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
        assert!(start.elapsed() < Duration::from_secs(2));
    })
    .await;
}

// ---- proxies ----------------------------------------------------------------------------

/// What a proxy stub saw: the request target (or CONNECT line) and `Proxy-Authorization`.
type Sighting = (String, Option<String>);

#[derive(Clone, Default)]
struct Seen(Arc<Mutex<Vec<Sighting>>>);

impl Seen {
    fn take(&self) -> Vec<Sighting> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }
}

/// A forward proxy stub: records the request target and `Proxy-Authorization`, and answers
/// itself instead of forwarding.
async fn forward_proxy() -> (Server, Seen) {
    let seen = Seen::default();
    let record = seen.clone();
    let server = serve(None, move |req: http::Request<Incoming>| {
        let record = record.clone();
        async move {
            let auth = req
                .headers()
                .get("proxy-authorization")
                .map(|v| v.to_str().unwrap().to_owned());
            record.0.lock().unwrap().push((req.uri().to_string(), auth));
            http::Response::new(Body::from("from the proxy"))
        }
    })
    .await;
    (server, seen)
}

#[tokio::test]
async fn http_targets_go_to_the_proxy_in_absolute_form() {
    bounded(async {
        let (proxy, seen) = forward_proxy().await;
        let proxy_url = format!("http://user:pw@{}", proxy.addr);
        let proxies = ProxyConfig::from_env_with(move |name| {
            (name == "HTTP_PROXY").then(|| proxy_url.clone())
        });
        let client = HyperTransport::builder().proxy(proxies).build().unwrap();
        // The target host does not resolve: only the proxy is contacted.
        let res = send(
            &client,
            request(
                "GET",
                "http://origin.invalid:8080/bucket?list-type=2",
                Body::empty(),
            ),
        )
        .await
        .unwrap();
        assert_eq!(body_string(res).await, "from the proxy");
        assert_eq!(
            seen.take(),
            vec![(
                "http://origin.invalid:8080/bucket?list-type=2".to_owned(),
                Some("Basic dXNlcjpwdw==".to_owned())
            )]
        );
    })
    .await;
}

#[tokio::test]
async fn no_proxy_hosts_connect_directly() {
    bounded(async {
        let (proxy, seen) = forward_proxy().await;
        let origin = serve(None, echo).await;
        let proxy_url = format!("http://{}", proxy.addr);
        let proxies = ProxyConfig::from_env_with(move |name| match name {
            "http_proxy" => Some(proxy_url.clone()),
            "NO_PROXY" => Some("localhost,127.0.0.0/8".to_owned()),
            _ => None,
        });
        let client = HyperTransport::builder().proxy(proxies).build().unwrap();
        let res = send(
            &client,
            request("GET", &origin.url("/direct"), Body::empty()),
        )
        .await
        .unwrap();
        assert_eq!(body_string(res).await, "GET /direct HTTP/1.1\n");
        assert!(seen.take().is_empty());
    })
    .await;
}

/// A CONNECT proxy stub: records the CONNECT line, then splices the client to the target.
async fn connect_proxy() -> (SocketAddr, Seen) {
    let seen = Seen::default();
    let record = seen.clone();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let record = record.clone();
            tokio::spawn(async move {
                let head = read_head(&mut client).await;
                let line = head.lines().next().unwrap_or_default().to_owned();
                let target = line.split(' ').nth(1).unwrap_or_default().to_owned();
                record.0.lock().unwrap().push((line, None));
                let Ok(mut upstream) = TcpStream::connect(&target).await else {
                    let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n").await;
                    return;
                };
                let _ = client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await;
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (addr, seen)
}

// ---- TLS ----------------------------------------------------------------------------------

struct Tls {
    acceptor: tokio_rustls::TlsAcceptor,
    ca_pem: String,
}

/// A self-signed certificate for 127.0.0.1 and localhost, and a server config offering h2 and
/// http/1.1.
fn tls() -> Tls {
    let certified =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned(), "localhost".to_owned()])
            .unwrap();
    let cert = certified.cert.der().clone();
    let key = rustls::pki_types::PrivateKeyDer::Pkcs8(certified.signing_key.serialize_der().into());
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(vec![cert], key)
        .unwrap();
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Tls {
        acceptor: tokio_rustls::TlsAcceptor::from(Arc::new(config)),
        ca_pem: certified.cert.pem(),
    }
}

#[tokio::test]
async fn https_with_a_custom_ca_negotiates_h2() {
    bounded(async {
        let tls = tls();
        let server = serve(Some(tls.acceptor), echo).await;
        let client = builder().ca_bundle_pem(&tls.ca_pem).build().unwrap();
        let url = format!("https://{}/secure", server.addr);
        let res = send(&client, request("PUT", &url, Body::from("sealed")))
            .await
            .unwrap();
        assert_eq!(res.version(), http::Version::HTTP_2);
        assert_eq!(body_string(res).await, "PUT /secure HTTP/2.0\nsealed");

        // HTTP/1.1 only: ALPN offers nothing else.
        let h1 = builder()
            .ca_bundle_pem(&tls.ca_pem)
            .http1_only()
            .build()
            .unwrap();
        let res = send(&h1, request("GET", &url, Body::empty()))
            .await
            .unwrap();
        assert_eq!(res.version(), http::Version::HTTP_11);
    })
    .await;
}

#[tokio::test]
async fn ca_bundle_file_is_read_at_build() {
    bounded(async {
        let tls = tls();
        let server = serve(Some(tls.acceptor), echo).await;
        let dir = std::env::temp_dir().join(format!("zig-ca-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("ca.pem");
        std::fs::write(&path, &tls.ca_pem).unwrap();
        let client = builder().ca_bundle(&path).build().unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        let url = format!("https://localhost:{}/file", server.addr.port());
        let res = send(&client, request("GET", &url, Body::empty()))
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
    })
    .await;
}

#[tokio::test]
async fn unknown_certificate_authority_is_a_tls_error() {
    bounded(async {
        let server = serve(Some(tls().acceptor), echo).await;
        let url = format!("https://{}/", server.addr);
        let client = builder().build().unwrap();
        let err = send(&client, request("GET", &url, Body::empty()))
            .await
            .unwrap_err();
        assert_eq!(err.transport_kind(), Some(TransportErrorKind::Tls), "{err}");
        assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    })
    .await;
}

#[test]
fn missing_or_garbage_ca_bundle_is_a_build_error() {
    let err = builder()
        .ca_bundle("/no/such/dir/ca.pem")
        .build()
        .unwrap_err();
    assert!(
        err.to_string()
            .starts_with("could not read the CA bundle /no/such/dir/ca.pem"),
        "{err}"
    );
    assert!(std::error::Error::source(&err).is_some());

    let dir = std::env::temp_dir().join(format!("zig-bad-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("garbage.pem");
    std::fs::write(&path, b"this is not PEM").unwrap();
    let err = builder().ca_bundle(&path).build().unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(
        err.to_string().contains("contains no PEM certificate"),
        "{err}"
    );
}

#[tokio::test]
async fn https_targets_are_tunnelled_through_connect() {
    bounded(async {
        let tls = tls();
        let origin = serve(Some(tls.acceptor), echo).await;
        let (proxy, seen) = connect_proxy().await;
        let client = HyperTransport::builder()
            .proxy(ProxyConfig::new().https_proxy(format!("http://{proxy}")))
            .ca_bundle_pem(&tls.ca_pem)
            .build()
            .unwrap();
        let url = format!("https://{}/tunnelled", origin.addr);
        let res = send(&client, request("GET", &url, Body::empty()))
            .await
            .unwrap();
        // TLS is end to end: the origin sees an origin-form request over h2.
        assert_eq!(body_string(res).await, "GET /tunnelled HTTP/2.0\n");
        assert_eq!(
            seen.take(),
            vec![(format!("CONNECT {} HTTP/1.1", origin.addr), None)]
        );
    })
    .await;
}

#[tokio::test]
async fn silent_proxy_hits_the_connect_timeout() {
    bounded(async {
        let proxy = silent_server().await;
        let client = HyperTransport::builder()
            .proxy(ProxyConfig::new().https_proxy(format!("http://{proxy}")))
            .connect_timeout(Duration::from_millis(200))
            .build()
            .unwrap();
        let err = send(
            &client,
            request("GET", "https://origin.invalid/", Body::empty()),
        )
        .await
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Timeout, "{err}");
    })
    .await;
}
