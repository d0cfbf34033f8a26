//! Downloads: parallel ranged `GetObject`s of one version of an object, written in order.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::pin::Pin;

use bytes::Bytes;
use http_body::Body as _;
use tokio::io::{AsyncWrite, AsyncWriteExt};
use tokio::task::JoinSet;
use ziggurat_core::body::Body;
use ziggurat_core::config::ResponseChecksumValidation;
use ziggurat_core::error::BoxError;
use ziggurat_s3::Client;
use ziggurat_s3::types::ChecksumMode;

use crate::TransferManager;
use crate::checksum::{self, WholeObject};
use crate::error::{TransferError, TransferErrorKind};
use crate::progress::{ProgressFn, Tracker};

/// How many times one range is fetched when its body breaks off mid-way (the client retries
/// failed calls itself; a body that fails after the headers is retried here).
const RANGE_ATTEMPTS: u32 = 3;

/// Where a download's bytes go.
enum Destination {
    File(PathBuf),
    Writer(Box<dyn AsyncWrite + Send + Unpin>),
}

/// A download being described; [`send`](DownloadBuilder::send) runs it.
///
/// Made by [`TransferManager::download`].
#[must_use = "a download does nothing until `send` is awaited"]
pub struct DownloadBuilder {
    tm: TransferManager,
    bucket: Option<String>,
    key: Option<String>,
    version_id: Option<String>,
    destination: Option<Destination>,
    progress: Option<ProgressFn>,
}

impl std::fmt::Debug for DownloadBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let destination = match &self.destination {
            Some(Destination::File(p)) => format!("file {}", p.display()),
            Some(Destination::Writer(_)) => "a writer".to_owned(),
            None => "none".to_owned(),
        };
        f.debug_struct("DownloadBuilder")
            .field("bucket", &self.bucket)
            .field("key", &self.key)
            .field("version_id", &self.version_id)
            .field("destination", &destination)
            .finish_non_exhaustive()
    }
}

/// What a download read.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DownloadOutput {
    /// The ETag of the version read (every range was read from it).
    pub e_tag: Option<String>,
    /// Bytes written.
    pub bytes: u64,
    /// Ranges fetched.
    pub parts: u64,
}

impl DownloadBuilder {
    pub(crate) fn new(tm: TransferManager) -> Self {
        DownloadBuilder {
            tm,
            bucket: None,
            key: None,
            version_id: None,
            destination: None,
            progress: None,
        }
    }

    /// The bucket to read from (required).
    pub fn bucket(mut self, bucket: impl Into<String>) -> Self {
        self.bucket = Some(bucket.into());
        self
    }

    /// The object's key (required).
    pub fn key(mut self, key: impl Into<String>) -> Self {
        self.key = Some(key.into());
        self
    }

    /// A version of the object, in a versioned bucket.
    pub fn version_id(mut self, version_id: impl Into<String>) -> Self {
        self.version_id = Some(version_id.into());
        self
    }

    /// Writes the object to the file at `path`. The file appears only when the download is
    /// complete (it is written beside it under a temporary name, then renamed); a failed
    /// download leaves nothing behind.
    pub fn to_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.destination = Some(Destination::File(path.into()));
        self
    }

    /// Writes the object to `writer`, in order.
    pub fn to_writer(mut self, writer: impl AsyncWrite + Send + Unpin + 'static) -> Self {
        self.destination = Some(Destination::Writer(Box::new(writer)));
        self
    }

    /// Called after each range with the progress so far (and once at the start).
    pub fn progress(mut self, report: impl Fn(crate::Progress) + Send + Sync + 'static) -> Self {
        self.progress = Some(std::sync::Arc::new(report));
        self
    }

    /// Runs the download into `out` (borrowed: a `Vec<u8>`, a socket, ...), in order; the
    /// destination set by `to_file` or `to_writer`, if any, is ignored.
    pub async fn write_to<W: AsyncWrite + Send + Unpin + ?Sized>(
        self,
        out: &mut W,
    ) -> Result<DownloadOutput, TransferError> {
        let (source, _, progress) = self.into_parts()?;
        source.write_all_to(out, progress).await
    }

    /// The object, the destination and the progress callback; an error without bucket or key.
    #[allow(clippy::type_complexity)]
    fn into_parts(
        self,
    ) -> Result<(Object, Option<Destination>, Option<ProgressFn>), TransferError> {
        let (Some(bucket), Some(key)) = (self.bucket, self.key) else {
            return Err(TransferError::new(
                TransferErrorKind::InvalidInput,
                "a download needs a bucket and a key",
            ));
        };
        let source = Object {
            client: self.tm.client.clone(),
            bucket,
            key,
            version_id: self.version_id,
            part_size: self.tm.part_size,
            concurrency: self.tm.concurrency,
        };
        Ok((source, self.destination, self.progress))
    }

    /// Runs the download.
    pub async fn send(self) -> Result<DownloadOutput, TransferError> {
        let (source, destination, progress) = self.into_parts()?;
        match destination {
            Some(Destination::Writer(mut w)) => source.write_all_to(&mut w, progress).await,
            Some(Destination::File(path)) => source.download_to_file(&path, progress).await,
            None => Err(TransferError::new(
                TransferErrorKind::InvalidInput,
                "a download needs a destination: `to_file` or `to_writer`",
            )),
        }
    }
}

/// The object a download reads.
#[derive(Clone)]
pub(crate) struct Object {
    pub(crate) client: Client,
    pub(crate) bucket: String,
    pub(crate) key: String,
    pub(crate) version_id: Option<String>,
    /// The size of each range.
    pub(crate) part_size: u64,
    /// How many ranges are fetched at once.
    pub(crate) concurrency: usize,
}

impl Object {
    /// Downloads into `out` and flushes it.
    async fn write_all_to<W: AsyncWrite + Send + Unpin + ?Sized>(
        &self,
        out: &mut W,
        progress: Option<ProgressFn>,
    ) -> Result<DownloadOutput, TransferError> {
        let done = self.download(out, progress).await?;
        out.flush()
            .await
            .map_err(|e| TransferError::io("flushing the download's writer", e))?;
        Ok(done)
    }

    pub(crate) async fn download_to_file(
        &self,
        path: &Path,
        progress: Option<ProgressFn>,
    ) -> Result<DownloadOutput, TransferError> {
        let partial = partial_name(path);
        let file = tokio::fs::File::create(&partial)
            .await
            .map_err(|e| TransferError::io(format!("creating {}", partial.display()), e))?;
        let mut file = tokio::io::BufWriter::with_capacity(256 << 10, file);
        let result = async {
            let out = self.write_all_to(&mut file, progress).await?;
            file.get_ref()
                .sync_all()
                .await
                .map_err(|e| TransferError::io(format!("writing {}", partial.display()), e))?;
            tokio::fs::rename(&partial, path)
                .await
                .map_err(|e| TransferError::io(format!("renaming to {}", path.display()), e))?;
            Ok(out)
        }
        .await;
        if result.is_err() {
            let _ = tokio::fs::remove_file(&partial).await;
        }
        result
    }

    async fn download<W: AsyncWrite + Send + Unpin + ?Sized>(
        &self,
        out: &mut W,
        progress: Option<ProgressFn>,
    ) -> Result<DownloadOutput, TransferError> {
        let mut head = self
            .client
            .head_object()
            .bucket(&self.bucket)
            .key(&self.key);
        if let Some(v) = &self.version_id {
            head = head.version_id(v);
        }
        let validate = self
            .client
            .config()
            .sdk_config()
            .response_checksum_validation()
            == ResponseChecksumValidation::WhenSupported;
        if validate {
            head = head.checksum_mode(ChecksumMode::Enabled);
        }
        let head = head.send().await.map_err(|e| {
            TransferError::service(
                format!("HeadObject of s3://{}/{}", self.bucket, self.key),
                e,
            )
        })?;
        let size = head
            .content_length
            .and_then(|l| u64::try_from(l).ok())
            .ok_or_else(|| {
                TransferError::new(
                    TransferErrorKind::Response,
                    "HeadObject answered without a Content-Length",
                )
            })?;
        let part_size = self.part_size.max(1);
        let parts = size.div_ceil(part_size);
        let etag = head.e_tag.clone();
        let mut set: JoinSet<Result<(u64, Chunks), TransferError>> = JoinSet::new();
        let mut order = InOrder {
            ready: BTreeMap::new(),
            next: 0,
            written: 0,
            tracker: Tracker::new(progress, Some(size), Some(parts)),
            checksum: checksum::whole_object(&head)
                .filter(|_| validate)
                .map(WholeObject::new),
        };
        let limit = self.concurrency.max(1);
        for index in 0..parts {
            // Parts fetched but not yet written count against the limit too: memory stays
            // within `concurrency` parts however the ranges finish.
            while set.len() + order.ready.len() >= limit {
                order.land(&mut set, out).await?;
            }
            let start = index * part_size;
            let end = (start + part_size).min(size) - 1;
            set.spawn(self.clone().range(index, start, end, etag.clone()));
        }
        while order.next < parts {
            order.land(&mut set, out).await?;
        }
        if let Some(whole) = order.checksum.take() {
            whole.finish().map_err(|e| {
                TransferError::new(
                    TransferErrorKind::Response,
                    format!(
                        "s3://{}/{}: the bytes downloaded are corrupt",
                        self.bucket, self.key
                    ),
                )
                .with_source(e)
            })?;
        }
        Ok(DownloadOutput {
            e_tag: etag,
            bytes: order.written,
            parts,
        })
    }

    /// Fetches bytes `start..=end` of the version whose ETag is `etag`.
    async fn range(
        self,
        index: u64,
        start: u64,
        end: u64,
        etag: Option<String>,
    ) -> Result<(u64, Chunks), TransferError> {
        let what = format!("bytes {start}-{end} of s3://{}/{}", self.bucket, self.key);
        let mut attempt = 0;
        loop {
            attempt += 1;
            let mut get = self
                .client
                .get_object()
                .bucket(&self.bucket)
                .key(&self.key)
                .range(format!("bytes={start}-{end}"));
            if let Some(v) = &self.version_id {
                get = get.version_id(v);
            }
            if let Some(tag) = &etag {
                get = get.if_match(tag);
            }
            let got = match get.send().await {
                Ok(got) => got,
                Err(e)
                    if e.code() == Some("PreconditionFailed")
                        || e.metadata().http_status() == Some(412) =>
                {
                    return Err(changed(&what, etag.as_deref(), None));
                }
                Err(e) => return Err(TransferError::service(format!("GetObject of {what}"), e)),
            };
            if let (Some(want), Some(got)) = (&etag, &got.e_tag)
                && want != got
            {
                return Err(changed(&what, Some(want), Some(got)));
            }
            let want = end - start + 1;
            match read_chunks(got.body, want).await {
                Ok(chunks) if chunks.len == want => return Ok((index, chunks)),
                Ok(chunks) => {
                    let sent = if chunks.len > want {
                        "more than"
                    } else {
                        "only"
                    };
                    return Err(TransferError::new(
                        TransferErrorKind::Response,
                        format!(
                            "{what}: the server sent {sent} {} bytes",
                            chunks.len.min(want)
                        ),
                    ));
                }
                Err(e) if attempt < RANGE_ATTEMPTS => {
                    tracing::debug!(target: "ziggurat::transfer", "{what}: body failed, again: {e}");
                }
                Err(e) => {
                    return Err(TransferError::new(
                        TransferErrorKind::Service,
                        format!("reading {what} ({attempt} attempts)"),
                    )
                    .with_source(std::io::Error::other(e)));
                }
            }
        }
    }
}

/// A range's body as the chunks it arrived in: kept as they are rather than copied into one
/// buffer, which would hold each range twice while it is copied (and fault in a fresh
/// part-sized buffer for every range).
struct Chunks {
    chunks: Vec<Bytes>,
    len: u64,
}

/// Reads `body` as [`Chunks`], stopping once it holds more than `want` bytes (a server that
/// sends too much is not buffered without bound).
async fn read_chunks(mut body: Body, want: u64) -> Result<Chunks, BoxError> {
    let mut chunks = Chunks {
        chunks: Vec::new(),
        len: 0,
    };
    while chunks.len <= want {
        let frame = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await;
        let Some(frame) = frame else {
            break;
        };
        if let Ok(data) = frame?.into_data()
            && !data.is_empty()
        {
            chunks.len += data.len() as u64;
            chunks.chunks.push(data);
        }
    }
    Ok(chunks)
}

/// Ranges fetched out of order, written as soon as they are next.
struct InOrder {
    ready: BTreeMap<u64, Chunks>,
    next: u64,
    written: u64,
    tracker: Tracker,
    /// The whole object's checksum, computed as the ranges are written.
    checksum: Option<WholeObject>,
}

impl InOrder {
    /// Waits for one range, then writes every range that is next in order.
    async fn land<W: AsyncWrite + Send + Unpin + ?Sized>(
        &mut self,
        set: &mut JoinSet<Result<(u64, Chunks), TransferError>>,
        out: &mut W,
    ) -> Result<(), TransferError> {
        let Some(joined) = set.join_next().await else {
            // Every range was fetched, yet one is missing: never loop waiting for it.
            return Err(TransferError::new(
                TransferErrorKind::Response,
                format!("range {} of the download never arrived", self.next),
            ));
        };
        let (index, bytes) = joined.map_err(|e| {
            TransferError::new(TransferErrorKind::Io, format!("a range's task ended: {e}"))
        })??;
        self.ready.insert(index, bytes);
        while let Some(range) = self.ready.remove(&self.next) {
            for bytes in &range.chunks {
                out.write_all(bytes)
                    .await
                    .map_err(|e| TransferError::io("writing the download", e))?;
                if let Some(checksum) = &mut self.checksum {
                    checksum.update(bytes);
                }
            }
            self.written += range.len;
            self.next += 1;
            self.tracker.part_done(range.len);
        }
        Ok(())
    }
}

fn changed(what: &str, want: Option<&str>, got: Option<&str>) -> TransferError {
    let got = got.map(|g| format!(" to {g}")).unwrap_or_default();
    TransferError::new(
        TransferErrorKind::ObjectChanged,
        format!(
            "{what}: the object changed during the download (ETag {}{got})",
            want.unwrap_or("unknown")
        ),
    )
}

/// `dir/.name.ziggurat-partial`: beside the destination, so the rename stays on one file
/// system.
fn partial_name(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.ziggurat-partial"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn streamed(chunks: &[&'static [u8]]) -> Body {
        let frames: Vec<Result<http_body::Frame<Bytes>, BoxError>> = chunks
            .iter()
            .map(|c| Ok(http_body::Frame::data(Bytes::from_static(c))))
            .collect();
        Body::from_stream(http_body_util::StreamBody::new(futures_util::stream::iter(
            frames,
        )))
    }

    #[tokio::test]
    async fn a_range_is_kept_as_its_chunks_and_an_overlong_one_is_cut_short() {
        let exact = read_chunks(streamed(&[b"abc", b"", b"defg"]), 7)
            .await
            .unwrap();
        assert_eq!(exact.len, 7);
        // Empty frames are dropped, the rest kept without a copy.
        assert_eq!(exact.chunks, [&b"abc"[..], &b"defg"[..]]);
        let short = read_chunks(streamed(&[b"abc"]), 7).await.unwrap();
        assert_eq!(short.len, 3);
        // Reading stops at the first chunk past the size asked for.
        let long = read_chunks(streamed(&[b"abcd", b"efgh", b"ijkl", b"mnop"]), 5)
            .await
            .unwrap();
        assert_eq!((long.len, long.chunks.len()), (8, 2));
    }
}
