//! Model documentation (HTML) as rustdoc markdown: converted, not pasted, so `cargo doc` builds
//! without warnings and nothing in it becomes a doctest.
//!
//! Paragraphs, lists, `<code>`, emphasis, notes and links become markdown; other tags are
//! dropped; text is unescaped, then escaped again for markdown (`[`, `]`, `<`, `>`, `*`, `_`,
//! backticks) so no text is read as a link, an HTML tag or emphasis; bare URLs become
//! autolinks; no line starts with indentation (which rustdoc would take for code).

/// The markdown of `html`, as lines without the comment prefix.
pub fn markdown(html: &str) -> Vec<String> {
    let mut c = Converter::default();
    c.run(html);
    c.finish()
}

/// The first sentence of `html`'s first paragraph, as one markdown line.
pub fn first_sentence(html: &str) -> String {
    let lines = markdown(html);
    let para: Vec<&str> = lines
        .iter()
        .map(String::as_str)
        .take_while(|l| !l.is_empty())
        .collect();
    let text = para.join(" ");
    let text = text.trim_start_matches("- ").to_owned();
    // The end of the first sentence: a period followed by a space, outside code spans.
    let mut in_code = false;
    let bytes: Vec<char> = text.chars().collect();
    let mut end = bytes.len();
    for (i, ch) in bytes.iter().enumerate() {
        match ch {
            '`' => in_code = !in_code,
            '.' if !in_code && bytes.get(i + 1).is_none_or(|n| *n == ' ') && i > 3 => {
                end = i + 1;
                break;
            }
            _ => {}
        }
    }
    let s: String = bytes.iter().take(end).collect();
    balance(s.trim())
}

/// Closes what a cut could leave open: a code span or emphasis.
fn balance(s: &str) -> String {
    let mut out = s.to_owned();
    if out.matches('`').count() % 2 == 1 {
        out.push('`');
    }
    if out.matches("**").count() % 2 == 1 {
        out.push_str("**");
    }
    out
}

#[derive(Default)]
struct Converter {
    out: String,
    /// Open list kinds (`true` for ordered) and their counters.
    lists: Vec<(bool, usize)>,
    code: usize,
    pre: usize,
    link: Option<String>,
    link_text: String,
}

impl Converter {
    fn run(&mut self, html: &str) {
        let mut rest = html;
        while !rest.is_empty() {
            match rest.find('<') {
                Some(0) => match rest.find('>') {
                    Some(end) => {
                        let tag = rest.get(1..end).unwrap_or("");
                        self.tag(tag);
                        rest = rest.get(end + 1..).unwrap_or("");
                    }
                    None => {
                        self.text(rest);
                        rest = "";
                    }
                },
                Some(i) => {
                    self.text(rest.get(..i).unwrap_or(""));
                    rest = rest.get(i..).unwrap_or("");
                }
                None => {
                    self.text(rest);
                    rest = "";
                }
            }
        }
    }

    fn para(&mut self) {
        let trimmed = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() && !self.out.ends_with("\n\n") {
            if self.out.ends_with('\n') {
                self.out.push('\n');
            } else {
                self.out.push_str("\n\n");
            }
        }
    }

    fn line(&mut self) {
        let trimmed = self.out.trim_end_matches([' ', '\t']).len();
        self.out.truncate(trimmed);
        if !self.out.is_empty() && !self.out.ends_with('\n') {
            self.out.push('\n');
        }
    }

    /// Whether the output ends with a fresh list marker.
    fn at_item_start(&self) -> bool {
        let last = self.out.rsplit('\n').next().unwrap_or("").trim_end();
        last == "-"
            || last.ends_with(":**")
            || (last.ends_with('.')
                && last.len() > 1
                && last
                    .trim_end_matches('.')
                    .chars()
                    .all(|c| c.is_ascii_digit()))
    }

    fn push(&mut self, s: &str) {
        if self.link.is_some() {
            self.link_text.push_str(s);
        } else {
            self.out.push_str(s);
        }
    }

    fn tag(&mut self, raw: &str) {
        let raw = raw.trim();
        let closing = raw.starts_with('/');
        let body = raw.trim_start_matches('/').trim_end_matches('/');
        let name: String = body
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        let in_list = !self.lists.is_empty();
        match (name.as_str(), closing) {
            // Paragraphs inside list items stay in the item.
            ("p" | "div", false) if in_list && !self.at_item_start() => self.line(),
            ("p" | "div", false) if in_list => {}
            ("p" | "div", true) if in_list => {}
            ("p" | "div", false) if self.at_item_start() => {}
            (
                "p" | "div" | "dl" | "important" | "note" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6",
                false,
            ) => {
                self.para();
                match name.as_str() {
                    "note" => self.push("**Note:** "),
                    "important" => self.push("**Important:** "),
                    n if n.starts_with('h') => self.push("**"),
                    _ => {}
                }
            }
            ("h1" | "h2" | "h3" | "h4" | "h5" | "h6", true) => {
                self.push("**");
                self.para();
            }
            ("p" | "div" | "dl" | "important" | "note", true) => self.para(),
            ("ul", false) => {
                self.para();
                self.lists.push((false, 0));
            }
            ("ol", false) => {
                self.para();
                self.lists.push((true, 0));
            }
            ("ul" | "ol", true) => {
                self.lists.pop();
                self.para();
            }
            ("li", false) => {
                self.line();
                let marker = match self.lists.last_mut() {
                    Some((true, n)) => {
                        *n += 1;
                        format!("{n}. ")
                    }
                    _ => "- ".to_owned(),
                };
                // Nested items are not indented (indentation would make code blocks).
                self.push(&marker);
            }
            ("li", true) => self.line(),
            ("dt", false) => {
                self.para();
                self.push("**");
            }
            ("dt", true) => {
                self.push("**");
                self.para();
            }
            ("dd", _) => self.para(),
            ("br", _) => self.line(),
            (
                "code" | "tt" | "kbd" | "userinput" | "replaceable" | "varname" | "filename",
                false,
            ) => {
                if self.code == 0 && self.pre == 0 {
                    self.push("`");
                }
                self.code += 1;
            }
            (
                "code" | "tt" | "kbd" | "userinput" | "replaceable" | "varname" | "filename",
                true,
            ) => {
                self.code = self.code.saturating_sub(1);
                if self.code == 0 && self.pre == 0 {
                    self.push("`");
                }
            }
            ("pre" | "programlisting" | "codeblock", false) => {
                self.para();
                self.out.push_str("```text\n");
                self.pre += 1;
            }
            ("pre" | "programlisting" | "codeblock", true) => {
                self.pre = self.pre.saturating_sub(1);
                self.line();
                self.out.push_str("```");
                self.para();
            }
            ("b" | "strong", _) if self.code == 0 && self.pre == 0 => self.push("**"),
            ("i" | "em" | "emphasis", _) if self.code == 0 && self.pre == 0 => self.push("*"),
            ("a", false) => {
                let href = attr(body, "href").filter(|h| h.starts_with("http"));
                self.link = Some(href.unwrap_or_default());
                self.link_text.clear();
            }
            ("a", true) => {
                if let Some(href) = self.link.take() {
                    let text = std::mem::take(&mut self.link_text);
                    let text = text.trim();
                    if href.is_empty() {
                        if !text.is_empty() {
                            self.out.push_str(text);
                        }
                    } else if text.is_empty() {
                        self.out.push_str(&format!("<{href}>"));
                    } else {
                        self.out.push_str(&format!("[{text}]({href})"));
                    }
                }
            }
            _ => {}
        }
    }

    fn text(&mut self, raw: &str) {
        let text = unescape(raw);
        if self.pre > 0 {
            self.out.push_str(&text);
            return;
        }
        // Whitespace collapses, as in HTML.
        let mut collapsed = String::with_capacity(text.len());
        let mut space = false;
        for ch in text.chars() {
            if ch.is_whitespace() {
                space = true;
            } else {
                if space {
                    collapsed.push(' ');
                }
                space = false;
                collapsed.push(ch);
            }
        }
        if space {
            collapsed.push(' ');
        }
        let at_line_start = self.link.is_none()
            && (self.out.is_empty()
                || self.out.ends_with('\n')
                || self.out.ends_with(' ') && self.at_item_start());
        let collapsed = if at_line_start {
            collapsed.trim_start().to_owned()
        } else {
            collapsed
        };
        let escaped = if self.code > 0 {
            collapsed.replace('`', "'")
        } else {
            escape_markdown(&collapsed)
        };
        self.push(&escaped);
    }

    fn finish(self) -> Vec<String> {
        let mut lines = Vec::new();
        let mut in_fence = false;
        for line in self.out.lines() {
            if line.starts_with("```") {
                in_fence = !in_fence;
                lines.push(line.to_owned());
                continue;
            }
            if in_fence {
                lines.push(line.trim_end().to_owned());
                continue;
            }
            let line = line.trim();
            if line.is_empty() {
                if lines.last().is_some_and(|l: &String| !l.is_empty()) {
                    lines.push(String::new());
                }
                continue;
            }
            wrap(line, 96, &mut lines);
        }
        if in_fence {
            lines.push("```".to_owned());
        }
        while lines.last().is_some_and(String::is_empty) {
            lines.pop();
        }
        lines
    }
}

/// Wraps a line at spaces outside code spans and links, continuing list items without
/// indentation (which markdown still joins into the item).
fn wrap(line: &str, width: usize, out: &mut Vec<String>) {
    if line.len() <= width {
        out.push(line.to_owned());
        return;
    }
    let mut cur = String::new();
    let mut in_code = false;
    let mut depth = 0i32;
    for word in line.split(' ') {
        let splittable = !in_code && depth == 0;
        if splittable && !cur.is_empty() && cur.len() + 1 + word.len() > width {
            out.push(std::mem::take(&mut cur));
        } else if !cur.is_empty() {
            cur.push(' ');
        }
        // A continuation line must not start like a list item, heading or quote.
        if cur.is_empty() && out.last().is_some() && starts_block(word) {
            cur.push('\\');
        }
        cur.push_str(word);
        for ch in word.chars() {
            match ch {
                '`' => in_code = !in_code,
                '[' | '(' if !in_code => depth += 1,
                ']' | ')' if !in_code => depth -= 1,
                _ => {}
            }
        }
        if depth < 0 {
            depth = 0;
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
}

fn starts_block(word: &str) -> bool {
    matches!(word, "-" | "+" | "*" | "#" | ">" | "=" | "|")
        || word.starts_with('#')
        || word.starts_with('>')
        || (word.ends_with('.')
            && word
                .trim_end_matches('.')
                .chars()
                .all(|c| c.is_ascii_digit())
            && word.len() > 1)
}

fn attr(tag: &str, name: &str) -> Option<String> {
    let i = tag.find(&format!("{name}="))?;
    let rest = tag.get(i + name.len() + 1..)?;
    let quote = rest.chars().next()?;
    if quote == '"' || quote == '\'' {
        let inner = rest.get(1..)?;
        let end = inner.find(quote)?;
        Some(unescape(inner.get(..end)?))
    } else {
        Some(rest.split_whitespace().next()?.to_owned())
    }
}

fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(rest.get(..i).unwrap_or(""));
        let after = rest.get(i..).unwrap_or("");
        let end = after.find(';').filter(|e| *e <= 10);
        let entity = end.and_then(|e| after.get(1..e));
        let decoded = entity.and_then(|e| match e {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            "nbsp" => Some(' '),
            _ if e.starts_with("#x") => u32::from_str_radix(e.get(2..)?, 16)
                .ok()
                .and_then(char::from_u32),
            _ if e.starts_with('#') => e.get(1..)?.parse().ok().and_then(char::from_u32),
            _ => None,
        });
        match (decoded, end) {
            (Some(ch), Some(e)) => {
                out.push(ch);
                rest = after.get(e + 1..).unwrap_or("");
            }
            _ => {
                out.push('&');
                rest = after.get(1..).unwrap_or("");
            }
        }
    }
    out.push_str(rest);
    out
}

fn escape_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    let mut first = true;
    for word in s.split(' ') {
        if !first {
            out.push(' ');
        }
        first = false;
        let bare_url =
            (word.starts_with("http://") || word.starts_with("https://")) && word.len() > 8;
        if bare_url {
            let url = word.trim_end_matches(['.', ',', ';', ':', ')']);
            let tail = word.get(url.len()..).unwrap_or("");
            out.push('<');
            out.push_str(url);
            out.push('>');
            out.push_str(&escape_text(tail));
        } else {
            out.push_str(&escape_text(word));
        }
    }
    out
}

fn escape_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '[' | ']' | '*' | '_' | '`' | '\\' | '|' => {
                out.push('\\');
                out.push(ch);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(ch),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paragraphs_in_list_items_stay_in_the_item() {
        assert_eq!(
            markdown(
                "<p>Uses:</p><ul><li><p>one</p></li><li><p>two</p><p>more</p></li></ul><p>End</p>"
            ),
            vec!["Uses:", "", "- one", "- two", "more", "", "End"]
        );
    }

    #[test]
    fn html_becomes_markdown() {
        let md = markdown(
            "<p>The <code>GetItem</code> operation returns a set of <i>attributes</i> for the item.</p> <ul> <li> <p>one [x]</p> </li><li>two <a href=\"https://example.com/a\">docs</a></li></ul><note><p>Use &lt;b&gt; wisely &amp; well.</p></note>",
        );
        assert_eq!(
            md,
            vec![
                "The `GetItem` operation returns a set of *attributes* for the item.",
                "",
                "- one \\[x\\]",
                "- two [docs](https://example.com/a)",
                "",
                "**Note:** Use &lt;b&gt; wisely & well.",
            ]
        );
        assert_eq!(
            first_sentence("<p>Creates a table. It takes time.</p>"),
            "Creates a table."
        );
        assert_eq!(
            markdown("see https://aws.amazon.com/x."),
            vec!["see <https://aws.amazon.com/x>."]
        );
        assert_eq!(markdown("    indented"), vec!["indented"]);
    }
}
