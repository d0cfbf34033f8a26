//! A shape as a [`Document`], member names as the model spells them: what waiters' JMESPath
//! expressions (`Table.TableStatus`) are evaluated against.
//!
//! Blobs become base64 text and timestamps RFC 3339 text, as the aws CLI prints them.
use std::collections::BTreeMap;

use base64::Engine as _;
use ziggurat_core::schema::error::CodecResult;
use ziggurat_core::schema::ser::{SerResult, SerializeShape, SerializeValue, ShapeSerializer};
use ziggurat_core::schema::{DateTime, Document, Member};

/// `shape` as a document: an object of its set members.
pub fn to_document(shape: &dyn SerializeShape) -> CodecResult<Document> {
    let mut w = Writer::Object(BTreeMap::new());
    shape.serialize_members(&mut w)?;
    Ok(w.into_document())
}

/// Where the next value goes: into an object under its member's name, onto a list, or into
/// a single slot.
enum Writer {
    Object(BTreeMap<String, Document>),
    List(Vec<Document>),
    Value(Document),
}

impl Writer {
    fn put(&mut self, member: &'static Member, value: Document) -> SerResult {
        match self {
            Writer::Object(o) => {
                o.insert(member.name.to_owned(), value);
            }
            Writer::List(l) => l.push(value),
            Writer::Value(v) => *v = value,
        }
        Ok(())
    }
    fn into_document(self) -> Document {
        match self {
            Writer::Object(o) => Document::Object(o),
            Writer::List(l) => Document::Array(l),
            Writer::Value(v) => v,
        }
    }
}

impl ShapeSerializer for Writer {
    fn write_struct(&mut self, member: &'static Member, value: &dyn SerializeShape) -> SerResult {
        let mut inner = Writer::Object(BTreeMap::new());
        value.serialize_members(&mut inner)?;
        self.put(member, inner.into_document())
    }
    fn write_list(
        &mut self,
        member: &'static Member,
        items: &mut dyn ExactSizeIterator<Item = &dyn SerializeValue>,
    ) -> SerResult {
        let mut inner = Writer::List(Vec::with_capacity(items.len()));
        if let Some(element) = member.target.element() {
            for item in items {
                item.serialize_value(element, &mut inner)?;
            }
        }
        self.put(member, inner.into_document())
    }
    fn write_map(
        &mut self,
        member: &'static Member,
        entries: &mut dyn ExactSizeIterator<Item = (&str, &dyn SerializeValue)>,
    ) -> SerResult {
        let mut map = BTreeMap::new();
        if let Some(element) = member.target.element() {
            for (key, value) in entries {
                let mut slot = Writer::Value(Document::Null);
                value.serialize_value(element, &mut slot)?;
                map.insert(key.to_owned(), slot.into_document());
            }
        }
        self.put(member, Document::Object(map))
    }
    fn write_bool(&mut self, member: &'static Member, value: bool) -> SerResult {
        self.put(member, Document::Bool(value))
    }
    fn write_long(&mut self, member: &'static Member, value: i64) -> SerResult {
        self.put(member, Document::Number(value as f64))
    }
    fn write_double(&mut self, member: &'static Member, value: f64) -> SerResult {
        self.put(member, Document::Number(value))
    }
    fn write_big_number(&mut self, member: &'static Member, value: &str) -> SerResult {
        let doc = value
            .parse()
            .map_or_else(|_| Document::String(value.to_owned()), Document::Number);
        self.put(member, doc)
    }
    fn write_string(&mut self, member: &'static Member, value: &str) -> SerResult {
        self.put(member, Document::String(value.to_owned()))
    }
    fn write_blob(&mut self, member: &'static Member, value: &[u8]) -> SerResult {
        let text = base64::engine::general_purpose::STANDARD.encode(value);
        self.put(member, Document::String(text))
    }
    fn write_timestamp(&mut self, member: &'static Member, value: &DateTime) -> SerResult {
        self.put(member, Document::String(value.to_string()))
    }
    fn write_document(&mut self, member: &'static Member, value: &Document) -> SerResult {
        self.put(member, value.clone())
    }
    fn write_null(&mut self, member: &'static Member) -> SerResult {
        self.put(member, Document::Null)
    }
}
