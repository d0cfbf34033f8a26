//! What `dynamodb::item` costs: `from_item` of a 10-attribute item (S, N, B, BOOL, L, M, SS,
//! NS) into a serde struct, against a hand-written `match` over the attribute map that builds
//! the same struct; and `to_item` of that struct against building the map by hand. Both sides
//! get an owned item, cloned outside the timing. Prints the ratios and allocations per call.
//!
//! `cargo bench -p ziggurat --no-default-features --features dynamodb --bench dynamodb_item`
mod common;

use std::collections::{BTreeSet, HashMap};
use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group};
use serde::{Deserialize, Serialize};
use ziggurat::dynamodb::item::{NumberSet, StringSet, from_item, to_item};
use ziggurat::dynamodb::types::AttributeValue;

#[global_allocator]
static ALLOC: common::Counting = common::Counting;

const GROUP: &str = "dynamodb_item";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Address {
    city: String,
    zip: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Account {
    pk: String,
    sk: i64,
    name: String,
    balance: f64,
    #[serde(with = "serde_bytes")]
    avatar: Vec<u8>,
    active: bool,
    history: Vec<u32>,
    address: Address,
    tags: StringSet,
    scores: NumberSet<BTreeSet<i32>>,
}

fn account() -> Account {
    Account {
        pk: "account#0001".into(),
        sk: 1_700_000_000,
        name: "Ada Lovelace".into(),
        balance: 1234.5,
        avatar: vec![7; 64],
        active: true,
        history: vec![1, 2, 3, 5, 8],
        address: Address {
            city: "London".into(),
            zip: "N1 9GU".into(),
        },
        tags: StringSet(["admin".to_owned(), "ops".to_owned(), "beta".to_owned()].into()),
        scores: NumberSet([10, 20, 30].into()),
    }
}

fn s(v: AttributeValue) -> Option<String> {
    match v {
        AttributeValue::S(s) => Some(s),
        _ => None,
    }
}

fn n<T: std::str::FromStr>(v: AttributeValue) -> Option<T> {
    match v {
        AttributeValue::N(n) => n.parse().ok(),
        _ => None,
    }
}

/// The baseline: what one writes without serde.
fn from_item_by_hand(mut item: HashMap<String, AttributeValue>) -> Option<Account> {
    let mut take = |k: &str| item.remove(k);
    let mut address = match take("address")? {
        AttributeValue::M(m) => m,
        _ => return None,
    };
    Some(Account {
        pk: s(take("pk")?)?,
        sk: n(take("sk")?)?,
        name: s(take("name")?)?,
        balance: n(take("balance")?)?,
        avatar: match take("avatar")? {
            AttributeValue::B(b) => Vec::from(b),
            _ => return None,
        },
        active: match take("active")? {
            AttributeValue::Bool(b) => b,
            _ => return None,
        },
        history: match take("history")? {
            AttributeValue::L(l) => l.into_iter().map(n).collect::<Option<_>>()?,
            _ => return None,
        },
        address: Address {
            city: s(address.remove("city")?)?,
            zip: s(address.remove("zip")?)?,
        },
        tags: match take("tags")? {
            AttributeValue::Ss(v) => StringSet(v.into_iter().collect()),
            _ => return None,
        },
        scores: match take("scores")? {
            AttributeValue::Ns(v) => NumberSet(
                v.into_iter()
                    .map(|t| t.parse().ok())
                    .collect::<Option<_>>()?,
            ),
            _ => return None,
        },
    })
}

fn to_item_by_hand(a: &Account) -> HashMap<String, AttributeValue> {
    let num = |v: &dyn std::fmt::Display| AttributeValue::N(v.to_string());
    HashMap::from([
        ("pk".to_owned(), AttributeValue::S(a.pk.clone())),
        ("sk".to_owned(), num(&a.sk)),
        ("name".to_owned(), AttributeValue::S(a.name.clone())),
        ("balance".to_owned(), num(&a.balance)),
        (
            "avatar".to_owned(),
            AttributeValue::B(a.avatar.clone().into()),
        ),
        ("active".to_owned(), AttributeValue::Bool(a.active)),
        (
            "history".to_owned(),
            AttributeValue::L(a.history.iter().map(|h| num(h)).collect()),
        ),
        (
            "address".to_owned(),
            AttributeValue::M(HashMap::from([
                ("city".to_owned(), AttributeValue::S(a.address.city.clone())),
                ("zip".to_owned(), AttributeValue::S(a.address.zip.clone())),
            ])),
        ),
        (
            "tags".to_owned(),
            AttributeValue::Ss(a.tags.iter().cloned().collect()),
        ),
        (
            "scores".to_owned(),
            AttributeValue::Ns(a.scores.iter().map(|v| v.to_string()).collect()),
        ),
    ])
}

fn bench(c: &mut Criterion) {
    let value = account();
    let item = to_item(&value).expect("to_item");
    assert_eq!(item.len(), 10);
    assert_eq!(item, to_item_by_hand(&value), "both write the same item");
    assert_eq!(
        from_item::<Account>(item.clone()).ok().as_ref(),
        Some(&value)
    );
    assert_eq!(from_item_by_hand(item.clone()).as_ref(), Some(&value));

    let mut group = c.benchmark_group(GROUP);
    group.bench_function("from_item", |b| {
        b.iter_batched(
            || item.clone(),
            |item| from_item::<Account>(black_box(item)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("from_item_by_hand", |b| {
        b.iter_batched(
            || item.clone(),
            |item| from_item_by_hand(black_box(item)),
            BatchSize::SmallInput,
        )
    });
    group.bench_function("to_item", |b| b.iter(|| to_item(black_box(&value))));
    group.bench_function("to_item_by_hand", |b| {
        b.iter(|| to_item_by_hand(black_box(&value)))
    });
    group.finish();
}

/// Allocations of one call, over `n` calls (the item clone excluded).
fn allocations_per_call(n: u32, mut call: impl FnMut()) -> f64 {
    let before = common::allocations();
    for _ in 0..n {
        call();
    }
    (common::allocations() - before) as f64 / f64::from(n)
}

criterion_group!(benches, bench);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    let value = account();
    let item = to_item(&value).expect("to_item");
    let clones = allocations_per_call(1000, || drop(black_box(item.clone())));
    let serde_from =
        allocations_per_call(1000, || drop(black_box(from_item::<Account>(item.clone())))) - clones;
    let hand_from =
        allocations_per_call(1000, || drop(black_box(from_item_by_hand(item.clone())))) - clones;
    let serde_to = allocations_per_call(1000, || drop(black_box(to_item(&value))));
    let hand_to = allocations_per_call(1000, || drop(black_box(to_item_by_hand(&value))));
    println!();
    println!("dynamodb::item, a 10-attribute item (criterion medians):");
    let ratio = |serde: &str, hand: &str| match (
        common::median_ns(GROUP, serde),
        common::median_ns(GROUP, hand),
    ) {
        (Some(a), Some(b)) => format!("{a:.0} ns vs {b:.0} ns by hand: {:.2}x", a / b),
        _ => "(no criterion estimates: run without a filter)".to_owned(),
    };
    println!(
        "  from_item: {}; {serde_from:.0} vs {hand_from:.0} allocations",
        ratio("from_item", "from_item_by_hand")
    );
    println!(
        "  to_item:   {}; {serde_to:.0} vs {hand_to:.0} allocations",
        ratio("to_item", "to_item_by_hand")
    );
}
