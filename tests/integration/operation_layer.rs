//! A working S3 client composed from `ServiceBuilder` and standalone layers alone: the
//! operation layer on top (typed input in, typed output out), the endpoint hook, content
//! length and SigV4 as tower layers, over the plain HTTP transport; against s3s-fs, which
//! checks every signature.
use crate::support;

use support::s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use tower::{Layer, ServiceBuilder, ServiceExt};
use ziggurat::hook::HookLayer;
use ziggurat::layers::content_length::ContentLengthLayer;
use ziggurat::layers::endpoint::{BaseEndpoint, ResolveEndpoint};
use ziggurat::layers::operation::OperationLayer;
use ziggurat::layers::sign::{SigV4, SigV4Layer};
use ziggurat::prelude::*;
use ziggurat::s3::{
    CreateBucket, CreateBucketInput, GetObject, GetObjectError, GetObjectInput, PutObject,
    PutObjectInput,
};
use ziggurat::transport::HttpClient;

#[tokio::test]
async fn an_s3_client_from_service_builder_and_layers_alone() {
    let server = S3Server::start().await.unwrap();
    // Everything below the operation: plain HTTP middleware over the transport.
    let http = ServiceBuilder::new()
        .layer(HookLayer::new(
            ResolveEndpoint::new("s3")
                .with_base_endpoint(Some(BaseEndpoint::parse(&server.url()).unwrap())),
        ))
        .layer(ContentLengthLayer::default())
        .layer(SigV4Layer::new(
            SigV4::s3()
                .with_region(Region::from_static("us-east-1"))
                .with_credentials(Credentials::new(ACCESS_KEY, SECRET_KEY, None)),
        ))
        .service(HttpClient::default().into_service());

    OperationLayer::<CreateBucket>::new()
        .layer(http.clone())
        .oneshot(CreateBucketInput {
            bucket: "composed".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let put = OperationLayer::<PutObject>::new()
        .layer(http.clone())
        .oneshot(PutObjectInput {
            bucket: "composed".into(),
            key: "a/b.txt".into(),
            body: Body::from("layers all the way down"),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(put.e_tag.is_some());

    // A streaming output: the body is handed over unread.
    let got = OperationLayer::<GetObject>::new()
        .layer(http.clone())
        .oneshot(GetObjectInput {
            bucket: "composed".into(),
            key: "a/b.txt".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(got.content_length, Some(23));
    let bytes = got.body.collect().await.unwrap();
    assert_eq!(&bytes[..], b"layers all the way down");

    // A service error is the operation's typed error.
    let err = OperationLayer::<GetObject>::new()
        .layer(http)
        .oneshot(GetObjectInput {
            bucket: "composed".into(),
            key: "missing".into(),
            ..Default::default()
        })
        .await
        .unwrap_err();
    assert!(
        matches!(err.as_service_error(), Some(GetObjectError::NoSuchKey(_))),
        "{err:?}"
    );
    assert_eq!(err.operation_name(), Some("GetObject"));
}
