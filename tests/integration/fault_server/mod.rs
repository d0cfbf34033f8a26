//! A scripted HTTP/1.1 server on 127.0.0.1 for fault-injection tests: for each request it
//! records what arrived, then answers, stalls, or breaks the connection as the script says.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Action {
    /// Answers; with `close`, closes the connection afterwards (without saying so).
    Respond {
        status: u16,
        headers: Vec<(String, String)>,
        body: Vec<u8>,
        close: bool,
    },
    /// Resets the connection (RST) instead of answering.
    Reset,
    /// Closes the connection (FIN) instead of answering.
    Close,
    /// Sends the head with `Content-Length: declared` and `sent` bytes of body, then resets.
    ResetMidBody {
        status: u16,
        declared: usize,
        sent: usize,
    },
    /// Sends the head with `Content-Length: declared` and `sent` bytes of body, then sends
    /// nothing more (the connection stays open until the client drops it).
    StallMidBody {
        status: u16,
        declared: usize,
        sent: usize,
    },
    /// Waits, then does the next action.
    Delay(Duration, Box<Action>),
    /// Never answers (the connection stays open until the client drops it).
    Hang,
}

impl Action {
    pub fn respond(status: u16, headers: &[(&str, &str)], body: impl Into<Vec<u8>>) -> Action {
        Action::Respond {
            status,
            headers: headers
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            body: body.into(),
            close: false,
        }
    }

    /// The same response, then the server closes the connection.
    pub fn and_close(self) -> Action {
        match self {
            Action::Respond {
                status,
                headers,
                body,
                ..
            } => Action::Respond {
                status,
                headers,
                body,
                close: true,
            },
            other => other,
        }
    }

    pub fn after(self, delay: Duration) -> Action {
        Action::Delay(delay, Box::new(self))
    }
}

/// A request as the server received it.
#[derive(Clone, Debug)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub connection: usize,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

type Script = Arc<dyn Fn(usize, &Seen) -> Action + Send + Sync>;

pub struct FaultServer {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    connections: Arc<AtomicUsize>,
    closed: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl FaultServer {
    /// Starts a server whose answer to request `n` (from 0) is `script(n, &request)`.
    pub async fn start(script: impl Fn(usize, &Seen) -> Action + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let connections = Arc::new(AtomicUsize::new(0));
        let closed = Arc::new(AtomicUsize::new(0));
        let script: Script = Arc::new(script);
        let (s, c, d) = (seen.clone(), connections.clone(), closed.clone());
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let id = c.fetch_add(1, Ordering::SeqCst);
                let (s, script, d) = (s.clone(), script.clone(), d.clone());
                tokio::spawn(async move {
                    serve(stream, id, s, script).await;
                    d.fetch_add(1, Ordering::SeqCst);
                });
            }
        });
        FaultServer {
            addr,
            seen,
            connections,
            closed,
            task,
        }
    }

    /// Always answers the same way.
    pub async fn always(action: Action) -> Self {
        Self::start(move |_, _| action.clone()).await
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn request_count(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// Connections that ended (closed by either side).
    pub fn closed_connections(&self) -> usize {
        self.closed.load(Ordering::SeqCst)
    }
}

async fn serve(
    mut stream: TcpStream,
    connection: usize,
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Script,
) {
    let _ = stream.set_nodelay(true);
    let mut buf = Vec::new();
    loop {
        let Some(request) = read_request(&mut stream, &mut buf, connection).await else {
            return;
        };
        let n = {
            let mut all = seen.lock().unwrap();
            all.push(request.clone());
            all.len() - 1
        };
        let mut action = script(n, &request);
        loop {
            match action {
                Action::Delay(d, next) => {
                    // Watch the connection while waiting: a client that gives up closes it.
                    let mut probe = [0u8; 1];
                    tokio::select! {
                        _ = tokio::time::sleep(d) => {}
                        r = stream.read(&mut probe) => if matches!(r, Ok(0) | Err(_)) { return; },
                    }
                    action = *next;
                }
                Action::Hang => {
                    wait_for_close(&mut stream).await;
                    return;
                }
                Action::StallMidBody {
                    status,
                    declared,
                    sent,
                } => {
                    send_part_of_body(&mut stream, status, declared, sent).await;
                    wait_for_close(&mut stream).await;
                    return;
                }
                Action::Reset => {
                    reset(&stream);
                    return;
                }
                Action::Close => {
                    let _ = stream.shutdown().await;
                    return;
                }
                Action::ResetMidBody {
                    status,
                    declared,
                    sent,
                } => {
                    send_part_of_body(&mut stream, status, declared, sent).await;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                    reset(&stream);
                    return;
                }
                Action::Respond {
                    status,
                    headers,
                    body,
                    close,
                } => {
                    let mut head =
                        format!("HTTP/1.1 {status} X\r\ncontent-length: {}\r\n", body.len());
                    for (k, v) in &headers {
                        head.push_str(&format!("{k}: {v}\r\n"));
                    }
                    head.push_str("\r\n");
                    let mut out = head.into_bytes();
                    out.extend_from_slice(&body);
                    if stream.write_all(&out).await.is_err() {
                        return;
                    }
                    let _ = stream.flush().await;
                    if close {
                        let _ = stream.shutdown().await;
                        return;
                    }
                    break;
                }
            }
        }
    }
}

/// Reads one request (head and body, `content-length` or chunked); `None` at end of stream.
async fn read_request(
    stream: &mut TcpStream,
    buf: &mut Vec<u8>,
    connection: usize,
) -> Option<Seen> {
    let head_end = loop {
        if let Some(i) = find(buf, b"\r\n\r\n") {
            break i;
        }
        let mut chunk = [0u8; 8192];
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    buf.drain(..head_end + 4);
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split(' ');
    let method = first.next()?.to_owned();
    let path = first.next()?.to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let get = |name: &str| {
        headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.clone())
    };
    let body = if let Some(len) = get("content-length").and_then(|v| v.parse::<usize>().ok()) {
        while buf.len() < len {
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        buf.drain(..len).collect()
    } else if get("transfer-encoding").is_some_and(|v| v.eq_ignore_ascii_case("chunked")) {
        loop {
            if let Some(i) = find(buf, b"0\r\n\r\n") {
                let raw: Vec<u8> = buf.drain(..i + 5).collect();
                break raw;
            }
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return None,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
    } else {
        Vec::new()
    };
    Some(Seen {
        method,
        path,
        headers,
        body,
        connection,
    })
}

/// Makes the coming drop send RST instead of FIN. A zero linger does not block on drop (the
/// reason tokio deprecates `set_linger`); it is the plain way to simulate a reset.
#[allow(deprecated)]
fn reset(stream: &TcpStream) {
    let _ = stream.set_linger(Some(Duration::ZERO));
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Reads (and drops) whatever the client sends until it closes the connection.
async fn wait_for_close(stream: &mut TcpStream) {
    let mut rest = [0u8; 1024];
    while let Ok(n) = stream.read(&mut rest).await {
        if n == 0 {
            return;
        }
    }
}

/// Sends a head with `Content-Length: declared` and the first `sent` bytes of the body.
async fn send_part_of_body(stream: &mut TcpStream, status: u16, declared: usize, sent: usize) {
    let head = format!("HTTP/1.1 {status} X\r\ncontent-length: {declared}\r\n\r\n");
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(&vec![b'x'; sent]).await;
    let _ = stream.flush().await;
}
