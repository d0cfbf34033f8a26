//! Scalars as text, the way the HTTP bindings carry them: in a URI label, a query-string
//! parameter or a header. A value (or a list of values) written through [`Scalars`] comes out
//! as one string per item.
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use ziggurat_core::schema::error::{CodecError, CodecResult};
use ziggurat_core::schema::ser::{SerResult, SerializeShape, SerializeValue, ShapeSerializer};
use ziggurat_core::schema::{DateTime, Document, Member, TimestampFormat, flag};

/// One item written as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Scalar {
    /// The text.
    pub(crate) text: String,
    /// Whether it came from a string (only strings are quoted in a header list).
    pub(crate) is_string: bool,
}

/// A serializer that turns scalars, and lists of them, into text items.
pub(crate) struct Scalars {
    /// The format of timestamps that set none.
    default_format: TimestampFormat,
    /// The format set on the outer member (a list of timestamps), if any.
    outer_format: Option<TimestampFormat>,
    /// The items written so far.
    pub(crate) items: Vec<Scalar>,
    /// Whether a list was written (an empty list writes no item).
    pub(crate) was_list: bool,
    /// Whether lists are accepted (a query map's values, a header or query member's list).
    allow_list: bool,
}

impl Scalars {
    /// A collector for `member` with the location's default timestamp format.
    pub(crate) fn new(member: &'static Member, default_format: TimestampFormat) -> Self {
        Scalars {
            default_format,
            outer_format: member.timestamp_format.or(member.target.timestamp_format),
            items: Vec::new(),
            was_list: false,
            allow_list: true,
        }
    }

    fn push(&mut self, text: String, is_string: bool) -> SerResult {
        self.items.push(Scalar { text, is_string });
        Ok(())
    }

    fn format_of(&self, member: &'static Member) -> TimestampFormat {
        member
            .timestamp_format
            .or(member.target.timestamp_format)
            .or(self.outer_format)
            .unwrap_or(self.default_format)
    }
}

/// A float as the protocols write it: `NaN`, `Infinity`, `-Infinity` or the shortest decimal.
pub(crate) fn fmt_f64(v: f64) -> String {
    if v.is_nan() {
        "NaN".to_owned()
    } else if v.is_infinite() {
        if v > 0.0 { "Infinity" } else { "-Infinity" }.to_owned()
    } else {
        v.to_string()
    }
}

fn fmt_f32(v: f32) -> String {
    if v.is_nan() || v.is_infinite() {
        fmt_f64(f64::from(v))
    } else {
        v.to_string()
    }
}

fn not_scalar(member: &'static Member, what: &str) -> CodecError {
    CodecError::new(format!(
        "`{}` is bound to the HTTP {:?} but holds a {what}, which has no text form there",
        member.name, member.location
    ))
}

impl ShapeSerializer for Scalars {
    fn write_struct(&mut self, member: &'static Member, _value: &dyn SerializeShape) -> SerResult {
        Err(not_scalar(member, "structure"))
    }
    fn write_list(
        &mut self,
        member: &'static Member,
        items: &mut dyn ExactSizeIterator<Item = &dyn SerializeValue>,
    ) -> SerResult {
        if !self.allow_list {
            return Err(not_scalar(member, "list of lists"));
        }
        let element = member
            .target
            .element()
            .ok_or_else(|| not_scalar(member, "list without an element"))?;
        self.was_list = true;
        self.allow_list = false;
        let mut result = Ok(());
        for item in items {
            result = item.serialize_value(element, self);
            if result.is_err() {
                break;
            }
        }
        self.allow_list = true;
        result
    }
    fn write_map(
        &mut self,
        member: &'static Member,
        _entries: &mut dyn ExactSizeIterator<Item = (&str, &dyn SerializeValue)>,
    ) -> SerResult {
        Err(not_scalar(member, "map"))
    }
    fn write_bool(&mut self, _member: &'static Member, value: bool) -> SerResult {
        self.push(if value { "true" } else { "false" }.to_owned(), false)
    }
    fn write_long(&mut self, _member: &'static Member, value: i64) -> SerResult {
        self.push(value.to_string(), false)
    }
    fn write_float(&mut self, _member: &'static Member, value: f32) -> SerResult {
        self.push(fmt_f32(value), false)
    }
    fn write_double(&mut self, _member: &'static Member, value: f64) -> SerResult {
        self.push(fmt_f64(value), false)
    }
    fn write_big_number(&mut self, _member: &'static Member, value: &str) -> SerResult {
        self.push(value.to_owned(), false)
    }
    fn write_string(&mut self, member: &'static Member, value: &str) -> SerResult {
        if member.has(flag::JSON_VALUE) {
            return self.push(STANDARD.encode(value.as_bytes()), false);
        }
        self.push(value.to_owned(), true)
    }
    fn write_blob(&mut self, _member: &'static Member, value: &[u8]) -> SerResult {
        self.push(STANDARD.encode(value), false)
    }
    fn write_timestamp(&mut self, member: &'static Member, value: &DateTime) -> SerResult {
        let format = self.format_of(member);
        self.push(value.fmt_as(format), false)
    }
    fn write_document(&mut self, member: &'static Member, _value: &Document) -> SerResult {
        Err(not_scalar(member, "document"))
    }
    fn write_null(&mut self, _member: &'static Member) -> SerResult {
        Ok(())
    }
    fn validates(&self) -> bool {
        true
    }
}

/// Joins the items of a header list: `a, b, c`; a string holding a comma or a double quote is
/// quoted, with `"` and `\` escaped (Smithy's rule for list headers).
pub(crate) fn join_header_list(items: &[Scalar]) -> String {
    let mut out = String::new();
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        if item.is_string && item.text.contains([',', '"']) {
            out.push('"');
            for c in item.text.chars() {
                if c == '"' || c == '\\' {
                    out.push('\\');
                }
                out.push(c);
            }
            out.push('"');
        } else {
            out.push_str(&item.text);
        }
    }
    out
}

/// Splits a header list: on commas outside double quotes, each item trimmed and unquoted.
/// `http_dates` joins the pieces pairwise, since an HTTP date holds a comma of its own.
pub(crate) fn split_header_list(value: &str, http_dates: bool) -> CodecResult<Vec<String>> {
    if http_dates {
        let parts: Vec<&str> = value.split(',').map(str::trim).collect();
        if !parts.len().is_multiple_of(2) {
            return Err(CodecError::new(format!(
                "`{value}` is not a list of HTTP dates"
            )));
        }
        return Ok(parts
            .chunks(2)
            .map(|pair| pair.join(", "))
            .filter(|s| !s.is_empty())
            .collect());
    }
    let mut out = Vec::new();
    let mut chars = value.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_ascii_whitespace()).is_some() {}
        let Some(&first) = chars.peek() else {
            break;
        };
        let mut item = String::new();
        if first == '"' {
            chars.next();
            let mut closed = false;
            while let Some(c) = chars.next() {
                match c {
                    '\\' => match chars.next() {
                        Some(e) => item.push(e),
                        None => break,
                    },
                    '"' => {
                        closed = true;
                        break;
                    }
                    c => item.push(c),
                }
            }
            if !closed {
                return Err(CodecError::new(format!(
                    "the header list `{value}` has an unterminated quoted item"
                )));
            }
            while chars.next_if(|c| c.is_ascii_whitespace()).is_some() {}
            match chars.next() {
                None | Some(',') => {}
                Some(c) => {
                    return Err(CodecError::new(format!(
                        "the header list `{value}` has `{c}` after a quoted item"
                    )));
                }
            }
        } else {
            for c in chars.by_ref() {
                if c == ',' {
                    break;
                }
                item.push(c);
            }
            item = item.trim_end().to_owned();
        }
        out.push(item);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(text: &str) -> Scalar {
        Scalar {
            text: text.to_owned(),
            is_string: true,
        }
    }

    #[test]
    fn header_lists_quote_and_split() {
        let joined = join_header_list(&[s("b,c"), s("\"def\""), s("a")]);
        assert_eq!(joined, r#""b,c", "\"def\"", a"#);
        assert_eq!(
            split_header_list(&joined, false).unwrap(),
            ["b,c", "\"def\"", "a"]
        );
        assert_eq!(
            split_header_list("a, b,c ", false).unwrap(),
            ["a", "b", "c"]
        );
        assert_eq!(split_header_list("", false).unwrap(), Vec::<String>::new());
        assert!(split_header_list("\"open", false).is_err());
        assert_eq!(
            split_header_list(
                "Mon, 16 Dec 2019 23:48:18 GMT, Mon, 16 Dec 2019 23:48:18 GMT",
                true
            )
            .unwrap(),
            [
                "Mon, 16 Dec 2019 23:48:18 GMT",
                "Mon, 16 Dec 2019 23:48:18 GMT"
            ]
        );
        assert!(split_header_list("Mon, 16 Dec 2019 23:48:18 GMT, x", true).is_err());
    }

    #[test]
    fn floats() {
        assert_eq!(fmt_f32(1.1), "1.1");
        assert_eq!(fmt_f64(f64::NEG_INFINITY), "-Infinity");
        assert_eq!(fmt_f32(f32::NAN), "NaN");
        assert_eq!(fmt_f64(4.0), "4");
    }
}
