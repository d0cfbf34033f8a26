//! [`Env`]: where configuration reads environment variables.
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// The environment variables configuration is read from: the process environment, or a fixed
/// map (for tests, or for a program that wants to ignore its own environment).
///
/// Cloning is cheap. `Debug` names the source, never the values (they may be secrets).
#[derive(Clone, Default)]
pub struct Env(Source);

#[derive(Clone, Default)]
enum Source {
    #[default]
    Process,
    Map(Arc<HashMap<String, String>>),
}

impl Env {
    /// The process environment.
    pub fn real() -> Self {
        Env(Source::Process)
    }

    /// A fixed set of variables; any other variable is unset.
    pub fn from_pairs<K, V>(pairs: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        Env(Source::Map(Arc::new(
            pairs
                .into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )))
    }

    /// The variable's value, if it is set and valid Unicode.
    pub fn get(&self, key: &str) -> Option<String> {
        match &self.0 {
            Source::Process => std::env::var(key).ok(),
            Source::Map(map) => map.get(key).cloned(),
        }
    }

    /// The variable's value with surrounding whitespace removed, if that is not empty.
    pub fn get_non_empty(&self, key: &str) -> Option<String> {
        self.get(key)
            .map(|v| v.trim().to_owned())
            .filter(|v| !v.is_empty())
    }
}

impl fmt::Debug for Env {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Source::Process => f.write_str("Env(process)"),
            Source::Map(map) => write!(f, "Env({} fixed variables)", map.len()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_variables_shadow_the_process() {
        let env = Env::from_pairs([("ZIGGURAT_ENV_TEST", " v ")]);
        assert_eq!(env.get("ZIGGURAT_ENV_TEST").as_deref(), Some(" v "));
        assert_eq!(env.get_non_empty("ZIGGURAT_ENV_TEST").as_deref(), Some("v"));
        assert_eq!(env.get("PATH"), None);
    }

    #[test]
    fn debug_shows_no_values() {
        let env = Env::from_pairs([("AWS_SECRET_ACCESS_KEY", "very-secret")]);
        assert!(!format!("{env:?}").contains("very-secret"));
    }
}
