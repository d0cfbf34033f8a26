//! The JMESPath the AWS waiter models and endpoint parameter paths use, evaluated over a
//! [`Document`].
//!
//! Waiters name what they watch with JMESPath expressions (`Table.TableStatus`,
//! `KinesisDataStreamDestinations[].DestinationStatus`, `length(Items[?State == 'DISABLED']) > `0``),
//! and operations read endpoint parameters from their input with them (Smithy's
//! `operationContextParams`: `keys(RequestItems)`, `TransactItems[*].Get.TableName`).
//! The models use a small part of the language, and this module implements that part, exactly
//! as the JMESPath specification defines it: identifiers (bare and quoted), sub-expressions,
//! index expressions (negative indexes count from the end), list and object (`[*]`, `*`)
//! wildcards, flatten (`[]`), filter projections (`[?expr]`), `||`, `&&`, `!`, the six
//! comparators, raw string literals (`'text'`), JSON literals (`` `0` ``, `` `true` ``,
//! `` `"text"` ``), `@`, parentheses, multi-select lists (`[a, b]`, as the endpoint paths of
//! `operationContextParams` use them), and the functions `length`, `contains`, `abs`,
//! `to_string`, `to_number` and `keys`. Anything else is a parse error that names the position, so a model using
//! more of the language fails loudly (every expression of every generated waiter is parsed by
//! a test) instead of being evaluated wrongly.
//!
//! A full JMESPath crate would bring its own value type and a dependency for the few
//! expressions every waiter evaluates a handful of times per minute; this is 400 lines over
//! the document type the runtime already has.
//!
//! ```
//! use ziggurat_runtime::waiter::jmespath::Expression;
//! use ziggurat_runtime::codegen::Document;
//!
//! let doc = Document::Object([(
//!     "Table".to_owned(),
//!     Document::Object([("TableStatus".to_owned(), Document::String("ACTIVE".into()))].into()),
//! )].into());
//! let expr = Expression::parse("Table.TableStatus").unwrap();
//! assert_eq!(expr.search(&doc), Document::String("ACTIVE".into()));
//! ```
use std::fmt;

use ziggurat_core::schema::Document;

/// A parsed expression.
#[derive(Debug, Clone, PartialEq)]
pub struct Expression {
    node: Node,
}

/// Why an expression could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    expression: String,
    position: usize,
    message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid JMESPath `{}` at {}: {}",
            self.expression, self.position, self.message
        )
    }
}

impl std::error::Error for ParseError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Comparator {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Function {
    Length,
    Contains,
    Abs,
    ToString,
    ToNumber,
    Keys,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Current,
    Field(String),
    Literal(Document),
    Index(i64),
    Sub(Box<Node>, Box<Node>),
    /// `lhs` evaluated, then each element of the list projected through `rhs` (nulls dropped).
    ListProjection(Box<Node>, Box<Node>),
    /// `lhs[]`, then each element through `rhs`.
    Flatten(Box<Node>, Box<Node>),
    /// `lhs.*`: each value of an object through `rhs`.
    ObjectProjection(Box<Node>, Box<Node>),
    /// `lhs[?cond]`, then each kept element through `rhs`.
    Filter(Box<Node>, Box<Node>, Box<Node>),
    Or(Box<Node>, Box<Node>),
    And(Box<Node>, Box<Node>),
    Not(Box<Node>),
    Compare(Comparator, Box<Node>, Box<Node>),
    Call(Function, Vec<Node>),
    /// `[a, b]`: a list of each expression's value (nulls kept), null on a null.
    MultiList(Vec<Node>),
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Ident(String),
    Literal(Document),
    Number(i64),
    Dot,
    Star,
    At,
    LBracket,
    RBracket,
    Flatten,
    FilterStart,
    LParen,
    RParen,
    Comma,
    Or,
    And,
    Not,
    Cmp(Comparator),
    Pipe,
    Eof,
}

impl Expression {
    /// Parses `text`.
    pub fn parse(text: &str) -> Result<Expression, ParseError> {
        let tokens = lex(text)?;
        let mut p = Parser {
            text,
            tokens,
            pos: 0,
        };
        let node = p.expression(0)?;
        match p.peek() {
            Token::Eof => Ok(Expression { node }),
            t => Err(p.error(format!("unexpected {t:?}"))),
        }
    }

    /// Evaluates the expression against `doc`.
    pub fn search(&self, doc: &Document) -> Document {
        eval(&self.node, doc)
    }
}

fn lex(text: &str) -> Result<Vec<(usize, Token)>, ParseError> {
    let err = |position: usize, message: &str| ParseError {
        expression: text.to_owned(),
        position,
        message: message.to_owned(),
    };
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = bytes.get(i) {
        let start = i;
        let next = bytes.get(i + 1).copied();
        let token = match c {
            b' ' | b'\t' | b'\n' | b'\r' => {
                i += 1;
                continue;
            }
            b'.' => Token::Dot,
            b'*' => Token::Star,
            b'@' => Token::At,
            b']' => Token::RBracket,
            b'(' => Token::LParen,
            b')' => Token::RParen,
            b',' => Token::Comma,
            b'[' if next == Some(b']') => {
                i += 1;
                Token::Flatten
            }
            b'[' if next == Some(b'?') => {
                i += 1;
                Token::FilterStart
            }
            b'[' => Token::LBracket,
            b'|' if next == Some(b'|') => {
                i += 1;
                Token::Or
            }
            b'|' => Token::Pipe,
            b'&' if next == Some(b'&') => {
                i += 1;
                Token::And
            }
            b'!' if next == Some(b'=') => {
                i += 1;
                Token::Cmp(Comparator::Ne)
            }
            b'!' => Token::Not,
            b'=' if next == Some(b'=') => {
                i += 1;
                Token::Cmp(Comparator::Eq)
            }
            b'<' if next == Some(b'=') => {
                i += 1;
                Token::Cmp(Comparator::Le)
            }
            b'<' => Token::Cmp(Comparator::Lt),
            b'>' if next == Some(b'=') => {
                i += 1;
                Token::Cmp(Comparator::Ge)
            }
            b'>' => Token::Cmp(Comparator::Gt),
            b'\'' => {
                let (s, end) = delimited(text, i + 1, b'\'')
                    .ok_or_else(|| err(start, "unterminated raw string"))?;
                i = end;
                Token::Literal(Document::String(s.replace("\\'", "'")))
            }
            b'`' => {
                let (s, end) = delimited(text, i + 1, b'`')
                    .ok_or_else(|| err(start, "unterminated literal"))?;
                i = end;
                Token::Literal(
                    json_literal(&s.replace("\\`", "`"))
                        .ok_or_else(|| err(start, "unsupported JSON literal"))?,
                )
            }
            b'"' => {
                let (s, end) = delimited(text, i + 1, b'"')
                    .ok_or_else(|| err(start, "unterminated quoted identifier"))?;
                i = end;
                Token::Ident(s.replace("\\\"", "\""))
            }
            b'-' | b'0'..=b'9' => {
                let mut j = i + 1;
                while bytes.get(j).is_some_and(u8::is_ascii_digit) {
                    j += 1;
                }
                let n = text
                    .get(i..j)
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| err(start, "invalid number"))?;
                i = j;
                out.push((start, Token::Number(n)));
                continue;
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let mut j = i + 1;
                while bytes
                    .get(j)
                    .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_')
                {
                    j += 1;
                }
                let ident = text.get(i..j).unwrap_or_default().to_owned();
                i = j;
                out.push((start, Token::Ident(ident)));
                continue;
            }
            _ => return Err(err(start, "unexpected character")),
        };
        i += 1;
        out.push((start, token));
    }
    out.push((text.len(), Token::Eof));
    Ok(out)
}

/// The text from `from` up to the unescaped `delim`, and the index of `delim`.
fn delimited(text: &str, from: usize, delim: u8) -> Option<(&str, usize)> {
    let bytes = text.as_bytes();
    let mut j = from;
    loop {
        match bytes.get(j)? {
            b'\\' => j += 2,
            b if *b == delim => return Some((text.get(from..j)?, j)),
            _ => j += 1,
        }
    }
}

/// The JSON literals the models use: numbers, booleans, null and strings.
fn json_literal(s: &str) -> Option<Document> {
    let s = s.trim();
    match s {
        "true" => Some(Document::Bool(true)),
        "false" => Some(Document::Bool(false)),
        "null" => Some(Document::Null),
        _ if s.len() >= 2 && s.starts_with('"') && s.ends_with('"') => {
            Some(Document::String(s.get(1..s.len() - 1)?.to_owned()))
        }
        _ => s
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Document::Number),
    }
}

struct Parser<'a> {
    text: &'a str,
    tokens: Vec<(usize, Token)>,
    pos: usize,
}

/// Binding powers, as the JMESPath grammar orders its operators.
fn binding_power(t: &Token) -> u8 {
    match t {
        Token::Pipe => 1,
        Token::Or => 2,
        Token::And => 3,
        Token::Cmp(_) => 5,
        Token::Flatten => 9,
        Token::Star => 20,
        Token::FilterStart => 21,
        Token::Dot => 40,
        Token::Not => 45,
        Token::LBracket => 55,
        _ => 0,
    }
}

/// The binding power of a projection's right-hand side: it takes every `.`, `[` and filter
/// after it, and stops at comparators, `&&`, `||` and `|`.
const PROJECTION_STOP: u8 = 10;

impl Parser<'_> {
    fn peek(&self) -> &Token {
        self.tokens.get(self.pos).map_or(&Token::Eof, |(_, t)| t)
    }
    fn next(&mut self) -> Token {
        let t = self.peek().clone();
        if self.pos < self.tokens.len() {
            self.pos += 1;
        }
        t
    }
    fn error(&self, message: String) -> ParseError {
        ParseError {
            expression: self.text.to_owned(),
            position: self
                .tokens
                .get(self.pos)
                .map_or(self.text.len(), |(p, _)| *p),
            message,
        }
    }
    fn expect(&mut self, want: &Token) -> Result<(), ParseError> {
        if self.peek() == want {
            self.next();
            Ok(())
        } else {
            Err(self.error(format!("expected {want:?}, found {:?}", self.peek())))
        }
    }

    fn expression(&mut self, rbp: u8) -> Result<Node, ParseError> {
        let mut left = self.nud()?;
        while rbp < binding_power(self.peek()) {
            left = self.led(left)?;
        }
        Ok(left)
    }

    fn nud(&mut self) -> Result<Node, ParseError> {
        match self.next() {
            Token::At => Ok(Node::Current),
            Token::Literal(d) => Ok(Node::Literal(d)),
            Token::Ident(name) if *self.peek() == Token::LParen => self.call(&name),
            Token::Ident(name) => Ok(Node::Field(name)),
            Token::Not => Ok(Node::Not(Box::new(
                self.expression(binding_power(&Token::Not))?,
            ))),
            Token::LParen => {
                let inner = self.expression(0)?;
                self.expect(&Token::RParen)?;
                Ok(inner)
            }
            Token::Star => {
                let rhs = self.projection_rhs()?;
                Ok(Node::ObjectProjection(
                    Box::new(Node::Current),
                    Box::new(rhs),
                ))
            }
            Token::Flatten => {
                let rhs = self.projection_rhs()?;
                Ok(Node::Flatten(Box::new(Node::Current), Box::new(rhs)))
            }
            Token::FilterStart => self.filter(Node::Current),
            Token::LBracket if matches!(self.peek(), Token::Number(_) | Token::Star) => {
                self.bracket(Node::Current)
            }
            Token::LBracket => self.multi_list(),
            t => {
                self.pos = self.pos.saturating_sub(1);
                Err(self.error(format!("unexpected {t:?}")))
            }
        }
    }

    fn led(&mut self, left: Node) -> Result<Node, ParseError> {
        let token = self.next();
        match token {
            Token::Dot => {
                if *self.peek() == Token::Star {
                    self.next();
                    let rhs = self.projection_rhs()?;
                    return Ok(Node::ObjectProjection(Box::new(left), Box::new(rhs)));
                }
                let right = self.dot_rhs()?;
                Ok(Node::Sub(Box::new(left), Box::new(right)))
            }
            Token::Flatten => {
                let rhs = self.projection_rhs()?;
                Ok(Node::Flatten(Box::new(left), Box::new(rhs)))
            }
            Token::FilterStart => self.filter(left),
            Token::LBracket => self.bracket(left),
            Token::Or => Ok(Node::Or(Box::new(left), Box::new(self.expression(2)?))),
            Token::And => Ok(Node::And(Box::new(left), Box::new(self.expression(3)?))),
            Token::Pipe => Ok(Node::Sub(Box::new(left), Box::new(self.expression(1)?))),
            Token::Cmp(c) => Ok(Node::Compare(
                c,
                Box::new(left),
                Box::new(self.expression(5)?),
            )),
            t => Err(self.error(format!("unexpected {t:?}"))),
        }
    }

    /// What may follow a `.`: an identifier, a function call, `@`, or a multi-select list.
    fn dot_rhs(&mut self) -> Result<Node, ParseError> {
        match self.next() {
            Token::Ident(name) if *self.peek() == Token::LParen => self.call(&name),
            Token::Ident(name) => Ok(Node::Field(name)),
            Token::At => Ok(Node::Current),
            Token::LBracket => self.multi_list(),
            t => {
                self.pos = self.pos.saturating_sub(1);
                Err(self.error(format!("expected an identifier after `.`, found {t:?}")))
            }
        }
    }

    /// `[N]` or `[*]`, after the `[`.
    fn bracket(&mut self, left: Node) -> Result<Node, ParseError> {
        match self.next() {
            Token::Number(n) => {
                self.expect(&Token::RBracket)?;
                Ok(Node::Sub(Box::new(left), Box::new(Node::Index(n))))
            }
            Token::Star => {
                self.expect(&Token::RBracket)?;
                let rhs = self.projection_rhs()?;
                Ok(Node::ListProjection(Box::new(left), Box::new(rhs)))
            }
            t => {
                self.pos = self.pos.saturating_sub(1);
                Err(self.error(format!("unsupported bracket expression {t:?}")))
            }
        }
    }

    /// `[a, b, ...]`, after the `[`: one expression or more, separated by commas.
    fn multi_list(&mut self) -> Result<Node, ParseError> {
        let mut items = vec![self.expression(0)?];
        while *self.peek() == Token::Comma {
            self.next();
            items.push(self.expression(0)?);
        }
        self.expect(&Token::RBracket)?;
        Ok(Node::MultiList(items))
    }

    /// `[?cond]`, after the `[?`.
    fn filter(&mut self, left: Node) -> Result<Node, ParseError> {
        let cond = self.expression(0)?;
        self.expect(&Token::RBracket)?;
        let rhs = self.projection_rhs()?;
        Ok(Node::Filter(Box::new(left), Box::new(cond), Box::new(rhs)))
    }

    /// The part of an expression a projection applies to each element.
    fn projection_rhs(&mut self) -> Result<Node, ParseError> {
        if binding_power(self.peek()) < PROJECTION_STOP {
            return Ok(Node::Current);
        }
        match self.peek() {
            Token::Dot => {
                self.next();
                let mut node = self.dot_rhs()?;
                while PROJECTION_STOP < binding_power(self.peek()) {
                    node = self.led(node)?;
                }
                Ok(node)
            }
            Token::LBracket | Token::FilterStart | Token::Flatten | Token::Star => {
                let mut node = Node::Current;
                while PROJECTION_STOP < binding_power(self.peek()) {
                    node = self.led(node)?;
                }
                Ok(node)
            }
            t => Err(self.error(format!("unexpected {t:?} after a projection"))),
        }
    }

    fn call(&mut self, name: &str) -> Result<Node, ParseError> {
        let (function, arity) = match name {
            "length" => (Function::Length, 1),
            "contains" => (Function::Contains, 2),
            "abs" => (Function::Abs, 1),
            "to_string" => (Function::ToString, 1),
            "to_number" => (Function::ToNumber, 1),
            "keys" => (Function::Keys, 1),
            _ => return Err(self.error(format!("unsupported function `{name}`"))),
        };
        self.expect(&Token::LParen)?;
        let mut args = Vec::new();
        if *self.peek() != Token::RParen {
            loop {
                args.push(self.expression(0)?);
                if *self.peek() != Token::Comma {
                    break;
                }
                self.next();
            }
        }
        self.expect(&Token::RParen)?;
        if args.len() != arity {
            return Err(self.error(format!(
                "`{name}` takes {arity} argument(s), {} given",
                args.len()
            )));
        }
        Ok(Node::Call(function, args))
    }
}

/// JMESPath truthiness: false, null, and empty strings, lists and objects are false.
fn truthy(d: &Document) -> bool {
    match d {
        Document::Null | Document::Bool(false) => false,
        Document::String(s) => !s.is_empty(),
        Document::Array(a) => !a.is_empty(),
        Document::Object(o) => !o.is_empty(),
        _ => true,
    }
}

fn project(items: Vec<Document>, rhs: &Node) -> Document {
    Document::Array(
        items
            .iter()
            .map(|item| eval(rhs, item))
            .filter(|d| *d != Document::Null)
            .collect(),
    )
}

fn eval(node: &Node, doc: &Document) -> Document {
    match node {
        Node::Current => doc.clone(),
        Node::Literal(d) => d.clone(),
        Node::Field(name) => match doc {
            Document::Object(o) => o.get(name).cloned().unwrap_or(Document::Null),
            _ => Document::Null,
        },
        Node::Index(i) => match doc {
            Document::Array(a) => {
                let len = i64::try_from(a.len()).unwrap_or(i64::MAX);
                let at = if *i < 0 { len + i } else { *i };
                usize::try_from(at)
                    .ok()
                    .and_then(|at| a.get(at))
                    .cloned()
                    .unwrap_or(Document::Null)
            }
            _ => Document::Null,
        },
        Node::Sub(lhs, rhs) => match eval(lhs, doc) {
            Document::Null => Document::Null,
            left => eval(rhs, &left),
        },
        Node::ListProjection(lhs, rhs) => match eval(lhs, doc) {
            Document::Array(items) => project(items, rhs),
            _ => Document::Null,
        },
        Node::Flatten(lhs, rhs) => match eval(lhs, doc) {
            Document::Array(items) => {
                let mut flat = Vec::with_capacity(items.len());
                for item in items {
                    match item {
                        Document::Array(inner) => flat.extend(inner),
                        other => flat.push(other),
                    }
                }
                project(flat, rhs)
            }
            _ => Document::Null,
        },
        Node::ObjectProjection(lhs, rhs) => match eval(lhs, doc) {
            Document::Object(o) => project(o.into_values().collect(), rhs),
            _ => Document::Null,
        },
        Node::Filter(lhs, cond, rhs) => match eval(lhs, doc) {
            Document::Array(items) => project(
                items
                    .into_iter()
                    .filter(|item| truthy(&eval(cond, item)))
                    .collect(),
                rhs,
            ),
            _ => Document::Null,
        },
        Node::Or(lhs, rhs) => {
            let left = eval(lhs, doc);
            if truthy(&left) { left } else { eval(rhs, doc) }
        }
        Node::And(lhs, rhs) => {
            let left = eval(lhs, doc);
            if truthy(&left) { eval(rhs, doc) } else { left }
        }
        Node::Not(inner) => Document::Bool(!truthy(&eval(inner, doc))),
        Node::Compare(c, lhs, rhs) => compare(*c, &eval(lhs, doc), &eval(rhs, doc)),
        Node::Call(f, args) => {
            let args: Vec<Document> = args.iter().map(|a| eval(a, doc)).collect();
            call(*f, &args)
        }
        Node::MultiList(items) => match doc {
            Document::Null => Document::Null,
            _ => Document::Array(items.iter().map(|item| eval(item, doc)).collect()),
        },
    }
}

fn compare(c: Comparator, a: &Document, b: &Document) -> Document {
    match c {
        Comparator::Eq => Document::Bool(a == b),
        Comparator::Ne => Document::Bool(a != b),
        _ => match (a, b) {
            (Document::Number(x), Document::Number(y)) => Document::Bool(match c {
                Comparator::Lt => x < y,
                Comparator::Le => x <= y,
                Comparator::Gt => x > y,
                _ => x >= y,
            }),
            // Ordering is defined for numbers only; anything else compares to null.
            _ => Document::Null,
        },
    }
}

fn call(f: Function, args: &[Document]) -> Document {
    let first = args.first().unwrap_or(&Document::Null);
    match f {
        Function::Length => match first {
            Document::String(s) => Document::Number(s.chars().count() as f64),
            Document::Array(a) => Document::Number(a.len() as f64),
            Document::Object(o) => Document::Number(o.len() as f64),
            _ => Document::Null,
        },
        Function::Contains => {
            let needle = args.get(1).unwrap_or(&Document::Null);
            match (first, needle) {
                (Document::Array(a), n) => Document::Bool(a.contains(n)),
                (Document::String(s), Document::String(n)) => {
                    Document::Bool(s.contains(n.as_str()))
                }
                _ => Document::Null,
            }
        }
        Function::Abs => match first {
            Document::Number(n) => Document::Number(n.abs()),
            _ => Document::Null,
        },
        Function::ToString => match first {
            Document::String(s) => Document::String(s.clone()),
            Document::Number(n) => Document::String(n.to_string()),
            Document::Bool(b) => Document::String(b.to_string()),
            Document::Null => Document::String("null".to_owned()),
            _ => Document::Null,
        },
        Function::Keys => match first {
            Document::Object(o) => {
                Document::Array(o.keys().map(|k| Document::String(k.clone())).collect())
            }
            _ => Document::Null,
        },
        Function::ToNumber => match first {
            Document::Number(n) => Document::Number(*n),
            Document::String(s) => s.parse().map_or(Document::Null, Document::Number),
            _ => Document::Null,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &str) -> Document {
        Document::String(v.to_owned())
    }
    fn obj(entries: &[(&str, Document)]) -> Document {
        Document::Object(
            entries
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect(),
        )
    }
    fn search(expr: &str, doc: &Document) -> Document {
        Expression::parse(expr)
            .unwrap_or_else(|e| panic!("{e}"))
            .search(doc)
    }

    fn destinations(statuses: &[&str]) -> Document {
        obj(&[(
            "KinesisDataStreamDestinations",
            Document::Array(
                statuses
                    .iter()
                    .map(|st| obj(&[("DestinationStatus", s(st))]))
                    .collect(),
            ),
        )])
    }

    #[test]
    fn sub_expressions_and_missing_fields() {
        let doc = obj(&[("Table", obj(&[("TableStatus", s("ACTIVE"))]))]);
        assert_eq!(search("Table.TableStatus", &doc), s("ACTIVE"));
        assert_eq!(search("Table.Nope.Deeper", &doc), Document::Null);
        assert_eq!(search("\"Table\".TableStatus", &doc), s("ACTIVE"));
    }

    #[test]
    fn flatten_projects_and_drops_nulls() {
        let doc = destinations(&["ACTIVE", "DISABLED"]);
        assert_eq!(
            search("KinesisDataStreamDestinations[].DestinationStatus", &doc),
            Document::Array(vec![s("ACTIVE"), s("DISABLED")])
        );
        assert_eq!(
            search("KinesisDataStreamDestinations[*].Nope", &doc),
            Document::Array(vec![])
        );
    }

    /// The failure acceptor of DynamoDB's `KinesisStreamingDestinationActive`, as the model
    /// spells it (two spaces included).
    #[test]
    fn filter_length_and_comparisons() {
        let expr = "length(KinesisDataStreamDestinations) > `0`  && length(KinesisDataStreamDestinations[?DestinationStatus == 'DISABLED' || DestinationStatus == 'ENABLE_FAILED']) ==  length(KinesisDataStreamDestinations)";
        let all_failed = destinations(&["DISABLED", "ENABLE_FAILED"]);
        let one_active = destinations(&["DISABLED", "ACTIVE"]);
        let none = destinations(&[]);
        assert_eq!(search(expr, &all_failed), Document::Bool(true));
        assert_eq!(search(expr, &one_active), Document::Bool(false));
        assert_eq!(search(expr, &none), Document::Bool(false));
    }

    /// S3 `ListObjects`' output token.
    #[test]
    fn or_and_negative_index() {
        let expr = "NextMarker || Contents[-1].Key";
        let contents = Document::Array(vec![obj(&[("Key", s("a"))]), obj(&[("Key", s("b"))])]);
        assert_eq!(
            search(expr, &obj(&[("Contents", contents.clone())])),
            s("b")
        );
        assert_eq!(
            search(
                expr,
                &obj(&[("NextMarker", s("m")), ("Contents", contents)])
            ),
            s("m")
        );
        assert_eq!(search(expr, &obj(&[])), Document::Null);
        assert_eq!(search("Contents[5]", &obj(&[])), Document::Null);
    }

    #[test]
    fn literals_not_and_functions() {
        let doc = obj(&[
            ("n", Document::Number(-3.0)),
            ("l", Document::Array(vec![s("x")])),
        ]);
        assert_eq!(search("`true`", &doc), Document::Bool(true));
        assert_eq!(search("`\"x\"`", &doc), s("x"));
        assert_eq!(search("!l", &doc), Document::Bool(false));
        assert_eq!(search("abs(n)", &doc), Document::Number(3.0));
        assert_eq!(search("contains(l, 'x')", &doc), Document::Bool(true));
        assert_eq!(search("n < `0`", &doc), Document::Bool(true));
        assert_eq!(search("l < `0`", &doc), Document::Null);
        assert_eq!(search("to_number('12')", &doc), Document::Number(12.0));
        assert_eq!(search("l | [0]", &doc), s("x"));
    }

    /// The `operationContextParams` paths of DynamoDB's model: `keys` and a multi-select
    /// list, flattened.
    #[test]
    fn keys_and_multi_select_lists() {
        let doc = obj(&[(
            "RequestItems",
            obj(&[("t1", obj(&[])), ("t2", Document::Array(vec![]))]),
        )]);
        assert_eq!(
            search("keys(RequestItems)", &doc),
            Document::Array(vec![s("t1"), s("t2")])
        );
        assert_eq!(search("keys(Nope)", &doc), Document::Null);
        let items = obj(&[(
            "TransactItems",
            Document::Array(vec![
                obj(&[("Put", obj(&[("TableName", s("a"))]))]),
                obj(&[("Delete", obj(&[("TableName", s("b"))]))]),
                obj(&[("ConditionCheck", obj(&[("TableName", s("c"))]))]),
            ]),
        )]);
        assert_eq!(
            search(
                "TransactItems[*].[ConditionCheck.TableName, Put.TableName, Delete.TableName, Update.TableName][]",
                &items
            ),
            Document::Array(vec![s("a"), s("b"), s("c")])
        );
        assert_eq!(
            search("TransactItems[*].Put.TableName", &items),
            Document::Array(vec![s("a")])
        );
        assert_eq!(
            search("[TransactItems[0].Put.TableName, Nope]", &items),
            Document::Array(vec![s("a"), Document::Null])
        );
        assert_eq!(search("Nope.[a, b]", &items), Document::Null);
    }

    #[test]
    fn what_is_not_supported_is_a_parse_error() {
        for bad in [
            "sort_by(a, &b)",
            "a[1:2]",
            "a.",
            "'unterminated",
            "length(a, b)",
            "keys(a, b)",
            "a.[b,",
            "[]a",
            "a ^ b",
            "",
        ] {
            assert!(Expression::parse(bad).is_err(), "{bad} parsed");
        }
    }
}
