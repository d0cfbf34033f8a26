use std::collections::HashMap;

use serde_json::{Value, json};
use ziggurat_core::config::SdkConfig;
use ziggurat_core::context::{Context, Region};
use ziggurat_core::credentials::Credentials;
use ziggurat_core::error::{ApiError, ErrorKind};
use ziggurat_core::metadata::HasMetadata;
use ziggurat_core::operation::Operation;
use ziggurat_core::transport::TestTransport;

use super::types::*;
use super::*;

fn ctx(op: &'static str) -> Context {
    Context::new("DynamoDB", op)
}

/// Serializes `input` with `O` and checks the awsJson1_0 envelope; returns the body as JSON.
fn wire<O: Operation>(mut input: O::Input) -> Value {
    let req = O::serialize(&mut input, &mut ctx(O::NAME)).unwrap();
    assert_eq!(req.method(), http::Method::POST);
    assert_eq!(req.uri(), "/");
    assert_eq!(
        req.headers()["content-type"],
        "application/x-amz-json-1.0",
        "{}",
        O::NAME
    );
    assert_eq!(
        req.headers()["x-amz-target"],
        format!("DynamoDB_20120810.{}", O::NAME).as_str()
    );
    serde_json::from_slice(req.body().bytes().unwrap()).unwrap()
}

fn response(status: u16, body: &str) -> (http::response::Parts, ResponseBody) {
    let (parts, _) = http::Response::builder()
        .status(status)
        .header("x-amzn-requestid", "REQ1")
        .body(())
        .unwrap()
        .into_parts();
    (
        parts,
        ResponseBody::Buffered(bytes::Bytes::from(body.to_owned())),
    )
}

fn parse<O: Operation>(status: u16, body: &str) -> Result<O::Output, SdkError> {
    let (parts, body) = response(status, body);
    O::deserialize(parts, body, &mut ctx(O::NAME))
}

fn s(v: &str) -> AttributeValue {
    AttributeValue::S(v.to_owned())
}

#[test]
fn create_table_serializes_the_model_member_names() {
    let input = CreateTableInput {
        table_name: "music".into(),
        attribute_definitions: Some(vec![
            AttributeDefinition::new("artist", ScalarAttributeType::S),
            AttributeDefinition::new("year", "N"),
        ]),
        key_schema: Some(vec![
            KeySchemaElement::new("artist", KeyType::Hash),
            KeySchemaElement::new("year", KeyType::Range),
        ]),
        billing_mode: Some(BillingMode::Provisioned),
        provisioned_throughput: Some(ProvisionedThroughput::new(5, 1)),
        sse_specification: Some(SseSpecification {
            enabled: Some(true),
            sse_type: Some(SseType::Kms),
            ..Default::default()
        }),
        global_secondary_indexes: Some(vec![GlobalSecondaryIndex {
            index_name: "by-year".into(),
            key_schema: vec![KeySchemaElement::new("year", KeyType::Hash)],
            projection: Projection {
                projection_type: Some(ProjectionType::KeysOnly),
                non_key_attributes: None,
            },
            ..Default::default()
        }]),
        ..Default::default()
    };
    assert_eq!(
        wire::<CreateTable>(input),
        json!({
            "TableName": "music",
            "AttributeDefinitions": [
                {"AttributeName": "artist", "AttributeType": "S"},
                {"AttributeName": "year", "AttributeType": "N"}
            ],
            "KeySchema": [
                {"AttributeName": "artist", "KeyType": "HASH"},
                {"AttributeName": "year", "KeyType": "RANGE"}
            ],
            "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": {"ReadCapacityUnits": 5, "WriteCapacityUnits": 1},
            "SSESpecification": {"Enabled": true, "SSEType": "KMS"},
            "GlobalSecondaryIndexes": [{
                "IndexName": "by-year",
                "KeySchema": [{"AttributeName": "year", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "KEYS_ONLY"}
            }]
        })
    );
}

#[test]
fn describe_and_delete_table_send_only_the_table_name() {
    for body in [
        wire::<DescribeTable>(DescribeTableInput {
            table_name: "t".into(),
        }),
        wire::<DeleteTable>(DeleteTableInput {
            table_name: "t".into(),
        }),
    ] {
        assert_eq!(body, json!({"TableName": "t"}));
    }
}

#[test]
fn put_item_serializes_item_condition_and_values() {
    let input = PutItemInput {
        table_name: "t".into(),
        item: HashMap::from([
            ("pk".to_owned(), s("a")),
            ("n".to_owned(), AttributeValue::N("1".into())),
        ]),
        condition_expression: Some("attribute_not_exists(#p) OR n < :max".into()),
        expression_attribute_names: Some(HashMap::from([("#p".to_owned(), "pk".to_owned())])),
        expression_attribute_values: Some(HashMap::from([(
            ":max".to_owned(),
            AttributeValue::N("10".into()),
        )])),
        return_values: Some(ReturnValue::AllOld),
        ..Default::default()
    };
    assert_eq!(
        wire::<PutItem>(input),
        json!({
            "TableName": "t",
            "Item": {"pk": {"S": "a"}, "n": {"N": "1"}},
            "ConditionExpression": "attribute_not_exists(#p) OR n < :max",
            "ExpressionAttributeNames": {"#p": "pk"},
            "ExpressionAttributeValues": {":max": {"N": "10"}},
            "ReturnValues": "ALL_OLD"
        })
    );
}

#[test]
fn get_item_serializes_key_and_projection() {
    let input = GetItemInput {
        table_name: "t".into(),
        key: HashMap::from([("pk".to_owned(), s("a"))]),
        consistent_read: Some(true),
        projection_expression: Some("#a, b".into()),
        expression_attribute_names: Some(HashMap::from([("#a".to_owned(), "a".to_owned())])),
        return_consumed_capacity: Some(ReturnConsumedCapacity::Total),
        ..Default::default()
    };
    assert_eq!(
        wire::<GetItem>(input),
        json!({
            "TableName": "t",
            "Key": {"pk": {"S": "a"}},
            "ConsistentRead": true,
            "ProjectionExpression": "#a, b",
            "ExpressionAttributeNames": {"#a": "a"},
            "ReturnConsumedCapacity": "TOTAL"
        })
    );
}

#[test]
fn query_serializes_every_expression_member() {
    let input = QueryInput {
        table_name: "t".into(),
        index_name: Some("idx".into()),
        select: Some(Select::AllProjectedAttributes),
        limit: Some(2),
        consistent_read: Some(false),
        scan_index_forward: Some(false),
        exclusive_start_key: Some(HashMap::from([
            ("pk".to_owned(), s("a")),
            ("sk".to_owned(), AttributeValue::N("3".into())),
        ])),
        projection_expression: Some("sk".into()),
        filter_expression: Some("attribute_exists(x)".into()),
        key_condition_expression: Some("pk = :p AND sk > :s".into()),
        expression_attribute_values: Some(HashMap::from([
            (":p".to_owned(), s("a")),
            (":s".to_owned(), AttributeValue::N("0".into())),
        ])),
        ..Default::default()
    };
    assert_eq!(
        wire::<Query>(input),
        json!({
            "TableName": "t",
            "IndexName": "idx",
            "Select": "ALL_PROJECTED_ATTRIBUTES",
            "Limit": 2,
            "ConsistentRead": false,
            "ScanIndexForward": false,
            "ExclusiveStartKey": {"pk": {"S": "a"}, "sk": {"N": "3"}},
            "ProjectionExpression": "sk",
            "FilterExpression": "attribute_exists(x)",
            "KeyConditionExpression": "pk = :p AND sk > :s",
            "ExpressionAttributeValues": {":p": {"S": "a"}, ":s": {"N": "0"}}
        })
    );
}

#[test]
fn input_json_is_wire_json() {
    // The `zig` command line reads inputs in the model's member names: reading and writing an
    // input gives back the same JSON, and a misspelled member is an error.
    let text = r#"{"TableName":"t","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":{":p":{"B":"AAE="}},"Limit":1}"#;
    let input: QueryInput = serde_json::from_str(text).unwrap();
    assert_eq!(
        serde_json::to_value(&input).unwrap(),
        serde_json::from_str::<Value>(text).unwrap()
    );
    let err = serde_json::from_str::<QueryInput>(r#"{"TableName":"t","Limt":1}"#).unwrap_err();
    assert!(err.to_string().contains("unknown field `Limt`"), "{err}");
    let err =
        serde_json::from_str::<GetItemInput>(r#"{"TableName":"t","Key":{"k":{}}}"#).unwrap_err();
    assert!(err.to_string().contains("no type key"), "{err}");
}

#[test]
fn missing_required_members_are_construction_errors() {
    let cases: Vec<(SdkError, &str)> = vec![
        (
            GetItem::serialize(
                &mut GetItemInput {
                    key: HashMap::from([("pk".to_owned(), s("a"))]),
                    ..Default::default()
                },
                &mut ctx("GetItem"),
            )
            .unwrap_err(),
            "TableName",
        ),
        (
            GetItem::serialize(
                &mut GetItemInput {
                    table_name: "t".into(),
                    ..Default::default()
                },
                &mut ctx("GetItem"),
            )
            .unwrap_err(),
            "Key",
        ),
        (
            PutItem::serialize(
                &mut PutItemInput {
                    table_name: "t".into(),
                    ..Default::default()
                },
                &mut ctx("PutItem"),
            )
            .unwrap_err(),
            "Item",
        ),
        (
            Query::serialize(&mut QueryInput::default(), &mut ctx("Query")).unwrap_err(),
            "TableName",
        ),
        (
            CreateTable::serialize(&mut CreateTableInput::default(), &mut ctx("CreateTable"))
                .unwrap_err(),
            "TableName",
        ),
        (
            DescribeTable::serialize(
                &mut DescribeTableInput::default(),
                &mut ctx("DescribeTable"),
            )
            .unwrap_err(),
            "TableName",
        ),
        (
            DeleteTable::serialize(&mut DeleteTableInput::default(), &mut ctx("DeleteTable"))
                .unwrap_err(),
            "TableName",
        ),
    ];
    for (err, member) in cases {
        assert_eq!(err.kind(), ErrorKind::Construction, "{err}");
        assert!(
            err.to_string().contains(&format!("`{member}` is required")),
            "{err}"
        );
    }
}

#[test]
fn describe_table_parses_a_table_description() {
    let body = r#"{"Table":{
        "AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}],
        "TableName":"music",
        "KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}],
        "TableStatus":"ACTIVE",
        "CreationDateTime":1.700000000123E9,
        "ProvisionedThroughput":{"NumberOfDecreasesToday":0,"ReadCapacityUnits":5,"WriteCapacityUnits":1,"LastIncreaseDateTime":1700000100},
        "TableSizeBytes":120,
        "ItemCount":3,
        "TableArn":"arn:aws:dynamodb:us-east-1:000000000000:table/music",
        "TableId":"0b4f4b4e-1c4e-4c1a-9f43-8f7e0d0d0d0d",
        "BillingModeSummary":{"BillingMode":"PROVISIONED"},
        "SSEDescription":{"Status":"ENABLED","SSEType":"KMS"},
        "Replicas":[{"RegionName":"eu-west-1"}],
        "SomethingNewer":{"x":1}
    }}"#;
    let out = parse::<DescribeTable>(200, body).unwrap();
    let t = out.table.unwrap();
    assert_eq!(t.table_name.as_deref(), Some("music"));
    assert_eq!(t.table_status, Some(TableStatus::Active));
    assert_eq!(t.creation_date_time.unwrap().epoch_seconds(), 1_700_000_000);
    assert_eq!(t.item_count, Some(3));
    assert_eq!(t.table_size_bytes, Some(120));
    assert_eq!(
        t.key_schema.unwrap(),
        vec![KeySchemaElement::new("pk", KeyType::Hash)]
    );
    let pt = t.provisioned_throughput.unwrap();
    assert_eq!(pt.read_capacity_units, Some(5));
    assert_eq!(
        pt.last_increase_date_time.unwrap().epoch_seconds(),
        1_700_000_100
    );
    assert_eq!(
        t.billing_mode_summary.unwrap().billing_mode,
        Some(BillingMode::Provisioned)
    );
    assert_eq!(t.sse_description.unwrap().sse_type, Some(SseType::Kms));
}

#[test]
fn create_and_delete_table_parse_their_description() {
    let out = parse::<CreateTable>(
        200,
        r#"{"TableDescription":{"TableName":"t","TableStatus":"CREATING","ItemCount":0}}"#,
    )
    .unwrap();
    let t = out.table_description.unwrap();
    assert_eq!(t.table_status, Some(TableStatus::Creating));
    assert_eq!(t.item_count, Some(0));
    let out = parse::<DeleteTable>(
        200,
        r#"{"TableDescription":{"TableName":"t","TableStatus":"DELETING"}}"#,
    )
    .unwrap();
    assert_eq!(
        out.table_description.unwrap().table_status,
        Some(TableStatus::Deleting)
    );
}

#[test]
fn get_item_parses_an_item_or_its_absence() {
    let out = parse::<GetItem>(
        200,
        r#"{"Item":{"pk":{"S":"a"},"tags":{"SS":["x","y"]},"blob":{"B":"aGk="}},"ConsumedCapacity":{"TableName":"t","CapacityUnits":0.5}}"#,
    )
    .unwrap();
    let item = out.item.unwrap();
    assert_eq!(item["pk"], s("a"));
    assert_eq!(item["tags"].as_ss().unwrap(), &vec!["x", "y"]);
    assert_eq!(item["blob"].as_b().unwrap().as_ref(), b"hi");
    assert_eq!(out.consumed_capacity.unwrap().capacity_units, Some(0.5));
    let out = parse::<GetItem>(200, "{}").unwrap();
    assert!(out.item.is_none());
    let out = parse::<GetItem>(200, "").unwrap();
    assert!(out.item.is_none());
}

#[test]
fn put_item_parses_old_attributes() {
    let out = parse::<PutItem>(200, r#"{"Attributes":{"pk":{"S":"a"},"n":{"N":"1"}}}"#).unwrap();
    assert_eq!(out.attributes.unwrap()["n"], AttributeValue::N("1".into()));
}

#[test]
fn query_parses_items_counts_and_last_evaluated_key() {
    let out = parse::<Query>(
        200,
        r#"{"Count":2,"ScannedCount":3,"Items":[{"pk":{"S":"a"},"sk":{"N":"1"}},{"pk":{"S":"a"},"sk":{"N":"2"}}],"LastEvaluatedKey":{"pk":{"S":"a"},"sk":{"N":"2"}}}"#,
    )
    .unwrap();
    assert_eq!((out.count, out.scanned_count), (2, 3));
    assert_eq!(out.items.len(), 2);
    assert_eq!(
        out.last_evaluated_key.unwrap()["sk"],
        AttributeValue::N("2".into())
    );
    let out = parse::<Query>(200, r#"{"Count":0,"ScannedCount":0}"#).unwrap();
    assert!(out.items.is_empty() && out.last_evaluated_key.is_none());
}

#[test]
fn a_malformed_item_is_a_response_error_not_a_panic() {
    let err = parse::<GetItem>(200, r#"{"Item":{"pk":{"S":"a","N":"1"}}}"#).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Response);
    assert!(err.to_string().contains("several type keys"), "{err}");
    let err = parse::<Query>(200, r#"{"Items":[{"b":{"B":"@@@"}}]}"#).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Response);
}

#[test]
fn resource_not_found_maps_to_the_typed_variant() {
    let err = parse::<GetItem>(
        400,
        r#"{"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException","message":"Requested resource not found"}"#,
    )
    .unwrap_err()
    .map_service_error(GetItemError::from);
    assert_eq!(err.kind(), ErrorKind::Service);
    assert_eq!(err.request_id(), Some("REQ1"));
    let e = err.as_service_error().unwrap();
    assert!(
        matches!(e, GetItemError::ResourceNotFoundException(_)),
        "{e:?}"
    );
    assert_eq!(
        e.api_error().message(),
        Some("Requested resource not found")
    );
    assert_eq!(e.api_error().status(), 400);
    for (code, f) in [
        (
            "ResourceNotFoundException",
            (|e| matches!(e, QueryError::ResourceNotFoundException(_))) as fn(QueryError) -> bool,
        ),
        ("ThrottlingException", |e| {
            matches!(e, QueryError::ThrottlingException(_))
        }),
        ("ValidationException", |e| {
            matches!(e, QueryError::Unhandled(_))
        }),
    ] {
        assert!(f(QueryError::from(ApiError::new(code, 400))), "{code}");
    }
    assert!(matches!(
        DescribeTableError::from(ApiError::new("ResourceNotFoundException", 400)),
        DescribeTableError::ResourceNotFoundException(_)
    ));
    assert!(matches!(
        CreateTableError::from(ApiError::new("ResourceInUseException", 400)),
        CreateTableError::ResourceInUseException(_)
    ));
    assert!(matches!(
        DeleteTableError::from(ApiError::new("ResourceInUseException", 400)),
        DeleteTableError::ResourceInUseException(_)
    ));
}

#[test]
fn conditional_check_failed_maps_to_the_typed_variant() {
    let err = parse::<PutItem>(
        400,
        r#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed","Item":{"pk":{"S":"a"}}}"#,
    )
    .unwrap_err()
    .map_service_error(PutItemError::from);
    let e = err.into_service_error().unwrap();
    assert!(
        matches!(e, PutItemError::ConditionalCheckFailedException(_)),
        "{e:?}"
    );
    assert_eq!(e.api_error().request_id(), Some("REQ1"));
    assert_eq!(
        e.api_error().message(),
        Some("The conditional request failed")
    );
}

#[test]
fn enums_keep_unknown_values() {
    assert_eq!(KeyType::from("HASH"), KeyType::Hash);
    assert_eq!(
        BillingMode::from("PAY_PER_REQUEST").as_str(),
        "PAY_PER_REQUEST"
    );
    let v = Select::from("SOMETHING_NEW".to_owned());
    assert_eq!(v, Select::Unknown("SOMETHING_NEW".into()));
    assert_eq!(serde_json::to_string(&v).unwrap(), r#""SOMETHING_NEW""#);
    assert_eq!(v.to_string(), "SOMETHING_NEW");
    assert!(TableStatus::values().contains(&"ACTIVE"));
}

#[test]
fn fluent_builders_fill_the_input() {
    let client = Client::new(&SdkConfig::builder().build());
    let b = client
        .put_item()
        .table_name("t")
        .item("pk", "a")
        .item("n", AttributeValue::N("1".into()))
        .expression_attribute_values(":v", true)
        .expression_attribute_names("#n", "n")
        .return_values("ALL_OLD");
    let i = b.input();
    assert_eq!(i.item.len(), 2);
    assert_eq!(i.return_values, Some(ReturnValue::AllOld));
    assert_eq!(
        i.expression_attribute_values.as_ref().unwrap()[":v"],
        AttributeValue::Bool(true)
    );
    let b = client
        .create_table()
        .table_name("t")
        .attribute_definitions(AttributeDefinition::new("pk", "S"))
        .key_schema(KeySchemaElement::new("pk", "HASH"))
        .key_schema(KeySchemaElement::new("sk", KeyType::Range))
        .billing_mode(BillingMode::PayPerRequest);
    assert_eq!(b.input().key_schema.as_ref().unwrap().len(), 2);
    let b = client
        .query()
        .table_name("t")
        .key_condition_expression("pk = :p")
        .expression_attribute_values(":p", "a")
        .limit(1)
        .exclusive_start_key("pk", "a");
    assert_eq!(b.input().limit, Some(1));
    assert_eq!(b.input().exclusive_start_key.as_ref().unwrap().len(), 1);
    let b = client.get_item().table_name("t").key("pk", "a");
    assert_eq!(b.input().key.len(), 1);
}

fn test_config(transport: &TestTransport) -> SdkConfig {
    SdkConfig::builder()
        .region(Region::new("us-west-2"))
        .credentials(Credentials::new("AKID", "SECRET", None))
        .http_client(transport.clone().into_http_client())
        .build()
}

#[tokio::test]
async fn a_call_goes_through_the_stack_signed_for_dynamodb() {
    let transport = TestTransport::replay([http::Response::builder()
        .status(200)
        .header("x-amzn-requestid", "RID")
        .body(bytes::Bytes::from_static(br#"{"Item":{"pk":{"S":"a"}}}"#))
        .unwrap()]);
    let client = Client::new(&test_config(&transport));
    let out = client
        .get_item()
        .table_name("t")
        .key("pk", "a")
        .send()
        .await
        .unwrap();
    assert_eq!(out.response_metadata().request_id(), Some("RID"));
    assert_eq!(out.item.unwrap()["pk"], s("a"));
    let sent = transport.requests();
    assert_eq!(sent.len(), 1);
    let req = &sent[0];
    assert_eq!(
        req.uri().to_string(),
        "https://dynamodb.us-west-2.amazonaws.com/"
    );
    assert_eq!(req.headers()["x-amz-target"], "DynamoDB_20120810.GetItem");
    let auth = req.headers()["authorization"].to_str().unwrap();
    assert!(auth.contains("/us-west-2/dynamodb/aws4_request"), "{auth}");
    let body: Value = serde_json::from_slice(req.body()).unwrap();
    assert_eq!(body, json!({"TableName": "t", "Key": {"pk": {"S": "a"}}}));
}

#[tokio::test]
async fn a_service_error_reaches_the_caller_typed() {
    let transport = TestTransport::replay([http::Response::builder()
        .status(400)
        .header("x-amzn-requestid", "RID")
        .header("content-type", "application/x-amz-json-1.0")
        .body(bytes::Bytes::from_static(
            br#"{"__type":"com.amazonaws.dynamodb.v20120810#ConditionalCheckFailedException","message":"The conditional request failed"}"#,
        ))
        .unwrap()]);
    let client = Client::new(&test_config(&transport));
    let err = client
        .put_item()
        .table_name("t")
        .item("pk", "a")
        .condition_expression("attribute_not_exists(pk)")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.request_id(), Some("RID"));
    assert_eq!(err.operation_name(), Some("PutItem"));
    assert!(
        matches!(
            err.as_service_error(),
            Some(PutItemError::ConditionalCheckFailedException(_))
        ),
        "{err:?}"
    );
}
