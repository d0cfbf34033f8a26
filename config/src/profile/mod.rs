//! The shared config and credentials files: `~/.aws/config` and `~/.aws/credentials`.
//!
//! Every AWS SDK and the CLI read the same two files with the same rules, and users expect a
//! profile that works with one tool to work with all of them. This module implements those
//! rules (checked against the cross-SDK test suites): `[profile name]` in the config file,
//! `[name]` in the credentials file, `[default]` in both; the credentials file wins over the
//! config file and later duplicates win; comments, continuation lines, sub-properties (`s3 =`
//! blocks), and `[sso-session name]` and `[services name]` sections.
//!
//! Unlike SDKs that parse lazily and fail on first use, problems surface when the files are
//! loaded, and every value remembers its file and line, so an error can say "profile `dev`
//! in /home/me/.aws/config line 12: key `role_arn` ...". Values of secret keys never appear in
//! `Debug` output or errors.
//!
//! The pieces, in the order they run:
//! - [`location`]: where the files are, and which profile is selected;
//! - [`ProfileFiles`]: reads them (through [`Fs`](crate::Fs)) and merges them into a
//!   [`ProfileSet`], with extra files and a profile name given in code;
//! - [`parse`]: one file's text into [`Section`]s of [`Property`]s;
//! - [`chain`]: the selected profile resolved into its credential sources.
//!
//! ```
//! use ziggurat_config::profile::{BaseSource, ProfileChain, ProfileFiles};
//! use ziggurat_config::{Env, Fs};
//!
//! let env = Env::from_pairs([("HOME", "/home/me"), ("AWS_PROFILE", "dev")]);
//! let fs = Fs::from_pairs([
//!     (
//!         "/home/me/.aws/config",
//!         "[profile dev]\n\
//!          region = eu-west-1\n\
//!          role_arn = arn:aws:iam::123456789012:role/Dev\n\
//!          source_profile = base\n\
//!          s3 =\n  addressing_style = path\n",
//!     ),
//!     (
//!         "/home/me/.aws/credentials",
//!         "[base]\naws_access_key_id = AKIDEXAMPLE\naws_secret_access_key = wJalrXUtnFEMI\n",
//!     ),
//! ]);
//!
//! let profiles = ProfileFiles::new().load(&env, &fs)?;
//! let dev = profiles.selected().expect("AWS_PROFILE names a defined profile");
//! assert_eq!(dev.get("region"), Some("eu-west-1"));
//! assert_eq!(dev.get_sub("s3", "addressing_style"), Some("path"));
//! assert_eq!(dev.property("region").unwrap().origin().to_string(), "/home/me/.aws/config line 2");
//! assert!(!format!("{profiles:?}").contains("wJalrXUtnFEMI"));
//!
//! let chain = ProfileChain::resolve(&profiles)?;
//! assert!(matches!(chain.base(), BaseSource::AccessKey(k) if k.access_key_id == "AKIDEXAMPLE"));
//! assert_eq!(chain.roles()[0].role_arn, "arn:aws:iam::123456789012:role/Dev");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
pub mod chain;
mod error;
pub mod location;
mod parse;
mod set;

pub use chain::{
    AccessKey, AssumeRole, BaseSource, CredentialProcess, NamedSource, ProfileChain,
    ProfileChainError, Sso, WebIdentityToken,
};
pub use error::{ProfileFileError, ProfileFileErrorKind};
pub use location::{Platform, ProfileFiles};
pub use parse::{FileKind, Origin, ParsedFile, Property, Section, SectionKind, parse, parse_bytes};
pub use set::{Profile, ProfileSet, StaticKeys, StaticKeysError};
