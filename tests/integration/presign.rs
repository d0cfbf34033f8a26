//! Presigned S3 URLs used with a plain HTTP client (hyper) against s3s-fs, which checks the
//! signature and the expiry of every presigned request; and `UploadPart`, called and
//! presigned.
use crate::support;

use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use support::s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use ziggurat::layers::sign::signer::{
    Payload, SignableRequest, SigningIdentity, SigningParams, SigningSettings, sign,
};
use ziggurat::prelude::*;
use ziggurat::s3::{
    Client, DeleteObjectInput, GetObjectInput, HeadObjectError, HeadObjectInput, PresignClient,
    PresignedRequest, PresigningConfig, PutObjectInput, UploadPartInput,
};
use ziggurat::time::{SharedTimeSource, StaticTimeSource};

fn config(server: &S3Server) -> SdkConfig {
    SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY, None))
        .endpoint_url(server.url())
        .build()
}

fn expires(seconds: u64) -> PresigningConfig {
    PresigningConfig::expires_in(Duration::from_secs(seconds)).unwrap()
}

/// A plain HTTP/1.1 client: no signing, no SDK.
fn http_client() -> HyperClient<HttpConnector, Full<Bytes>> {
    HyperClient::builder(TokioExecutor::new()).build_http()
}

struct Reply {
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

async fn send(request: http::Request<Full<Bytes>>) -> Reply {
    let response = http_client().request(request).await.unwrap();
    let (parts, body) = response.into_parts();
    Reply {
        status: parts.status,
        headers: parts.headers,
        body: body.collect().await.unwrap().to_bytes(),
    }
}

async fn send_presigned(presigned: &PresignedRequest, body: impl Into<Bytes>) -> Reply {
    send(presigned.to_http_request(Full::new(body.into()))).await
}

fn object(bucket: &str, key: &str) -> GetObjectInput {
    GetObjectInput {
        bucket: bucket.into(),
        key: key.into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn presigned_put_get_head_delete_work_with_a_plain_http_client() {
    let server = S3Server::start().await.unwrap();
    let client = Client::new(&config(&server));
    client
        .create_bucket()
        .bucket("presign")
        .send()
        .await
        .unwrap();
    let presigner = client.presigned();
    let key = "dir/a key+with ünïcode.txt";

    // PUT: the headers the input asks for are signed, returned, and must be sent.
    let put = presigner
        .put_object(
            PutObjectInput {
                bucket: "presign".into(),
                key: key.into(),
                content_type: Some("text/plain".into()),
                metadata: Some([("origin".to_owned(), "presigned".to_owned())].into()),
                ..Default::default()
            },
            expires(900),
        )
        .await
        .unwrap();
    assert_eq!(put.method(), Method::PUT);
    let url = put.uri().to_string();
    assert!(
        url.starts_with(&format!("{}/presign/dir/a%20key%2Bwith%20", server.url())),
        "{url}"
    );
    assert!(url.contains("X-Amz-Expires=900"), "{url}");
    assert_eq!(put.headers()["content-type"], "text/plain");
    assert_eq!(put.headers()["x-amz-meta-origin"], "presigned");
    assert!(put.headers().get("authorization").is_none());
    assert!(put.headers().get("user-agent").is_none());
    assert!(!format!("{put:?}").contains(put.uri().query().unwrap().rsplit('=').next().unwrap()));
    let reply = send_presigned(&put, "hello, presigned world").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(reply.headers.contains_key("etag"));

    // The object landed with its headers.
    let head = client
        .head_object()
        .bucket("presign")
        .key(key)
        .send()
        .await
        .unwrap();
    assert_eq!(head.content_length, Some(22));
    assert_eq!(head.content_type.as_deref(), Some("text/plain"));
    assert_eq!(
        head.metadata
            .as_ref()
            .and_then(|m| m.get("origin"))
            .map(String::as_str),
        Some("presigned")
    );

    // GET
    let get = presigner
        .get_object(object("presign", key), expires(60))
        .await
        .unwrap();
    assert_eq!(get.method(), Method::GET);
    let reply = send_presigned(&get, Bytes::new()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.body, "hello, presigned world");

    // HEAD
    let head = presigner
        .head_object(
            HeadObjectInput {
                bucket: "presign".into(),
                key: key.into(),
                ..Default::default()
            },
            expires(60),
        )
        .await
        .unwrap();
    let reply = send_presigned(&head, Bytes::new()).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(reply.headers["content-length"], "22");

    // DELETE
    let delete = presigner
        .delete_object(
            DeleteObjectInput {
                bucket: "presign".into(),
                key: key.into(),
                ..Default::default()
            },
            expires(60),
        )
        .await
        .unwrap();
    assert_eq!(delete.method(), Method::DELETE);
    let reply = send_presigned(&delete, Bytes::new()).await;
    assert!(
        reply.status.is_success(),
        "{} {}",
        reply.status,
        reply.text()
    );
    let gone = client
        .head_object()
        .bucket("presign")
        .key(key)
        .send()
        .await
        .unwrap_err();
    assert!(
        matches!(gone.as_service_error(), Some(HeadObjectError::NoSuchKey(_))),
        "{gone}"
    );
}

#[tokio::test]
async fn expired_url_is_refused() {
    let server = S3Server::start().await.unwrap();
    Client::new(&config(&server))
        .create_bucket()
        .bucket("expiry")
        .send()
        .await
        .unwrap();
    Client::new(&config(&server))
        .put_object()
        .bucket("expiry")
        .key("k")
        .body(Body::from("v"))
        .send()
        .await
        .unwrap();

    // Signed two hours ago, valid for one.
    let two_hours_ago = SystemTime::now() - Duration::from_secs(7200);
    let past = config(&server)
        .to_builder()
        .time_source(SharedTimeSource::new(StaticTimeSource::new(two_hours_ago)))
        .build();
    let presigner = PresignClient::new(&past);
    let expired = presigner
        .get_object(object("expiry", "k"), expires(3600))
        .await
        .unwrap();
    let reply = send_presigned(&expired, Bytes::new()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
    assert!(reply.text().contains("AccessDenied"), "{}", reply.text());
    assert!(reply.text().contains("expired"), "{}", reply.text());

    // The same time source, but long enough: accepted.
    let valid = presigner
        .get_object(object("expiry", "k"), expires(3 * 3600))
        .await
        .unwrap();
    let reply = send_presigned(&valid, Bytes::new()).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(reply.body, "v");

    // A fixed start time in the config wins over the clock.
    let fresh = PresignClient::new(&config(&server));
    let expired = fresh
        .get_object(
            object("expiry", "k"),
            expires(60).with_start_time(two_hours_ago),
        )
        .await
        .unwrap();
    let reply = send_presigned(&expired, Bytes::new()).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());

    // Longer than 7 days is an error before anything is signed.
    let error = PresigningConfig::expires_in(Duration::from_secs(604_801)).unwrap_err();
    assert!(
        error.to_string().contains("604800 seconds (7 days)"),
        "{error}"
    );
}

#[tokio::test]
async fn tampered_url_is_refused() {
    let server = S3Server::start().await.unwrap();
    let client = Client::new(&config(&server));
    client
        .create_bucket()
        .bucket("tamper")
        .send()
        .await
        .unwrap();
    for key in ["a", "b"] {
        client
            .put_object()
            .bucket("tamper")
            .key(key)
            .body(Body::from(key))
            .send()
            .await
            .unwrap();
    }
    let presigner = client.presigned();
    let get = presigner
        .get_object(object("tamper", "a"), expires(300))
        .await
        .unwrap();
    assert_eq!(
        send_presigned(&get, Bytes::new()).await.status,
        StatusCode::OK
    );

    let url = get.uri().to_string();
    let signature = url.rsplit("X-Amz-Signature=").next().unwrap().to_owned();
    let mut flipped = signature.clone().into_bytes();
    flipped[0] = if flipped[0] == b'0' { b'1' } else { b'0' };
    let tampered = [
        // Another object with the same signature.
        url.replace("/tamper/a?", "/tamper/b?"),
        // A longer life.
        url.replace("X-Amz-Expires=300", "X-Amz-Expires=600"),
        // A different signature.
        url.replace(&signature, std::str::from_utf8(&flipped).unwrap()),
    ];
    for url in tampered {
        let request = http::Request::get(url.as_str())
            .body(Full::new(Bytes::new()))
            .unwrap();
        let reply = send(request).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{url}: {}",
            reply.text()
        );
        assert!(
            reply.text().contains("SignatureDoesNotMatch"),
            "{url}: {}",
            reply.text()
        );
    }

    // A PUT without the content-type it was signed with.
    let put = presigner
        .put_object(
            PutObjectInput {
                bucket: "tamper".into(),
                key: "c".into(),
                content_type: Some("text/plain".into()),
                ..Default::default()
            },
            expires(300),
        )
        .await
        .unwrap();
    let mut request = put.to_http_request(Full::new(Bytes::from("c")));
    request.headers_mut().remove("content-type");
    let reply = send(request).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
}

/// Signs and sends a request the client has no operation for (CreateMultipartUpload,
/// CompleteMultipartUpload).
async fn send_signed(method: Method, url: &str, body: &'static str) -> Reply {
    let mut request = http::Request::builder()
        .method(method)
        .uri(url)
        .body(Full::new(Bytes::from_static(body.as_bytes())))
        .unwrap();
    let settings = SigningSettings::s3();
    let params = SigningParams {
        identity: SigningIdentity::new(ACCESS_KEY, SECRET_KEY, None),
        region: "us-east-1",
        service: "s3",
        time: SystemTime::now(),
        settings: &settings,
    };
    let signable = SignableRequest::from_request(&request, Payload::Bytes(body.as_bytes()));
    sign(&signable, &params, None)
        .unwrap()
        .apply_to_request(&mut request)
        .unwrap();
    send(request).await
}

fn xml_value(xml: &str, tag: &str) -> String {
    let open = format!("<{tag}>");
    let start = xml.find(&open).unwrap() + open.len();
    let end = xml[start..].find(&format!("</{tag}>")).unwrap() + start;
    xml[start..end].to_owned()
}

#[tokio::test]
async fn upload_part_called_and_presigned() {
    let server = S3Server::start().await.unwrap();
    let client = Client::new(&config(&server));
    client.create_bucket().bucket("parts").send().await.unwrap();
    let base = format!("{}/parts/big.bin", server.url());
    let created = send_signed(Method::POST, &format!("{base}?uploads"), "").await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text());
    let upload_id = xml_value(&created.text(), "UploadId");

    // Part 1 through the client, streamed from a file, so it is sent aws-chunked with signed
    // chunks that s3s-fs verifies (every part but the last must be at least 5 MiB).
    let part1: Vec<u8> = (0..5 * 1024 * 1024_u32).map(|i| (i % 251) as u8).collect();
    let dir = tempfile::tempdir().unwrap();
    let part1_file = dir.path().join("part1.bin");
    std::fs::write(&part1_file, &part1).unwrap();
    let first = client
        .upload_part()
        .bucket("parts")
        .key("big.bin")
        .part_number(1)
        .upload_id(upload_id.clone())
        .body(Body::from_file(&part1_file).await.unwrap())
        .send()
        .await
        .unwrap();
    let etag1 = first.e_tag.clone().unwrap();

    // Part 2 through a presigned URL.
    let presigned = client
        .presigned()
        .upload_part(
            UploadPartInput {
                bucket: "parts".into(),
                key: "big.bin".into(),
                part_number: 2,
                upload_id: upload_id.clone(),
                ..Default::default()
            },
            expires(300),
        )
        .await
        .unwrap();
    assert_eq!(presigned.method(), Method::PUT);
    let url = presigned.uri().to_string();
    assert!(url.contains("partNumber=2&uploadId="), "{url}");
    let reply = send_presigned(&presigned, "the last part").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let etag2 = reply.headers["etag"].to_str().unwrap().to_owned();

    // A part number out of range fails before sending.
    let error = client
        .upload_part()
        .bucket("parts")
        .key("big.bin")
        .part_number(0)
        .upload_id(upload_id.clone())
        .send()
        .await
        .unwrap_err();
    assert!(error.to_string().contains("PartNumber"), "{error}");

    let complete = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag1}</ETag></Part>\
         <Part><PartNumber>2</PartNumber><ETag>{etag2}</ETag></Part></CompleteMultipartUpload>"
    );
    let complete: &'static str = Box::leak(complete.into_boxed_str());
    let done = send_signed(
        Method::POST,
        &format!("{base}?uploadId={upload_id}"),
        complete,
    )
    .await;
    assert_eq!(done.status, StatusCode::OK, "{}", done.text());

    let object = client
        .get_object()
        .bucket("parts")
        .key("big.bin")
        .send()
        .await
        .unwrap();
    let bytes = object.body.collect().await.unwrap();
    assert_eq!(bytes.len(), part1.len() + "the last part".len());
    assert!(bytes[..part1.len()] == part1[..]);
    assert_eq!(&bytes[part1.len()..], b"the last part");
}

#[tokio::test]
async fn any_operation_can_be_presigned_and_an_in_memory_body_comes_with_it() {
    use ziggurat::s3::types::{Delete, ObjectIdentifier};
    use ziggurat::s3::{DeleteObjects, DeleteObjectsInput, ListObjectsV2, ListObjectsV2Input};

    let server = S3Server::start().await.unwrap();
    let client = Client::new(&config(&server));
    client.create_bucket().bucket("any").send().await.unwrap();
    for key in ["a.txt", "b.txt", "keep.txt"] {
        client
            .put_object()
            .bucket("any")
            .key(key)
            .body(Bytes::from_static(b"x"))
            .send()
            .await
            .unwrap();
    }
    let presigner = client.presigned();

    // A GET without a convenience method: ListObjectsV2.
    let list = presigner
        .presign::<ListObjectsV2>(
            ListObjectsV2Input {
                bucket: "any".into(),
                prefix: Some("a".into()),
                ..Default::default()
            },
            expires(60),
        )
        .await
        .unwrap();
    assert_eq!(list.method(), Method::GET);
    assert!(list.body().is_none());
    let reply = send_presigned(&list, "").await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert!(
        reply.text().contains("<Key>a.txt</Key>"),
        "{}",
        reply.text()
    );
    assert!(!reply.text().contains("b.txt"), "{}", reply.text());

    // A POST with an XML body and a signed Content-MD5: the body comes with the request.
    let delete = presigner
        .presign::<DeleteObjects>(
            DeleteObjectsInput {
                bucket: "any".into(),
                delete: Delete {
                    objects: ["a.txt", "b.txt"]
                        .map(|key| ObjectIdentifier {
                            key: key.into(),
                            ..Default::default()
                        })
                        .into(),
                    quiet: None,
                },
                ..Default::default()
            },
            expires(60),
        )
        .await
        .unwrap();
    assert_eq!(delete.method(), Method::POST);
    let body = delete
        .body()
        .cloned()
        .expect("DeleteObjects sends its list");
    assert!(
        String::from_utf8_lossy(&body).contains("<Key>b.txt</Key>"),
        "{body:?}"
    );
    let reply = send_presigned(&delete, body).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    assert_eq!(keys(&client, "any").await, ["keep.txt"]);

    // Another service's operation is refused, not signed for the wrong service.
    let error = presigner
        .presign::<ziggurat::dynamodb::GetItem>(Default::default(), expires(60))
        .await
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("cannot presign DynamoDB.GetItem"),
        "{error}"
    );
}

/// The keys in `bucket`.
async fn keys(client: &Client, bucket: &str) -> Vec<String> {
    let listed = client
        .list_objects_v2()
        .bucket(bucket)
        .send()
        .await
        .unwrap();
    listed
        .contents
        .unwrap_or_default()
        .into_iter()
        .filter_map(|o| o.key)
        .collect()
}

/// A `multipart/form-data` body as a browser sends an HTML upload form: the fields, then
/// the file.
fn form_data(fields: &[(String, String)], file_name: &str, file: &[u8]) -> (String, Bytes) {
    let boundary = "----ziggurat-form-boundary-7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in fields {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(file);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into(),
    )
}

async fn post_form(
    post: &ziggurat::s3::PresignedPost,
    extra: &[(&str, &str)],
    file_name: &str,
    file: &[u8],
) -> Reply {
    let mut fields = post.fields().to_vec();
    // S3 replaces `${filename}` in the key with the file's name; s3s-fs keeps it literally,
    // so the form names the key itself, as a user editing the key field may (the policy
    // allows any key under the prefix).
    for (name, value) in &mut fields {
        if name == "key" {
            *value = value.replace("${filename}", file_name);
        }
    }
    fields.extend(
        extra
            .iter()
            .map(|(n, v)| ((*n).to_owned(), (*v).to_owned())),
    );
    let (content_type, body) = form_data(&fields, file_name, file);
    let request = http::Request::post(post.url().clone())
        .header("content-type", content_type)
        .body(Full::new(body))
        .unwrap();
    send(request).await
}

#[tokio::test]
async fn presigned_post_uploads_from_a_form_within_its_policy_only() {
    use ziggurat::s3::PostPolicy;

    let server = S3Server::start().await.unwrap();
    let sdk = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(
            ACCESS_KEY,
            SECRET_KEY,
            Some("session-token-1".into()),
        ))
        .endpoint_url(server.url())
        .build();
    let client = Client::new(&config(&server));
    client.create_bucket().bucket("forms").send().await.unwrap();
    let presigner = PresignClient::new(&sdk);
    let policy = PostPolicy::new("forms")
        .key_starts_with("uploads/")
        .content_length_range(1, 64)
        .starts_with("Content-Type", "text/")
        .field("success_action_status", "201");
    let post = presigner.post_object(policy, expires(600)).await.unwrap();
    assert_eq!(post.url().to_string(), format!("{}/forms", server.url()));
    assert_eq!(post.field("x-amz-security-token"), Some("session-token-1"));
    assert!(!format!("{post:?}").contains("session-token-1"));

    // Within the policy: stored under the prefix and the browser's file name.
    let reply = post_form(
        &post,
        &[("Content-Type", "text/plain")],
        "note.txt",
        b"hello form",
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.text());
    let object = client
        .get_object()
        .bucket("forms")
        .key("uploads/note.txt")
        .send()
        .await
        .unwrap();
    assert_eq!(object.content_type.as_deref(), Some("text/plain"));
    assert_eq!(&object.body.collect().await.unwrap()[..], b"hello form");

    // Outside the policy: each is refused and nothing is stored.
    let too_big = post_form(
        &post,
        &[("Content-Type", "text/plain")],
        "big.txt",
        &[b'x'; 65],
    )
    .await;
    assert!(
        too_big.text().contains("<Code>EntityTooLarge</Code>"),
        "{}",
        too_big.text()
    );

    let wrong_type = post_form(&post, &[("Content-Type", "image/png")], "pic.txt", b"x").await;
    assert!(
        wrong_type
            .text()
            .contains("<Code>InvalidPolicyDocument</Code>"),
        "{}",
        wrong_type.text()
    );
    assert!(wrong_type.text().contains("text/"), "{}", wrong_type.text());
    let mut tampered = post.clone().into_parts().1;
    for (name, value) in &mut tampered {
        if name == "key" {
            *value = "elsewhere/${filename}".into();
        }
    }
    let (content_type, body) = form_data(&tampered, "x.txt", b"x");
    let wrong_key = send(
        http::Request::post(post.url().clone())
            .header("content-type", content_type)
            .body(Full::new(body))
            .unwrap(),
    )
    .await;
    assert!(
        wrong_key
            .text()
            .contains("<Code>InvalidPolicyDocument</Code>"),
        "{}",
        wrong_key.text()
    );
    assert!(
        wrong_key.text().contains("uploads/"),
        "{}",
        wrong_key.text()
    );
    assert_eq!(keys(&client, "forms").await, ["uploads/note.txt"]);

    // An expired form is refused: valid for one second, posted two seconds later.
    let short = presigner
        .post_object(PostPolicy::new("forms").key("uploads/late.txt"), expires(1))
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(2100)).await;
    let late = post_form(&short, &[], "late.txt", b"x").await;
    assert_eq!(late.status, StatusCode::FORBIDDEN, "{}", late.text());
    assert!(late.text().contains("expired"), "{}", late.text());
    // And so is one signed two hours ago (the signing time is checked too).
    let started = SystemTime::now() - Duration::from_secs(7200);
    let old = presigner
        .post_object(
            PostPolicy::new("forms").key("uploads/old.txt"),
            expires(3 * 3600).with_start_time(started),
        )
        .await
        .unwrap();
    let old = post_form(&old, &[], "old.txt", b"x").await;
    assert!(
        old.text().contains("<Code>RequestTimeTooSkewed</Code>"),
        "{}",
        old.text()
    );

    // A bad policy fails before anything is signed.
    let error = presigner
        .post_object(PostPolicy::new("forms"), expires(60))
        .await
        .unwrap_err();
    assert!(error.to_string().contains("needs a key rule"), "{error}");
}
