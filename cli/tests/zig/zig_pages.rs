//! `zig` paginates like the aws CLI (merged pages, `--max-items` with a `NextToken`,
//! `--starting-token`, `--page-size`, `--no-paginate`) and waits like it (exit 0 when the
//! waiter succeeds, 255 when it fails or times out).
use crate::support;
use crate::zig::{stderr, stdout_json, zig};

use serde_json::Value;
use support::peers::{peer_url, unique};
use support::s3_server::{S3Server, SECRET_KEY};

fn keys(out: &Value) -> Vec<String> {
    out["Contents"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|o| o["Key"].as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn s3_listings_are_merged_cut_and_resumed() {
    let server = S3Server::start().await.unwrap();
    let url = server.url();
    let s3 = |args: &[&str]| {
        let mut all = vec!["s3"];
        all.extend_from_slice(args);
        all.extend(["--endpoint-url", url.as_str()]);
        let all: Vec<String> = all.into_iter().map(str::to_owned).collect();
        async move {
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            zig(&refs, SECRET_KEY).await
        }
    };
    stdout_json(&s3(&["create-bucket", "--input-json", r#"{"Bucket":"pages"}"#]).await);
    let body = tempfile::NamedTempFile::new().unwrap();
    let path = body.path().to_str().unwrap().to_owned();
    for i in 0..25 {
        let input = format!(r#"{{"Bucket":"pages","Key":"k{i:02}"}}"#);
        stdout_json(&s3(&["put-object", "--input-json", &input, "--body", &path]).await);
    }
    let all: Vec<String> = (0..25).map(|i| format!("k{i:02}")).collect();
    let list = r#"{"Bucket":"pages"}"#;

    // Every page, merged: only the result keys, as the aws CLI prints them.
    let out =
        stdout_json(&s3(&["list-objects-v2", "--input-json", list, "--page-size", "4"]).await);
    assert_eq!(keys(&out), all);
    assert!(out.get("NextToken").is_none());
    assert!(
        out.get("IsTruncated").is_none() && out.get("KeyCount").is_none(),
        "{out}"
    );

    // 10 at a time, resumed from the printed token: 4 + 4 + 2 cuts the third page short.
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    for expected in [10, 10, 5] {
        let mut args = vec![
            "list-objects-v2",
            "--input-json",
            list,
            "--page-size",
            "4",
            "--max-items",
            "10",
        ];
        if let Some(t) = &token {
            args.extend(["--starting-token", t.as_str()]);
        }
        let out = stdout_json(&s3(&args).await);
        let page = keys(&out);
        assert_eq!(page.len(), expected, "{out}");
        seen.extend(page);
        token = out
            .get("NextToken")
            .and_then(Value::as_str)
            .map(str::to_owned);
    }
    assert!(token.is_none(), "no token after the last item");
    assert_eq!(seen, all);

    // One page as the service returns it.
    let out = stdout_json(
        &s3(&[
            "list-objects-v2",
            "--input-json",
            list,
            "--page-size",
            "4",
            "--no-paginate",
        ])
        .await,
    );
    assert_eq!(keys(&out).len(), 4);
    assert_eq!(out["IsTruncated"], Value::Bool(true));
    assert!(out["NextContinuationToken"].is_string());

    // A token that is not one.
    let out = s3(&[
        "list-objects-v2",
        "--input-json",
        list,
        "--starting-token",
        "bm9wZQ==",
    ])
    .await;
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("--starting-token"),
        "{}",
        stderr(&out)
    );

    // Waiters: the object is there; a missing one is not, and waiting for it times out.
    let out = s3(&[
        "wait",
        "object-exists",
        "--input-json",
        r#"{"Bucket":"pages","Key":"k00"}"#,
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = s3(&[
        "wait",
        "object-not-exists",
        "--input-json",
        r#"{"Bucket":"pages","Key":"nope"}"#,
    ])
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let out = s3(&[
        "wait",
        "object-exists",
        "--input-json",
        r#"{"Bucket":"pages","Key":"nope"}"#,
        "--max-wait",
        "0.5",
        "--min-delay",
        "0.1",
    ])
    .await;
    assert_eq!(out.status.code(), Some(255), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("ObjectExists") && stderr(&out).contains("timed out"),
        "{}",
        stderr(&out)
    );
    let out = s3(&["wait", "object-exist", "--input-json", "{}"]).await;
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("did you mean `object-exists`"),
        "{}",
        stderr(&out)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dynamodb_scans_merge_and_tables_are_waited_for() {
    let Some(url) = peer_url("ZIGGURAT_DYNALITE_URL", "zig dynamodb pages") else {
        return;
    };
    let ddb = |args: Vec<String>| {
        let url = url.clone();
        async move {
            let mut all = vec!["dynamodb".to_owned()];
            all.extend(args);
            all.extend(["--endpoint-url".to_owned(), url]);
            let refs: Vec<&str> = all.iter().map(String::as_str).collect();
            zig(&refs, SECRET_KEY).await
        }
    };
    let args = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let table = unique("zigpages");
    let create = format!(
        r#"{{"TableName":"{table}","AttributeDefinitions":[{{"AttributeName":"pk","AttributeType":"S"}}],
            "KeySchema":[{{"AttributeName":"pk","KeyType":"HASH"}}],
            "ProvisionedThroughput":{{"ReadCapacityUnits":1,"WriteCapacityUnits":1}}}}"#
    );
    stdout_json(&ddb(args(&["create-table", "--input-json", &create])).await);
    let exists = format!(r#"{{"TableName":"{table}"}}"#);
    let out = ddb(args(&[
        "wait",
        "table-exists",
        "--input-json",
        &exists,
        "--min-delay",
        "0.05",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // It exists: waiting for it not to fails after the time allowed, with 255.
    let out = ddb(args(&[
        "wait",
        "table-not-exists",
        "--input-json",
        &exists,
        "--min-delay",
        "0.05",
        "--max-wait",
        "0.5",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(255), "{}", stderr(&out));

    for i in 0..10 {
        let put = format!(r#"{{"TableName":"{table}","Item":{{"pk":{{"S":"p{i}"}}}}}}"#);
        stdout_json(&ddb(args(&["put-item", "--input-json", &put])).await);
    }
    let scan = format!(r#"{{"TableName":"{table}"}}"#);
    let out = stdout_json(&ddb(args(&["scan", "--input-json", &scan, "--page-size", "3"])).await);
    assert_eq!(out["Items"].as_array().map(Vec::len), Some(10), "{out}");
    // Counts are summed across the pages.
    assert_eq!(out["Count"], Value::from(10));
    assert_eq!(out["ScannedCount"], Value::from(10));
    let out = stdout_json(
        &ddb(args(&[
            "scan",
            "--input-json",
            &scan,
            "--page-size",
            "3",
            "--max-items",
            "4",
        ]))
        .await,
    );
    assert_eq!(out["Items"].as_array().map(Vec::len), Some(4));
    let token = out["NextToken"].as_str().unwrap().to_owned();
    let rest = stdout_json(
        &ddb(args(&[
            "scan",
            "--input-json",
            &scan,
            "--page-size",
            "3",
            "--starting-token",
            &token,
        ]))
        .await,
    );
    assert_eq!(rest["Items"].as_array().map(Vec::len), Some(6));
    let mut pks: Vec<String> = out["Items"]
        .as_array()
        .into_iter()
        .chain(rest["Items"].as_array())
        .flatten()
        .filter_map(|i| i["pk"]["S"].as_str().map(str::to_owned))
        .collect();
    pks.sort();
    assert_eq!(pks, (0..10).map(|i| format!("p{i}")).collect::<Vec<_>>());

    stdout_json(&ddb(args(&["delete-table", "--input-json", &exists])).await);
    let out = ddb(args(&[
        "wait",
        "table-not-exists",
        "--input-json",
        &exists,
        "--min-delay",
        "0.05",
    ]))
    .await;
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}
