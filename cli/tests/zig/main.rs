//! `zig` as a process, against real peers (s3s-fs in process, dynalite and moto from
//! `scripts/test.sh`) and the scripted fault server. The servers are the root package's test
//! support, shared by path so that both test binaries start them the same way.

#[path = "../../../tests/integration/fault_server/mod.rs"]
mod fault_server;
#[path = "../../../tests/integration/support/mod.rs"]
mod support;

mod zig;
mod zig_configure;
mod zig_pages;
mod zig_retry;
mod zig_sign;
