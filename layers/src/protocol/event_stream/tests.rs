use std::future::poll_fn;

use bytes::Bytes;
use ziggurat_core::body::Body;
use ziggurat_core::schema::de::{self, DeserializeValue, ShapeDeserializer, deserialize_root};
use ziggurat_core::schema::error::CodecResult;
use ziggurat_core::schema::{Member, Schema, flag, prelude};

use super::*;

static CHUNK_MEMBERS: [Member; 2] = [
    Member::new("Payload", &prelude::BLOB).with_flags(flag::EVENT_PAYLOAD),
    Member::new("seq", &prelude::INTEGER).with_flags(flag::EVENT_HEADER),
];
static CHUNK: Schema = Schema::structure("Chunk", &CHUNK_MEMBERS);
static DONE_MEMBERS: [Member; 2] = [
    Member::new("ErrorCode", &prelude::STRING),
    Member::new("Count", &prelude::LONG),
];
static DONE: Schema = Schema::structure("Done", &DONE_MEMBERS);
static BOOM_MEMBERS: [Member; 1] = [Member::new("Message", &prelude::STRING)];
static BOOM: Schema = Schema::structure("Boom", &BOOM_MEMBERS).with_flags(flag::ERROR);
static EVENTS_MEMBERS: [Member; 3] = [
    Member::new("Chunk", &CHUNK),
    Member::new("Done", &DONE),
    Member::new("Boom", &BOOM),
];
static EVENTS: Schema = Schema::union("Events", &EVENTS_MEMBERS).with_flags(flag::EVENT_STREAM);

#[derive(Debug, PartialEq)]
enum Ev {
    Chunk(Option<Bytes>, Option<i32>),
    Done(Option<String>, Option<i64>),
    Boom(Option<String>),
    Unknown,
}

fn fields(
    schema: &'static Schema,
    d: &mut dyn ShapeDeserializer,
    mut f: impl FnMut(usize, &mut dyn ShapeDeserializer) -> CodecResult,
) -> CodecResult {
    d.read_struct(schema, &mut |i, d| f(i, d))
}

impl DeserializeValue for Ev {
    fn deserialize_value(_: &'static Member, d: &mut dyn ShapeDeserializer) -> CodecResult<Self> {
        let mut out = Ev::Unknown;
        d.read_struct(&EVENTS, &mut |i, d| {
            out = match i {
                0 => {
                    let (mut p, mut s) = (None, None);
                    fields(&CHUNK, d, |i, d| {
                        match i {
                            0 => p = Some(de::member(&CHUNK, 0, d)?),
                            _ => s = Some(de::member(&CHUNK, 1, d)?),
                        }
                        Ok(())
                    })?;
                    Ev::Chunk(p, s)
                }
                1 => {
                    let (mut c, mut n) = (None, None);
                    fields(&DONE, d, |i, d| {
                        match i {
                            0 => c = Some(de::member(&DONE, 0, d)?),
                            _ => n = Some(de::member(&DONE, 1, d)?),
                        }
                        Ok(())
                    })?;
                    Ev::Done(c, n)
                }
                _ => {
                    let mut m = None;
                    fields(&BOOM, d, |_, d| {
                        m = Some(de::member(&BOOM, 0, d)?);
                        Ok(())
                    })?;
                    Ev::Boom(m)
                }
            };
            Ok(())
        })?;
        Ok(out)
    }
}

fn s(v: &str) -> HeaderValue {
    HeaderValue::String(v.to_owned())
}

fn event(ty: &str, extra: &[(&str, HeaderValue)], ct: Option<&str>, payload: &[u8]) -> Vec<u8> {
    let mut headers = vec![
        (":message-type".to_owned(), s("event")),
        (":event-type".to_owned(), s(ty)),
    ];
    if let Some(ct) = ct {
        headers.push((":content-type".to_owned(), s(ct)));
    }
    headers.extend(extra.iter().map(|(n, v)| ((*n).to_owned(), v.clone())));
    Message {
        headers,
        payload: Bytes::copy_from_slice(payload),
    }
    .encode()
}

/// A body answering one frame per chunk.
struct Chunks(std::collections::VecDeque<Bytes>);

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = std::io::Error;
    fn poll_frame(
        self: std::pin::Pin<&mut Self>,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Result<http_body::Frame<Bytes>, std::io::Error>>> {
        std::task::Poll::Ready(
            self.get_mut()
                .0
                .pop_front()
                .map(|b| Ok(http_body::Frame::data(b))),
        )
    }
}

type Got = Result<(String, Option<Ev>), String>;

/// Reads every event of `bytes` (sent in `chunk`-byte frames): what was delivered (`event`,
/// or the error's code and message) and the event read.
async fn read_all(bytes: &[u8], chunk: usize) -> Vec<Got> {
    let frames = bytes
        .chunks(chunk.max(1))
        .map(Bytes::copy_from_slice)
        .collect();
    let mut reader = EventReader::new(Body::from_stream(Chunks(frames)), &EVENTS);
    let mut out = Vec::new();
    loop {
        let mut ev = None;
        let got = poll_fn(|cx| {
            reader.poll_event(cx, &mut |d| {
                ev = Some(deserialize_root::<Ev>(d)?);
                Ok(())
            })
        })
        .await;
        match got {
            Ok(Some(Delivered::Event)) => out.push(Ok(("event".to_owned(), ev))),
            Ok(Some(Delivered::Error { error, .. })) => out.push(Ok((
                format!("{}: {}", error.code(), error.message().unwrap_or_default()),
                ev,
            ))),
            Ok(None) => break,
            Err(e) => {
                out.push(Err(e.to_string()));
                break;
            }
        }
    }
    out
}

fn stream() -> Vec<u8> {
    let mut all = Vec::new();
    all.extend(event(
        "Chunk",
        &[("seq", HeaderValue::Int32(1))],
        Some("application/octet-stream"),
        b"hello ",
    ));
    all.extend(event("Mystery", &[], Some("application/json"), b"{}"));
    all.extend(event(
        "Chunk",
        &[("seq", HeaderValue::Int32(2))],
        None,
        b"world",
    ));
    all.extend(event(
        "Done",
        &[],
        Some("application/json"),
        br#"{"ErrorCode":"none","Count":2,"Extra":true}"#,
    ));
    all
}

fn expected() -> Vec<Got> {
    vec![
        Ok((
            "event".into(),
            Some(Ev::Chunk(Some(Bytes::from_static(b"hello ")), Some(1))),
        )),
        Ok((
            "event".into(),
            Some(Ev::Chunk(Some(Bytes::from_static(b"world")), Some(2))),
        )),
        Ok(("event".into(), Some(Ev::Done(Some("none".into()), Some(2))))),
    ]
}

#[tokio::test]
async fn events_are_read_in_order_whatever_the_framing() {
    let all = stream();
    for chunk in [1, 3, 16, 17, 100, all.len()] {
        assert_eq!(read_all(&all, chunk).await, expected(), "chunk {chunk}");
    }
}

#[tokio::test]
async fn an_xml_payload_is_read_by_the_xml_codec() {
    let bytes = event(
        "Done",
        &[],
        Some("text/xml"),
        b"<Done><ErrorCode>x</ErrorCode><Count>7</Count></Done>",
    );
    assert_eq!(
        read_all(&bytes, 5).await,
        vec![Ok((
            "event".into(),
            Some(Ev::Done(Some("x".into()), Some(7)))
        ))]
    );
}

#[tokio::test]
async fn exceptions_and_errors_become_api_errors() {
    let mut all = Vec::new();
    all.extend(
        Message {
            headers: vec![
                (":message-type".into(), s("exception")),
                (":exception-type".into(), s("Boom")),
                (":content-type".into(), s("application/json")),
            ],
            payload: Bytes::from_static(br#"{"Message":"it broke"}"#),
        }
        .encode(),
    );
    all.extend(
        Message {
            headers: vec![
                (":message-type".into(), s("exception")),
                (":exception-type".into(), s("Unmodeled")),
            ],
            payload: Bytes::from_static(br#"{"message":"who knows"}"#),
        }
        .encode(),
    );
    all.extend(
        Message {
            headers: vec![
                (":message-type".into(), s("error")),
                (":error-code".into(), s("InternalError")),
                (":error-message".into(), s("try again")),
            ],
            payload: Bytes::new(),
        }
        .encode(),
    );
    assert_eq!(
        read_all(&all, 7).await,
        vec![
            Ok((
                "Boom: it broke".into(),
                Some(Ev::Boom(Some("it broke".into())))
            )),
            Ok(("Unmodeled: who knows".into(), None)),
            Ok(("InternalError: try again".into(), None)),
        ]
    );
}

#[tokio::test]
async fn a_corrupt_stream_ends_with_an_error_after_the_good_events() {
    let mut all = stream();
    let n = all.len();
    all[n - 5] ^= 1;
    let got = read_all(&all, 10).await;
    assert_eq!(got[..2], expected()[..2]);
    let err = got[2].as_ref().unwrap_err();
    assert!(err.contains("message CRC"), "{err}");
    assert_eq!(got.len(), 3);

    let mut cut = stream();
    cut.truncate(n - 3);
    let got = read_all(&cut, 64).await;
    assert!(
        got[2]
            .as_ref()
            .unwrap_err()
            .contains("ended inside a message")
    );
}

#[tokio::test]
async fn an_event_of_the_wrong_shape_is_an_error_not_a_panic() {
    let bytes = event("Done", &[], Some("application/json"), br#"{"Count":"x"}"#);
    let got = read_all(&bytes, 64).await;
    assert!(
        got[0]
            .as_ref()
            .unwrap_err()
            .contains("not the expected shape"),
        "{got:?}"
    );
    let bytes = event("Chunk", &[("seq", s("one"))], None, b"");
    assert!(read_all(&bytes, 64).await[0].is_err());
}
