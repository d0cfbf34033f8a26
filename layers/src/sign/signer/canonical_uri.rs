//! The canonical URI: the request path, optionally normalized, then encoded.

use super::encoding::{double_encode_path_into, single_encode_path_into};
use super::params::UriEncoding;

/// Appends the canonical URI of `path` (the path of the request URI, as on the wire).
pub(crate) fn write_canonical_uri(
    out: &mut String,
    path: &str,
    normalize: bool,
    encoding: UriEncoding,
) {
    let write_part: fn(&mut String, &str) = match encoding {
        UriEncoding::Double => double_encode_path_into,
        UriEncoding::Single => single_encode_path_into,
    };
    if normalize && needs_normalization(path) {
        write_normalized(out, path, write_part);
        return;
    }
    if !path.starts_with('/') {
        out.push('/');
    }
    write_part(out, path);
}

/// Whether `path` has something RFC 3986 dot-segment removal or `//` collapsing would
/// change. Cheap and allocation-free, so already-normal paths skip the real work.
fn needs_normalization(path: &str) -> bool {
    if !path.starts_with('/') {
        return true;
    }
    let mut segments = path.split('/').skip(1).peekable();
    while let Some(segment) = segments.next() {
        let is_last = segments.peek().is_none();
        match segment {
            "." | ".." => return true,
            "" if !is_last => return true,
            _ => {}
        }
    }
    false
}

/// RFC 3986 section 5.2.4 remove-dot-segments, with empty segments dropped as well, then
/// each kept segment written through `write_part`. The result is always absolute and
/// keeps a trailing slash when the input ends in `/`, `/.` or `/..`.
fn write_normalized(out: &mut String, path: &str, write_part: fn(&mut String, &str)) {
    let mut kept: Vec<&str> = Vec::with_capacity(path.len() / 2 + 1);
    let mut trailing_slash = false;
    for segment in path.split('/') {
        trailing_slash = matches!(segment, "" | "." | "..");
        match segment {
            "" | "." => {}
            ".." => {
                kept.pop();
            }
            other => kept.push(other),
        }
    }
    out.push('/');
    for (index, segment) in kept.iter().enumerate() {
        if index > 0 {
            out.push('/');
        }
        write_part(out, segment);
    }
    if trailing_slash && !kept.is_empty() {
        out.push('/');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(path: &str, normalize: bool, encoding: UriEncoding) -> String {
        let mut out = String::new();
        write_canonical_uri(&mut out, path, normalize, encoding);
        out
    }

    #[test]
    fn normalization_follows_rfc_3986() {
        let cases = [
            ("", "/"),
            ("/", "/"),
            ("/foo", "/foo"),
            ("foo", "/foo"),
            ("/foo/bar/", "/foo/bar/"),
            ("/.", "/"),
            ("/./", "/"),
            ("/./foo", "/foo"),
            ("/foo/bar/.", "/foo/bar/"),
            ("/foo/./bar/./", "/foo/bar/"),
            ("/..", "/"),
            ("/../foo", "/foo"),
            ("/foo/bar/..", "/foo/"),
            ("/foo/../bar/../", "/"),
            ("/a/b/c/./../../g", "/a/g"),
            ("mid/content=5/../6", "/mid/6"),
            ("//foo//", "/foo/"),
            ("//", "/"),
            ("/foo%2F.%2Fbar", "/foo%252F.%252Fbar"),
            ("/file.txt", "/file.txt"),
        ];
        for (input, expected) in cases {
            assert_eq!(
                canonical(input, true, UriEncoding::Double),
                expected,
                "{input:?}"
            );
        }
    }

    #[test]
    fn double_encoding_escapes_existing_escapes() {
        assert_eq!(
            canonical(
                "/test/@connections/JBDvjfGEIAMCERw%3D",
                true,
                UriEncoding::Double
            ),
            "/test/%40connections/JBDvjfGEIAMCERw%253D"
        );
        assert_eq!(canonical("/ሴ", false, UriEncoding::Double), "/%E1%88%B4");
    }

    #[test]
    fn single_encoding_keeps_the_wire_path() {
        assert_eq!(
            canonical("/bucket/a%20b/@key!(1)", false, UriEncoding::Single),
            "/bucket/a%20b/@key!(1)"
        );
        assert_eq!(
            canonical("/bucket//./key", false, UriEncoding::Single),
            "/bucket//./key"
        );
        assert_eq!(
            canonical("/bucket/ሴ\"{}", false, UriEncoding::Single),
            "/bucket/%E1%88%B4%22%7B%7D"
        );
    }
}
