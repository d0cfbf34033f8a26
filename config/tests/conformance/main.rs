//! The cross-SDK conformance suites for the shared config and credentials files.
//!
//! The data lives outside the repository (see `shared-config-and-credentials/README.md` of the
//! conformance folder); it is found through `ZIGGURAT_CONFORMANCE`, else
//! `<workspace>/../shared/conformance`. Without it each suite says `SKIPPED` on stderr.
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;

mod assume_role;
mod endpoint_url;
mod location;
mod parser;

fn conformance_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("ZIGGURAT_CONFORMANCE") {
        let dir = PathBuf::from(dir);
        assert!(
            dir.is_dir(),
            "ZIGGURAT_CONFORMANCE is set to {}, which is not a directory",
            dir.display()
        );
        return Some(dir);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).parent()?;
    let dir = workspace.join("../shared/conformance");
    dir.is_dir().then_some(dir)
}

/// The suite file at `relative` (under `shared-config-and-credentials/`), parsed; `None` (after
/// saying so) when there is no conformance data.
fn load(relative: &str) -> Option<Value> {
    let Some(dir) = conformance_dir() else {
        // The real stderr, not `eprintln!`: the harness's output capture must not hide it.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: shared config conformance for {relative}: no conformance data \
             (set ZIGGURAT_CONFORMANCE or provide <workspace>/../shared/conformance)"
        );
        return None;
    };
    let path = dir.join("shared-config-and-credentials").join(relative);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    Some(serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
}

/// Fails with every failing case's name, after checking the suite ran `expected` cases.
fn report(suite: &str, ran: usize, expected: usize, failures: &[String]) {
    assert!(
        failures.is_empty(),
        "{suite}: {} of {ran} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!(
        ran, expected,
        "{suite}: expected {expected} cases, ran {ran}"
    );
    let _ = writeln!(std::io::stderr(), "{suite}: {ran} cases passed");
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str)
}
