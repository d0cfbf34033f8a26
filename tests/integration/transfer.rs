//! The transfer manager against s3s-fs: uploads and downloads of every size around the part
//! boundaries, thousands of parts, retried and failing parts, cancellation, an object that
//! changes mid-download, and directories.
use crate::support;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use support::s3_server::{ACCESS_KEY, Fault, FaultHook, S3Server, SECRET_KEY};
use ziggurat::prelude::*;
use ziggurat::s3::transfer::{Progress, TransferErrorKind, TransferManager};

/// S3's (and s3s-fs's) smallest part.
const PART: u64 = ziggurat::s3::transfer::MIN_PART_SIZE;

async fn manager(server: &S3Server, bucket: &str) -> TransferManager {
    let config = SdkConfig::builder()
        .region(Region::from_static("us-east-1"))
        .credentials(Credentials::new(ACCESS_KEY, SECRET_KEY, None))
        .endpoint_url(server.url())
        .build();
    let client = ziggurat::s3::Client::new(&config);
    client.create_bucket().bucket(bucket).send().await.unwrap();
    TransferManager::new(client)
        .part_size(PART)
        .multipart_threshold(PART)
        .concurrency(4)
}

fn data(len: u64) -> Vec<u8> {
    (0..len).map(|i| (i * 31 % 251) as u8).collect()
}

/// The progress events of a transfer.
fn recorder() -> (
    Arc<Mutex<Vec<Progress>>>,
    impl Fn(Progress) + Send + Sync + 'static,
) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = seen.clone();
    (seen, move |p| sink.lock().unwrap().push(p))
}

/// Multipart uploads the server still holds (s3s-fs keeps each as `.upload_id-*` files).
fn open_uploads(server: &S3Server) -> usize {
    std::fs::read_dir(server.root())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with(".upload_id-"))
        .count()
}

async fn read_back(tm: &TransferManager, bucket: &str, key: &str, dir: &Path) -> Vec<u8> {
    let path = dir.join(key.replace('/', "_"));
    let out = tm
        .download()
        .bucket(bucket)
        .key(key)
        .to_file(&path)
        .send()
        .await
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    assert_eq!(out.bytes, bytes.len() as u64);
    bytes
}

#[tokio::test]
async fn uploads_round_trip_at_every_size_around_the_part_boundaries() {
    let server = S3Server::start().await.unwrap();
    let tm = manager(&server, "sizes").await;
    let dir = tempfile::tempdir().unwrap();
    for (len, parts) in [(0, 1), (1, 1), (PART, 1), (PART + 1, 2), (2 * PART + 17, 3)] {
        let body = data(len);
        let file = dir.path().join(format!("src-{len}"));
        std::fs::write(&file, &body).unwrap();
        for how in ["file", "bytes", "reader"] {
            let key = format!("{how}/{len}");
            let (seen, progress) = recorder();
            let upload = tm.upload().bucket("sizes").key(&key).progress(progress);
            let upload = match how {
                "file" => upload.file(&file),
                "bytes" => upload.bytes(body.clone()),
                _ => upload.reader(std::io::Cursor::new(body.clone())),
            };
            let out = upload.send().await.unwrap();
            assert_eq!(out.bytes, len, "{key}");
            assert_eq!(out.parts, parts, "{key}");
            assert_eq!(
                out.upload_id.is_some(),
                len >= PART,
                "{key}: multipart from the threshold"
            );
            let last = *seen.lock().unwrap().last().unwrap();
            assert_eq!((last.bytes_done, last.parts_done), (len, parts), "{key}");
            assert_eq!(
                (last.bytes_total, last.parts_total),
                (Some(len), Some(parts)),
                "{key}"
            );

            assert_eq!(
                read_back(&tm, "sizes", &key, dir.path()).await,
                body,
                "{key}"
            );
            let mut out = Vec::new();
            let (seen, progress) = recorder();
            let got = tm
                .download()
                .bucket("sizes")
                .key(&key)
                .progress(progress)
                .write_to(&mut out)
                .await
                .unwrap();
            assert_eq!(out, body, "{key}");
            assert_eq!(got.parts, len.div_ceil(PART), "{key}: one range per part");
            let last = *seen.lock().unwrap().last().unwrap();
            assert_eq!(last.bytes_done, len, "{key}");
            assert_eq!(last.bytes_total, Some(len), "{key}");
        }
    }
    assert_eq!(open_uploads(&server), 0, "every upload completed");
}

#[tokio::test]
async fn a_file_larger_than_memory_would_like_is_read_part_by_part() {
    // A 64 MiB sparse file in the default 8 MiB parts (8 parts, 4 at a time).
    let server = S3Server::start().await.unwrap();
    let tm = manager(&server, "sparse").await.part_size(8 << 20);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sparse.bin");
    let file = std::fs::File::create(&path).unwrap();
    file.set_len(64 << 20).unwrap();
    drop(file);
    let out = tm
        .upload()
        .bucket("sparse")
        .key("big")
        .file(&path)
        .send()
        .await
        .unwrap();
    assert_eq!((out.bytes, out.parts), (64 << 20, 8));
    let back = dir.path().join("back.bin");
    let got = tm
        .download()
        .bucket("sparse")
        .key("big")
        .to_file(&back)
        .send()
        .await
        .unwrap();
    assert_eq!((got.bytes, got.parts), (64 << 20, 8));
    let read = std::fs::read(&back).unwrap();
    assert_eq!(read.len(), 64 << 20);
    assert!(read.iter().all(|&b| b == 0));
}

/// Fails the first `times` attempts of every `UploadPart` of part `part` (`usize::MAX`: all).
fn failing_part(part: &'static str, times: usize, seen: Arc<AtomicUsize>) -> FaultHook {
    Arc::new(move |req: &http::request::Parts| {
        let query = req.uri.query().unwrap_or_default();
        let is_part = req.method == http::Method::PUT
            && query
                .split('&')
                .any(|kv| kv == format!("partNumber={part}"));
        if !is_part {
            return None;
        }
        let n = seen.fetch_add(1, Ordering::SeqCst);
        (n < times).then_some(Fault::Error(500, "InternalError"))
    })
}

#[tokio::test]
async fn a_part_that_fails_once_is_retried_and_the_upload_completes() {
    let attempts = Arc::new(AtomicUsize::new(0));
    let server = S3Server::start_with_faults(failing_part("2", 1, attempts.clone()))
        .await
        .unwrap();
    let tm = manager(&server, "retry").await;
    let body = data(2 * PART + 1);
    let out = tm
        .upload()
        .bucket("retry")
        .key("k")
        .bytes(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(out.parts, 3);
    assert_eq!(attempts.load(Ordering::SeqCst), 2, "part 2 sent twice");
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(read_back(&tm, "retry", "k", dir.path()).await, body);
}

#[tokio::test]
async fn a_part_that_always_fails_aborts_the_upload_or_keeps_it_when_asked() {
    let attempts = Arc::new(AtomicUsize::new(0));
    let server = S3Server::start_with_faults(failing_part("2", usize::MAX, attempts.clone()))
        .await
        .unwrap();
    let tm = manager(&server, "fail").await;
    let body = data(2 * PART + 1);
    let e = tm
        .upload()
        .bucket("fail")
        .key("k")
        .bytes(body.clone())
        .send()
        .await
        .unwrap_err();
    assert_eq!(e.kind(), TransferErrorKind::Service);
    assert!(e.to_string().contains("UploadPart 2"), "{e}");
    assert_eq!(e.upload_id(), None);
    assert_eq!(
        attempts.load(Ordering::SeqCst),
        3,
        "the client's 3 attempts"
    );
    assert_eq!(open_uploads(&server), 0, "aborted: no parts left behind");
    let missing = tm
        .client()
        .head_object()
        .bucket("fail")
        .key("k")
        .send()
        .await;
    assert!(missing.is_err(), "no object was made");

    let e = tm
        .upload()
        .bucket("fail")
        .key("k")
        .bytes(body)
        .keep_parts_on_failure(true)
        .send()
        .await
        .unwrap_err();
    let id = e.upload_id().expect("the kept upload is named").to_owned();
    assert!(e.to_string().contains(&id), "{e}");
    assert!(open_uploads(&server) > 0, "its parts are kept");
    tm.client()
        .abort_multipart_upload()
        .bucket("fail")
        .key("k")
        .upload_id(id)
        .send()
        .await
        .unwrap();
    assert_eq!(open_uploads(&server), 0);
}

#[tokio::test]
async fn a_cancelled_upload_is_aborted() {
    // Part 2 never gets an answer: the upload is certainly under way when it is cancelled.
    let stall: FaultHook = Arc::new(|req: &http::request::Parts| {
        let query = req.uri.query().unwrap_or_default();
        (req.method == http::Method::PUT && query.split('&').any(|kv| kv == "partNumber=2"))
            .then_some(Fault::Stall)
    });
    let server = S3Server::start_with_faults(stall).await.unwrap();
    let tm = manager(&server, "cancel").await.concurrency(1);
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let upload = tm
        .upload()
        .bucket("cancel")
        .key("k")
        .bytes(data(3 * PART))
        .progress(move |p| {
            let _ = tx.send(p.parts_done);
        });
    let task = tokio::spawn(upload.send());
    // Wait until part 1 is stored, then cancel.
    while rx.recv().await.is_some_and(|done| done < 1) {}
    assert!(open_uploads(&server) > 0, "the upload is under way");
    task.abort();
    assert!(task.await.unwrap_err().is_cancelled());
    // The abort runs on a task of its own: give it a bounded time (30 s at most) to land.
    let mut left = open_uploads(&server);
    for _ in 0..3000 {
        if left == 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        left = open_uploads(&server);
    }
    assert_eq!(left, 0, "the cancelled upload was aborted");
    let missing = tm
        .client()
        .head_object()
        .bucket("cancel")
        .key("k")
        .send()
        .await;
    assert!(missing.is_err(), "no object was made");
}

#[tokio::test]
async fn a_download_of_an_object_that_changes_midway_fails_and_leaves_no_file() {
    // A range after the first answers with another ETag (the object was overwritten), or with
    // 412 (S3's answer to `If-Match` once it has).
    for fault in ["etag", "412"] {
        let hook: FaultHook = Arc::new(move |req: &http::request::Parts| {
            let later_range = req
                .headers
                .get(http::header::RANGE)
                .and_then(|r| r.to_str().ok())
                .is_some_and(|r| !r.starts_with("bytes=0-"));
            later_range.then(|| match fault {
                "etag" => Fault::ETag("\"0123456789abcdef0123456789abcdef\"".into()),
                _ => Fault::Error(412, "PreconditionFailed"),
            })
        });
        let server = S3Server::start_with_faults(hook).await.unwrap();
        let tm = manager(&server, "change").await;
        tm.upload()
            .bucket("change")
            .key("k")
            .bytes(data(2 * PART + 1))
            .send()
            .await
            .unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.bin");
        let e = tm
            .download()
            .bucket("change")
            .key("k")
            .to_file(&path)
            .send()
            .await
            .unwrap_err();
        assert_eq!(e.kind(), TransferErrorKind::ObjectChanged, "{fault}: {e}");
        let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert!(left.is_empty(), "{fault}: nothing written: {left:?}");
    }
}

#[tokio::test]
async fn directories_round_trip() {
    let server = S3Server::start().await.unwrap();
    let tm = manager(&server, "dirs").await;
    let src = tempfile::tempdir().unwrap();
    let files = [
        ("a.txt", data(10)),
        ("nested/b.bin", data(PART + 5)),
        ("nested/deeper/c", data(0)),
        ("z", data(PART)),
    ];
    for (name, body) in &files {
        let path = src.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, body).unwrap();
    }
    let up = tm
        .upload_directory(src.path(), "dirs", "backup")
        .await
        .unwrap();
    assert_eq!(up.files, 4);
    assert_eq!(
        up.bytes,
        files.iter().map(|(_, b)| b.len() as u64).sum::<u64>()
    );
    let listed = tm
        .client()
        .list_objects_v2()
        .bucket("dirs")
        .send()
        .await
        .unwrap();
    let mut keys: Vec<_> = listed
        .contents
        .unwrap_or_default()
        .into_iter()
        .filter_map(|o| o.key)
        .collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "backup/a.txt",
            "backup/nested/b.bin",
            "backup/nested/deeper/c",
            "backup/z"
        ]
    );

    let dst = tempfile::tempdir().unwrap();
    let down = tm
        .download_directory("dirs", "backup/", dst.path())
        .await
        .unwrap();
    assert_eq!(down, up);
    for (name, body) in &files {
        assert_eq!(
            &std::fs::read(dst.path().join(name)).unwrap(),
            body,
            "{name}"
        );
    }
}
