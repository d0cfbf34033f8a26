//! Header values that stay the same for the life of a client, kept as static text.
//!
//! A request's header values are reference-counted buffers: every copy of a request (the retry
//! loop keeps one per attempt) and every drop touches the count of each value. A value made
//! from static text has no count. [`static_header_value`] turns the values a client computes
//! once (its user agent, its endpoint's host) into static ones, so they cost nothing to copy.
//!
//! The text is kept for the rest of the process. So that this can never grow without bound,
//! at most [`MAX_ENTRIES`] distinct texts of at most [`MAX_LEN`] bytes are kept; beyond that
//! the value is an ordinary shared one. Values are the same either way.
//!
//! ```
//! use ziggurat_core::intern::static_header_value;
//!
//! let a = static_header_value("ziggurat/0.1 ua/2.1").unwrap();
//! let b = static_header_value("ziggurat/0.1 ua/2.1").unwrap();
//! assert_eq!(a, "ziggurat/0.1 ua/2.1");
//! assert_eq!(a.as_bytes().as_ptr(), b.as_bytes().as_ptr()); // one copy of the text
//! assert!(static_header_value("not\nvalid").is_err());
//! ```
use std::sync::Mutex;

use bytes::Bytes;
use http::HeaderValue;
use http::header::InvalidHeaderValue;

/// The most distinct texts kept.
pub const MAX_ENTRIES: usize = 64;
/// The longest text kept.
pub const MAX_LEN: usize = 512;

static TEXTS: Mutex<Texts> = Mutex::new(Texts(Vec::new()));

/// The texts kept so far.
struct Texts(Vec<&'static str>);

impl Texts {
    fn keep(&mut self, text: &str) -> Option<&'static str> {
        if text.len() > MAX_LEN {
            return None;
        }
        if let Some(kept) = self.0.iter().find(|kept| **kept == text) {
            return Some(kept);
        }
        if self.0.len() >= MAX_ENTRIES {
            return None;
        }
        let kept: &'static str = Box::leak(text.to_owned().into_boxed_str());
        self.0.push(kept);
        Some(kept)
    }
}

/// The same text, kept for the rest of the process; `None` when the table is full or the
/// text is too long.
pub fn static_text(text: &str) -> Option<&'static str> {
    TEXTS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .keep(text)
}

/// A header value of `text`: static when [`static_text`] keeps it, shared otherwise.
///
/// # Errors
///
/// When `text` is not a valid header value.
pub fn static_header_value(text: &str) -> Result<HeaderValue, InvalidHeaderValue> {
    // Checked before anything is kept, so that invalid text never fills the table.
    let value = HeaderValue::from_str(text)?;
    match static_text(text) {
        Some(kept) => HeaderValue::from_maybe_shared(Bytes::from_static(kept.as_bytes())),
        None => Ok(value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_are_kept_once_and_the_table_is_bounded() {
        // A table of its own, so that filling it leaves the process's table alone.
        let mut texts = Texts(Vec::new());
        let first = texts.keep("intern-test-0").unwrap();
        assert_eq!(
            texts.keep("intern-test-0").unwrap().as_ptr(),
            first.as_ptr()
        );
        assert_eq!(texts.keep(&"x".repeat(MAX_LEN + 1)), None);
        for i in 0..MAX_ENTRIES {
            let _ = texts.keep(&format!("intern-test-fill-{i}"));
        }
        assert_eq!(texts.0.len(), MAX_ENTRIES);
        assert_eq!(texts.keep("intern-test-after-full"), None);
        // Kept texts are still found when the table is full.
        assert_eq!(
            texts.keep("intern-test-0").unwrap().as_ptr(),
            first.as_ptr()
        );
    }

    #[test]
    fn header_values_are_checked_and_shared() {
        let a = static_header_value("intern-test-value").unwrap();
        let b = static_header_value("intern-test-value").unwrap();
        assert_eq!(a, "intern-test-value");
        assert_eq!(a.as_bytes().as_ptr(), b.as_bytes().as_ptr());
        assert!(static_header_value("bad\r\nvalue").is_err());
    }
}
