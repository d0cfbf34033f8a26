//! `configured-endpoint-urls-profile-tests.json`: endpoint URL precedence (39 cases).
use std::fmt::Write as _;

use serde_json::Value;
use ziggurat_config::Env;
use ziggurat_config::endpoint_url::ServiceEndpointUrl;
use ziggurat_config::profile::{FileKind, ProfileSet, parse};

/// Writes the suite's profiles and services sections as one config file.
fn config_text(suite: &Value) -> String {
    let mut text = String::new();
    for (name, props) in suite["profiles"].as_object().expect("profiles") {
        writeln!(text, "[profile {name}]").unwrap();
        for (k, v) in props.as_object().expect("properties") {
            writeln!(text, "{k} = {}", v.as_str().expect("string")).unwrap();
        }
    }
    for (name, services) in suite["services"].as_object().expect("services") {
        writeln!(text, "[services {name}]").unwrap();
        for (service, props) in services.as_object().expect("service map") {
            writeln!(text, "{service} =").unwrap();
            for (k, v) in props.as_object().expect("sub-properties") {
                writeln!(text, "  {k} = {}", v.as_str().expect("string")).unwrap();
            }
        }
    }
    text
}

#[test]
fn configured_endpoint_url_suite() {
    let Some(root) = super::load("botocore/configured-endpoint-urls-profile-tests.json") else {
        return;
    };
    let suite = &root["testSuites"][0];
    let config = parse(&config_text(suite), "/home/.aws/config", FileKind::Config).unwrap();
    let tests = suite["endpointUrlTests"].as_array().expect("tests");
    let mut failures = Vec::new();
    for test in tests {
        let name = test["name"].as_str().unwrap_or("?");
        let profile = test["profile"].as_str().expect("profile");
        let set = ProfileSet::from_parsed(profile, [config.clone()]);
        let env = Env::from_pairs(
            suite["environments"][test["environment"].as_str().expect("environment")]
                .as_object()
                .expect("environment")
                .iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_owned())),
        );
        let client = &suite["client_configs"][test["client_config"].as_str().expect("client")];
        let service = test["service"].as_str().expect("service");
        let mut query = ServiceEndpointUrl::new(service);
        if let Some(url) = super::str_field(client, "endpoint_url") {
            query = query.with_client_endpoint_url(url);
        }
        if let Some(ignore) = client["ignore_configured_endpoint_urls"].as_bool() {
            query = query.with_ignore_configured_endpoint_urls(ignore);
        }
        let expected = test["output"]["endpointUrl"].as_str().expect("endpointUrl");
        let got = match query.resolve(&env, Some(&set)) {
            Ok(Some(configured)) => configured.url().to_owned(),
            // No configured endpoint: what the endpoint rules would give, from the region.
            Ok(None) => {
                let region = set
                    .selected()
                    .and_then(|p| p.get("region"))
                    .unwrap_or("us-east-1");
                format!("https://{service}.{region}.amazonaws.com")
            }
            Err(e) => format!("error: {e}"),
        };
        if got != expected {
            failures.push(format!("- {name}: got {got}, expected {expected}"));
        }
    }
    super::report("configured-endpoint-urls", tests.len(), 39, &failures);
}
