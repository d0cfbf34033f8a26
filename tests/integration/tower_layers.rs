//! tower and tower-http layers inside a client's stack, against s3s-fs.
use crate::support;

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use support::s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use tower_http::set_header::SetRequestHeaderLayer;
use tower_http::trace::TraceLayer;
use ziggurat::prelude::*;
use ziggurat::retry::RetryConfig;
use ziggurat::s3::{Client, Config};

fn config(server: &S3Server) -> SdkConfig {
    SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY, None))
        .endpoint_url(server.url())
        .build()
}

#[tokio::test]
async fn tower_http_layers_run_below_the_deserializer() {
    let server = S3Server::start().await.unwrap();
    let traced = Arc::new(AtomicUsize::new(0));
    let seen = traced.clone();
    let conf = Config::new(&config(&server)).stack(move |stack| {
        let seen = seen.clone();
        // TraceLayer changes the response body type; `http_layer` maps it back.
        stack.deserialize_mut().add(
            "Trace",
            Middleware::http_layer(TraceLayer::new_for_http().on_response(
                move |_: &http::Response<_>, _: Duration, _: &tracing::Span| {
                    seen.fetch_add(1, Ordering::SeqCst);
                },
            )),
            Position::After,
        )?;
        // Below signing, an unsigned header changes nothing for the signature.
        stack.deserialize_mut().add(
            "SetHeader",
            Middleware::http_layer(SetRequestHeaderLayer::overriding(
                http::header::HeaderName::from_static("x-forwarded-for"),
                http::HeaderValue::from_static("10.0.0.1"),
            )),
            Position::After,
        )?;
        // tower's timeout and concurrency limit above the deserializer, around each attempt.
        stack.finalize_mut().insert(
            "AttemptTimeout",
            Middleware::layer(tower::timeout::TimeoutLayer::new(Duration::from_secs(5))),
            ids::SIGNING,
            Position::After,
        )?;
        stack.build_mut().add(
            "ConcurrencyLimit",
            Middleware::layer(tower::limit::ConcurrencyLimitLayer::new(4)),
            Position::After,
        )?;
        Ok(())
    });
    let s3 = Client::from_conf(conf);
    let described = s3.stack().unwrap().describe();
    assert!(described.contains("Trace (tower layer)"), "{described}");
    s3.create_bucket().bucket("layered").send().await.unwrap();
    s3.put_object()
        .bucket("layered")
        .key("k")
        .body(Body::from("layered body"))
        .send()
        .await
        .unwrap();
    let got = s3
        .get_object()
        .bucket("layered")
        .key("k")
        .send()
        .await
        .unwrap();
    assert_eq!(got.body.collect().await.unwrap(), "layered body");
    assert_eq!(traced.load(Ordering::SeqCst), 3);
    // Errors still come back typed through the layers.
    let err = s3
        .get_object()
        .bucket("layered")
        .key("missing")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("NoSuchKey"));
}

#[tokio::test]
async fn a_tower_timeout_in_the_stack_becomes_a_timeout_error() {
    // A server that accepts and never answers.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let _silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((sock, _)) = listener.accept().await {
            held.push(sock);
        }
    });
    let client = |retry: RetryConfig| {
        let config = SdkConfig::builder()
            .region(Region::from_static("us-east-1"))
            .credentials(Credentials::new("a", "b", None))
            .endpoint_url(format!("http://{addr}"))
            .retry_config(retry)
            .build();
        Client::from_conf(Config::new(&config).stack(|stack| {
            stack.finalize_mut().insert(
                "AttemptTimeout",
                Middleware::layer(tower::timeout::TimeoutLayer::new(Duration::from_millis(
                    200,
                ))),
                ids::RETRY,
                Position::After,
            )?;
            Ok(())
        }))
    };

    // One attempt: the layer's `Elapsed` becomes a timeout error naming the operation.
    let started = std::time::Instant::now();
    let err = client(RetryConfig::disabled())
        .list_objects_v2()
        .bucket("slow")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    assert_eq!(err.metadata().attempts(), 1);
    assert!(started.elapsed() < Duration::from_secs(2));
    assert!(
        err.to_string()
            .starts_with("operation error S3: ListObjectsV2, timed out"),
        "{err}"
    );

    // Under the standard strategy a timeout is retried: the layer runs on every attempt.
    let err = client(RetryConfig::standard().with_max_backoff(Duration::from_millis(10)))
        .list_objects_v2()
        .bucket("slow")
        .send()
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout, "{err:?}");
    assert_eq!(err.metadata().attempts(), 3);
}
