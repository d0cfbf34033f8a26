//! The loopback S3 peer of the transfer benchmark: hyper's HTTP/1.1 server on one
//! current-thread runtime on its own thread (marked as the server thread, so [`crate::stats`]
//! leaves its CPU and allocations out of the client's), that moves bytes and does nothing else.
//!
//! * **Uploads** (path-style, `/{bucket}/{key}`): `PutObject`, `CreateMultipartUpload`
//!   (`POST ?uploads`), `UploadPart` (`PUT ?partNumber&uploadId`), `CompleteMultipartUpload`
//!   (`POST ?uploadId`), `AbortMultipartUpload` (`DELETE ?uploadId`). Bodies are read frame by
//!   frame and discarded, never held; an `aws-chunked` body's last bytes are kept to find its
//!   trailing checksum, which is echoed as S3 does (a checksum sent as a header is echoed too).
//!   The bytes each upload brings (the decoded length of `aws-chunked` bodies) and the parts its
//!   completion lists are counted, so the driver can check that every byte arrived.
//! * **Downloads**: `HeadObject` and `GetObject` of one virtual object of [`OBJECT_LEN`] bytes,
//!   with `Range: bytes=a-b` (`206`, `Content-Range`). The bytes are slices of one pattern
//!   of 1 MiB + 7 bytes ([`byte_at`] says which byte is where), never the object in memory. With
//!   `x-amz-checksum-mode: ENABLED` `HeadObject` shows a composite CRC32 (`…-N`), as S3 does
//!   for an object uploaded in parts with the SDKs' default composite checksum; ranges carry
//!   none. So neither client validates a checksum on download, as against S3.
//!
//! Signatures are not checked: both clients sign, and that cost stays on the client's side.
//! Anything else is a 400, so a wrong request fails the benchmark loudly.
use std::convert::Infallible;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::header::HeaderValue;
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Either, Full};
use hyper::body::{Frame, Incoming, SizeHint};

/// The virtual object's size: 1 GiB.
pub const OBJECT_LEN: u64 = 1 << 30;
/// Its ETag (a multipart one: 128 parts of 8 MiB).
pub const OBJECT_ETAG: &str = "\"0b2b1ca0a0ba8c9cfd2f1d1b70c8c9a3-128\"";
/// The bucket both clients use.
pub const BUCKET: &str = "bench-bucket";
/// The key both clients upload to and download from.
pub const KEY: &str = "transfer/1GiB.bin";

/// The pattern's length, 1 MiB + 7 bytes: no part size is a multiple of it, so ranges at
/// different offsets start with different bytes (a range written in the wrong place shows).
/// A frame of a download is at most this long.
const PATTERN_LEN: usize = (1 << 20) + 7;
/// How many of an `aws-chunked` body's last bytes are kept to read its trailer.
const TAIL_LEN: usize = 512;

/// The byte at `offset` of the virtual object.
pub fn byte_at(offset: u64) -> u8 {
    pattern_byte((offset % PATTERN_LEN as u64) as usize)
}

fn pattern_byte(i: usize) -> u8 {
    (i.wrapping_mul(31) ^ (i >> 8)) as u8
}

/// What the server has seen, for the driver's checks.
#[derive(Default)]
struct Counters {
    /// Payload bytes of `PutObject` / `UploadPart` bodies.
    uploaded: AtomicU64,
    /// `UploadPart` calls.
    parts: AtomicU64,
    /// Parts listed by `CompleteMultipartUpload` calls.
    completed_parts: AtomicU64,
    /// `CompleteMultipartUpload` calls.
    completions: AtomicU64,
    /// `AbortMultipartUpload` calls.
    aborts: AtomicU64,
    /// `CreateMultipartUpload` calls (also names the uploads).
    creates: AtomicU64,
}

/// What the counters say, read at once.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Seen {
    pub uploaded: u64,
    pub parts: u64,
    pub completed_parts: u64,
    pub completions: u64,
    pub aborts: u64,
}

/// An `UploadPart` request as it arrived (headers only).
#[derive(Clone, Debug)]
pub struct PartRequest {
    pub headers: HeaderMap,
}

struct State {
    pattern: Bytes,
    counters: Counters,
    capture: AtomicBool,
    first_part: Mutex<Option<PartRequest>>,
}

pub struct Server {
    pub addr: SocketAddr,
    thread: crate::harness::ServerThread,
    state: Arc<State>,
}

impl Server {
    /// Starts the server on its own thread; returns when it listens.
    pub fn start() -> Server {
        let pattern: Vec<u8> = (0..PATTERN_LEN).map(pattern_byte).collect();
        let state = Arc::new(State {
            pattern: Bytes::from(pattern),
            counters: Counters::default(),
            capture: AtomicBool::new(false),
            first_part: Mutex::new(None),
        });
        let st = state.clone();
        let thread = crate::harness::serve(move |req| handle(st.clone(), req));
        Server {
            addr: thread.addr,
            thread,
            state,
        }
    }

    /// The server thread's CPU time so far, in ns.
    pub fn cpu_ns(&self) -> u64 {
        self.thread.cpu_ns()
    }

    /// The counters so far.
    pub fn seen(&self) -> Seen {
        let c = &self.state.counters;
        Seen {
            uploaded: c.uploaded.load(Ordering::SeqCst),
            parts: c.parts.load(Ordering::SeqCst),
            completed_parts: c.completed_parts.load(Ordering::SeqCst),
            completions: c.completions.load(Ordering::SeqCst),
            aborts: c.aborts.load(Ordering::SeqCst),
        }
    }

    /// Records the headers of the next `UploadPart` request; [`Server::take_part`] returns them.
    pub fn capture_next_part(&self) {
        if let Ok(mut slot) = self.state.first_part.lock() {
            *slot = None;
        }
        self.state.capture.store(true, Ordering::SeqCst);
    }

    /// The `UploadPart` request recorded since [`Server::capture_next_part`], if one came.
    pub fn take_part(&self) -> Option<PartRequest> {
        self.state
            .first_part
            .lock()
            .map(|mut slot| slot.take())
            .unwrap_or(None)
    }
}

type ResBody = Either<Full<Bytes>, PatternBody>;

async fn handle(st: Arc<State>, req: Request<Incoming>) -> Result<Response<ResBody>, Infallible> {
    let (parts, body) = req.into_parts();
    let query = parts.uri.query().unwrap_or("");
    let has = |name: &str| {
        query
            .split('&')
            .any(|p| p == name || p.starts_with(&format!("{name}=")))
    };
    // A request on the object itself: no sub-resource but the SDK's `x-id` and a version.
    let on_object = query
        .split('&')
        .all(|p| p.is_empty() || p.starts_with("x-id=") || p.starts_with("versionId="));
    let path = parts.uri.path();
    let Some(key) = path
        .strip_prefix('/')
        .and_then(|p| p.strip_prefix(BUCKET))
        .and_then(|p| p.strip_prefix('/'))
        .filter(|k| !k.is_empty())
    else {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            &format!("unexpected path {path}"),
        ));
    };
    let key = key.to_owned();
    let c = &st.counters;
    let res = match parts.method {
        Method::PUT if has("partNumber") && has("uploadId") => {
            c.parts.fetch_add(1, Ordering::SeqCst);
            if st.capture.swap(false, Ordering::SeqCst)
                && let Ok(mut slot) = st.first_part.lock()
            {
                *slot = Some(PartRequest {
                    headers: parts.headers.clone(),
                });
            }
            stored(&st, &parts.headers, body).await
        }
        Method::PUT if on_object => stored(&st, &parts.headers, body).await,
        Method::POST if has("uploads") => {
            let n = c.creates.fetch_add(1, Ordering::SeqCst);
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<InitiateMultipartUploadResult \
                 xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Bucket>{BUCKET}</Bucket>\
                 <Key>{key}</Key><UploadId>bench-upload-{n}</UploadId>\
                 </InitiateMultipartUploadResult>"
            );
            let mut b = s3_response(StatusCode::OK);
            for name in ["x-amz-checksum-algorithm", "x-amz-checksum-type"] {
                if let Some(v) = parts.headers.get(name) {
                    b = b.header(name, v);
                }
            }
            xml_response(b, xml)
        }
        Method::POST if has("uploadId") => {
            let xml = match body.collect().await {
                Ok(b) => b.to_bytes(),
                Err(e) => return Ok(error(StatusCode::BAD_REQUEST, &format!("body: {e}"))),
            };
            let listed = count(&xml, b"<PartNumber>");
            c.completed_parts.fetch_add(listed, Ordering::SeqCst);
            c.completions.fetch_add(1, Ordering::SeqCst);
            let xml = format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<CompleteMultipartUploadResult \
                 xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Location>http://{BUCKET}\
                 .s3.amazonaws.com/{key}</Location><Bucket>{BUCKET}</Bucket><Key>{key}</Key>\
                 <ETag>&quot;3858f62230ac3c915f300c664312c11f-{listed}&quot;</ETag>\
                 </CompleteMultipartUploadResult>"
            );
            xml_response(s3_response(StatusCode::OK), xml)
        }
        Method::DELETE if has("uploadId") => {
            c.aborts.fetch_add(1, Ordering::SeqCst);
            s3_response(StatusCode::NO_CONTENT).body(Either::Left(Full::new(Bytes::new())))
        }
        Method::HEAD if on_object => {
            let mut b = object_headers(s3_response(StatusCode::OK))
                .header("content-length", OBJECT_LEN.to_string());
            if checksum_mode(&parts.headers) {
                b = b
                    .header("x-amz-checksum-crc32", "aTkLpw==-128")
                    .header("x-amz-checksum-type", "COMPOSITE");
            }
            b.body(Either::Left(Full::new(Bytes::new())))
        }
        Method::GET if on_object => match parts.headers.get("range").map(parse_range) {
            None => object_headers(s3_response(StatusCode::OK))
                .header("content-length", OBJECT_LEN.to_string())
                .body(Either::Right(PatternBody::new(&st.pattern, 0, OBJECT_LEN))),
            Some(Some((start, end))) => object_headers(s3_response(StatusCode::PARTIAL_CONTENT))
                .header("content-length", (end + 1 - start).to_string())
                .header("content-range", format!("bytes {start}-{end}/{OBJECT_LEN}"))
                .body(Either::Right(PatternBody::new(&st.pattern, start, end + 1))),
            Some(None) => {
                return Ok(error(
                    StatusCode::RANGE_NOT_SATISFIABLE,
                    "unsupported or unsatisfiable Range",
                ));
            }
        },
        _ => {
            return Ok(error(
                StatusCode::BAD_REQUEST,
                &format!("unexpected {} {}", parts.method, parts.uri),
            ));
        }
    };
    Ok(res.unwrap_or_else(|e| error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string())))
}

/// Reads an upload's body to its end, discarding it; answers with an ETag and the checksum.
async fn stored(
    st: &State,
    headers: &HeaderMap,
    mut body: Incoming,
) -> Result<Response<ResBody>, http::Error> {
    let chunked = headers
        .get("content-encoding")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|e| e.trim() == "aws-chunked"));
    let mut raw = 0u64;
    let mut tail: Vec<u8> = Vec::with_capacity(2 * TAIL_LEN);
    while let Some(frame) = body.frame().await {
        let frame = match frame {
            Ok(f) => f,
            Err(e) => return Ok(error(StatusCode::BAD_REQUEST, &format!("body: {e}"))),
        };
        if let Ok(data) = frame.into_data() {
            raw += data.len() as u64;
            if chunked {
                let keep = data.len().min(TAIL_LEN);
                tail.extend_from_slice(&data[data.len() - keep..]);
                if tail.len() > TAIL_LEN {
                    tail.drain(..tail.len() - TAIL_LEN);
                }
            }
        }
    }
    let decoded = headers
        .get("x-amz-decoded-content-length")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let payload = if chunked {
        match decoded {
            Some(n) => n,
            None => {
                return Ok(error(
                    StatusCode::BAD_REQUEST,
                    "aws-chunked without x-amz-decoded-content-length",
                ));
            }
        }
    } else {
        raw
    };
    st.counters.uploaded.fetch_add(payload, Ordering::SeqCst);
    let mut b = s3_response(StatusCode::OK).header("etag", "\"5d41402abc4b2a76b9719d911017c592\"");
    // The checksum as S3 echoes it: from the header, or from the aws-chunked trailer.
    let mut echoed = false;
    for (name, value) in headers {
        if name.as_str().starts_with("x-amz-checksum-") && name != "x-amz-checksum-algorithm" {
            b = b.header(name, value);
            echoed = true;
        }
    }
    if chunked && !echoed {
        for line in tail.split(|&b| b == b'\n') {
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                continue;
            };
            let (name, value) = line.split_at(colon);
            let value = value.get(1..).unwrap_or_default();
            if name.starts_with(b"x-amz-checksum-")
                && let Ok(value) = HeaderValue::from_bytes(value.trim_ascii())
            {
                b = b.header(name, value);
            }
        }
    }
    b.body(Either::Left(Full::new(Bytes::new())))
}

fn count(haystack: &[u8], needle: &[u8]) -> u64 {
    haystack
        .windows(needle.len())
        .filter(|w| *w == needle)
        .count() as u64
}

fn checksum_mode(headers: &HeaderMap) -> bool {
    headers
        .get("x-amz-checksum-mode")
        .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"enabled"))
}

/// `bytes=a-b` (or `bytes=a-`) within the object: `(a, b)` inclusive.
fn parse_range(value: &HeaderValue) -> Option<(u64, u64)> {
    let spec = value.to_str().ok()?.strip_prefix("bytes=")?;
    let (start, end) = spec.split_once('-')?;
    let start: u64 = start.parse().ok()?;
    let end: u64 = if end.is_empty() {
        OBJECT_LEN - 1
    } else {
        end.parse::<u64>().ok()?.min(OBJECT_LEN - 1)
    };
    (start <= end).then_some((start, end))
}

fn s3_response(status: StatusCode) -> http::response::Builder {
    Response::builder()
        .status(status)
        .header(
            "x-amz-id-2",
            "vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=",
        )
        .header("x-amz-request-id", "6ZQ4W3E2R1T0Y9U8")
        .header("date", "Fri, 04 Dec 2026 10:20:30 GMT")
        .header("server", "AmazonS3")
}

fn object_headers(b: http::response::Builder) -> http::response::Builder {
    b.header("last-modified", "Fri, 17 May 2024 10:20:30 GMT")
        .header("etag", OBJECT_ETAG)
        .header("x-amz-server-side-encryption", "AES256")
        .header("accept-ranges", "bytes")
        .header("content-type", "application/octet-stream")
}

fn xml_response(b: http::response::Builder, xml: String) -> Result<Response<ResBody>, http::Error> {
    b.header("content-type", "application/xml")
        .body(Either::Left(Full::new(Bytes::from(xml))))
}

fn error(status: StatusCode, message: &str) -> Response<ResBody> {
    let body = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>InvalidRequest</Code>\
         <Message>{message}</Message></Error>"
    );
    let mut res = Response::new(Either::Left(Full::new(Bytes::from(body))));
    *res.status_mut() = status;
    res.headers_mut()
        .insert("content-type", HeaderValue::from_static("application/xml"));
    res
}

/// Bytes `pos..end` of the virtual object, as slices of the pattern (no copy).
pub struct PatternBody {
    pattern: Bytes,
    pos: u64,
    end: u64,
}

impl PatternBody {
    fn new(pattern: &Bytes, start: u64, end: u64) -> PatternBody {
        PatternBody {
            pattern: pattern.clone(),
            pos: start,
            end,
        }
    }
}

impl hyper::body::Body for PatternBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        if self.pos >= self.end {
            return Poll::Ready(None);
        }
        let at = (self.pos % PATTERN_LEN as u64) as usize;
        let n = ((self.end - self.pos) as usize).min(PATTERN_LEN - at);
        let data = self.pattern.slice(at..at + n);
        self.pos += n as u64;
        Poll::Ready(Some(Ok(Frame::data(data))))
    }

    fn is_end_stream(&self) -> bool {
        self.pos >= self.end
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.end - self.pos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .map_err(|e| e.to_string())
            .unwrap_or_else(|e| panic!("a runtime: {e}"))
            .block_on(f)
    }

    #[test]
    fn ranges_parse_within_the_object() {
        let r = |v: &'static str| parse_range(&HeaderValue::from_static(v));
        assert_eq!(r("bytes=0-9"), Some((0, 9)));
        assert_eq!(r("bytes=5-"), Some((5, OBJECT_LEN - 1)));
        assert_eq!(r("bytes=10-99999999999"), Some((10, OBJECT_LEN - 1)));
        assert_eq!(r("bytes=9-0"), None);
        assert_eq!(r("bytes=-5"), None);
        assert_eq!(r("items=0-9"), None);
    }

    #[test]
    fn a_range_across_the_pattern_s_end_has_the_object_s_bytes() {
        let pattern: Vec<u8> = (0..PATTERN_LEN).map(pattern_byte).collect();
        let pattern = Bytes::from(pattern);
        let start = PATTERN_LEN as u64 - 100;
        let end = start + 3 * PATTERN_LEN as u64;
        let Ok(body) = block_on(PatternBody::new(&pattern, start, end).collect());
        let bytes = body.to_bytes();
        assert_eq!(bytes.len() as u64, end - start);
        assert!(bytes.iter().zip(start..).all(|(b, o)| *b == byte_at(o)));
        // Parts of 8 MiB start with different bytes.
        let starts: Vec<u8> = (0..8).map(|k| byte_at(k * (8 << 20) + 1)).collect();
        assert!(starts.windows(2).any(|w| w[0] != w[1]), "{starts:?}");
    }
}
