//! `client.http.connections.usage`: how many of the pool's connections are idle and how many
//! are acquired by a request, counted as the connections change state.
//!
//! hyper-util's pool reports no counts, so the transport keeps them itself, per connection:
//! the connector gives every connection a [`ConnectionState`] and hands it to hyper in the
//! connection's [`Connected`](hyper_util::client::legacy::connect::Connected) metadata; a
//! request that carries [`ConnectionUsage`] finds the state of the connection it was given
//! (through the [`CaptureConnection`](hyper_util::client::legacy::connect::CaptureConnection)
//! the transport already watches for the connection wait), acquires it, and releases it when
//! its response body ends or is dropped, or its call fails; the connection's I/O closes it when
//! hyper drops it. Each change is one `+1`/`-1` on the counter, with `state` = `acquired` or
//! `idle`.
//!
//! A connection is counted in the counter of the first request with one that acquires it, and
//! every later change of that connection goes to the same counter, so each counter's sums
//! always come back to what is really open. A pool shared by clients with different meters is
//! split between them by that rule. An HTTP/2 connection is acquired while at least one
//! request is on it.
//!
//! Requests without [`ConnectionUsage`] (no meter provider) do none of this; the connector's
//! share is one small allocation per connection.
//!
//! ```
//! use std::sync::Arc;
//! use ziggurat_core::metrics::{Attributes, UpDownCounter};
//! use ziggurat_core::transport::ConnectionUsage;
//!
//! struct Print;
//! impl UpDownCounter for Print {
//!     fn add(&self, value: i64, attributes: &Attributes<'_>) {
//!         println!("{value:+} {:?}", attributes.connection_state);
//!     }
//! }
//! let mut req = http::Request::new(());
//! req.extensions_mut().insert(ConnectionUsage::new(Arc::new(Print), "DynamoDB"));
//! ```
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};

use crate::metrics::{Attributes, UpDownCounter};

/// In a request's extensions: count the usage of the connection it is sent on in this
/// counter, with `rpc.service` = `rpc_service`. The orchestrator adds it to every attempt of
/// a client with a meter provider; ziggurat's hyper transport counts, other transports may
/// ignore it.
/// Cloning it is one reference count.
#[derive(Clone)]
pub struct ConnectionUsage(Arc<Counter>);

struct Counter {
    counter: Arc<dyn UpDownCounter>,
    rpc_service: &'static str,
}

impl ConnectionUsage {
    /// Counts in `counter`, for the service `rpc_service`.
    pub fn new(counter: Arc<dyn UpDownCounter>, rpc_service: &'static str) -> Self {
        ConnectionUsage(Arc::new(Counter {
            counter,
            rpc_service,
        }))
    }

    fn add(&self, value: i64, state: &'static str) {
        let attributes = Attributes {
            connection_state: Some(state),
            ..Attributes::call(self.0.rpc_service, "")
        };
        self.0.counter.add(value, &attributes);
    }

    /// One connection moves from `from` to `to`.
    fn moves(&self, from: &'static str, to: &'static str) {
        self.add(-1, from);
        self.add(1, to);
    }
}

impl fmt::Debug for ConnectionUsage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConnectionUsage")
            .field("rpc_service", &self.0.rpc_service)
            .finish_non_exhaustive()
    }
}

const IDLE: &str = "idle";
const ACQUIRED: &str = "acquired";

/// The state of one connection, shared by its I/O and the requests on it. Cloned into hyper's
/// connection metadata, so it must be cheap to clone: an `Arc`.
#[derive(Clone, Default)]
pub(crate) struct ConnectionState(Arc<Mutex<Counted>>);

#[derive(Default)]
struct Counted {
    /// Where this connection is counted, from the first request that had a counter.
    usage: Option<ConnectionUsage>,
    /// Requests on it now.
    users: u32,
    closed: bool,
}

impl ConnectionState {
    /// A request with `usage` got this connection; it is released when the guard drops.
    pub(crate) fn acquire(&self, usage: &ConnectionUsage) -> UsageGuard {
        let mut c = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if c.closed {
            return UsageGuard(None);
        }
        match &c.usage {
            None => {
                usage.add(1, ACQUIRED);
                c.usage = Some(usage.clone());
            }
            Some(counted) if c.users == 0 => counted.moves(IDLE, ACQUIRED),
            Some(_) => {}
        }
        c.users = c.users.saturating_add(1);
        UsageGuard(Some(self.clone()))
    }

    fn release(&self) {
        let mut c = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        c.users = c.users.saturating_sub(1);
        if c.users == 0
            && !c.closed
            && let Some(counted) = &c.usage
        {
            counted.moves(ACQUIRED, IDLE);
        }
    }

    /// The connection's I/O is gone.
    pub(crate) fn close(&self) {
        let mut c = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        if c.closed {
            return;
        }
        c.closed = true;
        if let Some(counted) = &c.usage {
            counted.add(-1, if c.users > 0 { ACQUIRED } else { IDLE });
        }
    }
}

/// A request's hold on its connection: released on drop.
pub(crate) struct UsageGuard(Option<ConnectionState>);

impl Drop for UsageGuard {
    fn drop(&mut self) {
        if let Some(state) = self.0.take() {
            state.release();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[derive(Default)]
    struct Sums(Mutex<BTreeMap<&'static str, i64>>);

    impl UpDownCounter for Sums {
        fn add(&self, value: i64, attributes: &Attributes<'_>) {
            assert_eq!(attributes.rpc_method, "");
            let state = attributes.connection_state.unwrap_or("none");
            *self.0.lock().unwrap().entry(state).or_default() += value;
        }
    }

    fn sums(s: &Sums) -> (i64, i64) {
        let m = s.0.lock().unwrap();
        (
            m.get(IDLE).copied().unwrap_or(0),
            m.get(ACQUIRED).copied().unwrap_or(0),
        )
    }

    #[test]
    fn states_follow_requests_and_close() {
        let counter = Arc::new(Sums::default());
        let usage = ConnectionUsage::new(counter.clone(), "S3");
        let conn = ConnectionState::default();
        let first = conn.acquire(&usage);
        assert_eq!(sums(&counter), (0, 1));
        // HTTP/2: a second request on the same connection changes nothing.
        let second = conn.acquire(&usage);
        drop(first);
        assert_eq!(sums(&counter), (0, 1));
        drop(second);
        assert_eq!(sums(&counter), (1, 0));
        let third = conn.acquire(&usage);
        assert_eq!(sums(&counter), (0, 1));
        // Closed while acquired: the late release does not count it again.
        conn.close();
        assert_eq!(sums(&counter), (0, 0));
        drop(third);
        conn.close();
        assert_eq!(sums(&counter), (0, 0));
        // A closed connection is never acquired.
        drop(conn.acquire(&usage));
        assert_eq!(sums(&counter), (0, 0));
    }

    #[test]
    fn a_connection_stays_with_the_counter_that_first_counted_it() {
        let (a, b) = (Arc::new(Sums::default()), Arc::new(Sums::default()));
        let (ua, ub) = (
            ConnectionUsage::new(a.clone(), "S3"),
            ConnectionUsage::new(b.clone(), "S3"),
        );
        let conn = ConnectionState::default();
        drop(conn.acquire(&ua));
        let held = conn.acquire(&ub);
        assert_eq!((sums(&a), sums(&b)), ((0, 1), (0, 0)));
        drop(held);
        conn.close();
        assert_eq!((sums(&a), sums(&b)), ((0, 0), (0, 0)));
        assert!(format!("{ua:?}").contains("S3"));
    }
}
