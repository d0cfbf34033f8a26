//! Integration tests of the credential providers, against real peers: a loopback HTTP server
//! playing IMDS and the container endpoint, real child processes for `credential_process`,
//! and the shared conformance data.
//!
//! No test reaches a non-loopback address: IMDS and container tests point their endpoints at
//! the loopback server, the conformance cases only resolve URIs.
mod conformance;
mod container;
mod imds;
#[cfg(unix)]
mod process;
mod support;
