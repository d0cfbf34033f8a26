//! The DynamoDB client against a real peer: dynalite, a DynamoDB implementation on LevelDB,
//! at `$ZIGGURAT_DYNALITE_URL` (`scripts/test.sh` starts it). Without it the tests print
//! `SKIPPED` and pass.
//!
//! Every test creates its own table (unique name), so they run in parallel.
use std::collections::HashMap;
use std::io::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use ziggurat::dynamodb::types::{
    AttributeDefinition, AttributeValue, KeySchemaElement, KeyType, ProvisionedThroughput,
    ScalarAttributeType, TableStatus,
};
use ziggurat::dynamodb::{Client, DescribeTableError, GetItemError, PutItemError};
use ziggurat_core::config::SdkConfig;
use ziggurat_core::context::Region;
use ziggurat_core::credentials::Credentials;
use ziggurat_core::error::ErrorKind;
use ziggurat_core::metadata::HasMetadata;

/// How long a table may take to become `ACTIVE` or to disappear.
const TABLE_WAIT: Duration = Duration::from_secs(10);

fn client() -> Option<Client> {
    let url = match std::env::var("ZIGGURAT_DYNALITE_URL") {
        Ok(url) if !url.is_empty() => url,
        _ => {
            // The real stderr, not `eprintln!`: the harness's output capture must not hide it.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: dynamodb peer tests need ZIGGURAT_DYNALITE_URL (run scripts/test.sh)"
            );
            return None;
        }
    };
    let config = SdkConfig::builder()
        .region(Region::new("us-east-1"))
        .credentials(Credentials::new("AKIDTEST", "dummy-secret", None))
        .endpoint_url(url)
        .build();
    Some(Client::new(&config))
}

/// A table name no other test (or earlier run against the same peer) uses.
fn unique_table(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    format!(
        "{prefix}-{}-{nanos:x}-{}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

/// Creates a table keyed by `pk` (S, hash) and `sk` (N, range) and waits until it is `ACTIVE`.
pub(crate) async fn create_active_table(client: &Client, name: &str) {
    let created = client
        .create_table()
        .table_name(name)
        .attribute_definitions(AttributeDefinition {
            attribute_name: "pk".into(),
            attribute_type: ScalarAttributeType::S,
        })
        .attribute_definitions(AttributeDefinition {
            attribute_name: "sk".into(),
            attribute_type: ScalarAttributeType::N,
        })
        .key_schema(KeySchemaElement {
            attribute_name: "pk".into(),
            key_type: KeyType::Hash,
        })
        .key_schema(KeySchemaElement {
            attribute_name: "sk".into(),
            key_type: KeyType::Range,
        })
        .provisioned_throughput(ProvisionedThroughput {
            read_capacity_units: 5,
            write_capacity_units: 5,
        })
        .send()
        .await
        .unwrap();
    assert!(created.response_metadata().request_id().is_some());
    let table = created.table_description.unwrap();
    assert_eq!(table.table_name.as_deref(), Some(name));
    assert_eq!(table.table_status, Some(TableStatus::Creating));

    let done = client
        .wait_until_table_exists()
        .table_name(name)
        .with_delays(Duration::from_millis(50), Duration::from_millis(500))
        .wait(TABLE_WAIT)
        .await
        .unwrap_or_else(|e| panic!("table {name}: {e}"));
    let table = done.output().and_then(|o| o.table.clone()).unwrap();
    assert_eq!(table.table_status, Some(TableStatus::Active));
    assert_eq!(
        table.key_schema.unwrap(),
        vec![
            KeySchemaElement {
                attribute_name: "pk".into(),
                key_type: KeyType::Hash
            },
            KeySchemaElement {
                attribute_name: "sk".into(),
                key_type: KeyType::Range
            }
        ]
    );
    assert!(table.creation_date_time.is_some());
}

async fn delete_table(client: &Client, name: &str) {
    let out = client.delete_table().table_name(name).send().await.unwrap();
    assert_eq!(
        out.table_description.unwrap().table_name.as_deref(),
        Some(name)
    );
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

/// Sets have no order: sort their members so items compare by content.
fn normalize(v: &mut AttributeValue) {
    match v {
        AttributeValue::Ss(set) | AttributeValue::Ns(set) => set.sort(),
        AttributeValue::Bs(set) => set.sort(),
        AttributeValue::M(map) => map.values_mut().for_each(normalize),
        AttributeValue::L(list) => list.iter_mut().for_each(normalize),
        _ => {}
    }
}

fn normalized(mut item: HashMap<String, AttributeValue>) -> HashMap<String, AttributeValue> {
    item.values_mut().for_each(normalize);
    item
}

#[tokio::test]
async fn a_table_is_created_becomes_active_and_is_deleted() {
    let Some(client) = client() else { return };
    let name = unique_table("lifecycle");
    create_active_table(&client, &name).await;
    delete_table(&client, &name).await;

    let deadline = Instant::now() + TABLE_WAIT;
    loop {
        match client.describe_table().table_name(&name).send().await {
            Err(e) => {
                assert!(
                    matches!(
                        e.as_service_error(),
                        Some(DescribeTableError::ResourceNotFoundException(_))
                    ),
                    "{e:?}"
                );
                break;
            }
            Ok(out) => {
                let status = out.table.and_then(|t| t.table_status);
                assert_eq!(status, Some(TableStatus::Deleting));
                assert!(Instant::now() < deadline, "{name} still exists");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }
}

#[tokio::test]
async fn every_attribute_type_round_trips_through_put_and_get() {
    let Some(client) = client() else { return };
    let name = unique_table("types");
    create_active_table(&client, &name).await;

    let item = HashMap::from([
        ("pk".to_owned(), s("all-types")),
        ("sk".to_owned(), n(1)),
        ("s".to_owned(), s("héllo \"world\" \u{1F600}")),
        ("n".to_owned(), AttributeValue::N("-12.5".into())),
        (
            "b".to_owned(),
            AttributeValue::B(Bytes::from_static(b"\x00\x01\xfe\xff")),
        ),
        (
            "ss".to_owned(),
            AttributeValue::Ss(vec!["a".into(), "b".into(), "c".into()]),
        ),
        (
            "ns".to_owned(),
            AttributeValue::Ns(vec!["1".into(), "2.5".into(), "-3".into()]),
        ),
        (
            "bs".to_owned(),
            AttributeValue::Bs(vec![Bytes::from_static(b"x"), Bytes::from_static(b"yz")]),
        ),
        (
            "m".to_owned(),
            AttributeValue::M(HashMap::from([
                ("inner".to_owned(), s("v")),
                (
                    "deeper".to_owned(),
                    AttributeValue::M(HashMap::from([("flag".to_owned(), true.into())])),
                ),
            ])),
        ),
        (
            "l".to_owned(),
            AttributeValue::L(vec![s("x"), n(7), AttributeValue::Null(true)]),
        ),
        ("null".to_owned(), AttributeValue::Null(true)),
        ("bool".to_owned(), AttributeValue::Bool(false)),
    ]);

    let put = client
        .put_item()
        .table_name(&name)
        .set_item(item.clone())
        .send()
        .await
        .unwrap();
    assert!(put.attributes.is_none());

    let got = client
        .get_item()
        .table_name(&name)
        .key("pk", "all-types")
        .key("sk", n(1))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    assert!(got.response_metadata().request_id().is_some());
    let got = got.item.expect("the item just written");
    assert_eq!(normalized(got), normalized(item));

    let missing = client
        .get_item()
        .table_name(&name)
        .key("pk", "nobody")
        .key("sk", n(1))
        .send()
        .await
        .unwrap();
    assert!(missing.item.is_none());

    delete_table(&client, &name).await;
}

#[tokio::test]
async fn query_pages_through_a_partition_with_limit_and_last_evaluated_key() {
    let Some(client) = client() else { return };
    let name = unique_table("query");
    create_active_table(&client, &name).await;
    for sk in 1..=5 {
        client
            .put_item()
            .table_name(&name)
            .item("pk", "p")
            .item("sk", n(sk))
            .item("payload", format!("item {sk}"))
            .send()
            .await
            .unwrap();
    }
    client
        .put_item()
        .table_name(&name)
        .item("pk", "other")
        .item("sk", n(3))
        .send()
        .await
        .unwrap();

    let mut seen = Vec::new();
    let mut pages = 0;
    let mut start = None;
    loop {
        let page = client
            .query()
            .table_name(&name)
            .key_condition_expression("pk = :p AND sk > :min")
            .expression_attribute_values(":p", "p")
            .expression_attribute_values(":min", n(1))
            .limit(2)
            .set_exclusive_start_key(start)
            .send()
            .await
            .unwrap();
        pages += 1;
        let items = page.items.clone().unwrap_or_default();
        assert!(items.len() <= 2, "a page exceeds the limit");
        assert_eq!(page.count, Some(items.len() as i32));
        for item in &items {
            assert_eq!(item["pk"], s("p"));
            seen.push(item["sk"].as_n().unwrap().parse::<i64>().unwrap());
        }
        match page.last_evaluated_key {
            Some(key) => {
                assert!(pages < 10, "paging does not end");
                start = Some(key);
            }
            None => break,
        }
    }
    assert_eq!(seen, vec![2, 3, 4, 5]);
    assert!(
        pages >= 2,
        "a limit of 2 must take several pages, took {pages}"
    );

    let newest = client
        .query()
        .table_name(&name)
        .key_condition_expression("#k = :p")
        .expression_attribute_names("#k", "pk")
        .expression_attribute_values(":p", "p")
        .scan_index_forward(false)
        .limit(1)
        .projection_expression("sk, payload")
        .send()
        .await
        .unwrap();
    let items = newest.items.clone().unwrap_or_default();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0]["sk"], n(5));
    assert_eq!(items[0]["payload"], s("item 5"));
    assert!(!items[0].contains_key("pk"));
    assert!(newest.last_evaluated_key.is_some());

    delete_table(&client, &name).await;
}

#[tokio::test]
async fn a_failed_condition_is_the_typed_conditional_check_failed_error() {
    let Some(client) = client() else { return };
    let name = unique_table("condition");
    create_active_table(&client, &name).await;
    let put = || {
        client
            .put_item()
            .table_name(&name)
            .item("pk", "once")
            .item("sk", n(1))
            .condition_expression("attribute_not_exists(pk)")
    };
    put().send().await.unwrap();
    let err = put().send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service);
    assert_eq!(err.operation_name(), Some("PutItem"));
    let request_id = err.request_id().map(str::to_owned);
    assert!(
        request_id.as_deref().is_some_and(|id| !id.is_empty()),
        "no request id: {err:?}"
    );
    let e = err.into_service_error().unwrap();
    assert!(
        matches!(e, PutItemError::ConditionalCheckFailedException(_)),
        "{e:?}"
    );
    assert_eq!(e.api_error().status(), 400);
    assert_eq!(e.api_error().request_id(), request_id.as_deref());

    let replaced = client
        .put_item()
        .table_name(&name)
        .item("pk", "once")
        .item("sk", n(1))
        .item("v", n(2))
        .return_values("ALL_OLD")
        .send()
        .await
        .unwrap();
    assert_eq!(
        replaced.attributes,
        Some(HashMap::from([
            ("pk".to_owned(), s("once")),
            ("sk".to_owned(), n(1))
        ]))
    );

    delete_table(&client, &name).await;
}

#[tokio::test]
async fn get_item_on_a_missing_table_is_the_typed_resource_not_found_error() {
    let Some(client) = client() else { return };
    let err = client
        .get_item()
        .table_name(unique_table("missing"))
        .key("pk", "a")
        .key("sk", n(1))
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service);
    assert!(err.request_id().is_some(), "{err:?}");
    assert!(
        matches!(
            err.as_service_error(),
            Some(GetItemError::ResourceNotFoundException(_))
        ),
        "{err:?}"
    );
}
