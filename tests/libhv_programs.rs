//! libhv's own kind of programs, unchanged: static files served behind C++ pipeline stages keep
//! their headers, and the small behaviours libhv users see (unknown paths, directory listings).

mod common;

use std::collections::HashMap;
use std::path::PathBuf;
use std::process::Command;

use common::{build, Program};

/// A fresh directory under the system's temporary directory, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("hv-rs-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A response as curl saw it: status, headers (names lower-cased) and body.
struct Answer {
    status: u16,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// Runs curl with `-i` (or `-I` among `args`) and splits what it printed.
fn curl(args: &[&str]) -> Answer {
    let out = Command::new("curl")
        .args(["-sS", "-i", "--max-time", "10"])
        .args(args)
        .output()
        .expect("curl");
    assert!(
        out.status.success(),
        "curl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let raw = out.stdout;
    let split = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no head in {:?}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {head:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: raw[split + 4..].to_vec(),
    }
}

/// The headers a static file answer carries, whatever the pipeline stages did.
fn assert_file_headers(a: &Answer, content_type: &str, len: usize, what: &str) {
    assert_eq!(a.header("content-type"), Some(content_type), "{what}");
    assert_eq!(
        a.header("content-length"),
        Some(len.to_string().as_str()),
        "{what}"
    );
    assert_eq!(a.header("accept-ranges"), Some("bytes"), "{what}");
    assert!(a.header("etag").is_some(), "{what}: no ETag");
    assert!(
        a.header("last-modified").is_some(),
        "{what}: no Last-Modified"
    );
}

#[test]
fn static_files_keep_their_headers_through_every_pipeline_stage() {
    let exe = build(
        "http_static_pipeline",
        &["c-examples/evpp/http_static_pipeline.cpp"],
    );
    let root = TempDir::new("static-pipeline");
    let html = "<!DOCTYPE html><h1>index</h1>\n";
    std::fs::write(root.0.join("index.html"), html).unwrap();
    let png: Vec<u8> = b"\x89PNG\r\n\x1a\n"
        .iter()
        .copied()
        .chain((0..200u8).cycle().take(1000))
        .collect();
    std::fs::write(root.0.join("logo.png"), &png).unwrap();

    for stages in ["post", "mw", "pre,mw,post", "pre,post"] {
        let port = common::free_port();
        let mut p = Program::start(&exe, &[&port.to_string(), root.0.to_str().unwrap(), stages]);
        p.expect("static pipeline ready");
        let base = format!("http://127.0.0.1:{port}");
        let post = stages.contains("post");
        let mw = stages.contains("mw");
        let stage_headers = |a: &Answer, what: &str| {
            assert_eq!(
                a.header("x-postprocessor"),
                post.then_some("seen"),
                "{stages} {what}"
            );
            assert_eq!(
                a.header("x-middleware"),
                mw.then_some("seen"),
                "{stages} {what}"
            );
        };

        let html_type = "text/html; charset=utf-8";
        let head = curl(&["-I", &format!("{base}/")]);
        assert_eq!(head.status, 200, "{stages}");
        assert_file_headers(&head, html_type, html.len(), &format!("{stages} HEAD /"));
        stage_headers(&head, "HEAD /");
        if post {
            assert_eq!(
                head.header("x-saw-content-type"),
                Some(html_type),
                "{stages}: the postprocessor sees the file's Content-Type"
            );
        }

        let get = curl(&[&format!("{base}/index.html")]);
        assert_eq!(get.status, 200);
        assert_eq!(get.body, html.as_bytes(), "{stages}");
        assert_file_headers(&get, html_type, html.len(), &format!("{stages} GET"));
        stage_headers(&get, "GET /index.html");

        let image = curl(&[&format!("{base}/logo.png")]);
        assert_eq!(image.status, 200);
        assert_eq!(image.body, png, "{stages}");
        assert_file_headers(&image, "image/png", png.len(), &format!("{stages} png"));

        let range = curl(&["-H", "Range: bytes=8-17", &format!("{base}/logo.png")]);
        assert_eq!(range.status, 206, "{stages}: a postprocessor keeps 206");
        assert_eq!(range.body, &png[8..18], "{stages}");
        assert_eq!(
            range.header("content-range"),
            Some(format!("bytes 8-17/{}", png.len()).as_str()),
            "{stages}"
        );
        assert_file_headers(&range, "image/png", 10, &format!("{stages} range"));
        stage_headers(&range, "Range");

        let etag = image.header("etag").unwrap();
        let cached = curl(&[
            "-H",
            &format!("If-None-Match: {etag}"),
            &format!("{base}/logo.png"),
        ]);
        assert_eq!(cached.status, 304, "{stages}: a postprocessor keeps 304");
        assert!(cached.body.is_empty(), "{stages}");
        assert_eq!(cached.header("etag"), Some(etag), "{stages}");
        stage_headers(&cached, "If-None-Match");

        let pong = curl(&[&format!("{base}/ping")]);
        assert_eq!(pong.body, b"pong");
        assert_eq!(
            pong.header("content-type"),
            Some("text/plain"),
            "{stages}: a handler's own type beats the preprocessor's default"
        );
        assert_eq!(p.wait(), 0);
    }
}
