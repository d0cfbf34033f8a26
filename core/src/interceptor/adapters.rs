//! The adapter entries that run interceptors at the stack's stable ids, and [`install`], which
//! puts into a stack the ones some interceptor needs.
use std::sync::Arc;

use super::run_hook;
use super::{
    CallInterceptors, CallResult, Hook, Hooks, InterceptorFailure, Interceptors, SharedInterceptor,
    error_of, fail, ids,
};
use crate::context::Context;
use crate::error::{BoxError, SdkError};
use crate::hook::{HttpRequest, Input, InputHook, RequestHook};
use crate::stack::{Middleware, Position, Stack, StackError, StepName, ids as stack_ids};

/// Runs `f` for every interceptor (the client's, then the call's) that overrides `hook`, and
/// returns the failures.
fn each(
    client: &[SharedInterceptor],
    ctx: &mut Context,
    hook: Hook,
    f: impl FnMut(&dyn super::Intercept, &mut Context) -> Result<(), BoxError>,
) -> Vec<InterceptorFailure> {
    let call = ctx.get::<CallInterceptors>().map(|c| c.0.clone());
    let all = client.iter().chain(call.iter().flat_map(|c| c.iter()));
    run_hook(all, ctx, hook, f)
}

fn check(failures: Vec<InterceptorFailure>) -> Result<(), SdkError> {
    if failures.is_empty() {
        Ok(())
    } else {
        Err(error_of(failures))
    }
}

/// Runs `f` with the request and its context as two borrows.
fn with_request(
    req: &mut HttpRequest<'_>,
    f: impl FnOnce(&mut HttpRequest<'_>, &mut Context) -> Result<(), SdkError>,
) -> Result<(), SdkError> {
    let Some(ctx) = req.take_context() else {
        // Outside a stack there is no call to intercept.
        return Ok(());
    };
    let out = f(req, &mut *ctx);
    req.put_context(Some(ctx));
    out
}

/// Initialize, first: before execution and serialization; on the way back, completion. It
/// also hands the call's interceptors to the transport's path when some need it.
struct Execution(Arc<[SharedInterceptor]>, bool);

impl InputHook for Execution {
    fn on_input(&self, input: &mut Input, ctx: &mut Context) -> Result<(), SdkError> {
        if self.1 {
            let all = match ctx.get::<CallInterceptors>() {
                Some(call) => self.0.iter().chain(call.0.iter()).cloned().collect(),
                None => self.0.clone(),
            };
            ctx.set_interceptors(all);
        }
        check(each(&self.0, ctx, Hook::ReadBeforeExecution, |i, ctx| {
            i.read_before_execution(input, ctx)
        }))?;
        check(each(
            &self.0,
            ctx,
            Hook::ModifyBeforeSerialization,
            |i, ctx| i.modify_before_serialization(input, ctx),
        ))?;
        check(each(
            &self.0,
            ctx,
            Hook::ReadBeforeSerialization,
            |i, ctx| i.read_before_serialization(input, ctx),
        ))
    }

    fn on_output(&self, ctx: &mut Context, result: &mut CallResult) {
        let failures = each(&self.0, ctx, Hook::ModifyBeforeCompletion, |i, ctx| {
            i.modify_before_completion(result, ctx)
        });
        fail(result, failures);
        let failures = each(&self.0, ctx, Hook::ReadAfterExecution, |i, ctx| {
            i.read_after_execution(result, ctx)
        });
        fail(result, failures);
    }
}

/// A request-side adapter: the hooks it runs in order, for read or modify.
struct Request {
    interceptors: Arc<[SharedInterceptor]>,
    hooks: &'static [Hook],
}

impl RequestHook for Request {
    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        with_request(req, |req, ctx| {
            for hook in self.hooks {
                check(each(&self.interceptors, ctx, *hook, |i, ctx| match hook {
                    Hook::ReadAfterSerialization => i.read_after_serialization(req, ctx),
                    Hook::ReadBeforeRetryLoop => i.read_before_retry_loop(req, ctx),
                    Hook::ReadBeforeAttempt => i.read_before_attempt(req, ctx),
                    Hook::ModifyBeforeSigning => i.modify_before_signing(req, ctx),
                    Hook::ReadBeforeSigning => i.read_before_signing(req, ctx),
                    Hook::ReadAfterSigning => i.read_after_signing(req, ctx),
                    Hook::ModifyBeforeTransmit => i.modify_before_transmit(req, ctx),
                    Hook::ReadBeforeTransmit => i.read_before_transmit(req, ctx),
                    _ => Ok(()),
                }))?;
            }
            Ok(())
        })
    }

    fn has_response_side(&self) -> bool {
        false
    }
}

/// Finalize, just after `Retry`: before each attempt; on the way back, the attempt's result.
struct Attempt(Arc<[SharedInterceptor]>);

impl RequestHook for Attempt {
    fn on_request(&self, req: &mut HttpRequest<'_>) -> Result<(), SdkError> {
        with_request(req, |req, ctx| {
            check(each(&self.0, ctx, Hook::ReadBeforeAttempt, |i, ctx| {
                i.read_before_attempt(req, ctx)
            }))
        })
    }

    fn on_result(&self, ctx: &mut Context, result: &mut CallResult) {
        let failures = each(
            &self.0,
            ctx,
            Hook::ModifyBeforeAttemptCompletion,
            |i, ctx| i.modify_before_attempt_completion(result, ctx),
        );
        fail(result, failures);
        let failures = each(&self.0, ctx, Hook::ReadAfterAttempt, |i, ctx| {
            i.read_after_attempt(result, ctx)
        });
        fail(result, failures);
    }
}

/// Puts into `stack` the adapters that `interceptors` (the client's) need, or, with
/// `for_call`, every adapter (for calls that bring interceptors of their own). An adapter
/// whose anchor the stack does not have (a removed `Signing`) is left out.
pub fn install(
    stack: &mut Stack,
    interceptors: &Interceptors,
    for_call: bool,
) -> Result<(), StackError> {
    let needed = if for_call {
        Hooks::ALL
    } else {
        interceptors.hooks()
    };
    if needed == Hooks::NONE {
        return Ok(());
    }
    let shared = interceptors.to_shared();
    let wants = |hooks: &[Hook]| hooks.iter().any(|h| needed.contains(*h));
    let request = |hooks: &'static [Hook]| {
        Middleware::request_hook(Request {
            interceptors: shared.clone(),
            hooks,
        })
    };
    let transport = needed.intersects(Hooks::TRANSPORT);
    if transport
        || wants(&[
            Hook::ReadBeforeExecution,
            Hook::ModifyBeforeSerialization,
            Hook::ReadBeforeSerialization,
            Hook::ModifyBeforeCompletion,
            Hook::ReadAfterExecution,
        ])
    {
        stack.initialize_mut().add(
            ids::EXECUTION,
            Middleware::input_hook(Execution(shared.clone(), transport)),
            Position::Before,
        )?;
    }
    const AFTER_SERIALIZATION: &[Hook] = &[Hook::ReadAfterSerialization];
    if wants(AFTER_SERIALIZATION)
        && stack
            .step(StepName::Serialize)
            .get(stack_ids::OPERATION_SERIALIZER)
            .is_some()
    {
        stack.serialize_mut().insert(
            ids::AFTER_SERIALIZATION,
            request(AFTER_SERIALIZATION),
            stack_ids::OPERATION_SERIALIZER,
            Position::After,
        )?;
    }
    let has_retry = stack
        .step(StepName::Finalize)
        .get(stack_ids::RETRY)
        .is_some();
    const BEFORE_RETRY_LOOP: &[Hook] = &[Hook::ReadBeforeRetryLoop];
    if wants(BEFORE_RETRY_LOOP) && has_retry {
        stack.finalize_mut().insert(
            ids::BEFORE_RETRY_LOOP,
            request(BEFORE_RETRY_LOOP),
            stack_ids::RETRY,
            Position::Before,
        )?;
    }
    if wants(&[
        Hook::ReadBeforeAttempt,
        Hook::ModifyBeforeAttemptCompletion,
        Hook::ReadAfterAttempt,
    ]) && has_retry
    {
        stack.finalize_mut().insert(
            ids::ATTEMPT,
            Middleware::request_hook(Attempt(shared.clone())),
            stack_ids::RETRY,
            Position::After,
        )?;
    }
    let has_signing = stack
        .step(StepName::Finalize)
        .get(stack_ids::SIGNING)
        .is_some();
    const BEFORE_SIGNING: &[Hook] = &[Hook::ModifyBeforeSigning, Hook::ReadBeforeSigning];
    if wants(BEFORE_SIGNING) && has_signing {
        stack.finalize_mut().insert(
            ids::BEFORE_SIGNING,
            request(BEFORE_SIGNING),
            stack_ids::SIGNING,
            Position::Before,
        )?;
    }
    const AFTER_SIGNING: &[Hook] = &[Hook::ReadAfterSigning];
    if wants(AFTER_SIGNING) && has_signing {
        stack.finalize_mut().insert(
            ids::AFTER_SIGNING,
            request(AFTER_SIGNING),
            stack_ids::SIGNING,
            Position::After,
        )?;
    }
    const BEFORE_TRANSMIT: &[Hook] = &[Hook::ModifyBeforeTransmit, Hook::ReadBeforeTransmit];
    if wants(BEFORE_TRANSMIT)
        && stack
            .step(StepName::Deserialize)
            .get(stack_ids::OPERATION_DESERIALIZER)
            .is_some()
    {
        stack.deserialize_mut().insert(
            ids::BEFORE_TRANSMIT,
            request(BEFORE_TRANSMIT),
            stack_ids::OPERATION_DESERIALIZER,
            Position::Before,
        )?;
    }
    Ok(())
}
