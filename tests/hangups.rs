//! Peers that hang up mid-answer never kill the process: C and C++ programs (SIGPIPE as a C
//! program has it, not as a Rust test binary has it) are driven by clients and upstreams that
//! close while the program is writing to them, with SIGPIPE ignored by the library and with the
//! program setting it back to its default action. Each must still answer afterwards.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{build, free_port, Cert, Program, WAIT};
use hv::tls::TlsOptions;
use rustls::pki_types::ServerName;
use rustls::{ClientConnection, ServerConnection, StreamOwned};

/// How many times each kind of peer hangs up on a program.
const ROUNDS: usize = 12;

/// The two dispositions a program may run with: the library's (ignored) and the default one,
/// set back by the program after the library started.
const SIGPIPE_MODES: [&[&str]; 2] = [&[], &["--sigpipe-default"]];

/// Connects to the program, reporting its death rather than a refused connection.
fn connect(p: &mut Program, port: u16) -> TcpStream {
    match TcpStream::connect(("127.0.0.1", port)) {
        Ok(s) => {
            s.set_read_timeout(Some(WAIT)).unwrap();
            s
        }
        Err(e) => {
            std::thread::sleep(Duration::from_millis(200));
            assert_alive(p, "connecting");
            panic!("connecting to port {port}: {e}");
        }
    }
}

fn tls_client(tcp: TcpStream, cert: &Cert) -> StreamOwned<ClientConnection, TcpStream> {
    let opts = TlsOptions {
        ca_file: Some(cert.cert.clone()),
        verify_peer: true,
        ..TlsOptions::default()
    };
    let name = ServerName::try_from("localhost").unwrap();
    let conn = ClientConnection::new(hv::tls::client_config(&opts).unwrap(), name).unwrap();
    StreamOwned::new(conn, tcp)
}

/// A connection to hang up on, plain or TLS.
trait Peer: Read + Write {
    fn tcp(&self) -> &TcpStream;
}

impl Peer for TcpStream {
    fn tcp(&self) -> &TcpStream {
        self
    }
}

impl<C> Peer for StreamOwned<C, TcpStream>
where
    Self: Read + Write,
{
    fn tcp(&self) -> &TcpStream {
        &self.sock
    }
}

/// Hangs up the way that makes the other side's next writes fail with EPIPE, the error that
/// raises SIGPIPE: a FIN first (the writer's socket goes to CLOSE_WAIT), then, with its data
/// unread, a reset.
fn hang_up(tcp: &TcpStream) {
    let _ = tcp.shutdown(Shutdown::Write);
    std::thread::sleep(Duration::from_millis(20));
}

/// Sends `request` `times` times back to back, waits for the first bytes of the answers and
/// hangs up with the rest unread.
fn flood_and_hang_up(mut stream: impl Peer, request: &[u8], times: usize) {
    let burst = request.repeat(times);
    if stream
        .write_all(&burst)
        .and_then(|_| stream.flush())
        .is_ok()
    {
        let mut first = [0u8; 512];
        let _ = stream.read(&mut first);
    }
    hang_up(stream.tcp());
}

fn assert_alive(p: &mut Program, what: &str) {
    if let Some(status) = p.try_status() {
        panic!(
            "{what}: the program died ({status}); output:\n{}",
            p.seen.join("\n")
        );
    }
}

fn http_get(port: u16, path: &str) -> String {
    let mut s = common::connect(port);
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = String::new();
    s.read_to_string(&mut answer).unwrap();
    answer
}

fn https_get(port: u16, cert: &Cert, path: &str) -> String {
    let mut s = tls_client(common::connect(port), cert);
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut answer = Vec::new();
    match s.read_to_end(&mut answer) {
        Ok(_) => {}
        Err(e) if e.kind() == ErrorKind::UnexpectedEof => {}
        Err(e) => panic!("reading the HTTPS answer: {e}"),
    }
    String::from_utf8_lossy(&answer).into_owned()
}

/// An upstream that reads the start of each request and hangs up (for the proxy and the HTTP
/// client, which are then writing a large body to it).
struct RudeUpstream {
    port: u16,
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RudeUpstream {
    fn start() -> RudeUpstream {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::Acquire) {
                    break;
                }
                let Ok(mut conn) = conn else { continue };
                let _ = conn.set_read_timeout(Some(WAIT));
                let mut head = [0u8; 16 * 1024];
                let _ = conn.read(&mut head);
                hang_up(&conn);
            }
        });
        RudeUpstream {
            port,
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for RudeUpstream {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Release);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Runs curl for a large answer and lets it give up after a moment, mid-download.
fn curl_hang_up(args: &[&str]) {
    let status = std::process::Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "--max-time",
            "0.3",
            "--limit-rate",
            "200k",
        ])
        .args(args)
        .status()
        .expect("running curl");
    assert!(status.code().is_some(), "curl ended by a signal");
}

#[test]
fn http_and_https_server_survive_clients_and_upstreams_that_hang_up() {
    let exe = build("hangup_http_server", &["c-examples/hangup/http_server.cpp"]);
    for mode in SIGPIPE_MODES {
        let cert = Cert::generate("hangup-http", &["localhost"]);
        let upstream = RudeUpstream::start();
        let (port, tls_port) = (free_port(), free_port());
        let args = [
            port.to_string(),
            tls_port.to_string(),
            cert.cert.to_str().unwrap().to_string(),
            cert.key.to_str().unwrap().to_string(),
            upstream.port.to_string(),
        ];
        let mut args: Vec<&str> = args.iter().map(String::as_str).collect();
        args.extend_from_slice(mode);
        let mut p = Program::start(&exe, &args);
        p.expect("http server ready");
        let what = format!("http server {mode:?}");

        let ping = b"GET /ping HTTP/1.1\r\nHost: localhost\r\n\r\n";
        let big = b"GET /big HTTP/1.1\r\nHost: localhost\r\n\r\n";
        for _ in 0..ROUNDS {
            assert_alive(&mut p, &what);
            flood_and_hang_up(connect(&mut p, port), ping, 2000);
            flood_and_hang_up(connect(&mut p, port), big, 4);
            flood_and_hang_up(tls_client(connect(&mut p, tls_port), &cert), ping, 2000);
            flood_and_hang_up(tls_client(connect(&mut p, tls_port), &cert), big, 4);
        }
        assert_alive(&mut p, &format!("{what}, HTTP/1 clients"));

        let (h2c, h2) = (
            format!("http://127.0.0.1:{port}/big"),
            format!("https://localhost:{tls_port}/big"),
        );
        let ca = cert.cert.to_str().unwrap();
        for _ in 0..3 {
            curl_hang_up(&["--http2-prior-knowledge", &h2c]);
            curl_hang_up(&["--http2", "--cacert", ca, &h2]);
        }
        assert_alive(&mut p, &format!("{what}, HTTP/2 clients"));

        let body = vec![b'b'; 8 << 20];
        for path in ["/proxy/sink", "/fetch"] {
            let mut s = connect(&mut p, port);
            let head = format!(
                "POST {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
                body.len()
            );
            s.write_all(head.as_bytes()).unwrap();
            let _ = s.write_all(&body);
            let mut answer = String::new();
            let _ = s.read_to_string(&mut answer);
            assert!(answer.starts_with("HTTP/1.1 "), "{path}: {answer:?}");
        }
        assert_alive(&mut p, &format!("{what}, upstreams"));

        assert!(http_get(port, "/ping").ends_with("pong"), "{what}: HTTP");
        assert!(
            https_get(tls_port, &cert, "/ping").ends_with("pong"),
            "{what}: HTTPS"
        );
        assert_eq!(p.wait(), 0, "{what}: output:\n{}", p.seen.join("\n"));
    }
}

fn port_of(line: &str) -> u16 {
    line.rsplit(' ').next().unwrap().parse().unwrap()
}

#[test]
fn tcp_and_tls_servers_survive_clients_that_hang_up() {
    let exe = build("hangup_tcp_server", &["c-examples/hangup/tcp_server.c"]);
    let cert = Cert::generate("hangup-tcp", &["localhost"]);
    let (crt, key) = (cert.cert.to_str().unwrap(), cert.key.to_str().unwrap());
    for tls in [false, true] {
        for mode in SIGPIPE_MODES {
            let mut args: Vec<&str> = if tls { vec!["--tls", crt, key] } else { vec![] };
            args.extend_from_slice(mode);
            let mut p = Program::start(&exe, &args);
            let port = port_of(&p.expect("listening on port"));
            let what = format!("tcp server tls={tls} {mode:?}");
            for _ in 0..ROUNDS {
                assert_alive(&mut p, &what);
                if tls {
                    flood_and_hang_up(tls_client(connect(&mut p, port), &cert), b"flood", 1);
                } else {
                    flood_and_hang_up(connect(&mut p, port), b"flood", 1);
                }
            }
            assert_alive(&mut p, &what);
            let mut pong = [0u8; 4];
            if tls {
                let mut s = tls_client(connect(&mut p, port), &cert);
                s.write_all(b"ping").unwrap();
                s.read_exact(&mut pong).unwrap();
            } else {
                let mut s = connect(&mut p, port);
                s.write_all(b"ping").unwrap();
                s.read_exact(&mut pong).unwrap();
            }
            assert_eq!(&pong, b"pong", "{what}");
            assert_eq!(p.wait(), 0, "{what}: output:\n{}", p.seen.join("\n"));
        }
    }
}

/// Accepts `rounds` connections (TLS with `cert`), reads a little from each and hangs up.
/// Stops early if the client program has ended (its exit status then tells how).
fn hang_up_on_clients(p: &mut Program, listener: TcpListener, rounds: usize, cert: Option<&Cert>) {
    listener.set_nonblocking(true).unwrap();
    let config = cert.map(|c| {
        hv::tls::server_config(&TlsOptions {
            crt_file: Some(c.cert.clone()),
            key_file: Some(c.key.clone()),
            ..TlsOptions::default()
        })
        .unwrap()
    });
    let mut accepted = 0;
    let deadline = Instant::now() + WAIT * 3;
    while accepted < rounds && Instant::now() < deadline {
        let conn = match listener.accept() {
            Ok((conn, _)) => conn,
            Err(e) if e.kind() == ErrorKind::WouldBlock => {
                if p.try_status().is_some() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(5));
                continue;
            }
            Err(e) => panic!("accept: {e}"),
        };
        accepted += 1;
        conn.set_nonblocking(false).unwrap();
        conn.set_read_timeout(Some(WAIT)).unwrap();
        let mut buf = [0u8; 4096];
        match &config {
            Some(config) => {
                let tls = ServerConnection::new(config.clone()).unwrap();
                let mut s = StreamOwned::new(tls, conn);
                let _ = s.read(&mut buf);
                hang_up(&s.sock);
            }
            None => {
                let mut conn = conn;
                let _ = conn.read(&mut buf);
                hang_up(&conn);
            }
        }
    }
}

#[test]
fn tcp_client_survives_servers_that_hang_up() {
    let exe = build("hangup_tcp_client", &["c-examples/hangup/tcp_client.cpp"]);
    let cert = Cert::generate("hangup-client", &["localhost"]);
    for tls in [false, true] {
        for mode in SIGPIPE_MODES {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            let port = listener.local_addr().unwrap().port().to_string();
            let rounds = ROUNDS.to_string();
            let mut args = vec![port.as_str(), rounds.as_str()];
            if tls {
                args.push("--tls");
            }
            args.extend_from_slice(mode);
            let mut p = Program::start(&exe, &args);
            let what = format!("tcp client tls={tls} {mode:?}");
            hang_up_on_clients(&mut p, listener, ROUNDS, tls.then_some(&cert));
            let code = p.wait();
            let status = p.try_status();
            assert_eq!(
                code,
                0,
                "{what}: ended with {status:?}; output:\n{}",
                p.seen.join("\n")
            );
            assert!(
                p.seen.iter().any(|l| l.contains("survived")),
                "{what}: {:?}",
                p.seen
            );
        }
    }
}
