//! [`ProfileFileError`]: why the shared files could not be read or parsed.
use std::error::Error as StdError;
use std::fmt;
use std::io;
use std::path::Path;
use std::sync::Arc;

/// What went wrong while loading or parsing the shared config and credentials files.
///
/// Every error says which file and line caused it, and, where there is one, which section and
/// key. It never quotes the offending line or a property's value: those may hold secrets.
#[derive(Debug)]
pub struct ProfileFileError {
    kind: ProfileFileErrorKind,
    path: Option<Arc<Path>>,
    line: Option<usize>,
    section: Option<String>,
    key: Option<String>,
    source: Option<io::Error>,
}

/// The category of a [`ProfileFileError`], for callers that react to some of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProfileFileErrorKind {
    /// A file that was asked for explicitly does not exist.
    NotFound,
    /// A file exists but could not be read (permissions, a directory, an I/O error).
    Unreadable,
    /// A file is not UTF-8 text.
    NotUtf8,
    /// A line starting with `[` has no closing `]`, or has text after it that is not a comment.
    UnterminatedSectionHeader,
    /// A property or continuation line comes before the first section header.
    OutsideSection,
    /// A property line has no `=`.
    MissingEquals,
    /// A property line has nothing before its `=`.
    MissingName,
    /// A line under a property with sub-properties (`s3 =`) has no `=`.
    SubPropertyMissingEquals,
    /// A sub-property line has nothing before its `=`.
    SubPropertyMissingName,
    /// An indented (continuation) line follows a section header, not a property.
    ContinuationWithoutProperty,
    /// The profile asked for is defined in none of the files.
    MissingProfile,
}

impl ProfileFileErrorKind {
    fn message(self) -> &'static str {
        use ProfileFileErrorKind::*;
        match self {
            NotFound => "the file does not exist",
            Unreadable => "the file could not be read",
            NotUtf8 => "the file is not UTF-8 text",
            UnterminatedSectionHeader => {
                "a section header must end with ']', followed only by a comment"
            }
            OutsideSection => {
                "expected a profile definition (a `[section]` header) before any property"
            }
            MissingEquals => "expected an '=' sign defining a property",
            MissingName => "the property has no name before its '='",
            SubPropertyMissingEquals => "expected an '=' sign defining a sub-property",
            SubPropertyMissingName => "the sub-property has no name before its '='",
            ContinuationWithoutProperty => {
                "expected a property definition, found a continuation line (an indented line)"
            }
            MissingProfile => "the profile is not defined in any of the shared files",
        }
    }
}

impl ProfileFileError {
    pub(crate) fn new(kind: ProfileFileErrorKind) -> Self {
        ProfileFileError {
            kind,
            path: None,
            line: None,
            section: None,
            key: None,
            source: None,
        }
    }

    pub(crate) fn at(mut self, path: &Arc<Path>, line: usize) -> Self {
        self.path = Some(path.clone());
        self.line = Some(line);
        self
    }

    pub(crate) fn in_file(mut self, path: &Arc<Path>) -> Self {
        self.path = Some(path.clone());
        self
    }

    pub(crate) fn in_section(mut self, section: Option<&str>) -> Self {
        self.section = section.map(str::to_owned);
        self
    }

    pub(crate) fn with_key(mut self, key: &str) -> Self {
        self.key = Some(key.to_owned());
        self
    }

    pub(crate) fn with_source(mut self, source: io::Error) -> Self {
        self.source = Some(source);
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> ProfileFileErrorKind {
        self.kind
    }

    /// The file the error is about, if it is about one file.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The line (counting from 1) the error is on, if it is about one line.
    pub fn line(&self) -> Option<usize> {
        self.line
    }

    /// The profile or section (as written in its header) the error is in, if any.
    pub fn section(&self) -> Option<&str> {
        self.section.as_deref()
    }

    /// The property key the error is about, if any.
    pub fn key(&self) -> Option<&str> {
        self.key.as_deref()
    }
}

impl fmt::Display for ProfileFileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(path) = &self.path {
            write!(f, "{}", path.display())?;
            if let Some(line) = self.line {
                write!(f, " line {line}")?;
            }
            f.write_str(": ")?;
        }
        if let Some(section) = &self.section {
            write!(f, "profile `{section}`: ")?;
        }
        if let Some(key) = &self.key {
            write!(f, "key `{key}`: ")?;
        }
        f.write_str(self.kind.message())
    }
}

impl StdError for ProfileFileError {
    fn source(&self) -> Option<&(dyn StdError + 'static)> {
        self.source.as_ref().map(|e| e as _)
    }
}
