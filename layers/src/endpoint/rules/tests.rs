//! Unit tests of the tricky functions and of the evaluator (the conformance suites are in
//! `layers/tests/integration/endpoint_rules.rs`).
use super::*;

fn partitions() -> Partitions {
    Partitions::from_json(
        r#"{"partitions": [
          {"id": "aws", "regionRegex": "^(us|eu)\\-\\w+\\-\\d+$",
           "regions": {"aws-global": {"description": "global"}, "us-east-1": {"supportsFIPS": false}},
           "outputs": {"name": "aws", "dnsSuffix": "amazonaws.com", "supportsFIPS": true}},
          {"id": "aws-cn", "regionRegex": "^cn\\-\\w+\\-\\d+$", "regions": {},
           "outputs": {"dnsSuffix": "amazonaws.com.cn"}}
        ]}"#,
    )
    .unwrap()
}

/// A rule set with one string parameter `P` (and `B`, a boolean) whose only endpoint rule
/// has `conditions` and `url`.
fn one_rule(conditions: &str, url: &str) -> RuleSet {
    RuleSet::from_json(&format!(
        r#"{{"version": "1.0",
            "parameters": {{"P": {{"type": "string"}}, "B": {{"type": "boolean"}},
                           "A": {{"type": "stringArray"}}}},
            "rules": [
              {{"conditions": {conditions}, "type": "endpoint", "endpoint": {{"url": {url}}}}},
              {{"conditions": [], "type": "error", "error": "fallthrough"}}
            ]}}"#
    ))
    .unwrap()
}

fn url(rules: &RuleSet, params: Params) -> String {
    match rules.resolve(&params, &partitions()) {
        Ok(ep) => ep.url,
        Err(e) => format!("error: {e}"),
    }
}

#[test]
fn uri_encode_reserved_unicode_and_empty() {
    assert_eq!(uri_encode("abc-_.~XYZ019"), "abc-_.~XYZ019");
    assert_eq!(uri_encode("a b/c:d?e"), "a%20b%2Fc%3Ad%3Fe");
    assert_eq!(uri_encode("%"), "%25");
    assert_eq!(uri_encode("😹"), "%F0%9F%98%B9");
    assert_eq!(uri_encode("é"), "%C3%A9");
    assert_eq!(uri_encode(""), "");
}

#[test]
fn parse_url_hosts_ports_paths() {
    let u = parse_url("https://example.com").unwrap();
    assert_eq!(
        (u.scheme.as_str(), u.authority.as_str(), u.path.as_str()),
        ("https", "example.com", "")
    );
    assert_eq!(u.normalized_path, "/");
    assert!(!u.is_ip);

    let u = parse_url("http://example.com:8080/a/b").unwrap();
    assert_eq!(u.authority, "example.com:8080");
    assert_eq!(u.path, "/a/b");
    assert_eq!(u.normalized_path, "/a/b/");

    let u = parse_url("https://example.com/").unwrap();
    assert_eq!((u.path.as_str(), u.normalized_path.as_str()), ("/", "/"));

    let u = parse_url("http://127.0.0.1:9000/base/").unwrap();
    assert!(u.is_ip);
    assert_eq!(u.normalized_path, "/base/");

    let u = parse_url("https://[2001:db8::1]:443/p").unwrap();
    assert!(u.is_ip);
    assert_eq!(u.authority, "[2001:db8::1]:443");
    assert_eq!(u.path, "/p");
    let u = parse_url("http://[::1]").unwrap();
    assert!(u.is_ip);
    assert_eq!(u.authority, "[::1]");

    // Digits-and-dots that are not an address are a host name.
    assert!(!parse_url("https://999.999.abc.blah").unwrap().is_ip);
    assert!(!parse_url("https://999.1.1.1").unwrap().is_ip);

    for bad in [
        "ftp://example.com",
        "example.com",
        "https://",
        "https://example.com:port/",
        "https://example.com:99999",
        "https://example.com:",
        "https://example.com/p?q=1",
        "https://example.com/#frag",
        "https://[not-ipv6]/",
        "https://[::1]x/",
        "https://user@example.com/",
    ] {
        assert_eq!(parse_url(bad), None, "{bad}");
    }
}

#[test]
fn host_labels_with_and_without_subdomains() {
    assert!(is_valid_host_label("us-east-1", false));
    assert!(is_valid_host_label("3aws4", false));
    assert!(is_valid_host_label("a", false));
    assert!(is_valid_host_label("ends-", false));
    assert!(is_valid_host_label(&"a".repeat(63), false));
    assert!(!is_valid_host_label(&"a".repeat(64), false));
    assert!(!is_valid_host_label("", false));
    assert!(!is_valid_host_label("-start", false));
    assert!(!is_valid_host_label("has space", false));
    assert!(!is_valid_host_label("a.b", false));
    assert!(is_valid_host_label("a.b", true));
    assert!(is_valid_host_label("part1.part2.part3", true));
    assert!(!is_valid_host_label("a..b", true));
    assert!(!is_valid_host_label(".a", true));
    assert!(!is_valid_host_label("a.", true));
    assert!(!is_valid_host_label("a.-b", true));
}

#[test]
fn arns_split_their_resource_on_colons_and_slashes() {
    let arn = Arn::parse("arn:aws:s3:us-west-2:123456789012:accesspoint/my-ap:extra").unwrap();
    assert_eq!(arn.partition, "aws");
    assert_eq!(arn.service, "s3");
    assert_eq!(arn.region, "us-west-2");
    assert_eq!(arn.account_id, "123456789012");
    assert_eq!(arn.resource_id, ["accesspoint", "my-ap", "extra"]);

    let arn = Arn::parse("arn:aws:s3:::bucket").unwrap();
    assert_eq!((arn.region.as_str(), arn.account_id.as_str()), ("", ""));
    assert_eq!(arn.resource_id, ["bucket"]);
    let arn = Arn::parse("arn:aws:s3:r:a:outpost::").unwrap();
    assert_eq!(arn.resource_id, ["outpost", "", ""]);

    for bad in [
        "asdf",
        "arn:aws:s3:us-west-2:123456789012",
        "arn:aws:s3:us-west-2:123456789012:",
        "arn::s3:us-west-2:1:r",
        "arn:aws::us-west-2:1:r",
        "nra:aws:s3:us-west-2:1:r",
    ] {
        assert_eq!(Arn::parse(bad), None, "{bad}");
    }

    let v = Arn::parse("arn:aws:s3:r:a:x/y").unwrap().to_value();
    let r = v.as_record().unwrap();
    assert_eq!(r.get("accountId"), Some(&Value::from("a")));
    assert_eq!(r.get("resourceId"), Some(&Value::from(vec!["x", "y"])));
}

#[test]
fn virtual_hostable_buckets() {
    for ok in ["bucket-name", "abc", "a1b", "bucket-with-number-1"] {
        assert!(is_virtual_hostable_s3_bucket(ok, false), "{ok}");
    }
    assert!(is_virtual_hostable_s3_bucket(&"a".repeat(63), false));
    for bad in [
        "ab",
        "BucketName",
        "bucket_name",
        "-bucket",
        "bucket-",
        "bucket.name",
    ] {
        assert!(!is_virtual_hostable_s3_bucket(bad, false), "{bad}");
    }
    assert!(!is_virtual_hostable_s3_bucket(&"a".repeat(64), false));
    assert!(is_virtual_hostable_s3_bucket("bucket.name", true));
    assert!(is_virtual_hostable_s3_bucket("a.b.c", true));
    assert!(is_virtual_hostable_s3_bucket("999.1.1.1", true));
    for bad in [
        "192.168.5.4",
        ".bucket",
        "bucket.",
        "bucket-.name",
        "bucket.-name",
        "bucket..name",
    ] {
        assert!(!is_virtual_hostable_s3_bucket(bad, true), "{bad}");
    }
}

#[test]
fn substrings_forwards_and_reversed() {
    assert_eq!(substring("abcdefg", 0, 4, false), Some("abcd"));
    assert_eq!(substring("abcdefg", 2, 7, false), Some("cdefg"));
    assert_eq!(substring("abcdefg", 0, 4, true), Some("defg"));
    assert_eq!(substring("abcdefg", 1, 3, true), Some("ef"));
    assert_eq!(substring("abcdefg", 0, 7, true), Some("abcdefg"));
    assert_eq!(substring("abcdefg", 0, 8, false), None);
    assert_eq!(substring("abcdefg", 3, 3, false), None);
    assert_eq!(substring("abcdefg", 4, 2, false), None);
    assert_eq!(substring("abcdéfg", 0, 2, false), None);
    assert_eq!(substring("", 0, 1, false), None);
}

#[test]
fn templates_with_attribute_paths_and_escapes() {
    let rules = one_rule(
        r#"[{"fn": "isSet", "argv": [{"ref": "P"}]},
            {"fn": "aws.partition", "argv": [{"ref": "P"}], "assign": "part"},
            {"fn": "aws.parseArn", "argv": ["arn:aws:s3:r:acct:res/a/b"], "assign": "arn"}]"#,
        r#""https://{{lit}}.{P}.{part#dnsSuffix}/{arn#resourceId[2]}/}}{part#name}""#,
    );
    assert_eq!(
        url(&rules, Params::new().set("P", "cn-north-1")),
        "https://{lit}.cn-north-1.amazonaws.com.cn/b/}aws-cn"
    );
    // A region listed by the partition takes its overrides; unknown regions fall back to aws.
    assert_eq!(
        url(&rules, Params::new().set("P", "mars-1")),
        "https://{lit}.mars-1.amazonaws.com/b/}aws"
    );
    assert_eq!(url(&rules, Params::new()), "error: fallthrough");
}

#[test]
fn get_attr_paths_and_out_of_range_indexes() {
    let rules = one_rule(
        r#"[{"fn": "getAttr", "argv": [{"ref": "A"}, "[1]"], "assign": "second"},
            {"fn": "aws.parseArn", "argv": ["arn:aws:s3:r:acct:x:y"], "assign": "arn"},
            {"fn": "getAttr", "argv": [{"ref": "arn"}, "resourceId[1]"], "assign": "y"}]"#,
        r#""https://{second}.{y}""#,
    );
    assert_eq!(
        url(&rules, Params::new().set("A", vec!["a", "b"])),
        "https://b.y"
    );
    // Index out of range: no value, so the condition fails.
    assert_eq!(
        url(&rules, Params::new().set("A", vec!["a"])),
        "error: fallthrough"
    );
}

#[test]
fn not_and_boolean_equals_on_unset_values() {
    let rules = one_rule(
        r#"[{"fn": "not", "argv": [{"fn": "booleanEquals", "argv": [{"ref": "B"}, true]}]}]"#,
        r#""https://not-true""#,
    );
    assert_eq!(url(&rules, Params::new()), "https://not-true");
    assert_eq!(
        url(&rules, Params::new().set("B", false)),
        "https://not-true"
    );
    assert_eq!(
        url(&rules, Params::new().set("B", true)),
        "error: fallthrough"
    );
}

#[test]
fn parameters_defaults_required_and_types() {
    let rules = RuleSet::from_json(
        r#"{"version": "1.0",
            "parameters": {
              "Region": {"type": "String", "builtIn": "AWS::Region", "required": true},
              "UseFIPS": {"type": "Boolean", "builtIn": "AWS::UseFIPS", "required": true,
                          "default": false, "documentation": "fips"}},
            "rules": [{"conditions": [], "type": "endpoint", "endpoint": {
              "url": "https://{Region}",
              "headers": {"x-fips": ["{Region}", "v"]},
              "properties": {"authSchemes": [{"name": "sigv4a", "signingName": "s",
                 "signingRegionSet": ["*"], "disableDoubleEncoding": true}], "n": {"k": false}}}}]}"#,
    )
    .unwrap();
    let fips = rules.parameter_for_built_in("AWS::UseFIPS").unwrap();
    assert_eq!(fips.name(), "UseFIPS");
    assert_eq!(fips.param_type(), ParamType::Boolean);
    assert_eq!(fips.default(), Some(&Value::Bool(false)));
    assert_eq!(fips.documentation(), Some("fips"));
    assert!(fips.required());
    assert_eq!(rules.parameters().len(), 2);

    let err = rules.resolve(&Params::new(), &partitions()).unwrap_err();
    assert_eq!(err, ResolveError::MissingParameter("Region".into()));
    let err = rules
        .resolve(&Params::new().set("Region", true), &partitions())
        .unwrap_err();
    assert!(
        matches!(err, ResolveError::InvalidParameter { .. }),
        "{err}"
    );

    let ep = rules
        .resolve(&Params::new().set("Region", "r"), &partitions())
        .unwrap();
    assert_eq!(
        ep.headers,
        [("x-fips".to_owned(), vec!["r".to_owned(), "v".to_owned()])]
    );
    let schemes = ep.auth_schemes();
    assert_eq!(
        schemes,
        [AuthScheme {
            name: "sigv4a".into(),
            signing_name: Some("s".into()),
            signing_region: None,
            signing_region_set: vec!["*".into()],
            disable_double_encoding: Some(true),
        }]
    );
    assert_eq!(ep.properties_json()["n"], serde_json::json!({"k": false}));
}

#[test]
fn malformed_rule_sets_are_errors_not_panics() {
    let cases = [
        ("", "not JSON"),
        ("[]", "no `parameters`"),
        (r#"{"parameters": {}}"#, "no `rules`"),
        (
            r#"{"parameters": {"P": {"type": "int"}}, "rules": []}"#,
            "unknown type",
        ),
        (
            r#"{"parameters": {"P": {"type": "string", "default": true}}, "rules": []}"#,
            "default is a boolean",
        ),
        (
            r#"{"parameters": {}, "rules": [{"conditions": [{"fn": "nope", "argv": []}],
               "type": "error", "error": "x"}]}"#,
            "unknown function `nope`",
        ),
        (
            r#"{"parameters": {}, "rules": [{"conditions": [{"fn": "isSet", "argv": [{"ref": "X"}]}],
               "type": "error", "error": "x"}]}"#,
            "unknown `X`",
        ),
        (
            r#"{"parameters": {}, "rules": [{"conditions": [], "type": "endpoint", "endpoint": {}}]}"#,
            "needs a `url`",
        ),
        (
            r#"{"parameters": {}, "rules": [{"conditions": [], "type": "endpoint",
               "endpoint": {"url": "https://{unclosed"}}]}"#,
            "unclosed",
        ),
        (
            r#"{"parameters": {}, "rules": [{"conditions": [], "type": "what"}]}"#,
            "unknown rule type",
        ),
        (
            r#"{"parameters": {"P": {"type": "string"}}, "rules": [{"conditions": [
                 {"fn": "getAttr", "argv": [{"ref": "P"}, "a[x]"]}], "type": "error", "error": "x"}]}"#,
            "invalid getAttr path",
        ),
        // An assigned name is only in scope inside its own rule.
        (
            r#"{"parameters": {"P": {"type": "string"}}, "rules": [
                 {"conditions": [{"fn": "aws.parseArn", "argv": [{"ref": "P"}], "assign": "a"}],
                  "type": "error", "error": "x"},
                 {"conditions": [], "type": "error", "error": "{a#region}"}]}"#,
            "unknown `a`",
        ),
    ];
    for (json, want) in cases {
        match RuleSet::from_json(json) {
            Ok(_) => panic!("{json} should be rejected"),
            Err(e) => assert!(e.to_string().contains(want), "{json}: {e}"),
        }
    }
}

#[test]
fn partitions_overrides_and_fallback() {
    let p = partitions();
    let get = |region: &str, key: &str| {
        p.resolve(region)
            .and_then(Value::as_record)
            .and_then(|r| r.get(key))
            .cloned()
    };
    assert_eq!(get("us-east-1", "supportsFIPS"), Some(Value::Bool(false)));
    assert_eq!(get("us-west-2", "supportsFIPS"), Some(Value::Bool(true)));
    assert_eq!(get("aws-global", "description"), None);
    assert_eq!(get("cn-north-1", "name"), Some(Value::from("aws-cn")));
    assert_eq!(get("nowhere", "name"), Some(Value::from("aws")));
    assert!(
        Partitions::from_json(
            r#"{"partitions": [{"id": "x", "regionRegex": "[a]", "outputs": {}}]}"#
        )
        .is_err()
    );
    assert!(Partitions::from_json("{}").is_err());
}

#[test]
fn split_like_the_reference() {
    let cases: [(&str, &str, usize, &[&str]); 10] = [
        ("a--b--c", "--", 0, &["a", "b", "c"]),
        ("a--b--c", "--", 2, &["a", "b--c"]),
        ("--b--", "--", 0, &["", "b", ""]),
        ("abc", "x", 0, &["abc"]),
        ("", "--", 0, &[""]),
        ("----", "--", 0, &["", "", ""]),
        ("a--b--c--d", "--", 3, &["a", "b", "c--d"]),
        ("mybucket", "--", 1, &["mybucket"]),
        (
            "--x-s3--azid--suffix",
            "--",
            4,
            &["", "x-s3", "azid", "suffix"],
        ),
        ("--x-s3--azid--suffix", "--", 2, &["", "x-s3--azid--suffix"]),
    ];
    for (input, delimiter, limit, want) in cases {
        assert_eq!(
            split(input, delimiter, limit).as_deref(),
            Some(want),
            "{input} {delimiter} {limit}"
        );
    }
    assert_eq!(split("abc", "", 0), None);
}

#[test]
fn coalesce_ite_and_split_in_rules() {
    let rules = one_rule(
        r#"[{"fn": "coalesce", "argv": [{"ref": "P"}, "fallback"], "assign": "p"},
            {"fn": "ite", "argv": [{"fn": "coalesce", "argv": [{"ref": "B"}, false]}, "-on", "-off"],
             "assign": "suffix"},
            {"fn": "split", "argv": ["{p}", "--", 0], "assign": "parts"},
            {"fn": "getAttr", "argv": [{"ref": "parts"}, "[0]"], "assign": "first"}]"#,
        r#""https://{first}{suffix}""#,
    );
    assert_eq!(url(&rules, Params::new()), "https://fallback-off");
    assert_eq!(
        url(&rules, Params::new().set("P", "x--y").set("B", true)),
        "https://x-on"
    );
    // `coalesce` returns the first set value even when it is `false`, which fails a
    // condition.
    let rules = one_rule(
        r#"[{"fn": "coalesce", "argv": [{"ref": "B"}, true]}]"#,
        r#""https://set""#,
    );
    assert_eq!(url(&rules, Params::new()), "https://set");
    assert_eq!(
        url(&rules, Params::new().set("B", false)),
        "error: fallthrough"
    );
    assert!(
        RuleSet::from_json(
            r#"{"parameters": {}, "rules": [{"conditions": [{"fn": "coalesce", "argv": [true]}],
            "type": "error", "error": "x"}]}"#
        )
        .is_err()
    );
}

#[test]
fn an_exhausted_tree_is_an_error_not_a_fall_through() {
    let rules = RuleSet::from_json(
        r#"{"parameters": {"B": {"type": "boolean"}}, "rules": [
             {"conditions": [], "type": "tree", "rules": [
               {"conditions": [{"fn": "isSet", "argv": [{"ref": "B"}]}], "type": "endpoint",
                "endpoint": {"url": "https://b"}}]},
             {"conditions": [], "type": "endpoint", "endpoint": {"url": "https://after"}}]}"#,
    )
    .unwrap();
    let p = partitions();
    assert_eq!(
        rules
            .resolve(&Params::new().set("B", true), &p)
            .unwrap()
            .url,
        "https://b"
    );
    assert_eq!(
        rules.resolve(&Params::new(), &p).unwrap_err(),
        ResolveError::NoRuleMatched
    );
}

#[test]
fn parse_url_ip_detection_like_the_reference() {
    assert!(parse_url("http://010.0.0.1").unwrap().is_ip);
    assert!(!parse_url("http://256.0.0.1").unwrap().is_ip);
    assert!(!parse_url("http://1.2.3").unwrap().is_ip);
    assert!(!parse_url("http://1.2.3.4.5").unwrap().is_ip);
}
