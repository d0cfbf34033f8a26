//! Directory transfers: every file under a folder to keys under a prefix, and back.
//!
//! Files move `concurrency` at a time, each with its parts one after another, so memory stays
//! within `concurrency` parts as for one file.
use std::path::{Component, Path, PathBuf};

use futures_util::StreamExt;
use tokio::task::JoinSet;

use crate::TransferManager;
use crate::download::Object;
use crate::error::{TransferError, TransferErrorKind};

/// What a directory transfer moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DirectoryOutput {
    /// Files transferred.
    pub files: u64,
    /// Bytes transferred.
    pub bytes: u64,
}

impl TransferManager {
    /// Uploads every file under `dir` (recursively; symbolic links to folders are not
    /// followed) to `bucket`, each at `prefix` + its path below `dir` with `/` separators.
    pub async fn upload_directory(
        &self,
        dir: impl AsRef<Path>,
        bucket: &str,
        prefix: &str,
    ) -> Result<DirectoryOutput, TransferError> {
        let dir = dir.as_ref();
        let files = walk(dir).await?;
        let per_file = self.clone().concurrency(1);
        let mut set = JoinSet::new();
        let mut total = DirectoryOutput::default();
        for (path, relative) in files {
            let key = join_key(prefix, &relative);
            let upload = per_file.upload().bucket(bucket).key(key).file(path);
            while set.len() >= self.concurrency {
                add(&mut total, set.join_next().await)?;
            }
            set.spawn(async move { upload.send().await.map(|o| o.bytes) });
        }
        while !set.is_empty() {
            add(&mut total, set.join_next().await)?;
        }
        Ok(total)
    }

    /// Downloads every object of `bucket` under `prefix` into `dir`, each at its key's path
    /// below the prefix (folders created as needed). A key that would land outside `dir`
    /// (`..`, an absolute path) is an error, and nothing is written for it.
    pub async fn download_directory(
        &self,
        bucket: &str,
        prefix: &str,
        dir: impl AsRef<Path>,
    ) -> Result<DirectoryOutput, TransferError> {
        let dir = dir.as_ref().to_path_buf();
        let mut pages = self
            .client
            .list_objects_v2()
            .bucket(bucket)
            .prefix(prefix)
            .into_paginator()
            .send();
        let mut set = JoinSet::new();
        let mut total = DirectoryOutput::default();
        while let Some(page) = pages.next().await {
            let page = page.map_err(|e| {
                TransferError::service(format!("ListObjectsV2 of s3://{bucket}/{prefix}"), e)
            })?;
            for object in page.contents.unwrap_or_default() {
                let Some(key) = object.key else { continue };
                let Some(relative) = local_path(prefix, &key)? else {
                    continue;
                };
                let path = dir.join(relative);
                if let Some(parent) = path.parent() {
                    tokio::fs::create_dir_all(parent).await.map_err(|e| {
                        TransferError::io(format!("creating {}", parent.display()), e)
                    })?;
                }
                let source = Object {
                    client: self.client.clone(),
                    bucket: bucket.to_owned(),
                    key,
                    version_id: None,
                    part_size: self.part_size,
                    concurrency: 1,
                };
                while set.len() >= self.concurrency {
                    add(&mut total, set.join_next().await)?;
                }
                set.spawn(
                    async move { source.download_to_file(&path, None).await.map(|o| o.bytes) },
                );
            }
        }
        while !set.is_empty() {
            add(&mut total, set.join_next().await)?;
        }
        Ok(total)
    }
}

/// Counts one finished file.
fn add(
    total: &mut DirectoryOutput,
    joined: Option<Result<Result<u64, TransferError>, tokio::task::JoinError>>,
) -> Result<(), TransferError> {
    let Some(joined) = joined else {
        return Ok(());
    };
    let bytes = joined.map_err(|e| {
        TransferError::new(TransferErrorKind::Io, format!("a file's task ended: {e}"))
    })??;
    total.files += 1;
    total.bytes += bytes;
    Ok(())
}

/// Every file under `root`, with its path below `root` as UTF-8 components, sorted.
async fn walk(root: &Path) -> Result<Vec<(PathBuf, Vec<String>)>, TransferError> {
    let mut files = Vec::new();
    let mut folders = vec![(root.to_path_buf(), Vec::<String>::new())];
    while let Some((folder, relative)) = folders.pop() {
        let mut entries = tokio::fs::read_dir(&folder)
            .await
            .map_err(|e| TransferError::io(format!("reading {}", folder.display()), e))?;
        while let Some(entry) = entries
            .next_entry()
            .await
            .map_err(|e| TransferError::io(format!("reading {}", folder.display()), e))?
        {
            let path = entry.path();
            let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
                return Err(TransferError::new(
                    TransferErrorKind::InvalidInput,
                    format!("{} is not UTF-8: it cannot be a key", path.display()),
                ));
            };
            let kind = entry
                .file_type()
                .await
                .map_err(|e| TransferError::io(format!("reading {}", path.display()), e))?;
            let mut below = relative.clone();
            below.push(name);
            if kind.is_dir() {
                folders.push((path, below));
            } else if kind.is_file()
                || (kind.is_symlink()
                    && tokio::fs::metadata(&path).await.is_ok_and(|m| m.is_file()))
            {
                files.push((path, below));
            }
        }
    }
    files.sort();
    Ok(files)
}

/// `prefix` + the components, `/`-separated.
fn join_key(prefix: &str, components: &[String]) -> String {
    let mut key = prefix.to_owned();
    if !key.is_empty() && !key.ends_with('/') {
        key.push('/');
    }
    key.push_str(&components.join("/"));
    key
}

/// Where `key` goes below the download folder: `None` for a folder marker (a key ending in
/// `/`) or the prefix itself; an error for a key that would escape the folder.
fn local_path(prefix: &str, key: &str) -> Result<Option<PathBuf>, TransferError> {
    let rest = key
        .strip_prefix(prefix)
        .unwrap_or(key)
        .trim_start_matches('/');
    if rest.is_empty() || rest.ends_with('/') {
        return Ok(None);
    }
    let path = PathBuf::from(rest);
    let safe = path.components().all(|c| matches!(c, Component::Normal(_)));
    if !safe || rest.contains('\\') {
        return Err(TransferError::new(
            TransferErrorKind::InvalidInput,
            format!("the key {key:?} would be written outside the download folder"),
        ));
    }
    Ok(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_join_with_slashes() {
        let parts = vec!["a".to_owned(), "b.txt".to_owned()];
        assert_eq!(join_key("", &parts), "a/b.txt");
        assert_eq!(join_key("backup", &parts), "backup/a/b.txt");
        assert_eq!(join_key("backup/", &parts), "backup/a/b.txt");
    }

    #[test]
    fn keys_never_escape_the_folder() {
        assert_eq!(
            local_path("p/", "p/a/b.txt").unwrap(),
            Some(PathBuf::from("a/b.txt"))
        );
        assert_eq!(local_path("p/", "p/dir/").unwrap(), None);
        assert_eq!(local_path("p/", "p/").unwrap(), None);
        // A leading `/` stays below the folder.
        assert_eq!(
            local_path("", "/etc/passwd").unwrap(),
            Some(PathBuf::from("etc/passwd"))
        );
        for bad in ["p/../x", "p/a/../../x", "p/./x", "p/a\\..\\x"] {
            let e = local_path("p/", bad).unwrap_err();
            assert_eq!(e.kind(), TransferErrorKind::InvalidInput, "{bad}");
        }
    }
}
