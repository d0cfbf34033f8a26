//! Uploads: one `PutObject` below the threshold, parallel multipart above it.
use std::path::PathBuf;

use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::task::JoinSet;
use ziggurat_core::body::Body;
use ziggurat_s3::Client;
use ziggurat_s3::types::{CompletedMultipartUpload, CompletedPart};

use crate::checksum::{self, PartChecksums};
use crate::error::{TransferError, TransferErrorKind};
use crate::progress::{ProgressFn, Tracker};
use crate::{MAX_PARTS, TransferManager};

/// Where an upload's bytes come from.
enum Source {
    File(PathBuf),
    Bytes(Bytes),
    Reader(Box<dyn AsyncRead + Send + Unpin>),
}

/// An upload being described; [`send`](UploadBuilder::send) runs it.
///
/// Made by [`TransferManager::upload`].
#[must_use = "an upload does nothing until `send` is awaited"]
pub struct UploadBuilder {
    tm: TransferManager,
    bucket: Option<String>,
    key: Option<String>,
    source: Option<Source>,
    content_type: Option<String>,
    progress: Option<ProgressFn>,
    keep_parts: bool,
}

impl std::fmt::Debug for UploadBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let source = match &self.source {
            Some(Source::File(p)) => format!("file {}", p.display()),
            Some(Source::Bytes(b)) => format!("{} bytes in memory", b.len()),
            Some(Source::Reader(_)) => "a stream".to_owned(),
            None => "none".to_owned(),
        };
        f.debug_struct("UploadBuilder")
            .field("bucket", &self.bucket)
            .field("key", &self.key)
            .field("source", &source)
            .field("keep_parts", &self.keep_parts)
            .finish_non_exhaustive()
    }
}

/// What an upload stored.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UploadOutput {
    /// The object's ETag.
    pub e_tag: Option<String>,
    /// The object's version, in a versioned bucket.
    pub version_id: Option<String>,
    /// The multipart upload's id (none for a single `PutObject`).
    pub upload_id: Option<String>,
    /// Bytes uploaded.
    pub bytes: u64,
    /// Parts uploaded (1 for a single `PutObject`).
    pub parts: u64,
}

impl UploadBuilder {
    pub(crate) fn new(tm: TransferManager) -> Self {
        UploadBuilder {
            tm,
            bucket: None,
            key: None,
            source: None,
            content_type: None,
            progress: None,
            keep_parts: false,
        }
    }

    /// The bucket to upload to (required).
    pub fn bucket(mut self, bucket: impl Into<String>) -> Self {
        self.bucket = Some(bucket.into());
        self
    }

    /// The object's key (required).
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// Uploads the file at `path`, read part by part (never whole into memory).
    pub fn file(mut self, path: impl Into<PathBuf>) -> Self {
        self.source = Some(Source::File(path.into()));
        self
    }

    /// Uploads bytes already in memory (parts are slices of them, not copies).
    pub fn bytes(mut self, bytes: impl Into<Bytes>) -> Self {
        self.source = Some(Source::Bytes(bytes.into()));
        self
    }

    /// Uploads a stream of unknown length, read part by part.
    pub fn reader(mut self, reader: impl AsyncRead + Send + Unpin + 'static) -> Self {
        self.source = Some(Source::Reader(Box::new(reader)));
        self
    }

    /// The object's `Content-Type`.
    pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = Some(content_type.into());
        self
    }

    /// Called after each part with the progress so far (and once at the start).
    pub fn progress(mut self, report: impl Fn(crate::Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(std::sync::Arc::new(report));
        self
    }

    /// Keeps the parts of a failed multipart upload instead of aborting it, so it can be
    /// resumed or inspected; the error's [`upload_id`](TransferError::upload_id) names it.
    /// Cancellation (dropping the future) still aborts.
    pub fn keep_parts_on_failure(mut self, keep: bool) -> Self {
        self.keep_parts = keep;
        self
    }

    /// Runs the upload.
    pub async fn send(self) -> Result<UploadOutput, TransferError> {
        let (Some(bucket), Some(key)) = (self.bucket.clone(), self.key.clone()) else {
            return Err(TransferError::new(
                TransferErrorKind::InvalidInput,
                "an upload needs a bucket and a key",
            ));
        };
        let checksums = self
            .tm
            .upload_checksum_algorithm()
            .map(|algorithm| PartChecksums {
                algorithm,
                full_object: self.tm.full_object_checksum,
            });
        if let Some(c) = &checksums
            && c.full_object
            && !c.algorithm.is_crc()
        {
            return Err(TransferError::new(
                TransferErrorKind::InvalidInput,
                format!(
                    "a full-object checksum needs a CRC (CRC32, CRC32C or CRC64NVME), not {}",
                    c.algorithm
                ),
            ));
        }
        let target = Target {
            client: self.tm.client.clone(),
            bucket,
            key,
            content_type: self.content_type.clone(),
            checksums,
        };
        let Some(source) = self.source else {
            return Err(TransferError::new(
                TransferErrorKind::InvalidInput,
                "an upload needs a source: `file`, `bytes` or `reader`",
            ));
        };
        let (size, mut parts) = match source {
            Source::File(path) => {
                let file = tokio::fs::File::open(&path)
                    .await
                    .map_err(|e| TransferError::io(format!("opening {}", path.display()), e))?;
                let len = file
                    .metadata()
                    .await
                    .map_err(|e| TransferError::io(format!("reading {}", path.display()), e))?
                    .len();
                if len < self.tm.multipart_threshold {
                    let body = Body::from_file(&path)
                        .await
                        .map_err(|e| TransferError::io(format!("opening {}", path.display()), e))?;
                    return target.put(body, len, self.progress).await;
                }
                (Some(len), PartSource::Reader(Box::new(file)))
            }
            Source::Bytes(bytes) => {
                let len = bytes.len() as u64;
                if len < self.tm.multipart_threshold {
                    return target.put(Body::from(bytes), len, self.progress).await;
                }
                (Some(len), PartSource::Bytes(bytes))
            }
            Source::Reader(reader) => (None, PartSource::Reader(reader)),
        };
        let part_size = part_size(self.tm.part_size, size);
        let first = parts.next(part_size).await?;
        if size.is_none() && (first.len() as u64) < part_size {
            // The stream ended within one part: one request is enough.
            let len = first.len() as u64;
            return target.put(Body::from(first), len, self.progress).await;
        }
        let totals = size.map(|s| (s, s.div_ceil(part_size).max(1)));
        let mut tracker = Tracker::new(self.progress, size, totals.map(|t| t.1));
        target
            .multipart(
                first,
                parts,
                part_size,
                self.tm.concurrency,
                self.keep_parts,
                &mut tracker,
            )
            .await
    }
}

/// The part size to use: the configured one, raised so that an upload of `size` bytes needs
/// at most 10,000 parts.
fn part_size(configured: u64, size: Option<u64>) -> u64 {
    let configured = configured.max(1);
    match size {
        Some(size) => configured.max(size.div_ceil(MAX_PARTS)),
        None => configured,
    }
}

/// An uploaded part: its entry for the completion, its length and the checksum computed of it.
struct DonePart {
    part: CompletedPart,
    len: u64,
    checksum: Option<ziggurat_layers::checksum::ChecksumValue>,
}

/// Reads a source part by part.
enum PartSource {
    Bytes(Bytes),
    Reader(Box<dyn AsyncRead + Send + Unpin>),
}

impl PartSource {
    /// The next part: `size` bytes, fewer at the end, empty when the source is exhausted.
    async fn next(&mut self, size: u64) -> Result<Bytes, TransferError> {
        let size = usize::try_from(size).unwrap_or(usize::MAX);
        match self {
            PartSource::Bytes(bytes) => Ok(bytes.split_to(size.min(bytes.len()))),
            PartSource::Reader(reader) => {
                let mut buf = BytesMut::with_capacity(size.min(64 << 20));
                while buf.len() < size {
                    if buf.capacity() == buf.len() {
                        buf.reserve((size - buf.len()).min(64 << 20));
                    }
                    let want = (size - buf.len()).min(buf.capacity() - buf.len());
                    let mut limited = (&mut *reader).take(want as u64);
                    let n = limited
                        .read_buf(&mut buf)
                        .await
                        .map_err(|e| TransferError::io("reading the upload's source", e))?;
                    if n == 0 {
                        break;
                    }
                }
                Ok(buf.freeze())
            }
        }
    }
}

/// The object an upload writes, and the client that writes it.
#[derive(Clone)]
struct Target {
    client: Client,
    bucket: String,
    key: String,
    content_type: Option<String>,
    checksums: Option<PartChecksums>,
}

impl Target {
    async fn put(
        self,
        body: Body,
        len: u64,
        progress: Option<ProgressFn>,
    ) -> Result<UploadOutput, TransferError> {
        let mut tracker = Tracker::new(progress, Some(len), Some(1));
        let mut put = self
            .client
            .put_object()
            .bucket(&self.bucket)
            .key(&self.key)
            .body(body);
        if let Some(checksums) = &self.checksums {
            put = put.checksum_algorithm(checksums.model_algorithm());
        }
        if let Some(ct) = &self.content_type {
            put = put.content_type(ct);
        }
        let out = put.send().await.map_err(|e| {
            TransferError::service(format!("PutObject of s3://{}/{}", self.bucket, self.key), e)
        })?;
        tracker.part_done(len);
        Ok(UploadOutput {
            e_tag: out.e_tag,
            version_id: out.version_id,
            upload_id: None,
            bytes: len,
            parts: 1,
        })
    }

    async fn multipart(
        &self,
        first: Bytes,
        mut source: PartSource,
        part_size: u64,
        concurrency: usize,
        keep_parts: bool,
        tracker: &mut Tracker,
    ) -> Result<UploadOutput, TransferError> {
        let mut create = self
            .client
            .create_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key);
        if let Some(ct) = &self.content_type {
            create = create.content_type(ct);
        }
        if let Some(checksums) = &self.checksums {
            create = create
                .checksum_algorithm(checksums.model_algorithm())
                .checksum_type(checksums.model_type());
        }
        let created = create.send().await.map_err(|e| {
            TransferError::service(
                format!("CreateMultipartUpload of s3://{}/{}", self.bucket, self.key),
                e,
            )
        })?;
        let Some(upload_id) = created.upload_id else {
            return Err(TransferError::new(
                TransferErrorKind::Response,
                "CreateMultipartUpload answered without an upload id",
            ));
        };
        let mut guard = AbortOnDrop {
            target: Some((self.clone(), upload_id.clone())),
        };
        match self
            .upload_parts(
                &upload_id,
                first,
                &mut source,
                part_size,
                concurrency,
                tracker,
            )
            .await
        {
            Ok(out) => {
                guard.target = None;
                Ok(out)
            }
            Err(e) => {
                // The parts in flight were stopped when their set was dropped.
                guard.target = None;
                if keep_parts {
                    return Err(e.with_upload_id(Some(upload_id)));
                }
                self.abort(&upload_id).await;
                Err(e)
            }
        }
    }

    async fn upload_parts(
        &self,
        upload_id: &str,
        first: Bytes,
        source: &mut PartSource,
        part_size: u64,
        concurrency: usize,
        tracker: &mut Tracker,
    ) -> Result<UploadOutput, TransferError> {
        let mut set: JoinSet<Result<DonePart, TransferError>> = JoinSet::new();
        let mut done: Vec<DonePart> = Vec::new();
        let mut bytes = 0u64;
        let mut number: i32 = 0;
        let mut next = first;
        loop {
            if next.is_empty() && number > 0 {
                break;
            }
            number += 1;
            if u64::from(number.unsigned_abs()) > MAX_PARTS {
                return Err(TransferError::new(
                    TransferErrorKind::InvalidInput,
                    format!(
                        "the stream is longer than {MAX_PARTS} parts of {part_size} bytes: \
                         raise the part size"
                    ),
                ));
            }
            bytes += next.len() as u64;
            set.spawn(self.clone().part(upload_id.to_owned(), number, next));
            while set.len() >= concurrency.max(1) {
                finish(&mut set, &mut done, tracker).await?;
            }
            next = source.next(part_size).await?;
        }
        while !set.is_empty() {
            finish(&mut set, &mut done, tracker).await?;
        }
        done.sort_by_key(|p| p.part.part_number);
        let parts = done.len() as u64;
        tracker.totals(bytes, parts);
        let whole = match &self.checksums {
            Some(c) if c.full_object => {
                let crcs: Option<Vec<_>> = done
                    .iter()
                    .map(|p| p.checksum.map(|v| (v, p.len)))
                    .collect();
                crcs.as_deref().and_then(checksum::combine)
            }
            _ => None,
        };
        let mut complete = self
            .client
            .complete_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(upload_id)
            .multipart_upload(CompletedMultipartUpload {
                parts: Some(done.into_iter().map(|p| p.part).collect()),
            });
        if let Some(whole) = &whole {
            complete = checksum::full_object(complete, whole);
        }
        let out = complete.send().await.map_err(|e| {
            TransferError::service(
                format!(
                    "CompleteMultipartUpload of s3://{}/{}",
                    self.bucket, self.key
                ),
                e,
            )
        })?;
        Ok(UploadOutput {
            e_tag: out.e_tag,
            version_id: out.version_id,
            upload_id: Some(upload_id.to_owned()),
            bytes,
            parts,
        })
    }

    /// Uploads one part (the client retries it as any call); its entry for the completion.
    async fn part(
        self,
        upload_id: String,
        number: i32,
        data: Bytes,
    ) -> Result<DonePart, TransferError> {
        let len = data.len() as u64;
        let value = self.checksums.as_ref().map(|c| c.of(&data));
        let mut call = self
            .client
            .upload_part()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(upload_id)
            .part_number(number)
            .body(Body::from(data));
        if let (Some(c), Some(value)) = (&self.checksums, &value) {
            call = checksum::precomputed_part(call.checksum_algorithm(c.model_algorithm()), value);
        }
        let out = call.send().await.map_err(|e| {
            TransferError::service(
                format!("UploadPart {number} of s3://{}/{}", self.bucket, self.key),
                e,
            )
        })?;
        let mut part = CompletedPart {
            e_tag: out.e_tag,
            part_number: Some(number),
            checksum_crc32: out.checksum_crc32,
            checksum_crc32c: out.checksum_crc32c,
            checksum_crc64nvme: out.checksum_crc64nvme,
            checksum_sha1: out.checksum_sha1,
            checksum_sha256: out.checksum_sha256,
            checksum_sha512: out.checksum_sha512,
            checksum_md5: out.checksum_md5,
            checksum_xxhash64: out.checksum_xxhash64,
            checksum_xxhash3: out.checksum_xxhash3,
            checksum_xxhash128: out.checksum_xxhash128,
        };
        if let Some(value) = &value {
            checksum::record(&mut part, value);
        }
        Ok(DonePart {
            part,
            len,
            checksum: value,
        })
    }

    /// Aborts the upload; a failure to abort is logged (the upload's own error matters more).
    async fn abort(&self, upload_id: &str) {
        let result = self
            .client
            .abort_multipart_upload()
            .bucket(&self.bucket)
            .key(&self.key)
            .upload_id(upload_id)
            .send()
            .await;
        if let Err(e) = result {
            tracing::warn!(
                target: "ziggurat::transfer",
                bucket = %self.bucket, key = %self.key, upload_id,
                "could not abort the multipart upload: {e}"
            );
        }
    }
}

/// Waits for one part and records it.
async fn finish(
    set: &mut JoinSet<Result<DonePart, TransferError>>,
    done: &mut Vec<DonePart>,
    tracker: &mut Tracker,
) -> Result<(), TransferError> {
    let Some(joined) = set.join_next().await else {
        return Ok(());
    };
    let part = joined.map_err(|e| {
        TransferError::new(TransferErrorKind::Io, format!("a part's task ended: {e}"))
    })??;
    tracker.part_done(part.len);
    done.push(part);
    Ok(())
}

/// Aborts the multipart upload when the upload's future is dropped before it ends
/// (cancellation): the abort runs on a task of its own, since a drop cannot wait.
struct AbortOnDrop {
    target: Option<(Target, String)>,
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        let Some((target, upload_id)) = self.target.take() else {
            return;
        };
        match tokio::runtime::Handle::try_current() {
            Ok(handle) => {
                handle.spawn(async move { target.abort(&upload_id).await });
            }
            Err(_) => tracing::warn!(
                target: "ziggurat::transfer",
                bucket = %target.bucket, key = %target.key, upload_id,
                "an upload was cancelled outside a runtime; its parts were not aborted"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_part_size_grows_to_stay_within_10000_parts() {
        assert_eq!(part_size(16, Some(16 * 10_000)), 16);
        assert_eq!(part_size(16, Some(16 * 10_000 + 1)), 17);
        let five_tib = 5u64 << 40;
        let raised = part_size(8 << 20, Some(five_tib));
        assert!(five_tib.div_ceil(raised) <= MAX_PARTS);
        assert_eq!(part_size(8 << 20, None), 8 << 20, "a stream keeps it");
        assert_eq!(part_size(0, Some(10)), 1);
    }

    #[tokio::test]
    async fn a_stream_is_cut_into_parts_of_the_size_asked() {
        let data: Vec<u8> = (0..=255u8).cycle().take(1000).collect();
        let mut source = PartSource::Reader(Box::new(std::io::Cursor::new(data.clone())));
        let mut parts = Vec::new();
        loop {
            let part = source.next(300).await.unwrap();
            if part.is_empty() {
                break;
            }
            parts.push(part);
        }
        assert_eq!(
            parts.iter().map(Bytes::len).collect::<Vec<_>>(),
            [300, 300, 300, 100]
        );
        assert_eq!(parts.concat(), data);
    }
}
