//! `assume-role-tests.json`: profiles to the credential source chain (28 cases).
use std::fmt::Write as _;

use serde_json::{Map, Value, json};
use ziggurat_config::profile::{
    BaseSource, FileKind, ProfileChain, ProfileChainError, ProfileSet, StaticKeysError, parse,
};

/// Writes the case's profiles as a config file, so the parser is part of what is tested.
fn profile_set(input: &Value) -> ProfileSet {
    let mut text = String::new();
    for (header, key) in [("profile", "profiles"), ("sso-session", "sso_sessions")] {
        for (name, props) in input
            .get(key)
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
        {
            writeln!(text, "[{header} {name}]").unwrap();
            for (k, v) in props.as_object().expect("properties") {
                writeln!(text, "{k} = {}", v.as_str().expect("string value")).unwrap();
            }
        }
    }
    let file = parse(&text, "/home/.aws/config", FileKind::Config).unwrap();
    ProfileSet::from_parsed(
        input["selected_profile"].as_str().expect("selected"),
        [file],
    )
}

fn insert_opt(map: &mut Map<String, Value>, key: &str, value: &Option<String>) {
    if let Some(v) = value {
        map.insert(key.to_owned(), json!(v));
    }
}

fn chain_json(chain: &ProfileChain) -> Value {
    let mut links = Vec::new();
    let base = match chain.base() {
        BaseSource::AccessKey(k) => {
            let mut m = Map::new();
            m.insert("access_key_id".into(), json!(k.access_key_id));
            m.insert("secret_access_key".into(), json!(k.secret_access_key));
            insert_opt(&mut m, "session_token", &k.session_token);
            insert_opt(&mut m, "account_id", &k.account_id);
            json!({ "AccessKey": m })
        }
        BaseSource::WebIdentityToken(w) => {
            let mut m = Map::new();
            m.insert("role_arn".into(), json!(w.role_arn));
            m.insert(
                "web_identity_token_file".into(),
                json!(w.web_identity_token_file),
            );
            insert_opt(&mut m, "role_session_name", &w.role_session_name);
            json!({ "WebIdentityToken": m })
        }
        BaseSource::Sso(s) => {
            let mut m = Map::new();
            insert_opt(&mut m, "sso_session", &s.sso_session);
            m.insert("sso_region".into(), json!(s.sso_region));
            m.insert("sso_start_url".into(), json!(s.sso_start_url));
            insert_opt(&mut m, "sso_account_id", &s.sso_account_id);
            insert_opt(&mut m, "sso_role_name", &s.sso_role_name);
            json!({ "Sso": m })
        }
        BaseSource::CredentialProcess(p) => {
            json!({ "CredentialProcess": { "command": p.command } })
        }
        BaseSource::NamedSource(n) => json!({ "NamedSource": n.as_str() }),
        other => json!({ "Unknown": format!("{other:?}") }),
    };
    links.push(base);
    for role in chain.roles() {
        let mut m = Map::new();
        m.insert("role_arn".into(), json!(role.role_arn));
        insert_opt(&mut m, "external_id", &role.external_id);
        insert_opt(&mut m, "role_session_name", &role.role_session_name);
        if let Some(d) = role.duration_seconds {
            m.insert("duration_seconds".into(), json!(d));
        }
        insert_opt(&mut m, "mfa_serial", &role.mfa_serial);
        links.push(json!({ "AssumeRole": m }));
    }
    Value::Array(links)
}

/// Whether `e` is the category of error smithy-rs's `message` stands for.
fn same_category(message: &str, e: &ProfileChainError) -> bool {
    use ProfileChainError::*;
    match e {
        MissingProfile { .. } => message.contains("No profiles were defined"),
        MissingSourceProfile { .. } => message.contains("could not find source profile"),
        CredentialLoop { .. } => message.contains("infinite loop"),
        NoRoleSource { .. } => message.contains("must contain `source_profile`"),
        ConflictingRoleSources { .. } => {
            message.contains("both source_profile and credential_source")
        }
        StaticKeys {
            error: StaticKeysError::Missing(key),
            ..
        } => message == format!("profile missing {key}"),
        NoCredentials { profile } => {
            message == format!("profile `{profile}` did not contain credential information")
        }
        MissingRoleArn { .. } => message.contains("`role_arn` was missing"),
        // Both name the same offending key first, as in "if `sso_role_name` is set, ...".
        InvalidSso { .. } => {
            let key = message.split('`').nth(1).unwrap_or("?");
            key.starts_with("sso_") && e.to_string().contains(&format!("`{key}`"))
        }
        MissingSsoSession { session, .. } => {
            message.contains(&format!("sso-session named `{session}`"))
        }
        _ => false,
    }
}

#[test]
fn assume_role_suite() {
    let Some(suite) = super::load("smithy-rs/aws-config-test-data/assume-role-tests.json") else {
        return;
    };
    let tests = suite.as_array().expect("a list of cases");
    let mut failures = Vec::new();
    for test in tests {
        let name = test["docs"].as_str().unwrap_or("?");
        let result = ProfileChain::resolve(&profile_set(&test["input"]));
        let output = &test["output"];
        let failure = match (output.get("Error"), result) {
            (Some(message), Err(e)) => {
                let message = message.as_str().unwrap_or_default();
                (!same_category(message, &e))
                    .then(|| format!("expected error {message:?}, got {e:?} ({e})"))
            }
            (Some(message), Ok(chain)) => Some(format!("expected error {message}, got {chain:?}")),
            (None, Err(e)) => Some(format!("unexpected error: {e}")),
            (None, Ok(chain)) => {
                let got = chain_json(&chain);
                (got != output["ProfileChain"])
                    .then(|| format!("chain {got} != {}", output["ProfileChain"]))
            }
        };
        if let Some(failure) = failure {
            failures.push(format!("- {name}: {failure}"));
        }
    }
    super::report("assume-role-tests", tests.len(), 28, &failures);
}
