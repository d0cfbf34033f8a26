//! The framing of the AWS event stream encoding: messages cut out of a byte stream, their two
//! CRCs checked and their headers parsed.
//!
//! A message is a prelude (total length and headers length, `u32` big-endian, then the CRC32
//! of those 8 bytes), the headers, the payload, and the CRC32 of everything before it. A header
//! is a name (`u8` length, then the name), a value type (`u8`) and the value.
use bytes::{Buf, Bytes, BytesMut};

use ziggurat_core::schema::DateTime;

/// The length of a message's prelude, prelude CRC included.
const PRELUDE_LEN: usize = 12;
/// The shortest message: a prelude and the message CRC.
const MIN_MESSAGE_LEN: usize = PRELUDE_LEN + 4;
/// The longest message this decoder accepts (16 MiB); a longer one is an error, so a corrupt
/// length cannot make the decoder buffer without bound.
pub const MAX_MESSAGE_LEN: usize = 16 * 1024 * 1024;

/// What is wrong with the bytes of an event stream.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum FrameError {
    /// The prelude's CRC does not match its 8 bytes.
    PreludeCrc {
        /// The CRC the message carries.
        expected: u32,
        /// The CRC of the bytes received.
        actual: u32,
    },
    /// The message's CRC does not match its bytes.
    MessageCrc {
        /// The CRC the message carries.
        expected: u32,
        /// The CRC of the bytes received.
        actual: u32,
    },
    /// The total length is below the 16 bytes of prelude and CRC, or the headers do not fit.
    TooShort(u32),
    /// The total length is over [`MAX_MESSAGE_LEN`].
    TooLong(u32),
    /// A header is cut short or has an unknown value type.
    BadHeader(String),
    /// The stream ended inside a message.
    Truncated {
        /// The bytes of the unfinished message received.
        buffered: usize,
    },
}

impl std::fmt::Display for FrameError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            FrameError::PreludeCrc { expected, actual } => write!(
                f,
                "event stream prelude CRC mismatch: the message says {expected:#010x}, its bytes give {actual:#010x}"
            ),
            FrameError::MessageCrc { expected, actual } => write!(
                f,
                "event stream message CRC mismatch: the message says {expected:#010x}, its bytes give {actual:#010x}"
            ),
            FrameError::TooShort(len) => {
                write!(f, "event stream message length {len} is too short")
            }
            FrameError::TooLong(len) => write!(
                f,
                "event stream message length {len} is over the limit of {MAX_MESSAGE_LEN} bytes"
            ),
            FrameError::BadHeader(why) => write!(f, "bad event stream header: {why}"),
            FrameError::Truncated { buffered } => write!(
                f,
                "the event stream ended inside a message ({buffered} bytes of it received)"
            ),
        }
    }
}

impl std::error::Error for FrameError {}

/// The value of a message header.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HeaderValue {
    /// Types 0 and 1.
    Bool(bool),
    /// Type 2.
    Byte(i8),
    /// Type 3.
    Int16(i16),
    /// Type 4.
    Int32(i32),
    /// Type 5.
    Int64(i64),
    /// Type 6.
    Bytes(Bytes),
    /// Type 7.
    String(String),
    /// Type 8: milliseconds since the Unix epoch.
    Timestamp(i64),
    /// Type 9.
    Uuid([u8; 16]),
}

impl HeaderValue {
    /// The value as text, if it is a string.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            HeaderValue::String(s) => Some(s),
            _ => None,
        }
    }
    /// The value as an integer, if it is one.
    pub fn as_i64(&self) -> Option<i64> {
        match *self {
            HeaderValue::Byte(v) => Some(i64::from(v)),
            HeaderValue::Int16(v) => Some(i64::from(v)),
            HeaderValue::Int32(v) => Some(i64::from(v)),
            HeaderValue::Int64(v) => Some(v),
            _ => None,
        }
    }
    /// The value as a point in time, if it is a timestamp.
    pub fn as_timestamp(&self) -> Option<DateTime> {
        match *self {
            HeaderValue::Timestamp(ms) => DateTime::from_secs_and_nanos(
                ms.div_euclid(1000),
                // In 0..1000, so the product fits.
                (ms.rem_euclid(1000) as u32) * 1_000_000,
            ),
            _ => None,
        }
    }
}

/// One message of an event stream.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Message {
    /// The headers, in the order they came.
    pub headers: Vec<(String, HeaderValue)>,
    /// The payload.
    pub payload: Bytes,
}

impl Message {
    /// The first header named `name`.
    pub fn header(&self, name: &str) -> Option<&HeaderValue> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
    /// The text of the string header `name`.
    pub fn header_str(&self, name: &str) -> Option<&str> {
        self.header(name).and_then(HeaderValue::as_str)
    }
    /// The message encoded (for servers and tests).
    pub fn encode(&self) -> Vec<u8> {
        let mut headers = Vec::new();
        for (name, value) in &self.headers {
            let name = &name.as_bytes()[..name.len().min(255)];
            headers.push(name.len() as u8);
            headers.extend_from_slice(name);
            match value {
                HeaderValue::Bool(true) => headers.push(0),
                HeaderValue::Bool(false) => headers.push(1),
                HeaderValue::Byte(v) => {
                    headers.push(2);
                    headers.extend_from_slice(&v.to_be_bytes());
                }
                HeaderValue::Int16(v) => {
                    headers.push(3);
                    headers.extend_from_slice(&v.to_be_bytes());
                }
                HeaderValue::Int32(v) => {
                    headers.push(4);
                    headers.extend_from_slice(&v.to_be_bytes());
                }
                HeaderValue::Int64(v) => {
                    headers.push(5);
                    headers.extend_from_slice(&v.to_be_bytes());
                }
                HeaderValue::Bytes(b) => {
                    let b = &b[..b.len().min(usize::from(u16::MAX))];
                    headers.push(6);
                    headers.extend_from_slice(&(b.len() as u16).to_be_bytes());
                    headers.extend_from_slice(b);
                }
                HeaderValue::String(s) => {
                    let b = &s.as_bytes()[..s.len().min(usize::from(u16::MAX))];
                    headers.push(7);
                    headers.extend_from_slice(&(b.len() as u16).to_be_bytes());
                    headers.extend_from_slice(b);
                }
                HeaderValue::Timestamp(v) => {
                    headers.push(8);
                    headers.extend_from_slice(&v.to_be_bytes());
                }
                HeaderValue::Uuid(v) => {
                    headers.push(9);
                    headers.extend_from_slice(v);
                }
            }
        }
        let total = MIN_MESSAGE_LEN + headers.len() + self.payload.len();
        let mut out = Vec::with_capacity(total);
        out.extend_from_slice(&(total as u32).to_be_bytes());
        out.extend_from_slice(&(headers.len() as u32).to_be_bytes());
        let prelude_crc = crc32(&out);
        out.extend_from_slice(&prelude_crc.to_be_bytes());
        out.extend_from_slice(&headers);
        out.extend_from_slice(&self.payload);
        let crc = crc32(&out);
        out.extend_from_slice(&crc.to_be_bytes());
        out
    }
}

/// CRC32 (IEEE 802.3).
fn crc32(data: &[u8]) -> u32 {
    crc32fast::hash(data)
}

fn be_u32(b: &[u8], at: usize) -> u32 {
    let mut v = [0u8; 4];
    if let Some(s) = b.get(at..at + 4) {
        v.copy_from_slice(s);
    }
    u32::from_be_bytes(v)
}

/// Cuts messages out of the bytes of an event stream as they arrive: a message may come in
/// several pieces, and one piece may hold several messages.
#[derive(Debug, Default)]
pub struct MessageDecoder {
    buf: BytesMut,
    /// The total length of the message at the front, once its prelude is checked.
    pending: Option<usize>,
}

impl MessageDecoder {
    /// A decoder with nothing buffered.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds bytes received.
    pub fn push(&mut self, data: &[u8]) {
        self.buf.extend_from_slice(data);
    }

    /// The next whole message buffered, or `None` until more bytes arrive.
    pub fn next_message(&mut self) -> Result<Option<Message>, FrameError> {
        let total = match self.pending {
            Some(total) => total,
            None => {
                if self.buf.len() < PRELUDE_LEN {
                    return Ok(None);
                }
                let total = be_u32(&self.buf, 0);
                let headers_len = be_u32(&self.buf, 4);
                let expected = be_u32(&self.buf, 8);
                let actual = crc32(&self.buf[..8]);
                if expected != actual {
                    return Err(FrameError::PreludeCrc { expected, actual });
                }
                let len = total as usize;
                if len < MIN_MESSAGE_LEN
                    || (headers_len as usize) > len.saturating_sub(MIN_MESSAGE_LEN)
                {
                    return Err(FrameError::TooShort(total));
                }
                if len > MAX_MESSAGE_LEN {
                    return Err(FrameError::TooLong(total));
                }
                self.pending = Some(len);
                len
            }
        };
        if self.buf.len() < total {
            return Ok(None);
        }
        self.pending = None;
        let bytes = self.buf.split_to(total).freeze();
        let expected = be_u32(&bytes, total - 4);
        let actual = crc32(&bytes[..total - 4]);
        if expected != actual {
            return Err(FrameError::MessageCrc { expected, actual });
        }
        let headers_len = be_u32(&bytes, 4) as usize;
        let headers_end = PRELUDE_LEN + headers_len;
        let headers = parse_headers(bytes.slice(PRELUDE_LEN..headers_end))?;
        let payload = bytes.slice(headers_end..total - 4);
        Ok(Some(Message { headers, payload }))
    }

    /// Whether no part of a message is buffered (the stream may end here).
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Called at the end of the stream: an error if it ended inside a message.
    pub fn finish(&self) -> Result<(), FrameError> {
        if self.buf.is_empty() {
            Ok(())
        } else {
            Err(FrameError::Truncated {
                buffered: self.buf.len(),
            })
        }
    }
}

fn bad(why: &str) -> FrameError {
    FrameError::BadHeader(why.to_owned())
}

fn take(b: &mut Bytes, n: usize, what: &str) -> Result<Bytes, FrameError> {
    if b.remaining() < n {
        return Err(bad(&format!("{what} is cut short")));
    }
    Ok(b.split_to(n))
}

fn take_array<const N: usize>(b: &mut Bytes, what: &str) -> Result<[u8; N], FrameError> {
    let bytes = take(b, N, what)?;
    let mut out = [0u8; N];
    out.copy_from_slice(&bytes);
    Ok(out)
}

fn parse_headers(mut b: Bytes) -> Result<Vec<(String, HeaderValue)>, FrameError> {
    let mut out = Vec::new();
    while b.has_remaining() {
        let [name_len] = take_array::<1>(&mut b, "a header name length")?;
        let name = take(&mut b, usize::from(name_len), "a header name")?;
        let name = String::from_utf8(name.to_vec()).map_err(|_| bad("a name is not UTF-8"))?;
        let [kind] = take_array::<1>(&mut b, "a header value type")?;
        let value = match kind {
            0 => HeaderValue::Bool(true),
            1 => HeaderValue::Bool(false),
            2 => HeaderValue::Byte(i8::from_be_bytes(take_array(&mut b, "a byte")?)),
            3 => HeaderValue::Int16(i16::from_be_bytes(take_array(&mut b, "an int16")?)),
            4 => HeaderValue::Int32(i32::from_be_bytes(take_array(&mut b, "an int32")?)),
            5 => HeaderValue::Int64(i64::from_be_bytes(take_array(&mut b, "an int64")?)),
            6 | 7 => {
                let len = u16::from_be_bytes(take_array(&mut b, "a value length")?);
                let v = take(&mut b, usize::from(len), "a value")?;
                if kind == 6 {
                    HeaderValue::Bytes(v)
                } else {
                    HeaderValue::String(
                        String::from_utf8(v.to_vec())
                            .map_err(|_| bad(&format!("the value of `{name}` is not UTF-8")))?,
                    )
                }
            }
            8 => HeaderValue::Timestamp(i64::from_be_bytes(take_array(&mut b, "a timestamp")?)),
            9 => HeaderValue::Uuid(take_array(&mut b, "a UUID")?),
            other => return Err(bad(&format!("`{name}` has the unknown value type {other}"))),
        };
        out.push((name, value));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: u8) -> Message {
        Message {
            headers: vec![
                (":message-type".into(), HeaderValue::String("event".into())),
                (":event-type".into(), HeaderValue::String("Chunk".into())),
                ("t".into(), HeaderValue::Bool(true)),
                ("f".into(), HeaderValue::Bool(false)),
                ("b".into(), HeaderValue::Byte(-3)),
                ("s".into(), HeaderValue::Int16(-300)),
                ("i".into(), HeaderValue::Int32(70_000)),
                ("l".into(), HeaderValue::Int64(-1 << 40)),
                (
                    "bytes".into(),
                    HeaderValue::Bytes(Bytes::from_static(b"\0\x01")),
                ),
                ("ts".into(), HeaderValue::Timestamp(1_700_000_000_123)),
                ("u".into(), HeaderValue::Uuid([n; 16])),
            ],
            payload: Bytes::from(vec![n; usize::from(n)]),
        }
    }

    fn decode_all(chunks: &[&[u8]]) -> Result<Vec<Message>, FrameError> {
        let mut d = MessageDecoder::new();
        let mut out = Vec::new();
        for c in chunks {
            d.push(c);
            while let Some(m) = d.next_message()? {
                out.push(m);
            }
        }
        d.finish()?;
        Ok(out)
    }

    #[test]
    fn a_message_round_trips_with_every_header_type() {
        let m = sample(5);
        let got = decode_all(&[&m.encode()]).unwrap();
        assert_eq!(got, vec![m]);
        assert_eq!(got[0].header_str(":event-type"), Some("Chunk"));
        assert_eq!(
            got[0].header("i").and_then(HeaderValue::as_i64),
            Some(70_000)
        );
        let ts = got[0]
            .header("ts")
            .and_then(HeaderValue::as_timestamp)
            .unwrap();
        assert_eq!(ts.epoch_seconds(), 1_700_000_000);
        assert_eq!(ts.subsec_nanos(), 123_000_000);
    }

    #[test]
    fn a_message_split_at_every_byte_is_decoded_once_whole() {
        let m = sample(9);
        let bytes = m.encode();
        for cut in 0..=bytes.len() {
            let (a, b) = bytes.split_at(cut);
            assert_eq!(
                decode_all(&[a, b]).unwrap(),
                vec![m.clone()],
                "cut at {cut}"
            );
        }
        // One byte at a time.
        let singles: Vec<&[u8]> = bytes.chunks(1).collect();
        assert_eq!(decode_all(&singles).unwrap(), vec![m]);
    }

    #[test]
    fn several_messages_in_one_frame_come_out_in_order() {
        let ms: Vec<Message> = (0..4).map(sample).collect();
        let all: Vec<u8> = ms.iter().flat_map(Message::encode).collect();
        assert_eq!(decode_all(&[&all]).unwrap(), ms);
        // And split across frames off the message boundaries.
        let (a, b) = all.split_at(all.len() / 2 + 3);
        assert_eq!(decode_all(&[a, b]).unwrap(), ms);
    }

    #[test]
    fn an_empty_message_has_no_headers_and_no_payload() {
        let m = Message::default();
        assert_eq!(m.encode().len(), MIN_MESSAGE_LEN);
        assert_eq!(decode_all(&[&m.encode()]).unwrap(), vec![m]);
    }

    #[test]
    fn a_bad_prelude_crc_is_an_error() {
        let mut bytes = sample(3).encode();
        bytes[8] ^= 1;
        assert!(matches!(
            decode_all(&[&bytes]),
            Err(FrameError::PreludeCrc { .. })
        ));
        // A corrupt length is caught by the prelude CRC before anything is buffered for it.
        let mut bytes = sample(3).encode();
        bytes[0] = 0x7f;
        let err = decode_all(&[&bytes]).unwrap_err();
        assert!(matches!(err, FrameError::PreludeCrc { .. }), "{err}");
        assert!(err.to_string().contains("prelude CRC"));
    }

    #[test]
    fn a_bad_message_crc_is_an_error() {
        let mut bytes = sample(3).encode();
        let last = bytes.len() - 6;
        bytes[last] ^= 0x80;
        let err = decode_all(&[&bytes]).unwrap_err();
        assert!(matches!(err, FrameError::MessageCrc { .. }), "{err}");
        assert!(err.to_string().contains("message CRC"));
    }

    fn with_lengths(total: u32, headers: u32, rest: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        out.extend_from_slice(&total.to_be_bytes());
        out.extend_from_slice(&headers.to_be_bytes());
        let crc = crc32(&out);
        out.extend_from_slice(&crc.to_be_bytes());
        out.extend_from_slice(rest);
        out
    }

    #[test]
    fn lengths_too_small_or_too_large_are_errors() {
        assert_eq!(
            decode_all(&[&with_lengths(15, 0, &[0; 8])]),
            Err(FrameError::TooShort(15))
        );
        assert_eq!(
            decode_all(&[&with_lengths(20, 5, &[0; 8])]),
            Err(FrameError::TooShort(20))
        );
        let huge = (MAX_MESSAGE_LEN + 1) as u32;
        assert_eq!(
            decode_all(&[&with_lengths(huge, 0, &[])]),
            Err(FrameError::TooLong(huge))
        );
    }

    #[test]
    fn a_truncated_stream_is_an_error() {
        let bytes = sample(7).encode();
        for cut in 1..bytes.len() {
            assert!(
                matches!(
                    decode_all(&[&bytes[..cut]]),
                    Err(FrameError::Truncated { buffered }) if buffered == cut
                ),
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn bad_headers_are_errors() {
        for headers in [&[5u8, b'a'][..], &[1, b'a', 42], &[1, b'a', 7, 0, 9, b'x']] {
            let mut m = with_lengths(
                (MIN_MESSAGE_LEN + headers.len()) as u32,
                headers.len() as u32,
                headers,
            );
            let crc = crc32(&m);
            m.extend_from_slice(&crc.to_be_bytes());
            assert!(
                matches!(decode_all(&[&m]), Err(FrameError::BadHeader(_))),
                "{headers:?}"
            );
        }
    }

    #[test]
    fn random_mangling_never_panics() {
        let good: Vec<u8> = (0..3).map(sample).flat_map(|m| m.encode()).collect();
        let mut rng = fastrand::Rng::with_seed(7);
        for _ in 0..3000 {
            let mut bytes = good.clone();
            for _ in 0..rng.usize(1..6) {
                let i = rng.usize(..bytes.len());
                match rng.u8(..3) {
                    0 => bytes[i] = rng.u8(..),
                    1 => bytes.truncate(i),
                    _ => bytes.insert(i, rng.u8(..)),
                }
                if bytes.is_empty() {
                    break;
                }
            }
            let cut = rng.usize(..=bytes.len());
            let (a, b) = bytes.split_at(cut);
            let _ = decode_all(&[a, b]);
        }
        // Random bytes with a valid prelude CRC reach the header parser.
        for _ in 0..3000 {
            let body: Vec<u8> = (0..rng.usize(..60)).map(|_| rng.u8(..)).collect();
            let headers_len = rng.u32(..=body.len() as u32);
            let total = (MIN_MESSAGE_LEN + body.len()) as u32;
            let mut m = with_lengths(total, headers_len, &body);
            let crc = crc32(&m);
            m.extend_from_slice(&crc.to_be_bytes());
            let _ = decode_all(&[&m]);
        }
    }
}
