//! `zig` run as a process against real peers: JSON output and exit codes.
use crate::support;

use std::process::Output;

use support::peers::{peer_url, unique};
use support::s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};

pub(crate) async fn zig(args: &[&str], secret: &str) -> Output {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_zig"))
        .args(args)
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_PROFILE")
        // No shared files and no IMDS: only what the test sets counts.
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_ACCESS_KEY_ID", ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", secret)
        .env("AWS_REGION", "us-east-1")
        .output()
        .await
        .expect("run zig")
}

pub(crate) fn stdout_json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "zig failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_operations_print_json_and_stream_files() {
    let server = S3Server::start().await.unwrap();
    let url = server.url();
    let ep = ["--endpoint-url", url.as_str()];
    let run = |op: &'static str, json: String, extra: Vec<String>| {
        let mut args: Vec<String> = vec!["s3".into(), op.into(), "--input-json".into(), json];
        args.extend(ep.iter().map(|s| s.to_string()));
        args.extend(extra);
        async move {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            zig(&refs, SECRET_KEY).await
        }
    };

    stdout_json(&run("create-bucket", r#"{"Bucket":"zigb"}"#.into(), vec![]).await);

    let dir = tempfile::tempdir().unwrap();
    let src = dir.path().join("in.bin");
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    std::fs::write(&src, &data).unwrap();
    let put = stdout_json(
        &run(
            "put-object",
            r#"{"Bucket":"zigb","Key":"dir/a file.bin"}"#.into(),
            vec!["--body".into(), src.display().to_string()],
        )
        .await,
    );
    assert!(
        put["ETag"].as_str().is_some_and(|e| e.starts_with('"')),
        "{put}"
    );

    let list = stdout_json(&run("list-objects-v2", r#"{"Bucket":"zigb"}"#.into(), vec![]).await);
    assert_eq!(list["Contents"][0]["Key"], "dir/a file.bin");
    assert_eq!(list["Contents"][0]["Size"], 300_000);

    let dst = dir.path().join("out.bin");
    let get = run(
        "get-object",
        r#"{"Bucket":"zigb","Key":"dir/a file.bin"}"#.into(),
        vec![
            dst.display().to_string(),
            "--timing".into(),
            "--debug-stack".into(),
        ],
    )
    .await;
    let meta = stdout_json(&get);
    assert_eq!(meta["ContentLength"], 300_000);
    assert!(std::fs::read(&dst).unwrap() == data);
    let err = stderr(&get);
    assert!(
        err.contains("Finalize stack step") && err.contains("Signing"),
        "{err}"
    );
    // The waterfall: the operation, its stages, the attempt and its parts, each with a bar.
    assert!(err.contains("timing:\noperation "), "{err}");
    for stage in [
        "  serialization",
        "  endpoint",
        "  attempt 1",
        "    signing",
        "    wire (first byte)",
    ] {
        assert!(
            err.lines()
                .any(|l| l.starts_with(stage) && l.ends_with('|')),
            "{stage}: {err}"
        );
    }

    let head = stdout_json(
        &run(
            "head-object",
            r#"{"Bucket":"zigb","Key":"dir/a file.bin"}"#.into(),
            vec![],
        )
        .await,
    );
    assert_eq!(head["ContentLength"], 300_000);

    // --debug: the wire log on stderr, redacted, and the waterfall; stdout stays JSON.
    let debug = run(
        "list-objects-v2",
        r#"{"Bucket":"zigb"}"#.into(),
        vec!["--debug".into()],
    )
    .await;
    assert_eq!(stdout_json(&debug)["Contents"][0]["Key"], "dir/a file.bin");
    let err = stderr(&debug);
    for expected in [
        "canonical request:\nGET\n/zigb\n",
        "string to sign:\nAWS4-HMAC-SHA256\n",
        "request (S3.ListObjectsV2, attempt 1):\nGET /zigb?list-type=2",
        "authorization: AWS4-HMAC-SHA256 Credential=** redacted **/",
        "response (S3.ListObjectsV2, attempt 1):\nHTTP/1.1 200 OK",
        "response body (S3.ListObjectsV2, attempt 1):",
        "<Key>dir/a file.bin</Key>",
        "timing:\noperation ",
    ] {
        assert!(err.contains(expected), "{expected:?} not on stderr:\n{err}");
    }
    assert!(
        !err.contains(SECRET_KEY) && !err.contains(ACCESS_KEY),
        "{err}"
    );

    // A service error: exit 1, code, message and request id on stderr.
    let missing = run(
        "get-object",
        r#"{"Bucket":"zigb","Key":"nope"}"#.into(),
        vec![dir.path().join("x").display().to_string()],
    )
    .await;
    assert_eq!(missing.status.code(), Some(1));
    let err = stderr(&missing);
    assert!(
        err.contains("(NoSuchKey)") && err.contains("GetObject"),
        "{err}"
    );
    assert!(err.contains("request id: ZIG"), "{err}");
    assert!(missing.stdout.is_empty());

    stdout_json(
        &run(
            "delete-object",
            r#"{"Bucket":"zigb","Key":"dir/a file.bin"}"#.into(),
            vec![],
        )
        .await,
    );
    stdout_json(&run("delete-bucket", r#"{"Bucket":"zigb"}"#.into(), vec![]).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_secret_exits_1_with_signature_error() {
    let server = S3Server::start().await.unwrap();
    let out = zig(
        &[
            "s3",
            "list-objects-v2",
            "--input-json",
            r#"{"Bucket":"sigbucket"}"#,
            "--endpoint-url",
            &server.url(),
        ],
        "bad-secret",
    )
    .await;
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("SignatureDoesNotMatch"), "{err}");
    assert!(!err.contains("bad-secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_usage_exits_2() {
    let cases: &[&[&str]] = &[
        &["s3"],
        &["s3", "no-such-op"],
        &["nosuchservice", "op"],
        &["s3", "list-objects-v2", "--input-json", "{not json"],
        &[
            "s3",
            "list-objects-v2",
            "--input-json",
            r#"{"Bucket":"b","Nope":1}"#,
        ],
        &[
            "s3",
            "get-object",
            "--input-json",
            r#"{"Bucket":"b","Key":"k"}"#,
        ],
        &[
            "s3",
            "put-object",
            "--input-json",
            r#"{"Bucket":"b","Key":"k"}"#,
            "--body",
            "/no/such/file",
        ],
        &["s3", "list-objects-v2", "--no-such-flag"],
        &[
            "dynamodb",
            "get-item",
            "--input-json",
            "file:///no/such/file.json",
        ],
    ];
    for args in cases {
        let out = zig(args, SECRET_KEY).await;
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(out.stdout.is_empty(), "{args:?}");
    }
    let help = zig(&["--help"], SECRET_KEY).await;
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("sso-oidc"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_generated_operation_is_listed_and_unknown_names_get_the_nearest_match() {
    let help = zig(&["dynamodb", "help"], SECRET_KEY).await;
    assert_eq!(help.status.code(), Some(0), "{}", stderr(&help));
    let listed = String::from_utf8_lossy(&help.stdout).into_owned();
    let (operations, waiters) = listed
        .split_once("zig dynamodb wait <waiter>:")
        .unwrap_or((listed.as_str(), ""));
    let count = |text: &str| text.lines().filter(|l| l.starts_with("  ")).count();
    assert_eq!(count(operations), 62, "{listed}");
    assert_eq!(count(waiters), 7, "{listed}");
    assert!(waiters.contains("  table-exists\n"), "{listed}");
    for op in [
        "get-item",
        "transact-write-items",
        "batch-execute-statement",
    ] {
        assert!(
            listed.contains(&format!("  {op}\n")),
            "{op} missing:\n{listed}"
        );
    }
    let sts = zig(&["sts", "help"], SECRET_KEY).await;
    assert!(String::from_utf8_lossy(&sts.stdout).contains("  get-caller-identity\n"));

    let typo = zig(&["dynamodb", "get-itme"], SECRET_KEY).await;
    assert_eq!(typo.status.code(), Some(2));
    assert!(
        stderr(&typo).contains("did you mean `get-item`"),
        "{}",
        stderr(&typo)
    );
    let service = zig(&["dynamodbb", "get-item"], SECRET_KEY).await;
    assert_eq!(service.status.code(), Some(2));
    assert!(
        stderr(&service).contains("did you mean `dynamodb`"),
        "{}",
        stderr(&service)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_json_exits_2_naming_what_is_wrong() {
    // Nothing is sent: the endpoint is a closed port.
    let ep = ["--endpoint-url", "http://127.0.0.1:9"];
    let cases: [(&[&str], &str); 4] = [
        (
            &[
                "dynamodb",
                "get-item",
                "--input-json",
                r#"{"TableName": 5}"#,
            ],
            "TableName",
        ),
        (
            &[
                "dynamodb",
                "get-item",
                "--input-json",
                r#"{"TableName": "t""#,
            ],
            "invalid --input-json",
        ),
        (
            &[
                "sqs",
                "send-message",
                "--input-json",
                r#"{"QueueUrl": "u"}"#,
            ],
            "MessageBody",
        ),
        (
            &[
                "dynamodb",
                "list-tables",
                "--input-json",
                r#"{"Limit": "ten"}"#,
            ],
            "Limit",
        ),
    ];
    for (args, needle) in cases {
        let mut all: Vec<&str> = args.to_vec();
        all.extend(ep);
        let out = zig(&all, SECRET_KEY).await;
        let err = stderr(&out);
        assert!(out.stdout.is_empty(), "{args:?}");
        assert!(err.contains(needle), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        // A missing required member is found before sending too, but by the client (exit 1).
        let want = if needle == "MessageBody" { 1 } else { 2 };
        assert_eq!(out.status.code(), Some(want), "{args:?}: {err}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_skeleton_shows_every_input_member() {
    let out = zig(
        &["sqs", "send-message", "--generate-cli-skeleton"],
        SECRET_KEY,
    )
    .await;
    let json = stdout_json(&out);
    for member in [
        "QueueUrl",
        "MessageBody",
        "DelaySeconds",
        "MessageAttributes",
    ] {
        assert!(json.get(member).is_some(), "{member}: {json}");
    }
    assert_eq!(json["DelaySeconds"], 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn query_protocol_operations_print_aws_cli_json() {
    let Some(url) = peer_url("ZIGGURAT_MOTO_URL", "zig sts against moto") else {
        return;
    };
    let out = zig(
        &["sts", "get-caller-identity", "--endpoint-url", &url],
        "testing",
    )
    .await;
    let json = stdout_json(&out);
    assert_eq!(json["Account"], "123456789012", "{json}");
    let role = zig(
        &[
            "sts",
            "assume-role",
            "--endpoint-url",
            &url,
            "--input-json",
            r#"{"RoleArn":"arn:aws:iam::123456789012:role/r","RoleSessionName":"s","DurationSeconds":900}"#,
        ],
        "testing",
    )
    .await;
    let json = stdout_json(&role);
    // Timestamps print as ISO 8601 text, as the aws CLI prints them.
    let expiration = json["Credentials"]["Expiration"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        expiration.contains('T') && expiration.ends_with('Z'),
        "{json}"
    );
    // Printing is not `Debug`: the command line shows the credentials it was asked for.
    assert!(
        json["Credentials"]["SecretAccessKey"]
            .as_str()
            .is_some_and(|s| !s.is_empty())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_operations_against_dynalite() {
    let Some(url) = peer_url("ZIGGURAT_DYNALITE_URL", "zig dynamodb") else {
        return;
    };
    let table = unique("zigtable");
    let ep = ["--endpoint-url", url.as_str()];
    let call = |op: &str, json: String| {
        let mut args = vec![
            "dynamodb".to_owned(),
            op.to_owned(),
            "--input-json".to_owned(),
            json,
        ];
        args.extend(ep.iter().map(|s| s.to_string()));
        async move {
            let refs: Vec<&str> = args.iter().map(String::as_str).collect();
            zig(&refs, "any-secret").await
        }
    };
    let created = stdout_json(&call("create-table", format!(
        r#"{{"TableName":"{table}","KeySchema":[{{"AttributeName":"pk","KeyType":"HASH"}}],"AttributeDefinitions":[{{"AttributeName":"pk","AttributeType":"S"}}],"BillingMode":"PAY_PER_REQUEST"}}"#)).await);
    assert_eq!(created["TableDescription"]["TableName"], table.as_str());
    for _ in 0..100 {
        let d = stdout_json(&call("describe-table", format!(r#"{{"TableName":"{table}"}}"#)).await);
        if d["Table"]["TableStatus"] == "ACTIVE" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let item = r#"{"pk":{"S":"k1"},"n":{"N":"42"},"l":{"L":[{"BOOL":true},{"NULL":true}]},"m":{"M":{"b":{"B":"aGk="}}}}"#;
    stdout_json(
        &call(
            "put-item",
            format!(r#"{{"TableName":"{table}","Item":{item}}}"#),
        )
        .await,
    );
    let got = stdout_json(
        &call(
            "get-item",
            format!(r#"{{"TableName":"{table}","Key":{{"pk":{{"S":"k1"}}}}}}"#),
        )
        .await,
    );
    let expected: serde_json::Value = serde_json::from_str(item).unwrap();
    assert_eq!(got["Item"], expected);

    let missing = call(
        "get-item",
        r#"{"TableName":"no-such-table-zig","Key":{"pk":{"S":"k"}}}"#.to_owned(),
    )
    .await;
    assert_eq!(missing.status.code(), Some(1));
    let err = stderr(&missing);
    assert!(
        err.contains("(ResourceNotFoundException)") && err.contains("request id: "),
        "{err}"
    );
    assert!(!err.contains("request id: (none)"), "{err}");
    stdout_json(&call("delete-table", format!(r#"{{"TableName":"{table}"}}"#)).await);
}

/// `zig s3 mb|cp|ls|presign|rm|rb`: the aws CLI's high-level commands, end to end.
#[tokio::test]
async fn high_level_s3_commands_move_files_and_list_them() {
    let server = S3Server::start().await.unwrap();
    let url = server.url();
    let dir = tempfile::tempdir().unwrap();
    let run = |args: Vec<String>| {
        let mut all = vec!["--endpoint-url".to_owned(), url.clone(), "s3".to_owned()];
        all.extend(args);
        async move {
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            zig(&refs, SECRET_KEY).await
        }
    };
    let ok = |out: &Output| {
        assert!(out.status.success(), "{}", stderr(out));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let s = |v: &[&str]| v.iter().map(|a| a.to_string()).collect::<Vec<_>>();

    assert_eq!(
        ok(&run(s(&["mb", "s3://hilevel"])).await),
        "make_bucket: hilevel\n"
    );
    // One byte over a part: a multipart upload of two parts.
    let body: Vec<u8> = (0..(5 << 20) + 1).map(|i: u32| (i % 249) as u8).collect();
    let src = dir.path().join("a.bin");
    std::fs::write(&src, &body).unwrap();
    let src = src.to_str().unwrap();
    let up = ok(&run(s(&[
        "cp",
        src,
        "s3://hilevel/dir/",
        "--part-size",
        "5242880",
    ]))
    .await);
    assert_eq!(up, format!("upload: {src} to s3://hilevel/dir/a.bin\n"));

    let top = ok(&run(s(&["ls", "s3://hilevel"])).await);
    assert_eq!(top.trim(), "PRE dir/", "{top}");
    let inside = ok(&run(s(&["ls", "s3://hilevel/dir/"])).await);
    assert!(
        inside
            .trim_end()
            .ends_with(&format!("{} a.bin", body.len())),
        "{inside}"
    );
    let buckets = ok(&run(s(&["ls"])).await);
    assert!(buckets.trim_end().ends_with(" hilevel"), "{buckets}");

    let down = dir.path().join("back");
    std::fs::create_dir(&down).unwrap();
    let out = ok(&run(s(&["cp", "s3://hilevel/dir/a.bin", down.to_str().unwrap()])).await);
    assert!(
        out.starts_with("download: s3://hilevel/dir/a.bin to "),
        "{out}"
    );
    assert_eq!(std::fs::read(down.join("a.bin")).unwrap(), body);

    let copied = ok(&run(s(&[
        "cp",
        "s3://hilevel/dir/a.bin",
        "s3://hilevel/copy of a.bin",
    ]))
    .await);
    assert_eq!(
        copied,
        "copy: s3://hilevel/dir/a.bin to s3://hilevel/copy of a.bin\n"
    );
    let all = ok(&run(s(&["ls", "s3://hilevel", "--recursive"])).await);
    assert!(
        all.contains(" copy of a.bin\n") && all.contains(" dir/a.bin\n"),
        "{all}"
    );

    let url_out = ok(&run(s(&[
        "presign",
        "s3://hilevel/dir/a.bin",
        "--expires-in",
        "60",
    ]))
    .await);
    assert!(url_out.starts_with(&server.url()), "{url_out}");
    assert!(url_out.contains("X-Amz-Expires=60&") && url_out.contains("X-Amz-Signature="));

    let rm = ok(&run(s(&["rm", "s3://hilevel/copy of a.bin"])).await);
    assert_eq!(rm, "delete: s3://hilevel/copy of a.bin\n");
    let rb = ok(&run(s(&["rb", "s3://hilevel", "--force"])).await);
    assert_eq!(
        rb,
        "delete: s3://hilevel/dir/a.bin\nremove_bucket: hilevel\n"
    );
    let gone = run(s(&["ls", "s3://hilevel"])).await;
    assert_eq!(gone.status.code(), Some(1), "{}", stderr(&gone));

    let usage = run(s(&["cp", "a", "b"])).await;
    assert_eq!(usage.status.code(), Some(2));
    assert!(
        stderr(&usage).contains("must be an s3:// URL"),
        "{}",
        stderr(&usage)
    );
}
