//! The error of a codec: a value that cannot be written, or bytes that are not the shape.
use std::fmt;

/// What went wrong encoding or decoding a value, and where (`Item.name.S`).
///
/// One pointer wide: every codec step returns a [`CodecResult`], and on the hot path it is
/// `Ok`, so the error's message and path live behind a box (allocated only when something
/// fails) and a `CodecResult<()>` comes back in a register.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodecError(Box<Inner>);

#[derive(Debug, Clone, PartialEq, Eq)]
struct Inner {
    message: String,
    path: Vec<&'static str>,
}

impl CodecError {
    /// An error with a message.
    #[cold]
    pub fn new(message: impl Into<String>) -> Self {
        CodecError(Box::new(Inner {
            message: message.into(),
            path: Vec::new(),
        }))
    }
    /// A required member that is not set.
    pub fn missing_required(member: &'static str) -> Self {
        CodecError::new(format!("the member `{member}` is required")).within(member)
    }
    /// Records that the error happened inside `member` (outermost last).
    pub fn within(mut self, member: &'static str) -> Self {
        if self.0.path.last() != Some(&member) {
            self.0.path.push(member);
        }
        self
    }
    /// The message, without the path.
    pub fn message(&self) -> &str {
        &self.0.message
    }
    /// The members from the outermost to the one that failed.
    pub fn path(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.0.path.iter().rev().copied()
    }
}

impl fmt::Display for CodecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.path.is_empty() {
            return f.write_str(&self.0.message);
        }
        f.write_str("at `")?;
        for (i, p) in self.path().enumerate() {
            if i > 0 {
                f.write_str(".")?;
            }
            f.write_str(p)?;
        }
        write!(f, "`: {}", self.0.message)
    }
}

impl std::error::Error for CodecError {}

/// The result of a codec step.
pub type CodecResult<T = ()> = Result<T, CodecError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_is_one_pointer_and_says_where_it_happened() {
        assert_eq!(size_of::<CodecError>(), size_of::<usize>());
        assert_eq!(size_of::<CodecResult>(), size_of::<usize>());
        let e = CodecError::new("bad")
            .within("S")
            .within("S")
            .within("Item");
        assert_eq!(e.to_string(), "at `Item.S`: bad");
        assert_eq!(e.message(), "bad");
        assert_eq!(CodecError::new("plain").to_string(), "plain");
    }
}
