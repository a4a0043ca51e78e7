//! Hostile HTTP/1 clients against a C++ service that has no hardening code of its own
//! (`c-examples/hardening/edge_server.cpp`), configured only through `HV_` variables: each
//! item of the hostile-input catalogue (spec/hardening.md) that applies gets its answer (status
//! line, then the connection closed), another client is served meanwhile, and the server's
//! open fds come back to where they were.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{build, free_port, read_to_close, Cert, Program, WAIT};
use hv::tls::TlsOptions;
use rustls::pki_types::ServerName;
use rustls::{ClientConnection, StreamOwned};

/// Short deadlines, so that every one of them is reached within the test.
const SHORT: &[(&str, &str)] = &[
    ("HV_FIRST_BYTE_TIMEOUT_MS", "400"),
    ("HV_HEAD_TIMEOUT_MS", "400"),
    ("HV_BODY_TIMEOUT_MS", "400"),
    ("HV_KEEPALIVE_TIMEOUT_MS", "400"),
    ("HV_SEND_TIMEOUT_MS", "400"),
    ("HV_MAX_BODY", "64k"),
];

struct Edge {
    program: Program,
    port: u16,
    https_port: u16,
    cert: Cert,
    fds: usize,
}

impl Edge {
    fn start(tag: &str, env: &[(&str, &str)]) -> Edge {
        let exe = build("edge_server", &["c-examples/hardening/edge_server.cpp"]);
        Edge::start_exe(&exe, tag, env)
    }

    fn start_exe(exe: &std::path::Path, tag: &str, env: &[(&str, &str)]) -> Edge {
        let cert = Cert::generate(tag, &["localhost"]);
        let (port, https_port) = (free_port(), free_port());
        let mut program = Program::start_env(
            exe,
            &[
                &port.to_string(),
                &https_port.to_string(),
                cert.cert.to_str().unwrap(),
                cert.key.to_str().unwrap(),
            ],
            env,
        );
        program.expect("edge ready");
        let mut edge = Edge {
            program,
            port,
            https_port,
            cert,
            fds: 0,
        };
        // Both worker loops and the TLS stack warmed up before the baseline is taken.
        for _ in 0..4 {
            edge.assert_serves();
        }
        assert!(edge
            .https(b"GET /ping HTTP/1.1\r\nHost: a\r\n\r\n")
            .starts_with("HTTP/1.1 200"));
        edge.fds = edge.open_fds();
        edge
    }

    fn open_fds(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.program.pid()))
            .unwrap()
            .count()
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(("127.0.0.1", self.port)).unwrap();
        s.set_read_timeout(Some(WAIT)).unwrap();
        s
    }

    /// Another client is answered normally.
    fn assert_serves(&mut self) {
        assert!(self.program.try_status().is_none(), "the server died");
        let mut s = self.connect();
        s.write_all(b"GET /ping HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            .unwrap();
        let got = read_to_close(&mut s);
        assert!(
            got.starts_with("HTTP/1.1 200") && got.ends_with("pong"),
            "{got}"
        );
    }

    /// Sends `request` over TLS and reads the answer until the server closes.
    fn https(&self, request: &[u8]) -> String {
        let tcp = TcpStream::connect(("127.0.0.1", self.https_port)).unwrap();
        tcp.set_read_timeout(Some(WAIT)).unwrap();
        let mut tls = tls_client(tcp, &self.cert);
        tls.write_all(request).unwrap();
        let mut got = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match tls.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => got.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::UnexpectedEof => break,
                Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
                Err(e) => panic!("reading the TLS answer: {e}"),
            }
            if got.starts_with(b"HTTP/1.1 200") && got.ends_with(b"pong") {
                break;
            }
        }
        String::from_utf8_lossy(&got).into_owned()
    }

    /// Open fds return to the baseline (bounded wait: connections close asynchronously).
    fn assert_fds_back(&mut self) {
        let deadline = Instant::now() + WAIT;
        while self.open_fds() > self.fds && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(50));
        }
        assert!(
            self.open_fds() <= self.fds,
            "fds {} > baseline {}",
            self.open_fds(),
            self.fds
        );
    }
}

fn tls_client(tcp: TcpStream, cert: &Cert) -> StreamOwned<ClientConnection, TcpStream> {
    let opts = TlsOptions {
        ca_file: Some(cert.cert.clone()),
        verify_peer: true,
        ..TlsOptions::default()
    };
    let mut config = (*hv::tls::client_config(&opts).unwrap()).clone();
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    let name = ServerName::try_from("localhost").unwrap();
    let conn = ClientConnection::new(Arc::new(config), name).unwrap();
    StreamOwned::new(conn, tcp)
}

fn status_of(answer: &str) -> &str {
    answer.get(..12).unwrap_or(answer)
}

/// `request` is answered `status` and the connection closed; others are still served.
fn refused(edge: &mut Edge, request: &[u8], status: u16) {
    let mut s = edge.connect();
    // The server may close before it has read everything (that is the point of some cases).
    let _ = s.write_all(request);
    let got = read_to_close(&mut s);
    assert_eq!(
        status_of(&got),
        format!("HTTP/1.1 {status}"),
        "for {:?}: {got}",
        String::from_utf8_lossy(&request[..request.len().min(120)])
    );
    edge.assert_serves();
}

/// Catalogue items 4–14: RFC 9112 framing, each answered with its status and a close.
const FRAMING: &[(&str, &[u8], u16)] = &[
    (
        "4 CL+TE",
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        400,
    ),
    (
        "5 xchunked",
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: xchunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        501,
    ),
    (
        "5 gzip",
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: gzip\r\n\r\nabc",
        400,
    ),
    (
        "5 chunked, identity",
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        400,
    ),
    (
        "6 duplicate TE",
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        400,
    ),
    (
        "7 space before colon",
        b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding : chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        400,
    ),
    (
        "7 leading space",
        b"POST /echo HTTP/1.1\r\nHost: a\r\n Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        400,
    ),
    (
        "8 differing CL",
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
        400,
    ),
    (
        "8 +3",
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: +3\r\n\r\nabc",
        400,
    ),
    (
        "8 3 , 3",
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3 , 3\r\n\r\nabc",
        400,
    ),
    (
        "8 0x3",
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 0x3\r\n\r\nabc",
        400,
    ),
    (
        "8 -1",
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\nabc",
        400,
    ),
    (
        "8 30 digits",
        b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 000000000000000000000000000003\r\n\r\nabc",
        400,
    ),
    (
        "9 TE in HTTP/1.0",
        b"POST /echo HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        400,
    ),
    (
        "10 obs-fold",
        b"GET /ping HTTP/1.1\r\nHost: a\r\nX-A: a\r\n b\r\n\r\n",
        400,
    ),
    ("11 bare LF", b"GET /ping HTTP/1.1\nHost: a\n\n", 400),
    (
        "11 bare CR",
        b"GET /ping HTTP/1.1\r\nHost: a\r\nX-A: a\rb\r\n\r\n",
        400,
    ),
    ("12 no Host", b"GET /ping HTTP/1.1\r\n\r\n", 400),
    (
        "12 two Hosts",
        b"GET /ping HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",
        400,
    ),
    (
        "12 Host with space",
        b"GET /ping HTTP/1.1\r\nHost: a b\r\n\r\n",
        400,
    ),
    ("13 HTTP/9.9", b"GET /ping HTTP/9.9\r\nHost: a\r\n\r\n", 505),
    ("13 HTTP/1.10", b"GET /ping HTTP/1.10\r\nHost: a\r\n\r\n", 400),
    ("13 HTTP/01.1", b"GET /ping HTTP/01.1\r\nHost: a\r\n\r\n", 400),
    ("13 HTTP/0.9", b"GET /ping\r\n\r\n", 400),
    ("13 HTTP/0.9, one line", b"GET /ping\r\n", 400),
    (
        "14 NUL in value",
        b"GET /ping HTTP/1.1\r\nHost: a\r\nX-A: a\x00b\r\n\r\n",
        400,
    ),
    (
        "14 control in name",
        b"GET /ping HTTP/1.1\r\nHost: a\r\nX\x01A: b\r\n\r\n",
        400,
    ),
    ("14 NUL in path", b"GET /pi\x00ng HTTP/1.1\r\nHost: a\r\n\r\n", 400),
    ("14 NUL in method", b"G\x00T /ping HTTP/1.1\r\nHost: a\r\n\r\n", 400),
];

#[test]
fn framing_violations_get_their_status_and_a_close_over_http_and_https() {
    let mut edge = Edge::start("hostile-framing", SHORT);
    for (what, request, status) in FRAMING {
        let mut s = edge.connect();
        s.write_all(request).unwrap();
        let got = read_to_close(&mut s);
        assert_eq!(
            status_of(&got),
            format!("HTTP/1.1 {status}"),
            "{what}: {got}"
        );
        let tls = edge.https(request);
        assert_eq!(
            status_of(&tls),
            format!("HTTP/1.1 {status}"),
            "{what} over TLS: {tls}"
        );
        edge.assert_serves();
    }
    // Item 7's first case is fine: OWS may be a tab.
    let mut s = edge.connect();
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\tchunked\r\nConnection: close\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
        .unwrap();
    let got = read_to_close(&mut s);
    assert!(
        got.starts_with("HTTP/1.1 200") && got.ends_with("abc"),
        "{got}"
    );
    edge.assert_fds_back();
}

#[test]
fn limits_are_answered_from_what_arrives_not_from_what_is_declared() {
    let mut edge = Edge::start("hostile-limits", SHORT);
    // 1: chunk sizes that overflow or exceed the body limit, refused at the size line.
    for size in [
        "80000000",
        "80000001",
        "fffffffe",
        "ffffffffffffffff",
        "1000000000000000000000",
    ] {
        let req = format!(
            "POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n{size}\r\nabc"
        );
        refused(&mut edge, req.as_bytes(), 413);
    }
    // 2: a declared 100 MB body is refused from its header, before any of it is read.
    let mut req = b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100000000\r\n\r\n".to_vec();
    req.extend(std::iter::repeat_n(b'x', 60_000));
    refused(&mut edge, &req, 413);
    let mut many: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut s = edge.connect();
            s.write_all(b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 100000000\r\n\r\n")
                .unwrap();
            s
        })
        .collect();
    for s in &mut many {
        assert_eq!(status_of(&read_to_close(s)), "HTTP/1.1 413");
    }
    drop(many);
    // 3: an endless chunked body is cut once it crosses the limit (64 KiB here).
    let mut s = edge.connect();
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
        .unwrap();
    let chunk = format!("4000\r\n{}\r\n", "y".repeat(0x4000));
    let mut answer = String::new();
    for _ in 0..64 {
        if s.write_all(chunk.as_bytes()).is_err() {
            break;
        }
    }
    answer.push_str(&read_to_close(&mut s));
    assert_eq!(status_of(&answer), "HTTP/1.1 413", "{answer}");
    edge.assert_serves();
    // 15: long request lines, the 100 KiB one answered without being read whole.
    let line = |n: usize| format!("GET /{} HTTP/1.1\r\nHost: a\r\n\r\n", "p".repeat(n));
    refused(&mut edge, line(9 << 10).as_bytes(), 414);
    refused(&mut edge, line(100 << 10).as_bytes(), 414);
    let mut s = edge.connect();
    s.write_all(format!("GET /{}", "p".repeat(9 << 10)).as_bytes())
        .unwrap();
    assert_eq!(status_of(&read_to_close(&mut s)), "HTTP/1.1 414");
    // 16: one 9 KiB field, and a 64 KiB head of small ones.
    refused(
        &mut edge,
        format!(
            "GET /ping HTTP/1.1\r\nHost: a\r\nX-Big: {}\r\n\r\n",
            "v".repeat(9 << 10)
        )
        .as_bytes(),
        431,
    );
    let fields: String = (0..90)
        .map(|i| format!("X-{i}: {}\r\n", "v".repeat(800)))
        .collect();
    refused(
        &mut edge,
        format!("GET /ping HTTP/1.1\r\nHost: a\r\n{fields}\r\n").as_bytes(),
        431,
    );
    // 17: 10 000 one-byte fields, refused after the 100th.
    let flood: String = "a:b\r\n".repeat(10_000);
    refused(
        &mut edge,
        format!("GET /ping HTTP/1.1\r\nHost: a\r\n{flood}\r\n").as_bytes(),
        431,
    );
    // At the limits themselves, all is well.
    let fields: String = (0..98).map(|i| format!("X-{i}: v\r\n")).collect();
    let mut s = edge.connect();
    s.write_all(
        format!("GET /ping HTTP/1.1\r\nHost: a\r\nConnection: close\r\n{fields}\r\n").as_bytes(),
    )
    .unwrap();
    assert_eq!(status_of(&read_to_close(&mut s)), "HTTP/1.1 200");
    edge.assert_fds_back();
}

fn rss_kib(edge: &Edge) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", edge.program.pid())).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn declared_bodies_cost_only_what_arrives() {
    // 2, within the default 16 MiB limit: 50 clients declare 16 000 000 bytes and send 60 KB.
    let mut edge = Edge::start("hostile-declared", &[("HV_BODY_TIMEOUT_MS", "2000")]);
    let before = rss_kib(&edge);
    let part = [
        &b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 16000000\r\n\r\n"[..],
        &[b'x'; 60_000],
    ]
    .concat();
    let mut clients: Vec<TcpStream> = (0..50)
        .map(|_| {
            let mut s = edge.connect();
            s.write_all(&part).unwrap();
            s
        })
        .collect();
    edge.assert_serves();
    let grown = rss_kib(&edge).saturating_sub(before);
    // Allocating from the declared length would be 800 MB; what arrived is 3 MB.
    assert!(grown < 64 << 10, "RSS grew by {grown} KiB");
    for s in &mut clients {
        assert_eq!(status_of(&read_to_close(s)), "HTTP/1.1 408");
    }
    drop(clients);
    edge.assert_fds_back();
}

#[test]
fn pages_of_refused_bodies_go_back_to_the_kernel() {
    // Unsanitized: ASan's allocator keeps freed memory in quarantine on purpose.
    let exe = common::build_plain(
        "edge_server_plain",
        &["c-examples/hardening/edge_server.cpp"],
    );
    let cert = Cert::generate("hostile-pages", &["localhost"]);
    let port = free_port();
    let mut program = Program::start(
        &exe,
        &[
            &port.to_string(),
            &free_port().to_string(),
            cert.cert.to_str().unwrap(),
            cert.key.to_str().unwrap(),
        ],
    );
    program.expect("edge ready");
    // No warm-up, unlike `Edge::start`: warm-up requests settle the arenas so that glibc keeps
    // nothing and the test would pass without the trim.
    let edge = Edge {
        program,
        port,
        https_port: 0,
        cert,
        fds: 0,
    };
    let before = rss_kib(&edge);
    // Endless chunked bodies, two at a time, each taken in up to the 16 MiB limit and refused.
    let chunk = [&b"f4240\r\n"[..], &[b'x'; 1_000_000], b"\r\n"].concat();
    for _ in 0..3 {
        let mut pair: Vec<TcpStream> = (0..2).map(|_| edge.connect()).collect();
        for s in &mut pair {
            s.write_all(b"POST /ping HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n")
                .unwrap();
        }
        let mut open = [true, true];
        while open.contains(&true) {
            for (s, open) in pair.iter_mut().zip(open.iter_mut()) {
                *open = *open && s.write_all(&chunk).is_ok();
            }
        }
        for s in &mut pair {
            assert_eq!(status_of(&read_to_close(s)), "HTTP/1.1 413");
        }
    }
    // glibc would keep most of those pages (40 MB and more here) without the trim.
    let deadline = Instant::now() + WAIT;
    while rss_kib(&edge) > before + (8 << 10) && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(100));
    }
    let after = rss_kib(&edge);
    assert!(
        after <= before + (8 << 10),
        "RSS {before} KiB before the bodies, {after} KiB after"
    );
}

/// Reads `answers` `/ping` answers (keep-alive: the connection stays open).
fn pongs(s: &mut impl Read, answers: usize) -> String {
    let mut got = String::new();
    let mut buf = [0u8; 1024];
    while got.matches("pong").count() < answers {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.push_str(&String::from_utf8_lossy(&buf[..n])),
        }
    }
    got
}

#[test]
fn idle_keep_alive_connections_give_back_their_buffers_and_come_back() {
    // Unsanitized, for the RSS figure: ASan keeps freed memory in quarantine on purpose.
    let exe = common::build_plain(
        "edge_server_plain",
        &["c-examples/hardening/edge_server.cpp"],
    );
    let mut edge = Edge::start_exe(&exe, "hostile-park", &[("HV_KEEPALIVE_TIMEOUT_MS", "8000")]);
    let ping = b"GET /ping HTTP/1.1\r\nHost: a\r\n\r\n";
    const IDLE: u64 = 300;
    // The RSS `IDLE` connections added since `base` comes down to 8 KiB each.
    let settles_at_8_kib = |base: u64, what: &str| {
        let per_connection = || rss_kib(&edge).saturating_sub(base) / IDLE;
        let deadline = Instant::now() + WAIT;
        while per_connection() > 8 && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(100));
        }
        let kib = per_connection();
        assert!(kib <= 8, "{kib} KiB per {what} connection");
    };
    // Served, each holds hyper's buffers (about 20 KiB); idle half a second, it parks and gives
    // them back.
    let before = rss_kib(&edge);
    let mut idle: Vec<TcpStream> = (0..IDLE).map(|_| edge.connect()).collect();
    for s in &mut idle {
        s.write_all(ping).unwrap();
        assert!(pongs(s, 1).starts_with("HTTP/1.1 200"));
    }
    settles_at_8_kib(before, "parked");
    // A connection that has sent nothing yet holds none either.
    let before = rss_kib(&edge);
    let silent: Vec<TcpStream> = (0..IDLE).map(|_| edge.connect()).collect();
    settles_at_8_kib(before, "silent");
    drop(silent);
    // A parked connection serves its next request, pipelined ones too.
    for s in &mut idle {
        s.write_all(ping).unwrap();
        assert!(pongs(s, 1).ends_with("\r\n\r\npong"));
    }
    std::thread::sleep(Duration::from_millis(800));
    idle[0].write_all(&[&ping[..], ping].concat()).unwrap();
    let two = pongs(&mut idle[0], 2);
    assert_eq!(two.matches("HTTP/1.1 200").count(), 2, "{two}");
    // Over TLS too.
    let tcp = TcpStream::connect(("127.0.0.1", edge.https_port)).unwrap();
    tcp.set_read_timeout(Some(WAIT)).unwrap();
    let mut tls = tls_client(tcp, &edge.cert);
    for _ in 0..2 {
        tls.write_all(ping).unwrap();
        assert!(pongs(&mut tls, 1).ends_with("\r\n\r\npong"));
        std::thread::sleep(Duration::from_millis(800));
    }
    // The keep-alive deadline still closes them.
    let mut got = Vec::new();
    let end = tls.read_to_end(&mut got);
    assert!(
        end.is_ok() || end.unwrap_err().kind() == ErrorKind::UnexpectedEof,
        "no close"
    );
    for s in &mut idle {
        assert_eq!(read_to_close(s), "");
    }
    drop(idle);
    edge.assert_fds_back();
}

#[test]
fn pipelined_requests_before_a_bad_one_are_answered_first() {
    let mut edge = Edge::start("hostile-pipeline", SHORT);
    let mut s = edge.connect();
    s.write_all(
        b"GET /ping HTTP/1.1\r\nHost: a\r\n\r\nPOST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\n\r\nhelloPOST /echo HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhv\r\n0\r\n\r\nGET /ping HTTP/1.1\r\n\r\n",
    )
    .unwrap();
    let got = read_to_close(&mut s);
    let statuses: Vec<&str> = got
        .match_indices("HTTP/1.1 ")
        .map(|(i, _)| &got[i..i + 12])
        .collect();
    assert_eq!(
        statuses,
        [
            "HTTP/1.1 200",
            "HTTP/1.1 200",
            "HTTP/1.1 200",
            "HTTP/1.1 400"
        ],
        "{got}"
    );
    assert!(
        got.contains("\r\n\r\nhello") && got.contains("\r\n\r\nhv"),
        "{got}"
    );
    // An empty line before a request line is ignored (RFC 9112 §2.2); a refused CONNECT
    // (33: no forward proxy) leaves the connection speaking HTTP.
    let mut s = edge.connect();
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 2\r\n\r\nok\r\nCONNECT 192.0.2.1:443 HTTP/1.1\r\nHost: 192.0.2.1:443\r\n\r\nGET /ping HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .unwrap();
    let got = read_to_close(&mut s);
    let statuses: Vec<&str> = got
        .match_indices("HTTP/1.1 ")
        .map(|(i, _)| &got[i..i + 12])
        .collect();
    assert_eq!(
        statuses,
        ["HTTP/1.1 200", "HTTP/1.1 403", "HTTP/1.1 200"],
        "{got}"
    );
    assert!(got.ends_with("pong"), "{got}");
    // 36: a first segment of two bytes is waited for, not refused.
    let mut s = edge.connect();
    s.write_all(b"GE").unwrap();
    std::thread::sleep(Duration::from_millis(100));
    s.write_all(b"T /ping HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
        .unwrap();
    assert!(read_to_close(&mut s).ends_with("pong"));
    edge.assert_fds_back();
}

#[test]
fn every_deadline_counts_from_its_own_moment() {
    let mut edge = Edge::start("hostile-deadlines", SHORT);
    // First byte: a connection that never sends anything is closed without an answer.
    let mut s = edge.connect();
    assert_eq!(read_to_close(&mut s), "");
    // Over TLS the first-byte deadline starts after the handshake, and the head deadline
    // answers 408 there too.
    for (request, answer) in [
        (&b""[..], ""),
        (b"GET /ping HTTP/1.1\r\nHo", "HTTP/1.1 408"),
    ] {
        let tcp = TcpStream::connect(("127.0.0.1", edge.https_port)).unwrap();
        tcp.set_read_timeout(Some(WAIT)).unwrap();
        let mut tls = tls_client(tcp, &edge.cert);
        while tls.conn.is_handshaking() {
            tls.conn.complete_io(&mut tls.sock).unwrap();
        }
        tls.write_all(request).unwrap();
        tls.flush().unwrap();
        let mut got = Vec::new();
        let end = tls.read_to_end(&mut got);
        assert!(
            end.is_ok() || end.unwrap_err().kind() == ErrorKind::UnexpectedEof,
            "no close"
        );
        assert_eq!(status_of(&String::from_utf8_lossy(&got)), answer);
    }
    // 18: a head trickled a byte every 100 ms is answered 408 at the head deadline, though
    // each byte arrives well within the keep-alive timeout.
    let mut s = edge.connect();
    let mut trickle = b"GET /ping HTTP/1.1\r\nHost: a\r\nX-Slow: ".to_vec();
    trickle.extend(std::iter::repeat_n(b'z', 100));
    let mut answer = String::new();
    for (i, b) in trickle.into_iter().enumerate() {
        if s.write_all(&[b]).is_err() {
            break;
        }
        if i == 1 {
            // Served while the trickle holds its connection.
            edge.assert_serves();
        }
        s.set_nonblocking(true).unwrap();
        let mut buf = [0u8; 512];
        if let Ok(n) = s.read(&mut buf) {
            answer.push_str(&String::from_utf8_lossy(&buf[..n]));
            s.set_nonblocking(false).unwrap();
            break;
        }
        s.set_nonblocking(false).unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }
    answer.push_str(&read_to_close(&mut s));
    assert_eq!(status_of(&answer), "HTTP/1.1 408", "{answer}");
    edge.assert_serves();
    // 19: a body that stops arriving is answered 408 at the body deadline.
    let mut s = edge.connect();
    s.write_all(b"POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 1000\r\n\r\nabc")
        .unwrap();
    assert_eq!(status_of(&read_to_close(&mut s)), "HTTP/1.1 408");
    edge.assert_serves();
    // Keep-alive: served, then idle after the answer: closed.
    let mut s = edge.connect();
    s.write_all(b"GET /ping HTTP/1.1\r\nHost: a\r\n\r\n")
        .unwrap();
    let got = read_to_close(&mut s);
    assert!(
        got.starts_with("HTTP/1.1 200") && got.ends_with("pong"),
        "{got}"
    );
    // A request that takes longer than the keep-alive timeout in total, each part on time,
    // is served: the keep-alive timer does not run while a request is read.
    let mut s = edge.connect();
    for part in [
        &b"POST /echo HTTP/1.1\r\nHost: a\r\n"[..],
        b"Content-Length: 4\r\n\r\n",
        b"ab",
        b"cd",
    ] {
        std::thread::sleep(Duration::from_millis(150));
        s.write_all(part).unwrap();
    }
    let got = read_to_close(&mut s);
    assert!(
        got.starts_with("HTTP/1.1 200") && got.ends_with("abcd"),
        "{got}"
    );
    edge.assert_fds_back();
}

#[test]
fn a_client_that_stops_reading_is_closed_at_the_send_deadline() {
    let mut edge = Edge::start("hostile-send", &[("HV_SEND_TIMEOUT_MS", "300")]);
    let sock = socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None).unwrap();
    sock.set_recv_buffer_size(4096).unwrap();
    let addr: std::net::SocketAddr = ([127, 0, 0, 1], edge.port).into();
    sock.connect(&addr.into()).unwrap();
    let mut s: TcpStream = sock.into();
    let body = vec![b'q'; 8 << 20];
    s.write_all(
        format!(
            "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    s.write_all(&body).unwrap();
    // Never read while the answer is due: the server gives up on the stalled send.
    let deadline = Instant::now() + WAIT;
    while edge.open_fds() <= edge.fds && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    edge.assert_fds_back();
    s.set_read_timeout(Some(WAIT)).unwrap();
    let mut got = 0usize;
    let mut buf = vec![0u8; 1 << 16];
    loop {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got += n,
        }
    }
    assert!(got < body.len(), "the whole answer arrived ({got} bytes)");
    edge.assert_serves();
}

#[test]
fn h2_prior_knowledge_and_alpn_pass_the_guard() {
    let mut edge = Edge::start("hostile-h2", SHORT);
    let curl = |args: &[&str]| {
        let out = std::process::Command::new("curl")
            .args(["-s", "--max-time", "10"])
            .args(args)
            .output()
            .expect("curl");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let plain = format!("http://127.0.0.1:{}/ping", edge.port);
    let tls = format!("https://localhost:{}/ping", edge.https_port);
    let resolve = format!("localhost:{}:127.0.0.1", edge.https_port);
    assert_eq!(curl(&["--http2-prior-knowledge", &plain]), "pong");
    // 41: an h2c upgrade offer (`Upgrade: h2c`) is answered in HTTP/1.1.
    assert_eq!(curl(&["--http2", &plain]), "pong");
    assert_eq!(
        curl(&["--http2", "-k", "--resolve", &resolve, &tls]),
        "pong"
    );
    assert_eq!(
        curl(&[
            "-d",
            "abc",
            "--http2-prior-knowledge",
            &plain.replace("ping", "echo")
        ]),
        "abc"
    );
    // An HTTP/2 connection with nothing but PINGs from the client is idle: closed at the
    // keep-alive deadline, PINGs answered until then.
    let mut s = h2c(&edge);
    let mut pinger = s.try_clone().unwrap();
    std::thread::spawn(move || {
        for i in 0..100u64 {
            std::thread::sleep(Duration::from_millis(100));
            if pinger
                .write_all(&frame(PING, 0, 0, &i.to_be_bytes()))
                .is_err()
            {
                break;
            }
        }
    });
    let frames = frames_to_close(&mut s);
    assert!(
        frames.iter().any(|f| f.0 == PING && f.1 == 1),
        "no PING answered"
    );
    assert!(
        frames.iter().filter(|f| f.0 == PING).count() < 90,
        "not closed when idle"
    );
    // 41: the preface after an HTTP/1 request is no preface: 505.
    let mut s = edge.connect();
    s.write_all(b"GET /ping HTTP/1.1\r\nHost: a\r\n\r\nPRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        .unwrap();
    let got = read_to_close(&mut s);
    let second = got.find("pong").map(|i| &got[i + 4..]).unwrap_or("");
    assert!(
        got.starts_with("HTTP/1.1 200") && second.starts_with("HTTP/1.1 505"),
        "{got}"
    );
    edge.assert_fds_back();
}

#[test]
fn an_unparseable_hv_variable_stops_the_program_with_its_name() {
    let exe = build("edge_server", &["c-examples/hardening/edge_server.cpp"]);
    let cert = Cert::generate("hostile-env", &["localhost"]);
    let (port, https_port) = (free_port(), free_port());
    let mut p = Program::start_env(
        &exe,
        &[
            &port.to_string(),
            &https_port.to_string(),
            cert.cert.to_str().unwrap(),
            cert.key.to_str().unwrap(),
        ],
        &[("HV_HEAD_TIMEOUT_MS", "ten")],
    );
    let line = p.expect("edge start failed");
    assert!(
        line.contains("HV_HEAD_TIMEOUT_MS") && line.contains("ten"),
        "{line}"
    );
    assert_ne!(p.wait(), 0);
}

/// One HTTP/2 frame: 9-byte header, then `payload`.
fn frame(kind: u8, flags: u8, stream: u32, payload: &[u8]) -> Vec<u8> {
    let mut f = (payload.len() as u32).to_be_bytes()[1..].to_vec();
    f.extend([kind, flags]);
    f.extend(stream.to_be_bytes());
    f.extend_from_slice(payload);
    f
}

const DATA: u8 = 0;
const HEADERS: u8 = 1;
const RST_STREAM: u8 = 3;
const SETTINGS: u8 = 4;
const PING: u8 = 6;
const GOAWAY: u8 = 7;
const CONTINUATION: u8 = 9;
const END_STREAM: u8 = 1;
const END_HEADERS: u8 = 4;
/// HPACK: `GET http /` from the static table, `:authority: a` as a literal.
const GET_ROOT: &[u8] = &[0x82, 0x86, 0x84, 0x01, 0x01, b'a'];

/// An h2c (prior knowledge) connection whose frames are written by hand.
fn h2c(edge: &Edge) -> TcpStream {
    let mut s = edge.connect();
    let mut hello = PREFACE_BYTES.to_vec();
    hello.extend(frame(SETTINGS, 0, 0, &[]));
    s.write_all(&hello).unwrap();
    s
}

const PREFACE_BYTES: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// The frames the server sends until it closes: (type, flags, stream, payload).
fn frames_to_close(s: &mut TcpStream) -> Vec<(u8, u8, u32, Vec<u8>)> {
    let mut raw = Vec::new();
    let mut buf = [0u8; 16384];
    loop {
        match s.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => raw.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == ErrorKind::ConnectionReset => break,
            Err(e) => panic!("no close within {WAIT:?}: {e}"),
        }
    }
    let mut out = Vec::new();
    let mut at = 0;
    while raw.len() >= at + 9 {
        let len = u32::from_be_bytes([0, raw[at], raw[at + 1], raw[at + 2]]) as usize;
        if raw.len() < at + 9 + len {
            break;
        }
        let stream = u32::from_be_bytes(raw[at + 5..at + 9].try_into().unwrap()) & 0x7fff_ffff;
        out.push((
            raw[at + 3],
            raw[at + 4],
            stream,
            raw[at + 9..at + 9 + len].to_vec(),
        ));
        at += 9 + len;
    }
    out
}

fn goaway_code(frames: &[(u8, u8, u32, Vec<u8>)]) -> Option<u32> {
    frames
        .iter()
        .find(|f| f.0 == GOAWAY)
        .map(|f| u32::from_be_bytes(f.3[4..8].try_into().unwrap()))
}

const ENHANCE_YOUR_CALM: u32 = 0xb;

#[test]
fn h2_rapid_reset_and_floods_are_cut_off() {
    let mut edge = Edge::start(
        "hostile-h2-floods",
        &[
            ("HV_H2_MAX_CONCURRENT_STREAMS", "7"),
            ("HV_H2_MAX_HEADER_LIST_SIZE", "8k"),
            ("HV_SEND_TIMEOUT_MS", "400"),
        ],
    );
    // The knobs reach the wire: the server's SETTINGS carry them.
    let mut s = h2c(&edge);
    s.write_all(&frame(GOAWAY, 0, 0, &[0; 8])).unwrap();
    let frames = frames_to_close(&mut s);
    let settings = frames
        .iter()
        .find(|f| f.0 == SETTINGS && f.1 == 0)
        .expect("server SETTINGS");
    let setting = |id: u16| {
        settings.3.chunks(6).find_map(|c| {
            (u16::from_be_bytes([c[0], c[1]]) == id)
                .then(|| u32::from_be_bytes(c[2..6].try_into().unwrap()))
        })
    };
    assert_eq!(setting(3), Some(7), "SETTINGS_MAX_CONCURRENT_STREAMS");
    assert_eq!(setting(6), Some(8192), "SETTINGS_MAX_HEADER_LIST_SIZE");
    // 38: HEADERS + RST_STREAM, 2 000 times in one write: GOAWAY ENHANCE_YOUR_CALM.
    let mut s = h2c(&edge);
    let mut flood = Vec::new();
    for i in 0..2000u32 {
        let id = 2 * i + 1;
        flood.extend(frame(HEADERS, END_STREAM | END_HEADERS, id, GET_ROOT));
        flood.extend(frame(RST_STREAM, 0, id, &8u32.to_be_bytes()));
    }
    let _ = s.write_all(&flood);
    assert_eq!(
        goaway_code(&frames_to_close(&mut s)),
        Some(ENHANCE_YOUR_CALM)
    );
    edge.assert_serves();
    // 2 on HTTP/2: a content-length beyond the body limit is answered 413 from the headers.
    let mut s = h2c(&edge);
    let declared = [GET_ROOT, &[0x0f, 0x0d, 9], b"100000000"].concat();
    let mut post = declared.clone();
    post[0] = 0x83;
    s.write_all(&frame(HEADERS, END_HEADERS, 1, &post)).unwrap();
    s.write_all(&frame(DATA, 0, 1, &[b'x'; 1000])).unwrap();
    s.write_all(&frame(GOAWAY, 0, 0, &[0; 8])).unwrap();
    let answer = frames_to_close(&mut s)
        .into_iter()
        .find(|f| f.0 == HEADERS && f.2 == 1)
        .expect("an answer to the declared body");
    // `:status 413` as a plain or a Huffman-coded (RFC 7541 Appendix B) literal.
    let h = &answer.3;
    assert!(
        h.windows(3).any(|w| w == b"413") || h.windows(4).any(|w| w == [0x83, 0x68, 0x2c, 0xff]),
        "{h:?}"
    );
    // 39: CONTINUATION frames that never end the header block: cut off, memory bounded.
    let mut s = h2c(&edge);
    let _ = s.write_all(&frame(HEADERS, END_STREAM, 1, GET_ROOT));
    let field: Vec<u8> = [0x01u8, 0x03, b'a', b'b', b'c'].repeat(3276);
    for _ in 0..64 {
        if s.write_all(&frame(CONTINUATION, 0, 1, &field)).is_err() {
            break;
        }
    }
    let frames = frames_to_close(&mut s);
    assert!(
        goaway_code(&frames).is_some() || frames.iter().all(|f| f.0 != HEADERS),
        "the header block was accepted"
    );
    edge.assert_serves();
    // 40: PING and SETTINGS floods from a client that reads nothing: the connection goes,
    // at the latest when its answers stop moving (the send deadline).
    let mut s = h2c(&edge);
    let mut flood = Vec::new();
    for i in 0..20_000u64 {
        flood.extend(frame(PING, 0, 0, &i.to_be_bytes()));
        flood.extend(frame(SETTINGS, 0, 0, &[0, 4, 0, 0, 0xff, 0xff]));
        flood.extend(frame(DATA, 0, 0, &[]));
    }
    let _ = s.write_all(&flood);
    std::thread::sleep(Duration::from_millis(1500));
    let frames = frames_to_close(&mut s);
    assert!(frames.len() < 60_000, "every frame was answered");
    edge.assert_serves();
    edge.assert_fds_back();
}

fn h2load(port: u16, streams: &str) -> String {
    let out = std::process::Command::new("h2load")
        .args(["-n", "4000", "-c", "4", "-m", streams])
        .arg(format!("http://127.0.0.1:{port}/ping"))
        .output()
        .expect("h2load (nghttp2-client, installed by scripts/setup.sh)");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// h2load's "N succeeded, M failed" counts.
fn h2load_counts(text: &str) -> (u32, u32) {
    let line = text
        .lines()
        .find(|l| l.starts_with("requests:"))
        .unwrap_or_else(|| panic!("{text}"));
    let count = |what: &str| {
        let end = line.find(what).unwrap_or_else(|| panic!("{line}"));
        line[..end]
            .trim_end()
            .rsplit(' ')
            .next()
            .unwrap()
            .parse::<u32>()
            .unwrap()
    };
    (count(" succeeded"), count(" failed"))
}

#[test]
fn h2load_stream_flood_is_bounded_by_the_stream_limit() {
    let mut edge = Edge::start("hostile-h2load", &[("HV_H2_MAX_CONCURRENT_STREAMS", "16")]);
    // Within the advertised limit everything is served.
    assert_eq!(h2load_counts(&h2load(edge.port, "16")), (4000, 0));
    // 64 streams per connection against 16: what a client opens beyond the limit before it
    // has read the server's SETTINGS is refused; the rest is served, nothing hangs.
    let (ok, failed) = h2load_counts(&h2load(edge.port, "64"));
    assert_eq!(ok + failed, 4000);
    assert!(failed <= 4 * (64 - 16), "{failed} refused");
    edge.assert_serves();
    edge.assert_fds_back();
}
