//! Waiters (`waiters-2.json`): each waiter as a `static WaiterSchema` in `src/waiters.rs`, and a
//! `wait_until_*` method of the client that returns the polled operation's builder in waiting
//! mode. The polling loop is the runtime's.
use std::collections::BTreeSet;
use std::fmt::Write as _;

use super::{Ctx, HEADER};
use crate::model::{AcceptorDef, Waiter};
use crate::names::{lit, screaming, snake};

impl Ctx<'_> {
    /// The operations some waiter polls.
    pub(super) fn waited_operations(&self) -> BTreeSet<&str> {
        self.model
            .waiters
            .values()
            .map(|w| w.operation.as_str())
            .collect()
    }

    /// `src/waiters.rs`, when the model has waiters.
    pub(super) fn waiters_rs(&self) -> Result<Option<String>, String> {
        if self.model.waiters.is_empty() {
            return Ok(None);
        }
        let mut o = String::from(HEADER);
        let paths = self
            .model
            .waiters
            .values()
            .flat_map(|w| &w.acceptors)
            .any(|a| a.matcher.starts_with("path"));
        let _ = write!(
            o,
            "//! The waiters of the service: what each polls and what ends the wait (see\n\
             //! [`waiter`](ziggurat_runtime::waiter)). The client's `wait_until_*` methods run them.\n\n\
             use std::time::Duration;\n\n\
             use ziggurat_runtime::waiter::{{Acceptor, AcceptorState, {}Matcher, WaiterSchema}};\n\n",
            if paths { "Expected, " } else { "" }
        );
        for (name, w) in &self.model.waiters {
            if !self.model.operations.contains_key(&w.operation) {
                return Err(format!("waiter `{name}` polls unknown `{}`", w.operation));
            }
            let acceptors = w
                .acceptors
                .iter()
                .map(|a| acceptor(name, a))
                .collect::<Result<Vec<_>, _>>()?;
            let _ = write!(
                o,
                "/// `{name}`: polls `{op}` every {delay} s or more, until an acceptor matches:{doc}\n\
                 pub static {s}: WaiterSchema = WaiterSchema {{\n\
                 name: {nm},\noperation: {opl},\nmin_delay: Duration::from_secs({delay}),\n\
                 max_delay: Duration::from_secs({max}),\nmax_attempts: {att},\nacceptors: &[\n{acc}\n],\n}};\n\n",
                op = w.operation,
                delay = w.delay,
                doc = describe(w),
                s = screaming(name),
                nm = lit(name),
                opl = lit(&w.operation),
                max = w.max_delay.unwrap_or(120),
                att = w.max_attempts,
                acc = acceptors.join(",\n"),
            );
        }
        o.push_str(
            "/// Every waiter, by name, for callers that do not name their types (the `zig` command\n\
             /// line).\npub static WAITERS: &[ziggurat_runtime::WaiterEntry] = &[\n",
        );
        for (name, w) in &self.model.waiters {
            let _ = writeln!(
                o,
                "ziggurat_runtime::WaiterEntry::of::<crate::{}>(&{}),",
                w.operation,
                screaming(name)
            );
        }
        o.push_str("];\n");
        Ok(Some(o))
    }

    /// The client's `wait_until_*` methods.
    pub(super) fn waiter_methods(&self, o: &mut String) {
        for (name, w) in &self.model.waiters {
            let _ = write!(
                o,
                "\n/// Waits until `{name}`: set the input's members, then [`wait`]({op}FluentBuilder::wait);\n\
                 /// it polls [`{f}`](Self::{f}) until an acceptor matches:{doc}\n\
                 pub fn wait_until_{s}(&self) -> {op}FluentBuilder<ziggurat_runtime::waiter::Waiting> {{\n\
                 {op}FluentBuilder::waiter(self.handle.clone(), &waiters::{c})\n}}\n",
                f = crate::names::escape(snake(&w.operation)),
                doc = describe(w),
                op = w.operation,
                s = snake(name),
                c = screaming(name),
            );
        }
    }
}

/// The acceptors in words, for the docs: doc lines `- success when ...`, one per acceptor.
fn describe(w: &Waiter) -> String {
    let parts: Vec<String> = w
        .acceptors
        .iter()
        .map(|a| {
            let what = match (a.matcher.as_str(), &a.expected) {
                ("status", e) => format!("on HTTP status {e}"),
                ("error", serde_json::Value::Bool(true)) => "on any error".to_owned(),
                ("error", serde_json::Value::Bool(false)) => "when there is no error".to_owned(),
                ("error", e) => format!("on `{}`", e.as_str().unwrap_or_default()),
                ("pathAll", e) => format!(
                    "when all of `{}` are {e}",
                    a.argument.as_deref().unwrap_or_default()
                ),
                ("pathAny", e) => format!(
                    "when any of `{}` is {e}",
                    a.argument.as_deref().unwrap_or_default()
                ),
                (_, e) => format!(
                    "when `{}` is {e}",
                    a.argument.as_deref().unwrap_or_default()
                ),
            };
            format!("/// - {} {what}", a.state)
        })
        .collect();
    format!("\n///\n{}", parts.join("\n"))
}

/// One acceptor as a Rust expression.
fn acceptor(waiter: &str, a: &AcceptorDef) -> Result<String, String> {
    let state = match a.state.as_str() {
        "success" => "Success",
        "failure" => "Failure",
        "retry" => "Retry",
        other => return Err(format!("waiter `{waiter}`: unknown state `{other}`")),
    };
    let expected = || -> Result<String, String> {
        Ok(match &a.expected {
            serde_json::Value::String(s) => format!("Expected::String({})", lit(s)),
            serde_json::Value::Bool(b) => format!("Expected::Bool({b})"),
            serde_json::Value::Number(n) => {
                format!("Expected::Number({:?})", n.as_f64().unwrap_or_default())
            }
            other => {
                return Err(format!(
                    "waiter `{waiter}`: unsupported expected value {other}"
                ));
            }
        })
    };
    let argument = || {
        a.argument.as_deref().map(lit).ok_or_else(|| {
            format!(
                "waiter `{waiter}`: a `{}` acceptor without argument",
                a.matcher
            )
        })
    };
    let matcher = match a.matcher.as_str() {
        "path" | "pathAll" | "pathAny" => {
            let variant = match a.matcher.as_str() {
                "path" => "Path",
                "pathAll" => "PathAll",
                _ => "PathAny",
            };
            format!(
                "Matcher::{variant} {{ expression: {}, expected: {} }}",
                argument()?,
                expected()?
            )
        }
        "status" => match a.expected.as_u64().and_then(|s| u16::try_from(s).ok()) {
            Some(s) => format!("Matcher::Status({s})"),
            None => return Err(format!("waiter `{waiter}`: bad status {}", a.expected)),
        },
        "error" => match &a.expected {
            serde_json::Value::String(code) => format!("Matcher::ErrorCode({})", lit(code)),
            serde_json::Value::Bool(b) => format!("Matcher::AnyError({b})"),
            other => return Err(format!("waiter `{waiter}`: bad error matcher {other}")),
        },
        other => return Err(format!("waiter `{waiter}`: unknown matcher `{other}`")),
    };
    Ok(format!(
        "Acceptor {{ state: AcceptorState::{state}, matcher: {matcher} }}"
    ))
}
