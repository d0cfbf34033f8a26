//! Where the shared files are, which profile is selected, and [`ProfileFiles`], the loader.
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::{ProfileFileError, ProfileFileErrorKind};
use super::parse::{FileKind, ParsedFile, parse_bytes};
use super::set::ProfileSet;
use crate::{Env, Fs};

/// The path conventions to resolve file locations with: separators and how the home
/// directory is found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Platform {
    /// Linux, macOS and other Unix: the home directory is `$HOME`.
    Unix,
    /// Windows: `%HOME%`, then `%USERPROFILE%`, then `%HOMEDRIVE%%HOMEPATH%`.
    Windows,
}

impl Platform {
    /// The platform this program runs on.
    pub fn current() -> Self {
        if cfg!(windows) {
            Platform::Windows
        } else {
            Platform::Unix
        }
    }

    fn separator(self) -> char {
        match self {
            Platform::Unix => '/',
            Platform::Windows => '\\',
        }
    }
}

/// The user's home directory from the environment, if it can be found.
pub fn home_dir(env: &Env, platform: Platform) -> Option<String> {
    if let Some(home) = env.get_non_empty("HOME") {
        return Some(home);
    }
    if platform == Platform::Windows {
        if let Some(profile) = env.get_non_empty("USERPROFILE") {
            return Some(profile);
        }
        if let (Some(drive), Some(path)) = (
            env.get_non_empty("HOMEDRIVE"),
            env.get_non_empty("HOMEPATH"),
        ) {
            return Some(format!("{drive}{path}"));
        }
    }
    None
}

/// Expands a leading `~` (alone, or followed by a separator) to the home directory; `None`
/// when the path needs a home directory that cannot be found.
pub fn expand_home(path: &str, env: &Env, platform: Platform) -> Option<String> {
    let Some(rest) = path.strip_prefix('~') else {
        return Some(path.to_owned());
    };
    let at_separator = rest.is_empty()
        || rest.starts_with('/')
        || (platform == Platform::Windows && rest.starts_with('\\'));
    if !at_separator {
        // `~user/...` is not expanded by any SDK.
        return Some(path.to_owned());
    }
    Some(format!("{}{rest}", home_dir(env, platform)?))
}

fn default_location(env: &Env, platform: Platform, var: &str, file: &str) -> Option<PathBuf> {
    let path = match env.get_non_empty(var) {
        Some(path) => expand_home(&path, env, platform)?,
        None => {
            let sep = platform.separator();
            let home = home_dir(env, platform)?;
            let home = home.strip_suffix(sep).unwrap_or(&home);
            format!("{home}{sep}.aws{sep}{file}")
        }
    };
    Some(PathBuf::from(path))
}

/// The config file's location: `AWS_CONFIG_FILE` (with `~` expanded), else `~/.aws/config`;
/// `None` when there is no home directory to find it in.
pub fn config_file_location(env: &Env, platform: Platform) -> Option<PathBuf> {
    default_location(env, platform, "AWS_CONFIG_FILE", "config")
}

/// The credentials file's location: `AWS_SHARED_CREDENTIALS_FILE` (with `~` expanded), else
/// `~/.aws/credentials`; `None` when there is no home directory to find it in.
pub fn credentials_file_location(env: &Env, platform: Platform) -> Option<PathBuf> {
    default_location(env, platform, "AWS_SHARED_CREDENTIALS_FILE", "credentials")
}

/// The selected profile's name: `in_code` when given, else `AWS_PROFILE`, else
/// `AWS_DEFAULT_PROFILE`, else `default`.
pub fn selected_profile_name(env: &Env, in_code: Option<&str>) -> String {
    in_code
        .map(str::to_owned)
        .or_else(|| env.get_non_empty("AWS_PROFILE"))
        .or_else(|| env.get_non_empty("AWS_DEFAULT_PROFILE"))
        .unwrap_or_else(|| "default".to_owned())
}

/// Reads and merges the shared files into a [`ProfileSet`].
///
/// By default it reads the config file and then the credentials file at their default
/// locations ([`config_file_location`], [`credentials_file_location`]); files added in code are
/// read after them, in the order added, so they win. A default file that does not exist is
/// skipped (most machines have no credentials file); a file added in code that does not exist
/// is an error. A file that exists but cannot be read, is not UTF-8 or does not parse is
/// always an error, naming it.
///
/// ```
/// use ziggurat_config::profile::ProfileFiles;
/// use ziggurat_config::{Env, Fs};
///
/// let env = Env::from_pairs([("HOME", "/home/me")]);
/// let fs = Fs::from_pairs([("/etc/team-config", "[profile ci]\nregion = eu-north-1\n")]);
/// let profiles = ProfileFiles::new()
///     .with_profile_name("ci")
///     .with_config_file("/etc/team-config")
///     .load(&env, &fs)?;
/// assert_eq!(profiles.selected().and_then(|p| p.get("region")), Some("eu-north-1"));
/// # Ok::<(), ziggurat_config::profile::ProfileFileError>(())
/// ```
#[derive(Clone, Debug, Default)]
pub struct ProfileFiles {
    profile_name: Option<String>,
    config_files: Vec<PathBuf>,
    credentials_files: Vec<PathBuf>,
    skip_default_files: bool,
    platform: Option<Platform>,
}

impl ProfileFiles {
    /// The default files, and the profile selected by the environment.
    pub fn new() -> Self {
        Self::default()
    }

    /// Selects this profile, whatever `AWS_PROFILE` says.
    pub fn with_profile_name(mut self, name: impl Into<String>) -> Self {
        self.profile_name = Some(name.into());
        self
    }

    /// Adds a config-flavoured file, read after the default ones and those added before.
    pub fn with_config_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.config_files.push(path.into());
        self
    }

    /// Adds a credentials-flavoured file, read after the default ones and those added before.
    pub fn with_credentials_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.credentials_files.push(path.into());
        self
    }

    /// Reads only the files added in code, not the default locations.
    pub fn without_default_files(mut self) -> Self {
        self.skip_default_files = true;
        self
    }

    /// Resolves default locations with this platform's conventions instead of the current one.
    pub fn with_platform(mut self, platform: Platform) -> Self {
        self.platform = Some(platform);
        self
    }

    /// Reads, parses and merges the files.
    pub fn load(&self, env: &Env, fs: &Fs) -> Result<ProfileSet, ProfileFileError> {
        let platform = self.platform.unwrap_or_else(Platform::current);
        let mut parsed = Vec::new();
        let kinds = [
            (
                FileKind::Config,
                config_file_location(env, platform),
                &self.config_files,
            ),
            (
                FileKind::Credentials,
                credentials_file_location(env, platform),
                &self.credentials_files,
            ),
        ];
        for (kind, default, extra) in kinds {
            if !self.skip_default_files
                && let Some(path) = default
                && let Some(file) = read(fs, &path, kind, false)?
            {
                parsed.push(file);
            }
            for path in extra {
                let path = path
                    .to_str()
                    .and_then(|p| expand_home(p, env, platform))
                    .map(PathBuf::from)
                    .unwrap_or_else(|| path.clone());
                if let Some(file) = read(fs, &path, kind, true)? {
                    parsed.push(file);
                }
            }
        }
        let selected = selected_profile_name(env, self.profile_name.as_deref());
        Ok(ProfileSet::from_parsed(selected, parsed))
    }
}

fn read(
    fs: &Fs,
    path: &Path,
    kind: FileKind,
    required: bool,
) -> Result<Option<ParsedFile>, ProfileFileError> {
    match fs.read(path) {
        Ok(bytes) => parse_bytes(&bytes, path, kind).map(Some),
        Err(e) if e.kind() == io::ErrorKind::NotFound && !required => {
            tracing::debug!(file = %path.display(), "shared file does not exist; skipping it");
            Ok(None)
        }
        Err(e) => {
            let kind = if e.kind() == io::ErrorKind::NotFound {
                ProfileFileErrorKind::NotFound
            } else {
                ProfileFileErrorKind::Unreadable
            };
            Err(ProfileFileError::new(kind)
                .in_file(&Arc::from(path))
                .with_source(e))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_default_file_is_not_an_error() {
        let env = Env::from_pairs([("HOME", "/home/me")]);
        let set = ProfileFiles::new()
            .load(&env, &Fs::from_pairs::<&str, &str>([]))
            .unwrap();
        assert!(set.is_empty());
        assert_eq!(set.selected_name(), "default");
    }

    #[test]
    fn a_missing_explicit_file_is_an_error_naming_it() {
        let env = Env::from_pairs([("HOME", "/home/me")]);
        let e = ProfileFiles::new()
            .with_credentials_file("/nope/creds")
            .load(&env, &Fs::from_pairs::<&str, &str>([]))
            .unwrap_err();
        assert_eq!(e.kind(), ProfileFileErrorKind::NotFound);
        assert!(e.to_string().contains("/nope/creds"), "{e}");
    }

    #[test]
    fn an_unreadable_file_is_an_error_naming_it() {
        // A directory where the config file should be cannot be read, even as a default file.
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws/config")).unwrap();
        let env = Env::from_pairs([("HOME", dir.path().to_str().unwrap())]);
        let e = ProfileFiles::new().load(&env, &Fs::real()).unwrap_err();
        assert_eq!(e.kind(), ProfileFileErrorKind::Unreadable);
        assert!(e.to_string().contains(".aws/config"), "{e}");
        assert!(std::error::Error::source(&e).is_some());
    }

    #[test]
    fn a_non_utf8_file_is_an_error_naming_it() {
        let env = Env::from_pairs([("HOME", "/h")]);
        let fs = Fs::from_pairs([("/h/.aws/credentials", b"[default]\n\xc3\x28\n".to_vec())]);
        let e = ProfileFiles::new().load(&env, &fs).unwrap_err();
        assert_eq!(e.kind(), ProfileFileErrorKind::NotUtf8);
        assert!(e.to_string().contains("/h/.aws/credentials line 2"), "{e}");
    }

    #[test]
    fn files_added_in_code_win_in_order() {
        let env = Env::from_pairs([("HOME", "/h"), ("AWS_PROFILE", "env")]);
        let fs = Fs::from_pairs([
            (
                "/h/.aws/config",
                "[profile p]\nk = default-config\nj = default-config\n",
            ),
            ("/h/.aws/credentials", "[p]\nk = default-creds\n"),
            ("/h/extra1", "[p]\nk = extra1\n"),
            ("/h/extra2", "[p]\nk = extra2\n"),
            ("/h/extra-config", "[profile p]\nj = extra-config\n"),
        ]);
        let set = ProfileFiles::new()
            .with_profile_name("p")
            .with_credentials_file("~/extra1")
            .with_credentials_file("/h/extra2")
            .with_config_file("/h/extra-config")
            .load(&env, &fs)
            .unwrap();
        let p = set.selected().unwrap();
        assert_eq!(p.get("k"), Some("extra2"));
        assert_eq!(p.get("j"), Some("extra-config"));
    }

    #[test]
    fn tilde_in_aws_config_file_is_expanded() {
        let env = Env::from_pairs([("HOME", "/h"), ("AWS_CONFIG_FILE", "~/cfg")]);
        assert_eq!(
            config_file_location(&env, Platform::Unix),
            Some(PathBuf::from("/h/cfg"))
        );
        let env = Env::from_pairs([("AWS_CONFIG_FILE", "~/cfg")]);
        assert_eq!(config_file_location(&env, Platform::Unix), None);
    }

    #[test]
    fn profile_name_precedence() {
        let env = Env::from_pairs([("AWS_PROFILE", "a"), ("AWS_DEFAULT_PROFILE", "b")]);
        assert_eq!(selected_profile_name(&env, Some("code")), "code");
        assert_eq!(selected_profile_name(&env, None), "a");
        let env = Env::from_pairs([("AWS_DEFAULT_PROFILE", "b")]);
        assert_eq!(selected_profile_name(&env, None), "b");
        assert_eq!(
            selected_profile_name(&Env::from_pairs::<&str, &str>([]), None),
            "default"
        );
    }
}
