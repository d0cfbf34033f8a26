//! [`Scanner`]: the byte-level half of the JSON deserializer (whitespace, literals, strings,
//! numbers, the punctuation of arrays and objects, skipping a value), written for it.
//!
//! Why not a general JSON parser: the deserializer is driven by the schema, so it always knows
//! what it wants next (a key, a string, "`,` or `}`") and needs no tokenizer state machine in
//! between. What services send is mostly short strings with nothing to unescape, so that is
//! the path this scanner is built around:
//!
//! * the body is checked to be UTF-8 once, up front; a string with no escape is then sliced
//!   straight out of it (no copy, no second check) and copied once, at its exact length, into
//!   the owned `String` a value needs. (A body that is not all UTF-8 is still read: its strings
//!   are then checked one by one, so bad bytes are an error only where a value is read.)
//! * the end of a string (`"`, `\`, or a control character, which JSON forbids there) is
//!   looked for eight bytes at a time;
//! * a string with escapes is decoded into a `String` sized to its escaped length, which is
//!   never shorter than the result;
//! * numbers are checked against JSON's grammar and returned as their text, for the caller to
//!   convert (or to keep as text, for big numbers).
//!
//! Every read checks its bounds (`get`, never indexing), so no input panics; nesting is bounded
//! by the caller (and by [`Scanner::skip`]'s own limit), so no input overflows the stack.
//! Errors say what was expected and where, as `line L column C`.
use std::borrow::Cow;

use ziggurat_core::schema::error::{CodecError, CodecResult};

use super::special::find_special;

/// What kind of value comes next, by its first byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Next {
    /// `null`.
    Null,
    /// `true`.
    True,
    /// `false`.
    False,
    /// A string.
    String,
    /// A number (`-` or a digit).
    Number,
    /// An array.
    Array,
    /// An object.
    Object,
}

impl Next {
    /// What a value of this kind is called in an error.
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Next::Null => "null",
            Next::True | Next::False => "a boolean",
            Next::String => "a string",
            Next::Number => "a number",
            Next::Array => "an array",
            Next::Object => "an object",
        }
    }
}

/// A cursor over JSON text.
pub(crate) struct Scanner<'a> {
    data: &'a [u8],
    /// `data` as text, when it is all UTF-8 (nearly always).
    text: Option<&'a str>,
    pos: usize,
}

/// Where byte `at` of `data` is, as `line L column C` (both from 1).
pub(crate) fn position(data: &[u8], at: usize) -> String {
    let at = at.min(data.len());
    let before = data.get(..at).unwrap_or(data);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    format!("line {line} column {}", at - line_start + 1)
}

impl<'a> Scanner<'a> {
    /// A scanner at the start of `data`.
    pub(crate) fn new(data: &'a [u8]) -> Self {
        Scanner {
            data,
            text: std::str::from_utf8(data).ok(),
            pos: 0,
        }
    }

    /// The text scanned.
    pub(crate) fn data(&self) -> &'a [u8] {
        self.data
    }

    /// The index of the next byte to read.
    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// A malformed-JSON error at byte `at`.
    #[cold]
    #[inline(never)]
    pub(crate) fn fail(&self, at: usize, what: &str) -> CodecError {
        CodecError::new(format!(
            "malformed JSON: {what} at {}",
            position(self.data, at)
        ))
    }

    /// Skips whitespace; the byte after it.
    #[inline]
    fn skip_ws(&mut self) -> Option<u8> {
        while let Some(&b) = self.data.get(self.pos) {
            match b {
                b' ' | b'\t' | b'\n' | b'\r' => self.pos += 1,
                _ => return Some(b),
            }
        }
        None
    }

    /// Skips whitespace and tells what kind of value comes next (consuming nothing of it).
    #[inline]
    pub(crate) fn peek(&mut self) -> CodecResult<Next> {
        match self.skip_ws() {
            Some(b'"') => Ok(Next::String),
            Some(b'{') => Ok(Next::Object),
            Some(b'[') => Ok(Next::Array),
            Some(b'-' | b'0'..=b'9') => Ok(Next::Number),
            Some(b'n') => Ok(Next::Null),
            Some(b't') => Ok(Next::True),
            Some(b'f') => Ok(Next::False),
            Some(_) => Err(self.fail(self.pos, "expected value")),
            None => Err(self.fail(self.pos, "EOF while parsing a value")),
        }
    }

    /// Checks that nothing but whitespace is left.
    pub(crate) fn finish(&mut self) -> CodecResult {
        match self.skip_ws() {
            None => Ok(()),
            Some(_) => Err(self.fail(self.pos, "trailing characters")),
        }
    }

    /// Consumes `word` (a literal), which the next byte starts.
    fn literal(&mut self, word: &'static [u8]) -> CodecResult {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        if rest.starts_with(word) {
            self.pos += word.len();
            return Ok(());
        }
        // The first byte that differs, for the error's position.
        let same = rest.iter().zip(word).take_while(|(a, b)| a == b).count();
        let what = if same == rest.len() {
            "EOF while parsing a value"
        } else {
            "expected ident"
        };
        Err(self.fail(self.pos + same, what))
    }

    /// Consumes `null` (after [`peek`](Self::peek) said [`Next::Null`]).
    pub(crate) fn null(&mut self) -> CodecResult {
        self.literal(b"null")
    }

    /// Consumes `true` or `false` (after [`peek`](Self::peek) said which).
    pub(crate) fn bool(&mut self, next: Next) -> CodecResult<bool> {
        if next == Next::True {
            self.literal(b"true").map(|()| true)
        } else {
            self.literal(b"false").map(|()| false)
        }
    }

    /// `data[start..end]` as text.
    #[inline]
    fn text(&self, start: usize, end: usize) -> CodecResult<&'a str> {
        if let Some(text) = self.text {
            // Both ends are next to a `"` or a `\`, so on character boundaries.
            return text
                .get(start..end)
                .ok_or_else(|| self.fail(start, "invalid unicode code point"));
        }
        let bytes = self.data.get(start..end).unwrap_or_default();
        std::str::from_utf8(bytes)
            .map_err(|e| self.fail(start + e.valid_up_to(), "invalid unicode code point"))
    }

    /// Reads a string (the next byte is its `"`): borrowed from the text when it has no escape.
    #[inline(always)]
    pub(crate) fn string(&mut self) -> CodecResult<Cow<'a, str>> {
        let start = self.pos + 1;
        let end = find_special(self.data, start);
        match self.data.get(end) {
            Some(b'"') => {
                let s = self.text(start, end)?;
                self.pos = end + 1;
                Ok(Cow::Borrowed(s))
            }
            Some(b'\\') => self.escaped(start, end).map(Cow::Owned),
            Some(_) => Err(self.fail(end, "control character found while parsing a string")),
            None => Err(self.fail(end, "EOF while parsing a string")),
        }
    }

    /// The index of the closing `"` of the string whose text starts at `start` (escapes
    /// skipped over, not checked).
    fn string_end(&self, start: usize) -> CodecResult<usize> {
        let mut i = start;
        loop {
            i = find_special(self.data, i);
            match self.data.get(i) {
                Some(b'"') => return Ok(i),
                Some(b'\\') => i += 2,
                Some(_) => {
                    return Err(self.fail(i, "control character found while parsing a string"));
                }
                None => return Err(self.fail(self.data.len(), "EOF while parsing a string")),
            }
        }
    }

    /// Skips a string (the next byte is its `"`): its escapes are stepped over, not checked or
    /// decoded: no one reads the value.
    fn skip_string(&mut self) -> CodecResult {
        let end = self.string_end(self.pos + 1)?;
        self.pos = end + 1;
        Ok(())
    }

    /// Decodes a string whose text starts at `start` and whose first `\` is at `first`.
    #[cold]
    fn escaped(&mut self, start: usize, first: usize) -> CodecResult<String> {
        let end = self.string_end(first)?;
        // An escape is never shorter than what it stands for.
        let mut out = String::with_capacity(end - start);
        out.push_str(self.text(start, first)?);
        let mut i = first;
        while i < end {
            // `data[i]` is a `\`.
            let (c, next) = self.escape(i)?;
            out.push(c);
            let run_end = find_special(self.data, next);
            out.push_str(self.text(next, run_end)?);
            i = run_end;
        }
        self.pos = end + 1;
        Ok(out)
    }

    /// The character the escape at `at` (a `\`) stands for, and the index after it.
    fn escape(&self, at: usize) -> CodecResult<(char, usize)> {
        let c = match self.data.get(at + 1) {
            Some(b'"') => '"',
            Some(b'\\') => '\\',
            Some(b'/') => '/',
            Some(b'b') => '\u{8}',
            Some(b'f') => '\u{c}',
            Some(b'n') => '\n',
            Some(b'r') => '\r',
            Some(b't') => '\t',
            Some(b'u') => return self.unicode_escape(at),
            Some(_) => return Err(self.fail(at + 1, "invalid escape")),
            None => return Err(self.fail(self.data.len(), "EOF while parsing a string")),
        };
        Ok((c, at + 2))
    }

    /// The character a `\uXXXX` escape (or a surrogate pair of two) at `at` stands for, and
    /// the index after it. A lone surrogate is an error: it is no character.
    fn unicode_escape(&self, at: usize) -> CodecResult<(char, usize)> {
        let high = self.hex4(at + 2)?;
        let code = match high {
            0xDC00..=0xDFFF => {
                return Err(self.fail(at, "lone trailing surrogate in hex escape"));
            }
            0xD800..=0xDBFF => {
                if self.data.get(at + 6..at + 8) != Some(b"\\u") {
                    return Err(self.fail(at, "lone leading surrogate in hex escape"));
                }
                let low = self.hex4(at + 8)?;
                if !(0xDC00..=0xDFFF).contains(&low) {
                    return Err(self.fail(at + 6, "lone leading surrogate in hex escape"));
                }
                let code = 0x1_0000 + (((high - 0xD800) << 10) | (low - 0xDC00));
                let c = char::from_u32(code)
                    .ok_or_else(|| self.fail(at, "invalid unicode code point"))?;
                return Ok((c, at + 12));
            }
            code => code,
        };
        let c = char::from_u32(code).ok_or_else(|| self.fail(at, "invalid unicode code point"))?;
        Ok((c, at + 6))
    }

    /// The four hex digits at `at`.
    fn hex4(&self, at: usize) -> CodecResult<u32> {
        let Some(digits) = self.data.get(at..at + 4) else {
            return Err(self.fail(self.data.len(), "EOF while parsing a string"));
        };
        let mut n = 0;
        for (k, &b) in digits.iter().enumerate() {
            let d = match b {
                b'0'..=b'9' => b - b'0',
                b'a'..=b'f' => b - b'a' + 10,
                b'A'..=b'F' => b - b'A' + 10,
                _ => return Err(self.fail(at + k, "invalid escape")),
            };
            n = (n << 4) | u32::from(d);
        }
        Ok(n)
    }

    /// Reads a number (the next byte is its `-` or first digit), checked against JSON's
    /// grammar: its text.
    pub(crate) fn number(&mut self) -> CodecResult<&'a str> {
        let start = self.pos;
        let mut i = start;
        let digits = |i: &mut usize| {
            let from = *i;
            while self.data.get(*i).is_some_and(u8::is_ascii_digit) {
                *i += 1;
            }
            *i - from
        };
        if self.data.get(i) == Some(&b'-') {
            i += 1;
        }
        match self.data.get(i) {
            Some(b'0') => i += 1,
            Some(b'1'..=b'9') => {
                digits(&mut i);
            }
            Some(_) => return Err(self.fail(i, "invalid number")),
            None => return Err(self.fail(i, "EOF while parsing a value")),
        }
        if self.data.get(i) == Some(&b'.') {
            i += 1;
            if digits(&mut i) == 0 {
                return Err(self.fail(i, "invalid number"));
            }
        }
        if let Some(b'e' | b'E') = self.data.get(i) {
            i += 1;
            if let Some(b'+' | b'-') = self.data.get(i) {
                i += 1;
            }
            if digits(&mut i) == 0 {
                return Err(self.fail(i, "invalid number"));
            }
        }
        let bytes = self.data.get(start..i).unwrap_or_default();
        let text = std::str::from_utf8(bytes).map_err(|_| self.fail(start, "invalid number"))?;
        self.pos = i;
        Ok(text)
    }

    /// Consumes a `:` after a key.
    #[inline]
    fn colon(&mut self) -> CodecResult {
        match self.skip_ws() {
            Some(b':') => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => Err(self.fail(self.pos, "expected `:`")),
            None => Err(self.fail(self.pos, "EOF while parsing an object")),
        }
    }

    /// Reads a key and its `:` (the next byte is the key's `"`).
    #[inline]
    fn key(&mut self) -> CodecResult<Cow<'a, str>> {
        let key = self.string()?;
        self.colon()?;
        Ok(key)
    }

    /// Consumes the `{` of an object (after [`peek`](Self::peek) said [`Next::Object`]):
    /// whether a key follows (`false`: the object is empty and its `}` consumed).
    #[inline]
    fn object_open(&mut self) -> CodecResult<bool> {
        self.pos += 1;
        match self.skip_ws() {
            Some(b'"') => Ok(true),
            Some(b'}') => {
                self.pos += 1;
                Ok(false)
            }
            Some(_) => Err(self.fail(self.pos, "key must be a string")),
            None => Err(self.fail(self.pos, "EOF while parsing an object")),
        }
    }

    /// After an entry's value: consumes the `,` before the next key (`true`) or the object's
    /// `}` (`false`).
    #[inline]
    fn object_step(&mut self) -> CodecResult<bool> {
        match self.skip_ws() {
            Some(b',') => {
                self.pos += 1;
                match self.skip_ws() {
                    Some(b'"') => Ok(true),
                    Some(b'}') => Err(self.fail(self.pos, "trailing comma")),
                    Some(_) => Err(self.fail(self.pos, "key must be a string")),
                    None => Err(self.fail(self.pos, "EOF while parsing an object")),
                }
            }
            Some(b'}') => {
                self.pos += 1;
                Ok(false)
            }
            Some(_) => Err(self.fail(self.pos, "expected `,` or `}`")),
            None => Err(self.fail(self.pos, "EOF while parsing an object")),
        }
    }

    /// Consumes the `{` of an object (after [`peek`](Self::peek) said [`Next::Object`]) and
    /// reads its first key; `None` (and the `}` consumed) for an empty object.
    #[inline]
    pub(crate) fn object_first(&mut self) -> CodecResult<Option<Cow<'a, str>>> {
        if self.object_open()? {
            self.key().map(Some)
        } else {
            Ok(None)
        }
    }

    /// After an entry's value: reads the next key, or `None` at the object's `}`.
    #[inline]
    pub(crate) fn object_next(&mut self) -> CodecResult<Option<Cow<'a, str>>> {
        if self.object_step()? {
            self.key().map(Some)
        } else {
            Ok(None)
        }
    }

    /// Consumes the `[` of an array (after [`peek`](Self::peek) said [`Next::Array`]):
    /// whether an element follows (`false`: the array is empty and its `]` consumed).
    #[inline]
    pub(crate) fn array_first(&mut self) -> CodecResult<bool> {
        self.pos += 1;
        match self.skip_ws() {
            Some(b']') => {
                self.pos += 1;
                Ok(false)
            }
            Some(_) => Ok(true),
            None => Err(self.fail(self.pos, "EOF while parsing a list")),
        }
    }

    /// After an element: consumes the `,` before the next one (`true`) or the array's `]`
    /// (`false`).
    #[inline]
    pub(crate) fn array_next(&mut self) -> CodecResult<bool> {
        match self.skip_ws() {
            Some(b',') => {
                self.pos += 1;
                match self.skip_ws() {
                    Some(b']') => Err(self.fail(self.pos, "trailing comma")),
                    Some(_) => Ok(true),
                    None => Err(self.fail(self.pos, "EOF while parsing a list")),
                }
            }
            Some(b']') => {
                self.pos += 1;
                Ok(false)
            }
            Some(_) => Err(self.fail(self.pos, "expected `,` or `]`")),
            None => Err(self.fail(self.pos, "EOF while parsing a list")),
        }
    }

    /// Skips one value, checked as JSON but not decoded; arrays and objects may nest at most
    /// `depth` levels inside it.
    pub(crate) fn skip(&mut self, depth: usize) -> CodecResult {
        let next = self.peek()?;
        match next {
            Next::Null => self.null(),
            Next::True | Next::False => self.bool(next).map(drop),
            Next::String => self.skip_string(),
            Next::Number => self.number().map(drop),
            Next::Array | Next::Object if depth == 0 => {
                Err(self.fail(self.pos, "the JSON is nested too deeply"))
            }
            Next::Array => {
                let mut more = self.array_first()?;
                while more {
                    self.skip(depth - 1)?;
                    more = self.array_next()?;
                }
                Ok(())
            }
            Next::Object => {
                let mut more = self.object_open()?;
                while more {
                    self.skip_string()?;
                    self.colon()?;
                    self.skip(depth - 1)?;
                    more = self.object_step()?;
                }
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests;
