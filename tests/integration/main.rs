//! Every integration test of the root package, in one binary: one link instead of one per file
//! keeps a fresh test build's disk use and time down. Each module is one area; the servers the
//! tests start live in `support` (s3s-fs, peer URLs) and `fault_server` (scripted faults).

mod fault_server;
mod support;

mod aws_chunked;
mod bad_responses;
mod checksums;
mod clock_skew;
mod dynamodb;
mod dynamodb_item;
mod dynamodb_more;
mod endpoints;
mod event_stream;
mod faults;
mod generated_requests;
mod interceptors;
mod lambda;
mod metrics;
mod operation_layer;
#[cfg(feature = "otel")]
mod otel;
mod paginators;
mod presign;
mod retry_layer;
mod s3;
mod s3_express;
mod s3_moto;
mod sns_sts;
mod sqs;
mod tower_layers;
mod tracing_spans;
mod transfer;
mod waiters;
mod wire_log;
