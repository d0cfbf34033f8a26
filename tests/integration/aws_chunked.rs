//! Streaming uploads (`aws-chunked`) against s3s-fs, which verifies every chunk signature, the
//! trailer signature and the trailer's CRC32: all three variants (chosen with
//! `Config::payload_signing`), with an empty body, a body of
//! exactly one chunk and one of several chunks with a short last one; and tampered bodies,
//! which must be refused.
use crate::support;

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::HeaderMap;
use hyper::body::{Frame, SizeHint};
use support::s3_server::{ACCESS_KEY, S3Server, SECRET_KEY};
use ziggurat::error::BoxError;
use ziggurat::layers::sign::aws_chunked::{AwsChunkedVariant, DEFAULT_CHUNK_SIZE};
use ziggurat::prelude::*;
use ziggurat::s3::{Client, Config, GetObjectError, PayloadSigning};

const VARIANTS: [AwsChunkedVariant; 3] = [
    AwsChunkedVariant::SignedChunks,
    AwsChunkedVariant::UnsignedWithTrailer,
    AwsChunkedVariant::SignedWithTrailer,
];

fn sdk_config(server: &S3Server) -> SdkConfig {
    SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY, None))
        .endpoint_url(server.url())
        .build()
}

/// The headers of every request a recording client sent.
pub(crate) type Seen = Arc<Mutex<Vec<HeaderMap>>>;

/// A client that sends streams in `variant` (by default: the signer's choice), records the
/// headers of what it sends, and lets `tamper` change the framed body on the wire.
fn client(server: &S3Server, variant: AwsChunkedVariant, tamper: Option<u64>) -> (Client, Seen) {
    client_with(server, Some(variant), tamper)
}

fn client_with(
    server: &S3Server,
    variant: Option<AwsChunkedVariant>,
    tamper: Option<u64>,
) -> (Client, Seen) {
    recording_client(Config::new(&sdk_config(server)), variant, tamper)
}

/// [`client_with`] for a configuration (the checksum tests record with it too).
pub(crate) fn recording_client(
    config: Config,
    variant: Option<AwsChunkedVariant>,
    tamper: Option<u64>,
) -> (Client, Seen) {
    let seen: Seen = Arc::default();
    let recorder = seen.clone();
    // The variant is a payload-signing setting: the checksum hook marks each stream with it.
    let config = match variant {
        Some(AwsChunkedVariant::SignedChunks) => {
            config.payload_signing(PayloadSigning::SignedChunks)
        }
        Some(AwsChunkedVariant::UnsignedWithTrailer) => {
            config.payload_signing(PayloadSigning::UnsignedWithTrailer)
        }
        Some(_) => config.payload_signing(PayloadSigning::SignedChunksWithTrailer),
        None => config,
    };
    let config = config.stack(move |stack| {
        let recorder = recorder.clone();
        stack.deserialize_mut().add(
            "RecordAndTamper",
            Middleware::http_layer(tower::util::MapRequestLayer::new(
                move |req: http::Request<Body>| {
                    recorder.lock().unwrap().push(req.headers().clone());
                    match tamper {
                        Some(at) => req.map(|body| Body::from_stream(FlipByte::new(body, at))),
                        None => req,
                    }
                },
            )),
            Position::After,
        )?;
        Ok(())
    });
    (Client::from_conf(config), seen)
}

/// A stream of known length that is not in memory (and cannot be rewound).
struct Pieces {
    data: Bytes,
    piece: usize,
}

impl hyper::body::Body for Pieces {
    type Data = Bytes;
    type Error = BoxError;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        if self.data.is_empty() {
            return Poll::Ready(None);
        }
        let n = self.piece.min(self.data.len());
        let piece = self.data.split_to(n);
        Poll::Ready(Some(Ok(Frame::data(piece))))
    }
    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.data.len() as u64)
    }
}

/// Flips one byte of the body, at offset `at`, as it streams.
struct FlipByte {
    inner: Body,
    at: u64,
    pos: u64,
}

impl FlipByte {
    fn new(inner: Body, at: u64) -> Self {
        FlipByte { inner, at, pos: 0 }
    }
}

impl hyper::body::Body for FlipByte {
    type Data = Bytes;
    type Error = BoxError;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = &mut *self;
        match Pin::new(&mut this.inner).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => match frame.into_data() {
                Ok(data) => {
                    let start = this.pos;
                    this.pos += data.len() as u64;
                    if (start..this.pos).contains(&this.at) {
                        let mut copy = data.to_vec();
                        copy[(this.at - start) as usize] ^= 0x01;
                        return Poll::Ready(Some(Ok(Frame::data(Bytes::from(copy)))));
                    }
                    Poll::Ready(Some(Ok(Frame::data(data))))
                }
                Err(frame) => Poll::Ready(Some(Ok(frame))),
            },
            other => other,
        }
    }
    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

fn data(len: usize) -> Bytes {
    (0..len as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect::<Vec<u8>>()
        .into()
}

#[tokio::test]
async fn every_variant_uploads_empty_one_chunk_and_many_chunk_bodies() {
    let server = S3Server::start().await.unwrap();
    let sizes = [0, DEFAULT_CHUNK_SIZE, 3 * DEFAULT_CHUNK_SIZE + 1234];
    for (v, variant) in VARIANTS.into_iter().enumerate() {
        let (s3, seen) = client(&server, variant, None);
        let bucket = format!("chunked-{v}");
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        for len in sizes {
            let bytes = data(len);
            // Frames of an odd size, so chunks are assembled from several of them.
            let body = Body::from_stream(Pieces {
                data: bytes.clone(),
                piece: 10_000,
            });
            let key = format!("stream-{len}");
            let got = support::s3_server::s3_put_and_get(&s3, &bucket, &key, body).await;
            assert!(got == bytes, "{variant:?}: {len} bytes came back different");

            let sent = seen.lock().unwrap();
            let put = sent
                .iter()
                .rev()
                .find(|h| h.contains_key("x-amz-decoded-content-length"))
                .expect("the upload was sent aws-chunked");
            assert_eq!(put["x-amz-content-sha256"], variant.payload_hash());
            assert_eq!(put["content-encoding"], "aws-chunked");
            assert_eq!(
                put["x-amz-decoded-content-length"],
                len.to_string().as_str()
            );
            let encoded: u64 = put["content-length"].to_str().unwrap().parse().unwrap();
            assert!(encoded > len as u64);
            assert_eq!(put.contains_key("x-amz-trailer"), variant.has_trailer());
        }
    }
}

#[tokio::test]
async fn files_are_hashed_whole_over_plain_http_by_default_and_come_back_intact() {
    let server = S3Server::start().await.unwrap();
    let (s3, seen) = client_with(&server, None, None);
    s3.create_bucket().bucket("files").send().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("f.bin");
    let bytes = data(2 * DEFAULT_CHUNK_SIZE + 17);
    std::fs::write(&path, &bytes).unwrap();
    let body = Body::from_file(&path).await.unwrap();
    let got = support::s3_server::s3_put_and_get(&s3, "files", "f.bin", body).await;
    assert!(got == bytes);
    {
        let sent = seen.lock().unwrap();
        // PUT, then GET.
        let put = &sent[sent.len() - 2];
        // Over plain http, a file is read ahead for its SHA-256, signed like bytes in memory,
        // with its CRC32 in a header: what every S3-compatible server accepts.
        assert_eq!(put["x-amz-content-sha256"].len(), 64);
        assert!(!put.contains_key("content-encoding"));
        assert!(!put.contains_key("x-amz-trailer"));
        assert_eq!(put["content-length"], bytes.len().to_string().as_str());
        assert!(put.contains_key("x-amz-checksum-crc32"));
    }

    // In-memory bodies keep their single SHA-256.
    let got =
        support::s3_server::s3_put_and_get(&s3, "files", "mem", Body::from(bytes.clone())).await;
    assert!(got == bytes);
    let sent = seen.lock().unwrap();
    let put = &sent[sent.len() - 2];
    assert_eq!(put["x-amz-content-sha256"].len(), 64);
    assert!(!put.contains_key("content-encoding"));
}

#[tokio::test]
async fn a_tampered_chunk_is_refused() {
    let server = S3Server::start().await.unwrap();
    for (v, variant) in VARIANTS.into_iter().enumerate() {
        let bucket = format!("tamper-{v}");
        let (good, _) = client(&server, variant, None);
        good.create_bucket().bucket(&bucket).send().await.unwrap();
        // Offset 1000 is inside the first chunk's data for every variant.
        let (s3, _) = client(&server, variant, Some(1000));
        let body = Body::from_stream(Pieces {
            data: data(2 * DEFAULT_CHUNK_SIZE + 5),
            piece: 65_536,
        });
        let err = s3
            .put_object()
            .bucket(&bucket)
            .key("tampered")
            .body(body)
            .send()
            .await
            .expect_err("a tampered body must be refused");
        // s3s-fs answers a chunk-signature mismatch with 500 InternalError (real S3: 403
        // SignatureDoesNotMatch) and a wrong CRC32 with 400 BadDigest.
        let expected: &[&str] = if variant.signs_chunks() {
            &["InternalError", "SignatureDoesNotMatch"]
        } else {
            &["BadDigest"]
        };
        assert!(
            err.code().is_some_and(|c| expected.contains(&c)),
            "{variant:?}: {err}"
        );
        // Nothing was stored. (s3s-fs 0.14.1 checks the trailer CRC only after it has written
        // the object, so with unsigned chunks the corrupted object stays; real S3 does not
        // keep it.)
        if !variant.signs_chunks() {
            continue;
        }
        let missing = good
            .get_object()
            .bucket(&bucket)
            .key("tampered")
            .send()
            .await;
        let missing = match missing {
            Ok(o) => panic!("{variant:?} ({}): stored anyway, {:?}", err, o.e_tag),
            Err(e) => e,
        };
        assert!(
            matches!(
                missing.as_service_error(),
                Some(GetObjectError::NoSuchKey(_))
            ),
            "{variant:?}: {missing}"
        );
    }
}

#[tokio::test]
async fn a_tampered_trailer_checksum_is_refused() {
    let server = S3Server::start().await.unwrap();
    for (v, variant) in VARIANTS.into_iter().enumerate().skip(1) {
        let bucket = format!("trailer-{v}");
        let (good, _) = client(&server, variant, None);
        good.create_bucket().bucket(&bucket).send().await.unwrap();
        let bytes = data(100);
        // The body of 100 bytes is one chunk; the trailer's base64 value starts 21 bytes
        // after "x-amz-checksum-crc32:"'s first byte. Find it in an untampered framing.
        let framed_len = {
            use ziggurat::layers::sign::aws_chunked::Framing;
            Framing::new(variant, 100).encoded_length()
        };
        let trailer_value_at = if variant.signs_chunks() {
            // ... the value line, then the signature line (24 + 64 + 2), then CRLF.
            framed_len - 2 - (24 + 64 + 2) - 2 - 8
        } else {
            framed_len - 2 - 2 - 8
        };
        let (s3, _) = client(&server, variant, Some(trailer_value_at));
        let err = s3
            .put_object()
            .bucket(&bucket)
            .key("bad-crc")
            .body(Body::from_stream(Pieces {
                data: bytes,
                piece: 7,
            }))
            .send()
            .await
            .expect_err("a wrong checksum must be refused");
        let expected: &[&str] = if variant.signs_chunks() {
            // The trailer is signed: its signature no longer matches.
            &["InternalError", "SignatureDoesNotMatch"]
        } else {
            &["BadDigest"]
        };
        assert!(
            err.code().is_some_and(|c| expected.contains(&c)),
            "{variant:?}: {err}"
        );
    }
}

#[tokio::test]
async fn each_payload_signing_setting_uploads_a_stream_the_server_accepts() {
    let server = S3Server::start().await.unwrap();
    let settings = [
        (
            PayloadSigning::Auto,
            Some("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        ),
        (
            PayloadSigning::SignedChunks,
            Some("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        ),
        (
            PayloadSigning::SignedChunksWithTrailer,
            Some("STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER"),
        ),
        (
            PayloadSigning::UnsignedWithTrailer,
            Some("STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
        ),
        (PayloadSigning::Unsigned, None),
        // A one-shot stream cannot be hashed ahead: its chunks are signed instead.
        (
            PayloadSigning::SignedBody,
            Some("STREAMING-AWS4-HMAC-SHA256-PAYLOAD"),
        ),
    ];
    for (index, (signing, chunked)) in settings.into_iter().enumerate() {
        let (s3, seen) = recording_client(
            Config::new(&sdk_config(&server)).payload_signing(signing),
            None,
            None,
        );
        let bucket = format!("signing-{index}");
        s3.create_bucket().bucket(&bucket).send().await.unwrap();
        let bytes = data(DEFAULT_CHUNK_SIZE + 5);
        let body = Body::from_stream(Pieces {
            data: bytes.clone(),
            piece: 7_000,
        });
        let got = support::s3_server::s3_put_and_get(&s3, &bucket, "k", body).await;
        assert!(got == bytes, "{signing:?}: the object came back different");
        let sent = seen.lock().unwrap();
        let put = &sent[sent.len() - 2];
        match chunked {
            Some(hash) => {
                assert_eq!(put["x-amz-content-sha256"], hash, "{signing:?}");
                assert_eq!(put["content-encoding"], "aws-chunked", "{signing:?}");
            }
            None => {
                assert_eq!(
                    put["x-amz-content-sha256"], "UNSIGNED-PAYLOAD",
                    "{signing:?}"
                );
                assert!(!put.contains_key("content-encoding"), "{signing:?}");
                assert_eq!(put["content-length"], bytes.len().to_string().as_str());
            }
        }
    }
}
