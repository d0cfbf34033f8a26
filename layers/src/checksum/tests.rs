//! Every algorithm against published vectors: the AWS SDKs' "Hello world" checksums
//! (aws-smithy-checksums and the SEP's examples), the CRC catalogue's check values of
//! "123456789", and the empty input.
use super::validate::{
    ChecksumMismatch, ExpectedChecksum, ValidatingBody, is_composite, response_checksum,
};
use super::*;

use http_body_util::BodyExt;

const ALL: [ChecksumAlgorithm; 5] = ChecksumAlgorithm::VALIDATION_ORDER;

/// (algorithm, input, base64 checksum)
const VECTORS: &[(ChecksumAlgorithm, &[u8], &str)] = &[
    (ChecksumAlgorithm::Crc32, b"Hello world", "i9aeUg=="),
    (ChecksumAlgorithm::Crc32c, b"Hello world", "crUfeA=="),
    (ChecksumAlgorithm::Crc64Nvme, b"Hello world", "OOJZ0D8xKts="),
    (
        ChecksumAlgorithm::Sha1,
        b"Hello world",
        "e1AsOh9IyGCa4hLN+2Od7jlnP14=",
    ),
    (
        ChecksumAlgorithm::Sha256,
        b"Hello world",
        "ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=",
    ),
    // Check values: CRC-32/ISO-HDLC cbf43926, CRC-32/ISCSI e3069283, CRC-64/NVME ae8b14860a799888.
    (ChecksumAlgorithm::Crc32, b"123456789", "y/Q5Jg=="),
    (ChecksumAlgorithm::Crc32c, b"123456789", "4waSgw=="),
    (ChecksumAlgorithm::Crc64Nvme, b"123456789", "rosUhgp5mIg="),
    (
        ChecksumAlgorithm::Sha1,
        b"123456789",
        "98O8HYCOBHMq32eZZczDTKeuNEE=",
    ),
    (
        ChecksumAlgorithm::Sha256,
        b"123456789",
        "FeKw08M4keuw8e9gnsQZQgwg4yDOlMZfvIwzEkSOsiU=",
    ),
    (ChecksumAlgorithm::Crc32, b"", "AAAAAA=="),
    (ChecksumAlgorithm::Crc32c, b"", "AAAAAA=="),
    (ChecksumAlgorithm::Crc64Nvme, b"", "AAAAAAAAAAA="),
    (ChecksumAlgorithm::Sha1, b"", "2jmj7l5rSw0yVb/vlWAYkK/YBwk="),
    (
        ChecksumAlgorithm::Sha256,
        b"",
        "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=",
    ),
];

#[test]
fn every_algorithm_matches_the_published_vectors() {
    for (algorithm, input, expected) in VECTORS {
        let value = Checksum::of(*algorithm, input);
        assert_eq!(value.to_base64(), *expected, "{algorithm} of {input:?}");
        assert_eq!(value.as_bytes().len(), algorithm.size());
        assert_eq!(expected.len(), algorithm.encoded_len());
        assert!(value.matches_base64(expected));
    }
}

#[test]
fn updates_in_pieces_give_the_checksum_of_the_whole() {
    let data: Vec<u8> = (0..100_000u32).map(|i| (i * 31 % 251) as u8).collect();
    for algorithm in ALL {
        let whole = Checksum::of(algorithm, &data);
        let mut pieces = Checksum::new(algorithm);
        for piece in data.chunks(7919) {
            pieces.update(piece);
        }
        assert_eq!(pieces.finalize(), whole, "{algorithm}");
    }
}

#[test]
fn crcs_of_parts_combine_into_the_crc_of_the_whole() {
    let (a, b) = (&b"Hello "[..], &b"world"[..]);
    for algorithm in ALL {
        let combined = ChecksumValue::combine(
            &Checksum::of(algorithm, a),
            &Checksum::of(algorithm, b),
            b.len() as u64,
        );
        if algorithm.is_crc() {
            assert_eq!(
                combined,
                Some(Checksum::of(algorithm, b"Hello world")),
                "{algorithm}"
            );
        } else {
            assert_eq!(combined, None, "{algorithm}");
        }
    }
}

#[test]
fn names_parse_in_any_case_and_others_are_refused() {
    for algorithm in ALL {
        assert_eq!(algorithm.as_str().parse(), Ok(algorithm));
        assert_eq!(algorithm.as_str().to_lowercase().parse(), Ok(algorithm));
        assert!(
            algorithm
                .header_name()
                .ends_with(&algorithm.as_str().to_lowercase())
        );
    }
    let err = "XXHASH64".parse::<ChecksumAlgorithm>().unwrap_err();
    assert!(
        err.to_string()
            .contains("unsupported checksum algorithm \"XXHASH64\"")
    );
}

#[test]
fn composite_checksums_and_ranges_are_not_validated() {
    assert!(is_composite("i9aeUg==-3"));
    assert!(!is_composite("i9aeUg=="));
    assert!(!is_composite("a-b+/=="));
    let mut headers = http::HeaderMap::new();
    headers.insert("x-amz-checksum-crc32", "i9aeUg==-3".parse().unwrap());
    assert_eq!(response_checksum(&headers), None);
    headers.insert("x-amz-checksum-crc32", "i9aeUg==".parse().unwrap());
    assert_eq!(
        response_checksum(&headers),
        Some(ExpectedChecksum::new(ChecksumAlgorithm::Crc32, "i9aeUg=="))
    );
    // The cheapest algorithm present wins.
    headers.insert("x-amz-checksum-crc64nvme", "OOJZ0D8xKts=".parse().unwrap());
    assert_eq!(
        response_checksum(&headers).map(|e| e.algorithm()),
        Some(ChecksumAlgorithm::Crc64Nvme)
    );
    headers.insert(http::header::CONTENT_RANGE, "bytes 0-4/11".parse().unwrap());
    assert_eq!(response_checksum(&headers), None);
}

#[tokio::test]
async fn a_body_with_the_declared_checksum_reads_to_its_end() {
    for (algorithm, input, expected) in VECTORS {
        let body = ValidatingBody::new(
            http_body_util::Full::new(bytes::Bytes::from_static(input)),
            ExpectedChecksum::new(*algorithm, *expected),
        );
        let read = body.collect().await.expect("valid").to_bytes();
        assert_eq!(&read[..], *input);
    }
}

#[tokio::test]
async fn a_body_with_another_checksum_fails_at_its_end_after_its_data() {
    for algorithm in ALL {
        let expected = Checksum::of(algorithm, b"Hello world").to_base64();
        let mut body = ValidatingBody::new(
            http_body_util::Full::new(bytes::Bytes::from_static(b"Hello World")),
            ExpectedChecksum::new(algorithm, expected.clone()),
        );
        let first = body.frame().await.expect("a frame").expect("data");
        assert_eq!(first.into_data().ok().as_deref(), Some(&b"Hello World"[..]));
        let err = body
            .frame()
            .await
            .expect("the end is an error")
            .unwrap_err();
        let mismatch = err.downcast_ref::<ChecksumMismatch>().expect("a mismatch");
        assert_eq!(mismatch.algorithm, algorithm);
        assert_eq!(mismatch.expected, expected);
        assert_eq!(
            mismatch.actual,
            Checksum::of(algorithm, b"Hello World").to_base64()
        );
        assert!(body.frame().await.is_none());
    }
}

mod request_plan {
    //! What the request hook does with each payload-signing setting, scheme and body.
    use super::super::request::{HashPayload, RequestChecksum};
    use crate::sign::aws_chunked::{AwsChunked, AwsChunkedVariant, PayloadSigning};
    use ziggurat_core::body::Body;
    use ziggurat_core::config::RequestChecksumCalculation;
    use ziggurat_core::hook::{HttpRequest, RequestHook};

    /// What went out: the aws-chunked variant and trailer, or the read-ahead, or plain.
    #[derive(Debug, PartialEq)]
    enum Sent {
        Chunked(AwsChunkedVariant, Option<&'static str>),
        ReadAhead { sha256: bool, checksum: bool },
        UnsignedPayload,
    }

    fn plan(
        signing: PayloadSigning,
        when: RequestChecksumCalculation,
        https: bool,
        rewindable: bool,
    ) -> Sent {
        plan_with(signing, when, https, rewindable, None).unwrap()
    }

    fn plan_with(
        signing: PayloadSigning,
        when: RequestChecksumCalculation,
        https: bool,
        rewindable: bool,
        member: Option<&str>,
    ) -> Result<Sent, String> {
        let hook = RequestChecksum::new(when)
            .with_payload_signing(signing)
            .with_supported(true);
        let uri = if https {
            "https://b.example/k"
        } else {
            "http://b.example/k"
        };
        let mut req = http::Request::put(uri).extension(AwsChunked::new());
        if let Some(member) = member {
            req = req.header("x-amz-sdk-checksum-algorithm", member);
        }
        let (mut parts, ()) = req.body(()).unwrap().into_parts();
        let stream = || Body::from_stream(http_body_util::Full::new(bytes::Bytes::from("data")));
        let mut body = if rewindable {
            Body::from_rewindable_stream(move || Ok(stream())).unwrap()
        } else {
            stream()
        };
        hook.on_request(&mut HttpRequest::new(&mut parts, &mut body, None))
            .map_err(|e| e.to_string())?;
        if let Some(marker) = parts.extensions.get::<AwsChunked>() {
            let trailer = marker.checksum().map(|c| c.as_str());
            return Ok(Sent::Chunked(
                marker.variant().expect("a variant is chosen"),
                trailer,
            ));
        }
        if let Some(read) = parts.extensions.get::<HashPayload>() {
            return Ok(Sent::ReadAhead {
                sha256: read.sha256,
                checksum: read.checksum.is_some(),
            });
        }
        assert_eq!(parts.headers["x-amz-content-sha256"], "UNSIGNED-PAYLOAD");
        Ok(Sent::UnsignedPayload)
    }

    /// A client leaves the read-ahead layer out exactly when no plan of its can need it; and
    /// without the layer, a file over plain http goes as a one-shot stream does.
    #[test]
    fn the_read_ahead_layer_is_left_out_only_where_nothing_reads_ahead() {
        use PayloadSigning::*;
        use RequestChecksumCalculation::*;
        let settings = [
            Auto,
            SignedBody,
            SignedChunks,
            SignedChunksWithTrailer,
            UnsignedWithTrailer,
            Unsigned,
        ];
        for signing in settings {
            for https in [false, true] {
                for when in [WhenSupported, WhenRequired] {
                    let sent = plan(signing, when, https, true);
                    let reads_ahead = matches!(sent, Sent::ReadAhead { .. });
                    if reads_ahead {
                        assert!(
                            super::super::request::payload_needs_read_ahead(signing, !https),
                            "{signing:?} https={https} {when:?} reads ahead: {sent:?}"
                        );
                    }
                }
            }
        }
        let hook = RequestChecksum::new(WhenSupported)
            .with_supported(true)
            .with_read_ahead(false);
        let (mut parts, ()) = http::Request::put("http://b.example/k")
            .extension(AwsChunked::new())
            .body(())
            .unwrap()
            .into_parts();
        let stream = || Body::from_stream(http_body_util::Full::new(bytes::Bytes::from("data")));
        let mut body = Body::from_rewindable_stream(move || Ok(stream())).unwrap();
        hook.on_request(&mut HttpRequest::new(&mut parts, &mut body, None))
            .unwrap();
        assert!(parts.extensions.get::<HashPayload>().is_none());
        assert_eq!(
            parts
                .extensions
                .get::<AwsChunked>()
                .and_then(|m| m.variant()),
            Some(AwsChunkedVariant::SignedChunks)
        );
    }

    #[test]
    fn a_checksum_the_caller_chose_is_never_dropped() {
        use PayloadSigning::*;
        use RequestChecksumCalculation::*;
        // Over plain http a one-shot stream gets the signed trailer for it.
        for signing in [Auto, SignedBody] {
            assert_eq!(
                plan_with(signing, WhenRequired, false, false, Some("SHA256")),
                Ok(Sent::Chunked(
                    AwsChunkedVariant::SignedWithTrailer,
                    Some("SHA256")
                ))
            );
        }
        // A setting that cannot carry it says so.
        for signing in [SignedChunks, Unsigned] {
            let err = plan_with(signing, WhenSupported, false, false, Some("CRC32C")).unwrap_err();
            assert!(err.contains("cannot carry the CRC32C checksum"), "{err}");
        }
    }

    #[test]
    fn auto_and_each_setting_send_what_the_table_says() {
        use AwsChunkedVariant as V;
        use PayloadSigning::*;
        use RequestChecksumCalculation::*;
        let crc = Some("CRC32");
        let whole = Sent::ReadAhead {
            sha256: true,
            checksum: true,
        };
        // (setting, when, https, rewindable, expected)
        let cases = [
            (
                Auto,
                WhenSupported,
                true,
                true,
                Sent::Chunked(V::UnsignedWithTrailer, crc),
            ),
            (
                Auto,
                WhenSupported,
                true,
                false,
                Sent::Chunked(V::UnsignedWithTrailer, crc),
            ),
            (Auto, WhenSupported, false, true, whole),
            (
                Auto,
                WhenSupported,
                false,
                false,
                Sent::Chunked(V::SignedChunks, None),
            ),
            (Auto, WhenRequired, true, true, Sent::UnsignedPayload),
            (Auto, WhenRequired, true, false, Sent::UnsignedPayload),
            (
                Auto,
                WhenRequired,
                false,
                true,
                Sent::ReadAhead {
                    sha256: true,
                    checksum: false,
                },
            ),
            (Auto, WhenRequired, false, false, Sent::UnsignedPayload),
            (
                SignedBody,
                WhenSupported,
                true,
                true,
                Sent::ReadAhead {
                    sha256: true,
                    checksum: true,
                },
            ),
            (
                SignedBody,
                WhenSupported,
                true,
                false,
                Sent::Chunked(V::SignedChunks, None),
            ),
            (
                SignedChunks,
                WhenSupported,
                true,
                true,
                Sent::Chunked(V::SignedChunks, None),
            ),
            (
                SignedChunksWithTrailer,
                WhenSupported,
                false,
                false,
                Sent::Chunked(V::SignedWithTrailer, crc),
            ),
            (
                SignedChunksWithTrailer,
                WhenRequired,
                false,
                false,
                Sent::Chunked(V::SignedChunks, None),
            ),
            (
                UnsignedWithTrailer,
                WhenSupported,
                false,
                false,
                Sent::Chunked(V::UnsignedWithTrailer, crc),
            ),
            (
                UnsignedWithTrailer,
                WhenRequired,
                false,
                false,
                Sent::UnsignedPayload,
            ),
            (
                Unsigned,
                WhenSupported,
                false,
                true,
                Sent::ReadAhead {
                    sha256: false,
                    checksum: true,
                },
            ),
            (Unsigned, WhenSupported, false, false, Sent::UnsignedPayload),
        ];
        for (signing, when, https, rewindable, expected) in cases {
            assert_eq!(
                plan(signing, when, https, rewindable),
                expected,
                "{signing:?} {when:?} https={https} rewindable={rewindable}"
            );
        }
    }
}
