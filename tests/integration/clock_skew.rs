//! Clock-skew correction against a loopback server whose clock is 20 minutes ahead: like S3, it
//! refuses a request whose `x-amz-date` is more than 15 minutes from its own time with
//! `403 RequestTimeTooSkewed`, and sends its time in `Date`. The client then signs with the
//! corrected time: the next call succeeds first time, and with a retry strategy that retries
//! clock-skew errors, the refused call itself succeeds on its second attempt.
use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use ziggurat::context::Context;
use ziggurat::hook::OperationOutput;
use ziggurat::layers::sign::SigV4;
use ziggurat::layers::sign::clock_skew::{RECORD_CLOCK_SKEW, is_clock_skew_error};
use ziggurat::prelude::*;
use ziggurat::retry::{RetryDecision, RetryStrategy};
use ziggurat::s3::{Client, Config};
use ziggurat::time::SharedSleep;

const SKEW: Duration = Duration::from_secs(20 * 60);

/// A server whose clock runs `SKEW` ahead and that checks `x-amz-date` like S3 (±15 min).
struct SkewedServer {
    url: String,
    requests: Arc<AtomicU32>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for SkewedServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl SkewedServer {
    async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let requests = Arc::new(AtomicU32::new(0));
        let counter = requests.clone();
        let task = tokio::spawn(async move {
            let http = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            loop {
                let Ok((sock, _)) = listener.accept().await else {
                    continue;
                };
                let _ = sock.set_nodelay(true);
                let counter = counter.clone();
                let svc = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                    counter.fetch_add(1, Ordering::SeqCst);
                    async move { Ok::<_, Infallible>(answer(&req)) }
                });
                let conn = http.serve_connection(TokioIo::new(sock), svc).into_owned();
                tokio::spawn(async move {
                    let _ = conn.await;
                });
            }
        });
        SkewedServer {
            url,
            requests,
            task,
        }
    }

    fn requests(&self) -> u32 {
        self.requests.load(Ordering::SeqCst)
    }
}

fn answer<B>(req: &http::Request<B>) -> http::Response<Full<Bytes>> {
    let server_now = SystemTime::now() + SKEW;
    let signed_at = req
        .headers()
        .get("x-amz-date")
        .and_then(|v| v.to_str().ok())
        .and_then(parse_amz_date);
    let in_window = signed_at.is_some_and(|t| {
        let off = server_now
            .duration_since(t)
            .unwrap_or_else(|e| e.duration());
        off <= Duration::from_secs(15 * 60)
    });
    let builder = http::Response::builder().header("date", http_date(server_now));
    if in_window {
        builder
            .status(200)
            .header("etag", "\"d41d8cd98f00b204e9800998ecf8427e\"")
            .body(Full::new(Bytes::new()))
            .unwrap()
    } else {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>RequestTimeTooSkewed</Code>\
                   <Message>The difference between the request time and the current time is too large.</Message></Error>";
        builder
            .status(403)
            .header("content-type", "application/xml")
            .body(Full::new(Bytes::from(xml)))
            .unwrap()
    }
}

/// `YYYYMMDDTHHMMSSZ`.
fn parse_amz_date(s: &str) -> Option<SystemTime> {
    let n = |r: std::ops::Range<usize>| s.get(r)?.parse::<i64>().ok();
    let days = days_from_civil(n(0..4)?, n(4..6)?, n(6..8)?);
    let secs = days * 86_400 + n(9..11)? * 3600 + n(11..13)? * 60 + n(13..15)?;
    Some(UNIX_EPOCH + Duration::from_secs(u64::try_from(secs).ok()?))
}

fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468
}

/// IMF-fixdate, `Sun, 06 Nov 1994 08:49:37 GMT`.
fn http_date(t: SystemTime) -> String {
    let secs = t.duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // civil_from_days (Howard Hinnant).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{}, {:02} {} {} {:02}:{:02}:{:02} GMT",
        DAYS[days.rem_euclid(7) as usize],
        day,
        MONTHS[(month - 1) as usize],
        year,
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Retries a clock-skew error once (what the standard retry strategy does, issue 4).
#[derive(Debug)]
struct RetryClockSkew;

impl RetryStrategy for RetryClockSkew {
    fn max_attempts(&self) -> u32 {
        2
    }
    fn decide(&self, _: &Context, result: &Result<OperationOutput, SdkError>) -> RetryDecision {
        match result {
            Err(e) if e.code().is_some_and(is_clock_skew_error) => {
                RetryDecision::RetryAfter(Duration::ZERO)
            }
            _ => RetryDecision::Stop,
        }
    }
}

/// An S3 client whose signer shares its clock-skew offset with a recorder placed below the
/// deserializer, where the raw response (and its `Date`) is visible.
fn client(server: &SkewedServer, retry: bool) -> Client {
    let sdk = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
        .endpoint_url(&server.url)
        .build();
    let signer = SigV4::s3();
    let config = Config::new(&sdk).stack(move |stack| {
        stack.deserialize_mut().add(
            RECORD_CLOCK_SKEW,
            Middleware::request_hook(signer.clock_skew_hook()),
            Position::After,
        )?;
        stack
            .finalize_mut()
            .swap(ids::SIGNING, Middleware::request_hook(signer.clone()))?;
        let strategy = if retry {
            Middleware::retry(RetryClockSkew, SharedSleep::default())
        } else {
            Middleware::no_retry()
        };
        stack.finalize_mut().swap(ids::RETRY, strategy)?;
        Ok(())
    });
    Client::from_conf(config)
}

async fn put(s3: &Client) -> Result<u32, SdkError<ziggurat::s3::PutObjectError>> {
    let out = s3
        .put_object()
        .bucket("bucket")
        .key("key")
        .body(Body::from("hello"))
        .send()
        .await?;
    Ok(out.response_metadata().attempts())
}

#[test]
fn the_test_server_formats_dates_as_http_does() {
    let t = UNIX_EPOCH + Duration::from_secs(784_111_777);
    assert_eq!(http_date(t), "Sun, 06 Nov 1994 08:49:37 GMT");
    assert_eq!(parse_amz_date("19941106T084937Z"), Some(t));
}

#[tokio::test]
async fn a_refused_call_corrects_the_clock_and_the_next_call_succeeds_first_time() {
    let server = SkewedServer::start().await;
    let s3 = client(&server, false);
    let err = put(&s3).await.expect_err("the first call is refused");
    assert_eq!(err.code(), Some("RequestTimeTooSkewed"), "{err}");
    assert_eq!(err.metadata().attempts(), 1);
    assert_eq!(put(&s3).await.unwrap(), 1);
    assert_eq!(put(&s3).await.unwrap(), 1);
    assert_eq!(server.requests(), 3);
}

#[tokio::test]
async fn the_refused_call_succeeds_on_retry_with_the_corrected_time() {
    let server = SkewedServer::start().await;
    let s3 = client(&server, true);
    assert_eq!(put(&s3).await.unwrap(), 2, "succeeds on its second attempt");
    assert_eq!(put(&s3).await.unwrap(), 1, "later calls succeed first time");
    assert_eq!(server.requests(), 3);
}

/// The same with an unmodified client: the signer learns the offset from the refused
/// response, and the standard retry strategy retries a clock-skew error whose `Date` is off.
#[tokio::test]
async fn a_default_client_succeeds_on_retry_and_then_first_time() {
    let server = SkewedServer::start().await;
    let sdk = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new("AKIDEXAMPLE", "secret", None))
        .endpoint_url(&server.url)
        .build();
    let s3 = Client::new(&sdk);
    assert_eq!(put(&s3).await.unwrap(), 2);
    assert_eq!(put(&s3).await.unwrap(), 1);
}
