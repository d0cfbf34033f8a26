//! Flexible checksums: CRC32, CRC32C, CRC64NVME, SHA-1 and SHA-256 of request and response
//! bodies, as S3 checks them end to end.
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
//! `sha1` and `sha2`. Compared with aws-smithy-checksums, which boxes a hasher trait object per
//! body, [`Checksum`] is an enum: no allocation, and the algorithm is known at every call.
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
}

impl ChecksumAlgorithm {
    /// Every algorithm, in the order responses are validated: the cheapest first, as the AWS
    /// SDKs prefer them (CRC64NVME, CRC32, CRC32C, SHA-256, SHA-1).
    pub const VALIDATION_ORDER: [ChecksumAlgorithm; 5] = [
        ChecksumAlgorithm::Crc64Nvme,
        ChecksumAlgorithm::Crc32,
        ChecksumAlgorithm::Crc32c,
        ChecksumAlgorithm::Sha256,
        ChecksumAlgorithm::Sha1,
    ];

    /// The header (and trailer) that carries the checksum, such as `x-amz-checksum-crc32`.
    pub fn header_name(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "x-amz-checksum-crc32",
            ChecksumAlgorithm::Crc32c => "x-amz-checksum-crc32c",
            ChecksumAlgorithm::Crc64Nvme => "x-amz-checksum-crc64nvme",
            ChecksumAlgorithm::Sha1 => "x-amz-checksum-sha1",
            ChecksumAlgorithm::Sha256 => "x-amz-checksum-sha256",
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
        }
    }

    /// The length of the checksum in bytes.
    pub fn size(self) -> usize {
        match self {
            ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c => 4,
            ChecksumAlgorithm::Crc64Nvme => 8,
            ChecksumAlgorithm::Sha1 => 20,
            ChecksumAlgorithm::Sha256 => 32,
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
            ChecksumAlgorithm::Sha1 | ChecksumAlgorithm::Sha256 => None,
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
            "unsupported checksum algorithm {:?}: expected CRC32, CRC32C, CRC64NVME, SHA1 or SHA256",
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
        [
            ChecksumAlgorithm::Crc32,
            ChecksumAlgorithm::Crc32c,
            ChecksumAlgorithm::Crc64Nvme,
            ChecksumAlgorithm::Sha1,
            ChecksumAlgorithm::Sha256,
        ]
        .into_iter()
        .find(|a| a.as_str().eq_ignore_ascii_case(s))
        .ok_or_else(|| UnknownAlgorithm(s.chars().take(32).collect()))
    }
}

/// A checksum being computed: feed it with [`update`](Self::update), read it with
/// [`finalize`](Self::finalize). Cloning it copies the state (the CRCs are 24 bytes, the
/// digests about 100).
#[derive(Clone)]
pub struct Checksum {
    state: State,
}

#[derive(Clone)]
enum State {
    Crc(crc_fast::Digest, ChecksumAlgorithm),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
}

impl Checksum {
    /// A checksum of nothing yet.
    pub fn new(algorithm: ChecksumAlgorithm) -> Self {
        let state = match algorithm.crc() {
            Some(crc) => State::Crc(crc_fast::Digest::new(crc), algorithm),
            None if algorithm == ChecksumAlgorithm::Sha1 => State::Sha1(sha1::Sha1::new()),
            None => State::Sha256(sha2::Sha256::new()),
        };
        Checksum { state }
    }

    /// The checksum of `data`, in one call.
    pub fn of(algorithm: ChecksumAlgorithm, data: &[u8]) -> ChecksumValue {
        let mut checksum = Checksum::new(algorithm);
        checksum.update(data);
        checksum.finalize()
    }

    /// The algorithm.
    pub fn algorithm(&self) -> ChecksumAlgorithm {
        match &self.state {
            State::Crc(_, a) => *a,
            State::Sha1(_) => ChecksumAlgorithm::Sha1,
            State::Sha256(_) => ChecksumAlgorithm::Sha256,
        }
    }

    /// Adds `data`.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.state {
            State::Crc(d, _) => d.update(data),
            State::Sha1(d) => sha1::Digest::update(d, data),
            State::Sha256(d) => d.update(data),
        }
    }

    /// The checksum of everything added.
    pub fn finalize(self) -> ChecksumValue {
        let algorithm = self.algorithm();
        let mut value = ChecksumValue {
            algorithm,
            bytes: [0; 32],
        };
        let out = &mut value.bytes;
        match self.state {
            State::Crc(d, _) => {
                let crc = d.finalize().to_be_bytes();
                let start = 8 - algorithm.size();
                for (o, b) in out.iter_mut().zip(crc.iter().skip(start)) {
                    *o = *b;
                }
            }
            State::Sha1(d) => {
                for (o, b) in out.iter_mut().zip(sha1::Digest::finalize(d)) {
                    *o = b;
                }
            }
            State::Sha256(d) => {
                for (o, b) in out.iter_mut().zip(d.finalize()) {
                    *o = b;
                }
            }
        }
        value
    }
}

impl fmt::Debug for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Checksum")
            .field("algorithm", &self.algorithm())
            .finish_non_exhaustive()
    }
}

/// A computed checksum: its algorithm and bytes (big-endian for the CRCs, as S3 sends them).
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct ChecksumValue {
    algorithm: ChecksumAlgorithm,
    bytes: [u8; 32],
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
        let mut value = ChecksumValue {
            algorithm: a.algorithm,
            bytes: [0; 32],
        };
        let start = 8 - a.algorithm.size();
        for (o, byte) in value
            .bytes
            .iter_mut()
            .zip(combined.to_be_bytes().iter().skip(start))
        {
            *o = *byte;
        }
        Some(value)
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
