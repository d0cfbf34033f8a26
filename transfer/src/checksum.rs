//! Checksums of multipart uploads: each part's, computed here and carried into
//! `CompleteMultipartUpload`, and the whole object's for a full-object checksum.
//!
//! S3 knows two kinds of checksum for an object uploaded in parts. A *composite* checksum
//! (`COMPOSITE`, the default here, which every S3-compatible server that takes checksums
//! understands) is the checksum of the parts' checksums, shown as `BASE64-N`; it proves each
//! part arrived intact but cannot be checked against the bytes of a download. A *full-object*
//! checksum (`FULL_OBJECT`, CRCs only) is the CRC of the whole object: this manager combines the
//! parts' CRCs into it (no second pass over the data) and sends it with the completion, and a
//! later `GetObject` of the whole object validates against it.
//!
//! A download fetches ranges, and S3 sends no checksum with a range; when `HeadObject` shows a
//! checksum of the whole object (a single upload's, or a full-object one), [`WholeObject`]
//! computes it over the ranges as they are written in order, and a mismatch fails the download
//! at its end. A composite checksum (`-N`) cannot be checked against the bytes, and is skipped.
//!
//! Each part's checksum is computed from the part in memory and sent as a precomputed member,
//! so the client's checksum hook does not compute it again, and the completion carries the
//! value even from servers that do not echo it in `UploadPart`'s response.
use ziggurat_layers::checksum::validate::{ChecksumMismatch, ExpectedChecksum, is_composite};
use ziggurat_layers::checksum::{Checksum, ChecksumAlgorithm, ChecksumValue};
use ziggurat_s3::types::{self, CompletedPart};
use ziggurat_s3::{
    CompleteMultipartUploadFluentBuilder, HeadObjectOutput, UploadPartFluentBuilder,
};

/// How a multipart upload is checksummed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PartChecksums {
    pub(crate) algorithm: ChecksumAlgorithm,
    pub(crate) full_object: bool,
}

impl PartChecksums {
    /// The model's name of the algorithm.
    pub(crate) fn model_algorithm(&self) -> types::ChecksumAlgorithm {
        types::ChecksumAlgorithm::from(self.algorithm.as_str())
    }

    /// The model's checksum type.
    pub(crate) fn model_type(&self) -> types::ChecksumType {
        if self.full_object {
            types::ChecksumType::FullObject
        } else {
            types::ChecksumType::Composite
        }
    }

    /// The checksum of one part.
    pub(crate) fn of(&self, data: &[u8]) -> ChecksumValue {
        Checksum::of(self.algorithm, data)
    }
}

/// The member of `part` that holds a checksum by `algorithm`.
fn member(part: &mut CompletedPart, algorithm: ChecksumAlgorithm) -> Option<&mut Option<String>> {
    match algorithm {
        ChecksumAlgorithm::Crc32 => Some(&mut part.checksum_crc32),
        ChecksumAlgorithm::Crc32c => Some(&mut part.checksum_crc32c),
        ChecksumAlgorithm::Crc64Nvme => Some(&mut part.checksum_crc64nvme),
        ChecksumAlgorithm::Sha1 => Some(&mut part.checksum_sha1),
        ChecksumAlgorithm::Sha256 => Some(&mut part.checksum_sha256),
        ChecksumAlgorithm::Sha512 => Some(&mut part.checksum_sha512),
        ChecksumAlgorithm::Md5 => Some(&mut part.checksum_md5),
        ChecksumAlgorithm::Xxhash64 => Some(&mut part.checksum_xxhash64),
        ChecksumAlgorithm::Xxhash3 => Some(&mut part.checksum_xxhash3),
        ChecksumAlgorithm::Xxhash128 => Some(&mut part.checksum_xxhash128),
        _ => None,
    }
}

/// Records `value` in `part`, unless the server's response already put one there.
pub(crate) fn record(part: &mut CompletedPart, value: &ChecksumValue) {
    if let Some(slot) = member(part, value.algorithm())
        && slot.is_none()
    {
        *slot = Some(value.to_base64());
    }
}

/// Sends `value` as the part's precomputed checksum.
pub(crate) fn precomputed_part(
    call: UploadPartFluentBuilder,
    value: &ChecksumValue,
) -> UploadPartFluentBuilder {
    let base64 = value.to_base64();
    match value.algorithm() {
        ChecksumAlgorithm::Crc32 => call.checksum_crc32(base64),
        ChecksumAlgorithm::Crc32c => call.checksum_crc32c(base64),
        ChecksumAlgorithm::Crc64Nvme => call.checksum_crc64nvme(base64),
        ChecksumAlgorithm::Sha1 => call.checksum_sha1(base64),
        ChecksumAlgorithm::Sha256 => call.checksum_sha256(base64),
        ChecksumAlgorithm::Sha512 => call.checksum_sha512(base64),
        ChecksumAlgorithm::Md5 => call.checksum_md5(base64),
        ChecksumAlgorithm::Xxhash64 => call.checksum_xxhash64(base64),
        ChecksumAlgorithm::Xxhash3 => call.checksum_xxhash3(base64),
        ChecksumAlgorithm::Xxhash128 => call.checksum_xxhash128(base64),
        _ => call,
    }
}

/// Sends `value`, the CRC of the whole object, with the completion.
pub(crate) fn full_object(
    call: CompleteMultipartUploadFluentBuilder,
    value: &ChecksumValue,
) -> CompleteMultipartUploadFluentBuilder {
    let call = call.checksum_type(types::ChecksumType::FullObject);
    let base64 = value.to_base64();
    match value.algorithm() {
        ChecksumAlgorithm::Crc32 => call.checksum_crc32(base64),
        ChecksumAlgorithm::Crc32c => call.checksum_crc32c(base64),
        ChecksumAlgorithm::Crc64Nvme => call.checksum_crc64nvme(base64),
        _ => call,
    }
}

/// The CRC of the whole object from its parts' CRCs and lengths, in part order.
pub(crate) fn combine(parts: &[(ChecksumValue, u64)]) -> Option<ChecksumValue> {
    let mut iter = parts.iter();
    let (first, _) = iter.next()?;
    iter.try_fold(*first, |acc, (value, len)| {
        ChecksumValue::combine(&acc, value, *len)
    })
}

/// The checksum of the whole object `head` shows, when there is one that can be checked
/// against the bytes (not a composite one), by the first algorithm of
/// [`ChecksumAlgorithm::VALIDATION_ORDER`].
pub(crate) fn whole_object(head: &HeadObjectOutput) -> Option<ExpectedChecksum> {
    ChecksumAlgorithm::VALIDATION_ORDER
        .into_iter()
        .find_map(|algorithm| {
            let value = match algorithm {
                ChecksumAlgorithm::Crc32 => head.checksum_crc32.as_deref(),
                ChecksumAlgorithm::Crc32c => head.checksum_crc32c.as_deref(),
                ChecksumAlgorithm::Crc64Nvme => head.checksum_crc64nvme.as_deref(),
                ChecksumAlgorithm::Sha1 => head.checksum_sha1.as_deref(),
                ChecksumAlgorithm::Sha256 => head.checksum_sha256.as_deref(),
                ChecksumAlgorithm::Sha512 => head.checksum_sha512.as_deref(),
                ChecksumAlgorithm::Md5 => head.checksum_md5.as_deref(),
                ChecksumAlgorithm::Xxhash64 => head.checksum_xxhash64.as_deref(),
                ChecksumAlgorithm::Xxhash3 => head.checksum_xxhash3.as_deref(),
                ChecksumAlgorithm::Xxhash128 => head.checksum_xxhash128.as_deref(),
                _ => None,
            }?;
            Some((algorithm, value))
        })
        .filter(|(_, value)| !is_composite(value))
        .map(|(algorithm, value)| ExpectedChecksum::new(algorithm, value))
}

/// The checksum of a download being written, in order, and the one it must have.
pub(crate) struct WholeObject {
    checksum: Checksum,
    expected: ExpectedChecksum,
}

impl WholeObject {
    pub(crate) fn new(expected: ExpectedChecksum) -> Self {
        WholeObject {
            checksum: Checksum::new(expected.algorithm()),
            expected,
        }
    }

    /// Adds the next bytes written.
    pub(crate) fn update(&mut self, data: &[u8]) {
        self.checksum.update(data);
    }

    /// Whether everything written has the expected checksum.
    pub(crate) fn finish(self) -> Result<(), ChecksumMismatch> {
        let actual = self.checksum.finalize();
        if actual.matches_base64(self.expected.base64()) {
            Ok(())
        } else {
            Err(ChecksumMismatch::new(
                self.expected.algorithm(),
                self.expected.base64(),
                actual.to_base64(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whole_objects_checksum_is_the_first_checkable_one() {
        let mut head = HeadObjectOutput {
            checksum_crc32: Some("i9aeUg==-2".into()),
            ..Default::default()
        };
        assert_eq!(whole_object(&head), None, "composite: not checkable");
        head.checksum_sha256 = Some("ZOyIygCyaOW6GjVnihtTFtIS9PNmskdyMlNKiuyjfzw=".into());
        head.checksum_crc32 = None;
        let expected = whole_object(&head).unwrap();
        assert_eq!(expected.algorithm(), ChecksumAlgorithm::Sha256);
        let mut whole = WholeObject::new(expected.clone());
        whole.update(b"Hello ");
        whole.update(b"world");
        assert_eq!(whole.finish(), Ok(()));
        let mut whole = WholeObject::new(expected);
        whole.update(b"Hello World");
        assert!(whole.finish().is_err());
    }

    #[test]
    fn parts_combine_in_order_into_the_whole_objects_crc() {
        let c = PartChecksums {
            algorithm: ChecksumAlgorithm::Crc64Nvme,
            full_object: true,
        };
        let parts = [&b"Hel"[..], b"lo w", b"orld"];
        let values: Vec<_> = parts.iter().map(|p| (c.of(p), p.len() as u64)).collect();
        assert_eq!(combine(&values), Some(c.of(b"Hello world")));
        assert_eq!(combine(&[]), None);
    }
}
