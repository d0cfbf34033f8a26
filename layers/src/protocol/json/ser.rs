//! [`JsonSerializer`]: values to JSON text.
use std::cell::Cell;

use base64::Engine as _;
use bytes::Bytes;
use ziggurat_core::body::Body;
use ziggurat_core::header_buffer::shared_bytes;
use ziggurat_core::schema::error::{CodecError, CodecResult};
use ziggurat_core::schema::ser::{SerResult, SerializeShape, SerializeValue, ShapeSerializer};
use ziggurat_core::schema::{DateTime, Document, Member, TimestampFormat};

use super::JsonOptions;
use super::special::{SPECIAL, needs_escape};

/// The largest buffer kept for a thread's next body (see [`JsonSerializer::finish_bytes`]).
const SPARE_MAX: usize = 4096;

thread_local! {
    /// The buffer of the thread's last small request body, cleared.
    static SPARE: Cell<Vec<u8>> = const { Cell::new(Vec::new()) };
}

/// Where the next value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    /// A value alone (the root, a list item, a map value): no key.
    Value,
    /// A member of an object: written with its key, after a comma unless it is the first.
    Field { first: bool },
}

/// Writes values as JSON into a `Vec<u8>`.
///
/// At the root ([`JsonSerializer::new`]) it writes one value: `write_struct` of a payload
/// member, say. Opened as an object ([`JsonSerializer::begin_object`]) it writes each member
/// it is given as a field, so a caller can write only some members of a structure (restJson's
/// body members) and [`finish`](JsonSerializer::finish) closes the object.
#[derive(Debug)]
pub struct JsonSerializer {
    out: Vec<u8>,
    opts: JsonOptions,
    slot: Slot,
    object: bool,
    validate: bool,
}

/// A structure as a JSON object (`{}` when no member is set). Does not validate (see
/// [`JsonSerializer::validating`]).
pub fn to_vec(value: &dyn SerializeShape, opts: JsonOptions) -> CodecResult<Vec<u8>> {
    let mut s = JsonSerializer::begin_object(opts);
    value.serialize_members(&mut s)?;
    Ok(s.finish())
}

/// [`to_vec`], indented by four spaces as the aws CLI prints (`{}` and `[]` stay on one line).
pub fn to_vec_pretty(value: &dyn SerializeShape, opts: JsonOptions) -> CodecResult<Vec<u8>> {
    Ok(indent(&to_vec(value, opts)?))
}

/// Re-indents compact JSON text written by this serializer.
fn indent(compact: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(compact.len() * 2);
    let mut depth = 0usize;
    let mut in_str = false;
    let mut escaped = false;
    let newline = |out: &mut Vec<u8>, depth: usize| {
        out.push(b'\n');
        out.extend(std::iter::repeat_n(b' ', depth * 4));
    };
    for (i, &b) in compact.iter().enumerate() {
        if in_str {
            out.push(b);
            if escaped {
                escaped = false;
            } else if b == b'\\' {
                escaped = true;
            } else if b == b'"' {
                in_str = false;
            }
            continue;
        }
        match b {
            b'"' => {
                in_str = true;
                out.push(b);
            }
            b'{' | b'[' => {
                out.push(b);
                if !matches!(compact.get(i + 1), Some(b'}' | b']')) {
                    depth += 1;
                    newline(&mut out, depth);
                }
            }
            b'}' | b']' => {
                if !matches!(compact.get(i.wrapping_sub(1)), Some(b'{' | b'[')) {
                    depth = depth.saturating_sub(1);
                    newline(&mut out, depth);
                }
                out.push(b);
            }
            b',' => {
                out.push(b);
                newline(&mut out, depth);
            }
            b':' => out.extend_from_slice(b": "),
            _ => out.push(b),
        }
    }
    out
}

impl JsonSerializer {
    /// A serializer for one value at the root.
    pub fn new(opts: JsonOptions) -> Self {
        Self::with_capacity(opts, 128)
    }

    fn with_capacity(opts: JsonOptions, capacity: usize) -> Self {
        JsonSerializer {
            out: Vec::with_capacity(capacity),
            opts,
            slot: Slot::Value,
            object: false,
            validate: false,
        }
    }

    /// A serializer inside an open object (`{` written): each member written is a field.
    pub fn begin_object(opts: JsonOptions) -> Self {
        // A request body: room for a typical one saves growing the buffer several times. Kept
        // under 1,008 bytes: glibc serves such a block from its per-thread cache, while a
        // request of 1,008 bytes or more first consolidates its fast bins, which slows every
        // small allocation after it (measured at 32 calls in flight). A bigger body grows
        // once, to about 2 KB.
        // The buffer of the thread's last small body, when there is one.
        let spare = SPARE.try_with(Cell::take).unwrap_or_default();
        let mut s = if spare.capacity() == 0 {
            JsonSerializer::with_capacity(opts, 1000)
        } else {
            let mut s = JsonSerializer::with_capacity(opts, 0);
            s.out = spare;
            s
        };
        s.out.push(b'{');
        s.slot = Slot::Field { first: true };
        s.object = true;
        s
    }

    /// The same serializer, checking required members and filling idempotency tokens (what
    /// building a request does; see [`ShapeSerializer::validates`]).
    pub fn validating(mut self, on: bool) -> Self {
        self.validate = on;
        self
    }

    /// The JSON text (the object closed, when it was opened with
    /// [`begin_object`](JsonSerializer::begin_object)).
    pub fn finish(mut self) -> Vec<u8> {
        if self.object {
            self.out.push(b'}');
        }
        self.out
    }

    /// [`finish`](JsonSerializer::finish) as a request body. A small one (up to
    /// [`MAX_LEN`](ziggurat_core::header_buffer::MAX_LEN) bytes, most requests of the JSON
    /// protocols) is copied into the thread's shared buffer
    /// ([`shared_bytes`](ziggurat_core::header_buffer::shared_bytes)) and the serializer's own
    /// buffer kept for the thread's next [`begin_object`](JsonSerializer::begin_object): no
    /// allocation at all. A larger one becomes the body as it is.
    pub fn finish_bytes(self) -> Bytes {
        let out = self.finish();
        match shared_bytes(&[&out]) {
            Some(bytes) => {
                if out.capacity() <= SPARE_MAX {
                    let mut out = out;
                    out.clear();
                    let _ = SPARE.try_with(|spare| spare.set(out));
                }
                bytes
            }
            None => Bytes::from(out),
        }
    }

    /// Whether a field has been written into the object opened by
    /// [`begin_object`](JsonSerializer::begin_object) (restJson sends no body for an input
    /// without body members).
    pub fn has_fields(&self) -> bool {
        matches!(self.slot, Slot::Field { first: false })
    }

    /// Writes the key of `member` when the value is a field.
    fn key(&mut self, member: &'static Member) {
        if let Slot::Field { first } = &mut self.slot {
            if !*first {
                self.out.push(b',');
            }
            *first = false;
            write_str(&mut self.out, self.opts.key(member));
            self.out.push(b':');
        }
    }

    /// Runs `f` with the slot set to `slot`, restoring it after.
    fn nested(&mut self, slot: Slot, f: impl FnOnce(&mut Self) -> SerResult) -> SerResult {
        let saved = std::mem::replace(&mut self.slot, slot);
        let r = f(self);
        self.slot = saved;
        r
    }

    fn raw(&mut self, member: &'static Member, text: &[u8]) -> SerResult {
        self.key(member);
        self.out.extend_from_slice(text);
        Ok(())
    }
}

/// Writes `s` as a JSON string, escaping `"`, `\` and control characters.
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    let bytes = s.as_bytes();
    // Most strings need no escape: one scan, one copy.
    if !needs_escape(bytes) {
        out.reserve(bytes.len() + 2);
        out.push(b'"');
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    out.reserve(s.len() + 2);
    out.push(b'"');
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if !SPECIAL[usize::from(b)] {
            continue;
        }
        let esc: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0..=0x1f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.extend_from_slice(b"\\u00");
            out.push(HEX[usize::from(b >> 4)]);
            out.push(HEX[usize::from(b & 0xf)]);
        } else {
            out.extend_from_slice(esc);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// A non-finite float's string, or `None` for a finite one.
fn non_finite(v: f64) -> Option<&'static [u8]> {
    if v.is_nan() {
        Some(b"\"NaN\"")
    } else if v == f64::INFINITY {
        Some(b"\"Infinity\"")
    } else if v == f64::NEG_INFINITY {
        Some(b"\"-Infinity\"")
    } else {
        None
    }
}

/// Whether `s` is a JSON number.
fn is_json_number(s: &str) -> bool {
    let b = s.as_bytes();
    let mut i = 0;
    let digits = |i: &mut usize| {
        let start = *i;
        while b.get(*i).is_some_and(u8::is_ascii_digit) {
            *i += 1;
        }
        *i > start
    };
    if b.first() == Some(&b'-') {
        i += 1;
    }
    if !digits(&mut i) {
        return false;
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !digits(&mut i) {
            return false;
        }
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        i += 1;
        if matches!(b.get(i), Some(b'+' | b'-')) {
            i += 1;
        }
        if !digits(&mut i) {
            return false;
        }
    }
    i == b.len()
}

fn write_document(out: &mut Vec<u8>, d: &Document, depth: usize) -> SerResult {
    if depth > super::de::MAX_DEPTH {
        return Err(CodecError::new("the document is nested too deeply"));
    }
    match d {
        Document::Null => out.extend_from_slice(b"null"),
        Document::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Document::Number(n) => match non_finite(*n) {
            // JSON has no non-finite numbers; a document carries them as Smithy's strings.
            Some(s) => out.extend_from_slice(s),
            None if n.fract() == 0.0 && n.abs() < 9.007_199_254_740_992e15 => {
                out.extend_from_slice(itoa::Buffer::new().format(*n as i64).as_bytes())
            }
            None => out.extend_from_slice(format!("{n:?}").as_bytes()),
        },
        Document::String(s) => write_str(out, s),
        Document::Array(items) => {
            out.push(b'[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_document(out, v, depth + 1)?;
            }
            out.push(b']');
        }
        Document::Object(fields) => {
            out.push(b'{');
            for (i, (k, v)) in fields.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, k);
                out.push(b':');
                write_document(out, v, depth + 1)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

impl ShapeSerializer for JsonSerializer {
    fn write_struct(&mut self, member: &'static Member, value: &dyn SerializeShape) -> SerResult {
        self.key(member);
        self.out.push(b'{');
        self.nested(Slot::Field { first: true }, |s| value.serialize_members(s))?;
        self.out.push(b'}');
        Ok(())
    }

    fn write_list(
        &mut self,
        member: &'static Member,
        items: &mut dyn ExactSizeIterator<Item = &dyn SerializeValue>,
    ) -> SerResult {
        let item = member.target.element().ok_or_else(|| {
            CodecError::new(format!(
                "`{}` is not a list in the model",
                member.target.name
            ))
        })?;
        self.key(member);
        self.out.push(b'[');
        self.nested(Slot::Value, |s| {
            for (i, v) in items.enumerate() {
                if i > 0 {
                    s.out.push(b',');
                }
                v.serialize_value(item, s)?;
            }
            Ok(())
        })?;
        self.out.push(b']');
        Ok(())
    }

    fn write_map(
        &mut self,
        member: &'static Member,
        entries: &mut dyn ExactSizeIterator<Item = (&str, &dyn SerializeValue)>,
    ) -> SerResult {
        let value = member.target.element().ok_or_else(|| {
            CodecError::new(format!(
                "`{}` is not a map in the model",
                member.target.name
            ))
        })?;
        self.key(member);
        self.out.push(b'{');
        self.nested(Slot::Value, |s| {
            for (i, (k, v)) in entries.enumerate() {
                if i > 0 {
                    s.out.push(b',');
                }
                write_str(&mut s.out, k);
                s.out.push(b':');
                v.serialize_value(value, s)?;
            }
            Ok(())
        })?;
        self.out.push(b'}');
        Ok(())
    }

    fn write_bool(&mut self, member: &'static Member, value: bool) -> SerResult {
        self.raw(member, if value { b"true" } else { b"false" })
    }

    fn write_long(&mut self, member: &'static Member, value: i64) -> SerResult {
        self.raw(member, itoa::Buffer::new().format(value).as_bytes())
    }

    fn write_float(&mut self, member: &'static Member, value: f32) -> SerResult {
        match non_finite(f64::from(value)) {
            Some(s) => self.raw(member, s),
            // `f32`'s own shortest form (1.1, not 1.100000023841858); `Debug` keeps large
            // and small magnitudes short (1e30, not 31 digits).
            None => self.raw(member, format!("{value:?}").as_bytes()),
        }
    }

    fn write_double(&mut self, member: &'static Member, value: f64) -> SerResult {
        match non_finite(value) {
            Some(s) => self.raw(member, s),
            None => self.raw(member, format!("{value:?}").as_bytes()),
        }
    }

    fn write_big_number(&mut self, member: &'static Member, value: &str) -> SerResult {
        if !is_json_number(value) {
            return Err(CodecError::new(format!("{value:?} is not a number")));
        }
        self.raw(member, value.as_bytes())
    }

    fn write_string(&mut self, member: &'static Member, value: &str) -> SerResult {
        self.key(member);
        write_str(&mut self.out, value);
        Ok(())
    }

    fn write_blob(&mut self, member: &'static Member, value: &[u8]) -> SerResult {
        self.key(member);
        self.out.push(b'"');
        let start = self.out.len();
        self.out.resize(
            start + base64::encoded_len(value.len(), true).unwrap_or(0),
            0,
        );
        let n = base64::engine::general_purpose::STANDARD
            .encode_slice(value, &mut self.out[start..])
            .map_err(|e| CodecError::new(format!("base64: {e}")))?;
        self.out.truncate(start + n);
        self.out.push(b'"');
        Ok(())
    }

    fn write_timestamp(&mut self, member: &'static Member, value: &DateTime) -> SerResult {
        match self.opts.timestamp_format(member) {
            TimestampFormat::EpochSeconds => self.raw(member, value.fmt_epoch_seconds().as_bytes()),
            TimestampFormat::DateTime => self.write_string(member, &value.fmt_date_time()),
            TimestampFormat::HttpDate => self.write_string(member, &value.fmt_http_date()),
        }
    }

    fn write_document(&mut self, member: &'static Member, value: &Document) -> SerResult {
        self.key(member);
        write_document(&mut self.out, value, 0)
    }

    fn write_null(&mut self, member: &'static Member) -> SerResult {
        match self.slot {
            // An unset member is not written.
            Slot::Field { .. } => Ok(()),
            Slot::Value => self.raw(member, b"null"),
        }
    }

    fn write_stream(&mut self, member: &'static Member, body: &Body) -> SerResult {
        // A stream inside a JSON document is only writable when it is in memory (the command
        // line's output of a small body); a request's stream was taken out before.
        match body.bytes() {
            Some(b) => self.write_blob(member, b),
            None => Ok(()),
        }
    }

    fn validates(&self) -> bool {
        self.validate
    }
}
