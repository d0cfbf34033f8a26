//! Compiling a [`Stack`] into the plan a client runs for every call.
//!
//! The upper entries (Initialize through Deserialize above the deserializer) become flat lists
//! of hooks and built-ins that the orchestrator runs inline. A tower layer splits the list: the
//! entries after it become a [`Segment`] behind a service that the layer wraps. The entries
//! below the deserializer are applied once, at compile time, around the transport.
use std::fmt;
use std::sync::Arc;

use tower::Layer;
use tower::ServiceExt;
use tower::util::BoxCloneSyncService;

use super::middleware::{HttpService, Repr, UpperService, into_sdk_error};
use super::orchestrator::SegmentService;
use super::{Stack, StackError, StepName};
use crate::credentials::SharedCredentialsProvider;
use crate::hook::{HookLayer, InputHook, RequestHook};
use crate::retry::RetryStrategy;
use crate::time::SharedSleep;

pub(crate) enum Entry {
    Input(Arc<dyn InputHook>),
    /// The hook, and whether it has a response side.
    Request(Arc<dyn RequestHook>, bool),
    Serializer,
    Retry(Arc<dyn RetryStrategy>, SharedSleep),
    GetIdentity(Option<SharedCredentialsProvider>),
}

pub(crate) enum Tail {
    Node(UpperService),
    Transmit(HttpService),
}

pub(crate) struct Segment {
    pub(crate) entries: Vec<Entry>,
    /// Index of the retry entry, or `entries.len()` when the segment has none.
    pub(crate) retry_at: usize,
    pub(crate) tail: Tail,
}

/// A stack compiled for a transport: what a client builds once and runs for every call.
#[derive(Clone)]
pub struct CompiledStack {
    pub(crate) head: Arc<Segment>,
    stack: Arc<Stack>,
    transport: HttpService,
}

impl CompiledStack {
    /// The stack this was compiled from.
    pub fn stack(&self) -> &Stack {
        &self.stack
    }

    /// The transport this was compiled for.
    pub fn transport(&self) -> &HttpService {
        &self.transport
    }

    /// A new compiled stack from an edited copy of this one's stack (for per-call changes).
    pub fn derive(
        &self,
        edit: impl FnOnce(&mut Stack) -> Result<(), StackError>,
    ) -> Result<CompiledStack, StackError> {
        let mut stack = (*self.stack).clone();
        edit(&mut stack)?;
        stack.compile(self.transport.clone())
    }
}

impl fmt::Debug for CompiledStack {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompiledStack")
            .field("stack", &self.stack)
            .finish_non_exhaustive()
    }
}

fn not_allowed(step: StepName, id: &str, reason: &'static str) -> StackError {
    StackError::NotAllowed {
        step,
        id: id.to_owned(),
        reason,
    }
}

impl Stack {
    /// Checks the stack and compiles it for `transport`.
    ///
    /// Fails when the Serialize step does not hold exactly one `OperationSerializer` (with input
    /// hooks before it and request hooks after it), the Deserialize step does not hold exactly
    /// one `OperationDeserializer` (with tower layers above it and HTTP layers below it), or
    /// there is more than one retry loop.
    pub fn compile(&self, transport: HttpService) -> Result<CompiledStack, StackError> {
        let mut upper: Vec<(StepName, &str, &Repr)> = Vec::new();
        let mut lower: Vec<(&str, &Repr)> = Vec::new();
        let mut retries = 0;
        for step in StepName::ALL {
            let list = self.step(step);
            let mut seen_serializer = false;
            let mut seen_deserializer = false;
            for (id, m) in list.entries() {
                let id = id.as_ref();
                match (&m.0, step) {
                    (Repr::OperationSerializer, _) if seen_serializer => {
                        return Err(not_allowed(step, id, "a stack has one serializer"));
                    }
                    (Repr::OperationSerializer, _) => seen_serializer = true,
                    (Repr::OperationDeserializer, _) if seen_deserializer => {
                        return Err(not_allowed(step, id, "a stack has one deserializer"));
                    }
                    (Repr::OperationDeserializer, _) => {
                        seen_deserializer = true;
                        continue;
                    }
                    (Repr::InputHook(_), StepName::Serialize) if seen_serializer => {
                        return Err(not_allowed(
                            step,
                            id,
                            "input hooks must come before OperationSerializer",
                        ));
                    }
                    (Repr::RequestHook(_), StepName::Serialize) if !seen_serializer => {
                        return Err(not_allowed(
                            step,
                            id,
                            "request hooks must come after OperationSerializer",
                        ));
                    }
                    (Repr::Layer(_), StepName::Deserialize) if seen_deserializer => {
                        return Err(not_allowed(
                            step,
                            id,
                            "below OperationDeserializer, use Middleware::http_layer",
                        ));
                    }
                    (Repr::HttpLayer(_), StepName::Deserialize) if !seen_deserializer => {
                        return Err(not_allowed(
                            step,
                            id,
                            "HTTP layers must come after OperationDeserializer",
                        ));
                    }
                    (Repr::Retry(..), _) => {
                        retries += 1;
                        if retries > 1 {
                            return Err(not_allowed(step, id, "a stack has one retry loop"));
                        }
                    }
                    _ => {}
                }
                if seen_deserializer {
                    lower.push((id, &m.0));
                } else {
                    upper.push((step, id, &m.0));
                }
            }
            if step == StepName::Serialize && !seen_serializer {
                return Err(StackError::UnknownId {
                    step,
                    id: super::ids::OPERATION_SERIALIZER.to_owned(),
                });
            }
            if step == StepName::Deserialize && !seen_deserializer {
                return Err(StackError::UnknownId {
                    step,
                    id: super::ids::OPERATION_DESERIALIZER.to_owned(),
                });
            }
        }

        // Below the deserializer: wrap the transport, the first entry outermost.
        let mut http = transport.clone();
        for (_, repr) in lower.iter().rev() {
            http = match repr {
                Repr::RequestHook(h) => BoxCloneSyncService::new(
                    HookLayer::new(h.clone())
                        .layer(http)
                        .map_err(into_sdk_error),
                ),
                Repr::HttpLayer(f) => f(http),
                _ => http,
            };
        }

        // Above it: segments split at tower layers, built from the back.
        let mut tail = Tail::Transmit(http);
        let mut current: Vec<Entry> = Vec::new();
        for (_, _, repr) in upper.iter().rev() {
            let entry = match repr {
                Repr::Layer(f) => {
                    let segment = make_segment(std::mem::take(&mut current), tail);
                    tail = Tail::Node(f(BoxCloneSyncService::new(SegmentService::new(Arc::new(
                        segment,
                    )))));
                    continue;
                }
                Repr::InputHook(h) => Entry::Input(h.clone()),
                Repr::RequestHook(h) => Entry::Request(h.clone(), h.has_response_side()),
                Repr::OperationSerializer => Entry::Serializer,
                Repr::Retry(s, sleep) => Entry::Retry(s.clone(), sleep.clone()),
                Repr::GetIdentity(p) => Entry::GetIdentity(p.clone()),
                Repr::HttpLayer(_) | Repr::OperationDeserializer => continue,
            };
            current.push(entry);
        }
        let head = make_segment(current, tail);
        Ok(CompiledStack {
            head: Arc::new(head),
            stack: Arc::new(self.clone()),
            transport,
        })
    }
}

fn make_segment(mut reversed: Vec<Entry>, tail: Tail) -> Segment {
    reversed.reverse();
    let entries = reversed;
    let retry_at = entries
        .iter()
        .position(|e| matches!(e, Entry::Retry(..)))
        .unwrap_or(entries.len());
    Segment {
        entries,
        retry_at,
        tail,
    }
}
