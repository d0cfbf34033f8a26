//! The two clients, each moving the object the same way: `--part-size` parts, `--concurrency`
//! of them at once, in a bounded set of tasks.
//!
//! * **ziggurat**: `TransferManager::new(s3).part_size(P).concurrency(C)`, `upload().file(..)`
//!   and `download().write_to(&mut sink)`: its defaults, so CRC32 per part on upload
//!   (computed from the part in memory, sent as `x-amz-checksum-crc32`, composite), and on
//!   download `HeadObject` with `x-amz-checksum-mode: ENABLED`, then ranged `GetObject`s with
//!   `If-Match`.
//! * **aws-sdk**: aws-sdk-s3 driven as the transfer manager drives ziggurat's client:
//!   `CreateMultipartUpload` (CRC32, composite), then per part the file read into memory (the
//!   same `tokio::fs::File` reads) and `UploadPart` with `checksum_algorithm(Crc32)` (the SDK
//!   computes it), at most `C` parts in flight and one more being read, then
//!   `CompleteMultipartUpload` with every part's ETag and CRC32. Download: `HeadObject`
//!   (checksum mode enabled, as ziggurat's), ranged `GetObject`s with `If-Match`, each body
//!   collected (`collect().into_bytes()`, as ziggurat's `collect`), fetched-but-unwritten
//!   ranges counting against `C`, written in order.
//!
//! Both downloads write into [`Sink`], which discards the bytes after checking that each write
//! starts and ends with the object's bytes at that offset (64 bytes each end; the object's
//! pattern does not repeat at part boundaries, so ranges out of order, short or misplaced fail
//! the run) and counts them.
use std::collections::BTreeMap;
use std::path::Path;
use std::pin::Pin;
use std::task::{Context, Poll};

use aws_sdk_s3::primitives::ByteStream;
use aws_sdk_s3::types::{
    ChecksumAlgorithm, ChecksumMode, ChecksumType, CompletedMultipartUpload, CompletedPart,
};
use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::task::JoinSet;
use ziggurat::s3::transfer::TransferManager;

use crate::server::{BUCKET, KEY, byte_at};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    Ziggurat,
    AwsSdk,
}

impl Kind {
    pub const ALL: [Kind; 2] = [Kind::Ziggurat, Kind::AwsSdk];
    pub fn name(self) -> &'static str {
        match self {
            Kind::Ziggurat => "ziggurat",
            Kind::AwsSdk => "aws-sdk",
        }
    }
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.name() == s)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    Upload,
    Download,
}

impl Direction {
    pub const ALL: [Direction; 2] = [Direction::Upload, Direction::Download];
    pub fn name(self) -> &'static str {
        match self {
            Direction::Upload => "upload",
            Direction::Download => "download",
        }
    }
    pub fn parse(s: &str) -> Option<Direction> {
        Direction::ALL.into_iter().find(|d| d.name() == s)
    }
}

/// The part size and concurrency both clients use.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub part_size: u64,
    pub concurrency: usize,
}

/// The clients of one process, each built once.
pub struct Clients {
    zig: Option<TransferManager>,
    aws: Option<aws_sdk_s3::Client>,
    shape: Shape,
}

type Result<T> = std::result::Result<T, String>;

impl Clients {
    /// The clients of `kinds` against the server at `endpoint`. Call inside the runtime.
    pub fn new(endpoint: &str, kinds: &[Kind], shape: Shape) -> Clients {
        let zig = kinds.contains(&Kind::Ziggurat).then(|| {
            let s3 = crate::sdk::zig_s3(&crate::sdk::zig_config(endpoint));
            TransferManager::new(s3)
                .part_size(shape.part_size)
                .concurrency(shape.concurrency)
        });
        let aws = kinds.contains(&Kind::AwsSdk).then(|| {
            crate::sdk::aws_s3(
                endpoint,
                crate::sdk::aws_credentials("transfer-compare"),
                crate::sdk::sdk_http_client(),
            )
        });
        Clients { zig, aws, shape }
    }

    /// One transfer of the whole object; the bytes moved.
    pub async fn run(&self, kind: Kind, direction: Direction, file: &Path) -> Result<u64> {
        match (kind, direction) {
            (Kind::Ziggurat, Direction::Upload) => {
                let out = self
                    .zig()?
                    .upload()
                    .bucket(BUCKET)
                    .key(KEY)
                    .file(file)
                    .send()
                    .await
                    .map_err(|e| format!("ziggurat upload: {e}"))?;
                Ok(out.bytes)
            }
            (Kind::Ziggurat, Direction::Download) => {
                let mut sink = Sink::default();
                self.zig()?
                    .download()
                    .bucket(BUCKET)
                    .key(KEY)
                    .write_to(&mut sink)
                    .await
                    .map_err(|e| format!("ziggurat download: {e}"))?;
                sink.checked()
            }
            (Kind::AwsSdk, Direction::Upload) => aws_upload(self.aws()?, file, self.shape).await,
            (Kind::AwsSdk, Direction::Download) => {
                let mut sink = Sink::default();
                aws_download(self.aws()?, &mut sink, self.shape).await?;
                sink.checked()
            }
        }
    }

    fn zig(&self) -> Result<&TransferManager> {
        self.zig
            .as_ref()
            .ok_or_else(|| "no ziggurat client".to_owned())
    }

    fn aws(&self) -> Result<&aws_sdk_s3::Client> {
        self.aws
            .as_ref()
            .ok_or_else(|| "no aws-sdk client".to_owned())
    }
}

/// Reads the next `len` bytes of `file` into one buffer, as ziggurat's transfer manager does.
async fn read_part(file: &mut tokio::fs::File, len: u64) -> Result<Bytes> {
    let len = usize::try_from(len).map_err(|e| e.to_string())?;
    let mut buf = BytesMut::with_capacity(len);
    while buf.len() < len {
        let mut limited = (&mut *file).take((len - buf.len()) as u64);
        let n = limited
            .read_buf(&mut buf)
            .await
            .map_err(|e| format!("reading the file: {e}"))?;
        if n == 0 {
            return Err("the file ended early".to_owned());
        }
    }
    Ok(buf.freeze())
}

async fn aws_upload(s3: &aws_sdk_s3::Client, path: &Path, shape: Shape) -> Result<u64> {
    let mut file = tokio::fs::File::open(path)
        .await
        .map_err(|e| format!("opening {}: {e}", path.display()))?;
    let size = file
        .metadata()
        .await
        .map_err(|e| format!("reading {}: {e}", path.display()))?
        .len();
    let created = s3
        .create_multipart_upload()
        .bucket(BUCKET)
        .key(KEY)
        .checksum_algorithm(ChecksumAlgorithm::Crc32)
        .checksum_type(ChecksumType::Composite)
        .send()
        .await
        .map_err(|e| format!("aws-sdk CreateMultipartUpload: {e:?}"))?;
    let upload_id = created
        .upload_id
        .ok_or("CreateMultipartUpload answered without an upload id")?;
    let part_size = shape.part_size.max(1);
    let parts = size.div_ceil(part_size);
    let mut set: JoinSet<Result<CompletedPart>> = JoinSet::new();
    let mut done: Vec<CompletedPart> = Vec::new();
    for index in 0..parts {
        let start = index * part_size;
        let len = part_size.min(size - start);
        let data = read_part(&mut file, len).await?;
        let number = i32::try_from(index + 1).map_err(|e| e.to_string())?;
        let call = s3
            .upload_part()
            .bucket(BUCKET)
            .key(KEY)
            .upload_id(&upload_id)
            .part_number(number)
            .content_length(len as i64)
            .checksum_algorithm(ChecksumAlgorithm::Crc32)
            .body(ByteStream::from(data));
        set.spawn(async move {
            let out = call
                .send()
                .await
                .map_err(|e| format!("aws-sdk UploadPart {number}: {e:?}"))?;
            if out.checksum_crc32.is_none() {
                return Err(format!("UploadPart {number}: no CRC32 echoed"));
            }
            Ok(CompletedPart::builder()
                .set_e_tag(out.e_tag)
                .part_number(number)
                .set_checksum_crc32(out.checksum_crc32)
                .build())
        });
        while set.len() >= shape.concurrency.max(1) {
            done.push(joined(set.join_next().await)?);
        }
    }
    while !set.is_empty() {
        done.push(joined(set.join_next().await)?);
    }
    done.sort_by_key(|p| p.part_number);
    s3.complete_multipart_upload()
        .bucket(BUCKET)
        .key(KEY)
        .upload_id(&upload_id)
        .multipart_upload(
            CompletedMultipartUpload::builder()
                .set_parts(Some(done))
                .build(),
        )
        .send()
        .await
        .map_err(|e| format!("aws-sdk CompleteMultipartUpload: {e:?}"))?;
    Ok(size)
}

fn joined<T>(j: Option<std::result::Result<Result<T>, tokio::task::JoinError>>) -> Result<T> {
    match j {
        Some(Ok(r)) => r,
        Some(Err(e)) => Err(format!("a task ended: {e}")),
        None => Err("no task to wait for".to_owned()),
    }
}

async fn aws_download(s3: &aws_sdk_s3::Client, sink: &mut Sink, shape: Shape) -> Result<()> {
    let head = s3
        .head_object()
        .bucket(BUCKET)
        .key(KEY)
        .checksum_mode(ChecksumMode::Enabled)
        .send()
        .await
        .map_err(|e| format!("aws-sdk HeadObject: {e:?}"))?;
    let size = head
        .content_length
        .and_then(|l| u64::try_from(l).ok())
        .ok_or("HeadObject without a Content-Length")?;
    let etag = head.e_tag.ok_or("HeadObject without an ETag")?;
    let part_size = shape.part_size.max(1);
    let parts = size.div_ceil(part_size);
    let limit = shape.concurrency.max(1);
    let mut set: JoinSet<Result<(u64, Bytes)>> = JoinSet::new();
    let mut ready: BTreeMap<u64, Bytes> = BTreeMap::new();
    let mut next = 0u64;
    for index in 0..parts {
        while set.len() + ready.len() >= limit {
            land(&mut set, &mut ready, &mut next, sink).await?;
        }
        let start = index * part_size;
        let end = (start + part_size).min(size) - 1;
        let call = s3
            .get_object()
            .bucket(BUCKET)
            .key(KEY)
            .range(format!("bytes={start}-{end}"))
            .if_match(&etag);
        set.spawn(async move {
            let out = call
                .send()
                .await
                .map_err(|e| format!("aws-sdk GetObject {start}-{end}: {e:?}"))?;
            let bytes = out
                .body
                .collect()
                .await
                .map_err(|e| format!("aws-sdk GetObject {start}-{end} body: {e}"))?
                .into_bytes();
            if bytes.len() as u64 != end - start + 1 {
                return Err(format!("range {start}-{end}: {} bytes", bytes.len()));
            }
            Ok((index, bytes))
        });
    }
    while next < parts {
        land(&mut set, &mut ready, &mut next, sink).await?;
    }
    Ok(())
}

/// Waits for one range, then writes every range that is next in order.
async fn land(
    set: &mut JoinSet<Result<(u64, Bytes)>>,
    ready: &mut BTreeMap<u64, Bytes>,
    next: &mut u64,
    sink: &mut Sink,
) -> Result<()> {
    let (index, bytes) = joined(set.join_next().await)?;
    ready.insert(index, bytes);
    while let Some(bytes) = ready.remove(next) {
        sink.write_all(&bytes)
            .await
            .map_err(|e| format!("writing: {e}"))?;
        *next += 1;
    }
    Ok(())
}

/// How many bytes at each end of a write [`Sink`] checks.
const CHECKED: usize = 64;

/// Discards what is written, after checking the first and last [`CHECKED`] bytes of each write
/// against the object's bytes at that offset.
#[derive(Default)]
pub struct Sink {
    written: u64,
    wrong: Option<u64>,
}

impl Sink {
    /// The bytes written, or where they were wrong.
    fn checked(&self) -> Result<u64> {
        match self.wrong {
            Some(at) => Err(format!("the download's bytes are wrong at offset {at}")),
            None => Ok(self.written),
        }
    }
}

impl AsyncWrite for Sink {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        let at = self.written;
        if self.wrong.is_none() {
            let edge = buf.len().min(CHECKED);
            let tail = buf.len() - edge;
            let head_ok = buf
                .iter()
                .take(edge)
                .zip(at..)
                .all(|(b, o)| *b == byte_at(o));
            let tail_ok = buf
                .iter()
                .skip(tail)
                .zip(at + tail as u64..)
                .all(|(b, o)| *b == byte_at(o));
            if !(head_ok && tail_ok) {
                self.wrong = Some(at);
            }
        }
        self.written += buf.len() as u64;
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| e.to_string())
            .unwrap_or_else(|e| panic!("a runtime: {e}"))
            .block_on(f)
    }

    fn object(range: std::ops::Range<u64>) -> Vec<u8> {
        range.map(byte_at).collect()
    }

    #[test]
    fn the_sink_takes_ranges_in_order() {
        let mut sink = Sink::default();
        for k in 0..3u64 {
            let start = k * (8 << 20);
            block_on(sink.write_all(&object(start..start + (8 << 20))))
                .map_err(|e| e.to_string())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(sink.checked(), Ok(3 * (8 << 20)));
    }

    #[test]
    fn the_sink_refuses_a_range_out_of_order() {
        let part = 8u64 << 20;
        let mut sink = Sink::default();
        for start in [0, 2 * part, part] {
            block_on(sink.write_all(&object(start..start + part)))
                .map_err(|e| e.to_string())
                .unwrap_or_else(|e| panic!("{e}"));
        }
        assert_eq!(
            sink.checked(),
            Err(format!("the download's bytes are wrong at offset {part}"))
        );
    }
}
