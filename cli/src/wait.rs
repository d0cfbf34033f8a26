//! `zig <service> wait <waiter> --input-json ...`: the aws CLI's waiters. Exit 0 when the
//! waiter succeeds, 255 when it fails or runs out of time, as the aws CLI does.
//!
//! By default a waiter polls for as long as the aws CLI does (the model's attempts × delay);
//! `--max-wait SECONDS` and `--min-delay SECONDS` change that (for a local server that is
//! ready in milliseconds).
use std::sync::Arc;
use std::time::Duration;

use ziggurat::layers::protocol::json::{JsonDeserializer, JsonOptions};
use ziggurat::runtime::waiter::{Waiting, wait_erased};
use ziggurat::runtime::{ClientHandle, WaiterEntry};

use crate::Failure;
use crate::generated::{cli_name, nearest};

/// How long to wait, and how often to poll, when the command line says so.
#[derive(Debug, Clone, Copy, Default)]
pub struct WaitOptions {
    /// The whole wait.
    pub max_wait: Option<Duration>,
    /// The shortest delay between polls.
    pub min_delay: Option<Duration>,
}

/// The waiter named `name` (`table-exists`), or a usage error naming the nearest.
pub fn find<'a>(
    service: &str,
    waiters: &'a [WaiterEntry],
    name: &str,
) -> Result<&'a WaiterEntry, Failure> {
    if let Some(w) = waiters.iter().find(|w| cli_name(w.schema.name) == name) {
        return Ok(w);
    }
    let names: Vec<String> = waiters.iter().map(|w| cli_name(w.schema.name)).collect();
    if names.is_empty() {
        return Err(Failure::Usage(format!("{service} has no waiters")));
    }
    let hint = nearest(name, names.iter().map(String::as_str))
        .map(|n| format!("; did you mean `{n}`?"))
        .unwrap_or_default();
    Err(Failure::Usage(format!(
        "unknown {service} waiter `{name}`{hint} (waiters: {})",
        names.join(", ")
    )))
}

/// Runs `waiter` on the input in `text`.
pub async fn run(
    handle: Arc<ClientHandle>,
    waiter: &WaiterEntry,
    text: &str,
    options: WaitOptions,
) -> Result<(), Failure> {
    let entry = &waiter.operation;
    let mut d = JsonDeserializer::new(text.as_bytes(), JsonOptions::CLI);
    let input = (entry.read_input)(&mut d)
        .and_then(|input| d.finish().map(|()| input))
        .map_err(|e| {
            Failure::Usage(format!(
                "invalid --input-json for {}: {e}",
                entry.schema.name
            ))
        })?;
    let clone = waiter.clone_input;
    // Each poll sends a copy (an input is `Send`, not `Sync`: the lock makes it shareable).
    let input = std::sync::Mutex::new(input);
    let make_input = move || {
        let input = input
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        clone(&input).unwrap_or_else(|| Box::new(()))
    };
    let schema = waiter.schema;
    let mut waiting = Waiting::new(schema);
    if let Some(min) = options.min_delay {
        waiting = waiting.with_delays(min, schema.max_delay.max(min));
    }
    let max_wait = options
        .max_wait
        .unwrap_or_else(|| schema.default_max_wait());
    match wait_erased(
        handle,
        (entry.spec)(),
        &make_input,
        entry.output,
        waiting,
        max_wait,
    )
    .await
    {
        Ok(_) => Ok(()),
        Err(e) => Err(Failure::Waiter(format!(
            "Waiter {} failed: {e}",
            schema.name
        ))),
    }
}
