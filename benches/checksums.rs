//! Throughput of the flexible checksums, against the hardware limit: CRC32, CRC32C and
//! CRC64NVME through [`Checksum`] (what uploads, trailers and validating bodies use) side by
//! side with a bare `crc_fast::checksum` call on the same buffer (what crc-fast's own benches
//! measure, the fastest the CPU's carry-less multiplication gets), at 1 MiB and 1 KiB, plus a
//! [`ValidatingBody`] read of 1 MiB in 64 KiB frames (the per-frame cost of validation), and
//! every other algorithm at 1 MiB (SHA-1, SHA-256, SHA-512, MD5, XXHASH64, XXHASH3 and
//! XXHASH128), to choose by. Prints the acceleration target crc-fast picked first. With the
//! `s3` feature, also what the checksum entries of an S3 client's stack cost per call: a
//! `PutObject` of 1 KiB and a `GetObject` (validated) over a transport that answers at once,
//! against the same client with `HashPayload` (the tower layer) removed, and with
//! `RequestChecksum` removed as well.
//!
//! `cargo bench --no-default-features --features s3 --bench checksums`
use std::hint::black_box;

use bytes::Bytes;
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use http_body_util::BodyExt;
use ziggurat::layers::checksum::validate::{ExpectedChecksum, ValidatingBody};
use ziggurat::layers::checksum::{Checksum, ChecksumAlgorithm};

const SIZES: [(&str, usize); 2] = [("1 MiB", 1 << 20), ("1 KiB", 1 << 10)];

const CRCS: [(ChecksumAlgorithm, crc_fast::CrcAlgorithm); 3] = [
    (
        ChecksumAlgorithm::Crc32,
        crc_fast::CrcAlgorithm::Crc32IsoHdlc,
    ),
    (
        ChecksumAlgorithm::Crc32c,
        crc_fast::CrcAlgorithm::Crc32Iscsi,
    ),
    (
        ChecksumAlgorithm::Crc64Nvme,
        crc_fast::CrcAlgorithm::Crc64Nvme,
    ),
];

fn data(len: usize) -> Vec<u8> {
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state as u8
        })
        .collect()
}

fn crcs(c: &mut Criterion) {
    for (ours, theirs) in CRCS {
        eprintln!(
            "{ours}: crc-fast computes with {}",
            crc_fast::get_calculator_target(theirs)
        );
        let mut group = c.benchmark_group(ours.as_str());
        for (name, len) in SIZES {
            let buf = data(len);
            group.throughput(Throughput::Bytes(len as u64));
            group.bench_with_input(BenchmarkId::new("Checksum::of", name), &buf, |b, buf| {
                b.iter(|| Checksum::of(ours, black_box(buf)))
            });
            group.bench_with_input(
                BenchmarkId::new("crc_fast::checksum (limit)", name),
                &buf,
                |b, buf| b.iter(|| crc_fast::checksum(theirs, black_box(buf))),
            );
        }
        group.finish();
    }
}

fn digests(c: &mut Criterion) {
    let buf = data(1 << 20);
    let mut group = c.benchmark_group("digests");
    group.throughput(Throughput::Bytes(buf.len() as u64));
    let others = ChecksumAlgorithm::VALIDATION_ORDER
        .into_iter()
        .filter(|a| !a.is_crc());
    for algorithm in others {
        group.bench_function(BenchmarkId::new(algorithm.as_str(), "1 MiB"), |b| {
            b.iter(|| Checksum::of(algorithm, black_box(&buf)))
        });
    }
    group.finish();
}

fn validating_body(c: &mut Criterion) {
    let buf = Bytes::from(data(1 << 20));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("a runtime");
    let mut group = c.benchmark_group("ValidatingBody");
    group.throughput(Throughput::Bytes(buf.len() as u64));
    for (algorithm, _) in CRCS {
        let expected = ExpectedChecksum::new(algorithm, Checksum::of(algorithm, &buf).to_base64());
        group.bench_function(
            BenchmarkId::new(algorithm.as_str(), "1 MiB in 64 KiB frames"),
            |b| {
                b.iter(|| {
                    let frames: Vec<Result<http_body::Frame<Bytes>, std::convert::Infallible>> =
                        buf.chunks(64 << 10)
                            .map(|c| Ok(http_body::Frame::data(buf.slice_ref(c))))
                            .collect();
                    let body = http_body_util::StreamBody::new(futures_util::stream::iter(frames));
                    let read = runtime
                        .block_on(ValidatingBody::new(body, expected.clone()).collect())
                        .expect("valid");
                    black_box(read);
                })
            },
        );
    }
    group.finish();
}

#[cfg(feature = "s3")]
fn s3_stack(c: &mut Criterion) {
    use ziggurat::config::SdkConfig;
    use ziggurat::context::Region;
    use ziggurat::credentials::Credentials;
    use ziggurat::layers::checksum::request::{HASH_PAYLOAD, REQUEST_CHECKSUM};
    use ziggurat::s3::{Client, Config};
    use ziggurat::transport::TestTransport;

    let body = Bytes::from(data(1 << 10));
    let crc = Checksum::of(ChecksumAlgorithm::Crc32, &body).to_base64();
    let res = http::Response::builder()
        .status(200)
        .header("x-amz-checksum-crc32", crc)
        .header("content-length", body.len())
        .body(body.clone())
        .expect("a response");
    let sdk = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
        .endpoint_url("http://127.0.0.1:9")
        .http_client(TestTransport::always_response(res).into_http_client())
        .build();
    let with = Client::from_conf(Config::new(&sdk));
    let without = Client::from_conf(Config::new(&sdk).stack(|s| {
        s.build_mut().remove(REQUEST_CHECKSUM)?;
        s.build_mut().remove(HASH_PAYLOAD)?;
        Ok(())
    }));
    let hook_only = Client::from_conf(Config::new(&sdk).stack(|s| {
        s.build_mut().remove(HASH_PAYLOAD)?;
        Ok(())
    }));
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let mut group = c.benchmark_group("s3 stack");
    for (name, client) in [
        ("with checksums", &with),
        ("without HashPayload", &hook_only),
        ("without", &without),
    ] {
        group.bench_function(BenchmarkId::new("PutObject 1 KiB", name), |b| {
            b.to_async(&runtime).iter(|| async {
                client
                    .put_object()
                    .bucket("b")
                    .key("k")
                    .body(body.clone())
                    .send()
                    .await
                    .expect("put")
            })
        });
        group.bench_function(BenchmarkId::new("GetObject 1 KiB", name), |b| {
            b.to_async(&runtime).iter(|| async {
                let out = client
                    .get_object()
                    .bucket("b")
                    .key("k")
                    .send()
                    .await
                    .expect("get");
                out.body.collect().await.expect("valid")
            })
        });
    }
    group.finish();
}

#[cfg(not(feature = "s3"))]
fn s3_stack(_: &mut Criterion) {}

criterion_group!(benches, crcs, digests, validating_body, s3_stack);
criterion_main!(benches);
