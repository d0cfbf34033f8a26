//! [`RetryConfig`]: the retry mode and its settings, from code or from `AWS_RETRY_MODE`,
//! `AWS_MAX_ATTEMPTS` and `AWS_NEW_RETRIES_2026`.
use std::fmt;
use std::time::Duration;

use super::classify::{ClassifyRetry, SharedRetryClassifier};

/// Which retry strategy a client uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum RetryMode {
    /// Standard mode: exponential backoff with full jitter and a retry quota (token bucket)
    /// per client. `AWS_RETRY_MODE=standard`.
    #[default]
    Standard,
    /// Standard mode plus a client-side rate limiter (CUBIC) that starts at the first
    /// throttling error and may delay any request, the first attempt included.
    /// `AWS_RETRY_MODE=adaptive`.
    Adaptive,
}

/// Which generation of the cross-SDK retry rules a [`RetryMode`] follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum RetryBehavior {
    /// The AWS SDK for Go v2 constants ("Retry Behavior 2.0"): 1 s backoff base, retry cost 5,
    /// 10 after a timeout, throttling included.
    #[default]
    Classic,
    /// The updated behaviour AWS SDKs adopt in 2026 (`AWS_NEW_RETRIES_2026=true`, or
    /// `AWS_RETRY_MODE=standard-2026`): retry cost 14 (5 for throttling), a 50 ms backoff base
    /// for non-throttling errors (25 ms and 4 attempts for DynamoDB), 1 s for throttling, the
    /// `x-amz-retry-after` hint honoured within \[backoff, backoff + 5 s\], and long-polling
    /// operations back off even when the quota is empty.
    New2026,
}

/// How a client retries: mode, behaviour, attempts, backoff cap, extra retryable error codes
/// and a user classifier.
///
/// It is read from code ([`RetryConfig::standard`] and the `with_` methods) or from the
/// environment ([`RetryConfig::from_env_with`]), the way every AWS SDK reads
/// `AWS_RETRY_MODE` (`standard`, `adaptive`, and `standard-2026` / `adaptive-2026` for the
/// [2026 behaviour](RetryBehavior::New2026)), `AWS_MAX_ATTEMPTS` and `AWS_NEW_RETRIES_2026`.
///
/// ```
/// use std::time::Duration;
/// use ziggurat_core::retry::{RetryBehavior, RetryConfig, RetryMode};
///
/// let config = RetryConfig::adaptive()
///     .with_max_attempts(5)
///     .with_max_backoff(Duration::from_secs(2))
///     .with_retryable_codes(["TableBusy"]);
/// assert_eq!(config.mode(), RetryMode::Adaptive);
/// assert_eq!(config.max_attempts(), Some(5));
///
/// let env = |k: &str| match k {
///     "AWS_RETRY_MODE" => Some("standard-2026".to_owned()),
///     "AWS_MAX_ATTEMPTS" => Some("4".to_owned()),
///     _ => None,
/// };
/// let config = RetryConfig::from_env_with(env).unwrap();
/// assert_eq!(config.behavior(), RetryBehavior::New2026);
/// assert_eq!(config.max_attempts(), Some(4));
///
/// let bad = RetryConfig::from_env_with(|k| (k == "AWS_RETRY_MODE").then(|| "turbo".to_owned()));
/// assert!(bad.unwrap_err().to_string().contains("AWS_RETRY_MODE"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct RetryConfig {
    mode: RetryMode,
    behavior: RetryBehavior,
    max_attempts: Option<u32>,
    max_backoff: Option<Duration>,
    retryable_codes: Vec<String>,
    throttling_codes: Vec<String>,
    classifier: Option<SharedRetryClassifier>,
}

impl RetryConfig {
    /// Standard mode with the classic constants: 3 attempts, backoff up to 20 s, a 500-token
    /// quota. The default.
    pub fn standard() -> Self {
        RetryConfig::default()
    }
    /// Adaptive mode: standard plus client-side rate limiting.
    pub fn adaptive() -> Self {
        RetryConfig::default().with_mode(RetryMode::Adaptive)
    }
    /// One attempt, no retries.
    pub fn disabled() -> Self {
        RetryConfig::default().with_max_attempts(1)
    }

    /// Sets the mode.
    pub fn with_mode(mut self, mode: RetryMode) -> Self {
        self.mode = mode;
        self
    }
    /// Sets the behaviour generation.
    pub fn with_behavior(mut self, behavior: RetryBehavior) -> Self {
        self.behavior = behavior;
        self
    }
    /// Sets the most attempts, counting the first. 0 means no limit: dangerous, since only the
    /// retry quota and an operation timeout then stop a call against a failing service.
    pub fn with_max_attempts(mut self, attempts: u32) -> Self {
        self.max_attempts = Some(attempts);
        self
    }
    /// Caps the backoff between attempts (default 20 s).
    pub fn with_max_backoff(mut self, max: Duration) -> Self {
        self.max_backoff = Some(max);
        self
    }
    /// Adds error codes retried as transient errors.
    pub fn with_retryable_codes<I, S>(mut self, codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.retryable_codes
            .extend(codes.into_iter().map(Into::into));
        self
    }
    /// Adds error codes retried as throttling errors.
    pub fn with_throttling_codes<I, S>(mut self, codes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.throttling_codes
            .extend(codes.into_iter().map(Into::into));
        self
    }
    /// Adds a classifier consulted before the built-in rules.
    pub fn with_classifier(mut self, classifier: impl ClassifyRetry) -> Self {
        self.classifier = Some(SharedRetryClassifier::new(classifier));
        self
    }

    /// The mode.
    pub fn mode(&self) -> RetryMode {
        self.mode
    }
    /// The behaviour generation.
    pub fn behavior(&self) -> RetryBehavior {
        self.behavior
    }
    /// The most attempts when set; `None` means the mode's default (3; 4 for DynamoDB under
    /// the 2026 behaviour).
    pub fn max_attempts(&self) -> Option<u32> {
        self.max_attempts
    }
    /// The backoff cap when set; `None` means 20 s.
    pub fn max_backoff(&self) -> Option<Duration> {
        self.max_backoff
    }
    /// Extra transient error codes.
    pub fn retryable_codes(&self) -> &[String] {
        &self.retryable_codes
    }
    /// Extra throttling error codes.
    pub fn throttling_codes(&self) -> &[String] {
        &self.throttling_codes
    }
    /// The user classifier.
    pub fn classifier(&self) -> Option<&SharedRetryClassifier> {
        self.classifier.as_ref()
    }

    /// The standard configuration changed by `AWS_RETRY_MODE`, `AWS_MAX_ATTEMPTS` and
    /// `AWS_NEW_RETRIES_2026`, read through `var`. Empty values count as unset; an invalid
    /// value is an error (AWS SDKs refuse it too).
    pub fn from_env_with(
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<RetryConfig, InvalidRetryConfig> {
        let get = |k: &str| {
            var(k)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let mut config = RetryConfig::standard();
        if get("AWS_NEW_RETRIES_2026").is_some_and(|v| v.eq_ignore_ascii_case("true")) {
            config.behavior = RetryBehavior::New2026;
        }
        if let Some(mode) = get("AWS_RETRY_MODE") {
            let (mode_name, behavior) = match mode.to_ascii_lowercase().strip_suffix("-2026") {
                Some(base) => (base.to_owned(), Some(RetryBehavior::New2026)),
                None => (mode.to_ascii_lowercase(), None),
            };
            config.mode = match mode_name.as_str() {
                "standard" => RetryMode::Standard,
                "adaptive" => RetryMode::Adaptive,
                _ => {
                    return Err(InvalidRetryConfig::new(
                        "AWS_RETRY_MODE",
                        mode,
                        "expected standard, adaptive, standard-2026 or adaptive-2026",
                    ));
                }
            };
            if let Some(b) = behavior {
                config.behavior = b;
            }
        }
        if let Some(n) = get("AWS_MAX_ATTEMPTS") {
            match n.parse::<u32>() {
                Ok(attempts) if attempts > 0 => config.max_attempts = Some(attempts),
                _ => {
                    return Err(InvalidRetryConfig::new(
                        "AWS_MAX_ATTEMPTS",
                        n,
                        "expected a whole number greater than 0",
                    ));
                }
            }
        }
        Ok(config)
    }
}

/// An environment variable with a retry setting that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRetryConfig {
    variable: &'static str,
    value: String,
    expected: &'static str,
}

impl InvalidRetryConfig {
    fn new(variable: &'static str, value: String, expected: &'static str) -> Self {
        InvalidRetryConfig {
            variable,
            value,
            expected,
        }
    }
    /// The variable's name.
    pub fn variable(&self) -> &str {
        self.variable
    }
}

impl fmt::Display for InvalidRetryConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid {} `{}`: {}",
            self.variable, self.value, self.expected
        )
    }
}

impl std::error::Error for InvalidRetryConfig {}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |k| {
            pairs
                .iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn unset_means_standard_classic_defaults() {
        let c = RetryConfig::from_env_with(env(&[])).unwrap();
        assert_eq!(
            (c.mode(), c.behavior(), c.max_attempts()),
            (RetryMode::Standard, RetryBehavior::Classic, None)
        );
    }

    #[test]
    fn modes_and_the_2026_switch() {
        let c = RetryConfig::from_env_with(env(&[("AWS_RETRY_MODE", " Adaptive ")])).unwrap();
        assert_eq!(
            (c.mode(), c.behavior()),
            (RetryMode::Adaptive, RetryBehavior::Classic)
        );
        let c = RetryConfig::from_env_with(env(&[
            ("AWS_RETRY_MODE", "adaptive"),
            ("AWS_NEW_RETRIES_2026", "TRUE"),
        ]))
        .unwrap();
        assert_eq!(
            (c.mode(), c.behavior()),
            (RetryMode::Adaptive, RetryBehavior::New2026)
        );
        let c = RetryConfig::from_env_with(env(&[("AWS_RETRY_MODE", "standard-2026")])).unwrap();
        assert_eq!(c.behavior(), RetryBehavior::New2026);
    }

    #[test]
    fn invalid_values_are_errors() {
        for (k, v) in [
            ("AWS_MAX_ATTEMPTS", "0"),
            ("AWS_MAX_ATTEMPTS", "three"),
            ("AWS_MAX_ATTEMPTS", "-1"),
            ("AWS_RETRY_MODE", "legacy"),
        ] {
            let e = RetryConfig::from_env_with(|n| (n == k).then(|| v.to_owned())).unwrap_err();
            assert_eq!(e.variable(), k);
            assert!(e.to_string().contains(v), "{e}");
        }
    }
}
