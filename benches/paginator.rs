//! The cost of a paginator per page: DynamoDB `ListTables` through the full default stack over
//! a transport that answers at once (ten pages, each pointing at the next), read with
//! `into_paginator()` against the same pages requested in a hand-written loop that copies
//! `LastEvaluatedTableName` into `ExclusiveStartTableName`. Prints time per page of each, and
//! the ratio (target: at most 1.05).
//!
//! `cargo bench --bench paginator`
//!
//! The ratio is the median over back-to-back pairs of blocks (paginator, loop; then loop,
//! paginator), so noise from the rest of the machine lands on both sides.
mod common;

use bytes::Bytes;
use criterion::{Criterion, criterion_group};
use futures_util::StreamExt;
use ziggurat::config::SdkConfig;
use ziggurat::context::Region;
use ziggurat::credentials::Credentials;
use ziggurat::dynamodb::Client;
use ziggurat::transport::{Rule, TestTransport};

#[global_allocator]
static ALLOC: common::Counting = common::Counting;

const PAGES: usize = 10;

/// Page `n` names tables `t{n}a`, `t{n}b`, `t{n}c` and points at page `n + 1`; the last
/// points nowhere. The page asked for is read from the request's start name.
fn transport() -> TestTransport {
    let bodies: Vec<Bytes> = (0..PAGES)
        .map(|n| {
            let next = if n + 1 < PAGES {
                format!(r#","LastEvaluatedTableName":"t{}""#, n + 1)
            } else {
                String::new()
            };
            Bytes::from(format!(
                r#"{{"TableNames":["t{n}a","t{n}b","t{n}c"]{next}}}"#
            ))
        })
        .collect();
    TestTransport::new().rule(Rule::any().respond_with(move |req| {
        let body = req.body().bytes().unwrap_or_default();
        let page = std::str::from_utf8(body)
            .ok()
            .and_then(|b| b.split("\"ExclusiveStartTableName\":\"t").nth(1))
            .and_then(|rest| rest.split('"').next())
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0);
        Ok(http::Response::builder()
            .status(200)
            .header("content-type", "application/x-amz-json-1.0")
            .body(bodies.get(page).cloned().unwrap_or_default())
            .expect("static response"))
    }))
}

fn client() -> Client {
    let sdk = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
        .http_client(transport().into_http_client())
        .build();
    Client::new(&sdk)
}

async fn with_paginator(client: &Client) -> usize {
    let mut pages = client.list_tables().into_paginator().send();
    let mut tables = 0;
    while let Some(page) = pages.next().await {
        tables += page
            .map(|p| p.table_names.map_or(0, |t| t.len()))
            .unwrap_or(0);
    }
    tables
}

async fn by_hand(client: &Client) -> usize {
    let mut start: Option<String> = None;
    let mut tables = 0;
    loop {
        let Ok(page) = client
            .list_tables()
            .set_exclusive_start_table_name(start.take())
            .send()
            .await
        else {
            return tables;
        };
        tables += page.table_names.map_or(0, |t| t.len());
        match page.last_evaluated_table_name {
            Some(next) if !next.is_empty() => start = Some(next),
            _ => return tables,
        }
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let client = client();
    let mut g = c.benchmark_group("paginator");
    g.bench_function("into_paginator", |b| {
        b.to_async(&rt).iter(|| with_paginator(&client))
    });
    g.bench_function("hand_written_loop", |b| {
        b.to_async(&rt).iter(|| by_hand(&client))
    });
    g.finish();
}

criterion_group!(benches, bench);

fn main() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .expect("runtime");
    let client = client();
    let (paged, looped) =
        rt.block_on(async { (with_paginator(&client).await, by_hand(&client).await) });
    assert_eq!(
        (paged, looped),
        (3 * PAGES, 3 * PAGES),
        "both read every page"
    );
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
    let pages = PAGES as f64;
    for id in ["into_paginator", "hand_written_loop"] {
        if let Some(ns) = common::median_ns("paginator", id) {
            println!(
                "{id:<18} {:>8.0} ns per page (criterion median)",
                ns / pages
            );
        }
    }
    // Paired blocks: the paginator's extra time per page, relative to the loop's.
    let cases = [0u8, 1u8];
    let call = async |c: &u8| {
        if *c == 0 {
            with_paginator(&client).await;
        } else {
            by_hand(&client).await;
        }
    };
    let (Some(a), Some(b)) = (cases.first(), cases.get(1)) else {
        return;
    };
    let best = common::interleaved_min_ns(&rt, &cases, 30, 200, call);
    let extra = common::paired_difference_ns(&rt, a, b, 41, 200, call);
    let (p, l) = (best[0] / pages, best[1] / pages);
    println!("best of 30 interleaved rounds: paginator {p:.0} ns/page, loop {l:.0} ns/page");
    println!(
        "paginator / loop: {:.3} (median paired difference {:+.0} ns/page; target <= 1.05)",
        1.0 + extra / pages / l,
        extra / pages
    );
}
