//! [`parse`]: one shared file's text into its sections, keeping where each value came from.
use std::fmt;
use std::path::Path;
use std::sync::Arc;

use super::error::{ProfileFileError, ProfileFileErrorKind};

/// Which of the two shared files a text comes from; the valid section headers differ.
///
/// In the config file a profile is `[profile name]` (or `[default]`), and `[sso-session name]`
/// and `[services name]` sections exist. In the credentials file a profile is `[name]`, and
/// nothing else is valid. Invalid headers are ignored, with their properties, and logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileKind {
    /// `~/.aws/config` or a file like it.
    Config,
    /// `~/.aws/credentials` or a file like it.
    Credentials,
}

/// What a section holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SectionKind {
    /// `[profile name]`, `[default]` (config) or `[name]` (credentials).
    Profile,
    /// `[sso-session name]` (config only).
    SsoSession,
    /// `[services name]` (config only).
    Services,
}

/// Where a value was written: a file and a line (counting from 1).
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    path: Arc<Path>,
    line: usize,
}

impl Origin {
    /// The file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The line, counting from 1.
    pub fn line(&self) -> usize {
        self.line
    }

    /// Whether this and `other` are in the same file.
    pub fn same_file(&self, other: &Origin) -> bool {
        self.path == other.path
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}", self.path.display(), self.line)
    }
}

impl fmt::Debug for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// One `key = value` of a section.
///
/// The key is lower-cased (keys are case-insensitive); the value is trimmed, with continuation
/// lines joined by `\n`. A property written as `s3 =` followed by indented `name = value` lines
/// also has sub-properties; its [`value`](Property::value) is then the raw text of those lines.
///
/// `Debug` hides the values of secret keys (`aws_secret_access_key`, `aws_session_token`, and any
/// key naming a secret or a token).
#[derive(Clone)]
pub struct Property {
    name: String,
    value: String,
    origin: Origin,
    sub: Vec<(String, String)>,
    has_sub: bool,
}

impl Property {
    /// The key, lower-cased.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The value.
    pub fn value(&self) -> &str {
        &self.value
    }

    /// Where the property was written.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The sub-property `name` (case-insensitive), if this property has sub-properties; the
    /// last one wins when it is repeated.
    pub fn sub(&self, name: &str) -> Option<&str> {
        let name = lowercase(name);
        self.sub
            .iter()
            .rev()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }

    /// All sub-properties in file order, keys lower-cased; empty for a plain property.
    pub fn sub_properties(&self) -> impl Iterator<Item = (&str, &str)> {
        self.sub.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }
}

/// Whether a key's value must never be shown.
pub(crate) fn is_secret(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    key.contains("secret") || (key.contains("token") && !key.ends_with("_file"))
}

impl fmt::Debug for Property {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Property");
        d.field("name", &self.name);
        if is_secret(&self.name) {
            d.field("value", &"** redacted **");
        } else if self.has_sub {
            let sub: Vec<(&str, &str)> = self
                .sub
                .iter()
                .map(|(k, v)| {
                    let v = if is_secret(k) { "** redacted **" } else { v };
                    (k.as_str(), v)
                })
                .collect();
            d.field("sub_properties", &sub);
        } else {
            d.field("value", &self.value);
        }
        d.field("origin", &self.origin).finish()
    }
}

/// One valid section of a parsed file.
#[derive(Clone, Debug)]
pub struct Section {
    kind: SectionKind,
    name: String,
    origin: Origin,
    properties: Vec<Property>,
    // `[default]` in a config file, which loses to any `[profile default]` of the same file.
    bare_default: bool,
}

impl Section {
    /// What the section holds.
    pub fn kind(&self) -> SectionKind {
        self.kind
    }

    /// The section's name (`default`, the profile's name, the session's name, ...).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the section header was written.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The properties in file order, repeated keys included (the last one wins when merged).
    pub fn properties(&self) -> &[Property] {
        &self.properties
    }
}

/// One shared file, parsed: its valid sections in file order.
#[derive(Clone, Debug)]
pub struct ParsedFile {
    kind: FileKind,
    path: Arc<Path>,
    sections: Vec<Section>,
}

impl ParsedFile {
    /// Which file flavour this was parsed as.
    pub fn kind(&self) -> FileKind {
        self.kind
    }

    /// The file's path, as given to [`parse`].
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The valid sections in file order. In a config file, `[default]` sections are left out
    /// when the file also has a `[profile default]`, which all SDKs prefer.
    pub fn sections(&self) -> &[Section] {
        &self.sections
    }
}

/// Parses one shared file's text.
///
/// `path` only labels values and errors; nothing is read. The parser takes one pass over the
/// lines and never panics: malformed input is a [`ProfileFileError`] naming the line, invalid
/// section or property names are skipped with a `tracing` warning, as all SDKs do.
///
/// ```
/// use ziggurat_config::profile::{parse, FileKind};
///
/// let file = parse("[profile dev]\nregion = eu-west-1 # mine\n", "/home/me/.aws/config", FileKind::Config)?;
/// let section = &file.sections()[0];
/// assert_eq!(section.name(), "dev");
/// assert_eq!(section.properties()[0].value(), "eu-west-1");
/// assert_eq!(section.properties()[0].origin().line(), 2);
/// # Ok::<(), ziggurat_config::profile::ProfileFileError>(())
/// ```
pub fn parse(
    text: &str,
    path: impl AsRef<Path>,
    kind: FileKind,
) -> Result<ParsedFile, ProfileFileError> {
    let path: Arc<Path> = Arc::from(path.as_ref());
    Parser {
        kind,
        path: path.clone(),
        sections: Vec::new(),
        section: Current::None,
        property: PropState::None,
    }
    .run(text)
}

/// Parses one shared file's bytes; text that is not UTF-8 is an error naming the file and the
/// line of the first bad byte.
pub fn parse_bytes(
    bytes: &[u8],
    path: impl AsRef<Path>,
    kind: FileKind,
) -> Result<ParsedFile, ProfileFileError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => parse(text, path, kind),
        Err(e) => {
            let valid = bytes.get(..e.valid_up_to()).unwrap_or_default();
            let line = 1 + valid.iter().filter(|b| **b == b'\n').count();
            let path: Arc<Path> = Arc::from(path.as_ref());
            Err(ProfileFileError::new(ProfileFileErrorKind::NotUtf8).at(&path, line))
        }
    }
}

enum Current {
    /// No section header yet.
    None,
    /// In an ignored section, whose header is this.
    Ignored(String),
    /// In `sections[i]`.
    Active(usize),
}

enum PropState {
    None,
    Ignored,
    /// The last property of the current section; `sub` when its first line had no value.
    Active {
        sub: bool,
    },
}

struct Parser {
    kind: FileKind,
    path: Arc<Path>,
    sections: Vec<Section>,
    section: Current,
    property: PropState,
}

impl Parser {
    fn run(mut self, text: &str) -> Result<ParsedFile, ProfileFileError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        for (i, line) in text.split('\n').enumerate() {
            let line = line.strip_suffix('\r').unwrap_or(line);
            self.line(line, i + 1)?;
        }
        let mut sections = self.sections;
        if self.kind == FileKind::Config
            && sections
                .iter()
                .any(|s| s.kind == SectionKind::Profile && s.name == "default" && !s.bare_default)
        {
            sections.retain(|s| !s.bare_default);
        }
        Ok(ParsedFile {
            kind: self.kind,
            path: self.path,
            sections,
        })
    }

    fn err(&self, kind: ProfileFileErrorKind, line: usize) -> ProfileFileError {
        let section = match &self.section {
            Current::None => None,
            Current::Ignored(name) => Some(name.as_str()),
            Current::Active(i) => self.sections.get(*i).map(|s| s.name.as_str()),
        };
        ProfileFileError::new(kind)
            .at(&self.path, line)
            .in_section(section)
    }

    /// An error in a sub-property of the last property of `sections[i]`.
    fn sub_err(&self, kind: ProfileFileErrorKind, i: usize, line: usize) -> ProfileFileError {
        let e = self.err(kind, line);
        match self.sections.get(i).and_then(|s| s.properties.last()) {
            Some(p) => e.with_key(&p.name),
            None => e,
        }
    }

    fn origin(&self, line: usize) -> Origin {
        Origin {
            path: self.path.clone(),
            line,
        }
    }

    fn line(&mut self, line: &str, n: usize) -> Result<(), ProfileFileError> {
        let trimmed = trim(line);
        if matches!(trimmed.as_bytes().first(), None | Some(b'#' | b';')) {
            return Ok(());
        }
        if matches!(line.as_bytes().first(), Some(b' ' | b'\t')) {
            return self.continuation(trimmed, n);
        }
        if let Some(rest) = line.strip_prefix('[') {
            return self.header(rest, n);
        }
        self.property(line, n)
    }

    fn header(&mut self, rest: &str, n: usize) -> Result<(), ProfileFileError> {
        self.property = PropState::None;
        let Some((inner, after)) = rest.split_once(']') else {
            self.section = Current::Ignored(String::new());
            return Err(self
                .err(ProfileFileErrorKind::UnterminatedSectionHeader, n)
                .in_section(None));
        };
        let after = trim(after);
        if !(after.is_empty() || after.starts_with('#') || after.starts_with(';')) {
            return Err(self
                .err(ProfileFileErrorKind::UnterminatedSectionHeader, n)
                .in_section(Some(trim(inner))));
        }
        let inner = trim(inner);
        let (kind, name, bare_default) = match self.kind {
            FileKind::Config => {
                if inner == "default" {
                    (Some(SectionKind::Profile), inner, true)
                } else if let Some(name) = strip_word(inner, "profile") {
                    (Some(SectionKind::Profile), name, false)
                } else if let Some(name) = strip_word(inner, "sso-session") {
                    (Some(SectionKind::SsoSession), name, false)
                } else if let Some(name) = strip_word(inner, "services") {
                    (Some(SectionKind::Services), name, false)
                } else {
                    tracing::warn!(
                        file = %self.path.display(), line = n, section = inner,
                        "ignoring a config file section that is not `[default]`, `[profile name]`, \
                         `[sso-session name]` or `[services name]`"
                    );
                    (None, inner, false)
                }
            }
            FileKind::Credentials => {
                if strip_word(inner, "profile").is_some() {
                    tracing::warn!(
                        file = %self.path.display(), line = n, section = inner,
                        "ignoring a `[profile name]` section in a credentials file, where \
                         profiles are written `[name]`"
                    );
                    (None, inner, false)
                } else {
                    (Some(SectionKind::Profile), inner, false)
                }
            }
        };
        match kind {
            Some(kind) if is_identifier(name) => {
                self.sections.push(Section {
                    kind,
                    name: name.to_owned(),
                    origin: self.origin(n),
                    properties: Vec::new(),
                    bare_default,
                });
                self.section = Current::Active(self.sections.len() - 1);
            }
            Some(_) => {
                tracing::warn!(
                    file = %self.path.display(), line = n, section = name,
                    "ignoring a section whose name has characters other than letters, digits \
                     and - / . % @ _ : +"
                );
                self.section = Current::Ignored(inner.to_owned());
            }
            None => self.section = Current::Ignored(inner.to_owned()),
        }
        Ok(())
    }

    fn property(&mut self, line: &str, n: usize) -> Result<(), ProfileFileError> {
        if matches!(self.section, Current::None) {
            return Err(self.err(ProfileFileErrorKind::OutsideSection, n));
        }
        let Some((name, value)) = line.split_once('=') else {
            return Err(self.err(ProfileFileErrorKind::MissingEquals, n));
        };
        let name = trim(name);
        if name.is_empty() {
            return Err(self.err(ProfileFileErrorKind::MissingName, n));
        }
        let value = trim(strip_inline_comment(value));
        let Current::Active(i) = self.section else {
            self.property = PropState::Ignored;
            return Ok(());
        };
        if !is_identifier(name) {
            tracing::warn!(
                file = %self.path.display(), line = n,
                "ignoring a property whose name has characters other than letters, digits \
                 and - / . % @ _ : +"
            );
            self.property = PropState::Ignored;
            return Ok(());
        }
        let property = Property {
            name: lowercase(name),
            value: value.to_owned(),
            origin: self.origin(n),
            sub: Vec::new(),
            has_sub: false,
        };
        if let Some(section) = self.sections.get_mut(i) {
            section.properties.push(property);
        }
        self.property = PropState::Active {
            sub: value.is_empty(),
        };
        Ok(())
    }

    fn continuation(&mut self, trimmed: &str, n: usize) -> Result<(), ProfileFileError> {
        let sub = match self.property {
            PropState::None if matches!(self.section, Current::None) => {
                return Err(self.err(ProfileFileErrorKind::OutsideSection, n));
            }
            PropState::None => {
                return Err(self.err(ProfileFileErrorKind::ContinuationWithoutProperty, n));
            }
            PropState::Ignored => return Ok(()),
            PropState::Active { sub } => sub,
        };
        let Current::Active(i) = self.section else {
            return Ok(());
        };
        let mut parsed_sub = None;
        if sub {
            let Some((name, value)) = trimmed.split_once('=') else {
                return Err(self.sub_err(ProfileFileErrorKind::SubPropertyMissingEquals, i, n));
            };
            let name = trim(name);
            if name.is_empty() {
                return Err(self.sub_err(ProfileFileErrorKind::SubPropertyMissingName, i, n));
            }
            if is_identifier(name) {
                parsed_sub = Some((lowercase(name), trim(value).to_owned()));
            } else {
                tracing::warn!(
                    file = %self.path.display(), line = n,
                    "ignoring a sub-property whose name has characters other than letters, \
                     digits and - / . % @ _ : +"
                );
            }
        }
        if let Some(property) = self
            .sections
            .get_mut(i)
            .and_then(|s| s.properties.last_mut())
        {
            property.value.push('\n');
            property.value.push_str(trimmed);
            if sub {
                property.has_sub = true;
            }
            if let Some(pair) = parsed_sub {
                property.sub.push(pair);
            }
        }
        Ok(())
    }
}

// The helpers below scan bytes, not chars: the files are mostly ASCII, and byte loops stay fast
// in unoptimized (debug) builds, which is where a 10 MB file must still parse quickly.

/// Trims ASCII whitespace (space, tab, CR, LF, FF), as the other SDKs' parsers do.
fn trim(s: &str) -> &str {
    s.trim_ascii()
}

/// `word` followed by whitespace and the (trimmed) rest, or `None`.
fn strip_word<'a>(s: &'a str, word: &str) -> Option<&'a str> {
    let rest = s.strip_prefix(word)?;
    rest.starts_with([' ', '\t']).then(|| trim(rest))
}

/// Cuts a value at the first `#` or `;` that follows a space or a tab.
fn strip_inline_comment(value: &str) -> &str {
    match value
        .as_bytes()
        .windows(2)
        .position(|w| matches!(w, [b' ' | b'\t', b'#' | b';']))
    {
        Some(i) => value.get(..=i).unwrap_or(value),
        None => value,
    }
}

/// Lower-cases a key, without the Unicode tables when it is ASCII.
fn lowercase(s: &str) -> String {
    if s.is_ascii() {
        s.to_ascii_lowercase()
    } else {
        s.to_lowercase()
    }
}

/// Profile, section and property names: letters, digits and `- / . % @ _ : +`.
fn is_identifier(s: &str) -> bool {
    let punctuation = |c: char| matches!(c, '-' | '/' | '.' | '%' | '@' | '_' | ':' | '+');
    if s.is_ascii() {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_alphanumeric() || punctuation(char::from(b)))
    } else {
        s.chars().all(|c| c.is_alphanumeric() || punctuation(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, Instant};

    fn config(text: &str) -> Result<ParsedFile, ProfileFileError> {
        parse(text, "/c", FileKind::Config)
    }

    #[test]
    fn errors_name_the_file_line_and_section() {
        let e = config("[profile a]\nk = v\n[profile b]\nbroken line\n").unwrap_err();
        assert_eq!(e.kind(), ProfileFileErrorKind::MissingEquals);
        assert_eq!(e.line(), Some(4));
        assert_eq!(e.section(), Some("b"));
        assert_eq!(e.path(), Some(Path::new("/c")));
        assert!(e.to_string().starts_with("/c line 4: profile `b`: "), "{e}");
    }

    #[test]
    fn errors_never_quote_the_line() {
        let e = config("[profile a]\nsecret-looking-text-without-equals\n").unwrap_err();
        assert!(!e.to_string().contains("secret-looking"), "{e}");
    }

    #[test]
    fn unterminated_section_header_is_an_error() {
        let e = config("[profile a]\nk = v\n[profile b\nk = v\n").unwrap_err();
        assert_eq!(e.kind(), ProfileFileErrorKind::UnterminatedSectionHeader);
        assert_eq!(e.line(), Some(3));
    }

    #[test]
    fn text_after_a_section_header_is_an_error() {
        let e = config("[profile a] junk\n").unwrap_err();
        assert_eq!(e.kind(), ProfileFileErrorKind::UnterminatedSectionHeader);
    }

    #[test]
    fn binary_garbage_is_an_error_not_a_panic() {
        // Deterministic pseudo-random bytes, cut into every prefix length class.
        let mut x: u32 = 0x1234_5678;
        let bytes: Vec<u8> = (0..4096)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        for len in [0, 1, 2, 3, 17, 255, 4096] {
            let _ = parse_bytes(&bytes[..len], "/g", FileKind::Config);
            let text = String::from_utf8_lossy(&bytes[..len]);
            let _ = config(&text);
            let _ = parse(&text, "/g", FileKind::Credentials);
        }
        let e = parse_bytes(&bytes, "/g", FileKind::Config).unwrap_err();
        assert_eq!(e.kind(), ProfileFileErrorKind::NotUtf8);
        assert_eq!(e.path(), Some(Path::new("/g")));
        // Odd ASCII and control characters.
        for text in [
            "\0\0\0",
            "[",
            "]",
            "[]",
            "[profile ]",
            "=",
            " =",
            "[default]\n =\n",
            "\r\r\n\r",
        ] {
            let _ = config(text);
            let _ = parse(text, "/g", FileKind::Credentials);
        }
    }

    #[test]
    fn non_utf8_error_names_the_line() {
        let e = parse_bytes(b"[default]\nk = \xff\n", "/x", FileKind::Config).unwrap_err();
        assert_eq!(e.kind(), ProfileFileErrorKind::NotUtf8);
        assert_eq!(e.line(), Some(2));
    }

    /// Held by the 10 MB tests so they do not compete for the CPU with each other.
    static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

    fn ten_megabytes(section: impl Fn(usize) -> String) -> (String, usize) {
        let mut text = String::with_capacity(10 << 20);
        let mut i = 0;
        while text.len() < 10 << 20 {
            text.push_str(&section(i));
            i += 1;
        }
        (text, i)
    }

    #[test]
    fn a_ten_megabyte_file_parses_in_linear_time() {
        let _heavy = HEAVY
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // Lines as long as real ones: 10 MB is ~400k lines.
        let (text, n) = ten_megabytes(|i| {
            format!(
                "[profile p{i}]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n\
                 aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n\
                 region = us-east-1 # home\ns3 =\n  addressing_style = path\n"
            )
        });
        let started = Instant::now();
        let file = config(&text).unwrap();
        let elapsed = started.elapsed();
        assert_eq!(file.sections().len(), n);
        // Only catches a quadratic step (hours for 400k lines), never load on the machine:
        // how fast it parses is measured by `benches/profile-compare`, not here.
        assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
        eprintln!("10 MB ({n} profiles) parsed in {elapsed:?}");
    }

    #[test]
    fn dense_ten_megabyte_files_parse_in_linear_time() {
        let _heavy = HEAVY
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // ~1M short lines, and one value of ~900k continuation lines: no quadratic step, no
        // hang. The bound only catches those (quadratic would take hours), not load noise.
        let (dense, n) = ten_megabytes(|i| {
            format!("[profile p{i}]\nregion = x\ns3 =\n  a = b\nlong = a\n  b\n  c\n")
        });
        let (one_value, _) = ten_megabytes(|i| {
            if i == 0 {
                "[default]\nk = v\n".to_owned()
            } else {
                "  continued\n".to_owned()
            }
        });
        let started = Instant::now();
        assert_eq!(config(&dense).unwrap().sections().len(), n);
        let file = config(&one_value).unwrap();
        assert!(file.sections()[0].properties()[0].value().len() > 8 << 20);
        let elapsed = started.elapsed();
        assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
    }

    #[test]
    fn sub_properties_are_parsed_and_found_case_insensitively() {
        let file = config("[profile a]\ns3 =\n  Addressing_Style = path\n  x = 1\n").unwrap();
        let p = &file.sections()[0].properties()[0];
        assert_eq!(p.sub("addressing_style"), Some("path"));
        assert_eq!(p.sub("ADDRESSING_STYLE"), Some("path"));
        assert_eq!(p.sub_properties().count(), 2);
    }

    #[test]
    fn debug_redacts_secrets() {
        let file = config(
            "[profile a]\naws_secret_access_key = s3cr3t\naws_session_token = t0k3n\nsub =\n  aws_secret_access_key = n3st3d\n",
        )
        .unwrap();
        let debug = format!("{file:?}");
        for secret in ["s3cr3t", "t0k3n", "n3st3d"] {
            assert!(!debug.contains(secret), "{debug}");
        }
    }
}
