use super::*;

/// Reads the one string `json` holds.
fn string(json: &str) -> CodecResult<String> {
    let mut s = Scanner::new(json.as_bytes());
    assert_eq!(s.peek()?, Next::String);
    let v = s.string()?.into_owned();
    s.finish()?;
    Ok(v)
}

fn error(json: &[u8]) -> String {
    let mut s = Scanner::new(json);
    let r = s.skip(MAX).and_then(|()| s.finish());
    r.expect_err("an error").to_string()
}

const MAX: usize = 128;

#[test]
fn plain_strings_are_borrowed_from_the_text() {
    let mut s = Scanner::new(r#""plain é 漢字""#.as_bytes());
    s.peek().unwrap();
    assert!(matches!(s.string().unwrap(), Cow::Borrowed("plain é 漢字")));
}

#[test]
fn strings_of_every_length_around_the_eight_byte_chunks_end_where_they_do() {
    for len in 0..40 {
        let body: String = (0..len)
            .map(|i| char::from(b'a' + (i % 26) as u8))
            .collect();
        for end in ["\"", "\\n\"", "\\u00e9\""] {
            let json = format!("\"{body}{end},1");
            let mut s = Scanner::new(json.as_bytes());
            s.peek().unwrap();
            let v = s.string().unwrap();
            let want = match end {
                "\"" => body.clone(),
                "\\n\"" => format!("{body}\n"),
                _ => format!("{body}é"),
            };
            assert_eq!(v, want, "{json}");
            assert_eq!(&json.as_bytes()[s.pos()..], b",1", "{json}");
        }
    }
}

#[test]
fn every_escape_is_decoded() {
    assert_eq!(
        string(r#""\"\\\/\b\f\n\r\t\u0041\u00e9\u20AC""#).unwrap(),
        "\"\\/\u{8}\u{c}\n\r\tAé€"
    );
    assert_eq!(string(r#""a\nb""#).unwrap(), "a\nb");
    assert_eq!(string(r#""\u0000""#).unwrap(), "\0");
}

#[test]
fn surrogate_pairs_are_one_character_and_lone_surrogates_an_error() {
    assert_eq!(string(r#""\ud83d\ude00 x""#).unwrap(), "😀 x");
    assert_eq!(string(r#""\uD834\uDD1E""#).unwrap(), "𝄞");
    for bad in [
        r#""\ud800""#,
        r#""\ud800x""#,
        r#""\ud800\n""#,
        r#""\ud800\u0041""#,
        r#""\udc00""#,
        r#""\udc00\ud800""#,
    ] {
        let e = string(bad).unwrap_err().to_string();
        assert!(e.contains("surrogate"), "{bad}: {e}");
    }
}

#[test]
fn bad_escapes_and_raw_control_characters_are_errors() {
    for (bad, says) in [
        (r#""\x""#, "invalid escape"),
        (r#""\u12g4""#, "invalid escape"),
        (r#""\u12"#, "EOF while parsing a string"),
        (r#""\"#, "EOF while parsing a string"),
        ("\"a\tb\"", "control character"),
        ("\"a\nb\"", "control character"),
        (r#""abc"#, "EOF while parsing a string"),
        (r#""abc\"#, "EOF while parsing a string"),
    ] {
        let e = string(bad).unwrap_err().to_string();
        assert!(e.contains(says), "{bad}: {e}");
    }
}

#[test]
fn invalid_utf8_is_an_error_only_where_it_is_read() {
    let mut s = Scanner::new(b"[\"\xff\", \"ok\"]");
    s.peek().unwrap();
    assert!(s.array_first().unwrap());
    s.peek().unwrap();
    let e = s.string().unwrap_err().to_string();
    assert!(e.contains("invalid unicode"), "{e}");
    // Skipped, it is not read.
    let mut s = Scanner::new(b"[\"\xff\", \"ok\"]");
    s.skip(MAX).unwrap();
    s.finish().unwrap();
    // The rest of such a text reads as usual, escapes too.
    let mut s = Scanner::new(b"[\"\xff\", \"o\\nk\xc3\xa9\"]");
    s.peek().unwrap();
    s.array_first().unwrap();
    s.skip(MAX).unwrap();
    assert!(s.array_next().unwrap());
    s.peek().unwrap();
    assert_eq!(s.string().unwrap(), "o\nké");
}

#[test]
fn numbers_follow_json_grammar() {
    for good in [
        "0",
        "-0",
        "7",
        "-12",
        "1.5",
        "-0.25",
        "1e3",
        "1E+3",
        "2.5e-7",
        "123456789012345678901234",
    ] {
        let mut s = Scanner::new(good.as_bytes());
        assert_eq!(s.peek().unwrap(), Next::Number);
        assert_eq!(s.number().unwrap(), good);
        s.finish().unwrap();
    }
    for bad in [
        "-", "1.", ".5", "1e", "1e+", "-x", "01", "1.5.3", "+1", "0x10", "1ee3",
    ] {
        let mut s = Scanner::new(bad.as_bytes());
        let r = s.skip(MAX).and_then(|()| s.finish());
        assert!(r.is_err(), "{bad} read as a number");
    }
}

#[test]
fn literals_must_be_whole() {
    for good in ["null", "true", "false", " true "] {
        let mut s = Scanner::new(good.as_bytes());
        s.skip(MAX).unwrap();
        s.finish().unwrap();
    }
    assert!(error(b"nul").contains("EOF"));
    assert!(error(b"nulL").contains("expected ident"));
    assert!(error(b"tru").contains("EOF"));
    assert!(error(b"fals3").contains("expected ident"));
    assert!(error(b"truex").contains("trailing characters"));
}

#[test]
fn structure_errors_say_what_was_expected_and_where() {
    for (bad, says) in [
        (&b"[1,]"[..], "trailing comma at line 1 column 4"),
        (b"{\"a\":1,}", "trailing comma"),
        (b"[1 2]", "expected `,` or `]`"),
        (b"{\"a\":1 \"b\":2}", "expected `,` or `}`"),
        (b"{\"a\" 1}", "expected `:`"),
        (b"{1:2}", "key must be a string"),
        (b"{\"a\":1,2}", "key must be a string"),
        (b"[", "EOF while parsing a list"),
        (b"[1", "EOF while parsing a list"),
        (b"{", "EOF while parsing an object"),
        (b"{\"a\"", "EOF while parsing an object"),
        (b"{\"a\":", "EOF while parsing a value"),
        (b"{\"a\":1", "EOF while parsing an object"),
        (b"\n\n  ]", "expected value at line 3 column 3"),
        (b"[1] [2]", "trailing characters"),
    ] {
        let e = error(bad);
        assert!(e.contains(says), "{}: {e}", String::from_utf8_lossy(bad));
    }
}

#[test]
fn skip_steps_over_whole_values() {
    let json = br#"{"a": [1, -2.5e3, "x\"]", {"b": null, "c": [true, false, {}]}, []], "d": {}} ,"#;
    let mut s = Scanner::new(json);
    s.skip(MAX).unwrap();
    assert_eq!(&json[s.pos()..], b" ,");
}

#[test]
fn skip_nesting_is_bounded() {
    let deep = "[".repeat(100_000);
    assert!(error(deep.as_bytes()).contains("nested too deeply"));
    let deep = "{\"a\":".repeat(100_000);
    assert!(error(deep.as_bytes()).contains("nested too deeply"));
    let fine = format!("{}{}", "[".repeat(MAX), "]".repeat(MAX));
    let mut s = Scanner::new(fine.as_bytes());
    s.skip(MAX).unwrap();
}

#[test]
fn truncated_text_is_an_error_at_every_length() {
    let json = br#"{"k": ["s\u00e9\n", 1.5e3, true, null, {"m": false}], "x": "\ud83d\ude00"}"#;
    let mut s = Scanner::new(json);
    s.skip(MAX).unwrap();
    for len in 0..json.len() {
        let e = error(&json[..len]);
        assert!(e.starts_with("malformed JSON"), "{len}: {e}");
    }
}

#[test]
fn positions_count_lines_and_columns_from_one() {
    assert_eq!(position(b"abc", 0), "line 1 column 1");
    assert_eq!(position(b"abc", 2), "line 1 column 3");
    assert_eq!(position(b"a\nbc", 3), "line 2 column 2");
    assert_eq!(position(b"a\n", 2), "line 2 column 1");
    assert_eq!(position(b"ab", 9), "line 1 column 3");
}
