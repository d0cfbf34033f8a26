//! restJson1 protocol suites: one `#[test]` per case file, calling `super::run_input_suite` /
//! `super::run_output_suite` with this protocol's named known failures (see `json.rs`).
