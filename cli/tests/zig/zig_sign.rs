//! `zig sign` run as a process over the AWS signing test suite: every v4 case, header and
//! query signing, each part (`--only`) compared byte for byte with the suite's files; every
//! complete v4a case's canonical request and string to sign (its signatures are not
//! repeatable: the signed request is compared with the signature masked); and bad files.
//!
//! The suite lives outside the repository: `$ZIGGURAT_CONFORMANCE`, or the first
//! `shared/conformance` found walking up from this package; without it the suite tests print
//! `SKIPPED: ...` and pass.
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn zig(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_zig"))
        .args(args)
        .output()
        .expect("run zig")
}

fn suite_dir() -> Option<PathBuf> {
    let conformance = match std::env::var_os("ZIGGURAT_CONFORMANCE") {
        Some(dir) => Some(PathBuf::from(dir)),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|dir| dir.join("shared").join("conformance"))
            .find(|dir| dir.is_dir()),
    };
    let suite = conformance.map(|dir| dir.join("sigv4-signing-test-suite"));
    match suite {
        Some(suite) if suite.join("v4").is_dir() && suite.join("v4a").is_dir() => Some(suite),
        other => {
            // Straight to stderr: the test harness captures `eprintln!`.
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: sigv4 suite not found at {} (set ZIGGURAT_CONFORMANCE, or put it in \
                 shared/conformance/sigv4-signing-test-suite above {})",
                other.map_or_else(|| "<nowhere>".to_owned(), |p| p.display().to_string()),
                env!("CARGO_MANIFEST_DIR"),
            );
            None
        }
    }
}

fn cases(dir: &Path) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.is_dir())
        .collect();
    cases.sort();
    cases
}

/// `zig sign` on one case; the standard output, or a failure description.
fn sign(case: &Path, extra: &[&str]) -> Result<Vec<u8>, String> {
    let request = case.join("request.txt");
    let context = case.join("context.json");
    let mut args = vec![
        "sign",
        "--request",
        request.to_str().unwrap(),
        "--context",
        context.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let out = zig(&args);
    if out.status.success() {
        Ok(out.stdout)
    } else {
        Err(format!(
            "zig {args:?} failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

const PARTS: [(&str, &str); 4] = [
    ("canonical-request", "canonical-request.txt"),
    ("string-to-sign", "string-to-sign.txt"),
    ("signature", "signature.txt"),
    ("signed-request", "signed-request.txt"),
];

fn show(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn every_v4_case_header_and_query_byte_for_byte() {
    let Some(suite) = suite_dir() else {
        return;
    };
    let cases = cases(&suite.join("v4"));
    assert!(cases.len() >= 38, "only {} v4 cases", cases.len());
    let mut failures = Vec::new();
    let mut checks = 0;
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy();
        for (mode, flags) in [("header", &[][..]), ("query", &["--query"][..])] {
            for (part, file) in PARTS {
                let expected = std::fs::read(case.join(format!("{mode}-{file}"))).unwrap();
                let mut args = flags.to_vec();
                args.extend(["--only", part]);
                checks += 1;
                match sign(case, &args) {
                    Ok(actual) if actual == expected => {}
                    Ok(actual) => failures.push(format!(
                        "v4/{name} {mode} {part}:\n  expected {:?}\n  actual   {:?}",
                        show(&expected),
                        show(&actual)
                    )),
                    Err(error) => failures.push(format!("v4/{name} {mode} {part}: {error}")),
                }
            }
        }
    }
    let _ = writeln!(
        std::io::stderr(),
        "zig sign: {} v4 cases, {checks} comparisons, {} failures",
        cases.len(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Replaces the hex after `Signature=` by `<sig>`.
fn mask_signature(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("Signature=") {
        let (before, after) = rest.split_at(at + "Signature=".len());
        out.push_str(before);
        out.push_str("<sig>");
        let end = after
            .find(|c: char| !c.is_ascii_hexdigit())
            .unwrap_or(after.len());
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn every_complete_v4a_case_canonical_request_and_string_to_sign() {
    let Some(suite) = suite_dir() else {
        return;
    };
    let mut failures = Vec::new();
    let mut complete = 0;
    for case in cases(&suite.join("v4a")) {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        if !case.join("header-canonical-request.txt").is_file() {
            let _ = writeln!(
                std::io::stderr(),
                "skipped v4a/{name}: incomplete case, no expected output"
            );
            continue;
        }
        complete += 1;
        for (mode, flags) in [("header", &[][..]), ("query", &["--query"][..])] {
            for (part, file) in &PARTS[..2] {
                let expected = std::fs::read(case.join(format!("{mode}-{file}"))).unwrap();
                let mut args = flags.to_vec();
                args.extend(["--v4a", "--only", part]);
                match sign(&case, &args) {
                    Ok(actual) if actual == expected => {}
                    Ok(actual) => failures.push(format!(
                        "v4a/{name} {mode} {part}:\n  expected {:?}\n  actual   {:?}",
                        show(&expected),
                        show(&actual)
                    )),
                    Err(error) => failures.push(format!("v4a/{name} {mode} {part}: {error}")),
                }
            }
            // The signature varies; everything around it must not.
            let mut args = flags.to_vec();
            args.extend(["--v4a", "--only", "signed-request"]);
            let expected =
                std::fs::read_to_string(case.join(format!("{mode}-signed-request.txt"))).unwrap();
            match sign(&case, &args) {
                Ok(actual) => {
                    let actual = show(&actual);
                    if mask_signature(&actual) != mask_signature(&expected) {
                        failures.push(format!(
                            "v4a/{name} {mode} signed request:\n  expected {expected:?}\n  actual   {actual:?}"
                        ));
                    }
                }
                Err(error) => failures.push(format!("v4a/{name} {mode} signed request: {error}")),
            }
            let mut args = flags.to_vec();
            args.extend(["--v4a", "--only", "signature"]);
            match sign(&case, &args) {
                Ok(signature) => {
                    let signature = show(&signature);
                    let der_hex = signature.starts_with("30")
                        && signature.len() >= 140
                        && signature.bytes().all(|b| b.is_ascii_hexdigit());
                    if !der_hex {
                        failures.push(format!("v4a/{name} {mode}: signature {signature:?}"));
                    }
                }
                Err(error) => failures.push(format!("v4a/{name} {mode} signature: {error}")),
            }
        }
    }
    assert_eq!(complete, 38, "complete v4a cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn labelled_output_has_every_part() {
    let Some(suite) = suite_dir() else {
        return;
    };
    let case = suite.join("v4").join("get-vanilla-with-session-token");
    let out = show(&sign(&case, &[]).unwrap());
    let labels: Vec<&str> = out.lines().filter(|l| l.starts_with("== ")).collect();
    assert_eq!(
        labels,
        [
            "== canonical-request ==",
            "== string-to-sign ==",
            "== signature ==",
            "== signed-request =="
        ]
    );
    let signature = std::fs::read_to_string(case.join("header-signature.txt")).unwrap();
    assert!(
        out.contains(&format!("== signature ==\n{signature}\n")),
        "{out}"
    );
    assert!(out.contains("X-Amz-Security-Token:6e86291e"), "{out}");
}

#[test]
fn bad_files_exit_2_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let good_request = write(
        "request.txt",
        "GET / HTTP/1.1\nHost:example.amazonaws.com\n",
    );
    let good_context = write(
        "context.json",
        r#"{"credentials":{"access_key_id":"AKID","secret_access_key":"SECRET"},
            "region":"us-east-1","service":"service","timestamp":"2015-08-30T12:36:00Z",
            "expiration_in_seconds": 700000}"#,
    );
    let bad_request = write("bad-request.txt", "GET /\nHost:example.amazonaws.com\n");
    let no_host = write("no-host.txt", "GET / HTTP/1.1\nAccept:*/*\n");
    let continuation = write("cont.txt", "GET / HTTP/1.1\n  value\n");
    let bad_json = write("bad.json", "{\"credentials\": ");
    let unknown_field = write(
        "unknown.json",
        r#"{"credentials":{"access_key_id":"A","secret_access_key":"S"},"region":"r",
            "service":"s","timestamp":"2015-08-30T12:36:00Z","regoin":"x"}"#,
    );
    let bad_time = write(
        "time.json",
        r#"{"credentials":{"access_key_id":"A","secret_access_key":"S"},"region":"r",
            "service":"s","timestamp":"yesterday"}"#,
    );
    let missing = dir.path().join("missing.txt");
    let missing = missing.to_str().unwrap();
    let cases: [(&[&str], &str); 9] = [
        (
            &["--request", missing, "--context", &good_context],
            "cannot read --request",
        ),
        (
            &["--request", &good_request, "--context", missing],
            "cannot read --context",
        ),
        (
            &["--request", &bad_request, "--context", &good_context],
            "line 1: expected `METHOD TARGET HTTP/1.1`",
        ),
        (
            &["--request", &no_host, "--context", &good_context],
            "no Host header",
        ),
        (
            &["--request", &continuation, "--context", &good_context],
            "line 2: a continuation line",
        ),
        (
            &["--request", &good_request, "--context", &bad_json],
            "invalid context: EOF while parsing",
        ),
        (
            &["--request", &good_request, "--context", &unknown_field],
            "unknown field `regoin`",
        ),
        (
            &["--request", &good_request, "--context", &bad_time],
            "timestamp `yesterday` is not rfc 3339",
        ),
        // 700000 seconds is more than 7 days: fine for header signing, an error for --query.
        (
            &[
                "--request",
                &good_request,
                "--context",
                &good_context,
                "--query",
            ],
            "exceeds the maximum of 604800 seconds",
        ),
    ];
    for (args, message) in cases {
        let mut all = vec!["sign"];
        all.extend_from_slice(args);
        let out = zig(&all);
        let stderr = show(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{all:?}: {stderr}");
        assert!(stderr.starts_with("zig sign: "), "{all:?}: {stderr}");
        assert!(stderr.contains(message), "{all:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{all:?}: {stderr}");
        assert!(out.stdout.is_empty(), "{all:?}");
    }
    let ok = zig(&[
        "sign",
        "--request",
        &good_request,
        "--context",
        &good_context,
        "--only",
        "signature",
    ]);
    assert!(ok.status.success(), "{}", show(&ok.stderr));
    assert_eq!(ok.stdout.len(), 64);

    // Bad usage is clap's exit 2 as well.
    for args in [
        &["sign"][..],
        &["sign", "--request", "x"],
        &[
            "sign",
            "--request",
            "x",
            "--context",
            "y",
            "--only",
            "everything",
        ],
    ] {
        assert_eq!(zig(args).status.code(), Some(2), "{args:?}");
    }
}
