//! A live `HttpService`: routes, middleware, static directories, proxies and CORS added while
//! the server runs answer the next request, on connections already open too, and a reload the
//! way libhv's httpd does it (registering everything again) takes effect while requests run.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use common::{build, free_port, Program};

/// One keep-alive connection that sends GETs and reads each answer by its Content-Length.
struct Conn(BufReader<TcpStream>);

impl Conn {
    fn open(port: u16) -> Conn {
        Conn(BufReader::new(common::connect(port)))
    }

    /// (status, lower-case header lines, body)
    fn get(&mut self, path: &str, extra: &str) -> (u16, Vec<String>, String) {
        let req = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\n{extra}\r\n");
        self.0.get_mut().write_all(req.as_bytes()).unwrap();
        let mut status = String::new();
        self.0.read_line(&mut status).unwrap();
        let code = status.split(' ').nth(1).unwrap().parse().unwrap();
        let (mut headers, mut len) = (Vec::new(), 0);
        loop {
            let mut line = String::new();
            self.0.read_line(&mut line).unwrap();
            let line = line.trim_end().to_ascii_lowercase();
            if line.is_empty() {
                break;
            }
            if let Some(v) = line.strip_prefix("content-length:") {
                len = v.trim().parse().unwrap();
            }
            headers.push(line);
        }
        let mut body = vec![0; len];
        self.0.read_exact(&mut body).unwrap();
        (code, headers, String::from_utf8(body).unwrap())
    }
}

fn command(p: &mut Program, cmd: &str) {
    p.send(cmd);
    p.expect(&format!("ok {}", cmd.split(' ').next().unwrap()));
}

#[test]
fn changes_after_start_answer_the_next_request_on_open_connections() {
    let exe = build("evpp_http_live", &["c-examples/evpp/http_live.cpp"]);
    let port = free_port();
    let mut p = Program::start(&exe, &[&port.to_string()]);
    p.expect("http server ready");
    let mut conn = Conn::open(port);

    let (code, headers, body) = conn.get("/ping", "");
    assert_eq!((code, body.as_str()), (200, "pong"));
    assert!(headers.contains(&"x-middleware: 1".to_string()));
    assert_eq!(conn.get("/late", "").0, 404);

    command(&mut p, "route");
    assert_eq!(conn.get("/late", "").2, "late", "same connection");
    assert_eq!(
        Conn::open(port).get("/late", "").2,
        "late",
        "new connection"
    );

    command(&mut p, "cors");
    let (_, headers, _) = conn.get("/ping", "Origin: http://example.com\r\n");
    assert!(
        headers.contains(&"access-control-allow-origin: http://example.com".to_string()),
        "{headers:?}"
    );

    let dir = std::env::temp_dir().join(format!("hv-rs-live-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("a.txt"), "static file").unwrap();
    command(&mut p, &format!("static {}", dir.display()));
    let (code, headers, body) = conn.get("/files/a.txt", "");
    assert_eq!((code, body.as_str()), (200, "static file"));
    assert!(
        headers
            .iter()
            .any(|h| h.starts_with("content-type: text/plain")),
        "{headers:?}"
    );

    command(&mut p, &format!("proxy {port}"));
    assert_eq!(
        conn.get("/up/late", "").2,
        "late",
        "reverse proxy to itself"
    );

    command(&mut p, "reload");
    let (code, headers, body) = conn.get("/ping", "");
    assert_eq!((code, body.as_str()), (200, "pong2"));
    assert!(headers.contains(&"x-middleware: 1".to_string()));
    assert_eq!(conn.get("/late", "").2, "late", "routes kept by the reload");
    let _ = std::fs::remove_dir_all(&dir);
    assert_eq!(p.wait(), 0);
}

#[test]
fn routes_added_while_requests_are_in_flight() {
    let exe = build("evpp_http_live", &["c-examples/evpp/http_live.cpp"]);
    let port = free_port();
    let mut p = Program::start(&exe, &[&port.to_string()]);
    p.expect("http server ready");

    let stop = Arc::new(AtomicBool::new(false));
    let answered = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..4)
        .map(|_| {
            let (stop, answered) = (stop.clone(), answered.clone());
            std::thread::spawn(move || {
                let mut conn = Conn::open(port);
                let mut bad = Vec::new();
                while !stop.load(Ordering::Acquire) {
                    let (code, _, body) = conn.get("/ping", "");
                    if (code, body.as_str()) != (200, "pong")
                        && (code, body.as_str()) != (200, "pong2")
                    {
                        bad.push((code, body));
                    }
                    answered.fetch_add(1, Ordering::Relaxed);
                }
                bad
            })
        })
        .collect();
    command(&mut p, "routes 200");
    command(&mut p, "reload");
    command(&mut p, "routes 50");
    stop.store(true, Ordering::Release);
    for c in clients {
        let bad = c.join().unwrap();
        assert!(bad.is_empty(), "answers while the service changed: {bad:?}");
    }
    assert!(answered.load(Ordering::Relaxed) > 0);
    let mut conn = Conn::open(port);
    assert_eq!(conn.get("/r199", "").2, "r199");
    assert_eq!(conn.get("/r49", "").2, "r49");
    assert_eq!(conn.get("/ping", "").2, "pong2");
    assert_eq!(p.wait(), 0);
}
