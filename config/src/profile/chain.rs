//! [`ProfileChain`]: the selected profile resolved into the ordered sources of its credentials.
//!
//! A profile can get credentials directly (access keys, web identity, SSO, a
//! `credential_process`, or a named source such as the instance metadata service), or assume a
//! role with credentials from a `source_profile`, which may itself assume a role. This module
//! walks those links and validates them, without any I/O: the result is the base source plus
//! the roles to assume from it, first to last. Credential providers turn it into credentials.
use std::fmt;

use super::parse::{Origin, Property};
use super::set::{Profile, ProfileSet, StaticKeys, StaticKeysError};

/// The credential sources of a profile: a [`base`](ProfileChain::base) source, then the roles
/// to assume with it, in order (the last one is the selected profile's role).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProfileChain {
    base: BaseSource,
    roles: Vec<AssumeRole>,
}

/// Where a chain's first credentials come from.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum BaseSource {
    /// Access keys written in a profile.
    AccessKey(AccessKey),
    /// `AssumeRoleWithWebIdentity` with a token read from a file.
    WebIdentityToken(WebIdentityToken),
    /// AWS IAM Identity Center (SSO).
    Sso(Sso),
    /// An external program that prints credentials (`credential_process`).
    CredentialProcess(CredentialProcess),
    /// A source named by `credential_source`.
    NamedSource(NamedSource),
}

/// Static access keys from a profile. `Debug` hides the secret and the session token.
#[derive(Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct AccessKey {
    /// The profile the keys are in.
    pub profile: String,
    /// `aws_access_key_id`.
    pub access_key_id: String,
    /// `aws_secret_access_key`.
    pub secret_access_key: String,
    /// `aws_session_token`, when set in the same file as the keys.
    pub session_token: Option<String>,
    /// `aws_account_id`.
    pub account_id: Option<String>,
    /// Where `aws_access_key_id` was written.
    pub origin: Origin,
}

impl fmt::Debug for AccessKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AccessKey")
            .field("profile", &self.profile)
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"** redacted **")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "** redacted **"),
            )
            .field("account_id", &self.account_id)
            .field("origin", &self.origin)
            .finish()
    }
}

/// A web identity token file and the role to assume with it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct WebIdentityToken {
    /// The profile that configures it.
    pub profile: String,
    /// `role_arn`.
    pub role_arn: String,
    /// `web_identity_token_file`.
    pub web_identity_token_file: String,
    /// `role_session_name`.
    pub role_session_name: Option<String>,
}

/// SSO settings, with those of the `[sso-session]` already looked up.
///
/// `sso_account_id` and `sso_role_name` are both set (role credentials) or both unset (a
/// profile that only provides an SSO bearer token).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Sso {
    /// The profile that configures it.
    pub profile: String,
    /// `sso_session`, for the newer configuration with an `[sso-session]` section.
    pub sso_session: Option<String>,
    /// `sso_region` (from the session when there is one).
    pub sso_region: String,
    /// `sso_start_url` (from the session when there is one).
    pub sso_start_url: String,
    /// `sso_account_id`.
    pub sso_account_id: Option<String>,
    /// `sso_role_name`.
    pub sso_role_name: Option<String>,
    /// `sso_registration_scopes` of the session, if any.
    pub sso_registration_scopes: Option<String>,
}

/// A `credential_process` command line.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct CredentialProcess {
    /// The profile that configures it.
    pub profile: String,
    /// The command, to run through the shell.
    pub command: String,
    /// Where it was written.
    pub origin: Origin,
}

/// The sources `credential_source` can name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum NamedSource {
    /// `Environment`: the `AWS_ACCESS_KEY_ID` family of environment variables.
    Environment,
    /// `Ec2InstanceMetadata`: the EC2 instance metadata service.
    Ec2InstanceMetadata,
    /// `EcsContainer`: the ECS (or EKS pod identity) container endpoint.
    EcsContainer,
}

impl NamedSource {
    /// The name as written in `credential_source`.
    pub fn as_str(self) -> &'static str {
        match self {
            NamedSource::Environment => "Environment",
            NamedSource::Ec2InstanceMetadata => "Ec2InstanceMetadata",
            NamedSource::EcsContainer => "EcsContainer",
        }
    }

    fn from_name(name: &str) -> Option<Self> {
        [
            NamedSource::Environment,
            NamedSource::Ec2InstanceMetadata,
            NamedSource::EcsContainer,
        ]
        .into_iter()
        .find(|s| s.as_str() == name)
    }
}

/// One role to assume, with the credentials of the link before it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AssumeRole {
    /// The profile that configures it.
    pub profile: String,
    /// `role_arn`.
    pub role_arn: String,
    /// `external_id`.
    pub external_id: Option<String>,
    /// `role_session_name`.
    pub role_session_name: Option<String>,
    /// `duration_seconds`.
    pub duration_seconds: Option<u32>,
    /// `mfa_serial`.
    pub mfa_serial: Option<String>,
    /// Where `role_arn` was written.
    pub origin: Origin,
}

/// Why a profile does not resolve into a credential chain.
///
/// Each variant names the profile at fault and, where there is one, where the key at fault was
/// written. Never contains a secret.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileChainError {
    /// The selected profile is not defined (no files, or not in them).
    MissingProfile {
        /// Its name.
        profile: String,
    },
    /// A `source_profile` names an undefined profile.
    MissingSourceProfile {
        /// The undefined profile's name.
        profile: String,
        /// The profile whose `source_profile` names it.
        referenced_from: String,
        /// Where that `source_profile` was written.
        origin: Origin,
    },
    /// `source_profile` links form a loop.
    CredentialLoop {
        /// The profiles in the order visited; the last is the one visited twice.
        profiles: Vec<String>,
    },
    /// A profile with `role_arn` has neither `source_profile` nor `credential_source`.
    NoRoleSource {
        /// The profile.
        profile: String,
        /// Where `role_arn` was written.
        origin: Origin,
    },
    /// A profile has both `source_profile` and `credential_source`.
    ConflictingRoleSources {
        /// The profile.
        profile: String,
        /// Where `source_profile` was written.
        origin: Origin,
    },
    /// `credential_source` has a value other than `Environment`, `Ec2InstanceMetadata` and
    /// `EcsContainer`.
    UnknownCredentialSource {
        /// The profile.
        profile: String,
        /// The value written.
        name: String,
        /// Where it was written.
        origin: Origin,
    },
    /// The profile's access keys are incomplete or split across files.
    StaticKeys {
        /// The profile.
        profile: String,
        /// What is wrong with them.
        error: StaticKeysError,
    },
    /// The profile configures no way to get credentials.
    NoCredentials {
        /// The profile.
        profile: String,
    },
    /// `web_identity_token_file` without `role_arn`.
    MissingRoleArn {
        /// The profile.
        profile: String,
        /// Where `web_identity_token_file` was written.
        origin: Origin,
    },
    /// The SSO settings are incomplete or contradict their `[sso-session]`.
    InvalidSso {
        /// The profile.
        profile: String,
        /// What is wrong.
        message: String,
    },
    /// `sso_session` names an undefined `[sso-session]`.
    MissingSsoSession {
        /// The profile.
        profile: String,
        /// The session's name.
        session: String,
        /// Where `sso_session` was written.
        origin: Origin,
    },
    /// A value does not have the expected form (say `duration_seconds = soon`).
    InvalidValue {
        /// The profile.
        profile: String,
        /// The key.
        key: String,
        /// Where it was written.
        origin: Origin,
    },
}

impl fmt::Display for ProfileChainError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        use ProfileChainError::*;
        match self {
            MissingProfile { profile } => {
                write!(f, "profile `{profile}` is not defined in the shared files")
            }
            MissingSourceProfile {
                profile,
                referenced_from,
                origin,
            } => write!(
                f,
                "profile `{referenced_from}` in {origin}: could not find source profile \
                 `{profile}`"
            ),
            CredentialLoop { profiles } => write!(
                f,
                "profiles formed an infinite loop through source_profile: {}",
                profiles.join(" -> ")
            ),
            NoRoleSource { profile, origin } => write!(
                f,
                "profile `{profile}` in {origin}: key `role_arn`: the profile must contain \
                 `source_profile` or `credential_source`"
            ),
            ConflictingRoleSources { profile, origin } => write!(
                f,
                "profile `{profile}` in {origin}: the profile contained both source_profile \
                 and credential_source"
            ),
            UnknownCredentialSource {
                profile,
                name,
                origin,
            } => write!(
                f,
                "profile `{profile}` in {origin}: key `credential_source`: unknown source \
                 `{name}` (expected Environment, Ec2InstanceMetadata or EcsContainer)"
            ),
            StaticKeys { profile, error } => write!(f, "profile `{profile}`: {error}"),
            NoCredentials { profile } => {
                write!(
                    f,
                    "profile `{profile}` did not contain credential information"
                )
            }
            MissingRoleArn { profile, origin } => write!(
                f,
                "profile `{profile}` in {origin}: key `web_identity_token_file`: `role_arn` \
                 was missing"
            ),
            InvalidSso { profile, message } => write!(f, "profile `{profile}`: {message}"),
            MissingSsoSession {
                profile,
                session,
                origin,
            } => write!(
                f,
                "profile `{profile}` in {origin}: sso-session named `{session}` was not found"
            ),
            InvalidValue {
                profile,
                key,
                origin,
            } => {
                write!(
                    f,
                    "profile `{profile}` in {origin}: key `{key}`: invalid value"
                )
            }
        }
    }
}

impl std::error::Error for ProfileChainError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            ProfileChainError::StaticKeys { error, .. } => Some(error),
            _ => None,
        }
    }
}

impl ProfileChain {
    /// Resolves the set's selected profile.
    ///
    /// ```
    /// use ziggurat_config::profile::{parse, BaseSource, FileKind, ProfileChain, ProfileSet};
    ///
    /// let config = parse(
    ///     "[profile dev]\nrole_arn = arn:aws:iam::1:role/Dev\ncredential_source = Ec2InstanceMetadata\n",
    ///     "/home/me/.aws/config",
    ///     FileKind::Config,
    /// )?;
    /// let chain = ProfileChain::resolve(&ProfileSet::from_parsed("dev", [config]))?;
    /// assert!(matches!(chain.base(), BaseSource::NamedSource(_)));
    /// assert_eq!(chain.roles()[0].role_arn, "arn:aws:iam::1:role/Dev");
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn resolve(set: &ProfileSet) -> Result<Self, ProfileChainError> {
        Self::resolve_profile(set, set.selected_name())
    }

    /// Resolves the profile `name` of the set.
    ///
    /// Static keys in a source profile win over that profile's own `role_arn`; in the profile
    /// resolution starts from, `role_arn` wins. A `source_profile` naming its own profile means
    /// "assume the role with this profile's keys". Loops are an error naming the profiles.
    pub fn resolve_profile(set: &ProfileSet, name: &str) -> Result<Self, ProfileChainError> {
        let mut visited: Vec<String> = Vec::new();
        let mut roles = Vec::new();
        let mut name = name.to_owned();
        let mut referenced_at: Option<Origin> = None;
        let base = loop {
            let Some(profile) = set.profile(&name) else {
                return Err(match (visited.last(), referenced_at) {
                    (Some(from), Some(origin)) => ProfileChainError::MissingSourceProfile {
                        profile: name,
                        referenced_from: from.clone(),
                        origin,
                    },
                    _ => ProfileChainError::MissingProfile { profile: name },
                });
            };
            let seen = visited.contains(&name);
            visited.push(name.clone());
            if seen {
                return Err(ProfileChainError::CredentialLoop { profiles: visited });
            }
            if visited.len() > 1 && has_static_keys(profile) {
                break access_key(profile)?;
            }
            let Some(role_arn) = profile.property("role_arn") else {
                break base_source(set, profile)?;
            };
            if let Some(file) = profile.get("web_identity_token_file") {
                break BaseSource::WebIdentityToken(WebIdentityToken {
                    profile: name,
                    role_arn: role_arn.value().to_owned(),
                    web_identity_token_file: file.to_owned(),
                    role_session_name: owned(profile.get("role_session_name")),
                });
            }
            roles.push(assume_role(profile, role_arn)?);
            let source_profile = profile.property("source_profile");
            let credential_source = profile.property("credential_source");
            match (source_profile, credential_source) {
                (Some(source), Some(_)) => {
                    return Err(ProfileChainError::ConflictingRoleSources {
                        profile: name,
                        origin: source.origin().clone(),
                    });
                }
                (None, None) => {
                    return Err(ProfileChainError::NoRoleSource {
                        profile: name,
                        origin: role_arn.origin().clone(),
                    });
                }
                (None, Some(source)) => {
                    let named = NamedSource::from_name(source.value()).ok_or_else(|| {
                        ProfileChainError::UnknownCredentialSource {
                            profile: name.clone(),
                            name: source.value().to_owned(),
                            origin: source.origin().clone(),
                        }
                    })?;
                    break BaseSource::NamedSource(named);
                }
                (Some(source), None) if source.value() == name => break access_key(profile)?,
                (Some(source), None) => {
                    referenced_at = Some(source.origin().clone());
                    name = source.value().to_owned();
                }
            }
        };
        roles.reverse();
        Ok(ProfileChain { base, roles })
    }

    /// The first source of credentials.
    pub fn base(&self) -> &BaseSource {
        &self.base
    }

    /// The roles to assume from the base credentials, first to last.
    pub fn roles(&self) -> &[AssumeRole] {
        &self.roles
    }
}

fn owned(s: Option<&str>) -> Option<String> {
    s.map(str::to_owned)
}

fn has_static_keys(profile: &Profile) -> bool {
    profile.get("aws_access_key_id").is_some() || profile.get("aws_secret_access_key").is_some()
}

fn access_key(profile: &Profile) -> Result<BaseSource, ProfileChainError> {
    let keys = profile
        .static_keys()
        .map_err(|error| ProfileChainError::StaticKeys {
            profile: profile.name().to_owned(),
            error,
        })?;
    let Some(StaticKeys {
        access_key_id,
        secret_access_key,
        session_token,
    }) = keys
    else {
        return Err(ProfileChainError::NoCredentials {
            profile: profile.name().to_owned(),
        });
    };
    Ok(BaseSource::AccessKey(AccessKey {
        profile: profile.name().to_owned(),
        access_key_id: access_key_id.value().to_owned(),
        secret_access_key: secret_access_key.value().to_owned(),
        session_token: session_token.map(|t| t.value().to_owned()),
        account_id: owned(profile.get("aws_account_id")),
        origin: access_key_id.origin().clone(),
    }))
}

fn assume_role(profile: &Profile, role_arn: &Property) -> Result<AssumeRole, ProfileChainError> {
    let duration_seconds = match profile.property("duration_seconds") {
        None => None,
        Some(p) => Some(
            p.value()
                .parse::<u32>()
                .map_err(|_| ProfileChainError::InvalidValue {
                    profile: profile.name().to_owned(),
                    key: "duration_seconds".to_owned(),
                    origin: p.origin().clone(),
                })?,
        ),
    };
    Ok(AssumeRole {
        profile: profile.name().to_owned(),
        role_arn: role_arn.value().to_owned(),
        external_id: owned(profile.get("external_id")),
        role_session_name: owned(profile.get("role_session_name")),
        duration_seconds,
        mfa_serial: owned(profile.get("mfa_serial")),
        origin: role_arn.origin().clone(),
    })
}

/// The base source of a profile without `role_arn`.
fn base_source(set: &ProfileSet, profile: &Profile) -> Result<BaseSource, ProfileChainError> {
    let name = profile.name().to_owned();
    if has_static_keys(profile) {
        return access_key(profile);
    }
    if let Some(file) = profile.property("web_identity_token_file") {
        return Err(ProfileChainError::MissingRoleArn {
            profile: name,
            origin: file.origin().clone(),
        });
    }
    const SSO_KEYS: [&str; 5] = [
        "sso_session",
        "sso_start_url",
        "sso_account_id",
        "sso_role_name",
        "sso_region",
    ];
    if SSO_KEYS.iter().any(|k| profile.get(k).is_some()) {
        return sso(set, profile).map(BaseSource::Sso);
    }
    if let Some(command) = profile.property("credential_process") {
        return Ok(BaseSource::CredentialProcess(CredentialProcess {
            profile: name,
            command: command.value().to_owned(),
            origin: command.origin().clone(),
        }));
    }
    Err(ProfileChainError::NoCredentials { profile: name })
}

fn sso(set: &ProfileSet, profile: &Profile) -> Result<Sso, ProfileChainError> {
    let invalid = |message: String| ProfileChainError::InvalidSso {
        profile: profile.name().to_owned(),
        message,
    };
    let account = owned(profile.get("sso_account_id"));
    let role = owned(profile.get("sso_role_name"));
    match (&account, &role) {
        (None, Some(_)) => {
            return Err(invalid(
                "if `sso_role_name` is set, then `sso_account_id` must also be set".into(),
            ));
        }
        (Some(_), None) => {
            return Err(invalid(
                "if `sso_account_id` is set, then `sso_role_name` must also be set".into(),
            ));
        }
        _ => {}
    }
    if let Some(session_key) = profile.property("sso_session") {
        let session_name = session_key.value();
        let session =
            set.sso_session(session_name)
                .ok_or_else(|| ProfileChainError::MissingSsoSession {
                    profile: profile.name().to_owned(),
                    session: session_name.to_owned(),
                    origin: session_key.origin().clone(),
                })?;
        let mut values = Vec::with_capacity(2);
        for key in ["sso_region", "sso_start_url"] {
            let from_session = session.get(key);
            if let Some(own) = profile.property(key)
                && from_session != Some(own.value())
            {
                return Err(invalid(format!(
                    "`{key}` ({}) can only be specified in the [sso-session] config when a \
                     session name is given, or must equal the session's",
                    own.origin()
                )));
            }
            let value = from_session.ok_or_else(|| {
                invalid(format!("sso-session `{session_name}` does not set `{key}`"))
            })?;
            values.push(value.to_owned());
        }
        let mut values = values.into_iter();
        return Ok(Sso {
            profile: profile.name().to_owned(),
            sso_session: Some(session_name.to_owned()),
            sso_region: values.next().unwrap_or_default(),
            sso_start_url: values.next().unwrap_or_default(),
            sso_account_id: account,
            sso_role_name: role,
            sso_registration_scopes: owned(session.get("sso_registration_scopes")),
        });
    }
    let required = |key: &str| {
        profile
            .get(key)
            .map(str::to_owned)
            .ok_or_else(|| invalid(format!("the SSO profile is missing `{key}`")))
    };
    let sso_start_url = required("sso_start_url")?;
    let sso_region = required("sso_region")?;
    required("sso_account_id")?;
    required("sso_role_name")?;
    Ok(Sso {
        profile: profile.name().to_owned(),
        sso_session: None,
        sso_region,
        sso_start_url,
        sso_account_id: account,
        sso_role_name: role,
        sso_registration_scopes: None,
    })
}

#[cfg(test)]
mod tests {
    use super::super::parse::{FileKind, parse};
    use super::*;

    fn chain(config: &str, selected: &str) -> Result<ProfileChain, ProfileChainError> {
        let file = parse(config, "/config", FileKind::Config).unwrap();
        ProfileChain::resolve(&ProfileSet::from_parsed(selected, [file]))
    }

    #[test]
    fn loops_name_every_profile_and_terminate() {
        let e = chain(
            "[profile a]\nrole_arn = r\nsource_profile = b\n[profile b]\nrole_arn = r\nsource_profile = c\n[profile c]\nrole_arn = r\nsource_profile = a\n",
            "a",
        )
        .unwrap_err();
        assert_eq!(
            e,
            ProfileChainError::CredentialLoop {
                profiles: vec!["a".into(), "b".into(), "c".into(), "a".into()]
            }
        );
        assert!(e.to_string().contains("a -> b -> c -> a"), "{e}");
    }

    #[test]
    fn credential_process_and_role_options_are_read() {
        let c = chain(
            "[profile a]\nrole_arn = r\nsource_profile = b\nduration_seconds = 900\nmfa_serial = m\n[profile b]\ncredential_process = /bin/creds --x\n",
            "a",
        )
        .unwrap();
        assert!(
            matches!(c.base(), BaseSource::CredentialProcess(p) if p.command == "/bin/creds --x")
        );
        assert_eq!(c.roles()[0].duration_seconds, Some(900));
        assert_eq!(c.roles()[0].mfa_serial.as_deref(), Some("m"));
    }

    #[test]
    fn errors_say_where_the_key_is() {
        let e = chain(
            "[profile a]\nregion = x\nrole_arn = r\nsource_profile = nope\n",
            "a",
        )
        .unwrap_err();
        assert!(e.to_string().contains("/config line 4"), "{e}");
        let e = chain(
            "[profile a]\nrole_arn = r\nduration_seconds = soon\ncredential_source = Environment\n",
            "a",
        )
        .unwrap_err();
        assert!(matches!(e, ProfileChainError::InvalidValue { .. }), "{e}");
        let e = chain("[profile a]\nrole_arn = r\ncredential_source = Moon\n", "a").unwrap_err();
        assert!(
            matches!(e, ProfileChainError::UnknownCredentialSource { .. }),
            "{e}"
        );
    }

    #[test]
    fn access_key_debug_hides_the_secret() {
        let c = chain(
            "[profile a]\naws_access_key_id = AKID\naws_secret_access_key = hidden-secret\naws_session_token = hidden-token\n",
            "a",
        )
        .unwrap();
        let debug = format!("{c:?}");
        assert!(
            !debug.contains("hidden-secret") && !debug.contains("hidden-token"),
            "{debug}"
        );
        assert!(debug.contains("AKID"));
    }
}
