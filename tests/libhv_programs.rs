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

#[test]
fn unknown_paths_and_directory_listings_answer_as_libhv() {
    let exe = build(
        "http_static_pipeline",
        &["c-examples/evpp/http_static_pipeline.cpp"],
    );
    let root = TempDir::new("listing");
    std::fs::create_dir_all(root.0.join("files/Sub dir")).unwrap();
    std::fs::write(root.0.join("files/small.txt"), "12345").unwrap();
    std::fs::write(root.0.join("files/big.bin"), vec![0u8; 1536]).unwrap();
    std::fs::write(root.0.join("files/<b>.txt"), "x").unwrap();
    let port = common::free_port();
    let mut p = Program::start(
        &exe,
        &[
            &port.to_string(),
            root.0.to_str().unwrap(),
            "none",
            "/files/",
        ],
    );
    p.expect("static pipeline ready");
    let base = format!("http://127.0.0.1:{port}");

    // libhv: a path no route knows falls through to static files for GET and HEAD only; any
    // other method is 501. A known path with another method is hv-rs's 405.
    for method in ["POST", "DELETE", "PUT"] {
        let a = curl(&["-X", method, &format!("{base}/nowhere")]);
        assert_eq!(a.status, 501, "{method} /nowhere");
        assert!(
            String::from_utf8_lossy(&a.body).contains("501 Not Implemented"),
            "{method}"
        );
    }
    assert_eq!(curl(&[&format!("{base}/nowhere")]).status, 404);
    assert_eq!(curl(&["-I", &format!("{base}/nowhere")]).status, 404);
    let wrong = curl(&["-X", "POST", &format!("{base}/ping")]);
    assert_eq!(wrong.status, 405);
    assert_eq!(wrong.header("allow"), Some("GET, HEAD"));

    let listing = curl(&[&format!("{base}/files/")]);
    assert_eq!(listing.status, 200);
    assert_eq!(
        listing.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    let html = String::from_utf8(listing.body).unwrap();
    assert!(html.contains("<title>Index of /files/</title>"), "{html}");
    for column in ["Name", "Date", "Size"] {
        assert!(html.contains(&format!(">{column}</th>")), "{html}");
    }
    let row = |name: &str| {
        let at = html
            .find(&format!(">{name}</a>"))
            .unwrap_or_else(|| panic!("{name} missing:\n{html}"));
        let end = at + html[at..].find("</tr>").unwrap();
        html[at..end].to_owned()
    };
    let date_cell = |row: &str| {
        let cells: Vec<&str> = row.split("<td>").skip(1).collect();
        let date = cells[0].split("</td>").next().unwrap().to_owned();
        let size = cells[1].split("</td>").next().unwrap().to_owned();
        (date, size)
    };
    let (date, size) = date_cell(&row("small.txt"));
    let b = date.as_bytes();
    assert!(
        date.len() == 19 && b[4] == b'-' && b[7] == b'-' && b[10] == b' ' && b[13] == b':',
        "date {date:?}"
    );
    assert_eq!(size, "5");
    assert_eq!(date_cell(&row("big.bin")).1, "1.5K");
    assert_eq!(date_cell(&row("Sub dir/")).1, "-");
    assert!(html.contains("href=\"Sub%20dir/\""), "{html}");
    assert!(
        html.contains("&lt;b&gt;.txt") && !html.contains("<b>"),
        "names are escaped: {html}"
    );
    let order: Vec<usize> = ["big.bin", "small.txt", "Sub dir/"]
        .iter()
        .map(|n| html.find(&format!(">{n}</a>")).unwrap())
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "sorted ignoring case: {html}"
    );
    assert_eq!(p.wait(), 0);
}

/// The number after `key=` in `line`.
fn field(line: &str, key: &str) -> i64 {
    line.split(|c: char| c.is_whitespace() || c == ',')
        .find_map(|w| w.strip_prefix(key))
        .and_then(|v| v.trim_end_matches(['.', '!']).parse().ok())
        .unwrap_or_else(|| panic!("no {key} in {line:?}"))
}

#[test]
fn a_failed_connect_and_reconnect_report_the_socket_they_tried() {
    let exe = build("evpp_tcp_client", &["c-examples/evpp/tcp_client.cpp"]);
    // A port nothing listens on: every attempt is refused.
    let port = common::free_port();
    let mut cli = Program::start(&exe, &[&port.to_string()]);
    let created = field(&cli.expect("client connect to port"), "connfd=");
    assert!(created >= 0);
    let first = cli.expect("disconnected to");
    assert_eq!(
        field(&first, "connfd="),
        created,
        "the first attempt uses createsocket's socket: {first}"
    );
    assert_eq!(field(&first, "error="), i64::from(libc::ECONNREFUSED));
    cli.expect("reconnect cnt=");
    let again = cli.expect("disconnected to");
    assert!(
        field(&again, "connfd=") >= 0,
        "a failed reconnect reports the fd of the socket it tried, as libhv: {again}"
    );
    cli.send("stop");
    assert_eq!(cli.wait(), 0);
}
