//! What the generated clients put on the wire, seen by a loopback server: idempotency tokens
//! filled when unset, sensitive members out of `Debug`, every protocol's request shape.
use crate::fault_server::{Action, FaultServer};
use crate::support::peers::peer_config;
use ziggurat::dynamodb::types::{AttributeValue, Put, TransactWriteItem};

fn uuid_v4(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 36
        && [8, 13, 18, 23].iter().all(|&i| b.get(i) == Some(&b'-'))
        && b.get(14) == Some(&b'4')
        && s.chars()
            .filter(|c| *c != '-')
            .all(|c| c.is_ascii_hexdigit())
}

#[tokio::test]
async fn an_unset_idempotency_token_is_a_fresh_uuid_and_a_set_one_is_kept() {
    let server = FaultServer::always(Action::respond(
        200,
        &[("content-type", "application/x-amz-json-1.0")],
        "{}",
    ))
    .await;
    let ddb = ziggurat::dynamodb::Client::new(&peer_config(server.url()));
    let item = || TransactWriteItem {
        put: Some(Put {
            table_name: "t".into(),
            item: [("pk".to_owned(), AttributeValue::S("a".into()))].into(),
            ..Default::default()
        }),
        ..Default::default()
    };
    ddb.transact_write_items()
        .transact_items(item())
        .send()
        .await
        .unwrap();
    ddb.transact_write_items()
        .transact_items(item())
        .send()
        .await
        .unwrap();
    ddb.transact_write_items()
        .transact_items(item())
        .client_request_token("mine")
        .send()
        .await
        .unwrap();
    let tokens: Vec<String> = server
        .requests()
        .iter()
        .map(|r| {
            let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            body["ClientRequestToken"]
                .as_str()
                .unwrap_or_default()
                .to_owned()
        })
        .collect();
    assert!(uuid_v4(&tokens[0]) && uuid_v4(&tokens[1]), "{tokens:?}");
    assert_ne!(tokens[0], tokens[1]);
    assert_eq!(tokens[2], "mine");
}

#[test]
fn sensitive_members_are_redacted_in_debug_output() {
    let input = ziggurat::ssooidc::CreateTokenInput {
        client_id: "id-123".into(),
        client_secret: "very-secret-value".into(),
        grant_type: "refresh_token".into(),
        refresh_token: Some("refresh-me-secretly".into()),
        ..Default::default()
    };
    let shown = format!("{input:?}");
    assert!(shown.contains("id-123"), "{shown}");
    assert!(!shown.contains("very-secret-value"), "{shown}");
    assert!(!shown.contains("refresh-me-secretly"), "{shown}");
    assert!(shown.contains("*** Sensitive Data Redacted ***"), "{shown}");

    let creds = ziggurat::sts::types::Credentials {
        access_key_id: "AKID".into(),
        secret_access_key: "the-secret-key".into(),
        session_token: "the-session-token".into(),
        ..Default::default()
    };
    let shown = format!("{creds:?}");
    assert!(shown.contains("AKID"), "{shown}");
    assert!(
        !shown.contains("the-secret-key") && !shown.contains("the-session-token"),
        "{shown}"
    );
}

#[tokio::test]
async fn each_protocol_sends_its_request_shape() {
    let server = FaultServer::always(Action::respond(200, &[], "")).await;
    let config = peer_config(server.url());
    // awsQuery: a form with Action and Version.
    let _ = ziggurat::sns::Client::new(&config)
        .publish()
        .topic_arn("arn:aws:sns:us-east-1:123456789012:t")
        .message("hi there")
        .send()
        .await;
    // restJson1: the method, the path with its label, the JSON body.
    let _ = ziggurat::lambda::Client::new(&config)
        .update_function_configuration()
        .function_name("f/1")
        .timeout(3)
        .send()
        .await;
    // awsJson1_0, awsQuery-compatible: the target and the query mode header.
    let _ = ziggurat::sqs::Client::new(&config)
        .list_queues()
        .send()
        .await;
    let seen = server.requests();
    assert_eq!(seen.len(), 3, "{seen:?}");
    let form = String::from_utf8_lossy(&seen[0].body).into_owned();
    assert_eq!(
        seen[0].header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    for part in ["Action=Publish", "Version=2010-03-31", "Message=hi%20there"] {
        assert!(form.contains(part), "{form}");
    }
    assert_eq!(seen[1].method, "PUT");
    assert_eq!(seen[1].path, "/2015-03-31/functions/f%2F1/configuration");
    assert_eq!(seen[1].body, br#"{"Timeout":3}"#);
    assert_eq!(seen[2].header("x-amz-target"), Some("AmazonSQS.ListQueues"));
    assert_eq!(seen[2].header("x-amzn-query-mode"), Some("true"));
    assert_eq!(
        seen[2].header("content-type"),
        Some("application/x-amz-json-1.0")
    );
}

#[tokio::test]
async fn operations_modeled_without_auth_go_out_unsigned_and_others_signed() {
    let server = FaultServer::always(Action::respond(
        200,
        &[("content-type", "text/xml")],
        "<AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult/></AssumeRoleWithWebIdentityResponse>",
    ))
    .await;
    // The client has credentials; the no-auth operation must not use them.
    let sts = ziggurat::sts::Client::new(&peer_config(server.url()));
    let _ = sts
        .assume_role_with_web_identity()
        .role_arn("arn:aws:iam::123456789012:role/r")
        .role_session_name("s")
        .web_identity_token("token")
        .send()
        .await;
    let _ = sts.get_caller_identity().send().await;
    let requests = server.requests();
    assert_eq!(requests.len(), 2);
    assert!(
        requests[0].header("authorization").is_none(),
        "{:?}",
        requests[0].headers
    );
    assert!(requests[1].header("authorization").is_some());
}
