//! [`Fs`]: where configuration reads (and, for the SSO token cache, writes) files.
use std::collections::HashMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

/// The file system configuration is read from: the real one, or an in-memory map of absolute
/// paths to contents (for tests).
///
/// Cloning is cheap; clones of an in-memory file system share its files. `Debug` names the
/// source, never file contents.
#[derive(Clone, Default)]
pub struct Fs(Source);

#[derive(Clone, Default)]
enum Source {
    #[default]
    Real,
    Memory(Arc<Mutex<HashMap<PathBuf, Vec<u8>>>>),
}

impl Fs {
    /// The real file system.
    pub fn real() -> Self {
        Fs(Source::Real)
    }

    /// An in-memory file system holding these files; any other path does not exist.
    pub fn from_pairs<P, C>(files: impl IntoIterator<Item = (P, C)>) -> Self
    where
        P: Into<PathBuf>,
        C: Into<Vec<u8>>,
    {
        Fs(Source::Memory(Arc::new(Mutex::new(
            files
                .into_iter()
                .map(|(p, c)| (p.into(), c.into()))
                .collect(),
        ))))
    }

    /// The file's contents.
    pub fn read(&self, path: impl AsRef<Path>) -> io::Result<Vec<u8>> {
        let path = path.as_ref();
        match &self.0 {
            Source::Real => std::fs::read(path),
            Source::Memory(files) => files
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .get(path)
                .cloned()
                .ok_or_else(|| {
                    io::Error::new(
                        io::ErrorKind::NotFound,
                        format!("{}: no such file", path.display()),
                    )
                }),
        }
    }

    /// The file's contents as UTF-8 text.
    pub fn read_to_string(&self, path: impl AsRef<Path>) -> io::Result<String> {
        String::from_utf8(self.read(path)?)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "the file is not UTF-8 text"))
    }

    /// Replaces the file's contents, creating the file (and, on the real file system, its
    /// parent directories) when needed.
    pub fn write(&self, path: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> io::Result<()> {
        let path = path.as_ref();
        match &self.0 {
            Source::Real => {
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::write(path, contents)
            }
            Source::Memory(files) => {
                files
                    .lock()
                    .unwrap_or_else(PoisonError::into_inner)
                    .insert(path.to_owned(), contents.as_ref().to_vec());
                Ok(())
            }
        }
    }
}

impl fmt::Debug for Fs {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::Real => f.write_str("Fs(real)"),
            Source::Memory(files) => write!(
                f,
                "Fs({} files in memory)",
                files.lock().unwrap_or_else(PoisonError::into_inner).len()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_files_read_and_write() {
        let fs = Fs::from_pairs([("/a", "x")]);
        assert_eq!(fs.read("/a").unwrap(), b"x");
        assert_eq!(fs.read("/b").unwrap_err().kind(), io::ErrorKind::NotFound);
        fs.clone().write("/b", "secret-contents").unwrap();
        assert_eq!(fs.read_to_string("/b").unwrap(), "secret-contents");
        assert!(!format!("{fs:?}").contains("secret"));
    }

    #[test]
    fn real_files_read_and_write() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/dir/file");
        let fs = Fs::real();
        fs.write(&path, "z").unwrap();
        assert_eq!(fs.read_to_string(&path).unwrap(), "z");
    }
}
