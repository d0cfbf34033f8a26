//! Flexible checksums end to end: every algorithm in a header and in a trailer against s3s-fs
//! (which recomputes each checksum it receives and refuses a wrong one, and returns the stored
//! ones with the object); a server that answers with a wrong checksum, which the reader must
//! see as an error; `when_required`, which sends no checksum where none is required; and the
//! default upload of a file against a server that accepts only `UNSIGNED-PAYLOAD` and plain
//! SHA-256 payload hashes (as some self-hosted S3 servers do).
//!
//! The five algorithms S3 added in 2026 (SHA-512, MD5, XXHASH64, XXHASH3, XXHASH128) are
//! unknown to s3s 0.14 (the version in Cargo.lock): it accepts their headers and trailers,
//! verifying the signature of a signed trailer, but neither checks nor stores their values.
//! So their round trips against s3s-fs prove that the request is accepted and the object
//! arrives whole, and a loopback server that records the raw request (`FaultServer`) shows
//! the value in the header, or decoded from the `aws-chunked` trailer, is the checksum of the
//! bytes; the same server answers with their checksums, right and wrong, for the reader.
use crate::aws_chunked::{Seen, recording_client};
use crate::fault_server::{Action, FaultServer};
use crate::support;

use std::sync::{Arc, Mutex};

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

/// A file of `len` bytes in `dir`, and its bytes.
fn write_file(dir: &tempfile::TempDir, len: usize) -> (std::path::PathBuf, Bytes) {
    let path = dir.path().join("f.bin");
    let bytes = data(len);
    std::fs::write(&path, &bytes).unwrap();
    (path, bytes)
}

/// A client that records the headers of every request it sends.
fn recording(config: Config) -> (Client, Seen) {
    recording_client(config, None, None)
}

/// Puts `body` with the `ChecksumAlgorithm` member set; the headers it was sent with.
async fn put_with(
    s3: &Client,
    seen: &Seen,
    bucket: &str,
    key: &str,
    algorithm: types::ChecksumAlgorithm,
    body: Body,
) -> HeaderMap {
    s3.put_object()
        .bucket(bucket)
        .key(key)
        .checksum_algorithm(algorithm)
        .body(body)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{key}: {e}"));
    last_put(seen)
}

/// `UNSIGNED-PAYLOAD`, and no `aws-chunked` framing.
fn assert_unsigned_and_not_chunked(put: &HeaderMap) {
    assert_eq!(put["x-amz-content-sha256"], "UNSIGNED-PAYLOAD", "{put:?}");
    assert!(!put.contains_key("content-encoding"), "{put:?}");
    assert!(!put.contains_key("x-amz-trailer"), "{put:?}");
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

/// The algorithms s3s-fs verifies and stores, and their members.
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

/// The algorithms S3 added in 2026, which s3s-fs does not know, and their members.
const NEW_ALGORITHMS: [(ChecksumAlgorithm, types::ChecksumAlgorithm); 5] = [
    (ChecksumAlgorithm::Sha512, types::ChecksumAlgorithm::Sha512),
    (ChecksumAlgorithm::Md5, types::ChecksumAlgorithm::Md5),
    (
        ChecksumAlgorithm::Xxhash64,
        types::ChecksumAlgorithm::Xxhash64,
    ),
    (
        ChecksumAlgorithm::Xxhash3,
        types::ChecksumAlgorithm::Xxhash3,
    ),
    (
        ChecksumAlgorithm::Xxhash128,
        types::ChecksumAlgorithm::Xxhash128,
    ),
];

/// The checksum of `algorithm` among a `GetObject` or `PutObject` output's members.
fn member(out: &ziggurat::s3::GetObjectOutput, algorithm: ChecksumAlgorithm) -> Option<&str> {
    match algorithm {
        ChecksumAlgorithm::Crc32 => out.checksum_crc32.as_deref(),
        ChecksumAlgorithm::Crc32c => out.checksum_crc32c.as_deref(),
        ChecksumAlgorithm::Crc64Nvme => out.checksum_crc64nvme.as_deref(),
        ChecksumAlgorithm::Sha1 => out.checksum_sha1.as_deref(),
        ChecksumAlgorithm::Sha256 => out.checksum_sha256.as_deref(),
        ChecksumAlgorithm::Sha512 => out.checksum_sha512.as_deref(),
        ChecksumAlgorithm::Md5 => out.checksum_md5.as_deref(),
        ChecksumAlgorithm::Xxhash64 => out.checksum_xxhash64.as_deref(),
        ChecksumAlgorithm::Xxhash3 => out.checksum_xxhash3.as_deref(),
        ChecksumAlgorithm::Xxhash128 => out.checksum_xxhash128.as_deref(),
        _ => None,
    }
}

/// The trailer lines of an `aws-chunked` body: (name, value).
type Trailers = Vec<(String, String)>;

/// The payload and trailers of an `aws-chunked` body (signed or not), or why it is not one.
fn unchunk(framed: &[u8]) -> Result<(Vec<u8>, Trailers), String> {
    fn line(rest: &[u8]) -> Result<(&[u8], &[u8]), String> {
        let end = rest
            .windows(2)
            .position(|w| w == b"\r\n")
            .ok_or("a line without CRLF")?;
        Ok((&rest[..end], &rest[end + 2..]))
    }
    let (mut data, mut rest) = (Vec::new(), framed);
    loop {
        let (head, after) = line(rest)?;
        let head = std::str::from_utf8(head).map_err(|e| e.to_string())?;
        let size = head.split(';').next().unwrap_or_default();
        let size = usize::from_str_radix(size, 16).map_err(|e| format!("{head:?}: {e}"))?;
        if size == 0 {
            rest = after;
            break;
        }
        let chunk = after.get(..size).ok_or("a short chunk")?;
        data.extend_from_slice(chunk);
        rest = after
            .get(size..)
            .and_then(|r| r.strip_prefix(b"\r\n"))
            .ok_or("a chunk without CRLF")?;
    }
    let mut trailers = Vec::new();
    loop {
        let (text, after) = line(rest)?;
        if text.is_empty() {
            return if after.is_empty() {
                Ok((data, trailers))
            } else {
                Err("bytes after the end".into())
            };
        }
        let text = std::str::from_utf8(text).map_err(|e| e.to_string())?;
        let (name, value) = text.split_once(':').ok_or("a trailer without ':'")?;
        trailers.push((name.to_owned(), value.to_owned()));
        rest = after;
    }
}

#[tokio::test]
async fn the_new_algorithms_send_the_checksum_of_the_bytes_in_a_header_and_in_a_trailer() {
    let server = FaultServer::always(Action::respond(200, &[], "")).await;
    let bytes = data(70_000);
    let dir = tempfile::tempdir().unwrap();
    let (path, file_bytes) = write_file(&dir, 100_003);
    // (payload signing, body): bytes in memory and a file over plain http go in a header, a
    // stream in an unsigned or a signed trailer.
    for signing in [
        PayloadSigning::Auto,
        PayloadSigning::UnsignedWithTrailer,
        PayloadSigning::SignedChunksWithTrailer,
    ] {
        let s3 =
            Client::from_conf(Config::new(&sdk(server.url()).build()).payload_signing(signing));
        for (algorithm, member_value) in NEW_ALGORITHMS {
            let cases = if signing == PayloadSigning::Auto {
                vec![
                    (Body::from(bytes.clone()), bytes.clone()),
                    (Body::from_file(&path).await.unwrap(), file_bytes.clone()),
                ]
            } else {
                vec![(
                    Body::from_stream(http_body_util::Full::new(bytes.clone())),
                    bytes.clone(),
                )]
            };
            for (body, sent) in cases {
                let before = server.request_count();
                s3.put_object()
                    .bucket("b")
                    .key("k")
                    .checksum_algorithm(member_value.clone())
                    .body(body)
                    .send()
                    .await
                    .unwrap_or_else(|e| panic!("{signing:?} {algorithm}: {e}"));
                let requests = server.requests();
                let put = requests.get(before).expect("the put arrived");
                let expected = Checksum::of(algorithm, &sent).to_base64();
                let what = format!("{signing:?} {algorithm}");
                assert_eq!(
                    put.header("x-amz-sdk-checksum-algorithm"),
                    Some(algorithm.as_str()),
                    "{what}"
                );
                if signing == PayloadSigning::Auto {
                    assert_eq!(
                        put.header(algorithm.header_name()),
                        Some(expected.as_str()),
                        "{what}"
                    );
                    assert!(put.body == sent, "{what}: the body went as it is");
                    continue;
                }
                assert_eq!(
                    put.header("x-amz-trailer"),
                    Some(algorithm.header_name()),
                    "{what}"
                );
                assert_eq!(put.header(algorithm.header_name()), None, "{what}");
                let (payload, trailers) =
                    unchunk(&put.body).unwrap_or_else(|e| panic!("{what}: {e}"));
                assert!(payload == sent, "{what}: the payload went whole");
                assert_eq!(
                    trailers.first(),
                    Some(&(algorithm.header_name().to_owned(), expected)),
                    "{what}"
                );
                let signed = trailers.iter().any(|(n, _)| n == "x-amz-trailer-signature");
                assert_eq!(
                    signed,
                    signing == PayloadSigning::SignedChunksWithTrailer,
                    "{what}"
                );
            }
        }
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
        // The new algorithms too: s3s checks the chunk and trailer signatures (which cover
        // their trailers) and stores the bytes, but neither checks nor returns their values.
        for (algorithm, member_value) in ALGORITHMS.into_iter().chain(NEW_ALGORITHMS) {
            let stored = ALGORITHMS.iter().any(|(a, _)| *a == algorithm);
            let bytes = data(70_000);
            let expected = Checksum::of(algorithm, &bytes).to_base64();
            // In memory: a header, whatever the payload signing.
            let body = if signing == PayloadSigning::Auto {
                Body::from(bytes.clone())
            } else {
                Body::from_stream(http_body_util::Full::new(bytes.clone()))
            };
            let key = format!("{algorithm}");
            let put = put_with(&s3, &seen, &bucket, &key, member_value.clone(), body).await;
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
            let returned = member(&out, algorithm);
            assert_eq!(returned, stored.then_some(expected.as_str()), "{algorithm}");
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
    let (path, bytes) = write_file(&dir, 200_001);
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
        .checksum_algorithm(types::ChecksumAlgorithm::from("BLAKE3"))
        .body(Body::from("x"))
        .send()
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("BLAKE3"), "{err}");
    assert_eq!(server.request_count(), 0);
}

/// A server that answers every request with `body` and these checksum headers.
async fn answering(body: &'static str, headers: &[(&str, &str)]) -> FaultServer {
    FaultServer::always(Action::respond(200, headers, body)).await
}

#[tokio::test]
async fn a_wrong_checksum_in_the_response_is_an_error_for_the_reader() {
    for algorithm in ChecksumAlgorithm::VALIDATION_ORDER {
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
async fn under_when_required_a_response_is_validated_only_when_the_caller_asks() {
    let right = Checksum::of(ChecksumAlgorithm::Crc32, b"Hello world").to_base64();
    let server = answering("Hello World", &[("x-amz-checksum-crc32", &right)]).await;
    let config = sdk(server.url())
        .response_checksum_validation(ResponseChecksumValidation::WhenRequired)
        .build();
    let s3 = Client::new(&config);
    // Not asked: the checksum the server sent anyway is not checked (nor asked for).
    let out = s3.get_object().bucket("b").key("k").send().await.unwrap();
    assert_eq!(&out.body.collect().await.unwrap()[..], b"Hello World");
    assert_eq!(server.requests()[0].header("x-amz-checksum-mode"), None);
    // Asked with the member: checked.
    let out = s3
        .get_object()
        .bucket("b")
        .key("k")
        .checksum_mode(types::ChecksumMode::Enabled)
        .send()
        .await
        .unwrap();
    let err = out.body.collect().await.expect_err("asked for, and wrong");
    assert!(err.to_string().contains("checksum mismatch"), "{err}");
}

#[tokio::test]
async fn a_right_checksum_of_every_algorithm_in_the_response_reads_to_the_end() {
    for algorithm in ChecksumAlgorithm::VALIDATION_ORDER {
        let right = Checksum::of(algorithm, b"Hello world").to_base64();
        let server = answering("Hello world", &[(algorithm.header_name(), &right)]).await;
        let s3 = Client::new(&sdk(server.url()).build());
        let out = s3.get_object().bucket("b").key("k").send().await.unwrap();
        assert_eq!(member(&out, algorithm), Some(right.as_str()), "{algorithm}");
        let body = out.body.collect().await;
        assert_eq!(
            body.as_deref().ok(),
            Some(&b"Hello world"[..]),
            "{algorithm}"
        );
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
    assert_unsigned_and_not_chunked(&put);
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
    delete_one_with_crc32(&s3, &seen, "req", "mem").await;
}

/// Deletes `key` with `DeleteObjects` (which requires a checksum), and checks that it went
/// with a CRC32 and without `Content-MD5`.
async fn delete_one_with_crc32(s3: &Client, seen: &Seen, bucket: &str, key: &str) {
    let deleted = s3
        .delete_objects()
        .bucket(bucket)
        .delete(Delete {
            objects: vec![ObjectIdentifier {
                key: key.into(),
                ..Default::default()
            }],
            quiet: None,
        })
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.deleted.map(|d| d.len()), Some(1));
    let sent = seen.lock().unwrap().last().cloned().unwrap();
    assert_eq!(sent["x-amz-sdk-checksum-algorithm"], "CRC32");
    assert!(sent.contains_key("x-amz-checksum-crc32"));
    assert!(!sent.contains_key("content-md5"), "{sent:?}");
}

#[tokio::test]
async fn operations_that_require_a_checksum_send_crc32_and_not_content_md5() {
    // S3's model gives them `httpChecksum` with `requestChecksumRequired`: a flexible checksum
    // (CRC32 by default, what the AWS SDKs send since 2025), never `Content-MD5`.
    let server = S3Server::start().await.unwrap();
    let (s3, seen) = recording(Config::new(&sdk(server.url()).build()));
    s3.create_bucket().bucket("required").send().await.unwrap();
    s3.put_object()
        .bucket("required")
        .key("gone")
        .body(Body::from("x"))
        .send()
        .await
        .unwrap();
    // s3s-fs implements DeleteObjects, and checks the CRC32 it receives.
    delete_one_with_crc32(&s3, &seen, "required", "gone").await;

    // s3s-fs implements none of the others: a loopback server records what they send, and the
    // CRC32 is that of the body that went.
    let server = FaultServer::always(Action::respond(200, &[], "")).await;
    let s3 = Client::new(&sdk(server.url()).build());
    s3.put_bucket_versioning()
        .bucket("b")
        .versioning_configuration(types::VersioningConfiguration {
            status: Some(types::BucketVersioningStatus::Enabled),
            ..Default::default()
        })
        .send()
        .await
        .unwrap();
    s3.put_bucket_lifecycle_configuration()
        .bucket("b")
        .lifecycle_configuration(types::BucketLifecycleConfiguration {
            rules: vec![types::LifecycleRule {
                id: Some("expire".into()),
                filter: Some(types::LifecycleRuleFilter {
                    prefix: Some("tmp/".into()),
                    ..Default::default()
                }),
                status: types::ExpirationStatus::Enabled,
                expiration: Some(types::LifecycleExpiration {
                    days: Some(1),
                    ..Default::default()
                }),
                ..Default::default()
            }],
        })
        .send()
        .await
        .unwrap();
    s3.put_bucket_tagging()
        .bucket("b")
        .tagging(types::Tagging {
            tag_set: vec![types::Tag {
                key: "k".into(),
                value: "v".into(),
            }],
        })
        .send()
        .await
        .unwrap();
    let requests = server.requests();
    assert_eq!(requests.len(), 3);
    for request in requests {
        let what = &request.path;
        assert!(!request.body.is_empty(), "{what}");
        assert_eq!(
            request.header("x-amz-checksum-crc32"),
            Some(
                Checksum::of(ChecksumAlgorithm::Crc32, &request.body)
                    .to_base64()
                    .as_str()
            ),
            "{what}"
        );
        assert_eq!(request.header("content-md5"), None, "{what}");
    }
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
    let (path, bytes) = write_file(&dir, 3 * 64 * 1024 + 99);
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

/// The path and query, and the in-memory body, of every request a client sends.
type Bodies = Arc<Mutex<Vec<(String, Option<Bytes>)>>>;

fn recording_bodies(config: Config) -> (Config, Bodies) {
    let bodies: Bodies = Arc::default();
    let sink = bodies.clone();
    let config = config.stack(move |stack| {
        let sink = sink.clone();
        stack.deserialize_mut().add(
            "RecordBodies",
            Middleware::http_layer(tower::util::MapRequestLayer::new(
                move |req: http::Request<Body>| {
                    let target = req.uri().path_and_query().map(|p| p.to_string());
                    let body = req.body().bytes().map(Bytes::copy_from_slice);
                    sink.lock()
                        .unwrap()
                        .push((target.unwrap_or_default(), body));
                    req
                },
            )),
            Position::After,
        )?;
        Ok(())
    });
    (config, bodies)
}

/// 5 MiB, S3's smallest part.
const PART: u64 = ziggurat::s3::transfer::MIN_PART_SIZE;

#[tokio::test]
async fn multipart_uploads_carry_each_parts_checksum_into_the_completion() {
    use ziggurat::s3::transfer::TransferManager;

    let server = S3Server::start().await.unwrap();
    let (config, bodies) = recording_bodies(Config::new(&sdk(server.url()).build()));
    let (s3, seen) = recording(config);
    s3.create_bucket().bucket("parts").send().await.unwrap();
    let bytes = data(2 * PART as usize + 1234);
    let dir = tempfile::tempdir().unwrap();
    for (algorithm, _) in ALGORITHMS {
        for full_object in [false, true] {
            if full_object && !algorithm.is_crc() {
                continue;
            }
            let tm = TransferManager::new(s3.clone())
                .part_size(PART)
                .multipart_threshold(PART)
                .checksum_algorithm(algorithm)
                .full_object_checksum(full_object);
            let key = format!("{algorithm}-{full_object}");
            seen.lock().unwrap().clear();
            bodies.lock().unwrap().clear();
            let out = tm
                .upload()
                .bucket("parts")
                .key(&key)
                .bytes(bytes.clone())
                .send()
                .await
                .unwrap_or_else(|e| panic!("{key}: {e}"));
            assert_eq!(out.parts, 3);

            let sent = seen.lock().unwrap().clone();
            let create = &sent[0];
            assert_eq!(create["x-amz-checksum-algorithm"], algorithm.as_str());
            let kind = if full_object {
                "FULL_OBJECT"
            } else {
                "COMPOSITE"
            };
            assert_eq!(create["x-amz-checksum-type"], kind);
            // Each part carries the checksum of its bytes, and the completion lists them all.
            let parts: Vec<&[u8]> = bytes.chunks(PART as usize).collect();
            let complete = bodies.lock().unwrap().last().cloned().unwrap();
            assert!(complete.0.contains("uploadId="), "{}", complete.0);
            let xml = String::from_utf8(complete.1.unwrap().to_vec()).unwrap();
            let tag = format!("<Checksum{}>", algorithm.as_str());
            assert_eq!(xml.matches(&tag).count(), 3, "{key}: {xml}");
            for part in &parts {
                let value = Checksum::of(algorithm, part).to_base64();
                assert!(
                    sent.iter().any(|h| h
                        .get(algorithm.header_name())
                        .is_some_and(|v| v == value.as_str())),
                    "{key}: no UploadPart carried {value}"
                );
                assert!(xml.contains(&format!("{tag}{value}<")), "{key}: {xml}");
            }
            let last = sent.last().unwrap();
            if full_object {
                assert_eq!(last["x-amz-checksum-type"], "FULL_OBJECT");
                assert_eq!(
                    last[algorithm.header_name()],
                    Checksum::of(algorithm, &bytes).to_base64().as_str(),
                    "{key}: the full-object checksum is the CRC of the whole"
                );
            } else {
                assert!(!last.contains_key(algorithm.header_name()));
            }

            let path = dir.path().join(&key);
            tm.download()
                .bucket("parts")
                .key(&key)
                .to_file(&path)
                .send()
                .await
                .unwrap();
            assert!(std::fs::read(&path).unwrap() == bytes, "{key}");
        }
    }
}

#[tokio::test]
async fn multipart_uploads_with_the_new_algorithms_carry_each_parts_checksum() {
    // s3s 0.14 refuses their `ChecksumSHA512`, … in the completion (MalformedXML): a scripted
    // loopback server plays S3's three multipart calls and records them.
    use ziggurat::s3::transfer::TransferManager;

    let server = FaultServer::start(|_, seen| {
        let uploads = seen.path.contains("uploads");
        match (seen.method.as_str(), seen.path.contains("uploadId=")) {
            ("POST", false) if uploads => Action::respond(
                200,
                &[],
                "<InitiateMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>\
                 <UploadId>u1</UploadId></InitiateMultipartUploadResult>",
            ),
            ("PUT", true) => Action::respond(200, &[("etag", "\"part\"")], ""),
            ("POST", true) => Action::respond(
                200,
                &[],
                "<CompleteMultipartUploadResult><Bucket>b</Bucket><Key>k</Key>\
                 <ETag>\"whole-2\"</ETag></CompleteMultipartUploadResult>",
            ),
            _ => Action::respond(400, &[], ""),
        }
    })
    .await;
    let s3 = Client::new(&sdk(server.url()).build());
    let bytes = data(PART as usize + 1234);
    for (algorithm, _) in NEW_ALGORITHMS {
        let before = server.request_count();
        let tm = TransferManager::new(s3.clone())
            .part_size(PART)
            .multipart_threshold(PART)
            .checksum_algorithm(algorithm);
        let out = tm
            .upload()
            .bucket("b")
            .key("k")
            .bytes(bytes.clone())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{algorithm}: {e}"));
        assert_eq!(out.parts, 2);
        let sent = server.requests().split_off(before);
        assert_eq!(sent.len(), 4, "{algorithm}: create, two parts, complete");
        assert_eq!(
            sent[0].header("x-amz-checksum-algorithm"),
            Some(algorithm.as_str())
        );
        let xml = String::from_utf8(sent[3].body.clone()).unwrap();
        // The parts go at once, in any order: each by its number.
        for request in &sent[1..3] {
            let number: usize = request
                .path
                .split(['?', '&'])
                .find_map(|p| p.strip_prefix("partNumber="))
                .and_then(|n| n.parse().ok())
                .expect("a part number");
            let part = bytes.chunks(PART as usize).nth(number - 1).expect("a part");
            let value = Checksum::of(algorithm, part).to_base64();
            assert!(request.body == part, "{algorithm}: the part went whole");
            assert_eq!(
                request.header(algorithm.header_name()),
                Some(value.as_str()),
                "{algorithm}"
            );
            let tag = format!(
                "<Checksum{}>{value}</Checksum{}>",
                algorithm.as_str(),
                algorithm.as_str()
            );
            assert!(xml.contains(&tag), "{algorithm}: {xml}");
        }
    }
}

#[tokio::test]
async fn a_stored_object_that_no_longer_matches_its_checksum_fails_every_download() {
    use ziggurat::s3::transfer::{TransferErrorKind, TransferManager};

    let server = S3Server::start().await.unwrap();
    let s3 = Client::new(&sdk(server.url()).build());
    s3.create_bucket().bucket("rot").send().await.unwrap();
    let bytes = data(3 * PART as usize);
    let tm = TransferManager::new(s3.clone())
        .part_size(PART)
        .multipart_threshold(u64::MAX);
    tm.upload()
        .bucket("rot")
        .key("k")
        .bytes(bytes.clone())
        .send()
        .await
        .unwrap();
    // Bit rot on the server's disk: one byte of the stored object flips.
    let stored = server.root().join("rot").join("k");
    let mut on_disk = std::fs::read(&stored).unwrap();
    assert!(on_disk == bytes);
    on_disk[PART as usize + 7] ^= 0x20;
    std::fs::write(&stored, &on_disk).unwrap();

    // One GetObject: the reader gets an error at the end of the body.
    let out = s3.get_object().bucket("rot").key("k").send().await.unwrap();
    let err = out.body.collect().await.expect_err("corrupt");
    assert!(err.to_string().contains("checksum mismatch"), "{err}");

    // Ranged downloads: the whole object's CRC32, computed over the ranges, does not match.
    let mut sink = Vec::new();
    let err = tm
        .download()
        .bucket("rot")
        .key("k")
        .write_to(&mut sink)
        .await
        .expect_err("corrupt");
    assert_eq!(err.kind(), TransferErrorKind::Response, "{err}");
    let cause = std::error::Error::source(&err).map(|e| e.to_string());
    assert!(
        cause
            .as_deref()
            .is_some_and(|c| c.contains("checksum mismatch")),
        "{err}: {cause:?}"
    );
}

#[tokio::test]
async fn over_https_streams_carry_their_checksum_in_an_unsigned_trailer_by_default() {
    use ziggurat::transport::{HyperTransport, ProxyConfig};

    let server = S3Server::start_tls().await.unwrap();
    let transport = || {
        HyperTransport::builder()
            .proxy(ProxyConfig::new())
            .ca_bundle_pem(server.ca_pem().unwrap())
            .build()
            .unwrap()
    };
    let (s3, seen) = recording(Config::new(
        &sdk(server.url()).http_client(transport()).build(),
    ));
    s3.create_bucket().bucket("tls").send().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (path, bytes) = write_file(&dir, 150_000);

    // A file and a one-shot stream alike: read once, unsigned chunks, the checksum after them.
    for (algorithm, member_value) in ALGORITHMS {
        for file in [true, false] {
            let body = if file {
                Body::from_file(&path).await.unwrap()
            } else {
                Body::from_stream(http_body_util::Full::new(bytes.clone()))
            };
            let key = format!("{algorithm}-{file}");
            let put = put_with(&s3, &seen, "tls", &key, member_value.clone(), body).await;
            assert_eq!(
                put["x-amz-content-sha256"], "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
                "{key}"
            );
            assert_eq!(put["x-amz-trailer"], algorithm.header_name(), "{key}");
            assert_eq!(put["content-encoding"], "aws-chunked", "{key}");
            let out = s3
                .get_object()
                .bucket("tls")
                .key(&key)
                .send()
                .await
                .unwrap();
            assert_eq!(
                member(&out, algorithm),
                Some(Checksum::of(algorithm, &bytes).to_base64().as_str()),
                "{key}: s3s-fs stored the trailer's checksum"
            );
            assert!(out.body.collect().await.unwrap() == bytes, "{key}");
        }
    }

    // `when_required`: no checksum wanted, so no aws-chunked body at all.
    let config = sdk(server.url())
        .http_client(transport())
        .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
        .build();
    let (s3, seen) = recording(Config::new(&config));
    s3.put_object()
        .bucket("tls")
        .key("plain")
        .body(Body::from_file(&path).await.unwrap())
        .send()
        .await
        .unwrap();
    let put = last_put(&seen);
    assert_unsigned_and_not_chunked(&put);
}
