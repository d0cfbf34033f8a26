//! The small regular-expression subset of `partitions.json`'s `regionRegex`
//! (`^(us|eu|ap)\-\w+\-\d+$`): anchors, groups with alternatives, `\w`, `\d`, `.`, escaped
//! and literal characters, and the quantifiers `+`, `*` and `?`. Anything else is rejected
//! when the partitions are parsed, so an unsupported pattern is an error, not a wrong match.

/// The longest text [`RegionRegex::is_match`] looks at (a DNS name is at most 253).
pub(crate) const MAX_TEXT: usize = 256;

/// What one item matches once.
#[derive(Debug, Clone)]
enum Atom {
    Byte(u8),
    Any,
    Word,
    Digit,
    Group(Vec<Vec<Item>>),
}

/// An atom with its repetition bounds.
#[derive(Debug, Clone)]
struct Item {
    atom: Atom,
    min: usize,
    max: usize,
}

/// A compiled `regionRegex`.
#[derive(Debug, Clone)]
pub(crate) struct RegionRegex {
    alts: Vec<Vec<Item>>,
    anchored_start: bool,
    anchored_end: bool,
}

struct Parser<'a> {
    chars: std::iter::Peekable<std::str::Chars<'a>>,
    /// Open groups: parsing recurses into each, so their nesting is bounded.
    depth: usize,
}

/// The deepest nesting of groups accepted.
const MAX_DEPTH: usize = 16;

impl Parser<'_> {
    /// Alternatives up to the end or a `)` (not consumed).
    fn alts(&mut self, pattern: &str) -> Result<Vec<Vec<Item>>, String> {
        let mut alts = vec![Vec::new()];
        while let Some(&c) = self.chars.peek() {
            if c == ')' {
                break;
            }
            self.chars.next();
            let atom = match c {
                '|' => {
                    alts.push(Vec::new());
                    continue;
                }
                '(' => {
                    if self.depth == MAX_DEPTH {
                        return Err(format!("groups nested too deep in `{pattern}`"));
                    }
                    self.depth += 1;
                    let inner = self.alts(pattern)?;
                    self.depth -= 1;
                    if self.chars.next() != Some(')') {
                        return Err(format!("unclosed `(` in `{pattern}`"));
                    }
                    Atom::Group(inner)
                }
                '\\' => match self.chars.next() {
                    Some('w') => Atom::Word,
                    Some('d') => Atom::Digit,
                    Some(e) if e.is_ascii() && !e.is_ascii_alphanumeric() => Atom::Byte(e as u8),
                    Some(e) => return Err(format!("unsupported escape `\\{e}` in `{pattern}`")),
                    None => return Err(format!("trailing `\\` in `{pattern}`")),
                },
                '.' => Atom::Any,
                '[' | ']' | '{' | '}' | '^' | '$' | '+' | '*' | '?' => {
                    return Err(format!("unsupported `{c}` in region regex `{pattern}`"));
                }
                c if c.is_ascii() => Atom::Byte(c as u8),
                c => return Err(format!("non-ASCII `{c}` in region regex `{pattern}`")),
            };
            let (min, max) = match self.chars.peek() {
                Some('+') => (1, usize::MAX),
                Some('*') => (0, usize::MAX),
                Some('?') => (0, 1),
                _ => (1, 1),
            };
            if (min, max) != (1, 1) {
                self.chars.next();
            }
            if let Some(seq) = alts.last_mut() {
                seq.push(Item { atom, min, max });
            }
        }
        Ok(alts)
    }
}

impl RegionRegex {
    /// Compiles `pattern`, or says why it is outside the supported subset.
    pub(crate) fn new(pattern: &str) -> Result<Self, String> {
        let mut body = pattern;
        let anchored_start = body.starts_with('^');
        if anchored_start {
            body = &body[1..];
        }
        let anchored_end = body.ends_with('$') && !body.ends_with("\\$");
        if anchored_end {
            body = &body[..body.len() - 1];
        }
        let mut parser = Parser {
            chars: body.chars().peekable(),
            depth: 0,
        };
        let alts = parser.alts(pattern)?;
        if parser.chars.next().is_some() {
            return Err(format!("unbalanced `)` in `{pattern}`"));
        }
        Ok(RegionRegex {
            alts,
            anchored_start,
            anchored_end,
        })
    }

    /// Whether `text` matches. Text longer than [`MAX_TEXT`] never does (the matcher
    /// backtracks by recursion, a frame or so per character, and a region is a short name),
    /// nor does text that is not ASCII (a region never is).
    pub(crate) fn is_match(&self, text: &str) -> bool {
        if text.len() > MAX_TEXT || !text.is_ascii() {
            return false;
        }
        let s = text.as_bytes();
        let end_ok = |p: usize| !self.anchored_end || p == s.len();
        let starts = if self.anchored_start {
            0..=0
        } else {
            0..=s.len()
        };
        starts.into_iter().any(|start| {
            self.alts
                .iter()
                .any(|alt| match_seq(alt, s, start, &end_ok))
        })
    }
}

fn match_seq(items: &[Item], s: &[u8], pos: usize, k: &dyn Fn(usize) -> bool) -> bool {
    match items.split_first() {
        None => k(pos),
        Some((item, rest)) => match_rep(item, 0, s, pos, &|p| match_seq(rest, s, p, k)),
    }
}

/// `item` matched `count` times so far, greedily.
fn match_rep(item: &Item, count: usize, s: &[u8], pos: usize, k: &dyn Fn(usize) -> bool) -> bool {
    if count < item.max
        && match_atom(&item.atom, s, pos, &|p| {
            p != pos && match_rep(item, count + 1, s, p, k)
        })
    {
        return true;
    }
    count >= item.min && k(pos)
}

fn match_atom(atom: &Atom, s: &[u8], pos: usize, k: &dyn Fn(usize) -> bool) -> bool {
    let one = |ok: fn(u8) -> bool| s.get(pos).is_some_and(|&c| ok(c)) && k(pos + 1);
    match atom {
        Atom::Byte(c) => s.get(pos) == Some(c) && k(pos + 1),
        Atom::Any => one(|c| c != b'\n'),
        Atom::Word => one(|c| c.is_ascii_alphanumeric() || c == b'_'),
        Atom::Digit => one(|c| c.is_ascii_digit()),
        Atom::Group(alts) => alts.iter().any(|alt| match_seq(alt, s, pos, k)),
    }
}

#[cfg(test)]
mod tests {
    use super::RegionRegex;

    #[test]
    fn aws_patterns() {
        let aws = RegionRegex::new(r"^(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+$").unwrap();
        assert!(aws.is_match("us-east-1"));
        assert!(aws.is_match("mx-central-10"));
        assert!(!aws.is_match("cn-north-1"));
        assert!(!aws.is_match("us-east-1a"));
        assert!(!aws.is_match("us-east-"));
        // `\w+` backtracks: `gov-west` is one word run only up to the `-`.
        assert!(!aws.is_match("us-gov-west-1"));
        let gov = RegionRegex::new(r"^us\-gov\-\w+\-\d+$").unwrap();
        assert!(gov.is_match("us-gov-west-1"));
        let eusc = RegionRegex::new(r"^eusc\-(de)\-\w+\-\d+$").unwrap();
        assert!(eusc.is_match("eusc-de-east-1"));
        let opt = RegionRegex::new("^ab?c*$").unwrap();
        assert!(opt.is_match("a") && opt.is_match("abccc") && !opt.is_match("abb"));
        let unanchored = RegionRegex::new(r"\d+").unwrap();
        assert!(unanchored.is_match("x1y"));
        assert!(RegionRegex::new("^[a-z]+$").is_err());
        // Long input is refused, not a stack overflow.
        let long = format!("us-{}-1", "a".repeat(super::MAX_TEXT));
        assert!(!aws.is_match(&long));
        assert!(aws.is_match(&format!("us-{}-1", "a".repeat(200))));
        assert!(RegionRegex::new("^(a$").is_err());
        assert!(RegionRegex::new(&format!("{}a{}", "(".repeat(1000), ")".repeat(1000))).is_err());
    }
}
