//! More of DynamoDB through the generated client: `Scan`, `UpdateItem` with expressions and
//! `BatchWriteItem` / `BatchGetItem` on dynalite (`$ZIGGURAT_DYNALITE_URL`); transactions and
//! the item a failed condition returns on moto (`$ZIGGURAT_MOTO_URL`), which implements them.
use std::collections::HashMap;
use std::time::Duration;

use crate::support::peers::{peer_config, peer_url, unique};
use ziggurat::dynamodb::types::{
    AttributeDefinition, AttributeValue, BillingMode, ConditionCheck, DeleteRequest, Get,
    KeySchemaElement, KeyType, KeysAndAttributes, Put, PutRequest, ReturnValue,
    ReturnValuesOnConditionCheckFailure, ScalarAttributeType, TableStatus, TransactGetItem,
    TransactWriteItem, Update, WriteRequest,
};
use ziggurat::dynamodb::{Client, PutItemError, TransactWriteItemsError};

fn client(var: &str, test: &str) -> Option<Client> {
    let url = peer_url(var, test)?;
    Some(Client::new(&peer_config(url)))
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

fn n(v: i64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn key(pk: &str) -> HashMap<String, AttributeValue> {
    HashMap::from([("pk".to_owned(), s(pk))])
}

/// A pay-per-request table keyed by `pk` (S), waited for until `ACTIVE` (bounded).
async fn table(client: &Client, prefix: &str) -> String {
    let name = unique(prefix);
    client
        .create_table()
        .table_name(&name)
        .attribute_definitions(AttributeDefinition {
            attribute_name: "pk".into(),
            attribute_type: ScalarAttributeType::S,
        })
        .key_schema(KeySchemaElement {
            attribute_name: "pk".into(),
            key_type: KeyType::Hash,
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

#[tokio::test]
async fn scan_update_and_batches_work_on_dynalite() {
    let Some(ddb) = client("ZIGGURAT_DYNALITE_URL", "dynamodb scan/update/batch") else {
        return;
    };
    let name = table(&ddb, "more").await;

    let mut batch = Vec::new();
    for i in 0..5 {
        batch.push(WriteRequest {
            put_request: Some(PutRequest {
                item: HashMap::from([
                    ("pk".to_owned(), s(&format!("k{i}"))),
                    ("n".to_owned(), n(i)),
                ]),
            }),
            ..Default::default()
        });
    }
    let written = ddb
        .batch_write_item()
        .request_items(name.clone(), batch)
        .send()
        .await
        .unwrap();
    assert!(written.unprocessed_items.unwrap_or_default().is_empty());

    let updated = ddb
        .update_item()
        .table_name(&name)
        .set_key(key("k1"))
        .update_expression("SET #t = :t ADD n :inc")
        .expression_attribute_names("#t", "tag")
        .expression_attribute_values(":t", s("hot"))
        .expression_attribute_values(":inc", n(10))
        .return_values(ReturnValue::UpdatedNew)
        .send()
        .await
        .unwrap();
    let attrs = updated.attributes.unwrap();
    assert_eq!(attrs.get("n"), Some(&n(11)));
    assert_eq!(attrs.get("tag"), Some(&s("hot")));

    let scanned = ddb
        .scan()
        .table_name(&name)
        .filter_expression("n >= :min")
        .expression_attribute_values(":min", n(3))
        .send()
        .await
        .unwrap();
    let mut found: Vec<String> = scanned
        .items
        .unwrap_or_default()
        .iter()
        .filter_map(|i| i.get("pk")?.as_s().ok().cloned())
        .collect();
    found.sort();
    assert_eq!(found, ["k1", "k3", "k4"]);
    assert_eq!(scanned.scanned_count, Some(5));

    ddb.batch_write_item()
        .request_items(
            name.clone(),
            vec![WriteRequest {
                delete_request: Some(DeleteRequest { key: key("k0") }),
                ..Default::default()
            }],
        )
        .send()
        .await
        .unwrap();
    let got = ddb
        .batch_get_item()
        .request_items(
            name.clone(),
            KeysAndAttributes {
                keys: vec![key("k0"), key("k2")],
                ..Default::default()
            },
        )
        .send()
        .await
        .unwrap();
    let items = got
        .responses
        .unwrap_or_default()
        .remove(&name)
        .unwrap_or_default();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].get("pk"), Some(&s("k2")));

    ddb.delete_table().table_name(&name).send().await.unwrap();
}

#[tokio::test]
async fn transactions_commit_or_cancel_with_reasons_on_moto() {
    let Some(ddb) = client("ZIGGURAT_MOTO_URL", "dynamodb transactions on moto") else {
        return;
    };
    let name = table(&ddb, "tx").await;
    ddb.put_item()
        .table_name(&name)
        .set_item(HashMap::from([
            ("pk".to_owned(), s("a")),
            ("n".to_owned(), n(1)),
        ]))
        .send()
        .await
        .unwrap();

    ddb.transact_write_items()
        .transact_items(TransactWriteItem {
            put: Some(Put {
                table_name: name.clone(),
                item: HashMap::from([("pk".to_owned(), s("b")), ("n".to_owned(), n(2))]),
                ..Default::default()
            }),
            ..Default::default()
        })
        .transact_items(TransactWriteItem {
            update: Some(Update {
                table_name: name.clone(),
                key: key("a"),
                update_expression: "SET n = n + :one".into(),
                expression_attribute_values: Some(HashMap::from([(":one".to_owned(), n(1))])),
                ..Default::default()
            }),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();

    let got = ddb
        .transact_get_items()
        .transact_items(TransactGetItem {
            get: Get {
                table_name: name.clone(),
                key: key("a"),
                ..Default::default()
            },
        })
        .transact_items(TransactGetItem {
            get: Get {
                table_name: name.clone(),
                key: key("b"),
                ..Default::default()
            },
        })
        .send()
        .await
        .unwrap();
    let values: Vec<Option<AttributeValue>> = got
        .responses
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.item.and_then(|mut i| i.remove("n")))
        .collect();
    assert_eq!(values, [Some(n(2)), Some(n(2))]);

    // A condition that fails cancels the whole transaction, with one reason per item.
    let err = ddb
        .transact_write_items()
        .transact_items(TransactWriteItem {
            condition_check: Some(ConditionCheck {
                table_name: name.clone(),
                key: key("a"),
                condition_expression: "n = :nine".into(),
                expression_attribute_values: Some(HashMap::from([(":nine".to_owned(), n(9))])),
                return_values_on_condition_check_failure: Some(
                    ReturnValuesOnConditionCheckFailure::AllOld,
                ),
                ..Default::default()
            }),
            ..Default::default()
        })
        .transact_items(TransactWriteItem {
            put: Some(Put {
                table_name: name.clone(),
                item: HashMap::from([("pk".to_owned(), s("c"))]),
                ..Default::default()
            }),
            ..Default::default()
        })
        .send()
        .await
        .unwrap_err();
    let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
        err.as_service_error()
    else {
        panic!("{err:?}");
    };
    let reasons = cancelled.cancellation_reasons.clone().unwrap_or_default();
    assert_eq!(reasons.len(), 2, "{cancelled:?}");
    assert_eq!(reasons[0].code.as_deref(), Some("ConditionalCheckFailed"));
    assert_eq!(reasons[1].code.as_deref(), Some("None"));

    // A failed condition on a single write returns the item, when asked to.
    let err = ddb
        .put_item()
        .table_name(&name)
        .set_item(key("a"))
        .condition_expression("attribute_not_exists(pk)")
        .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
        .send()
        .await
        .unwrap_err();
    let Some(PutItemError::ConditionalCheckFailedException(failed)) = err.as_service_error() else {
        panic!("{err:?}");
    };
    let item = failed.item.clone().unwrap_or_default();
    assert_eq!(item.get("n"), Some(&n(2)), "{failed:?}");
    assert_eq!(err.code(), Some("ConditionalCheckFailedException"));

    ddb.delete_table().table_name(&name).send().await.unwrap();
}
