//! `codegen`: writes ziggurat's service crates from the botocore models.
//!
//! ```text
//! cargo run -p ziggurat-codegen            # regenerate services/<name>/ for every service
//! cargo run -p ziggurat-codegen -- --check # exit 1 if any generated file differs
//! ```
//!
//! The models are read from `$ZIGGURAT_CONFORMANCE/botocore-models` (default: `shared/conformance`
//! beside the workspace root), and `codegen/overrides.json` says what the models do not: which
//! services to generate, structures that are really unions (DynamoDB's `AttributeValue`), and
//! hand-written modules a crate includes. Output is deterministic (models are read in order,
//! everything is sorted) and formatted with `rustfmt`, so the committed code can be checked for
//! drift: `--check` (run by the test suite) fails on any difference. Each service's endpoint
//! rule set (`$ZIGGURAT_CONFORMANCE/endpoint-rules/botocore/<service>`) is written beside its
//! code as compact JSON data, and `partitions.json` once into the runtime crate: the runtime
//! interprets them.
mod docs;
mod emit;
mod model;
mod names;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use serde::Deserialize;

/// What `overrides.json` says of one service.
#[derive(Debug, Deserialize)]
pub struct ServiceOverride {
    /// The module and crate suffix (`dynamodb` → `ziggurat-dynamodb`).
    pub module: String,
    /// The model's folder under `botocore-models` (`dynamodb/2012-08-10`).
    pub model: String,
    /// Structures to generate as unions.
    #[serde(default)]
    pub unions: Vec<String>,
    /// Shapes the model does not mark sensitive that are secrets all the same (STS's session
    /// token): redacted in `Debug` like the model's own sensitive shapes.
    #[serde(default)]
    pub sensitive: Vec<String>,
    /// Hand-written modules of the crate (`src/<name>.rs`), declared by the generated `lib.rs`.
    #[serde(default)]
    pub extra_modules: Vec<String>,
    /// Hand-written modules that are part of the crate's API (`pub mod <name>;`), like
    /// DynamoDB's `item` and `expression`.
    #[serde(default)]
    pub public_modules: Vec<String>,
    /// The crate has a hand-written `customize` module (listed in `extra_modules`) with what the
    /// model does not say: its `Config` and `stack`, and the `serialize` / `deserialize` every
    /// operation calls instead of the runtime's (S3's bucket addressing, errors in 200s).
    #[serde(default)]
    pub customize: bool,
    /// More codes an error shape is known by (S3's `NoSuchKey` is `NotFound` on `HEAD`, where
    /// the code comes from the status): error code → more codes.
    #[serde(default)]
    pub error_aliases: std::collections::BTreeMap<String, Vec<String>>,
    /// More dependencies of the crate (its hand-written modules'): a workspace dependency's
    /// name, or a whole TOML line (`tokio = { workspace = true, features = [..] }`).
    #[serde(default)]
    pub dependencies: Vec<String>,
    /// Its dev-dependencies (for its hand-written modules' tests and examples), likewise.
    #[serde(default)]
    pub dev_dependencies: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct Overrides {
    services: Vec<ServiceOverride>,
}

/// The workspace root (the parent of this crate).
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Where the botocore models are.
pub fn models_dir() -> PathBuf {
    match std::env::var_os("ZIGGURAT_CONFORMANCE") {
        Some(dir) => PathBuf::from(dir).join("botocore-models"),
        None => workspace_root()
            .join("../shared/conformance")
            .join("botocore-models"),
    }
}

/// Where the endpoint rule sets are (`endpoint-rules/botocore`, beside the models).
pub fn rules_dir() -> PathBuf {
    models_dir()
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
        .join("endpoint-rules/botocore")
}

/// Every generated file: its path relative to the workspace root, and its text.
pub fn generate_all() -> Result<Vec<(PathBuf, String)>, String> {
    let root = workspace_root();
    let overrides_path = root.join("codegen/overrides.json");
    let text = std::fs::read_to_string(&overrides_path)
        .map_err(|e| format!("cannot read {}: {e}", overrides_path.display()))?;
    let overrides: Overrides =
        serde_json::from_str(&text).map_err(|e| format!("overrides.json: {e}"))?;
    let models = models_dir();
    let rules = rules_dir();
    // The partitions every rule set's `aws.partition` reads, once, for the runtime.
    let mut files = vec![(
        PathBuf::from("services/runtime/src/partitions.json"),
        emit::compact_json(&rules.join("partitions.json"))?,
    )];
    for service in &overrides.services {
        let path = models.join(&service.model).join("service-2.json");
        let text = std::fs::read_to_string(&path)
            .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let mut model: model::Model =
            serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
        let dir = models.join(&service.model);
        if let Some(p) = read_optional::<model::Paginators>(&dir.join("paginators-1.json"))? {
            model.paginators = p.pagination;
        }
        if let Some(w) = read_optional::<model::Waiters>(&dir.join("waiters-2.json"))? {
            model.waiters = w.waiters;
        }
        for name in &service.sensitive {
            let shape = model.shapes.get_mut(name).ok_or_else(|| {
                format!("overrides.json: {} has no shape `{name}`", service.module)
            })?;
            shape.sensitive = Some(true);
        }
        // The rule set is in the folder of the model's service (`sso-oidc/2019-06-10`).
        let folder = service.model.split('/').next().unwrap_or(&service.model);
        files.push((
            PathBuf::from("services")
                .join(&service.module)
                .join("src/endpoint_rules.json"),
            emit::compact_json(&rules.join(folder).join("endpoint-rule-set-1.json"))?,
        ));
        for (rel, code) in emit::service(&model, service)? {
            let formatted = if rel.extension().is_some_and(|e| e == "rs") {
                rustfmt(&code).map_err(|e| format!("{}: {e}", rel.display()))?
            } else {
                code
            };
            files.push((
                PathBuf::from("services").join(&service.module).join(rel),
                formatted,
            ));
        }
    }
    files.sort();
    Ok(files)
}

/// A JSON file beside a model that may be absent (paginators, waiters).
fn read_optional<T: serde::de::DeserializeOwned>(path: &Path) -> Result<Option<T>, String> {
    match std::fs::read_to_string(path) {
        Ok(text) => serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| format!("{}: {e}", path.display())),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(format!("cannot read {}: {e}", path.display())),
    }
}

/// Formats Rust source with `rustfmt` (edition 2024), as `cargo fmt` would.
fn rustfmt(code: &str) -> Result<String, String> {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let mut child = Command::new("rustfmt")
        .args(["--edition", "2024", "--emit", "stdout"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run rustfmt (is it installed?): {e}"))?;
    let mut stdin = child.stdin.take().ok_or("rustfmt has no stdin")?;
    let input = code.to_owned();
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child
        .wait_with_output()
        .map_err(|e| format!("rustfmt failed: {e}"))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(format!(
            "rustfmt rejected the generated code:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|e| format!("rustfmt wrote non-UTF-8: {e}"))
}

/// The generated files that differ from (or are missing in) the tree.
pub fn drift(files: &[(PathBuf, String)]) -> Vec<PathBuf> {
    let root = workspace_root();
    files
        .iter()
        .filter(|(rel, code)| std::fs::read_to_string(root.join(rel)).ok().as_deref() != Some(code))
        .map(|(rel, _)| rel.clone())
        .collect()
}

fn main() -> ExitCode {
    let check = std::env::args().any(|a| a == "--check");
    let files = match generate_all() {
        Ok(files) => files,
        Err(e) => {
            eprintln!("codegen: {e}");
            return ExitCode::from(2);
        }
    };
    let changed = drift(&files);
    if check {
        if changed.is_empty() {
            println!("codegen: {} generated files are up to date", files.len());
            return ExitCode::SUCCESS;
        }
        for path in &changed {
            eprintln!("codegen: out of date: {}", path.display());
        }
        eprintln!("codegen: run `cargo run -p ziggurat-codegen` and commit the result");
        return ExitCode::FAILURE;
    }
    let root = workspace_root();
    for rel in &changed {
        let Some((_, code)) = files.iter().find(|(p, _)| p == rel) else {
            continue;
        };
        let path = root.join(rel);
        if let Some(dir) = path.parent()
            && let Err(e) = std::fs::create_dir_all(dir)
        {
            eprintln!("codegen: cannot create {}: {e}", dir.display());
            return ExitCode::from(2);
        }
        if let Err(e) = std::fs::write(&path, code) {
            eprintln!("codegen: cannot write {}: {e}", path.display());
            return ExitCode::from(2);
        }
    }
    println!(
        "codegen: {} files generated, {} changed",
        files.len(),
        changed.len()
    );
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The committed service crates are exactly what the generator writes from the models:
    /// generated code can never drift from the generator.
    #[test]
    fn generated_code_is_up_to_date() {
        if !models_dir().is_dir() {
            println!(
                "SKIPPED: botocore models not found at {} (set ZIGGURAT_CONFORMANCE)",
                models_dir().display()
            );
            return;
        }
        let files = generate_all().unwrap();
        assert!(files.len() > 200, "only {} files generated", files.len());
        let changed = drift(&files);
        assert!(
            changed.is_empty(),
            "generated code is out of date (run `cargo run -p ziggurat-codegen`): {changed:?}"
        );
        // No file the generator no longer writes is left behind in an operation folder.
        let root = workspace_root();
        for (rel, _) in files
            .iter()
            .filter(|(p, _)| p.ends_with("operation/mod.rs"))
        {
            let dir = root.join(rel.parent().unwrap());
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                let rel = path.strip_prefix(&root).unwrap().to_path_buf();
                assert!(
                    files.iter().any(|(p, _)| *p == rel),
                    "{} is not generated any more: remove it",
                    rel.display()
                );
            }
        }
    }
}
