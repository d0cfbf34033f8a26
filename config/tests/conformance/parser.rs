//! `profile-parser-tests.json`: raw file text to merged profiles (65 cases).
use serde_json::{Map, Value, json};
use ziggurat_config::profile::{
    FileKind, ProfileFileError, ProfileFileErrorKind, ProfileSet, parse,
};

fn run(input: &Value) -> Result<ProfileSet, ProfileFileError> {
    let mut files = Vec::new();
    if let Some(text) = super::str_field(input, "configFile") {
        files.push(parse(text, "/home/.aws/config", FileKind::Config)?);
    }
    if let Some(text) = super::str_field(input, "credentialsFile") {
        files.push(parse(
            text,
            "/home/.aws/credentials",
            FileKind::Credentials,
        )?);
    }
    Ok(ProfileSet::from_parsed("default", files))
}

fn section_json(set: &ProfileSet, names: Vec<&str>, sso: bool) -> Value {
    let mut out = Map::new();
    for name in names {
        let section = if sso {
            set.sso_session(name)
        } else {
            set.profile(name)
        };
        let Some(section) = section else { continue };
        let props: Map<String, Value> = section
            .properties()
            .map(|p| (p.name().to_owned(), json!(p.value())))
            .collect();
        out.insert(name.to_owned(), Value::Object(props));
    }
    Value::Object(out)
}

/// The error category each smithy-rs message stands for.
fn category(message: &str) -> Option<ProfileFileErrorKind> {
    use ProfileFileErrorKind::*;
    let table = [
        (
            "Profile definition must end with ']'",
            UnterminatedSectionHeader,
        ),
        ("Expected a profile definition", OutsideSection),
        ("Property did not have a name", MissingName),
        ("Expected an '=' sign defining a property", MissingEquals),
        (
            "Expected a property definition",
            ContinuationWithoutProperty,
        ),
        (
            "Expected an '=' sign defining a sub-property",
            SubPropertyMissingEquals,
        ),
        ("Sub-property did not have a name", SubPropertyMissingName),
    ];
    table
        .into_iter()
        .filter(|(m, _)| message.starts_with(m))
        .max_by_key(|(m, _)| m.len())
        .map(|(_, kind)| kind)
}

#[test]
fn profile_parser_suite() {
    let Some(suite) = super::load("smithy-rs/aws-runtime-test-data/profile-parser-tests.json")
    else {
        return;
    };
    let tests = suite["tests"].as_array().expect("tests");
    let mut failures = Vec::new();
    for test in tests {
        let name = test["name"].as_str().unwrap_or("?");
        let output = &test["output"];
        let result = run(&test["input"]);
        let failure = match (output.get("errorContaining"), result) {
            (Some(message), Err(e)) => {
                let message = message.as_str().unwrap_or_default();
                match category(message) {
                    Some(kind) if kind == e.kind() => None,
                    expected => Some(format!("expected {expected:?} ({message}), got {e}")),
                }
            }
            (Some(message), Ok(set)) => Some(format!("expected error {message}, got {set:?}")),
            (None, Err(e)) => Some(format!("unexpected error: {e}")),
            (None, Ok(set)) => {
                let expected = &output["config"];
                let profiles = section_json(&set, set.profile_names().collect(), false);
                let mut problems = Vec::new();
                if profiles != expected["profiles"] {
                    problems.push(format!("profiles {profiles} != {}", expected["profiles"]));
                }
                if let Some(sso) = expected.get("sso_sessions") {
                    let got = section_json(&set, set.sso_session_names().collect(), true);
                    if &got != sso {
                        problems.push(format!("sso_sessions {got} != {sso}"));
                    }
                }
                (!problems.is_empty()).then(|| problems.join("; "))
            }
        };
        if let Some(failure) = failure {
            failures.push(format!("- {name}: {failure}"));
        }
    }
    super::report("profile-parser-tests", tests.len(), 65, &failures);
}
