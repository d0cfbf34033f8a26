//! `zig` against a fault-injecting loopback server: how many attempts the server sees, the
//! retry headers on each, and the exit code, with `AWS_MAX_ATTEMPTS` and `AWS_RETRY_MODE` set
//! and unset. The server's `x-amz-retry-after: 1` hint keeps standard-mode backoff at 1 ms.
use crate::fault_server;

use std::process::Output;

use fault_server::{Action, FaultServer, Seen};

const GET_ITEM: &str = r#"{"TableName":"t","Key":{"pk":{"S":"a"}}}"#;
const JSON: (&str, &str) = ("content-type", "application/x-amz-json-1.0");

async fn zig(server: &FaultServer, env: &[(&str, &str)]) -> Output {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_zig"));
    cmd.args(["dynamodb", "get-item", "--input-json", GET_ITEM])
        .args(["--endpoint-url", &server.url()])
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        // No shared files and no IMDS: only what the test sets counts.
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env_remove("AWS_MAX_ATTEMPTS")
        .env_remove("AWS_RETRY_MODE")
        .env_remove("AWS_NEW_RETRIES_2026")
        .env("AWS_ACCESS_KEY_ID", "AKID")
        .env("AWS_SECRET_ACCESS_KEY", "SECRET")
        .env("AWS_REGION", "us-east-1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().await.expect("run zig")
}

fn unavailable() -> Action {
    Action::respond(
        503,
        &[JSON, ("x-amz-retry-after", "1")],
        r#"{"__type":"ServiceUnavailable","message":"try later"}"#,
    )
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Every attempt carries the operation's one invocation id and its own `amz-sdk-request`.
fn check_headers(seen: &[Seen], max: u32) {
    let id = seen[0]
        .header("amz-sdk-invocation-id")
        .expect("invocation id");
    assert_eq!(id.len(), 36);
    for (i, req) in seen.iter().enumerate() {
        assert_eq!(
            req.header("amz-sdk-invocation-id"),
            Some(id),
            "attempt {}",
            i + 1
        );
        let info = format!("attempt={}; max={max}", i + 1);
        assert_eq!(req.header("amz-sdk-request"), Some(info.as_str()));
        assert!(
            req.header("authorization")
                .is_some_and(|a| a.starts_with("AWS4-HMAC-SHA256")),
            "every attempt is signed"
        );
    }
    let dates: Vec<_> = seen.iter().filter_map(|r| r.header("x-amz-date")).collect();
    assert_eq!(dates.len(), seen.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unset_means_three_attempts_then_exit_1() {
    let server = FaultServer::always(unavailable()).await;
    let out = zig(&server, &[]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("(ServiceUnavailable)"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
    let seen = server.requests();
    assert_eq!(seen.len(), 3);
    check_headers(&seen, 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_that_recovers_exits_0() {
    let server = FaultServer::start(|n, _| {
        if n < 2 {
            unavailable()
        } else {
            Action::respond(200, &[JSON], r#"{"Item":{"pk":{"S":"a"}}}"#)
        }
    })
    .await;
    let out = zig(&server, &[]).await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON output");
    assert_eq!(json["Item"]["pk"]["S"], "a", "{json}");
    check_headers(&server.requests(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_max_attempts_sets_the_attempts() {
    for (value, expected) in [("5", 5), ("1", 1)] {
        let server = FaultServer::always(unavailable()).await;
        let out = zig(&server, &[("AWS_MAX_ATTEMPTS", value)]).await;
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let seen = server.requests();
        assert_eq!(seen.len(), expected, "AWS_MAX_ATTEMPTS={value}");
        check_headers(&seen, expected as u32);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aws_retry_mode_selects_the_strategy() {
    for mode in ["standard", "adaptive", "standard-2026", "ADAPTIVE-2026"] {
        let server = FaultServer::always(unavailable()).await;
        let out = zig(
            &server,
            &[("AWS_RETRY_MODE", mode), ("AWS_MAX_ATTEMPTS", "4")],
        )
        .await;
        assert_eq!(out.status.code(), Some(1), "{mode}: {}", stderr(&out));
        let seen = server.requests();
        assert_eq!(seen.len(), 4, "{mode}");
        check_headers(&seen, 4);
    }
    // The 2026 rules without a hint: 50 ms base for a 500, and DynamoDB gets 4 attempts.
    let server = FaultServer::always(Action::respond(
        500,
        &[JSON],
        r#"{"__type":"InternalServerError"}"#,
    ))
    .await;
    let out = zig(&server, &[("AWS_NEW_RETRIES_2026", "true")]).await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    check_headers(&server.requests(), 4);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invalid_retry_setting_fails_before_sending() {
    for (k, v) in [
        ("AWS_RETRY_MODE", "legacy"),
        ("AWS_RETRY_MODE", "turbo"),
        ("AWS_MAX_ATTEMPTS", "0"),
        ("AWS_MAX_ATTEMPTS", "many"),
    ] {
        let server = FaultServer::always(unavailable()).await;
        let out = zig(&server, &[(k, v)]).await;
        assert_eq!(out.status.code(), Some(1), "{k}={v}");
        let err = stderr(&out);
        assert!(err.contains(k) && err.contains(v), "{k}={v}: {err}");
        assert_eq!(server.request_count(), 0, "{k}={v}");
    }
}
