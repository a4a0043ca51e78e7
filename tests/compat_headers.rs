//! Programs in libhv's style for the headers that complete libhv 1.3.3's install set and need
//! the library: nlog.h (log lines served to TCP clients), axios.h, AsyncHttpClient.h and
//! `http_client_strerror` (against an HttpServer in the same program).

mod common;

use std::io::Read;
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::{build, connect, Program, WAIT};

/// Reads from `s` until `needle` appears in what arrived; each short read timeout lets `nudge`
/// run (used to log again while a new client is not yet registered).
fn read_until(s: &mut TcpStream, needle: &str, mut nudge: impl FnMut()) -> String {
    s.set_read_timeout(Some(Duration::from_millis(200)))
        .unwrap();
    let deadline = Instant::now() + WAIT;
    let mut got = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let text = String::from_utf8_lossy(&got).into_owned();
        if text.contains(needle) {
            return text;
        }
        assert!(
            Instant::now() < deadline,
            "no {needle:?} from the logger; got {text:?}"
        );
        match s.read(&mut buf) {
            Ok(0) => panic!("the logger closed the connection; got {text:?}"),
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(_) => nudge(),
        }
    }
}

fn log(p: &mut Program, line: &str) {
    p.send(line);
    p.expect("logged");
}

#[test]
fn nlog_serves_hlog_lines_to_every_connected_client() {
    let exe = build("nlog", &["c-examples/nlog.c"]);
    let mut p = Program::start(&exe, &["0"]);
    let line = p.expect("nlog listening on port");
    let port: u16 = line.rsplit(' ').next().unwrap().parse().unwrap();

    let mut a = connect(port);
    let seen = read_until(&mut a, "ping a", || log(&mut p, "ping a"));
    assert!(seen.contains("INFO"), "a log line has its level: {seen:?}");
    log(&mut p, "hello nlog 1");
    let seen = read_until(&mut a, "hello nlog 1", || {});
    assert!(seen.ends_with('\n'), "whole lines arrive: {seen:?}");

    let mut b = connect(port);
    read_until(&mut b, "ping b", || log(&mut p, "ping b"));
    log(&mut p, "both see this");
    read_until(&mut a, "both see this", || {});
    read_until(&mut b, "both see this", || {});

    drop(a);
    for i in 0..20 {
        log(&mut p, &format!("after a left {i}"));
    }
    read_until(&mut b, "after a left 19", || {});
    assert_eq!(p.wait(), 0, "output:\n{}", p.seen.join("\n"));
}

#[test]
fn axios_async_http_client_and_http_client_strerror_program() {
    let exe = build("axios_client", &["c-examples/evpp/axios_client.cpp"]);
    let mut p = Program::start(&exe, &[]);
    p.expect("axios OK");
    assert_eq!(p.wait(), 0, "output:\n{}", p.seen.join("\n"));
}

#[test]
fn http_parser_program_round_trips_streams_and_rejects() {
    let exe = build("http_parser", &["c-examples/evpp/http_parser.cpp"]);
    let mut p = Program::start(&exe, &[]);
    p.expect("http_parser OK");
    assert_eq!(p.wait(), 0, "output:\n{}", p.seen.join("\n"));
}
