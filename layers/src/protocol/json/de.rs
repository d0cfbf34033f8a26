//! [`JsonDeserializer`]: JSON text to values, on the `jiter` pull parser (no tree is built).
use std::collections::BTreeMap;

use base64::Engine as _;
use bytes::Bytes;
use jiter::{Jiter, JiterError, NumberAny, NumberInt, Peek};
use ziggurat_core::schema::de::{
    DeserializeValue, MemberConsumer, ShapeDeserializer, deserialize_root,
};
use ziggurat_core::schema::error::{CodecError, CodecResult};
use ziggurat_core::schema::{DateTime, Document, Member, Schema, flag};

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
    data: &'a [u8],
    jiter: Jiter<'a>,
    opts: JsonOptions,
    depth: usize,
}

impl std::fmt::Debug for JsonDeserializer<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonDeserializer")
            .field("at", &self.jiter.current_index())
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
            data,
            jiter: Jiter::new(data),
            opts,
            depth: 0,
        }
    }

    /// Checks that nothing but whitespace follows the value read.
    pub fn finish(&mut self) -> CodecResult {
        self.jiter.finish().map_err(|e| jerr(self.data, e))
    }

    fn wrong(&self, what: &str, peek: Peek) -> CodecError {
        let found = match peek {
            Peek::Null => "null",
            Peek::True | Peek::False => "a boolean",
            Peek::String => "a string",
            Peek::Array => "an array",
            Peek::Object => "an object",
            p if p.is_num() => "a number",
            _ => "not JSON",
        };
        let at = jiter::LinePosition::find(self.data, self.jiter.current_index());
        CodecError::new(format!("expected {what}, found {found} at {at}"))
    }

    fn peek(&mut self) -> CodecResult<Peek> {
        self.jiter.peek().map_err(|e| jerr(self.data, e))
    }

    fn enter(&mut self) -> CodecResult {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(CodecError::new(format!(
                "the JSON is nested more than {MAX_DEPTH} levels deep"
            )));
        }
        Ok(())
    }

    fn skip(&mut self) -> CodecResult {
        self.jiter.next_skip().map_err(|e| jerr(self.data, e))
    }

    /// Reads the value at hand through `read`; if `read` consumed nothing (a consumer that
    /// ignores a member), skips it, so the parser stays in step.
    fn value(&mut self, read: impl FnOnce(&mut Self) -> CodecResult) -> CodecResult {
        let start = self.jiter.current_index();
        read(self)?;
        if self.jiter.current_index() == start {
            self.skip()?;
        }
        Ok(())
    }

    fn string(&mut self, what: &str) -> CodecResult<&str> {
        let peek = self.peek()?;
        if peek != Peek::String {
            return Err(self.wrong(what, peek));
        }
        self.jiter.known_str().map_err(|e| jerr(self.data, e))
    }

    fn document(&mut self) -> CodecResult<Document> {
        let peek = self.peek()?;
        Ok(match peek {
            Peek::Null => {
                self.jiter.known_null().map_err(|e| jerr(self.data, e))?;
                Document::Null
            }
            Peek::True | Peek::False => Document::Bool(
                self.jiter
                    .known_bool(peek)
                    .map_err(|e| jerr(self.data, e))?,
            ),
            Peek::String => Document::String(self.string("a string")?.to_owned()),
            Peek::Array => {
                self.enter()?;
                let mut items = Vec::new();
                let mut next = self.jiter.known_array().map_err(|e| jerr(self.data, e))?;
                while next.is_some() {
                    items.push(self.document()?);
                    next = self.jiter.array_step().map_err(|e| jerr(self.data, e))?;
                }
                self.depth -= 1;
                Document::Array(items)
            }
            Peek::Object => {
                self.enter()?;
                let mut fields = BTreeMap::new();
                let mut key = self
                    .jiter
                    .known_object()
                    .map_err(|e| jerr(self.data, e))?
                    .map(str::to_owned);
                while let Some(k) = key {
                    let v = self.document()?;
                    fields.insert(k, v);
                    key = self
                        .jiter
                        .next_key()
                        .map_err(|e| jerr(self.data, e))?
                        .map(str::to_owned);
                }
                self.depth -= 1;
                Document::Object(fields)
            }
            p if p.is_num() => {
                Document::Number(self.jiter.known_float(p).map_err(|e| jerr(self.data, e))?)
            }
            p => return Err(self.wrong("a document", p)),
        })
    }

    /// Whether the list or map of `member` keeps nulls.
    fn sparse(member: &'static Member) -> bool {
        member.target.has(flag::SPARSE) || member.has(flag::SPARSE)
    }
}

/// A parser error, with its line and column.
fn jerr(data: &[u8], e: JiterError) -> CodecError {
    let at = jiter::LinePosition::find(data, e.index);
    CodecError::new(format!("malformed JSON: {} at {at}", e.error_type))
}

/// The index of the member of `schema` keyed `key`.
fn find(schema: &'static Schema, opts: JsonOptions, key: &str) -> Option<usize> {
    // Comparing lengths and first bytes first skips most calls to `memcmp` (a union's keys,
    // `S`, `N`, `B`, `M`, `L`, are all one byte long).
    let first = key.as_bytes().first();
    schema.members.iter().position(|m| {
        let k = opts.key(m);
        k.len() == key.len() && k.as_bytes().first() == first && opts.reads(m) && k == key
    })
}

impl ShapeDeserializer for JsonDeserializer<'_> {
    fn read_struct(
        &mut self,
        schema: &'static Schema,
        consumer: &mut MemberConsumer<'_>,
    ) -> CodecResult {
        /// The name of a key no member has, kept (allocated) only to report it.
        fn unknown_name(opts: JsonOptions, key: &str) -> String {
            if opts.names == Names::Model {
                key.to_owned()
            } else {
                String::new()
            }
        }
        let peek = self.peek()?;
        if peek == Peek::Null {
            return self.jiter.known_null().map_err(|e| jerr(self.data, e));
        }
        if peek != Peek::Object {
            return Err(self.wrong(&format!("an object (`{}`)", schema.name), peek));
        }
        self.enter()?;
        let opts = self.opts;
        let mut index = self
            .jiter
            .known_object()
            .map_err(|e| jerr(self.data, e))?
            .map(|k| find(schema, opts, k).ok_or_else(|| unknown_name(opts, k)));
        while let Some(found) = index {
            let peek = self.peek()?;
            match found {
                // What a person wrote (the command line's input) names only members that
                // exist: a misspelt one is an error, not silently dropped.
                Err(name) if opts.names == Names::Model => {
                    return Err(CodecError::new(format!(
                        "`{}` has no member `{name}`",
                        schema.name
                    )));
                }
                _ if peek == Peek::Null => {
                    self.jiter.known_null().map_err(|e| jerr(self.data, e))?;
                }
                Ok(i) => self.value(|d| consumer(i, d))?,
                Err(_) => self.skip()?,
            }
            index = self
                .jiter
                .next_key()
                .map_err(|e| jerr(self.data, e))?
                .map(|k| find(schema, opts, k).ok_or_else(|| unknown_name(opts, k)));
        }
        self.depth -= 1;
        Ok(())
    }

    fn read_list(
        &mut self,
        member: &'static Member,
        consumer: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        let peek = self.peek()?;
        if peek == Peek::Null {
            return self.jiter.known_null().map_err(|e| jerr(self.data, e));
        }
        if peek != Peek::Array {
            return Err(self.wrong(&format!("a list (`{}`)", member.name), peek));
        }
        self.enter()?;
        let sparse = Self::sparse(member);
        let mut next = self.jiter.known_array().map_err(|e| jerr(self.data, e))?;
        while let Some(peek) = next {
            if peek == Peek::Null && !sparse {
                self.jiter.known_null().map_err(|e| jerr(self.data, e))?;
            } else {
                self.value(|d| consumer(d))?;
            }
            next = self.jiter.array_step().map_err(|e| jerr(self.data, e))?;
        }
        self.depth -= 1;
        Ok(())
    }

    fn read_map(
        &mut self,
        member: &'static Member,
        consumer: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        let peek = self.peek()?;
        if peek == Peek::Null {
            return self.jiter.known_null().map_err(|e| jerr(self.data, e));
        }
        if peek != Peek::Object {
            return Err(self.wrong(&format!("a map (`{}`)", member.name), peek));
        }
        self.enter()?;
        let sparse = Self::sparse(member);
        let mut key = self
            .jiter
            .known_object()
            .map_err(|e| jerr(self.data, e))?
            .map(str::to_owned);
        while let Some(k) = key {
            let peek = self.peek()?;
            if peek == Peek::Null && !sparse {
                self.jiter.known_null().map_err(|e| jerr(self.data, e))?;
            } else {
                self.value(|d| consumer(k, d))?;
            }
            key = self
                .jiter
                .next_key()
                .map_err(|e| jerr(self.data, e))?
                .map(str::to_owned);
        }
        self.depth -= 1;
        Ok(())
    }

    fn read_bool(&mut self, _member: &'static Member) -> CodecResult<bool> {
        let peek = self.peek()?;
        match peek {
            Peek::True | Peek::False => self.jiter.known_bool(peek).map_err(|e| jerr(self.data, e)),
            p => Err(self.wrong("a boolean", p)),
        }
    }

    fn read_long(&mut self, _member: &'static Member) -> CodecResult<i64> {
        let peek = self.peek()?;
        if !peek.is_num() {
            return Err(self.wrong("an integer", peek));
        }
        match self
            .jiter
            .known_number(peek)
            .map_err(|e| jerr(self.data, e))?
        {
            NumberAny::Int(NumberInt::Int(i)) => Ok(i),
            // 1.0 or 1e3 for an integer: accepted when it is a whole number in range.
            NumberAny::Float(f) if f.fract() == 0.0 && f.abs() < 9.2e18 => Ok(f as i64),
            NumberAny::Float(f) => Err(CodecError::new(format!("{f} is not an integer"))),
        }
    }

    fn read_double(&mut self, _member: &'static Member) -> CodecResult<f64> {
        let peek = self.peek()?;
        if peek == Peek::String {
            return match self.string("a number")? {
                "NaN" => Ok(f64::NAN),
                "Infinity" => Ok(f64::INFINITY),
                "-Infinity" => Ok(f64::NEG_INFINITY),
                s => Err(CodecError::new(format!(
                    "expected a number, found the string {s:?}"
                ))),
            };
        }
        if !peek.is_num() {
            return Err(self.wrong("a number", peek));
        }
        self.jiter.known_float(peek).map_err(|e| jerr(self.data, e))
    }

    fn read_big_number(&mut self, _member: &'static Member) -> CodecResult<String> {
        let peek = self.peek()?;
        if peek == Peek::String {
            return self.string("a number").map(str::to_owned);
        }
        if !peek.is_num() {
            return Err(self.wrong("a number", peek));
        }
        let b = self
            .jiter
            .known_number_bytes(peek)
            .map_err(|e| jerr(self.data, e))?;
        Ok(String::from_utf8_lossy(b).into_owned())
    }

    fn read_string(&mut self, _member: &'static Member) -> CodecResult<String> {
        self.string("a string").map(str::to_owned)
    }

    fn read_blob(&mut self, _member: &'static Member) -> CodecResult<Bytes> {
        let s = self.string("a base64 string")?;
        BASE64
            .decode(s)
            .map(Bytes::from)
            .map_err(|e| CodecError::new(format!("a blob is not base64: {e}")))
    }

    fn read_timestamp(&mut self, _member: &'static Member) -> CodecResult<DateTime> {
        let peek = self.peek()?;
        if peek == Peek::String {
            let s = self.string("a timestamp")?;
            return DateTime::parse_lenient(s)
                .ok_or_else(|| CodecError::new(format!("{s:?} is not a timestamp")));
        }
        if !peek.is_num() {
            return Err(self.wrong("a timestamp", peek));
        }
        let b = self
            .jiter
            .known_number_bytes(peek)
            .map_err(|e| jerr(self.data, e))?;
        let text = std::str::from_utf8(b).unwrap_or_default();
        DateTime::parse_epoch_seconds(text)
            .ok_or_else(|| CodecError::new(format!("{text} is not a timestamp in range")))
    }

    fn read_document(&mut self, _member: &'static Member) -> CodecResult<Document> {
        self.document()
    }

    fn read_null(&mut self) -> bool {
        if self.jiter.peek().ok() == Some(Peek::Null) {
            return self.jiter.known_null().is_ok();
        }
        false
    }
}
