//! [`CredentialProcessProvider`]: credentials from an external program (`credential_process`).
//!
//! A profile's `credential_process = <command>` names a program that prints credentials as
//! JSON on stdout. This is how tools such as `aws-vault`, `granted` or a company's own SSO
//! helper plug into every SDK. The program prints:
//!
//! ```json
//! { "Version": 1, "AccessKeyId": "...", "SecretAccessKey": "...",
//!   "SessionToken": "...", "Expiration": "2030-01-01T00:00:00Z", "AccountId": "..." }
//! ```
//!
//! `Version` must be `1`; `SessionToken`, `Expiration` (RFC 3339) and `AccountId` are
//! optional. Credentials with an `Expiration` carry it, so a
//! [`CredentialsCache`](ziggurat_core::credentials::CredentialsCache) runs the program again
//! ahead of expiry.
//!
//! **Quoting.** The command line is run by the shell, `sh -c <command>` on unix and
//! `cmd.exe /C <command>` on Windows, as smithy-rs and the AWS CLI v2 do, so quoting,
//! `~`, variables and pipes behave as they do in a terminal. The alternative, splitting the
//! line ourselves (`shell-words`), would add a dependency and still differ from the shell in
//! corner cases users would then have to learn. The program inherits the process
//! environment, stdin is closed.
//!
//! **Bounds.** A program that hangs is killed after a timeout (60 s by default,
//! [`with_timeout`](CredentialProcessProvider::with_timeout)); on unix the program runs in its
//! own process group and the whole group is killed, so a helper's own children do not linger.
//! Stdout is read up to 64 KiB ([`with_max_output`](CredentialProcessProvider::with_max_output)):
//! beyond that the program is killed and the fetch fails.
//!
//! **Errors** quote the program's stderr (the first 1 KiB), never its stdout, where the
//! secrets are. The command's arguments may hold secrets too, so `Debug`, errors and logs show
//! only the program name.
//!
//! ```
//! # #[cfg(unix)] {
//! use std::time::Duration;
//! use ziggurat_config::provider::CredentialProcessProvider;
//! use ziggurat_core::credentials::ProvideCredentials;
//!
//! # #[tokio::main(flavor = "current_thread")] async fn main() {
//! let provider = CredentialProcessProvider::new(
//!     r#"echo '{"Version": 1, "AccessKeyId": "AKID", "SecretAccessKey": "secret"}'"#,
//! )
//! .with_timeout(Duration::from_secs(10));
//! let creds = provider.provide_credentials().await.unwrap();
//! assert_eq!(creds.access_key_id(), "AKID");
//! # }
//! # main() }
//! ```
use std::fmt;
use std::process::{ExitStatus, Stdio};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};
use ziggurat_core::credentials::{
    Credentials, CredentialsError, ProvideCredentials, ProvideCredentialsFuture,
};

use crate::json_credentials;

/// How long the program may run, by default.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60);
/// The most stdout read from the program, by default.
pub const DEFAULT_MAX_OUTPUT: usize = 64 * 1024;
/// The most stderr kept for error messages.
const MAX_STDERR_KEPT: usize = 8 * 1024;
/// The most stderr quoted in an error message.
const MAX_STDERR_QUOTED: usize = 1024;

/// Runs a `credential_process` command for credentials. See the [module documentation](self).
#[derive(Clone)]
pub struct CredentialProcessProvider {
    command: String,
    timeout: Duration,
    max_output: usize,
}

impl CredentialProcessProvider {
    /// A provider running `command` (a shell command line) with the default bounds.
    pub fn new(command: impl Into<String>) -> Self {
        CredentialProcessProvider {
            command: command.into(),
            timeout: DEFAULT_TIMEOUT,
            max_output: DEFAULT_MAX_OUTPUT,
        }
    }

    /// Kills the program and fails if it runs longer than `timeout`.
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Kills the program and fails if it prints more than `bytes` on stdout.
    pub fn with_max_output(mut self, bytes: usize) -> Self {
        self.max_output = bytes;
        self
    }

    /// The program's name: the command's first word, which errors and logs show instead of
    /// the whole command line.
    pub fn program(&self) -> &str {
        self.command.split_whitespace().next().unwrap_or("")
    }

    /// Runs the program once and reads its credentials.
    pub async fn credentials(&self) -> Result<Credentials, CredentialProcessError> {
        let program = self.program().to_owned();
        let error = |kind| CredentialProcessError {
            program: program.clone(),
            kind,
        };
        tracing::debug!(program = %program, "running credential_process");
        let mut child = shell(&self.command)
            .spawn()
            .map_err(|e| error(ErrorKind::Spawn(e)))?;
        let stdout = child.stdout.take();
        let stderr = child.stderr.take();
        let max_output = self.max_output;
        let run = async {
            let (out, err) =
                tokio::try_join!(read_stdout(stdout, max_output), read_stderr(stderr))?;
            let status = child.wait().await.map_err(Failure::Io)?;
            Ok::<_, Failure>((status, out, err))
        };
        let outcome = tokio::time::timeout(self.timeout, run).await;
        let (status, out, err) = match outcome {
            Ok(Ok(done)) => done,
            Ok(Err(failure)) => {
                kill(&mut child).await;
                return Err(error(match failure {
                    Failure::Io(e) => ErrorKind::Io(e),
                    Failure::TooLarge => ErrorKind::OutputTooLarge(max_output),
                }));
            }
            Err(_) => {
                kill(&mut child).await;
                return Err(error(ErrorKind::Timeout(self.timeout)));
            }
        };
        let stderr = quote(&err);
        if !status.success() {
            return Err(error(ErrorKind::Exit { status, stderr }));
        }
        parse(&out).map_err(|message| error(ErrorKind::InvalidOutput { message, stderr }))
    }
}

fn shell(command: &str) -> Command {
    #[cfg(windows)]
    let mut cmd = {
        let mut cmd = Command::new("cmd.exe");
        cmd.arg("/C").arg(command);
        cmd
    };
    #[cfg(not(windows))]
    let mut cmd = {
        let mut cmd = Command::new("sh");
        cmd.arg("-c").arg(command);
        cmd
    };
    #[cfg(unix)]
    cmd.process_group(0);
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    cmd
}

/// Kills the program (on unix with its process group) and reaps it.
async fn kill(child: &mut Child) {
    #[cfg(unix)]
    if let Some(pid) = child.id().and_then(|p| libc::pid_t::try_from(p).ok()) {
        // SAFETY: `kill` has no memory-safety preconditions. The child has not been reaped
        // yet (`id()` is `Some`), so its pid, which is also its process group id
        // (`process_group(0)`), still names our group and cannot have been reused.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    if let Err(e) = child.kill().await {
        tracing::warn!(error = %e, "could not kill credential_process");
    }
}

enum Failure {
    Io(std::io::Error),
    TooLarge,
}

async fn read_stdout(
    stream: Option<impl AsyncRead + Unpin>,
    max: usize,
) -> Result<Vec<u8>, Failure> {
    let mut out = Vec::new();
    if let Some(stream) = stream {
        let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
        stream
            .take(limit)
            .read_to_end(&mut out)
            .await
            .map_err(Failure::Io)?;
    }
    if out.len() > max {
        return Err(Failure::TooLarge);
    }
    Ok(out)
}

/// Reads stderr, keeping the start and draining the rest so the program never blocks on it.
async fn read_stderr(stream: Option<impl AsyncRead + Unpin>) -> Result<Vec<u8>, Failure> {
    let mut kept = Vec::new();
    if let Some(mut stream) = stream {
        (&mut stream)
            .take(MAX_STDERR_KEPT as u64)
            .read_to_end(&mut kept)
            .await
            .map_err(Failure::Io)?;
        tokio::io::copy(&mut stream, &mut tokio::io::sink())
            .await
            .map_err(Failure::Io)?;
    }
    Ok(kept)
}

fn quote(stderr: &[u8]) -> String {
    let text = String::from_utf8_lossy(stderr);
    let text = text.trim();
    match text.char_indices().nth(MAX_STDERR_QUOTED) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

fn parse(stdout: &[u8]) -> Result<Credentials, String> {
    let text = std::str::from_utf8(stdout).map_err(|_| "the output is not UTF-8".to_owned())?;
    let map = json_credentials::parse_object(text)?;
    match map.get("Version") {
        None => return Err("the output has no `Version` field".to_owned()),
        Some(serde_json::Value::Number(n)) if n.as_u64() == Some(1) => {}
        Some(serde_json::Value::Number(n)) => {
            return Err(format!("unsupported `Version` {n} (only 1 is supported)"));
        }
        Some(_) => return Err("the `Version` field is not a number".to_owned()),
    }
    json_credentials::credentials(&map, "SessionToken")
}

impl fmt::Debug for CredentialProcessProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let redacted = self.command.trim() != self.program();
        f.debug_struct("CredentialProcessProvider")
            .field("program", &self.program())
            .field(
                "arguments",
                &if redacted { "** redacted **" } else { "none" },
            )
            .field("timeout", &self.timeout)
            .field("max_output", &self.max_output)
            .finish()
    }
}

impl ProvideCredentials for CredentialProcessProvider {
    fn provide_credentials(&self) -> ProvideCredentialsFuture<'_> {
        ProvideCredentialsFuture::new(async {
            self.credentials().await.map_err(|e| {
                let message = e.to_string();
                CredentialsError::provider_error(message, e)
            })
        })
    }
}

/// Why `credential_process` gave no credentials.
#[derive(Debug)]
#[non_exhaustive]
pub struct CredentialProcessError {
    program: String,
    kind: ErrorKind,
}

#[derive(Debug)]
enum ErrorKind {
    Spawn(std::io::Error),
    Io(std::io::Error),
    Timeout(Duration),
    OutputTooLarge(usize),
    Exit { status: ExitStatus, stderr: String },
    InvalidOutput { message: String, stderr: String },
}

impl CredentialProcessError {
    /// The program ran longer than the timeout and was killed.
    pub fn is_timeout(&self) -> bool {
        matches!(self.kind, ErrorKind::Timeout(_))
    }
    /// The program's exit code, when it exited unsuccessfully with one.
    pub fn exit_code(&self) -> Option<i32> {
        match &self.kind {
            ErrorKind::Exit { status, .. } => status.code(),
            _ => None,
        }
    }
    /// The start of what the program wrote on stderr, when it ran to the end.
    pub fn stderr(&self) -> Option<&str> {
        match &self.kind {
            ErrorKind::Exit { stderr, .. } | ErrorKind::InvalidOutput { stderr, .. } => {
                Some(stderr)
            }
            _ => None,
        }
    }
    /// The program printed something that is not `Version: 1` credentials JSON, or too much.
    pub fn is_invalid_output(&self) -> bool {
        matches!(
            self.kind,
            ErrorKind::InvalidOutput { .. } | ErrorKind::OutputTooLarge(_)
        )
    }
}

impl fmt::Display for CredentialProcessError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let program = &self.program;
        let with_stderr = |f: &mut fmt::Formatter<'_>, stderr: &str| {
            if stderr.is_empty() {
                Ok(())
            } else {
                write!(f, "; stderr: {stderr}")
            }
        };
        match &self.kind {
            ErrorKind::Spawn(e) => write!(f, "credential_process `{program}` could not start: {e}"),
            ErrorKind::Io(e) => write!(
                f,
                "credential_process `{program}`: reading its output failed: {e}"
            ),
            ErrorKind::Timeout(d) => {
                write!(
                    f,
                    "credential_process `{program}` did not finish within {d:?} and was killed"
                )
            }
            ErrorKind::OutputTooLarge(max) => write!(
                f,
                "credential_process `{program}` printed more than {max} bytes and was killed"
            ),
            ErrorKind::Exit { status, stderr } => {
                write!(f, "credential_process `{program}` failed ({status})")?;
                with_stderr(f, stderr)
            }
            ErrorKind::InvalidOutput { message, stderr } => {
                write!(
                    f,
                    "credential_process `{program}` printed invalid credentials: {message}"
                )?;
                with_stderr(f, stderr)
            }
        }
    }
}

impl std::error::Error for CredentialProcessError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.kind {
            ErrorKind::Spawn(e) | ErrorKind::Io(e) => Some(e),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_the_program_only() {
        let p = CredentialProcessProvider::new("helper --password very-secret");
        let shown = format!("{p:?}");
        assert!(
            shown.contains("helper") && !shown.contains("very-secret"),
            "{shown}"
        );
    }

    #[test]
    fn version_must_be_one() {
        let e = parse(br#"{"Version":2,"AccessKeyId":"A","SecretAccessKey":"S"}"#).unwrap_err();
        assert!(e.contains("Version"), "{e}");
        let e = parse(br#"{"AccessKeyId":"A","SecretAccessKey":"S"}"#).unwrap_err();
        assert!(e.contains("Version"), "{e}");
        assert!(parse(br#"{"Version":1,"AccessKeyId":"A","SecretAccessKey":"S"}"#).is_ok());
    }

    #[test]
    fn long_stderr_is_cut() {
        let q = quote("é".repeat(5000).as_bytes());
        assert_eq!(q.chars().count(), MAX_STDERR_QUOTED + 1);
    }
}
