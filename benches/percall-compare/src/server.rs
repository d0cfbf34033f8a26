//! The loopback server: hyper's HTTP/1.1 server on one current-thread runtime on its own
//! thread, answering the three operations with the responses (headers included) the services
//! send.
//!
//! * DynamoDB (`POST /`, `X-Amz-Target: DynamoDB_20120810.GetItem` / `.PutItem`): the
//!   `GetItem` item or `{}`, with `x-amzn-RequestId` and `x-amz-crc32` (the CRC32 of the body,
//!   as DynamoDB sends it).
//! * S3 (`GET /bench-bucket/objects/...`): the 1 MiB object, with the headers S3 sends
//!   (`ETag`, `Last-Modified`, `x-amz-request-id`, `x-amz-id-2`, `x-amz-server-side-encryption`,
//!   ...) and, when the request says `x-amz-checksum-mode: ENABLED` (aws-sdk-s3 does by
//!   default, ziggurat does not), the object's full-object CRC64-NVME checksum, as S3 answers
//!   for an object uploaded with one (the default of current SDKs).
//!
//! Anything else is a 400 with a DynamoDB-style error, so a wrong request fails the bench loudly.
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{HeaderMap, Method, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;

use crate::payload;

/// A request as the server received it (for the request-size check and for raw hyper's
/// replay).
#[derive(Clone, Debug)]
pub struct Captured {
    pub method: Method,
    pub path_and_query: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

struct State {
    capturing: AtomicBool,
    captured: Mutex<Option<Captured>>,
    get_item: Bytes,
    get_item_crc32: HeaderValue,
    put_item: Bytes,
    put_item_crc32: HeaderValue,
    object: Bytes,
    object_crc64: HeaderValue,
    object_path: String,
}

pub struct Server {
    pub addr: SocketAddr,
    thread: crate::harness::ServerThread,
    state: Arc<State>,
}

const DDB_REQUEST_ID: &str = "8R5A1J7Q6L0VQ4R3M2N1P0O9I8U7Y6T5R4E3W2Q1A0S9D8F7G6HJ";
const S3_REQUEST_ID: &str = "6ZQ4W3E2R1T0Y9U8";
const S3_HOST_ID: &str =
    "vlR7PnpV2Ce81l0PRw6jlUpck7Jo5ZsQjryTjKlc5aLWGVHPZLj5NeC6qMa0emYBDXOo6QBU0Wo=";

fn crc32_header(body: &[u8]) -> HeaderValue {
    let crc = crc_fast::checksum(crc_fast::CrcAlgorithm::Crc32IsoHdlc, body);
    HeaderValue::from_str(&crc.to_string()).expect("crc32 header")
}

impl Server {
    /// Starts the server on its own thread; returns when it listens.
    pub fn start() -> Server {
        let get_item = serde_json::to_vec(
            &serde_json::json!({ "Item": payload::item_json(&payload::get_item_attributes()) }),
        )
        .expect("GetItem body");
        let object = payload::object();
        let crc64 = crc_fast::checksum(crc_fast::CrcAlgorithm::Crc64Nvme, &object);
        let state = Arc::new(State {
            capturing: AtomicBool::new(false),
            captured: Mutex::new(None),
            get_item_crc32: crc32_header(&get_item),
            get_item: Bytes::from(get_item),
            put_item_crc32: crc32_header(b"{}"),
            put_item: Bytes::from_static(b"{}"),
            object: Bytes::from(object),
            object_crc64: HeaderValue::from_str(&payload::base64(&crc64.to_be_bytes()))
                .expect("crc64 header"),
            object_path: format!("/{}/{}", payload::BUCKET, payload::OBJECT_KEY),
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

    /// Records the next request the server receives; [`Server::take_captured`] returns it.
    pub fn capture_next(&self) {
        *self.state.captured.lock().expect("capture lock") = None;
        self.state.capturing.store(true, Ordering::SeqCst);
    }

    pub fn take_captured(&self) -> Captured {
        self.state
            .captured
            .lock()
            .expect("capture lock")
            .take()
            .expect("a request was captured")
    }
}

async fn handle(
    st: Arc<State>,
    req: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = req.into_parts();
    let body = match body.collect().await {
        Ok(b) => b.to_bytes(),
        Err(e) => {
            return Ok(error(
                StatusCode::BAD_REQUEST,
                &format!("request body: {e}"),
            ));
        }
    };
    if st.capturing.swap(false, Ordering::SeqCst) {
        let captured = Captured {
            method: parts.method.clone(),
            path_and_query: parts
                .uri
                .path_and_query()
                .map_or("/".to_owned(), |p| p.as_str().to_owned()),
            headers: parts.headers.clone(),
            body: body.clone(),
        };
        if let Ok(mut slot) = st.captured.lock() {
            *slot = Some(captured);
        }
    }
    let res = if parts.method == Method::GET && parts.uri.path() == st.object_path {
        let mut b = Response::builder()
            .header("x-amz-id-2", S3_HOST_ID)
            .header("x-amz-request-id", S3_REQUEST_ID)
            .header("last-modified", "Fri, 17 May 2024 10:20:30 GMT")
            .header("etag", "\"9b2cf535f27731c974343645a3985328\"")
            .header("x-amz-server-side-encryption", "AES256")
            .header("accept-ranges", "bytes")
            .header("content-type", "application/octet-stream")
            .header("server", "AmazonS3");
        let checksum_mode = parts
            .headers
            .get("x-amz-checksum-mode")
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"enabled"));
        if checksum_mode {
            b = b
                .header("x-amz-checksum-crc64nvme", st.object_crc64.clone())
                .header("x-amz-checksum-type", "FULL_OBJECT");
        }
        b.body(Full::new(st.object.clone()))
    } else if parts.method == Method::POST && parts.uri.path() == "/" {
        let target = parts
            .headers
            .get(HeaderName::from_static("x-amz-target"))
            .map(HeaderValue::as_bytes);
        let (body, crc) = match target {
            Some(b"DynamoDB_20120810.GetItem") => (st.get_item.clone(), st.get_item_crc32.clone()),
            Some(b"DynamoDB_20120810.PutItem") => (st.put_item.clone(), st.put_item_crc32.clone()),
            _ => return Ok(error(StatusCode::BAD_REQUEST, "unexpected X-Amz-Target")),
        };
        Response::builder()
            .header("server", "Server")
            .header("content-type", "application/x-amz-json-1.0")
            .header("x-amzn-requestid", DDB_REQUEST_ID)
            .header("x-amz-crc32", crc)
            .body(Full::new(body))
    } else {
        return Ok(error(
            StatusCode::BAD_REQUEST,
            &format!("unexpected {} {}", parts.method, parts.uri),
        ));
    };
    Ok(res.unwrap_or_else(|e| error(StatusCode::INTERNAL_SERVER_ERROR, &e.to_string())))
}

fn error(status: StatusCode, message: &str) -> Response<Full<Bytes>> {
    let body = serde_json::json!({
        "__type": "com.amazon.coral.validate#ValidationException",
        "message": message,
    });
    let mut res = Response::new(Full::new(Bytes::from(body.to_string())));
    *res.status_mut() = status;
    res.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/x-amz-json-1.0"),
    );
    res
}
