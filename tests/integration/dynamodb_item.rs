//! DynamoDB's conveniences against dynalite (`$ZIGGURAT_DYNALITE_URL`): serde structs as items
//! (`dynamodb::item`) and built expressions (`dynamodb::expression`) with reserved words for
//! attribute names and hostile text in values. Without the peer the tests print `SKIPPED`.
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Duration;

use serde::{Deserialize, Serialize};
use ziggurat::dynamodb::expression::{
    AttributeType, Builder, Update, key, list_append, name, value,
};
use ziggurat::dynamodb::item::{
    BinarySet, Number, NumberSet, StringSet, from_item, to_attribute_value, to_item,
};
use ziggurat::dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, KeySchemaElement, KeyType, ReturnValue,
    ScalarAttributeType, TableStatus,
};
use ziggurat::dynamodb::{Client, PutItemError, UpdateItemError};

use crate::support::peers::{peer_config, peer_url, unique};

fn client(test: &str) -> Option<Client> {
    let url = peer_url("ZIGGURAT_DYNALITE_URL", test)?;
    Some(Client::new(&peer_config(url)))
}

/// A pay-per-request table keyed by `pk` (S, hash) and `sk` (N, range), waited for until
/// `ACTIVE` (bounded).
async fn table(client: &Client, prefix: &str) -> String {
    let name = unique(prefix);
    client
        .create_table()
        .table_name(&name)
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
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    for _ in 0..200 {
        let t = client
            .describe_table()
            .table_name(&name)
            .send()
            .await
            .unwrap();
        if t.table.and_then(|t| t.table_status) == Some(TableStatus::Active) {
            return name;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("table {name} did not become ACTIVE");
}

fn item_key(pk: &str, sk: i64) -> HashMap<String, AttributeValue> {
    to_item(&Key {
        pk: pk.to_owned(),
        sk,
    })
    .unwrap()
}

#[derive(Debug, Serialize)]
struct Key {
    pk: String,
    sk: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
enum Plan {
    Free,
    Paid { seats: u32, until: String },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Address {
    lines: Vec<String>,
    city: String,
    zip: Option<String>,
}

/// Attribute names that are reserved words (`status`, `name`, `size`, `data`, `Percentile`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Account {
    pk: String,
    sk: i64,
    name: String,
    status: String,
    size: u64,
    #[serde(rename = "Percentile")]
    percentile: f64,
    data: BTreeMap<String, i64>,
    smallest: i64,
    largest: u64,
    exact: Number,
    active: bool,
    nickname: Option<String>,
    avatar: serde_bytes::ByteBuf,
    address: Address,
    history: Vec<Option<u32>>,
    tags: StringSet,
    scores: NumberSet<BTreeSet<i32>>,
    keys: BinarySet,
    plan: Plan,
}

fn account(pk: &str, sk: i64) -> Account {
    Account {
        pk: pk.to_owned(),
        sk,
        name: "Ada \"the first\" Lovelace".into(),
        status: "it's: #active".into(),
        size: 3,
        percentile: 99.5,
        data: BTreeMap::from([("size".to_owned(), 7), ("name".to_owned(), -1)]),
        smallest: i64::MIN,
        largest: u64::MAX,
        exact: "12345678901234567890.123456789012345678".parse().unwrap(),
        active: true,
        nickname: None,
        avatar: serde_bytes::ByteBuf::from(vec![0, 1, 2, 255]),
        address: Address {
            lines: vec!["1 Analytical Row".into(), "Flat #2".into()],
            city: "London".into(),
            zip: Some("N1".into()),
        },
        history: vec![Some(1), None, Some(3)],
        tags: StringSet(["admin".to_owned(), "ops:night".to_owned()].into()),
        scores: NumberSet([-5, 0, 12].into()),
        keys: BinarySet([vec![1_u8, 2], vec![3]].into()),
        plan: Plan::Paid {
            seats: 5,
            until: "2030-01-01".into(),
        },
    }
}

#[tokio::test]
async fn a_serde_struct_is_put_with_to_item_and_read_back_with_from_item() {
    let Some(ddb) = client("dynamodb item round trip") else {
        return;
    };
    let table = table(&ddb, "item").await;
    let written = account("acct#1", 1);
    let item = to_item(&written).unwrap();
    assert!(!item.contains_key("nickname"), "None is no attribute");
    ddb.put_item()
        .table_name(&table)
        .set_item(item)
        .send()
        .await
        .unwrap();

    let got = ddb
        .get_item()
        .table_name(&table)
        .set_key(item_key("acct#1", 1))
        .consistent_read(true)
        .send()
        .await
        .unwrap();
    let read: Account = from_item(got.item.expect("the item")).unwrap();
    assert_eq!(read, written);

    // A self-describing target reads the same item.
    let got = ddb
        .get_item()
        .table_name(&table)
        .set_key(item_key("acct#1", 1))
        .send()
        .await
        .unwrap();
    let json: serde_json::Value = from_item(got.item.expect("the item")).unwrap();
    assert_eq!(json["largest"], serde_json::json!(u64::MAX));
    assert_eq!(json["plan"]["Paid"]["seats"], serde_json::json!(5));
    assert_eq!(json["history"], serde_json::json!([1, null, 3]));
    assert_eq!(
        json["avatar"],
        serde_json::json!([0, 1, 2, 255]),
        "bytes as serde_json has them"
    );

    ddb.delete_table().table_name(&table).send().await.unwrap();
}

#[tokio::test]
async fn conditions_with_reserved_words_and_hostile_values_hold_or_fail() {
    let Some(ddb) = client("dynamodb expression conditions") else {
        return;
    };
    let table = table(&ddb, "cond").await;
    let first = account("acct#1", 1);

    // Only if absent: the first put passes, the second fails its condition.
    let absent = Builder::new()
        .with_condition(name("pk").attribute_not_exists())
        .build()
        .unwrap();
    ddb.put_item()
        .table_name(&table)
        .set_item(to_item(&first).unwrap())
        .expression(&absent)
        .send()
        .await
        .unwrap();
    let err = ddb
        .put_item()
        .table_name(&table)
        .set_item(to_item(&first).unwrap())
        .expression(&absent)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.as_service_error(),
            Some(PutItemError::ConditionalCheckFailedException(_))
        ),
        "{err:?}"
    );

    // Every reserved word, and values with quotes, colons and `#`, in one condition.
    let holds = Builder::new()
        .with_condition(
            name("status")
                .equal(value("it's: #active"))
                .and(name("name").begins_with("Ada \""))
                .and(name("size").between(value(1), value(3)))
                .and(name("data.size").equal(value(7)))
                .and(name("Percentile").greater_than(value(to_attribute_value(&99.0).unwrap())))
                .and(name("tags").contains("ops:night"))
                .and(name("address.lines[1]").equal(value("Flat #2")))
                .and(name("scores").attribute_type(AttributeType::Ns))
                .and(name("history").size().equal(value(3)))
                .and(name("plan.Paid.seats").is_in([value(4), value(5)])),
        )
        .build()
        .unwrap();
    let mut changed = first.clone();
    changed.size = 4;
    ddb.put_item()
        .table_name(&table)
        .set_item(to_item(&changed).unwrap())
        .expression(&holds)
        .send()
        .await
        .unwrap();

    // The same condition no longer holds: `size` is 4 now.
    let err = ddb
        .put_item()
        .table_name(&table)
        .set_item(to_item(&changed).unwrap())
        .expression(&holds)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.as_service_error(),
            Some(PutItemError::ConditionalCheckFailedException(_))
        ),
        "{err:?}"
    );
    assert_eq!(err.code(), Some("ConditionalCheckFailedException"));

    ddb.delete_table().table_name(&table).send().await.unwrap();
}

#[derive(Debug, PartialEq, Deserialize)]
struct Summary {
    name: String,
    #[serde(rename = "Percentile")]
    percentile: f64,
    data: BTreeMap<String, i64>,
}

#[tokio::test]
async fn a_query_with_key_condition_filter_and_projection_returns_the_selected_attributes() {
    let Some(ddb) = client("dynamodb expression query") else {
        return;
    };
    let table = table(&ddb, "query").await;
    for sk in 1..=5 {
        let mut a = account("acct#q", sk);
        a.status = if sk % 2 == 0 { "it's: #active" } else { "idle" }.into();
        a.percentile = sk as f64 * 10.0;
        ddb.put_item()
            .table_name(&table)
            .set_item(to_item(&a).unwrap())
            .send()
            .await
            .unwrap();
    }
    ddb.put_item()
        .table_name(&table)
        .set_item(to_item(&account("acct#other", 2)).unwrap())
        .send()
        .await
        .unwrap();

    let expr = Builder::new()
        .with_key_condition(key("pk").equal("acct#q").and(key("sk").between(2, 5)))
        .with_filter(name("status").equal(value("it's: #active")))
        .with_projection(["name", "Percentile", "data.size"])
        .build()
        .unwrap();
    let out = ddb
        .query()
        .table_name(&table)
        .expression(&expr)
        .send()
        .await
        .unwrap();
    assert_eq!(out.scanned_count, Some(4), "sk 2..=5 of acct#q");
    let mut found: Vec<Summary> = out
        .items
        .unwrap_or_default()
        .into_iter()
        .map(from_item)
        .collect::<Result<_, _>>()
        .unwrap();
    found.sort_by(|a, b| a.percentile.total_cmp(&b.percentile));
    let expected = |percentile: f64| Summary {
        name: "Ada \"the first\" Lovelace".into(),
        percentile,
        data: BTreeMap::from([("size".to_owned(), 7)]),
    };
    assert_eq!(found, [expected(20.0), expected(40.0)]);

    // A scan with the same filter and a sort-key condition as a filter.
    let expr = Builder::new()
        .with_filter(
            name("status")
                .equal(value("it's: #active"))
                .and(name("sk").greater_than(value(2))),
        )
        .with_projection(["pk", "sk"])
        .build()
        .unwrap();
    let out = ddb
        .scan()
        .table_name(&table)
        .expression(&expr)
        .send()
        .await
        .unwrap();
    let items = out.items.unwrap_or_default();
    assert_eq!(items.len(), 1, "{items:?}");
    assert_eq!(items.first().map(|i| i.len()), Some(2), "only pk and sk");

    ddb.delete_table().table_name(&table).send().await.unwrap();
}

#[tokio::test]
async fn an_update_sets_removes_adds_appends_and_deletes() {
    let Some(ddb) = client("dynamodb expression update") else {
        return;
    };
    let table = table(&ddb, "update").await;
    ddb.put_item()
        .table_name(&table)
        .set_item(to_item(&account("acct#u", 1)).unwrap())
        .send()
        .await
        .unwrap();

    let update = Update::new()
        .set("status", value("closed: \"#done\""))
        .set("size", name("size").plus(value(10)))
        .set(
            "Percentile",
            name("Percentile").minus(value(Number::from_f64(0.5).unwrap())),
        )
        .set(
            "visits",
            name("visits").if_not_exists(value(0)).plus(value(1)),
        )
        .set(
            "address.lines",
            list_append(
                name("address.lines"),
                value(vec![AttributeValue::from("c/o #3")]),
            ),
        )
        .remove("data.name")
        .remove("nickname")
        .add("tags", AttributeValue::Ss(vec!["new".into()]))
        .add("largest_seen", 2)
        .delete("scores", AttributeValue::Ns(vec!["0".into()]));
    let expr = Builder::new()
        .with_update(update)
        .with_condition(name("status").equal(value("it's: #active")))
        .build()
        .unwrap();
    let out = ddb
        .update_item()
        .table_name(&table)
        .set_key(item_key("acct#u", 1))
        .expression(&expr)
        .return_values(ReturnValue::AllNew)
        .send()
        .await
        .unwrap();
    let attrs = out.attributes.expect("the new item");

    #[derive(Debug, Deserialize)]
    struct After {
        status: String,
        size: u64,
        #[serde(rename = "Percentile")]
        percentile: f64,
        visits: u32,
        address: Address,
        data: BTreeMap<String, i64>,
        nickname: Option<String>,
        tags: StringSet,
        largest_seen: i64,
        scores: NumberSet<BTreeSet<i32>>,
    }
    let after: After = from_item(attrs).unwrap();
    assert_eq!(after.status, "closed: \"#done\"");
    assert_eq!(after.size, 13);
    assert_eq!(after.percentile, 99.0);
    assert_eq!(after.visits, 1);
    assert_eq!(
        after.address.lines,
        ["1 Analytical Row", "Flat #2", "c/o #3"]
    );
    assert_eq!(after.data, BTreeMap::from([("size".to_owned(), 7)]));
    assert_eq!(after.nickname, None);
    assert_eq!(
        after.tags.0,
        BTreeSet::from(["admin".to_owned(), "new".to_owned(), "ops:night".to_owned()])
    );
    assert_eq!(after.largest_seen, 2);
    assert_eq!(after.scores.0, BTreeSet::from([-5, 12]));

    // Its condition no longer holds: the second update fails and changes nothing.
    let err = ddb
        .update_item()
        .table_name(&table)
        .set_key(item_key("acct#u", 1))
        .expression(&expr)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(
            err.as_service_error(),
            Some(UpdateItemError::ConditionalCheckFailedException(_))
        ),
        "{err:?}"
    );

    // A projection through GetItem.
    let projection = Builder::new()
        .with_projection(["size", "address.lines[2]", "visits"])
        .build()
        .unwrap();
    let got = ddb
        .get_item()
        .table_name(&table)
        .set_key(item_key("acct#u", 1))
        .expression(&projection)
        .send()
        .await
        .unwrap();
    let item = got.item.expect("the item");
    let json: serde_json::Value = from_item(item).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"size": 13, "visits": 1, "address": {"lines": ["c/o #3"]}})
    );

    ddb.delete_table().table_name(&table).send().await.unwrap();
}
