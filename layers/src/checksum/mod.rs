//! Flexible checksums: all ten algorithms S3 knows (CRC32, CRC32C, CRC64NVME, SHA-1, SHA-256,
//! SHA-512, MD5, XXHASH64, XXHASH3 and XXHASH128) of request and response bodies, as S3 checks
//! them end to end.
//!
//! Since 2025 the AWS SDKs send a checksum with every upload that supports one and validate the
//! checksum S3 sends back with every download (`request_checksum_calculation` and
//! `response_checksum_validation`, both `when_supported` by default). TLS protects bytes on the
//! wire only; a checksum computed where the data is read and checked where it is stored also
//! catches a broken proxy, a bad disk or a bug in between. This module holds the arithmetic
//! and the pieces that use it:
//!
//! - [`ChecksumAlgorithm`] names an algorithm and its header (`x-amz-checksum-crc32`);
//!   [`Checksum`] computes one incrementally, and [`ChecksumValue`] is its result, sent
//!   base64-encoded;
//! - [`request`]: which checksum a request carries, and where (a header for bodies in memory,
//!   an `aws-chunked` trailer for streams), decided once per call by a Build-step layer;
//! - [`validate`]: a response body that checks the checksum as it is read, and fails at the end
//!   of the body on a mismatch, without buffering the object.
//!
//! The CRCs come from `crc-fast` (carry-less multiplication on x86-64 and aarch64, one crate for
//! all three polynomials, and `combine` for multipart full-object checksums), the digests from
//! RustCrypto's `sha1`, `sha2` and `md-5`, the xxHashes from `xxhash-rust` (only its `xxh64`
//! and `xxh3` code). Compared with aws-smithy-checksums, which boxes a hasher trait object per
//! body, [`Checksum`] is an enum: the algorithm is known at every call, and nothing is
//! allocated but XXH3's state (384 bytes, 64-byte aligned), boxed so that it does not make every
//! checksum larger than crc-fast's CRC state (about 300 bytes) and aligned to 64.
//!
//! **What goes on the wire.** Every value is standard base64 (with padding) of the digest's
//! bytes, big-endian where the digest is a number: the CRCs, and the xxHashes in xxHash's
//! canonical form (`XXH64_canonicalFromHash`, and for XXH128 the high 64 bits first). That is
//! what the AWS SDKs send: botocore (`CrtXxhash*Checksum.digest`) and the Java SDK take the
//! bytes from the AWS CRT's `aws-checksums`, whose tests pin XXH64 of `Hello world` to
//! `c500b0c912b376d8`, and the aws-sdk-go-v2 issue that asks for xxHash (#3404) shows
//! `RatnNLIeaWg=` for XXH64 of `hello world` (`45ab6734b21e6968`); the tests check both.
//!
//! **MD5.** S3 takes `x-amz-checksum-md5` like any other checksum, and a caller who sets
//! `ChecksumAlgorithm=MD5` gets it computed here. The AWS SDKs do not compute it: botocore and
//! the Java SDK take it only precomputed ("an intentional choice by AWS", boto/botocore#3703;
//! aws-sdk-java-v2#6744), and the Java SDK skips it in responses. It is never a default here
//! either, but a caller who asks for it gets it, and a response's MD5 is validated like the
//! others: it is the MD5 of the bytes (a multipart object's is composite, `-N`, and skipped).
//!
//! # Example
//!
//! ```
//! use ziggurat_layers::checksum::{Checksum, ChecksumAlgorithm};
//!
//! let mut crc = Checksum::new(ChecksumAlgorithm::Crc32);
//! crc.update(b"Hello ");
//! crc.update(b"world");
//! let value = crc.finalize();
//! assert_eq!(value.to_base64(), "i9aeUg==");
//! assert_eq!(ChecksumAlgorithm::Crc32.header_name(), "x-amz-checksum-crc32");
//!
//! // XXH64 of "Hello world" is c500b0c912b376d8: its big-endian bytes, base64.
//! let xxh = Checksum::of(ChecksumAlgorithm::Xxhash64, b"Hello world");
//! assert_eq!(xxh.to_base64(), "xQCwyRKzdtg=");
//! assert_eq!(ChecksumAlgorithm::Xxhash64.header_name(), "x-amz-checksum-xxhash64");
//! assert_eq!("crc64nvme".parse::<ChecksumAlgorithm>(), Ok(ChecksumAlgorithm::Crc64Nvme));
//! ```
use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use sha2::Digest as _;

pub mod request;
pub mod validate;

#[cfg(test)]
mod tests;

/// A checksum algorithm S3 accepts and returns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum ChecksumAlgorithm {
    /// CRC-32 (ISO-HDLC, as zlib computes it): `x-amz-checksum-crc32`. The default.
    #[default]
    Crc32,
    /// CRC-32C (Castagnoli, iSCSI): `x-amz-checksum-crc32c`.
    Crc32c,
    /// CRC-64/NVME: `x-amz-checksum-crc64nvme`.
    Crc64Nvme,
    /// SHA-1: `x-amz-checksum-sha1`.
    Sha1,
    /// SHA-256: `x-amz-checksum-sha256`.
    Sha256,
    /// SHA-512: `x-amz-checksum-sha512`.
    Sha512,
    /// MD5: `x-amz-checksum-md5` (not `Content-MD5`; see the [module](self) docs).
    Md5,
    /// XXH64, seed 0: `x-amz-checksum-xxhash64`.
    Xxhash64,
    /// XXH3, 64-bit, seed 0: `x-amz-checksum-xxhash3`.
    Xxhash3,
    /// XXH3, 128-bit (XXH128), seed 0: `x-amz-checksum-xxhash128`.
    Xxhash128,
}

impl ChecksumAlgorithm {
    /// Every algorithm, in the order responses are validated: the order of `GetObject`'s
    /// `responseAlgorithms` in the S3 model (CRC64NVME, CRC32, CRC32C, SHA-256, SHA-1, SHA-512,
    /// MD5, XXHASH64, XXHASH3, XXHASH128). S3 stores one checksum per object, so a response
    /// rarely carries two.
    pub const VALIDATION_ORDER: [ChecksumAlgorithm; 10] = [
        ChecksumAlgorithm::Crc64Nvme,
        ChecksumAlgorithm::Crc32,
        ChecksumAlgorithm::Crc32c,
        ChecksumAlgorithm::Sha256,
        ChecksumAlgorithm::Sha1,
        ChecksumAlgorithm::Sha512,
        ChecksumAlgorithm::Md5,
        ChecksumAlgorithm::Xxhash64,
        ChecksumAlgorithm::Xxhash3,
        ChecksumAlgorithm::Xxhash128,
    ];

    /// The header (and trailer) that carries the checksum, such as `x-amz-checksum-crc32`.
    pub fn header_name(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "x-amz-checksum-crc32",
            ChecksumAlgorithm::Crc32c => "x-amz-checksum-crc32c",
            ChecksumAlgorithm::Crc64Nvme => "x-amz-checksum-crc64nvme",
            ChecksumAlgorithm::Sha1 => "x-amz-checksum-sha1",
            ChecksumAlgorithm::Sha256 => "x-amz-checksum-sha256",
            ChecksumAlgorithm::Sha512 => "x-amz-checksum-sha512",
            ChecksumAlgorithm::Md5 => "x-amz-checksum-md5",
            ChecksumAlgorithm::Xxhash64 => "x-amz-checksum-xxhash64",
            ChecksumAlgorithm::Xxhash3 => "x-amz-checksum-xxhash3",
            ChecksumAlgorithm::Xxhash128 => "x-amz-checksum-xxhash128",
        }
    }

    /// The same as [`header_name`](Self::header_name): the name of the `aws-chunked` trailer.
    pub fn trailer_name(self) -> &'static str {
        self.header_name()
    }

    /// The algorithm's name in S3's API (`CRC32`, `CRC64NVME`, `SHA256`).
    pub fn as_str(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "CRC32",
            ChecksumAlgorithm::Crc32c => "CRC32C",
            ChecksumAlgorithm::Crc64Nvme => "CRC64NVME",
            ChecksumAlgorithm::Sha1 => "SHA1",
            ChecksumAlgorithm::Sha256 => "SHA256",
            ChecksumAlgorithm::Sha512 => "SHA512",
            ChecksumAlgorithm::Md5 => "MD5",
            ChecksumAlgorithm::Xxhash64 => "XXHASH64",
            ChecksumAlgorithm::Xxhash3 => "XXHASH3",
            ChecksumAlgorithm::Xxhash128 => "XXHASH128",
        }
    }

    /// The length of the checksum in bytes.
    pub fn size(self) -> usize {
        match self {
            ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c => 4,
            ChecksumAlgorithm::Crc64Nvme
            | ChecksumAlgorithm::Xxhash64
            | ChecksumAlgorithm::Xxhash3 => 8,
            ChecksumAlgorithm::Md5 | ChecksumAlgorithm::Xxhash128 => 16,
            ChecksumAlgorithm::Sha1 => 20,
            ChecksumAlgorithm::Sha256 => 32,
            ChecksumAlgorithm::Sha512 => MAX_SIZE,
        }
    }

    /// The length of the base64 value (with padding).
    pub fn encoded_len(self) -> usize {
        self.size().div_ceil(3) * 4
    }

    /// Whether the algorithm is a CRC, whose checksums of parts combine into the checksum of
    /// the whole (what S3 calls a full-object checksum of a multipart upload).
    pub fn is_crc(self) -> bool {
        matches!(
            self,
            ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c | ChecksumAlgorithm::Crc64Nvme
        )
    }

    fn crc(self) -> Option<crc_fast::CrcAlgorithm> {
        match self {
            ChecksumAlgorithm::Crc32 => Some(crc_fast::CrcAlgorithm::Crc32IsoHdlc),
            ChecksumAlgorithm::Crc32c => Some(crc_fast::CrcAlgorithm::Crc32Iscsi),
            ChecksumAlgorithm::Crc64Nvme => Some(crc_fast::CrcAlgorithm::Crc64Nvme),
            _ => None,
        }
    }
}

impl fmt::Display for ChecksumAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A checksum algorithm name that is not one of S3's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownAlgorithm(String);

impl fmt::Display for UnknownAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unsupported checksum algorithm {:?}: expected CRC32, CRC32C, CRC64NVME, SHA1, SHA256, \
             SHA512, MD5, XXHASH64, XXHASH3 or XXHASH128",
            self.0
        )
    }
}

impl std::error::Error for UnknownAlgorithm {}

impl FromStr for ChecksumAlgorithm {
    type Err = UnknownAlgorithm;

    /// The API name, in any case (`crc32c`, `CRC64NVME`).
    fn from_str(s: &str) -> Result<Self, UnknownAlgorithm> {
        let s = s.trim();
        ChecksumAlgorithm::VALIDATION_ORDER
            .into_iter()
            .find(|a| a.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownAlgorithm(s.chars().take(32).collect()))
    }
}

/// The length of the longest checksum (SHA-512's), in bytes.
const MAX_SIZE: usize = 64;

/// A checksum being computed: feed it with [`update`](Self::update), read it with
/// [`finalize`](Self::finalize). Cloning it copies the state (crc-fast's is about 300 bytes,
/// the digests' 80 to 220; XXH3's is boxed).
#[derive(Clone)]
pub struct Checksum {
    state: State,
}

/// One state per kind of hasher: the CRCs share crc-fast's, the digests implement RustCrypto's
/// `Digest`, and XXH3's 64- and 128-bit results come from one state.
#[derive(Clone)]
enum State {
    Crc(crc_fast::Digest, ChecksumAlgorithm),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
    Sha512(sha2::Sha512),
    Md5(md5::Md5),
    Xxh64(xxhash_rust::xxh64::Xxh64),
    Xxh3(Box<xxhash_rust::xxh3::Xxh3Default>, ChecksumAlgorithm),
}

impl Checksum {
    /// A checksum of nothing yet.
    pub fn new(algorithm: ChecksumAlgorithm) -> Self {
        if let Some(crc) = algorithm.crc() {
            let state = State::Crc(crc_fast::Digest::new(crc), algorithm);
            return Checksum { state };
        }
        let state = match algorithm {
            ChecksumAlgorithm::Sha1 => State::Sha1(sha1::Sha1::new()),
            ChecksumAlgorithm::Sha512 => State::Sha512(sha2::Sha512::new()),
            ChecksumAlgorithm::Md5 => State::Md5(md5::Md5::new()),
            ChecksumAlgorithm::Xxhash64 => State::Xxh64(xxhash_rust::xxh64::Xxh64::new(0)),
            ChecksumAlgorithm::Xxhash3 | ChecksumAlgorithm::Xxhash128 => {
                State::Xxh3(Box::new(xxhash_rust::xxh3::Xxh3Default::new()), algorithm)
            }
            // SHA-256 (the CRCs returned above).
            _ => State::Sha256(sha2::Sha256::new()),
        };
        Checksum { state }
    }

    /// The checksum of `data`, in one call. For the CRCs a single call of crc-fast, without
    /// the set-up of an incremental state (about 70 ns, which is most of the time for 1 KiB);
    /// for the xxHashes their one-shot functions, which need no buffer.
    pub fn of(algorithm: ChecksumAlgorithm, data: &[u8]) -> ChecksumValue {
        if let Some(crc) = algorithm.crc() {
            return ChecksumValue::from_crc(algorithm, crc_fast::checksum(crc, data));
        }
        match algorithm {
            ChecksumAlgorithm::Xxhash64 => ChecksumValue::from_be_bytes(
                algorithm,
                &xxhash_rust::xxh64::xxh64(data, 0).to_be_bytes(),
            ),
            ChecksumAlgorithm::Xxhash3 => ChecksumValue::from_be_bytes(
                algorithm,
                &xxhash_rust::xxh3::xxh3_64(data).to_be_bytes(),
            ),
            ChecksumAlgorithm::Xxhash128 => ChecksumValue::from_be_bytes(
                algorithm,
                &xxhash_rust::xxh3::xxh3_128(data).to_be_bytes(),
            ),
            _ => {
                let mut checksum = Checksum::new(algorithm);
                checksum.update(data);
                checksum.finalize()
            }
        }
    }

    /// The algorithm.
    pub fn algorithm(&self) -> ChecksumAlgorithm {
        match &self.state {
            State::Crc(_, a) | State::Xxh3(_, a) => *a,
            State::Sha1(_) => ChecksumAlgorithm::Sha1,
            State::Sha256(_) => ChecksumAlgorithm::Sha256,
            State::Sha512(_) => ChecksumAlgorithm::Sha512,
            State::Md5(_) => ChecksumAlgorithm::Md5,
            State::Xxh64(_) => ChecksumAlgorithm::Xxhash64,
        }
    }

    /// Adds `data`.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            State::Crc(d, _) => d.update(data),
            State::Sha1(d) => sha1::Digest::update(d, data),
            State::Sha256(d) => d.update(data),
            State::Sha512(d) => d.update(data),
            State::Md5(d) => d.update(data),
            State::Xxh64(d) => d.update(data),
            State::Xxh3(d, _) => d.update(data),
        }
    }

    /// The checksum of everything added.
    pub fn finalize(self) -> ChecksumValue {
        let algorithm = self.algorithm();
        let from = ChecksumValue::from_be_bytes;
        match self.state {
            State::Crc(d, _) => ChecksumValue::from_crc(algorithm, d.finalize()),
            State::Sha1(d) => from(algorithm, &sha1::Digest::finalize(d)),
            State::Sha256(d) => from(algorithm, &d.finalize()),
            State::Sha512(d) => from(algorithm, &d.finalize()),
            State::Md5(d) => from(algorithm, &d.finalize()),
            State::Xxh64(d) => from(algorithm, &d.digest().to_be_bytes()),
            State::Xxh3(d, ChecksumAlgorithm::Xxhash128) => {
                from(algorithm, &d.digest128().to_be_bytes())
            }
            State::Xxh3(d, _) => from(algorithm, &d.digest().to_be_bytes()),
        }
    }
}

impl fmt::Debug for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checksum")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

/// A computed checksum: its algorithm and bytes (big-endian for the CRCs and xxHashes, as S3
/// sends them).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChecksumValue {
    algorithm: ChecksumAlgorithm,
    bytes: [u8; MAX_SIZE],
}

impl ChecksumValue {
    /// The algorithm.
    pub fn algorithm(&self) -> ChecksumAlgorithm {
        self.algorithm
    }

    /// The checksum's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes
            .get(..self.algorithm.size())
            .unwrap_or(&self.bytes)
    }

    /// The value S3 sends and expects: standard base64, with padding.
    pub fn to_base64(&self) -> String {
        STANDARD.encode(self.as_bytes())
    }

    /// A header value of [`to_base64`](Self::to_base64).
    pub fn to_header_value(&self) -> http::HeaderValue {
        // Base64 is always a valid header value.
        http::HeaderValue::try_from(self.to_base64())
            .unwrap_or_else(|_| http::HeaderValue::from_static(""))
    }

    /// Whether `base64` (as S3 sends it) is this checksum.
    pub fn matches_base64(&self, base64: &str) -> bool {
        STANDARD
            .decode(base64.trim())
            .is_ok_and(|b| b.as_slice() == self.as_bytes())
    }

    /// The CRC of `a` followed by `b`, where `b_len` is the length of the data `b` is the CRC
    /// of: how the full-object checksum of a multipart upload follows from its parts. `None`
    /// when the algorithms differ or are not CRCs.
    pub fn combine(a: &ChecksumValue, b: &ChecksumValue, b_len: u64) -> Option<ChecksumValue> {
        let crc = a.algorithm.crc()?;
        if a.algorithm != b.algorithm {
            return None;
        }
        let as_u64 = |v: &ChecksumValue| {
            v.as_bytes()
                .iter()
                .fold(0u64, |acc, b| acc << 8 | u64::from(*b))
        };
        let combined = crc_fast::checksum_combine(crc, as_u64(a), as_u64(b), b_len);
        Some(ChecksumValue::from_crc(a.algorithm, combined))
    }

    /// The value of a CRC of `algorithm` (the low 4 or 8 bytes of `crc`, big-endian).
    fn from_crc(algorithm: ChecksumAlgorithm, crc: u64) -> ChecksumValue {
        let be = crc.to_be_bytes();
        let start = be.len().saturating_sub(algorithm.size());
        ChecksumValue::from_be_bytes(algorithm, be.get(start..).unwrap_or(&be))
    }

    /// The value whose bytes are `digest` (as many as the algorithm's size).
    fn from_be_bytes(algorithm: ChecksumAlgorithm, digest: &[u8]) -> ChecksumValue {
        let mut value = ChecksumValue {
            algorithm,
            bytes: [0; MAX_SIZE],
        };
        for (o, byte) in value.bytes.iter_mut().zip(digest) {
            *o = *byte;
        }
        value
    }
}

impl fmt::Debug for ChecksumValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.to_base64())
    }
}

impl fmt::Display for ChecksumValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_base64())
    }
}
