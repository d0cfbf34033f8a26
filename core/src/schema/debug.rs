//! `Debug` for generated shapes, written once: a serializer that prints a value the way
//! `#[derive(Debug)]` would (`GetItemInput { TableName: "music", .. }`, with the model's member
//! names), except that sensitive members and shapes print as `*** Sensitive Data Redacted ***`.
use std::fmt;

use super::error::CodecError;
use super::ser::{SerResult, SerializeShape, SerializeValue, ShapeSerializer};
use super::{DateTime, Document, Member, ShapeType};

/// What a sensitive value prints as.
pub const REDACTED: &str = "*** Sensitive Data Redacted ***";

/// Formats a structure or union.
pub fn fmt_shape(value: &dyn SerializeShape, f: &mut fmt::Formatter<'_>) -> fmt::Result {
    let mut p = Printer {
        out: f,
        field: false,
        first: true,
    };
    p.shape(value).map_err(|_| fmt::Error)
}

/// A structure or union as its `Debug` text.
pub fn to_debug_string(value: &dyn SerializeShape) -> String {
    struct Show<'a>(&'a dyn SerializeShape);
    impl fmt::Debug for Show<'_> {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            fmt_shape(self.0, f)
        }
    }
    format!("{:?}", Show(value))
}

struct Printer<'a> {
    out: &'a mut dyn fmt::Write,
    /// Whether values are structure fields (printed with their names).
    field: bool,
    first: bool,
}

fn err(_: fmt::Error) -> CodecError {
    CodecError::new("formatting failed")
}

impl Printer<'_> {
    fn shape(&mut self, value: &dyn SerializeShape) -> SerResult {
        let schema = value.schema();
        if schema.is_sensitive() {
            return self.out.write_str(REDACTED).map_err(err);
        }
        self.out.write_str(schema.name).map_err(err)?;
        let mut inner = Printer {
            out: &mut *self.out,
            field: true,
            first: true,
        };
        value.serialize_members(&mut inner)?;
        let empty = inner.first;
        let close = if empty {
            if schema.shape_type == ShapeType::Union {
                "::Unknown"
            } else {
                ""
            }
        } else {
            " }"
        };
        self.out.write_str(close).map_err(err)
    }

    /// Starts a value: the separator and the member name for fields; `false` when the value is
    /// redacted (and already printed).
    fn begin(&mut self, member: &'static Member) -> Result<bool, CodecError> {
        if self.field {
            self.out
                .write_str(if self.first { " { " } else { ", " })
                .map_err(err)?;
            self.out.write_str(member.name).map_err(err)?;
            self.out.write_str(": ").map_err(err)?;
        }
        self.first = false;
        if member.is_sensitive() {
            self.out.write_str(REDACTED).map_err(err)?;
            return Ok(false);
        }
        Ok(true)
    }

    fn value(&mut self, member: &'static Member, v: &dyn fmt::Debug) -> SerResult {
        if self.begin(member)? {
            write!(self.out, "{v:?}").map_err(err)?;
        }
        Ok(())
    }

    fn nested(&mut self) -> Printer<'_> {
        Printer {
            out: &mut *self.out,
            field: false,
            first: true,
        }
    }
}

impl ShapeSerializer for Printer<'_> {
    fn write_struct(&mut self, member: &'static Member, value: &dyn SerializeShape) -> SerResult {
        if self.begin(member)? {
            self.nested().shape(value)?;
        }
        Ok(())
    }
    fn write_list(
        &mut self,
        member: &'static Member,
        items: &mut dyn ExactSizeIterator<Item = &dyn SerializeValue>,
    ) -> SerResult {
        if !self.begin(member)? {
            return Ok(());
        }
        let item = member.target.element().unwrap_or(member);
        self.out.write_char('[').map_err(err)?;
        for (i, v) in items.enumerate() {
            if i > 0 {
                self.out.write_str(", ").map_err(err)?;
            }
            v.serialize_value(item, &mut self.nested())?;
        }
        self.out.write_char(']').map_err(err)
    }
    fn write_map(
        &mut self,
        member: &'static Member,
        entries: &mut dyn ExactSizeIterator<Item = (&str, &dyn SerializeValue)>,
    ) -> SerResult {
        if !self.begin(member)? {
            return Ok(());
        }
        let value = member.target.element().unwrap_or(member);
        self.out.write_char('{').map_err(err)?;
        for (i, (k, v)) in entries.enumerate() {
            if i > 0 {
                self.out.write_str(", ").map_err(err)?;
            }
            write!(self.out, "{k:?}: ").map_err(err)?;
            v.serialize_value(value, &mut self.nested())?;
        }
        self.out.write_char('}').map_err(err)
    }
    fn write_bool(&mut self, member: &'static Member, value: bool) -> SerResult {
        self.value(member, &value)
    }
    fn write_long(&mut self, member: &'static Member, value: i64) -> SerResult {
        self.value(member, &value)
    }
    fn write_double(&mut self, member: &'static Member, value: f64) -> SerResult {
        self.value(member, &value)
    }
    fn write_big_number(&mut self, member: &'static Member, value: &str) -> SerResult {
        if self.begin(member)? {
            self.out.write_str(value).map_err(err)?;
        }
        Ok(())
    }
    fn write_string(&mut self, member: &'static Member, value: &str) -> SerResult {
        self.value(member, &value)
    }
    fn write_blob(&mut self, member: &'static Member, value: &[u8]) -> SerResult {
        self.value(member, &bytes::Bytes::copy_from_slice(value))
    }
    fn write_timestamp(&mut self, member: &'static Member, value: &DateTime) -> SerResult {
        self.value(member, value)
    }
    fn write_document(&mut self, member: &'static Member, value: &Document) -> SerResult {
        self.value(member, value)
    }
    fn write_null(&mut self, member: &'static Member) -> SerResult {
        self.value(member, &None::<()>)
    }
    fn write_stream(&mut self, member: &'static Member, body: &crate::body::Body) -> SerResult {
        self.value(member, body)
    }
}
