//! Short header values (and small bodies) that change on every request, written into one
//! shared buffer.
//!
//! A header value owns its bytes through a reference-counted buffer. A value made per request
//! (the invocation id, the content length, `X-Amz-Target`, the `Authorization` signature)
//! would cost a heap block of its own, freed again when the request is gone: a handful of
//! allocations a call, which under concurrency is among the costliest work a client does.
//! [`shared_header_value`] instead copies the text into a 4 KiB buffer of this thread and
//! hands out a shared view of it: the buffer is allocated once for dozens of values and
//! freed when the last of them is dropped. Copying such a value (the retry loop keeps a copy
//! of the request) touches the buffer's count and never allocates.
//!
//! [`shared_bytes`] does the same for any short text, such as a small request body.
//!
//! A value keeps its whole buffer alive, at most 4 KiB: a program that keeps a request head
//! for long keeps that much more. Longer values (over [`MAX_LEN`] bytes) get their own block.
//! [`intern`](crate::intern) serves values that stay the same for a client's life.
//!
//! ```
//! use ziggurat_core::header_buffer::shared_header_value;
//!
//! let target = shared_header_value(&[b"DynamoDB_20120810", b".", b"GetItem"]).unwrap();
//! assert_eq!(target, "DynamoDB_20120810.GetItem");
//! let length = shared_header_value(&[b"47"]).unwrap();
//! assert_eq!(length, "47");
//! // Both views share one buffer: they sit side by side in it.
//! let end = target.as_bytes().as_ptr_range().end;
//! assert_eq!(end, length.as_bytes().as_ptr());
//! assert!(shared_header_value(&[b"not\nvalid"]).is_err());
//! ```
use std::cell::RefCell;

use bytes::{Bytes, BytesMut};
use http::HeaderValue;
use http::header::InvalidHeaderValue;

/// The size of one shared buffer.
pub const BUFFER_LEN: usize = 4096;
/// The longest value written into a shared buffer; longer ones get a block of their own.
pub const MAX_LEN: usize = 512;

thread_local! {
    static BUFFER: RefCell<BytesMut> = RefCell::new(BytesMut::new());
}

/// A header value of the concatenated `parts`, in this thread's shared buffer.
///
/// # Errors
///
/// When the text is not a valid header value (a control character other than tab).
pub fn shared_header_value(parts: &[&[u8]]) -> Result<HeaderValue, InvalidHeaderValue> {
    match shared_bytes(parts) {
        Some(bytes) => HeaderValue::from_maybe_shared(bytes),
        None => HeaderValue::from_bytes(&parts.concat()),
    }
}

/// The concatenated `parts` in this thread's shared buffer (a small request body, say);
/// `None` when they are longer than [`MAX_LEN`].
pub fn shared_bytes(parts: &[&[u8]]) -> Option<Bytes> {
    let len: usize = parts.iter().map(|part| part.len()).sum();
    if len > MAX_LEN {
        return None;
    }
    BUFFER
        .try_with(|buffer| {
            // Never borrowed twice: nothing below calls back in. Not worth a panic either.
            let mut buffer = buffer.try_borrow_mut().ok()?;
            if buffer.capacity() - buffer.len() < len {
                // The old buffer lives on in the values cut from it, and is freed with them.
                *buffer = BytesMut::with_capacity(BUFFER_LEN);
            }
            for part in parts {
                buffer.extend_from_slice(part);
            }
            Some(buffer.split().freeze())
        })
        .ok()
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_checked_and_share_a_buffer_until_it_is_full() {
        let first = shared_header_value(&[b"a", b"b"]).unwrap();
        assert_eq!(first, "ab");
        let second = shared_header_value(&[b"cd"]).unwrap();
        // Each test runs on a thread of its own, so the first value started a buffer.
        assert_eq!(
            first.as_bytes().as_ptr_range().end,
            second.as_bytes().as_ptr()
        );
        let mut values = vec![first, second];
        // Fill several buffers: every value keeps its own text.
        for i in 0..(3 * BUFFER_LEN / 10) {
            values.push(shared_header_value(&[format!("v-{i:06}").as_bytes()]).unwrap());
        }
        for (i, value) in values.iter().skip(2).enumerate() {
            assert_eq!(value, &format!("v-{i:06}"));
        }
        assert_eq!(values[0], "ab");
        assert_eq!(values[1], "cd");
        assert!(shared_header_value(&[b"x\r\ny"]).is_err());
        // A bad value does not spoil the next one.
        assert_eq!(shared_header_value(&[b"ok"]).unwrap(), "ok");
    }

    #[test]
    fn short_bytes_are_shared_and_long_ones_refused() {
        let body = shared_bytes(&[b"{", b"}"]).unwrap();
        assert_eq!(&body[..], b"{}");
        assert_eq!(shared_bytes(&[&[0; MAX_LEN]]).unwrap().len(), MAX_LEN);
        assert!(shared_bytes(&[&[0; MAX_LEN], b"x"]).is_none());
    }

    #[test]
    fn long_values_get_a_block_of_their_own() {
        let long = "x".repeat(MAX_LEN + 1);
        let value = shared_header_value(&[long.as_bytes()]).unwrap();
        assert_eq!(value.as_bytes(), long.as_bytes());
        let empty = shared_header_value(&[]).unwrap();
        assert_eq!(empty, "");
    }

    #[test]
    fn sensitive_values_stay_sensitive_when_marked() {
        let mut value = shared_header_value(&[b"AWS4-HMAC-SHA256 Credential=..."]).unwrap();
        value.set_sensitive(true);
        assert_eq!(format!("{value:?}"), "Sensitive");
    }
}
