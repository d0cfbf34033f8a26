use std::collections::VecDeque;
use std::pin::Pin;
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body::Frame;
use http_body_util::BodyExt;
use ziggurat_core::body::Body;
use ziggurat_core::error::BoxError;

use super::*;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";
const DATE: &str = "20130524T000000Z";

/// A body that yields its data in frames of a given size (no size hint, like a socket).
struct Frames(VecDeque<Bytes>);

impl Frames {
    fn new(data: &[u8], frame: usize) -> Self {
        Frames(
            data.chunks(frame.max(1))
                .map(Bytes::copy_from_slice)
                .collect(),
        )
    }
}

impl http_body::Body for Frames {
    type Data = Bytes;
    type Error = BoxError;
    fn poll_frame(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        Poll::Ready(self.0.pop_front().map(|b| Ok(Frame::data(b))))
    }
}

async fn collect(body: impl http_body::Body<Data = Bytes, Error = BoxError>) -> Bytes {
    body.collect().await.unwrap().to_bytes()
}

fn signer(seed: &str) -> ChunkSigner {
    ChunkSigner::new(SECRET, DATE, "us-east-1", "s3", seed).unwrap()
}

#[test]
fn chunk_signatures_match_the_s3_documentation() {
    // "Signature Calculations for the Authorization Header: Transferring Payload in Multiple
    // Chunks (Chunked Upload)", the example PUT of 66,560 bytes in 64 KiB chunks.
    let mut s = signer("4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
    assert_eq!(
        s.sign_chunk(&[b'a'; 65536]),
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648"
    );
    assert_eq!(
        s.sign_chunk(&[b'a'; 1024]),
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497"
    );
    assert_eq!(
        s.sign_chunk(&[]),
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9"
    );
}

#[test]
fn trailer_signature_matches_the_s3_documentation() {
    // "Signature calculation: including trailing headers", chained from the empty chunk.
    let mut s = signer("106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e");
    assert_eq!(
        s.sign_chunk(&[b'a'; 65536]),
        "b474d8862b1487a5145d686f57f013e54db672cee1c953b3010fb58501ef5aa2"
    );
    assert_eq!(
        s.sign_chunk(&[b'a'; 1024]),
        "1c1344b170168f8e65b41376b44b20fe354e373826ccbbe2c1d40a8cae51e5c7"
    );
    assert_eq!(
        s.sign_chunk(&[]),
        "2ca2aba2005185cf7159c6277faf83795951dd77a3a99e6e65d5c9f85863f992"
    );
    assert_eq!(
        s.sign_trailer(b"x-amz-checksum-crc32c:sOO8/Q==\n"),
        "d81f82fc3505edab99d459891051a732e8730629a2e4a59689829ca17fe2e435"
    );
}

#[test]
fn malformed_seed_or_date_is_refused_and_debug_hides_the_key() {
    for (date, seed) in [
        (
            "20130524",
            "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9",
        ),
        (
            DATE,
            "4F232C4386841EF735655705268965C44A0E4690BAA4ADEA153F7DB9FA80A0A9",
        ),
        (DATE, "short"),
    ] {
        assert!(ChunkSigner::new(SECRET, date, "us-east-1", "s3", seed).is_err());
    }
    let s = signer("4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9");
    let shown = format!("{s:?}");
    assert!(
        shown.contains("20130524/us-east-1/s3/aws4_request"),
        "{shown}"
    );
    assert!(
        !shown.contains("wJalr") && !shown.contains("4f232c"),
        "{shown}"
    );
}

#[tokio::test]
async fn signed_body_is_framed_byte_for_byte_as_documented() {
    let data = vec![b'a'; 66_560];
    let mut expected = Vec::new();
    expected.extend_from_slice(
        b"10000;chunk-signature=ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648\r\n",
    );
    expected.extend_from_slice(&data[..65536]);
    expected.extend_from_slice(
        b"\r\n400;chunk-signature=0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497\r\n",
    );
    expected.extend_from_slice(&data[..1024]);
    expected.extend_from_slice(
        b"\r\n0;chunk-signature=b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9\r\n\r\n",
    );
    let framing = Framing::new(AwsChunkedVariant::SignedChunks, data.len() as u64);
    assert_eq!(framing.encoded_length(), expected.len() as u64);
    // Whole, in odd frames that straddle chunk boundaries, and byte by byte near the end.
    for frame in [data.len(), 1000, 65_537, 7] {
        let seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
        let body =
            AwsChunkedBody::new(Frames::new(&data, frame), framing, Some(signer(seed))).unwrap();
        assert_eq!(
            http_body::Body::size_hint(&body).exact(),
            Some(expected.len() as u64)
        );
        assert_eq!(collect(body).await, expected, "frames of {frame}");
    }
}

#[tokio::test]
async fn signed_trailer_is_framed_as_s3s_expects() {
    let data = b"hello world";
    let seed = "106e2a8a18243abcf37539882f36619c00e2dfc72633413f02d3b74544bfeb8e";
    let framing = Framing::new(AwsChunkedVariant::SignedWithTrailer, data.len() as u64);
    let body = AwsChunkedBody::new(Frames::new(data, 4), framing, Some(signer(seed))).unwrap();
    let framed = collect(body).await;

    let mut s = signer(seed);
    let chunk_sig = s.sign_chunk(data).to_owned();
    let final_sig = s.sign_chunk(&[]).to_owned();
    let trailer_sig = s
        .sign_trailer(b"x-amz-checksum-crc32:DUoRhQ==\n")
        .to_owned();
    let expected = format!(
        "b;chunk-signature={chunk_sig}\r\nhello world\r\n0;chunk-signature={final_sig}\r\n\
         x-amz-checksum-crc32:DUoRhQ==\r\nx-amz-trailer-signature:{trailer_sig}\r\n\r\n"
    );
    assert_eq!(std::str::from_utf8(&framed).unwrap(), expected);
    assert_eq!(framing.encoded_length(), expected.len() as u64);
}

#[tokio::test]
async fn empty_bodies_are_one_final_chunk() {
    let unsigned = AwsChunkedBody::new(
        Frames::new(&[], 1),
        Framing::new(AwsChunkedVariant::UnsignedWithTrailer, 0),
        None,
    )
    .unwrap();
    assert_eq!(
        collect(unsigned).await,
        &b"0\r\nx-amz-checksum-crc32:AAAAAA==\r\n\r\n"[..]
    );
    let seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
    let signed = AwsChunkedBody::new(
        http_body_util::Empty::<Bytes>::new(),
        Framing::new(AwsChunkedVariant::SignedChunks, 0),
        Some(signer(seed)),
    )
    .unwrap();
    let framed = collect(signed).await;
    assert!(framed.starts_with(b"0;chunk-signature="));
    assert!(framed.ends_with(b"\r\n\r\n"));
    assert_eq!(framed.len(), 1 + 17 + 64 + 2 + 2);
}

/// `data` framed by `framing` (signed with a fixed seed where the variant signs), after checking
/// that its length is the one the framing declares.
async fn frame_exactly(framing: Framing, data: &[u8]) -> Bytes {
    let seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
    let body = AwsChunkedBody::new(Frames::new(data, 3000), framing, Some(signer(seed))).unwrap();
    let framed = collect(body).await;
    assert_eq!(framed.len() as u64, framing.encoded_length(), "{framing:?}");
    framed
}

#[tokio::test]
async fn encoded_length_is_exact_for_every_variant_and_size() {
    let chunk = 8192;
    for variant in [
        AwsChunkedVariant::SignedChunks,
        AwsChunkedVariant::UnsignedWithTrailer,
        AwsChunkedVariant::SignedWithTrailer,
    ] {
        for len in [
            0,
            1,
            15,
            16,
            chunk - 1,
            chunk,
            chunk + 1,
            3 * chunk + 5,
            4 * chunk,
        ] {
            let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
            let framing = Framing::new(variant, len as u64).with_chunk_size(chunk);
            let framed = frame_exactly(framing, &data).await;
            // The data comes out unchanged, in chunks of `chunk` bytes.
            let mut rest = &framed[..];
            let mut decoded = Vec::new();
            loop {
                let line_end = rest.windows(2).position(|w| w == b"\r\n").unwrap();
                let size_hex = std::str::from_utf8(&rest[..line_end]).unwrap();
                let size = usize::from_str_radix(size_hex.split(';').next().unwrap(), 16).unwrap();
                rest = &rest[line_end + 2..];
                if size == 0 {
                    break;
                }
                assert!(
                    size == chunk || decoded.len() + size == len,
                    "chunk of {size}"
                );
                decoded.extend_from_slice(&rest[..size]);
                assert_eq!(&rest[size..size + 2], b"\r\n");
                rest = &rest[size + 2..];
            }
            assert_eq!(decoded, data);
            assert!(rest.ends_with(b"\r\n"));
        }
    }
}

#[tokio::test]
async fn every_algorithms_trailer_holds_its_checksum_and_the_length_is_exact() {
    let data: Vec<u8> = (0..3 * 8192 + 5).map(|i| (i % 251) as u8).collect();
    for algorithm in ChecksumAlgorithm::VALIDATION_ORDER {
        for variant in [
            AwsChunkedVariant::UnsignedWithTrailer,
            AwsChunkedVariant::SignedWithTrailer,
        ] {
            let framing = Framing::new(variant, data.len() as u64)
                .with_chunk_size(8192)
                .with_checksum(algorithm);
            let framed = frame_exactly(framing, &data).await;
            // The trailer line, then the trailer's signature (signed) or the blank line.
            let line = format!(
                "{}:{}\r\n",
                algorithm.trailer_name(),
                crate::checksum::Checksum::of(algorithm, &data).to_base64()
            );
            let text = String::from_utf8_lossy(&framed);
            let next = if variant.signs_chunks() {
                "x-amz-trailer-signature:"
            } else {
                "\r\n"
            };
            assert!(
                text.contains(&format!("\r\n{line}{next}")),
                "{algorithm} {variant:?}: {text:?}"
            );
        }
    }
}

#[tokio::test]
async fn a_body_that_is_shorter_or_longer_than_declared_fails() {
    let framing = Framing::new(AwsChunkedVariant::UnsignedWithTrailer, 10);
    let short = AwsChunkedBody::new(Frames::new(b"12345", 2), framing, None).unwrap();
    let err = short.collect().await.unwrap_err();
    assert!(err.to_string().contains("fewer bytes (5)"), "{err}");
    let long = AwsChunkedBody::new(Frames::new(b"0123456789ab", 4), framing, None).unwrap();
    let err = long.collect().await.unwrap_err();
    assert!(err.to_string().contains("more bytes (12)"), "{err}");
}

#[test]
fn signed_variants_need_a_signer() {
    let framing = Framing::new(AwsChunkedVariant::SignedWithTrailer, 1);
    let err = AwsChunkedBody::new(Frames::new(b"x", 1), framing, None).unwrap_err();
    assert!(err.to_string().starts_with("aws-chunked: "), "{err}");
}

#[tokio::test]
async fn framed_body_rewinds_when_the_original_does() {
    let seed = "4f232c4386841ef735655705268965c44a0e4690baa4adea153f7db9fa80a0a9";
    let data = vec![7u8; 20_000];
    let framing = Framing::new(AwsChunkedVariant::SignedWithTrailer, 20_000).with_chunk_size(8192);
    let body = frame_body(Body::from(data.clone()), framing, Some(signer(seed))).unwrap();
    assert!(body.is_streaming() && body.is_replayable());
    assert_eq!(body.content_length(), Some(framing.encoded_length()));
    let again = body.try_clone().unwrap();
    let first = body.collect().await.unwrap();
    assert_eq!(first, again.collect().await.unwrap());
    assert_eq!(first.len() as u64, framing.encoded_length());

    let once = Body::from_stream(Frames::new(&data, 1000));
    let framing = Framing::new(AwsChunkedVariant::UnsignedWithTrailer, 20_000);
    let body = frame_body(once, framing, None).unwrap();
    assert!(!body.is_replayable());
}

#[test]
fn headers_mark_the_encoding_lengths_and_trailer() {
    let mut headers = http::HeaderMap::new();
    headers.insert("content-encoding", "gzip".parse().unwrap());
    headers.insert("transfer-encoding", "chunked".parse().unwrap());
    let framing = Framing::new(AwsChunkedVariant::SignedWithTrailer, 100);
    framing.apply_headers(&mut headers);
    assert_eq!(headers["content-encoding"], "aws-chunked,gzip");
    assert_eq!(headers["x-amz-decoded-content-length"], "100");
    assert_eq!(
        headers["content-length"],
        framing.encoded_length().to_string().as_str()
    );
    assert_eq!(headers["x-amz-trailer"], "x-amz-checksum-crc32");
    assert!(!headers.contains_key("transfer-encoding"));
    // Applying twice (a re-signed request) changes nothing.
    let before = headers.clone();
    framing.apply_headers(&mut headers);
    assert_eq!(headers, before);
    Framing::new(AwsChunkedVariant::SignedChunks, 100).apply_headers(&mut headers);
    assert!(!headers.contains_key("x-amz-trailer"));
}

#[test]
fn variant_follows_request_then_configuration_then_scheme() {
    let https: http::Uri = "https://s3.amazonaws.com/b/k".parse().unwrap();
    let http: http::Uri = "http://127.0.0.1:9000/b/k".parse().unwrap();
    let auto = AwsChunkedOptions::new();
    assert_eq!(
        auto.variant_for(&AwsChunked::new(), &https),
        AwsChunkedVariant::UnsignedWithTrailer
    );
    assert_eq!(
        auto.variant_for(&AwsChunked::new(), &http),
        AwsChunkedVariant::SignedChunks
    );
    let configured = auto.with_variant(AwsChunkedVariant::SignedChunks);
    assert_eq!(
        configured.variant_for(&AwsChunked::new(), &https),
        AwsChunkedVariant::SignedChunks
    );
    let asked = AwsChunked::new().with_variant(AwsChunkedVariant::UnsignedWithTrailer);
    assert_eq!(
        configured.variant_for(&asked, &http),
        AwsChunkedVariant::UnsignedWithTrailer
    );
    assert_eq!(
        AwsChunkedVariant::from_payload_hash("STREAMING-UNSIGNED-PAYLOAD-TRAILER"),
        Some(AwsChunkedVariant::UnsignedWithTrailer)
    );
    assert_eq!(
        AwsChunkedOptions::new()
            .with_chunk_size(10)
            .framing(AwsChunkedVariant::SignedChunks, 0)
            .chunk_size(),
        MIN_CHUNK_SIZE
    );
}
