//! Writing XML: [`XmlSerializer`].
use ziggurat_core::schema::error::{CodecError, CodecResult};
use ziggurat_core::schema::ser::{SerResult, SerializeShape, SerializeValue, ShapeSerializer};
use ziggurat_core::schema::{
    DateTime, Document, Location, Member, Schema, TimestampFormat, XmlNamespace, flag,
};

/// A [`ShapeSerializer`] writing the members of one XML element: child elements go to its
/// body, [`XML_ATTRIBUTE`](flag::XML_ATTRIBUTE) members to its attributes. Structures, lists
/// and maps nest a fresh serializer per element.
///
/// At the top, a caller serializes a structure's members into a new serializer and wraps them
/// in the root element with [`finish`](XmlSerializer::finish) (or uses [`serialize_root`]).
#[derive(Debug, Default)]
pub struct XmlSerializer {
    /// The child elements of the element being written.
    body: String,
    /// Its attributes, each ` name="value"`.
    attrs: String,
    validates: bool,
    body_only: bool,
    /// The element name (and namespace) the next value is written under instead of its
    /// member's: the repeated element of a flattened list.
    rename: Option<(&'static str, Option<XmlNamespace>)>,
}

/// Serializes the body members of `value` (those at [`Location::Body`]) as the children and
/// attributes of a root element `root`, declaring `namespace` on it (or, when `None`, the
/// structure's own [`xml_namespace`](Schema::xml_namespace)). Builds a request: required members
/// are checked and idempotency tokens filled.
pub fn serialize_root(
    value: &dyn SerializeShape,
    root: &str,
    namespace: Option<XmlNamespace>,
) -> CodecResult<String> {
    let mut s = XmlSerializer::for_request().body_members_only();
    value.serialize_members(&mut s)?;
    Ok(s.finish(root, namespace.or(value.schema().xml_namespace)))
}

impl XmlSerializer {
    /// A serializer that does not validate (for printing, or responses).
    pub fn new() -> Self {
        XmlSerializer::default()
    }

    /// A serializer that builds a request: a required member that is not set is an error and
    /// an unset idempotency token is filled (see [`ShapeSerializer::validates`]).
    pub fn for_request() -> Self {
        XmlSerializer {
            validates: true,
            ..XmlSerializer::default()
        }
    }

    /// Skips the members not located in the body (headers, query, labels, ...) of the
    /// structure serialized directly into this serializer; nested structures are unaffected.
    pub fn body_members_only(mut self) -> Self {
        self.body_only = true;
        self
    }

    /// Whether nothing (no element, no attribute) has been written.
    pub fn is_empty(&self) -> bool {
        self.body.is_empty() && self.attrs.is_empty()
    }

    /// The written children, without an enclosing element.
    pub fn into_fragment(self) -> String {
        self.body
    }

    /// The written members as the element `name`, declaring `namespace` on it.
    pub fn finish(self, name: &str, namespace: Option<XmlNamespace>) -> String {
        let mut out =
            String::with_capacity(self.body.len() + self.attrs.len() + 2 * name.len() + 8);
        open_tag(&mut out, name, namespace, &self.attrs);
        out.push_str(&self.body);
        close_tag(&mut out, name);
        out
    }

    fn child(&self) -> XmlSerializer {
        XmlSerializer {
            validates: self.validates,
            ..XmlSerializer::default()
        }
    }

    /// Whether `member` is skipped here (a non-body member of the top-level structure).
    fn skips(&self, member: &Member) -> bool {
        self.body_only && member.location != Location::Body
    }

    /// The element name and namespace of the value being written as `member`.
    fn element(&mut self, member: &'static Member) -> (&'static str, Option<XmlNamespace>) {
        match self.rename.take() {
            Some(renamed) => renamed,
            None => (
                member.wire_name,
                member.xml_namespace.or(member.target.xml_namespace),
            ),
        }
    }

    /// A scalar member: an attribute, or an element with `text`.
    fn scalar(&mut self, member: &'static Member, text: &str) -> SerResult {
        if self.skips(member) {
            self.rename = None;
            return Ok(());
        }
        if member.has(flag::XML_ATTRIBUTE) && self.rename.is_none() {
            self.attrs.push(' ');
            self.attrs.push_str(member.wire_name);
            self.attrs.push_str("=\"");
            escape_attr(&mut self.attrs, text);
            self.attrs.push('"');
            return Ok(());
        }
        let (name, ns) = self.element(member);
        self.text_element(name, ns, text);
        Ok(())
    }

    fn not_attribute(member: &'static Member) -> SerResult {
        if member.has(flag::XML_ATTRIBUTE) {
            return Err(CodecError::new(format!(
                "`{}` is an XML attribute but not a simple value",
                member.name
            )));
        }
        Ok(())
    }

    /// Appends the element `name` holding what `inner` wrote (its attributes included).
    fn push_element(&mut self, name: &str, ns: Option<XmlNamespace>, inner: XmlSerializer) {
        open_tag(&mut self.body, name, ns, &inner.attrs);
        self.body.push_str(&inner.body);
        close_tag(&mut self.body, name);
    }

    /// Writes the element `name` whose content `content` writes into a nested serializer that
    /// shares this one's buffer, so nothing is copied; the content must not be attributes.
    fn nest(
        &mut self,
        name: &str,
        ns: Option<XmlNamespace>,
        content: impl FnOnce(&mut XmlSerializer) -> SerResult,
    ) -> SerResult {
        let mut inner = XmlSerializer {
            body: std::mem::take(&mut self.body),
            validates: self.validates,
            ..XmlSerializer::default()
        };
        open_tag(&mut inner.body, name, ns, "");
        let r = content(&mut inner);
        self.body = inner.body;
        r?;
        close_tag(&mut self.body, name);
        Ok(())
    }

    /// Writes `<name>text</name>`.
    fn text_element(&mut self, name: &str, ns: Option<XmlNamespace>, text: &str) {
        open_tag(&mut self.body, name, ns, "");
        escape_text(&mut self.body, text);
        close_tag(&mut self.body, name);
    }
}

/// `<name xmlns..attrs>`.
fn open_tag(out: &mut String, name: &str, ns: Option<XmlNamespace>, attrs: &str) {
    out.push('<');
    out.push_str(name);
    if let Some(ns) = ns {
        match ns.prefix {
            Some(prefix) => {
                out.push_str(" xmlns:");
                out.push_str(prefix);
            }
            None => out.push_str(" xmlns"),
        }
        out.push_str("=\"");
        escape_attr(out, ns.uri);
        out.push('"');
    }
    out.push_str(attrs);
    out.push('>');
}

fn close_tag(out: &mut String, name: &str) {
    out.push_str("</");
    out.push_str(name);
    out.push('>');
}

/// Escapes character data: `&`, `<`, `>`, and carriage returns (which a parser would
/// otherwise normalize away).
pub(crate) fn escape_text(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\r' => out.push_str("&#xD;"),
            _ => out.push(c),
        }
    }
}

/// Escapes an attribute value (double-quoted): also `"` and the whitespace a parser would
/// normalize to spaces.
pub(crate) fn escape_attr(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#xD;"),
            '\n' => out.push_str("&#xA;"),
            '\t' => out.push_str("&#x9;"),
            _ => out.push(c),
        }
    }
}

fn collection_member(member: &'static Member) -> CodecResult<&'static Member> {
    member.target.element().ok_or_else(|| {
        CodecError::new(format!(
            "`{}` is not a list or map in the model",
            member.target.name
        ))
    })
}

fn struct_namespace(
    ns: Option<XmlNamespace>,
    member: &'static Member,
    schema: &'static Schema,
) -> Option<XmlNamespace> {
    ns.or(member.xml_namespace).or(schema.xml_namespace)
}

impl ShapeSerializer for XmlSerializer {
    fn write_struct(&mut self, member: &'static Member, value: &dyn SerializeShape) -> SerResult {
        if self.skips(member) {
            self.rename = None;
            return Ok(());
        }
        Self::not_attribute(member)?;
        let schema = value.schema();
        let (name, ns) = match self.rename.take() {
            Some((name, ns)) => (name, struct_namespace(ns, member, schema)),
            None if member.wire_name.is_empty() => {
                (schema.xml_element_name(), schema.xml_namespace)
            }
            None => (member.wire_name, struct_namespace(None, member, schema)),
        };
        if schema.members.iter().any(|m| m.has(flag::XML_ATTRIBUTE)) {
            // The attributes are known only once every member is written.
            let mut inner = self.child();
            value.serialize_members(&mut inner)?;
            self.push_element(name, ns, inner);
            return Ok(());
        }
        self.nest(name, ns, |s| value.serialize_members(s))
    }

    fn write_list(
        &mut self,
        member: &'static Member,
        items: &mut dyn ExactSizeIterator<Item = &dyn SerializeValue>,
    ) -> SerResult {
        if self.skips(member) {
            self.rename = None;
            return Ok(());
        }
        Self::not_attribute(member)?;
        let item = collection_member(member)?;
        let (name, ns) = self.element(member);
        if member.is_flattened() {
            for v in items {
                self.rename = Some((name, item.xml_namespace));
                v.serialize_value(item, self)?;
                self.rename = None;
            }
            return Ok(());
        }
        self.nest(name, ns, |s| {
            for v in items {
                v.serialize_value(item, s)?;
            }
            Ok(())
        })
    }

    fn write_map(
        &mut self,
        member: &'static Member,
        entries: &mut dyn ExactSizeIterator<Item = (&str, &dyn SerializeValue)>,
    ) -> SerResult {
        if self.skips(member) {
            self.rename = None;
            return Ok(());
        }
        Self::not_attribute(member)?;
        let value_member = collection_member(member)?;
        let key_member = member.target.map_key().ok_or_else(|| {
            CodecError::new(format!(
                "`{}` is not a map in the model",
                member.target.name
            ))
        })?;
        let (name, ns) = self.element(member);
        let key_ns = key_member.xml_namespace.or(key_member.target.xml_namespace);
        let entry = |e: &mut XmlSerializer, key: &str, v: &dyn SerializeValue| -> SerResult {
            e.text_element(key_member.wire_name, key_ns, key);
            v.serialize_value(value_member, e)
        };
        if member.is_flattened() {
            for (k, v) in entries {
                self.nest(name, ns, |e| entry(e, k, v))?;
            }
            return Ok(());
        }
        self.nest(name, ns, |s| {
            for (k, v) in entries {
                s.nest("entry", None, |e| entry(e, k, v))?;
            }
            Ok(())
        })
    }

    fn write_bool(&mut self, member: &'static Member, value: bool) -> SerResult {
        self.scalar(member, if value { "true" } else { "false" })
    }

    fn write_long(&mut self, member: &'static Member, value: i64) -> SerResult {
        self.scalar(member, itoa::Buffer::new().format(value))
    }

    fn write_float(&mut self, member: &'static Member, value: f32) -> SerResult {
        self.scalar(member, &super::fmt_float(value))
    }

    fn write_double(&mut self, member: &'static Member, value: f64) -> SerResult {
        self.scalar(member, &super::fmt_float(value))
    }

    fn write_big_number(&mut self, member: &'static Member, value: &str) -> SerResult {
        self.scalar(member, value)
    }

    fn write_string(&mut self, member: &'static Member, value: &str) -> SerResult {
        self.scalar(member, value)
    }

    fn write_blob(&mut self, member: &'static Member, value: &[u8]) -> SerResult {
        self.scalar(member, &super::encode_base64(value))
    }

    fn write_timestamp(&mut self, member: &'static Member, value: &DateTime) -> SerResult {
        let text = value.fmt_as(member.timestamp_format_or(TimestampFormat::DateTime));
        self.scalar(member, &text)
    }

    fn write_document(&mut self, member: &'static Member, _value: &Document) -> SerResult {
        Err(CodecError::new(format!(
            "`{}`: documents cannot be written as XML",
            member.name
        )))
    }

    fn write_null(&mut self, _member: &'static Member) -> SerResult {
        self.rename = None;
        Ok(())
    }

    fn validates(&self) -> bool {
        self.validates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        let mut s = String::new();
        escape_text(&mut s, "a<b>&\"c'\r\n");
        assert_eq!(s, "a&lt;b&gt;&amp;\"c'&#xD;\n");
        let mut s = String::new();
        escape_attr(&mut s, "<t&m>\"\n");
        assert_eq!(s, "&lt;t&amp;m&gt;&quot;&#xA;");
    }
}
