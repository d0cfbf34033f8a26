//! `TestTransport`: rules, limits, replay, the no-match error and the recording.
use std::time::Duration;

use bytes::Bytes;
use http_body::Frame;
use http_body_util::StreamBody;
use tower::ServiceExt;
use ziggurat_core::body::Body;
use ziggurat_core::error::{BoxError, ErrorKind, SdkError, TransportErrorKind};
use ziggurat_core::transport::{HttpClient, Rule, TestTransport};

fn request(method: &str, uri: &str, body: impl Into<Body>) -> http::Request<Body> {
    http::Request::builder()
        .method(method)
        .uri(uri)
        .header("x-test", "1")
        .body(body.into())
        .unwrap()
}

async fn send(
    client: &HttpClient,
    req: http::Request<Body>,
) -> Result<http::Response<Body>, SdkError> {
    tokio::time::timeout(Duration::from_secs(5), client.clone().oneshot(req))
        .await
        .expect("the test transport answers at once")
}

async fn text(res: http::Response<Body>) -> String {
    String::from_utf8(res.into_body().collect().await.unwrap().to_vec()).unwrap()
}

#[tokio::test]
async fn first_matching_rule_answers() {
    let transport = TestTransport::new()
        .rule(Rule::get("/a").respond(200, &[("x-rule", "get-a")], "A"))
        .rule(Rule::when(|req| req.headers().contains_key("x-test")).respond(201, &[], "any"));
    let client = transport.clone().into_http_client();

    let res = send(&client, request("GET", "https://h/a", Body::empty()))
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["x-rule"], "get-a");
    assert_eq!(text(res).await, "A");

    let res = send(&client, request("DELETE", "https://h/a", Body::empty()))
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
}

#[tokio::test]
async fn path_matchers_compare_query_only_when_given() {
    let transport = TestTransport::new()
        .rule(Rule::get("/list?prefix=x").respond(200, &[], "exact"))
        .rule(Rule::get("/list").respond(200, &[], "path"));
    let client = transport.into_http_client();
    let res = send(
        &client,
        request("GET", "https://h/list?prefix=x", Body::empty()),
    )
    .await
    .unwrap();
    assert_eq!(text(res).await, "exact");
    let res = send(
        &client,
        request("GET", "https://h/list?prefix=y", Body::empty()),
    )
    .await
    .unwrap();
    assert_eq!(text(res).await, "path");
}

#[tokio::test]
async fn times_limits_a_rule_then_later_rules_answer() {
    let transport = TestTransport::new()
        .rule(Rule::any().times(2).respond(503, &[], "busy"))
        .rule(Rule::any().respond(200, &[], "ok"));
    let client = transport.into_http_client();
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(
            send(&client, request("GET", "https://h/", Body::empty()))
                .await
                .unwrap()
                .status(),
        );
    }
    assert_eq!(statuses, [503, 503, 200, 200]);
}

#[tokio::test]
async fn rule_times_applies_after_respond_too() {
    let transport = TestTransport::new().rule(Rule::any().respond(200, &[], "").times(1));
    let client = transport.into_http_client();
    assert!(
        send(&client, request("GET", "https://h/", Body::empty()))
            .await
            .is_ok()
    );
    assert!(
        send(&client, request("GET", "https://h/", Body::empty()))
            .await
            .is_err()
    );
}

#[tokio::test]
async fn unmatched_request_is_a_transport_error_naming_it() {
    let transport = TestTransport::new().rule(Rule::put("/x").respond(200, &[], ""));
    let err = send(
        &transport.into_http_client(),
        request("GET", "https://h/x?y=1", Body::empty()),
    )
    .await
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Transport);
    assert_eq!(err.transport_kind(), Some(TransportErrorKind::Other));
    assert_eq!(
        err.to_string(),
        "transport error: test transport: no rule matched GET /x?y=1"
    );
}

#[tokio::test]
async fn respond_with_can_echo_or_fail() {
    let transport = TestTransport::new()
        .rule(Rule::post("/fail").respond_with(|_| Err(SdkError::timeout("simulated"))))
        .rule(Rule::post("/echo").respond_with(|req| {
            let body = Bytes::copy_from_slice(req.body().bytes().unwrap_or_default());
            Ok(http::Response::new(body))
        }));
    let client = transport.into_http_client();
    let err = send(&client, request("POST", "https://h/fail", Body::empty()))
        .await
        .unwrap_err();
    assert!(err.is_timeout());
    let res = send(&client, request("POST", "https://h/echo", "ping"))
        .await
        .unwrap();
    assert_eq!(text(res).await, "ping");
}

#[tokio::test]
async fn requests_are_recorded_with_streamed_bodies_collected() {
    let transport = TestTransport::new().rule(Rule::any().respond(200, &[], ""));
    let client = transport.clone().into_http_client();

    let chunks = futures_util::stream::iter([
        Ok::<_, BoxError>(Frame::data(Bytes::from("str"))),
        Ok(Frame::data(Bytes::from("eamed"))),
    ]);
    let streamed = Body::from_stream(StreamBody::new(chunks));
    send(&client, request("PUT", "https://h/one", "in memory"))
        .await
        .unwrap();
    send(&client, request("POST", "https://h/two?q", streamed))
        .await
        .unwrap();
    // Unmatched requests are recorded too.
    let lonely = TestTransport::new();
    let _ = send(
        &lonely.clone().into_http_client(),
        request("GET", "https://h/none", Body::empty()),
    )
    .await;
    assert_eq!(lonely.requests().len(), 1);

    let sent = transport.requests();
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].method(), http::Method::PUT);
    assert_eq!(sent[0].uri(), "https://h/one");
    assert_eq!(sent[0].headers()["x-test"], "1");
    assert_eq!(sent[0].body(), "in memory");
    assert_eq!(sent[1].uri().query(), Some("q"));
    assert_eq!(sent[1].body(), "streamed");
}

#[tokio::test]
async fn replay_answers_in_order_and_then_fails() {
    let responses = ["one", "two"].map(|b| http::Response::new(Bytes::from(b)));
    let transport = TestTransport::replay(responses);
    let client = transport.clone().into_http_client();
    assert_eq!(
        text(
            send(&client, request("GET", "https://h/1", Body::empty()))
                .await
                .unwrap()
        )
        .await,
        "one"
    );
    assert_eq!(
        text(
            send(&client, request("GET", "https://h/2", Body::empty()))
                .await
                .unwrap()
        )
        .await,
        "two"
    );
    let err = send(&client, request("GET", "https://h/3", Body::empty()))
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("replay ran out after 2 responses"),
        "{err}"
    );
    let paths: Vec<String> = transport
        .requests()
        .iter()
        .map(|r| r.uri().path().to_owned())
        .collect();
    assert_eq!(paths, ["/1", "/2", "/3"]);
}

#[tokio::test]
async fn concurrent_requests_cannot_overdraw_a_limited_rule() {
    let transport = TestTransport::new()
        .rule(Rule::any().times(3).respond(200, &[], ""))
        .rule(Rule::any().respond(429, &[], ""));
    let client = transport.into_http_client();
    let calls = (0..20).map(|_| {
        let client = client.clone();
        tokio::spawn(
            async move { send(&client, request("GET", "https://h/", Body::empty())).await },
        )
    });
    let mut ok = 0;
    for call in calls {
        if call.await.unwrap().unwrap().status() == 200 {
            ok += 1;
        }
    }
    assert_eq!(ok, 3);
}

#[tokio::test]
async fn always_answers_every_request_the_same() {
    let client = TestTransport::always(200, Bytes::from_static(b"{}")).into_http_client();
    for _ in 0..3 {
        let res = send(&client, request("POST", "https://h/", "ignored"))
            .await
            .unwrap();
        assert_eq!(res.status(), 200);
        assert_eq!(text(res).await, "{}");
    }
    let with_headers = TestTransport::always_response(
        http::Response::builder()
            .status(404)
            .header("x-amzn-requestid", "r1")
            .body(Bytes::new())
            .unwrap(),
    )
    .into_http_client();
    let res = send(&with_headers, request("GET", "https://h/", Body::empty()))
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["x-amzn-requestid"], "r1");
}
