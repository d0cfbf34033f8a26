//! S3 Express One Zone session auth against a loopback directory-bucket server: no real S3
//! Express server runs locally (s3s accepts only the `s3` and `sts` signing names), so the
//! server here is the test's own, and it checks each request's SigV4 signature with an
//! implementation of its own (not ziggurat's signer). `CreateSession` must be signed with the
//! caller's credentials (their session token in `x-amz-security-token`); object calls with the
//! session's, its token in `x-amz-s3session-token` and no other token.
use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use hmac::{Hmac, Mac};
use http_body_util::{BodyExt, Full};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use sha2::{Digest, Sha256};
use ziggurat::prelude::*;

const BASE_KEY: &str = "AKIDEXPRESSBASE";
const BASE_SECRET: &str = "base/secret+key";
const BASE_TOKEN: &str = "base-session-token";
const BUCKET: &str = "data--usw2-az1--x-s3";

/// What one request to the server was signed with.
#[derive(Debug, Clone, PartialEq)]
struct Seen {
    method: String,
    path: String,
    access_key: String,
    service: String,
    security_token: Option<String>,
    s3session_token: Option<String>,
}

#[derive(Default)]
struct State {
    /// Session access key → (secret, token, bucket).
    sessions: HashMap<String, (String, String, String)>,
    objects: HashMap<String, Bytes>,
    seen: Vec<Seen>,
    /// How long a new session lives.
    lifetime: Option<Duration>,
}

struct ExpressServer {
    url: String,
    state: Arc<Mutex<State>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for ExpressServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl ExpressServer {
    async fn start(lifetime: Duration) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let state = Arc::new(Mutex::new(State {
            lifetime: Some(lifetime),
            ..State::default()
        }));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((sock, _)) = listener.accept().await {
                let state = shared.clone();
                let svc = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    let state = state.clone();
                    async move {
                        let (parts, body) = req.into_parts();
                        let body = body
                            .collect()
                            .await
                            .map(|b| b.to_bytes())
                            .unwrap_or_default();
                        let (status, out) = match handle(&state, &parts, &body) {
                            Ok(out) => (200, out),
                            Err(why) => (
                                403,
                                Bytes::from(format!(
                                    "<Error><Code>AccessDenied</Code><Message>{why}</Message></Error>"
                                )),
                            ),
                        };
                        let mut res = http::Response::new(Full::new(out));
                        *res.status_mut() = http::StatusCode::from_u16(status).unwrap();
                        Ok::<_, Infallible>(res)
                    }
                });
                tokio::spawn(async move {
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(sock), svc)
                        .await;
                });
            }
        });
        ExpressServer { url, state, task }
    }

    fn seen(&self) -> Vec<Seen> {
        self.state.lock().unwrap().seen.clone()
    }

    fn sessions_created(&self) -> usize {
        self.seen()
            .iter()
            .filter(|s| s.path.ends_with("?session"))
            .count()
    }
}

/// Checks the signature, then serves `CreateSession`, `PutObject` and `GetObject`.
fn handle(
    state: &Mutex<State>,
    parts: &http::request::Parts,
    body: &[u8],
) -> Result<Bytes, String> {
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let query_param = |name: &str| {
        parts.uri.query().unwrap_or("").split('&').find_map(|kv| {
            kv.strip_prefix(name)
                .and_then(|v| v.strip_prefix('='))
                .map(percent_decode)
        })
    };
    // Signed in the headers, or presigned in the query.
    let presigned = header("authorization").is_none();
    let (credential, signed_headers, signature, amz_date, payload_hash) = if presigned {
        (
            query_param("X-Amz-Credential").ok_or("not signed")?,
            query_param("X-Amz-SignedHeaders").ok_or("no X-Amz-SignedHeaders")?,
            query_param("X-Amz-Signature").ok_or("no X-Amz-Signature")?,
            query_param("X-Amz-Date").ok_or("no X-Amz-Date")?,
            "UNSIGNED-PAYLOAD".to_owned(),
        )
    } else {
        let auth = header("authorization").unwrap_or_default();
        let fields = auth.strip_prefix("AWS4-HMAC-SHA256 ").ok_or("not SigV4")?;
        let field = |name: &str| {
            fields
                .split(", ")
                .find_map(|f| f.strip_prefix(name))
                .map(str::to_owned)
                .ok_or(format!("no {name}"))
        };
        (
            field("Credential=")?,
            field("SignedHeaders=")?,
            field("Signature=")?,
            header("x-amz-date").ok_or("no x-amz-date")?,
            header("x-amz-content-sha256").ok_or("no x-amz-content-sha256")?,
        )
    };
    let security_token = header("x-amz-security-token").or(query_param("X-Amz-Security-Token"));
    let s3session_token = header("x-amz-s3session-token").or(query_param("X-Amz-S3session-Token"));
    let scope: Vec<&str> = credential.split('/').collect();
    let [access_key, date, region, service, "aws4_request"] = scope[..] else {
        return Err(format!("bad credential {credential}"));
    };
    let path = parts.uri.path_and_query().unwrap().as_str().to_owned();
    let is_session = parts.uri.query() == Some("session");
    let mut st = state.lock().unwrap();
    st.seen.push(Seen {
        method: parts.method.to_string(),
        path: path.clone(),
        access_key: access_key.to_owned(),
        service: service.to_owned(),
        security_token: security_token.clone(),
        s3session_token: s3session_token.clone(),
    });
    // Which secret signed it, and which token must come with it.
    let secret = if access_key == BASE_KEY {
        if security_token.as_deref() != Some(BASE_TOKEN) {
            return Err("the base credentials' token is missing".into());
        }
        BASE_SECRET.to_owned()
    } else {
        let (secret, token, bucket) = st
            .sessions
            .get(access_key)
            .cloned()
            .ok_or("unknown session key")?;
        if is_session {
            return Err("CreateSession signed with a session".into());
        }
        if s3session_token.as_deref() != Some(token.as_str()) || security_token.is_some() {
            return Err("the session token is not in x-amz-s3session-token alone".into());
        }
        if !parts.uri.path().starts_with(&format!("/{bucket}/")) {
            return Err("a session of another bucket".into());
        }
        secret
    };
    if payload_hash != "UNSIGNED-PAYLOAD" && payload_hash != hex::encode(Sha256::digest(body)) {
        return Err("payload hash mismatch".into());
    }
    let mut query: Vec<String> = parts
        .uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter(|q| !q.is_empty() && !q.starts_with("X-Amz-Signature="))
        .map(|q| {
            if q.contains('=') {
                q.to_owned()
            } else {
                format!("{q}=")
            }
        })
        .collect();
    query.sort();
    let mut canonical = format!(
        "{}\n{}\n{}\n",
        parts.method,
        parts.uri.path(),
        query.join("&")
    );
    for name in signed_headers.split(';') {
        let value = header(name).ok_or(format!("signed header {name} missing"))?;
        canonical.push_str(&format!("{name}:{}\n", value.trim()));
    }
    canonical.push_str(&format!("\n{signed_headers}\n{payload_hash}"));
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{date}/{region}/{service}/aws4_request\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mac = |key: &[u8], data: &str| {
        let mut m = Hmac::<Sha256>::new_from_slice(key).unwrap();
        m.update(data.as_bytes());
        m.finalize().into_bytes().to_vec()
    };
    let mut key = mac(format!("AWS4{secret}").as_bytes(), date);
    for part in [region, service, "aws4_request"] {
        key = mac(&key, part);
    }
    if hex::encode(mac(&key, &string_to_sign)) != signature {
        return Err(format!("signature mismatch for\n{canonical}"));
    }
    if service != "s3express" {
        return Err(format!("signed for {service}"));
    }

    let bucket_and_key = parts.uri.path().trim_start_matches('/').to_owned();
    if is_session {
        let n = st.sessions.len() + 1;
        let (key, secret, token) = (
            format!("ASIASESSION{n}"),
            format!("session-secret-{n}"),
            format!("session-token-{n}"),
        );
        let bucket = bucket_and_key.trim_end_matches('/').to_owned();
        st.sessions
            .insert(key.clone(), (secret.clone(), token.clone(), bucket));
        let expires = ziggurat::schema::DateTime::from(
            SystemTime::now() + st.lifetime.unwrap_or(Duration::from_secs(300)),
        );
        return Ok(Bytes::from(format!(
            "<CreateSessionResult><Credentials><SessionToken>{token}</SessionToken>\
             <SecretAccessKey>{secret}</SecretAccessKey><AccessKeyId>{key}</AccessKeyId>\
             <Expiration>{}</Expiration></Credentials></CreateSessionResult>",
            expires
        )));
    }
    match parts.method {
        http::Method::PUT => {
            st.objects
                .insert(bucket_and_key, Bytes::copy_from_slice(body));
            Ok(Bytes::new())
        }
        http::Method::GET => st
            .objects
            .get(&bucket_and_key)
            .cloned()
            .ok_or_else(|| "no such key".to_owned()),
        _ => Err("not served here".into()),
    }
}

/// `%XX` escapes decoded (the test's own values are ASCII).
fn percent_decode(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], bytes.get(i + 1..i + 3)) {
            (b'%', Some(hex)) => {
                out.push(u8::from_str_radix(std::str::from_utf8(hex).unwrap(), 16).unwrap());
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8(out).unwrap()
}

fn client(
    server: &ExpressServer,
    edit: impl FnOnce(ziggurat::s3::Config) -> ziggurat::s3::Config,
) -> ziggurat::s3::Client {
    let sdk = SdkConfig::builder()
        .region(Region::from_static("us-west-2"))
        .credentials(Credentials::new(
            BASE_KEY,
            BASE_SECRET,
            Some(BASE_TOKEN.to_owned()),
        ))
        .endpoint_url(&server.url)
        .build();
    ziggurat::s3::Client::from_conf(edit(ziggurat::s3::Config::new(&sdk)))
}

async fn put_get(s3: &ziggurat::s3::Client, bucket: &str, key: &str, body: &'static str) {
    let got = crate::support::s3_server::s3_put_and_get(
        s3,
        bucket,
        key,
        ziggurat::body::Body::from(body),
    )
    .await;
    assert_eq!(got, body.as_bytes());
}

/// One `CreateSession` (signed with the caller's credentials and token) serves every call to
/// the bucket; the object calls are signed with the session, its token in
/// `x-amz-s3session-token`; another bucket gets a session of its own.
#[tokio::test]
async fn a_directory_bucket_is_called_with_its_session() {
    let server = ExpressServer::start(Duration::from_secs(300)).await;
    let s3 = client(&server, |c| c);
    put_get(&s3, BUCKET, "a", "first").await;
    put_get(&s3, BUCKET, "b", "second").await;
    let seen = server.seen();
    assert_eq!(server.sessions_created(), 1, "{seen:#?}");
    let create = &seen[0];
    assert_eq!(create.path, format!("/{BUCKET}?session"));
    assert_eq!(
        (
            create.access_key.as_str(),
            create.security_token.as_deref(),
            create.s3session_token.as_deref()
        ),
        (BASE_KEY, Some(BASE_TOKEN), None)
    );
    for call in &seen[1..] {
        assert_eq!(call.access_key, "ASIASESSION1", "{call:?}");
        assert_eq!(call.s3session_token.as_deref(), Some("session-token-1"));
        assert_eq!(call.security_token, None);
        assert_eq!(call.service, "s3express");
    }
    assert_eq!(seen.len(), 5);

    put_get(&s3, "logs--usw2-az1--x-s3", "c", "third").await;
    assert_eq!(server.sessions_created(), 2);
    assert_eq!(server.seen().last().unwrap().access_key, "ASIASESSION2");
}

/// A session with less than a minute left is renewed before it is used.
#[tokio::test]
async fn a_session_about_to_expire_is_renewed() {
    let server = ExpressServer::start(Duration::from_secs(30)).await;
    let s3 = client(&server, |c| c);
    put_get(&s3, BUCKET, "a", "x").await;
    assert_eq!(server.sessions_created(), 2, "{:#?}", server.seen());
    assert_eq!(server.seen().last().unwrap().access_key, "ASIASESSION2");
}

/// With session auth turned off, every call is plain SigV4 for `s3express` with the caller's
/// own credentials, and no session is created.
#[tokio::test]
async fn session_auth_can_be_turned_off() {
    let server = ExpressServer::start(Duration::from_secs(300)).await;
    let s3 = client(&server, |c| c.disable_s3_express_session_auth(true));
    put_get(&s3, BUCKET, "a", "plain").await;
    let seen = server.seen();
    assert_eq!(server.sessions_created(), 0);
    assert_eq!(seen.len(), 2, "{seen:#?}");
    for call in &seen {
        assert_eq!(
            (
                call.access_key.as_str(),
                call.service.as_str(),
                call.s3session_token.as_deref()
            ),
            (BASE_KEY, "s3express", None)
        );
    }
}

/// A failed `CreateSession` fails the call with a message that names the bucket, and the
/// session's secrets never show in `Debug` of the client's identity.
#[tokio::test]
async fn a_refused_session_is_a_clear_error() {
    let server = ExpressServer::start(Duration::from_secs(300)).await;
    let sdk = SdkConfig::builder()
        .region(Region::from_static("us-west-2"))
        .credentials(Credentials::new(
            BASE_KEY,
            "wrong secret",
            Some(BASE_TOKEN.to_owned()),
        ))
        .endpoint_url(&server.url)
        .build();
    let s3 = ziggurat::s3::Client::new(&sdk);
    let err = s3
        .get_object()
        .bucket(BUCKET)
        .key("a")
        .send()
        .await
        .unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(
        text.contains(&format!(
            "could not create an S3 Express session for bucket `{BUCKET}`"
        )),
        "{text}"
    );
    assert!(!text.contains("wrong secret"), "{text}");
    assert_eq!(server.sessions_created(), 1);
    assert_eq!(server.seen().len(), 1, "the object call was never sent");
}

/// A presigned URL for a directory bucket carries the session's token in
/// `X-Amz-S3session-Token` (and no other token), and the server accepts it.
#[tokio::test]
async fn a_presigned_url_uses_the_session() {
    let server = ExpressServer::start(Duration::from_secs(300)).await;
    let s3 = client(&server, |c| c);
    put_get(&s3, BUCKET, "shared", "presigned body").await;
    let presigned = s3
        .presigned()
        .get_object(
            ziggurat::s3::GetObjectInput {
                bucket: BUCKET.into(),
                key: "shared".into(),
                ..Default::default()
            },
            ziggurat::s3::PresigningConfig::expires_in(Duration::from_secs(60)).unwrap(),
        )
        .await
        .unwrap();
    let url = presigned.uri().to_string();
    assert!(
        url.contains("X-Amz-S3session-Token=session-token-"),
        "{url}"
    );
    assert!(!url.contains("X-Amz-Security-Token"), "{url}");
    assert!(!format!("{presigned:?}").contains("session-token-"));
    let http = ziggurat::transport::HttpClient::default();
    let res = tower::ServiceExt::oneshot(
        http,
        presigned.to_http_request(ziggurat::body::Body::empty()),
    )
    .await
    .unwrap();
    let status = res.status();
    let body = res.into_body().collect().await.unwrap();
    assert_eq!(
        (status, &body[..]),
        (http::StatusCode::OK, &b"presigned body"[..]),
        "{body:?}"
    );
    let last = server.seen().last().cloned().unwrap();
    assert!(last.access_key.starts_with("ASIASESSION"), "{last:?}");
}

/// A call sent elsewhere (its own endpoint) asks that endpoint for its session too.
#[tokio::test]
async fn the_session_is_asked_for_where_the_call_goes() {
    let (home, elsewhere) = (
        ExpressServer::start(Duration::from_secs(300)).await,
        ExpressServer::start(Duration::from_secs(300)).await,
    );
    let s3 = client(&home, |c| c);
    s3.put_object()
        .bucket(BUCKET)
        .key("k")
        .body(ziggurat::body::Body::from("routed"))
        .customize(|o| o.endpoint_url(elsewhere.url.clone()))
        .send()
        .await
        .unwrap();
    assert!(home.seen().is_empty(), "{:#?}", home.seen());
    assert_eq!(elsewhere.sessions_created(), 1);
    assert_eq!(elsewhere.seen().len(), 2);
}
