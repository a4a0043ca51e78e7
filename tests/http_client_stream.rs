//! The HTTP client streams an answer to `http_cb` as libhv's does: a program written like
//! libhv's `wget.cpp` saves the exact bytes of a 50 MB file, streamed (with bounded memory) and
//! with `--use_range`.

mod common;

use std::path::Path;

use common::{build, free_port, Program};

const FILE_BYTES: usize = 50 << 20;

/// Bytes that differ from offset to offset, so a lost or repeated piece is seen.
fn contents() -> Vec<u8> {
    let mut x: u32 = 0x9e37_79b9;
    (0..FILE_BYTES)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            x as u8
        })
        .collect()
}

fn wget(exe: &Path, args: &[&str]) -> Vec<String> {
    let mut p = Program::start(exe, args);
    let code = p.wait();
    assert_eq!(code, 0, "wget {args:?}:\n{}", p.seen.join("\n"));
    p.seen.clone()
}

fn peak_rss_kb(lines: &[String]) -> u64 {
    lines
        .iter()
        .find_map(|l| l.strip_prefix("peak rss "))
        .and_then(|l| l.trim_end_matches(" kB").parse().ok())
        .expect("a peak rss line")
}

#[test]
fn wget_saves_the_exact_bytes_streamed_and_by_ranges() {
    let server = build("evpp_http_live", &["c-examples/evpp/http_live.cpp"]);
    let wget_exe = build("evpp_wget", &["c-examples/evpp/wget.cpp"]);
    let dir = std::env::temp_dir().join(format!("hv-rs-wget-{}", std::process::id()));
    let (files, out) = (dir.join("files"), dir.join("out"));
    std::fs::create_dir_all(&files).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    let data = contents();
    std::fs::write(files.join("big.bin"), &data).unwrap();

    let port = free_port();
    let mut srv = Program::start(&server, &[&port.to_string()]);
    srv.expect("http server ready");
    srv.send(&format!("static {}", files.display()));
    srv.expect("ok static");
    let url = format!("http://127.0.0.1:{port}/files/big.bin");

    let streamed = out.join("streamed.bin");
    let lines = wget(&wget_exe, &[&url, streamed.to_str().unwrap()]);
    assert!(
        std::fs::read(&streamed).unwrap() == data,
        "streamed copy differs"
    );
    // A collected body alone would be 50 MB; ASan keeps freed memory in quarantine on purpose.
    if std::env::var_os("HV_SANITIZE").is_none() {
        let peak = peak_rss_kb(&lines);
        assert!(peak < 32 * 1024, "streaming used {peak} kB at its peak");
    }

    let ranged = out.join("ranged.bin");
    wget(&wget_exe, &["--use_range", &url, ranged.to_str().unwrap()]);
    assert!(
        std::fs::read(&ranged).unwrap() == data,
        "copy by ranges differs"
    );

    assert_eq!(srv.wait(), 0);
    let _ = std::fs::remove_dir_all(&dir);
}

/// `http_cb` gets libhv's states: HP_MESSAGE_BEGIN (1), HP_HEADERS_COMPLETE (6), then for a
/// chunked answer HP_CHUNK_HEADER (7, with the size), HP_BODY (8), HP_CHUNK_COMPLETE (9) around
/// each piece and the last chunk (7:0 9), and HP_MESSAGE_COMPLETE (10); sync and async alike.
#[test]
fn http_cb_sees_chunk_states_for_chunked_answers_only() {
    let exe = build(
        "evpp_http_cb_states",
        &["c-examples/evpp/http_cb_states.cpp"],
    );
    let port = free_port();
    let mut p = Program::start(&exe, &[&port.to_string()]);
    assert_eq!(p.wait(), 0, "{}", p.seen.join("\n"));
    for how in ["sync", "async"] {
        let line = |path: &str| {
            p.seen
                .iter()
                .find_map(|l| l.strip_prefix(&format!("{how} {path}: ")))
                .unwrap_or_else(|| panic!("no {how} {path} line in {:?}", p.seen))
                .to_owned()
        };
        let chunked = line("/chunked");
        let (states, body) = chunked.split_once(" body=").unwrap();
        assert_eq!(body, "abcdefghi", "{chunked}");
        assert!(
            states.starts_with("1 6 7:") && states.ends_with(" 9 7:0 9 10"),
            "{chunked}"
        );
        let pieces: Vec<&str> = states.split(' ').collect();
        for (i, s) in pieces.iter().enumerate() {
            if let Some(size) = s.strip_prefix("7:").filter(|n| *n != "0") {
                assert_eq!(pieces[i + 1], format!("8:{size}"), "{chunked}");
                assert_eq!(pieces[i + 2], "9", "{chunked}");
            }
        }
        let length = line("/length");
        assert!(
            length.starts_with("1 6 8:") && length.ends_with(" 10 body=hello"),
            "{length}"
        );
        assert!(!length.contains(" 7") && !length.contains(" 9"), "{length}");
    }
}

fn fnv1a(data: &[u8]) -> u64 {
    data.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// `requests::uploadLargeFile` streams a file as the body with progress, and
/// `requests::downloadFile` saves the exact bytes, leaving nothing behind for a 404.
#[test]
fn requests_upload_large_file_and_download_file() {
    let exe = build(
        "evpp_requests_files",
        &["c-examples/evpp/requests_files.cpp"],
    );
    let dir = std::env::temp_dir().join(format!("hv-rs-requests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let data: Vec<u8> = contents().into_iter().take(5 << 20).collect();
    std::fs::write(dir.join("big.bin"), &data).unwrap();
    let port = free_port();
    let mut p = Program::start(&exe, &[&port.to_string(), dir.to_str().unwrap()]);
    assert_eq!(p.wait(), 0, "{}", p.seen.join("\n"));
    let line = |prefix: &str| {
        p.seen
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} line in {:?}", p.seen))
            .to_owned()
    };
    let n = data.len();
    let upload = line("upload ");
    assert!(
        upload.starts_with(&format!("status=200 body={n}:{} calls=", fnv1a(&data))),
        "{upload}"
    );
    assert!(upload.ends_with(&format!(" last={n}/{n}")), "{upload}");
    let calls: usize = upload
        .split(" calls=")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap();
    assert!(calls > 1, "progress reported piece by piece: {upload}");
    assert_eq!(line("download "), format!("size={n} last={n}/{n}"));
    assert!(std::fs::read(dir.join("copy.bin")).unwrap() == data);
    assert_eq!(line("missing "), "size=0 partial=0");
    assert!(!dir.join("missing.bin").exists());
    let _ = std::fs::remove_dir_all(&dir);
}

/// libhv's low-level client calls: connect, a head with Content-Length, the body in pieces,
/// recvResponse; a second request on the same connection read raw; the C forms; a refused
/// connect reports a negative errno.
#[test]
fn http_client_low_level_calls_upload_in_pieces_and_read_raw() {
    let exe = build(
        "evpp_http_client_lowlevel",
        &["c-examples/evpp/http_client_lowlevel.cpp"],
    );
    let port = free_port();
    let mut p = Program::start(&exe, &[&port.to_string()]);
    assert_eq!(p.wait(), 0, "{}", p.seen.join("\n"));
    let line = |prefix: &str| {
        p.seen
            .iter()
            .find_map(|l| l.strip_prefix(prefix))
            .unwrap_or_else(|| panic!("no {prefix:?} line in {:?}", p.seen))
            .to_owned()
    };
    let fd: i32 = line("connect fd=").parse().unwrap();
    assert!(fd > 2, "a socket: {fd}");
    assert_eq!(line("upload "), format!("200 {}", line("expect ")));
    assert_eq!(line("raw "), "HTTP/1.1 200 OK");
    assert_eq!(line("c "), "200 pong");
    assert_eq!(line("refused "), format!("-{}", libc::ECONNREFUSED));
}
