//! Rust names for model names: `snake_case` members, `PascalCase` variants, `SCREAMING` statics.

/// `GetItem` → `get_item`, `SSECustomerKey` → `sse_customer_key`, `ListObjectsV2` →
/// `list_objects_v2`, `S3Key` → `s3_key`.
pub fn snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::with_capacity(name.len() + 4);
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !out.ends_with('_') && !out.is_empty() {
                out.push('_');
            }
            continue;
        }
        if c.is_ascii_uppercase() {
            let prev = if i > 0 {
                chars.get(i - 1).copied()
            } else {
                None
            };
            let next = chars.get(i + 1).copied();
            let boundary = match prev {
                None => false,
                Some(p) if p.is_ascii_lowercase() => true,
                Some(p) if p.is_ascii_digit() => {
                    // `V2Beta`: a digit then an uppercase starting a word.
                    next.is_some_and(|n| n.is_ascii_lowercase())
                }
                Some(p) if p.is_ascii_uppercase() => next.is_some_and(|n| n.is_ascii_lowercase()),
                _ => false,
            };
            if boundary && !out.ends_with('_') {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    let out = out.trim_matches('_').to_owned();
    if out.is_empty() {
        "value".to_owned()
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("n{out}")
    } else {
        out
    }
}

/// `snake` as an identifier: keywords get `r#` (or a suffix where `r#` is not allowed).
pub fn field(name: &str) -> String {
    escape(snake(name))
}

/// An identifier for already-snake text.
pub fn escape(s: String) -> String {
    const STRICT: &[&str] = &[
        "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn",
        "for", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref",
        "return", "static", "struct", "trait", "true", "type", "unsafe", "use", "where", "while",
        "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro", "override",
        "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
    ];
    if matches!(s.as_str(), "self" | "super" | "crate" | "Self") {
        return format!("{s}_value");
    }
    if STRICT.contains(&s.as_str()) {
        format!("r#{s}")
    } else {
        s
    }
}

/// `PAY_PER_REQUEST` → `PayPerRequest`, `application/json` → `ApplicationJson`, `SS` → `Ss`.
pub fn pascal(name: &str) -> String {
    let snake = snake(name);
    let mut out = String::new();
    for word in snake.split('_').filter(|w| !w.is_empty()) {
        let mut cs = word.chars();
        if let Some(first) = cs.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(cs);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, 'V');
    }
    if matches!(out.as_str(), "Self" | "Unknown") {
        out.push_str("Value");
    }
    out
}

/// `GetItemInput` → `GET_ITEM_INPUT`.
pub fn screaming(name: &str) -> String {
    snake(name).to_ascii_uppercase()
}

/// The text of a Rust string literal.
pub fn lit(s: &str) -> String {
    format!("{s:?}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_aws_sdk() {
        assert_eq!(snake("GetItem"), "get_item");
        assert_eq!(snake("SSECustomerKey"), "sse_customer_key");
        assert_eq!(snake("ListObjectsV2"), "list_objects_v2");
        assert_eq!(snake("TableName"), "table_name");
        assert_eq!(snake("ETag"), "e_tag");
        assert_eq!(snake("NULL"), "null");
        assert_eq!(field("Type"), "r#type");
        assert_eq!(pascal("PAY_PER_REQUEST"), "PayPerRequest");
        assert_eq!(pascal("SS"), "Ss");
        assert_eq!(pascal("application/json"), "ApplicationJson");
        assert_eq!(pascal("python3.9"), "Python39");
        assert_eq!(screaming("GetItemInput"), "GET_ITEM_INPUT");
    }
}
