//! Waiters against real peers (dynalite's tables take a moment to become `ACTIVE`, s3s-fs's
//! buckets and objects, moto's Lambda functions), and their failure acceptors, unexpected
//! errors and timeouts in virtual time over the test transport.
use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use crate::fault_server::{Action, FaultServer};
use support::peers::{peer_config, peer_url, unique};
use support::s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use ziggurat::prelude::*;
use ziggurat::runtime::waiter::WaiterErrorKind;
use ziggurat_core::transport::{Rule, TestTransport};

const MINUTE: Duration = Duration::from_secs(60);
/// Delays for local peers, which are ready in milliseconds.
const FAST: (Duration, Duration) = (Duration::from_millis(50), Duration::from_millis(400));

#[tokio::test]
async fn table_exists_and_table_not_exists_on_dynalite() {
    use ziggurat::dynamodb::types::{
        AttributeDefinition, KeySchemaElement, KeyType, ProvisionedThroughput, ScalarAttributeType,
        TableStatus,
    };
    let Some(url) = peer_url("ZIGGURAT_DYNALITE_URL", "dynamodb waiters") else {
        return;
    };
    let ddb = ziggurat::dynamodb::Client::new(&peer_config(url));
    let table = unique("wait");
    // Before it exists: TableExists retries on ResourceNotFoundException, and a short wait
    // times out.
    let err = ddb
        .wait_until_table_exists()
        .table_name(&table)
        .wait(Duration::from_millis(300))
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err}");
    assert_eq!(err.attempts(), 1);
    // The poll's answer, unless the machine was so busy that the deadline came first.
    if let Some(last) = err.last() {
        assert_eq!(last.unwrap_err().code(), Some("ResourceNotFoundException"));
    }

    let created = ddb
        .create_table()
        .table_name(&table)
        .attribute_definitions(AttributeDefinition {
            attribute_name: "pk".into(),
            attribute_type: ScalarAttributeType::S,
        })
        .key_schema(KeySchemaElement {
            attribute_name: "pk".into(),
            key_type: KeyType::Hash,
        })
        .provisioned_throughput(ProvisionedThroughput {
            read_capacity_units: 1,
            write_capacity_units: 1,
        })
        .send()
        .await
        .unwrap();
    assert_eq!(
        created.table_description.unwrap().table_status,
        Some(TableStatus::Creating)
    );
    let done = ddb
        .wait_until_table_exists()
        .table_name(&table)
        .with_delays(FAST.0, FAST.1)
        .wait(MINUTE)
        .await
        .unwrap();
    let table_out = done.output().unwrap().table.as_ref().unwrap();
    assert_eq!(table_out.table_status, Some(TableStatus::Active));

    ddb.delete_table().table_name(&table).send().await.unwrap();
    let gone = ddb
        .wait_until_table_not_exists()
        .table_name(&table)
        .with_delays(FAST.0, FAST.1)
        .wait(MINUTE)
        .await
        .unwrap();
    // Success on the error the acceptor expects: the final poll is that error.
    assert_eq!(
        gone.as_result().unwrap_err().code(),
        Some("ResourceNotFoundException")
    );
}

#[tokio::test]
async fn bucket_and_object_waiters_on_s3s_fs() {
    let server = S3Server::start().await.unwrap();
    let config = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY, None))
        .endpoint_url(server.url())
        .build();
    let s3 = ziggurat::s3::Client::new(&config);
    let err = s3
        .wait_until_bucket_exists()
        .bucket("later")
        .wait(Duration::from_millis(200))
        .await
        .unwrap_err();
    assert!(err.is_timeout());

    s3.create_bucket().bucket("later").send().await.unwrap();
    let done = s3
        .wait_until_bucket_exists()
        .bucket("later")
        .wait(MINUTE)
        .await
        .unwrap();
    assert_eq!(done.attempts(), 1);
    assert_eq!(
        done.output().unwrap().response_metadata.http_status(),
        Some(200)
    );

    // ObjectExists retries on 404 until the object is there: the object is put once the
    // waiter has seen a 404 (an interceptor on the wait says so), whatever the machine's load.
    struct Polled(Arc<tokio::sync::Notify>);
    impl ziggurat::interceptor::Intercept for Polled {
        fn name(&self) -> &'static str {
            "Polled"
        }
        fn hooks(&self) -> ziggurat::interceptor::Hooks {
            ziggurat::interceptor::Hooks::READ_AFTER_ATTEMPT
        }
        fn read_after_attempt(
            &self,
            result: &ziggurat::interceptor::CallResult,
            _: &mut ziggurat::context::Context,
        ) -> Result<(), ziggurat::error::BoxError> {
            if result.is_err() {
                self.0.notify_one();
            }
            Ok(())
        }
    }
    let polled = Arc::new(tokio::sync::Notify::new());
    let waiting = tokio::spawn({
        let s3 = s3.clone();
        let polled = polled.clone();
        async move {
            s3.wait_until_object_exists()
                .bucket("later")
                .key("k")
                .with_delays(FAST.0, FAST.1)
                .customize(|o| o.interceptor(Polled(polled)))
                .wait(MINUTE)
                .await
        }
    });
    polled.notified().await;
    s3.put_object()
        .bucket("later")
        .key("k")
        .body(Body::from("here"))
        .send()
        .await
        .unwrap();
    let done = waiting.await.unwrap().unwrap();
    assert!(done.attempts() >= 2, "{} attempts", done.attempts());
    assert_eq!(done.output().unwrap().content_length, Some(4));

    s3.delete_object()
        .bucket("later")
        .key("k")
        .send()
        .await
        .unwrap();
    s3.wait_until_object_not_exists()
        .bucket("later")
        .key("k")
        .wait(MINUTE)
        .await
        .unwrap();
    s3.delete_bucket().bucket("later").send().await.unwrap();
    s3.wait_until_bucket_not_exists()
        .bucket("later")
        .wait(MINUTE)
        .await
        .unwrap();
}

#[tokio::test]
async fn function_active_v2_on_moto() {
    let Some(url) = peer_url("ZIGGURAT_MOTO_URL", "lambda waiters") else {
        return;
    };
    let role = crate::lambda::moto_role(&url, &unique("waitrole")).await;
    let lambda = ziggurat::lambda::Client::new(&peer_config(url));
    let name = unique("waitfn");
    let code = crate::lambda::zip_one("index.py", b"def handler(event, context):\n    return 1\n");
    lambda
        .create_function()
        .function_name(&name)
        .runtime(ziggurat::lambda::types::Runtime::Python312)
        .role(&role)
        .handler("index.handler")
        .code(ziggurat::lambda::types::FunctionCode {
            zip_file: Some(code.into()),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let done = lambda
        .wait_until_function_active_v2()
        .function_name(&name)
        .wait(MINUTE)
        .await
        .unwrap();
    let state = done
        .output()
        .unwrap()
        .configuration
        .as_ref()
        .and_then(|c| c.state.clone());
    assert_eq!(state, Some(ziggurat::lambda::types::State::Active));
    let exists = lambda
        .wait_until_function_exists()
        .function_name(&name)
        .wait(MINUTE)
        .await
        .unwrap();
    assert_eq!(exists.attempts(), 1);
}

/// A DynamoDB client over `transport`, with no retries (each poll is one request).
fn scripted(transport: &TestTransport) -> ziggurat::dynamodb::Client {
    let config = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new("AKID", "secret", None))
        .http_client(transport.clone().into_http_client())
        .retry_config(ziggurat_core::retry::RetryConfig::standard().with_max_attempts(1))
        .build();
    ziggurat::dynamodb::Client::new(&config)
}

fn describe(status: &str) -> (u16, String) {
    (
        200,
        format!(r#"{{"Table":{{"TableName":"t","TableStatus":"{status}"}}}}"#),
    )
}

/// A transport answering DescribeTable with `answers` in turn (the last one forever), counting
/// the requests.
fn answers(answers: Vec<(u16, String)>) -> (TestTransport, Arc<AtomicUsize>) {
    let served = Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    let transport = TestTransport::new().rule(Rule::any().respond_with(move |_| {
        let n = count.fetch_add(1, Ordering::SeqCst);
        let (status, body) = answers
            .get(n)
            .or(answers.last())
            .cloned()
            .unwrap_or((500, String::new()));
        Ok(http::Response::builder()
            .status(status)
            .header("content-type", "application/x-amz-json-1.0")
            .body(body.into())
            .unwrap())
    }));
    (transport, served)
}

fn error(code: &str) -> (u16, String) {
    (
        400,
        format!(r#"{{"__type":"com.amazonaws.dynamodb.v20120810#{code}","message":"m"}}"#),
    )
}

#[tokio::test(start_paused = true)]
async fn retries_until_success_with_delays_between_the_minimum_and_the_doubling() {
    let (transport, served) = answers(vec![
        error("ResourceNotFoundException"),
        describe("CREATING"),
        describe("CREATING"),
        describe("CREATING"),
        describe("ACTIVE"),
    ]);
    let ddb = scripted(&transport);
    let start = tokio::time::Instant::now();
    let done = ddb
        .wait_until_table_exists()
        .table_name("t")
        .wait(Duration::from_secs(600))
        .await
        .unwrap();
    assert_eq!(done.attempts(), 5);
    assert_eq!(served.load(Ordering::SeqCst), 5);
    // Four delays: in [20, 20], [20, 40], [20, 80], [20, 120] seconds.
    let waited = start.elapsed();
    assert!(waited >= Duration::from_secs(80), "{waited:?}");
    assert!(waited <= Duration::from_secs(260), "{waited:?}");
    assert_eq!(done.elapsed(), waited);
}

#[tokio::test(start_paused = true)]
async fn a_failure_acceptor_ends_the_wait_and_says_which() {
    // BulkOperationCompleted fails on CANCELLED.
    let (transport, _) = answers(vec![
        (
            200,
            r#"{"BulkOperationDescription":{"BulkOperationStatus":"IN_PROGRESS"}}"#.to_owned(),
        ),
        (
            200,
            r#"{"BulkOperationDescription":{"BulkOperationStatus":"CANCELLED"}}"#.to_owned(),
        ),
    ]);
    let ddb = scripted(&transport);
    let err = ddb
        .wait_until_bulk_operation_completed()
        .bulk_operation_arn("arn:aws:dynamodb:us-east-1:1:bulk/x")
        .wait(Duration::from_secs(3600))
        .await
        .unwrap_err();
    assert_eq!(err.attempts(), 2);
    match err.kind() {
        WaiterErrorKind::FailureState { acceptor } => {
            assert!(acceptor.contains("CANCELLED"), "{acceptor}")
        }
        other => panic!("{other:?}"),
    }
    let text = err.to_string();
    assert!(
        text.contains("BulkOperationCompleted") && text.contains("failed after 2 attempts"),
        "{text}"
    );
    assert!(err.last().unwrap().is_ok());
}

#[tokio::test(start_paused = true)]
async fn an_error_no_acceptor_expects_ends_the_wait_with_that_error() {
    let (transport, served) = answers(vec![describe("CREATING"), error("AccessDeniedException")]);
    let ddb = scripted(&transport);
    let err = ddb
        .wait_until_table_exists()
        .table_name("t")
        .wait(Duration::from_secs(600))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), &WaiterErrorKind::UnexpectedError);
    assert_eq!(served.load(Ordering::SeqCst), 2);
    assert_eq!(
        err.last().unwrap().unwrap_err().code(),
        Some("AccessDeniedException")
    );
    assert!(std::error::Error::source(&err).is_some());
}

#[tokio::test(start_paused = true)]
async fn the_wait_times_out_without_sleeping_past_the_deadline() {
    let (transport, served) = answers(vec![describe("CREATING")]);
    let ddb = scripted(&transport);
    let start = tokio::time::Instant::now();
    let err = ddb
        .wait_until_table_exists()
        .table_name("t")
        .wait(Duration::from_secs(300))
        .await
        .unwrap_err();
    let waited = start.elapsed();
    assert!(err.is_timeout(), "{err}");
    assert!(waited <= Duration::from_secs(300), "{waited:?}");
    // The last delay left the minimum delay (20 s) for one more attempt; after it, with no
    // more than 20 s to spare, the wait ends.
    assert!(waited >= Duration::from_secs(280), "{waited:?}");
    assert_eq!(err.attempts() as usize, served.load(Ordering::SeqCst));
    assert!(err.attempts() >= 4, "{} attempts", err.attempts());
    assert!(err.to_string().contains("timed out"), "{err}");
}

/// In real time: a server that never answers, and a wait of half a second.
#[tokio::test]
async fn a_call_still_running_at_the_deadline_is_dropped() {
    let server = FaultServer::always(Action::Hang).await;
    let ddb = ziggurat::dynamodb::Client::new(&peer_config(server.url()));
    let start = std::time::Instant::now();
    let err = ddb
        .wait_until_table_exists()
        .table_name("t")
        .wait(Duration::from_millis(500))
        .await
        .unwrap_err();
    let waited = start.elapsed();
    assert!(err.is_timeout(), "{err}");
    assert!(waited >= Duration::from_millis(500), "{waited:?}");
    assert!(waited < Duration::from_secs(20), "{waited:?}");
    assert_eq!(err.attempts(), 1);
    assert!(err.last().is_none());
}
