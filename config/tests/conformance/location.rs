//! `file-location-tests.json`: environment to file locations and profile name (9 cases).
use std::path::PathBuf;

use ziggurat_config::Env;
use ziggurat_config::profile::Platform;
use ziggurat_config::profile::location::{
    config_file_location, credentials_file_location, selected_profile_name,
};

#[test]
fn file_location_suite() {
    let Some(suite) = super::load("smithy-rs/aws-runtime-test-data/file-location-tests.json")
    else {
        return;
    };
    let tests = suite["tests"].as_array().expect("tests");
    let mut failures = Vec::new();
    for test in tests {
        let name = test["name"].as_str().unwrap_or("?");
        let env = Env::from_pairs(
            test["environment"]
                .as_object()
                .expect("environment")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())),
        );
        let platform = match test["platform"].as_str() {
            Some("windows") => Platform::Windows,
            _ => Platform::Unix,
        };
        let mut problems = Vec::new();
        let config = config_file_location(&env, platform);
        let expected = super::str_field(test, "configLocation").map(PathBuf::from);
        if config != expected {
            problems.push(format!("config {config:?} != {expected:?}"));
        }
        let credentials = credentials_file_location(&env, platform);
        let expected = super::str_field(test, "credentialsLocation").map(PathBuf::from);
        if credentials != expected {
            problems.push(format!("credentials {credentials:?} != {expected:?}"));
        }
        if let Some(expected) = super::str_field(test, "profile") {
            let profile = selected_profile_name(&env, None);
            if profile != expected {
                problems.push(format!("profile {profile:?} != {expected:?}"));
            }
        }
        if !problems.is_empty() {
            failures.push(format!("- {name}: {}", problems.join("; ")));
        }
    }
    super::report("file-location-tests", tests.len(), 9, &failures);
}
