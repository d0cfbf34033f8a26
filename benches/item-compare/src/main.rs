//! A 10-attribute item (S, N, B, BOOL, L, M, SS, NS) as a serde struct: `from_item` and
//! `to_item` of ziggurat's `dynamodb::item` on its `AttributeValue` against `serde_dynamo`'s on
//! aws-sdk-dynamodb's, interleaved in rounds (the order reversed every other round). Each side
//! reads owned items cloned before the timing. Prints the best time per call of each side and
//! the median of the per-round ratios.
use std::collections::{BTreeSet, HashMap};
use std::hint::black_box;
use std::time::Instant;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Address {
    city: String,
    zip: String,
}

/// The item, for ziggurat: sets are `StringSet` / `NumberSet`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Ours {
    pk: String,
    sk: i64,
    name: String,
    balance: f64,
    #[serde(with = "serde_bytes")]
    avatar: Vec<u8>,
    active: bool,
    history: Vec<u32>,
    address: Address,
    tags: ziggurat_dynamodb::item::StringSet,
    scores: ziggurat_dynamodb::item::NumberSet<BTreeSet<i32>>,
}

/// The same item, for serde_dynamo: sets are `with` modules.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Theirs {
    pk: String,
    sk: i64,
    name: String,
    balance: f64,
    #[serde(with = "serde_bytes")]
    avatar: Vec<u8>,
    active: bool,
    history: Vec<u32>,
    address: Address,
    #[serde(with = "serde_dynamo::string_set")]
    tags: BTreeSet<String>,
    #[serde(with = "serde_dynamo::number_set")]
    scores: BTreeSet<i32>,
}

fn theirs() -> Theirs {
    Theirs {
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
        tags: ["admin".to_owned(), "ops".to_owned(), "beta".to_owned()].into(),
        scores: [10, 20, 30].into(),
    }
}

fn ours() -> Ours {
    let t = theirs();
    Ours {
        pk: t.pk,
        sk: t.sk,
        name: t.name,
        balance: t.balance,
        avatar: t.avatar,
        active: t.active,
        history: t.history,
        address: t.address,
        tags: ziggurat_dynamodb::item::StringSet(t.tags),
        scores: ziggurat_dynamodb::item::NumberSet(t.scores),
    }
}

type OurItem = HashMap<String, ziggurat_dynamodb::types::AttributeValue>;
type TheirItem = HashMap<String, aws_sdk_dynamodb::types::AttributeValue>;

const ROUNDS: usize = 21;
const CALLS: usize = 5_000;

/// ns per call of `f` over `CALLS` owned inputs made by `make` before the clock starts.
fn time<I, O>(make: impl Fn() -> I, f: impl Fn(I) -> O) -> f64 {
    let inputs: Vec<I> = (0..CALLS).map(|_| make()).collect();
    let start = Instant::now();
    for input in inputs {
        black_box(f(black_box(input)));
    }
    start.elapsed().as_nanos() as f64 / CALLS as f64
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Runs both sides `ROUNDS` times, interleaved; prints and returns (ours, theirs, ratio).
fn compare(what: &str, mut a: impl FnMut() -> f64, mut b: impl FnMut() -> f64) {
    let (mut best_a, mut best_b, mut ratios) = (f64::INFINITY, f64::INFINITY, Vec::new());
    for round in 0..ROUNDS {
        let (ta, tb) = if round % 2 == 0 {
            let ta = a();
            (ta, b())
        } else {
            let tb = b();
            (a(), tb)
        };
        best_a = best_a.min(ta);
        best_b = best_b.min(tb);
        ratios.push(ta / tb);
    }
    println!(
        "{what}: ziggurat {best_a:.0} ns, serde_dynamo {best_b:.0} ns per call; median ratio {:.2}x",
        median(ratios)
    );
}

fn main() {
    let our_value = ours();
    let their_value = theirs();
    let our_item: OurItem = ziggurat_dynamodb::item::to_item(&our_value).expect("ours: to_item");
    let their_item: TheirItem =
        serde_dynamo::aws_sdk_dynamodb_1::to_item(&their_value).expect("theirs: to_item");
    assert_eq!(our_item.len(), 10);
    assert_eq!(their_item.len(), 10);
    assert_eq!(
        ziggurat_dynamodb::item::from_item::<Ours>(our_item.clone()).expect("ours: from_item"),
        our_value
    );
    assert_eq!(
        serde_dynamo::aws_sdk_dynamodb_1::from_item::<Theirs>(their_item.clone())
            .expect("theirs: from_item"),
        their_value
    );
    assert!(matches!(
        their_item.get("tags"),
        Some(aws_sdk_dynamodb::types::AttributeValue::Ss(_))
    ));

    println!("a 10-attribute item; best of {ROUNDS} interleaved rounds of {CALLS} calls");
    compare(
        "from_item",
        || {
            time(
                || our_item.clone(),
                |item| ziggurat_dynamodb::item::from_item::<Ours>(item).ok(),
            )
        },
        || {
            time(
                || their_item.clone(),
                |item| serde_dynamo::aws_sdk_dynamodb_1::from_item::<Theirs>(item).ok(),
            )
        },
    );
    compare(
        "to_item",
        || {
            time(
                || &our_value,
                |v| ziggurat_dynamodb::item::to_item(v).ok(),
            )
        },
        || {
            time(
                || &their_value,
                |v| serde_dynamo::aws_sdk_dynamodb_1::to_item(v).ok(),
            )
        },
    );
}
