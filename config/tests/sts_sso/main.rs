//! The STS and SSO credential providers against real peers: moto server's STS at
//! `$ZIGGURAT_MOTO_URL` (assume role, chains, MFA, web identity), and a loopback HTTP server
//! playing SSO and SSO-OIDC.
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use http::HeaderMap;
use tower::ServiceExt;
use ziggurat_config::provider::{
    AssumeRoleProvider, SsoCredentialsProvider, SsoTokenProvider, WebIdentityTokenProvider,
};
use ziggurat_config::{Env, Fs};
use ziggurat_core::body::Body;
use ziggurat_core::config::SdkConfig;
use ziggurat_core::context::Region;
use ziggurat_core::credentials::{Credentials, ProvideCredentials};
use ziggurat_core::transport::{HttpClient, HyperTransport};

const ACCOUNT: &str = "123456789012";

fn moto_url(test: &str) -> Option<String> {
    match std::env::var("ZIGGURAT_MOTO_URL") {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {test} needs moto server at $ZIGGURAT_MOTO_URL"
            );
            None
        }
    }
}

/// What a recording transport saw of one request.
#[derive(Clone, Debug)]
struct Sent {
    headers: HeaderMap,
    body: String,
}

/// A transport that records every request's headers and body, then sends it on.
#[derive(Clone, Default)]
struct Recorder {
    sent: Arc<Mutex<Vec<Sent>>>,
}

impl Recorder {
    fn http_client(&self) -> HttpClient {
        let inner = HyperTransport::builder()
            .build()
            .expect("the default transport builds");
        let sent = self.sent.clone();
        HttpClient::from_service(tower::service_fn(move |req: http::Request<Body>| {
            let body = req
                .body()
                .bytes()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default();
            sent.lock().unwrap().push(Sent {
                headers: req.headers().clone(),
                body,
            });
            let inner = inner.clone().into_service();
            async move { inner.oneshot(req).await }
        }))
    }

    fn sent(&self) -> Vec<Sent> {
        self.sent.lock().unwrap().clone()
    }
}

fn base_config(url: &str, recorder: &Recorder) -> SdkConfig {
    SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .endpoint_url(url)
        .http_client(recorder.http_client())
        .build()
}

fn static_source() -> Credentials {
    Credentials::new("AKIDSOURCE", "source-secret", None)
}

fn role(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT}:role/{name}")
}

/// `Param=value` of a form-encoded body, decoded enough for the values used here.
fn form_value(body: &str, key: &str) -> Option<String> {
    body.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=')?;
        (k == key).then(|| v.replace("%3A", ":").replace("%2F", "/"))
    })
}

#[tokio::test]
async fn assume_role_from_static_source_gives_expiring_credentials_with_account() {
    let Some(url) = moto_url("assume role from a static source") else {
        return;
    };
    let recorder = Recorder::default();
    let provider = AssumeRoleProvider::builder(role("demo"))
        .source(static_source())
        .sdk_config(&base_config(&url, &recorder))
        .session_name("static-test")
        .external_id("ext-123")
        .duration_seconds(900)
        .build()
        .unwrap();
    let creds = provider.provide_credentials().await.unwrap();
    assert!(!creds.access_key_id().is_empty());
    assert_ne!(creds.access_key_id(), "AKIDSOURCE");
    assert!(creds.session_token().is_some());
    assert!(creds.expiry().is_some());
    assert_eq!(creds.account_id(), Some(ACCOUNT));

    let sent = recorder.sent();
    assert_eq!(sent.len(), 1);
    let body = &sent[0].body;
    assert_eq!(form_value(body, "Action").as_deref(), Some("AssumeRole"));
    assert_eq!(
        form_value(body, "RoleSessionName").as_deref(),
        Some("static-test")
    );
    assert_eq!(form_value(body, "ExternalId").as_deref(), Some("ext-123"));
    assert_eq!(form_value(body, "DurationSeconds").as_deref(), Some("900"));
    // Signed with the source credentials.
    let auth = sent[0].headers["authorization"].to_str().unwrap();
    assert!(auth.contains("Credential=AKIDSOURCE/"), "{auth}");
}

#[tokio::test]
async fn a_chain_of_two_roles_signs_the_second_call_with_the_first_role() {
    let Some(url) = moto_url("a chain of two roles") else {
        return;
    };
    let recorder = Recorder::default();
    let config = base_config(&url, &recorder);
    let first = AssumeRoleProvider::builder(role("first"))
        .source(static_source())
        .sdk_config(&config)
        .session_name("first-hop")
        .build()
        .unwrap();
    let second = AssumeRoleProvider::builder(role("second"))
        .source(ziggurat_core::credentials::SharedCredentialsProvider::new(
            first,
        ))
        .sdk_config(&config)
        .session_name("second-hop")
        .build()
        .unwrap();
    let creds = second.provide_credentials().await.unwrap();
    assert_eq!(creds.account_id(), Some(ACCOUNT));

    let sent = recorder.sent();
    assert_eq!(sent.len(), 2, "{sent:?}");
    assert!(sent[0].body.contains("role%2Ffirst") || sent[0].body.contains("role/first"));
    assert!(sent[1].body.contains("role%2Fsecond") || sent[1].body.contains("role/second"));
    let first_auth = sent[0].headers["authorization"].to_str().unwrap();
    let second_auth = sent[1].headers["authorization"].to_str().unwrap();
    assert!(
        first_auth.contains("Credential=AKIDSOURCE/"),
        "{first_auth}"
    );
    assert!(!second_auth.contains("AKIDSOURCE"), "{second_auth}");
    assert!(sent[1].headers.contains_key("x-amz-security-token"));
}

#[tokio::test]
async fn mfa_codes_come_from_the_token_provider_on_every_refresh() {
    let Some(url) = moto_url("assume role with MFA") else {
        return;
    };
    let recorder = Recorder::default();
    let calls = Arc::new(AtomicUsize::new(0));
    let counted = calls.clone();
    let provider = AssumeRoleProvider::builder(role("mfa"))
        .source(static_source())
        .sdk_config(&base_config(&url, &recorder))
        .mfa_serial(format!("arn:aws:iam::{ACCOUNT}:mfa/alice"))
        .mfa_token_provider(move |serial: &str| {
            let n = counted.fetch_add(1, Ordering::SeqCst);
            let serial = serial.to_owned();
            async move {
                assert!(serial.ends_with("mfa/alice"), "{serial}");
                Ok(format!("{:06}", 987_650 + n))
            }
        })
        .build()
        .unwrap();
    provider.provide_credentials().await.unwrap();
    provider.provide_credentials().await.unwrap();
    assert_eq!(calls.load(Ordering::SeqCst), 2);

    let sent = recorder.sent();
    assert_eq!(sent.len(), 2);
    for (i, s) in sent.iter().enumerate() {
        assert_eq!(
            form_value(&s.body, "SerialNumber").as_deref(),
            Some("arn:aws:iam::123456789012:mfa/alice")
        );
        let code = format!("{:06}", 987_650 + i);
        assert_eq!(form_value(&s.body, "TokenCode"), Some(code));
    }
    assert!(!format!("{provider:?}").contains("98765"));
}

#[tokio::test]
async fn concurrent_refreshes_call_the_mfa_token_provider_one_at_a_time() {
    let Some(url) = moto_url("assume role with MFA, concurrently") else {
        return;
    };
    let recorder = Recorder::default();
    let active = Arc::new(AtomicUsize::new(0));
    let most = Arc::new(AtomicUsize::new(0));
    let (a, m) = (active.clone(), most.clone());
    let provider = AssumeRoleProvider::builder(role("mfa"))
        .source(static_source())
        .sdk_config(&base_config(&url, &recorder))
        .mfa_serial("serial-1")
        .mfa_token_provider(move |_: &str| {
            let (a, m) = (a.clone(), m.clone());
            async move {
                let now = a.fetch_add(1, Ordering::SeqCst) + 1;
                m.fetch_max(now, Ordering::SeqCst);
                // Give the other fetch every chance to enter too.
                for _ in 0..10 {
                    tokio::task::yield_now().await;
                }
                a.fetch_sub(1, Ordering::SeqCst);
                Ok("111111".to_owned())
            }
        })
        .build()
        .unwrap();
    let (x, y) = tokio::join!(
        provider.provide_credentials(),
        provider.provide_credentials()
    );
    x.unwrap();
    y.unwrap();
    assert_eq!(most.load(Ordering::SeqCst), 1);
    assert_eq!(recorder.sent().len(), 2);
}

#[tokio::test]
async fn a_failing_mfa_token_provider_fails_the_fetch_without_calling_sts() {
    let recorder = Recorder::default();
    let provider = AssumeRoleProvider::builder(role("mfa"))
        .source(static_source())
        .sdk_config(&base_config("http://127.0.0.1:9", &recorder))
        .mfa_serial("serial-1")
        .mfa_token_provider(|_: &str| async { Err("the user cancelled".into()) })
        .build()
        .unwrap();
    let err = provider.provide_credentials().await.unwrap_err();
    let shown = err.to_string();
    assert!(
        shown.contains("MFA") && shown.contains("cancelled"),
        "{shown}"
    );
    assert!(recorder.sent().is_empty());
}

#[tokio::test]
async fn assume_role_errors_show_no_secrets() {
    // Nothing listens on port 9 of the loopback: the call fails in transport.
    let recorder = Recorder::default();
    let provider = AssumeRoleProvider::builder(role("r"))
        .source(Credentials::new(
            "AKID",
            "very-secret-key",
            Some("very-secret-token".into()),
        ))
        .sdk_config(&base_config("http://127.0.0.1:9", &recorder))
        .build()
        .unwrap();
    let err = provider.provide_credentials().await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("role/r"), "{shown}");
    assert!(
        !shown.contains("very-secret-key") && !shown.contains("very-secret-token"),
        "{shown}"
    );
}

#[tokio::test]
async fn web_identity_rereads_the_token_file_and_goes_unsigned() {
    let Some(url) = moto_url("assume role with web identity") else {
        return;
    };
    let recorder = Recorder::default();
    // Base credentials that must not be used: the call is unsigned.
    let config = base_config(&url, &recorder)
        .to_builder()
        .credentials(static_source())
        .build();
    let fs = Fs::from_pairs([("/var/run/secrets/token", "first-oidc-token")]);
    let env = Env::from_pairs([
        ("AWS_WEB_IDENTITY_TOKEN_FILE", "/var/run/secrets/token"),
        ("AWS_ROLE_ARN", role("web").as_str()),
        ("AWS_ROLE_SESSION_NAME", "web-session"),
    ]);
    let provider = WebIdentityTokenProvider::builder()
        .env(env)
        .fs(fs.clone())
        .sdk_config(&config)
        .build();
    let creds = provider.provide_credentials().await.unwrap();
    assert!(creds.session_token().is_some());
    assert!(creds.expiry().is_some());
    assert_eq!(creds.account_id(), Some(ACCOUNT));

    fs.write("/var/run/secrets/token", "second-oidc-token\n")
        .unwrap();
    provider.provide_credentials().await.unwrap();

    let sent = recorder.sent();
    assert_eq!(sent.len(), 2);
    for s in &sent {
        assert_eq!(
            form_value(&s.body, "Action").as_deref(),
            Some("AssumeRoleWithWebIdentity")
        );
        assert_eq!(
            form_value(&s.body, "RoleSessionName").as_deref(),
            Some("web-session")
        );
        assert!(!s.headers.contains_key("authorization"), "{:?}", s.headers);
        assert!(!s.headers.contains_key("x-amz-security-token"));
    }
    assert_eq!(
        form_value(&sent[0].body, "WebIdentityToken").as_deref(),
        Some("first-oidc-token")
    );
    assert_eq!(
        form_value(&sent[1].body, "WebIdentityToken").as_deref(),
        Some("second-oidc-token")
    );
    assert!(!format!("{provider:?}").contains("oidc-token"));
}

#[tokio::test]
async fn web_identity_errors_show_no_token() {
    let recorder = Recorder::default();
    let provider = WebIdentityTokenProvider::builder()
        .env(Env::from_pairs::<&str, &str>([]))
        .fs(Fs::from_pairs([("/t", "very-secret-oidc-token")]))
        .token_file("/t")
        .role_arn(role("web"))
        .sdk_config(&base_config("http://127.0.0.1:9", &recorder))
        .build();
    let err = provider.provide_credentials().await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("role/web"), "{shown}");
    assert!(!shown.contains("very-secret-oidc-token"), "{shown}");
}

#[tokio::test]
async fn web_identity_without_variables_lets_a_chain_move_on() {
    let provider = WebIdentityTokenProvider::builder()
        .env(Env::from_pairs::<&str, &str>([]))
        .fs(Fs::from_pairs::<&str, &str>([]))
        .build();
    let err = provider.provide_credentials().await.unwrap_err();
    assert!(err.to_string().contains("not configured"), "{err}");
    // `not_loaded`: no source, so a chain tries the next provider.
    assert!(std::error::Error::source(&err).is_none());
}

// ---- SSO and SSO-OIDC against a loopback server ----

/// A request the loopback server received.
#[derive(Clone, Debug)]
struct Seen {
    method: String,
    target: String,
    headers: HeaderMap,
    body: String,
}

/// An HTTP/1.1 server on 127.0.0.1 answering each request with `handler(&request)`.
struct Loopback {
    url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Loopback {
    fn drop(&mut self) {
        self.task.abort();
    }
}

type Handler = Arc<dyn Fn(&Seen) -> (u16, String) + Send + Sync>;

impl Loopback {
    async fn start(handler: impl Fn(&Seen) -> (u16, String) + Send + Sync + 'static) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let handler: Handler = Arc::new(handler);
        let all = seen.clone();
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let (all, handler) = (all.clone(), handler.clone());
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let (all, handler) = (all.clone(), handler.clone());
                            async move {
                                let (parts, body) = req.into_parts();
                                let body = http_body_util::BodyExt::collect(body)
                                    .await
                                    .map(|c| c.to_bytes())
                                    .unwrap_or_default();
                                let seen = Seen {
                                    method: parts.method.to_string(),
                                    target: parts.uri.to_string(),
                                    headers: parts.headers,
                                    body: String::from_utf8_lossy(&body).into_owned(),
                                };
                                let (status, json) = handler(&seen);
                                all.lock().unwrap().push(seen);
                                hyper::Response::builder()
                                    .status(status)
                                    .header("content-type", "application/json")
                                    .body(http_body_util::Full::new(bytes::Bytes::from(json)))
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Loopback { url, seen, task }
    }

    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

const HOME: &str = "/home/tester";
const START_URL: &str = "https://my-company.awsapps.com/start";

fn rfc3339(t: std::time::SystemTime) -> String {
    time::OffsetDateTime::from(t)
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
}

fn in_secs(secs: i64) -> String {
    let now = std::time::SystemTime::now();
    let d = std::time::Duration::from_secs(secs.unsigned_abs());
    rfc3339(if secs >= 0 { now + d } else { now - d })
}

/// The cache path the CLI uses for `key`: sha1 hex, computed independently of the library.
fn cache_file(key: &str) -> String {
    use sha1::Digest;
    let digest = sha1::Sha1::digest(key.as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("{HOME}/.aws/sso/cache/{hex}.json")
}

/// Answers GetRoleCredentials and CreateToken like IAM Identity Center.
fn sso_handler(seen: &Seen) -> (u16, String) {
    if seen.method == "GET" && seen.target.starts_with("/federation/credentials") {
        let expiration = (std::time::SystemTime::now() + std::time::Duration::from_secs(3600))
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis();
        let body = format!(
            r#"{{"roleCredentials":{{"accessKeyId":"ASIASSO","secretAccessKey":"sso-role-secret","sessionToken":"sso-role-token","expiration":{expiration}}}}}"#
        );
        (200, body)
    } else if seen.method == "POST" && seen.target == "/token" {
        (
            200,
            r#"{"accessToken":"refreshed-access-token","expiresIn":28800,"refreshToken":"new-refresh-token","tokenType":"Bearer"}"#.to_owned(),
        )
    } else {
        (404, r#"{"message":"no such route"}"#.to_owned())
    }
}

fn sso_provider(server: &Loopback, session: Option<&str>, fs: &Fs) -> SsoCredentialsProvider {
    let config = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .endpoint_url(&server.url)
        .credentials(static_source())
        .build();
    let mut builder = SsoCredentialsProvider::builder()
        .start_url(START_URL)
        .sso_region("eu-west-1")
        .account_id(ACCOUNT)
        .role_name("ReadOnly")
        .env(Env::from_pairs([("HOME", HOME)]))
        .fs(fs.clone())
        .sdk_config(&config);
    if let Some(session) = session {
        builder = builder.session_name(session);
    }
    builder.build().unwrap()
}

#[tokio::test]
async fn a_valid_cached_token_gets_role_credentials_with_its_bearer_header() {
    let server = Loopback::start(sso_handler).await;
    let fs = Fs::from_pairs([(
        cache_file(START_URL),
        format!(
            r#"{{"startUrl":"{START_URL}","region":"eu-west-1","accessToken":"cached-access-token","expiresAt":"{}"}}"#,
            in_secs(3600)
        ),
    )]);
    let provider = sso_provider(&server, None, &fs);
    let creds = provider.provide_credentials().await.unwrap();
    assert_eq!(creds.access_key_id(), "ASIASSO");
    assert_eq!(creds.secret_access_key(), "sso-role-secret");
    assert_eq!(creds.session_token(), Some("sso-role-token"));
    assert_eq!(creds.account_id(), Some(ACCOUNT));
    assert!(creds.expiry().is_some());

    let seen = server.seen();
    assert_eq!(seen.len(), 1, "{seen:?}");
    let req = &seen[0];
    assert_eq!(req.headers["x-amz-sso_bearer_token"], "cached-access-token");
    assert!(req.target.contains("role_name=ReadOnly"), "{}", req.target);
    assert!(
        req.target.contains(&format!("account_id={ACCOUNT}")),
        "{}",
        req.target
    );
    assert!(
        !req.headers.contains_key("authorization"),
        "unsigned: {:?}",
        req.headers
    );

    let shown = format!("{provider:?} {creds:?}");
    assert!(!shown.contains("cached-access-token"), "{shown}");
    assert!(!shown.contains("sso-role-secret"), "{shown}");
}

#[tokio::test]
async fn an_expiring_session_token_is_refreshed_and_the_cache_rewritten() {
    let server = Loopback::start(sso_handler).await;
    let path = cache_file("my-sso");
    let fs = Fs::from_pairs([(
        path.clone(),
        format!(
            r#"{{"startUrl":"{START_URL}","region":"eu-west-1","accessToken":"old-access-token","expiresAt":"{}","refreshToken":"old-refresh-token","clientId":"the-client-id","clientSecret":"the-client-secret","registrationExpiresAt":"{}"}}"#,
            // Within the five-minute window: refreshed although not yet expired.
            in_secs(60),
            in_secs(86_400)
        ),
    )]);
    let provider = sso_provider(&server, Some("my-sso"), &fs);
    provider.provide_credentials().await.unwrap();

    let seen = server.seen();
    assert_eq!(seen.len(), 2, "{seen:?}");
    assert_eq!(seen[0].target, "/token");
    let create: serde_json::Value = serde_json::from_str(&seen[0].body).unwrap();
    assert_eq!(create["grantType"], "refresh_token");
    assert_eq!(create["refreshToken"], "old-refresh-token");
    assert_eq!(create["clientId"], "the-client-id");
    assert_eq!(create["clientSecret"], "the-client-secret");
    assert!(!seen[0].headers.contains_key("authorization"));
    assert_eq!(
        seen[1].headers["x-amz-sso_bearer_token"],
        "refreshed-access-token"
    );

    let cached: serde_json::Value = serde_json::from_slice(&fs.read(&path).unwrap()).unwrap();
    assert_eq!(cached["accessToken"], "refreshed-access-token");
    assert_eq!(cached["refreshToken"], "new-refresh-token");
    assert_eq!(cached["clientId"], "the-client-id");
    assert_eq!(cached["startUrl"], START_URL);
    let expires = time::OffsetDateTime::parse(
        cached["expiresAt"].as_str().unwrap(),
        &time::format_description::well_known::Rfc3339,
    )
    .unwrap();
    assert!(expires > time::OffsetDateTime::now_utc() + time::Duration::hours(7));

    // The token provider alone now reads the refreshed token without calling out.
    let tokens = provider.token_provider().token().await.unwrap();
    assert_eq!(tokens.as_str(), "refreshed-access-token");
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn an_expired_token_whose_refresh_fails_asks_for_login_without_secrets() {
    let server = Loopback::start(|_: &Seen| {
        (
            400,
            r#"{"error":"invalid_grant","error_description":"expired"}"#.to_owned(),
        )
    })
    .await;
    let fs = Fs::from_pairs([(
        cache_file("my-sso"),
        format!(
            r#"{{"accessToken":"old-access-token","expiresAt":"{}","refreshToken":"old-refresh-token","clientId":"c","clientSecret":"the-client-secret"}}"#,
            in_secs(-60)
        ),
    )]);
    let provider = sso_provider(&server, Some("my-sso"), &fs);
    let err = provider.provide_credentials().await.unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("aws sso login"), "{shown}");
    for secret in ["old-access-token", "old-refresh-token", "the-client-secret"] {
        assert!(!shown.contains(secret), "{secret} in {shown}");
    }
}

#[tokio::test]
async fn a_missing_cache_file_asks_for_login() {
    let server = Loopback::start(sso_handler).await;
    let fs = Fs::from_pairs::<&str, &str>([]);
    let err = sso_provider(&server, Some("my-sso"), &fs)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(err.to_string().contains("run `aws sso login`"), "{err}");
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn a_cache_file_with_bad_json_is_a_clear_error_naming_the_file() {
    let server = Loopback::start(sso_handler).await;
    let path = cache_file(START_URL);
    let fs = Fs::from_pairs([(path.clone(), r#"{"accessToken": "secret-part"#)]);
    let tokens = SsoTokenProvider::builder()
        .start_url(START_URL)
        .sso_region("eu-west-1")
        .env(Env::from_pairs([("HOME", HOME)]))
        .fs(fs.clone())
        .build()
        .unwrap();
    let err = tokens.token().await.unwrap_err();
    assert!(err.is_invalid_cache(), "{err}");
    let shown = err.to_string();
    assert!(shown.contains(&path) && shown.contains("JSON"), "{shown}");
    assert!(!shown.contains("secret-part"), "{shown}");

    let err = sso_provider(&server, None, &fs)
        .provide_credentials()
        .await
        .unwrap_err();
    assert!(err.to_string().contains(&path), "{err}");
    assert!(server.seen().is_empty());
}

#[tokio::test]
async fn sso_errors_from_the_portal_show_no_token() {
    let server = Loopback::start(|_: &Seen| {
        (
            401,
            r#"{"message":"Session token not found or invalid"}"#.to_owned(),
        )
    })
    .await;
    let fs = Fs::from_pairs([(
        cache_file(START_URL),
        format!(
            r#"{{"accessToken":"cached-access-token","expiresAt":"{}"}}"#,
            in_secs(3600)
        ),
    )]);
    let err = sso_provider(&server, None, &fs)
        .provide_credentials()
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(shown.contains("GetRoleCredentials"), "{shown}");
    assert!(!shown.contains("cached-access-token"), "{shown}");
}
