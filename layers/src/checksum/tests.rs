//! Every algorithm against published vectors: the AWS SDKs' "Hello world" checksums
//! (aws-smithy-checksums and the SEP's examples; for the xxHashes, the tests of the AWS CRT's
//! aws-checksums, `tests/xxhash_test.c`), the CRC catalogue's check values of "123456789",
//! RFC 1321's test suite for MD5, FIPS 180-2's examples for SHA-512, xxHash's own sanity
//! vectors (`cli/xsum_sanity_check.c`), and the empty input.
use super::validate::{
    ChecksumMismatch, ExpectedChecksum, ValidatingBody, is_composite, response_checksum,
};
use super::*;

use http_body_util::BodyExt;

const ALL: [ChecksumAlgorithm; 10] = ChecksumAlgorithm::VALIDATION_ORDER;

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
    // aws-checksums' tests/xxhash_test.c, seed 0: XXH64 c500b0c912b376d8, XXH3 b6acb9d84a38ff74,
    // XXH128 7351f89812f97382b91d05b31e04dd7f (the bytes the AWS SDKs send, base64 here).
    (ChecksumAlgorithm::Xxhash64, b"Hello world", "xQCwyRKzdtg="),
    (ChecksumAlgorithm::Xxhash3, b"Hello world", "tqy52Eo4/3Q="),
    (
        ChecksumAlgorithm::Xxhash128,
        b"Hello world",
        "c1H4mBL5c4K5HQWzHgTdfw==",
    ),
    // aws-sdk-go-v2 issue #3404: the XXHASH64 checksum S3 takes for "hello world".
    (ChecksumAlgorithm::Xxhash64, b"hello world", "RatnNLIeaWg="),
    // RFC 1321 A.5: MD5 ("abc") = 900150983cd24fb0d6963f7d28e17f72, MD5 ("") = d41d8cd9....
    (ChecksumAlgorithm::Md5, b"abc", "kAFQmDzST7DWlj99KOF/cg=="),
    (ChecksumAlgorithm::Md5, b"", "1B2M2Y8AsgTpgAmY7PhCfg=="),
    // FIPS 180-2 C.1: SHA-512 ("abc") = ddaf35a1...a54ca49f.
    (
        ChecksumAlgorithm::Sha512,
        b"abc",
        "3a81oZNherrMQXNJriBBMRLm+k6JqX6iCp7u5ktV05ohkpkqJ0/BqDa6PCOj/uu9RU1EI2Q86A4qmslPpUyknw==",
    ),
    // xxHash's sanity vectors, seed 0: XXH64 ef46db3751d8e999, XXH3 2d06800538d394c2, XXH128
    // 99aa06d3014798d8 6001c324468d497f.
    (ChecksumAlgorithm::Xxhash64, b"", "70bbN1HY6Zk="),
    (ChecksumAlgorithm::Xxhash3, b"", "LQaABTjTlMI="),
    (
        ChecksumAlgorithm::Xxhash128,
        b"",
        "maoG0wFHmNhgAcMkRo1Jfw==",
    ),
];

#[test]
fn md5_matches_rfc_1321s_test_suite() {
    // RFC 1321, appendix A.5 ("MD5 test suite").
    let suite: [(&[u8], &str); 7] = [
        (b"", "d41d8cd98f00b204e9800998ecf8427e"),
        (b"a", "0cc175b9c0f1b6a831c399e269772661"),
        (b"abc", "900150983cd24fb0d6963f7d28e17f72"),
        (b"message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
        (
            b"abcdefghijklmnopqrstuvwxyz",
            "c3fcd3d76192e4007dfb496cca67e13b",
        ),
        (
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
            "d174ab98d277d9f5a5611c2c9f419d9f",
        ),
        (
            b"12345678901234567890123456789012345678901234567890123456789012345678901234567890",
            "57edf4a22be3c955ac49da2e2107b67a",
        ),
    ];
    for (input, expected) in suite {
        let value = Checksum::of(ChecksumAlgorithm::Md5, input);
        assert_eq!(hex::encode(value.as_bytes()), expected, "{input:?}");
    }
}

#[test]
fn sha512_matches_fips_180s_examples() {
    // FIPS 180-2, appendix C: one block ("abc"), two blocks (the 896-bit message), and a
    // million times "a" (here in pieces of 1000, as a stream would come).
    let two_blocks = b"abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn\
                       hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    let cases: [(&[u8], &str); 2] = [
        (
            b"abc",
            "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a\
             2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        ),
        (
            two_blocks,
            "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018\
             501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
        ),
    ];
    for (input, expected) in cases {
        let value = Checksum::of(ChecksumAlgorithm::Sha512, input);
        assert_eq!(hex::encode(value.as_bytes()), expected);
    }
    let mut million = Checksum::new(ChecksumAlgorithm::Sha512);
    for _ in 0..1000 {
        million.update(&[b'a'; 1000]);
    }
    assert_eq!(
        hex::encode(million.finalize().as_bytes()),
        "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973eb\
         de0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b"
    );
}

/// xxHash's sanity-check buffer (`XSUM_fillTestBuffer` in `cli/xsum_sanity_check.c`).
fn xxhash_test_buffer(len: usize) -> Vec<u8> {
    const PRIME32: u64 = 2_654_435_761;
    const PRIME64: u64 = 11_400_714_785_074_694_797;
    let mut byte_gen = PRIME32;
    (0..len)
        .map(|_| {
            let byte = (byte_gen >> 56) as u8;
            byte_gen = byte_gen.wrapping_mul(PRIME64);
            byte
        })
        .collect()
}

#[test]
fn the_xxhashes_match_xxhashs_own_sanity_vectors() {
    // The seed-0 rows of XSUM_XXH64_testdata, XSUM_XXH3_testdata and XSUM_XXH128_testdata
    // (xxHash v0.8, `cli/xsum_sanity_check.c`), which cover each length class of XXH3
    // (1-3, 4-8, 9-16, 17-32, ..., several blocks with an overlapping last stripe). XXH128's
    // rows there are { low64, high64 }; S3 takes the canonical form, high64 first.
    let xxh64: [(usize, u64); 5] = [
        (0, 0xEF46DB3751D8E999),
        (1, 0xE934A84ADB052768),
        (4, 0x9136A0DCA57457EE),
        (14, 0x8282DCC4994E35C8),
        (222, 0xB641AE8CB691C174),
    ];
    let xxh3: [(usize, u64); 13] = [
        (0, 0x2D06800538D394C2),
        (1, 0xC44BDFF4074EECDB),
        (6, 0x27B56A84CD2D7325),
        (12, 0xA713DAF0DFBB77E7),
        (24, 0xA3FE70BF9D3510EB),
        (48, 0x397DA259ECBA1F11),
        (80, 0xBCDEFBBB2C47C90A),
        (195, 0xCD94217EE362EC3A),
        (403, 0xCDEB804D65C6DEA4),
        (512, 0x617E49599013CB6B),
        (2048, 0xDD59E2C3A5F038E0),
        (2240, 0x6E73A90539CF2948),
        (2367, 0xCB37AEB9E5D361ED),
    ];
    let xxh128: [(usize, u64, u64); 13] = [
        (0, 0x6001C324468D497F, 0x99AA06D3014798D8),
        (1, 0xC44BDFF4074EECDB, 0xA6CD5E9392000F6A),
        (6, 0x3E7039BDDA43CFC6, 0x082AFE0B8162D12A),
        (12, 0x061A192713F69AD9, 0x6E3EFD8FC7802B18),
        (24, 0x1E7044D28B1B901D, 0x0CE966E4678D3761),
        (48, 0xF942219AED80F67B, 0xA002AC4E5478227E),
        (81, 0x5E8BAFB9F95FB803, 0x4952F58181AB0042),
        (222, 0xF1AEBD597CEC6B3A, 0x337E09641B948717),
        (403, 0xCDEB804D65C6DEA4, 0x1B6DE21E332DD73D),
        (512, 0x617E49599013CB6B, 0x18D2D110DCC9BCA1),
        (2048, 0xDD59E2C3A5F038E0, 0xF736557FD47073A5),
        (2240, 0x6E73A90539CF2948, 0xCCB134FBFA7CE49D),
        (2367, 0xCB37AEB9E5D361ED, 0xE89C0F6FF369B427),
    ];
    let rows = xxh64
        .iter()
        .map(|&(len, h)| (ChecksumAlgorithm::Xxhash64, len, h.to_be_bytes().to_vec()))
        .chain(
            xxh3.iter()
                .map(|&(len, h)| (ChecksumAlgorithm::Xxhash3, len, h.to_be_bytes().to_vec())),
        )
        .chain(xxh128.iter().map(|&(len, low, high)| {
            let canonical = [high.to_be_bytes(), low.to_be_bytes()].concat();
            (ChecksumAlgorithm::Xxhash128, len, canonical)
        }));
    for (algorithm, len, expected) in rows {
        let data = xxhash_test_buffer(len);
        assert_eq!(
            Checksum::of(algorithm, &data).as_bytes(),
            &expected[..],
            "{algorithm} of {len} bytes"
        );
        // The streaming state, fed a byte at a time, as xxHash's own check does.
        let mut streamed = Checksum::new(algorithm);
        for byte in data.chunks(1) {
            streamed.update(byte);
        }
        assert_eq!(
            streamed.finalize().as_bytes(),
            &expected[..],
            "{algorithm} of {len} bytes, streamed"
        );
    }
}

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
fn a_checksum_in_progress_stays_small() {
    // Every validating body and aws-chunked body holds one: XXH3's state is boxed so that no
    // checksum is larger than crc-fast's CRC state (and its tag) or aligned to 64.
    let size = std::mem::size_of::<Checksum>();
    assert!(
        size <= std::mem::size_of::<crc_fast::Digest>() + 8,
        "{size} bytes"
    );
    assert!(std::mem::align_of::<Checksum>() <= 16);
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
    let err = "BLAKE3".parse::<ChecksumAlgorithm>().unwrap_err();
    assert!(
        err.to_string()
            .contains("unsupported checksum algorithm \"BLAKE3\"")
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
    // Of a repeated checksum header, the first value counts; other headers are ignored.
    headers.append("x-amz-checksum-crc64nvme", "AAAAAAAAAAA=".parse().unwrap());
    headers.insert("x-amz-checksum-sha1", "unused".parse().unwrap());
    headers.insert("x-amz-meta-x-amz-checksum-crc32", "unused".parse().unwrap());
    assert_eq!(
        response_checksum(&headers),
        Some(ExpectedChecksum::new(
            ChecksumAlgorithm::Crc64Nvme,
            "OOJZ0D8xKts="
        ))
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
        // The message names both values whole, SHA-512's 88 characters too.
        let message = mismatch.to_string();
        assert!(message.contains(&expected), "{message}");
        assert!(message.contains(&mismatch.actual), "{message}");
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

mod content_md5 {
    //! `Content-MD5` for operations with `httpChecksumRequired` and no flexible checksum.
    use super::super::request::RequestChecksum;
    use ziggurat_core::body::Body;
    use ziggurat_core::config::RequestChecksumCalculation;
    use ziggurat_core::hook::{HttpRequest, RequestHook};
    use ziggurat_core::schema::operation::op_flag;

    const MD5_ONLY: u32 = op_flag::CHECKSUM_REQUIRED | op_flag::CONTENT_MD5;

    /// The headers after the hook, or its error.
    fn run(flags: u32, body: Body, headers: &[(&str, &str)]) -> Result<http::HeaderMap, String> {
        let mut req = http::Request::post("https://example.com/");
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let (mut parts, ()) = req.body(()).unwrap().into_parts();
        let mut body = body;
        // `when_required`: Content-MD5 is required, so it goes all the same.
        RequestChecksum::new(RequestChecksumCalculation::WhenRequired)
            .with_operation_flags(flags)
            .on_request(&mut HttpRequest::new(&mut parts, &mut body, None))
            .map_err(|e| e.to_string())?;
        Ok(parts.headers)
    }

    #[test]
    fn an_operation_that_requires_only_httpchecksumrequired_gets_content_md5() {
        // The Smithy protocol test RestJsonHttpChecksumRequired's body and value.
        let body = r#"{"foo":"base64 encoded md5 checksum"}"#;
        let headers = run(MD5_ONLY, Body::from(body), &[]).unwrap();
        assert_eq!(headers["content-md5"], "iB0/3YSo7maijL0IGOgA9g==");
        assert!(
            !headers
                .keys()
                .any(|k| k.as_str().starts_with("x-amz-checksum-")
                    || k.as_str() == "x-amz-sdk-checksum-algorithm"),
            "{headers:?}"
        );
        // RFC 1321: MD5("") = d41d8cd98f00b204e9800998ecf8427e.
        let headers = run(MD5_ONLY, Body::empty(), &[]).unwrap();
        assert_eq!(headers["content-md5"], "1B2M2Y8AsgTpgAmY7PhCfg==");
    }

    #[test]
    fn a_content_md5_or_checksum_the_caller_set_is_kept() {
        let headers = run(MD5_ONLY, Body::from("x"), &[("content-md5", "mine")]).unwrap();
        assert_eq!(headers["content-md5"], "mine");
        let headers = run(
            MD5_ONLY,
            Body::from("x"),
            &[("x-amz-checksum-crc32", "AAAAAA==")],
        )
        .unwrap();
        assert!(!headers.contains_key("content-md5"));
    }

    #[test]
    fn a_precomputed_checksum_of_any_algorithm_is_sent_alone() {
        for algorithm in super::ALL {
            let value = super::Checksum::of(algorithm, b"x").to_base64();
            // Required: computed unless precomputed, even under `when_required`.
            let headers = run(
                op_flag::CHECKSUM_REQUIRED | op_flag::REQUEST_CHECKSUM,
                Body::from("x"),
                &[(algorithm.header_name(), &value)],
            )
            .unwrap();
            assert_eq!(headers.len(), 1, "{algorithm}: {headers:?}");
            assert_eq!(headers[algorithm.header_name()], value.as_str());
        }
    }

    #[test]
    fn a_stream_for_content_md5_is_refused_before_sending() {
        let stream = Body::from_stream(http_body_util::Full::new(bytes::Bytes::from("x")));
        let err = run(MD5_ONLY, stream, &[]).unwrap_err();
        assert!(err.contains("requires a Content-MD5 header"), "{err}");
    }

    #[test]
    fn a_required_flexible_checksum_is_crc32_and_not_content_md5() {
        // S3's DeleteObjects: httpChecksum with requestChecksumRequired.
        let flags = op_flag::CHECKSUM_REQUIRED | op_flag::REQUEST_CHECKSUM;
        let headers = run(flags, Body::from("Hello world"), &[]).unwrap();
        assert_eq!(headers["x-amz-checksum-crc32"], "i9aeUg==");
        assert!(!headers.contains_key("content-md5"));
        // Nothing required, nothing supported: nothing.
        let headers = run(0, Body::from("Hello world"), &[]).unwrap();
        assert!(headers.is_empty(), "{headers:?}");
    }
}
