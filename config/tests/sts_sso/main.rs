//! The STS and SSO credential providers against real peers: moto server's STS at
//! `$ZIGGURAT_MOTO_URL` (assume role, chains, MFA, web identity), and a loopback HTTP server
//! playing SSO and SSO-OIDC.
use std::io::Write;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use http::HeaderMap;
use tower::ServiceExt;
use ziggurat_config::provider::{AssumeRoleProvider, WebIdentityTokenProvider};
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
