//! SQS (awsJson1_0, awsQuery-compatible) through the generated client, against moto server at
//! `$ZIGGURAT_MOTO_URL`.
use crate::support::peers::{peer_config, peer_url, unique};
use ziggurat::prelude::*;
use ziggurat::sqs::types::{QueueAttributeName, SendMessageBatchRequestEntry};
use ziggurat::sqs::{Client, GetQueueUrlError, SendMessageError};

fn client(test: &str) -> Option<Client> {
    let url = peer_url("ZIGGURAT_MOTO_URL", test)?;
    Some(Client::new(&peer_config(url)))
}

#[tokio::test]
async fn a_queue_lives_through_send_receive_visibility_delete_and_purge() {
    let Some(sqs) = client("sqs against moto") else {
        return;
    };
    let name = unique("q");
    let created = sqs
        .create_queue()
        .queue_name(&name)
        .attributes("VisibilityTimeout", "30")
        .send()
        .await
        .unwrap();
    let url = created.queue_url.clone().unwrap();
    assert!(url.ends_with(&name), "{url}");
    assert!(created.response_metadata().request_id().is_some());
    let found = sqs.get_queue_url().queue_name(&name).send().await.unwrap();
    assert_eq!(found.queue_url.as_deref(), Some(url.as_str()));

    let sent = sqs
        .send_message()
        .queue_url(&url)
        .message_body("hello, queue")
        .send()
        .await
        .unwrap();
    assert!(sent.message_id.is_some());
    assert_eq!(sent.md5_of_message_body.as_ref().map(String::len), Some(32));

    let batch = sqs
        .send_message_batch()
        .queue_url(&url)
        .entries(SendMessageBatchRequestEntry {
            id: "a".into(),
            message_body: "first of two".into(),
            ..Default::default()
        })
        .entries(SendMessageBatchRequestEntry {
            id: "b".into(),
            message_body: "second of two".into(),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    let mut ids: Vec<String> = batch.successful.iter().map(|e| e.id.clone()).collect();
    ids.sort();
    assert_eq!(ids, ["a", "b"]);
    assert!(batch.failed.is_empty());

    let received = sqs
        .receive_message()
        .queue_url(&url)
        .max_number_of_messages(10)
        .send()
        .await
        .unwrap();
    let messages = received.messages.unwrap_or_default();
    let mut bodies: Vec<String> = messages.iter().filter_map(|m| m.body.clone()).collect();
    bodies.sort();
    assert_eq!(bodies, ["first of two", "hello, queue", "second of two"]);

    let first = &messages[0];
    let handle = first.receipt_handle.clone().unwrap();
    sqs.change_message_visibility()
        .queue_url(&url)
        .receipt_handle(&handle)
        .visibility_timeout(0)
        .send()
        .await
        .unwrap();
    sqs.delete_message()
        .queue_url(&url)
        .receipt_handle(&handle)
        .send()
        .await
        .unwrap();

    let attrs = sqs
        .get_queue_attributes()
        .queue_url(&url)
        .attribute_names(QueueAttributeName::All)
        .send()
        .await
        .unwrap()
        .attributes
        .unwrap_or_default();
    assert_eq!(
        attrs.get("VisibilityTimeout").map(String::as_str),
        Some("30")
    );
    assert!(
        attrs.contains_key("ApproximateNumberOfMessages"),
        "{attrs:?}"
    );

    sqs.purge_queue().queue_url(&url).send().await.unwrap();
    let after = sqs.receive_message().queue_url(&url).send().await.unwrap();
    assert!(after.messages.unwrap_or_default().is_empty());
    sqs.delete_queue().queue_url(&url).send().await.unwrap();
}

#[tokio::test]
async fn a_missing_queue_has_its_query_compatible_code_and_typed_variant() {
    let Some(sqs) = client("sqs errors against moto") else {
        return;
    };
    let err = sqs
        .get_queue_url()
        .queue_name(unique("missing"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        err.code(),
        Some("AWS.SimpleQueueService.NonExistentQueue"),
        "{err:?}"
    );
    assert!(
        matches!(
            err.as_service_error(),
            Some(GetQueueUrlError::QueueDoesNotExist(_))
        ),
        "{err:?}"
    );
    assert!(err.request_id().is_some());
}

#[tokio::test]
async fn a_missing_required_member_is_a_construction_error_before_sending() {
    // No peer needed: the call fails before anything is sent.
    let config = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new("testing", "testing", None))
        .endpoint_url("http://127.0.0.1:9")
        .build();
    let sqs = Client::new(&config);
    let err: SdkError<SendMessageError> = sqs
        .send_message()
        .queue_url("http://127.0.0.1:9/123/q")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Construction, "{err:?}");
    assert!(
        std::error::Error::source(&err).is_some_and(|s| s.to_string().contains("MessageBody")),
        "{err:?}"
    );
}
