//! Reads the credentials JSON documents that `credential_process`, the container endpoint and
//! IMDS return. Shared, so that all three apply the same rules and never quote a value.
//!
//! The document is first parsed into a `serde_json::Value` (a syntax error names a line and
//! column, never content), then each field is taken by hand: a mistyped field is reported by
//! its name only, because the value could be a secret.
use std::time::SystemTime;

use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;
use ziggurat_core::credentials::Credentials;

/// Parses `text` as a JSON object.
pub(crate) fn parse_object(text: &str) -> Result<Map<String, Value>, String> {
    match serde_json::from_str::<Value>(text) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(_) => Err("the response is not a JSON object".to_owned()),
        Err(e) => Err(format!(
            "the response is not valid JSON (line {}, column {})",
            e.line(),
            e.column()
        )),
    }
}

/// The string field `name`, if present; an error if it has another type.
pub(crate) fn optional_str<'a>(
    map: &'a Map<String, Value>,
    name: &str,
) -> Result<Option<&'a str>, String> {
    match map.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.as_str())),
        Some(_) => Err(format!("the `{name}` field is not a string")),
    }
}

/// The string field `name`, which must be present and not empty.
pub(crate) fn required_str<'a>(map: &'a Map<String, Value>, name: &str) -> Result<&'a str, String> {
    match optional_str(map, name)? {
        Some(s) if !s.is_empty() => Ok(s),
        _ => Err(format!("the `{name}` field is missing")),
    }
}

/// An RFC 3339 timestamp as a `SystemTime`.
pub(crate) fn parse_rfc3339(field: &str, value: &str) -> Result<SystemTime, String> {
    OffsetDateTime::parse(value, &Rfc3339)
        .map(SystemTime::from)
        .map_err(|e| format!("the `{field}` field `{value}` is not an RFC 3339 timestamp: {e}"))
}

/// Credentials from a parsed document: `AccessKeyId`, `SecretAccessKey`, the session token
/// under `token_field`, and the optional `Expiration` and `AccountId`.
pub(crate) fn credentials(
    map: &Map<String, Value>,
    token_field: &str,
) -> Result<Credentials, String> {
    let id = required_str(map, "AccessKeyId")?;
    let secret = required_str(map, "SecretAccessKey")?;
    let token = optional_str(map, token_field)?.filter(|t| !t.is_empty());
    let expiry = optional_str(map, "Expiration")?
        .map(|e| parse_rfc3339("Expiration", e))
        .transpose()?;
    let account = optional_str(map, "AccountId")?.filter(|a| !a.is_empty());
    Ok(Credentials::new(id, secret, token.map(str::to_owned))
        .with_expiry(expiry)
        .with_account_id(account.map(str::to_owned)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    #[test]
    fn reads_every_field() {
        let map = parse_object(
            r#"{"AccessKeyId":"AK","SecretAccessKey":"SK","Token":"T",
                "Expiration":"2021-09-21T21:55:06Z","AccountId":"123456789012"}"#,
        )
        .unwrap();
        let c = credentials(&map, "Token").unwrap();
        assert_eq!(c.session_token(), Some("T"));
        assert_eq!(
            c.expiry(),
            Some(UNIX_EPOCH + Duration::from_secs(1_632_261_306))
        );
        assert_eq!(c.account_id(), Some("123456789012"));
    }

    #[test]
    fn errors_name_fields_never_values() {
        let map =
            parse_object(r#"{"AccessKeyId":"AK","SecretAccessKey":["very-secret"]}"#).unwrap();
        let e = credentials(&map, "Token").unwrap_err();
        assert!(
            e.contains("SecretAccessKey") && !e.contains("very-secret"),
            "{e}"
        );
        let e = parse_object(r#"{"SecretAccessKey":"very-secret" "#).unwrap_err();
        assert!(!e.contains("very-secret"), "{e}");
    }
}
