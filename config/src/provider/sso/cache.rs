//! The SSO token cache as the AWS CLI writes it: `~/.aws/sso/cache/<hex sha1>.json`.
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde_json::{Map, Value};
use sha1::{Digest, Sha1};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// The cache file of `key` (an `sso_session` name, or a legacy profile's start URL) under
/// `home`.
pub(crate) fn cache_path(home: &Path, key: &str) -> PathBuf {
    let digest = Sha1::digest(key.as_bytes());
    let mut name = String::with_capacity(45);
    for byte in digest.iter() {
        name.push_str(&format!("{byte:02x}"));
    }
    name.push_str(".json");
    home.join(".aws").join("sso").join("cache").join(name)
}

/// A cached token: the fields read, and the whole document to write back.
pub(crate) struct CachedToken {
    pub(crate) access_token: String,
    pub(crate) expires_at: SystemTime,
    pub(crate) refresh_token: Option<String>,
    pub(crate) client_id: Option<String>,
    pub(crate) client_secret: Option<String>,
    pub(crate) registration_expires_at: Option<SystemTime>,
    pub(crate) region: Option<String>,
    document: Map<String, Value>,
}

impl CachedToken {
    /// Parses the cache file's contents; the error says what is wrong, never a value.
    pub(crate) fn parse(contents: &[u8]) -> Result<Self, String> {
        let value: Value = serde_json::from_slice(contents).map_err(|e| {
            // serde_json's messages name positions, not contents.
            format!("not valid JSON ({e})")
        })?;
        let Value::Object(document) = value else {
            return Err("not a JSON object".to_owned());
        };
        let string = |key: &str| -> Result<Option<String>, String> {
            match document.get(key) {
                None | Some(Value::Null) => Ok(None),
                Some(Value::String(s)) if s.is_empty() => Ok(None),
                Some(Value::String(s)) => Ok(Some(s.clone())),
                Some(_) => Err(format!("`{key}` is not a string")),
            }
        };
        let time = |key: &str| -> Result<Option<SystemTime>, String> {
            string(key)?
                .map(|s| parse_time(&s).ok_or_else(|| format!("`{key}` is not an RFC 3339 time")))
                .transpose()
        };
        Ok(CachedToken {
            access_token: string("accessToken")?.ok_or("no `accessToken`")?,
            expires_at: time("expiresAt")?.ok_or("no `expiresAt`")?,
            refresh_token: string("refreshToken")?,
            client_id: string("clientId")?,
            client_secret: string("clientSecret")?,
            registration_expires_at: time("registrationExpiresAt")?,
            region: string("region")?,
            document,
        })
    }

    /// Takes a refreshed token, keeping every other field of the document.
    pub(crate) fn refreshed(
        &mut self,
        access_token: String,
        expires_at: SystemTime,
        refresh_token: Option<String>,
    ) {
        self.document
            .insert("accessToken".into(), Value::String(access_token.clone()));
        self.document
            .insert("expiresAt".into(), Value::String(format_time(expires_at)));
        if let Some(refresh) = &refresh_token {
            self.document
                .insert("refreshToken".into(), Value::String(refresh.clone()));
        }
        self.access_token = access_token;
        self.expires_at = expires_at;
        if refresh_token.is_some() {
            self.refresh_token = refresh_token;
        }
    }

    /// The document to write back.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(&self.document).unwrap_or_default()
    }
}

impl fmt::Debug for CachedToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CachedToken")
            .field("access_token", &"** redacted **")
            .field("expires_at", &self.expires_at)
            .field("refreshable", &self.refresh_token.is_some())
            .field("region", &self.region)
            .finish_non_exhaustive()
    }
}

/// RFC 3339, and the `2019-11-14T04:05:45UTC` form older CLIs wrote.
fn parse_time(s: &str) -> Option<SystemTime> {
    let fixed;
    let s = match s.strip_suffix("UTC") {
        Some(rest) => {
            fixed = format!("{rest}Z");
            fixed.as_str()
        }
        None => s,
    };
    OffsetDateTime::parse(s, &Rfc3339)
        .ok()
        .map(SystemTime::from)
}

fn format_time(t: SystemTime) -> String {
    let t = OffsetDateTime::from(t);
    t.replace_nanosecond(0)
        .unwrap_or(t)
        .format(&Rfc3339)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_name_is_the_hex_sha1_of_the_key() {
        // sha1("abc"), the FIPS 180 test vector.
        let path = cache_path(Path::new("/home/u"), "abc");
        assert_eq!(
            path,
            Path::new("/home/u/.aws/sso/cache/a9993e364706816aba3e25717850c26c9cd0d89d.json")
        );
    }

    #[test]
    fn bad_documents_say_what_is_wrong_without_values() {
        for (doc, expected) in [
            (&b"{not json"[..], "not valid JSON"),
            (b"[]", "not a JSON object"),
            (br#"{"expiresAt":"2030-01-01T00:00:00Z"}"#, "accessToken"),
            (
                br#"{"accessToken":"very-secret","expiresAt":"soon"}"#,
                "expiresAt",
            ),
        ] {
            let Err(e) = CachedToken::parse(doc) else {
                panic!("parsed {doc:?}");
            };
            assert!(e.contains(expected), "{e}");
            assert!(!e.contains("very-secret"), "{e}");
        }
    }

    #[test]
    fn refreshing_keeps_the_other_fields() {
        let mut t = CachedToken::parse(
            br#"{"accessToken":"a","expiresAt":"2020-01-01T00:00:00UTC","startUrl":"https://x","clientId":"c"}"#,
        )
        .unwrap();
        let later = SystemTime::UNIX_EPOCH + std::time::Duration::from_secs(1_900_000_000);
        t.refreshed("b".into(), later, Some("r2".into()));
        let back: Value = serde_json::from_slice(&t.to_json()).unwrap();
        assert_eq!(back["accessToken"], "b");
        assert_eq!(back["refreshToken"], "r2");
        assert_eq!(back["startUrl"], "https://x");
        assert_eq!(back["clientId"], "c");
        assert_eq!(back["expiresAt"], "2030-03-17T17:46:40Z");
        assert!(!format!("{t:?}").contains("\"b\""));
    }
}
