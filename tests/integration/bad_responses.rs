//! What a server sends that the model does not expect: values this client does not know are
//! kept, and bodies that are not the shape are clear errors, never panics. Against loopback
//! servers that answer as scripted, through the generated clients of each protocol.
use crate::fault_server::{Action, FaultServer};
use ziggurat::dynamodb::types::{AttributeValue, TableStatus};
use ziggurat::prelude::*;

fn config(server: &FaultServer) -> SdkConfig {
    SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new("AKID", "SECRET", None))
        .endpoint_url(server.url())
        .retry_config(ziggurat::retry::RetryConfig::disabled())
        .build()
}

const JSON: (&str, &str) = ("content-type", "application/x-amz-json-1.0");

#[tokio::test]
async fn an_unknown_enum_value_and_union_member_are_kept_not_refused() {
    let server = FaultServer::start(|n, _| match n {
        0 => Action::respond(
            200,
            &[JSON],
            r#"{"Table":{"TableName":"t","TableStatus":"MELTING","NewMember":{"x":1}}}"#,
        ),
        _ => Action::respond(
            200,
            &[JSON],
            r#"{"Item":{"pk":{"S":"a"},"future":{"VECTOR":[1,2]}}}"#,
        ),
    })
    .await;
    let ddb = ziggurat::dynamodb::Client::new(&config(&server));
    let table = ddb
        .describe_table()
        .table_name("t")
        .send()
        .await
        .unwrap()
        .table
        .unwrap();
    assert_eq!(
        table.table_status,
        Some(TableStatus::Unknown("MELTING".into()))
    );
    assert_eq!(
        table.table_status.as_ref().map(|s| s.as_str()),
        Some("MELTING")
    );
    let item = ddb
        .get_item()
        .table_name("t")
        .key("pk", "a")
        .send()
        .await
        .unwrap()
        .item
        .unwrap();
    assert_eq!(item.get("pk"), Some(&AttributeValue::S("a".into())));
    assert_eq!(item.get("future"), Some(&AttributeValue::Unknown));
}

#[tokio::test]
async fn truncated_or_malformed_bodies_are_response_errors() {
    // Each body is what a `Query` answers: its `Items`, `Count` and the like.
    let bodies: [(&str, &str); 5] = [
        (r#"{"Items":[{"pk":{"S":"#, "truncated JSON"),
        (
            r#"{"Items":[{"pk":{"S":5}}]}"#,
            "a number where a string belongs",
        ),
        (r#"{"Count":"ten"}"#, "a string where a number belongs"),
        ("<html>busy</html>", "not JSON at all"),
        (r#"{"Items":{"pk":1}}"#, "a map where a list belongs"),
    ];
    for (body, what) in bodies {
        let server = FaultServer::always(Action::respond(200, &[JSON], body)).await;
        let ddb = ziggurat::dynamodb::Client::new(&config(&server));
        let err = ddb.query().table_name("t").send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Response, "{what}: {err:?}");
        assert_eq!(err.operation_name(), Some("Query"), "{what}");
    }

    // XML (awsQuery) and restJson bodies the same way.
    for body in [
        "<GetCallerIdentityResponse><GetCallerIdentityResult><Account>",
        "not xml",
    ] {
        let server =
            FaultServer::always(Action::respond(200, &[("content-type", "text/xml")], body)).await;
        let sts = ziggurat::sts::Client::new(&config(&server));
        let err = sts.get_caller_identity().send().await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Response, "{body}: {err:?}");
    }
    let server = FaultServer::always(Action::respond(
        200,
        &[("content-type", "application/json")],
        r#"{"Functions":[{"FunctionName":"#,
    ))
    .await;
    let lambda = ziggurat::lambda::Client::new(&config(&server));
    let err = lambda.list_functions().send().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Response, "{err:?}");
}

#[tokio::test]
async fn an_error_response_with_a_malformed_body_keeps_its_status() {
    let server = FaultServer::always(Action::respond(400, &[JSON], r#"{"__type":"#)).await;
    let ddb = ziggurat::dynamodb::Client::new(&config(&server));
    let err = ddb
        .get_item()
        .table_name("t")
        .key("pk", "a")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Service, "{err:?}");
    assert_eq!(err.code(), Some("BadRequest"));
}
