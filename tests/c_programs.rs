//! C and C++ programs from `c-examples/`, compiled with the system compiler against
//! `include/hv` and `libhv.so`, driven over real loopback sockets.

mod common;

use std::collections::HashMap;
use std::io::{ErrorKind, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{build, connect, curl, free_port, run_to_end, Cert, Program};

fn port_of(line: &str) -> u16 {
    line.split_whitespace()
        .skip_while(|w| *w != "port")
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("no port in {line:?}"))
}

fn read_exactly(s: &mut std::net::TcpStream, n: usize) -> Vec<u8> {
    let mut buf = vec![0; n];
    s.read_exact(&mut buf).unwrap();
    buf
}

fn reads_eof(s: &mut std::net::TcpStream) -> bool {
    let mut buf = [0u8; 64];
    matches!(s.read(&mut buf), Ok(0))
        || matches!(s.read(&mut buf), Err(e) if e.kind() == ErrorKind::ConnectionReset)
}

#[test]
fn c_echo_server_and_c_client_round_trip() {
    let server = build("tcp_echo_server", &["c-examples/tcp_echo_server.c"]);
    let client = build("tcp_client", &["c-examples/tcp_client.c"]);
    let mut srv = Program::start(&server, &["0", "2"]);
    let port = port_of(&srv.expect("listening on port")).to_string();
    let mut cli = Program::start(&client, &["127.0.0.1", &port, "hello", " ", "world"]);
    assert_eq!(cli.wait(), 0, "client output:\n{}", cli.seen.join("\n"));
    let echoed: String = cli
        .seen
        .iter()
        .filter_map(|l| l.strip_prefix("< "))
        .collect();
    assert_eq!(echoed, "hello world");
    srv.expect("disconnected");
    assert_eq!(srv.wait(), 0);
    assert!(srv.seen.iter().any(|l| l == "stopped"));
}

#[test]
fn c_server_delimiter_framing_and_oversized_message_closes() {
    let server = build("tcp_echo_server", &["c-examples/tcp_echo_server.c"]);
    let mut srv = Program::start(&server, &["0", "1", "--delimiter", "\n", "--max", "16"]);
    let port = port_of(&srv.expect("listening on port"));
    let mut c = connect(port);
    for piece in ["ab", "c\nde", "f\n"] {
        c.write_all(piece.as_bytes()).unwrap();
        std::thread::sleep(Duration::from_millis(30));
    }
    assert_eq!(read_exactly(&mut c, 8), b"abc\ndef\n");
    c.write_all(&[b'x'; 17]).unwrap();
    assert!(
        reads_eof(&mut c),
        "an over-long message closes the connection"
    );
    srv.expect("error=1022");
}

#[test]
fn tls_echo_with_generated_certificate_and_hostname_verification() {
    let cert = Cert::generate("tls-echo", &["localhost"]);
    let (crt, key) = (cert.cert.to_str().unwrap(), cert.key.to_str().unwrap());
    let server = build("tcp_echo_server", &["c-examples/tcp_echo_server.c"]);
    let client = build("tcp_client", &["c-examples/tcp_client.c"]);
    let mut srv = Program::start(&server, &["0", "1", "--tls", crt, key]);
    let port = port_of(&srv.expect("listening on port")).to_string();

    let mut ok = Program::start(
        &client,
        &["localhost", &port, "--tls-verify", crt, "secret"],
    );
    assert_eq!(ok.wait(), 0, "verified TLS echo:\n{}", ok.seen.join("\n"));
    assert!(ok.seen.iter().any(|l| l == "< secret"));

    let mut wrong_name = Program::start(
        &client,
        &["127.0.0.1", &port, "--tls-verify", crt, "secret"],
    );
    assert_eq!(
        wrong_name.wait(),
        1,
        "a certificate for another name is refused"
    );
    assert!(
        wrong_name
            .seen
            .iter()
            .any(|l| l == "disconnected error=1043"),
        "{:?}",
        wrong_name.seen
    );

    let mut unverified = Program::start(&client, &["127.0.0.1", &port, "--tls", "plain"]);
    assert_eq!(
        unverified.wait(),
        0,
        "without verify_peer, as in libhv, any certificate is accepted"
    );

    let mut plain = connect(port_of(&format!("port {port}")));
    plain.write_all(b"GET / HTTP/1.0\r\n\r\n").unwrap();
    let mut answer = Vec::new();
    let _ = plain.read_to_end(&mut answer);
    assert!(
        answer.len() < 16 && !answer.starts_with(b"GET"),
        "plaintext gets at most a TLS alert, then EOF: {answer:?}"
    );
}

#[test]
fn tls_server_with_a_missing_certificate_fails_cleanly() {
    let server = build("tcp_echo_server", &["c-examples/tcp_echo_server.c"]);
    let mut srv = Program::start(
        &server,
        &[
            "0",
            "1",
            "--tls",
            "/nonexistent/cert.pem",
            "/nonexistent/key.pem",
        ],
    );
    assert_eq!(srv.wait(), 1);
}

/// Sends `line` to the program and waits for its acknowledgement.
fn command(p: &mut Program, line: &str) {
    p.send(line);
    p.expect(&format!("done {line}"));
}

#[test]
fn evpp_tcp_server_program_close_start_broadcast_stop() {
    let exe = build("evpp_tcp_server", &["c-examples/evpp/tcp_server.cpp"]);
    let port = free_port();
    let mut srv = Program::start(&exe, &[&port.to_string()]);
    srv.expect("started");

    let mut a = connect(port);
    a.write_all(b"hi").unwrap();
    assert_eq!(read_exactly(&mut a, 2), b"hi");
    srv.expect("connected! ");

    command(&mut srv, "close");
    let deadline = Instant::now() + common::WAIT;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
        assert!(Instant::now() < deadline, "closesocket stops accepting");
        std::thread::sleep(Duration::from_millis(10));
    }
    a.write_all(b"still").unwrap();
    assert_eq!(
        read_exactly(&mut a, 5),
        b"still",
        "existing connections stay open"
    );

    command(&mut srv, "start");
    let mut b = connect(port);
    b.write_all(b"b").unwrap();
    assert_eq!(read_exactly(&mut b, 1), b"b");

    srv.send("yo");
    srv.expect("broadcast to 2");
    assert_eq!(read_exactly(&mut a, 2), b"yo");
    assert_eq!(read_exactly(&mut b, 2), b"yo");

    srv.send("stop");
    assert!(reads_eof(&mut a) && reads_eof(&mut b));
    assert_eq!(srv.wait(), 0);
    let exit_at = srv.seen.iter().position(|l| l == "exit").unwrap();
    let disconnects: Vec<&String> = srv.seen[..exit_at]
        .iter()
        .filter(|l| l.contains("disconnected!"))
        .collect();
    assert_eq!(
        disconnects.len(),
        2,
        "both disconnects run before stop returns: {:?}",
        srv.seen
    );

    // Each connection's callbacks ran on one worker thread, never main's.
    let mut tids: HashMap<String, Vec<String>> = HashMap::new();
    for l in srv.seen.iter().filter(|l| l.contains("connected!")) {
        let field = |k: &str| {
            l.split_whitespace()
                .find_map(|w| w.strip_prefix(k))
                .unwrap()
                .to_string()
        };
        tids.entry(field("id=")).or_default().push(field("tid="));
    }
    for (id, t) in &tids {
        assert!(
            t.len() == 2 && t[0] == t[1],
            "connection {id} callbacks on {t:?}"
        );
    }
    assert!(
        srv.seen
            .iter()
            .any(|l| l.contains("disconnected!") && l.contains(" num=2 ")),
        "connectionNum still counts a closing channel"
    );
    // EventLoop::connectionNum: least-connections put each client on a loop of its own.
    let connects: Vec<&String> = srv
        .seen
        .iter()
        .filter(|l| l.contains(" connected!"))
        .collect();
    assert_eq!(connects.len(), 2, "{:?}", srv.seen);
    assert!(
        connects.iter().all(|l| l.ends_with(" loopnum=1")),
        "{connects:?}"
    );
}

/// A plain echo server whose connections the test can cut.
struct EchoPeer {
    port: u16,
    conns: Arc<Mutex<Vec<std::net::TcpStream>>>,
}

impl EchoPeer {
    fn start() -> EchoPeer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let conns = Arc::new(Mutex::new(Vec::new()));
        let keep = conns.clone();
        std::thread::spawn(move || {
            for s in listener.incoming().flatten() {
                keep.lock().unwrap().push(s.try_clone().unwrap());
                std::thread::spawn(move || {
                    let mut s = s;
                    let mut buf = [0u8; 1024];
                    while let Ok(n) = s.read(&mut buf) {
                        if n == 0 || s.write_all(&buf[..n]).is_err() {
                            break;
                        }
                    }
                });
            }
        });
        EchoPeer { port, conns }
    }

    fn cut_all(&self) {
        for s in self.conns.lock().unwrap().drain(..) {
            let _ = s.shutdown(std::net::Shutdown::Both);
        }
    }
}

#[test]
fn evpp_tcp_client_program_timer_reconnect_and_close() {
    let exe = build("evpp_tcp_client", &["c-examples/evpp/tcp_client.cpp"]);
    let peer = EchoPeer::start();
    let mut cli = Program::start(&exe, &[&peer.port.to_string()]);
    cli.expect("connected to 127.0.0.1");
    cli.expect("< 20");
    peer.cut_all();
    cli.expect("disconnected to");
    cli.expect("connected to 127.0.0.1");
    cli.expect("reconnect cnt=1, delay=100");
    cli.expect("< 20");
    cli.send("close");
    cli.expect("disconnected to");
    assert_eq!(
        cli.count_within("connected to", Duration::from_millis(600)),
        0,
        "closesocket ends reconnecting"
    );
    assert_eq!(cli.wait(), 0);
}

#[test]
fn evpp_clients_sharing_one_loop() {
    let server = build("evpp_tcp_server", &["c-examples/evpp/tcp_server.cpp"]);
    let clients = build(
        "evpp_tcp_client_eventloop",
        &["c-examples/evpp/tcp_client_eventloop.cpp"],
    );
    let port = free_port();
    let mut srv = Program::start(&server, &[&port.to_string()]);
    srv.expect("started");
    let mut cli = Program::start(&clients, &[&port.to_string(), "5"]);
    let tids: Vec<String> = (0..5)
        .map(|_| {
            cli.expect("connected id=")
                .split("tid=")
                .nth(1)
                .unwrap()
                .to_string()
        })
        .collect();
    assert!(
        tids.iter().all(|t| *t == tids[0]),
        "all clients share the loop thread: {tids:?}"
    );
    cli.send("ping");
    for _ in 0..5 {
        cli.expect(" ping");
    }
    command(&mut cli, "ping");
    cli.send("delete");
    assert_eq!(cli.wait(), 0);
    srv.send("stop");
    assert_eq!(srv.wait(), 0);
}

#[test]
fn evpp_eventloop_program_orders_work_and_timers() {
    let exe = build("evpp_eventloop", &["c-examples/evpp/eventloop.cpp"]);
    let mut p = Program::start(&exe, &[]);
    assert_eq!(p.wait(), 0);
    let order: Vec<&str> = p
        .seen
        .iter()
        .map(|l| l.split(" tid=").next().unwrap())
        .collect();
    let pos = |s: &str| {
        order
            .iter()
            .position(|l| *l == s)
            .unwrap_or_else(|| panic!("{s:?} missing: {order:?}"))
    };
    assert!(
        pos("queueInLoop") < pos("runInLoop"),
        "queued work runs in FIFO order"
    );
    assert_eq!(pos("nested runInLoop runs inline") + 1, pos("after nested"));
    assert_eq!(order.iter().filter(|l| **l == "timer").count(), 5);
    assert!(pos("timeout: stopping") < pos("loop status=8"));
    let main_tid = p.seen[0].split("tid=").nth(1).unwrap();
    assert!(
        p.seen
            .iter()
            .filter(|l| l.starts_with("timer"))
            .all(|l| l.contains(&format!("tid={main_tid} "))),
        "run() runs the loop on the calling thread"
    );
}

#[test]
fn evpp_eventloop_thread_pool_program() {
    let exe = build(
        "evpp_eventloop_thread_pool",
        &["c-examples/evpp/eventloop_thread_pool.cpp"],
    );
    let mut p = Program::start(&exe, &[]);
    assert_eq!(p.wait(), 0);
    assert!(p.seen.iter().any(|l| l == "fired 4"));
    assert_eq!(
        p.seen
            .iter()
            .filter(|l| l.ends_with("in loop thread=1"))
            .count(),
        4
    );
    let mut tids: Vec<&str> = p
        .seen
        .iter()
        .filter(|l| l.starts_with("loop "))
        .map(|l| l.split("tid=").nth(1).unwrap())
        .collect();
    tids.sort();
    tids.dedup();
    assert_eq!(tids.len(), 4, "four distinct loop threads");
}

#[test]
fn evpp_channel_api_program() {
    let exe = build("evpp_channel_api", &["c-examples/evpp/channel_api.cpp"]);
    let mut p = Program::start(&exe, &[]);
    let rc = p.wait();
    assert_eq!(rc, 0, "{}", p.seen.join("\n"));
    assert_eq!(p.seen.iter().filter(|l| l.ends_with(" ok")).count(), 11);
}

fn http_ports(line: &str) -> (String, String) {
    let field = |k: &str| {
        line.split_whitespace()
            .find_map(|w| w.strip_prefix(k))
            .unwrap()
            .to_string()
    };
    (field("http="), field("https="))
}

#[test]
fn c_http_server_routes_stages_and_late_answers_over_http_and_https() {
    let exe = build("http_server", &["c-examples/http_server.c"]);
    let mut plain = Program::start(&exe, &["0"]);
    let (port, _) = http_ports(&plain.expect("listening"));
    let base = format!("http://127.0.0.1:{port}");
    assert_eq!(curl(&[&format!("{base}/ping")]), "pong");
    assert_eq!(curl(&[&format!("{base}/user/42")]), "user 42");
    assert_eq!(curl(&["-d", "a=1&b=2", &format!("{base}/echo")]), "a=1&b=2");
    let later = curl(&["-i", &format!("{base}/later")]);
    assert!(
        later.starts_with("HTTP/1.1 202")
            && later.contains("X-Stage: pre\r\n")
            && later.ends_with("accepted later"),
        "{later}"
    );
    assert_eq!(
        curl(&[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "DELETE",
            &format!("{base}/ping")
        ]),
        "405"
    );
    assert_eq!(
        curl(&[
            "--http2-prior-knowledge",
            "-w",
            " %{http_version}",
            &format!("{base}/user/7")
        ]),
        "user 7 2"
    );
    assert_eq!(plain.wait(), 0);

    let cert = Cert::generate("http-c", &["localhost"]);
    let tls_port = common::free_port().to_string();
    let mut tls = Program::start(
        &exe,
        &[
            "0",
            &tls_port,
            cert.cert.to_str().unwrap(),
            cert.key.to_str().unwrap(),
        ],
    );
    assert_eq!(http_ports(&tls.expect("listening")).1, tls_port);
    let resolve = format!("localhost:{tls_port}:127.0.0.1");
    let url = format!("https://localhost:{tls_port}/user/s");
    let got = curl(&[
        "--cacert",
        cert.cert.to_str().unwrap(),
        "--resolve",
        &resolve,
        "-w",
        " %{http_version}",
        &url,
    ]);
    assert_eq!(got, "user s 2", "HTTPS negotiates h2 by ALPN");
    assert_eq!(tls.wait(), 0);
}

/// Starts `exe <port> <https_port> cert key` on free ports with a fresh certificate for
/// localhost and waits for `ready`.
fn start_http_and_https(
    exe: &std::path::Path,
    tag: &str,
    ready: &str,
) -> (Program, Cert, String, String) {
    let cert = Cert::generate(tag, &["localhost"]);
    let (port, tls_port) = (
        common::free_port().to_string(),
        common::free_port().to_string(),
    );
    let mut p = Program::start(
        exe,
        &[
            &port,
            &tls_port,
            cert.cert.to_str().unwrap(),
            cert.key.to_str().unwrap(),
        ],
    );
    p.expect(ready);
    (p, cert, port, tls_port)
}

fn ready_port(p: &mut Program, needle: &str) -> String {
    p.expect(needle)
        .split("port ")
        .nth(1)
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn evpp_http_server_program_like_libhvs_http_server_test() {
    let exe = build("evpp_http_server", &["c-examples/evpp/http_server.cpp"]);
    let (mut p, cert, port, tls_port) = start_http_and_https(&exe, "http-cpp", "http server ready");
    let base = format!("http://127.0.0.1:{port}");
    let ping = curl(&["-i", &format!("{base}/ping")]);
    assert!(
        ping.starts_with("HTTP/1.1 200 OK") && ping.ends_with("pong"),
        "{ping}"
    );
    assert!(
        ping.contains("Access-Control-Allow-Origin: *\r\n") && ping.contains("X-Request-Tid: "),
        "{ping}"
    );
    assert!(ping.contains("Content-Type: text/plain"), "{ping}");
    assert_eq!(curl(&[&format!("{base}/data")]), "0123456789");
    let paths = curl(&[&format!("{base}/paths")]);
    for route in [
        "/ping",
        "/data",
        "/paths",
        "/get",
        "/echo",
        "/user/{id}",
        "/async",
    ] {
        assert!(paths.contains(&format!("\"{route}\"")), "{paths}");
    }
    let get = curl(&["-H", "X-Test: 1", &format!("{base}/get?env=1&x=y")]);
    assert!(
        get.contains("\"env\": \"1\"") && get.contains("\"x\": \"y\""),
        "{get}"
    );
    assert!(
        get.contains(&format!(
            "\"url\": \"http://127.0.0.1:{port}/get?env=1&x=y\""
        )),
        "{get}"
    );
    assert!(
        get.to_ascii_lowercase().contains("\"x-test\": \"1\""),
        "{get}"
    );
    let echo = curl(&[
        "-i",
        "-H",
        "Content-Type: application/json",
        "-d",
        "{\"a\":1}",
        &format!("{base}/echo"),
    ]);
    assert!(
        echo.contains("Content-Type: application/json") && echo.ends_with("{\"a\":1}"),
        "{echo}"
    );
    assert!(curl(&[&format!("{base}/user/123")]).contains("\"id\": \"123\""));
    let asynced = curl(&["-i", &format!("{base}/async")]);
    assert!(
        asynced.contains("X-Response-Tid: ") && asynced.ends_with("This is an async response.\n"),
        "{asynced}"
    );
    let preflight = curl(&[
        "-i",
        "-X",
        "OPTIONS",
        "-H",
        "Origin: http://a.example",
        &format!("{base}/ping"),
    ]);
    assert!(
        preflight.starts_with("HTTP/1.1 204")
            && preflight.contains("Access-Control-Allow-Origin: http://a.example"),
        "{preflight}"
    );

    let resolve = format!("localhost:{tls_port}:127.0.0.1");
    let h2 = curl(&[
        "--cacert",
        cert.cert.to_str().unwrap(),
        "--resolve",
        &resolve,
        "-w",
        " %{http_version}",
        &format!("https://localhost:{tls_port}/user/9"),
    ]);
    assert!(h2.contains("\"id\": \"9\"") && h2.ends_with(" 2"), "{h2}");
    assert_eq!(p.wait(), 0);
}

#[test]
fn evpp_http_edges_exceptions_forgotten_writers_routes_and_streams() {
    let exe = build("evpp_http_edges", &["c-examples/evpp/http_edges.cpp"]);
    let upstream_exe = build("evpp_http_server", &["c-examples/evpp/http_server.cpp"]);
    let upstream_port = common::free_port().to_string();
    let mut upstream = Program::start(&upstream_exe, &[&upstream_port]);
    upstream.expect("http server ready");
    let mut p = Program::start(&exe, &["0", &upstream_port]);
    let port = ready_port(&mut p, "ready on");
    let base = format!("http://127.0.0.1:{port}");
    let code = |args: &[&str]| curl(&[&["-o", "/dev/null", "-w", "%{http_code}"], args].concat());
    assert_eq!(
        code(&[&format!("{base}/throw")]),
        "500",
        "an exception answers 500"
    );
    assert_eq!(
        code(&[&format!("{base}/close")]),
        "500",
        "HTTP_STATUS_CLOSE answers 500"
    );
    assert_eq!(
        code(&["-H", "X-Block: 1", &format!("{base}/user/me")]),
        "401",
        "headerHandler runs first"
    );
    assert!(p.seen.iter().any(|l| l == "setSslCtx -1"), "{:?}", p.seen);
    assert!(
        p.seen.iter().any(|l| l == "workers started 2"),
        "setProcessNum(2) gives 2 worker threads: {:?}",
        p.seen
    );
    assert_eq!(curl(&[&format!("{base}/user/me")]), "literal me");
    assert_eq!(curl(&[&format!("{base}/user/7")]), "param 7");
    assert_eq!(curl(&[&format!("{base}/forget")]), "dropped without End");
    assert_eq!(code(&[&format!("{base}/onlypost")]), "405");
    assert_eq!(curl(&["-d", "x", &format!("{base}/onlypost")]), "posted");
    assert_eq!(
        code(&["-H", "X-Deny: yes", &format!("{base}/user/me")]),
        "403"
    );
    let stamped = curl(&["-i", &format!("{base}/user/me")]);
    assert!(stamped.contains("X-Pre: 1\r\n"), "{stamped}");
    let chunked = curl(&["-i", &format!("{base}/chunked")]);
    assert!(
        chunked.contains("Transfer-Encoding: chunked") && chunked.ends_with("one,two,three"),
        "{chunked}"
    );
    let sized = curl(&["-i", &format!("{base}/sized")]);
    assert!(
        sized.contains("Content-Length: 10\r\n")
            && !sized.contains("Transfer-Encoding")
            && sized.ends_with("0123456789"),
        "EndHeaders(\"Content-Length\", n) frames the stream: {sized}"
    );
    let sse = curl(&["-i", &format!("{base}/sse")]);
    assert!(
        sse.contains("Content-Type: text/event-stream")
            && sse.contains("event: message\ndata: first\n\n")
            && sse.contains("event: tick\ndata: second\n\n"),
        "{sse}"
    );
    let cookie = curl(&["-i", "-H", "Cookie: a=1; b=2", &format!("{base}/cookie")]);
    assert!(
        cookie.ends_with("b=2 header=none"),
        "cookies parsed, not left in headers: {cookie}"
    );
    assert!(
        cookie.contains("Set-Cookie: sid=abc; Path=/; Max-Age=10; HttpOnly\r\n"),
        "{cookie}"
    );
    let json = curl(&[&format!("{base}/json?name=zed")]);
    assert!(
        json.contains("\"code\": 0") && json.contains("\"name\": \"zed\""),
        "{json}"
    );
    assert_eq!(
        curl(&[&format!("{base}/up/ping")]),
        "pong",
        "Proxy() forwards to the upstream"
    );
    assert_eq!(
        curl(&[&format!("{base}/user/me")]),
        "literal me",
        "the server lives on"
    );
    assert_eq!(p.wait(), 0);
}

/// The C++ glue reuses a finished request's context for the next one on its loop: nothing a
/// handler left behind (headers, cookies, params, body, JSON, userdata, callbacks, status)
/// reaches the next request.
#[test]
fn evpp_http_context_of_one_request_leaks_nothing_into_the_next() {
    let exe = build("evpp_http_reuse", &["c-examples/evpp/http_reuse.cpp"]);
    let mut p = Program::start(&exe, &["0"]);
    let port = ready_port(&mut p, "ready on");
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..3 {
        let dirty = curl(&[
            "-H",
            "Cookie: a=b",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            &format!("{base}/dirty?x=1"),
        ]);
        assert_eq!(dirty, "201");
        // curl sends Host, User-Agent and Accept; the response holds nothing yet.
        assert_eq!(
            curl(&[&format!("{base}/clean")]),
            "req_headers=3 req_cookies=0 params=0 resp_headers=0 resp_cookies=0 body=0 json=0 \
             userdata=0 req_cb=0 resp_cb=0 status=200"
        );
    }
}

#[test]
fn gateway_forwards_concurrent_requests_and_keeps_each_answer_with_its_request() {
    let exe = build("gateway", &["c-examples/gateway.cpp"]);
    let (mut p, cert, port, tls_port) = start_http_and_https(&exe, "gateway", "gateway ready");
    assert_eq!(curl(&[&format!("http://127.0.0.1:{port}/ping")]), "pong");
    let workers: Vec<_> = (0..8)
        .map(|t| {
            let (port, tls_port, ca) = (
                port.clone(),
                tls_port.clone(),
                cert.cert.to_str().unwrap().to_string(),
            );
            std::thread::spawn(move || {
                for i in 0..10 {
                    let msg = format!("message {t} {i}");
                    let got = if i % 2 == 0 {
                        curl(&["-d", &msg, &format!("http://127.0.0.1:{port}/forward")])
                    } else {
                        let resolve = format!("localhost:{tls_port}:127.0.0.1");
                        curl(&[
                            "--cacert",
                            &ca,
                            "--resolve",
                            &resolve,
                            "-d",
                            &msg,
                            &format!("https://localhost:{tls_port}/forward"),
                        ])
                    };
                    assert_eq!(got, msg.to_uppercase());
                }
            })
        })
        .collect();
    for w in workers {
        w.join().unwrap();
    }
    let bad = curl(&[
        "-o",
        "/dev/null",
        "-w",
        "%{http_code}",
        "--data-binary",
        "two\nlines",
        &format!("http://127.0.0.1:{port}/forward"),
    ]);
    assert_eq!(bad, "400");
    assert_eq!(p.wait(), 0);
}

#[test]
fn evpp_http_client_program_requests_and_http_client() {
    let server = build("evpp_http_server", &["c-examples/evpp/http_server.cpp"]);
    let client = build("evpp_http_client", &["c-examples/evpp/http_client.cpp"]);
    let port = common::free_port().to_string();
    let mut srv = Program::start(&server, &[&port]);
    srv.expect("http server ready");
    let mut cli = Program::start(&client, &[&format!("http://127.0.0.1:{port}")]);
    assert_eq!(cli.wait(), 0, "{}", cli.seen.join("\n"));
    let out = cli.seen.join("\n");
    assert!(out.contains("get: 200 OK pong"), "{out}");
    assert!(out.contains("post: 200 OK hello,world!"), "{out}");
    assert!(
        out.contains("client: ret=0 200") && out.contains("\"id\": \"42\""),
        "{out}"
    );
    assert!(out.contains("async: This is an async response."), "{out}");
    assert!(out.contains("unreachable: request failed!"), "{out}");
    assert_eq!(srv.wait(), 0);
}

#[test]
fn httpd_style_program_with_config_router_and_content_types() {
    let exe = build(
        "httpd",
        &["c-examples/httpd/httpd.cpp", "c-examples/httpd/router.cpp"],
    );
    let dir = std::env::temp_dir().join(format!("hv-httpd-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("html")).unwrap();
    std::fs::write(dir.join("html/index.html"), "<h1>httpd</h1>").unwrap();
    let port = common::free_port();
    let conf = dir.join("httpd.conf");
    std::fs::write(
        &conf,
        format!(
            "# httpd.conf\nloglevel = WARN\nworker_threads = 2\nhttp_port = {port}\ndocument_root = {}\naccess_log = off\ncors = true\n",
            dir.join("html").display()
        ),
    )
    .unwrap();
    let mut p = Program::start_in(&exe, &["-c", conf.to_str().unwrap()], Some(&dir));
    p.expect("httpd listening on port");
    let b = format!("http://127.0.0.1:{port}");
    assert_eq!(curl(&[&format!("{b}/ping")]), "pong");
    assert_eq!(
        curl(&[&format!("{b}/")]),
        "<h1>httpd</h1>",
        "document_root from the config"
    );
    assert_eq!(
        curl(&["-d", "a=1&b=x", &format!("{b}/kv")]),
        "a=1&b=x&int=123&string=hello"
    );
    let json = curl(&[
        "-H",
        "Content-Type: application/json",
        "-d",
        "{\"k\":\"v\"}",
        &format!("{b}/json"),
    ]);
    assert!(
        json.contains("\"int\": 123") && json.contains("\"k\": \"v\""),
        "{json}"
    );
    let form = curl(&["-F", "f=1", &format!("{b}/form")]);
    assert!(
        form.contains("name=\"f\"\r\n\r\n1\r\n") && form.contains("name=\"int\"\r\n\r\n123\r\n"),
        "{form}"
    );
    let typed = curl(&[
        "-H",
        "Content-Type: application/json",
        "-d",
        "{\"bool\":true,\"int\":123,\"float\":3.14,\"string\":\"hello\"}",
        &format!("{b}/test"),
    ]);
    assert!(
        typed.contains("\"float\": 3.140000104904175") && typed.contains("\"bool\": true"),
        "{typed}"
    );
    let del = curl(&["-X", "DELETE", &format!("{b}/group/g1/user/u2")]);
    assert!(
        del.contains("\"group_name\": \"g1\"") && del.contains("\"user_id\": \"u2\""),
        "{del}"
    );
    assert_eq!(
        curl(&[&format!("{b}/wildcard/x")]),
        "/wildcard/x match /wildcard*"
    );
    assert!(curl(&[&format!("{b}/sleep?t=5")]).contains("\"slept_ms\": 5"));
    let upload = curl(&["--data-binary", "12345", &format!("{b}/upload/f.txt")]);
    assert!(
        upload.contains("\"bytes\": 5") && upload.contains("\"filename\": \"f.txt\""),
        "{upload}"
    );
    let sse = curl(&["-N", &format!("{b}/sse")]);
    assert!(
        sse.contains("data: tick 1\n\n") && sse.contains("data: tick 3\n\n"),
        "{sse}"
    );
    let paths = curl(&[&format!("{b}/paths")]);
    assert!(paths.contains("\"/upload/{filename}\""), "{paths}");

    // A reload the way libhv's httpd does it: SIGUSR1, and the configuration is read again;
    // its document_root, assigned directly to the service (no method call publishes it: CORS
    // is off now), answers the next request.
    std::fs::create_dir_all(dir.join("html2")).unwrap();
    std::fs::write(dir.join("html2/index.html"), "<h1>reloaded</h1>").unwrap();
    let reloaded = std::fs::read_to_string(&conf)
        .unwrap()
        .replace("/html\n", "/html2\n")
        .replace("cors = true", "cors = false");
    std::fs::write(&conf, reloaded).unwrap();
    let kill = std::process::Command::new("kill")
        .args(["-USR1", &p.pid().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    p.expect("reloaded 0");
    assert_eq!(curl(&[&format!("{b}/")]), "<h1>reloaded</h1>");
    assert_eq!(curl(&[&format!("{b}/ping")]), "pong", "routes kept");
    assert_eq!(p.wait(), 0);
    std::fs::remove_dir_all(dir).unwrap();
}

/// Waits until something listens on `port`.
fn wait_listening(port: u16, what: &str) {
    let deadline = Instant::now() + common::WAIT;
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "{what} never listened");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// A certificate for localhost, with the bench's 4 KiB static file in `static/` beside it.
fn bench_files(tag: &str) -> (Cert, std::path::PathBuf) {
    let cert = Cert::generate(tag, &["localhost"]);
    let dir = cert.dir.join("static");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("4k.bin"), vec![b'x'; 4096]).unwrap();
    (cert, dir)
}

/// The bench's bare-hyper server on two free ports (plain, TLS), serving the bench's files.
fn start_hyper_ref(tag: &str) -> (Cert, Program, u16, u16) {
    let (cert, static_dir) = bench_files(tag);
    let (port, tls_port) = (free_port(), free_port());
    let server = Program::start(
        std::path::Path::new(env!("CARGO_BIN_EXE_hyper_ref")),
        &[
            &port.to_string(),
            static_dir.join("4k.bin").to_str().unwrap(),
            &tls_port.to_string(),
            cert.cert.to_str().unwrap(),
            cert.key.to_str().unwrap(),
        ],
    );
    wait_listening(port, "hyper_ref");
    wait_listening(tls_port, "hyper_ref's HTTPS port");
    (cert, server, port, tls_port)
}

/// The bench's HTTP answers, asked once each (no timing): /ping over HTTP/1.1, h2c by prior
/// knowledge and h2 over TLS, and the 4 KiB static file.
fn assert_bench_http_answers(port: u16, tls_port: u16, cert: &Cert) {
    let base = format!("http://127.0.0.1:{port}");
    assert_eq!(curl(&[&format!("{base}/ping")]), "pong");
    assert_eq!(
        curl(&[
            "--http2-prior-knowledge",
            "-w",
            " %{http_version}",
            &format!("{base}/ping")
        ]),
        "pong 2"
    );
    assert_eq!(curl(&[&format!("{base}/static/4k.bin")]), "x".repeat(4096));
    let resolve = format!("localhost:{tls_port}:127.0.0.1");
    assert_eq!(
        curl(&[
            "--cacert",
            cert.cert.to_str().unwrap(),
            "--resolve",
            &resolve,
            "-w",
            " %{http_version}",
            &format!("https://localhost:{tls_port}/ping"),
        ]),
        "pong 2"
    );
}

// The bench's programs (bench/run.sh) stay working programs: each is built and asked once here,
// never timed.

/// The bench's hv-rs HTTP server, a libhv-style program: every answer the bench asks for, with
/// its access log on (written to the log file) and off.
#[test]
fn bench_ping_server_answers_pong() {
    let exe = build("bench_ping_server", &["c-examples/bench/ping_server.cpp"]);
    let (cert, static_dir) = bench_files("bench-ping");
    let log_file = cert.dir.join("access.log");
    for log in ["1", "0"] {
        let (port, tls_port) = (free_port(), free_port());
        let _server = Program::start(
            &exe,
            &[
                &port.to_string(),
                log,
                "1",
                log_file.to_str().unwrap(),
                static_dir.to_str().unwrap(),
                &tls_port.to_string(),
                cert.cert.to_str().unwrap(),
                cert.key.to_str().unwrap(),
            ],
        );
        wait_listening(port, "the ping server");
        wait_listening(tls_port, "the ping server's HTTPS port");
        assert_bench_http_answers(port, tls_port, &cert);
        if log == "1" {
            // The lines wait in the worker's buffer until the flusher's next round: the
            // program is killed only once they are in the file.
            let line = "[GET /ping]=>[200 OK]";
            let deadline = Instant::now() + Duration::from_secs(10);
            let logged = loop {
                let logged = std::fs::read_to_string(&log_file).unwrap_or_default();
                if logged.contains(line) || Instant::now() > deadline {
                    break logged;
                }
                std::thread::sleep(Duration::from_millis(50));
            };
            assert!(logged.contains(line), "{logged}");
        }
    }
    // The old two-argument form still serves /ping.
    let port = free_port();
    let _server = Program::start(&exe, &[&port.to_string(), "0"]);
    wait_listening(port, "the ping server");
    assert_eq!(curl(&[&format!("http://127.0.0.1:{port}/ping")]), "pong");
}

#[test]
fn bench_hyper_ref_answers_like_the_ping_server() {
    let (cert, _server, port, tls_port) = start_hyper_ref("bench-hyper");
    assert_bench_http_answers(port, tls_port, &cert);
}

/// Sends one message to the echo server on `port` and reads it back.
fn assert_echoes(port: u16) {
    let mut s = connect(port);
    s.write_all(b"hello bench").unwrap();
    assert_eq!(read_exactly(&mut s, 11), b"hello bench");
}

#[test]
fn bench_echo_servers_echo_and_echo_load_counts() {
    let hv = build(
        "bench_tcp_echo_server",
        &["c-examples/bench/tcp_echo_server.cpp"],
    );
    let epoll = build("bench_epoll_echo", &["bench/epoll_echo.c"]);
    for (exe, args) in [(hv, vec!["1"]), (epoll, vec![])] {
        let port = free_port();
        let port_arg = port.to_string();
        let _server = Program::start(&exe, &[&[port_arg.as_str()], &args[..]].concat());
        wait_listening(port, "the echo server");
        assert_echoes(port);
        let out = run_to_end(
            env!("CARGO_BIN_EXE_echo_load"),
            &[&format!("127.0.0.1:{port}"), "4", "1024", "0.2"],
        );
        assert!(out.starts_with("echoed ") && out.contains(" MB/s"), "{out}");
    }
}

#[test]
fn bench_idle_conns_holds_connections_over_http_and_https() {
    let (_cert, _server, port, tls_port) = start_hyper_ref("bench-idle");
    let exe = env!("CARGO_BIN_EXE_idle_conns");
    let plain = run_to_end(exe, &[&format!("127.0.0.1:{port}"), "3", "0"]);
    assert_eq!(plain.trim(), "ready 3");
    let tls = run_to_end(exe, &[&format!("127.0.0.1:{tls_port}"), "3", "0", "--tls"]);
    assert_eq!(tls.trim(), "ready 3");
}
