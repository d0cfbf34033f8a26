//! Loading configuration the way every AWS SDK loads it.
//!
//! Real users keep their settings in the environment and in the shared files
//! (`~/.aws/config`, `~/.aws/credentials`): a dozen profiles, roles that chain through source
//! profiles, SSO, web identity, `credential_process` helpers. This crate reads all of it into
//! the [`SdkConfig`](ziggurat_core::config::SdkConfig) that every ziggurat client takes.
//!
//! Everything here reads the process environment and the file system through [`Env`] and
//! [`Fs`], so tests (and programs that want isolation) can hand in their own.
//!
//! ```
//! use ziggurat_config::{Env, Fs};
//!
//! let env = Env::from_pairs([("HOME", "/home/me"), ("AWS_PROFILE", "work")]);
//! assert_eq!(env.get("AWS_PROFILE").as_deref(), Some("work"));
//!
//! let fs = Fs::from_pairs([("/home/me/.aws/config", "[profile work]\nregion = eu-west-1\n")]);
//! assert!(fs.read_to_string("/home/me/.aws/config").unwrap().contains("eu-west-1"));
//! ```
#![warn(missing_docs)]

pub mod endpoint_url;
mod env;
mod fs;
mod http;
pub mod imds;
mod json_credentials;
mod loader;
pub mod profile;
pub mod provider;
pub mod settings;

pub use env::Env;
pub use fs::Fs;
pub use loader::{ConfigLoader, LoadDefaults, LoadError, load_defaults};
