//! `zig configure` and `zig --profile`, run as processes with a temporary `HOME`: the shared
//! files are read the way the SDKs read them, credentials are exported in the aws CLI's
//! formats, settings say where they came from, and roles are assumed against moto's STS
//! (with an MFA code read from stdin).
use std::process::Output;

use tokio::io::AsyncWriteExt;

use crate::support::peers::peer_url;

const CONFIG: &str =
    "[default]\nregion = us-west-2\n\n[profile dev]\nregion = eu-west-1\nmax_attempts = 7\n";
const CREDENTIALS: &str =
    "[dev]\naws_access_key_id = AKIDDEVEXAMPLE\naws_secret_access_key = devSecretValue123\n";

struct Home(tempfile::TempDir);

impl Home {
    fn new(config: &str, credentials: &str) -> Home {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".aws")).unwrap();
        std::fs::write(dir.path().join(".aws/config"), config).unwrap();
        std::fs::write(dir.path().join(".aws/credentials"), credentials).unwrap();
        Home(dir)
    }

    async fn zig(&self, args: &[&str], stdin: Option<&str>) -> Output {
        let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_zig"));
        cmd.args(args)
            .env("HOME", self.0.path())
            .env("AWS_EC2_METADATA_DISABLED", "true");
        for var in [
            "AWS_PROFILE",
            "AWS_DEFAULT_PROFILE",
            "AWS_CONFIG_FILE",
            "AWS_SHARED_CREDENTIALS_FILE",
            "AWS_ACCESS_KEY_ID",
            "AWS_SECRET_ACCESS_KEY",
            "AWS_SESSION_TOKEN",
            "AWS_REGION",
            "AWS_DEFAULT_REGION",
            "AWS_MAX_ATTEMPTS",
            "AWS_RETRY_MODE",
            "AWS_ENDPOINT_URL",
            "AWS_WEB_IDENTITY_TOKEN_FILE",
            "AWS_ROLE_ARN",
            "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        ] {
            cmd.env_remove(var);
        }
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().expect("run zig");
        let mut input = child.stdin.take().unwrap();
        if let Some(text) = stdin {
            input.write_all(text.as_bytes()).await.unwrap();
        }
        drop(input);
        child.wait_with_output().await.unwrap()
    }
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[tokio::test]
async fn export_credentials_prints_the_profile_s_keys_in_each_format() {
    let home = Home::new(CONFIG, CREDENTIALS);
    let out = home
        .zig(
            &["configure", "export-credentials", "--profile", "dev"],
            None,
        )
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["Version"], 1);
    assert_eq!(doc["AccessKeyId"], "AKIDDEVEXAMPLE");
    assert_eq!(doc["SecretAccessKey"], "devSecretValue123");

    let out = home
        .zig(
            &[
                "configure",
                "export-credentials",
                "--profile",
                "dev",
                "--format",
                "env",
            ],
            None,
        )
        .await;
    assert_eq!(
        text(&out.stdout),
        "export AWS_ACCESS_KEY_ID=AKIDDEVEXAMPLE\nexport AWS_SECRET_ACCESS_KEY=devSecretValue123\n"
    );
    let out = home
        .zig(
            &[
                "configure",
                "export-credentials",
                "--profile",
                "dev",
                "--format",
                "env-no-export",
            ],
            None,
        )
        .await;
    assert!(text(&out.stdout).starts_with("AWS_ACCESS_KEY_ID=AKIDDEVEXAMPLE\n"));
}

#[tokio::test]
async fn get_prints_resolved_settings_and_exits_1_when_unset() {
    let home = Home::new(CONFIG, CREDENTIALS);
    let out = home.zig(&["configure", "get", "region"], None).await;
    assert_eq!(text(&out.stdout), "us-west-2\n");
    let out = home
        .zig(&["configure", "get", "region", "--profile", "dev"], None)
        .await;
    assert_eq!(text(&out.stdout), "eu-west-1\n");
    let out = home
        .zig(
            &["configure", "get", "max_attempts", "--profile", "dev"],
            None,
        )
        .await;
    assert_eq!(text(&out.stdout), "7\n");
    let out = home
        .zig(
            &["configure", "get", "retry_mode", "--profile", "dev"],
            None,
        )
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty() && out.stderr.is_empty());
}

#[tokio::test]
async fn list_says_where_each_value_came_from_and_never_shows_the_secret() {
    let home = Home::new(CONFIG, CREDENTIALS);
    let out = home
        .zig(&["configure", "list", "--profile", "dev"], None)
        .await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    assert!(
        listed.contains("profile") && listed.contains("dev"),
        "{listed}"
    );
    assert!(listed.contains("****************MPLE"), "{listed}");
    let region = listed.lines().find(|l| l.starts_with("region")).unwrap();
    assert!(
        region.contains("eu-west-1")
            && region.contains("profile `dev`")
            && region.contains("config line 5"),
        "{region}"
    );
    assert!(!listed.contains("devSecretValue123"), "{listed}");
}

#[tokio::test]
async fn a_missing_profile_is_a_clear_error() {
    let home = Home::new(CONFIG, CREDENTIALS);
    let out = home
        .zig(
            &["configure", "export-credentials", "--profile", "nope"],
            None,
        )
        .await;
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("`nope`"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test]
async fn a_role_chain_with_mfa_is_assumed_against_moto() {
    let Some(moto) = peer_url("ZIGGURAT_MOTO_URL", "zig --profile with a role chain") else {
        return;
    };
    let config = format!(
        "[profile base]\nregion = us-east-1\n\n\
         [profile first]\nrole_arn = arn:aws:iam::123456789012:role/first\nsource_profile = base\n\n\
         [profile second]\nregion = us-east-1\nrole_arn = arn:aws:iam::123456789012:role/second\n\
         source_profile = first\nmfa_serial = arn:aws:iam::123456789012:mfa/me\n\n\
         [services moto]\nsts =\n  endpoint_url = {moto}\n"
    );
    let config = config.replace("[profile second]\n", "[profile second]\nservices = moto\n");
    let config = config.replace("[profile first]\n", "[profile first]\nservices = moto\n");
    let home = Home::new(
        &config,
        "[base]\naws_access_key_id = AKIDBASE\naws_secret_access_key = baseSecret\n",
    );
    let out = home
        .zig(
            &["configure", "export-credentials", "--profile", "second"],
            Some("123456\n"),
        )
        .await;
    let stderr = text(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("Enter MFA code for arn:aws:iam::123456789012:mfa/me: "),
        "{stderr}"
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let key = doc["AccessKeyId"].as_str().unwrap();
    assert!(key.starts_with("ASIA"), "{doc}");
    assert!(doc["SessionToken"].as_str().is_some_and(|t| !t.is_empty()));
    assert!(doc["Expiration"].as_str().is_some());
}
