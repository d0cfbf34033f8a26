//! What a client writes to its wire log: the AWS SDK for Go v2's `ClientLogMode`, as a set.
//!
//! A client whose [`SdkConfig`](crate::config::SdkConfig) has a non-empty [`LogMode`] logs,
//! through `tracing` under the target [`TARGET`] (`ziggurat::wire`) at `INFO`:
//!
//! | flag | env name | what |
//! |---|---|---|
//! | [`SIGNING`](LogMode::SIGNING) | `signing` | the canonical request and the string to sign |
//! | [`RETRIES`](LogMode::RETRIES) | `retries` | each retry, each error not retried, attempts exhausted |
//! | [`REQUEST`](LogMode::REQUEST) | `request` | each attempt's request line and headers |
//! | [`REQUEST_WITH_BODY`](LogMode::REQUEST_WITH_BODY) | `request-with-body` | the same and an in-memory body |
//! | [`RESPONSE`](LogMode::RESPONSE) | `response` | each response's status line and headers |
//! | [`RESPONSE_WITH_BODY`](LogMode::RESPONSE_WITH_BODY) | `response-with-body` | the same and the body, as it is read |
//!
//! Everything logged is **redacted**: the credential and signature of `Authorization`, session
//! and bearer tokens (in headers, in the query, in the canonical request), presigned-URL
//! signatures, SSE-C keys, and the bodies of operations with `@sensitive` members. Bodies are
//! logged up to a cap, and never consumed: a streamed request body is not logged, a response
//! body is logged as the caller reads it. Turning redaction off takes
//! [`UNREDACTED_I_KNOW_WHAT_I_AM_DOING`](LogMode::UNREDACTED_I_KNOW_WHAT_I_AM_DOING), which only
//! code can set: the environment cannot.
//!
//! In the environment, `ZIGGURAT_LOG_MODE` holds names separated by commas (or `|`); an unknown
//! name is an error, not ignored.
//!
//! ```
//! use ziggurat_core::log_mode::LogMode;
//!
//! let mode: LogMode = "request, response-with-body".parse().unwrap();
//! assert!(mode.contains(LogMode::REQUEST));
//! assert!(mode.contains(LogMode::RESPONSE)); // implied by response-with-body
//! assert!(!mode.contains(LogMode::SIGNING));
//! assert_eq!(mode.to_string(), "request,response,response-with-body");
//! assert!("requests".parse::<LogMode>().unwrap_err().contains("`request`"));
//! ```
use std::fmt;
use std::ops::{BitOr, BitOrAssign};

/// The `tracing` target of the wire log.
pub const TARGET: &str = "ziggurat::wire";

/// The environment variable that sets a [`LogMode`].
pub const ENV: &str = "ZIGGURAT_LOG_MODE";

/// A set of wire-log flags (see the [module](self) docs). Empty by default: no logging, and no
/// logging middleware in the stack.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct LogMode(u16);

const NAMES: &[(&str, LogMode)] = &[
    ("signing", LogMode::SIGNING),
    ("retries", LogMode::RETRIES),
    ("request", LogMode::REQUEST),
    ("request-with-body", LogMode::REQUEST_WITH_BODY),
    ("response", LogMode::RESPONSE),
    ("response-with-body", LogMode::RESPONSE_WITH_BODY),
];

impl LogMode {
    /// Nothing.
    pub const NONE: LogMode = LogMode(0);
    /// The canonical request and string to sign of every signature.
    pub const SIGNING: LogMode = LogMode(1);
    /// Retries, errors not retried, attempts exhausted.
    pub const RETRIES: LogMode = LogMode(1 << 1);
    /// Each attempt's request line and headers.
    pub const REQUEST: LogMode = LogMode(1 << 2);
    /// [`REQUEST`](Self::REQUEST) and an in-memory request body (capped).
    pub const REQUEST_WITH_BODY: LogMode = LogMode(1 << 3 | 1 << 2);
    /// Each response's status line and headers.
    pub const RESPONSE: LogMode = LogMode(1 << 4);
    /// [`RESPONSE`](Self::RESPONSE) and the response body as it is read (capped).
    pub const RESPONSE_WITH_BODY: LogMode = LogMode(1 << 5 | 1 << 4);
    /// Everything that can be set by name.
    pub const ALL: LogMode = LogMode(0b11_1111);
    /// Logs secrets as they are: signatures, credentials, session tokens, SSE-C keys and
    /// sensitive bodies. For debugging against a throwaway account only; never from the
    /// environment.
    pub const UNREDACTED_I_KNOW_WHAT_I_AM_DOING: LogMode = LogMode(1 << 15);

    /// Whether every flag of `other` is set.
    pub const fn contains(self, other: LogMode) -> bool {
        self.0 & other.0 == other.0
    }
    /// Whether no flag is set.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// Whether anything is logged (some flag besides the redaction opt-out).
    pub const fn logs_anything(self) -> bool {
        self.0 & Self::ALL.0 != 0
    }
    /// Whether secrets are redacted (unless [`UNREDACTED_I_KNOW_WHAT_I_AM_DOING`](Self::UNREDACTED_I_KNOW_WHAT_I_AM_DOING)).
    pub const fn redacts(self) -> bool {
        !self.contains(Self::UNREDACTED_I_KNOW_WHAT_I_AM_DOING)
    }
    /// Both sets.
    pub const fn union(self, other: LogMode) -> LogMode {
        LogMode(self.0 | other.0)
    }
}

impl BitOr for LogMode {
    type Output = LogMode;
    fn bitor(self, rhs: LogMode) -> LogMode {
        self.union(rhs)
    }
}

impl BitOrAssign for LogMode {
    fn bitor_assign(&mut self, rhs: LogMode) {
        *self = self.union(rhs);
    }
}

impl std::str::FromStr for LogMode {
    type Err = String;
    /// Names separated by `,` or `|`, in any case, spaces ignored; empty is [`LogMode::NONE`].
    fn from_str(s: &str) -> Result<Self, String> {
        let mut mode = LogMode::NONE;
        for name in s.split([',', '|']).map(str::trim).filter(|n| !n.is_empty()) {
            let lower = name.to_ascii_lowercase().replace('_', "-");
            match NAMES.iter().find(|(n, _)| *n == lower) {
                Some((_, flag)) => mode |= *flag,
                None => {
                    let names: Vec<String> = NAMES.iter().map(|(n, _)| format!("`{n}`")).collect();
                    return Err(format!(
                        "{name:?} is not a log mode: expected some of {}",
                        names.join(", ")
                    ));
                }
            }
        }
        Ok(mode)
    }
}

impl fmt::Display for LogMode {
    /// The names of the flags set, separated by commas (the redaction opt-out included).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        let mut name = |f: &mut fmt::Formatter<'_>, n: &str| {
            let sep = if first { "" } else { "," };
            first = false;
            write!(f, "{sep}{n}")
        };
        for (n, flag) in NAMES {
            // A flag with an implied one prints once, by its own bit.
            let own = LogMode(flag.0 & !(flag.0 >> 1 & flag.0));
            if self.contains(own) && self.contains(*flag) {
                name(f, n)?;
            }
        }
        if !self.redacts() {
            name(f, "UNREDACTED_I_KNOW_WHAT_I_AM_DOING")?;
        }
        Ok(())
    }
}

impl fmt::Debug for LogMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "LogMode({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_and_print() {
        let all: LogMode = "signing|retries|request-with-body|response_with_body"
            .parse()
            .unwrap();
        assert_eq!(all, LogMode::ALL);
        assert_eq!(
            all.to_string(),
            "signing,retries,request,request-with-body,response,response-with-body"
        );
        assert_eq!("".parse::<LogMode>(), Ok(LogMode::NONE));
        assert_eq!(" Request ".parse::<LogMode>(), Ok(LogMode::REQUEST));
        assert!(!LogMode::REQUEST.contains(LogMode::REQUEST_WITH_BODY));
        assert!(LogMode::REQUEST_WITH_BODY.contains(LogMode::REQUEST));
    }

    #[test]
    fn the_redaction_opt_out_is_code_only() {
        let err = "request,UNREDACTED_I_KNOW_WHAT_I_AM_DOING"
            .parse::<LogMode>()
            .unwrap_err();
        assert!(err.contains("is not a log mode"), "{err}");
        let mode = LogMode::REQUEST | LogMode::UNREDACTED_I_KNOW_WHAT_I_AM_DOING;
        assert!(!mode.redacts());
        assert!(!LogMode::UNREDACTED_I_KNOW_WHAT_I_AM_DOING.is_empty());
        assert!(!LogMode::UNREDACTED_I_KNOW_WHAT_I_AM_DOING.logs_anything());
        assert_eq!(
            format!("{mode:?}"),
            "LogMode(request,UNREDACTED_I_KNOW_WHAT_I_AM_DOING)"
        );
    }
}
