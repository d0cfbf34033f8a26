//! The error of a codec: a value that cannot be written, or bytes that are not the shape.
use std::fmt;

/// What went wrong encoding or decoding a value, and where (`Item.name.S`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError {
    message: String,
    path: Vec<&'static str>,
}

impl CodecError {
    /// An error with a message.
    pub fn new(message: impl Into<String>) -> Self {
        CodecError {
            message: message.into(),
            path: Vec::new(),
        }
    }
    /// A required member that is not set.
    pub fn missing_required(member: &'static str) -> Self {
        CodecError::new(format!("the member `{member}` is required")).within(member)
    }
    /// Records that the error happened inside `member` (outermost last).
    pub fn within(mut self, member: &'static str) -> Self {
        if self.path.last() != Some(&member) {
            self.path.push(member);
        }
        self
    }
    /// The message, without the path.
    pub fn message(&self) -> &str {
        &self.message
    }
    /// The members from the outermost to the one that failed.
    pub fn path(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.path.iter().rev().copied()
    }
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.path.is_empty() {
            return f.write_str(&self.message);
        }
        f.write_str("at `")?;
        for (i, p) in self.path().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(p)?;
        }
        write!(f, "`: {}", self.message)
    }
}

impl std::error::Error for CodecError {}

/// The result of a codec step.
pub type CodecResult<T = ()> = Result<T, CodecError>;
