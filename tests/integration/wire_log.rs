//! The wire log (`LogMode`), caught by a capture layer: with every flag on, calls that carry
//! session tokens, SSE-C keys, bearer tokens, sensitive outputs and presigned signatures log
//! what they send and receive, and no secret appears in any log line, span field or error.
use std::sync::{Arc, Mutex};

use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing_subscriber::layer::{Context as LayerContext, Layer, SubscriberExt};
use ziggurat::log_mode::{LogMode, TARGET};
use ziggurat::prelude::*;
use ziggurat_core::transport::{Rule, TestTransport};

/// Every event (target and text with its fields) and every span field, as text.
#[derive(Clone, Default)]
struct Capture {
    wire: Arc<Mutex<Vec<String>>>,
    everything: Arc<Mutex<Vec<String>>>,
}

struct Text<'a>(&'a mut String);

impl Visit for Text<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        self.0.push_str(&format!(" {}={value:?}", field.name()));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push_str(&format!(" {}={value}", field.name()));
    }
}

impl<S: tracing::Subscriber> Layer<S> for Capture {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: LayerContext<'_, S>) {
        let mut text = attrs.metadata().name().to_owned();
        attrs.record(&mut Text(&mut text));
        self.everything.lock().unwrap().push(text);
    }
    fn on_record(&self, _: &Id, values: &Record<'_>, _: LayerContext<'_, S>) {
        let mut text = String::new();
        values.record(&mut Text(&mut text));
        self.everything.lock().unwrap().push(text);
    }
    fn on_event(&self, event: &tracing::Event<'_>, _: LayerContext<'_, S>) {
        let mut text = String::new();
        event.record(&mut Text(&mut text));
        if event.metadata().target() == TARGET {
            self.wire.lock().unwrap().push(text.clone());
        }
        self.everything.lock().unwrap().push(text);
    }
}

/// A capture, recording on this thread while the guard lives.
fn capture() -> (Capture, tracing::subscriber::DefaultGuard) {
    let capture = Capture::default();
    let guard = crate::set_scoped_subscriber(tracing_subscriber::registry().with(capture.clone()));
    (capture, guard)
}

impl Capture {
    fn wire(&self) -> String {
        self.wire.lock().unwrap().join("\n")
    }
    /// Fails naming the line when any captured text holds one of `secrets`.
    fn assert_no_secret(&self, secrets: &[&str]) {
        for line in self.everything.lock().unwrap().iter() {
            for secret in secrets {
                assert!(!line.contains(secret), "{secret:?} leaked into: {line}");
            }
        }
    }
}

const AKID: &str = "AKIDWIRELOG";
const SECRET: &str = "SECRETwirelog0123456789";
const TOKEN: &str = "TOKENwirelogSESSION";

fn config(transport: &TestTransport, mode: LogMode) -> SdkConfig {
    SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(AKID, SECRET, Some(TOKEN.to_owned())))
        .http_client(transport.clone().into_http_client())
        .log_mode(mode)
        .build()
}

/// The signatures of every request the transport saw (`Authorization` or `X-Amz-Signature`).
fn signatures(transport: &TestTransport) -> Vec<String> {
    transport
        .requests()
        .iter()
        .filter_map(|r| r.headers().get("authorization"))
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split("Signature=").nth(1).map(str::to_owned))
        .collect()
}

fn ddb_ok() -> Rule {
    Rule::any().respond(
        200,
        &[("content-type", "application/x-amz-json-1.0")],
        r#"{"Item":{"pk":{"S":"wire-item"}}}"#,
    )
}

#[tokio::test(flavor = "current_thread", start_paused = true)]
async fn every_mode_logs_the_exchange_and_no_secret() {
    let (capture, _guard) = capture();
    let throttled = Rule::any().times(1).respond(
        400,
        &[("content-type", "application/x-amz-json-1.0")],
        r#"{"__type":"ThrottlingException","message":"slow down"}"#,
    );
    let transport = TestTransport::new().rule(throttled).rule(ddb_ok());
    let ddb = ziggurat::dynamodb::Client::new(&config(&transport, LogMode::ALL));
    let out = ddb
        .get_item()
        .table_name("wire-table")
        .key("pk", "wire-item")
        .send()
        .await
        .unwrap();
    assert!(out.item.is_some());

    let wire = capture.wire();
    for expected in [
        "canonical request:\nPOST\n/\n",
        "x-amz-security-token:** redacted **",
        "string to sign:\nAWS4-HMAC-SHA256\n",
        "request (DynamoDB.GetItem, attempt 1):\nPOST / HTTP/1.1",
        "request (DynamoDB.GetItem, attempt 2)",
        "authorization: AWS4-HMAC-SHA256 Credential=** redacted **/",
        "Signature=** redacted **",
        "x-amz-security-token: ** redacted **",
        r#""TableName":"wire-table""#,
        "response (DynamoDB.GetItem, attempt 1):\nHTTP/1.1 400 Bad Request",
        "ThrottlingException",
        "DynamoDB.GetItem: retrying attempt 1 of 3 in ",
        r#"{"Item":{"pk":{"S":"wire-item"}}}"#,
    ] {
        assert!(
            wire.contains(expected),
            "{expected:?} not in the wire log:\n{wire}"
        );
    }
    let sigs = signatures(&transport);
    assert_eq!(sigs.len(), 2);
    let mut secrets = vec![AKID, SECRET, TOKEN];
    secrets.extend(sigs.iter().map(String::as_str));
    capture.assert_no_secret(&secrets);
}

#[tokio::test(flavor = "current_thread")]
async fn without_a_mode_there_is_no_wire_log_and_no_entry() {
    let (capture, _guard) = capture();
    let transport = TestTransport::new().rule(ddb_ok());
    let ddb = ziggurat::dynamodb::Client::new(&config(&transport, LogMode::NONE));
    ddb.get_item()
        .table_name("t")
        .key("pk", "1")
        .send()
        .await
        .unwrap();
    assert_eq!(capture.wire(), "");
    let described = ddb.stack().map(|s| s.describe()).unwrap_or_default();
    assert!(!described.contains("WireLog"), "{described}");
    let logged = ziggurat::dynamodb::Client::new(&config(&transport, LogMode::REQUEST));
    let described = logged.stack().map(|s| s.describe()).unwrap_or_default();
    assert!(described.contains("WireLog"), "{described}");
}

#[tokio::test(flavor = "current_thread")]
async fn sse_c_keys_are_redacted_in_headers_and_in_the_canonical_request() {
    let (capture, _guard) = capture();
    let transport = TestTransport::new().rule(Rule::any().respond(200, &[("etag", "\"e\"")], ""));
    let s3 = ziggurat::s3::Client::new(&config(&transport, LogMode::ALL));
    s3.put_object()
        .bucket("bucket")
        .key("key")
        .sse_customer_algorithm("AES256")
        .sse_customer_key("S3CKEYsecretBase64Value=")
        .sse_customer_key_md5("bWQ1")
        .body(Body::from_bytes("hello"))
        .send()
        .await
        .unwrap();
    let wire = capture.wire();
    assert!(
        wire.contains("x-amz-server-side-encryption-customer-key: ** redacted **"),
        "{wire}"
    );
    assert!(
        wire.contains("x-amz-server-side-encryption-customer-key:** redacted **"),
        "{wire}"
    );
    let mut secrets = vec![AKID, SECRET, TOKEN, "S3CKEYsecretBase64Value="];
    let sigs = signatures(&transport);
    secrets.extend(sigs.iter().map(String::as_str));
    capture.assert_no_secret(&secrets);
}

/// An S3 Express session's token goes in `x-amz-s3session-token`: redacted in the headers and
/// in the canonical request, like the session's secret and the caller's own token.
#[tokio::test(flavor = "current_thread")]
async fn s3_express_session_tokens_are_redacted() {
    let (capture, _guard) = capture();
    let transport = TestTransport::new()
        .rule(crate::support::s3_server::create_session_rule(
            "ASIAEXPRESS",
            "EXPRESSsecretKEY",
            "EXPRESStokenSECRET",
        ))
        .rule(Rule::any().respond(200, &[("etag", "\"e\"")], ""));
    let s3 = ziggurat::s3::Client::new(&config(&transport, LogMode::ALL));
    s3.put_object()
        .bucket("data--use1-az4--x-s3")
        .key("key")
        .body(Body::from_bytes("hello"))
        .send()
        .await
        .unwrap();
    let sent = transport.requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(
        sent[1].headers()["x-amz-s3session-token"],
        "EXPRESStokenSECRET"
    );
    let wire = capture.wire();
    assert!(
        wire.contains("x-amz-s3session-token: ** redacted **"),
        "{wire}"
    );
    assert!(
        wire.contains("x-amz-s3session-token:** redacted **"),
        "{wire}"
    );
    let mut secrets = vec![
        AKID,
        SECRET,
        TOKEN,
        "EXPRESStokenSECRET",
        "EXPRESSsecretKEY",
    ];
    let sigs = signatures(&transport);
    secrets.extend(sigs.iter().map(String::as_str));
    capture.assert_no_secret(&secrets);
}

#[tokio::test(flavor = "current_thread")]
async fn sensitive_outputs_and_bearer_tokens_are_withheld() {
    let (capture, _guard) = capture();
    let sso_body = r#"{"roleCredentials":{"accessKeyId":"ASIASSO","secretAccessKey":"SECRETfromSSO","sessionToken":"TOKENfromSSO","expiration":1893456000000}}"#;
    let transport = TestTransport::new().rule(Rule::any().respond(
        200,
        &[("content-type", "application/json")],
        sso_body,
    ));
    let sso = ziggurat::sso::Client::new(&config(&transport, LogMode::ALL));
    let out = sso
        .get_role_credentials()
        .role_name("r")
        .account_id("123456789012")
        .access_token("BEARERssoAccessToken")
        .send()
        .await
        .unwrap();
    let error_text = format!("{out:?}");
    let wire = capture.wire();
    assert!(
        wire.contains("x-amz-sso_bearer_token: ** redacted **"),
        "{wire}"
    );
    assert!(
        wire.contains(&format!(
            "<{} bytes, withheld: the output has sensitive members>",
            sso_body.len()
        )),
        "{wire}"
    );
    assert!(!error_text.contains("SECRETfromSSO"), "{error_text}");
    capture.assert_no_secret(&["BEARERssoAccessToken", "SECRETfromSSO", "TOKENfromSSO"]);

    // STS: a query-protocol request; its output's credentials are sensitive too.
    let sts_body = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><AssumeRoleResult>\
        <Credentials><AccessKeyId>ASIASTS</AccessKeyId><SecretAccessKey>SECRETfromSTS</SecretAccessKey>\
        <SessionToken>TOKENfromSTS</SessionToken><Expiration>2030-01-01T00:00:00Z</Expiration></Credentials>\
        </AssumeRoleResult><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></AssumeRoleResponse>";
    let transport = TestTransport::new().rule(Rule::any().respond(
        200,
        &[("content-type", "text/xml")],
        sts_body,
    ));
    let sts = ziggurat::sts::Client::new(&config(&transport, LogMode::ALL));
    sts.assume_role()
        .role_arn("arn:aws:iam::123456789012:role/r")
        .role_session_name("s")
        .send()
        .await
        .unwrap();
    let wire = capture.wire();
    assert!(wire.contains("Action=AssumeRole"), "{wire}");
    capture.assert_no_secret(&["SECRETfromSTS", "TOKENfromSTS", TOKEN, SECRET]);
}

#[tokio::test(flavor = "current_thread")]
async fn presigning_logs_no_signature_and_no_token() {
    let (capture, _guard) = capture();
    let transport = TestTransport::new();
    let s3 = ziggurat::s3::Client::new(&config(&transport, LogMode::ALL));
    let presigned = s3
        .presigned()
        .get_object(
            ziggurat::s3::GetObjectInput {
                bucket: "bucket".into(),
                key: "key".into(),
                ..Default::default()
            },
            ziggurat::s3::PresigningConfig::expires_in(std::time::Duration::from_secs(60)).unwrap(),
        )
        .await
        .unwrap();
    let url = presigned.uri().to_string();
    let signature = url.split("X-Amz-Signature=").nth(1).unwrap().to_owned();
    let wire = capture.wire();
    assert!(wire.contains("canonical request:\nGET\n/key\n"), "{wire}");
    assert!(
        wire.contains("X-Amz-Security-Token=** redacted **"),
        "{wire}"
    );
    capture.assert_no_secret(&[&signature, TOKEN, SECRET, AKID]);
}

#[tokio::test(flavor = "current_thread")]
async fn only_the_loudly_named_opt_in_shows_secrets() {
    let (capture, _guard) = capture();
    let transport = TestTransport::new().rule(ddb_ok());
    let mode = LogMode::REQUEST | LogMode::UNREDACTED_I_KNOW_WHAT_I_AM_DOING;
    let ddb = ziggurat::dynamodb::Client::new(&config(&transport, mode));
    ddb.get_item()
        .table_name("t")
        .key("pk", "1")
        .send()
        .await
        .unwrap();
    let wire = capture.wire();
    assert!(
        wire.contains(&format!("x-amz-security-token: {TOKEN}")),
        "{wire}"
    );
    assert!(
        "request,UNREDACTED_I_KNOW_WHAT_I_AM_DOING"
            .parse::<LogMode>()
            .is_err()
    );
}

#[tokio::test(flavor = "current_thread")]
async fn an_unknown_mode_in_the_environment_is_an_error() {
    let env = |k: &str| (k == "ZIGGURAT_LOG_MODE").then(|| "request,verbose".to_owned());
    let config = SdkConfig::from_env_with(env)
        .to_builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(AKID, SECRET, None))
        .http_client(TestTransport::new().rule(ddb_ok()).into_http_client())
        .build();
    let err = ziggurat::dynamodb::Client::new(&config)
        .get_item()
        .table_name("t")
        .key("pk", "1")
        .send()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("ZIGGURAT_LOG_MODE") && err.contains("verbose"),
        "{err}"
    );

    // Offline: no shared files, and a transport that answers nothing (no IMDS).
    let loader = |env: Vec<(&str, &str)>| {
        ziggurat::aws_config::ConfigLoader::new()
            .env(ziggurat::aws_config::Env::from_pairs(env))
            .fs(ziggurat::aws_config::Fs::from_pairs(
                Vec::<(String, Vec<u8>)>::new(),
            ))
            .http_client(TestTransport::new().into_http_client())
    };
    let loaded = loader(vec![("ZIGGURAT_LOG_MODE", "everything")])
        .load()
        .await;
    let err = loaded.unwrap_err().to_string();
    assert!(
        err.contains("ZIGGURAT_LOG_MODE") && err.contains("everything"),
        "{err}"
    );
    let loaded = loader(vec![
        ("ZIGGURAT_LOG_MODE", "signing, retries"),
        ("AWS_REGION", "us-east-1"),
    ])
    .load()
    .await
    .unwrap();
    assert_eq!(loaded.log_mode(), Ok(LogMode::SIGNING | LogMode::RETRIES));
}

/// The headers the wire log redacts by name cover every header the eight models mark
/// `@sensitive` (as a member, or through its target), in inputs and outputs: a model update
/// that adds one fails here instead of leaking it.
#[test]
fn every_sensitive_header_in_the_models_is_redacted() {
    use ziggurat_core::schema::Location;
    use ziggurat_layers::wire_log::redact::{REDACTED, header_value, is_secret_header};
    let services: [(&str, &[ziggurat_runtime::OperationEntry]); 8] = [
        ("s3", ziggurat::s3::OPERATIONS),
        ("dynamodb", ziggurat::dynamodb::OPERATIONS),
        ("sqs", ziggurat::sqs::OPERATIONS),
        ("sts", ziggurat::sts::OPERATIONS),
        ("sns", ziggurat::sns::OPERATIONS),
        ("lambda", ziggurat::lambda::OPERATIONS),
        ("sso", ziggurat::sso::OPERATIONS),
        ("ssooidc", ziggurat::ssooidc::OPERATIONS),
    ];
    let mut sensitive = Vec::new();
    let mut leaks = Vec::new();
    for (service, operations) in services {
        for op in operations {
            for shape in [op.schema.input, op.schema.output] {
                for member in shape.members {
                    if !member.is_sensitive() {
                        continue;
                    }
                    let what = format!("{service} {}.{}", op.schema.name, member.name);
                    match member.location {
                        Location::Header => {
                            sensitive.push(member.wire_name);
                            let shown = header_value(member.wire_name, b"s3cr3t-value");
                            if !is_secret_header(member.wire_name) || shown != REDACTED {
                                leaks.push(format!("{what} (header {})", member.wire_name));
                            }
                        }
                        Location::PrefixHeaders => {
                            leaks.push(format!("{what} (headers {}*)", member.wire_name))
                        }
                        _ => {}
                    }
                }
            }
        }
    }
    assert!(leaks.is_empty(), "not redacted: {leaks:#?}");
    // The SSE-C keys at least: the check above ran over real sensitive headers.
    assert!(
        sensitive.contains(&"x-amz-server-side-encryption-customer-key"),
        "{sensitive:?}"
    );
}
