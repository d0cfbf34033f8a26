//! Flexible checksums end to end: every algorithm in a header and in a trailer against s3s-fs
//! (which recomputes each checksum it receives and refuses a wrong one, and returns the stored
//! ones with the object); a server that answers with a wrong checksum, which the reader must
//! see as an error; `when_required`, which sends no checksum where none is required; and the
//! default upload of a file against a server that accepts only `UNSIGNED-PAYLOAD` and plain
//! SHA-256 payload hashes (as some self-hosted S3 servers do).
use crate::aws_chunked::{Seen, recording_client};
use crate::fault_server::{Action, FaultServer};
use crate::support;

use std::sync::Arc;

use bytes::Bytes;
use http::HeaderMap;
use support::s3_server::{ACCESS_KEY, Fault, S3Server, SECRET_KEY};
use ziggurat::config::{RequestChecksumCalculation, ResponseChecksumValidation};
use ziggurat::layers::checksum::validate::ChecksumMismatch;
use ziggurat::layers::checksum::{Checksum, ChecksumAlgorithm};
use ziggurat::prelude::*;
use ziggurat::s3::types::{self, Delete, ObjectIdentifier};
use ziggurat::s3::{Client, Config, PayloadSigning};

fn sdk(url: String) -> ziggurat::config::SdkConfigBuilder {
    SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY, None))
        .endpoint_url(url)
}

/// A client that records the headers of every request it sends.
fn recording(config: Config) -> (Client, Seen) {
    recording_client(config, None, None)
}

fn last_put(seen: &Seen) -> HeaderMap {
    seen.lock()
        .unwrap()
        .iter()
        .rev()
        .find(|h| h.contains_key("x-amz-content-sha256") && h.contains_key("content-length"))
        .cloned()
        .expect("a request was sent")
}

fn data(len: usize) -> Bytes {
    (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect::<Vec<u8>>()
        .into()
}

const ALGORITHMS: [(ChecksumAlgorithm, types::ChecksumAlgorithm); 5] = [
    (ChecksumAlgorithm::Crc32, types::ChecksumAlgorithm::Crc32),
    (ChecksumAlgorithm::Crc32c, types::ChecksumAlgorithm::Crc32c),
    (
        ChecksumAlgorithm::Crc64Nvme,
        types::ChecksumAlgorithm::Crc64nvme,
    ),
    (ChecksumAlgorithm::Sha1, types::ChecksumAlgorithm::Sha1),
    (ChecksumAlgorithm::Sha256, types::ChecksumAlgorithm::Sha256),
];

/// The checksum of `algorithm` among a `GetObject` or `PutObject` output's members.
fn member(out: &ziggurat::s3::GetObjectOutput, algorithm: ChecksumAlgorithm) -> Option<&str> {
    match algorithm {
        ChecksumAlgorithm::Crc32 => out.checksum_crc32.as_deref(),
        ChecksumAlgorithm::Crc32c => out.checksum_crc32c.as_deref(),
        ChecksumAlgorithm::Crc64Nvme => out.checksum_crc64nvme.as_deref(),
        ChecksumAlgorithm::Sha1 => out.checksum_sha1.as_deref(),
        ChecksumAlgorithm::Sha256 => out.checksum_sha256.as_deref(),
        _ => None,
    }
}

#[tokio::test]
async fn every_algorithm_round_trips_in_a_header_and_in_a_trailer() {
    let server = S3Server::start().await.unwrap();
    // Trailers: unsigned chunks (what https gets by default) and signed chunks.
    for signing in [
        PayloadSigning::Auto,
        PayloadSigning::UnsignedWithTrailer,
        PayloadSigning::SignedChunksWithTrailer,
    ] {
        let (s3, seen) =
            recording(Config::new(&sdk(server.url()).build()).payload_signing(signing));
        let bucket = format!("sums-{}", format!("{signing:?}").to_lowercase());
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        for (algorithm, member_value) in ALGORITHMS {
            let bytes = data(70_000);
            let expected = Checksum::of(algorithm, &bytes).to_base64();
            // In memory: a header, whatever the payload signing.
            let body = if signing == PayloadSigning::Auto {
                Body::from(bytes.clone())
            } else {
                Body::from_stream(http_body_util::Full::new(bytes.clone()))
            };
            let key = format!("{algorithm}");
            s3.put_object()
                .bucket(&bucket)
                .key(&key)
                .checksum_algorithm(member_value.clone())
                .body(body)
                .send()
                .await
                .unwrap_or_else(|e| panic!("{signing:?} {algorithm}: {e}"));
            let put = last_put(&seen);
            assert_eq!(put["x-amz-sdk-checksum-algorithm"], algorithm.as_str());
            if signing == PayloadSigning::Auto {
                assert_eq!(put[algorithm.header_name()], expected.as_str());
                assert!(!put.contains_key("x-amz-trailer"));
            } else {
                assert_eq!(put["x-amz-trailer"], algorithm.header_name());
                assert!(!put.contains_key(algorithm.header_name()));
            }

            let out = s3
                .get_object()
                .bucket(&bucket)
                .key(&key)
                .send()
                .await
                .unwrap();
            assert_eq!(
                member(&out, algorithm),
                Some(expected.as_str()),
                "{algorithm}"
            );
            let get = seen.lock().unwrap().last().cloned().unwrap();
            assert_eq!(get["x-amz-checksum-mode"], "ENABLED");
            let got = out.body.collect().await.expect("the checksum matches");
            assert!(
                got == bytes,
                "{signing:?} {algorithm}: the object came back different"
            );
        }
    }
}

#[tokio::test]
async fn a_file_is_hashed_whole_with_its_checksum_in_a_header_over_plain_http() {
    let server = S3Server::start().await.unwrap();
    let (s3, seen) = recording(Config::new(&sdk(server.url()).build()));
    s3.create_bucket().bucket("files").send().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.bin");
    let bytes = data(200_001);
    std::fs::write(&path, &bytes).unwrap();
    for (algorithm, member_value) in ALGORITHMS {
        s3.put_object()
            .bucket("files")
            .key("f")
            .checksum_algorithm(member_value)
            .body(Body::from_file(&path).await.unwrap())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{algorithm}: {e}"));
        let put = last_put(&seen);
        assert_eq!(
            put[algorithm.header_name()],
            Checksum::of(algorithm, &bytes).to_base64().as_str()
        );
        assert_eq!(put["x-amz-content-sha256"].len(), 64);
        assert!(!put.contains_key("content-encoding"));
    }
}

#[tokio::test]
async fn a_precomputed_checksum_is_sent_as_it_is_and_a_wrong_one_is_refused() {
    let server = S3Server::start().await.unwrap();
    let (s3, seen) = recording(Config::new(&sdk(server.url()).build()));
    s3.create_bucket().bucket("pre").send().await.unwrap();
    let sha = Checksum::of(ChecksumAlgorithm::Sha256, b"Hello world").to_base64();
    s3.put_object()
        .bucket("pre")
        .key("ok")
        .checksum_sha256(&sha)
        .body(Body::from("Hello world"))
        .send()
        .await
        .unwrap();
    let put = last_put(&seen);
    assert_eq!(put["x-amz-checksum-sha256"], sha.as_str());
    // Nothing computed on top of it.
    assert!(!put.contains_key("x-amz-checksum-crc32"));
    assert!(!put.contains_key("x-amz-sdk-checksum-algorithm"));

    let err = s3
        .put_object()
        .bucket("pre")
        .key("bad")
        .checksum_sha256(&sha)
        .body(Body::from("Hello World"))
        .send()
        .await
        .expect_err("the server recomputes it");
    assert_eq!(err.code(), Some("BadDigest"), "{err}");
}

#[tokio::test]
async fn an_unsupported_algorithm_fails_before_sending() {
    let server = FaultServer::always(Action::respond(200, &[], "")).await;
    let s3 = Client::new(&sdk(server.url()).build());
    let err = s3
        .put_object()
        .bucket("b")
        .key("k")
        .checksum_algorithm(types::ChecksumAlgorithm::Xxhash64)
        .body(Body::from("x"))
        .send()
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("XXHASH64"), "{err}");
    assert_eq!(server.request_count(), 0);
}

/// A server that answers every request with `body` and these checksum headers.
async fn answering(body: &'static str, headers: &[(&str, &str)]) -> FaultServer {
    FaultServer::always(Action::respond(200, headers, body)).await
}

#[tokio::test]
async fn a_wrong_checksum_in_the_response_is_an_error_for_the_reader() {
    for (algorithm, _) in ALGORITHMS {
        let right = Checksum::of(algorithm, b"Hello world").to_base64();
        let server = answering("Hello World", &[(algorithm.header_name(), &right)]).await;
        let s3 = Client::new(&sdk(server.url()).build());
        let out = s3.get_object().bucket("b").key("k").send().await.unwrap();
        let err = out
            .body
            .collect()
            .await
            .expect_err("a corrupted object must not be read as if it were whole");
        let mismatch =
            std::iter::successors(Some(&*err as &(dyn std::error::Error + 'static)), |e| {
                e.source()
            })
            .find_map(|e| e.downcast_ref::<ChecksumMismatch>())
            .unwrap_or_else(|| panic!("{algorithm}: not a checksum mismatch: {err}"));
        assert_eq!(mismatch.algorithm, algorithm);
        assert_eq!(mismatch.expected, right);
    }
}

#[tokio::test]
async fn composite_checksums_are_not_validated_and_right_ones_pass() {
    let right = Checksum::of(ChecksumAlgorithm::Crc32, b"Hello world").to_base64();
    let server = answering("Hello world", &[("x-amz-checksum-crc32", &right)]).await;
    let s3 = Client::new(&sdk(server.url()).build());
    let out = s3.get_object().bucket("b").key("k").send().await.unwrap();
    assert_eq!(&out.body.collect().await.unwrap()[..], b"Hello world");

    // A checksum of the parts' checksums says nothing about these bytes: not checked.
    let server = answering("Hello world", &[("x-amz-checksum-crc32", "AAAAAA==-3")]).await;
    let s3 = Client::new(&sdk(server.url()).build());
    let out = s3.get_object().bucket("b").key("k").send().await.unwrap();
    assert_eq!(&out.body.collect().await.unwrap()[..], b"Hello world");
}

#[tokio::test]
async fn when_required_sends_no_checksum_where_none_is_required() {
    let server = S3Server::start().await.unwrap();
    let config = sdk(server.url())
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        .build();
    let (s3, seen) = recording(Config::new(&config));
    s3.create_bucket().bucket("req").send().await.unwrap();

    // PutObject supports a checksum but does not require one: none, in memory or streamed.
    s3.put_object()
        .bucket("req")
        .key("mem")
        .body(Body::from("Hello world"))
        .send()
        .await
        .unwrap();
    let put = last_put(&seen);
    assert!(
        !put.keys().any(|k| k.as_str().starts_with("x-amz-checksum-")
            || k.as_str() == "x-amz-sdk-checksum-algorithm"),
        "{put:?}"
    );
    s3.put_object()
        .bucket("req")
        .key("stream")
        .body(Body::from_stream(http_body_util::Full::new(data(100_000))))
        .send()
        .await
        .unwrap();
    let put = last_put(&seen);
    // No aws-chunked body at all.
    assert_eq!(put["x-amz-content-sha256"], "UNSIGNED-PAYLOAD");
    assert!(!put.contains_key("content-encoding"));
    assert!(!put.contains_key("x-amz-trailer"));
    assert!(
        !put.keys()
            .any(|k| k.as_str().starts_with("x-amz-checksum-"))
    );

    // GetObject: no checksum asked for.
    let out = s3
        .get_object()
        .bucket("req")
        .key("mem")
        .send()
        .await
        .unwrap();
    let get = seen.lock().unwrap().last().cloned().unwrap();
    assert!(!get.contains_key("x-amz-checksum-mode"));
    out.body.collect().await.unwrap();

    // DeleteObjects requires one: CRC32 all the same.
    let deleted = s3
        .delete_objects()
        .bucket("req")
        .delete(Delete {
            objects: vec![ObjectIdentifier {
                key: "mem".into(),
                ..Default::default()
            }],
            quiet: None,
        })
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.deleted.map(|d| d.len()), Some(1));
    let put = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(put["x-amz-sdk-checksum-algorithm"], "CRC32");
    assert!(put.contains_key("x-amz-checksum-crc32"));
}

#[tokio::test]
async fn the_default_file_upload_is_accepted_by_a_server_that_takes_only_plain_payload_hashes() {
    // Refuses what some self-hosted S3 servers refuse: any aws-chunked payload.
    let server = S3Server::start_with_faults(Arc::new(|parts: &http::request::Parts| {
        let hash = parts
            .headers
            .get("x-amz-content-sha256")
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let plain = hash == "UNSIGNED-PAYLOAD"
            || (hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit()));
        let chunked = parts.headers.contains_key("x-amz-decoded-content-length")
            || parts
                .headers
                .get("content-encoding")
                .is_some_and(|v| v.as_bytes().starts_with(b"aws-chunked"));
        (!plain || chunked).then_some(Fault::Error(400, "InvalidPayloadSignature"))
    }))
    .await
    .unwrap();
    let s3 = Client::new(&sdk(server.url()).build());
    s3.create_bucket().bucket("plain").send().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("big.bin");
    let bytes = data(3 * 64 * 1024 + 99);
    std::fs::write(&path, &bytes).unwrap();
    s3.put_object()
        .bucket("plain")
        .key("big")
        .body(Body::from_file(&path).await.unwrap())
        .send()
        .await
        .expect("the default upload of a file is a plain signed payload");
    let got = s3
        .get_object()
        .bucket("plain")
        .key("big")
        .send()
        .await
        .unwrap()
        .body
        .collect()
        .await
        .unwrap();
    assert!(got == bytes);
}
