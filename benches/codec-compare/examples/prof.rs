//! Runs only ziggurat's codec in a loop, for `perf`: `prof query N` or `prof put N`.
use std::hint::black_box;
fn main() {
    let what = std::env::args().nth(1).unwrap_or_default();
    let n: usize = std::env::args()
        .nth(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(5000);
    if what == "put" {
        let schema = codec_compare::ours_schema("PutItem");
        let mut input = codec_compare::ours_put_input(&codec_compare::put_item_attributes());
        for _ in 0..n {
            drop(black_box(codec_compare::ours_serialize(
                schema,
                black_box(&mut input),
            )));
        }
        return;
    }
    let body = codec_compare::query_body(100);
    for _ in 0..n {
        drop(black_box(codec_compare::ours_deserialize(black_box(&body))));
    }
}
