//! `credential_process` with real child processes (`sh -c`).
use std::time::{Duration, Instant, UNIX_EPOCH};

use ziggurat_config::provider::CredentialProcessProvider;
use ziggurat_core::credentials::ProvideCredentials;

use crate::support::assert_hidden;

#[tokio::test]
async fn temporary_credentials_carry_their_expiry() {
    let p = CredentialProcessProvider::new(
        r#"echo '{"Version": 1, "AccessKeyId": "ASIAPROC", "SecretAccessKey": "proc-secret",
          "SessionToken": "proc-token", "Expiration": "2030-01-01T00:00:00Z",
          "AccountId": "123456789012"}'"#,
    );
    let c = p.provide_credentials().await.unwrap();
    assert_eq!(c.access_key_id(), "ASIAPROC");
    assert_eq!(c.secret_access_key(), "proc-secret");
    assert_eq!(c.session_token(), Some("proc-token"));
    assert_eq!(c.account_id(), Some("123456789012"));
    assert_eq!(
        c.expiry(),
        Some(UNIX_EPOCH + Duration::from_secs(1_893_456_000))
    );
    assert_hidden(
        &[format!("{c:?}"), format!("{p:?}")],
        &["proc-secret", "proc-token"],
    );
}

#[tokio::test]
async fn a_failing_process_is_quoted_by_its_stderr_and_never_its_stdout() {
    let p = CredentialProcessProvider::new(
        r#"echo '{"Version": 1, "AccessKeyId": "AK", "SecretAccessKey": "proc-secret"}'; echo 'helper: session expired, run helper login' >&2; exit 3"#,
    );
    let e = p.credentials().await.unwrap_err();
    assert_eq!(e.exit_code(), Some(3));
    assert_eq!(
        e.stderr(),
        Some("helper: session expired, run helper login")
    );
    let shown = p.provide_credentials().await.unwrap_err().to_string();
    assert!(shown.contains("session expired"), "{shown}");
    assert_hidden(&[shown, e.to_string(), format!("{e:?}")], &["proc-secret"]);
}

#[tokio::test]
async fn bad_json_is_an_error_without_the_output() {
    let p =
        CredentialProcessProvider::new(r#"echo '{"Version": 1, "SecretAccessKey": "proc-secret"'"#);
    let e = p.credentials().await.unwrap_err();
    assert!(e.is_invalid_output(), "{e}");
    assert!(e.to_string().contains("not valid JSON"), "{e}");
    assert_hidden(&[e.to_string(), format!("{e:?}")], &["proc-secret"]);
}

#[tokio::test]
async fn only_version_1_is_accepted() {
    let p = CredentialProcessProvider::new(
        r#"echo '{"Version": 2, "AccessKeyId": "AK", "SecretAccessKey": "proc-secret"}'"#,
    );
    let e = p.credentials().await.unwrap_err();
    assert!(
        e.is_invalid_output() && e.to_string().contains("Version"),
        "{e}"
    );
    assert_hidden(&[e.to_string()], &["proc-secret"]);
}

#[tokio::test]
async fn arguments_keep_their_shell_quoting() {
    let p = CredentialProcessProvider::new(
        r#"printf '{"Version": 1, "AccessKeyId": "%s", "SecretAccessKey": "%s"}' 'AK with  spaces' "s e""cret""#,
    );
    let c = p.credentials().await.unwrap();
    assert_eq!(c.access_key_id(), "AK with  spaces");
    assert_eq!(c.secret_access_key(), "s ecret");
}

#[tokio::test]
async fn too_much_output_is_cut_off() {
    let p = CredentialProcessProvider::new("yes").with_max_output(4096);
    let e = p.credentials().await.unwrap_err();
    assert!(e.is_invalid_output(), "{e}");
}

#[cfg(target_os = "linux")]
#[tokio::test]
async fn a_hanging_process_is_killed_with_its_children_after_the_timeout() {
    let dir = tempfile::tempdir().unwrap();
    let pid_file = dir.path().join("pid");
    // The shell starts `sleep` as its own child and waits: killing the shell alone would
    // leave `sleep` running.
    let command = format!("sleep 30 & echo $! > '{}'; wait", pid_file.display());
    let p = CredentialProcessProvider::new(command).with_timeout(Duration::from_secs(1));
    let started = Instant::now();
    let e = p.credentials().await.unwrap_err();
    assert!(e.is_timeout(), "{e}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "{:?}",
        started.elapsed()
    );

    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let pid = pid.trim();
    assert!(!pid.is_empty());
    // SIGKILL is delivered at once, but the reaping of the orphan is up to init: wait for
    // the process to be gone or a zombie, with a generous upper bound.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"));
        let dead = match &stat {
            Err(_) => true,
            Ok(s) => s
                .rsplit(')')
                .next()
                .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        };
        if dead {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "sleep {pid} is still running: {stat:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
