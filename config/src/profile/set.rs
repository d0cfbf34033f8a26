//! [`ProfileSet`]: the shared files merged, and [`Profile`]: one merged section.
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use super::error::{ProfileFileError, ProfileFileErrorKind};
use super::parse::{FileKind, Origin, ParsedFile, Property, SectionKind};

/// The properties of one merged section: a profile, an `[sso-session]` or a `[services]`.
///
/// Keys are case-insensitive; each [`Property`] knows the file and line it came from, so a
/// caller can say "profile `x` in /path line 12: key `role_arn` ...". `Debug` hides secrets.
#[derive(Clone, Debug)]
pub struct Profile {
    kind: SectionKind,
    name: String,
    properties: BTreeMap<String, Property>,
}

/// Access keys of a profile, as [`Profile::static_keys`] finds them.
///
/// `Debug` hides the secret and the session token.
#[derive(Clone, PartialEq, Eq)]
pub struct StaticKeys<'a> {
    /// `aws_access_key_id`.
    pub access_key_id: &'a Property,
    /// `aws_secret_access_key`.
    pub secret_access_key: &'a Property,
    /// `aws_session_token`, when it is in the same file as the key pair.
    pub session_token: Option<&'a Property>,
}

impl fmt::Debug for StaticKeys<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StaticKeys")
            .field("access_key_id", &self.access_key_id.value())
            .field("origin", self.access_key_id.origin())
            .field(
                "session_token",
                &self.session_token.map(|_| "** redacted **"),
            )
            .finish_non_exhaustive()
    }
}

impl PartialEq for Property {
    fn eq(&self, other: &Self) -> bool {
        self.name() == other.name()
            && self.value() == other.value()
            && self.origin() == other.origin()
    }
}
impl Eq for Property {}

/// Why a profile's access keys cannot be used, from [`Profile::static_keys`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum StaticKeysError {
    /// Only one half of the key pair is set; this names the missing key.
    Missing(&'static str),
    /// The two halves come from different files (say one from the config file, one from the
    /// credentials file); SDKs use a pair only when it was written together.
    DifferentFiles {
        /// Where `aws_access_key_id` is.
        access_key_id: Origin,
        /// Where `aws_secret_access_key` is.
        secret_access_key: Origin,
    },
}

impl fmt::Display for StaticKeysError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StaticKeysError::Missing(key) => write!(f, "profile missing {key}"),
            StaticKeysError::DifferentFiles {
                access_key_id,
                secret_access_key,
            } => write!(
                f,
                "aws_access_key_id ({access_key_id}) and aws_secret_access_key \
                 ({secret_access_key}) must be in the same file"
            ),
        }
    }
}

impl std::error::Error for StaticKeysError {}

impl Profile {
    /// What the section is.
    pub fn kind(&self) -> SectionKind {
        self.kind
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value of `key` (case-insensitive).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.property(key).map(Property::value)
    }

    /// The property `key` (case-insensitive), with its origin.
    pub fn property(&self, key: &str) -> Option<&Property> {
        match self.properties.get(key) {
            Some(p) => Some(p),
            None => self.properties.get(&key.to_lowercase()),
        }
    }

    /// The sub-property `sub` of `key`: `get_sub("s3", "addressing_style")` for
    /// `s3 =\n  addressing_style = path`.
    pub fn get_sub(&self, key: &str, sub: &str) -> Option<&str> {
        self.property(key)?.sub(sub)
    }

    /// All properties, by key.
    pub fn properties(&self) -> impl Iterator<Item = &Property> {
        self.properties.values()
    }

    /// Whether the section has no properties.
    pub fn is_empty(&self) -> bool {
        self.properties.is_empty()
    }

    /// The access key pair, when both halves are set and come from the same file.
    ///
    /// `Ok(None)` when neither half is set.
    pub fn static_keys(&self) -> Result<Option<StaticKeys<'_>>, StaticKeysError> {
        let id = self.property("aws_access_key_id");
        let secret = self.property("aws_secret_access_key");
        match (id, secret) {
            (None, None) => Ok(None),
            (Some(_), None) => Err(StaticKeysError::Missing("aws_secret_access_key")),
            (None, Some(_)) => Err(StaticKeysError::Missing("aws_access_key_id")),
            (Some(id), Some(secret)) => {
                if !id.origin().same_file(secret.origin()) {
                    return Err(StaticKeysError::DifferentFiles {
                        access_key_id: id.origin().clone(),
                        secret_access_key: secret.origin().clone(),
                    });
                }
                let session_token = self
                    .property("aws_session_token")
                    .filter(|t| t.origin().same_file(id.origin()));
                Ok(Some(StaticKeys {
                    access_key_id: id,
                    secret_access_key: secret,
                    session_token,
                }))
            }
        }
    }
}

/// The shared config and credentials files, merged the way all SDKs merge them.
///
/// Config files are merged first, then credentials files, each in the order given; a later
/// value of a key replaces an earlier one, so the credentials file wins. A profile defined in
/// several places gets the union of its properties. Which profile is *selected* (from code,
/// `AWS_PROFILE`, `AWS_DEFAULT_PROFILE`, or `default`) is recorded too.
///
/// Build one with [`ProfileFiles`](super::ProfileFiles) (reads files) or
/// [`ProfileSet::from_parsed`] (files already parsed).
#[derive(Clone, Debug, Default)]
pub struct ProfileSet {
    selected: String,
    profiles: BTreeMap<String, Profile>,
    sso_sessions: BTreeMap<String, Profile>,
    services: BTreeMap<String, Profile>,
    files: Vec<Arc<Path>>,
}

impl ProfileSet {
    /// Merges parsed files: all config files in the order given, then all credentials files in
    /// the order given. `selected` is the selected profile's name.
    pub fn from_parsed(
        selected: impl Into<String>,
        files: impl IntoIterator<Item = ParsedFile>,
    ) -> Self {
        let mut files: Vec<ParsedFile> = files.into_iter().collect();
        // Stable: keeps the given order within each kind.
        files.sort_by_key(|f| f.kind() == FileKind::Credentials);
        let mut set = ProfileSet {
            selected: selected.into(),
            ..ProfileSet::default()
        };
        for file in &files {
            set.files.push(Arc::from(file.path()));
            for section in file.sections() {
                let map = match section.kind() {
                    SectionKind::Profile => &mut set.profiles,
                    SectionKind::SsoSession => &mut set.sso_sessions,
                    SectionKind::Services => &mut set.services,
                };
                let merged = map
                    .entry(section.name().to_owned())
                    .or_insert_with(|| Profile {
                        kind: section.kind(),
                        name: section.name().to_owned(),
                        properties: BTreeMap::new(),
                    });
                for property in section.properties() {
                    merged
                        .properties
                        .insert(property.name().to_owned(), property.clone());
                }
            }
        }
        set
    }

    /// The name of the selected profile.
    pub fn selected_name(&self) -> &str {
        &self.selected
    }

    /// The selected profile, if it is defined.
    pub fn selected(&self) -> Option<&Profile> {
        self.profile(&self.selected)
    }

    /// The profile `name` (case-sensitive), if it is defined.
    pub fn profile(&self, name: &str) -> Option<&Profile> {
        self.profiles.get(name)
    }

    /// The profile `name`, or an error naming it (the set's [`files`](Self::files) say where
    /// it was looked for).
    pub fn require(&self, name: &str) -> Result<&Profile, ProfileFileError> {
        self.profile(name).ok_or_else(|| {
            ProfileFileError::new(ProfileFileErrorKind::MissingProfile).in_section(Some(name))
        })
    }

    /// All profile names, sorted.
    pub fn profile_names(&self) -> impl Iterator<Item = &str> {
        self.profiles.keys().map(String::as_str)
    }

    /// Whether no profile is defined.
    pub fn is_empty(&self) -> bool {
        self.profiles.is_empty()
    }

    /// The `[sso-session name]` section, if it is defined.
    pub fn sso_session(&self, name: &str) -> Option<&Profile> {
        self.sso_sessions.get(name)
    }

    /// All `[sso-session]` names, sorted.
    pub fn sso_session_names(&self) -> impl Iterator<Item = &str> {
        self.sso_sessions.keys().map(String::as_str)
    }

    /// The `[services name]` section, if it is defined.
    pub fn services(&self, name: &str) -> Option<&Profile> {
        self.services.get(name)
    }

    /// The files that were merged, in merge order.
    pub fn files(&self) -> impl Iterator<Item = &Path> {
        self.files.iter().map(|p| &**p)
    }
}

#[cfg(test)]
mod tests {
    use super::super::parse::parse;
    use super::*;

    fn set(config: &str, credentials: &str) -> ProfileSet {
        ProfileSet::from_parsed(
            "default",
            [
                parse(credentials, "/creds", FileKind::Credentials).unwrap(),
                parse(config, "/config", FileKind::Config).unwrap(),
            ],
        )
    }

    #[test]
    fn credentials_win_and_origins_are_kept() {
        let s = set(
            "[default]\nregion = a\nk = config\n",
            "[default]\nk = creds\n",
        );
        let p = s.selected().unwrap();
        assert_eq!(p.get("k"), Some("creds"));
        assert_eq!(
            p.property("K").unwrap().origin().to_string(),
            "/creds line 2"
        );
        assert_eq!(
            p.property("region").unwrap().origin().to_string(),
            "/config line 2"
        );
    }

    #[test]
    fn key_pair_split_across_files_is_rejected() {
        let s = set(
            "[default]\naws_access_key_id = A\n",
            "[default]\naws_secret_access_key = S\n",
        );
        let err = s.selected().unwrap().static_keys().unwrap_err();
        assert!(
            matches!(err, StaticKeysError::DifferentFiles { .. }),
            "{err}"
        );
        let s = set(
            "",
            "[default]\naws_access_key_id = A\naws_secret_access_key = S\n",
        );
        let keys = s.selected().unwrap().static_keys().unwrap().unwrap();
        assert_eq!(keys.access_key_id.value(), "A");
    }

    #[test]
    fn debug_of_a_profile_set_redacts_secrets() {
        let s = set(
            "[profile x]\naws_session_token = tok-123\n",
            "[x]\naws_access_key_id = AKID\naws_secret_access_key = very-secret\n",
        );
        let debug = format!("{s:?}");
        assert!(
            !debug.contains("very-secret") && !debug.contains("tok-123"),
            "{debug}"
        );
        assert!(debug.contains("AKID"));
        let keys = s.profile("x").unwrap().static_keys().unwrap().unwrap();
        assert!(!format!("{keys:?}").contains("very-secret"));
    }

    #[test]
    fn a_missing_profile_is_a_clear_error() {
        let s = set("[profile a]\n", "");
        let e = s.require("nope").unwrap_err();
        assert_eq!(e.kind(), ProfileFileErrorKind::MissingProfile);
        assert!(e.to_string().contains("`nope`"), "{e}");
    }
}
