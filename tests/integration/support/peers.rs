//! The real peer servers started by `scripts/test.sh`, found through environment variables.
#![allow(dead_code)]

/// The URL of a peer, or `None` after printing loudly that the test is skipped.
pub fn peer_url(var: &str, test: &str) -> Option<String> {
    match std::env::var(var) {
        Ok(url) if !url.is_empty() => Some(url),
        _ => {
            // Written to the real stderr, not through `eprintln!`, so the test harness's output
            // capture cannot hide it.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED: {test} needs a peer server at ${var}; run `scripts/test.sh`, which starts it"
            );
            None
        }
    }
}

/// A short random suffix for names that must not collide between tests.
pub fn unique(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{prefix}-{:x}{:x}", std::process::id(), nanos)
}

/// Configuration for a peer at `url`: us-east-1, test credentials (peers do not check them).
pub fn peer_config(url: String) -> ziggurat::config::SdkConfig {
    ziggurat::config::SdkConfig::builder()
        .region(ziggurat::context::Region::from_static("us-east-1"))
        .credentials(ziggurat::credentials::Credentials::new(
            "testing", "testing", None,
        ))
        .endpoint_url(url)
        .build()
}
