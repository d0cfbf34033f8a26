//! SNS and STS (awsQuery) through the generated clients, against moto server at
//! `$ZIGGURAT_MOTO_URL`: topics, an SQS subscription that receives what is published, listings;
//! caller identity, assumed roles and session tokens.
use crate::support::peers::{peer_config, peer_url, unique};
use ziggurat::prelude::*;
use ziggurat::sns::types::MessageAttributeValue;

fn config(test: &str) -> Option<SdkConfig> {
    peer_url("ZIGGURAT_MOTO_URL", test).map(peer_config)
}

#[tokio::test]
async fn a_topic_delivers_to_its_sqs_subscription() {
    let Some(config) = config("sns against moto") else {
        return;
    };
    let sns = ziggurat::sns::Client::new(&config);
    let sqs = ziggurat::sqs::Client::new(&config);
    let topic_name = unique("topic");
    let topic = sns
        .create_topic()
        .name(&topic_name)
        .send()
        .await
        .unwrap()
        .topic_arn
        .unwrap();
    assert!(topic.ends_with(&topic_name), "{topic}");

    let queue = sqs
        .create_queue()
        .queue_name(unique("sub"))
        .send()
        .await
        .unwrap()
        .queue_url
        .unwrap();
    let queue_arn = sqs
        .get_queue_attributes()
        .queue_url(&queue)
        .attribute_names(ziggurat::sqs::types::QueueAttributeName::QueueArn)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap_or_default()
        .remove("QueueArn")
        .unwrap();
    let sub = sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(&queue_arn)
        .attributes("RawMessageDelivery", "true")
        .send()
        .await
        .unwrap();
    assert!(sub.subscription_arn.unwrap().starts_with(&topic));

    let published = sns
        .publish()
        .topic_arn(&topic)
        .message("hello & <welcome>")
        .message_attributes(
            "kind",
            MessageAttributeValue {
                data_type: "String".into(),
                string_value: Some("greeting".into()),
                ..Default::default()
            },
        )
        .send()
        .await
        .unwrap();
    assert!(published.message_id.is_some());

    let got = sqs
        .receive_message()
        .queue_url(&queue)
        .send()
        .await
        .unwrap()
        .messages
        .unwrap_or_default();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].body.as_deref(), Some("hello & <welcome>"));

    // Every page: other tests make topics on the same server, and it lists 100 a page.
    let topics: Vec<_> =
        futures_util::TryStreamExt::try_collect(sns.list_topics().into_paginator().send().items())
            .await
            .unwrap();
    assert!(
        topics
            .iter()
            .any(|t| t.topic_arn.as_deref() == Some(topic.as_str()))
    );
    let subs = sns
        .list_subscriptions_by_topic()
        .topic_arn(&topic)
        .send()
        .await
        .unwrap()
        .subscriptions
        .unwrap_or_default();
    assert_eq!(subs.len(), 1);
    assert_eq!(subs[0].protocol.as_deref(), Some("sqs"));
    assert_eq!(subs[0].endpoint.as_deref(), Some(queue_arn.as_str()));

    sns.delete_topic().topic_arn(&topic).send().await.unwrap();
    let err = sns
        .get_topic_attributes()
        .topic_arn(&topic)
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("NotFound"), "{err:?}");
}

#[tokio::test]
async fn sts_answers_identity_roles_and_session_tokens() {
    let Some(config) = config("sts against moto") else {
        return;
    };
    let sts = ziggurat::sts::Client::new(&config);
    let me = sts.get_caller_identity().send().await.unwrap();
    assert_eq!(me.account.as_deref(), Some("123456789012"));
    assert!(me.arn.is_some());
    assert!(me.response_metadata().request_id().is_some());

    let role = sts
        .assume_role()
        .role_arn("arn:aws:iam::123456789012:role/demo")
        .role_session_name("ziggurat-test")
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let creds = role.credentials.unwrap();
    assert!(!creds.access_key_id.is_empty());
    assert!(!creds.session_token.is_empty());
    assert!(creds.expiration.epoch_seconds() > 0);
    // The secret key and the token never show in Debug output.
    let shown = format!("{creds:?}");
    assert!(!shown.contains(&creds.secret_access_key), "{shown}");
    assert!(shown.contains("Sensitive Data Redacted"), "{shown}");
    assert!(
        role.assumed_role_user
            .unwrap()
            .arn
            .contains("ziggurat-test")
    );

    let session = sts
        .get_session_token()
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    assert!(session.credentials.is_some());
}
