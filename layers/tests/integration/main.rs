//! Integration tests of `ziggurat-layers`, in one binary (one link instead of one per file).

mod fixture;

mod endpoint_rules;
mod protocol_errors;
mod protocol_suite;
mod retry_conformance;
mod retry_strategy;
mod sigv4a_suite;
