//! [`TransferError`]: why an upload or download failed, and what was left behind.
use std::fmt;

/// A boxed error source.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// What went wrong in a transfer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransferErrorKind {
    /// Reading the source or writing the destination failed (a local file or stream).
    Io,
    /// An S3 call failed (after its own retries).
    Service,
    /// The object changed while it was being downloaded (its ETag no longer matches).
    ObjectChanged,
    /// The input cannot be transferred as asked (too many parts, a bad key or path).
    InvalidInput,
    /// A response was not what S3 sends (no upload id, a short or long range).
    Response,
}

/// Why an upload or download failed.
///
/// A failed multipart upload is aborted (no parts are left stored, and billed) unless
/// [`UploadBuilder::keep_parts_on_failure`](crate::UploadBuilder::keep_parts_on_failure) was
/// set; then [`upload_id`](TransferError::upload_id) names the upload to resume or abort.
#[derive(Debug)]
pub struct TransferError {
    kind: TransferErrorKind,
    message: String,
    upload_id: Option<String>,
    source: Option<BoxError>,
}

impl TransferError {
    pub(crate) fn new(kind: TransferErrorKind, message: impl Into<String>) -> Self {
        TransferError {
            kind,
            message: message.into(),
            upload_id: None,
            source: None,
        }
    }

    pub(crate) fn io(what: impl Into<String>, e: std::io::Error) -> Self {
        TransferError::new(TransferErrorKind::Io, what).with_source(e)
    }

    pub(crate) fn service(
        what: impl Into<String>,
        e: impl std::error::Error + Send + Sync + 'static,
    ) -> Self {
        TransferError::new(TransferErrorKind::Service, what).with_source(e)
    }

    pub(crate) fn with_source(mut self, e: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Box::new(e));
        self
    }

    pub(crate) fn with_upload_id(mut self, id: Option<String>) -> Self {
        self.upload_id = id;
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> TransferErrorKind {
        self.kind
    }

    /// The multipart upload kept for resumption, when the upload was told to keep its parts.
    pub fn upload_id(&self) -> Option<&str> {
        self.upload_id.as_deref()
    }
}

impl fmt::Display for TransferError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)?;
        if let Some(id) = &self.upload_id {
            write!(f, " (multipart upload {id} kept)")?;
        }
        if let Some(source) = &self.source {
            write!(f, ": {source}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TransferError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|e| e as &(dyn std::error::Error + 'static))
    }
}
