//! [`CborSerializer`]: values to RPC v2 CBOR.
use std::convert::Infallible;

use minicbor::Encoder;
use minicbor::data::{IanaTag, Tag};
use ziggurat_core::schema::error::{CodecError, CodecResult};
use ziggurat_core::schema::ser::{SerResult, SerializeShape, SerializeValue, ShapeSerializer};
use ziggurat_core::schema::{DateTime, Document, Member, de::ROOT};

/// Writes values as Smithy RPC v2 CBOR: a structure is a map keyed by member name (the model
/// name, never a `locationName`), a list an array, a map a map, a blob a byte string, a
/// timestamp tag 1 with fractional epoch seconds; integers take their smallest encoding, 32-bit
/// floats single and 64-bit floats double precision. Structures and collections are written
/// with definite lengths. Documents are not supported by the protocol and fail.
///
/// ```
/// use ziggurat_core::schema::{prelude, Member, Schema};
/// use ziggurat_core::schema::ser::{SerializeShape, SerializeValue, ShapeSerializer, SerResult};
/// use ziggurat_layers::protocol::cbor::CborSerializer;
///
/// static MEMBERS: [Member; 1] = [Member::new("Count", &prelude::INTEGER)];
/// static PING: Schema = Schema::structure("Ping", &MEMBERS);
/// struct Ping(i32);
/// impl SerializeShape for Ping {
///     fn schema(&self) -> &'static Schema { &PING }
///     fn serialize_members(&self, s: &mut dyn ShapeSerializer) -> SerResult {
///         self.0.serialize_member(&MEMBERS[0], s)
///     }
/// }
/// let bytes = CborSerializer::to_vec(&Ping(1)).unwrap();
/// assert_eq!(bytes, [0xa1, 0x65, b'C', b'o', b'u', b'n', b't', 0x01]);
/// ```
#[derive(Debug)]
pub struct CborSerializer {
    enc: Encoder<Vec<u8>>,
    /// Whether the values being written are members of a structure (written with their name
    /// as the key) rather than items of a list or values of a map.
    in_struct: bool,
    /// Members written so far into the structure being written.
    count: u64,
    validates: bool,
}

impl Default for CborSerializer {
    fn default() -> Self {
        CborSerializer::new()
    }
}

fn infallible(e: minicbor::encode::Error<Infallible>) -> CodecError {
    CodecError::new(format!("CBOR encoding failed: {e}"))
}

impl CborSerializer {
    /// A serializer that prints (does not check required members or fill idempotency tokens).
    pub fn new() -> Self {
        CborSerializer {
            enc: Encoder::new(Vec::new()),
            in_struct: false,
            count: 0,
            validates: false,
        }
    }

    /// A serializer that builds a request: required members are checked and idempotency tokens
    /// filled (see [`ShapeSerializer::validates`]).
    pub fn for_request() -> Self {
        CborSerializer {
            validates: true,
            ..CborSerializer::new()
        }
    }

    /// The bytes written so far.
    pub fn into_bytes(self) -> Vec<u8> {
        self.enc.into_writer()
    }

    /// Encodes a whole structure (a message body) with a serializer that does not validate.
    pub fn to_vec(value: &dyn SerializeShape) -> CodecResult<Vec<u8>> {
        let mut s = CborSerializer::new();
        s.write_struct(&ROOT, value)?;
        Ok(s.into_bytes())
    }

    /// Writes the key of a structure member (when inside a structure) and counts it.
    fn key(&mut self, member: &'static Member) -> SerResult {
        if self.in_struct {
            self.enc.str(member.name).map_err(infallible)?;
            self.count += 1;
        }
        Ok(())
    }

    /// Runs `f` with values written as list items or map values (no keys).
    fn nested(&mut self, f: impl FnOnce(&mut Self) -> SerResult) -> SerResult {
        let in_struct = std::mem::replace(&mut self.in_struct, false);
        let r = f(self);
        self.in_struct = in_struct;
        r
    }
}

/// The length of the CBOR head for an argument (major type bits aside).
fn head_len(n: u64) -> usize {
    match n {
        0..=23 => 1,
        24..=0xff => 2,
        0x100..=0xffff => 3,
        0x1_0000..=0xffff_ffff => 5,
        _ => 9,
    }
}

/// The head of a definite-length map of `n` entries.
pub(super) fn map_head(n: u64) -> Vec<u8> {
    let mut e = Encoder::new(Vec::with_capacity(9));
    // Writing into a Vec cannot fail.
    let _ = e.map(n);
    e.into_writer()
}

impl ShapeSerializer for CborSerializer {
    fn write_struct(&mut self, member: &'static Member, value: &dyn SerializeShape) -> SerResult {
        self.key(member)?;
        // The member count is known only once the members are written: a one-byte placeholder
        // head, patched (and widened past 23 members) afterwards.
        let start = self.enc.writer().len();
        self.enc.writer_mut().push(0xa0);
        let outer = (
            std::mem::replace(&mut self.in_struct, true),
            std::mem::replace(&mut self.count, 0),
        );
        let r = value.serialize_members(self);
        let count = self.count;
        (self.in_struct, self.count) = outer;
        r?;
        let head = map_head(count);
        debug_assert_eq!(head.len(), head_len(count));
        let buf = self.enc.writer_mut();
        buf.splice(start..start + 1, head);
        Ok(())
    }

    fn write_list(
        &mut self,
        member: &'static Member,
        items: &mut dyn ExactSizeIterator<Item = &dyn SerializeValue>,
    ) -> SerResult {
        self.key(member)?;
        let item_member = member.target.element().unwrap_or(&ROOT);
        self.nested(|s| {
            let len = items.len();
            s.enc.array(len as u64).map_err(infallible)?;
            let mut written = 0usize;
            for item in items {
                item.serialize_value(item_member, s)?;
                written += 1;
            }
            check_len(written, len, member)
        })
    }

    fn write_map(
        &mut self,
        member: &'static Member,
        entries: &mut dyn ExactSizeIterator<Item = (&str, &dyn SerializeValue)>,
    ) -> SerResult {
        self.key(member)?;
        let value_member = member.target.element().unwrap_or(&ROOT);
        self.nested(|s| {
            let len = entries.len();
            s.enc.map(len as u64).map_err(infallible)?;
            let mut written = 0usize;
            for (k, v) in entries {
                s.enc.str(k).map_err(infallible)?;
                v.serialize_value(value_member, s)
                    .map_err(|e| e.within(value_member.name))?;
                written += 1;
            }
            check_len(written, len, member)
        })
    }

    fn write_bool(&mut self, member: &'static Member, value: bool) -> SerResult {
        self.key(member)?;
        self.enc.bool(value).map_err(infallible)?;
        Ok(())
    }

    fn write_long(&mut self, member: &'static Member, value: i64) -> SerResult {
        self.key(member)?;
        self.enc.i64(value).map_err(infallible)?;
        Ok(())
    }

    fn write_float(&mut self, member: &'static Member, value: f32) -> SerResult {
        self.key(member)?;
        self.enc.f32(value).map_err(infallible)?;
        Ok(())
    }

    fn write_double(&mut self, member: &'static Member, value: f64) -> SerResult {
        self.key(member)?;
        self.enc.f64(value).map_err(infallible)?;
        Ok(())
    }

    fn write_big_number(&mut self, member: &'static Member, value: &str) -> SerResult {
        self.key(member)?;
        match member.target.shape_type {
            ziggurat_core::schema::ShapeType::BigDecimal => {
                let (mantissa, exponent) = parse_decimal(value).ok_or_else(|| {
                    CodecError::new(format!("`{value}` is not a decimal CBOR can carry"))
                })?;
                // RFC 8949 §3.4.4: tag 4, [exponent, mantissa].
                self.enc
                    .tag(IanaTag::Decimal)
                    .and_then(|e| e.array(2))
                    .and_then(|e| e.i64(exponent))
                    .and_then(|e| e.i128(mantissa))
                    .map_err(infallible)?;
            }
            _ => {
                let n: i128 = value.trim().parse().map_err(|_| {
                    CodecError::new(format!("`{value}` is not an integer CBOR can carry"))
                })?;
                self.enc.i128(n).map_err(infallible)?;
            }
        }
        Ok(())
    }

    fn write_string(&mut self, member: &'static Member, value: &str) -> SerResult {
        self.key(member)?;
        self.enc.str(value).map_err(infallible)?;
        Ok(())
    }

    fn write_blob(&mut self, member: &'static Member, value: &[u8]) -> SerResult {
        self.key(member)?;
        self.enc.bytes(value).map_err(infallible)?;
        Ok(())
    }

    fn write_timestamp(&mut self, member: &'static Member, value: &DateTime) -> SerResult {
        self.key(member)?;
        // Tag 1 with a double: whole seconds are exact up to 2^53, and milliseconds survive.
        self.enc
            .tag(Tag::new(1))
            .and_then(|e| e.f64(value.as_secs_f64()))
            .map_err(infallible)?;
        Ok(())
    }

    fn write_document(&mut self, member: &'static Member, _value: &Document) -> SerResult {
        Err(CodecError::new(format!(
            "`{}`: documents are not supported by RPC v2 CBOR",
            member.name
        )))
    }

    fn write_null(&mut self, _member: &'static Member) -> SerResult {
        // A null member of a structure is left out; a null item of a sparse list or map stays.
        if self.in_struct {
            return Ok(());
        }
        self.enc.null().map_err(infallible)?;
        Ok(())
    }

    fn validates(&self) -> bool {
        self.validates
    }
}

/// A collection whose iterator yields fewer or more items than its length said would leave
/// a malformed array or map behind.
fn check_len(written: usize, len: usize, member: &'static Member) -> SerResult {
    if written == len {
        return Ok(());
    }
    Err(CodecError::new(format!(
        "`{}` said it had {len} items but gave {written}",
        member.name
    )))
}

/// A decimal text (`-12.5`, `1e3`, `3.0E-2`) as mantissa and base-10 exponent.
fn parse_decimal(text: &str) -> Option<(i128, i64)> {
    let text = text.trim();
    let (num, exp) = match text.find(['e', 'E']) {
        Some(i) => (&text[..i], text[i + 1..].parse::<i64>().ok()?),
        None => (text, 0),
    };
    let (whole, frac) = num.split_once('.').unwrap_or((num, ""));
    if frac.bytes().any(|b| !b.is_ascii_digit()) {
        return None;
    }
    let digits = format!("{whole}{frac}");
    let mantissa: i128 = digits.parse().ok()?;
    let exp = exp.checked_sub(i64::try_from(frac.len()).ok()?)?;
    Some((mantissa, exp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals() {
        assert_eq!(parse_decimal("-12.5"), Some((-125, -1)));
        assert_eq!(parse_decimal("1e3"), Some((1, 3)));
        assert_eq!(parse_decimal("3.0E-2"), Some((30, -3)));
        assert_eq!(parse_decimal("abc"), None);
        assert_eq!(parse_decimal("1.x"), None);
    }

    #[test]
    fn heads() {
        for n in [0u64, 23, 24, 255, 256, 65535, 65536, 1 << 40] {
            assert_eq!(map_head(n).len(), head_len(n), "{n}");
        }
    }
}
