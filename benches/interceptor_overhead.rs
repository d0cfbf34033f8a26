//! The cost of interceptors: a DynamoDB `GetItem` through the full default stack over a
//! transport that answers at once, with no interceptor, with one that overrides one hook
//! (`modify_before_signing`, declared in `hooks()`), and with one that declares every hook
//! (the trait's default) and overrides none. Prints time and allocations per call, and the
//! differences (target for one hook: at most +100 ns).
//!
//! `cargo bench --bench interceptor_overhead`
//!
//! The differences are medians over back-to-back pairs of blocks, so drift and noise from
//! the rest of the machine land on both sides.
mod common;

use bytes::Bytes;
use ziggurat::context::Context;
use ziggurat::dynamodb::{Client, Config};
use ziggurat::error::BoxError;
use ziggurat::hook::HttpRequest;
use ziggurat::interceptor::{Hooks, Intercept};
use ziggurat::transport::TestTransport;

#[global_allocator]
static ALLOC: common::Counting = common::Counting;

const RESPONSE: &str = r#"{"Item":{"pk":{"S":"user#1"},"name":{"S":"Ada"},"visits":{"N":"42"}}}"#;

struct OneHook;

impl Intercept for OneHook {
    fn name(&self) -> &'static str {
        "OneHook"
    }
    fn hooks(&self) -> Hooks {
        Hooks::MODIFY_BEFORE_SIGNING
    }
    fn modify_before_signing(
        &self,
        req: &mut HttpRequest<'_>,
        _: &mut Context,
    ) -> Result<(), BoxError> {
        std::hint::black_box(req.headers().len());
        Ok(())
    }
}

struct EveryHook;

impl Intercept for EveryHook {
    fn name(&self) -> &'static str {
        "EveryHook"
    }
}

fn client(case: usize) -> Client {
    let res = http::Response::builder()
        .status(200)
        .header("content-type", "application/x-amz-json-1.0")
        .header("x-amzn-requestid", "BENCHREQUESTID")
        .body(Bytes::from_static(RESPONSE.as_bytes()))
        .expect("static response");
    let sdk = common::offline_sdk_config()
        .http_client(TestTransport::always_response(res).into_http_client())
        .build();
    let config = Config::new(&sdk);
    Client::from_conf(match case {
        1 => config.interceptor(OneHook),
        2 => config.interceptor(EveryHook),
        _ => config,
    })
}

async fn get_item(client: &Client) {
    let out = client
        .get_item()
        .table_name("users")
        .key("pk", "user#1")
        .send()
        .await
        .expect("get_item");
    std::hint::black_box(out);
}

const CASES: [&str; 3] = ["no interceptor", "one hook", "every hook (defaults)"];

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let clients: Vec<Client> = (0..CASES.len()).map(client).collect();
    let call = async |c: &Client| get_item(c).await;
    common::print_allocations_per_call(&rt, &CASES, &clients, call);
    let best = common::interleaved_min_ns(&rt, &clients, 40, 2000, call);
    println!("best of 40 interleaved rounds of 2000 calls:");
    for (name, ns) in CASES.iter().zip(&best) {
        println!("  {name:<24} {ns:>8.0} ns");
    }
    let (Some(none), Some(one), Some(every)) = (clients.first(), clients.get(1), clients.get(2))
    else {
        return;
    };
    let one_extra = common::paired_difference_ns(&rt, one, none, 61, 500, call);
    let every_extra = common::paired_difference_ns(&rt, every, none, 61, 500, call);
    println!("median difference over 61 back-to-back pairs of 500 calls:");
    println!("  one hook                 {one_extra:>+8.0} ns (target <= +100 ns)");
    println!("  every hook (defaults)    {every_extra:>+8.0} ns");
}
