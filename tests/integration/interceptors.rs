//! Interceptors through a generated client over the test transport: every hook fires in the
//! documented order with what exists at that point, for a success, a service error, a retry
//! and a timeout; per-call interceptors stay in their call; failures name the interceptor and
//! the hook, the after hooks still run, and every failure is kept.
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::fault_server::{Action, FaultServer};
use http::HeaderValue;
use ziggurat::dynamodb::{Client, Config, GetItemInput};
use ziggurat::prelude::*;
use ziggurat_core::body::Body;
use ziggurat_core::context::Context;
use ziggurat_core::error::BoxError;
use ziggurat_core::hook::{HttpRequest, Input};
use ziggurat_core::interceptor::{CallResult, Hook, Hooks, Intercept, ids};
use ziggurat_core::retry::{RetryConfig, TimeoutConfig};
use ziggurat_core::transport::{Rule, TestTransport};

type Log = Arc<Mutex<Vec<String>>>;

/// Records every hook it sees, with what it could see there.
struct Recorder {
    name: &'static str,
    log: Log,
    fail_at: Option<Hook>,
}

impl Recorder {
    fn new(name: &'static str, log: &Log) -> Self {
        Recorder {
            name,
            log: log.clone(),
            fail_at: None,
        }
    }
    fn failing_at(mut self, hook: Hook) -> Self {
        self.fail_at = Some(hook);
        self
    }
    fn note(&self, hook: Hook, what: String) -> Result<(), BoxError> {
        let mut log = self.log.lock().unwrap();
        log.push(format!("{} {hook}{what}", self.name));
        if self.fail_at == Some(hook) {
            return Err(format!("{} refuses", self.name).into());
        }
        Ok(())
    }
    fn input(&self, hook: Hook, input: &Input) -> Result<(), BoxError> {
        let table = input
            .downcast_ref::<GetItemInput>()
            .map(|i| i.table_name.clone())
            .unwrap_or_default();
        self.note(hook, format!(" table={table}"))
    }
    fn request(&self, hook: Hook, req: &HttpRequest<'_>, ctx: &Context) -> Result<(), BoxError> {
        let signed = req.headers().contains_key("authorization");
        let host = req.uri().host().is_some();
        self.note(
            hook,
            format!(" attempt={} host={host} signed={signed}", ctx.attempt()),
        )
    }
    fn result(&self, hook: Hook, result: &CallResult) -> Result<(), BoxError> {
        let what = match result {
            Ok(_) => "ok".to_owned(),
            Err(e) => format!("err={:?}", e.kind()),
        };
        self.note(hook, format!(" {what}"))
    }
}

impl Intercept for Recorder {
    fn name(&self) -> &'static str {
        self.name
    }
    fn read_before_execution(&self, input: &Input, _: &mut Context) -> Result<(), BoxError> {
        self.input(Hook::ReadBeforeExecution, input)
    }
    fn modify_before_serialization(
        &self,
        input: &mut Input,
        _: &mut Context,
    ) -> Result<(), BoxError> {
        self.input(Hook::ModifyBeforeSerialization, input)
    }
    fn read_before_serialization(&self, input: &Input, _: &mut Context) -> Result<(), BoxError> {
        self.input(Hook::ReadBeforeSerialization, input)
    }
    fn read_after_serialization(
        &self,
        r: &HttpRequest<'_>,
        c: &mut Context,
    ) -> Result<(), BoxError> {
        self.request(Hook::ReadAfterSerialization, r, c)
    }
    fn read_before_retry_loop(&self, r: &HttpRequest<'_>, c: &mut Context) -> Result<(), BoxError> {
        self.request(Hook::ReadBeforeRetryLoop, r, c)
    }
    fn read_before_attempt(&self, r: &HttpRequest<'_>, c: &mut Context) -> Result<(), BoxError> {
        self.request(Hook::ReadBeforeAttempt, r, c)
    }
    fn modify_before_signing(
        &self,
        r: &mut HttpRequest<'_>,
        c: &mut Context,
    ) -> Result<(), BoxError> {
        self.request(Hook::ModifyBeforeSigning, r, c)
    }
    fn read_before_signing(&self, r: &HttpRequest<'_>, c: &mut Context) -> Result<(), BoxError> {
        self.request(Hook::ReadBeforeSigning, r, c)
    }
    fn read_after_signing(&self, r: &HttpRequest<'_>, c: &mut Context) -> Result<(), BoxError> {
        self.request(Hook::ReadAfterSigning, r, c)
    }
    fn modify_before_transmit(
        &self,
        r: &mut HttpRequest<'_>,
        c: &mut Context,
    ) -> Result<(), BoxError> {
        self.request(Hook::ModifyBeforeTransmit, r, c)
    }
    fn read_before_transmit(&self, r: &HttpRequest<'_>, c: &mut Context) -> Result<(), BoxError> {
        self.request(Hook::ReadBeforeTransmit, r, c)
    }
    fn read_after_transmit(
        &self,
        r: &http::Response<Body>,
        _: &mut Context,
    ) -> Result<(), BoxError> {
        self.note(
            Hook::ReadAfterTransmit,
            format!(" status={}", r.status().as_u16()),
        )
    }
    fn modify_before_deserialization(
        &self,
        r: &mut http::Response<Body>,
        _: &mut Context,
    ) -> Result<(), BoxError> {
        let len = r.body().bytes().map_or(0, |b| b.len());
        self.note(
            Hook::ModifyBeforeDeserialization,
            format!(" status={} body={len}", r.status().as_u16()),
        )
    }
    fn read_before_deserialization(
        &self,
        r: &http::Response<Body>,
        _: &mut Context,
    ) -> Result<(), BoxError> {
        self.note(
            Hook::ReadBeforeDeserialization,
            format!(" status={}", r.status().as_u16()),
        )
    }
    fn read_after_deserialization(&self, r: &CallResult, _: &mut Context) -> Result<(), BoxError> {
        self.result(Hook::ReadAfterDeserialization, r)
    }
    fn modify_before_attempt_completion(
        &self,
        r: &mut CallResult,
        _: &mut Context,
    ) -> Result<(), BoxError> {
        self.result(Hook::ModifyBeforeAttemptCompletion, r)
    }
    fn read_after_attempt(&self, r: &CallResult, _: &mut Context) -> Result<(), BoxError> {
        self.result(Hook::ReadAfterAttempt, r)
    }
    fn modify_before_completion(
        &self,
        r: &mut CallResult,
        _: &mut Context,
    ) -> Result<(), BoxError> {
        self.result(Hook::ModifyBeforeCompletion, r)
    }
    fn read_after_execution(&self, r: &CallResult, _: &mut Context) -> Result<(), BoxError> {
        self.result(Hook::ReadAfterExecution, r)
    }
}

fn ok() -> Rule {
    Rule::any().respond(200, &[("content-type", "application/x-amz-json-1.0")], "{}")
}

fn throttled() -> Rule {
    Rule::any().times(1).respond(
        400,
        &[("content-type", "application/x-amz-json-1.0")],
        r#"{"__type":"ThrottlingException","message":"slow down"}"#,
    )
}

fn sdk(transport: &TestTransport) -> ziggurat_core::config::SdkConfigBuilder {
    SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new("AKID", "secret", None))
        .http_client(transport.clone().into_http_client())
}

async fn get_item(client: &Client) -> Result<(), String> {
    client
        .get_item()
        .table_name("t")
        .key("pk", "1")
        .send()
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

fn take(log: &Log) -> Vec<String> {
    std::mem::take(&mut *log.lock().unwrap())
}

const ATTEMPT: [&str; 8] = [
    "a read_before_attempt attempt=N host=true signed=false",
    "a modify_before_signing attempt=N host=true signed=false",
    "a read_before_signing attempt=N host=true signed=false",
    "a read_after_signing attempt=N host=true signed=true",
    "a modify_before_transmit attempt=N host=true signed=true",
    "a read_before_transmit attempt=N host=true signed=true",
    "a modify_before_attempt_completion RESULT",
    "a read_after_attempt RESULT",
];

/// The response hooks of an attempt answered with `status` and a body of `len` bytes.
fn response(status: u16, len: usize, result: &str) -> [String; 4] {
    [
        format!("a read_after_transmit status={status}"),
        format!("a modify_before_deserialization status={status} body={len}"),
        format!("a read_before_deserialization status={status}"),
        format!("a read_after_deserialization {result}"),
    ]
}

/// The hooks of a call whose attempts ended with `attempts` (their result, and the status
/// and body length of their response when one came), and the call with `end`.
fn expected(attempts: &[(&str, Option<(u16, usize)>)], end: &str) -> Vec<String> {
    let mut out: Vec<String> = [
        "a read_before_execution table=t",
        "a modify_before_serialization table=t",
        "a read_before_serialization table=t",
        "a read_after_serialization attempt=0 host=false signed=false",
        "a read_before_retry_loop attempt=0 host=true signed=false",
    ]
    .map(str::to_owned)
    .to_vec();
    for (n, (result, answered)) in attempts.iter().enumerate() {
        for (i, line) in ATTEMPT.iter().enumerate() {
            if i == 6
                && let Some((status, len)) = answered
            {
                out.extend(response(*status, *len, result));
            }
            out.push(
                line.replace("attempt=N", &format!("attempt={}", n + 1))
                    .replace("RESULT", result),
            );
        }
    }
    out.push(format!("a modify_before_completion {end}"));
    out.push(format!("a read_after_execution {end}"));
    out
}

#[tokio::test]
async fn every_hook_fires_in_order_with_what_exists_there() {
    let log = Log::default();
    let transport = TestTransport::new().rule(ok());
    let client = Client::from_conf(
        Config::new(&sdk(&transport).build()).interceptor(Recorder::new("a", &log)),
    );
    get_item(&client).await.unwrap();
    assert_eq!(take(&log), expected(&[("ok", Some((200, 2)))], "ok"));
    // The adapters are in the stack, at the documented ids.
    let described = client.stack().unwrap().describe().to_string();
    for id in [
        ids::EXECUTION,
        ids::ATTEMPT,
        ids::BEFORE_SIGNING,
        ids::BEFORE_TRANSMIT,
    ] {
        assert!(described.contains(id), "{described}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_retried_call_runs_the_attempt_hooks_per_attempt() {
    let log = Log::default();
    let transport = TestTransport::new().rule(throttled()).rule(ok());
    let client = Client::from_conf(
        Config::new(&sdk(&transport).build()).interceptor(Recorder::new("a", &log)),
    );
    get_item(&client).await.unwrap();
    assert_eq!(
        take(&log),
        expected(
            &[("err=Service", Some((400, 54))), ("ok", Some((200, 2)))],
            "ok"
        )
    );
}

#[tokio::test]
async fn a_service_error_reaches_the_after_hooks() {
    let log = Log::default();
    let transport = TestTransport::new().rule(Rule::any().respond(
        400,
        &[("content-type", "application/x-amz-json-1.0")],
        r#"{"__type":"ResourceNotFoundException","message":"no table"}"#,
    ));
    let client = Client::from_conf(
        Config::new(&sdk(&transport).build()).interceptor(Recorder::new("a", &log)),
    );
    let err = get_item(&client).await.unwrap_err();
    assert!(err.contains("ResourceNotFoundException"), "{err}");
    assert_eq!(
        take(&log),
        expected(&[("err=Service", Some((400, 59)))], "err=Service")
    );
}

/// In real time, against a loopback server that never answers.
#[tokio::test]
async fn a_timed_out_attempt_still_reaches_the_after_hooks() {
    let log = Log::default();
    let server = FaultServer::always(Action::Hang).await;
    let config = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new("AKID", "secret", None))
        .endpoint_url(server.url())
        .retry_config(RetryConfig::standard().with_max_attempts(1))
        .timeout_config(TimeoutConfig::new().with_attempt_timeout(Duration::from_millis(200)))
        .build();
    let client = Client::from_conf(Config::new(&config).interceptor(Recorder::new("a", &log)));
    let err = get_item(&client).await.unwrap_err();
    assert!(err.contains("timed out"), "{err}");
    assert_eq!(
        take(&log),
        expected(&[("err=Timeout", None)], "err=Timeout")
    );
}

#[tokio::test]
async fn per_call_interceptors_run_after_the_clients_and_do_not_leak() {
    let log = Log::default();
    let transport = TestTransport::new().rule(ok());
    let sdk_config = sdk(&transport)
        .interceptor(Named("shared", log.clone()))
        .build();
    let client =
        Client::from_conf(Config::new(&sdk_config).interceptor(Named("client", log.clone())));
    client
        .get_item()
        .table_name("t")
        .key("pk", "1")
        .customize(|o| o.interceptor(Named("call", log.clone())))
        .send()
        .await
        .unwrap();
    assert_eq!(take(&log), ["shared", "client", "call"]);
    get_item(&client).await.unwrap();
    assert_eq!(
        take(&log),
        ["shared", "client"],
        "the per-call one stayed in its call"
    );

    // A client without interceptors has no adapters; a call that brings one still runs it.
    let plain = Client::new(&sdk(&transport).build());
    assert!(
        !plain
            .stack()
            .unwrap()
            .describe()
            .to_string()
            .contains("Interceptors:")
    );
    plain
        .get_item()
        .table_name("t")
        .key("pk", "1")
        .customize(|o| o.interceptor(Named("only-call", log.clone())))
        .send()
        .await
        .unwrap();
    assert_eq!(take(&log), ["only-call"]);
}

/// Logs its name before each execution.
struct Named(&'static str, Log);

impl Intercept for Named {
    fn name(&self) -> &'static str {
        self.0
    }
    fn hooks(&self) -> Hooks {
        Hooks::READ_BEFORE_EXECUTION
    }
    fn read_before_execution(&self, _: &Input, _: &mut Context) -> Result<(), BoxError> {
        self.1.lock().unwrap().push(self.0.to_owned());
        Ok(())
    }
}

#[tokio::test]
async fn a_failing_hook_names_itself_and_the_after_hooks_still_run() {
    let log = Log::default();
    let transport = TestTransport::new().rule(ok());
    let client = Client::from_conf(
        Config::new(&sdk(&transport).build())
            .interceptor(Recorder::new("a", &log).failing_at(Hook::ReadBeforeSigning))
            .interceptor(Recorder::new("b", &log).failing_at(Hook::ReadAfterAttempt)),
    );
    let err = client
        .get_item()
        .table_name("t")
        .key("pk", "1")
        .send()
        .await
        .unwrap_err();
    let failures = err
        .as_interceptor_error()
        .expect("an interceptor error")
        .failures();
    let named: Vec<(&str, Hook)> = failures.iter().map(|f| (f.interceptor, f.hook)).collect();
    assert_eq!(
        named,
        [
            ("a", Hook::ReadBeforeSigning),
            ("b", Hook::ReadAfterAttempt)
        ],
        "both failures kept, in order"
    );
    assert!(
        err.to_string()
            .contains("interceptor a failed in read_before_signing: a refuses"),
        "{err}"
    );
    let log = take(&log);
    // Nothing was sent: no request hook after signing ran; both after hooks ran for both.
    assert!(!log.iter().any(|l| l.contains("after_signing")), "{log:?}");
    for name in ["a", "b"] {
        for hook in ["read_after_attempt", "read_after_execution"] {
            assert!(
                log.iter()
                    .any(|l| l.starts_with(&format!("{name} {hook} err=Interceptor"))),
                "{log:?}"
            );
        }
    }
    assert!(transport.requests().is_empty());
}

#[tokio::test]
async fn a_header_added_before_signing_is_signed() {
    struct Tenant;
    impl Intercept for Tenant {
        fn name(&self) -> &'static str {
            "Tenant"
        }
        fn hooks(&self) -> Hooks {
            Hooks::MODIFY_BEFORE_SIGNING
        }
        fn modify_before_signing(
            &self,
            r: &mut HttpRequest<'_>,
            _: &mut Context,
        ) -> Result<(), BoxError> {
            r.headers_mut()
                .insert("x-tenant-id", HeaderValue::from_static("blue"));
            Ok(())
        }
    }
    let transport = TestTransport::new().rule(ok());
    let client = Client::from_conf(Config::new(&sdk(&transport).build()).interceptor(Tenant));
    get_item(&client).await.unwrap();
    let sent = transport.requests();
    let req = sent.first().unwrap();
    assert_eq!(req.headers()["x-tenant-id"], "blue");
    let auth = req.headers()["authorization"].to_str().unwrap();
    assert!(auth.contains(";x-tenant-id"), "{auth}");
    // Only the hook it declared has an adapter.
    let described = client.stack().unwrap().describe().to_string();
    assert!(
        described.contains(ids::BEFORE_SIGNING) && !described.contains(ids::EXECUTION),
        "{described}"
    );
}

#[tokio::test]
async fn a_response_rewritten_before_deserialization_is_what_the_caller_gets() {
    struct Rewrite;
    impl Intercept for Rewrite {
        fn name(&self) -> &'static str {
            "Rewrite"
        }
        fn hooks(&self) -> Hooks {
            Hooks::MODIFY_BEFORE_DESERIALIZATION
        }
        fn modify_before_deserialization(
            &self,
            r: &mut http::Response<Body>,
            _: &mut Context,
        ) -> Result<(), BoxError> {
            *r.status_mut() = http::StatusCode::OK;
            *r.body_mut() = Body::from(r#"{"Item":{"pk":{"S":"from-interceptor"}}}"#);
            Ok(())
        }
    }
    let transport = TestTransport::new().rule(Rule::any().respond(
        400,
        &[("content-type", "application/x-amz-json-1.0")],
        r#"{"__type":"ResourceNotFoundException","message":"no table"}"#,
    ));
    let client = Client::from_conf(Config::new(&sdk(&transport).build()).interceptor(Rewrite));
    let out = client
        .get_item()
        .table_name("t")
        .key("pk", "1")
        .send()
        .await
        .unwrap();
    let item = out.item.unwrap();
    assert_eq!(
        item.get("pk"),
        Some(&ziggurat::dynamodb::types::AttributeValue::S(
            "from-interceptor".into()
        ))
    );

    // A failure right after transmit: nothing is deserialized, the call says who refused.
    struct Refuse;
    impl Intercept for Refuse {
        fn name(&self) -> &'static str {
            "Refuse"
        }
        fn hooks(&self) -> Hooks {
            Hooks::READ_AFTER_TRANSMIT
        }
        fn read_after_transmit(
            &self,
            _: &http::Response<Body>,
            _: &mut Context,
        ) -> Result<(), BoxError> {
            Err("not this one".into())
        }
    }
    let client = Client::from_conf(
        Config::new(
            &sdk(&transport)
                .retry_config(RetryConfig::standard().with_max_attempts(1))
                .build(),
        )
        .interceptor(Refuse),
    );
    let err = client
        .get_item()
        .table_name("t")
        .key("pk", "1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Interceptor);
    assert!(err.as_service_error().is_none());
    assert!(
        err.to_string()
            .contains("interceptor Refuse failed in read_after_transmit: not this one"),
        "{err}"
    );
    assert_eq!(err.metadata().http_status(), Some(400));
}
