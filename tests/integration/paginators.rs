//! Paginators: every one the models define is generated, and they page through real peers
//! (s3s-fs, dynalite, moto) and through scripted loopback servers that repeat a token or fail
//! a page.
use crate::fault_server::{Action, FaultServer};
use crate::support;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::PathBuf;

use futures_util::{StreamExt, TryStreamExt};
use support::peers::{peer_config, peer_url, unique};
use support::s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use ziggurat::prelude::*;
use ziggurat::runtime::OperationEntry;
use ziggurat::runtime::waiter::jmespath::Expression;

/// The botocore models, or `None` after saying loudly that the test is skipped.
fn models() -> Option<PathBuf> {
    let dir = std::env::var_os("ZIGGURAT_CONFORMANCE")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/conformance"))
        .join("botocore-models");
    if dir.is_dir() {
        Some(dir)
    } else {
        use std::io::Write;
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: the botocore models are not at {} (set ZIGGURAT_CONFORMANCE)",
            dir.display()
        );
        None
    }
}

/// Every generated service: its model folder, operations and waiters.
fn services() -> Vec<(
    &'static str,
    &'static [OperationEntry],
    &'static [ziggurat::runtime::WaiterEntry],
)> {
    vec![
        (
            "s3/2006-03-01",
            ziggurat::s3::OPERATIONS,
            ziggurat::s3::waiters::WAITERS,
        ),
        (
            "dynamodb/2012-08-10",
            ziggurat::dynamodb::OPERATIONS,
            ziggurat::dynamodb::waiters::WAITERS,
        ),
        (
            "lambda/2015-03-31",
            ziggurat::lambda::OPERATIONS,
            ziggurat::lambda::waiters::WAITERS,
        ),
        ("sqs/2012-11-05", ziggurat::sqs::OPERATIONS, &[]),
        ("sns/2010-03-31", ziggurat::sns::OPERATIONS, &[]),
        ("sts/2011-06-15", ziggurat::sts::OPERATIONS, &[]),
        ("sso/2019-06-10", ziggurat::sso::OPERATIONS, &[]),
        ("sso-oidc/2019-06-10", ziggurat::ssooidc::OPERATIONS, &[]),
    ]
}

fn read_json(path: PathBuf) -> Option<serde_json::Value> {
    let text = std::fs::read_to_string(path).ok()?;
    Some(serde_json::from_str(&text).unwrap())
}

fn strings(v: Option<&serde_json::Value>) -> Vec<String> {
    match v {
        Some(serde_json::Value::String(s)) => vec![s.clone()],
        Some(serde_json::Value::Array(a)) => a
            .iter()
            .filter_map(|s| s.as_str().map(str::to_owned))
            .collect(),
        _ => vec![],
    }
}

#[test]
fn every_paginator_and_waiter_of_the_models_is_generated() {
    let Some(models) = models() else { return };
    let (mut paginators, mut waiters) = (0, 0);
    for (model, operations, generated_waiters) in services() {
        let dir = models.join(model);
        let modeled: BTreeMap<String, serde_json::Value> = read_json(dir.join("paginators-1.json"))
            .and_then(|v| serde_json::from_value(v["pagination"].clone()).ok())
            .unwrap_or_default();
        let generated: BTreeMap<&str, _> = operations
            .iter()
            .filter_map(|op| op.paginator.map(|p| (op.schema.name, p.schema)))
            .collect();
        assert_eq!(
            generated.keys().copied().collect::<BTreeSet<_>>(),
            modeled.keys().map(String::as_str).collect::<BTreeSet<_>>(),
            "{model}: paginators"
        );
        for (name, p) in &modeled {
            let schema = generated[name.as_str()];
            assert_eq!(
                schema.input_tokens,
                strings(p.get("input_token")),
                "{model} {name}"
            );
            assert_eq!(
                schema.output_tokens,
                strings(p.get("output_token")),
                "{model} {name}"
            );
            assert_eq!(
                schema.result_keys,
                strings(p.get("result_key")),
                "{model} {name}"
            );
            assert_eq!(
                schema.limit_key,
                p.get("limit_key").and_then(|v| v.as_str()),
                "{model} {name}"
            );
            assert_eq!(
                schema.more_results,
                p.get("more_results").and_then(|v| v.as_str()),
                "{model} {name}"
            );
            // Every output token parses as JMESPath (the command line prints them).
            for token in schema.output_tokens {
                Expression::parse(token).unwrap();
            }
        }
        if !model.starts_with("sso") {
            paginators += modeled.len();
        }

        let modeled: BTreeMap<String, serde_json::Value> = read_json(dir.join("waiters-2.json"))
            .and_then(|v| serde_json::from_value(v["waiters"].clone()).ok())
            .unwrap_or_default();
        let generated: BTreeMap<&str, _> = generated_waiters
            .iter()
            .map(|w| (w.schema.name, w))
            .collect();
        assert_eq!(
            generated.keys().copied().collect::<BTreeSet<_>>(),
            modeled.keys().map(String::as_str).collect::<BTreeSet<_>>(),
            "{model}: waiters"
        );
        for (name, w) in &modeled {
            let entry = generated[name.as_str()];
            assert_eq!(entry.schema.operation, w["operation"].as_str().unwrap());
            assert_eq!(entry.operation.schema.name, entry.schema.operation);
            assert_eq!(
                entry.schema.min_delay.as_secs(),
                w["delay"].as_u64().unwrap()
            );
            assert_eq!(
                u64::from(entry.schema.max_attempts),
                w["maxAttempts"].as_u64().unwrap()
            );
            let acceptors = w["acceptors"].as_array().unwrap();
            assert_eq!(entry.schema.acceptors.len(), acceptors.len(), "{name}");
            // Every expression a waiter evaluates parses; this lists them all.
            for a in acceptors {
                if let Some(expr) = a.get("argument").and_then(|v| v.as_str()) {
                    Expression::parse(expr).unwrap_or_else(|e| panic!("{name}: {e}"));
                    println!("{model} {name}: {expr}");
                }
            }
        }
        waiters += modeled.len();
    }
    // The six services' (SSO's are generated too, for the credential chain).
    assert_eq!((paginators, waiters), (40, 17));
}

fn s3_config(server: &S3Server) -> SdkConfig {
    SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY, None))
        .endpoint_url(server.url())
        .build()
}

/// Puts `n` one-byte objects `k/00000`, `k/00001`, ... into a new bucket.
async fn bucket_with_keys(s3: &ziggurat::s3::Client, bucket: &str, n: usize) -> BTreeSet<String> {
    s3.create_bucket().bucket(bucket).send().await.unwrap();
    let keys: BTreeSet<String> = (0..n).map(|i| format!("k/{i:05}")).collect();
    futures_util::stream::iter(keys.iter().cloned())
        .map(|key| {
            let s3 = s3.clone();
            async move {
                s3.put_object()
                    .bucket(bucket)
                    .key(key)
                    .body(Body::from("x"))
                    .send()
                    .await
            }
        })
        .buffer_unordered(16)
        .try_collect::<Vec<_>>()
        .await
        .unwrap();
    keys
}

/// Lists `bucket` page by page, checking each page's size; the keys in order and the pages.
async fn list_all(s3: &ziggurat::s3::Client, bucket: &str, size: i32) -> (Vec<String>, usize) {
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut stream = s3
        .list_objects_v2()
        .bucket(bucket)
        .into_paginator()
        .page_size(size)
        .send();
    while let Some(page) = stream.next().await {
        let contents = page.unwrap().contents.unwrap_or_default();
        assert!(
            contents.len() <= size as usize,
            "page of {}",
            contents.len()
        );
        seen.extend(contents.into_iter().filter_map(|o| o.key));
        pages += 1;
    }
    assert!(seen.windows(2).all(|w| w[0] < w[1]), "in order, no repeats");
    (seen, pages)
}

/// 2,500 keys in pages of 1,000; pages of 1 and 7 over 150 keys: s3s-fs walks and stats the
/// whole bucket for every page it serves, so 2,500 one-key pages would take it minutes.
#[tokio::test]
async fn list_objects_v2_pages_through_thousands_of_keys_at_page_sizes_1_7_and_1000() {
    let server = S3Server::start().await.unwrap();
    let s3 = ziggurat::s3::Client::new(&s3_config(&server));
    let many = bucket_with_keys(&s3, "many", 2500).await;
    let few = bucket_with_keys(&s3, "few", 150).await;
    for (bucket, keys, size, pages) in [
        ("many", &many, 1000, 3),
        ("few", &few, 1, 150),
        ("few", &few, 7, 22),
    ] {
        let (seen, count) = list_all(&s3, bucket, size).await;
        assert_eq!(count, pages, "pages of {size}");
        assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), *keys);
        assert_eq!(seen.len(), keys.len());
    }

    // `items()` flattens the pages into objects.
    let items: Vec<_> = s3
        .list_objects_v2()
        .bucket("many")
        .prefix("k/000")
        .into_paginator()
        .page_size(30)
        .send()
        .items()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(items.len(), 100);
    assert_eq!(items[99].key.as_deref(), Some("k/00099"));
}

fn dynamodb() -> Option<ziggurat::dynamodb::Client> {
    let url = peer_url("ZIGGURAT_DYNALITE_URL", "dynamodb paginators")?;
    Some(ziggurat::dynamodb::Client::new(&peer_config(url)))
}

#[tokio::test]
async fn scan_and_query_page_through_a_table_on_dynalite() {
    use ziggurat::dynamodb::types::AttributeValue;
    let Some(ddb) = dynamodb() else { return };
    let table = unique("pages");
    crate::dynamodb::create_active_table(&ddb, &table).await;
    for pk in ["a", "b"] {
        for sk in 0..23 {
            ddb.put_item()
                .table_name(&table)
                .item("pk", pk)
                .item("sk", AttributeValue::N(sk.to_string()))
                .send()
                .await
                .unwrap();
        }
    }

    let pages: Vec<_> = ddb
        .scan()
        .table_name(&table)
        .into_paginator()
        .page_size(10)
        .send()
        .try_collect()
        .await
        .unwrap();
    // 46 items, 10 a page: 5 pages, the last of 6 (dynalite, like DynamoDB, returns a
    // LastEvaluatedKey on a full page even when nothing follows, then an empty page).
    let counts: Vec<i32> = pages.iter().map(|p| p.count.unwrap_or_default()).collect();
    assert_eq!(counts.iter().sum::<i32>(), 46);
    assert!(pages.len() >= 5, "{counts:?}");
    assert!(pages.last().unwrap().last_evaluated_key.is_none());

    let items: Vec<HashMap<String, AttributeValue>> = ddb
        .query()
        .table_name(&table)
        .key_condition_expression("pk = :pk")
        .expression_attribute_values(":pk", "b")
        .into_paginator()
        .page_size(4)
        .send()
        .items()
        .try_collect()
        .await
        .unwrap();
    let sks: Vec<String> = items
        .iter()
        .map(|i| match i.get("sk") {
            Some(AttributeValue::N(n)) => n.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(sks, (0..23).map(|i| i.to_string()).collect::<Vec<_>>());
    ddb.delete_table().table_name(&table).send().await.unwrap();
}

#[tokio::test]
async fn list_queues_and_list_topics_page_on_moto() {
    let Some(url) = peer_url("ZIGGURAT_MOTO_URL", "sqs and sns paginators") else {
        return;
    };
    let config = peer_config(url);
    let sqs = ziggurat::sqs::Client::new(&config);
    let prefix = unique("pq");
    let mut created = BTreeSet::new();
    for i in 0..12 {
        let out = sqs
            .create_queue()
            .queue_name(format!("{prefix}-{i:02}"))
            .send()
            .await
            .unwrap();
        created.insert(out.queue_url.unwrap());
    }
    let mut pages = 0;
    let mut listed = Vec::new();
    let mut stream = sqs
        .list_queues()
        .queue_name_prefix(&prefix)
        .into_paginator()
        .page_size(5)
        .send();
    while let Some(page) = stream.next().await {
        listed.extend(page.unwrap().queue_urls.unwrap_or_default());
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(listed.len(), 12);
    assert_eq!(listed.into_iter().collect::<BTreeSet<_>>(), created);

    // SNS pages ListTopics 100 at a time, with no page size to ask for.
    let sns = ziggurat::sns::Client::new(&config);
    let prefix = unique("pt");
    let mut created = BTreeSet::new();
    for i in 0..105 {
        let out = sns
            .create_topic()
            .name(format!("{prefix}-{i:03}"))
            .send()
            .await
            .unwrap();
        created.insert(out.topic_arn.unwrap());
    }
    let pages: Vec<_> = sns
        .list_topics()
        .into_paginator()
        .send()
        .try_collect()
        .await
        .unwrap();
    assert!(pages.len() >= 2, "{} pages", pages.len());
    let arns: Vec<String> = pages
        .into_iter()
        .flat_map(|p| p.topics.unwrap_or_default())
        .filter_map(|t| t.topic_arn)
        .collect();
    assert_eq!(
        arns.len(),
        arns.iter().collect::<BTreeSet<_>>().len(),
        "no repeats"
    );
    let ours: BTreeSet<String> = arns.into_iter().filter(|a| a.contains(&prefix)).collect();
    assert_eq!(ours, created);
}

fn scripted_dynamodb(server: &FaultServer) -> ziggurat::dynamodb::Client {
    ziggurat::dynamodb::Client::new(&peer_config(server.url()))
}

fn tables_page(names: &[&str], next: Option<&str>) -> Action {
    let mut body = serde_json::json!({ "TableNames": names });
    if let Some(next) = next {
        body["LastEvaluatedTableName"] = next.into();
    }
    Action::respond(
        200,
        &[("content-type", "application/x-amz-json-1.0")],
        body.to_string(),
    )
}

#[tokio::test]
async fn a_server_that_repeats_its_token_ends_the_stream_with_an_error() {
    let server = FaultServer::start(|n, _| match n {
        0 => tables_page(&["a"], Some("a")),
        _ => tables_page(&["a"], Some("a")),
    })
    .await;
    let ddb = scripted_dynamodb(&server);
    let results: Vec<_> = ddb.list_tables().into_paginator().send().collect().await;
    // The first page (sent without a token), the second (sent with `a`, answered with `a`
    // again), then the error instead of a third request.
    assert_eq!(results.len(), 3, "{results:?}");
    assert!(results[0].is_ok() && results[1].is_ok());
    let err = results[2].as_ref().unwrap_err();
    assert!(err.to_string().contains("same pagination token"), "{err}");
    assert_eq!(server.request_count(), 2);
}

#[tokio::test]
async fn a_failed_page_ends_the_stream_and_keeps_the_pages_before_it() {
    let server = FaultServer::start(|n, _| match n {
        0 => tables_page(&["a", "b"], Some("b")),
        1 => tables_page(&["c", "d"], Some("d")),
        _ => Action::respond(
            400,
            &[("content-type", "application/x-amz-json-1.0")],
            r#"{"__type":"com.amazonaws.dynamodb.v20120810#AccessDeniedException","message":"no more"}"#,
        ),
    })
    .await;
    let ddb = scripted_dynamodb(&server);
    let mut items = ddb
        .list_tables()
        .into_paginator()
        .page_size(2)
        .send()
        .items();
    let mut names = Vec::new();
    let mut error = None;
    while let Some(item) = items.next().await {
        match item {
            Ok(name) => names.push(name),
            Err(e) => error = Some(e),
        }
    }
    assert_eq!(names, ["a", "b", "c", "d"]);
    let error = error.expect("the third page's error");
    assert_eq!(error.code(), Some("AccessDeniedException"));
    // The page size went out as the limit; the tokens as the start names.
    let bodies: Vec<serde_json::Value> = server
        .requests()
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(bodies[0], serde_json::json!({ "Limit": 2 }));
    assert_eq!(
        bodies[1],
        serde_json::json!({ "Limit": 2, "ExclusiveStartTableName": "b" })
    );
    assert_eq!(
        bodies[2],
        serde_json::json!({ "Limit": 2, "ExclusiveStartTableName": "d" })
    );
}

#[tokio::test]
async fn dropping_the_stream_stops_the_requests() {
    let server = FaultServer::start(|n, _| {
        let next = format!("t{}", n + 1);
        tables_page(&["x"], Some(next.as_str()))
    })
    .await;
    let ddb = scripted_dynamodb(&server);
    let mut pages = ddb.list_tables().into_paginator().send();
    for _ in 0..3 {
        pages.next().await.unwrap().unwrap();
    }
    drop(pages);
    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    // Three pages read, three requested: none ahead of the reader.
    assert_eq!(server.request_count(), 3);
}
