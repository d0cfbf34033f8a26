//! Integration tests of `ziggurat-core`, in one binary (one link instead of one per file).

mod credentials_cache;
mod retry_loop;
mod transport_hyper;
mod transport_test_transport;
