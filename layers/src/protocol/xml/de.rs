//! Reading XML: a small owned element tree ([`Element`], from [`parse`]) and the
//! [`XmlDeserializer`] walking it.
use bytes::Bytes;
use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};
use ziggurat_core::schema::de::{MemberConsumer, ShapeDeserializer};
use ziggurat_core::schema::error::{CodecError, CodecResult};
use ziggurat_core::schema::{
    DateTime, Document, Location, Member, Schema, ShapeType, TimestampFormat, flag,
};

use crate::protocol::ReadFn;

/// How deep elements may nest; deeper documents are refused (no service nests this deep, and
/// a bound keeps reading and dropping the tree off the edge of the stack).
const MAX_DEPTH: usize = 256;

/// One element of a parsed document: its local name (without a namespace prefix), its
/// attributes (without namespace declarations), its child elements and its text (character
/// data, entities resolved, CDATA included; whitespace kept).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Element>,
    text: String,
}

/// The local part of a qualified name (`baz:foo` → `foo`).
fn local(name: &str) -> &str {
    name.rsplit_once(':').map_or(name, |(_, l)| l)
}

impl Element {
    /// The local name.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The text content (not trimmed).
    pub fn text(&self) -> &str {
        &self.text
    }
    /// The child elements, in document order.
    pub fn children(&self) -> &[Element] {
        &self.children
    }
    /// The first child element with local name `name` (a prefix in `name` is ignored).
    pub fn child(&self, name: &str) -> Option<&Element> {
        let name = local(name);
        self.children.iter().find(|c| c.name == name)
    }
    /// The children with local name `name`.
    pub fn children_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Element> + 'a {
        let name = local(name);
        self.children.iter().filter(move |c| c.name == name)
    }
    /// The text of the first child named `name`, trimmed.
    pub fn child_text(&self, name: &str) -> Option<&str> {
        self.child(name).map(|c| c.text.trim())
    }
    /// The value of attribute `name`: matched by its qualified name (`xsi:type`), else by its
    /// local name.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(n, _)| n == name)
            .or_else(|| {
                let name = local(name);
                self.attrs.iter().find(|(n, _)| local(n) == name)
            })
            .map(|(_, v)| v.as_str())
    }
    /// The element reached from this one by following child names (`["Errors", "Error"]`).
    pub fn descend(&self, path: &[&str]) -> Option<&Element> {
        path.iter().try_fold(self, |el, name| el.child(name))
    }
}

fn xml_error(e: impl std::fmt::Display) -> CodecError {
    CodecError::new(format!("the response is not well-formed XML: {e}"))
}

fn resolve_entity(name: &str) -> Option<String> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix('x').or_else(|| num.strip_prefix('X')) {
            Some(hex) => u32::from_str_radix(hex, 16).ok()?,
            None => num.parse().ok()?,
        };
        return char::from_u32(code).map(String::from);
    }
    quick_xml::escape::resolve_predefined_entity(name).map(str::to_owned)
}

fn start_element(reader: &Reader<&[u8]>, start: &BytesStart<'_>) -> CodecResult<Element> {
    let name = std::str::from_utf8(start.local_name().into_inner())
        .map_err(xml_error)?
        .to_owned();
    let mut attrs = Vec::new();
    for attr in start.attributes() {
        let attr = attr.map_err(xml_error)?;
        let key = std::str::from_utf8(attr.key.as_ref()).map_err(xml_error)?;
        if key == "xmlns" || key.starts_with("xmlns:") {
            continue;
        }
        let value = attr
            .decode_and_unescape_value(reader.decoder())
            .map_err(xml_error)?;
        attrs.push((key.to_owned(), value.into_owned()));
    }
    Ok(Element {
        name,
        attrs,
        children: Vec::new(),
        text: String::new(),
    })
}

/// Parses a document into its root element. Malformed XML (unclosed or mismatched tags, an
/// unknown entity, no root element, invalid UTF-8, nesting deeper than 256) is an error.
pub fn parse(body: &[u8]) -> CodecResult<Element> {
    let mut reader = Reader::from_reader(body);
    reader.config_mut().check_end_names = true;
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    let mut add = |stack: &mut Vec<Element>, el: Element| -> CodecResult {
        match stack.last_mut() {
            Some(parent) => parent.children.push(el),
            None if root.is_none() => root = Some(el),
            None => return Err(xml_error("more than one root element")),
        }
        Ok(())
    };
    loop {
        match reader.read_event().map_err(xml_error)? {
            Event::Start(start) => {
                if stack.len() >= MAX_DEPTH {
                    return Err(xml_error(format!("elements nest deeper than {MAX_DEPTH}")));
                }
                let el = start_element(&reader, &start)?;
                stack.push(el);
            }
            Event::Empty(start) => {
                let el = start_element(&reader, &start)?;
                add(&mut stack, el)?;
            }
            Event::End(_) => {
                let el = stack
                    .pop()
                    .ok_or_else(|| xml_error("an end tag without a start tag"))?;
                add(&mut stack, el)?;
            }
            Event::Text(t) => {
                let text = t.decode().map_err(xml_error)?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&text),
                    None if text.trim().is_empty() => {}
                    None => return Err(xml_error("text outside the root element")),
                }
            }
            Event::CData(t) => {
                let text = std::str::from_utf8(&t).map_err(xml_error)?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(text),
                    None => return Err(xml_error("CDATA outside the root element")),
                }
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(xml_error)?;
                let resolved = resolve_entity(&name)
                    .ok_or_else(|| xml_error(format!("unknown entity `&{name};`")))?;
                match stack.last_mut() {
                    Some(el) => el.text.push_str(&resolved),
                    None => return Err(xml_error("an entity outside the root element")),
                }
            }
            Event::Eof => break,
            Event::Decl(_) | Event::PI(_) | Event::Comment(_) | Event::DocType(_) => {}
        }
    }
    if !stack.is_empty() {
        return Err(xml_error("the document ends inside an element"));
    }
    root.ok_or_else(|| xml_error("there is no root element"))
}

/// Reads the structure at `path` of the document `body` through `read`: `path[0]` names the
/// root element, the rest are child names below it (`["GetCallerIdentityResponse",
/// "GetCallerIdentityResult"]`). Lenient, as clients are: the root's name is not checked, and
/// an empty body or a missing step reads as a structure with no members set.
pub fn read_at(body: &[u8], path: &[&str], read: &mut ReadFn<'_>) -> CodecResult {
    if body.trim_ascii().is_empty() {
        return read(&mut XmlDeserializer::empty());
    }
    let root = parse(body)?;
    match root.descend(path.get(1..).unwrap_or_default()) {
        Some(el) => read(&mut XmlDeserializer::new(el)),
        None => read(&mut XmlDeserializer::empty()),
    }
}

/// The `<Error>` element of an error document: the root itself (S3's `<Error>`),
/// `<ErrorResponse><Error>` (awsQuery, some restXml services) or `<Response><Errors><Error>`
/// (ec2Query).
pub fn error_element(root: &Element) -> Option<&Element> {
    if root.name == "Error" {
        return Some(root);
    }
    root.child("Error")
        .or_else(|| root.descend(&["Errors", "Error"]))
}

/// Reads an error structure from the `<Error>` element of `body` (see [`error_element`]); a
/// document without one is an error.
pub fn read_error(body: &[u8], read: &mut ReadFn<'_>) -> CodecResult {
    let root = parse(body)?;
    let error = error_element(&root)
        .ok_or_else(|| CodecError::new(format!("`<{}>` is not an error document", root.name)))?;
    read(&mut XmlDeserializer::new(error))
}

/// Reads a structure from the root element of `body`, whatever its name (an empty body reads
/// as a structure with no members set).
pub fn read_root(body: &[u8], read: &mut ReadFn<'_>) -> CodecResult {
    read_at(body, &[], read)
}

/// Where an [`XmlDeserializer`] is.
#[derive(Debug, Clone)]
enum Node<'a> {
    /// At one element.
    Element(&'a Element),
    /// At the repeated elements of a flattened list or map.
    Flat(Vec<&'a Element>),
    /// At an attribute's value.
    Text(&'a str),
    /// At nothing: an empty body, a missing map value.
    Empty,
}

/// A [`ShapeDeserializer`] positioned at one element of a parsed document (or at the elements
/// of a flattened list, or at an attribute). Structures match child elements and attributes by
/// wire name and skip unknown ones.
#[derive(Debug, Clone)]
pub struct XmlDeserializer<'a> {
    node: Node<'a>,
    body_only: bool,
}

impl<'a> XmlDeserializer<'a> {
    /// A deserializer at `element`.
    pub fn new(element: &'a Element) -> Self {
        XmlDeserializer {
            node: Node::Element(element),
            body_only: false,
        }
    }

    /// A deserializer at nothing: a structure reads with no members set, a list or map empty,
    /// a string empty.
    pub fn empty() -> Self {
        XmlDeserializer {
            node: Node::Empty,
            body_only: false,
        }
    }

    /// Only the body members ([`Location::Body`]) of the structure read here are looked up;
    /// nested structures are unaffected. For restXml outputs, whose other members are
    /// headers or the status.
    pub fn body_members_only(mut self) -> Self {
        self.body_only = true;
        self
    }

    fn at(node: Node<'a>) -> Self {
        XmlDeserializer {
            node,
            body_only: false,
        }
    }

    fn text(&self, member: &'static Member) -> CodecResult<&'a str> {
        match &self.node {
            Node::Element(el) => Ok(el.text.as_str()),
            Node::Text(t) => Ok(t),
            Node::Empty => Ok(""),
            Node::Flat(_) => Err(CodecError::new(format!(
                "`{}` is a flattened list or map here, not a simple value",
                member.name
            ))),
        }
    }

    fn trimmed(&self, member: &'static Member) -> CodecResult<&'a str> {
        self.text(member).map(str::trim)
    }

    /// The elements holding the entries or items of a list or map (`wrapped_name`: the name
    /// of each child of a wrapped one).
    fn items(&self, member: &'static Member, wrapped_name: &str) -> CodecResult<Vec<&'a Element>> {
        match &self.node {
            Node::Flat(els) => Ok(els.clone()),
            Node::Element(el) if member.is_flattened() => Ok(vec![*el]),
            Node::Element(el) => {
                let name = local(wrapped_name);
                Ok(el.children.iter().filter(|c| c.name == name).collect())
            }
            Node::Empty => Ok(Vec::new()),
            Node::Text(_) => Err(CodecError::new(format!(
                "`{}` is an attribute, not a list or map",
                member.name
            ))),
        }
    }
}

fn is_collection(schema: &Schema) -> bool {
    matches!(schema.shape_type, ShapeType::List | ShapeType::Map)
}

fn parse_number<T: std::str::FromStr>(text: &str, what: &str) -> CodecResult<T> {
    text.parse()
        .map_err(|_| CodecError::new(format!("expected {what}, found `{text}`")))
}

impl ShapeDeserializer for XmlDeserializer<'_> {
    fn read_struct(
        &mut self,
        schema: &'static Schema,
        consumer: &mut MemberConsumer<'_>,
    ) -> CodecResult {
        let el = match &self.node {
            Node::Element(el) => *el,
            Node::Flat(els) => match els.first() {
                Some(el) => *el,
                None => return Ok(()),
            },
            Node::Empty => return Ok(()),
            Node::Text(_) => {
                return Err(CodecError::new(format!(
                    "`{}` is an attribute here, not a structure",
                    schema.name
                )));
            }
        };
        for (i, m) in schema.members.iter().enumerate() {
            if self.body_only && m.location != Location::Body {
                continue;
            }
            if m.has(flag::XML_ATTRIBUTE) {
                if let Some(v) = el.attr(m.wire_name) {
                    consumer(i, &mut XmlDeserializer::at(Node::Text(v)))?;
                }
                continue;
            }
            if m.is_flattened() && is_collection(m.target) {
                let els: Vec<&Element> = el.children_named(m.wire_name).collect();
                if !els.is_empty() {
                    consumer(i, &mut XmlDeserializer::at(Node::Flat(els)))?;
                }
                continue;
            }
            if let Some(child) = el.child(m.wire_name) {
                consumer(i, &mut XmlDeserializer::new(child))?;
            }
        }
        Ok(())
    }

    fn read_list(
        &mut self,
        member: &'static Member,
        consumer: &mut dyn FnMut(&mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        let item = member.target.element().ok_or_else(|| {
            CodecError::new(format!(
                "`{}` is not a list in the model",
                member.target.name
            ))
        })?;
        for el in self.items(member, item.wire_name)? {
            consumer(&mut XmlDeserializer::new(el))?;
        }
        Ok(())
    }

    fn read_map(
        &mut self,
        member: &'static Member,
        consumer: &mut dyn FnMut(String, &mut dyn ShapeDeserializer) -> CodecResult,
    ) -> CodecResult {
        let (Some(key), Some(value)) = (member.target.map_key(), member.target.element()) else {
            return Err(CodecError::new(format!(
                "`{}` is not a map in the model",
                member.target.name
            )));
        };
        for entry in self.items(member, "entry")? {
            let Some(k) = entry.child(key.wire_name) else {
                continue;
            };
            let mut d = match entry.child(value.wire_name) {
                Some(v) => XmlDeserializer::new(v),
                None => XmlDeserializer::empty(),
            };
            consumer(k.text.clone(), &mut d)?;
        }
        Ok(())
    }

    fn read_bool(&mut self, member: &'static Member) -> CodecResult<bool> {
        match self.trimmed(member)? {
            "true" => Ok(true),
            "false" => Ok(false),
            other => Err(CodecError::new(format!(
                "expected `true` or `false`, found `{other}`"
            ))),
        }
    }

    fn read_long(&mut self, member: &'static Member) -> CodecResult<i64> {
        parse_number(self.trimmed(member)?, "an integer")
    }

    fn read_double(&mut self, member: &'static Member) -> CodecResult<f64> {
        match self.trimmed(member)? {
            "NaN" => Ok(f64::NAN),
            "Infinity" => Ok(f64::INFINITY),
            "-Infinity" => Ok(f64::NEG_INFINITY),
            text => parse_number(text, "a number"),
        }
    }

    fn read_float(&mut self, member: &'static Member) -> CodecResult<f32> {
        match self.trimmed(member)? {
            "NaN" => Ok(f32::NAN),
            "Infinity" => Ok(f32::INFINITY),
            "-Infinity" => Ok(f32::NEG_INFINITY),
            text => parse_number(text, "a number"),
        }
    }

    fn read_big_number(&mut self, member: &'static Member) -> CodecResult<String> {
        Ok(self.trimmed(member)?.to_owned())
    }

    fn read_string(&mut self, member: &'static Member) -> CodecResult<String> {
        Ok(self.text(member)?.to_owned())
    }

    fn read_blob(&mut self, member: &'static Member) -> CodecResult<Bytes> {
        super::decode_base64(self.trimmed(member)?).map(Bytes::from)
    }

    fn read_timestamp(&mut self, member: &'static Member) -> CodecResult<DateTime> {
        let text = self.trimmed(member)?;
        let strict = match member.timestamp_format_or(TimestampFormat::DateTime) {
            TimestampFormat::DateTime => DateTime::parse_rfc3339(text),
            TimestampFormat::HttpDate => DateTime::parse_http_date(text),
            TimestampFormat::EpochSeconds => DateTime::parse_epoch_seconds(text),
        };
        strict
            .or_else(|| DateTime::parse_lenient(text))
            .ok_or_else(|| CodecError::new(format!("expected a timestamp, found `{text}`")))
    }

    fn read_document(&mut self, member: &'static Member) -> CodecResult<Document> {
        Err(CodecError::new(format!(
            "`{}`: documents cannot be read from XML",
            member.name
        )))
    }

    fn read_null(&mut self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_text_entities_cdata_attributes() {
        let el = parse(
            br#"<?xml version="1.0"?><!-- c --><a xmlns="x" xmlns:p="y" p:t="1 &amp; 2"><b>x &lt; y &#x41;&#66;</b><c><![CDATA[<raw>]]></c><d/></a>"#,
        )
        .unwrap();
        assert_eq!(el.name(), "a");
        assert_eq!(el.attr("p:t"), Some("1 & 2"));
        assert_eq!(el.attr("t"), Some("1 & 2"));
        assert_eq!(el.child_text("b"), Some("x < y AB"));
        assert_eq!(el.child_text("c"), Some("<raw>"));
        assert_eq!(el.child("d").map(Element::text), Some(""));
        assert_eq!(el.attrs.len(), 1);
    }

    #[test]
    fn malformed_documents_are_errors() {
        for bad in [
            &b"<a><b></a>"[..],
            b"<a>",
            b"not xml",
            b"",
            b"<a/><b/>",
            b"<a>&bogus;</a>",
            b"<a b=\"1></a>",
            b"</a>",
            b"<a>\xff</a>",
        ] {
            assert!(parse(bad).is_err(), "{:?}", String::from_utf8_lossy(bad));
        }
        let deep = "<a>".repeat(MAX_DEPTH + 1);
        assert!(parse(deep.as_bytes()).is_err());
    }

    #[test]
    fn byte_order_mark_and_declaration() {
        let el = parse("\u{feff}<?xml version=\"1.0\"?>\n<a>x</a>\n".as_bytes()).unwrap();
        assert_eq!(el.text(), "x");
    }
}
