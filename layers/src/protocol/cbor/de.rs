//! [`CborDeserializer`]: RPC v2 CBOR to values.
use std::borrow::Cow;

use bytes::Bytes;
use minicbor::Decoder;
use ziggurat_core::schema::de::{MemberConsumer, ShapeDeserializer};
use ziggurat_core::schema::error::{CodecError, CodecResult};
use ziggurat_core::schema::{DateTime, Document, Member, Schema, flag};

/// How deep structures, lists and maps may nest before a message is refused (so a hostile
/// body cannot exhaust the stack through a recursive shape).
const MAX_DEPTH: usize = 128;

/// Major types, as the high three bits of an initial byte.
const MAJOR_UNSIGNED: u8 = 0;
const MAJOR_NEGATIVE: u8 = 1;
const MAJOR_TEXT: u8 = 3;
const MAJOR_MAP: u8 = 5;
const MAJOR_TAG: u8 = 6;
const MAJOR_SIMPLE: u8 = 7;
/// The "break" that ends an indefinite-length item.
const BREAK: u8 = 0xff;
/// `null` and `undefined`.
const NULL: u8 = 0xf6;
const UNDEFINED: u8 = 0xf7;

/// Reads Smithy RPC v2 CBOR guided by the schema, leniently, as the protocol asks of clients:
/// definite and indefinite lengths for maps, arrays, text and byte strings; integers of any
/// width; half, single and double floats; timestamps as tag 1 (or untagged) integer or float
/// epoch seconds. Unknown members are skipped, and so are nulls in structures and in dense
/// (non-sparse) lists and maps. Malformed input is a [`CodecError`], never a panic.
///
/// ```
/// use ziggurat_core::schema::{prelude, Member, Schema};
/// use ziggurat_core::schema::de::{self, ShapeDeserializer};
/// use ziggurat_layers::protocol::cbor::CborDeserializer;
///
/// static MEMBERS: [Member; 1] = [Member::new("Count", &prelude::INTEGER)];
/// static PING: Schema = Schema::structure("Ping", &MEMBERS);
/// // {_ "Count": 1, "Other": "x"} with an indefinite-length map.
/// let bytes = b"\xbf\x65Count\x01\x65Other\x61x\xff";
/// let mut d = CborDeserializer::new(bytes);
/// let mut count: Option<i32> = None;
/// d.read_struct(&PING, &mut |i, d| {
///     if i == 0 { count = de::member(&PING, 0, d)?; }
///     Ok(())
/// }).unwrap();
/// assert_eq!(count, Some(1));
/// ```
#[derive(Debug)]
pub struct CborDeserializer<'b> {
    d: Decoder<'b>,
    depth: usize,
}

fn malformed(e: minicbor::decode::Error) -> CodecError {
    CodecError::new(format!("malformed CBOR: {e}"))
}

impl<'b> CborDeserializer<'b> {
    /// A deserializer positioned at the first value of `bytes`.
    pub fn new(bytes: &'b [u8]) -> Self {
        CborDeserializer {
            d: Decoder::new(bytes),
            depth: 0,
        }
    }

    /// Whether every byte has been read.
    pub fn is_at_end(&self) -> bool {
        self.d.position() >= self.d.input().len()
    }

    /// The initial byte of the next item, without consuming it.
    fn peek(&self) -> CodecResult<u8> {
        self.d
            .input()
            .get(self.d.position())
            .copied()
            .ok_or_else(|| CodecError::new("malformed CBOR: the body ends early"))
    }

    /// Consumes the one-byte item (a break, a null) just peeked.
    fn bump(&mut self) {
        self.d.set_position(self.d.position().saturating_add(1));
    }

    /// Skips the next item, whatever it is.
    pub fn skip(&mut self) -> CodecResult {
        self.d.skip().map_err(malformed)
    }

    fn enter(&mut self) -> CodecResult {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(CodecError::new(format!(
                "the CBOR nests deeper than {MAX_DEPTH} levels"
            )));
        }
        Ok(())
    }

    /// Skips a tag 55799 ("self-described CBOR"), which may prefix any item.
    fn skip_self_describe(&mut self) {
        let input = self.d.input();
        let p = self.d.position();
        if input.get(p..p + 3) == Some(&[0xd9, 0xd9, 0xf7]) {
            self.d.set_position(p + 3);
        }
    }

    /// Whether the next item is a `null` or `undefined` (not consumed).
    fn at_null(&self) -> bool {
        matches!(self.peek(), Ok(NULL | UNDEFINED))
    }

    /// Text, of definite or indefinite length.
    pub fn text(&mut self) -> CodecResult<String> {
        self.skip_self_describe();
        let mut out = String::new();
        for chunk in self.d.str_iter().map_err(malformed)? {
            out.push_str(chunk.map_err(malformed)?);
        }
        Ok(out)
    }

    /// A map key: borrowed when it is definite-length text (no allocation), else collected.
    fn key(&mut self) -> CodecResult<Cow<'b, str>> {
        match self.peek()? {
            0x60..=0x7b => self.d.str().map(Cow::Borrowed).map_err(malformed),
            _ => self.text().map(Cow::Owned),
        }
    }

    /// A byte string, of definite or indefinite length.
    pub fn byte_string(&mut self) -> CodecResult<Vec<u8>> {
        self.skip_self_describe();
        let mut out = Vec::new();
        for chunk in self.d.bytes_iter().map_err(malformed)? {
            out.extend_from_slice(chunk.map_err(malformed)?);
        }
        Ok(out)
    }

    /// Calls `f` once per item of an array, definite or indefinite.
    fn items(&mut self, f: &mut dyn FnMut(&mut Self) -> CodecResult) -> CodecResult {
        self.skip_self_describe();
        self.enter()?;
        match self.d.array().map_err(malformed)? {
            Some(n) => {
                for _ in 0..n {
                    f(self)?;
                }
            }
            None => loop {
                if self.peek()? == BREAK {
                    self.bump();
                    break;
                }
                f(self)?;
            },
        }
        self.depth -= 1;
        Ok(())
    }

    /// Calls `f` once per entry of a map, definite or indefinite, positioned at the key.
    fn entries(&mut self, f: &mut dyn FnMut(&mut Self) -> CodecResult) -> CodecResult {
        self.skip_self_describe();
        self.enter()?;
        match self.d.map().map_err(malformed)? {
            Some(n) => {
                for _ in 0..n {
                    f(self)?;
                }
            }
            None => loop {
                if self.peek()? == BREAK {
                    self.bump();
                    break;
                }
                f(self)?;
            },
        }
        self.depth -= 1;
        Ok(())
    }

    /// [`entries`](Self::entries) for the protocol module (error bodies).
    pub(super) fn for_each_entry(
        &mut self,
        f: &mut dyn FnMut(&mut Self) -> CodecResult,
    ) -> CodecResult {
        self.entries(f)
    }

    /// Whether the next item is text.
    pub(super) fn at_text(&self) -> bool {
        matches!(self.peek(), Ok(b) if b >> 5 == MAJOR_TEXT)
    }

    /// Any integer (major types 0 and 1, every width) that fits an `i64`.
    fn integer(&mut self) -> CodecResult<i64> {
        self.skip_self_describe();
        let n = i128::from(self.d.int().map_err(malformed)?);
        i64::try_from(n).map_err(|_| CodecError::new(format!("the number {n} is out of range")))
    }

    /// Any number: an integer, or a half, single or double float.
    fn number(&mut self) -> CodecResult<f64> {
        self.skip_self_describe();
        let b = self.peek()?;
        match b {
            0xf9 => {
                let p = self.d.position();
                let bits = self
                    .d
                    .input()
                    .get(p + 1..p + 3)
                    .ok_or_else(|| CodecError::new("malformed CBOR: the body ends early"))?;
                let bits = u16::from_be_bytes([bits[0], bits[1]]);
                self.d.set_position(p + 3);
                Ok(f16_to_f64(bits))
            }
            0xfa => self.d.f32().map(f64::from).map_err(malformed),
            0xfb => self.d.f64().map_err(malformed),
            _ if matches!(b >> 5, MAJOR_UNSIGNED | MAJOR_NEGATIVE) => {
                let n = i128::from(self.d.int().map_err(malformed)?);
                Ok(n as f64)
            }
            _ => Err(self.unexpected("a number")),
        }
    }

    /// An error naming what was expected and what the next item is.
    fn unexpected(&self, expected: &str) -> CodecError {
        let found = match self.d.datatype() {
            Ok(t) => t.to_string(),
            Err(_) => "the end of the body".to_owned(),
        };
        CodecError::new(format!("expected {expected} in the CBOR, found {found}"))
    }
}

/// An IEEE 754 half-precision float (RFC 8949 appendix D).
fn f16_to_f64(bits: u16) -> f64 {
    let sign = if bits & 0x8000 != 0 { -1.0 } else { 1.0 };
    let exp = i32::from((bits >> 10) & 0x1f);
    let frac = f64::from(bits & 0x3ff);
    match exp {
        0 => sign * frac * 2f64.powi(-24),
        31 if frac == 0.0 => sign * f64::INFINITY,
        31 => f64::NAN,
        e => sign * (1.0 + frac / 1024.0) * 2f64.powi(e - 15),
    }
}

/// Fractional epoch seconds as a timestamp, to the microsecond (all a double carries for
/// present-day times; rounding there keeps `946845296.123` exactly `.123`).
fn timestamp_from_f64(secs: f64) -> Option<DateTime> {
    if !secs.is_finite() || secs.abs() > 1e15 {
        return None;
    }
    let whole = secs.floor();
    let mut micros = ((secs - whole) * 1e6).round() as u32;
    let mut whole = whole as i64;
    if micros >= 1_000_000 {
        micros -= 1_000_000;
        whole += 1;
    }
    DateTime::from_secs_and_nanos(whole, micros * 1000)
}

impl ShapeDeserializer for CborDeserializer<'_> {
    fn read_struct(
        &mut self,
        schema: &'static Schema,
        consumer: &mut MemberConsumer<'_>,
    ) -> CodecResult {
        self.skip_self_describe();
        if self.peek()? >> 5 != MAJOR_MAP {
            return Err(self.unexpected(&format!("a map for `{}`", schema.name)));
        }
        self.entries(&mut |s| {
            let key = s.key()?;
            match schema.member(&key) {
                // A null member is an absent one.
                Some(_) if s.at_null() => {
                    s.bump();
                    Ok(())
                }
                Some((i, _)) => consumer(i, s),
                None => s.skip(),
            }
        })
    }

    fn read_list(
        &mut self,
        member: &'static Member,
        consumer: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        let sparse = member.target.has(flag::SPARSE);
        self.items(&mut |s| {
            if !sparse && s.at_null() {
                s.bump();
                return Ok(());
            }
            consumer(s)
        })
    }

    fn read_map(
        &mut self,
        member: &'static Member,
        consumer: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        let sparse = member.target.has(flag::SPARSE);
        self.entries(&mut |s| {
            let key = s.key()?.into_owned();
            if !sparse && s.at_null() {
                s.bump();
                return Ok(());
            }
            consumer(key, s)
        })
    }

    fn read_bool(&mut self, _member: &'static Member) -> CodecResult<bool> {
        self.skip_self_describe();
        match self.peek()? {
            0xf4 | 0xf5 => self.d.bool().map_err(malformed),
            _ => Err(self.unexpected("a boolean")),
        }
    }

    fn read_long(&mut self, _member: &'static Member) -> CodecResult<i64> {
        self.skip_self_describe();
        if !matches!(self.peek()? >> 5, MAJOR_UNSIGNED | MAJOR_NEGATIVE) {
            return Err(self.unexpected("an integer"));
        }
        self.integer()
    }

    fn read_float(&mut self, _member: &'static Member) -> CodecResult<f32> {
        self.skip_self_describe();
        if self.peek()? == 0xfa {
            return self.d.f32().map_err(malformed);
        }
        // Narrowing is what a 32-bit float member means.
        Ok(self.number()? as f32)
    }

    fn read_double(&mut self, _member: &'static Member) -> CodecResult<f64> {
        self.number()
    }

    fn read_big_number(&mut self, _member: &'static Member) -> CodecResult<String> {
        self.skip_self_describe();
        let b = self.peek()?;
        match b >> 5 {
            MAJOR_UNSIGNED | MAJOR_NEGATIVE => Ok(self.d.i128().map_err(malformed)?.to_string()),
            MAJOR_TEXT => self.text(),
            MAJOR_TAG => {
                let p = self.d.position();
                let tag = self.d.tag().map_err(malformed)?.as_u64();
                match tag {
                    2 | 3 => {
                        self.d.set_position(p);
                        Ok(self.d.i128().map_err(malformed)?.to_string())
                    }
                    4 => {
                        // [exponent, mantissa]
                        if self.d.array().map_err(malformed)? != Some(2) {
                            return Err(CodecError::new(
                                "a CBOR decimal fraction is not [exponent, mantissa]",
                            ));
                        }
                        let exp = self.integer()?;
                        let mantissa = self.d.i128().map_err(malformed)?;
                        Ok(decimal_text(mantissa, exp))
                    }
                    t => Err(CodecError::new(format!(
                        "expected a number in the CBOR, found tag {t}"
                    ))),
                }
            }
            MAJOR_SIMPLE => Ok(self.number()?.to_string()),
            _ => Err(self.unexpected("a number")),
        }
    }

    fn read_string(&mut self, _member: &'static Member) -> CodecResult<String> {
        self.text()
    }

    fn read_blob(&mut self, _member: &'static Member) -> CodecResult<Bytes> {
        self.byte_string().map(Bytes::from)
    }

    fn read_timestamp(&mut self, _member: &'static Member) -> CodecResult<DateTime> {
        self.skip_self_describe();
        if self.peek()? >> 5 == MAJOR_TAG {
            let tag = self.d.tag().map_err(malformed)?.as_u64();
            if tag != 1 {
                return Err(CodecError::new(format!(
                    "expected a timestamp (tag 1) in the CBOR, found tag {tag}"
                )));
            }
        }
        let b = self.peek()?;
        let t = if matches!(b >> 5, MAJOR_UNSIGNED | MAJOR_NEGATIVE) {
            let secs = self.integer()?;
            DateTime::from_secs(secs)
        } else {
            timestamp_from_f64(self.number()?)
        };
        t.ok_or_else(|| CodecError::new("the timestamp is out of range"))
    }

    fn read_document(&mut self, member: &'static Member) -> CodecResult<Document> {
        Err(CodecError::new(format!(
            "`{}`: documents are not supported by RPC v2 CBOR",
            member.name
        )))
    }

    fn read_null(&mut self) -> bool {
        self.skip_self_describe();
        if self.at_null() {
            self.bump();
            return true;
        }
        false
    }
}

/// `mantissa × 10^exp` as decimal text (`12.5`, `-0.03`, `1200`).
fn decimal_text(mantissa: i128, exp: i64) -> String {
    let neg = mantissa < 0;
    let digits = mantissa.unsigned_abs().to_string();
    let body = if exp >= 0 {
        if exp > 1000 {
            return format!("{mantissa}e{exp}");
        }
        let zeros = "0".repeat(usize::try_from(exp).unwrap_or(0));
        format!("{digits}{zeros}")
    } else {
        let shift = usize::try_from(exp.unsigned_abs()).unwrap_or(usize::MAX);
        if shift > 1000 {
            return format!("{mantissa}e{exp}");
        }
        if shift >= digits.len() {
            format!("0.{}{digits}", "0".repeat(shift - digits.len()))
        } else {
            let (int, frac) = digits.split_at(digits.len() - shift);
            format!("{int}.{frac}")
        }
    };
    if neg { format!("-{body}") } else { body }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_floats() {
        assert_eq!(f16_to_f64(0x3e00), 1.5);
        assert_eq!(f16_to_f64(0x47a0), 7.625);
        assert_eq!(f16_to_f64(0x7c00), f64::INFINITY);
        assert_eq!(f16_to_f64(0xfc00), f64::NEG_INFINITY);
        assert!(f16_to_f64(0x7c01).is_nan());
        assert!(f16_to_f64(0x7e00).is_nan());
        assert_eq!(f16_to_f64(0x0050), 4.76837158203125e-06);
        assert_eq!(f16_to_f64(0x8000), 0.0);
        assert!(f16_to_f64(0x8000).is_sign_negative());
        assert_eq!(f16_to_f64(0x3c00), 1.0);
        assert_eq!(f16_to_f64(0xc000), -2.0);
        assert_eq!(f16_to_f64(0x7bff), 65504.0);
    }

    #[test]
    fn decimal_texts() {
        assert_eq!(decimal_text(125, -1), "12.5");
        assert_eq!(decimal_text(-3, -2), "-0.03");
        assert_eq!(decimal_text(12, 2), "1200");
        assert_eq!(decimal_text(0, 0), "0");
        assert_eq!(decimal_text(1, i64::MIN), format!("1e{}", i64::MIN));
    }

    #[test]
    fn timestamps_round_to_the_microsecond() {
        let t = timestamp_from_f64(946845296.123).unwrap();
        assert_eq!(t.fmt_epoch_seconds(), "946845296.123");
        assert_eq!(
            timestamp_from_f64(-1.5).unwrap().fmt_date_time(),
            "1969-12-31T23:59:58.5Z"
        );
        assert!(timestamp_from_f64(f64::NAN).is_none());
        assert!(timestamp_from_f64(1e300).is_none());
    }
}
