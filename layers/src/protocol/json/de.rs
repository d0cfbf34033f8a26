//! [`JsonDeserializer`]: JSON text to values, driven by the schema over a hand-written
//! [`Scanner`] (no tree, no token stream: the schema says what comes next).
use std::collections::BTreeMap;

use base64::Engine as _;
use bytes::Bytes;
use ziggurat_core::schema::de::{
    DeserializeValue, MemberConsumer, ShapeDeserializer, deserialize_root,
};
use ziggurat_core::schema::error::{CodecError, CodecResult};
use ziggurat_core::schema::{DateTime, Document, Member, Schema, flag};

use super::scan::{Next, Scanner, position};
use super::{JsonOptions, Names};

/// How deeply structures, lists, maps and documents may nest.
pub(crate) const MAX_DEPTH: usize = 128;

/// base64 as services send it: the standard alphabet, padding optional.
const BASE64: base64::engine::GeneralPurpose = base64::engine::GeneralPurpose::new(
    &base64::alphabet::STANDARD,
    base64::engine::GeneralPurposeConfig::new()
        .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(true),
);

/// Reads values from JSON text. An empty (or blank) body reads as `{}`.
pub struct JsonDeserializer<'a> {
    scan: Scanner<'a>,
    opts: JsonOptions,
    depth: usize,
}

impl std::fmt::Debug for JsonDeserializer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonDeserializer")
            .field("at", &self.scan.pos())
            .field("opts", &self.opts)
            .finish()
    }
}

/// Reads a whole value (an input or output structure) from `bytes`; trailing text other than
/// whitespace is an error.
pub fn from_slice<T: DeserializeValue>(bytes: &[u8], opts: JsonOptions) -> CodecResult<T> {
    let mut d = JsonDeserializer::new(bytes, opts);
    let v = deserialize_root::<T>(&mut d)?;
    d.finish()?;
    Ok(v)
}

impl<'a> JsonDeserializer<'a> {
    /// A deserializer at the start of `bytes`.
    pub fn new(bytes: &'a [u8], opts: JsonOptions) -> Self {
        let data: &'a [u8] = if bytes.iter().all(u8::is_ascii_whitespace) {
            b"{}"
        } else {
            bytes
        };
        JsonDeserializer {
            scan: Scanner::new(data),
            opts,
            depth: 0,
        }
    }

    /// Checks that nothing but whitespace follows the value read.
    pub fn finish(&mut self) -> CodecResult {
        self.scan.finish()
    }

    #[cold]
    #[inline(never)]
    fn wrong(&self, what: &str, next: Next) -> CodecError {
        let at = position(self.scan.data(), self.scan.pos());
        CodecError::new(format!(
            "expected {what}, found {} at {at}",
            next.describe()
        ))
    }

    #[inline]
    fn peek(&mut self) -> CodecResult<Next> {
        self.scan.peek()
    }

    #[inline]
    fn enter(&mut self) -> CodecResult {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(CodecError::new(format!(
                "the JSON is nested more than {MAX_DEPTH} levels deep"
            )));
        }
        Ok(())
    }

    /// Skips the value at hand, which may nest as deep as what is left of [`MAX_DEPTH`].
    fn skip(&mut self) -> CodecResult {
        self.scan.skip(MAX_DEPTH.saturating_sub(self.depth))
    }

    /// Reads the value at hand through `read`; if `read` consumed nothing (a consumer that
    /// ignores a member), skips it, so the parser stays in step.
    #[inline]
    fn value(&mut self, read: impl FnOnce(&mut Self) -> CodecResult) -> CodecResult {
        let start = self.scan.pos();
        read(self)?;
        if self.scan.pos() == start {
            self.skip()?;
        }
        Ok(())
    }

    /// The string at hand, borrowed from the text when it has no escape.
    #[inline]
    fn string(&mut self, what: &str) -> CodecResult<std::borrow::Cow<'a, str>> {
        let next = self.peek()?;
        if next != Next::String {
            return Err(self.wrong(what, next));
        }
        self.scan.string()
    }

    /// The number at hand, as its text.
    fn number(&mut self, what: &str) -> CodecResult<&'a str> {
        let next = self.peek()?;
        if next != Next::Number {
            return Err(self.wrong(what, next));
        }
        self.scan.number()
    }

    fn document(&mut self) -> CodecResult<Document> {
        let next = self.peek()?;
        Ok(match next {
            Next::Null => {
                self.scan.null()?;
                Document::Null
            }
            Next::True | Next::False => Document::Bool(self.scan.bool(next)?),
            Next::String => Document::String(self.scan.string()?.into_owned()),
            Next::Array => {
                self.enter()?;
                let mut items = Vec::new();
                let mut more = self.scan.array_first()?;
                while more {
                    items.push(self.document()?);
                    more = self.scan.array_next()?;
                }
                self.depth -= 1;
                Document::Array(items)
            }
            Next::Object => {
                self.enter()?;
                let mut fields = BTreeMap::new();
                let mut key = self.scan.object_first()?;
                while let Some(k) = key {
                    let v = self.document()?;
                    fields.insert(k.into_owned(), v);
                    key = self.scan.object_next()?;
                }
                self.depth -= 1;
                Document::Object(fields)
            }
            Next::Number => Document::Number(parse_double(self.scan.number()?)?),
        })
    }

    /// Whether the list or map of `member` keeps nulls.
    fn sparse(member: &'static Member) -> bool {
        member.target.has(flag::SPARSE) || member.has(flag::SPARSE)
    }
}

/// The value of a JSON number's text (which the scanner checked against JSON's grammar).
fn parse_double(text: &str) -> CodecResult<f64> {
    text.parse()
        .map_err(|_| CodecError::new(format!("{text} is not a number")))
}

/// The value of a JSON number's text as an integer: a whole number in range (`1.0` and `1e3`
/// are accepted for an integer).
fn parse_long(text: &str) -> CodecResult<i64> {
    if !text.bytes().any(|b| matches!(b, b'.' | b'e' | b'E')) {
        return text
            .parse()
            .map_err(|_| CodecError::new(format!("the number {text} is out of range")));
    }
    let f = parse_double(text)?;
    if f.fract() == 0.0 && f.abs() < 9.2e18 {
        Ok(f as i64)
    } else {
        Err(CodecError::new(format!("{text} is not an integer")))
    }
}

/// The bytes base64 text `s` stands for, in a buffer of exactly their length: a `Bytes` made
/// from a `Vec` with room to spare allocates again (for its shared header).
fn decode_base64(s: &str) -> CodecResult<Bytes> {
    let bad = |e: &dyn std::fmt::Display| CodecError::new(format!("a blob is not base64: {e}"));
    // Padding is optional; four characters stand for three bytes, and a last group of two or
    // three for one or two (a last group of one is not base64, and the decoder says so).
    let unpadded = s.trim_end_matches('=').len();
    let len = unpadded / 4 * 3
        + match unpadded % 4 {
            2 => 1,
            3 => 2,
            _ => 0,
        };
    let mut out = vec![0; len];
    match BASE64.decode_slice(s, &mut out) {
        Ok(written) => {
            out.truncate(written);
            Ok(Bytes::from(out))
        }
        Err(base64::DecodeSliceError::DecodeError(e)) => Err(bad(&e)),
        // Not for valid base64; the decoder then sizes its own buffer.
        Err(base64::DecodeSliceError::OutputSliceTooSmall) => {
            BASE64.decode(s).map(Bytes::from).map_err(|e| bad(&e))
        }
    }
}

/// The index of the member of `schema` keyed `key`.
fn find(schema: &'static Schema, opts: JsonOptions, key: &str) -> Option<usize> {
    // Lengths and first bytes tell most keys apart; the rest is compared byte by byte, which
    // for keys this short (a union's `S`, `N`, `SS`, …) is quicker than a call to `memcmp`.
    let key = key.as_bytes();
    let first = key.first();
    schema.members.iter().position(|m| {
        let k = opts.key(m).as_bytes();
        k.len() == key.len()
            && k.first() == first
            && opts.reads(m)
            && k.iter().zip(key).all(|(a, b)| a == b)
    })
}

impl ShapeDeserializer for JsonDeserializer<'_> {
    fn read_struct(
        &mut self,
        schema: &'static Schema,
        consumer: &mut MemberConsumer<'_>,
    ) -> CodecResult {
        let next = self.peek()?;
        if next == Next::Null {
            return self.scan.null();
        }
        if next != Next::Object {
            return Err(self.wrong(&format!("an object (`{}`)", schema.name), next));
        }
        self.enter()?;
        let opts = self.opts;
        let mut key = self.scan.object_first()?;
        while let Some(k) = key {
            let found = find(schema, opts, &k);
            // What a person wrote (the command line's input) names only members that
            // exist: a misspelt one is an error, not silently dropped.
            if found.is_none() && opts.names == Names::Model {
                return Err(CodecError::new(format!(
                    "`{}` has no member `{k}`",
                    schema.name
                )));
            }
            let next = self.peek()?;
            match found {
                _ if next == Next::Null => self.scan.null()?,
                Some(i) => self.value(|d| consumer(i, d))?,
                None => self.skip()?,
            }
            key = self.scan.object_next()?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn read_list(
        &mut self,
        member: &'static Member,
        consumer: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        let next = self.peek()?;
        if next == Next::Null {
            return self.scan.null();
        }
        if next != Next::Array {
            return Err(self.wrong(&format!("a list (`{}`)", member.name), next));
        }
        self.enter()?;
        let sparse = Self::sparse(member);
        let mut more = self.scan.array_first()?;
        while more {
            if !sparse && self.peek()? == Next::Null {
                self.scan.null()?;
            } else {
                self.value(|d| consumer(d))?;
            }
            more = self.scan.array_next()?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn read_map(
        &mut self,
        member: &'static Member,
        consumer: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        let next = self.peek()?;
        if next == Next::Null {
            return self.scan.null();
        }
        if next != Next::Object {
            return Err(self.wrong(&format!("a map (`{}`)", member.name), next));
        }
        self.enter()?;
        let sparse = Self::sparse(member);
        let mut key = self.scan.object_first()?;
        while let Some(k) = key {
            if !sparse && self.peek()? == Next::Null {
                self.scan.null()?;
            } else {
                // A borrowed key is copied once, at its exact length.
                let k = k.into_owned();
                self.value(|d| consumer(k, d))?;
            }
            key = self.scan.object_next()?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn read_bool(&mut self, _member: &'static Member) -> CodecResult<bool> {
        match self.peek()? {
            next @ (Next::True | Next::False) => self.scan.bool(next),
            next => Err(self.wrong("a boolean", next)),
        }
    }

    fn read_long(&mut self, _member: &'static Member) -> CodecResult<i64> {
        parse_long(self.number("an integer")?)
    }

    fn read_double(&mut self, _member: &'static Member) -> CodecResult<f64> {
        if self.peek()? == Next::String {
            let s = self.scan.string()?;
            return match &*s {
                "NaN" => Ok(f64::NAN),
                "Infinity" => Ok(f64::INFINITY),
                "-Infinity" => Ok(f64::NEG_INFINITY),
                s => Err(CodecError::new(format!(
                    "expected a number, found the string {s:?}"
                ))),
            };
        }
        parse_double(self.number("a number")?)
    }

    fn read_big_number(&mut self, _member: &'static Member) -> CodecResult<String> {
        if self.peek()? == Next::String {
            return self.scan.string().map(std::borrow::Cow::into_owned);
        }
        self.number("a number").map(str::to_owned)
    }

    fn read_string(&mut self, _member: &'static Member) -> CodecResult<String> {
        // A borrowed string is copied once, at its exact length.
        self.string("a string").map(std::borrow::Cow::into_owned)
    }

    fn read_blob(&mut self, _member: &'static Member) -> CodecResult<Bytes> {
        let s = self.string("a base64 string")?;
        decode_base64(&s)
    }

    fn read_timestamp(&mut self, _member: &'static Member) -> CodecResult<DateTime> {
        if self.peek()? == Next::String {
            let s = self.scan.string()?;
            return DateTime::parse_lenient(&s)
                .ok_or_else(|| CodecError::new(format!("{s:?} is not a timestamp")));
        }
        let text = self.number("a timestamp")?;
        DateTime::parse_epoch_seconds(text)
            .ok_or_else(|| CodecError::new(format!("{text} is not a timestamp in range")))
    }

    fn read_document(&mut self, _member: &'static Member) -> CodecResult<Document> {
        self.document()
    }

    fn read_null(&mut self) -> bool {
        if self.scan.peek().ok() == Some(Next::Null) {
            return self.scan.null().is_ok();
        }
        false
    }
}
