//! Event-stream outputs through the generated client: Lambda `InvokeWithResponseStream`
//! against a loopback server whose body is an event stream built here, read as typed events.
use futures_util::StreamExt;
use ziggurat::lambda::Client;
use ziggurat::lambda::types::InvokeWithResponseStreamResponseEvent as Event;
use ziggurat::layers::protocol::event_stream::{HeaderValue, Message};
use ziggurat::prelude::*;

use crate::fault_server::{Action, FaultServer};
use crate::support::peers::peer_config;

fn message(headers: &[(&str, &str)], payload: &[u8]) -> Vec<u8> {
    Message {
        headers: headers
            .iter()
            .map(|(n, v)| ((*n).to_owned(), HeaderValue::String((*v).to_owned())))
            .collect(),
        payload: bytes::Bytes::copy_from_slice(payload),
    }
    .encode()
}

fn chunk(payload: &[u8]) -> Vec<u8> {
    message(
        &[
            (":message-type", "event"),
            (":event-type", "PayloadChunk"),
            (":content-type", "application/octet-stream"),
        ],
        payload,
    )
}

/// Two chunks and the completion, as Lambda streams a function's response.
fn lambda_stream() -> Vec<u8> {
    let mut body = chunk(b"{\"part\":");
    body.extend(chunk(b"1}"));
    body.extend(message(
        &[
            (":message-type", "event"),
            (":event-type", "InvokeComplete"),
            (":content-type", "application/json"),
        ],
        br#"{"LogResult":"bG9ncw=="}"#,
    ));
    body
}

async fn server(body: Vec<u8>) -> FaultServer {
    FaultServer::always(Action::respond(
        200,
        &[
            ("content-type", "application/vnd.amazon.eventstream"),
            ("x-amz-executed-version", "7"),
            ("x-amzn-requestid", "req-es"),
        ],
        body,
    ))
    .await
}

#[tokio::test]
async fn invoke_with_response_stream_yields_typed_events_in_order() {
    let server = server(lambda_stream()).await;
    let lambda = Client::new(&peer_config(server.url()));
    let out = lambda
        .invoke_with_response_stream()
        .function_name("streamer")
        .payload(bytes::Bytes::from_static(b"{}"))
        .send()
        .await
        .unwrap();
    assert_eq!(out.status_code, Some(200));
    assert_eq!(out.executed_version.as_deref(), Some("7"));
    let mut events = out.event_stream;
    let mut chunks = Vec::new();
    let mut complete = None;
    while let Some(event) = events.recv().await.unwrap() {
        match event {
            Event::PayloadChunk(c) => {
                assert!(complete.is_none(), "a chunk after the completion");
                chunks.push(c.payload.unwrap_or_default());
            }
            Event::InvokeComplete(c) => complete = Some(c),
            other => panic!("unexpected event {other:?}"),
        }
    }
    assert_eq!(chunks, [&b"{\"part\":"[..], &b"1}"[..]]);
    let complete = complete.unwrap();
    assert_eq!(complete.log_result.as_deref(), Some("bG9ncw=="));
    assert_eq!(complete.error_code, None);
    // The end is sticky.
    assert!(events.recv().await.unwrap().is_none());

    let seen = server.requests();
    assert_eq!(
        seen[0].path,
        "/2021-11-15/functions/streamer/response-streaming-invocations"
    );
}

#[tokio::test]
async fn the_event_stream_is_a_futures_stream() {
    let server = server(lambda_stream()).await;
    let lambda = Client::new(&peer_config(server.url()));
    let out = lambda
        .invoke_with_response_stream()
        .function_name("streamer")
        .send()
        .await
        .unwrap();
    let events: Vec<Event> = out
        .event_stream
        .map(|e| e.unwrap())
        .collect::<Vec<_>>()
        .await;
    assert_eq!(events.len(), 3);
    assert!(events[0].is_payload_chunk() && events[1].is_payload_chunk());
    assert!(events[2].is_invoke_complete());
}

#[tokio::test]
async fn a_corrupted_crc_is_an_error_from_recv() {
    let mut body = lambda_stream();
    let second = chunk(b"{\"part\":").len();
    // A header byte of the second message: its message CRC no longer matches.
    let at = second + 60;
    body[at] ^= 0x20;
    let server = server(body).await;
    let lambda = Client::new(&peer_config(server.url()));
    let out = lambda
        .invoke_with_response_stream()
        .function_name("streamer")
        .send()
        .await
        .unwrap();
    let mut events = out.event_stream;
    assert!(matches!(
        events.recv().await,
        Ok(Some(Event::PayloadChunk(_)))
    ));
    let err = events.recv().await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Response, "{err:?}");
    assert!(
        err.to_string().contains("CRC") || format!("{err:?}").contains("CRC"),
        "{err:?}"
    );
    // Nothing more is read after the error.
    assert!(events.recv().await.unwrap().is_none());
}

#[tokio::test]
async fn an_error_message_is_a_service_error() {
    let mut body = chunk(b"a");
    body.extend(message(
        &[
            (":message-type", "error"),
            (":error-code", "ServiceException"),
            (":error-message", "the function failed"),
        ],
        b"",
    ));
    let server = server(body).await;
    let lambda = Client::new(&peer_config(server.url()));
    let mut events = lambda
        .invoke_with_response_stream()
        .function_name("streamer")
        .send()
        .await
        .unwrap()
        .event_stream;
    assert!(events.recv().await.unwrap().is_some());
    let err = events.recv().await.unwrap_err();
    assert_eq!(err.code(), Some("ServiceException"));
    assert_eq!(err.message(), Some("the function failed"));
}
