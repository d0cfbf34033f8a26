//! `zig configure`: what the configuration chain resolves, as the aws CLI shows it.
//!
//! - `export-credentials [--format process|env|env-no-export]`: the credentials of the
//!   selected profile (or the default chain), in `credential_process` JSON or as shell
//!   variables;
//! - `get NAME`: a setting as the SDK resolves it (environment first, then the profile);
//!   exit 1 when it is unset;
//! - `list`: every setting that is set, with where it came from.
use std::io::Write as _;

use clap::{Args, Subcommand, ValueEnum};
use ziggurat::aws_config::settings::{self, SETTINGS};
use ziggurat::aws_config::{ConfigLoader, Env};
use ziggurat::credentials::ProvideCredentials;
use ziggurat::schema::DateTime;

use crate::Failure;

/// `zig configure ...`.
#[derive(Args, Debug)]
pub struct ConfigureArgs {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Print the resolved credentials (as `credential_process` JSON by default).
    ExportCredentials {
        /// How to print them.
        #[arg(long, value_enum, default_value = "process")]
        format: Format,
    },
    /// Print a setting as the SDK resolves it; exit 1 when it is unset.
    Get {
        /// The setting's profile key (`region`, `max_attempts`, `role_arn`, ...).
        name: String,
    },
    /// List the settings that are set, and where each came from.
    List,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
enum Format {
    /// `{"Version":1,"AccessKeyId":...}`, what `credential_process` prints.
    Process,
    /// `export AWS_ACCESS_KEY_ID=...` lines.
    Env,
    /// `AWS_ACCESS_KEY_ID=...` lines.
    EnvNoExport,
}

/// Runs `zig configure`; `Ok(false)` means "exit 1 without a message" (`get` of an unset
/// setting).
pub async fn run(args: &ConfigureArgs, loader: ConfigLoader) -> Result<bool, Failure> {
    match &args.command {
        Command::ExportCredentials { format } => {
            let config = loader
                .load()
                .await
                .map_err(|e| Failure::Failed(format!("zig: {e}")))?;
            let provider = config
                .credentials()
                .ok_or_else(|| Failure::Failed("zig: no credentials are configured".into()))?;
            let c = provider
                .provide_credentials()
                .await
                .map_err(|e| Failure::Failed(format!("zig: cannot load credentials: {e}")))?;
            let expiration = c.expiry().map(|t| DateTime::from(t).fmt_date_time());
            let mut out = String::new();
            match format {
                Format::Process => {
                    let mut doc = serde_json::json!({
                        "Version": 1,
                        "AccessKeyId": c.access_key_id(),
                        "SecretAccessKey": c.secret_access_key(),
                    });
                    if let Some(token) = c.session_token() {
                        doc["SessionToken"] = token.into();
                    }
                    if let Some(exp) = &expiration {
                        doc["Expiration"] = exp.clone().into();
                    }
                    if let Some(account) = c.account_id() {
                        doc["AccountId"] = account.into();
                    }
                    out = format!("{doc}\n");
                }
                Format::Env | Format::EnvNoExport => {
                    let prefix = if *format == Format::Env {
                        "export "
                    } else {
                        ""
                    };
                    let mut line = |k: &str, v: &str| out.push_str(&format!("{prefix}{k}={v}\n"));
                    line("AWS_ACCESS_KEY_ID", c.access_key_id());
                    line("AWS_SECRET_ACCESS_KEY", c.secret_access_key());
                    if let Some(token) = c.session_token() {
                        line("AWS_SESSION_TOKEN", token);
                    }
                    if let Some(exp) = &expiration {
                        line("AWS_CREDENTIAL_EXPIRATION", exp);
                    }
                }
            }
            print!("{out}");
            Ok(true)
        }
        Command::Get { name } => {
            let profiles = loader
                .load_profiles()
                .map_err(|e| Failure::Failed(format!("zig: {e}")))?;
            match settings::resolve(&Env::real(), &profiles, name) {
                Some(r) => {
                    println!("{}", r.value);
                    Ok(true)
                }
                None => Ok(false),
            }
        }
        Command::List => {
            let profiles = loader
                .load_profiles()
                .map_err(|e| Failure::Failed(format!("zig: {e}")))?;
            let (profile, explicit) = loader.selected_profile();
            let mut out = std::io::stdout().lock();
            let row = |out: &mut std::io::StdoutLock<'_>, name: &str, value: &str, source: &str| {
                let _ = writeln!(out, "{name:<36} {value:<28} {source}");
            };
            row(&mut out, "NAME", "VALUE", "SOURCE");
            row(
                &mut out,
                "profile",
                &profile,
                if explicit { "selected" } else { "default" },
            );
            let env = Env::real();
            // The access key, masked as the aws CLI masks it; never the secret.
            let key = settings::resolve(&env, &profiles, "aws_access_key_id").or_else(|| {
                env.get_non_empty("AWS_ACCESS_KEY_ID")
                    .map(|value| settings::Resolved {
                        value,
                        source: settings::Source::Env("AWS_ACCESS_KEY_ID"),
                    })
            });
            if let Some(k) = key {
                let tail: String = k
                    .value
                    .chars()
                    .rev()
                    .take(4)
                    .collect::<Vec<_>>()
                    .into_iter()
                    .rev()
                    .collect();
                row(
                    &mut out,
                    "access_key",
                    &format!("****************{tail}"),
                    &k.source.to_string(),
                );
            }
            for setting in SETTINGS {
                if let Some(r) = settings::resolve(&env, &profiles, setting.name) {
                    row(&mut out, setting.name, &r.value, &r.source.to_string());
                }
            }
            for key in [
                "role_arn",
                "source_profile",
                "credential_source",
                "mfa_serial",
                "sso_session",
                "sso_start_url",
                "credential_process",
                "web_identity_token_file",
            ] {
                if let Some(r) = settings::from_profile(&profiles, key) {
                    row(&mut out, key, &r.value, &r.source.to_string());
                }
            }
            Ok(true)
        }
    }
}

/// Asks for an MFA code on stderr and reads it from the terminal (stdin when it is not one).
pub fn mfa_prompt() -> impl ziggurat::aws_config::provider::MfaTokenProvider {
    |serial: &str| {
        let serial = serial.to_owned();
        async move {
            let code = tokio::task::spawn_blocking(move || {
                eprint!("Enter MFA code for {serial}: ");
                let _ = std::io::stderr().flush();
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .map(|_| line.trim().to_owned())
            })
            .await
            .map_err(|e| Box::new(e) as ziggurat::error::BoxError)?
            .map_err(|e| Box::new(e) as ziggurat::error::BoxError)?;
            if code.is_empty() {
                return Err("no MFA code was entered".into());
            }
            Ok(code)
        }
    }
}
