//! Big objects moved fast: parallel multipart uploads and ranged downloads over ziggurat's S3
//! client, with progress, bounded memory, and nothing left behind on failure.
//!
//! A single `PutObject` tops out at 5 GiB and one connection's speed; a single `GetObject`
//! at one connection's speed. The [`TransferManager`] splits an object into parts (8 MiB by
//! default, raised so an upload stays within S3's 10,000 parts) and moves `concurrency` of
//! them at once, each an ordinary call of the client, so each is signed, timed out and
//! retried by the client's stack like any other.
//!
//! - **Uploads** ([`TransferManager::upload`]) of a file, bytes or a stream. Below the
//!   multipart threshold (16 MiB by default) one `PutObject`; above it
//!   `CreateMultipartUpload`, parts in parallel, `CompleteMultipartUpload` with the parts'
//!   ETags and checksums (CRC32 by default, computed per part; composite, or full-object with
//!   [`full_object_checksum`](TransferManager::full_object_checksum)). Memory stays within about `part_size × (concurrency + 1)`: a file is
//!   read part by part, never whole. On failure or cancellation the multipart upload is
//!   aborted, so no parts stay stored (and billed), unless
//!   [`keep_parts_on_failure`](UploadBuilder::keep_parts_on_failure) asks to keep them.
//! - **Downloads** ([`TransferManager::download`]) into a file or any `AsyncWrite`: a
//!   `HeadObject` for the size and ETag, then ranged `GetObject`s in parallel, each with
//!   `If-Match` on that ETag, written in order. An object that changes mid-way is an error
//!   ([`TransferErrorKind::ObjectChanged`]), never a mix of two versions. A file appears only
//!   when complete.
//! - **Directories** ([`TransferManager::upload_directory`],
//!   [`TransferManager::download_directory`]): files moved `concurrency` at a time.
//! - **Progress**: a callback gets bytes and parts done after every part.
//!
//! # Example
//!
//! ```no_run
//! use ziggurat_s3_transfer::TransferManager;
//!
//! # async fn run(s3: ziggurat_s3::Client) -> Result<(), Box<dyn std::error::Error>> {
//! let tm = TransferManager::new(s3).part_size(16 << 20).concurrency(8);
//! let up = tm
//!     .upload()
//!     .bucket("my-bucket")
//!     .key("backups/db.tar")
//!     .file("db.tar")
//!     .progress(|p| eprintln!("{} of {:?} bytes", p.bytes_done, p.bytes_total))
//!     .send()
//!     .await?;
//! println!("{} parts, ETag {:?}", up.parts, up.e_tag);
//!
//! tm.download()
//!     .bucket("my-bucket")
//!     .key("backups/db.tar")
//!     .to_file("restored.tar")
//!     .send()
//!     .await?;
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod checksum;
mod directory;
mod download;
mod error;
mod progress;
mod upload;

pub use directory::DirectoryOutput;
pub use download::{DownloadBuilder, DownloadOutput};
pub use error::{TransferError, TransferErrorKind};
pub use progress::{Progress, ProgressFn};
pub use upload::{UploadBuilder, UploadOutput};
pub use ziggurat_layers::checksum::ChecksumAlgorithm;

use ziggurat_core::config::RequestChecksumCalculation;

/// The most parts S3 accepts in one multipart upload.
pub const MAX_PARTS: u64 = 10_000;

/// The smallest part S3 accepts, except for the last one (5 MiB).
pub const MIN_PART_SIZE: u64 = 5 << 20;

/// Uploads and downloads through one S3 client, with one part size and concurrency.
///
/// Cheap to clone (the client's stack and connection pool are shared).
#[derive(Debug, Clone)]
pub struct TransferManager {
    client: ziggurat_s3::Client,
    part_size: u64,
    concurrency: usize,
    multipart_threshold: u64,
    checksum_algorithm: Option<ChecksumAlgorithm>,
    full_object_checksum: bool,
}

impl TransferManager {
    /// A manager over `client`: 8 MiB parts, 8 at a time, multipart from 16 MiB.
    pub fn new(client: ziggurat_s3::Client) -> Self {
        TransferManager {
            client,
            part_size: 8 << 20,
            concurrency: 8,
            multipart_threshold: 16 << 20,
            checksum_algorithm: None,
            full_object_checksum: false,
        }
    }

    /// The size of each part (the last may be smaller). S3 refuses parts below
    /// [`MIN_PART_SIZE`] except the last; an upload raises it as needed to stay within
    /// [`MAX_PARTS`]. Also the size of each range of a download.
    pub fn part_size(mut self, bytes: u64) -> Self {
        self.part_size = bytes.max(1);
        self
    }

    /// How many parts (or files, for a directory) move at once.
    pub fn concurrency(mut self, parts: usize) -> Self {
        self.concurrency = parts.max(1);
        self
    }

    /// Uploads of a known size below this are one `PutObject`.
    pub fn multipart_threshold(mut self, bytes: u64) -> Self {
        self.multipart_threshold = bytes;
        self
    }

    /// Uploads carry checksums by `algorithm`: the single `PutObject`, and every part of a
    /// multipart upload, each part's carried into `CompleteMultipartUpload`. By default CRC32,
    /// unless the client's `request_checksum_calculation` is `when_required` (then none).
    pub fn checksum_algorithm(mut self, algorithm: ChecksumAlgorithm) -> Self {
        self.checksum_algorithm = Some(algorithm);
        self
    }

    /// Multipart uploads get a full-object checksum (the CRC of the whole object, combined
    /// from the parts' CRCs), which a download of the whole object validates, instead of the
    /// default composite one (a checksum of the parts' checksums, `BASE64-N`). Needs a CRC
    /// algorithm; an upload with another fails before sending.
    pub fn full_object_checksum(mut self, yes: bool) -> Self {
        self.full_object_checksum = yes;
        self
    }

    /// The checksum algorithm of uploads: the one set, else CRC32 unless the client's
    /// `request_checksum_calculation` is `when_required`.
    pub fn upload_checksum_algorithm(&self) -> Option<ChecksumAlgorithm> {
        self.checksum_algorithm.or_else(|| {
            (self
                .client
                .config()
                .sdk_config()
                .request_checksum_calculation()
                == RequestChecksumCalculation::WhenSupported)
                .then_some(ChecksumAlgorithm::Crc32)
        })
    }

    /// The client the transfers call.
    pub fn client(&self) -> &ziggurat_s3::Client {
        &self.client
    }

    /// An upload, to describe and [`send`](UploadBuilder::send).
    pub fn upload(&self) -> UploadBuilder {
        UploadBuilder::new(self.clone())
    }

    /// A download, to describe and [`send`](DownloadBuilder::send).
    pub fn download(&self) -> DownloadBuilder {
        DownloadBuilder::new(self.clone())
    }
}
