//! [`TestTransport`]: a transport that answers from rules or a script and can never reach the
//! network.
use std::collections::VecDeque;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use tower_service::Service;

use super::HttpClient;
use crate::body::Body;
use crate::error::{SdkError, TransportErrorKind};

type Matcher = Arc<dyn Fn(&http::Request<Body>) -> bool + Send + Sync>;
type Responder =
    Arc<dyn Fn(&http::Request<Body>) -> Result<http::Response<Bytes>, SdkError> + Send + Sync>;

/// A mock transport: answers from [`Rule`]s, from a replay script, or with one fixed
/// response, and records what it was sent. It has no network code at all, so a test that
/// forgets a rule fails with an error instead of calling AWS.
///
/// Three modes:
///
/// - **rules** ([`TestTransport::new`] + [`rule`](TestTransport::rule)): the first rule whose
///   matcher accepts the request and that has answers left responds;
/// - **replay** ([`TestTransport::replay`]): the responses are returned in order, one per
///   request, whatever was asked (rules added to a replay transport are tried first);
/// - **always** ([`TestTransport::always`]): the same response every time, built with no lock
///   and no allocation beyond the response itself; for benchmarks. It records nothing.
///
/// In the first two modes the request body is read to the end before matching, so matchers
/// and responders see it in memory (`req.body().bytes()` is `Some`), and
/// [`requests`](TestTransport::requests) returns every request received, matched or not.
/// A request that nothing answers fails with a [transport](crate::error::ErrorKind::Transport)
/// error ([`TransportErrorKind::Other`]) naming the method and path; nothing panics.
///
/// Clones share the rules and the recording: keep one clone to inspect after handing another
/// to the client.
///
/// ```
/// use tower::ServiceExt;
/// use ziggurat_core::body::Body;
/// use ziggurat_core::transport::{Rule, TestTransport};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), ziggurat_core::error::BoxError> {
/// let transport = TestTransport::new()
///     .rule(Rule::put("/bucket/key").respond(200, &[("etag", "\"abc\"")], ""))
///     .rule(Rule::get("/bucket/key").times(1).respond(200, &[], "hello"))
///     .rule(Rule::when(|req| req.uri().path().starts_with("/missing")).respond(
///         404,
///         &[("content-type", "application/xml")],
///         "<Error><Code>NoSuchKey</Code></Error>",
///     ));
/// let client = transport.clone().into_http_client();
///
/// let put = http::Request::put("https://s3.test/bucket/key").body(Body::from("hello"))?;
/// let res = client.clone().oneshot(put).await?;
/// assert_eq!(res.headers()["etag"], "\"abc\"");
///
/// let get = || http::Request::get("https://s3.test/bucket/key").body(Body::empty());
/// let res = client.clone().oneshot(get()?).await?;
/// assert_eq!(res.into_body().collect().await?, "hello");
///
/// // The GET rule answered once; nothing else matches a second GET.
/// let err = client.clone().oneshot(get()?).await.unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "transport error: test transport: no rule matched GET /bucket/key"
/// );
///
/// let sent = transport.requests();
/// assert_eq!(sent.len(), 3);
/// assert_eq!(sent[0].method(), http::Method::PUT);
/// assert_eq!(sent[0].body(), "hello");
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct TestTransport {
    mode: Mode,
}

#[derive(Clone)]
enum Mode {
    Always(Arc<Canned>),
    Scripted(Arc<Script>),
}

/// The response of an `always` transport, or why it cannot build one.
enum Canned {
    Response {
        status: StatusCode,
        headers: HeaderMap,
        body: Bytes,
    },
    Invalid(String),
}

#[derive(Default)]
struct Script {
    rules: Mutex<Vec<Arc<RuleEntry>>>,
    replay: Mutex<Replay>,
    recorded: Mutex<Vec<Recorded>>,
}

#[derive(Default)]
struct Replay {
    enabled: bool,
    queue: VecDeque<http::Response<Bytes>>,
    served: usize,
}

struct RuleEntry {
    rule: Rule,
    remaining: Option<AtomicUsize>,
}

impl RuleEntry {
    fn exhausted(&self) -> bool {
        matches!(&self.remaining, Some(n) if n.load(Ordering::Acquire) == 0)
    }

    /// Takes one answer, if any is left (concurrent requests cannot both take the last one).
    fn take(&self) -> bool {
        match &self.remaining {
            None => true,
            Some(n) => n
                .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1))
                .is_ok(),
        }
    }
}

struct Recorded {
    method: Method,
    uri: http::Uri,
    version: http::Version,
    headers: HeaderMap,
    body: Bytes,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking matcher in another test thread must not take the recording down with it.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Default for TestTransport {
    fn default() -> Self {
        TestTransport::new()
    }
}

impl TestTransport {
    /// A transport with no rules yet: every request fails until rules are added.
    pub fn new() -> Self {
        TestTransport {
            mode: Mode::Scripted(Arc::new(Script::default())),
        }
    }

    /// A transport that returns `responses` in order, one per request, and fails once they
    /// run out.
    ///
    /// ```
    /// use tower::ServiceExt;
    /// use ziggurat_core::body::Body;
    /// use ziggurat_core::transport::TestTransport;
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), ziggurat_core::error::BoxError> {
    /// let transport = TestTransport::replay([
    ///     http::Response::builder().status(503).body("slow down".into())?,
    ///     http::Response::builder().status(200).body("ok".into())?,
    /// ]);
    /// let client = transport.clone().into_http_client();
    /// for expected in [503, 200] {
    ///     let req = http::Request::get("https://sqs.test/").body(Body::empty())?;
    ///     assert_eq!(client.clone().oneshot(req).await?.status(), expected);
    /// }
    /// assert_eq!(transport.requests().len(), 2);
    /// # Ok(())
    /// # }
    /// ```
    pub fn replay(responses: impl IntoIterator<Item = http::Response<Bytes>>) -> Self {
        let script = Script {
            replay: Mutex::new(Replay {
                enabled: true,
                queue: responses.into_iter().collect(),
                served: 0,
            }),
            ..Script::default()
        };
        TestTransport {
            mode: Mode::Scripted(Arc::new(script)),
        }
    }

    /// A transport that answers every request at once with `status` and `body` and no
    /// headers, without reading the request or recording it. For benchmarks: a call costs
    /// building the response (the body is shared, not copied) and nothing else.
    ///
    /// An invalid status (not 100–999) makes every call fail with an error saying so.
    pub fn always(status: u16, body: impl Into<Bytes>) -> Self {
        let canned = match StatusCode::from_u16(status) {
            Ok(status) => Canned::Response {
                status,
                headers: HeaderMap::new(),
                body: shared(body.into()),
            },
            Err(_) => Canned::Invalid(format!("test transport: invalid status {status}")),
        };
        TestTransport {
            mode: Mode::Always(Arc::new(canned)),
        }
    }

    /// Like [`always`](TestTransport::always), with the status, headers and body of
    /// `response` (the headers are cloned on every call).
    pub fn always_response(response: http::Response<Bytes>) -> Self {
        let (parts, body) = response.into_parts();
        TestTransport {
            mode: Mode::Always(Arc::new(Canned::Response {
                status: parts.status,
                headers: parts.headers,
                body: shared(body),
            })),
        }
    }

    /// Adds a rule after the existing ones. Rules are tried in the order they were added.
    /// On an [`always`](TestTransport::always) transport this does nothing.
    pub fn rule(self, rule: Rule) -> Self {
        if let Mode::Scripted(script) = &self.mode {
            let remaining = rule.times.map(AtomicUsize::new);
            lock(&script.rules).push(Arc::new(RuleEntry { rule, remaining }));
        }
        self
    }

    /// Every request received so far, in order, with its body read into memory. Extensions
    /// are not kept. Empty for an [`always`](TestTransport::always) transport.
    pub fn requests(&self) -> Vec<http::Request<Bytes>> {
        let Mode::Scripted(script) = &self.mode else {
            return Vec::new();
        };
        lock(&script.recorded)
            .iter()
            .map(|r| {
                let mut req = http::Request::new(r.body.clone());
                *req.method_mut() = r.method.clone();
                *req.uri_mut() = r.uri.clone();
                *req.version_mut() = r.version;
                *req.headers_mut() = r.headers.clone();
                req
            })
            .collect()
    }

    /// Wraps the transport in an [`HttpClient`].
    pub fn into_http_client(self) -> HttpClient {
        HttpClient::from_service(self)
    }
}

/// Makes later clones of `bytes` reference-count bumps: the first clone of a `Bytes` built
/// from a `Vec` allocates its shared header, so it is done here, once, not in a benchmark.
fn shared(bytes: Bytes) -> Bytes {
    drop(bytes.clone());
    bytes
}

impl fmt::Debug for TestTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.mode {
            Mode::Always(_) => f.write_str("TestTransport::Always"),
            Mode::Scripted(script) => f
                .debug_struct("TestTransport")
                .field("rules", &lock(&script.rules).len())
                .field("replay_left", &lock(&script.replay).queue.len())
                .field("requests", &lock(&script.recorded).len())
                .finish(),
        }
    }
}

impl Service<http::Request<Body>> for TestTransport {
    type Response = http::Response<Body>;
    type Error = SdkError;
    type Future = TestResponseFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), SdkError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, req: http::Request<Body>) -> TestResponseFuture {
        match &self.mode {
            Mode::Always(canned) => TestResponseFuture(Inner::Ready(Some(answer(canned)))),
            Mode::Scripted(script) => {
                TestResponseFuture(Inner::Boxed(Box::pin(serve(script.clone(), req))))
            }
        }
    }
}

fn answer(canned: &Canned) -> Result<http::Response<Body>, SdkError> {
    match canned {
        Canned::Response {
            status,
            headers,
            body,
        } => {
            let mut res = http::Response::new(Body::from_bytes(body.clone()));
            *res.status_mut() = *status;
            if !headers.is_empty() {
                *res.headers_mut() = headers.clone();
            }
            Ok(res)
        }
        Canned::Invalid(message) => Err(SdkError::construction(message.clone())),
    }
}

async fn serve(
    script: Arc<Script>,
    req: http::Request<Body>,
) -> Result<http::Response<Body>, SdkError> {
    let (parts, body) = req.into_parts();
    let body = body.collect().await.map_err(|e| {
        SdkError::transport(
            TransportErrorKind::Io,
            format!("test transport: reading the request body failed: {e}"),
        )
    })?;
    lock(&script.recorded).push(Recorded {
        method: parts.method.clone(),
        uri: parts.uri.clone(),
        version: parts.version,
        headers: parts.headers.clone(),
        body: body.clone(),
    });
    let req = http::Request::from_parts(parts, Body::from_bytes(body));

    // Snapshot the rules so that user closures run without a lock held.
    let rules: Vec<Arc<RuleEntry>> = lock(&script.rules).clone();
    for entry in rules {
        if !entry.exhausted() && (entry.rule.matcher)(&req) && entry.take() {
            return (entry.rule.responder)(&req).map(|res| res.map(Body::from_bytes));
        }
    }

    let what = describe(&req);
    let mut replay = lock(&script.replay);
    if replay.enabled {
        return match replay.queue.pop_front() {
            Some(res) => {
                replay.served += 1;
                Ok(res.map(Body::from_bytes))
            }
            None => Err(SdkError::transport(
                TransportErrorKind::Other,
                format!(
                    "test transport: replay ran out after {} responses; nothing left for {what}",
                    replay.served
                ),
            )),
        };
    }
    Err(SdkError::transport(
        TransportErrorKind::Other,
        format!("test transport: no rule matched {what}"),
    ))
}

/// `GET /path?query`, for error messages.
fn describe(req: &http::Request<Body>) -> String {
    let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
    format!("{} {target}", req.method())
}

/// The future of a [`TestTransport`] call.
pub struct TestResponseFuture(Inner);

type BoxResponse =
    Pin<Box<dyn Future<Output = Result<http::Response<Body>, SdkError>> + Send + 'static>>;

enum Inner {
    Ready(Option<Result<http::Response<Body>, SdkError>>),
    Boxed(BoxResponse),
}

impl Future for TestResponseFuture {
    type Output = Result<http::Response<Body>, SdkError>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match &mut self.get_mut().0 {
            Inner::Ready(result) => Poll::Ready(result.take().unwrap_or_else(|| {
                Err(SdkError::transport(
                    TransportErrorKind::Other,
                    "test transport: response future polled after completion",
                ))
            })),
            Inner::Boxed(fut) => fut.as_mut().poll(cx),
        }
    }
}

impl fmt::Debug for TestResponseFuture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestResponseFuture").finish_non_exhaustive()
    }
}

/// One rule of a [`TestTransport`]: which requests it answers, how, and how often.
///
/// Start with a matcher ([`Rule::when`], [`Rule::get`], [`Rule::put`], …, [`Rule::any`]),
/// optionally limit it with [`times`](When::times), and finish with
/// [`respond`](When::respond) or [`respond_with`](When::respond_with).
///
/// ```
/// use ziggurat_core::error::SdkError;
/// use ziggurat_core::transport::Rule;
///
/// // The first request times out, the next one succeeds: a retry test.
/// let rules = [
///     Rule::any().times(1).respond_with(|_| Err(SdkError::timeout("simulated timeout"))),
///     Rule::any().respond(200, &[], "{}"),
/// ];
/// # let _ = rules;
/// ```
#[derive(Clone)]
pub struct Rule {
    matcher: Matcher,
    responder: Responder,
    times: Option<usize>,
}

impl fmt::Debug for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rule")
            .field("times", &self.times)
            .finish_non_exhaustive()
    }
}

/// A rule that knows which requests it matches but not yet how to answer: finish it with
/// [`respond`](When::respond) or [`respond_with`](When::respond_with).
#[derive(Clone)]
#[must_use = "a rule needs a response: call .respond(..) or .respond_with(..)"]
pub struct When {
    matcher: Matcher,
    times: Option<usize>,
}

impl fmt::Debug for When {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("When")
            .field("times", &self.times)
            .finish_non_exhaustive()
    }
}

impl Rule {
    /// Matches the requests for which `matcher` returns `true`. The request body is in
    /// memory: `req.body().bytes()` returns it.
    pub fn when(matcher: impl Fn(&http::Request<Body>) -> bool + Send + Sync + 'static) -> When {
        When {
            matcher: Arc::new(matcher),
            times: None,
        }
    }

    /// Matches every request.
    pub fn any() -> When {
        Rule::when(|_| true)
    }

    /// Matches `method` and `path`. A `path` with a `?` must equal the path and query;
    /// otherwise it must equal the path and any query is accepted.
    pub fn request(method: Method, path: impl Into<String>) -> When {
        let path = path.into();
        Rule::when(move |req| {
            req.method() == method
                && if path.contains('?') {
                    req.uri().path_and_query().map(|p| p.as_str()) == Some(path.as_str())
                } else {
                    req.uri().path() == path
                }
        })
    }

    /// `GET path` (see [`Rule::request`]).
    pub fn get(path: impl Into<String>) -> When {
        Rule::request(Method::GET, path)
    }

    /// `PUT path` (see [`Rule::request`]).
    pub fn put(path: impl Into<String>) -> When {
        Rule::request(Method::PUT, path)
    }

    /// `POST path` (see [`Rule::request`]).
    pub fn post(path: impl Into<String>) -> When {
        Rule::request(Method::POST, path)
    }

    /// `DELETE path` (see [`Rule::request`]).
    pub fn delete(path: impl Into<String>) -> When {
        Rule::request(Method::DELETE, path)
    }

    /// `HEAD path` (see [`Rule::request`]).
    pub fn head(path: impl Into<String>) -> When {
        Rule::request(Method::HEAD, path)
    }

    /// Answers at most `n` requests; after that the rule is skipped and later rules get a
    /// chance. Without it a rule answers any number of requests.
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(n);
        self
    }
}

impl When {
    /// Answers at most `n` requests (see [`Rule::times`]).
    pub fn times(mut self, n: usize) -> Self {
        self.times = Some(n);
        self
    }

    /// Answers with `status`, `headers` and `body`. An invalid status or header makes the
    /// rule answer with an error that says so, instead of panicking here.
    pub fn respond(self, status: u16, headers: &[(&str, &str)], body: impl Into<Bytes>) -> Rule {
        let response = build_response(status, headers, shared(body.into()));
        self.respond_with(move |_| match &response {
            Ok((status, headers, body)) => {
                let mut res = http::Response::new(body.clone());
                *res.status_mut() = *status;
                *res.headers_mut() = headers.clone();
                Ok(res)
            }
            Err(message) => Err(SdkError::construction(message.clone())),
        })
    }

    /// Answers with whatever `responder` returns for the request: a response built from it,
    /// or an error to simulate a failure (a timeout, a reset connection).
    pub fn respond_with(
        self,
        responder: impl Fn(&http::Request<Body>) -> Result<http::Response<Bytes>, SdkError>
        + Send
        + Sync
        + 'static,
    ) -> Rule {
        Rule {
            matcher: self.matcher,
            responder: Arc::new(responder),
            times: self.times,
        }
    }
}

fn build_response(
    status: u16,
    headers: &[(&str, &str)],
    body: Bytes,
) -> Result<(StatusCode, HeaderMap, Bytes), String> {
    let status = StatusCode::from_u16(status)
        .map_err(|_| format!("test transport: invalid status {status}"))?;
    let mut map = HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("test transport: invalid header name {name:?}"))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| format!("test transport: invalid value for header {name}"))?;
        map.append(name, value);
    }
    Ok((status, map, body))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use tower::ServiceExt;

    fn get(uri: &str) -> http::Request<Body> {
        let mut req = http::Request::new(Body::empty());
        *req.uri_mut() = uri.parse().unwrap();
        req
    }

    #[tokio::test]
    async fn invalid_header_in_a_rule_is_an_error_not_a_panic() {
        let t = TestTransport::new().rule(Rule::any().respond(200, &[("bad name", "v")], ""));
        let err = t.oneshot(get("https://h/")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Construction);
        assert!(err.to_string().contains("invalid header name"), "{err}");
    }

    #[tokio::test]
    async fn always_answers_without_recording() {
        let t = TestTransport::always(202, "x");
        for _ in 0..3 {
            let res = t.clone().oneshot(get("https://h/")).await.unwrap();
            assert_eq!(res.status(), 202);
            assert_eq!(res.into_body().collect().await.unwrap(), "x");
        }
        assert!(t.requests().is_empty());
        let bad = TestTransport::always(1000, "");
        assert!(bad.oneshot(get("https://h/")).await.is_err());
    }

    #[tokio::test]
    async fn exhausted_replay_says_how_many_were_served() {
        let t = TestTransport::replay([http::Response::new(Bytes::new())]);
        t.clone().oneshot(get("https://h/a")).await.unwrap();
        let err = t.clone().oneshot(get("https://h/b?x=1")).await.unwrap_err();
        assert_eq!(err.transport_kind(), Some(TransportErrorKind::Other));
        assert!(
            err.to_string()
                .contains("replay ran out after 1 responses; nothing left for GET /b?x=1"),
            "{err}"
        );
        assert_eq!(t.requests().len(), 2);
    }
}
